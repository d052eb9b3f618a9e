import { and, asc, eq, gt, inArray, ne, sql } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { dataPlane } from "../../db/resolver";
import {
  type Job,
  memberships,
  type PrivacyRequest,
  privacyRequests,
  type Tenant,
} from "../../db/schema/control";
import { agents, calls } from "../../db/schema/data";
import { resumeHeldCall } from "../calls/holds";
import { deleteCalls } from "../calls/service";
import { effectiveRetention, RETENTION_RULES } from "../governance/retention";
import { SYSTEM_ACTOR } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { JobFailure, registerJobHandler, type StepOutcome } from "../platform/jobs";
import { holdReasonOf, privacyFlags } from "../policy/privacy-guard";
import { buildSubjectExport } from "./export";
import { completeRequest, deleteExportObject, tenantOf } from "./requests";

/**
 * Durable steps of privacy requests (core/platform/jobs.ts). Queue messages carry the job id only; each
 * step re-reads what is left to do, so a step delivered twice or cut short is harmless.
 * - `privacy_export` (access, portability): one step streams the ZIP into the tenant's bucket
 *   (flat memory; its duration follows one person's data), then the request completes.
 * - `privacy_execution` op `erase`: deletes the person's calls ERASE_CHUNK at a time through
 *   `deleteCalls` (every store; legal hold vetoes recorded), then the agent record and older
 *   export ZIPs; op `resume`: after a lift, held calls of the person run again.
 * While a tenant's data is locked (location migration, contract end) steps wait and retry.
 */
const ERASE_CHUNK = 25;
const RESUME_CHUNK = 50;
const LOCK_RETRY_S = 300;
const DAY = 86_400_000;
/** Export ZIPs are kept for the tenant's export retention, at most 30 days. */
const MAX_EXPORT_DAYS = RETENTION_RULES.exports.guidanceDays;

async function load(env: Env, job: Job): Promise<{ tenant: Tenant; request: PrivacyRequest }> {
  const requestId = String(job.params.requestId ?? "");
  const request = await controlDb(env).query.privacyRequests.findFirst({
    where: eq(privacyRequests.id, requestId),
  });
  const tenant = job.tenantId ? await tenantOf(env, job.tenantId) : null;
  if (!request || !tenant || request.tenantId !== tenant.id)
    throw new JobFailure("the privacy request or its organisation no longer exists");
  return { tenant, request };
}

function systemCtx(env: Env, tenant: Tenant, job: Job): Ctx {
  return { env, tenant, actor: SYSTEM_ACTOR, requestId: job.id, ip: null, userAgent: null };
}

const deferred = (job: Job): StepOutcome => ({
  progress: { ...job.progress, waitedForLock: Number(job.progress.waitedForLock ?? 0) + 1 },
  delaySeconds: LOCK_RETRY_S,
});

const subjectCond = (r: PrivacyRequest) =>
  r.subjectType === "caller" ? eq(calls.phoneHash, r.subjectRef) : eq(calls.agentId, r.subjectRef);

registerJobHandler("privacy_export", async (env, job) => {
  const { tenant, request } = await load(env, job);
  if (tenant.writeLock) return deferred(job);
  if (request.status === "completed" || request.status === "rejected")
    return { progress: job.progress, result: { skipped: request.status } };
  const now = Date.now();
  const zip = await buildSubjectExport(env, { tenant, request, locale: tenant.defaultLocale, now });
  const dp = dataPlane(env, tenant);
  const [{ n }] = await dp.db
    .select({ n: sql<number>`count(*)` })
    .from(calls)
    .where(and(eq(calls.tenantId, tenant.id), subjectCond(request)));
  const days = Math.min(effectiveRetention(tenant).exports, MAX_EXPORT_DAYS);
  const result = { calls: n, entries: zip.entries, size: zip.size };
  await completeRequest(
    env,
    request.id,
    {
      exportKey: zip.key,
      exportSize: zip.size,
      exportSha256: zip.sha256 ?? null,
      exportExpiresAt: now + days * DAY,
      result,
    },
    SYSTEM_ACTOR,
    now,
  );
  return { progress: { phase: "done" }, result };
});

interface EraseProgress {
  phase?: "calls" | "finalize";
  afterId?: string;
  deleted?: number;
  vetoed?: number;
  reasons?: string[];
  vetoedIds?: string[];
}

async function eraseStep(env: Env, job: Job, tenant: Tenant, request: PrivacyRequest): Promise<StepOutcome> {
  const p = job.progress as EraseProgress;
  const dp = dataPlane(env, tenant);
  if ((p.phase ?? "calls") === "calls") {
    const rows = await dp.db
      .select({ id: calls.id })
      .from(calls)
      .where(and(eq(calls.tenantId, tenant.id), subjectCond(request), gt(calls.id, p.afterId ?? "")))
      .orderBy(asc(calls.id))
      .limit(ERASE_CHUNK);
    const out = rows.length
      ? await deleteCalls(
          systemCtx(env, tenant, job),
          rows.map((r) => r.id),
        )
      : { deleted: [], vetoed: [], notFound: [] };
    const reasons = new Set([...(p.reasons ?? []), ...out.vetoed.map((v) => v.reason)]);
    return {
      progress: {
        phase: rows.length < ERASE_CHUNK ? "finalize" : "calls",
        afterId: rows.length ? rows[rows.length - 1].id : p.afterId,
        deleted: (p.deleted ?? 0) + out.deleted.length,
        vetoed: (p.vetoed ?? 0) + out.vetoed.length,
        reasons: [...reasons].slice(0, 10),
        vetoedIds: [...(p.vetoedIds ?? []), ...out.vetoed.map((v) => v.id)].slice(0, 100),
      },
    };
  }
  // Finalize: the agent's own record (unless a legal hold keeps some of their calls), the agent
  // link of portal memberships, and the ZIPs of earlier exports about the same person.
  const vetoed = p.vetoed ?? 0;
  let agentRemoved = false;
  if (request.subjectType === "agent" && vetoed === 0) {
    await dp.db.delete(agents).where(and(eq(agents.tenantId, tenant.id), eq(agents.id, request.subjectRef)));
    await controlDb(env)
      .update(memberships)
      .set({ agentId: null })
      .where(and(eq(memberships.tenantId, tenant.id), eq(memberships.agentId, request.subjectRef)));
    agentRemoved = true;
  }
  const earlier = await controlDb(env)
    .select()
    .from(privacyRequests)
    .where(
      and(
        eq(privacyRequests.tenantId, tenant.id),
        eq(privacyRequests.subjectType, request.subjectType),
        eq(privacyRequests.subjectRef, request.subjectRef),
        ne(privacyRequests.id, request.id),
        sql`${privacyRequests.exportKey} is not null`,
      ),
    );
  for (const r of earlier) {
    await deleteExportObject(env, r);
    await controlDb(env).update(privacyRequests).set({ exportKey: null }).where(eq(privacyRequests.id, r.id));
  }
  const result = {
    deleted: p.deleted ?? 0,
    vetoed,
    partial: vetoed > 0,
    ...(vetoed ? { vetoReasons: p.reasons ?? [], vetoedCallIds: p.vetoedIds ?? [] } : {}),
    agentRemoved,
    exportsRemoved: earlier.length,
  };
  await completeRequest(env, request.id, { result }, SYSTEM_ACTOR);
  return { progress: { ...p, phase: "finalize" }, result };
}

interface ResumeProgress {
  afterId?: string;
  resumed?: number;
  stillHeld?: number;
}

async function resumeStep(env: Env, job: Job, tenant: Tenant, request: PrivacyRequest): Promise<StepOutcome> {
  const p = job.progress as ResumeProgress;
  const dp = dataPlane(env, tenant);
  const rows = await dp.db
    .select()
    .from(calls)
    .where(
      and(
        eq(calls.tenantId, tenant.id),
        subjectCond(request),
        eq(calls.status, "held"),
        inArray(calls.holdReason, ["restricted", "objection"]),
        gt(calls.id, p.afterId ?? ""),
      ),
    )
    .orderBy(asc(calls.id))
    .limit(RESUME_CHUNK);
  let resumed = p.resumed ?? 0;
  let stillHeld = p.stillHeld ?? 0;
  for (const c of rows) {
    // Another reason may remain (the caller's erasure, the agent's own restriction).
    const reason = holdReasonOf(await privacyFlags(env, tenant, c, dp));
    if (reason) {
      stillHeld++;
      if (reason !== c.holdReason)
        await dp.db
          .update(calls)
          .set({ holdReason: reason, updatedAt: Date.now() })
          .where(and(eq(calls.tenantId, tenant.id), eq(calls.id, c.id)));
      continue;
    }
    await resumeHeldCall(env, tenant, c, dp);
    resumed++;
  }
  const progress = { afterId: rows.length ? rows[rows.length - 1].id : p.afterId, resumed, stillHeld };
  if (rows.length < RESUME_CHUNK) return { progress, result: { resumed, stillHeld } };
  return { progress };
}

registerJobHandler("privacy_execution", async (env, job) => {
  const { tenant, request } = await load(env, job);
  if (tenant.writeLock) return deferred(job);
  switch (job.params.op) {
    case "erase":
      if (request.status === "completed" || request.status === "rejected")
        return { progress: job.progress, result: { skipped: request.status } };
      return eraseStep(env, job, tenant, request);
    case "resume":
      return resumeStep(env, job, tenant, request);
    default:
      throw new JobFailure(`unknown privacy operation ${String(job.params.op)}`);
  }
});
