import { and, asc, eq, exists, gt, isNotNull, lt } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { type Membership, memberships, sessions, ssoConfigs } from "../../db/schema/control";
import { appendAudit, SYSTEM_ACTOR } from "../platform/audit";
import { decryptString, encryptString } from "../platform/crypto";
import { logConnection } from "./connection-log";
import { refreshTokenAad, SSO_CONFIRM_MS } from "./sso";
import { discover, tokenRequest } from "./sso-issuer";

/**
 * SSO sessions are re-checked with the identity provider, so a person removed there loses access
 * here (A8). Every session opened through SSO carries `ssoConfirmBy`: it ends then, unless the
 * issuer vouched for the person again before (core/identity/session.ts checks it on every request).
 *
 * - With a refresh token (Entra ID and most issuers give one for `offline_access`; Google for
 *   `access_type=offline` at the first consent), this cron — every 10 minutes, at most
 *   `RECHECK_BATCH` members a run — asks for a new token once the last confirmation is older
 *   than `SSO_RECHECK_MS`. Success pushes `ssoConfirmBy` of the member's live SSO sessions to
 *   now + `SSO_CONFIRM_MS` (and stores a rotated refresh token); `invalid_grant` (account
 *   disabled, deleted, password reset, sessions revoked at the issuer) ends those sessions at once
 *   and forgets the token. Any other failure (issuer down, client secret expired, SSO turned off)
 *   extends nothing: the sessions end at their `ssoConfirmBy` — failing closed, not open.
 * - Without a refresh token, nothing extends a session: it ends `SSO_CONFIRM_MS` after the
 *   sign-in and the person signs in at the issuer again.
 */

export const SSO_RECHECK_MS = 60 * 60_000;
const RECHECK_BATCH = 20;

export type RecheckOutcome = "confirmed" | "revoked" | "unconfirmed";

/** Live SSO sessions of a member (any device), as a drizzle condition. */
const ssoSessionsOf = (m: Pick<Membership, "userId" | "tenantId">) =>
  and(
    eq(sessions.realm, "user"),
    eq(sessions.subjectId, m.userId),
    eq(sessions.tenantId, m.tenantId),
    isNotNull(sessions.ssoConfirmBy),
  );

/** The cron step: members with a refresh token, a live SSO session and a confirmation due. */
export async function recheckSsoSessions(
  env: Env,
  now = Date.now(),
): Promise<{ membershipId: string; outcome: RecheckOutcome }[]> {
  const db = controlDb(env);
  const due = await db
    .select()
    .from(memberships)
    .where(
      and(
        isNotNull(memberships.ssoRefreshTokenEnc),
        lt(memberships.ssoConfirmedAt, now - SSO_RECHECK_MS),
        exists(
          db
            .select({ id: sessions.id })
            .from(sessions)
            .where(
              and(
                eq(sessions.realm, "user"),
                eq(sessions.subjectId, memberships.userId),
                eq(sessions.tenantId, memberships.tenantId),
                gt(sessions.ssoConfirmBy, now),
              ),
            ),
        ),
      ),
    )
    .orderBy(asc(memberships.ssoConfirmedAt))
    .limit(RECHECK_BATCH);
  const out: { membershipId: string; outcome: RecheckOutcome }[] = [];
  for (const m of due) {
    try {
      out.push({ membershipId: m.id, outcome: await recheckMember(env, m, now) });
    } catch (err) {
      // One issuer's trouble must not stop the others; this member's sessions simply lapse.
      console.error(
        JSON.stringify({ level: "warn", msg: "sso recheck failed", membershipId: m.id, error: String(err) }),
      );
      out.push({ membershipId: m.id, outcome: "unconfirmed" });
    }
  }
  return out;
}

async function recheckMember(env: Env, m: Membership, now: number): Promise<RecheckOutcome> {
  const db = controlDb(env);
  const c = await db.query.ssoConfigs.findFirst({ where: eq(ssoConfigs.tenantId, m.tenantId) });
  if (!c?.enabled || !c.domainVerifiedAt || !m.ssoRefreshTokenEnc) return "unconfirmed";
  const d = await discover(env, c.issuer);
  // The binding belongs to the issuer that made it: a new issuer cannot vouch for it.
  if (d.issuer !== m.ssoIssuer) return "unconfirmed";
  const refreshToken = await decryptString(env.ENCRYPTION_KEY, m.ssoRefreshTokenEnc, refreshTokenAad(m.id));
  const r = await tokenRequest(env, d, c, { grant_type: "refresh_token", refresh_token: refreshToken });
  if (r.ok) {
    const rotated = typeof r.body.refresh_token === "string" && r.body.refresh_token !== "";
    await db.batch([
      db
        .update(memberships)
        .set({
          ssoConfirmedAt: now,
          ...(rotated
            ? {
                ssoRefreshTokenEnc: await encryptString(
                  env.ENCRYPTION_KEY,
                  r.body.refresh_token!,
                  refreshTokenAad(m.id),
                ),
              }
            : {}),
        })
        .where(eq(memberships.id, m.id)),
      db
        .update(sessions)
        .set({ ssoConfirmBy: now + SSO_CONFIRM_MS })
        .where(and(ssoSessionsOf(m), gt(sessions.ssoConfirmBy, now))),
    ]);
    return "confirmed";
  }
  if (r.body.error !== "invalid_grant") return "unconfirmed";
  await revokeSsoSessions(env, m);
  return "revoked";
}

/** The issuer no longer knows the grant: the member's SSO sessions end now, the token is forgotten. */
async function revokeSsoSessions(env: Env, m: Membership) {
  const db = controlDb(env);
  const [gone] = await db.batch([
    db.delete(sessions).where(ssoSessionsOf(m)).returning({ id: sessions.id }),
    db.update(memberships).set({ ssoRefreshTokenEnc: null }).where(eq(memberships.id, m.id)),
  ]);
  await logConnection(env, {
    tenantId: m.tenantId,
    subjectType: "user",
    subjectId: m.userId,
    event: "sso_session_revoked",
    ip: null,
    userAgent: null,
  });
  await appendAudit(env, {
    tenantId: m.tenantId,
    actor: SYSTEM_ACTOR,
    action: "sso.sessions_revoked",
    targetType: "user",
    targetId: m.userId,
    meta: { sessions: gone.length, reason: "invalid_grant" },
  });
}
