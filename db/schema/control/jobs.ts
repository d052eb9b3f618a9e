import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Durable multi-step jobs (SPEC "Shape"): retention purge runs, location migrations, exports,
 * contract end, statistics builds. A job is advanced by `ccr-jobs` queue messages that carry only
 * its id; each step reads `progress`, does one bounded chunk, writes `progress` back and enqueues
 * the next step. A message delivered twice or a run killed part way re-reads `progress` and
 * continues: steps are idempotent. `dedupeKey` makes the cron's "start today's run" a no-op when
 * it already exists.
 */
export const JOB_KINDS = [
  "retention_purge",
  "location_migration",
  "tenant_export",
  "contract_end",
  "stats_build",
  "privacy_export",
  /** Privacy request execution in chunks: erasure of a subject's calls, resume after a lift. */
  "privacy_execution",
  /** Restore of a tenant backup (I7) into an empty tenant. */
  "tenant_restore",
  /** Bulk import of calls (B2): NDJSON or ZIP from R2, scanned then created in chunks. */
  "call_import",
] as const;
export type JobKind = (typeof JOB_KINDS)[number];
export const JOB_STATUSES = ["queued", "running", "done", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const jobs = sqliteTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    /** Null for platform jobs (statistics). */
    tenantId: text("tenant_id"),
    kind: text("kind", { enum: JOB_KINDS }).notNull(),
    dedupeKey: text("dedupe_key"),
    status: text("status", { enum: JOB_STATUSES }).notNull(),
    /** What was asked (JSON, ids and options only). */
    params: text("params", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    /** Where the job is and what it has done (JSON): phase, cursors, counts. */
    progress: text("progress", { mode: "json" }).$type<Record<string, unknown>>().notNull().default({}),
    /** Outcome (JSON): report counts, export keys, certificate key. */
    result: text("result", { mode: "json" }).$type<Record<string, unknown>>(),
    error: text("error"),
    /** Steps run so far (each queue message that did work). */
    steps: integer("steps").notNull().default(0),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [
    uniqueIndex("jobs_dedupe_idx").on(t.dedupeKey),
    index("jobs_tenant_kind_idx").on(t.tenantId, t.kind, t.createdAt),
    index("jobs_status_idx").on(t.status, t.updatedAt),
  ],
);
export type Job = typeof jobs.$inferSelect;

/**
 * Anonymised cross-tenant statistics (F6): numeric aggregates only, published for a group only
 * when at least 5 tenants and 100 calls contribute. No tenant id, no text.
 */
export const platformStats = sqliteTable(
  "platform_stats",
  {
    /** e.g. "2026-10" (calendar month, UTC). */
    period: text("period").notNull(),
    /** Grouping: "all", "language", "category"… */
    dimension: text("dimension").notNull(),
    /** The group within the dimension ("all", "fr", "billing"…). */
    bucket: text("bucket").notNull(),
    /** avg_score, pass_rate, avg_duration_s, silence_pct, … */
    metric: text("metric").notNull(),
    tenants: integer("tenants").notNull(),
    calls: integer("calls").notNull(),
    p25: real("p25"),
    median: real("median").notNull(),
    p75: real("p75"),
    builtAt: integer("built_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.period, t.dimension, t.bucket, t.metric] })],
);

/** Per-tenant numeric contributions of one statistics build; deleted when the build publishes. */
export const statsContributions = sqliteTable(
  "stats_contributions",
  {
    jobId: text("job_id").notNull(),
    tenantId: text("tenant_id").notNull(),
    payload: text("payload", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.tenantId] })],
);
