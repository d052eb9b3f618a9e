import { and, eq, gt, lt } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { type Session, sessions } from "../../db/schema/control";
import { randomToken, sha256Hex, timingSafeEqual } from "../platform/crypto";
import { parseUserAgent } from "./user-agent";

/**
 * Sessions following the Lucia guide (lucia-auth.com, "Basic API"): the token is
 * `<id>.<secret>`, both random; only SHA-256(secret) is stored and compared in constant time, so
 * a leaked sessions table cannot be replayed. Expiry slides with activity (idle timeout) under
 * an absolute cap. A new id is issued at every login and after the second factor.
 */
export type Realm = "user" | "operator";

export const SESSION_COOKIE: Record<Realm, string> = {
  user: "__Host-ccr_session",
  operator: "__Host-ccr_ops",
};

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
export const SESSION_POLICY: Record<Realm, { idleMs: number; absoluteMs: number; mfaPendingMs: number }> = {
  user: { idleMs: 7 * DAY, absoluteMs: 30 * DAY, mfaPendingMs: 10 * MINUTE },
  operator: { idleMs: 2 * HOUR, absoluteMs: 12 * HOUR, mfaPendingMs: 10 * MINUTE },
};
/** Activity is written at most once a minute per session: cheap on D1, precise enough for A2. */
const TOUCH_EVERY_MS = MINUTE;

export interface NewSession {
  realm: Realm;
  subjectId: string;
  tenantId: string | null;
  mfaPending?: boolean;
  /** Opened through single sign-on: ends at this time unless the issuer vouches again (core/identity/sso.ts). */
  ssoConfirmBy?: number | null;
  ip: string | null;
  userAgent: string | null;
}

export async function createSession(
  env: Env,
  s: NewSession,
  now = Date.now(),
): Promise<{ token: string; session: Session }> {
  const id = randomToken(15);
  const secret = randomToken(20);
  const ua = parseUserAgent(s.userAgent);
  const policy = SESSION_POLICY[s.realm];
  const session: Session = {
    id,
    secretHash: await sha256Hex(secret),
    realm: s.realm,
    subjectId: s.subjectId,
    tenantId: s.tenantId,
    mfaPending: s.mfaPending ?? false,
    ssoConfirmBy: s.ssoConfirmBy ?? null,
    createdAt: now,
    lastActivityAt: now,
    expiresAt: now + (s.mfaPending ? policy.mfaPendingMs : policy.idleMs),
    ip: s.ip,
    userAgent: s.userAgent?.slice(0, 300) ?? null,
    browser: ua.browser,
    os: ua.os,
  };
  await controlDb(env).insert(sessions).values(session);
  return { token: `${id}.${secret}`, session };
}

/** Returns the live session for a token of the given realm, sliding its expiry; null otherwise. */
export async function validateSessionToken(
  env: Env,
  token: string,
  realm: Realm,
  now = Date.now(),
): Promise<Session | null> {
  const dot = token.indexOf(".");
  if (dot < 1 || token.length > 200) return null;
  const id = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  const db = controlDb(env);
  const session = await db.query.sessions.findFirst({ where: eq(sessions.id, id) });
  if (!session || session.realm !== realm) return null;
  if (!timingSafeEqual(await sha256Hex(secret), session.secretHash)) return null;
  const policy = SESSION_POLICY[realm];
  if (
    now >= session.expiresAt ||
    now >= session.createdAt + policy.absoluteMs ||
    (session.ssoConfirmBy !== null && now >= session.ssoConfirmBy)
  ) {
    await db.delete(sessions).where(eq(sessions.id, id));
    return null;
  }
  if (!session.mfaPending && now - session.lastActivityAt >= TOUCH_EVERY_MS) {
    session.lastActivityAt = now;
    session.expiresAt = Math.min(now + policy.idleMs, session.createdAt + policy.absoluteMs);
    await db
      .update(sessions)
      .set({ lastActivityAt: session.lastActivityAt, expiresAt: session.expiresAt })
      .where(eq(sessions.id, id));
  }
  return session;
}

export async function invalidateSession(env: Env, id: string): Promise<void> {
  await controlDb(env).delete(sessions).where(eq(sessions.id, id));
}

/** Ends every session of a subject (password change, disable, deletion), optionally but one. */
export async function invalidateAllSessions(env: Env, realm: Realm, subjectId: string): Promise<void> {
  await controlDb(env)
    .delete(sessions)
    .where(and(eq(sessions.realm, realm), eq(sessions.subjectId, subjectId)));
}

/** Live (unexpired, fully signed-in) sessions of a subject. */
export async function listSessions(
  env: Env,
  realm: Realm,
  subjectId: string,
  now = Date.now(),
): Promise<Session[]> {
  return controlDb(env)
    .select()
    .from(sessions)
    .where(
      and(
        eq(sessions.realm, realm),
        eq(sessions.subjectId, subjectId),
        eq(sessions.mfaPending, false),
        gt(sessions.expiresAt, now),
      ),
    );
}

export async function deleteExpiredSessions(env: Env, now = Date.now()): Promise<void> {
  await controlDb(env).delete(sessions).where(lt(sessions.expiresAt, now));
}

/** Cookie attributes of A2. `__Host-` requires Secure, Path=/ and no Domain. */
export function sessionCookie(realm: Realm, token: string, expiresAt: number): string {
  const maxAge = Math.max(0, Math.floor((expiresAt - Date.now()) / 1000));
  return `${SESSION_COOKIE[realm]}=${token}; Path=/; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=Lax`;
}

export function clearSessionCookie(realm: Realm): string {
  return `${SESSION_COOKIE[realm]}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`;
}
