import { encodeBase64urlNoPadding } from "@oslojs/encoding";
import { and, eq, isNotNull, isNull, ne } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../db/client";
import { memberships, type SsoConfig, ssoConfigs, ssoStates, tenants, users } from "../db/schema/control";
import { auditCtx, completeLogin, type LoginResult } from "./accounts";
import { appendAudit } from "./audit";
import { createSession } from "./auth/session";
import type { Ctx, PlatformCtx } from "./context";
import { decryptString, encryptString, newId, randomBytes, randomToken, sha256Hex } from "./crypto";
import { ApiError } from "./errors";

/**
 * Single sign-on (A8) with OpenID Connect, authorization code flow with PKCE (S256), state and
 * nonce. One issuer per tenant: Google, Microsoft Entra ID, or any issuer found by discovery.
 *
 * - The tenant proves it holds its e-mail domain with a DNS TXT record
 *   (`_ccr-verify.<domain>` = `ccr-verify=<token>`), read over DNS-over-HTTPS. A verified domain
 *   belongs to one tenant only.
 * - Sign-in starts from an e-mail address: its domain picks the tenant. The state, the PKCE
 *   verifier and the nonce are stored server-side (state hashed), single use, 10 minutes.
 * - The ID token is verified with `jose` against the issuer's JWKS: signature, `iss`, `aud`,
 *   `exp`/`iat`, `nonce`; its e-mail must be in the verified domain (and not `email_verified:
 *   false`).
 * - Just-in-time membership: an unknown address gets an account (no password) and a membership
 *   with the tenant's default role; a known one keeps its role.
 * - Password login can then be turned off for the tenant (core/settings.ts asks `ssoReady`).
 * - Second factor: when the tenant requires one (A4) and the account has TOTP, the sign-in stops
 *   at a pending session and goes through the same TOTP step as a password login; owners and
 *   admins without TOTP are sent to enrol by the portal, as after a password login. When the
 *   tenant does not require it, the identity provider's own authentication is trusted.
 * - The issuer's discovery document and JWKS are cached per isolate for 10 minutes
 *   (`ISSUER_CACHE_TTL_MS`); a token whose key the cached set lacks or whose signature does not
 *   verify against it (key rotation) makes one fresh fetch of the JWKS before it is refused.
 */

export const SSO_STATE_TTL_MS = 10 * 60_000;
export const DOH_URL = "https://cloudflare-dns.com/dns-query";
/** A local mock issuer (browser tests): accepted only when ENVIRONMENT=development. */
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?(\/|$)/;
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
    if (!issuer || (!issuer.startsWith("https://") && !LOOPBACK.test(issuer))) {
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
  if (!input.issuer.startsWith("https://") && !devOnly(ctx.env))
    throw new ApiError("validation_failed", "the issuer must be an https URL", {
      errors: [{ pointer: "/issuer", detail: "an https issuer URL" }],
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
    const res = await fetch(`${dohUrl(ctx.env)}?name=${encodeURIComponent(name)}&type=TXT`, {
      headers: { accept: "application/dns-json" },
      signal: AbortSignal.timeout(5000),
    });
    if (res.ok) {
      const body = (await res.json()) as { Answer?: { type: number; data: string }[] };
      records = (body.Answer ?? [])
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

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

export const ISSUER_CACHE_TTL_MS = 10 * 60_000;
/** Per isolate: discovery documents by issuer, JWKS by URI; each entry expires after the TTL. */
const discoveryCache = new Map<string, { at: number; value: Discovery }>();
const jwksCache = new Map<string, { at: number; value: unknown }>();
const fresh = <T>(m: Map<string, { at: number; value: T }>, k: string, now: number) => {
  const e = m.get(k);
  if (e && now - e.at < ISSUER_CACHE_TTL_MS) return e.value;
  m.delete(k);
  return undefined;
};
/** Tests start from a cold isolate cache. */
export function clearIssuerCache() {
  discoveryCache.clear();
  jwksCache.clear();
}

async function discover(env: Env, issuer: string, now = Date.now()): Promise<Discovery> {
  const cached = fresh(discoveryCache, issuer, now);
  if (cached) return cached;
  const d = await fetchDiscovery(env, issuer);
  discoveryCache.set(issuer, { at: now, value: d });
  return d;
}

async function fetchDiscovery(env: Env, issuer: string): Promise<Discovery> {
  const res = await fetch(`${issuer}/.well-known/openid-configuration`, {
    headers: { accept: "application/json" },
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw ssoFailure("discovery failed");
  const d = (await res.json()) as Partial<Discovery>;
  const https = (u: unknown) =>
    typeof u === "string" && (u.startsWith("https://") || (devOnly(env) && LOOPBACK.test(u)));
  // OIDC Discovery §4.3: the document's issuer must be the one asked for.
  if (
    d.issuer !== issuer ||
    !https(d.authorization_endpoint) ||
    !https(d.token_endpoint) ||
    !https(d.jwks_uri)
  )
    throw ssoFailure("discovery document does not match the issuer");
  return d as Discovery;
}

const ssoFailure = (why: string) =>
  new ApiError("unauthenticated", `Single sign-on failed: ${why}`, { messageKey: "sso.error.failed" });

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

/** Start: the authorization URL to send the browser to (PKCE S256, state, nonce). */
export async function startSsoLogin(pctx: PlatformCtx, email: string, next = "/"): Promise<string> {
  const found = await configForEmail(pctx.env, email.trim().toLowerCase());
  if (!found || (found.tenant.status !== "active" && found.tenant.status !== "ending"))
    throw new ApiError("not_found", "No single sign-on for this address", { messageKey: "sso.error.no_sso" });
  const d = await discover(pctx.env, found.c.issuer);
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
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: found.c.clientId,
    redirect_uri: redirectUri(pctx.env),
    scope: "openid email profile",
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
  const { env } = pctx;
  const db = controlDb(env);
  if (!q.state) throw ssoFailure("missing state");
  // Claim the state: a second use (replay) finds usedAt set and fails.
  const [st] = await db
    .update(ssoStates)
    .set({ usedAt: Date.now() })
    .where(and(eq(ssoStates.stateHash, await sha256Hex(q.state)), isNull(ssoStates.usedAt)))
    .returning();
  if (!st || st.expiresAt < Date.now()) throw ssoFailure("unknown, used or expired state");
  if (q.error || !q.code) throw ssoFailure(`issuer answered ${q.error ?? "without a code"}`);
  const c = await db.query.ssoConfigs.findFirst({ where: eq(ssoConfigs.tenantId, st.tenantId) });
  const tenant = await db.query.tenants.findFirst({ where: eq(tenants.id, st.tenantId) });
  if (!c?.enabled || !c.domainVerifiedAt || !tenant) throw ssoFailure("single sign-on is off");
  const d = await discover(env, c.issuer);
  const secret = c.clientSecretEnc
    ? await decryptString(env.ENCRYPTION_KEY, c.clientSecretEnc, `sso:${c.tenantId}`)
    : "";
  const tokenRes = await fetch(d.token_endpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: q.code,
      redirect_uri: redirectUri(env),
      code_verifier: st.codeVerifier,
      client_id: c.clientId,
      client_secret: secret,
    }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!tokenRes.ok) throw ssoFailure(`token endpoint answered ${tokenRes.status}`);
  const tokens = (await tokenRes.json()) as { id_token?: string };
  if (!tokens.id_token) throw ssoFailure("no ID token");
  const claims = await verifyIdToken(tokens.id_token, d, c.clientId, st.nonce);
  const email = String(claims.email ?? claims.preferred_username ?? "").toLowerCase();
  if (!email.endsWith(`@${c.domain}`) || claims.email_verified === false)
    throw ssoFailure("the address is not in the organisation's verified domain");
  const { user, role, created } = await jitMember(env, tenant.id, c.defaultRole, email, claims);
  if (user.disabledAt)
    throw new ApiError("forbidden", "account disabled", { messageKey: "error.account_disabled" });
  if (created)
    await appendAudit(env, {
      tenantId: tenant.id,
      actor: { type: "system", id: null },
      action: "sso.member_provisioned",
      targetType: "user",
      targetId: user.id,
      ip: pctx.ip,
      userAgent: pctx.userAgent,
      meta: { role },
    });
  if (tenant.requireMfa && user.totpEnabledAt) {
    // The tenant asks for a second factor: the same pending session as after a password.
    const { token, session } = await createSession(env, {
      realm: "user",
      subjectId: user.id,
      tenantId: tenant.id,
      mfaPending: true,
      ip: pctx.ip,
      userAgent: pctx.userAgent,
    });
    return { kind: "mfa", token, expiresAt: session.expiresAt, next: st.next };
  }
  const r = await completeLogin(pctx, user, tenant.id, role, "sso");
  return { ...r, next: st.next };
}

async function verifyIdToken(idToken: string, d: Discovery, clientId: string, nonce: string) {
  // Lazy: jose is only loaded for an SSO callback.
  const [{ createLocalJWKSet }, { jwtVerify }] = await Promise.all([
    import("jose/jwks/local"),
    import("jose/jwt/verify"),
  ]);
  type Jwks = Parameters<typeof createLocalJWKSet>[0];
  const load = async (): Promise<Jwks> => {
    const res = await fetch(d.jwks_uri, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw ssoFailure("JWKS unavailable");
    const keys = (await res.json()) as Jwks;
    jwksCache.set(d.jwks_uri, { at: Date.now(), value: keys });
    return keys;
  };
  const cached = fresh(jwksCache, d.jwks_uri, Date.now()) as Jwks | undefined;
  const verify = async (keys: Jwks) => {
    const { payload } = await jwtVerify(idToken, createLocalJWKSet(keys), {
      issuer: d.issuer,
      audience: clientId,
      algorithms: ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"],
      clockTolerance: 60,
      requiredClaims: ["sub", "exp", "iat"],
    });
    return payload;
  };
  try {
    let payload: Awaited<ReturnType<typeof verify>>;
    try {
      payload = await verify(cached ?? (await load()));
    } catch (err) {
      // The issuer rotated its keys since the set was cached (a new kid, or — against the
      // advice of RFC 7517 — a new key under the same kid): fetch it once more.
      const code = (err as { code?: string }).code;
      if (
        !cached ||
        (code !== "ERR_JWKS_NO_MATCHING_KEY" && code !== "ERR_JWS_SIGNATURE_VERIFICATION_FAILED")
      )
        throw err;
      payload = await verify(await load());
    }
    if (payload.nonce !== nonce) throw ssoFailure("nonce mismatch");
    return payload as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw ssoFailure((err as { code?: string }).code ?? "invalid ID token");
  }
}

async function jitMember(
  env: Env,
  tenantId: string,
  defaultRole: SsoConfig["defaultRole"],
  email: string,
  claims: Record<string, unknown>,
) {
  const db = controlDb(env);
  const now = Date.now();
  let user = await db.query.users.findFirst({ where: eq(users.email, email) });
  if (!user) {
    const id = newId("usr");
    const str = (v: unknown) => (typeof v === "string" ? v.slice(0, 100) : "");
    [user] = await db
      .insert(users)
      .values({
        id,
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
    user ??= await db.query.users.findFirst({ where: eq(users.email, email) });
  }
  if (!user) throw ssoFailure("account could not be created");
  const m = await db.query.memberships.findFirst({
    where: and(eq(memberships.tenantId, tenantId), eq(memberships.userId, user.id)),
  });
  if (m) return { user, role: m.role, created: false };
  await db
    .insert(memberships)
    .values({ id: newId("mem"), tenantId, userId: user.id, role: defaultRole, createdAt: now })
    .onConflictDoNothing();
  return { user, role: defaultRole, created: true };
}
