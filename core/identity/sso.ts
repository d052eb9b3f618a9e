import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import { and, eq, isNotNull, isNull, ne } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import {
  type Membership,
  memberships,
  type SsoConfig,
  ssoConfigs,
  ssoStates,
  type Tenant,
  tenants,
  users,
} from "../../db/schema/control";
import { appendAudit, auditCtx } from "../platform/audit";
import type { Ctx, PlatformCtx } from "../platform/context";
import { encryptString, newId, randomBytes, randomToken, sha256Hex } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import { checkOutboundUrl, outboundFetch, readJson } from "../platform/outbound";
import { logConnection } from "./connection-log";
import { completeLogin, type LoginResult } from "./login";
import { createSession } from "./session";
import {
  type Discovery,
  discover,
  fetchUserInfo,
  SsoFailure,
  type SsoFailureReason,
  tokenRequest,
  verifyIdToken,
} from "./sso-issuer";

export { clearIssuerCache, ISSUER_CACHE_TTL_MS } from "./sso-issuer";

/**
 * Single sign-on (A8) with OpenID Connect, authorization code flow with PKCE (S256), state and
 * nonce. One issuer per tenant: Google, Microsoft Entra ID, or any issuer found by discovery.
 *
 * - The tenant proves it holds its e-mail domain with a DNS TXT record
 *   (`_ccr-verify.<domain>` = `ccr-verify=<token>`), read over DNS-over-HTTPS. A verified domain
 *   belongs to one tenant only.
 * - Sign-in starts from an e-mail address: its domain picks the tenant. The state, the PKCE
 *   verifier and the nonce are stored server-side (state hashed), single use, 10 minutes.
 * - The ID token is verified with `jose` against the issuer's JWKS (core/identity/sso-issuer.ts; every
 *   call to the issuer goes through the outbound-fetch guard).
 * - Who signs in is decided by `iss` + `sub`, bound to the membership at the first SSO sign-in
 *   and the only key afterwards. Only that first sign-in uses an e-mail address, and only a
 *   verified one — `email_verified === true`, or for Microsoft Entra ID `xms_edov === true` (the
 *   domain owner verified it) — in the tenant's verified domain. Without an e-mail in the ID
 *   token, UserInfo is asked (same `sub` required). `preferred_username` is never used: it is
 *   whatever the directory lets a user call themselves. A member already bound to another `sub`
 *   of the same issuer is refused (a renamed or recycled address cannot take the account over).
 * - Just-in-time membership: an unknown address gets an account (no password) and a membership
 *   with the tenant's default role; a known one keeps its role.
 * - Every refused sign-in is in the connection log as `sso_failure.<reason>`.
 * - An SSO session lasts while the issuer vouches for the person (core/identity/sso-recheck.ts): it ends
 *   `SSO_CONFIRM_MS` after the last confirmation — the sign-in, or an hourly refresh-token grant
 *   when the issuer gave a refresh token; `invalid_grant` ends the member's SSO sessions at once.
 * - Password login can then be turned off for the tenant (core/governance/settings.ts asks `ssoReady`).
 * - Second factor: when the tenant requires one (A4) and the account has TOTP, the sign-in stops
 *   at a pending session and goes through the same TOTP step as a password login; owners and
 *   admins without TOTP are sent to enrol by the portal, as after a password login. When the
 *   tenant does not require it, the identity provider's own authentication is trusted.
 */

export const SSO_STATE_TTL_MS = 10 * 60_000;
export const DOH_URL = "https://cloudflare-dns.com/dns-query";
const devOnly = (env: Env) => env.ENVIRONMENT === "development";
/** The DNS-over-HTTPS resolver; a development server may point it at a local mock (DOH_URL var). */
const dohUrl = (env: Env) => (devOnly(env) && (env as { DOH_URL?: string }).DOH_URL) || DOH_URL;
const GOOGLE_ISSUER = "https://accounts.google.com";

const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    "a domain such as example.com",
  );

export const ssoSettingsSchema = z
  .object({
    provider: z.enum(["google", "microsoft", "oidc"]),
    /** Google: fixed. Microsoft: https://login.microsoftonline.com/<tenant id>/v2.0. Other: any https issuer. */
    issuer: z.url().max(500).optional(),
    clientId: z.string().trim().min(1).max(300),
    /** Write-only; omitted → the stored one is kept. */
    clientSecret: z.string().min(1).max(500).optional(),
    domain: domainSchema,
    defaultRole: z.enum(["admin", "supervisor", "agent", "viewer"]).optional(),
    enabled: z.boolean().optional(),
  })
  .transform((v, ctx) => {
    const issuer = v.provider === "google" ? GOOGLE_ISSUER : v.issuer?.replace(/\/+$/, "");
    // Which hosts may be called is the outbound guard's decision, in saveSso (it knows the environment).
    if (!issuer || !/^https?:\/\//.test(issuer)) {
      ctx.addIssue({ code: "custom", path: ["issuer"], message: "an https issuer URL" });
      return z.NEVER;
    }
    if (v.provider === "microsoft" && !/^https:\/\/login\.microsoftonline\.com\/[^/]+\/v2\.0$/.test(issuer)) {
      ctx.addIssue({
        code: "custom",
        path: ["issuer"],
        message: "https://login.microsoftonline.com/<directory id>/v2.0",
      });
      return z.NEVER;
    }
    return { ...v, issuer };
  });
export type SsoSettingsInput = z.input<typeof ssoSettingsSchema>;

export function ssoView(c: SsoConfig | undefined | null) {
  if (!c) return null;
  return {
    provider: c.provider,
    issuer: c.issuer,
    clientId: c.clientId,
    clientSecretSet: Boolean(c.clientSecretEnc),
    domain: c.domain,
    domainVerified: c.domainVerifiedAt !== null,
    domainVerifiedAt: c.domainVerifiedAt ? new Date(c.domainVerifiedAt).toISOString() : null,
    verificationRecord: {
      name: `_ccr-verify.${c.domain}`,
      type: "TXT" as const,
      value: `ccr-verify=${c.verificationToken}`,
    },
    defaultRole: c.defaultRole,
    enabled: c.enabled,
  };
}
export type SsoView = NonNullable<ReturnType<typeof ssoView>>;

export async function getSso(ctx: Ctx) {
  return ssoView(
    await controlDb(ctx.env).query.ssoConfigs.findFirst({ where: eq(ssoConfigs.tenantId, ctx.tenant.id) }),
  );
}

/** SSO can replace passwords: enabled on a verified domain. */
export async function ssoReady(env: Env, tenantId: string): Promise<boolean> {
  const c = await controlDb(env).query.ssoConfigs.findFirst({ where: eq(ssoConfigs.tenantId, tenantId) });
  return Boolean(c?.enabled && c.domainVerifiedAt);
}

export async function saveSso(ctx: Ctx, raw: SsoSettingsInput) {
  const input = ssoSettingsSchema.parse(raw);
  const issuerCheck = checkOutboundUrl(input.issuer, ctx.env.ENVIRONMENT);
  if (!issuerCheck.ok)
    throw new ApiError("validation_failed", `Issuer refused: ${issuerCheck.reason}`, {
      errors: [{ pointer: "/issuer", detail: issuerCheck.reason }],
    });
  const db = controlDb(ctx.env);
  const old = await db.query.ssoConfigs.findFirst({ where: eq(ssoConfigs.tenantId, ctx.tenant.id) });
  const sameDomain = old?.domain === input.domain;
  // Omitted fields keep their stored value (a PUT that only switches SSO on keeps the role).
  const enabled = input.enabled ?? (sameDomain && old ? old.enabled : false);
  const defaultRole = input.defaultRole ?? old?.defaultRole ?? "viewer";
  if (enabled && !(sameDomain && old?.domainVerifiedAt))
    throw new ApiError("conflict", "Verify the domain before turning single sign-on on", {
      messageKey: "sso.error.verify_first",
    });
  if (!input.clientSecret && !old?.clientSecretEnc)
    throw new ApiError("validation_failed", "clientSecret is required", {
      errors: [{ pointer: "/clientSecret", detail: "required" }],
    });
  if (!enabled && old?.enabled && !ctx.tenant.passwordLoginEnabled)
    throw new ApiError("conflict", "Turn password login back on before turning single sign-on off", {
      messageKey: "sso.error.password_off",
    });
  const now = Date.now();
  const row: SsoConfig = {
    tenantId: ctx.tenant.id,
    provider: input.provider,
    issuer: input.issuer,
    clientId: input.clientId,
    clientSecretEnc: input.clientSecret
      ? await encryptString(ctx.env.ENCRYPTION_KEY, input.clientSecret, `sso:${ctx.tenant.id}`)
      : (old?.clientSecretEnc ?? null),
    domain: input.domain,
    verificationToken: sameDomain && old ? old.verificationToken : randomToken(16),
    domainVerifiedAt: sameDomain ? (old?.domainVerifiedAt ?? null) : null,
    defaultRole,
    enabled,
    createdAt: old?.createdAt ?? now,
    updatedAt: now,
  };
  await db.insert(ssoConfigs).values(row).onConflictDoUpdate({ target: ssoConfigs.tenantId, set: row });
  await auditCtx(ctx, "sso.configured", "tenant", ctx.tenant.id, {
    provider: input.provider,
    domain: input.domain,
    enabled,
  });
  return ssoView(row)!;
}

/** Look for `ccr-verify=<token>` in the TXT records of `_ccr-verify.<domain>` (DNS over HTTPS). */
export async function verifySsoDomain(ctx: Ctx) {
  const db = controlDb(ctx.env);
  const c = await db.query.ssoConfigs.findFirst({ where: eq(ssoConfigs.tenantId, ctx.tenant.id) });
  if (!c) throw new ApiError("not_found", "Configure single sign-on first");
  const taken = await db.query.ssoConfigs.findFirst({
    where: and(
      eq(ssoConfigs.domain, c.domain),
      isNotNull(ssoConfigs.domainVerifiedAt),
      ne(ssoConfigs.tenantId, c.tenantId),
    ),
  });
  if (taken)
    throw new ApiError("conflict", "This domain is already verified by another organisation", {
      messageKey: "sso.error.domain_taken",
    });
  const name = `_ccr-verify.${c.domain}`;
  let records: string[] = [];
  try {
    const res = await outboundFetch(ctx.env, `${dohUrl(ctx.env)}?name=${encodeURIComponent(name)}&type=TXT`, {
      headers: { accept: "application/dns-json" },
      timeoutMs: 5000,
    });
    if (res.ok) {
      const body = await readJson<{ Answer?: { type: number; data: string }[] }>(res);
      records = (body?.Answer ?? [])
        .filter((a) => a.type === 16)
        .map((a) => a.data.replace(/"\s*"/g, "").replace(/"/g, ""));
    }
  } catch {
    records = [];
  }
  const ok = records.some((r) => r.trim() === `ccr-verify=${c.verificationToken}`);
  if (!ok) {
    await auditCtx(ctx, "sso.domain_verification", "tenant", ctx.tenant.id, { domain: c.domain }, "failure");
    throw new ApiError("conflict", `No TXT record ccr-verify=… found at ${name}`, {
      messageKey: "sso.error.txt_missing",
      params: { name },
    });
  }
  const now = Date.now();
  await db
    .update(ssoConfigs)
    .set({ domainVerifiedAt: now, updatedAt: now })
    .where(eq(ssoConfigs.tenantId, c.tenantId));
  await auditCtx(ctx, "sso.domain_verified", "tenant", ctx.tenant.id, { domain: c.domain });
  return ssoView({ ...c, domainVerifiedAt: now })!;
}

// ---- Sign-in ---------------------------------------------------------------------------------

const MINUTE = 60_000;
/**
 * How long an SSO session lives after the issuer last vouched for the person. Without a refresh
 * token that is the sign-in itself: the person signs in again at the issuer (usually silently)
 * after a working day. With one, the re-check cron (core/identity/sso-recheck.ts) renews it hourly.
 */
export const SSO_CONFIRM_MS = 8 * 60 * MINUTE;

const redirectUri = (env: Env) => `${env.APP_URL.replace(/\/+$/, "")}/sso/callback`;

async function configForEmail(env: Env, email: string) {
  const domain = email.split("@")[1]?.toLowerCase() ?? "";
  const rows = await controlDb(env)
    .select({ c: ssoConfigs, tenant: tenants })
    .from(ssoConfigs)
    .innerJoin(tenants, eq(tenants.id, ssoConfigs.tenantId))
    .where(
      and(
        eq(ssoConfigs.domain, domain),
        eq(ssoConfigs.enabled, true),
        isNotNull(ssoConfigs.domainVerifiedAt),
      ),
    )
    .limit(1);
  return rows[0] ?? null;
}

/** A refused SSO sign-in in the tenant's connection log, with why (`sso_failure.<reason>`). */
async function logSsoFailure(
  pctx: PlatformCtx,
  who: { tenantId: string | null; userId: string | null },
  err: unknown,
) {
  const reason: SsoFailureReason | "account_disabled" | "other" =
    err instanceof SsoFailure
      ? err.reason
      : err instanceof ApiError && err.messageKey === "error.account_disabled"
        ? "account_disabled"
        : "other";
  await logConnection(pctx.env, {
    tenantId: who.tenantId,
    subjectType: who.userId ? "user" : "unknown",
    subjectId: who.userId,
    event: `sso_failure.${reason}`,
    ip: pctx.ip,
    userAgent: pctx.userAgent,
  });
}

/** Start: the authorization URL to send the browser to (PKCE S256, state, nonce). */
export async function startSsoLogin(pctx: PlatformCtx, email: string, next = "/"): Promise<string> {
  const found = await configForEmail(pctx.env, email.trim().toLowerCase());
  if (!found || (found.tenant.status !== "active" && found.tenant.status !== "ending"))
    throw new ApiError("not_found", "No single sign-on for this address", { messageKey: "sso.error.no_sso" });
  let d: Discovery;
  try {
    d = await discover(pctx.env, found.c.issuer);
  } catch (err) {
    await logSsoFailure(pctx, { tenantId: found.tenant.id, userId: null }, err);
    throw err;
  }
  const state = randomToken(24);
  const verifier = encodeBase64urlNoPadding(randomBytes(32));
  const nonce = randomToken(16);
  const challenge = encodeBase64urlNoPadding(
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))),
  );
  const now = Date.now();
  await controlDb(pctx.env)
    .insert(ssoStates)
    .values({
      stateHash: await sha256Hex(state),
      tenantId: found.tenant.id,
      codeVerifier: verifier,
      nonce,
      next,
      expiresAt: now + SSO_STATE_TTL_MS,
      createdAt: now,
    });
  const url = new URL(d.authorization_endpoint);
  const google = found.c.provider === "google";
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: found.c.clientId,
    redirect_uri: redirectUri(pctx.env),
    // A refresh token lets the re-check cron ask the issuer whether the person is still there
    // (OIDC `offline_access`; Google spells it `access_type=offline`).
    scope: google ? "openid email profile" : "openid email profile offline_access",
    ...(google ? { access_type: "offline" } : {}),
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
    login_hint: email,
  }).toString();
  return url.toString();
}

/** Callback: state (single use) → code exchange with the verifier → ID token checks → session. */
export async function completeSsoLogin(
  pctx: PlatformCtx,
  q: { state?: string; code?: string; error?: string },
): Promise<LoginResult & { next: string }> {
  const who = { tenantId: null as string | null, userId: null as string | null };
  try {
    return await signIn(pctx, q, who);
  } catch (err) {
    await logSsoFailure(pctx, who, err);
    throw err;
  }
}

async function signIn(
  pctx: PlatformCtx,
  q: { state?: string; code?: string; error?: string },
  who: { tenantId: string | null; userId: string | null },
): Promise<LoginResult & { next: string }> {
  const { env } = pctx;
  const db = controlDb(env);
  if (!q.state) throw new SsoFailure("state", "missing state");
  // Claim the state: a second use (replay) finds usedAt set and fails.
  const [st] = await db
    .update(ssoStates)
    .set({ usedAt: Date.now() })
    .where(and(eq(ssoStates.stateHash, await sha256Hex(q.state)), isNull(ssoStates.usedAt)))
    .returning();
  if (!st || st.expiresAt < Date.now()) throw new SsoFailure("state", "unknown, used or expired state");
  who.tenantId = st.tenantId;
  if (q.error || !q.code)
    throw new SsoFailure("idp_error", `issuer answered ${q.error?.slice(0, 100) ?? "without a code"}`);
  const c = await db.query.ssoConfigs.findFirst({ where: eq(ssoConfigs.tenantId, st.tenantId) });
  const tenant = await db.query.tenants.findFirst({ where: eq(tenants.id, st.tenantId) });
  if (!c?.enabled || !c.domainVerifiedAt || !tenant)
    throw new SsoFailure("disabled", "single sign-on is off");
  const d = await discover(env, c.issuer);
  const tokens = await tokenRequest(env, d, c, {
    grant_type: "authorization_code",
    code: q.code,
    redirect_uri: redirectUri(env),
    code_verifier: st.codeVerifier,
  });
  if (!tokens.ok) throw new SsoFailure("token", `token endpoint answered ${tokens.status}`);
  if (typeof tokens.body.id_token !== "string") throw new SsoFailure("token", "no ID token");
  const claims = await verifyIdToken(env, tokens.body.id_token, d, c.clientId, st.nonce);
  const { user, m, created } = await memberFor(
    env,
    { tenant, c, d, claims, accessToken: tokens.body.access_token },
    who,
  );
  if (user.disabledAt)
    throw new ApiError("forbidden", "account disabled", { messageKey: "error.account_disabled" });
  const confirmBy = await confirmIdentity(env, m, tokens.body.refresh_token);
  if (created)
    await appendAudit(env, {
      tenantId: tenant.id,
      actor: { type: "system", id: null },
      action: "sso.member_provisioned",
      targetType: "user",
      targetId: user.id,
      ip: pctx.ip,
      userAgent: pctx.userAgent,
      meta: { role: m.role },
    });
  if (tenant.requireMfa && user.totpEnabledAt) {
    // The tenant asks for a second factor: the same pending session as after a password.
    const { token, session } = await createSession(env, {
      realm: "user",
      subjectId: user.id,
      tenantId: tenant.id,
      mfaPending: true,
      ssoConfirmBy: confirmBy,
      ip: pctx.ip,
      userAgent: pctx.userAgent,
    });
    return { kind: "mfa", token, expiresAt: session.expiresAt, next: st.next };
  }
  const r = await completeLogin(pctx, user, tenant.id, m.role, "sso", confirmBy);
  return { ...r, next: st.next };
}

/** The issuer vouched for the person now: remember when (and its new refresh token, if any). */
async function confirmIdentity(env: Env, m: Membership, refreshToken: unknown): Promise<number> {
  const now = Date.now();
  const set: Partial<Membership> = { ssoConfirmedAt: now };
  if (typeof refreshToken === "string" && refreshToken !== "" && refreshToken.length <= 4096)
    set.ssoRefreshTokenEnc = await encryptString(env.ENCRYPTION_KEY, refreshToken, refreshTokenAad(m.id));
  await controlDb(env).update(memberships).set(set).where(eq(memberships.id, m.id));
  return now + SSO_CONFIRM_MS;
}

export const refreshTokenAad = (membershipId: string) => `sso-rt:${membershipId}`;

interface SignInFacts {
  tenant: Tenant;
  c: SsoConfig;
  d: Discovery;
  claims: Record<string, unknown> & { sub: string };
  accessToken?: string;
}

/**
 * The member this ID token is: the one bound to its `iss` + `sub`; else (first SSO sign-in) the
 * account of its verified e-mail address, bound now — or a new account and membership.
 */
async function memberFor(env: Env, f: SignInFacts, who: { userId: string | null }) {
  const db = controlDb(env);
  const iss = f.d.issuer;
  const sub = f.claims.sub;
  const bound = await db.query.memberships.findFirst({
    where: and(
      eq(memberships.tenantId, f.tenant.id),
      eq(memberships.ssoIssuer, iss),
      eq(memberships.ssoSubject, sub),
    ),
  });
  const boundUser = bound && (await db.query.users.findFirst({ where: eq(users.id, bound.userId) }));
  if (bound && boundUser) {
    who.userId = boundUser.id;
    return { user: boundUser, m: bound, created: false };
  }
  const email = await verifiedEmail(env, f);
  const user = await userFor(env, email, f.claims);
  who.userId = user.id;
  const m = await db.query.memberships.findFirst({
    where: and(eq(memberships.tenantId, f.tenant.id), eq(memberships.userId, user.id)),
  });
  if (m) {
    // Bound to another person at this issuer: the address was renamed or recycled there.
    if (m.ssoIssuer === iss && m.ssoSubject !== null && m.ssoSubject !== sub)
      throw new SsoFailure("identity_mismatch", "the account is bound to another identity of the issuer");
    // First SSO sign-in of this member (or the organisation changed issuer): bind it.
    const set = { ssoIssuer: iss, ssoSubject: sub, ssoRefreshTokenEnc: null };
    await db.update(memberships).set(set).where(eq(memberships.id, m.id));
    return { user, m: { ...m, ...set }, created: false };
  }
  const row: Membership = {
    id: newId("mem"),
    tenantId: f.tenant.id,
    userId: user.id,
    role: f.c.defaultRole,
    agentId: null,
    ssoIssuer: iss,
    ssoSubject: sub,
    ssoRefreshTokenEnc: null,
    ssoConfirmedAt: null,
    createdAt: Date.now(),
  };
  const [inserted] = await db.insert(memberships).values(row).onConflictDoNothing().returning();
  if (inserted) return { user, m: inserted, created: true };
  // A concurrent first sign-in of the same person won the insert: use it only if it is theirs.
  const raced = await db.query.memberships.findFirst({
    where: and(eq(memberships.tenantId, f.tenant.id), eq(memberships.userId, user.id)),
  });
  if (raced?.ssoIssuer !== iss || raced.ssoSubject !== sub)
    throw new SsoFailure("identity_mismatch", "the account is bound to another identity of the issuer");
  return { user, m: raced, created: false };
}

/**
 * The e-mail address the issuer vouches for, in the tenant's verified domain. From the ID token,
 * else from UserInfo (for the same `sub`). `preferred_username` is never looked at.
 */
async function verifiedEmail(env: Env, f: SignInFacts): Promise<string> {
  let source: Record<string, unknown> = f.claims;
  if (typeof f.claims.email !== "string" || f.claims.email === "") {
    if (!f.accessToken) throw new SsoFailure("no_email", "no e-mail in the ID token and no access token");
    source = await fetchUserInfo(env, f.d, f.accessToken);
    // OIDC Core §5.3.2: UserInfo's `sub` must be the ID token's, or its claims are not about this person.
    if (source.sub !== f.claims.sub) throw new SsoFailure("userinfo", "UserInfo is about another subject");
  }
  const email = typeof source.email === "string" ? source.email.trim().toLowerCase() : "";
  if (!email) throw new SsoFailure("no_email", "the issuer gave no e-mail address");
  const at = email.indexOf("@");
  if (at < 1 || at !== email.lastIndexOf("@") || email.length > 254 || email.slice(at + 1) !== f.c.domain)
    throw new SsoFailure("email_domain", "the address is not in the organisation's verified domain");
  // Entra ID does not send email_verified; `xms_edov` says the domain owner verified the address.
  const verified =
    source.email_verified === true || (f.c.provider === "microsoft" && source.xms_edov === true);
  if (!verified) throw new SsoFailure("email_unverified", "the issuer did not verify the address");
  return email;
}

async function userFor(env: Env, email: string, claims: Record<string, unknown>) {
  const db = controlDb(env);
  const existing = await db.query.users.findFirst({ where: eq(users.email, email) });
  if (existing) return existing;
  const now = Date.now();
  const str = (v: unknown) => (typeof v === "string" ? v.slice(0, 100) : "");
  const [user] = await db
    .insert(users)
    .values({
      id: newId("usr"),
      email,
      passwordHash: null,
      firstName: str(claims.given_name),
      lastName: str(claims.family_name),
      emailVerifiedAt: now,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning();
  const found = user ?? (await db.query.users.findFirst({ where: eq(users.email, email) }));
  if (!found) throw new ApiError("internal", "SSO account could not be created");
  return found;
}
