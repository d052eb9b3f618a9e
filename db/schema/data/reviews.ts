import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const REVIEW_STATUSES = ["draft", "final", "disputed", "resolved"] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/** A human criterion answer beside the AI's (C10): the AI answer is kept in the analysis. */
export interface ReviewOverride {
  result: "pass" | "fail" | "na";
  /** 1–5 for scale criteria. */
  score?: number | null;
  comment: string;
}

/**
 * A supervisor's review of a call's analysis (C10): one per reviewer and call (several reviewers
 * on one call = calibration). draft → final → (agent) disputed → resolved. `version` guards
 * concurrent edits (a stale write answers 409).
 */
export const reviews = sqliteTable(
  "reviews",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    callId: text("call_id").notNull(),
    /** The analysis reviewed (its criteria are the AI's answers). */
    analysisId: text("analysis_id").notNull(),
    reviewerId: text("reviewer_id").notNull(),
    status: text("status", { enum: REVIEW_STATUSES }).notNull(),
    overrides: text("overrides", { mode: "json" })
      .$type<Record<string, ReviewOverride>>()
      .notNull()
      .default({}),
    comment: text("comment"),
    /** The AI's answer per criterion when the review began (agreement, C10), e.g. {"greeting":"pass"}. */
    aiResults: text("ai_results", { mode: "json" }).$type<Record<string, string>>().notNull().default({}),
    /** The call's score with the overrides applied (same rule as the engine). */
    score: real("score"),
    passed: integer("passed", { mode: "boolean" }),
    version: integer("version").notNull().default(1),
    finalizedAt: integer("finalized_at"),
    disputedAt: integer("disputed_at"),
    disputedBy: text("disputed_by"),
    disputeReason: text("dispute_reason"),
    resolvedAt: integer("resolved_at"),
    resolvedBy: text("resolved_by"),
    resolution: text("resolution"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("reviews_call_reviewer_idx").on(t.callId, t.reviewerId),
    index("reviews_tenant_status_idx").on(t.tenantId, t.status, t.updatedAt),
  ],
);
export type Review = typeof reviews.$inferSelect;

export const QUEUE_REASONS = ["critical_fail", "low_score", "disputed", "irritants", "random"] as const;
export type QueueReason = (typeof QUEUE_REASONS)[number];

/**
 * Calls sampled for human review (the review queue), each assigned to one reviewer. A call is
 * queued at most once, whatever runs the sampling and how often: the unique (tenant, call) index
 * decides, and the sampling inserts with "on conflict do nothing". Whether an item is done is not
 * stored: it is read from the reviewer's review of the call (`reviews`, final or later), so the
 * queue can never disagree with the review flow. `week` is the Monday (YYYY-MM-DD, the tenant's
 * time zone) of the week the call started in.
 */
export const reviewQueue = sqliteTable(
  "review_queue",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    week: text("week").notNull(),
    callId: text("call_id").notNull(),
    agentId: text("agent_id").notNull(),
    reviewerId: text("reviewer_id").notNull(),
    reason: text("reason", { enum: QUEUE_REASONS }).notNull(),
    assignedAt: integer("assigned_at").notNull(),
  },
  (t) => [
    uniqueIndex("review_queue_call_idx").on(t.tenantId, t.callId),
    index("review_queue_reviewer_idx").on(t.tenantId, t.reviewerId, t.week, t.id),
    index("review_queue_week_idx").on(t.tenantId, t.week, t.agentId),
  ],
);
export type ReviewQueueItem = typeof reviewQueue.$inferSelect;

/**
 * Tables holding rows per call about its review (reviews with their overrides, dispute and
 * resolution; the queue item): deleted with the call (deletion, retention, erasure). The reviewed
 * score lives on the call row, so nothing outlives the call.
 */
export const REVIEW_TABLES = ["reviews", "review_queue"] as const;

/**
 * Daily KPI rollups (D1, P5) per tenant and day (the tenant's time zone), for one dimension:
 * `all` (value ""), `team`, `agent`, `queue` or `category`. Rebuilt for a (tenant, day) whenever
 * a call of that day changes (see core/insights/kpis.ts); dashboards sum a few hundred rows at most.
 */
export const kpiDaily = sqliteTable(
  "kpi_daily",
  {
    tenantId: text("tenant_id").notNull(),
    dim: text("dim").notNull(),
    value: text("value").notNull(),
    day: text("day").notNull(),
    calls: integer("calls").notNull(),
    analysed: integer("analysed").notNull(),
    scoreSum: real("score_sum").notNull(),
    scoreN: integer("score_n").notNull(),
    passedN: integer("passed_n").notNull(),
    passN: integer("pass_n").notNull(),
    critical: integer("critical").notNull(),
    durationSum: real("duration_sum").notNull(),
    durationN: integer("duration_n").notNull(),
    silenceSum: real("silence_sum").notNull(),
    silenceN: integer("silence_n").notNull(),
    sentimentSum: real("sentiment_sum").notNull(),
    sentimentN: integer("sentiment_n").notNull(),
    reviewedSum: real("reviewed_sum").notNull(),
    reviewedN: integer("reviewed_n").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.dim, t.value, t.day] })],
);

/** Irritant and category counts per (tenant, dimension, day): the dashboard's top lists. */
export const kpiDailyLabels = sqliteTable(
  "kpi_daily_labels",
  {
    tenantId: text("tenant_id").notNull(),
    dim: text("dim").notNull(),
    value: text("value").notNull(),
    day: text("day").notNull(),
    kind: text("kind").notNull(),
    label: text("label").notNull(),
    n: integer("n").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.dim, t.value, t.day, t.kind, t.label] })],
);

/** Days whose rollups must be rebuilt (a call of that day was analysed, reviewed or deleted). */
export const kpiDirty = sqliteTable(
  "kpi_dirty",
  {
    tenantId: text("tenant_id").notNull(),
    day: text("day").notNull(),
    markedAt: integer("marked_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.day] })],
);
