import { type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  billingOverview,
  listInvoices,
  listSubscriptionHistory,
  planView,
  QUOTA_BEHAVIOURS,
  updateBillingSettings,
  usageByPeriod,
} from "../../../core/billing/account";
import { createCheckoutSession, createPortalSession } from "../../../core/billing/checkout";
import { PLAN_IDS, PLANS } from "../../../core/billing/plans";
import type { AppEnv } from "../../types";
import { apiRoute, json, jsonBody, listOf, listQuery, problem } from "../openapi";

/** Billing (G1–G4): plan, usage, invoices, subscription history, Checkout and Customer Portal sessions. */

const Plan = z
  .object({
    id: z.enum(PLAN_IDS),
    name: z.string(),
    monthlyPriceEur: z
      .number()
      .nullable()
      .openapi({ description: "List price, excl. VAT; null: on quotation" }),
    includedMinutes: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Analysed minutes per period; null: no quota" }),
    seats: z.number().int().nullable(),
    overagePerMinuteEur: z
      .number()
      .nullable()
      .openapi({ description: "Price of a minute over quota; null: no overage (calls are held)" }),
    selfServe: z.boolean().openapi({ description: "Can be bought through Stripe Checkout" }),
    features: z.object({ llmAnalysis: z.boolean(), apiAccess: z.boolean(), sso: z.boolean() }),
  })
  .openapi("Plan");

const Usage = z
  .object({
    period: z.object({ start: z.string(), end: z.string() }),
    usedMinutes: z.number().int(),
    includedMinutes: z.number().int().nullable(),
    remainingMinutes: z.number().int().nullable(),
    overageMinutes: z.number().int(),
    overQuota: z.enum(QUOTA_BEHAVIOURS).openapi({ description: "The behaviour in force over quota" }),
    exceeded: z.boolean(),
    holdingNewCalls: z.boolean().openapi({
      description:
        "true: new calls are kept with status `held` and holdReason `quota_exceeded` until the quota allows",
    }),
  })
  .openapi("Usage");

const Contact = z.object({
  name: z.string().nullable(),
  email: z.string().nullable(),
  address: z.string().nullable(),
});

const Billing = z
  .object({
    mode: z.enum(["stripe", "local"]).openapi({
      description:
        "local: billing is not configured on this platform; an operator assigns plans and quotas apply",
    }),
    plan: Plan,
    planSource: z.enum(["default", "operator", "stripe"]),
    overQuota: z.enum(QUOTA_BEHAVIOURS),
    subscription: z
      .object({
        id: z.string(),
        status: z.string().nullable(),
        cancelAtPeriodEnd: z.boolean(),
        currentPeriodStart: z.string().nullable(),
        currentPeriodEnd: z.string().nullable(),
      })
      .nullable(),
    paymentMethod: z
      .object({ brand: z.string().nullable(), last4: z.string() })
      .nullable()
      .openapi({ description: "Card brand and last four digits as Stripe reports them; nothing else" }),
    contact: Contact,
    usage: Usage,
  })
  .openapi("Billing");

const Invoice = z
  .object({
    id: z.string(),
    number: z.string().nullable(),
    status: z.string(),
    currency: z.string(),
    total: z.number().int().openapi({ description: "In the currency's minor unit (cents)" }),
    amountDue: z.number().int(),
    amountPaid: z.number().int(),
    periodStart: z.string().nullable(),
    periodEnd: z.string().nullable(),
    hostedInvoiceUrl: z.string().nullable(),
    invoicePdf: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Invoice");

const HistoryEntry = z
  .object({
    id: z.string(),
    source: z.enum(["operator", "stripe"]),
    plan: z.string(),
    subscriptionId: z.string().nullable(),
    status: z.string().nullable(),
    cancelAtPeriodEnd: z.boolean(),
    periodStart: z.string().nullable(),
    periodEnd: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("SubscriptionHistoryEntry");

const Settings = z
  .object({
    overQuota: z.enum(QUOTA_BEHAVIOURS).optional().openapi({
      description:
        "hold: new calls wait when the quota is reached; overage: they are analysed and billed by the meter",
    }),
    contact: z
      .object({
        name: z.string().trim().min(1).max(200).nullable().optional(),
        email: z.email().max(254).nullable().optional(),
        address: z.string().trim().min(1).max(500).nullable().optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .openapi("BillingSettings");

const tags = ["Billing"];

export function registerBilling(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("billing:read", {
      method: "get",
      path: "/billing",
      tags,
      summary: "The organisation's plan, subscription, payment method (brand, last 4), contact and usage",
      responses: { 200: json(Billing) },
    }),
    async (c) => c.json(await billingOverview(c.get("ctx")), 200),
  );
  api.openapi(
    apiRoute("billing:read", {
      method: "get",
      path: "/billing/plans",
      tags,
      summary: "The plans on offer",
      responses: { 200: json(z.object({ data: z.array(Plan) })) },
    }),
    (c) => c.json({ data: PLAN_IDS.map((id) => planView(PLANS[id])) }, 200),
  );
  api.openapi(
    apiRoute("billing:read", {
      method: "get",
      path: "/billing/usage",
      tags,
      summary: "Analysed minutes used / included in the current period, and per past period",
      request: {
        query: z.object({ periods: z.coerce.number().int().min(1).max(36).default(12) }),
      },
      responses: {
        200: json(
          z.object({
            current: Usage,
            periods: z.array(
              z.object({
                start: z.string(),
                end: z.string(),
                usedMinutes: z.number().int(),
                analysedCalls: z.number().int(),
              }),
            ),
          }),
        ),
      },
    }),
    async (c) => c.json(await usageByPeriod(c.get("ctx"), c.req.valid("query").periods), 200),
  );
  api.openapi(
    apiRoute("billing:read", {
      method: "get",
      path: "/billing/invoices",
      tags,
      summary: "Invoices mirrored from Stripe, newest first (kept 10 years)",
      request: { query: z.object(listQuery) },
      responses: { 200: json(listOf(Invoice)) },
    }),
    async (c) => c.json(await listInvoices(c.get("ctx"), c.req.valid("query")), 200),
  );
  api.openapi(
    apiRoute("billing:read", {
      method: "get",
      path: "/billing/subscription-history",
      tags,
      summary: "Every change of plan or subscription, newest first (kept 10 years)",
      request: { query: z.object(listQuery) },
      responses: { 200: json(listOf(HistoryEntry)) },
    }),
    async (c) => c.json(await listSubscriptionHistory(c.get("ctx"), c.req.valid("query")), 200),
  );
  api.openapi(
    apiRoute("billing:manage", {
      method: "put",
      path: "/billing/settings",
      tags,
      summary: "Behaviour over quota and the billing contact; audited",
      request: { body: jsonBody(Settings) },
      responses: { 200: json(Billing), 409: problem("The plan has no overage") },
    }),
    async (c) => {
      await updateBillingSettings(c.get("ctx"), c.req.valid("json"));
      return c.json(await billingOverview(c.get("ctx")), 200);
    },
  );
  api.openapi(
    apiRoute("billing:manage", {
      method: "post",
      path: "/billing/checkout-sessions",
      tags,
      summary:
        "A Stripe Checkout page to subscribe to a plan or change plan (409 billing-not-configured in local mode)",
      request: { body: jsonBody(z.object({ plan: z.enum(PLAN_IDS) }).strict()) },
      responses: {
        201: json(z.object({ id: z.string(), url: z.string() }), "Open `url` in the browser"),
        409: problem("Billing not configured, or already on this plan"),
      },
    }),
    async (c) => c.json(await createCheckoutSession(c.get("ctx"), c.req.valid("json").plan), 201),
  );
  api.openapi(
    apiRoute("billing:manage", {
      method: "post",
      path: "/billing/portal-sessions",
      tags,
      summary: "A Stripe Customer Portal page: payment methods, invoices, cancellation",
      responses: {
        201: json(z.object({ url: z.string() }), "Open `url` in the browser"),
        409: problem("Billing not configured, or no subscription yet"),
      },
    }),
    async (c) => c.json(await createPortalSession(c.get("ctx")), 201),
  );
}
