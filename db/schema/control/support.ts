import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Support (H1): tickets opened by tenant users (portal or API), a thread of messages, an
 * operator queue. Messages are written by people for people; they live in the control plane
 * with the ticket. Attachments are files and live in the tenant's location (data plane:
 * `support_attachments` and the tenant's bucket).
 */
export const TICKET_STATUSES = ["open", "waiting_on_customer", "resolved", "closed"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const TICKET_PRIORITIES = ["low", "normal", "high", "urgent"] as const;

export const supportTickets = sqliteTable(
  "support_tickets",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    subject: text("subject").notNull(),
    status: text("status", { enum: TICKET_STATUSES }).notNull().default("open"),
    priority: text("priority", { enum: TICKET_PRIORITIES }).notNull().default("normal"),
    /** The user or API key that opened it. */
    createdByType: text("created_by_type", { enum: ["user", "api_key"] }).notNull(),
    createdBy: text("created_by").notNull(),
    assignedOperatorId: text("assigned_operator_id"),
    lastMessageAt: integer("last_message_at").notNull(),
    /** Who spoke last: the queue shows tickets waiting for an operator first. */
    lastAuthorType: text("last_author_type", { enum: ["user", "api_key", "operator"] }).notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("support_tickets_tenant_idx").on(t.tenantId, t.createdAt, t.id),
    index("support_tickets_queue_idx").on(t.status, t.lastMessageAt),
  ],
);
export type SupportTicket = typeof supportTickets.$inferSelect;

export const supportMessages = sqliteTable(
  "support_messages",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    ticketId: text("ticket_id").notNull(),
    authorType: text("author_type", { enum: ["user", "api_key", "operator"] }).notNull(),
    authorId: text("author_id").notNull(),
    /** Display name at the time of writing (an operator's name, a user's name or e-mail). */
    authorName: text("author_name").notNull(),
    body: text("body").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("support_messages_ticket_idx").on(t.ticketId, t.createdAt)],
);
export type SupportMessage = typeof supportMessages.$inferSelect;

/**
 * Support access (H2): a tenant admin lets operators read call content for one ticket —
 * time-boxed (`expiresAt`), scoped (every call, or listed calls), revocable. Operators reach
 * call content only through a grant that is active now; every read is logged in
 * `support_access_log` and the tenant's audit chain.
 */
export const supportGrants = sqliteTable(
  "support_grants",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    ticketId: text("ticket_id").notNull(),
    scope: text("scope", { enum: ["all_calls", "listed_calls"] }).notNull(),
    /** For `listed_calls`: the call ids (at most 50). */
    callIds: text("call_ids", { mode: "json" }).$type<string[]>().notNull().default([]),
    /** Transcripts and analyses are always included; recordings only when asked. */
    includeRecordings: integer("include_recordings", { mode: "boolean" }).notNull().default(false),
    grantedBy: text("granted_by").notNull(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
    revokedBy: text("revoked_by"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("support_grants_ticket_idx").on(t.ticketId, t.expiresAt),
    index("support_grants_tenant_idx").on(t.tenantId, t.createdAt),
  ],
);
export type SupportGrant = typeof supportGrants.$inferSelect;

export const supportAccessLog = sqliteTable(
  "support_access_log",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    grantId: text("grant_id").notNull(),
    ticketId: text("ticket_id").notNull(),
    operatorId: text("operator_id").notNull(),
    operatorName: text("operator_name").notNull(),
    callId: text("call_id"),
    /** What was read: the call list, a call (metadata + analysis), its transcript, its recording. */
    what: text("what", { enum: ["call_list", "call", "transcript", "recording"] }).notNull(),
    at: integer("at").notNull(),
  },
  (t) => [
    index("support_access_log_grant_idx").on(t.grantId, t.at),
    index("support_access_log_tenant_idx").on(t.tenantId, t.at),
  ],
);
export type SupportAccess = typeof supportAccessLog.$inferSelect;
