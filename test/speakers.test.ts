import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { controlDb } from "../db/client";
import { usageRecords } from "../db/schema/control";
import { call, loginCookie, makeTenant, type TestTenant } from "./helpers";

type Json = Record<string, unknown>;
type Speakers = {
  roles: {
    source: string;
    agent?: string;
    phrase?: string;
    atS?: number;
    direction?: string;
    by?: string;
  } | null;
  speakers: { key: string; label: string | null; channel: number | null; role: string; segments: number }[];
};

async function create(t: TestTenant, body: Json): Promise<Json> {
  const r = await call("/api/v1/calls", { method: "POST", key: t.key, json: body });
  expect(r.status, await r.clone().text()).toBe(201);
  return (await r.json()) as Json;
}
const speakers = async (t: TestTenant, id: string) =>
  (await (await call(`/api/v1/calls/${id}/speakers`, { key: t.key })).json()) as Speakers;
const roleOf = (s: Speakers) => Object.fromEntries(s.speakers.map((v) => [v.key, v.role]));

async function waitDone(t: TestTenant, id: string, notAnalysis?: string): Promise<Json> {
  for (let i = 0; i < 300; i++) {
    const c = (await (await call(`/api/v1/calls/${id}`, { key: t.key })).json()) as Json;
    if (c.status === "done" || c.status === "failed") {
      if (!notAnalysis) return c;
      const a = (await (await call(`/api/v1/calls/${id}/analysis`, { key: t.key })).json()) as Json;
      if (a.id !== notAnalysis) return c;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`call ${id} not done`);
}

// WhisperX-style diarised output: speakers are ids only; the customer speaks first.
const DIARISED = {
  segments: [
    { start: 0.2, end: 1.1, text: "Allô ?", speaker: "SPEAKER_00" },
    {
      start: 1.4,
      end: 5.2,
      text: "Bonjour, à votre écoute, que puis-je faire pour vous ?",
      speaker: "SPEAKER_01",
    },
    {
      start: 5.6,
      end: 11,
      text: "J'ai été facturé deux fois ce mois-ci, c'est la troisième fois que j'appelle.",
      speaker: "SPEAKER_00",
    },
    {
      start: 11.3,
      end: 17,
      text: "Je comprends, je vérifie votre dossier et je lance le remboursement aujourd'hui.",
      speaker: "SPEAKER_01",
    },
    { start: 17.4, end: 19, text: "Merci beaucoup, bonne journée.", speaker: "SPEAKER_00" },
    {
      start: 19.2,
      end: 22,
      text: "Je vous en prie, y a-t-il autre chose ? Bonne journée.",
      speaker: "SPEAKER_01",
    },
  ],
};

describe("speaker roles on every transcript (B2, C2)", () => {
  it("imports whose speakers are ids get roles from the greeting, with the reason stored, and are scored", async () => {
    const t = await makeTenant();
    const c = await create(t, {
      externalId: "R-greet",
      language: "fr",
      transcript: { format: "json", content: DIARISED },
    });
    expect((c.transcript as Json).roleSource).toBe("greeting");
    const s = await speakers(t, c.id as string);
    expect(s.roles).toEqual({ source: "greeting", agent: "SPEAKER_01", phrase: "à votre écoute", atS: 1.4 });
    expect(roleOf(s)).toEqual({ SPEAKER_00: "customer", SPEAKER_01: "agent" });
    const tx = (await (await call(`/api/v1/calls/${c.id}/transcript`, { key: t.key })).json()) as {
      segments: { speaker: string; speakerLabel: string }[];
      roles: Json;
    };
    expect(tx.segments.map((x) => x.speaker)).toEqual([
      "customer",
      "agent",
      "customer",
      "agent",
      "customer",
      "agent",
    ]);
    expect(tx.roles).toMatchObject({ source: "greeting" });
    // With roles, the analysis evaluates the agent's criteria instead of coming back all `na`.
    await waitDone(t, c.id as string);
    const a = (await (await call(`/api/v1/calls/${c.id}/analysis`, { key: t.key })).json()) as Json;
    expect(a.evaluatedWeightPct as number).toBeGreaterThan(0);
    expect(a.score).not.toBeNull();
  });

  it("numeric JSON speakers, VTT voices without a greeting (inbound and outbound), given and partly given roles, channels, and no labels", async () => {
    const t = await makeTenant();
    const numeric = await create(t, {
      externalId: "R-num",
      transcript: {
        format: "json",
        content: [
          { speaker: 0, start: 0, end: 2, text: "Thank you for calling, how can I help?" },
          { speaker: 1, start: 2, end: 4, text: "My internet is down." },
        ],
      },
    });
    expect(roleOf(await speakers(t, numeric.id as string))).toEqual({ "0": "agent", "1": "customer" });

    const vtt =
      "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v SPEAKER_00>Oui ?\n\n00:00:02.000 --> 00:00:05.000\n<v SPEAKER_01>Bonjour madame, je vous appelle au sujet de votre contrat.\n";
    const inbound = await create(t, {
      externalId: "R-in",
      direction: "inbound",
      transcript: { format: "vtt", content: vtt },
    });
    const sIn = await speakers(t, inbound.id as string);
    expect(sIn.roles).toEqual({ source: "first_speaker", direction: "inbound", agent: "SPEAKER_00" });
    const outbound = await create(t, {
      externalId: "R-out",
      direction: "outbound",
      transcript: { format: "vtt", content: vtt },
    });
    const sOut = await speakers(t, outbound.id as string);
    expect(sOut.roles).toEqual({ source: "first_speaker", direction: "outbound", agent: "SPEAKER_01" });
    expect(roleOf(sOut)).toEqual({ SPEAKER_00: "customer", SPEAKER_01: "agent" });

    // Explicit roles are never overridden, even when the "client" says an agent's phrase first.
    const given = await create(t, {
      externalId: "R-given",
      transcript: {
        format: "text",
        content: "Client: Bienvenue, que puis-je faire pour vous ?\nAgent: Pardon ?",
      },
    });
    const sGiven = await speakers(t, given.id as string);
    expect(sGiven.roles).toEqual({ source: "given" });
    expect(sGiven.speakers.map((v) => [v.key, v.role])).toEqual([
      ["role:customer", "customer"],
      ["role:agent", "agent"],
    ]);
    // One side named: the other voice is the other side.
    const partly = await create(t, {
      externalId: "R-partly",
      transcript: {
        format: "vtt",
        content:
          "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v Marie>Bonjour, à votre écoute !\n\n00:00:02.000 --> 00:00:04.000\n<v Agent>Bonjour Marie.\n",
      },
    });
    expect(roleOf(await speakers(t, partly.id as string))).toEqual({
      Marie: "customer",
      "role:agent": "agent",
    });

    // Stereo: the agent's channel decides.
    const stereo = await create(t, {
      externalId: "R-stereo",
      transcript: {
        format: "json",
        agentChannel: 1,
        content: [
          { channel: 0, start: 0, end: 2, text: "Bonjour, à votre écoute." },
          { channel: 1, start: 2, end: 4, text: "Bonjour, je vous appelle pour un devis." },
        ],
      },
    });
    const sStereo = await speakers(t, stereo.id as string);
    expect(sStereo.roles).toEqual({ source: "channel", agentChannel: 1 });
    expect(roleOf(sStereo)).toEqual({ "channel:0": "customer", "channel:1": "agent" });

    // No label and no channel: nothing to tell apart, said so.
    const bare = await create(t, {
      externalId: "R-bare",
      transcript: { format: "srt", content: "1\n00:00:00,000 --> 00:00:02,000\nBonjour.\n" },
    });
    expect((bare.transcript as Json).roleSource).toBe("unresolved");

    // Replacing the transcript resolves again, with the call's direction.
    const put = await call(`/api/v1/calls/${inbound.id}/transcript`, {
      method: "PUT",
      key: t.key,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(DIARISED),
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { transcript: Json }).transcript.roleSource).toBe("greeting");
  });

  it("a swap through the API re-analyses the call, keeps the review and its overrides, and bills no minutes again", async () => {
    const t = await makeTenant();
    const c = await create(t, {
      externalId: "R-swap",
      language: "fr",
      transcript: { format: "json", content: DIARISED },
    });
    const id = c.id as string;
    await waitDone(t, id);
    const first = (await (await call(`/api/v1/calls/${id}/analysis`, { key: t.key })).json()) as {
      id: string;
      criteria: { id: string; result: string }[];
    };
    const target = first.criteria.find((x) => x.result === "pass" || x.result === "fail")!;
    const review = await call(`/api/v1/calls/${id}/reviews/mine`, {
      method: "PUT",
      key: t.key,
      json: {
        overrides: {
          [target.id]: { result: target.result === "pass" ? "fail" : "pass", comment: "Vérifié à l'écoute" },
        },
        finalize: true,
      },
    });
    expect(review.status).toBe(200);
    const reviewed = (await (await call(`/api/v1/calls/${id}`, { key: t.key })).json()) as Json;
    const usage = () =>
      controlDb(t.ctx.env).select().from(usageRecords).where(eq(usageRecords.tenantId, t.tenant.id));
    const billed = await usage();
    expect(billed).toHaveLength(1);

    const swapped = await call(`/api/v1/calls/${id}/speakers`, {
      method: "PUT",
      key: t.key,
      json: { swap: true },
    });
    expect(swapped.status).toBe(200);
    const sv = (await swapped.json()) as Json;
    expect(sv.status).toBe("analyzing");
    expect((sv.transcript as Json).roleSource).toBe("manual");
    const s = await speakers(t, id);
    expect(roleOf(s)).toEqual({ SPEAKER_00: "agent", SPEAKER_01: "customer" });
    expect(s.roles).toMatchObject({ source: "manual", agent: "SPEAKER_00", by: t.keyId });

    const after = await waitDone(t, id, first.id);
    expect(after.status).toBe("done");
    const second = (await (await call(`/api/v1/calls/${id}/analysis`, { key: t.key })).json()) as Json;
    expect(second.id).not.toBe(first.id);
    const reviews = (await (await call(`/api/v1/calls/${id}/reviews`, { key: t.key })).json()) as {
      data: { status: string; overrides: Json; score: number | null }[];
    };
    expect(reviews.data).toHaveLength(1);
    expect(reviews.data[0].status).toBe("final");
    expect(Object.keys(reviews.data[0].overrides)).toEqual([target.id]);
    expect(after.reviewedScore ?? null).toEqual(reviewed.reviewedScore ?? null);
    const billedAfter = await usage();
    expect(billedAfter.map((u) => [u.id, u.minutes])).toEqual(billed.map((u) => [u.id, u.minutes]));

    // Assigning by voice key; an unknown voice is named; the same roles again change nothing.
    const bad = await call(`/api/v1/calls/${id}/speakers`, {
      method: "PUT",
      key: t.key,
      json: { roles: { SPEAKER_09: "agent" } },
    });
    expect(bad.status).toBe(422);
    const problem = (await bad.json()) as { detail: string; errors: { pointer: string }[] };
    expect(problem.detail).toContain('"SPEAKER_09"');
    expect(problem.detail).toContain('"SPEAKER_00", "SPEAKER_01"');
    expect(problem.errors[0].pointer).toBe("/roles/SPEAKER_09");
    const same = await call(`/api/v1/calls/${id}/speakers`, {
      method: "PUT",
      key: t.key,
      json: { roles: { SPEAKER_00: "agent" } },
    });
    expect(((await same.json()) as Json).status).toBe("done");
    const neither = await call(`/api/v1/calls/${id}/speakers`, { method: "PUT", key: t.key, json: {} });
    expect(neither.status).toBe(400);
  });

  it("refuses a call without transcript (409), another tenant's call (404) and a read-only key (403)", async () => {
    const t = await makeTenant();
    const other = await makeTenant();
    const bare = await create(t, { externalId: "R-none" });
    const noTx = await call(`/api/v1/calls/${bare.id}/speakers`, {
      method: "PUT",
      key: t.key,
      json: { swap: true },
    });
    expect(noTx.status).toBe(409);
    expect((await call(`/api/v1/calls/${bare.id}/speakers`, { key: t.key })).status).toBe(404);
    const c = await create(t, { externalId: "R-x", transcript: { format: "json", content: DIARISED } });
    expect((await call(`/api/v1/calls/${c.id}/speakers`, { key: other.key })).status).toBe(404);
    const foreign = await call(`/api/v1/calls/${c.id}/speakers`, {
      method: "PUT",
      key: other.key,
      json: { swap: true },
    });
    expect(foreign.status).toBe(404);
    const ro = await call("/api/v1/api-keys", {
      method: "POST",
      key: t.key,
      json: { name: "ro", scopes: ["calls:read"] },
    });
    const roKey = ((await ro.json()) as { key: string }).key;
    const denied = await call(`/api/v1/calls/${c.id}/speakers`, {
      method: "PUT",
      key: roKey,
      json: { swap: true },
    });
    expect(denied.status).toBe(403);
  });

  it("the call's page says why, and a supervisor corrects the roles there; a viewer may not", async () => {
    const t = await makeTenant();
    const c = await create(t, {
      externalId: "R-portal",
      language: "fr",
      transcript: { format: "json", content: DIARISED },
    });
    const sup = await loginCookie(t.users.supervisor.email);
    const page = await (await call(`/calls/${c.id}`, { cookie: sup })).text();
    expect(page).toContain(
      "By the greeting: SPEAKER_01 said “à votre écoute” at 0:01, so SPEAKER_01 is the agent.",
    );
    expect(page).toContain(`action="/calls/${c.id}/speakers"`);
    const viewer = await loginCookie(t.users.viewer.email);

    const r = await call(`/calls/${c.id}/speakers`, {
      method: "POST",
      cookie: sup,
      form: { k0: "SPEAKER_00", r0: "agent", k1: "SPEAKER_01", r1: "customer" },
    });
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toBe(`/calls/${c.id}?done=speakers_corrected`);
    const done = await (await call(r.headers.get("location")!, { cookie: sup })).text();
    expect(done).toContain("Roles corrected");
    expect(done).toContain("Corrected by supervisor Tester");
    expect(roleOf(await speakers(t, c.id as string))).toEqual({
      SPEAKER_00: "agent",
      SPEAKER_01: "customer",
    });
    const denied = await call(`/calls/${c.id}/speakers`, {
      method: "POST",
      cookie: viewer,
      form: { swap: "1" },
    });
    expect(denied.status).toBe(403);
  });
});
