import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Which tenants this data-plane shard hosts (written when a tenant is provisioned or moved here). */
export const tenantMeta = sqliteTable("tenant_meta", {
  tenantId: text("tenant_id").primaryKey(),
  location: text("location").notNull(),
  createdAt: integer("created_at").notNull(),
});
