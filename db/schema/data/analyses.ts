import { sql } from "drizzle-orm";
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Rubrics (référentiels, C4): the tenant's quality grids. Versions are immutable once used. */
export const rubrics = sqliteTable(
  "rubrics",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    name: text("name").notNull(),
    /** Template it was created from, if any. */
    templateId: text("template_id"),
    isDefault: integer("is_default", { mode: "boolean" }).notNull().default(false),
    latestVersion: integer("latest_version").notNull(),
    archivedAt: integer("archived_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("rubrics_tenant_idx").on(t.tenantId, t.name),
    // One default per tenant, enforced by the database: parallel first analyses (or imports) that
    // each try to create the default grid insert-or-ignore against this index, so one row wins.
    uniqueIndex("rubrics_one_default_idx").on(t.tenantId).where(sql`is_default = 1`),
  ],
);

export const rubricVersions = sqliteTable(
  "rubric_versions",
  {
    rubricId: text("rubric_id").notNull(),
    tenantId: text("tenant_id").notNull(),
    version: integer("version").notNull(),
    /** JSON of RubricGrid (sections, criteria with per-language wording, passThreshold); see core/scoring/rubric-model.ts. */
    content: text("content", { mode: "json" }).notNull(),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("rubric_versions_pk").on(t.rubricId, t.version)],
);

/**
 * One analysis of a call against one rubric version. The full result (criteria with evidence,
 * irritants, categories, metrics, summary) is a JSON object in R2; D1 keeps what lists and
 * dashboards filter and aggregate. `runId` makes a queue message delivered twice produce one row.
 */
export const analyses = sqliteTable(
  "analyses",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    callId: text("call_id").notNull(),
    runId: text("run_id").notNull(),
    rubricId: text("rubric_id").notNull(),
    rubricVersion: integer("rubric_version").notNull(),
    engine: text("engine").notNull(),
    language: text("language"),
    score: real("score"),
    evaluatedWeightPct: real("evaluated_weight_pct").notNull(),
    passed: integer("passed", { mode: "boolean" }),
    criticalFail: integer("critical_fail", { mode: "boolean" }).notNull(),
    needsReview: integer("needs_review", { mode: "boolean" }).notNull(),
    resultKey: text("result_key").notNull(),
    inputTokens: integer("input_tokens"),
    outputTokens: integer("output_tokens"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("analyses_call_run_idx").on(t.callId, t.runId),
    index("analyses_tenant_call_idx").on(t.tenantId, t.callId, t.createdAt),
  ],
);

/** Irritants and categories of a call's current analysis, one row each, for filters (B6) and KPIs. */
export const callLabels = sqliteTable(
  "call_labels",
  {
    tenantId: text("tenant_id").notNull(),
    callId: text("call_id").notNull(),
    /** "irritant" | "category" */
    kind: text("kind", { enum: ["irritant", "category"] }).notNull(),
    label: text("label").notNull(),
    /** severity for irritants (1 low, 2 medium, 3 high), confidence × 100 for categories */
    weight: integer("weight").notNull(),
    startedAt: integer("started_at").notNull(),
  },
  (t) => [
    uniqueIndex("call_labels_pk").on(t.callId, t.kind, t.label),
    index("call_labels_filter_idx").on(t.tenantId, t.kind, t.label, t.startedAt),
  ],
);

export type Rubric = typeof rubrics.$inferSelect;
export type Analysis = typeof analyses.$inferSelect;
