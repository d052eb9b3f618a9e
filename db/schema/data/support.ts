import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Attachments of support messages (H1). A file may hold anything the tenant's user chose to send
 * (a screenshot, an export), so it is stored in the tenant's location: this row in the tenant's
 * data plane, the bytes in its bucket under `t/<tenant>/support/<ticket>/<id>`.
 */
export const supportAttachments = sqliteTable(
  "support_attachments",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    ticketId: text("ticket_id").notNull(),
    messageId: text("message_id").notNull(),
    fileName: text("file_name").notNull(),
    contentType: text("content_type").notNull(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    objectKey: text("object_key").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("support_attachments_ticket_idx").on(t.tenantId, t.ticketId)],
);
export type SupportAttachment = typeof supportAttachments.$inferSelect;
