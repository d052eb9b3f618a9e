import { and, eq, inArray, isNotNull, isNull, lt, type SQL, sql } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { dataPlane } from "../../db/resolver";
import { type Job, jobs, memberships, type Tenant, tenants, users } from "../../db/schema/control";
import { analyses, CALIBRATION_TABLES, calls, REVIEW_TABLES, recordingUploads } from "../../db/schema/data";
import { tenantById } from "../identity/tenants";
import { markKpiDirty } from "../insights/kpis";
import { appendAudit, purgeAuditDays, tenantChain } from "../platform/audit";
import { t } from "../platform/i18n";
import { JobFailure, registerJobHandler, type StepOutcome, startJob } from "../platform/jobs";
import { sendMail } from "../platform/mail";
import { effectiveRetention, type RetentionCategory } from "./retention";

/**
 * The retention purge (F1). The daily cron only starts one `retention_purge` job per active
 * tenant and day (dedupe key `retention:<tenant>:<day>`); the job then works in bounded steps,
 * one phase after the other:
 *
 *   recordings → transcripts (+ raw provider responses, FTS) → analyses (+ labels, R2 results,
 *   and the reviews, review-queue items and calibration answers that judged them)
 *   → calls (rows whose every category expired, with everything left under them)
 *   → exports (R2 objects under `exports/`) → support (closed tickets: attachments in R2 and the
 *   data plane, then messages, grants, grant read log and the ticket in the control plane)
 *   → logs (connection, webhook deliveries, mail) → audit
 *
 * Each step handles at most CHUNK items of one phase: it selects what is still expired and not
 * under legal hold (partial indexes hold only live items, so nothing purged is read again),
 * deletes the R2 objects first, then the D1 rows in one batch (a transaction). A step that runs
 * twice finds nothing more to do for what it already did; a killed run is resumed by the
 * stalled-job sweep from its last saved phase. Cut-offs are fixed when the run starts.
 */
/** 90 ids + 3 other values per statement: under D1's 100 bound parameters. */
export const CHUNK = 90;
const LOG_CHUNK = 500;
const DAY_MS = 86_400_000;
const PHASES = [
  "recordings",
  "transcripts",
  "analyses",
  "calls",
  "exports",
  "support",
  "logs",
  "audit",
] as const;
type Phase = (typeof PHASES)[number];
/** Raw speech-to-text responses are stored per provider; a purge deletes every possible one. */
const STT_PROVIDERS = ["deepgram", "openai", "assemblyai"] as const;

export interface PurgeCounts {
  recordings: number;
  transcripts: number;
  providerResponses: number;
  analyses: number;
  /** Reviews (with their queue items and calibration answers) gone with their call's analyses. */
  reviews: number;
  calls: number;
  objects: number;
  exports: number;
  connectionLogs: number;
  webhookDeliveries: number;
  mails: number;
  auditEntries: number;
  supportTickets: number;
  supportAttachments: number;
}
const zero = (): PurgeCounts => ({
  recordings: 0,
  transcripts: 0,
  providerResponses: 0,
  analyses: 0,
  reviews: 0,
  calls: 0,
  objects: 0,
  exports: 0,
  connectionLogs: 0,
  webhookDeliveries: 0,
  mails: 0,
  auditEntries: 0,
  supportTickets: 0,
  supportAttachments: 0,
});

interface Progress {
  phase: Phase;
  /** Cut-off per category (ms): items started/created before it are expired. */
  cutoffs: Record<RetentionCategory, number>;
  counts: PurgeCounts;
  /** R2 list cursor of the exports phase. */
  cursor?: string;
  /** The largest step so far: D1 statements and R2 operations (P7: each step within limits). */
  maxStep: { d1: number; r2: number };
  skipped?: string;
  [k: string]: unknown;
}

/** Operations of one step, counted so each stays far below the Workers limits (P7). */
class Budget {
  d1 = 0;
  r2 = 0;
}

export function cutoffsFor(
  tenant: Pick<Tenant, "retention">,
  now: number,
): Record<RetentionCategory, number> {
  const eff = effectiveRetention(tenant);
  const out = {} as Record<RetentionCategory, number>;
  for (const [c, days] of Object.entries(eff)) out[c as RetentionCategory] = now - days * DAY_MS;
  return out;
}

/** Cron: start today's run for every tenant (nothing else; the jobs do the work). */
export async function startRetentionRuns(env: Env, now: number): Promise<number> {
  const day = new Date(now).toISOString().slice(0, 10);
  const list = await controlDb(env)
    .select({ id: tenants.id, retention: tenants.retention })
    .from(tenants)
    // Closed tenants too: their logs and audit entries still expire.
    .where(inArray(tenants.status, ["active", "ending", "closed"]));
  let started = 0;
  for (const tn of list) {
    const { created } = await startRetentionRun(env, tn, now, `retention:${tn.id}:${day}`);
    if (created) started++;
  }
  return started;
}

export async function startRetentionRun(
  env: Env,
  tenant: Pick<Tenant, "id" | "retention">,
  now: number,
  dedupeKey?: string,
  createdBy: string | null = null,
) {
  const progress: Progress = {
    phase: "recordings",
    cutoffs: cutoffsFor(tenant, now),
    counts: zero(),
    maxStep: { d1: 0, r2: 0 },
  };
  return startJob(
    env,
    { tenantId: tenant.id, kind: "retention_purge", dedupeKey, progress, params: { now }, createdBy },
    now,
  );
}

async function step(env: Env, job: Job): Promise<StepOutcome> {
  const p = structuredClone(job.progress) as Progress;
  const tenant = job.tenantId ? await tenantById(env, job.tenantId) : null;
  if (!tenant) throw new JobFailure("tenant not found");
  if (tenant.writeLock) return { progress: p, delaySeconds: 600 }; // a move or deletion owns the data
  if (tenant.legalHoldReason && p.phase !== "logs" && p.phase !== "audit") {
    // A tenant-wide legal hold keeps all call data and support tickets; logs still follow their
    // own retention.
    p.skipped = "legal hold";
    p.phase = "logs";
  }
  const b = new Budget();
  const done = await runPhase(env, tenant, p, b);
  p.maxStep = { d1: Math.max(p.maxStep.d1, b.d1), r2: Math.max(p.maxStep.r2, b.r2) };
  if (done) {
    const next = PHASES[PHASES.indexOf(p.phase) + 1];
    if (!next) return { progress: p, result: await finish(env, job, tenant, p) };
    p.phase = next;
    p.cursor = undefined;
  }
  return { progress: p };
}

/** What a phase works with in one step. */
interface PhaseStep {
  env: Env;
  tenant: Tenant;
  dp: ReturnType<typeof dataPlane>;
  p: Progress;
  b: Budget;
  /** The run's cut-offs (fixed when it started). */
  c: Progress["cutoffs"];
  now: number;
  /** The tenant's calls not under legal hold. */
  live: SQL | undefined;
}
/** One bounded chunk of a phase. Returns true when the phase has nothing left. */
type PhaseRunner = (s: PhaseStep) => Promise<boolean>;

/** One bounded chunk of the current phase. Returns true when the phase has nothing left. */
async function runPhase(env: Env, tenant: Tenant, p: Progress, b: Budget): Promise<boolean> {
  const live = and(eq(calls.tenantId, tenant.id), isNull(calls.legalHoldAt));
  const dp = dataPlane(env, tenant);
  return PHASE_RUNNERS[p.phase]({ env, tenant, dp, p, b, c: p.cutoffs, now: Date.now(), live });
}

// Recordings (R2, then the call's key): the category phases come first, each on its own cut-off.
async function purgeRecordings({ tenant, dp, p, b, c, now, live }: PhaseStep): Promise<boolean> {
  const rows = await dp.db
    .select({ id: calls.id, recKey: calls.recKey })
    .from(calls)
    .where(and(live, isNotNull(calls.recKey), lt(calls.startedAt, c.recordings)))
    .limit(CHUNK);
  b.d1++;
  if (!rows.length) return true;
  await r2Delete(
    dp.bucket,
    rows.map((r) => r.recKey as string),
    b,
  );
  const res = await dp.db
    .update(calls)
    .set({ recKey: null, recStatus: "none", recPurgedAt: now, updatedAt: now })
    .where(
      and(
        eq(calls.tenantId, tenant.id),
        inArray(
          calls.id,
          rows.map((r) => r.id),
        ),
      ),
    )
    .run();
  b.d1++;
  p.counts.recordings += res.meta.changes ?? 0;
  p.counts.objects += rows.length;
  return rows.length < CHUNK;
}

// Transcripts and raw provider responses (R2), then the FTS rows and columns in one batch.
async function purgeTranscripts({ tenant, dp, p, b, c, now, live }: PhaseStep): Promise<boolean> {
  const rows = await dp.db
    .select({ id: calls.id, ftsId: calls.ftsId })
    .from(calls)
    .where(and(live, isNotNull(calls.txFormat), lt(calls.startedAt, c.transcripts)))
    .limit(CHUNK);
  b.d1++;
  if (!rows.length) return true;
  const keys = rows.flatMap((r) => transcriptKeys(dp.key, r.id));
  await r2Delete(dp.bucket, keys, b);
  await dp.d1.batch([
    ...ftsDeletes(dp, rows),
    dp.d1
      .prepare(
        `update calls set tx_format = null, tx_segments = null, tx_words = null, fts_id = null,
         tx_purged_at = ?, updated_at = ? where tenant_id = ? and id in (${rows.map(() => "?").join(",")})`,
      )
      .bind(now, now, tenant.id, ...rows.map((r) => r.id)),
  ]);
  b.d1++;
  // (D1 counts the FTS shadow-table writes in `changes`: count the rows selected instead.)
  p.counts.transcripts += rows.length;
  p.counts.providerResponses += rows.length; // every possible raw response key was deleted
  p.counts.objects += rows.length; // the transcripts (raw responses exist only for audio calls)
  return rows.length < CHUNK;
}

/**
 * Analyses: results (R2), then rows and labels; the dashboards' days are marked to recompute.
 * Reviews are the same retention category as the analyses they judge (SPEC F1: "analyses and
 * reviews", "analyses/evaluations 12 months"): a review names its analysis (`analysis_id`, not
 * null) and holds the overrides of its answers, so it goes with it, in the same D1 batch — with the
 * call's review-queue item and its calibration rows (other evaluations of the same call) — and the
 * reviewed score on the call row is cleared. Nothing is left pointing at a removed analysis.
 */
async function purgeAnalyses({ env, tenant, dp, p, b, c, now, live }: PhaseStep): Promise<boolean> {
  const rows = await dp.db
    .select({ id: calls.id, startedAt: calls.startedAt })
    .from(calls)
    .where(and(live, isNotNull(calls.analysisId), lt(calls.startedAt, c.analyses)))
    .limit(CHUNK);
  b.d1++;
  if (!rows.length) return true;
  const ids = rows.map((r) => r.id);
  const an = await dp.db
    .select({ resultKey: analyses.resultKey })
    .from(analyses)
    .where(and(eq(analyses.tenantId, tenant.id), inArray(analyses.callId, ids)));
  b.d1++;
  await r2Delete(
    dp.bucket,
    an.map((a) => a.resultKey),
    b,
  );
  const marks = ids.map(() => "?").join(",");
  const out = await dp.d1.batch([
    dp.d1
      .prepare(`delete from analyses where tenant_id = ? and call_id in (${marks})`)
      .bind(tenant.id, ...ids),
    dp.d1
      .prepare(`delete from call_labels where tenant_id = ? and call_id in (${marks})`)
      .bind(tenant.id, ...ids),
    ...[...REVIEW_TABLES, ...CALIBRATION_TABLES].map((table) =>
      dp.d1
        .prepare(`delete from ${table} where tenant_id = ? and call_id in (${marks})`)
        .bind(tenant.id, ...ids),
    ),
    dp.d1
      .prepare(
        `update calls set analysis_id = null, score = null, passed = null, critical_fail = null,
         reviewed_score = null, an_purged_at = ?, updated_at = ? where tenant_id = ? and id in (${marks})`,
      )
      .bind(now, now, tenant.id, ...ids),
  ]);
  b.d1++;
  p.counts.analyses += out[0].meta.changes ?? 0;
  // (A run saved before this count existed resumes with it missing.)
  p.counts.reviews = (p.counts.reviews ?? 0) + (out[2].meta.changes ?? 0);
  p.counts.objects += an.length;
  await markKpiDirty(
    env,
    tenant,
    rows.map((r) => r.startedAt),
  ); // the dashboards' days change
  b.d1++;
  return rows.length < CHUNK;
}

// Whole call rows once every category they carry has expired: after the category phases.
async function purgeCalls({ env, tenant, dp, p, b, c, live }: PhaseStep): Promise<boolean> {
  const cut = Math.min(c.recordings, c.transcripts, c.analyses);
  const rows = await dp.db
    .select({ id: calls.id, recKey: calls.recKey, ftsId: calls.ftsId, startedAt: calls.startedAt })
    .from(calls)
    .where(and(live, lt(calls.startedAt, cut)))
    .limit(CHUNK);
  b.d1++;
  if (!rows.length) return true;
  p.counts.calls += await deleteCallRows(dp, tenant.id, rows, b);
  await markKpiDirty(
    env,
    tenant,
    rows.map((r) => r.startedAt),
  );
  b.d1++;
  return rows.length < CHUNK;
}

// Export files (R2 only, page by page from `p.cursor`); independent of the call data.
async function purgeExports({ dp, p, b, c }: PhaseStep): Promise<boolean> {
  const page = await dp.bucket.list({ prefix: dp.key("exports", ""), cursor: p.cursor, limit: 1000 });
  b.r2++;
  const old = page.objects.filter((o) => o.uploaded.getTime() < c.exports).map((o) => o.key);
  if (old.length) await r2Delete(dp.bucket, old, b);
  p.counts.exports += old.length;
  p.counts.objects += old.length;
  p.cursor = page.truncated ? page.cursor : undefined;
  return !page.truncated;
}

// Closed support tickets: files first (R2, data plane), then the control plane; last of the data.
async function purgeSupport({ env, tenant, dp, p, b, c }: PhaseStep): Promise<boolean> {
  // Closed (or resolved) tickets whose last activity is older than the cut-off. Open ones
  // are a live conversation and stay. A step killed between the planes finds the ticket again.
  const cut = c.supportTickets ?? Number.NEGATIVE_INFINITY; // runs started before the category
  const rows = (
    await env.CONTROL_DB.prepare(
      `select id from support_tickets where tenant_id = ? and status in ('resolved', 'closed')
       and max(updated_at, last_message_at) < ? limit ${CHUNK}`,
    )
      .bind(tenant.id, cut)
      .all<{ id: string }>()
  ).results;
  b.d1++;
  if (!rows.length) return true;
  const ids = rows.map((r) => r.id);
  const marks = ids.map(() => "?").join(",");
  const files = (
    await dp.d1
      .prepare(`select object_key from support_attachments where tenant_id = ? and ticket_id in (${marks})`)
      .bind(tenant.id, ...ids)
      .all<{ object_key: string }>()
  ).results;
  b.d1++;
  await r2Delete(
    dp.bucket,
    files.map((f) => f.object_key),
    b,
  );
  await dp.d1
    .prepare(`delete from support_attachments where tenant_id = ? and ticket_id in (${marks})`)
    .bind(tenant.id, ...ids)
    .run();
  b.d1++;
  const db = env.CONTROL_DB;
  const del = (table: string, col: string) =>
    db.prepare(`delete from ${table} where tenant_id = ? and ${col} in (${marks})`).bind(tenant.id, ...ids);
  const out = await db.batch([
    del("support_access_log", "ticket_id"),
    del("support_grants", "ticket_id"),
    del("support_messages", "ticket_id"),
    del("support_tickets", "id"),
  ]);
  b.d1++;
  p.counts.supportTickets += out[3].meta.changes ?? 0;
  p.counts.supportAttachments += files.length;
  p.counts.objects += files.length;
  return rows.length < CHUNK;
}

// Control-plane logs (connection, webhook deliveries, mail): after the data, where a hold skips to.
async function purgeLogs({ env, tenant, p, b, c }: PhaseStep): Promise<boolean> {
  // They follow `connectionLogs` (platform floor 6 months). Bounded deletes by rowid.
  const db = env.CONTROL_DB;
  const del = (table: string, col: string) =>
    db
      .prepare(
        `delete from ${table} where rowid in (select rowid from ${table} where tenant_id = ? and ${col} < ? limit ${LOG_CHUNK})`,
      )
      .bind(tenant.id, c.connectionLogs);
  const out = await db.batch([
    del("connection_log", "ts"),
    del("webhook_deliveries", "created_at"),
    del("mail_outbox", "created_at"),
  ]);
  b.d1++;
  const [conn, hooks, mails] = out.map((r) => r.meta.changes ?? 0);
  p.counts.connectionLogs += conn;
  p.counts.webhookDeliveries += hooks;
  p.counts.mails += mails;
  return conn < LOG_CHUNK && hooks < LOG_CHUNK && mails < LOG_CHUNK;
}

// Whole days of the audit chain (so it verifies from the day heads kept in R2, I2); last.
async function purgeAudit({ env, tenant, p, b, c }: PhaseStep): Promise<boolean> {
  const beforeDay = new Date(c.auditLog).toISOString().slice(0, 10);
  const n = await purgeAuditDays(env, tenantChain(tenant.id), beforeDay, { maxDays: 7 });
  b.d1 += 3;
  p.counts.auditEntries += n;
  return n === 0;
}

/** Every phase's runner; `PHASES` gives the order. */
const PHASE_RUNNERS: Record<Phase, PhaseRunner> = {
  recordings: purgeRecordings,
  transcripts: purgeTranscripts,
  analyses: purgeAnalyses,
  calls: purgeCalls,
  exports: purgeExports,
  support: purgeSupport,
  logs: purgeLogs,
  audit: purgeAudit,
};

/** The statement deleting these calls' full-text rows (none when no call has one). */
function ftsDeletes(
  dp: ReturnType<typeof dataPlane>,
  rows: { ftsId: number | null }[],
): D1PreparedStatement[] {
  const ftsIds = rows.map((r) => r.ftsId).filter((x): x is number => x !== null);
  if (!ftsIds.length) return [];
  return [
    dp.d1
      .prepare(`delete from calls_fts where rowid in (${ftsIds.map(() => "?").join(",")})`)
      .bind(...ftsIds),
  ];
}

function transcriptKeys(key: (...parts: string[]) => string, callId: string): string[] {
  return [
    key("calls", callId, "transcript.json"),
    ...STT_PROVIDERS.map((s) => key("calls", callId, `stt-${s}.json`)),
  ];
}

/**
 * Delete call rows and everything under them (R2 first, then one D1 batch); the contract-end
 * deletion wipes every tenant table instead. Returns how many call rows went.
 */
export async function deleteCallRows(
  dp: ReturnType<typeof dataPlane>,
  tenantId: string,
  rows: { id: string; recKey: string | null; ftsId: number | null }[],
  b: Budget = new Budget(),
): Promise<number> {
  const ids = rows.map((r) => r.id);
  const marks = ids.map(() => "?").join(",");
  const [an, ups] = await Promise.all([
    dp.db
      .select({ resultKey: analyses.resultKey })
      .from(analyses)
      .where(and(eq(analyses.tenantId, tenantId), inArray(analyses.callId, ids))),
    dp.db
      .select({
        id: recordingUploads.id,
        objectKey: recordingUploads.objectKey,
        r2: recordingUploads.r2UploadId,
        status: recordingUploads.status,
      })
      .from(recordingUploads)
      .where(and(eq(recordingUploads.tenantId, tenantId), inArray(recordingUploads.callId, ids))),
  ]);
  b.d1 += 2;
  for (const u of ups.filter((x) => x.status === "open")) {
    await dp.bucket
      .resumeMultipartUpload(u.objectKey, u.r2)
      .abort()
      .catch(() => undefined);
    b.r2++;
  }
  const keys = [
    ...rows.flatMap((r) => [...(r.recKey ? [r.recKey] : []), ...transcriptKeys(dp.key, r.id)]),
    ...an.map((a) => a.resultKey),
    ...ups.map((u) => u.objectKey),
  ];
  await r2Delete(dp.bucket, keys, b);
  const out = await dp.d1.batch([
    ...ftsDeletes(dp, rows),
    dp.d1
      .prepare(`delete from analyses where tenant_id = ? and call_id in (${marks})`)
      .bind(tenantId, ...ids),
    dp.d1
      .prepare(`delete from call_labels where tenant_id = ? and call_id in (${marks})`)
      .bind(tenantId, ...ids),
    ...(ups.length
      ? [
          dp.d1
            .prepare(
              `delete from recording_upload_parts where upload_id in (${ups.map(() => "?").join(",")})`,
            )
            .bind(...ups.map((u) => u.id)),
        ]
      : []),
    dp.d1
      .prepare(`delete from recording_uploads where tenant_id = ? and call_id in (${marks})`)
      .bind(tenantId, ...ids),
    // Calibration answers, reviews and queue items of these calls go with them (they judge the
    // call's agent); in the calls' batch, so a step re-run after a failure finds nothing left.
    ...[...CALIBRATION_TABLES, ...REVIEW_TABLES].map((table) =>
      dp.d1
        .prepare(`delete from ${table} where tenant_id = ? and call_id in (${marks})`)
        .bind(tenantId, ...ids),
    ),
    dp.d1.prepare(`delete from calls where tenant_id = ? and id in (${marks})`).bind(tenantId, ...ids),
  ]);
  b.d1++;
  return out[out.length - 1].meta.changes ?? 0;
}

/** R2 deletes up to 1,000 keys per call. */
async function r2Delete(bucket: R2Bucket, keys: string[], b: Budget) {
  for (let i = 0; i < keys.length; i += 1000) {
    await bucket.delete(keys.slice(i, i + 1000));
    b.r2++;
  }
}

/** Last step: audit the run and report to the tenant's admins when something was purged. */
async function finish(env: Env, job: Job, tenant: Tenant, p: Progress) {
  const total = Object.values(p.counts).reduce((a, n) => a + n, 0);
  await appendAudit(env, {
    tenantId: tenant.id,
    actor: { type: "system", id: null },
    action: "retention.run_completed",
    targetType: "job",
    targetId: job.id,
    result: "success",
    meta: {
      purged: Object.entries(p.counts)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k}=${n}`)
        .join(" "),
      skipped: p.skipped ?? null,
    },
  });
  if (total > 0) await mailReport(env, tenant, p.counts);
  return { counts: p.counts, skipped: p.skipped ?? null, maxStep: p.maxStep };
}

async function mailReport(env: Env, tenant: Tenant, counts: PurgeCounts) {
  const admins = await controlDb(env)
    .select({ email: users.email, locale: users.locale })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, tenant.id), inArray(memberships.role, ["owner", "admin"])));
  for (const a of admins) {
    const locale = a.locale === "en" ? "en" : "fr";
    const lines = (Object.keys(counts) as (keyof PurgeCounts)[])
      .filter((k) => counts[k] > 0)
      .map((k) => `- ${t(locale, `retention.count.${k}`)}: ${counts[k]}`)
      .join("\n");
    await sendMail(env, {
      to: a.email,
      tenantId: tenant.id,
      kind: "retention.report",
      locale,
      subject: t(locale, "retention.mail.subject", { tenant: tenant.name }),
      text: t(locale, "retention.mail.body", {
        tenant: tenant.name,
        lines,
        url: `${env.APP_URL}/governance`,
      }),
    });
  }
}

/** The tenant's recent runs (portal and API). */
export async function listRetentionRuns(env: Env, tenantId: string, limit = 10) {
  return controlDb(env)
    .select()
    .from(jobs)
    .where(and(eq(jobs.tenantId, tenantId), eq(jobs.kind, "retention_purge")))
    .orderBy(sql`${jobs.createdAt} desc`)
    .limit(limit);
}

registerJobHandler("retention_purge", step);
