import { and, asc, eq, gt, inArray, isNull, lt } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../db/client";
import { dataPlane, type Location, shardForNewTenant } from "../db/resolver";
import {
  auditLog,
  emailTokens,
  invitations,
  memberships,
  recoveryCodes,
  sessions,
  type Tenant,
  tenants,
  type User,
  users,
} from "../db/schema/control";
import { tenantMeta } from "../db/schema/data";
import { appendAudit, appendAuditMany, newChainEntry } from "./audit";
import {
  checkPasswordPolicy,
  hashPassword,
  needsRehash,
  verifyPassword,
  verifyPasswordOrBurn,
} from "./auth/password";
import { limiter } from "./auth/rate-limiter";
import {
  createSession,
  invalidateAllSessions,
  invalidateSession,
  type Realm,
  validateSessionToken,
} from "./auth/session";
import { assertNotThrottled, recordFailure } from "./auth/throttle";
import { hashRecoveryCode, newRecoveryCodes, newTotpSecret, totpUri, verifyTotp } from "./auth/totp";
import { logConnection } from "./connlog";
import type { Actor, Ctx, PlatformCtx } from "./context";
import { decryptString, encryptString, newId, randomToken, sha256Hex } from "./crypto";
import { checkTimeZone } from "./dates";
import { ApiError, notFound } from "./errors";
import { defaultTimeZone, type Locale, t } from "./i18n";
import { afterOutboxInsert, type OutgoingMail, outboxInsert, sendMail } from "./mail";
import { assignableRoles, type Role } from "./rbac";

const HOUR = 3_600_000;
const VERIFY_TTL = 24 * HOUR;
const RESET_TTL = HOUR;
const INVITE_TTL = 7 * 24 * HOUR;

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: "invalid e-mail address" }));

const nameField = z.string().trim().max(100);
export const signUpSchema = z.object({
  email: emailSchema,
  password: z.string(),
  firstName: nameField.min(1),
  lastName: nameField.min(1),
  company: nameField.min(1),
  phone: z.string().trim().max(32).optional(),
  jobTitle: nameField.optional(),
  location: z.enum(["eu", "us"]).default("eu"),
  /** IANA zone of the organisation's clock; empty → the location's usual one. */
  timeZone: z.string().max(64).optional(),
  locale: z.enum(["fr", "en"]).default("fr"),
});
export type SignUpInput = z.input<typeof signUpSchema>;

function passwordError(password: string, context: string[] = []): ApiError | null {
  const problem = checkPasswordPolicy(password, context);
  if (!problem) return null;
  return new ApiError("validation_failed", `password ${problem.replace("_", " ")}`, {
    errors: [{ pointer: "/password", detail: problem }],
    messageKey: `error.password.${problem}`,
  });
}

function link(env: Env, path: string): string {
  return new URL(path, env.APP_URL).toString();
}

/** A new token and its row (only the hash is stored), for a plain insert or a caller's batch. */
async function emailTokenRow(userId: string, purpose: "verify_email" | "reset_password", ttl: number) {
  const token = randomToken(20);
  const now = Date.now();
  const row = {
    id: newId("etk"),
    userId,
    purpose,
    tokenHash: await sha256Hex(token),
    expiresAt: now + ttl,
    createdAt: now,
  };
  return { token, row };
}

async function issueEmailToken(
  env: Env,
  userId: string,
  purpose: "verify_email" | "reset_password",
  ttl: number,
) {
  const { token, row } = await emailTokenRow(userId, purpose, ttl);
  await controlDb(env).insert(emailTokens).values(row);
  return token;
}

/**
 * Consume a single-use token. One conditional statement marks every unused token of the same
 * purpose and user as used, the presented one included, so two outstanding links can never both
 * work — not even when used at the same instant: D1 runs statements one at a time, and the second
 * finds its token already used.
 */
async function consumeEmailToken(env: Env, token: string, purpose: "verify_email" | "reset_password") {
  const db = controlDb(env);
  const now = Date.now();
  const hash = await sha256Hex(token);
  const owner = db
    .select({ userId: emailTokens.userId })
    .from(emailTokens)
    .where(
      and(
        eq(emailTokens.tokenHash, hash),
        eq(emailTokens.purpose, purpose),
        isNull(emailTokens.usedAt),
        gt(emailTokens.expiresAt, now),
      ),
    );
  const consumed = await db
    .update(emailTokens)
    .set({ usedAt: now })
    .where(
      and(eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt), inArray(emailTokens.userId, owner)),
    )
    .returning();
  const row = consumed.find((r) => r.tokenHash === hash);
  if (!row)
    throw new ApiError("bad_request", "invalid or expired token", { messageKey: "error.token_invalid" });
  return row;
}

function verificationMail(env: Env, user: User, locale: Locale, token: string): OutgoingMail {
  return {
    to: user.email,
    kind: "verify_email",
    locale,
    subject: t(locale, "mail.verify.subject"),
    text: t(locale, "mail.verify.body", {
      name: user.firstName,
      link: link(env, `/verify-email?token=${token}`),
    }),
  };
}

async function sendVerification(env: Env, user: User, locale: Locale) {
  const token = await issueEmailToken(env, user.id, "verify_email", VERIFY_TTL);
  await sendMail(env, verificationMail(env, user, locale, token));
}

const system: Actor = { type: "system", id: null };

/**
 * Sign-up (A1): creates the tenant in the chosen location and its owner. The answer is the same
 * whether or not the address already has an account (the owner of that address gets a mail
 * instead), so sign-up cannot be used to discover accounts — and both paths do the same
 * expensive work, so its timing cannot either (test/accounts.test.ts counts it): one PBKDF2
 * hash of the password, one lookup, one control-plane batch (the mail alone; or the tenant,
 * owner, membership, verification token, mail and first audit entry), no data-plane or R2
 * access. The data plane is provisioned when the owner verifies the address (`verifyEmail`).
 */
export async function signUp(
  pctx: PlatformCtx,
  raw: SignUpInput,
): Promise<{ userId: string | null; tenantId: string | null }> {
  const input = signUpSchema.parse(raw);
  const pwErr = passwordError(input.password, [input.email, input.email.split("@")[0], input.company]);
  if (pwErr) throw pwErr;
  const timeZone = input.timeZone?.trim()
    ? checkTimeZone(input.timeZone)
    : defaultTimeZone(input.location as Location);
  const { env } = pctx;
  const db = controlDb(env);
  const passwordHash = await hashPassword(input.password);
  const existing = await db.query.users.findFirst({ where: eq(users.email, input.email) });
  if (existing) {
    const mail = outboxInsert(env, {
      to: existing.email,
      kind: "signup_exists",
      locale: (existing.locale as Locale) ?? input.locale,
      subject: t(input.locale, "mail.signup_exists.subject"),
      text: t(input.locale, "mail.signup_exists.body", { link: link(env, "/login") }),
    });
    await db.batch([mail.query]);
    await afterOutboxInsert(env, mail);
    return { userId: null, tenantId: null };
  }
  const now = Date.now();
  const location = input.location as Location;
  const tenant: Tenant = {
    id: newId("ten"),
    name: input.company,
    location,
    shard: shardForNewTenant(env, location),
    processingScope: "in_region",
    requireMfa: false,
    passwordLoginEnabled: true,
    defaultLocale: input.locale,
    redactionPatterns: [],
    speechProvider: "none",
    analysisProvider: "builtin",
    providerKeysEnc: null,
    retention: {},
    retentionAcknowledgedAt: null,
    legalHoldReason: null,
    legalHoldAt: null,
    writeLock: null,
    statsOptOut: false,
    deletionDueAt: null,
    disputeWindowDays: 7,
    timeZone,
    status: "active",
    createdAt: now,
    updatedAt: now,
  };
  const user: User = {
    id: newId("usr"),
    email: input.email,
    emailVerifiedAt: null,
    passwordHash,
    firstName: input.firstName,
    lastName: input.lastName,
    phone: input.phone || null,
    company: input.company,
    jobTitle: input.jobTitle || null,
    locale: input.locale,
    totpSecretEnc: null,
    totpEnabledAt: null,
    totpLastStep: null,
    disabledAt: null,
    createdAt: now,
    updatedAt: now,
  };
  const verify = await emailTokenRow(user.id, "verify_email", VERIFY_TTL);
  const mail = outboxInsert(env, verificationMail(env, user, input.locale, verify.token));
  const created = await newChainEntry({
    tenantId: tenant.id,
    actor: { type: "user", id: user.id, role: "owner", sessionId: "", agentId: null, email: user.email },
    action: "tenant.created",
    targetType: "tenant",
    targetId: tenant.id,
    ip: pctx.ip,
    userAgent: pctx.userAgent,
    meta: { location },
    ts: now,
  });
  await db.batch([
    db.insert(tenants).values(tenant),
    db.insert(users).values(user),
    db
      .insert(memberships)
      .values({ id: newId("mem"), tenantId: tenant.id, userId: user.id, role: "owner", createdAt: now }),
    db.insert(emailTokens).values(verify.row),
    mail.query,
    db.insert(auditLog).values(created),
  ]);
  await afterOutboxInsert(env, mail);
  return { userId: user.id, tenantId: tenant.id };
}

/** Registers the tenant in its data-plane shard and bucket (the location's own stores). */
export async function provisionDataPlane(env: Env, tenant: Tenant): Promise<void> {
  const dp = dataPlane(env, tenant);
  await dp.db
    .insert(tenantMeta)
    .values({ tenantId: tenant.id, location: tenant.location, createdAt: tenant.createdAt })
    .onConflictDoNothing();
  await dp.bucket.put(
    dp.key("manifest.json"),
    JSON.stringify({
      tenantId: tenant.id,
      location: tenant.location,
      shard: tenant.shard,
      createdAt: tenant.createdAt,
    }),
    { httpMetadata: { contentType: "application/json" } },
  );
}

/** The address is proven; the organisations this person owns get their data plane (idempotent). */
export async function verifyEmail(pctx: PlatformCtx, token: string): Promise<void> {
  const row = await consumeEmailToken(pctx.env, token, "verify_email");
  const db = controlDb(pctx.env);
  await db
    .update(users)
    .set({ emailVerifiedAt: Date.now(), updatedAt: Date.now() })
    .where(eq(users.id, row.userId));
  const owned = await db
    .select({ tenant: tenants })
    .from(memberships)
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(and(eq(memberships.userId, row.userId), eq(memberships.role, "owner")));
  for (const { tenant } of owned) await provisionDataPlane(pctx.env, tenant);
  await appendAudit(pctx.env, {
    tenantId: null,
    actor: system,
    action: "user.email_verified",
    targetType: "user",
    targetId: row.userId,
    ip: pctx.ip,
    userAgent: pctx.userAgent,
  });
}

export type LoginResult =
  | { kind: "session"; token: string; expiresAt: number; userId: string; tenantId: string }
  | { kind: "mfa"; token: string; expiresAt: number };

const invalidCredentials = () =>
  new ApiError("unauthenticated", "E-mail or password is incorrect", {
    messageKey: "error.invalid_credentials",
  });

async function primaryMembership(env: Env, userId: string) {
  const db = controlDb(env);
  const rows = await db
    .select({ m: memberships, tenant: tenants })
    .from(memberships)
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(memberships.createdAt))
    .limit(1);
  return rows[0];
}

/**
 * Password login (A2, A3). Unknown address, wrong password and SSO-only account all give the same
 * answer after a PBKDF2 computation of the same cost. Old hashes are upgraded on success.
 */
export async function login(pctx: PlatformCtx, email: string, password: string): Promise<LoginResult> {
  const { env, ip, userAgent } = pctx;
  const parsed = emailSchema.safeParse(email);
  const account = parsed.success ? parsed.data : email.slice(0, 254).toLowerCase();
  await assertNotThrottled(env, "login", account, ip);
  const db = controlDb(env);
  const user = parsed.success
    ? await db.query.users.findFirst({ where: eq(users.email, account) })
    : undefined;
  const ok = await verifyPasswordOrBurn(user?.passwordHash, password);
  if (!user || !ok) {
    await recordFailure(env, "login", account, ip);
    if (user) {
      const m = await primaryMembership(env, user.id);
      if (m) await (await import("./abuse")).recordAbuseEvent(env, m.tenant.id, "failed_logins");
    }
    await logConnection(env, {
      tenantId: null,
      subjectType: user ? "user" : "unknown",
      subjectId: user?.id ?? null,
      event: "login_failure",
      ip,
      userAgent,
    });
    throw invalidCredentials();
  }
  if (user.disabledAt)
    throw new ApiError("forbidden", "account disabled", { messageKey: "error.account_disabled" });
  if (!user.emailVerifiedAt) {
    await sendVerification(env, user, (user.locale as Locale) ?? "fr");
    throw new ApiError("forbidden", "e-mail address not verified", { messageKey: "error.email_unverified" });
  }
  const primary = await primaryMembership(env, user.id);
  if (!primary) throw invalidCredentials();
  if (!primary.tenant.passwordLoginEnabled)
    throw new ApiError("forbidden", "password login disabled", {
      messageKey: "error.password_login_disabled",
    });
  if (needsRehash(user.passwordHash!)) {
    await db
      .update(users)
      .set({ passwordHash: await hashPassword(password) })
      .where(eq(users.id, user.id));
  }
  if (user.totpEnabledAt) {
    const { token, session } = await createSession(env, {
      realm: "user",
      subjectId: user.id,
      tenantId: primary.tenant.id,
      mfaPending: true,
      ip,
      userAgent,
    });
    return { kind: "mfa", token, expiresAt: session.expiresAt };
  }
  return completeLogin(pctx, user, primary.tenant.id, primary.m.role, "password");
}

export async function completeLogin(
  pctx: PlatformCtx,
  user: User,
  tenantId: string,
  role: Role,
  method: string,
  /** An SSO sign-in: the session lasts only while the identity provider keeps vouching (core/sso.ts). */
  ssoConfirmBy: number | null = null,
): Promise<LoginResult> {
  const { env, ip, userAgent } = pctx;
  const { token, session } = await createSession(env, {
    realm: "user",
    subjectId: user.id,
    tenantId,
    ssoConfirmBy,
    ip,
    userAgent,
  });
  await logConnection(env, {
    tenantId,
    subjectType: "user",
    subjectId: user.id,
    event: "login_success",
    ip,
    userAgent,
  });
  await appendAudit(env, {
    tenantId,
    actor: { type: "user", id: user.id, role, sessionId: session.id, agentId: null, email: user.email },
    action: "session.login",
    targetType: "session",
    targetId: session.id,
    ip,
    userAgent,
    meta: { method },
  });
  return { kind: "session", token, expiresAt: session.expiresAt, userId: user.id, tenantId };
}

/** Second step: a TOTP code or a recovery code turns the pending session into a new, full one. */
export async function completeMfa(
  pctx: PlatformCtx,
  pendingToken: string,
  code: string,
): Promise<LoginResult> {
  const { env, ip } = pctx;
  const pending = await validateSessionToken(env, pendingToken, "user");
  if (!pending?.mfaPending)
    throw new ApiError("unauthenticated", "sign in again", { messageKey: "error.unauthenticated" });
  const db = controlDb(env);
  const user = await db.query.users.findFirst({ where: eq(users.id, pending.subjectId) });
  if (!user?.totpSecretEnc || !user.totpEnabledAt) throw new ApiError("unauthenticated", "sign in again");
  await assertNotThrottled(env, "mfa", user.id, ip);
  const accepted = await checkSecondFactor(env, "user", user.id, user.totpSecretEnc, user.totpLastStep, code);
  if (!accepted) {
    await recordFailure(env, "mfa", user.id, ip);
    await logConnection(env, {
      tenantId: pending.tenantId,
      subjectType: "user",
      subjectId: user.id,
      event: "mfa_failure",
      ip,
      userAgent: pctx.userAgent,
    });
    throw new ApiError("unauthenticated", "invalid code", { messageKey: "error.totp_invalid" });
  }
  if (accepted.step !== null)
    await db.update(users).set({ totpLastStep: accepted.step }).where(eq(users.id, user.id));
  await invalidateSession(env, pending.id);
  const m = await db.query.memberships.findFirst({
    where: and(eq(memberships.userId, user.id), eq(memberships.tenantId, pending.tenantId ?? "")),
  });
  if (!m) throw new ApiError("unauthenticated", "sign in again");
  return completeLogin(
    pctx,
    user,
    m.tenantId,
    m.role,
    accepted.step === null ? "totp_recovery" : "totp",
    pending.ssoConfirmBy,
  );
}

/** TOTP code (once per step) or an unused recovery code (consumed). */
export async function checkSecondFactor(
  env: Env,
  realm: Realm,
  subjectId: string,
  secretEnc: string,
  lastStep: number | null,
  code: string,
): Promise<{ step: number | null } | null> {
  const secret = await decryptString(env.ENCRYPTION_KEY, secretEnc, `${realm}:${subjectId}`);
  const step = verifyTotp(secret, code, lastStep);
  if (step !== null) return { step };
  if (code.replace(/[^a-z0-9]/gi, "").length === 10) {
    const db = controlDb(env);
    const [used] = await db
      .update(recoveryCodes)
      .set({ usedAt: Date.now() })
      .where(
        and(
          eq(recoveryCodes.realm, realm),
          eq(recoveryCodes.subjectId, subjectId),
          eq(recoveryCodes.codeHash, await hashRecoveryCode(code)),
          isNull(recoveryCodes.usedAt),
        ),
      )
      .returning();
    if (used) return { step: null };
  }
  return null;
}

export async function logout(pctx: PlatformCtx, sessionId: string, userId: string, tenantId: string | null) {
  await invalidateSession(pctx.env, sessionId);
  await logConnection(pctx.env, {
    tenantId,
    subjectType: "user",
    subjectId: userId,
    event: "logout",
    ip: pctx.ip,
    userAgent: pctx.userAgent,
  });
}

/** Always the same answer; mail only when the account exists. Limited to 5 mails per hour per address. */
export async function requestPasswordReset(pctx: PlatformCtx, email: string): Promise<void> {
  const parsed = emailSchema.safeParse(email);
  if (!parsed.success) return;
  const { env } = pctx;
  const state = await limiter(env, `reset:${parsed.data}`).record(5, HOUR);
  if (!state.allowed) return;
  const user = await controlDb(env).query.users.findFirst({ where: eq(users.email, parsed.data) });
  if (!user || user.disabledAt) return;
  const locale = (user.locale as Locale) ?? "fr";
  const token = await issueEmailToken(env, user.id, "reset_password", RESET_TTL);
  await sendMail(env, {
    to: user.email,
    kind: "reset_password",
    locale,
    subject: t(locale, "mail.reset.subject"),
    text: t(locale, "mail.reset.body", {
      name: user.firstName,
      link: link(env, `/reset-password?token=${token}`),
    }),
  });
}

export async function resetPassword(pctx: PlatformCtx, token: string, password: string): Promise<void> {
  const { env } = pctx;
  const pwErr = passwordError(password);
  if (pwErr) throw pwErr;
  const row = await consumeEmailToken(env, token, "reset_password");
  const user = await setPassword(env, row.userId, password);
  await appendAudit(env, {
    tenantId: null,
    actor: system,
    action: "user.password_reset",
    targetType: "user",
    targetId: user.id,
    ip: pctx.ip,
    userAgent: pctx.userAgent,
  });
}

/** New hash, every reset link and session ended (A2), and a notice to the owner of the address. */
async function setPassword(env: Env, userId: string, password: string): Promise<User> {
  const db = controlDb(env);
  const passwordHash = await hashPassword(password);
  const now = Date.now();
  // The new password and the end of every outstanding reset link, in one batch: a link mailed
  // before a change (or before another link was used) must not reset the password again.
  const [[user]] = await db.batch([
    db.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, userId)).returning(),
    db
      .update(emailTokens)
      .set({ usedAt: now })
      .where(
        and(
          eq(emailTokens.userId, userId),
          eq(emailTokens.purpose, "reset_password"),
          isNull(emailTokens.usedAt),
        ),
      ),
  ]);
  if (!user) throw notFound("User");
  await invalidateAllSessions(env, "user", userId);
  const locale = (user.locale as Locale) ?? "fr";
  await sendMail(env, {
    to: user.email,
    kind: "password_changed",
    locale,
    subject: t(locale, "mail.password_changed.subject"),
    text: t(locale, "mail.password_changed.body", {
      name: user.firstName,
      link: link(env, "/forgot-password"),
    }),
  });
  return user;
}

/** Change password while signed in: ends all sessions (this one too) and opens a fresh one. */
export async function changePassword(ctx: Ctx, current: string, next: string): Promise<LoginResult> {
  const user = await currentUser(ctx);
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, current)))
    throw new ApiError("validation_failed", "current password incorrect", {
      errors: [{ pointer: "/currentPassword", detail: "incorrect" }],
      messageKey: "error.current_password",
    });
  const pwErr = passwordError(next, [user.email]);
  if (pwErr) throw pwErr;
  await setPassword(ctx.env, user.id, next);
  await auditCtx(ctx, "user.password_changed", "user", user.id);
  const role = ctx.actor.type === "user" ? ctx.actor.role : "viewer";
  return completeLogin(ctx, user, ctx.tenant.id, role, "password_change");
}

export async function currentUser(ctx: Ctx): Promise<User> {
  if (ctx.actor.type !== "user") throw new ApiError("forbidden", "only a signed-in user can do this");
  const user = await controlDb(ctx.env).query.users.findFirst({ where: eq(users.id, ctx.actor.id) });
  if (!user) throw new ApiError("unauthenticated");
  return user;
}

export const profileSchema = z.object({
  firstName: nameField.min(1),
  lastName: nameField.min(1),
  phone: z.string().trim().max(32).optional().nullable(),
  company: nameField.optional().nullable(),
  jobTitle: nameField.optional().nullable(),
  locale: z.enum(["fr", "en"]).optional(),
});

export async function updateProfile(ctx: Ctx, raw: z.input<typeof profileSchema>): Promise<User> {
  const input = profileSchema.parse(raw);
  const user = await currentUser(ctx);
  const [u] = await controlDb(ctx.env)
    .update(users)
    .set({ ...input, updatedAt: Date.now() })
    .where(eq(users.id, user.id))
    .returning();
  await auditCtx(ctx, "user.profile_updated", "user", user.id);
  return u;
}

/** Used and expired e-mail tokens are kept one day (for support questions), then removed. */
export async function purgeEmailTokens(env: Env, now = Date.now()): Promise<void> {
  await controlDb(env)
    .delete(emailTokens)
    .where(lt(emailTokens.expiresAt, now - 86_400_000));
}

/** The language switch of a signed-in user: remembered on the account (no audit entry: not a security event). */
export async function setLocale(ctx: Ctx, locale: Locale): Promise<void> {
  const user = await currentUser(ctx);
  await controlDb(ctx.env).update(users).set({ locale, updatedAt: Date.now() }).where(eq(users.id, user.id));
}

/**
 * The user, membership and tenant behind a live, fully signed-in session — one query. Null when
 * the session is pending its second factor, the account is disabled, the membership is gone or
 * the tenant is not active.
 */
export async function sessionPrincipal(
  env: Env,
  session: { subjectId: string; tenantId: string | null; mfaPending: boolean },
) {
  if (session.mfaPending || !session.tenantId) return null;
  const [row] = await controlDb(env)
    .select({ user: users, membership: memberships, tenant: tenants })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(and(eq(memberships.userId, session.subjectId), eq(memberships.tenantId, session.tenantId)))
    .limit(1);
  if (!row || row.user.disabledAt || (row.tenant.status !== "active" && row.tenant.status !== "ending"))
    return null;
  return row;
}

// ---- TOTP enrolment ----------------------------------------------------------------------

export async function startTotpEnrollment(ctx: Ctx): Promise<{ secret: string; uri: string }> {
  const user = await currentUser(ctx);
  if (user.totpEnabledAt) throw new ApiError("conflict", "two-factor authentication is already on");
  const secret = newTotpSecret();
  await controlDb(ctx.env)
    .update(users)
    .set({ totpSecretEnc: await encryptString(ctx.env.ENCRYPTION_KEY, secret, `user:${user.id}`) })
    .where(eq(users.id, user.id));
  return { secret, uri: totpUri("CallCenterRate", user.email, secret) };
}

export async function confirmTotpEnrollment(ctx: Ctx, code: string): Promise<{ recoveryCodes: string[] }> {
  const user = await currentUser(ctx);
  if (!user.totpSecretEnc || user.totpEnabledAt) throw new ApiError("conflict", "start the set-up first");
  const secret = await decryptString(ctx.env.ENCRYPTION_KEY, user.totpSecretEnc, `user:${user.id}`);
  const step = verifyTotp(secret, code, null);
  if (step === null)
    throw new ApiError("validation_failed", "invalid code", {
      errors: [{ pointer: "/code", detail: "invalid" }],
      messageKey: "error.totp_invalid",
    });
  const { codes, hashes } = await newRecoveryCodes();
  const db = controlDb(ctx.env);
  const now = Date.now();
  await db.batch([
    db.update(users).set({ totpEnabledAt: now, totpLastStep: step }).where(eq(users.id, user.id)),
    db
      .delete(recoveryCodes)
      .where(and(eq(recoveryCodes.realm, "user"), eq(recoveryCodes.subjectId, user.id))),
    db.insert(recoveryCodes).values(
      hashes.map((codeHash) => ({
        id: newId("rc"),
        realm: "user" as const,
        subjectId: user.id,
        codeHash,
        createdAt: now,
      })),
    ),
  ]);
  await auditCtx(ctx, "user.totp_enabled", "user", user.id);
  return { recoveryCodes: codes };
}

export async function disableTotp(ctx: Ctx, password: string): Promise<void> {
  const user = await currentUser(ctx);
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, password)))
    throw new ApiError("validation_failed", "current password incorrect", {
      messageKey: "error.current_password",
    });
  if (ctx.tenant.requireMfa && ctx.actor.type === "user" && ["owner", "admin"].includes(ctx.actor.role))
    throw new ApiError("forbidden", "your organisation requires a second factor", {
      messageKey: "error.mfa_required_by_tenant",
    });
  const db = controlDb(ctx.env);
  await db.batch([
    db
      .update(users)
      .set({ totpEnabledAt: null, totpSecretEnc: null, totpLastStep: null })
      .where(eq(users.id, user.id)),
    db
      .delete(recoveryCodes)
      .where(and(eq(recoveryCodes.realm, "user"), eq(recoveryCodes.subjectId, user.id))),
  ]);
  await auditCtx(ctx, "user.totp_disabled", "user", user.id);
}

// ---- Members and invitations -------------------------------------------------------------

export async function auditCtx(
  ctx: Ctx,
  action: string,
  targetType?: string,
  targetId?: string,
  meta?: Record<string, string | number | boolean | null>,
  result: "success" | "failure" | "denied" = "success",
) {
  await appendAudit(ctx.env, {
    tenantId: ctx.tenant.id,
    actor: ctx.actor,
    action,
    targetType,
    targetId,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    meta,
    result,
  });
}

/** Several entries of the context's tenant in one append (a bulk import's created calls). */
export async function auditCtxMany(
  ctx: Ctx,
  entries: {
    action: string;
    targetType?: string;
    targetId?: string;
    meta?: Record<string, string | number | boolean | null>;
  }[],
) {
  await appendAuditMany(
    ctx.env,
    entries.map((e) => ({
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      result: "success" as const,
      ...e,
    })),
  );
}

export interface MemberView {
  id: string;
  userId: string;
  email: string;
  firstName: string;
  lastName: string;
  role: Role;
  mfaEnabled: boolean;
  createdAt: number;
}

export async function listMembers(ctx: Ctx): Promise<MemberView[]> {
  const rows = await controlDb(ctx.env)
    .select({ m: memberships, u: users })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.tenantId, ctx.tenant.id))
    .orderBy(asc(users.lastName), asc(users.firstName));
  return rows.map(({ m, u }) => ({
    id: m.id,
    userId: u.id,
    email: u.email,
    firstName: u.firstName,
    lastName: u.lastName,
    role: m.role,
    mfaEnabled: Boolean(u.totpEnabledAt),
    createdAt: m.createdAt,
  }));
}

async function getMembership(ctx: Ctx, id: string) {
  const m = await controlDb(ctx.env).query.memberships.findFirst({
    where: and(eq(memberships.id, id), eq(memberships.tenantId, ctx.tenant.id)),
  });
  if (!m) throw notFound("Member");
  return m;
}

function actorRole(ctx: Ctx): Role {
  if (ctx.actor.type === "user") return ctx.actor.role;
  if (ctx.actor.type === "api_key" && ctx.actor.scopes.includes("admin")) return "admin";
  return "viewer";
}

async function ownerCount(ctx: Ctx): Promise<number> {
  const rows = await controlDb(ctx.env)
    .select({ id: memberships.id })
    .from(memberships)
    .where(and(eq(memberships.tenantId, ctx.tenant.id), eq(memberships.role, "owner")));
  return rows.length;
}

export async function changeMemberRole(ctx: Ctx, membershipId: string, role: Role): Promise<void> {
  const m = await getMembership(ctx, membershipId);
  const mine = assignableRoles(actorRole(ctx));
  if (!mine.includes(role) || !mine.includes(m.role))
    throw new ApiError("forbidden", "you cannot give or change this role", {
      messageKey: "error.role_not_assignable",
    });
  if (m.role === "owner" && role !== "owner" && (await ownerCount(ctx)) <= 1)
    throw new ApiError("conflict", "the last owner cannot be demoted", { messageKey: "error.last_owner" });
  await controlDb(ctx.env).update(memberships).set({ role }).where(eq(memberships.id, m.id));
  await auditCtx(ctx, "member.role_changed", "membership", m.id, { from: m.role, to: role });
}

export async function removeMember(ctx: Ctx, membershipId: string): Promise<void> {
  const m = await getMembership(ctx, membershipId);
  if (!assignableRoles(actorRole(ctx)).includes(m.role))
    throw new ApiError("forbidden", "you cannot remove this member", {
      messageKey: "error.role_not_assignable",
    });
  if (m.role === "owner" && (await ownerCount(ctx)) <= 1)
    throw new ApiError("conflict", "the last owner cannot be removed", { messageKey: "error.last_owner" });
  const db = controlDb(ctx.env);
  await db.batch([
    db.delete(memberships).where(eq(memberships.id, m.id)),
    db.delete(sessions).where(and(eq(sessions.subjectId, m.userId), eq(sessions.tenantId, ctx.tenant.id))),
  ]);
  await auditCtx(ctx, "member.removed", "membership", m.id, { role: m.role });
}

export const inviteSchema = z.object({
  email: emailSchema,
  role: z.enum(["owner", "admin", "supervisor", "agent", "viewer"]),
});

export async function inviteMember(
  ctx: Ctx,
  raw: z.input<typeof inviteSchema>,
): Promise<{ id: string; expiresAt: number }> {
  const input = inviteSchema.parse(raw);
  if (!assignableRoles(actorRole(ctx)).includes(input.role))
    throw new ApiError("forbidden", "you cannot give this role", { messageKey: "error.role_not_assignable" });
  const db = controlDb(ctx.env);
  const existing = await db
    .select({ id: memberships.id })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, ctx.tenant.id), eq(users.email, input.email)));
  if (existing.length)
    throw new ApiError("conflict", "already a member", { messageKey: "error.already_member" });
  const token = randomToken(20);
  const id = newId("inv");
  const expiresAt = Date.now() + INVITE_TTL;
  await db.insert(invitations).values({
    id,
    tenantId: ctx.tenant.id,
    email: input.email,
    role: input.role,
    tokenHash: await sha256Hex(token),
    invitedBy: ctx.actor.id ?? "system",
    expiresAt,
    createdAt: Date.now(),
  });
  const locale = ctx.tenant.defaultLocale as Locale;
  const inviter = ctx.actor.type === "user" ? ctx.actor.email : ctx.tenant.name;
  await sendMail(ctx.env, {
    to: input.email,
    tenantId: ctx.tenant.id,
    kind: "invitation",
    locale,
    subject: t(locale, "mail.invite.subject", { tenant: ctx.tenant.name }),
    text: t(locale, "mail.invite.body", {
      tenant: ctx.tenant.name,
      inviter,
      role: t(locale, `role.${input.role}`),
      link: link(ctx.env, `/invitations/accept?token=${token}`),
    }),
  });
  await auditCtx(ctx, "member.invited", "invitation", id, { role: input.role });
  return { id, expiresAt };
}

export async function listInvitations(ctx: Ctx) {
  return controlDb(ctx.env)
    .select({
      id: invitations.id,
      email: invitations.email,
      role: invitations.role,
      expiresAt: invitations.expiresAt,
      createdAt: invitations.createdAt,
    })
    .from(invitations)
    .where(
      and(
        eq(invitations.tenantId, ctx.tenant.id),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
        gt(invitations.expiresAt, Date.now()),
      ),
    );
}

export async function revokeInvitation(ctx: Ctx, id: string): Promise<void> {
  const [row] = await controlDb(ctx.env)
    .update(invitations)
    .set({ revokedAt: Date.now() })
    .where(
      and(eq(invitations.id, id), eq(invitations.tenantId, ctx.tenant.id), isNull(invitations.acceptedAt)),
    )
    .returning();
  if (!row) throw notFound("Invitation");
  await auditCtx(ctx, "member.invitation_revoked", "invitation", id);
}

export async function findInvitation(env: Env, token: string) {
  const inv = await controlDb(env).query.invitations.findFirst({
    where: and(
      eq(invitations.tokenHash, await sha256Hex(token)),
      isNull(invitations.acceptedAt),
      isNull(invitations.revokedAt),
      gt(invitations.expiresAt, Date.now()),
    ),
  });
  if (!inv)
    throw new ApiError("bad_request", "invalid or expired invitation", { messageKey: "error.token_invalid" });
  const tenant = await controlDb(env).query.tenants.findFirst({ where: eq(tenants.id, inv.tenantId) });
  const existingUser = await controlDb(env).query.users.findFirst({ where: eq(users.email, inv.email) });
  return { invitation: inv, tenant: tenant!, existingUser: Boolean(existingUser) };
}

export const acceptInviteSchema = z.object({
  token: z.string().min(10).max(100),
  password: z.string(),
  firstName: nameField.optional(),
  lastName: nameField.optional(),
});

/**
 * Accept an invitation. A new person sets a password (the token proves the address, so it counts
 * as verified); someone who already has an account proves it with their password.
 */
export async function acceptInvitation(
  pctx: PlatformCtx,
  raw: z.input<typeof acceptInviteSchema>,
): Promise<LoginResult> {
  const input = acceptInviteSchema.parse(raw);
  const { env } = pctx;
  const { invitation } = await findInvitation(env, input.token);
  const db = controlDb(env);
  let user = await db.query.users.findFirst({ where: eq(users.email, invitation.email) });
  const now = Date.now();
  if (user) {
    await assertNotThrottled(env, "login", user.email, pctx.ip);
    if (!user.passwordHash || !(await verifyPassword(user.passwordHash, input.password))) {
      await recordFailure(env, "login", user.email, pctx.ip);
      throw invalidCredentials();
    }
  } else {
    if (!input.firstName || !input.lastName)
      throw new ApiError("validation_failed", "first and last name are required", {
        errors: [{ pointer: "/firstName", detail: "required" }],
        messageKey: "error.validation",
      });
    const pwErr = passwordError(input.password, [invitation.email]);
    if (pwErr) throw pwErr;
    user = {
      id: newId("usr"),
      email: invitation.email,
      emailVerifiedAt: now,
      passwordHash: await hashPassword(input.password),
      firstName: input.firstName,
      lastName: input.lastName,
      phone: null,
      company: null,
      jobTitle: null,
      locale: null,
      totpSecretEnc: null,
      totpEnabledAt: null,
      totpLastStep: null,
      disabledAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await db.insert(users).values(user);
  }
  const [claimed] = await db
    .update(invitations)
    .set({ acceptedAt: now })
    .where(and(eq(invitations.id, invitation.id), isNull(invitations.acceptedAt)))
    .returning();
  if (!claimed)
    throw new ApiError("bad_request", "invitation already used", { messageKey: "error.token_invalid" });
  await db
    .insert(memberships)
    .values({
      id: newId("mem"),
      tenantId: invitation.tenantId,
      userId: user.id,
      role: invitation.role,
      createdAt: now,
    })
    .onConflictDoNothing();
  await appendAudit(env, {
    tenantId: invitation.tenantId,
    actor: {
      type: "user",
      id: user.id,
      role: invitation.role,
      sessionId: "",
      agentId: null,
      email: user.email,
    },
    action: "member.joined",
    targetType: "invitation",
    targetId: invitation.id,
    ip: pctx.ip,
    userAgent: pctx.userAgent,
    meta: { role: invitation.role },
  });
  if (user.totpEnabledAt) {
    const { token, session } = await createSession(env, {
      realm: "user",
      subjectId: user.id,
      tenantId: invitation.tenantId,
      mfaPending: true,
      ip: pctx.ip,
      userAgent: pctx.userAgent,
    });
    return { kind: "mfa", token, expiresAt: session.expiresAt };
  }
  return completeLogin(pctx, user, invitation.tenantId, invitation.role, "invitation");
}

/**
 * Account deletion (A1, GDPR art. 17 for the user's own account). Refused while the person is the
 * only owner of an organisation; otherwise the account, its memberships, sessions, tokens and
 * recovery codes go. Audit and connection logs keep the bare id for their security retention.
 */
export async function deleteAccount(ctx: Ctx, password: string): Promise<void> {
  const user = await currentUser(ctx);
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, password)))
    throw new ApiError("validation_failed", "current password incorrect", {
      messageKey: "error.current_password",
    });
  const db = controlDb(ctx.env);
  const mine = await db
    .select({ tenantId: memberships.tenantId, role: memberships.role, name: tenants.name })
    .from(memberships)
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(eq(memberships.userId, user.id));
  for (const m of mine.filter((x) => x.role === "owner")) {
    const owners = await db
      .select({ id: memberships.id })
      .from(memberships)
      .where(and(eq(memberships.tenantId, m.tenantId), eq(memberships.role, "owner")));
    if (owners.length <= 1)
      throw new ApiError("conflict", `sole owner of ${m.name}`, {
        messageKey: "error.sole_owner",
        params: { tenant: m.name },
      });
  }
  await db.batch([
    db.delete(memberships).where(eq(memberships.userId, user.id)),
    db.delete(sessions).where(and(eq(sessions.realm, "user"), eq(sessions.subjectId, user.id))),
    db.delete(emailTokens).where(eq(emailTokens.userId, user.id)),
    db
      .delete(recoveryCodes)
      .where(and(eq(recoveryCodes.realm, "user"), eq(recoveryCodes.subjectId, user.id))),
    db.delete(users).where(eq(users.id, user.id)),
  ]);
  await auditCtx(ctx, "user.deleted", "user", user.id);
}
