import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import "../workers/job-handlers";
import { buildApp } from "../apps/app";
import { assignPlan, calendarPeriod, currentPeriod, quotaState } from "../core/billing/account";
import { billedMinutes, sendMeterEvent } from "../core/billing/metering";
import { invoiceUpdateApplies } from "../core/billing/webhooks";
import { resumeQuotaHeld } from "../core/calls/holds";
import { analyzeStep, type PipelineMessage } from "../core/calls/pipeline";
import { createCall, reprocessCall } from "../core/calls/service";
import { startRetentionRun } from "../core/governance/retention-purge";
import type { JobMessage } from "../core/platform/jobs";
import { getJob, runJobStep } from "../core/platform/jobs";
import { controlDb } from "../db/client";
import { dataPlane } from "../db/resolver";
import {
  billingAccounts,
  invoices,
  stripeEvents,
  subscriptionHistory,
  usageRecords,
} from "../db/schema/control";
import { calls } from "../db/schema/data";
import { handleQueue } from "../workers/queue";
import stripeGateway from "../workers/stripe";
import * as S from "./fixtures/stripe";
import { BASE, call, E, loginCookie, makeTenant, type TestTenant } from "./helpers";

type Json = Record<string, unknown>;

// ---- Stripe-configured environment --------------------------------------------------------------
const SK = "sk_test_51CcrBillingTests";
const WHSEC = "whsec_ccr_billing_tests_secret";
const PRICES = {
  starter: { base: "price_starter_base", metered: "price_starter_minutes" },
  business: { base: "price_business_base", metered: "price_business_minutes" },
};
/**
 * The Stripe gateway Worker runs in this isolate (imported, not reached through the binding), so the
 * real SDK's HTTP requests meet the fetch mock below.
 */
const gatewayInProcess = {
  fetch: (input: RequestInfo | URL, init?: RequestInit) => stripeGateway.fetch(new Request(input, init)),
} as unknown as Fetcher;
const SENV = {
  ...E,
  STRIPE: gatewayInProcess,
  STRIPE_SECRET_KEY: SK,
  STRIPE_WEBHOOK_SECRET: WHSEC,
  STRIPE_PRICES: JSON.stringify(PRICES),
  STRIPE_METER_EVENT_NAME: "ccr_analysed_minutes",
} as Env;

const app = buildApp();
/** A request through the whole app with the given environment (Stripe on, or local mode). */
function req(
  env: Env,
  path: string,
  init: {
    method?: string;
    key?: string;
    json?: unknown;
    body?: string;
    headers?: Record<string, string>;
  } = {},
) {
  const headers = new Headers(init.headers);
  if (init.key) headers.set("authorization", `Bearer ${init.key}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  headers.set("cf-connecting-ip", "203.0.113.9");
  return app.fetch(
    new Request(BASE + path, { method: init.method ?? "GET", headers, body, redirect: "manual" }),
    env,
    createExecutionContext(),
  );
}

// ---- Stripe mocked at the fetch boundary ----------------------------------------------------------
interface StripeCall {
  method: string;
  path: string;
  query: URLSearchParams;
  body: URLSearchParams;
  headers: Headers;
}
type Handler = (c: StripeCall) => unknown;

function mockStripe(routes: Record<string, Handler>) {
  const calls: StripeCall[] = [];
  const real = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const r = new Request(input as RequestInfo, init);
    const url = new URL(r.url);
    if (url.host !== "api.stripe.com") return real(input as RequestInfo, init);
    const c: StripeCall = {
      method: r.method,
      path: url.pathname,
      query: url.searchParams,
      body: new URLSearchParams(r.method === "GET" ? "" : new TextDecoder().decode(await r.arrayBuffer())),
      headers: r.headers,
    };
    calls.push(c);
    const h = routes[`${r.method} ${url.pathname}`];
    if (!h)
      return Response.json(
        S.stripeError("invalid_request_error", "resource_missing", `no mock for ${url.pathname}`),
        {
          status: 404,
        },
      );
    const out = h(c);
    return out instanceof Response ? out : Response.json(out, { headers: { "request-id": "req_test" } });
  });
  return { calls, of: (key: string) => calls.filter((c) => `${c.method} ${c.path}` === key) };
}

const stripeForTests = new Stripe(SK, { httpClient: Stripe.createFetchHttpClient() });
async function signature(payload: string, opts: { timestamp?: number; secret?: string } = {}) {
  return stripeForTests.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: opts.secret ?? WHSEC,
    timestamp: opts.timestamp,
    cryptoProvider: Stripe.createSubtleCryptoProvider(),
  });
}
async function deliver(ev: Json, opts: { timestamp?: number; secret?: string; env?: Env } = {}) {
  const payload = JSON.stringify(ev);
  return req(opts.env ?? SENV, "/webhooks/stripe", {
    method: "POST",
    body: payload,
    headers: { "content-type": "application/json", "stripe-signature": await signature(payload, opts) },
  });
}

// ---- Queues: captured, never consumed with the test runner's (local-mode) environment -------------
let jobsSent: JobMessage[] = [];
let analyzeSent: PipelineMessage[] = [];
beforeEach(() => {
  jobsSent = [];
  analyzeSent = [];
  vi.spyOn(E.JOBS_QUEUE, "send").mockImplementation(async (m: unknown) => {
    jobsSent.push(m as JobMessage);
    return undefined as never;
  });
  vi.spyOn(E.ANALYZE_QUEUE, "send").mockImplementation(async (m: unknown) => {
    analyzeSent.push(m as PipelineMessage);
    return undefined as never;
  });
});
afterEach(() => vi.restoreAllMocks());

const db = () => controlDb(E);
const account = async (t: TestTenant) =>
  db().query.billingAccounts.findFirst({ where: eq(billingAccounts.tenantId, t.tenant.id) });
const meterJobs = () => jobsSent.filter((m) => m.type === "billing.meter");

/** A tenant already subscribed at Stripe (customer, live subscription on the given plan). */
async function subscribedTenant(plan: "starter" | "business" = "starter") {
  const t = await makeTenant();
  const now = Date.now();
  const customer = `cus_${t.tenant.id.slice(4)}`;
  const sub = `sub_${t.tenant.id.slice(4)}`;
  await db()
    .insert(billingAccounts)
    .values({
      tenantId: t.tenant.id,
      plan,
      planSource: "stripe",
      stripeCustomerId: customer,
      subscriptionId: sub,
      subscriptionStatus: "active",
      subscriptionCreatedAt: now - 86_400_000,
      periodStart: now - 86_400_000,
      periodEnd: now + 29 * 86_400_000,
      createdAt: now,
      updatedAt: now,
    });
  return { t, customer, sub };
}

/** Segments whose last one ends at `endS` seconds. */
const transcript = (endS: number) => ({
  format: "json" as const,
  content: {
    segments: [
      { speaker: "agent", start: 0, end: 4, text: "Bonjour, service client, je vous écoute." },
      { speaker: "customer", start: 4.5, end: endS - 5, text: "Ma facture de janvier est fausse." },
      { speaker: "agent", start: endS - 4.5, end: endS, text: "Je corrige cela tout de suite, au revoir." },
    ],
  },
});

/** Fills the tenant's current period with `minutes` already analysed (ledger rows, no call). */
async function usedAlready(t: TestTenant, minutes: number) {
  const acct = await account(t);
  const p = currentPeriod(acct ?? null, Date.now());
  await db()
    .insert(usageRecords)
    .values({
      id: `use_seed_${t.tenant.id}`,
      tenantId: t.tenant.id,
      usageKey: `seed-${t.tenant.id}`,
      seconds: minutes * 60,
      minutes,
      occurredAt: Date.now() - 1000,
      periodStart: p.start,
      periodEnd: p.end,
      meterStatus: "local",
    });
}

// =====================================================================================================

describe("billing in local mode (G4)", () => {
  it("runs without Stripe: default plan and quota shown, checkout refused clearly, webhook 400", async () => {
    const t = await makeTenant();
    const res = await call("/api/v1/billing", { key: t.key });
    expect(res.status).toBe(200);
    const b = (await res.json()) as Json & { plan: Json; usage: Json };
    expect(b.mode).toBe("local");
    expect(b.plan).toMatchObject({ id: "free", includedMinutes: 300 });
    expect(b.usage).toMatchObject({
      usedMinutes: 0,
      includedMinutes: 300,
      exceeded: false,
      holdingNewCalls: false,
    });
    expect(b.subscription).toBeNull();

    const co = await call("/api/v1/billing/checkout-sessions", {
      method: "POST",
      key: t.key,
      json: { plan: "starter" },
    });
    expect(co.status).toBe(409);
    expect(co.headers.get("content-type")).toBe("application/problem+json");
    expect(((await co.json()) as Json).type).toBe(
      "https://callcenterrate.com/problems/billing-not-configured",
    );
    expect((await call("/api/v1/billing/portal-sessions", { method: "POST", key: t.key })).status).toBe(409);

    // The webhook without billing configured: 400, even with a well-formed signature.
    const ev = S.event(
      "evt_local_1",
      "invoice.paid",
      S.invoice({ id: "in_x", customer: "cus_x", subscription: "sub_x", status: "paid" }),
    );
    const wh = await deliver(ev, { env: E });
    expect(wh.status).toBe(400);
    expect(
      await db().query.stripeEvents.findFirst({ where: eq(stripeEvents.id, "evt_local_1") }),
    ).toBeUndefined();

    // The page says so, in the user's language.
    const page = await call("/billing", { cookie: await loginCookie(t.users.owner.email) });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Online payment is not set up on this platform");
    expect(html).not.toContain('action="/billing/checkout"');
  });

  it("an operator assigns a plan: recorded in the history, quota follows", async () => {
    const t = await makeTenant();
    await assignPlan(E, t.tenant.id, "business", "op_test");
    const b = (await (await call("/api/v1/billing", { key: t.key })).json()) as {
      plan: Json;
      planSource: string;
    };
    expect(b.plan).toMatchObject({ id: "business", includedMinutes: 10_000 });
    expect(b.planSource).toBe("operator");
    const h = (await (await call("/api/v1/billing/subscription-history", { key: t.key })).json()) as {
      data: Json[];
    };
    expect(h.data).toHaveLength(1);
    expect(h.data[0]).toMatchObject({ source: "operator", plan: "business", status: "assigned" });
  });

  it("the billing contact can be edited (and is kept off call data)", async () => {
    const t = await makeTenant();
    const put = await call("/api/v1/billing/settings", {
      method: "PUT",
      key: t.key,
      json: {
        contact: {
          name: "Compta Horizon",
          email: "compta@horizon.example",
          address: "1 rue de la Paix, Paris",
        },
      },
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { contact: Json }).contact).toEqual({
      name: "Compta Horizon",
      email: "compta@horizon.example",
      address: "1 rue de la Paix, Paris",
    });
    const bad = await call("/api/v1/billing/settings", {
      method: "PUT",
      key: t.key,
      json: { contact: { email: "nope" } },
    });
    expect(bad.status).toBe(400);
  });
});

describe("Checkout and Customer Portal sessions (G1)", () => {
  it("creates the customer once, then a subscription-mode Checkout Session with the plan's prices", async () => {
    const t = await makeTenant();
    const cus = `cus_${t.tenant.id.slice(4)}`;
    const m = mockStripe({
      "POST /v1/customers": () => S.customer(cus, t.tenant.id),
      "POST /v1/checkout/sessions": (c) =>
        S.checkoutSession({
          id: `cs_test_${c.body.get("line_items[0][price]")}`,
          customer: cus,
          tenantId: t.tenant.id,
          plan: "starter",
        }),
    });
    const res = await req(SENV, "/api/v1/billing/checkout-sessions", {
      method: "POST",
      key: t.key,
      json: { plan: "starter" },
    });
    expect(res.status).toBe(201);
    const out = (await res.json()) as { id: string; url: string };
    expect(out.url).toMatch(/^https:\/\/checkout\.stripe\.com\//);

    const [cust] = m.of("POST /v1/customers");
    expect(cust.headers.get("authorization")).toBe(`Bearer ${SK}`);
    expect(cust.headers.get("idempotency-key")).toBe(`ccr-customer-${t.tenant.id}`);
    expect(cust.body.get("metadata[tenant_id]")).toBe(t.tenant.id);
    expect(cust.body.get("name")).toBe(t.tenant.name);

    const [cs] = m.of("POST /v1/checkout/sessions");
    expect(Object.fromEntries(cs.body)).toMatchObject({
      mode: "subscription",
      customer: cus,
      client_reference_id: t.tenant.id,
      "line_items[0][price]": "price_starter_base",
      "line_items[0][quantity]": "1",
      "line_items[1][price]": "price_starter_minutes",
      success_url: "http://127.0.0.1:8787/billing?checkout=success",
      cancel_url: "http://127.0.0.1:8787/billing?checkout=cancelled",
      "subscription_data[metadata][tenant_id]": t.tenant.id,
      "metadata[plan]": "starter",
    });
    expect(cs.body.has("line_items[1][quantity]")).toBe(false); // metered: no quantity
    expect((await account(t))?.stripeCustomerId).toBe(cus);

    // A second checkout reuses the customer.
    const again = await req(SENV, "/api/v1/billing/checkout-sessions", {
      method: "POST",
      key: t.key,
      json: { plan: "business" },
    });
    expect(again.status).toBe(201);
    expect(m.of("POST /v1/customers")).toHaveLength(1);
    expect(m.of("POST /v1/checkout/sessions")[1].body.get("line_items[0][price]")).toBe(
      "price_business_base",
    );

    // Plans sold by contract only, and unknown plans, are refused.
    expect(
      (
        await req(SENV, "/api/v1/billing/checkout-sessions", {
          method: "POST",
          key: t.key,
          json: { plan: "enterprise" },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await req(SENV, "/api/v1/billing/checkout-sessions", {
          method: "POST",
          key: t.key,
          json: { plan: "gold" },
        })
      ).status,
    ).toBe(400);
  });

  it("a plan change goes through Checkout, naming the subscription it replaces", async () => {
    const { t, sub } = await subscribedTenant("starter");
    const m = mockStripe({
      "POST /v1/checkout/sessions": () =>
        S.checkoutSession({ id: "cs_change", customer: "cus_x", tenantId: t.tenant.id, plan: "business" }),
    });
    const same = await req(SENV, "/api/v1/billing/checkout-sessions", {
      method: "POST",
      key: t.key,
      json: { plan: "starter" },
    });
    expect(same.status).toBe(409);
    const res = await req(SENV, "/api/v1/billing/checkout-sessions", {
      method: "POST",
      key: t.key,
      json: { plan: "business" },
    });
    expect(res.status).toBe(201);
    expect(m.of("POST /v1/checkout/sessions")[0].body.get("metadata[replaces_subscription]")).toBe(sub);
  });

  it("opens a Customer Portal session for the tenant's customer; 409 before any subscription", async () => {
    const fresh = await makeTenant();
    expect(
      (await req(SENV, "/api/v1/billing/portal-sessions", { method: "POST", key: fresh.key })).status,
    ).toBe(409);
    const { t, customer } = await subscribedTenant();
    const m = mockStripe({
      "POST /v1/billing_portal/sessions": (c) =>
        S.portalSession(String(c.body.get("customer")), String(c.body.get("return_url"))),
    });
    const res = await req(SENV, "/api/v1/billing/portal-sessions", { method: "POST", key: t.key });
    expect(res.status).toBe(201);
    expect(((await res.json()) as Json).url).toMatch(/^https:\/\/billing\.stripe\.com\//);
    const [p] = m.of("POST /v1/billing_portal/sessions");
    expect(p.body.get("customer")).toBe(customer);
    expect(p.body.get("return_url")).toBe("http://127.0.0.1:8787/billing");
  });

  it("the portal page sends owners to Stripe with a 303; other roles cannot", async () => {
    const { t } = await subscribedTenant();
    mockStripe({
      "POST /v1/billing_portal/sessions": (c) => S.portalSession(String(c.body.get("customer")), "x"),
    });
    const cookie = await loginCookie(t.users.owner.email);
    const r = await req(SENV, "/billing/portal", {
      method: "POST",
      body: "",
      headers: { cookie, origin: BASE, "content-type": "application/x-www-form-urlencoded" },
    });
    expect(r.status).toBe(303);
    expect(r.headers.get("location")).toMatch(/^https:\/\/billing\.stripe\.com\//);
    const viewer = await loginCookie(t.users.viewer.email);
    const v = await req(SENV, "/billing", { headers: { cookie: viewer } });
    expect(v.status).toBe(403);
  });
});

describe("Stripe webhooks (G2)", () => {
  it("a missing or wrong signature, a foreign secret or a stale timestamp → 400 and nothing written", async () => {
    const { t, customer } = await subscribedTenant();
    const ev = S.event(
      "evt_bad_sig",
      "invoice.paid",
      S.invoice({ id: "in_badsig", customer, subscription: "sub_x", status: "paid" }),
    );
    const payload = JSON.stringify(ev);
    const none = await req(SENV, "/webhooks/stripe", {
      method: "POST",
      body: payload,
      headers: { "content-type": "application/json" },
    });
    expect(none.status).toBe(400);
    expect(none.headers.get("content-type")).toBe("application/problem+json");
    const forged = await deliver(ev, { secret: "whsec_someone_else" });
    expect(forged.status).toBe(400);
    const stale = await deliver(ev, { timestamp: Math.floor(Date.now() / 1000) - 301 });
    expect(stale.status).toBe(400);
    const tampered = await req(SENV, "/webhooks/stripe", {
      method: "POST",
      body: payload.replace("paid", "void"),
      headers: { "content-type": "application/json", "stripe-signature": await signature(payload) },
    });
    expect(tampered.status).toBe(400);
    expect(
      await db().query.stripeEvents.findFirst({ where: eq(stripeEvents.id, "evt_bad_sig") }),
    ).toBeUndefined();
    expect(await db().query.invoices.findFirst({ where: eq(invoices.id, "in_badsig") })).toBeUndefined();
    expect((await account(t))?.plan).toBe("starter");
    // Within the 5-minute tolerance it is accepted.
    expect((await deliver(ev, { timestamp: Math.floor(Date.now() / 1000) - 240 })).status).toBe(200);
  });

  it("checkout.session.completed links the customer and applies the subscription read from Stripe; a replay is processed once", async () => {
    const t = await makeTenant();
    // The organisation set its billing contact before subscribing: its account row exists already.
    await call("/api/v1/billing/settings", {
      method: "PUT",
      key: t.key,
      json: { contact: { email: "compta@example.test" } },
    });
    const cus = `cus_co_${t.tenant.id.slice(4)}`;
    const sub = `sub_co_${t.tenant.id.slice(4)}`;
    const m = mockStripe({
      [`GET /v1/subscriptions/${sub}`]: () =>
        S.subscription({
          id: sub,
          customer: cus,
          tenantId: t.tenant.id,
          status: "active",
          prices: ["price_starter_base", "price_starter_minutes"],
          card: { brand: "mastercard", last4: "4444" },
        }),
    });
    const ev = S.event(
      `evt_co_${t.tenant.id}`,
      "checkout.session.completed",
      S.completedSession({ id: "cs_1", customer: cus, tenantId: t.tenant.id, subscription: sub }),
    );
    const r1 = await deliver(ev);
    expect(r1.status).toBe(200);
    expect(await r1.json()).toMatchObject({
      received: true,
      duplicate: false,
      outcome: "checkout_subscription_active",
    });
    const [get] = m.of(`GET /v1/subscriptions/${sub}`);
    expect(get.query.getAll("expand[]").concat(get.query.getAll("expand[0]"))).toContain(
      "default_payment_method",
    );

    const acct = await account(t);
    expect(acct).toMatchObject({
      plan: "starter",
      planSource: "stripe",
      stripeCustomerId: cus,
      subscriptionId: sub,
      subscriptionStatus: "active",
      cardBrand: "mastercard",
      cardLast4: "4444",
      periodStart: 1_798_761_600_000,
    });
    // The API shows brand and last four — and nothing else of the card.
    const b = (await (await req(SENV, "/api/v1/billing", { key: t.key })).json()) as Json;
    expect(b.paymentMethod).toEqual({ brand: "mastercard", last4: "4444" });
    expect(JSON.stringify(b)).not.toMatch(/exp_|2030|fingerprint/);

    // The same event again: acknowledged, nothing redone.
    const r2 = await deliver(ev);
    expect(r2.status).toBe(200);
    expect(((await r2.json()) as Json).duplicate).toBe(true);
    expect(m.of(`GET /v1/subscriptions/${sub}`)).toHaveLength(1);
    const hist = await db()
      .select()
      .from(subscriptionHistory)
      .where(eq(subscriptionHistory.tenantId, t.tenant.id));
    expect(hist).toHaveLength(1);
    expect(hist[0]).toMatchObject({
      source: "stripe",
      plan: "starter",
      status: "active",
      subscriptionId: sub,
    });
  });

  it("subscription events out of order never roll the plan back; every change is a history row; deletion ends it", async () => {
    const { t, customer, sub } = await subscribedTenant("starter");
    // Stripe's current state: upgraded to business.
    let current = S.subscription({
      id: sub,
      customer,
      tenantId: t.tenant.id,
      status: "active",
      prices: ["price_business_base", "price_business_minutes"],
    });
    const m = mockStripe({ [`GET /v1/subscriptions/${sub}`]: () => current });
    const now = Math.floor(Date.now() / 1000);
    const updated = S.event(`evt_up_${sub}`, "customer.subscription.updated", { ...current }, now);
    // The older `created` event (payload still on starter) arrives after the update.
    const created = S.event(
      `evt_cr_${sub}`,
      "customer.subscription.created",
      S.subscription({
        id: sub,
        customer,
        tenantId: t.tenant.id,
        status: "incomplete",
        prices: ["price_starter_base"],
      }),
      now - 60,
    );
    expect((await deliver(updated)).status).toBe(200);
    expect((await deliver(created)).status).toBe(200);
    expect((await account(t))?.plan).toBe("business");
    expect(m.of(`GET /v1/subscriptions/${sub}`)).toHaveLength(2);

    // Cancellation requested, then the subscription ends.
    current = { ...current, cancel_at_period_end: true };
    await deliver(S.event(`evt_cancel_${sub}`, "customer.subscription.updated", current, now + 1));
    expect((await account(t))?.cancelAtPeriodEnd).toBe(true);
    current = { ...current, status: "canceled" };
    await deliver(S.event(`evt_del_${sub}`, "customer.subscription.deleted", current, now + 2));
    const acct = await account(t);
    expect(acct).toMatchObject({ plan: "free", planSource: "default", subscriptionStatus: "canceled" });

    const h = (await (await req(SENV, "/api/v1/billing/subscription-history", { key: t.key })).json()) as {
      data: Json[];
    };
    expect(h.data.map((r) => [r.plan, r.status, r.cancelAtPeriodEnd])).toEqual([
      ["business", "canceled", true],
      ["business", "active", true],
      ["business", "active", false],
    ]);
  });

  it("a Checkout plan change cancels the replaced subscription; its end does not touch the new one", async () => {
    const { t, customer, sub: oldSub } = await subscribedTenant("starter");
    const newSub = `${oldSub}_new`;
    const m = mockStripe({
      [`GET /v1/subscriptions/${newSub}`]: () =>
        S.subscription({
          id: newSub,
          customer,
          tenantId: t.tenant.id,
          status: "active",
          prices: ["price_business_base"],
          created: Math.floor(Date.now() / 1000),
        }),
      [`DELETE /v1/subscriptions/${oldSub}`]: () => ({
        id: oldSub,
        object: "subscription",
        status: "canceled",
      }),
      [`GET /v1/subscriptions/${oldSub}`]: () =>
        S.subscription({
          id: oldSub,
          customer,
          tenantId: t.tenant.id,
          status: "canceled",
          prices: ["price_starter_base"],
          created: Math.floor(Date.now() / 1000) - 86_400,
        }),
    });
    const done = S.event(
      `evt_chg_${oldSub}`,
      "checkout.session.completed",
      S.completedSession({
        id: "cs_chg",
        customer,
        tenantId: t.tenant.id,
        subscription: newSub,
        replaces: oldSub,
      }),
    );
    expect((await deliver(done)).status).toBe(200);
    const [del] = m.of(`DELETE /v1/subscriptions/${oldSub}`);
    // The SDK sends a DELETE's parameters in the query string.
    expect(del.query.get("prorate")).toBe("true");
    expect(del.query.get("invoice_now")).toBe("true");
    expect(await account(t)).toMatchObject({ plan: "business", subscriptionId: newSub });
    // The old subscription's deletion event arrives: history only.
    const r = await deliver(
      S.event(`evt_olddel_${oldSub}`, "customer.subscription.deleted", {
        id: oldSub,
        object: "subscription",
      }),
    );
    expect(await r.json()).toMatchObject({ outcome: "history_only" });
    expect(await account(t)).toMatchObject({
      plan: "business",
      subscriptionId: newSub,
      subscriptionStatus: "active",
    });
  });

  it("invoices are mirrored; a late, older event never rolls one back", async () => {
    const { t, customer, sub } = await subscribedTenant();
    const id = `in_${t.tenant.id.slice(4)}`;
    const now = Math.floor(Date.now() / 1000);
    const inv = (status: string) =>
      S.invoice({ id, customer, subscription: sub, status, number: "CCR-2027-0001", total: 17_360 });
    expect((await deliver(S.event(`evt_if_${id}`, "invoice.finalized", inv("open"), now - 10))).status).toBe(
      200,
    );
    expect((await deliver(S.event(`evt_ip_${id}`, "invoice.paid", inv("paid"), now))).status).toBe(200);
    // Delivered late: an older `invoice.updated` still showing it open.
    const late = await deliver(S.event(`evt_iu_${id}`, "invoice.updated", inv("open"), now - 5));
    expect(await late.json()).toMatchObject({ outcome: "stale" });
    const list = (await (await req(SENV, "/api/v1/billing/invoices", { key: t.key })).json()) as {
      data: Json[];
    };
    expect(list.data).toHaveLength(1);
    expect(list.data[0]).toMatchObject({
      id,
      number: "CCR-2027-0001",
      status: "paid",
      currency: "eur",
      total: 17_360,
      amountPaid: 17_360,
      periodStart: "2027-01-01T00:00:00.000Z",
      periodEnd: "2027-02-01T00:00:00.000Z",
      hostedInvoiceUrl: `https://invoice.stripe.com/i/acct_1/test_${id}`,
      invoicePdf: `https://pay.stripe.com/invoice/acct_1/test_${id}/pdf`,
    });
    const row = await db().query.invoices.findFirst({ where: eq(invoices.id, id) });
    expect(row?.subscriptionId).toBe(sub);
    // The page lists it with its links.
    const html = await (
      await req(SENV, "/billing", { headers: { cookie: await loginCookie(t.users.admin.email) } })
    ).text();
    expect(html).toContain("CCR-2027-0001");
    expect(html).toContain(`https://pay.stripe.com/invoice/acct_1/test_${id}/pdf`);
    // A payment failure on another invoice is mirrored as open.
    await deliver(S.event(`evt_pf_${id}`, "invoice.payment_failed", { ...inv("open"), id: `${id}_2` }));
    expect((await db().query.invoices.findFirst({ where: eq(invoices.id, `${id}_2`) }))?.status).toBe("open");
  });

  it("invoice ordering rule", () => {
    expect(
      invoiceUpdateApplies({ status: "open", eventCreatedAt: 10 }, { status: "paid", eventCreatedAt: 5 }),
    ).toBe(true);
    expect(
      invoiceUpdateApplies({ status: "paid", eventCreatedAt: 10 }, { status: "open", eventCreatedAt: 20 }),
    ).toBe(false);
    expect(
      invoiceUpdateApplies({ status: "open", eventCreatedAt: 10 }, { status: "open", eventCreatedAt: 9 }),
    ).toBe(false);
    expect(
      invoiceUpdateApplies(
        { status: "uncollectible", eventCreatedAt: 10 },
        { status: "paid", eventCreatedAt: 11 },
      ),
    ).toBe(true);
    expect(
      invoiceUpdateApplies({ status: "void", eventCreatedAt: 10 }, { status: "paid", eventCreatedAt: 11 }),
    ).toBe(false);
  });

  it("the Stripe gateway Worker (service binding) runs only its allow-listed SDK operations", async () => {
    const call = (op: string) =>
      E.STRIPE.fetch("https://ccr-stripe.internal/call", {
        method: "POST",
        body: JSON.stringify({ key: SK, op, args: [] }),
      });
    expect((await call("accounts.del")).status).toBe(400);
    expect((await call("constructor")).status).toBe(400);
    expect((await E.STRIPE.fetch("https://ccr-stripe.internal/call")).status).toBe(405);
  });

  it("an event about a subscription Stripe no longer has is acknowledged, not retried forever", async () => {
    const { t, customer } = await subscribedTenant();
    mockStripe({});
    const r = await deliver(
      S.event(`evt_gone_${customer}`, "customer.subscription.updated", {
        id: "sub_gone",
        object: "subscription",
      }),
    );
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ outcome: "subscription_missing" });
    expect((await account(t))?.plan).toBe("starter");
  });

  it("payment_method.attached keeps the brand and last four only; unknown events are acknowledged", async () => {
    const { t, customer } = await subscribedTenant();
    expect(
      (
        await deliver(
          S.event(`evt_pm_${customer}`, "payment_method.attached", S.paymentMethod(customer, "visa", "4242")),
        )
      ).status,
    ).toBe(200);
    expect(await account(t)).toMatchObject({ cardBrand: "visa", cardLast4: "4242" });
    const other = await deliver(
      S.event(`evt_other_${customer}`, "charge.refunded", { id: "ch_1", object: "charge" }),
    );
    expect(other.status).toBe(200);
    expect(await other.json()).toMatchObject({ outcome: "ignored" });
  });
});

describe("metering of analysed minutes (G3)", () => {
  it("one meter event per analysed call, even when the analysis message and the meter job are delivered twice; a reprocess is not billed again", async () => {
    const { t, customer } = await subscribedTenant();
    const ctx = { ...t.ctx, env: SENV };
    const m = mockStripe({ "POST /v1/billing/meter_events": (c) => S.meterEvent(c.body) });
    const { call: created } = await createCall(ctx, { externalId: "meter-1", transcript: transcript(185) });
    expect(created.status).toBe("analyzing");
    const msg = analyzeSent.at(-1) as PipelineMessage;
    await analyzeStep(SENV, msg);
    await analyzeStep(SENV, msg); // delivered twice

    const rows = await db().select().from(usageRecords).where(eq(usageRecords.tenantId, t.tenant.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ seconds: 185, minutes: 4, meterStatus: "pending" });
    // The 10-year ledger holds no call id (F1): an opaque keyed hash instead.
    expect(JSON.stringify(rows)).not.toContain(created.id);
    expect(rows[0].usageKey).toMatch(/^[0-9a-f]{64}$/);

    expect(meterJobs()).toEqual([{ type: "billing.meter", id: rows[0].id }]);
    expect(await sendMeterEvent(SENV, rows[0].id)).toBe("sent");
    expect(await sendMeterEvent(SENV, rows[0].id)).toBe("skipped"); // the job delivered twice
    const sent = m.of("POST /v1/billing/meter_events");
    expect(sent).toHaveLength(1);
    expect(Object.fromEntries(sent[0].body)).toEqual({
      event_name: "ccr_analysed_minutes",
      identifier: rows[0].id,
      timestamp: String(Math.floor(rows[0].occurredAt / 1000)),
      "payload[stripe_customer_id]": customer,
      "payload[value]": "4",
    });
    expect(sent[0].headers.get("idempotency-key")).toBe(`ccr-meter-${rows[0].id}`);

    // Reprocessing the same call analyses it again but bills nothing more.
    const again = await reprocessCall(ctx, created.id);
    expect(again.status).toBe("analyzing");
    await analyzeStep(SENV, analyzeSent.at(-1) as PipelineMessage);
    const dp = dataPlane(E, t.tenant);
    const after = await dp.db.query.calls.findFirst({
      where: and(eq(calls.id, created.id), eq(calls.tenantId, t.tenant.id)),
    });
    expect(after?.status).toBe("done");
    expect(await db().select().from(usageRecords).where(eq(usageRecords.tenantId, t.tenant.id))).toHaveLength(
      1,
    );
    expect(meterJobs()).toHaveLength(1);

    const usage = (await (await req(SENV, "/api/v1/billing/usage", { key: t.key })).json()) as {
      current: Json;
      periods: Json[];
    };
    expect(usage.current).toMatchObject({
      usedMinutes: 4,
      includedMinutes: 2000,
      remainingMinutes: 1996,
      exceeded: false,
    });
    expect(usage.periods[0]).toMatchObject({ usedMinutes: 4, analysedCalls: 1 });
  });

  it("a meter event Stripe refuses is recorded as failed, a 5xx is retried", async () => {
    const { t } = await subscribedTenant();
    let status = 500;
    mockStripe({
      "POST /v1/billing/meter_events": () =>
        status === 500
          ? Response.json(S.stripeError("api_error", "internal", "boom"), { status: 500 })
          : Response.json(S.stripeError("invalid_request_error", "resource_missing", "No such customer"), {
              status: 400,
            }),
    });
    await db()
      .insert(usageRecords)
      .values({
        id: `use_fail_${t.tenant.id}`,
        tenantId: t.tenant.id,
        usageKey: `k-fail-${t.tenant.id}`,
        seconds: 60,
        minutes: 1,
        occurredAt: Date.now(),
        periodStart: 0,
        periodEnd: 1,
        meterStatus: "pending",
      });
    await expect(sendMeterEvent(SENV, `use_fail_${t.tenant.id}`)).rejects.toThrow();
    status = 400;
    expect(await sendMeterEvent(SENV, `use_fail_${t.tenant.id}`)).toBe("failed");
    const row = await db().query.usageRecords.findFirst({
      where: eq(usageRecords.id, `use_fail_${t.tenant.id}`),
    });
    expect(row).toMatchObject({ meterStatus: "failed", meterError: "resource_missing" });
  });

  it("in local mode minutes are counted, never sent", async () => {
    const t = await makeTenant();
    const { call: c } = await createCall(t.ctx, { externalId: "local-1", transcript: transcript(61) });
    await analyzeStep(E, analyzeSent.at(-1) as PipelineMessage);
    const rows = await db().select().from(usageRecords).where(eq(usageRecords.tenantId, t.tenant.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ minutes: 2, meterStatus: "local" });
    expect(meterJobs()).toHaveLength(0);
    expect(c.status).toBe("analyzing");
    expect(billedMinutes(0)).toBe(1);
    expect(billedMinutes(60)).toBe(1);
    expect(billedMinutes(60.5)).toBe(2);
  });
});

describe("quota (G3)", () => {
  it("over quota with hold: new calls are held (quota_exceeded) with a clear answer and notice; they resume when the plan allows", async () => {
    const t = await makeTenant(); // free plan: 300 minutes, no overage
    await usedAlready(t, 300);
    const res = await call("/api/v1/calls", {
      method: "POST",
      key: t.key,
      json: { externalId: "over-1", transcript: transcript(90) },
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Json;
    expect(body).toMatchObject({ status: "held", holdReason: "quota_exceeded" });
    const noTx = (await (
      await call("/api/v1/calls", { method: "POST", key: t.key, json: { externalId: "over-2" } })
    ).json()) as Json;
    expect(noTx).toMatchObject({ status: "held", holdReason: "quota_exceeded" });
    expect(analyzeSent).toHaveLength(0);

    const usage = (await (await call("/api/v1/billing/usage", { key: t.key })).json()) as { current: Json };
    expect(usage.current).toMatchObject({
      usedMinutes: 300,
      includedMinutes: 300,
      exceeded: true,
      holdingNewCalls: true,
    });
    // Overage is not on offer with this plan.
    const ov = await call("/api/v1/billing/settings", {
      method: "PUT",
      key: t.key,
      json: { overQuota: "overage" },
    });
    expect(ov.status).toBe(409);
    // Portal notices: the billing page and the home page.
    const cookie = await loginCookie(t.users.owner.email);
    expect(await (await call("/billing", { cookie })).text()).toContain(
      "New calls are kept but wait, without analysis",
    );
    const home = await (await call("/", { cookie: await loginCookie(t.users.supervisor.email) })).text();
    expect(home).toContain("Analysed-minutes quota reached");
    expect((await account(t))?.quotaHeldAt).toBeTypeOf("number");

    // An operator moves the tenant to a bigger plan: the held call with a transcript resumes.
    // The plan change asks for a resume (billing never starts the pipeline itself); the jobs
    // queue's consumer resumes the calls.
    await assignPlan(E, t.tenant.id, "starter", "op_test");
    const resume = jobsSent.filter((m) => m.type === "billing.resume");
    expect(resume).toEqual([{ type: "billing.resume", tenantId: t.tenant.id }]);
    const batch = createMessageBatch("ccr-jobs", [
      { id: "r1", timestamp: new Date(), attempts: 1, body: resume[0] },
    ]);
    const ctx = createExecutionContext();
    await handleQueue(batch as never, E, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["r1"]);
    expect(analyzeSent.map((m) => m.callId)).toEqual([body.id]);
    const dp = dataPlane(E, t.tenant);
    const resumed = await dp.db.query.calls.findFirst({ where: eq(calls.id, body.id as string) });
    expect(resumed?.status).toBe("analyzing");
    const waiting = await dp.db.query.calls.findFirst({ where: eq(calls.id, noTx.id as string) });
    expect(waiting).toMatchObject({ status: "received", holdReason: null });
    expect((await account(t))?.quotaHeldAt).toBeNull();
  });

  it("over quota with overage: calls keep being analysed (and metered)", async () => {
    const { t } = await subscribedTenant("starter");
    await usedAlready(t, 2000);
    const put = await req(SENV, "/api/v1/billing/settings", {
      method: "PUT",
      key: t.key,
      json: { overQuota: "overage" },
    });
    expect(put.status).toBe(200);
    mockStripe({ "POST /v1/billing/meter_events": (c) => S.meterEvent(c.body) });
    const { call: c } = await createCall(
      { ...t.ctx, env: SENV },
      { externalId: "ovg-1", transcript: transcript(30) },
    );
    expect(c.status).toBe("analyzing");
    await analyzeStep(SENV, analyzeSent.at(-1) as PipelineMessage);
    const q = await quotaState(E, t.tenant.id);
    expect(q).toMatchObject({
      usedMinutes: 2001,
      exceeded: true,
      holding: false,
      overageMinutes: 1,
      behaviour: "overage",
    });
    expect(meterJobs()).toHaveLength(1);
    // Back to hold: the next call waits.
    await req(SENV, "/api/v1/billing/settings", { method: "PUT", key: t.key, json: { overQuota: "hold" } });
    const { call: held } = await createCall(
      { ...t.ctx, env: SENV },
      { externalId: "ovg-2", transcript: transcript(30) },
    );
    expect(held).toMatchObject({ status: "held", holdReason: "quota_exceeded" });
  });

  it("a call held in the pipeline (quota reached while it waited) is held by the policy, and a reprocess of a billed call is not", async () => {
    const t = await makeTenant();
    const { call: a } = await createCall(t.ctx, { externalId: "p-1", transcript: transcript(50) });
    const msgA = analyzeSent.at(-1) as PipelineMessage;
    const { call: b } = await createCall(t.ctx, { externalId: "p-2", transcript: transcript(50) });
    const msgB = analyzeSent.at(-1) as PipelineMessage;
    await analyzeStep(E, msgA); // a: 1 minute billed
    await usedAlready(t, 299); // now 300: quota reached
    await analyzeStep(E, msgB);
    const dp = dataPlane(E, t.tenant);
    expect(await dp.db.query.calls.findFirst({ where: eq(calls.id, b.id) })).toMatchObject({
      status: "held",
      holdReason: "quota_exceeded",
    });
    // a was billed already: reprocessing it is allowed over quota.
    expect((await reprocessCall(t.ctx, a.id)).status).toBe("analyzing");
    // A new period: the daily cron's resume finds room again.
    await db().update(usageRecords).set({ periodStart: 0 }).where(eq(usageRecords.tenantId, t.tenant.id));
    expect(await resumeQuotaHeld(E, t.tenant.id)).toBe(1);
    expect((await dp.db.query.calls.findFirst({ where: eq(calls.id, b.id) }))?.status).toBe("analyzing");
  });

  it("periods: calendar months without a subscription, the subscription's period otherwise (rolled forward)", () => {
    const now = Date.UTC(2027, 2, 15, 12);
    expect(calendarPeriod(now)).toEqual({ start: Date.UTC(2027, 2, 1), end: Date.UTC(2027, 3, 1) });
    const sub = { periodStart: Date.UTC(2027, 1, 10), periodEnd: Date.UTC(2027, 2, 10) };
    expect(currentPeriod(sub, Date.UTC(2027, 1, 20))).toEqual({ start: sub.periodStart, end: sub.periodEnd });
    expect(currentPeriod(sub, now)).toEqual({ start: Date.UTC(2027, 2, 10), end: Date.UTC(2027, 3, 10) });
  });
});

describe("billing records are kept 10 years (art. 3.5, F1)", () => {
  it("neither the retention purge nor the contract-end deletion touches them", async () => {
    const { t, customer, sub } = await subscribedTenant();
    await usedAlready(t, 12);
    await deliver(
      S.event(
        `evt_keep_${sub}`,
        "invoice.paid",
        S.invoice({ id: `in_keep_${sub}`, customer, subscription: sub, status: "paid" }),
      ),
    );
    await assignPlan(E, (await makeTenant()).tenant.id, "starter", "op"); // another tenant, unrelated
    const snapshot = async () => ({
      account: await account(t),
      invoices: await db().select().from(invoices).where(eq(invoices.tenantId, t.tenant.id)),
      usage: await db().select().from(usageRecords).where(eq(usageRecords.tenantId, t.tenant.id)),
      history: await db()
        .select()
        .from(subscriptionHistory)
        .where(eq(subscriptionHistory.tenantId, t.tenant.id)),
    });
    // Two years old: past every retention a tenant can set for call data.
    const old = Date.now() - 2 * 366 * 86_400_000;
    await db().update(usageRecords).set({ occurredAt: old }).where(eq(usageRecords.tenantId, t.tenant.id));
    await db()
      .update(invoices)
      .set({ createdAt: old, updatedAt: old })
      .where(eq(invoices.tenantId, t.tenant.id));
    await db()
      .update(subscriptionHistory)
      .set({ createdAt: old })
      .where(eq(subscriptionHistory.tenantId, t.tenant.id));
    const before = await snapshot();
    expect(before.invoices).toHaveLength(1);

    const drive = async (jobId: string) => {
      for (let i = 0; i < 200; i++) {
        const j = await getJob(E, jobId);
        if (!j || (j.status !== "running" && j.status !== "queued")) return j;
        await runJobStep(E, { jobId, step: j.steps });
      }
      return getJob(E, jobId);
    };
    const { job } = await startRetentionRun(E, t.tenant, Date.now());
    expect((await drive(job.id))?.status).toBe("done");
    expect(await snapshot()).toEqual(before);

    const start = await call("/api/v1/tenant/contract-end", {
      method: "POST",
      key: t.key,
      json: { export: false, confirmName: t.tenant.name },
    });
    expect(start.status).toBe(202);
    const view = (await start.json()) as { job: { id: string } };
    await drive(view.job.id);
    expect(
      (await call("/api/v1/tenant/contract-end/delete-now", { method: "POST", key: t.key })).status,
    ).toBe(200);
    expect((await drive(view.job.id))?.status).toBe("done");
    const after = await snapshot();
    expect(after.invoices).toEqual(before.invoices);
    expect(after.usage).toEqual(before.usage);
    expect(after.history).toEqual(before.history);
    expect(after.account?.stripeCustomerId).toBe(customer);
  });
});
