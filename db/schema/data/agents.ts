import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Agents directory (B4). Calls link to agents by id; imports find them by external id. */
export const agents = sqliteTable(
  "agents",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    externalId: text("external_id"),
    name: text("name").notNull(),
    team: text("team"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("agents_tenant_external_idx").on(t.tenantId, t.externalId),
    index("agents_tenant_team_idx").on(t.tenantId, t.team),
    index("agents_tenant_name_idx").on(t.tenantId, t.name, t.id),
  ],
);

export type Agent = typeof agents.$inferSelect;
