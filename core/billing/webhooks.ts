import { and, desc, eq, isNull, or } from "drizzle-orm";
import { controlDb } from "../../db/client";
import {
  type BillingAccount,
  billingAccounts,
  invoices,
  stripeEvents,
  subscriptionHistory,
} from "../../db/schema/control";
import { tenantById } from "../identity/tenants";
import { appendAudit, SYSTEM_ACTOR } from "../platform/audit";
import { newId } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import { getAccount, isLiveStatus, requestQuotaResume } from "./account";
import { planForPrice, type StripeConfig, stripeConfig } from "./config";
import { DEFAULT_PLAN, isPlanId, type PlanId } from "./plans";
import { StripeApiError, stripeApi, verifyStripeEvent } from "./stripe";

/**
 * Stripe webhooks (G2): `POST /webhooks/stripe`.
 * - The signature is checked first (constructEventAsync, 5-minute tolerance); a missing or wrong
 *   one, or billing not configured, is a 400 and nothing is written.
 * - Each event id is handled once: a row in `billing_stripe_events` is marked processed at the end;
 *   a replay of a processed event is acknowledged and ignored, a delivery that failed half-way
 *   (no `processedAt`) is handled again — every handler below is idempotent.
 * - Order-safe: subscription events never trust their payload's state; the subscription is read
 *   again from Stripe, so a late `created` after an `updated` applies today's state. Invoices
 *   compare the event's `created` and the status order (draft → open → paid/void/uncollectible):
 *   an older event never rolls a mirrored invoice back.
 */

type Obj = Record<string, unknown>;
export interface StripeEventLike {
  id: string;
  type: string;
  created: number;
  data: { object: Obj };
}

const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);
const idOf = (v: unknown): string | null =>
  str(v) ?? (v && typeof v === "object" ? str((v as Obj).id) : null);
const ms = (s: unknown): number | null => (typeof s === "number" ? s * 1000 : null);
const num = (v: unknown): number => (typeof v === "number" ? v : 0);
const metaOf = (o: Obj): Record<string, string> =>
  o.metadata && typeof o.metadata === "object" ? (o.metadata as Record<string, string>) : {};

export async function handleStripeWebhook(
  env: Env,
  body: string,
  signature: string | undefined,
  now = Date.now(),
): Promise<{ eventId: string; outcome: string; duplicate: boolean }> {
  const cfg = stripeConfig(env);
  if (!cfg) throw new ApiError("bad_request", "Billing is not configured on this platform");
  if (!signature) throw new ApiError("bad_request", "Missing Stripe-Signature header");
  let event: StripeEventLike;
  try {
    event = (await verifyStripeEvent(env, cfg, body, signature)) as StripeEventLike;
  } catch {
    console.error(JSON.stringify({ level: "warn", msg: "stripe webhook signature refused" }));
    throw new ApiError("bad_request", "The Stripe signature is missing, wrong or too old");
  }
  const db = controlDb(env);
  const seen = await db.query.stripeEvents.findFirst({ where: eq(stripeEvents.id, event.id) });
  if (seen?.processedAt) return { eventId: event.id, outcome: seen.outcome ?? "processed", duplicate: true };
  if (!seen)
    await db
      .insert(stripeEvents)
      .values({ id: event.id, type: event.type, createdAt: event.created * 1000, receivedAt: now })
      .onConflictDoNothing();
  const { outcome, tenantId } = await dispatch(env, cfg, event, now);
  await db
    .update(stripeEvents)
    .set({ processedAt: Date.now(), outcome, tenantId })
    .where(eq(stripeEvents.id, event.id));
  return { eventId: event.id, outcome, duplicate: false };
}

interface Outcome {
  outcome: string;
  tenantId: string | null;
}

async function dispatch(env: Env, cfg: StripeConfig, event: StripeEventLike, now: number): Promise<Outcome> {
  const obj = event.data.object;
  switch (event.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded":
      return checkoutCompleted(env, cfg, event, obj, now);
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.deleted":
    case "customer.subscription.paused":
    case "customer.subscription.resumed":
    case "customer.subscription.pending_update_applied":
      return syncSubscription(env, cfg, event, str(obj.id) ?? "", now);
    case "invoice.created":
    case "invoice.finalized":
    case "invoice.updated":
    case "invoice.paid":
    case "invoice.payment_succeeded":
    case "invoice.payment_failed":
    case "invoice.voided":
    case "invoice.marked_uncollectible":
      return mirrorInvoice(env, event, obj, now);
    case "payment_method.attached":
      return paymentMethodAttached(env, obj, now);
    default:
      return { outcome: "ignored", tenantId: null };
  }
}

async function accountByCustomer(env: Env, customerId: string | null): Promise<BillingAccount | null> {
  if (!customerId) return null;
  return (
    (await controlDb(env).query.billingAccounts.findFirst({
      where: eq(billingAccounts.stripeCustomerId, customerId),
    })) ?? null
  );
}

/** The tenant's account, linked to the Stripe customer when it has none yet (first checkout). */
async function linkAccount(
  env: Env,
  tenantId: string | null,
  customerId: string | null,
  now: number,
): Promise<BillingAccount | null> {
  const byCustomer = await accountByCustomer(env, customerId);
  if (byCustomer) return byCustomer;
  if (!tenantId || !customerId || !(await tenantById(env, tenantId))) return null;
  await controlDb(env)
    .insert(billingAccounts)
    .values({ tenantId, plan: DEFAULT_PLAN, stripeCustomerId: customerId, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: billingAccounts.tenantId,
      set: { stripeCustomerId: customerId, updatedAt: now },
      setWhere: or(
        isNull(billingAccounts.stripeCustomerId),
        eq(billingAccounts.stripeCustomerId, customerId),
      ),
    });
  const acct = await getAccount(env, tenantId);
  // An account already tied to another customer is never re-pointed by a webhook.
  return acct?.stripeCustomerId === customerId ? acct : null;
}

async function checkoutCompleted(
  env: Env,
  cfg: StripeConfig,
  event: StripeEventLike,
  session: Obj,
  now: number,
): Promise<Outcome> {
  if (session.mode !== "subscription") return { outcome: "ignored", tenantId: null };
  const meta = metaOf(session);
  const tenantId = str(session.client_reference_id) ?? str(meta.tenant_id);
  const acct = await linkAccount(env, tenantId, idOf(session.customer), now);
  if (!acct) return { outcome: "unknown_customer", tenantId: null };
  const subscriptionId = idOf(session.subscription);
  if (!subscriptionId) return { outcome: "no_subscription", tenantId: acct.tenantId };
  const synced = await syncSubscription(env, cfg, event, subscriptionId, now);
  // A plan change through Checkout creates the new subscription; the one it replaces ends now,
  // prorated (Stripe credits the unused time on the next invoice).
  const replaces = str(meta.replaces_subscription);
  if (replaces && replaces !== subscriptionId) {
    const stripe = stripeApi(env, cfg);
    try {
      await stripe.subscriptions.cancel(replaces, { prorate: true, invoice_now: true });
    } catch (err) {
      const code = (err as { statusCode?: number }).statusCode;
      if (!code || code >= 500 || code === 429) throw err; // retried by Stripe's redelivery
      // 4xx: already canceled or gone — nothing left to do.
    }
  }
  return { outcome: `checkout_${synced.outcome}`, tenantId: acct.tenantId };
}

async function syncSubscription(
  env: Env,
  cfg: StripeConfig,
  event: StripeEventLike,
  subscriptionId: string,
  now: number,
): Promise<Outcome> {
  if (!subscriptionId) return { outcome: "ignored", tenantId: null };
  const stripe = stripeApi(env, cfg);
  // Today's state, whatever the order events arrive in.
  let sub: Obj;
  try {
    sub = await stripe.subscriptions.retrieve(subscriptionId, { expand: ["default_payment_method"] });
  } catch (err) {
    // Gone at Stripe (test data removed…): nothing to apply; retrying would not help.
    if (err instanceof StripeApiError && err.statusCode === 404)
      return { outcome: "subscription_missing", tenantId: null };
    throw err;
  }
  const meta = metaOf(sub);
  const acct = await linkAccount(env, str(meta.tenant_id), idOf(sub.customer), now);
  if (!acct) return { outcome: "unknown_customer", tenantId: null };
  const items = ((sub.items as Obj | undefined)?.data as Obj[] | undefined) ?? [];
  let plan: PlanId | null = null;
  for (const it of items) plan ??= planForPrice(cfg, idOf(it.price));
  if (!plan && isPlanId(meta.plan)) plan = meta.plan;
  plan ??= acct.plan as PlanId;
  const starts = items.map((i) => ms(i.current_period_start)).filter((v): v is number => v !== null);
  const ends = items.map((i) => ms(i.current_period_end)).filter((v): v is number => v !== null);
  const periodStart = starts.length ? Math.min(...starts) : null;
  const periodEnd = ends.length ? Math.max(...ends) : null;
  const status = str(sub.status) ?? "unknown";
  const live = isLiveStatus(status);
  const created = ms(sub.created) ?? now;
  const cancelAtPeriodEnd = sub.cancel_at_period_end === true;
  const pm = sub.default_payment_method as Obj | null | undefined;
  const card = pm && typeof pm === "object" ? (pm.card as Obj | undefined) : undefined;

  const db = controlDb(env);
  // History: one row per change of this subscription's state (a replayed event adds nothing).
  const [last] = await db
    .select()
    .from(subscriptionHistory)
    .where(
      and(
        eq(subscriptionHistory.tenantId, acct.tenantId),
        eq(subscriptionHistory.subscriptionId, subscriptionId),
      ),
    )
    .orderBy(desc(subscriptionHistory.createdAt))
    .limit(1);
  const changed =
    !last ||
    last.status !== status ||
    last.plan !== plan ||
    last.cancelAtPeriodEnd !== cancelAtPeriodEnd ||
    last.periodStart !== periodStart;
  if (changed)
    await db
      .insert(subscriptionHistory)
      .values({
        id: newId("bsh"),
        tenantId: acct.tenantId,
        source: "stripe",
        plan,
        subscriptionId,
        status,
        cancelAtPeriodEnd,
        periodStart,
        periodEnd,
        stripeEventId: event.id,
        createdAt: Math.max(event.created * 1000, (last?.createdAt ?? 0) + 1),
      })
      .onConflictDoNothing();

  // Which subscription the account follows: its own, or a newer live one (a plan change). An older
  // subscription ending never touches the account that has moved on to a newer one.
  const follows =
    !acct.subscriptionId ||
    acct.subscriptionId === subscriptionId ||
    (live && created >= (acct.subscriptionCreatedAt ?? 0));
  if (!follows) return { outcome: "history_only", tenantId: acct.tenantId };
  const before = { plan: acct.plan, periodStart: acct.periodStart };
  const nextPlan = live ? plan : DEFAULT_PLAN;
  await db
    .update(billingAccounts)
    .set({
      subscriptionId,
      subscriptionStatus: status,
      subscriptionCreatedAt: created,
      cancelAtPeriodEnd,
      plan: nextPlan,
      planSource: live ? "stripe" : "default",
      periodStart: live ? periodStart : null,
      periodEnd: live ? periodEnd : null,
      ...(card ? { cardBrand: str(card.brand), cardLast4: str(card.last4) } : {}),
      updatedAt: now,
    })
    .where(eq(billingAccounts.tenantId, acct.tenantId));
  if (changed)
    await appendAudit(env, {
      tenantId: acct.tenantId,
      actor: SYSTEM_ACTOR,
      action: "billing.subscription_changed",
      targetType: "subscription",
      targetId: subscriptionId,
      meta: { status, plan: nextPlan, cancelAtPeriodEnd },
    });
  if (before.plan !== nextPlan || before.periodStart !== (live ? periodStart : null))
    await requestQuotaResume(env, acct.tenantId);
  return { outcome: `subscription_${status}`, tenantId: acct.tenantId };
}

const INVOICE_RANK: Record<string, number> = { draft: 0, open: 1, paid: 2, void: 2, uncollectible: 2 };
const TERMINAL = new Set(["paid", "void"]);

/** Whether an event's invoice state may replace the mirrored one (never a step back). */
export function invoiceUpdateApplies(
  old: { status: string; eventCreatedAt: number },
  next: { status: string; eventCreatedAt: number },
): boolean {
  if (TERMINAL.has(old.status))
    return next.status === old.status && next.eventCreatedAt >= old.eventCreatedAt;
  const ro = INVOICE_RANK[old.status] ?? 0;
  const rn = INVOICE_RANK[next.status] ?? 0;
  if (rn < ro) return false;
  return rn > ro || next.eventCreatedAt >= old.eventCreatedAt;
}

async function mirrorInvoice(env: Env, event: StripeEventLike, inv: Obj, now: number): Promise<Outcome> {
  const id = str(inv.id);
  const acct = await accountByCustomer(env, idOf(inv.customer));
  if (!id || !acct) return { outcome: "unknown_customer", tenantId: null };
  const status = str(inv.status) ?? "draft";
  const eventCreatedAt = event.created * 1000;
  const db = controlDb(env);
  const existing = await db.query.invoices.findFirst({ where: eq(invoices.id, id) });
  if (existing && existing.tenantId !== acct.tenantId) return { outcome: "tenant_mismatch", tenantId: null };
  if (existing && !invoiceUpdateApplies(existing, { status, eventCreatedAt }))
    return { outcome: "stale", tenantId: acct.tenantId };
  const parent = inv.parent as Obj | null | undefined;
  const subDetails = parent?.subscription_details as Obj | null | undefined;
  const values = {
    tenantId: acct.tenantId,
    number: str(inv.number),
    status,
    currency: str(inv.currency) ?? "eur",
    total: num(inv.total),
    amountDue: num(inv.amount_due),
    amountPaid: num(inv.amount_paid),
    periodStart: ms(inv.period_start),
    periodEnd: ms(inv.period_end),
    hostedInvoiceUrl: str(inv.hosted_invoice_url),
    invoicePdf: str(inv.invoice_pdf),
    subscriptionId: idOf(subDetails?.subscription) ?? idOf(inv.subscription),
    createdAt: ms(inv.created) ?? now,
    eventCreatedAt,
    updatedAt: now,
  };
  await db
    .insert(invoices)
    .values({ id, ...values })
    .onConflictDoUpdate({ target: invoices.id, set: values });
  return { outcome: `invoice_${status}`, tenantId: acct.tenantId };
}

/** Only the brand and the last four digits, as Stripe reports them; nothing else of a card. */
async function paymentMethodAttached(env: Env, pm: Obj, now: number): Promise<Outcome> {
  const acct = await accountByCustomer(env, idOf(pm.customer));
  const card = pm.card as Obj | undefined;
  if (!acct || !card)
    return { outcome: acct ? "not_a_card" : "unknown_customer", tenantId: acct?.tenantId ?? null };
  await controlDb(env)
    .update(billingAccounts)
    .set({ cardBrand: str(card.brand), cardLast4: str(card.last4), updatedAt: now })
    .where(eq(billingAccounts.tenantId, acct.tenantId));
  return { outcome: "payment_method", tenantId: acct.tenantId };
}
