import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Billing (G1–G4, art. 3.5). Everything here is a billing record kept 10 years: tenant retention,
 * privacy erasure and the contract-end deletion never touch these tables. They hold Stripe ids,
 * amounts, minutes and the billing contact — never card data (only the brand and last four digits
 * as Stripe reports them) and never call ids (usage rows carry an opaque keyed hash).
 */

export const QUOTA_BEHAVIOURS = ["hold", "overage"] as const;
export type QuotaBehaviour = (typeof QUOTA_BEHAVIOURS)[number];

/** One row per tenant that has a plan other than the default, a Stripe customer, or a contact. */
export const billingAccounts = sqliteTable(
  "billing_accounts",
  {
    tenantId: text("tenant_id").primaryKey(),
    /** Plan id from core/billing/plans.ts. */
    plan: text("plan").notNull(),
    /** Who set the plan: the default, an operator (local mode, contracts) or a Stripe subscription. */
    planSource: text("plan_source", { enum: ["default", "operator", "stripe"] })
      .notNull()
      .default("default"),
    /** Over the included minutes: hold new calls, or allow overage billed by the meter. */
    overQuota: text("over_quota", { enum: QUOTA_BEHAVIOURS }).notNull().default("hold"),
    stripeCustomerId: text("stripe_customer_id"),
    subscriptionId: text("subscription_id"),
    subscriptionStatus: text("subscription_status"),
    /** The subscription's `created` (ms): a newer subscription replaces an older one, never the reverse. */
    subscriptionCreatedAt: integer("subscription_created_at"),
    cancelAtPeriodEnd: integer("cancel_at_period_end", { mode: "boolean" }).notNull().default(false),
    /** Current billing period (ms); null: calendar months (UTC). */
    periodStart: integer("period_start"),
    periodEnd: integer("period_end"),
    /** As Stripe reports them; never more. */
    cardBrand: text("card_brand"),
    cardLast4: text("card_last4"),
    contactName: text("contact_name"),
    contactEmail: text("contact_email"),
    contactAddress: text("contact_address"),
    /** Set when a call was held for quota; cleared once held calls resumed (the daily cron checks). */
    quotaHeldAt: integer("quota_held_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("billing_accounts_customer_idx").on(t.stripeCustomerId)],
);
export type BillingAccount = typeof billingAccounts.$inferSelect;

/** Every change of a tenant's plan or subscription, as rows (G2). */
export const subscriptionHistory = sqliteTable(
  "billing_subscription_history",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    source: text("source", { enum: ["operator", "stripe"] }).notNull(),
    plan: text("plan").notNull(),
    subscriptionId: text("subscription_id"),
    status: text("status"),
    cancelAtPeriodEnd: integer("cancel_at_period_end", { mode: "boolean" }).notNull().default(false),
    periodStart: integer("period_start"),
    periodEnd: integer("period_end"),
    /** The Stripe event that caused it (unique: a replayed event adds nothing), or the operator. */
    stripeEventId: text("stripe_event_id"),
    operatorId: text("operator_id"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("billing_subscription_history_tenant_idx").on(t.tenantId, t.createdAt),
    uniqueIndex("billing_subscription_history_event_idx").on(t.stripeEventId),
  ],
);
export type SubscriptionHistoryRow = typeof subscriptionHistory.$inferSelect;

/** Stripe invoices mirrored (G2). Amounts in the currency's minor unit, as Stripe gives them. */
export const invoices = sqliteTable(
  "billing_invoices",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    number: text("number"),
    status: text("status").notNull(),
    currency: text("currency").notNull(),
    total: integer("total").notNull(),
    amountDue: integer("amount_due").notNull(),
    amountPaid: integer("amount_paid").notNull(),
    periodStart: integer("period_start"),
    periodEnd: integer("period_end"),
    hostedInvoiceUrl: text("hosted_invoice_url"),
    invoicePdf: text("invoice_pdf"),
    subscriptionId: text("subscription_id"),
    /** The invoice's own `created` (ms). */
    createdAt: integer("created_at").notNull(),
    /** `created` of the Stripe event last applied (ms): older events do not roll the row back. */
    eventCreatedAt: integer("event_created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("billing_invoices_tenant_idx").on(t.tenantId, t.createdAt)],
);
export type Invoice = typeof invoices.$inferSelect;

/** Stripe webhook events seen (G2): each id is processed once. Purged after 90 days. */
export const stripeEvents = sqliteTable(
  "billing_stripe_events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    tenantId: text("tenant_id"),
    /** `created` of the event at Stripe (ms). */
    createdAt: integer("created_at").notNull(),
    receivedAt: integer("received_at").notNull(),
    /** Null until handled; a delivery that failed half-way is handled again. */
    processedAt: integer("processed_at"),
    outcome: text("outcome"),
  },
  (t) => [index("billing_stripe_events_received_idx").on(t.receivedAt)],
);

/**
 * Analysed minutes (G3), one row per analysed call — but the call is not named: `usageKey` is an
 * HMAC of (tenant, call) under the platform key, so a reprocess finds its row (not billed again)
 * while the 10-year ledger holds no call id (F1). The row id is the meter event's `identifier`.
 */
export const usageRecords = sqliteTable(
  "billing_usage",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    usageKey: text("usage_key").notNull(),
    seconds: integer("seconds").notNull(),
    /** Billed minutes: the transcript's duration rounded up to the minute (at least 1). */
    minutes: integer("minutes").notNull(),
    occurredAt: integer("occurred_at").notNull(),
    /** The billing period the minutes count in (ms). */
    periodStart: integer("period_start").notNull(),
    periodEnd: integer("period_end").notNull(),
    /** pending → sent (Stripe meter event recorded); local: no Stripe subscription; failed: refused. */
    meterStatus: text("meter_status", { enum: ["pending", "sent", "local", "failed"] }).notNull(),
    meterError: text("meter_error"),
    meterSentAt: integer("meter_sent_at"),
  },
  (t) => [
    uniqueIndex("billing_usage_key_idx").on(t.usageKey),
    index("billing_usage_tenant_period_idx").on(t.tenantId, t.periodStart),
  ],
);
export type UsageRecord = typeof usageRecords.$inferSelect;
