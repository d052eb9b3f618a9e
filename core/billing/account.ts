import { and, desc, eq, isNotNull, lt, or, sql } from "drizzle-orm";
import { controlDb } from "../../db/client";
import {
  type BillingAccount,
  billingAccounts,
  type Invoice,
  invoices,
  type QuotaBehaviour,
  type SubscriptionHistoryRow,
  subscriptionHistory,
  type Tenant,
  usageRecords,
} from "../../db/schema/control";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { hmacHex, newId } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import { enqueueJob } from "../platform/jobs";
import { decodeCursor, encodeCursor, page } from "../platform/pagination";
import { billingMode, stripeConfig } from "./config";
import { DEFAULT_PLAN, type Plan, type PlanId, planOf } from "./plans";
import { stripeApi } from "./stripe";

/**
 * A tenant's billing state (G1, G3, G4): its plan, the period its minutes count in, the minutes
 * used, and whether the quota holds new calls. The pipeline asks `quotaBlocks` before processing;
 * its answer feeds `decideProcessing` (core/policy/processing.ts) as `quotaExceeded`.
 */

export interface Period {
  start: number;
  end: number;
}

const MONTH_MS = 31 * 86_400_000;

function addMonthsUtc(ms: number, n: number): number {
  const d = new Date(ms);
  const day = d.getUTCDate();
  const t = Date.UTC(
    d.getUTCFullYear(),
    d.getUTCMonth() + n,
    1,
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
  );
  const last = new Date(
    Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth() + 1, 0),
  ).getUTCDate();
  return t + (Math.min(day, last) - 1) * 86_400_000;
}

/** The calendar month (UTC) holding `now`. */
export function calendarPeriod(now: number): Period {
  const d = new Date(now);
  return {
    start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
    end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  };
}

/**
 * The period minutes count in: the Stripe subscription's current period when there is one (rolled
 * forward month by month if Stripe's renewal has not reached us yet), else the calendar month.
 */
export function currentPeriod(
  acct: Pick<BillingAccount, "periodStart" | "periodEnd"> | null,
  now: number,
): Period {
  if (acct?.periodStart == null || acct.periodEnd == null) return calendarPeriod(now);
  if (now >= acct.periodStart && now < acct.periodEnd)
    return { start: acct.periodStart, end: acct.periodEnd };
  if (now < acct.periodStart || acct.periodEnd - acct.periodStart > MONTH_MS) return calendarPeriod(now);
  let start = acct.periodEnd;
  let n = 1;
  while (addMonthsUtc(acct.periodEnd, n) <= now && n < 600) {
    start = addMonthsUtc(acct.periodEnd, n);
    n++;
  }
  return { start, end: addMonthsUtc(acct.periodEnd, n) };
}

export async function getAccount(env: Env, tenantId: string): Promise<BillingAccount | null> {
  return (
    (await controlDb(env).query.billingAccounts.findFirst({
      where: eq(billingAccounts.tenantId, tenantId),
    })) ?? null
  );
}

/** The account row, created with the default plan when the tenant has none yet. */
export async function ensureAccount(env: Env, tenantId: string, now = Date.now()): Promise<BillingAccount> {
  const existing = await getAccount(env, tenantId);
  if (existing) return existing;
  await controlDb(env)
    .insert(billingAccounts)
    .values({ tenantId, plan: DEFAULT_PLAN, planSource: "default", createdAt: now, updatedAt: now })
    .onConflictDoNothing();
  return (await getAccount(env, tenantId)) as BillingAccount;
}

/** Over quota, a plan without overage always holds; otherwise the tenant's choice applies. */
export function effectiveBehaviour(plan: Plan, chosen: QuotaBehaviour): QuotaBehaviour {
  return plan.overagePerMinuteEur === null ? "hold" : chosen;
}

export interface QuotaState {
  plan: Plan;
  period: Period;
  usedMinutes: number;
  includedMinutes: number | null;
  remainingMinutes: number | null;
  overageMinutes: number;
  behaviour: QuotaBehaviour;
  /** Used ≥ included. */
  exceeded: boolean;
  /** Exceeded and the behaviour is hold: new calls wait. */
  holding: boolean;
}

export async function usedMinutes(env: Env, tenantId: string, period: Period): Promise<number> {
  const [row] = await controlDb(env)
    .select({ n: sql<number>`coalesce(sum(${usageRecords.minutes}), 0)` })
    .from(usageRecords)
    .where(and(eq(usageRecords.tenantId, tenantId), eq(usageRecords.periodStart, period.start)));
  return Number(row?.n ?? 0);
}

export async function quotaState(
  env: Env,
  tenantId: string,
  now = Date.now(),
  acct?: BillingAccount | null,
): Promise<QuotaState> {
  const a = acct === undefined ? await getAccount(env, tenantId) : acct;
  const plan = planOf(a?.plan);
  const period = currentPeriod(a, now);
  const used = await usedMinutes(env, tenantId, period);
  const included = plan.includedMinutes;
  const behaviour = effectiveBehaviour(plan, a?.overQuota ?? "hold");
  const exceeded = included !== null && used >= included;
  return {
    plan,
    period,
    usedMinutes: used,
    includedMinutes: included,
    remainingMinutes: included === null ? null : Math.max(0, included - used),
    overageMinutes: included === null ? 0 : Math.max(0, used - included),
    behaviour,
    exceeded,
    holding: exceeded && behaviour === "hold",
  };
}

/** The opaque key of a (tenant, call) pair in the usage ledger: a keyed hash, never the call id. */
export function usageKeyOf(env: Env, tenantId: string, callId: string): Promise<string> {
  return hmacHex(env.HMAC_KEY, `billing-usage:${tenantId}:${callId}`);
}

export async function alreadyBilled(env: Env, tenantId: string, callId: string): Promise<boolean> {
  const key = await usageKeyOf(env, tenantId, callId);
  const row = await controlDb(env)
    .select({ id: usageRecords.id })
    .from(usageRecords)
    .where(eq(usageRecords.usageKey, key))
    .limit(1);
  return row.length > 0;
}

/**
 * The `quotaExceeded` input of the policy: the quota is reached and the tenant holds over quota.
 * A call already billed (a reprocess) costs nothing more, so the quota never holds it.
 */
export async function quotaBlocks(env: Env, tenantId: string, callId?: string): Promise<boolean> {
  const acct = await getAccount(env, tenantId);
  const plan = planOf(acct?.plan);
  // No quota, or overage chosen: nothing to count (one read on the pipeline's hot path).
  if (plan.includedMinutes === null || effectiveBehaviour(plan, acct?.overQuota ?? "hold") === "overage")
    return false;
  const q = await quotaState(env, tenantId, Date.now(), acct);
  if (!q.holding) return false;
  if (callId && (await alreadyBilled(env, tenantId, callId))) return false;
  return true;
}

/** Remember that calls wait for quota, so the daily cron and plan changes resume them. */
export async function markQuotaHeld(env: Env, tenantId: string, now = Date.now()): Promise<void> {
  await ensureAccount(env, tenantId, now);
  await controlDb(env)
    .update(billingAccounts)
    .set({ quotaHeldAt: now, updatedAt: now })
    .where(and(eq(billingAccounts.tenantId, tenantId), sql`${billingAccounts.quotaHeldAt} is null`));
}

/** Every call held for quota has resumed: the daily cron stops asking for this tenant. */
export async function clearQuotaHeld(env: Env, tenantId: string): Promise<void> {
  await controlDb(env)
    .update(billingAccounts)
    .set({ quotaHeldAt: null, updatedAt: Date.now() })
    .where(eq(billingAccounts.tenantId, tenantId));
}

/**
 * The quota may allow again (a bigger plan, overage chosen, a new period): held calls are resumed
 * by the `billing.resume` job (calls/holds.ts), so billing never starts the pipeline itself.
 */
export async function requestQuotaResume(env: Env, tenantId: string): Promise<void> {
  await enqueueJob(env, { type: "billing.resume", tenantId });
}

/** Daily cron: tenants with calls waiting for quota get a resume message (ids only). */
export async function enqueueQuotaResumes(env: Env): Promise<number> {
  const rows = await controlDb(env)
    .select({ tenantId: billingAccounts.tenantId })
    .from(billingAccounts)
    .where(isNotNull(billingAccounts.quotaHeldAt))
    .limit(500);
  for (const r of rows) await requestQuotaResume(env, r.tenantId);
  return rows.length;
}

// ---- Plan changes ---------------------------------------------------------------------------

/**
 * An operator assigns a plan (local mode, or a contract outside Stripe). Refused while a Stripe
 * subscription is active: Stripe is then the source of truth and would undo it.
 */
export async function assignPlan(
  env: Env,
  tenantId: string,
  plan: PlanId,
  operatorId: string,
  now = Date.now(),
): Promise<BillingAccount> {
  const acct = await ensureAccount(env, tenantId, now);
  if (acct.subscriptionId && isLiveStatus(acct.subscriptionStatus))
    throw new ApiError(
      "conflict",
      "This organisation pays through an active Stripe subscription; change its plan in Stripe",
      { messageKey: "billing.error.subscription_active" },
    );
  const db = controlDb(env);
  await db.batch([
    db
      .update(billingAccounts)
      .set({ plan, planSource: "operator", updatedAt: now })
      .where(eq(billingAccounts.tenantId, tenantId)),
    db.insert(subscriptionHistory).values({
      id: newId("bsh"),
      tenantId,
      source: "operator",
      plan,
      status: "assigned",
      operatorId,
      createdAt: now,
    }),
  ]);
  await requestQuotaResume(env, tenantId);
  return (await getAccount(env, tenantId)) as BillingAccount;
}

export const isLiveStatus = (s: string | null | undefined) =>
  s === "active" || s === "trialing" || s === "past_due";

// ---- Tenant settings ------------------------------------------------------------------------

export interface BillingSettingsInput {
  overQuota?: QuotaBehaviour;
  contact?: { name?: string | null; email?: string | null; address?: string | null };
}

export async function updateBillingSettings(ctx: Ctx, input: BillingSettingsInput): Promise<BillingAccount> {
  const now = Date.now();
  const acct = await ensureAccount(ctx.env, ctx.tenant.id, now);
  const plan = planOf(acct.plan);
  if (input.overQuota === "overage" && plan.overagePerMinuteEur === null)
    throw new ApiError("conflict", `The ${plan.name} plan has no overage: over quota, calls are held`, {
      messageKey: "billing.error.no_overage",
    });
  const patch: Partial<BillingAccount> = { updatedAt: now };
  if (input.overQuota) patch.overQuota = input.overQuota;
  if (input.contact) {
    if (input.contact.name !== undefined) patch.contactName = input.contact.name;
    if (input.contact.email !== undefined) patch.contactEmail = input.contact.email;
    if (input.contact.address !== undefined) patch.contactAddress = input.contact.address;
  }
  await controlDb(ctx.env)
    .update(billingAccounts)
    .set(patch)
    .where(eq(billingAccounts.tenantId, ctx.tenant.id));
  const updated = (await getAccount(ctx.env, ctx.tenant.id)) as BillingAccount;
  // The contact is Stripe's too (it is printed on invoices): kept in step when billing runs on Stripe.
  const cfg = stripeConfig(ctx.env);
  if (input.contact && cfg && updated.stripeCustomerId) {
    const stripe = stripeApi(ctx.env, cfg);
    await stripe.customers.update(updated.stripeCustomerId, {
      ...(updated.contactName ? { name: updated.contactName } : {}),
      ...(updated.contactEmail ? { email: updated.contactEmail } : {}),
      ...(updated.contactAddress ? { address: { line1: updated.contactAddress } } : {}),
    });
  }
  await auditCtx(ctx, "billing.settings_changed", "tenant", ctx.tenant.id, {
    overQuota: input.overQuota ?? null,
    contactChanged: Boolean(input.contact),
  });
  if (input.overQuota === "overage") await requestQuotaResume(ctx.env, ctx.tenant.id);
  return updated;
}

// ---- Views ----------------------------------------------------------------------------------

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

export function planView(p: Plan) {
  return {
    id: p.id,
    name: p.name,
    monthlyPriceEur: p.monthlyPriceEur,
    includedMinutes: p.includedMinutes,
    seats: p.seats,
    overagePerMinuteEur: p.overagePerMinuteEur,
    selfServe: p.selfServe,
    features: p.features,
  };
}

export function usageView(q: QuotaState) {
  return {
    period: { start: iso(q.period.start) as string, end: iso(q.period.end) as string },
    usedMinutes: q.usedMinutes,
    includedMinutes: q.includedMinutes,
    remainingMinutes: q.remainingMinutes,
    overageMinutes: q.overageMinutes,
    overQuota: q.behaviour,
    exceeded: q.exceeded,
    holdingNewCalls: q.holding,
  };
}

export async function billingOverview(ctx: Ctx, now = Date.now()) {
  const acct = await getAccount(ctx.env, ctx.tenant.id);
  const q = await quotaState(ctx.env, ctx.tenant.id, now, acct);
  return {
    mode: billingMode(ctx.env),
    plan: planView(q.plan),
    planSource: acct?.planSource ?? "default",
    overQuota: acct?.overQuota ?? "hold",
    subscription: acct?.subscriptionId
      ? {
          id: acct.subscriptionId,
          status: acct.subscriptionStatus,
          cancelAtPeriodEnd: acct.cancelAtPeriodEnd,
          currentPeriodStart: iso(acct.periodStart),
          currentPeriodEnd: iso(acct.periodEnd),
        }
      : null,
    paymentMethod: acct?.cardLast4 ? { brand: acct.cardBrand, last4: acct.cardLast4 } : null,
    contact: {
      name: acct?.contactName ?? null,
      email: acct?.contactEmail ?? null,
      address: acct?.contactAddress ?? null,
    },
    usage: usageView(q),
  };
}
export type BillingOverview = Awaited<ReturnType<typeof billingOverview>>;

/** Used minutes per period, newest first (the current period included even when empty). */
export async function usageByPeriod(ctx: Ctx, limit = 12, now = Date.now()) {
  const acct = await getAccount(ctx.env, ctx.tenant.id);
  const q = await quotaState(ctx.env, ctx.tenant.id, now, acct);
  const rows = await controlDb(ctx.env)
    .select({
      start: usageRecords.periodStart,
      end: sql<number>`max(${usageRecords.periodEnd})`,
      minutes: sql<number>`sum(${usageRecords.minutes})`,
      calls: sql<number>`count(*)`,
    })
    .from(usageRecords)
    .where(eq(usageRecords.tenantId, ctx.tenant.id))
    .groupBy(usageRecords.periodStart)
    .orderBy(desc(usageRecords.periodStart))
    .limit(limit);
  const periods = rows.map((r) => ({
    start: iso(r.start) as string,
    end: iso(Number(r.end)) as string,
    usedMinutes: Number(r.minutes),
    analysedCalls: Number(r.calls),
  }));
  if (!rows.some((r) => r.start === q.period.start))
    periods.unshift({
      start: iso(q.period.start) as string,
      end: iso(q.period.end) as string,
      usedMinutes: 0,
      analysedCalls: 0,
    });
  return { current: usageView(q), periods: periods.slice(0, limit) };
}

export function invoiceView(i: Invoice) {
  return {
    id: i.id,
    number: i.number,
    status: i.status,
    currency: i.currency,
    total: i.total,
    amountDue: i.amountDue,
    amountPaid: i.amountPaid,
    periodStart: iso(i.periodStart),
    periodEnd: iso(i.periodEnd),
    hostedInvoiceUrl: i.hostedInvoiceUrl,
    invoicePdf: i.invoicePdf,
    createdAt: iso(i.createdAt) as string,
  };
}

export async function listInvoices(ctx: Ctx, q: { limit: number; cursor?: string }) {
  const c = q.cursor ? decodeCursor(q.cursor) : null;
  const rows = await controlDb(ctx.env)
    .select()
    .from(invoices)
    .where(
      and(
        eq(invoices.tenantId, ctx.tenant.id),
        c
          ? or(
              lt(invoices.createdAt, Number(c.sortValue)),
              and(eq(invoices.createdAt, Number(c.sortValue)), lt(invoices.id, c.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(invoices.createdAt), desc(invoices.id))
    .limit(q.limit + 1);
  const p = page(rows, q.limit, (r) => encodeCursor(r.createdAt, r.id));
  return { data: p.data.map(invoiceView), nextCursor: p.nextCursor };
}

export function historyView(h: SubscriptionHistoryRow) {
  return {
    id: h.id,
    source: h.source,
    plan: h.plan,
    subscriptionId: h.subscriptionId,
    status: h.status,
    cancelAtPeriodEnd: h.cancelAtPeriodEnd,
    periodStart: iso(h.periodStart),
    periodEnd: iso(h.periodEnd),
    createdAt: iso(h.createdAt) as string,
  };
}

export async function listSubscriptionHistory(ctx: Ctx, q: { limit: number; cursor?: string }) {
  const c = q.cursor ? decodeCursor(q.cursor) : null;
  const rows = await controlDb(ctx.env)
    .select()
    .from(subscriptionHistory)
    .where(
      and(
        eq(subscriptionHistory.tenantId, ctx.tenant.id),
        c
          ? or(
              lt(subscriptionHistory.createdAt, Number(c.sortValue)),
              and(eq(subscriptionHistory.createdAt, Number(c.sortValue)), lt(subscriptionHistory.id, c.id)),
            )
          : undefined,
      ),
    )
    .orderBy(desc(subscriptionHistory.createdAt), desc(subscriptionHistory.id))
    .limit(q.limit + 1);
  const p = page(rows, q.limit, (r) => encodeCursor(r.createdAt, r.id));
  return { data: p.data.map(historyView), nextCursor: p.nextCursor };
}

/**
 * For the operator console: each tenant's plan and this period's minutes, in three queries
 * whatever the number of tenants (accounts, recent usage grouped by tenant and period).
 */
export async function operatorBillingRows<T extends Pick<Tenant, "id">>(
  env: Env,
  list: T[],
  now = Date.now(),
) {
  const db = controlDb(env);
  const accounts = new Map((await db.select().from(billingAccounts)).map((a) => [a.tenantId, a]));
  const sums = await db
    .select({
      tenantId: usageRecords.tenantId,
      start: usageRecords.periodStart,
      minutes: sql<number>`sum(${usageRecords.minutes})`,
    })
    .from(usageRecords)
    .where(sql`${usageRecords.periodStart} > ${now - 2 * MONTH_MS}`)
    .groupBy(usageRecords.tenantId, usageRecords.periodStart);
  const used = new Map(sums.map((r) => [`${r.tenantId}:${r.start}`, Number(r.minutes)]));
  return list.map((t) => {
    const acct = accounts.get(t.id) ?? null;
    const plan = planOf(acct?.plan);
    const period = currentPeriod(acct, now);
    const minutes = used.get(`${t.id}:${period.start}`) ?? 0;
    return {
      tenant: t,
      account: acct,
      plan,
      period,
      usedMinutes: minutes,
      holding: acct?.quotaHeldAt != null,
    };
  });
}

/** The schema's value lists, for apps/ (which takes nothing from db/ but types, test/architecture.test.ts). */
export { QUOTA_BEHAVIOURS } from "../../db/schema/control";
