import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Privacy policy versions (F4). Operators publish them; the current one is the latest whose
 * `effective_at` has passed. Rows are never edited or deleted: the history is the table.
 */
export const policyVersions = sqliteTable(
  "policy_versions",
  {
    id: text("id").primaryKey(),
    /** Human label, e.g. "2026-11" or "3.1". */
    version: text("version").notNull(),
    effectiveAt: integer("effective_at").notNull(),
    /** A substantial change mails every tenant owner/admin and asks them to acknowledge it. */
    substantial: integer("substantial", { mode: "boolean" }).notNull().default(false),
    /** Plain text (paragraphs separated by blank lines), written by operators. */
    bodyFr: text("body_fr").notNull(),
    bodyEn: text("body_en").notNull(),
    /** Operator id. */
    publishedBy: text("published_by").notNull(),
    publishedAt: integer("published_at").notNull(),
  },
  (t) => [index("policy_versions_effective_idx").on(t.effectiveAt)],
);

/** A user's acknowledgement of one version (once per user and version). */
export const policyAcceptances = sqliteTable(
  "policy_acceptances",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    userId: text("user_id").notNull(),
    versionId: text("version_id").notNull(),
    acceptedAt: integer("accepted_at").notNull(),
  },
  (t) => [
    uniqueIndex("policy_acceptances_user_version_idx").on(t.userId, t.versionId),
    index("policy_acceptances_tenant_idx").on(t.tenantId),
  ],
);

export const SUBPROCESSOR_PROVIDERS = [
  "deepgram",
  "openai",
  "assemblyai",
  "anthropic",
  "brevo",
  "cloudflare",
  "stripe",
] as const;
export type SubprocessorProvider = (typeof SUBPROCESSOR_PROVIDERS)[number];

/**
 * The public sub-processor registry (F5). An entry whose `effective_at` is in the future is
 * "upcoming": announced, open to objections, not yet applied.
 */
export const subprocessors = sqliteTable(
  "subprocessors",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    purposeFr: text("purpose_fr").notNull(),
    purposeEn: text("purpose_en").notNull(),
    /** Comma-separated data categories, e.g. "audio,transcripts". */
    dataCategories: text("data_categories").notNull(),
    /** Where it processes, e.g. "EU (Frankfurt)", "US". */
    location: text("location").notNull(),
    /** "EU" (no transfer), "SCC", "DPF"… */
    transferMechanism: text("transfer_mechanism").notNull(),
    /** Ties the entry to a provider the tenant may choose; null = applies to every tenant. */
    providerKey: text("provider_key", { enum: SUBPROCESSOR_PROVIDERS }),
    announcedAt: integer("announced_at").notNull(),
    effectiveAt: integer("effective_at").notNull(),
  },
  (t) => [index("subprocessors_effective_idx").on(t.effectiveAt)],
);

/** A tenant's objection to a sub-processor (GDPR art. 28(2)); an operator resolves it. */
export const subprocessorObjections = sqliteTable(
  "subprocessor_objections",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    subprocessorId: text("subprocessor_id").notNull(),
    reason: text("reason").notNull(),
    status: text("status", { enum: ["open", "resolved"] })
      .notNull()
      .default("open"),
    resolution: text("resolution"),
    createdAt: integer("created_at").notNull(),
    resolvedAt: integer("resolved_at"),
  },
  (t) => [
    index("subprocessor_objections_tenant_idx").on(t.tenantId, t.subprocessorId),
    index("subprocessor_objections_status_idx").on(t.status),
  ],
);

export type PolicyVersion = typeof policyVersions.$inferSelect;
export type Subprocessor = typeof subprocessors.$inferSelect;
export type SubprocessorObjection = typeof subprocessorObjections.$inferSelect;
