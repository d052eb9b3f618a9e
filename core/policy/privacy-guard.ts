import { and, eq, or, type SQL, sql } from "drizzle-orm";
import { type DataPlane, dataPlane } from "../../db/resolver";
import type { Tenant } from "../../db/schema/control";
import { calls, privacyRestrictions, privacySuppressions } from "../../db/schema/data";
import type { HoldReason } from "./processing";

/**
 * What privacy requests impose on processing (F3): the suppression list (callers' keyed phone
 * hashes: objection, consent withdrawal, erasure) and restrictions by subject (callers and
 * agents). The pipeline asks `privacyFlags` before every provider call and `startProcessing`
 * before queueing anything; the answers feed `decideProcessing` (core/policy/processing.ts), which holds the
 * call. This module reads the data plane only and imports no service, so the pipeline and the
 * call service can both use it.
 */
export interface CallSubjects {
  phoneHash: string | null;
  agentId: string | null;
}

export interface PrivacyFlags {
  callerObjected: boolean;
  restricted: boolean;
}

export async function privacyFlags(
  env: Env,
  tenant: Pick<Tenant, "id" | "location" | "shard">,
  call: CallSubjects,
  dp: DataPlane = dataPlane(env, tenant),
): Promise<PrivacyFlags> {
  const flags: PrivacyFlags = { callerObjected: false, restricted: false };
  if (!call.phoneHash && !call.agentId) return flags;
  const subjects: SQL[] = [];
  if (call.phoneHash)
    subjects.push(
      and(eq(privacyRestrictions.subjectType, "caller"), eq(privacyRestrictions.subjectRef, call.phoneHash))!,
    );
  if (call.agentId)
    subjects.push(
      and(eq(privacyRestrictions.subjectType, "agent"), eq(privacyRestrictions.subjectRef, call.agentId))!,
    );
  const [restrictions, suppressed] = await Promise.all([
    dp.db
      .select({ kind: privacyRestrictions.kind })
      .from(privacyRestrictions)
      .where(and(eq(privacyRestrictions.tenantId, tenant.id), or(...subjects))),
    call.phoneHash
      ? dp.db
          .select({ reason: privacySuppressions.reason })
          .from(privacySuppressions)
          .where(
            and(
              eq(privacySuppressions.tenantId, tenant.id),
              eq(privacySuppressions.phoneHash, call.phoneHash),
            ),
          )
          .limit(1)
      : Promise.resolve([]),
  ]);
  for (const r of restrictions) {
    if (r.kind === "restriction") flags.restricted = true;
    else flags.callerObjected = true; // an agent's objection or withdrawal: same effect on processing
  }
  if (suppressed.length) flags.callerObjected = true;
  return flags;
}

/** The hold a call gets from privacy alone (restriction first, as in decideProcessing), or null. */
export function holdReasonOf(flags: PrivacyFlags): HoldReason | null {
  if (flags.restricted) return "restricted";
  if (flags.callerObjected) return "objection";
  return null;
}

/**
 * The same condition as raw SQL, for statements written by hand (rollups, statistics, reviewed
 * scores): `alias` names the `calls` row in the statement.
 */
export function notRestrictedSql(alias: string): string {
  return `not exists (select 1 from privacy_restrictions r where r.tenant_id = ${alias}.tenant_id and r.kind = 'restriction'
    and ((r.subject_type = 'caller' and r.subject_ref = ${alias}.phone_hash) or (r.subject_type = 'agent' and r.subject_ref = ${alias}.agent_id)))`;
}

/**
 * A condition that drops restricted calls from lists, dashboards (KPIs) and exports (GDPR art. 18),
 * or null when the tenant has no restriction at all (the common case: one indexed probe, and the
 * list query stays exactly as it was). Use it in every query that shows or aggregates calls.
 */
export async function restrictedCallsExclusion(
  env: Env,
  tenant: Pick<Tenant, "id" | "location" | "shard">,
): Promise<SQL | null> {
  const dp = dataPlane(env, tenant);
  const any = await dp.db
    .select({ k: privacyRestrictions.kind })
    .from(privacyRestrictions)
    .where(and(eq(privacyRestrictions.tenantId, tenant.id), eq(privacyRestrictions.kind, "restriction")))
    .limit(1);
  if (!any.length) return null;
  return sql`not exists (select 1 from privacy_restrictions r where r.tenant_id = ${calls.tenantId} and r.kind = 'restriction' and ((r.subject_type = 'caller' and r.subject_ref = ${calls.phoneHash}) or (r.subject_type = 'agent' and r.subject_ref = ${calls.agentId})))`;
}
