import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import appWorker from "../apps/index";
import { getCall, listCalls } from "../core/calls/service";
import { sha256Hex } from "../core/platform/crypto";
import { makeWav } from "./fixtures";
import { asRole, call, E, makeTenant, type TestTenant } from "./helpers";

type CallJson = Record<string, unknown> & { id: string; status: string };

const post = (t: TestTenant, body: unknown) =>
  call("/api/v1/calls", { method: "POST", key: t.key, json: body });
const put = (t: TestTenant, path: string, body: Uint8Array | string, headers: Record<string, string> = {}) =>
  call(path, {
    method: "PUT",
    key: t.key,
    body,
    headers: { "content-type": "application/octet-stream", ...headers },
  });

const FR_TEXT = `Conseiller: Bonjour, Assurances Horizon, Julie à votre écoute.
Client: Bonjour, je vous appelle pour résilier mon contrat habitation.
Conseiller: Très bien, pouvez-vous me donner votre adresse e-mail ?
Client: oui c'est jean.dupont@example.fr
Conseiller: Merci, c'est noté.`;

describe("calls: creation and metadata (B3)", () => {
  it("creates a call, links or creates its agent, masks and encrypts the phone number", async () => {
    const t = await makeTenant();
    const res = await post(t, {
      externalId: "C-1",
      startedAt: "2026-11-20T09:15:00Z",
      durationS: 312,
      direction: "inbound",
      agent: { externalId: "A-7", name: "Julie Martin", team: "Sinistres" },
      queue: "habitation",
      campaign: "retention-q4",
      language: "fr",
      customerPhone: "06 12 34 56 78",
      tags: ["vip"],
    });
    expect(res.status).toBe(201);
    const c = (await res.json()) as CallJson;
    expect(c).toMatchObject({
      status: "received",
      externalId: "C-1",
      team: "Sinistres",
      durationS: 312,
      customerPhone: "+33 6••••••78",
    });
    const agents = (await (await call("/api/v1/agents", { key: t.key })).json()) as {
      data: { id: string; externalId: string; name: string }[];
    };
    expect(agents.data).toEqual([
      expect.objectContaining({ externalId: "A-7", name: "Julie Martin", id: c.agentId }),
    ]);
    // The number is nowhere in clear in D1.
    const row = await E.DATA_EU_1.prepare("select * from calls where id = ?").bind(c.id).first();
    const dump = JSON.stringify(row);
    for (const needle of ["0612345678", "612345678", "+33612345678", "06 12 34 56 78"])
      expect(dump).not.toContain(needle);
    expect(row!.phone_enc).toMatch(/^v1\./);
    // Same number written differently → same keyed hash; another tenant → another hash.
    const c2 = (await (
      await post(t, { externalId: "C-2", customerPhone: "+33 (0)6-12-34-56-78" })
    ).json()) as CallJson;
    const row2 = await E.DATA_EU_1.prepare("select phone_hash from calls where id = ?").bind(c2.id).first();
    expect(row2!.phone_hash).toBe(row!.phone_hash);
    const other = await makeTenant();
    const c3 = (await (await post(other, { customerPhone: "0612345678" })).json()) as CallJson;
    const row3 = await E.DATA_EU_1.prepare("select phone_hash from calls where id = ?").bind(c3.id).first();
    expect(row3!.phone_hash).not.toBe(row!.phone_hash);
  });

  it("is idempotent on externalId: same body → same call (200), other body → 409", async () => {
    const t = await makeTenant();
    const body = { externalId: "X-1", durationS: 60, tags: ["a"] };
    const a = await post(t, body);
    expect(a.status).toBe(201);
    const b = await post(t, { tags: ["a"], durationS: 60, externalId: "X-1" });
    expect(b.status).toBe(200);
    expect(((await b.json()) as CallJson).id).toBe(((await a.json()) as CallJson).id);
    const c = await post(t, { ...body, durationS: 61 });
    expect(c.status).toBe(409);
    expect(c.headers.get("content-type")).toBe("application/problem+json");
  });

  it("refuses bad input with clear problems and writes nothing", async () => {
    const t = await makeTenant();
    expect((await post(t, { customerPhone: "abc" })).status).toBe(400);
    expect((await post(t, { durationS: -1 })).status).toBe(400);
    expect((await post(t, { unknownField: 1 })).status).toBe(400);
    expect((await post(t, { agentId: "agt_nope" })).status).toBe(400);
    expect((await post(t, { startedAt: "yesterday" })).status).toBe(400);
    const bad = await post(t, {
      externalId: "T-bad",
      transcript: { format: "vtt", content: "WEBVTT\n\n00:00:01.000 --> 00:0x:02.000\nAgent: hi" },
    });
    expect(bad.status).toBe(422);
    const p = (await bad.json()) as { detail: string };
    expect(p.detail).toMatch(/line 3/);
    const list = (await (await call("/api/v1/calls", { key: t.key })).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(0);
  });
});

describe("transcripts (B2, C12)", () => {
  it("imports each format inline, redacts before storing and indexing, and searches it", async () => {
    const t = await makeTenant();
    const json = await post(t, {
      externalId: "J",
      transcript: {
        format: "json",
        content: {
          segments: [
            { id: "a1", speaker: "agent", start: 0, end: 3, text: "Hello, Northwind, how can I help?" },
            {
              id: "a2",
              speaker: "customer",
              start: 3.5,
              end: 8,
              text: "My card 4970 1012 3456 7893 was charged twice",
            },
          ],
        },
      },
    });
    expect(json.status).toBe(201);
    const jc = (await json.json()) as CallJson & {
      transcript: { segments: number; redactions: Record<string, number> };
    };
    expect(jc.transcript.segments).toBe(2);
    const text = await post(t, { externalId: "T", transcript: { format: "text", content: FR_TEXT } });
    const tc = (await text.json()) as CallJson & {
      language: string;
      transcript: { redactions: Record<string, number> };
    };
    expect(tc.language).toBe("fr");
    expect(tc.transcript.redactions.email ?? tc.transcript.redactions.EMAIL).toBe(1);
    const srt = await post(t, {
      externalId: "S",
      transcript: {
        format: "srt",
        content:
          "1\n00:00:00,000 --> 00:00:02,500\nAgent: Good morning\n\n2\n00:00:03,000 --> 00:00:05,000\nCustomer: I want to cancel\n",
      },
    });
    expect(srt.status).toBe(201);
    const vtt = await post(t, {
      externalId: "V",
      transcript: {
        format: "vtt",
        content:
          "WEBVTT\n\nq1\n00:00:00.000 --> 00:00:02.000\n<v Agent>Bonjour\n\nq2\n00:00:02.500 --> 00:00:04.000\n<v Client>Bonjour, un souci de facture\n",
      },
    });
    expect(vtt.status).toBe(201);

    // Stored redacted; segment ids kept.
    const got = (await (await call(`/api/v1/calls/${jc.id}/transcript`, { key: t.key })).json()) as {
      segments: { id: string; text: string }[];
    };
    expect(got.segments.map((s) => s.id)).toEqual(["a1", "a2"]);
    const stored = JSON.stringify(got);
    expect(stored).not.toContain("4970");
    const rawObj = await (await E.BLOB_EU.get(`t/${t.tenant.id}/calls/${tc.id}/transcript.json`))!.text();
    expect(rawObj).not.toContain("jean.dupont@example.fr");
    expect(rawObj).toContain("[EMAIL]");
    // FTS finds words (diacritics folded), not the redacted values.
    const search = async (q: string) =>
      (
        (await (await call(`/api/v1/calls?q=${encodeURIComponent(q)}`, { key: t.key })).json()) as {
          data: CallJson[];
        }
      ).data.map((c) => c.externalId);
    expect(await search("résilier")).toEqual(["T"]);
    expect(await search("resilier contrat")).toEqual(["T"]);
    expect((await search("cancel")).sort()).toEqual(["S"]);
    expect(await search("dupont")).toEqual([]);
    expect(await search("4970")).toEqual([]);

    // Replace through PUT with a Content-Type; the old index entry goes.
    const r = await call(`/api/v1/calls/${tc.id}/transcript`, {
      method: "PUT",
      key: t.key,
      body: "Agent: Welcome\nCustomer: my parcel never arrived",
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
    expect(r.status).toBe(200);
    expect(await search("résilier")).toEqual([]);
    expect(await search("parcel")).toEqual(["T"]);
    const unknownType = await call(`/api/v1/calls/${tc.id}/transcript`, {
      method: "PUT",
      key: t.key,
      body: "x",
      headers: { "content-type": "image/png" },
    });
    expect(unknownType.status).toBe(415);
  });
});

describe("search and list (B6)", () => {
  it("filters by date, agent, team, status; sorts; pages with a cursor", async () => {
    const t = await makeTenant();
    const base = Date.parse("2026-10-01T08:00:00Z");
    for (let i = 0; i < 7; i++)
      await post(t, {
        externalId: `L-${i}`,
        startedAt: base + i * 3_600_000,
        durationS: 100 + i,
        agent: { externalId: i % 2 ? "A-odd" : "A-even", team: i % 2 ? "Blue" : "Red" },
      });
    const list = async (qs: string) =>
      (await (await call(`/api/v1/calls?${qs}`, { key: t.key })).json()) as {
        data: CallJson[];
        nextCursor: string | null;
      };
    expect((await list("")).data.map((c) => c.externalId)).toEqual([
      "L-6",
      "L-5",
      "L-4",
      "L-3",
      "L-2",
      "L-1",
      "L-0",
    ]);
    expect((await list("team=Blue")).data.map((c) => c.externalId)).toEqual(["L-5", "L-3", "L-1"]);
    const agentId = (await list("team=Red")).data[0].agentId as string;
    expect((await list(`agentId=${agentId}`)).data).toHaveLength(4);
    expect(
      (await list(`from=${base + 2 * 3_600_000}&to=${base + 4 * 3_600_000}`)).data.map((c) => c.externalId),
    ).toEqual(["L-3", "L-2"]);
    expect((await list("from=2026-10-01T12:00:00Z")).data.map((c) => c.externalId)).toEqual([
      "L-6",
      "L-5",
      "L-4",
    ]);
    expect((await list("sort=durationS")).data[0].externalId).toBe("L-0");
    expect((await list("status=done")).data).toHaveLength(0);
    const p1 = await list("limit=3");
    const p2 = await list(`limit=3&cursor=${p1.nextCursor}`);
    const p3 = await list(`limit=3&cursor=${p2.nextCursor}`);
    expect([...p1.data, ...p2.data, ...p3.data].map((c) => c.externalId)).toEqual([
      "L-6",
      "L-5",
      "L-4",
      "L-3",
      "L-2",
      "L-1",
      "L-0",
    ]);
    expect(p3.nextCursor).toBeNull();
    const s1 = await list("limit=4&sort=-durationS");
    const s2 = await list(`limit=4&sort=-durationS&cursor=${s1.nextCursor}`);
    expect([...s1.data, ...s2.data].map((c) => c.durationS)).toEqual([106, 105, 104, 103, 102, 101, 100]);
    expect((await call("/api/v1/calls?limit=500", { key: t.key })).status).toBe(400);
    expect((await call("/api/v1/calls?status=bogus", { key: t.key })).status).toBe(400);
  });

  it("an agent sees only their own calls; another tenant's call is 404", async () => {
    const t = await makeTenant();
    const mine = (await (await post(t, { agent: { externalId: "ME" } })).json()) as CallJson;
    const theirs = (await (await post(t, { agent: { externalId: "COLLEAGUE" } })).json()) as CallJson;
    const agentCtx = asRole(t, "agent");
    if (agentCtx.actor.type === "user") agentCtx.actor.agentId = mine.agentId as string;
    expect((await listCalls(agentCtx, {})).data.map((c) => c.id)).toEqual([mine.id]);
    await expect(getCall(agentCtx, theirs.id)).rejects.toMatchObject({ status: 404 });
    const unlinked = asRole(t, "agent");
    expect((await listCalls(unlinked, {})).data).toEqual([]);
    const other = await makeTenant();
    expect((await call(`/api/v1/calls/${mine.id}`, { key: other.key })).status).toBe(404);
    expect((await call(`/api/v1/calls/${mine.id}`, { method: "DELETE", key: other.key })).status).toBe(404);
    expect((await call(`/api/v1/calls/${mine.id}`, { key: t.key })).status).toBe(200);
  });
});

describe("recordings (B1, B5)", () => {
  it("streams a WAV into the tenant's bucket with its SHA-256 and duration; plays it with Range", async () => {
    const t = await makeTenant({ location: "us" });
    const c = (await (await post(t, { externalId: "R-1" })).json()) as CallJson;
    const wav = makeWav(3.5);
    const res = await put(t, `/api/v1/calls/${c.id}/recording`, wav, {
      "x-checksum-sha256": await sha256Hex(wav),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as CallJson & {
      recording: { sha256: string; durationS: number; mimeType: string; size: number };
      durationS: number;
    };
    expect(body.recording).toMatchObject({
      sha256: await sha256Hex(wav),
      durationS: 3.5,
      mimeType: "audio/wav",
      size: wav.length,
    });
    expect(body.durationS).toBe(3.5);
    const listed = await E.BLOB_US.list({ prefix: `t/${t.tenant.id}/calls/${c.id}/` });
    expect(listed.objects).toHaveLength(1);
    expect(listed.objects[0].key).toMatch(new RegExp(`^t/${t.tenant.id}/calls/${c.id}/recording-[a-z2-7]+$`));
    expect((await E.BLOB_EU.list({ prefix: `t/${t.tenant.id}/` })).objects).toHaveLength(0);

    const full = await call(`/api/v1/calls/${c.id}/recording`, { key: t.key });
    expect(full.status).toBe(200);
    expect(full.headers.get("content-type")).toBe("audio/wav");
    expect(new Uint8Array(await full.arrayBuffer())).toEqual(wav);
    const part = await call(`/api/v1/calls/${c.id}/recording`, {
      key: t.key,
      headers: { range: "bytes=100-199" },
    });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 100-199/${wav.length}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(wav.slice(100, 200));
    const tail = await call(`/api/v1/calls/${c.id}/recording`, {
      key: t.key,
      headers: { range: "bytes=-10" },
    });
    expect(tail.status).toBe(206);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(wav.slice(-10));
    const bad = await call(`/api/v1/calls/${c.id}/recording`, {
      key: t.key,
      headers: { range: `bytes=${wav.length + 5}-` },
    });
    expect(bad.status).toBe(416);
    // Playback is audited.
    const audit = (await (await call("/api/v1/audit-log?limit=50", { key: t.key })).json()) as {
      data: { action: string }[];
    };
    // Once per listen (the full read, and a player's first range from 0), not per seek.
    expect(audit.data.filter((a) => a.action === "recording.played").length).toBe(1);
    await call(`/api/v1/calls/${c.id}/recording`, { key: t.key, headers: { range: "bytes=0-" } });
    const again = (await (await call("/api/v1/audit-log?limit=50", { key: t.key })).json()) as {
      data: { action: string }[];
    };
    expect(again.data.filter((a) => a.action === "recording.played").length).toBe(2);
  });

  it("Range as RFC 9110 says (ignored when invalid, 416 when unsatisfiable); served inline under the call's id", async () => {
    const t = await makeTenant();
    const c = (await (await post(t, { externalId: "R-rfc" })).json()) as CallJson;
    const wav = makeWav(1);
    expect((await put(t, `/api/v1/calls/${c.id}/recording`, wav)).status).toBe(200);
    const get = (range: string) =>
      call(`/api/v1/calls/${c.id}/recording`, { key: t.key, headers: { range } });
    const whole = async (r: Response) => {
      expect(r.status).toBe(200);
      expect(r.headers.get("content-range")).toBeNull();
      expect(new Uint8Array(await r.arrayBuffer())).toEqual(wav);
    };
    const exported = async () =>
      (
        await E.CONTROL_DB.prepare(
          "select coalesce(sum(count), 0) as n from abuse_events where tenant_id = ? and kind = 'mass_export'",
        )
          .bind(t.tenant.id)
          .first<{ n: number }>()
      )?.n ?? 0;
    // Backwards, another unit, bad syntax, several ranges: the range is ignored, the whole file sent…
    for (const range of ["bytes=500-100", "items=0-10", "bytes=abc", "bytes=1-2-3", "bytes=0-10, 20-30"])
      await whole(await get(range));
    // …and such a whole download is a listen like any other (audited, counted towards mass export).
    expect(await exported()).toBe(5);
    // Valid but selecting nothing: 416 naming the size.
    for (const range of ["bytes=-0", `bytes=${wav.length}-`, `bytes=${wav.length}-${wav.length + 9}`]) {
      const r = await get(range);
      expect(r.status, range).toBe(416);
      expect(r.headers.get("content-range")).toBe(`bytes */${wav.length}`);
    }
    // The last position is clamped; a suffix longer than the file is the whole file, as a 206.
    const clamped = await get("bytes=10-99999999");
    expect(clamped.status).toBe(206);
    expect(clamped.headers.get("content-range")).toBe(`bytes 10-${wav.length - 1}/${wav.length}`);
    expect(new Uint8Array(await clamped.arrayBuffer())).toEqual(wav.slice(10));
    const longSuffix = await get(`bytes=-${wav.length * 2}`);
    expect(longSuffix.status).toBe(206);
    expect(longSuffix.headers.get("content-range")).toBe(`bytes 0-${wav.length - 1}/${wav.length}`);
    const unitCase = await get("Bytes=0-9");
    expect(unitCase.status).toBe(206);
    expect(unitCase.headers.get("content-length")).toBe("10");
    for (const r of [unitCase, await call(`/api/v1/calls/${c.id}/recording`, { key: t.key })])
      expect(r.headers.get("content-disposition")).toBe(`inline; filename="${c.id}.wav"`);
  });

  it("refuses a renamed PDF (415), a missing length (411), an oversize length before reading (413), a wrong checksum (422)", async () => {
    const t = await makeTenant();
    const c = (await (await post(t, {})).json()) as CallJson;
    const pdf = new TextEncoder().encode("%PDF-1.7\n%âãÏÓ\n1 0 obj << /Type /Catalog >> endobj\n".repeat(20));
    const r415 = await put(t, `/api/v1/calls/${c.id}/recording`, pdf, { "content-type": "audio/wav" });
    expect(r415.status).toBe(415);
    const stream = new ReadableStream({
      start(ctrl) {
        ctrl.enqueue(makeWav(0.1));
        ctrl.close();
      },
    });
    const r411 = await call(`/api/v1/calls/${c.id}/recording`, {
      method: "PUT",
      key: t.key,
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(r411.status).toBe(411);
    let pulled = 0;
    const big = new ReadableStream({
      pull(ctrl) {
        pulled++;
        ctrl.enqueue(new Uint8Array(1024 * 1024));
      },
    });
    const r413 = await call(`/api/v1/calls/${c.id}/recording`, {
      method: "PUT",
      key: t.key,
      body: big,
      headers: { "content-length": String(200 * 1024 * 1024) },
      duplex: "half",
    } as RequestInit);
    expect(r413.status).toBe(413);
    expect(pulled).toBeLessThan(5);
    const wav = makeWav(1);
    const r422 = await put(t, `/api/v1/calls/${c.id}/recording`, wav, {
      "x-checksum-sha256": "0".repeat(64),
    });
    expect(r422.status).toBe(422);
    expect((await E.BLOB_EU.list({ prefix: `t/${t.tenant.id}/calls/${c.id}/` })).objects).toHaveLength(0);
    const after = (await (await call(`/api/v1/calls/${c.id}`, { key: t.key })).json()) as CallJson;
    expect(after.recording).toBeNull();
  });

  it("a second recording is 409 unless replace=true; the replacement removes the old object", async () => {
    const t = await makeTenant();
    const c = (await (await post(t, {})).json()) as CallJson;
    expect((await put(t, `/api/v1/calls/${c.id}/recording`, makeWav(1))).status).toBe(200);
    expect((await put(t, `/api/v1/calls/${c.id}/recording`, makeWav(2))).status).toBe(409);
    const r = await put(t, `/api/v1/calls/${c.id}/recording?replace=true`, makeWav(2));
    expect(r.status).toBe(200);
    expect(((await r.json()) as { recording: { durationS: number } }).recording.durationS).toBe(2);
    expect((await E.BLOB_EU.list({ prefix: `t/${t.tenant.id}/calls/${c.id}/` })).objects).toHaveLength(1);
  });

  it("multipart: parts hashed, completion, whole-object hash by the job; abort discards", async () => {
    const t = await makeTenant();
    const c = (await (await post(t, {})).json()) as CallJson;
    const wav = makeWav(400); // 6.4 MB: one 5 MiB part + the rest
    const up = await call(`/api/v1/calls/${c.id}/recording/uploads`, { method: "POST", key: t.key });
    expect(up.status).toBe(201);
    const { uploadId } = (await up.json()) as { uploadId: string };
    const p1 = wav.slice(0, 5 * 1024 * 1024);
    const p2 = wav.slice(5 * 1024 * 1024);
    const r1 = await put(t, `/api/v1/calls/${c.id}/recording/uploads/${uploadId}/parts/1`, p1, {
      "x-checksum-sha256": await sha256Hex(p1),
    });
    expect(r1.status).toBe(200);
    expect(((await r1.json()) as { sha256: string }).sha256).toBe(await sha256Hex(p1));
    expect((await put(t, `/api/v1/calls/${c.id}/recording/uploads/${uploadId}/parts/2`, p2)).status).toBe(
      200,
    );
    const done = await call(`/api/v1/calls/${c.id}/recording/uploads/${uploadId}/complete`, {
      method: "POST",
      key: t.key,
    });
    expect(done.status).toBe(200);
    const dc = (await done.json()) as { recording: { status: string; size: number; durationS: number } };
    expect(dc.recording).toMatchObject({ status: "verifying", size: wav.length, durationS: 400 });
    const w = appWorker as unknown as {
      queue: (b: MessageBatch, e: Env, c: ExecutionContext) => Promise<void>;
    };
    const batch = createMessageBatch("ccr-jobs", [
      {
        id: "h1",
        timestamp: new Date(),
        attempts: 1,
        body: { type: "recording.hash", tenantId: t.tenant.id, callId: c.id },
      },
      {
        id: "h2",
        timestamp: new Date(),
        attempts: 1,
        body: { type: "recording.hash", tenantId: t.tenant.id, callId: c.id },
      },
    ]);
    const ctx = createExecutionContext();
    await w.queue(batch, env as unknown as Env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(["h1", "h2"]);
    const after = (await (await call(`/api/v1/calls/${c.id}`, { key: t.key })).json()) as {
      recording: { status: string; sha256: string };
    };
    expect(after.recording).toMatchObject({ status: "stored", sha256: await sha256Hex(wav) });
    const back = await call(`/api/v1/calls/${c.id}/recording`, {
      key: t.key,
      headers: { range: "bytes=5242870-5242889" },
    });
    expect(new Uint8Array(await back.arrayBuffer())).toEqual(wav.slice(5242870, 5242890));

    // Abort.
    const c2 = (await (await post(t, {})).json()) as CallJson;
    const up2 = (await (
      await call(`/api/v1/calls/${c2.id}/recording/uploads`, { method: "POST", key: t.key })
    ).json()) as { uploadId: string };
    const pdfPart = new TextEncoder().encode("%PDF-1.4 not audio".padEnd(5000, "x"));
    expect(
      (await put(t, `/api/v1/calls/${c2.id}/recording/uploads/${up2.uploadId}/parts/1`, pdfPart)).status,
    ).toBe(415);
    expect(
      (await put(t, `/api/v1/calls/${c2.id}/recording/uploads/${up2.uploadId}/parts/1`, makeWav(1))).status,
    ).toBe(200);
    expect(
      (
        await call(`/api/v1/calls/${c2.id}/recording/uploads/${up2.uploadId}`, {
          method: "DELETE",
          key: t.key,
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await call(`/api/v1/calls/${c2.id}/recording/uploads/${up2.uploadId}/complete`, {
          method: "POST",
          key: t.key,
        })
      ).status,
    ).toBe(409);
    const c2after = (await (await call(`/api/v1/calls/${c2.id}`, { key: t.key })).json()) as CallJson;
    expect(c2after.recording).toBeNull();
  });
});

describe("deletion (B7)", () => {
  it("removes the call from D1, FTS and R2; the API answers 404 afterwards; bulk deletion reports each id", async () => {
    const t = await makeTenant();
    const c = (await (
      await post(t, {
        externalId: "D-1",
        transcript: { format: "text", content: "Agent: hello\nCustomer: refund please" },
      })
    ).json()) as CallJson;
    await put(t, `/api/v1/calls/${c.id}/recording`, makeWav(1));
    const ftsId = (await E.DATA_EU_1.prepare("select fts_id from calls where id = ?").bind(c.id).first())!
      .fts_id as number;
    expect(
      (
        await E.DATA_EU_1.prepare("select rowid from calls_fts where calls_fts match 'refund'").all()
      ).results.map((r) => r.rowid),
    ).toContain(ftsId);
    const del = await call(`/api/v1/calls/${c.id}`, { method: "DELETE", key: t.key });
    expect(del.status).toBe(204);
    expect((await call(`/api/v1/calls/${c.id}`, { key: t.key })).status).toBe(404);
    expect(await E.DATA_EU_1.prepare("select 1 from calls where id = ?").bind(c.id).first()).toBeNull();
    expect(
      (
        await E.DATA_EU_1.prepare("select rowid from calls_fts where calls_fts match 'refund'").all()
      ).results.map((r) => r.rowid),
    ).not.toContain(ftsId);
    expect((await E.BLOB_EU.list({ prefix: `t/${t.tenant.id}/calls/${c.id}/` })).objects).toHaveLength(0);
    const audit = (await (await call("/api/v1/audit-log", { key: t.key })).json()) as {
      data: { action: string; targetId: string }[];
    };
    expect(audit.data.some((a) => a.action === "call.deleted" && a.targetId === c.id)).toBe(true);
    // Re-import of the same externalId works after deletion.
    expect((await post(t, { externalId: "D-1" })).status).toBe(201);

    const a = (await (await post(t, {})).json()) as CallJson;
    const b = (await (await post(t, {})).json()) as CallJson;
    const other = await makeTenant();
    const foreign = (await (await post(other, {})).json()) as CallJson;
    const bulk = await call("/api/v1/calls/delete", {
      method: "POST",
      key: t.key,
      json: { ids: [a.id, b.id, foreign.id, "cal_nope"] },
    });
    expect(await bulk.json()).toEqual({
      deleted: [a.id, b.id],
      notFound: [foreign.id, "cal_nope"],
      vetoed: [],
    });
    expect((await call(`/api/v1/calls/${foreign.id}`, { key: other.key })).status).toBe(200);
  });
});

describe("tenant redaction patterns (C12)", () => {
  it("are validated when saved and applied to every new transcript", async () => {
    const t = await makeTenant();
    const bad = await call("/api/v1/settings/redaction", {
      method: "PUT",
      key: t.key,
      json: { patterns: [{ name: "evil", pattern: "(a+)+$" }] },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: { pointer: string }[] }).errors[0].pointer).toBe(
      "/patterns/0/pattern",
    );
    const ok = await call("/api/v1/settings/redaction", {
      method: "PUT",
      key: t.key,
      json: { patterns: [{ name: "contract", pattern: "CT-\\d{6}" }] },
    });
    expect(ok.status).toBe(200);
    const c = (await (
      await post(t, {
        transcript: { format: "text", content: "Agent: votre numéro ?\nClient: c'est CT-123456 merci" },
      })
    ).json()) as CallJson & { transcript: { redactions: Record<string, number> } };
    expect(c.transcript.redactions).toEqual({ "CUSTOM:contract": 1 });
    const tx = (await (await call(`/api/v1/calls/${c.id}/transcript`, { key: t.key })).json()) as {
      segments: { text: string }[];
    };
    expect(tx.segments[1].text).toContain("[CUSTOM:contract]");
    expect(JSON.stringify(tx)).not.toContain("CT-123456");
  });
});
