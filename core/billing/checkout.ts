import { and, eq, isNull } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { billingAccounts } from "../../db/schema/control";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { ApiError } from "../platform/errors";
import { ensureAccount, getAccount, isLiveStatus } from "./account";
import { type StripeConfig, stripeConfig } from "./config";
import { PLANS, type PlanId } from "./plans";
import { stripeApi } from "./stripe";

/**
 * Stripe Checkout (subscription mode) and the Customer Portal (G1). CCR never sees a card: the
 * tenant types it on Stripe's pages; CCR keeps the customer id, the subscription id and what the
 * webhooks report (card brand and last four digits only).
 */
function requireStripe(env: Env): StripeConfig {
  const cfg = stripeConfig(env);
  if (!cfg)
    throw new ApiError("billing_not_configured", "Billing is not configured: an operator assigns your plan", {
      messageKey: "billing.error.not_configured",
    });
  return cfg;
}

const locale = (ctx: Ctx): "fr" | "en" | "auto" =>
  ctx.tenant.defaultLocale === "fr" || ctx.tenant.defaultLocale === "en" ? ctx.tenant.defaultLocale : "auto";

/** The tenant's Stripe customer, created once (the idempotency key makes a retried request safe). */
async function customerFor(ctx: Ctx, cfg: StripeConfig): Promise<string> {
  const acct = await ensureAccount(ctx.env, ctx.tenant.id);
  if (acct.stripeCustomerId) return acct.stripeCustomerId;
  const stripe = stripeApi(ctx.env, cfg);
  const email = acct.contactEmail ?? (ctx.actor.type === "user" ? ctx.actor.email : undefined);
  const customer = await stripe.customers.create(
    {
      name: acct.contactName ?? ctx.tenant.name,
      ...(email ? { email } : {}),
      ...(acct.contactAddress ? { address: { line1: acct.contactAddress } } : {}),
      preferred_locales: [ctx.tenant.defaultLocale],
      metadata: { tenant_id: ctx.tenant.id },
    },
    { idempotencyKey: `ccr-customer-${ctx.tenant.id}` },
  );
  await controlDb(ctx.env)
    .update(billingAccounts)
    .set({ stripeCustomerId: customer.id, updatedAt: Date.now() })
    .where(and(eq(billingAccounts.tenantId, ctx.tenant.id), isNull(billingAccounts.stripeCustomerId)));
  const after = await getAccount(ctx.env, ctx.tenant.id);
  return after?.stripeCustomerId ?? customer.id;
}

/**
 * A Checkout Session to subscribe to a plan, or to change plan: the new subscription is created by
 * Checkout and, once it completes, the webhook cancels the one it replaces (prorated).
 */
export async function createCheckoutSession(ctx: Ctx, planId: PlanId): Promise<{ id: string; url: string }> {
  const cfg = requireStripe(ctx.env);
  const plan = PLANS[planId];
  const prices = cfg.prices[planId];
  if (!plan.selfServe || !prices)
    throw new ApiError("validation_failed", `The ${plan.name} plan cannot be bought online; contact us`, {
      errors: [{ pointer: "/plan", detail: "not available through Checkout" }],
      messageKey: "billing.error.not_self_serve",
    });
  const acct = await ensureAccount(ctx.env, ctx.tenant.id);
  const live = acct.subscriptionId && isLiveStatus(acct.subscriptionStatus) ? acct.subscriptionId : null;
  if (live && acct.plan === planId)
    throw new ApiError("conflict", `You are already on the ${plan.name} plan`, {
      messageKey: "billing.error.same_plan",
    });
  const customer = await customerFor(ctx, cfg);
  const stripe = stripeApi(ctx.env, cfg);
  const base = ctx.env.APP_URL.replace(/\/$/, "");
  const metadata: Record<string, string> = { tenant_id: ctx.tenant.id, plan: planId };
  if (live) metadata.replaces_subscription = live;
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer,
    client_reference_id: ctx.tenant.id,
    line_items: [
      { price: prices.base, quantity: 1 },
      // Metered prices take no quantity: the meter's events decide what is billed.
      ...(prices.metered ? [{ price: prices.metered }] : []),
    ],
    success_url: `${base}/billing?checkout=success`,
    cancel_url: `${base}/billing?checkout=cancelled`,
    locale: locale(ctx),
    customer_update: { address: "auto", name: "auto" },
    billing_address_collection: "required",
    tax_id_collection: { enabled: true },
    subscription_data: { metadata: { tenant_id: ctx.tenant.id, plan: planId } },
    metadata,
  });
  if (!session.url) throw new ApiError("unavailable", "Stripe did not return a Checkout page");
  await auditCtx(ctx, "billing.checkout_started", "tenant", ctx.tenant.id, {
    plan: planId,
    change: Boolean(live),
  });
  return { id: session.id, url: session.url };
}

/** A Customer Portal session: payment methods, invoices, cancellation — on Stripe's pages. */
export async function createPortalSession(ctx: Ctx): Promise<{ url: string }> {
  const cfg = requireStripe(ctx.env);
  const acct = await getAccount(ctx.env, ctx.tenant.id);
  if (!acct?.stripeCustomerId)
    throw new ApiError("conflict", "Subscribe to a plan first: there is no billing account at Stripe yet", {
      messageKey: "billing.error.no_customer",
    });
  const stripe = stripeApi(ctx.env, cfg);
  const session = await stripe.billingPortal.sessions.create({
    customer: acct.stripeCustomerId,
    return_url: `${ctx.env.APP_URL.replace(/\/$/, "")}/billing`,
    locale: locale(ctx),
  });
  if (!session.url) throw new ApiError("unavailable", "Stripe did not return a billing space page");
  await auditCtx(ctx, "billing.portal_opened", "tenant", ctx.tenant.id);
  return { url: session.url };
}
