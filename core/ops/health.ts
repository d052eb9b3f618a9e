import { and, desc, eq, gte, isNull, sql } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { dataPlane } from "../../db/resolver";
import {
  apiKeys,
  deadLetters,
  jobs,
  mailOutbox,
  memberships,
  supportTickets,
  webhookDeliveries,
} from "../../db/schema/control";

import { quotaState } from "../billing/account";
import { reprocessCall } from "../calls/service";
import { tenantById } from "../identity/tenants";
import { appendAudit } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId } from "../platform/crypto";
import { ApiError, notFound } from "../platform/errors";
import { enqueueJob, type JobMessage } from "../platform/jobs";

import type { OperatorRef } from "./support";

/**
 * Queue health for the operator console (H2, I8): durable jobs by state, mail and webhook
 * backlogs, and the dead letters (kept by the DLQ consumers) with a replay action. Counts and ids
 * only: nothing here reads call content.
 */

export async function keepDeadLetter(env: Env, queue: string, body: unknown, attempts: number) {
  await controlDb(env)
    .insert(deadLetters)
    .values({
      id: newId("dlq"),
      queue,
      body: (body && typeof body === "object" ? body : { value: String(body) }) as Record<string, unknown>,
      attempts,
      createdAt: Date.now(),
    });
}

export async function queueHealth(env: Env, now = Date.now()) {
  const db = controlDb(env);
  const day = now - 86_400_000;
  const [jobStates, failedJobs, mailBacklog, webhookFailures, letters] = await Promise.all([
    db
      .select({ kind: jobs.kind, status: jobs.status, n: sql<number>`count(*)` })
      .from(jobs)
      .where(gte(jobs.updatedAt, now - 7 * 86_400_000))
      .groupBy(jobs.kind, jobs.status),
    db
      .select({
        id: jobs.id,
        kind: jobs.kind,
        tenantId: jobs.tenantId,
        error: jobs.error,
        updatedAt: jobs.updatedAt,
      })
      .from(jobs)
      .where(eq(jobs.status, "failed"))
      .orderBy(desc(jobs.updatedAt))
      .limit(20),
    db
      .select({
        n: sql<number>`count(*)`,
        withError: sql<number>`sum(case when ${mailOutbox.error} is not null then 1 else 0 end)`,
      })
      .from(mailOutbox)
      .where(eq(mailOutbox.status, "queued")),
    db
      .select({ n: sql<number>`count(*)` })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.status, "failed"), gte(webhookDeliveries.createdAt, day))),
    db.select().from(deadLetters).orderBy(desc(deadLetters.createdAt)).limit(50),
  ]);
  return {
    jobs: jobStates,
    failedJobs,
    mail: { queued: mailBacklog[0]?.n ?? 0, withError: mailBacklog[0]?.withError ?? 0 },
    webhooksFailed24h: webhookFailures[0]?.n ?? 0,
    deadLetters: letters,
    deadLettersOpen: letters.filter((l) => l.replayedAt === null).length,
  };
}

/**
 * Replay a dead letter: a job message goes back on the jobs queue (its consumer is idempotent);
 * a pipeline message reprocesses its call from what it has (it was marked failed by the DLQ).
 */
export async function replayDeadLetter(env: Env, op: OperatorRef, id: string) {
  const db = controlDb(env);
  const [dl] = await db
    .update(deadLetters)
    .set({ replayedAt: Date.now(), replayedBy: op.id })
    .where(and(eq(deadLetters.id, id), isNull(deadLetters.replayedAt)))
    .returning();
  if (!dl) throw notFound("Dead letter");
  const body = dl.body as Record<string, unknown>;
  if (dl.queue.startsWith("ccr-jobs")) {
    if (body.type === "job.step" && typeof body.jobId === "string") {
      // A failed step left the job where it was: send the step it is at now.
      const job = await db.query.jobs.findFirst({ where: eq(jobs.id, body.jobId) });
      if (job && job.status !== "done" && job.status !== "cancelled")
        await enqueueJob(env, { type: "job.step", jobId: job.id, step: job.steps });
    } else await enqueueJob(env, body as unknown as JobMessage);
  } else if (typeof body.tenantId === "string" && typeof body.callId === "string") {
    const tenant = await tenantById(env, body.tenantId);
    if (!tenant) throw new ApiError("conflict", "The tenant no longer exists");
    const ctx: Ctx = {
      env,
      tenant,
      actor: { type: "system", id: null },
      requestId: "replay",
      ip: op.ip,
      userAgent: op.userAgent,
    };
    await reprocessCall(ctx, body.callId).catch((err) => {
      if (!(err instanceof ApiError)) throw err; // a deleted call: nothing to replay
    });
  }
  await appendAudit(env, {
    tenantId: null,
    actor: { type: "operator", id: op.id, sessionId: op.sessionId, email: op.email },
    action: "operator.dead_letter_replayed",
    targetType: "dead_letter",
    targetId: dl.id,
    ip: op.ip,
    userAgent: op.userAgent,
    meta: { queue: dl.queue },
  });
}

/** One tenant for the console: control-plane facts and usage counts, no call content. */
export async function tenantUsage(env: Env, tenantId: string, now = Date.now()) {
  const tenant = await tenantById(env, tenantId);
  if (!tenant) throw notFound("Tenant");
  const db = controlDb(env);
  const monthStart = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), 1);
  const dp = dataPlane(env, tenant);
  const [members, keys, openTickets, calls, quota] = await Promise.all([
    db.select({ n: sql<number>`count(*)` }).from(memberships).where(eq(memberships.tenantId, tenantId)),
    db
      .select({ n: sql<number>`count(*)` })
      .from(apiKeys)
      .where(and(eq(apiKeys.tenantId, tenantId), isNull(apiKeys.revokedAt))),
    db
      .select({ n: sql<number>`count(*)` })
      .from(supportTickets)
      .where(
        and(
          eq(supportTickets.tenantId, tenantId),
          sql`${supportTickets.status} in ('open','waiting_on_customer')`,
        ),
      ),
    dp.d1
      .prepare(
        `select count(*) as total,
                sum(case when created_at >= ?2 then 1 else 0 end) as month
         from calls where tenant_id = ?1`,
      )
      .bind(tenantId, monthStart)
      .first<{ total: number; month: number | null }>(),
    // Minutes from the billing ledger, the tenant's own figure: one computation, so they agree.
    quotaState(env, tenantId, now),
  ]);
  return {
    tenant,
    usage: {
      members: members[0]?.n ?? 0,
      activeApiKeys: keys[0]?.n ?? 0,
      openTickets: openTickets[0]?.n ?? 0,
      calls: calls?.total ?? 0,
      callsThisMonth: calls?.month ?? 0,
      analysedMinutesThisPeriod: quota.usedMinutes,
    },
  };
}
