import "../workers/job-handlers";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { and, eq, inArray } from "drizzle-orm";
import { unzipSync } from "fflate";
import { afterEach, describe, expect, it, vi } from "vitest";
import appWorker from "../apps/index";
import { phoneHash } from "../core/calls/phone";
import { analyzeStep } from "../core/calls/pipeline";
import { createApiKey } from "../core/identity/api-keys";
import { createEndpoint } from "../core/integrations/webhooks";
import { runJobStep } from "../core/platform/jobs";
import {
  actOnPrivacyRequest,
  addMonths,
  createPrivacyRequest,
  getPrivacyRequest,
  privacyDaily,
  signedExportPath,
} from "../core/privacy/requests";
import { controlDb } from "../db/client";
import { dataPlane } from "../db/resolver";
import { auditLog, mailOutbox, privacyRequests, tenants } from "../db/schema/control";
import { analyses, callLabels, calls, privacySuppressions } from "../db/schema/data";
import { makeWav } from "./fixtures";
import { call, E, makeTenant, type TestTenant } from "./helpers";

type Json = Record<string, unknown>;
type Req = Json & {
  id: string;
  status: string;
  dueAt: string;
  overdue: boolean;
  execution: { jobId: string | null; result: Json | null; completedAt: string | null };
  export: { downloadUrl: string; size: number; sha256: string } | null;
  extension: { months: number; reason: string } | null;
  identity: { method: string; verifiedBy: string } | null;
  subject: { type: string; label: string };
};

afterEach(() => vi.restoreAllMocks());

const NUMBER = "+33612345678";
const OTHER = "+33698765432";
const TEXT = `Conseiller: Bonjour, Julie à votre écoute, que puis-je faire pour vous ?
Client: Bonjour, c'est la troisième fois que j'appelle pour ma facture, j'ai été facturé deux fois.
Conseiller: Je regarde votre dossier, je lance le remboursement, vous le recevrez sous cinq jours.
Client: D'accord, merci beaucoup.
Conseiller: Je vous en prie, bonne journée.`;

const api = (t: TestTenant, path: string, init: Parameters<typeof call>[1] = {}) =>
  call(`/api/v1${path}`, { key: t.key, ...init });

async function newCall(t: TestTenant, body: Json): Promise<Json & { id: string; status: string }> {
  const r = await api(t, "/calls", { method: "POST", json: body });
  expect(r.status, await r.clone().text()).toBe(201);
  return (await r.json()) as Json & { id: string; status: string };
}

async function waitCall(t: TestTenant, id: string, statuses: string[], ms = 15_000): Promise<Json> {
  const end = Date.now() + ms;
  for (;;) {
    const c = (await (await api(t, `/calls/${id}`)).json()) as Json;
    if (statuses.includes(c.status as string)) return c;
    if (Date.now() > end) throw new Error(`call ${id} stuck in ${c.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function createRequest(t: TestTenant, body: Json): Promise<Req> {
  const r = await api(t, "/privacy-requests", { method: "POST", json: body });
  expect(r.status, await r.clone().text()).toBe(201);
  return (await r.json()) as Req;
}

async function act(t: TestTenant, id: string, body: Json, status = 200): Promise<Req> {
  const r = await api(t, `/privacy-requests/${id}/actions`, { method: "POST", json: body });
  expect(r.status, await r.clone().text()).toBe(status);
  return (await r.json()) as Req;
}

/** Recorded, identity verified, executed. */
async function executed(t: TestTenant, body: Json, execute: Json = {}): Promise<Req> {
  const r = await createRequest(t, body);
  await act(t, r.id, { action: "verify_identity", method: "callback_known_number" });
  return act(t, r.id, { action: "execute", ...execute });
}

async function waitRequest(t: TestTenant, id: string, ms = 20_000): Promise<Req> {
  const end = Date.now() + ms;
  for (;;) {
    const r = (await (await api(t, `/privacy-requests/${id}`)).json()) as Req;
    if (r.status === "completed" || r.status === "rejected") return r;
    if (Date.now() > end) throw new Error(`request ${id} stuck in ${r.status}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** The job a lift starts (resume of held calls) has finished. */
async function waitJob(jobId: string, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    const j = await controlDb(E).query.jobs.findFirst({ where: (x, { eq: e }) => e(x.id, jobId) });
    if (j?.status === "done" || j?.status === "failed") return j;
    if (Date.now() > end) throw new Error(`job ${jobId} stuck`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

const listIds = async (t: TestTenant) =>
  ((await (await api(t, "/calls?limit=200")).json()) as { data: { id: string }[] }).data.map((c) => c.id);

describe("privacy requests: lifecycle, deadline, extension, reminders (F3)", () => {
  it("received → identity check → verified → extended; one month from receipt, +2 at most with a reason; audited", async () => {
    const t = await makeTenant();
    const receivedAt = Date.parse("2026-01-31T09:00:00Z");
    const now = Date.parse("2026-02-10T09:00:00Z");
    const r = await createPrivacyRequest(
      t.ctx,
      { kind: "access", subject: { type: "caller", phone: NUMBER }, receivedAt, channel: "letter" },
      now,
    );
    // 31 January + 1 month = the last day of February.
    expect(r).toMatchObject({ status: "received", dueAt: "2026-02-28T09:00:00.000Z", overdue: false });
    expect(r.subject).toEqual({ type: "caller", label: "+33 6••••••78", agentId: null });
    expect(JSON.stringify(r)).not.toContain("612345678");
    // Execution needs a verified identity.
    await expect(actOnPrivacyRequest(t.ctx, r.id, { action: "execute" }, now)).rejects.toMatchObject({
      status: 409,
      messageKey: "privacy.error.identity",
    });
    const checking = await actOnPrivacyRequest(t.ctx, r.id, { action: "start_identity_check" }, now);
    expect(checking.status).toBe("identity_check");
    const verified = await actOnPrivacyRequest(
      t.ctx,
      r.id,
      { action: "verify_identity", method: "id_document", note: "passport seen" },
      now + 1,
    );
    expect(verified.status).toBe("in_progress");
    expect(verified.identity).toMatchObject({ method: "id_document", verifiedBy: t.users.owner.id });
    await expect(
      actOnPrivacyRequest(t.ctx, r.id, { action: "extend", months: 2, reason: "" } as never, now + 2),
    ).rejects.toMatchObject({ name: "ZodError" }); // a 400 problem at the API
    const ext = await actOnPrivacyRequest(
      t.ctx,
      r.id,
      { action: "extend", months: 2, reason: "Many recordings to review" },
      now + 3,
    );
    expect(ext).toMatchObject({
      status: "extended",
      dueAt: "2026-04-30T09:00:00.000Z",
      originalDueAt: "2026-02-28T09:00:00.000Z",
      extension: { months: 2, reason: "Many recordings to review" },
    });
    await expect(
      actOnPrivacyRequest(t.ctx, r.id, { action: "extend", months: 1, reason: "more" }, now + 4),
    ).rejects.toMatchObject({ status: 400, messageKey: "privacy.error.extension" });
    // Overdue is computed against the clock.
    expect((await getPrivacyRequest(t.ctx, r.id, Date.parse("2026-05-01T00:00:00Z"))).overdue).toBe(true);
    const actions = (await controlDb(E).select().from(auditLog).where(eq(auditLog.targetId, r.id))).map(
      (a) => a.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        "privacy_request.created",
        "privacy_request.identity_check_started",
        "privacy_request.identity_verified",
        "privacy_request.extended",
      ]),
    );
    expect(addMonths(Date.parse("2024-01-31T00:00:00Z"), 1)).toBe(Date.parse("2024-02-29T00:00:00Z"));
  });

  it("the daily cron mails the tenant's admins near the deadline, once, then when overdue", async () => {
    const t = await makeTenant();
    const receivedAt = Date.now() - 20 * 86_400_000;
    const r = await createRequest(t, {
      kind: "erasure",
      subject: { type: "caller", phone: NUMBER },
      receivedAt,
    });
    const due = Date.parse(r.dueAt);
    const mailsFor = async () =>
      (await controlDb(E).select().from(mailOutbox).where(eq(mailOutbox.tenantId, t.tenant.id))).filter((m) =>
        m.kind.startsWith("privacy_reminder"),
      );
    // Far from the deadline: nothing.
    await privacyDaily(E, due - 20 * 86_400_000);
    expect(await mailsFor()).toHaveLength(0);
    // Through the real cron entry, three days before the deadline.
    const w = appWorker as unknown as {
      scheduled(c: ScheduledController, e: Env, x: ExecutionContext): Promise<void>;
    };
    const ctx = createExecutionContext();
    await w.scheduled(
      createScheduledController({ cron: "15 3 * * *", scheduledTime: due - 3 * 86_400_000 }),
      E,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const near = await mailsFor();
    expect(near.map((m) => m.to).sort()).toEqual([t.users.admin.email, t.users.owner.email].sort());
    expect(near[0].subject).toContain("due in 3 days");
    expect(near[0].text).toContain(`/privacy/${r.id}`);
    await privacyDaily(E, due - 2 * 86_400_000);
    expect(await mailsFor()).toHaveLength(2);
    await privacyDaily(E, due + 86_400_000);
    const all = await mailsFor();
    expect(all).toHaveLength(4);
    expect(all.filter((m) => m.kind === "privacy_reminder_overdue")).toHaveLength(2);
    // Closed requests are not reminded.
    await act(t, r.id, { action: "reject", reason: "Identity could not be established" });
    await privacyDaily(E, due + 30 * 86_400_000);
    expect(await mailsFor()).toHaveLength(4);
  });
});

describe("access and portability exports", () => {
  it("access: a ZIP in the tenant's bucket with JSON, CSV, transcripts, analyses, recordings and the art. 15 information; expiring signed link", async () => {
    const t = await makeTenant();
    const a = await newCall(t, {
      externalId: "A-1",
      customerPhone: NUMBER,
      language: "fr",
      transcript: { format: "text", content: TEXT },
    });
    const b = await newCall(t, { externalId: "A-2", customerPhone: "06 12 34 56 78" });
    const wav = makeWav(1);
    const put = await api(t, `/calls/${b.id}/recording`, {
      method: "PUT",
      body: wav,
      headers: { "content-type": "audio/wav" },
    });
    expect(put.status).toBe(200);
    await newCall(t, { externalId: "A-3", customerPhone: OTHER });
    await waitCall(t, a.id, ["done"]);
    const ex = await executed(t, { kind: "access", subject: { type: "caller", phone: NUMBER } });
    expect(ex.status).toBe("in_progress");
    expect(ex.execution.jobId).toBeTruthy();
    const done = await waitRequest(t, ex.id);
    expect(done.status).toBe("completed");
    expect(done.execution.result).toMatchObject({ calls: 2 });
    expect(done.export?.downloadUrl).toMatch(
      /^\/api\/v1\/privacy-requests\/prq_\w+\/export\?expires=\d+&signature=[0-9a-f]{64}$/,
    );
    const objects = await E.BLOB_EU.list({ prefix: `t/${t.tenant.id}/privacy/${ex.id}/` });
    expect(objects.objects.map((o) => o.key)).toEqual([`t/${t.tenant.id}/privacy/${ex.id}/export.zip`]);

    const exportsCounted = async () =>
      (
        await E.CONTROL_DB.prepare(
          "select count(*) as n from abuse_events where tenant_id = ? and kind = 'mass_export'",
        )
          .bind(t.tenant.id)
          .first<{ n: number }>()
      )?.n ?? 0;
    const before = await exportsCounted();
    const res = await call(done.export!.downloadUrl, { key: t.key });
    expect(res.status).toBe(200);
    // The download counts towards the mass-export alert (I5).
    expect(await exportsCounted()).toBe(before + 1);
    expect(res.headers.get("content-type")).toBe("application/zip");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const files = unzipSync(new Uint8Array(await res.arrayBuffer()));
    const text = (n: string) => new TextDecoder().decode(files[n]);
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining([
        "README.txt",
        "information.json",
        "subject.json",
        "calls.json",
        "calls.csv",
        `calls/${a.id}/transcript.json`,
        `recordings/${b.id}.wav`,
      ]),
    );
    expect(Object.keys(files).some((n) => n.startsWith(`calls/${a.id}/analyses/`))).toBe(true);
    expect(files[`recordings/${b.id}.wav`]).toEqual(wav);
    const info = JSON.parse(text("information.json"));
    expect(info.purposes.length).toBeGreaterThan(0);
    expect(info.categories.length).toBeGreaterThan(0);
    expect(info.recipients.join(" ")).toContain(t.tenant.name);
    expect(info.retention).toMatchObject({ recordingsDays: 183, analysesDays: 366 });
    expect(info.source).toContain(t.tenant.name);
    expect(info.rights.length).toBe(8);
    expect(JSON.parse(text("subject.json"))).toEqual({ type: "caller", phone: NUMBER });
    const rows = JSON.parse(text("calls.json")) as { id: string; customerPhone: string }[];
    expect(rows.map((r) => r.id).sort()).toEqual([a.id, b.id].sort());
    expect(rows.every((r) => r.customerPhone === NUMBER)).toBe(true);
    const csv = text("calls.csv").trim().split("\r\n");
    expect(csv).toHaveLength(3);
    expect(csv[0]).toMatch(/^id,externalId,startedAt/);

    // The link is bound to the request, expires, and still needs this tenant's credentials.
    // One character changed (to another value: a signature starting with "0" stays tampered).
    const tampered = done.export!.downloadUrl.replace(
      /signature=(\w)/,
      (_, c) => `signature=${c === "0" ? "1" : "0"}`,
    );
    expect((await call(tampered, { key: t.key })).status).toBe(403);
    const row = await controlDb(E).query.privacyRequests.findFirst({ where: eq(privacyRequests.id, ex.id) });
    const old = await signedExportPath(E, row!, "/api/v1/privacy-requests", Date.now() - 2 * 86_400_000);
    const gone = await call(old, { key: t.key });
    expect(gone.status).toBe(410);
    expect(gone.headers.get("content-type")).toBe("application/problem+json");
    expect((await call(done.export!.downloadUrl)).status).toBe(401);
    const other = await makeTenant();
    expect((await call(done.export!.downloadUrl, { key: other.key })).status).toBe(404);
  });

  it("portability: machine-readable JSON/CSV of what the person provided — no recordings, no evaluations", async () => {
    const t = await makeTenant();
    const a = await newCall(t, {
      customerPhone: NUMBER,
      language: "fr",
      transcript: { format: "text", content: TEXT },
    });
    await waitCall(t, a.id, ["done"]);
    const done = await waitRequest(
      t,
      (await executed(t, { kind: "portability", subject: { type: "caller", phone: NUMBER } })).id,
    );
    const files = unzipSync(
      new Uint8Array(await (await call(done.export!.downloadUrl, { key: t.key })).arrayBuffer()),
    );
    const names = Object.keys(files);
    expect(names).toEqual(
      expect.arrayContaining(["calls.json", "calls.csv", `calls/${a.id}/transcript.json`]),
    );
    expect(names.some((n) => n.includes("/analyses/") || n.startsWith("recordings/"))).toBe(false);
  });

  it("calls.csv: every text cell a spreadsheet would run as a formula is defused, + and - included", async () => {
    const t = await makeTenant();
    const a = await newCall(t, {
      externalId: "-2+3+cmd|' /C calc'!A0",
      customerPhone: NUMBER,
      queue: "@SUM(A1:A9)",
      campaign: '=HYPERLINK("https://evil.example","x")',
      tags: ["+1+1", "ok"],
    });
    const ex = await executed(t, { kind: "access", subject: { type: "caller", phone: NUMBER } });
    const done = await waitRequest(t, ex.id);
    const files = unzipSync(
      new Uint8Array(await (await call(done.export!.downloadUrl, { key: t.key })).arrayBuffer()),
    );
    const [head, line] = new TextDecoder().decode(files["calls.csv"]).trim().split("\r\n");
    const cols = head.split(",");
    const cell = (name: string) => {
      // The row's cells, RFC 4180: a quoted cell may hold commas.
      const cells = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, ""));
      return cells[cols.indexOf(name)];
    };
    expect(cell("id")).toBe(a.id);
    expect(cell("externalId")).toBe("'-2+3+cmd|' /C calc'!A0");
    expect(cell("customerPhone")).toBe(`'${NUMBER}`);
    expect(cell("queue")).toBe("'@SUM(A1:A9)");
    expect(cell("campaign")).toBe(`"'=HYPERLINK(""https://evil.example"",""x"")"`);
    expect(cell("tags")).toBe("'+1+1|ok");
    // Numbers we hold as numbers stay numbers.
    expect(cell("durationS")).not.toMatch(/^'/);
  });
});

describe("erasure", () => {
  it("removes the caller's calls from every store (rows, FTS, analyses, labels, R2) and suppresses the number", async () => {
    const t = await makeTenant();
    const dp = dataPlane(E, t.tenant);
    const a = await newCall(t, {
      externalId: "E-1",
      customerPhone: NUMBER,
      language: "fr",
      transcript: { format: "text", content: TEXT },
    });
    const b = await newCall(t, { externalId: "E-2", customerPhone: NUMBER });
    await api(t, `/calls/${b.id}/recording`, {
      method: "PUT",
      body: makeWav(1),
      headers: { "content-type": "audio/wav" },
    });
    const keep = await newCall(t, {
      externalId: "E-3",
      customerPhone: OTHER,
      language: "fr",
      transcript: { format: "text", content: TEXT },
    });
    await waitCall(t, a.id, ["done"]);
    await waitCall(t, keep.id, ["done"]);
    const ids = [a.id, b.id];
    const before = await dp.db.select().from(calls).where(inArray(calls.id, ids));
    const ftsIds = before.map((c) => c.ftsId).filter((x): x is number => x !== null);
    expect(ftsIds).toHaveLength(1);
    expect((await dp.db.select().from(analyses).where(inArray(analyses.callId, ids))).length).toBe(1);
    expect((await E.BLOB_EU.list({ prefix: `t/${t.tenant.id}/calls/${b.id}/` })).objects.length).toBe(1);

    const ex = await executed(t, { kind: "erasure", subject: { type: "caller", phone: NUMBER } });
    const done = await waitRequest(t, ex.id);
    expect(done.execution.result).toMatchObject({ deleted: 2, vetoed: 0, partial: false });

    expect(await dp.db.select().from(calls).where(inArray(calls.id, ids))).toEqual([]);
    expect(await dp.db.select().from(analyses).where(inArray(analyses.callId, ids))).toEqual([]);
    expect(await dp.db.select().from(callLabels).where(inArray(callLabels.callId, ids))).toEqual([]);
    const fts = await dp.d1.prepare(`select rowid from calls_fts where rowid in (${ftsIds.join(",")})`).all();
    expect(fts.results).toEqual([]);
    for (const id of ids)
      expect((await E.BLOB_EU.list({ prefix: `t/${t.tenant.id}/calls/${id}/` })).objects).toEqual([]);
    // Search no longer finds the erased transcript, but finds the other caller's.
    const search = (await (await api(t, "/calls?q=remboursement")).json()) as { data: { id: string }[] };
    expect(search.data.map((c) => c.id)).toEqual([keep.id]);
    expect((await api(t, `/calls/${keep.id}/analysis`)).status).toBe(200);

    // The number stays on the suppression list: a new call from it is held.
    const hash = await phoneHash(E, t.tenant.id, NUMBER);
    const sup = await dp.db
      .select()
      .from(privacySuppressions)
      .where(and(eq(privacySuppressions.tenantId, t.tenant.id), eq(privacySuppressions.phoneHash, hash)));
    expect(sup.map((s) => s.reason)).toEqual(["erasure"]);
    const again = await newCall(t, { customerPhone: NUMBER, transcript: { format: "text", content: TEXT } });
    expect(again).toMatchObject({ status: "held", holdReason: "objection" });
  });

  it("a legal hold wins: nothing is deleted and the reason is recorded on the request", async () => {
    const t = await makeTenant();
    const a = await newCall(t, { customerPhone: NUMBER });
    await api(t, "/settings/legal-hold", { method: "PUT", json: { reason: "Litige 2026-42" } });
    const done = await waitRequest(
      t,
      (await executed(t, { kind: "erasure", subject: { type: "caller", phone: NUMBER } })).id,
    );
    expect(done.execution.result).toMatchObject({
      deleted: 0,
      vetoed: 1,
      partial: true,
      vetoReasons: ["legal hold: Litige 2026-42"],
      vetoedCallIds: [a.id],
    });
    expect((await api(t, `/calls/${a.id}`)).status).toBe(200);
  });

  it("an agent's erasure removes their calls and their record", async () => {
    const t = await makeTenant();
    const c = await newCall(t, { agent: { externalId: "AG-E", name: "Julie Martin", team: "Nord" } });
    const agentId = c.agentId as string;
    const done = await waitRequest(
      t,
      (await executed(t, { kind: "erasure", subject: { type: "agent", agentId } })).id,
    );
    expect(done.execution.result).toMatchObject({ deleted: 1, agentRemoved: true });
    expect((await api(t, `/calls/${c.id}`)).status).toBe(404);
    expect((await api(t, `/agents/${agentId}`)).status).toBe(404);
  });
});

describe("objection, consent withdrawal, restriction", () => {
  it("objection: the keyed hash is suppressed; an imported call is held (objection); withdrawing it resumes the call", async () => {
    const t = await makeTenant();
    const r = await executed(t, { kind: "objection", subject: { type: "caller", phone: "06 12 34 56 78" } });
    expect(r.status).toBe("completed");
    const ndjson = JSON.stringify({
      externalId: "IMP-1",
      customerPhone: NUMBER,
      language: "fr",
      transcript: { format: "text", content: TEXT },
    });
    const imp = await api(t, "/imports", {
      method: "POST",
      body: ndjson,
      headers: { "content-type": "application/x-ndjson" },
    });
    expect(imp.status).toBe(200);
    const ext = await api(t, "/calls?limit=10");
    const listed = ((await ext.json()) as { data: Json[] }).data;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ status: "held", holdReason: "objection" });
    // A call with only metadata is held too, and an unrelated number is not.
    expect(await newCall(t, { customerPhone: NUMBER })).toMatchObject({
      status: "held",
      holdReason: "objection",
    });
    expect(
      await newCall(t, { customerPhone: OTHER, transcript: { format: "text", content: TEXT } }),
    ).toMatchObject({ status: "analyzing" });
    // Nothing was analysed for the held call.
    const dp = dataPlane(E, t.tenant);
    expect(
      await dp.db
        .select()
        .from(analyses)
        .where(eq(analyses.callId, listed[0].id as string)),
    ).toEqual([]);

    const lifted = await act(t, r.id, { action: "lift" });
    expect(lifted.lifted).not.toBeNull();
    await waitJob(lifted.execution.jobId!);
    await waitCall(t, listed[0].id as string, ["done"]);
    expect((await act(t, r.id, { action: "lift" }, 409)).type).toBe(
      "https://callcenterrate.com/problems/conflict",
    );
  });

  it("the pipeline checks before every provider call: a call queued before the objection is held at its step", async () => {
    const t = await makeTenant();
    // Hold the analyze queue so the call is still queued when the objection lands.
    const send = vi.spyOn(E.ANALYZE_QUEUE, "send").mockResolvedValue(undefined as never);
    const c = await newCall(t, { customerPhone: NUMBER, transcript: { format: "text", content: TEXT } });
    expect(c.status).toBe("analyzing");
    const msg = send.mock.calls[0][0] as { step: "analyze"; tenantId: string; callId: string; runId: string };
    send.mockRestore();
    await executed(t, { kind: "consent_withdrawal", subject: { type: "caller", phone: NUMBER } });
    await analyzeStep(E, msg);
    expect(await waitCall(t, c.id, ["held"])).toMatchObject({ holdReason: "objection" });
  });

  it("consent withdrawal is recorded and treated like an objection; an agent's objection holds their calls", async () => {
    const t = await makeTenant();
    const cw = await executed(t, { kind: "consent_withdrawal", subject: { type: "caller", phone: NUMBER } });
    expect(cw.execution.result).toMatchObject({ suppressed: true, consentWithdrawnAt: expect.any(Number) });
    expect(
      await newCall(t, { customerPhone: NUMBER, transcript: { format: "text", content: TEXT } }),
    ).toMatchObject({
      status: "held",
      holdReason: "objection",
    });
    const first = await newCall(t, { agent: { externalId: "AG-O", name: "Paul" } });
    await executed(t, { kind: "objection", subject: { type: "agent", agentId: first.agentId } });
    expect(
      await newCall(t, { agentId: first.agentId, transcript: { format: "text", content: TEXT } }),
    ).toMatchObject({ status: "held", holdReason: "objection" });
  });

  it("restriction: calls kept, hidden from lists and not processed; lifting it resumes them", async () => {
    const t = await makeTenant();
    const old = await newCall(t, {
      customerPhone: NUMBER,
      language: "fr",
      transcript: { format: "text", content: TEXT },
    });
    const other = await newCall(t, { customerPhone: OTHER });
    await waitCall(t, old.id, ["done"]);
    const r = await executed(t, { kind: "restriction", subject: { type: "caller", phone: NUMBER } });
    expect(r.status).toBe("completed");
    // Excluded from lists (and search), kept: the call itself still answers.
    expect(await listIds(t)).toEqual([other.id]);
    expect((await api(t, "/calls?q=remboursement")).status).toBe(200);
    expect(((await (await api(t, "/calls?q=remboursement")).json()) as { data: Json[] }).data).toEqual([]);
    expect((await api(t, `/calls/${old.id}`)).status).toBe(200);
    // Not processed: a new call is held with the restriction.
    const fresh = await newCall(t, { customerPhone: NUMBER, transcript: { format: "text", content: TEXT } });
    expect(fresh).toMatchObject({ status: "held", holdReason: "restricted" });
    const dp = dataPlane(E, t.tenant);
    expect(await dp.db.select().from(analyses).where(eq(analyses.callId, fresh.id))).toEqual([]);
    // Lifted: listed again, and the held call is processed.
    const lifted = await act(t, r.id, { action: "lift", reason: "Dispute settled" });
    await waitJob(lifted.execution.jobId!);
    await waitCall(t, fresh.id, ["done"]);
    expect((await listIds(t)).sort()).toEqual([old.id, other.id, fresh.id].sort());
  });
});

describe("rectification", () => {
  it("agent name and team (calls follow the team); a caller's corrected number moves with its calls", async () => {
    const t = await makeTenant();
    const c = await newCall(t, {
      agent: { externalId: "AG-R", name: "Jon", team: "Nord" },
      customerPhone: NUMBER,
    });
    const agentId = c.agentId as string;
    const r = await executed(
      t,
      { kind: "rectification", subject: { type: "agent", agentId } },
      { rectification: { agent: { name: "John Smith", team: "Sud" } } },
    );
    expect(r).toMatchObject({
      status: "completed",
      execution: { result: { fields: ["agent.name", "agent.team"] } },
    });
    expect(await (await api(t, `/agents/${agentId}`)).json()).toMatchObject({
      name: "John Smith",
      team: "Sud",
    });
    expect(await (await api(t, `/calls/${c.id}`)).json()).toMatchObject({ team: "Sud" });

    const p = await executed(
      t,
      { kind: "rectification", subject: { type: "caller", phone: NUMBER } },
      { rectification: { phone: OTHER, calls: [{ id: c.id, queue: "Facturation" }] } },
    );
    expect(p.subject.label).toBe("+33 6••••••32");
    const after = (await (await api(t, `/calls/${c.id}`)).json()) as Json;
    expect(after).toMatchObject({ customerPhone: "+33 6••••••32", queue: "Facturation" });
    const row = await dataPlane(E, t.tenant).db.query.calls.findFirst({ where: eq(calls.id, c.id) });
    expect(row!.phoneHash).toBe(await phoneHash(E, t.tenant.id, OTHER));
    // Bad input: another person's call, or a field that does not apply to the subject.
    const bad = await createRequest(t, { kind: "rectification", subject: { type: "agent", agentId } });
    await act(t, bad.id, { action: "verify_identity", method: "account_match" });
    const wrong = await act(t, bad.id, { action: "execute", rectification: { phone: NUMBER } }, 400);
    expect(wrong.errors).toEqual([{ pointer: "/rectification/phone", detail: "only for a caller subject" }]);
  });
});

describe("API contract and security", () => {
  it("list with cursor pagination and filters; other tenant's id → 404; wrong scope → 403; bad input → 400 problem", async () => {
    const t = await makeTenant();
    const ids: string[] = [];
    for (const kind of ["access", "objection", "erasure"])
      ids.push((await createRequest(t, { kind, subject: { type: "caller", phone: NUMBER } })).id);
    const p1 = (await (await api(t, "/privacy-requests?limit=2")).json()) as {
      data: Req[];
      nextCursor: string;
    };
    expect(p1.data.map((r) => r.id)).toEqual([ids[2], ids[1]]);
    const p2 = (await (await api(t, `/privacy-requests?limit=2&cursor=${p1.nextCursor}`)).json()) as {
      data: Req[];
      nextCursor: string | null;
    };
    expect(p2).toEqual({ data: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
    const erasures = (await (await api(t, "/privacy-requests?kind=erasure&open=true")).json()) as {
      data: Req[];
    };
    expect(erasures.data.map((r) => r.id)).toEqual([ids[2]]);

    const other = await makeTenant();
    expect((await api(other, `/privacy-requests/${ids[0]}`)).status).toBe(404);
    const cross = await api(other, `/privacy-requests/${ids[0]}/actions`, {
      method: "POST",
      json: { action: "reject", reason: "not yours" },
    });
    expect(cross.status).toBe(404);
    expect((await api(t, `/privacy-requests/${ids[0]}`)).status).toBe(200);

    const narrow = await createApiKey(t.ctx, { name: "calls", scopes: ["calls:write"] });
    expect((await call("/api/v1/privacy-requests", { key: narrow.key })).status).toBe(403);
    const scoped = await createApiKey(t.ctx, { name: "privacy", scopes: ["privacy:manage"] });
    expect((await call("/api/v1/privacy-requests", { key: scoped.key })).status).toBe(200);

    const bad = async (json: unknown, pointer: string) => {
      const r = await api(t, "/privacy-requests", { method: "POST", json });
      expect(r.status).toBe(400);
      expect(r.headers.get("content-type")).toBe("application/problem+json");
      const body = (await r.json()) as { errors: { pointer: string }[] };
      expect(body.errors.map((e) => e.pointer)).toContain(pointer);
    };
    await bad({ kind: "forget", subject: { type: "caller", phone: NUMBER } }, "/kind");
    await bad({ kind: "access", subject: { type: "caller", phone: "12" } }, "/subject/phone");
    await bad({ kind: "access", subject: { type: "agent", agentId: "agt_nope" } }, "/subject/agentId");
    await bad({ kind: "access", subject: { type: "user", userId: "x" } }, "/subject/type");
    await bad(
      { kind: "access", subject: { type: "caller", phone: NUMBER }, receivedAt: Date.now() + 86_400_000 },
      "/receivedAt",
    );
    const unknown = await api(t, `/privacy-requests/${ids[0]}/actions`, {
      method: "POST",
      json: { action: "explode" },
    });
    expect(unknown.status).toBe(400);
    const malformed = await api(t, "/privacy-requests", {
      method: "POST",
      body: "{",
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect((await api(t, "/privacy-requests?limit=500")).status).toBe(400);
  });

  it("privacy_request.* webhooks carry ids and codes only", async () => {
    const t = await makeTenant();
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("ok"));
    await createEndpoint(t.ctx, {
      url: "https://hooks.example.com/privacy",
      events: ["privacy_request.created", "privacy_request.updated", "privacy_request.completed"],
    });
    const r = await executed(t, { kind: "objection", subject: { type: "caller", phone: NUMBER } });
    const rows = await controlDb(E).query.webhookDeliveries.findMany({
      where: (d, { eq: e }) => e(d.tenantId, t.tenant.id),
    });
    expect(rows.map((d) => d.eventType).sort()).toEqual([
      "privacy_request.completed",
      "privacy_request.created",
      "privacy_request.updated",
    ]);
    const payload = JSON.stringify(rows.map((d) => d.payload));
    expect(payload).toContain(r.id);
    expect(payload).not.toContain("612345678");
    expect(payload).not.toContain("•");
  });

  it("a tenant whose data is locked defers the export job instead of writing", async () => {
    const t = await makeTenant();
    await newCall(t, { customerPhone: NUMBER });
    const send = vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const ex = await executed(t, { kind: "access", subject: { type: "caller", phone: NUMBER } });
    send.mockRestore();
    await controlDb(E)
      .update(tenants)
      .set({ writeLock: "location_migration" })
      .where(eq(tenants.id, t.tenant.id));
    const delayed = vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    expect(await runJobStep(E, { jobId: ex.execution.jobId!, step: 0 })).toBe("ran");
    expect(delayed.mock.calls[0][1]).toEqual({ delaySeconds: 300 });
    expect((await E.BLOB_EU.list({ prefix: `t/${t.tenant.id}/privacy/` })).objects).toEqual([]);
    await controlDb(E).update(tenants).set({ writeLock: null }).where(eq(tenants.id, t.tenant.id));
    expect(await runJobStep(E, { jobId: ex.execution.jobId!, step: 1 })).toBe("finished");
    delayed.mockRestore();
    expect((await api(t, `/privacy-requests/${ex.id}`)).status).toBe(200);
    expect(((await (await api(t, `/privacy-requests/${ex.id}`)).json()) as Req).status).toBe("completed");
  });
});
