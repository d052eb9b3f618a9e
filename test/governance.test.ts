import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import "../workers/job-handlers";
import appWorker from "../apps/index";
import { transcribeStep } from "../core/calls/pipeline";
import { startRetentionRun } from "../core/governance/retention-purge";
import {
  addAttachment,
  createTicket,
  grantSupportAccess,
  setTicketStatusByTenant,
  supportListCalls,
} from "../core/ops/support";
import { getJob, type JobMessage, resumeStalledJobs, runJobStep } from "../core/platform/jobs";
import { decideProcessing } from "../core/policy/processing";
import { addSubprocessor, objectToSubprocessor, resolveObjection } from "../core/privacy/subprocessors";
import { controlDb } from "../db/client";
import { dataPlane } from "../db/resolver";
import {
  auditLog,
  connectionLog,
  jobs,
  mailOutbox,
  supportAccessLog,
  supportGrants,
  supportMessages,
  supportTickets,
  tenants,
  users,
} from "../db/schema/control";
import { analyses, calls } from "../db/schema/data";
import { makeWav } from "./fixtures";
import { call, E, loginCookie, makeTenant, type TestTenant, waitFor as waitForShared } from "./helpers";

type Json = Record<string, unknown>;
const DAY = 86_400_000;

let sent: JobMessage[];
let sendSpy: MockInstance;
beforeEach(() => {
  sent = [];
  // Job steps are driven by the test (one at a time), so the queue is captured, not consumed.
  sendSpy = vi.spyOn(E.JOBS_QUEUE, "send").mockImplementation(async (m) => {
    sent.push(m as JobMessage);
    return undefined as never;
  });
});
afterEach(() => vi.restoreAllMocks());

const waitFor = <T>(probe: () => Promise<T | null | undefined>, ms = 20_000) => waitForShared(probe, ms, 50);

/** Run a job's steps until it ends (or `max` steps); returns the job. */
async function drive(jobId: string, max = 10_000) {
  for (let i = 0; i < max; i++) {
    const j = await getJob(E, jobId);
    if (!j || j.status === "done" || j.status === "failed") return j;
    await runJobStep(E, { jobId, step: j.steps });
  }
  return getJob(E, jobId);
}

async function createCall(t: TestTenant, startedAt: number, text: string, ext: string) {
  const res = await call("/api/v1/calls", {
    method: "POST",
    key: t.key,
    json: {
      externalId: ext,
      startedAt: new Date(startedAt).toISOString(),
      customerPhone: "+33612345678",
      transcript: { format: "text", content: text },
    },
  });
  const created = (await res.json()) as { id: string };
  expect(res.status, JSON.stringify(created)).toBe(201);
  const { id } = created;
  const wav = makeWav(2);
  const up = await call(`/api/v1/calls/${id}/recording`, {
    method: "PUT",
    key: t.key,
    body: wav,
    headers: { "content-type": "audio/wav", "content-length": String(wav.byteLength) },
  });
  expect(up.status).toBeLessThan(300);
  await waitFor(async () => {
    const c = (await (await call(`/api/v1/calls/${id}`, { key: t.key })).json()) as Json;
    return c.status === "done" ? c : null;
  });
  return id;
}

const objectsOf = async (t: TestTenant, callId: string) =>
  (await dataPlane(E, t.tenant).bucket.list({ prefix: `t/${t.tenant.id}/calls/${callId}/` })).objects.map(
    (o) => o.key.split("/").at(-1),
  );

const search = async (t: TestTenant, q: string) =>
  (
    (await (await call(`/api/v1/calls?q=${encodeURIComponent(q)}`, { key: t.key })).json()) as {
      data: Json[];
    }
  ).data.map((c) => c.id);

describe("retention purge (F1)", () => {
  it("purges expired recordings, transcripts, provider responses and whole calls from D1, FTS and R2; legal hold wins", async () => {
    const t = await makeTenant();
    const now = Date.now();
    const mid = await createCall(
      t,
      now - 200 * DAY,
      "Agent: Bonjour.\nCustomer: ma facture zanzibar est fausse.",
      "R-mid",
    );
    const old = await createCall(
      t,
      now - 400 * DAY,
      "Agent: Hello.\nCustomer: my invoice kilimanjaro is wrong.",
      "R-old",
    );
    const held = await createCall(
      t,
      now - 400 * DAY,
      "Agent: Hello.\nCustomer: invoice timbuktu again.",
      "R-held",
    );
    const fresh = await createCall(
      t,
      now - 10 * DAY,
      "Agent: Hello.\nCustomer: zanzibar invoice question.",
      "R-new",
    );
    // A raw provider response beside the mid call, as speech-to-text leaves it.
    await dataPlane(E, t.tenant).bucket.put(`t/${t.tenant.id}/calls/${mid}/stt-deepgram.json`, "{}");
    const hold = await call(`/api/v1/calls/${held}/legal-hold`, {
      method: "PUT",
      key: t.key,
      json: { reason: "Litigation 2026-114" },
    });
    expect(hold.status).toBe(200);
    expect(await search(t, "zanzibar")).toEqual(expect.arrayContaining([mid, fresh]));

    const { job } = await startRetentionRun(E, t.tenant, now);
    const done = await drive(job.id);
    expect(done?.status).toBe("done");
    const counts = (done!.result as { counts: Record<string, number> }).counts;
    // The 200-day call loses recording and transcript; the 400-day call everything; the held call nothing.
    expect(counts).toMatchObject({ recordings: 2, transcripts: 2, providerResponses: 2, calls: 1 });
    expect(counts.analyses).toBe(1); // the 400-day call's analysis went with the analyses phase

    // 200 days: recording and transcript gone (D1, FTS, R2), the analysis kept (12 months).
    const m = (await (await call(`/api/v1/calls/${mid}`, { key: t.key })).json()) as Json;
    expect(m.recording).toBeNull();
    expect(m.transcript).toBeNull();
    expect((m.purged as Json).recordingAt).toBeTruthy();
    expect((m.purged as Json).analysesAt).toBeNull();
    expect((await call(`/api/v1/calls/${mid}/analysis`, { key: t.key })).status).toBe(200);
    expect((await call(`/api/v1/calls/${mid}/transcript`, { key: t.key })).status).toBe(404);
    expect((await objectsOf(t, mid)).every((k) => k?.startsWith("analysis-"))).toBe(true);
    expect(await search(t, "zanzibar")).toEqual([fresh]);

    // 400 days: nothing left anywhere.
    expect((await call(`/api/v1/calls/${old}`, { key: t.key })).status).toBe(404);
    expect(await objectsOf(t, old)).toEqual([]);
    const dp = dataPlane(E, t.tenant);
    expect(await dp.db.select().from(analyses).where(eq(analyses.callId, old))).toEqual([]);
    expect(await search(t, "kilimanjaro")).toEqual([]);

    // Legal hold: everything kept, and deletion is refused too.
    const h = (await (await call(`/api/v1/calls/${held}`, { key: t.key })).json()) as Json;
    expect(h.recording).not.toBeNull();
    expect((h.legalHold as Json).reason).toBe("Litigation 2026-114");
    expect(await search(t, "timbuktu")).toEqual([held]);
    expect((await call(`/api/v1/calls/${held}`, { method: "DELETE", key: t.key })).status).toBe(409);

    // Audited, reported to the owner and admin by mail.
    const audit = await controlDb(E)
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenant.id), eq(auditLog.action, "retention.run_completed")));
    expect(audit).toHaveLength(1);
    const mails = await controlDb(E)
      .select()
      .from(mailOutbox)
      .where(and(eq(mailOutbox.tenantId, t.tenant.id), eq(mailOutbox.kind, "retention.report")));
    expect(mails.map((x) => x.to).sort()).toEqual([t.users.admin.email, t.users.owner.email].sort());
    expect(mails[0].text).toContain("Recordings: 2");

    // The runs list shows it; lifting the hold lets the next run purge the call.
    const runs = (await (await call("/api/v1/settings/retention/runs", { key: t.key })).json()) as {
      data: Json[];
    };
    expect(runs.data[0]).toMatchObject({ id: job.id, status: "done" });
    expect((await call(`/api/v1/calls/${held}/legal-hold`, { method: "DELETE", key: t.key })).status).toBe(
      200,
    );
    const again = await startRetentionRun(E, t.tenant, now + 1);
    await drive(again.job.id);
    expect((await call(`/api/v1/calls/${held}`, { key: t.key })).status).toBe(404);
  }, 60_000);

  it("a tenant-wide legal hold keeps all call data", async () => {
    const t = await makeTenant();
    const now = Date.now();
    const old = await createCall(t, now - 400 * DAY, "Agent: Hello.\nCustomer: the thing.", "H-1");
    await call("/api/v1/settings/legal-hold", {
      method: "PUT",
      key: t.key,
      json: { reason: "Audit by the regulator" },
    });
    const fresh = (await controlDb(E).query.tenants.findFirst({ where: eq(tenants.id, t.tenant.id) }))!;
    const { job } = await startRetentionRun(E, fresh, now);
    const done = await drive(job.id);
    expect(done?.result).toMatchObject({ skipped: "legal hold" });
    expect((await call(`/api/v1/calls/${old}`, { key: t.key })).status).toBe(200);
    // The runs table says why nothing went (issue 16 point 4), in both languages.
    const cookie = await loginCookie(t.users.admin.email);
    const en = await (await call("/governance", { cookie })).text();
    expect(en).toContain("Skipped: legal hold");
    expect(en).not.toContain("Nothing had expired");
    await controlDb(E).update(users).set({ locale: "fr" }).where(eq(users.id, t.users.admin.id));
    expect(await (await call("/governance", { cookie })).text()).toContain("Ignoré : conservation légale");
  }, 30_000);

  it("a run killed part way resumes and finishes; a step delivered twice does nothing; counts are exact", async () => {
    const t = await makeTenant();
    const dp = dataPlane(E, t.tenant);
    const now = Date.now();
    const N = 200; // three chunks of 90
    const rows = Array.from({ length: N }, (_, i) => ({
      id: `cal_p7_${t.tenant.id}_${i}`,
      tenantId: t.tenant.id,
      createHash: "x",
      status: "done" as const,
      startedAt: now - 500 * DAY + i,
      recKey: `t/${t.tenant.id}/calls/cal_p7_${t.tenant.id}_${i}/recording-abc`,
      recStatus: "stored" as const,
      createdAt: now,
      updatedAt: now,
    }));
    for (let i = 0; i < N; i += 10) await dp.db.insert(calls).values(rows.slice(i, i + 10));
    for (const r of rows) await dp.bucket.put(r.recKey, "audio");

    const { job } = await startRetentionRun(E, t.tenant, now);
    expect(await runJobStep(E, { jobId: job.id, step: 0 })).toBe("ran"); // recordings chunk 1
    // Delivered twice: the second copy of step 0 is stale.
    expect(await runJobStep(E, { jobId: job.id, step: 0 })).toBe("stale");
    expect(await runJobStep(E, { jobId: job.id, step: 1 })).toBe("ran"); // recordings chunk 2
    // The next step's message was "lost": the sweep finds the idle job and sends it again.
    sent.length = 0;
    expect(await resumeStalledJobs(E, Date.now() + 20 * 60_000)).toBeGreaterThanOrEqual(1);
    const resent = sent.find((m) => m.type === "job.step" && m.jobId === job.id) as { step: number };
    expect(resent.step).toBe(2);
    // Kill a call-row deletion in the middle: R2 objects deleted, the D1 batch not run.
    const mid = await drive(job.id, 4);
    expect((mid!.progress as { phase: string }).phase).toBe("calls");
    expect(mid?.status).toBe("running");
    const kill = vi.spyOn(E.DATA_EU_1, "batch").mockRejectedValueOnce(new Error("isolate killed"));
    const j = (await getJob(E, job.id))!;
    await expect(runJobStep(E, { jobId: job.id, step: j.steps })).rejects.toThrow("isolate killed");
    kill.mockRestore();
    const done = await drive(job.id);
    expect(done?.status).toBe("done");
    const r = done?.result as { counts: Record<string, number>; maxStep: { d1: number; r2: number } };
    expect(r.counts.recordings).toBe(N);
    expect(r.counts.calls).toBe(N);
    expect(r.maxStep.d1).toBeLessThanOrEqual(10);
    expect(r.maxStep.r2).toBeLessThanOrEqual(5);
    const left = await dp.db.select({ id: calls.id }).from(calls).where(eq(calls.tenantId, t.tenant.id));
    expect(left).toEqual([]);
    expect((await dp.bucket.list({ prefix: `t/${t.tenant.id}/calls/` })).objects).toEqual([]);
  }, 60_000);

  it("logs follow their retention with the 6-month floor; exports expire", async () => {
    const t = await makeTenant();
    const now = Date.now();
    const db = controlDb(E);
    await db.insert(connectionLog).values([
      {
        id: `cl_a_${t.tenant.id}`,
        tenantId: t.tenant.id,
        subjectType: "user",
        event: "login",
        ts: now - 400 * DAY,
      },
      {
        id: `cl_b_${t.tenant.id}`,
        tenantId: t.tenant.id,
        subjectType: "user",
        event: "login",
        ts: now - 100 * DAY,
      },
    ]);
    const dp = dataPlane(E, t.tenant);
    await dp.bucket.put(`t/${t.tenant.id}/exports/old.zip`, "zip");
    // 40 days later (injected clock): the export (30 days) has expired; the 100-day log line has not.
    const { job } = await startRetentionRun(E, t.tenant, now + 40 * DAY);
    const done = await drive(job.id);
    expect(done?.result).toMatchObject({ counts: { connectionLogs: 1, exports: 1 } });
    const left = await db.select().from(connectionLog).where(eq(connectionLog.tenantId, t.tenant.id));
    expect(left.map((l) => l.id)).toEqual([`cl_b_${t.tenant.id}`]);
    expect((await dp.bucket.list({ prefix: `t/${t.tenant.id}/exports/` })).objects).toEqual([]);
  });

  it("closed support tickets expire with their messages, grants, read log and attachments (R2 too); open ones stay", async () => {
    const t = await makeTenant({ location: "us" });
    const db = controlDb(E);
    const dp = dataPlane(E, t.tenant);
    // One closed ticket with a file, a grant and an operator read; one closed lately; one open.
    const old = await createTicket(t.ctx, { subject: "Old question", body: "Scores?" });
    const file = await addAttachment(t.ctx, old.ticket.id, old.messageId, {
      name: "a.png",
      type: "image/png",
      bytes: new Uint8Array([1, 2, 3]),
    });
    await grantSupportAccess(t.ctx, old.ticket.id, { hours: 1, scope: "all_calls" });
    const op = { id: "op_x", name: "Sam", email: "sam@ccr.test", sessionId: "s", ip: null, userAgent: null };
    await supportListCalls(E, op, old.ticket.id);
    await setTicketStatusByTenant(t.ctx, old.ticket.id, "closed");
    const recent = await createTicket(t.ctx, { subject: "Recent question", body: "Hello" });
    await setTicketStatusByTenant(t.ctx, recent.ticket.id, "closed");
    const open = await createTicket(t.ctx, { subject: "Still open", body: "Waiting" });
    // 95 more old closed tickets: more than one chunk (90).
    const now = Date.now();
    const bulk = Array.from({ length: 95 }, (_, i) => ({
      id: `tkt_bulk_${i}_${t.tenant.id}`,
      tenantId: t.tenant.id,
      subject: "Bulk",
      status: "resolved" as const,
      createdByType: "user" as const,
      createdBy: t.users.owner.id,
      lastMessageAt: now - 800 * DAY,
      lastAuthorType: "operator" as const,
      createdAt: now - 900 * DAY,
      updatedAt: now - 800 * DAY,
    }));
    for (let i = 0; i < bulk.length; i += 8) await db.insert(supportTickets).values(bulk.slice(i, i + 8));
    await db
      .update(supportTickets)
      .set({ updatedAt: now - 760 * DAY, lastMessageAt: now - 761 * DAY })
      .where(and(eq(supportTickets.id, old.ticket.id)));
    await db
      .update(supportTickets)
      .set({ updatedAt: now - 400 * DAY, lastMessageAt: now - 400 * DAY })
      .where(eq(supportTickets.id, open.ticket.id));
    expect((await dp.bucket.list({ prefix: `t/${t.tenant.id}/support/` })).objects).toHaveLength(1);

    // Under a tenant-wide legal hold nothing of it goes.
    await db
      .update(tenants)
      .set({ legalHoldReason: "Claim", legalHoldAt: now })
      .where(eq(tenants.id, t.tenant.id));
    const held = await drive((await startRetentionRun(E, t.tenant, now)).job.id);
    expect(held?.result).toMatchObject({ counts: { supportTickets: 0 }, skipped: "legal hold" });
    await db
      .update(tenants)
      .set({ legalHoldReason: null, legalHoldAt: null })
      .where(eq(tenants.id, t.tenant.id));

    // Default retention (24 months from the last activity of a closed ticket).
    const { job } = await startRetentionRun(E, t.tenant, now + 1);
    const done = await drive(job.id);
    const res = done?.result as { counts: Record<string, number>; maxStep: { d1: number } };
    expect(res.counts).toMatchObject({ supportTickets: 96, supportAttachments: 1 });
    expect(res.maxStep.d1).toBeLessThanOrEqual(10);
    const left = await db
      .select({ id: supportTickets.id })
      .from(supportTickets)
      .where(eq(supportTickets.tenantId, t.tenant.id));
    expect(left.map((r) => r.id).sort()).toEqual([open.ticket.id, recent.ticket.id].sort());
    for (const [name, table, col] of [
      ["messages", supportMessages, supportMessages.ticketId],
      ["grants", supportGrants, supportGrants.ticketId],
      ["access log", supportAccessLog, supportAccessLog.ticketId],
    ] as const)
      expect(await db.select().from(table).where(eq(col, old.ticket.id)), name).toEqual([]);
    expect(
      await db.select().from(supportMessages).where(eq(supportMessages.ticketId, recent.ticket.id)),
    ).toHaveLength(1);
    const att = await dp.d1
      .prepare("select count(*) as n from support_attachments where tenant_id = ?")
      .bind(t.tenant.id)
      .first<{ n: number }>();
    expect(att?.n).toBe(0);
    expect(await dp.bucket.get(`t/${t.tenant.id}/support/${old.ticket.id}/${file.id}`)).toBeNull();
    expect((await call(`/api/v1/support/tickets/${old.ticket.id}`, { key: t.key })).status).toBe(404);

    // A tenant lowers the retention to 30 days (injected clock 31 days later): the recent one goes.
    expect(
      (await call("/api/v1/settings/retention", { method: "PUT", key: t.key, json: { supportTickets: 30 } }))
        .status,
    ).toBe(200);
    const fresh = (await db.query.tenants.findFirst({ where: eq(tenants.id, t.tenant.id) }))!;
    const later = await drive((await startRetentionRun(E, fresh, now + 31 * DAY)).job.id);
    expect(later?.result).toMatchObject({ counts: { supportTickets: 1 } });
  }, 60_000);

  it("the daily cron only starts one run per tenant and day; nothing is deleted by the cron itself", async () => {
    const t = await makeTenant();
    const old = await createCall(t, Date.now() - 400 * DAY, "Agent: Hi.\nCustomer: hello.", "C-1");
    const w = appWorker as unknown as {
      scheduled(c: ScheduledController, e: Env, x: ExecutionContext): Promise<void>;
    };
    for (let i = 0; i < 2; i++) {
      const ctx = createExecutionContext();
      await w.scheduled(createScheduledController({ cron: "15 3 * * *", scheduledTime: Date.now() }), E, ctx);
      await waitOnExecutionContext(ctx);
    }
    const runs = await controlDb(E)
      .select()
      .from(jobs)
      .where(and(eq(jobs.tenantId, t.tenant.id), eq(jobs.kind, "retention_purge")));
    expect(runs).toHaveLength(1);
    expect(sent.filter((m) => m.type === "job.step" && m.jobId === runs[0].id)).toHaveLength(1);
    expect((await call(`/api/v1/calls/${old}`, { key: t.key })).status).toBe(200);
    expect(sendSpy).toHaveBeenCalled();
  });

  it("call legal hold: validation, other tenants, roles", async () => {
    const t = await makeTenant();
    const other = await makeTenant();
    const id = await createCall(t, Date.now(), "Agent: Hi.\nCustomer: hello.", "L-1");
    const put = (key: string, json: unknown, cid = id) =>
      call(`/api/v1/calls/${cid}/legal-hold`, { method: "PUT", key, json });
    expect((await put(t.key, {})).status).toBe(400);
    expect((await put(t.key, { reason: "" })).status).toBe(400);
    expect((await put(t.key, { reason: "x", extra: 1 })).status).toBe(400);
    expect((await put(other.key, { reason: "mine now" })).status).toBe(404);
    const ok = await put(t.key, { reason: "Claim 42" });
    expect(((await ok.json()) as Json).legalHold).toMatchObject({ reason: "Claim 42" });
    const audit = await controlDb(E)
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenant.id), eq(auditLog.action, "call.legal_hold_set")));
    expect(audit).toHaveLength(1);
  }, 30_000);
});

describe("data location move (F2)", () => {
  async function snapshot(t: TestTenant) {
    const list = (await (await call("/api/v1/calls?limit=200", { key: t.key })).json()) as { data: Json[] };
    const out: Record<string, Json> = {};
    for (const c of list.data) {
      const id = c.id as string;
      const analysis = (await (await call(`/api/v1/calls/${id}/analysis`, { key: t.key })).json()) as Json;
      const rec = await call(`/api/v1/calls/${id}/recording`, { key: t.key });
      const bytes = new Uint8Array(await rec.arrayBuffer());
      const tx = await (await call(`/api/v1/calls/${id}/transcript`, { key: t.key })).text();
      out[id] = {
        call: { ...c, updatedAt: undefined },
        score: analysis.score,
        recSize: bytes.byteLength,
        recSum: bytes.reduce((a, x) => (a + x) % 65521, 0),
        tx,
      };
    }
    return out;
  }

  it("eu → us: writes refused during the move; interrupted and resumed; nothing lost or duplicated; source emptied", async () => {
    const t = await makeTenant();
    const ids = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        await createCall(
          t,
          Date.now() - i * DAY,
          `Agent: Hello.\nCustomer: my parcel okavango${i} is late.`,
          `M-${i}`,
        ),
      );
    const before = await snapshot(t);
    const srcDp = dataPlane(E, t.tenant);
    const srcObjects = (await srcDp.bucket.list({ prefix: `t/${t.tenant.id}/` })).objects.length;

    const put = await call("/api/v1/settings/location", {
      method: "PUT",
      key: t.key,
      json: { location: "us", confirmName: t.tenant.name },
    });
    expect(put.status).toBe(202);
    const { migration } = (await put.json()) as { migration: { id: string; status: string } };
    // Asking again while it runs returns the same job.
    const again = await call("/api/v1/settings/location", {
      method: "PUT",
      key: t.key,
      json: { location: "us", confirmName: t.tenant.name },
    });
    expect(((await again.json()) as { migration: { id: string } }).migration.id).toBe(migration.id);

    expect(await runJobStep(E, { jobId: migration.id, step: 0 })).toBe("ran"); // lock
    const locked = await call("/api/v1/calls", {
      method: "POST",
      key: t.key,
      json: { externalId: "during-move", transcript: { format: "text", content: "Agent: Hi." } },
    });
    expect(locked.status).toBe(409);
    expect(locked.headers.get("retry-after")).toBe("300");
    expect(((await locked.json()) as Json).type).toContain("tenant-locked");
    // Reads keep working from the source during the move.
    expect((await call(`/api/v1/calls/${ids[0]}`, { key: t.key })).status).toBe(200);
    const loc = (await (await call("/api/v1/settings/location", { key: t.key })).json()) as Json;
    expect(loc).toMatchObject({ location: "eu", moving: true });

    // Copy some rows, then "crash" after a step's side effects but before its progress was saved:
    // the job row is put back, the same chunk runs again.
    await drive(migration.id, 3);
    const saved = (await getJob(E, migration.id))!;
    await runJobStep(E, { jobId: migration.id, step: saved.steps });
    await controlDb(E)
      .update(jobs)
      .set({ progress: saved.progress, steps: saved.steps })
      .where(eq(jobs.id, saved.id));
    await runJobStep(E, { jobId: migration.id, step: saved.steps });
    // A copy failing in the middle of the objects phase (R2 error) is retried by the queue.
    let failed = false;
    const putSpy = vi.spyOn(E.BLOB_US, "put");
    putSpy.mockImplementationOnce(async () => {
      failed = true;
      throw new Error("R2 unavailable");
    });
    for (let i = 0; i < 300; i++) {
      const j = (await getJob(E, migration.id))!;
      if (j.status !== "running" && j.status !== "queued") break;
      await runJobStep(E, { jobId: migration.id, step: j.steps }).catch(() => undefined);
    }
    putSpy.mockRestore();
    expect(failed).toBe(true);
    const done = (await getJob(E, migration.id))!;
    expect(done.status).toBe("done");
    expect(done.result).toMatchObject({ from: "eu", to: "us", objectsCopied: srcObjects, ftsReindexed: 3 });

    const tn = (await controlDb(E).query.tenants.findFirst({ where: eq(tenants.id, t.tenant.id) }))!;
    expect(tn).toMatchObject({ location: "us", shard: "DATA_US_1", writeLock: null });
    // Everything reads the same from the new location, search included.
    expect(await snapshot(t)).toEqual(before);
    expect(await search(t, "okavango1")).toEqual([ids[1]]);
    // No duplicates at the destination; nothing left at the source.
    const dst = dataPlane(E, tn);
    const n = await dst.d1
      .prepare("select count(*) as n from calls where tenant_id = ?")
      .bind(t.tenant.id)
      .first<{ n: number }>();
    expect(n?.n).toBe(3);
    const an = await dst.d1
      .prepare("select count(*) as n from analyses where tenant_id = ?")
      .bind(t.tenant.id)
      .first<{ n: number }>();
    expect(an?.n).toBe(3);
    for (const table of ["calls", "analyses", "call_labels", "tenant_meta", "rubrics", "agents"]) {
      const r = await srcDp.d1
        .prepare(`select count(*) as n from ${table} where tenant_id = ?`)
        .bind(t.tenant.id)
        .first<{ n: number }>();
      expect(r?.n, table).toBe(0);
    }
    expect((await srcDp.bucket.list({ prefix: `t/${t.tenant.id}/` })).objects).toEqual([]);
    const manifest = await (await dst.bucket.get(`t/${t.tenant.id}/manifest.json`))!.json();
    expect(manifest).toMatchObject({ location: "us" });
    // Writes work again, in the new location.
    const after = await call("/api/v1/calls", {
      method: "POST",
      key: t.key,
      json: { externalId: "after-move", transcript: { format: "text", content: "Agent: Hi." } },
    });
    expect(after.status).toBe(201);
    const audit = await controlDb(E)
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(eq(auditLog.tenantId, t.tenant.id));
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        "location.migration_started",
        "location.switched",
        "location.migration_completed",
      ]),
    );
  }, 90_000);

  it("R2 reports the MD5 of what it stored (the copy check compares against it)", async () => {
    const put = await E.BLOB_US.put("probe/md5", "abc");
    const hex = [...new Uint8Array(put!.checksums.md5!)].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(hex).toBe("900150983cd24fb0d6963f7d28e17f72");
    await E.BLOB_US.delete("probe/md5");
  });

  it("refuses a move to the same location, an unknown one, and without the admin permission", async () => {
    const t = await makeTenant();
    const same = await call("/api/v1/settings/location", {
      method: "PUT",
      key: t.key,
      json: { location: "eu" },
    });
    expect(same.status).toBe(200); // nothing to move: only the scope would change
    const bad = await call("/api/v1/settings/location", {
      method: "PUT",
      key: t.key,
      json: { location: "mars" },
    });
    expect(bad.status).toBe(400);
    const none = (await (await call("/api/v1/settings/location/migration", { key: t.key })).json()) as Json;
    expect(none.migration).toBeNull();
    const other = await makeTenant();
    const job = await call("/api/v1/settings/location", {
      method: "PUT",
      key: other.key,
      json: { location: "us", confirmName: other.tenant.name },
    });
    const { migration } = (await job.json()) as { migration: { id: string } };
    expect((await call(`/api/v1/jobs/${migration.id}`, { key: t.key })).status).toBe(404);
    expect((await call(`/api/v1/jobs/${migration.id}`, { key: other.key })).status).toBe(200);
  });
});

describe("sub-processor objections in the pipeline (F5)", () => {
  it("a provider the tenant objected to receives nothing until an operator resolves it; then the call resumes", async () => {
    const t = await makeTenant();
    await controlDb(E)
      .update(tenants)
      .set({ speechProvider: "assemblyai" })
      .where(eq(tenants.id, t.tenant.id));
    const ctx = { ...t.ctx, tenant: { ...t.tenant, speechProvider: "assemblyai" as const } };
    const sub = await addSubprocessor(E, {
      name: `AssemblyAI EU ${t.tenant.id}`,
      purposeFr: "Transcription",
      purposeEn: "Transcription",
      dataCategories: "audio",
      location: "EU",
      transferMechanism: "EU",
      providerKey: "assemblyai",
      effectiveAt: Date.now() + 31 * DAY,
    });
    const objection = await objectToSubprocessor(ctx, sub.id, "We have not assessed it yet");
    const dp = dataPlane(E, t.tenant);
    const id = `cal_subp_${t.tenant.id}`;
    const now = Date.now();
    await dp.db.insert(calls).values({
      id,
      tenantId: t.tenant.id,
      createHash: "x",
      status: "transcribing",
      runId: "run1",
      startedAt: now,
      recKey: `t/${t.tenant.id}/calls/${id}/recording-x`,
      recStatus: "stored",
      recSize: 10,
      createdAt: now,
      updatedAt: now,
    });
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    await transcribeStep(E, { step: "transcribe", tenantId: t.tenant.id, callId: id, runId: "run1" });
    expect(fetchSpy).not.toHaveBeenCalled();
    const held = await dp.db.query.calls.findFirst({ where: eq(calls.id, id) });
    expect(held).toMatchObject({ status: "held", holdReason: "subprocessor_objection" });
    // The built-in engine is never blocked by a sub-processor objection.
    expect(
      decideProcessing({ tenant: t.tenant, provider: "builtin", subprocessorObjected: true }).allowed,
    ).toBe(true);
    // Resolved by an operator → the call starts again (its transcription message is sent).
    const sendSpy = vi.spyOn(E.TRANSCRIBE_QUEUE, "send").mockResolvedValue(undefined as never);
    await resolveObjection(E, objection.id, "Assessed; DPA signed");
    const after = await dp.db.query.calls.findFirst({ where: eq(calls.id, id) });
    expect(after?.status).toBe("transcribing");
    expect(sendSpy).toHaveBeenCalledWith(expect.objectContaining({ callId: id, step: "transcribe" }));
  });
});
