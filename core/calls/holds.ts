import { and, asc, eq } from "drizzle-orm";
import { type DataPlane, dataPlane } from "../../db/resolver";
import type { Tenant } from "../../db/schema/control";
import { type Call, calls } from "../../db/schema/data";
import { clearQuotaHeld, quotaState } from "../billing/account";
import { tenantById } from "../identity/tenants";
import type { HoldReason } from "../policy/processing";
import { startProcessing } from "./pipeline";

/**
 * Held calls resume here, whatever held them (C1): the quota (G3, from the `billing.resume` job
 * that plan and setting changes and the daily cron send), an objection to a sub-processor (F5,
 * when an operator resolves it) and a privacy restriction or objection (F3, the privacy job's
 * resume step). Each resumed call goes through `startProcessing`, which asks the policy again:
 * a call with another reason left is held again, never processed.
 */

/** One held call, once its reason has ended: processed from what it has, or back to waiting for data. */
export async function resumeHeldCall(
  env: Env,
  tenant: Tenant,
  call: Call,
  dp: DataPlane = dataPlane(env, tenant),
): Promise<void> {
  if (call.txFormat || call.recStatus === "stored") {
    await startProcessing(env, tenant, call);
    return;
  }
  await dp.db
    .update(calls)
    .set({ status: "received", holdReason: null, updatedAt: Date.now() })
    .where(and(eq(calls.tenantId, tenant.id), eq(calls.id, call.id), eq(calls.status, "held")));
}

async function heldFor(dp: DataPlane, tenantId: string, reason: HoldReason, limit: number): Promise<Call[]> {
  return dp.db
    .select()
    .from(calls)
    .where(and(eq(calls.tenantId, tenantId), eq(calls.status, "held"), eq(calls.holdReason, reason)))
    .orderBy(asc(calls.createdAt))
    .limit(limit);
}

/**
 * Calls held for quota resume when the quota allows again (a new period, a bigger plan, overage
 * chosen). At most one call per remaining minute (each analysed call costs at least one), and at
 * most `max` per pass; each resumed call is checked again by `startProcessing`.
 */
export async function resumeQuotaHeld(env: Env, tenantId: string, max = 100): Promise<number> {
  const tenant = await tenantById(env, tenantId);
  if (!tenant) return 0;
  const q = await quotaState(env, tenantId);
  if (q.holding) return 0;
  const room =
    q.remainingMinutes === null || q.behaviour === "overage" ? max : Math.min(max, q.remainingMinutes);
  const dp = dataPlane(env, tenant);
  const held = await heldFor(dp, tenantId, "quota_exceeded", room + 1);
  const batch = held.slice(0, room);
  for (const c of batch) await resumeHeldCall(env, tenant, c, dp);
  if (held.length <= room) await clearQuotaHeld(env, tenantId);
  return batch.length;
}

/** Calls held for an objection resume once an operator resolves it (at most `max` per resolution). */
export async function resumeAfterObjection(env: Env, tenantId: string, max = 400): Promise<number> {
  const tenant = await tenantById(env, tenantId);
  if (!tenant) return 0;
  const held = await heldFor(dataPlane(env, tenant), tenantId, "subprocessor_objection", max);
  for (const c of held) await resumeHeldCall(env, tenant, c);
  return held.length;
}
