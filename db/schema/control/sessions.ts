import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Sessions in the Lucia design: the cookie holds `<id>.<secret>`; only SHA-256(secret) is stored
 * and compared in constant time. One table for both realms; a session of one realm never
 * authenticates the other.
 */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    secretHash: text("secret_hash").notNull(),
    realm: text("realm", { enum: ["user", "operator"] }).notNull(),
    subjectId: text("subject_id").notNull(),
    /** Active tenant of a user session. */
    tenantId: text("tenant_id"),
    /** Password checked, second factor still due: the session grants nothing but the TOTP step. */
    mfaPending: integer("mfa_pending", { mode: "boolean" }).notNull().default(false),
    /**
     * Opened through single sign-on: the session ends at this time unless the identity provider
     * vouches for the person again before (the SSO re-check cron pushes it on). Null otherwise.
     */
    ssoConfirmBy: integer("sso_confirm_by"),
    createdAt: integer("created_at").notNull(),
    lastActivityAt: integer("last_activity_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    browser: text("browser"),
    os: text("os"),
  },
  (t) => [
    index("sessions_subject_idx").on(t.realm, t.subjectId),
    index("sessions_expires_idx").on(t.expiresAt),
  ],
);

export type Session = typeof sessions.$inferSelect;
