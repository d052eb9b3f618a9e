import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Append-only audit log (I2), hash-chained per chain (`t:<tenantId>` or `platform`):
 * hash = SHA-256(prevHash + canonical entry). The last hash of each day is also written to R2
 * (`audit-heads/<chain>/<day>.json`) so whole expired days can be purged and the remaining
 * days still verify from that head.
 */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: text("id").primaryKey(),
    chain: text("chain").notNull(),
    seq: integer("seq").notNull(),
    day: text("day").notNull(),
    ts: integer("ts").notNull(),
    tenantId: text("tenant_id"),
    actorType: text("actor_type", { enum: ["user", "operator", "api_key", "system"] }).notNull(),
    actorId: text("actor_id"),
    action: text("action").notNull(),
    targetType: text("target_type"),
    targetId: text("target_id"),
    ip: text("ip"),
    userAgent: text("user_agent"),
    result: text("result", { enum: ["success", "failure", "denied"] }).notNull(),
    /** Small JSON object; never secrets nor transcript text. */
    meta: text("meta"),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    uniqueIndex("audit_chain_seq_idx").on(t.chain, t.seq),
    index("audit_tenant_ts_idx").on(t.tenantId, t.ts),
    index("audit_day_chain_idx").on(t.day, t.chain),
  ],
);

/**
 * Reads waiting for the audit log (core/platform/audit-reads.ts): one row per actor, action, period and
 * object read, counted. API reads (transcripts, analyses) are flushed into the chain once their
 * hour has ended, one entry per actor, action and hour with the count and the ids; call-page views
 * (period = the UTC day) only mark "already audited today" and are dropped once the day is over.
 */
export const auditReads = sqliteTable(
  "audit_reads",
  {
    tenantId: text("tenant_id").notNull(),
    actorType: text("actor_type", { enum: ["user", "operator", "api_key", "system"] }).notNull(),
    actorId: text("actor_id").notNull(),
    action: text("action").notNull(),
    /** Start of the hour (API reads) or of the UTC day (page views), epoch ms. */
    period: integer("period").notNull(),
    targetId: text("target_id").notNull(),
    count: integer("count").notNull(),
    /** Of the first read in the period. */
    ip: text("ip"),
    userAgent: text("user_agent"),
    firstAt: integer("first_at").notNull(),
    lastAt: integer("last_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.actorType, t.actorId, t.action, t.period, t.targetId] }),
    index("audit_reads_period_idx").on(t.period),
  ],
);

/** Connection log (A7): logins, failures, logouts, API key use — with IP and user agent. */
export const connectionLog = sqliteTable(
  "connection_log",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id"),
    subjectType: text("subject_type", { enum: ["user", "operator", "api_key", "unknown"] }).notNull(),
    subjectId: text("subject_id"),
    event: text("event").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    ts: integer("ts").notNull(),
  },
  (t) => [
    index("connection_tenant_ts_idx").on(t.tenantId, t.ts),
    index("connection_subject_idx").on(t.subjectType, t.subjectId),
  ],
);

/** Every mail the platform sends, stored first (the local outbox), then handed to the provider. */
export const mailOutbox = sqliteTable(
  "mail_outbox",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id"),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    text: text("text").notNull(),
    html: text("html"),
    kind: text("kind").notNull(),
    locale: text("locale").notNull(),
    status: text("status", { enum: ["queued", "sent", "stored", "failed"] }).notNull(),
    providerMessageId: text("provider_message_id"),
    error: text("error"),
    createdAt: integer("created_at").notNull(),
    sentAt: integer("sent_at"),
  },
  (t) => [index("mail_to_idx").on(t.to, t.createdAt), index("mail_tenant_idx").on(t.tenantId, t.createdAt)],
);

/** Stored responses for `Idempotency-Key` on POST (E3); kept 24 h. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    tenantId: text("tenant_id").notNull(),
    key: text("key").notNull(),
    method: text("method").notNull(),
    path: text("path").notNull(),
    requestHash: text("request_hash").notNull(),
    status: integer("status"),
    body: text("body"),
    contentType: text("content_type"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("idem_pk").on(t.tenantId, t.key)],
);
