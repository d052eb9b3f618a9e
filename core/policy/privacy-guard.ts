import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
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
  return (await privacyFlagsMany(env, tenant, [call], dp))[0];
}

/** Bound values per `in (…)` list: under D1's 100 per statement with the tenant id beside them. */
const IN_CHUNK = 90;

/**
 * The flags of many calls (a bulk import's batch) in two reads per 90 subjects, not two per call.
 * The same rules as one call: a caller's or agent's restriction restricts, any other kind of
 * request about them (objection, withdrawal) or a suppressed phone counts as an objection.
 */
export async function privacyFlagsMany(
  env: Env,
  tenant: Pick<Tenant, "id" | "location" | "shard">,
  list: CallSubjects[],
  dp: DataPlane = dataPlane(env, tenant),
): Promise<PrivacyFlags[]> {
  const phones = [...new Set(list.map((c) => c.phoneHash).filter((x): x is string => !!x))];
  const agents = [...new Set(list.map((c) => c.agentId).filter((x): x is string => !!x))];
  const chunks = <T>(xs: T[]) =>
    Array.from({ length: Math.ceil(xs.length / IN_CHUNK) }, (_, i) =>
      xs.slice(i * IN_CHUNK, (i + 1) * IN_CHUNK),
    );
  const restrictionsOf = (type: "caller" | "agent", refs: string[]) =>
    dp.db
      .select({
        type: privacyRestrictions.subjectType,
        ref: privacyRestrictions.subjectRef,
        kind: privacyRestrictions.kind,
      })
      .from(privacyRestrictions)
      .where(
        and(
          eq(privacyRestrictions.tenantId, tenant.id),
          eq(privacyRestrictions.subjectType, type),
          inArray(privacyRestrictions.subjectRef, refs),
        ),
      );
  const [callerRows, agentRows, suppressedRows] = await Promise.all([
    Promise.all(chunks(phones).map((c) => restrictionsOf("caller", c))),
    Promise.all(chunks(agents).map((c) => restrictionsOf("agent", c))),
    Promise.all(
      chunks(phones).map((c) =>
        dp.db
          .selectDistinct({ phoneHash: privacySuppressions.phoneHash })
          .from(privacySuppressions)
          .where(and(eq(privacySuppressions.tenantId, tenant.id), inArray(privacySuppressions.phoneHash, c))),
      ),
    ),
  ]);
  const kinds = new Map<string, string[]>();
  for (const r of [...callerRows.flat(), ...agentRows.flat()]) {
    const k = `${r.type}:${r.ref}`;
    kinds.set(k, [...(kinds.get(k) ?? []), r.kind]);
  }
  const suppressed = new Set(suppressedRows.flat().map((r) => r.phoneHash));
  return list.map((call) => {
    const flags: PrivacyFlags = { callerObjected: false, restricted: false };
    const found = [
      ...(call.phoneHash ? (kinds.get(`caller:${call.phoneHash}`) ?? []) : []),
      ...(call.agentId ? (kinds.get(`agent:${call.agentId}`) ?? []) : []),
    ];
    for (const kind of found) {
      if (kind === "restriction") flags.restricted = true;
      else flags.callerObjected = true; // an agent's objection or withdrawal: same effect on processing
    }
    if (call.phoneHash && suppressed.has(call.phoneHash)) flags.callerObjected = true;
    return flags;
  });
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
