import { and, eq, inArray, lt, sql } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { type Job, type JobKind, jobs } from "../../db/schema/control";
import { newId } from "./crypto";

/** Messages of the `jobs` queue: ids only, never personal data (SPEC "Shape"). */
export type JobMessage =
  | { type: "mail.send"; id: string }
  | { type: "recording.hash"; tenantId: string; callId: string }
  | { type: "webhook.deliver"; deliveryId: string }
  /** Rebuild the tenant's dirty KPI days (core/insights/kpis.ts). */
  | { type: "kpi.rollup"; tenantId: string }
  /** Build and mail one scheduled report (core/insights/reports.ts). */
  | { type: "report.send"; scheduleId: string }
  /** Sample the week that ended into the tenant's review queue (core/quality/review-queue.ts). */
  | { type: "review.sample"; tenantId: string }
  /** Send one usage-ledger row to Stripe as a meter event (G3). */
  | { type: "billing.meter"; id: string }
  /** Resume calls held for quota when the quota allows (G3). */
  | { type: "billing.resume"; tenantId: string }
  /** Write the reads of ended hours into the audit chains (core/platform/audit-reads.ts), continued. */
  | { type: "audit.reads.flush" }
  /** One step of a durable job (`jobs` row); `step` is the job's step count when it was sent. */
  | { type: "job.step"; jobId: string; step: number };

export async function enqueueJob(env: Env, msg: JobMessage, delaySeconds?: number): Promise<void> {
  if (delaySeconds) await env.JOBS_QUEUE.send(msg, { delaySeconds });
  else await env.JOBS_QUEUE.send(msg);
}

// ---- Durable jobs --------------------------------------------------------------------------
//
// A long job (retention purge, location migration, export, contract end, statistics) is a row
// in `jobs` plus a chain of `job.step` messages. Each step does one bounded chunk of work whose
// side effects are idempotent (it re-reads what is left to do), then saves `progress` with a
// compare-and-set on `steps`, then sends the next step. So:
// - a message delivered twice: the second sees `steps` moved on and is dropped;
// - a run killed after its side effects but before saving: the message is redelivered and the
//   chunk runs again, harmlessly;
// - a run killed after saving but before sending the next step: the sweep (`resumeStalledJobs`,
//   every 10 minutes by cron) sends it again.

export interface StepOutcome {
  /** The new progress (replaces the old one). */
  progress: Record<string, unknown>;
  /** Set when the job is finished; the job becomes `done` with this result. */
  result?: Record<string, unknown>;
  /** Send the next step after this many seconds (default: at once). */
  delaySeconds?: number;
}

export type JobHandler = (env: Env, job: Job) => Promise<StepOutcome>;

/** Raised by a step when the job cannot succeed: the job becomes `failed` with the message. */
export class JobFailure extends Error {}

const handlers = new Map<JobKind, JobHandler>();
export function registerJobHandler(kind: JobKind, handler: JobHandler) {
  handlers.set(kind, handler);
}

export interface NewJob {
  tenantId: string | null;
  kind: JobKind;
  params?: Record<string, unknown>;
  progress?: Record<string, unknown>;
  /** A second job with the same key is not created; the existing one is returned. */
  dedupeKey?: string;
  createdBy?: string | null;
  /**
   * False: the first step is not sent; the caller runs steps itself (`runJobStep` with
   * `enqueueNext: false`, e.g. a request waiting for a small job) and then `sendNextStep`.
   */
  enqueue?: boolean;
}

/** Create a job and send its first step. With a dedupeKey already used, returns that job. */
export async function startJob(
  env: Env,
  j: NewJob,
  now = Date.now(),
): Promise<{ job: Job; created: boolean }> {
  const db = controlDb(env);
  const id = newId("job");
  const inserted = await db
    .insert(jobs)
    .values({
      id,
      tenantId: j.tenantId,
      kind: j.kind,
      dedupeKey: j.dedupeKey ?? null,
      status: "queued",
      params: j.params ?? {},
      progress: j.progress ?? {},
      createdBy: j.createdBy ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning();
  if (inserted.length) {
    if (j.enqueue !== false) await enqueueJob(env, { type: "job.step", jobId: id, step: 0 });
    return { job: inserted[0], created: true };
  }
  const existing = await db.query.jobs.findFirst({ where: eq(jobs.dedupeKey, j.dedupeKey ?? "") });
  if (!existing) throw new Error("job insert ignored without a dedupe key");
  return { job: existing, created: false };
}

export async function getJob(env: Env, id: string): Promise<Job | null> {
  return (await controlDb(env).query.jobs.findFirst({ where: eq(jobs.id, id) })) ?? null;
}

/** Run one step of a job (the `job.step` consumer). Returns what happened, for tests and logs. */
export async function runJobStep(
  env: Env,
  msg: { jobId: string; step: number },
  now: () => number = Date.now,
  opts: { enqueueNext?: boolean } = {},
): Promise<"ran" | "finished" | "stale" | "gone" | "failed"> {
  const db = controlDb(env);
  const job = await getJob(env, msg.jobId);
  if (!job || job.status === "done" || job.status === "failed" || job.status === "cancelled") return "gone";
  if (job.steps !== msg.step) return "stale";
  const handler = handlers.get(job.kind);
  if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
  let out: StepOutcome;
  try {
    out = await handler(env, job);
  } catch (err) {
    if (!(err instanceof JobFailure)) throw err; // retried by the queue, then dead-lettered
    // Like a success, a failure counts as the step: whichever delivery of it saves first wins,
    // and the other tells nobody (no "failed" notice for a job a concurrent delivery finished).
    const ended = await db
      .update(jobs)
      .set({
        status: "failed",
        error: err.message,
        steps: job.steps + 1,
        updatedAt: now(),
        finishedAt: now(),
      })
      .where(and(eq(jobs.id, job.id), eq(jobs.steps, job.steps)))
      .returning({ id: jobs.id });
    if (!ended.length) return "stale";
    await tellStarter(env, job, "failed");
    return "failed";
  }
  const t = now();
  const finished = out.result !== undefined;
  // A step that asks to be woken later is left alone by the stalled-job sweep until then.
  const progress = out.delaySeconds
    ? { ...out.progress, _wakeAt: t + out.delaySeconds * 1000 }
    : out.progress;
  if (!out.delaySeconds) delete progress._wakeAt;
  const saved = await db
    .update(jobs)
    .set({
      progress,
      steps: job.steps + 1,
      status: finished ? "done" : "running",
      updatedAt: t,
      ...(finished ? { result: out.result, finishedAt: t } : {}),
    })
    .where(and(eq(jobs.id, job.id), eq(jobs.steps, job.steps)))
    .returning({ id: jobs.id });
  if (!saved.length) return "stale"; // a concurrent delivery of the same step won
  if (finished) {
    await tellStarter(env, job, "done");
    return "finished";
  }
  if (opts.enqueueNext !== false)
    await enqueueJob(env, { type: "job.step", jobId: job.id, step: job.steps + 1 }, out.delaySeconds);
  return "ran";
}

/** Hand a job run inline (see `NewJob.enqueue`) back to the queue: send its current step. */
export async function sendNextStep(env: Env, jobId: string): Promise<void> {
  const job = await getJob(env, jobId);
  if (job && (job.status === "queued" || job.status === "running"))
    await enqueueJob(env, { type: "job.step", jobId: job.id, step: job.steps });
}

/**
 * Who hears when a job ends (the person who started it gets an in-app notice: workers/job-handlers.ts
 * registers core/platform/notices.ts here, so jobs need not import what imports them). A listener
 * never fails the step.
 */
type JobEndListener = (env: Env, job: Job, status: "done" | "failed") => Promise<void>;
const endListeners: JobEndListener[] = [];
export function onJobEnded(listener: JobEndListener) {
  if (!endListeners.includes(listener)) endListeners.push(listener);
}
async function tellStarter(env: Env, job: Job, status: "done" | "failed") {
  for (const listener of endListeners) {
    try {
      await listener(env, job, status);
    } catch (err) {
      console.error("job end listener failed", job.id, err);
    }
  }
}

/** Cron (every 10 minutes): send again the next step of jobs that have not moved for a while. */
export async function resumeStalledJobs(env: Env, now: number, idleMs = 15 * 60_000): Promise<number> {
  const stalled = await controlDb(env)
    .select({ id: jobs.id, steps: jobs.steps })
    .from(jobs)
    .where(
      and(
        inArray(jobs.status, ["queued", "running"]),
        lt(jobs.updatedAt, now - idleMs),
        sql`coalesce(json_extract(${jobs.progress}, '$._wakeAt'), 0) < ${now - idleMs}`,
      ),
    )
    .limit(100);
  for (const j of stalled) {
    // Touch it so the next sweep waits again before resending.
    await controlDb(env)
      .update(jobs)
      .set({ updatedAt: now })
      .where(and(eq(jobs.id, j.id), eq(jobs.steps, j.steps)));
    await enqueueJob(env, { type: "job.step", jobId: j.id, step: j.steps });
  }
  return stalled.length;
}

/** Public view of a job (progress pages and API). */
export function jobView(j: Job) {
  return {
    id: j.id,
    kind: j.kind,
    status: j.status,
    progress: j.progress,
    result: j.result ?? null,
    error: j.error,
    steps: j.steps,
    createdAt: new Date(j.createdAt).toISOString(),
    updatedAt: new Date(j.updatedAt).toISOString(),
    finishedAt: j.finishedAt ? new Date(j.finishedAt).toISOString() : null,
  };
}
export type JobView = ReturnType<typeof jobView>;
