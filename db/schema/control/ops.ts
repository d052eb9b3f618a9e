import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Dead letters (H2, I8): messages that failed every retry, kept so operators can see them and
 * replay them from the console. Bodies are queue messages: ids only, never personal data.
 */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    /** The dead-letter queue it arrived on. */
    queue: text("queue").notNull(),
    body: text("body", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    attempts: integer("attempts").notNull(),
    createdAt: integer("created_at").notNull(),
    replayedAt: integer("replayed_at"),
    replayedBy: text("replayed_by"),
  },
  (t) => [index("dead_letters_created_idx").on(t.replayedAt, t.createdAt)],
);
export type DeadLetter = typeof deadLetters.$inferSelect;
