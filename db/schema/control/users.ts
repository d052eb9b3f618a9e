import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { tenants } from "./tenants";

/** A person who signs in to the portal (art. 3.1 account data). CCR is controller here. */
export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    /** Lower-cased; unique across the platform. */
    email: text("email").notNull(),
    emailVerifiedAt: integer("email_verified_at"),
    /** Self-describing hash string (algorithm and parameters inside), or null (SSO/invited). */
    passwordHash: text("password_hash"),
    firstName: text("first_name").notNull().default(""),
    lastName: text("last_name").notNull().default(""),
    phone: text("phone"),
    company: text("company"),
    jobTitle: text("job_title"),
    locale: text("locale", { enum: ["fr", "en"] }),
    /** AES-GCM encrypted TOTP secret; set while enrolling, active once totpEnabledAt is set. */
    totpSecretEnc: text("totp_secret_enc"),
    totpEnabledAt: integer("totp_enabled_at"),
    /** Last accepted TOTP time step: a code is accepted once (RFC 6238 §5.2). */
    totpLastStep: integer("totp_last_step"),
    disabledAt: integer("disabled_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("users_email_idx").on(t.email)],
);

export const memberships = sqliteTable(
  "memberships",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    role: text("role", { enum: ["owner", "admin", "supervisor", "agent", "viewer"] }).notNull(),
    /** For role "agent": the agent id in the data plane whose calls this user may see. */
    agentId: text("agent_id"),
    /**
     * Single sign-on identity (A8): the issuer's `iss` and `sub`, bound at the first SSO sign-in
     * and the only way SSO finds this member afterwards. Gone with the membership.
     */
    ssoIssuer: text("sso_issuer"),
    ssoSubject: text("sso_subject"),
    /** The issuer's refresh token (AES-GCM, AAD `sso-rt:<membership id>`), when it gave one. */
    ssoRefreshTokenEnc: text("sso_refresh_token_enc"),
    /** Last time the issuer vouched for the person: an SSO sign-in or a successful refresh. */
    ssoConfirmedAt: integer("sso_confirmed_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("memberships_tenant_user_idx").on(t.tenantId, t.userId),
    index("memberships_user_idx").on(t.userId),
    uniqueIndex("memberships_sso_identity_idx").on(t.tenantId, t.ssoIssuer, t.ssoSubject),
  ],
);

export const invitations = sqliteTable(
  "invitations",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    email: text("email").notNull(),
    role: text("role", { enum: ["owner", "admin", "supervisor", "agent", "viewer"] }).notNull(),
    tokenHash: text("token_hash").notNull(),
    invitedBy: text("invited_by").notNull(),
    expiresAt: integer("expires_at").notNull(),
    acceptedAt: integer("accepted_at"),
    revokedAt: integer("revoked_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("invitations_tenant_idx").on(t.tenantId),
    uniqueIndex("invitations_token_idx").on(t.tokenHash),
  ],
);

/** Single-use, expiring tokens sent by e-mail (verification, password reset). Only hashes stored. */
export const emailTokens = sqliteTable(
  "email_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    purpose: text("purpose", { enum: ["verify_email", "reset_password"] }).notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("email_tokens_hash_idx").on(t.tokenHash), index("email_tokens_user_idx").on(t.userId)],
);

/** TOTP recovery codes (users and operators); SHA-256 only, single use. */
export const recoveryCodes = sqliteTable(
  "recovery_codes",
  {
    id: text("id").primaryKey(),
    realm: text("realm", { enum: ["user", "operator"] }).notNull(),
    subjectId: text("subject_id").notNull(),
    codeHash: text("code_hash").notNull(),
    usedAt: integer("used_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("recovery_codes_subject_idx").on(t.realm, t.subjectId)],
);

/** Platform staff: a separate realm with mandatory TOTP (A9). */
export const operators = sqliteTable(
  "operators",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name").notNull(),
    passwordHash: text("password_hash").notNull(),
    totpSecretEnc: text("totp_secret_enc").notNull(),
    totpLastStep: integer("totp_last_step"),
    disabledAt: integer("disabled_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("operators_email_idx").on(t.email)],
);

export type User = typeof users.$inferSelect;
export type Membership = typeof memberships.$inferSelect;
export type Operator = typeof operators.$inferSelect;
