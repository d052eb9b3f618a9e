import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Scheduled report e-mails (D5): a period report sent through the outbox. */
export const reportSchedules = sqliteTable(
  "report_schedules",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    frequency: text("frequency", { enum: ["weekly", "monthly"] }).notNull(),
    /** Recipients: members' user ids (their address is read when sending). */
    recipients: text("recipients", { mode: "json" }).$type<string[]>().notNull(),
    /** Filters of the report: team, agentId, queue. */
    filters: text("filters", { mode: "json" }).$type<Record<string, string>>().notNull().default({}),
    nextRunAt: integer("next_run_at").notNull(),
    lastSentAt: integer("last_sent_at"),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("report_schedules_next_idx").on(t.nextRunAt),
    index("report_schedules_tenant_idx").on(t.tenantId),
  ],
);
