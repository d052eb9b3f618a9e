import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { IMMUTABLE } from "../apps/public/static";
import { createCall } from "../core/calls/service";
import { controlDb } from "../db/client";
import { memberships, users } from "../db/schema/control";
import { makeWav } from "./fixtures";
import { BASE, call, E, loginCookie, makeTenant, type TestTenant } from "./helpers";
import { postMultipart } from "./multipart";

/**
 * The portal's call pages (B5, B6, D2) and its upload routes (B1, B2): list and filters in both
 * languages, an agent's own calls only, the detail page with its player and transcript, the
 * recording stream with Range, uploads with the API's 411/413 rules and CSRF, transcript import
 * with readable parse errors, deletion, and the cross-tenant 404.
 */

const SEGMENTS = {
  segments: [
    {
      id: "a1",
      speaker: "agent",
      start: 0,
      end: 3,
      text: "Bonjour, Assurances Horizon, Julie à votre écoute.",
    },
    {
      id: "a2",
      speaker: "customer",
      start: 3.5,
      end: 8,
      text: "Je voudrais résilier mon contrat habitation.",
    },
    { id: "a3", speaker: "agent", start: 8.5, end: 12, text: "Très bien, je regarde votre dossier." },
  ],
};

const db = () => controlDb(E);
const ORIGIN = { origin: BASE };

async function setLocale(userId: string, locale: "fr" | "en") {
  await db().update(users).set({ locale }).where(eq(users.id, userId));
}

const putRecording = (
  id: string,
  cookie: string,
  body: Uint8Array,
  headers: Record<string, string> = ORIGIN,
) =>
  call(`/calls/${id}/recording`, {
    method: "PUT",
    cookie,
    body,
    headers: { "content-type": "audio/wav", ...headers },
  });

describe("portal: the call list (B6, D2)", () => {
  let t: TestTenant;
  let cookie: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await makeTenant();
    const base = Date.parse("2026-10-05T08:00:00Z");
    const a = await createCall(t.ctx, {
      externalId: "HAB-1",
      startedAt: base,
      durationS: 125,
      agent: { externalId: "J-1", name: "Julie Martin", team: "Sinistres" },
      customerPhone: "06 12 34 56 78",
      transcript: { format: "json", content: SEGMENTS },
    });
    const b = await createCall(t.ctx, {
      externalId: "AUTO-2",
      startedAt: base + 86_400_000 * 3,
      durationS: 42,
      agent: { externalId: "P-2", name: "Paul Durand", team: "Auto" },
    });
    ids.julie = a.call.id;
    ids.paul = b.call.id;
    ids.julieAgent = a.call.agentId as string;
    cookie = await loginCookie(t.users.supervisor.email);
  });

  it("lists calls with their columns and the filter form, in English and in French", async () => {
    const res = await call("/calls", { cookie });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<h1>Calls</h1>");
    for (const name of ["from", "to", "agentId", "team", "status", "q", "sort"])
      expect(html).toContain(`name="${name}"`);
    expect(html).toContain(`href="/calls/${ids.julie}"`);
    expect(html).toContain(`href="/calls/${ids.paul}"`);
    expect(html.indexOf(ids.paul)).toBeLessThan(html.indexOf(ids.julie)); // newest first
    expect(html).toContain("Julie Martin");
    expect(html).toContain("Sinistres");
    expect(html).toContain("2:05"); // duration
    expect(html).toMatch(/<td>\+33 6•+78<\/td>/); // masked, never in clear
    expect(html).not.toContain("0612345678");
    expect(html).toContain("Transcript");
    expect(html).toContain("Words in the transcript");
    expect(html).toMatch(/5 Oct 2026/); // Intl, en-GB
    expect(html).toContain('href="/calls">Calls</a>'); // the nav link

    await setLocale(t.users.supervisor.id, "fr");
    try {
      const fr = await (await call("/calls", { cookie })).text();
      expect(fr).toContain("<h1>Appels</h1>");
      expect(fr).toContain("Mots dans la transcription");
      expect(fr).toContain("Tous les conseillers");
      expect(fr).toMatch(/5 oct\. 2026/);
      expect(fr).toContain("Transcription");
    } finally {
      await setLocale(t.users.supervisor.id, "en");
    }
  });

  it("filters by words, agent, team, dates and status, and keeps the filters in the form", async () => {
    const list = async (qs: string) => {
      const res = await call(`/calls?${qs}`, { cookie });
      return { status: res.status, html: await res.text() };
    };
    const has = (html: string) => ({
      julie: html.includes(`/calls/${ids.julie}"`),
      paul: html.includes(`/calls/${ids.paul}"`),
    });
    expect(has((await list("q=r%C3%A9silier")).html)).toEqual({ julie: true, paul: false });
    expect(has((await list("q=resilier+contrat")).html)).toEqual({ julie: true, paul: false });
    expect(has((await list(`agentId=${ids.julieAgent}`)).html)).toEqual({ julie: true, paul: false });
    expect(has((await list("team=Auto")).html)).toEqual({ julie: false, paul: true });
    expect(has((await list("from=2026-10-06")).html)).toEqual({ julie: false, paul: true });
    expect(has((await list("from=2026-10-05&to=2026-10-05")).html)).toEqual({ julie: true, paul: false });
    expect(has((await list("sort=durationS")).html)).toEqual({ julie: true, paul: true });
    const done = await list("status=done");
    expect(has(done.html)).toEqual({ julie: false, paul: false });
    expect(done.html).toContain("No call matches these filters.");
    expect(done.html).toContain('<option value="done" selected="">');
    const q = await list("q=contrat");
    expect(q.html).toContain('value="contrat"');
    const bad = await list("from=2026-13-45");
    expect(bad.status).toBe(400);
    expect(bad.html).toContain("Enter the dates as day, month and year.");
    const badCursor = await list("cursor=nope");
    expect(badCursor.status).toBe(400);
  });

  it("pages with a cursor link that keeps the filters", async () => {
    const p = await makeTenant();
    for (let i = 0; i < 51; i++)
      await createCall(p.ctx, {
        externalId: `P-${i}`,
        startedAt: Date.parse("2026-09-01T08:00:00Z") + i * 60_000,
      });
    const c = await loginCookie(p.users.owner.email);
    const first = await (await call("/calls?team=&sort=-startedAt", { cookie: c })).text();
    const next = /href="(\/calls\?[^"]*cursor=[^"]+)" rel="next"/.exec(first);
    expect(next).not.toBeNull();
    const url = next![1].replaceAll("&amp;", "&");
    expect(url).toContain("sort=-startedAt");
    expect(first).toContain("P-50");
    expect(first).not.toContain(">P-0<");
    const second = await (await call(url, { cookie: c })).text();
    expect(second).toContain(">P-0<");
    expect(second).not.toContain("P-50");
    expect(second).not.toContain('rel="next"');
    expect(second).toContain("Back to the newest");
  });

  it("an agent sees only the calls where they are the agent, without the directory filters", async () => {
    await db()
      .update(memberships)
      .set({ agentId: ids.julieAgent })
      .where(eq(memberships.id, t.users.agent.membershipId));
    const agent = await loginCookie(t.users.agent.email);
    const html = await (await call("/calls", { cookie: agent })).text();
    expect(html).toContain(`/calls/${ids.julie}"`);
    expect(html).not.toContain(`/calls/${ids.paul}"`);
    expect(html).toContain("You see the calls where you are the agent.");
    expect(html).not.toContain('name="agentId"');
    expect(html).not.toContain("Paul Durand");
    expect(html).not.toContain('href="/calls/upload"');
    expect((await call(`/calls/${ids.julie}`, { cookie: agent })).status).toBe(200);
    expect((await call(`/calls/${ids.paul}`, { cookie: agent })).status).toBe(404);
    expect((await call(`/calls/${ids.paul}/recording`, { cookie: agent })).status).toBe(404);
    expect((await call("/calls/upload", { cookie: agent })).status).toBe(403);
    const del = await call(`/calls/${ids.julie}/delete`, { method: "POST", cookie: agent, form: {} });
    expect(del.status).toBe(403);
  });

  it("a viewer may not open the calls (403) and has no Calls link", async () => {
    const viewer = await loginCookie(t.users.viewer.email);
    expect((await call("/calls", { cookie: viewer })).status).toBe(403);
    expect((await call(`/calls/${ids.julie}`, { cookie: viewer })).status).toBe(403);
    const home = await (await call("/", { cookie: viewer })).text();
    expect(home).not.toContain('href="/calls"');
  });
});

describe("portal: a call's page, its recording and its deletion (B5, B7)", () => {
  it("uploads through the portal route, shows the player and the transcript, streams with Range, deletes", async () => {
    const t = await makeTenant();
    const cookie = await loginCookie(t.users.supervisor.email);
    const created = await call("/calls/new", {
      method: "POST",
      cookie,
      json: { agentExternalId: "J-1", agentName: "Julie Martin", team: "Sinistres", queue: "habitation" },
      headers: ORIGIN,
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const wav = makeWav(12.5);
    const up = await putRecording(id, cookie, wav);
    expect(up.status).toBe(200);
    expect(await up.json()).toMatchObject({
      id,
      recording: { status: "stored", format: "wav", size: wav.length, durationS: 12.5 },
    });

    // A transcript for the same call (the API's PUT; the portal page shows what is stored).
    const tx = await call(`/api/v1/calls/${id}/transcript`, { method: "PUT", key: t.key, json: SEGMENTS });
    expect(tx.status).toBe(200);

    const res = await call(`/calls/${id}`, { cookie });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(
      `<audio controls="" preload="none" src="/calls/${id}/recording" data-player="true">`,
    );
    expect(html).toMatch(/<p id="a1" data-start="0" data-end="3" data-speaker="agent">/);
    expect(html).toMatch(/<p id="a2" data-start="3.5" data-end="8" data-speaker="customer">/);
    expect(html).toContain('data-seek="8.5"');
    expect(html).toContain("Je voudrais résilier mon contrat habitation.");
    expect(html).toContain("Julie Martin");
    expect(html).toContain("habitation");
    expect(html).toMatch(
      /<script type="module" src="\/static\/player\.js\?v=[0-9a-f]{16}" nonce="[^"]+"><\/script>/,
    );
    expect(html).toContain(`action="/calls/${id}/delete"`);

    const range = await call(`/calls/${id}/recording`, { cookie, headers: { range: "bytes=0-99" } });
    expect(range.status).toBe(206);
    expect(range.headers.get("content-range")).toBe(`bytes 0-99/${wav.length}`);
    expect(range.headers.get("accept-ranges")).toBe("bytes");
    expect(new Uint8Array(await range.arrayBuffer())).toEqual(wav.slice(0, 100));
    const full = await call(`/calls/${id}/recording`, { cookie });
    expect(full.status).toBe(200);
    expect(full.headers.get("content-type")).toBe("audio/wav");
    await full.arrayBuffer();

    // A second recording without replace is refused in words.
    const again = await putRecording(id, cookie, makeWav(1));
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ message: "this call already has a recording." });

    const del = await call(`/calls/${id}/delete`, { method: "POST", cookie, form: {} });
    expect(del.status).toBe(303);
    expect(del.headers.get("location")).toBe("/calls?done=call_deleted");
    const after = await (await call("/calls?done=call_deleted", { cookie })).text();
    expect(after).toContain("The call has been deleted");
    expect(after).not.toContain(`/calls/${id}"`);
    expect((await call(`/calls/${id}`, { cookie })).status).toBe(404);
    expect((await call(`/calls/${id}/recording`, { cookie })).status).toBe(404);
    expect((await E.BLOB_EU.list({ prefix: `t/${t.tenant.id}/calls/${id}/` })).objects).toHaveLength(0);
  });

  it("another tenant's call is 404 on every call route", async () => {
    const t = await makeTenant();
    const other = await makeTenant();
    const { call: theirs } = await createCall(other.ctx, { externalId: "X" });
    const cookie = await loginCookie(t.users.owner.email);
    expect((await call(`/calls/${theirs.id}`, { cookie })).status).toBe(404);
    expect((await call(`/calls/${theirs.id}/recording`, { cookie })).status).toBe(404);
    const put = await putRecording(theirs.id, cookie, makeWav(1));
    expect(put.status).toBe(404);
    expect(await put.json()).toEqual({ message: "This call does not exist or you may not see it." });
    expect((await call(`/calls/${theirs.id}/delete`, { method: "POST", cookie, form: {} })).status).toBe(404);
    expect(
      (
        await call(`/calls/${theirs.id}/recording/uploads`, {
          method: "POST",
          cookie,
          json: {},
          headers: ORIGIN,
        })
      ).status,
    ).toBe(404);
    expect((await call(`/api/v1/calls/${theirs.id}`, { key: other.key })).status).toBe(200);
  });
});

describe("portal: uploading recordings (B1)", () => {
  let t: TestTenant;
  let cookie: string;
  let id: string;
  beforeAll(async () => {
    t = await makeTenant();
    cookie = await loginCookie(t.users.admin.email);
  });
  const newCall = async () => {
    const r = await call("/calls/new", { method: "POST", cookie, json: {}, headers: ORIGIN });
    expect(r.status).toBe(201);
    return ((await r.json()) as { id: string }).id;
  };

  it("refuses a state change without our Origin (403), a missing length (411), an oversize length before reading (413)", async () => {
    id = await newCall();
    const noOrigin = await putRecording(id, cookie, makeWav(1), {});
    expect(noOrigin.status).toBe(403);
    // Refused before the session is read, so in the browser's language (here the default, French).
    expect(await noOrigin.json()).toEqual({
      message: "Ce formulaire a été envoyé depuis un autre site et a été refusé.",
    });
    const foreign = await putRecording(id, cookie, makeWav(1), { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect((await call("/calls/new", { method: "POST", cookie, json: {} })).status).toBe(403);

    const stream = new ReadableStream({
      start(ctrl) {
        ctrl.enqueue(makeWav(0.1));
        ctrl.close();
      },
    });
    const r411 = await call(`/calls/${id}/recording`, {
      method: "PUT",
      cookie,
      body: stream,
      headers: { ...ORIGIN, "content-type": "audio/wav" },
      duplex: "half",
    } as RequestInit);
    expect(r411.status).toBe(411);
    expect(((await r411.json()) as { message: string }).message).toMatch(/did not give the file's size/);

    let pulled = 0;
    const big = new ReadableStream({
      pull(ctrl) {
        pulled++;
        ctrl.enqueue(new Uint8Array(1024 * 1024));
      },
    });
    const r413 = await call(`/calls/${id}/recording`, {
      method: "PUT",
      cookie,
      body: big,
      headers: { ...ORIGIN, "content-type": "audio/wav", "content-length": String(200 * 1024 * 1024) },
      duplex: "half",
    } as RequestInit);
    expect(r413.status).toBe(413);
    expect(await r413.json()).toEqual({
      message: "the file is larger than 100 MB, the limit of one request.",
    });
    expect(pulled).toBeLessThan(5);

    const pdf = new TextEncoder().encode("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n".repeat(20));
    const r415 = await putRecording(id, cookie, pdf);
    expect(r415.status).toBe(415);
    expect(((await r415.json()) as { message: string }).message).toMatch(/not a supported audio format/);
    expect((await E.BLOB_EU.list({ prefix: `t/${t.tenant.id}/calls/${id}/` })).objects).toHaveLength(0);

    // And then it works.
    expect((await putRecording(id, cookie, makeWav(2))).status).toBe(200);
  });

  it("a file above the single-request limit goes through the portal's multipart routes", async () => {
    const callId = await newCall();
    const wav = makeWav(3);
    const start = await call(`/calls/${callId}/recording/uploads`, {
      method: "POST",
      cookie,
      json: {},
      headers: ORIGIN,
    });
    expect(start.status).toBe(201);
    const { uploadId, partSize } = (await start.json()) as { uploadId: string; partSize: number };
    expect(partSize).toBeGreaterThanOrEqual(5 * 1024 * 1024);
    const base = `/calls/${callId}/recording/uploads/${uploadId}`;
    const part = await call(`${base}/parts/1`, {
      method: "PUT",
      cookie,
      body: wav,
      headers: { ...ORIGIN, "content-type": "application/octet-stream" },
    });
    expect(part.status).toBe(200);
    expect(await part.json()).toMatchObject({ partNumber: 1, size: wav.length });
    expect(
      (await call(`${base}/parts/0`, { method: "PUT", cookie, body: wav, headers: ORIGIN })).status,
    ).toBe(400);
    const done = await call(`${base}/complete`, { method: "POST", cookie, json: {}, headers: ORIGIN });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({
      id: callId,
      recording: { format: "wav", size: wav.length, durationS: 3 },
    });
    const html = await (await call(`/calls/${callId}`, { cookie })).text();
    expect(html).toContain(`src="/calls/${callId}/recording"`);

    // An aborted upload leaves nothing.
    const other = await newCall();
    const s2 = (await (
      await call(`/calls/${other}/recording/uploads`, { method: "POST", cookie, json: {}, headers: ORIGIN })
    ).json()) as {
      uploadId: string;
    };
    const abort = await call(`/calls/${other}/recording/uploads/${s2.uploadId}`, {
      method: "DELETE",
      cookie,
      headers: ORIGIN,
    });
    expect(abort.status).toBe(200);
  });

  it("creates calls with the page's shared fields, and says plainly what is wrong", async () => {
    const ok = await call("/calls/new", {
      method: "POST",
      cookie,
      json: { externalId: "rec-2026-11-20-001", agentExternalId: "K-9", team: "Retention", language: "fr" },
      headers: ORIGIN,
    });
    expect(ok.status).toBe(201);
    const body = (await ok.json()) as { id: string; created: boolean; url: string };
    expect(body).toMatchObject({ created: true, url: `/calls/${body.id}` });
    const view = (await (await call(`/api/v1/calls/${body.id}`, { key: t.key })).json()) as Record<
      string,
      unknown
    >;
    expect(view).toMatchObject({ externalId: "rec-2026-11-20-001", team: "Retention", language: "fr" });
    // The same file again: the same call, not created (the script then gets "already has a recording").
    const again = await call("/calls/new", {
      method: "POST",
      cookie,
      json: { externalId: "rec-2026-11-20-001", agentExternalId: "K-9", team: "Retention", language: "fr" },
      headers: ORIGIN,
    });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { created: boolean }).created).toBe(false);
    const clash = await call("/calls/new", {
      method: "POST",
      cookie,
      json: { externalId: "rec-2026-11-20-001", queue: "other" },
      headers: ORIGIN,
    });
    expect(clash.status).toBe(409);
    expect(((await clash.json()) as { message: string }).message).toMatch(
      /already exists with other details/,
    );
    const teamOnly = await call("/calls/new", {
      method: "POST",
      cookie,
      json: { team: "Blue" },
      headers: ORIGIN,
    });
    expect(teamOnly.status).toBe(400);
    expect(await teamOnly.json()).toEqual({ message: "give the agent's id to set a team or an agent name." });
  });

  it("the upload page offers drag and drop with JavaScript and the transcript form without it", async () => {
    const res = await call("/calls/upload", { cookie });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<section id="audio-upload"[^>]* hidden=""/);
    expect(html).toContain('data-max-single="104857600"');
    expect(html).toContain('type="file" name="files" multiple=""');
    expect(html).toContain("<noscript>");
    expect(html).toContain("needs JavaScript");
    expect(html).toContain('action="/calls/import" enctype="multipart/form-data"');
    expect(html).toMatch(/src="\/static\/upload\.js\?v=[0-9a-f]{16}"/);
    await setLocale(t.users.admin.id, "fr");
    try {
      const fr = await (await call("/calls/upload", { cookie })).text();
      expect(fr).toContain("Déposez les fichiers audio ici");
      expect(fr).toContain("Importer une transcription");
      expect(fr).toContain('data-msg-sending="Envoi… {percent} %"');
    } finally {
      await setLocale(t.users.admin.id, "en");
    }
  });
});

describe("portal: importing a transcript (B2)", () => {
  it("imports a file as a new call, and names the line of a parse error in the user's language", async () => {
    const t = await makeTenant();
    const cookie = await loginCookie(t.users.owner.email);
    const vtt =
      "WEBVTT\n\nq1\n00:00:00.000 --> 00:00:02.000\n<v Agent>Bonjour\n\nq2\n00:00:02.500 --> 00:00:04.000\n<v Client>Un souci de facture\n";
    const ok = await postMultipart("/calls/import", cookie, {
      file: new File([vtt], "appel-42.vtt", { type: "text/vtt" }),
      externalId: "appel-42",
      agentExternalId: "",
    });
    expect(ok.status).toBe(303);
    const loc = ok.headers.get("location") ?? "";
    expect(loc).toMatch(/^\/calls\/cal_[^?]+\?done=transcript_imported$/);
    const page = await (await call(loc, { cookie })).text();
    expect(page).toContain("The transcript has been imported.");
    expect(page).toMatch(/<p id="q2" data-start="2.5" data-end="4" data-speaker="customer">/);
    expect(page).toContain("No recording.");
    // No audio player, but the script still serves the evidence links (scroll to a segment).
    expect(page).not.toContain("<audio");
    expect(page).toContain("player.js");

    const bad = "WEBVTT\n\n00:00:01.000 --> 00:0x:02.000\nAgent: hi\n";
    const r = await postMultipart("/calls/import", cookie, {
      file: new File([bad], "broken.vtt"),
      externalId: "b-1",
    });
    expect(r.status).toBe(422);
    const html = await r.text();
    expect(html).toContain("broken.vtt, line 3: a time is not in the expected format");
    expect(html).toContain('value="b-1"'); // what was typed is kept
    await setLocale(t.users.owner.id, "fr");
    const frRes = await postMultipart("/calls/import", cookie, { file: new File([bad], "broken.vtt") });
    const fr = await frRes.text();
    expect(fr).toContain("broken.vtt, ligne 3 : un horaire n&#39;est pas au format attendu");

    const json = await postMultipart("/calls/import", cookie, {
      file: new File(
        [
          '{"segments": [\n  {"speaker": "agent", "start": 0, "end": 1, "text": "ok"},\n  {"speaker": "agent" "start": 2}\n]}',
        ],
        "x.json",
      ),
    });
    expect(json.status).toBe(422);
    expect(await json.text()).toContain("x.json, ligne 3 : ce n&#39;est pas du JSON valide");
    const pdf = await postMultipart("/calls/import", cookie, { file: new File(["%PDF"], "contrat.pdf") });
    expect(pdf.status).toBe(415);
    expect(await pdf.text()).toContain("Choisissez un fichier .json, .vtt, .srt ou .txt.");
    const none = await postMultipart("/calls/import", cookie, { externalId: "z" });
    expect(none.status).toBe(400);
    expect(await none.text()).toContain("Choisissez un fichier de transcription.");
    const list = (await (await call("/api/v1/calls", { key: t.key })).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(1);
  });
});

describe("portal: a transcript for an existing call (B2)", () => {
  it("adds or replaces the transcript from the call's page; a bad file is explained there", async () => {
    const t = await makeTenant();
    const cookie = await loginCookie(t.users.supervisor.email);
    const { call: c } = await createCall(t.ctx, { externalId: "T-1" });
    const page = await (await call(`/calls/${c.id}`, { cookie })).text();
    expect(page).toContain(`action="/calls/${c.id}/transcript"`);
    expect(page).toContain('<details open=""><summary>Add a transcript</summary>');

    const bad = await postMultipart(`/calls/${c.id}/transcript`, cookie, {
      file: new File(["1\n00:00:01,000 --> 00:00:00,500\nAgent: hello\n"], "call.srt"),
    });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain("call.srt, line 2: a segment ends before it starts.");
    expect(html).toContain("<h1>Call of"); // still the call's page

    const ok = await postMultipart(`/calls/${c.id}/transcript`, cookie, {
      file: new File(
        ["Agent: Bonjour, que puis-je faire pour vous ?\nClient: Ma box ne marche plus.\n"],
        "call.txt",
      ),
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe(`/calls/${c.id}?done=transcript_imported`);
    const after = await (await call(`/calls/${c.id}`, { cookie })).text();
    expect(after).toContain("Ma box ne marche plus.");
    expect(after).toContain("<summary>Replace the transcript</summary>");
    // Agents may read their calls but not change them.
    const agent = await loginCookie(t.users.agent.email);
    const refused = await postMultipart(`/calls/${c.id}/transcript`, agent, {
      file: new File(["Agent: x"], "a.txt"),
    });
    expect(refused.status).toBe(403);
  });
});

describe("portal scripts (/static)", () => {
  it("serves the player and the upload script as JavaScript, cached for a year under their hash", async () => {
    const page = await (
      await call("/calls/upload", { cookie: await loginCookie((await makeTenant()).users.owner.email) })
    ).text();
    const url = /src="(\/static\/upload\.js\?v=[0-9a-f]+)"/.exec(page)![1];
    const res = await call(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe(IMMUTABLE);
    expect(await res.text()).toContain("XMLHttpRequest");
    const etag = res.headers.get("etag")!;
    expect((await call(url, { headers: { "if-none-match": etag } })).status).toBe(304);
    const unversioned = await call("/static/player.js");
    expect(unversioned.status).toBe(200);
    expect(unversioned.headers.get("cache-control")).toBe("public, max-age=300");
    expect(await unversioned.text()).toContain("timeupdate");
  });
});

describe("portal: reprocess (C1)", () => {
  it("a failed audio call can be processed again from its page", async () => {
    const t = await makeTenant();
    const cookie = await loginCookie(t.users.supervisor.email);
    const created = (await (
      await call("/api/v1/calls", { method: "POST", key: t.key, json: {} })
    ).json()) as { id: string };
    await call(`/api/v1/calls/${created.id}/transcript`, {
      method: "PUT",
      key: t.key,
      body: "Agent: Bonjour\nClient: Merci",
      headers: { "content-type": "text/plain" },
    });
    const res = await call(`/calls/${created.id}/reprocess`, { method: "POST", form: {}, cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/calls/${created.id}?done=call_reprocessed`);
    const page = await call(`/calls/${created.id}?done=call_reprocessed`, { cookie });
    expect(await page.text()).toContain("Processing started again.");
    const viewer = await loginCookie(t.users.viewer.email);
    expect(
      (await call(`/calls/${created.id}/reprocess`, { method: "POST", form: {}, cookie: viewer })).status,
    ).toBe(403);
  });
});
