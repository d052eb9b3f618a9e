// Sign-in: password, second factor (TOTP or a recovery code), sessions, sign-out.
import { and, asc, eq, isNull } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { memberships, recoveryCodes, tenants, type User, users } from "../../db/schema/control";
import { appendAudit } from "../platform/audit";
import type { PlatformCtx } from "../platform/context";
import { decryptString } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import type { Locale } from "../platform/i18n";
import type { Role } from "../platform/rbac";
import { recordAbuseEvent } from "./abuse";
import { emailSchema, sendVerification } from "./account-base";
import { logConnection } from "./connection-log";
import { hashPassword, needsRehash, verifyPasswordOrBurn } from "./password";
import { createSession, invalidateSession, type Realm, validateSessionToken } from "./session";
import { assertNotThrottled, recordFailure } from "./throttle";
import { hashRecoveryCode, verifyTotp } from "./totp";

export type LoginResult =
  | { kind: "session"; token: string; expiresAt: number; userId: string; tenantId: string }
  | { kind: "mfa"; token: string; expiresAt: number };

export const invalidCredentials = () =>
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
      if (m) await recordAbuseEvent(env, m.tenant.id, "failed_logins");
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
  /** An SSO sign-in: the session lasts only while the identity provider keeps vouching (core/identity/sso.ts). */
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
