import { index, integer, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The tenant's review-sampling rule (C10 review queue): each week, up to `perAgent` analysed calls
 * of every agent are queued for human review, chosen by the enabled filters (critical fail, score
 * below `lowScoreBelow`, disputed, irritants; `random` fills what the filters leave), and spread
 * round-robin over `reviewers` (members' user ids). One rule per tenant. It lives in the control
 * plane so the weekly cron finds due rules with one indexed read (`nextRunAt`), as report schedules.
 */
export const reviewSamplingRules = sqliteTable(
  "review_sampling_rules",
  {
    tenantId: text("tenant_id").primaryKey(),
    perAgent: integer("per_agent").notNull(),
    /** Score (0–100) under which a call counts as "low"; null = filter off. */
    lowScoreBelow: real("low_score_below"),
    criticalFail: integer("critical_fail", { mode: "boolean" }).notNull(),
    irritants: integer("irritants", { mode: "boolean" }).notNull(),
    disputed: integer("disputed", { mode: "boolean" }).notNull(),
    random: integer("random", { mode: "boolean" }).notNull(),
    reviewers: text("reviewers", { mode: "json" }).$type<string[]>().notNull(),
    /** When the cron next samples the week that has just ended (Monday 00:00 in the tenant's zone). */
    nextRunAt: integer("next_run_at").notNull(),
    updatedBy: text("updated_by"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("review_sampling_next_idx").on(t.nextRunAt)],
);
export type ReviewSamplingRule = typeof reviewSamplingRules.$inferSelect;
