import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * In-app notices (issue 16): what the portal promised to tell a person — a review of their call
 * finalised, a dispute to look at, a long job ended. Ids and a link only, never call content.
 */
export const notices = sqliteTable(
  "notices",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    userId: text("user_id").notNull(),
    kind: text("kind", { enum: ["review_final", "review_disputed", "job_done", "job_failed"] }).notNull(),
    /** Values for the notice's sentence (`notice.<kind>`): ids, a job kind. */
    params: text("params", { mode: "json" }).$type<Record<string, string>>().notNull(),
    /** A portal path, e.g. /calls/cal_…; mails carry it as an absolute URL. */
    link: text("link").notNull(),
    createdAt: integer("created_at").notNull(),
    readAt: integer("read_at"),
  },
  (t) => [index("notices_user_idx").on(t.userId, t.tenantId, t.createdAt)],
);

export type Notice = typeof notices.$inferSelect;
