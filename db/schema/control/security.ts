import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Single sign-on (A8): one OpenID Connect issuer per tenant, for an e-mail domain the tenant has
 * proven it holds (a DNS TXT record). The client secret is AES-GCM encrypted.
 */
export const SSO_PROVIDERS = ["google", "microsoft", "oidc"] as const;
export const ssoConfigs = sqliteTable(
  "sso_configs",
  {
    tenantId: text("tenant_id").primaryKey(),
    provider: text("provider", { enum: SSO_PROVIDERS }).notNull(),
    issuer: text("issuer").notNull(),
    clientId: text("client_id").notNull(),
    clientSecretEnc: text("client_secret_enc"),
    /** Lower-cased e-mail domain whose users sign in here. Unique once verified. */
    domain: text("domain").notNull(),
    /** The value expected in a TXT record at `_ccr-verify.<domain>`. */
    verificationToken: text("verification_token").notNull(),
    domainVerifiedAt: integer("domain_verified_at"),
    defaultRole: text("default_role", { enum: ["admin", "supervisor", "agent", "viewer"] })
      .notNull()
      .default("viewer"),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("sso_configs_domain_idx").on(t.domain)],
);
export type SsoConfig = typeof ssoConfigs.$inferSelect;

/** One sign-in attempt: state (hashed), PKCE verifier, nonce. Single use, 10 minutes. */
export const ssoStates = sqliteTable("sso_states", {
  stateHash: text("state_hash").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  codeVerifier: text("code_verifier").notNull(),
  nonce: text("nonce").notNull(),
  next: text("next").notNull().default("/"),
  expiresAt: integer("expires_at").notNull(),
  usedAt: integer("used_at"),
  createdAt: integer("created_at").notNull(),
});

/**
 * Breach register (I9, GDPR art. 33–34): what happened, when, which data, how many people, the
 * likely consequences, the measures, who to contact — and which tenants were told, when.
 */
export const breaches = sqliteTable("breaches", {
  id: text("id").primaryKey(),
  title: text("title").notNull(),
  /** Nature of the breach (art. 33(3)(a)). */
  description: text("description").notNull(),
  occurredAt: integer("occurred_at").notNull(),
  discoveredAt: integer("discovered_at").notNull(),
  dataCategories: text("data_categories").notNull(),
  /** Approximate numbers of people and records concerned (art. 33(3)(a)). */
  approxSubjects: integer("approx_subjects"),
  approxRecords: integer("approx_records"),
  /** Likely consequences (art. 33(3)(c)). */
  consequences: text("consequences").notNull(),
  /** Measures taken or proposed (art. 33(3)(d)). */
  measures: text("measures").notNull(),
  /** Contact point for more information (art. 33(3)(b)). */
  contact: text("contact").notNull(),
  status: text("status", { enum: ["open", "contained", "closed"] })
    .notNull()
    .default("open"),
  createdBy: text("created_by").notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
export type Breach = typeof breaches.$inferSelect;

export const breachNotifications = sqliteTable(
  "breach_notifications",
  {
    id: text("id").primaryKey(),
    breachId: text("breach_id").notNull(),
    tenantId: text("tenant_id").notNull(),
    /** How many admins were mailed, and when the mails were written to the outbox. */
    recipients: integer("recipients").notNull(),
    notifiedAt: integer("notified_at").notNull(),
  },
  (t) => [
    uniqueIndex("breach_notifications_idx").on(t.breachId, t.tenantId),
    index("breach_notifications_tenant_idx").on(t.tenantId, t.notifiedAt),
  ],
);
export type BreachNotification = typeof breachNotifications.$inferSelect;

/**
 * Abuse detection (I5). Thresholds per tenant (null: the platform default), events counted in a
 * sliding window, and the alerts raised (one per kind and window).
 */
export const ABUSE_KINDS = [
  "mass_export",
  "mass_deletion",
  "failed_logins",
  "new_network",
  /** Platform-wide (no tenant): many failed API-key authentications from one address. */
  "key_failures",
] as const;
export type AbuseKind = (typeof ABUSE_KINDS)[number];

export const abuseSettings = sqliteTable("abuse_settings", {
  tenantId: text("tenant_id").primaryKey(),
  /** `{ mass_export, mass_deletion, failed_logins }`: counts per window. */
  thresholds: text("thresholds", { mode: "json" }).$type<Partial<Record<AbuseKind, number>>>().notNull(),
  windowMinutes: integer("window_minutes").notNull().default(60),
  updatedAt: integer("updated_at").notNull(),
});

export const abuseEvents = sqliteTable(
  "abuse_events",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    kind: text("kind", { enum: ABUSE_KINDS }).notNull(),
    count: integer("count").notNull().default(1),
    at: integer("at").notNull(),
  },
  (t) => [index("abuse_events_idx").on(t.tenantId, t.kind, t.at)],
);

export const securityAlerts = sqliteTable(
  "security_alerts",
  {
    id: text("id").primaryKey(),
    /** Null for a platform alert (`key_failures`): seen by operators only. */
    tenantId: text("tenant_id"),
    kind: text("kind", { enum: ABUSE_KINDS }).notNull(),
    /** One alert per tenant, kind and window (or key and network). */
    dedupeKey: text("dedupe_key").notNull(),
    /** Counts and ids only. */
    detail: text("detail", { mode: "json" }).$type<Record<string, string | number>>().notNull(),
    createdAt: integer("created_at").notNull(),
    acknowledgedAt: integer("acknowledged_at"),
  },
  (t) => [
    uniqueIndex("security_alerts_dedupe_idx").on(t.dedupeKey),
    index("security_alerts_tenant_idx").on(t.tenantId, t.createdAt),
  ],
);
export type SecurityAlert = typeof securityAlerts.$inferSelect;

/** Networks (IPv4 /24, IPv6 /48) an API key has been used from. */
export const apiKeyNetworks = sqliteTable(
  "api_key_networks",
  {
    keyId: text("key_id").notNull(),
    network: text("network").notNull(),
    tenantId: text("tenant_id").notNull(),
    firstSeenAt: integer("first_seen_at").notNull(),
  },
  (t) => [uniqueIndex("api_key_networks_idx").on(t.keyId, t.network)],
);
