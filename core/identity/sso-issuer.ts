import type { SsoConfig } from "../../db/schema/control";
import { decryptString } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import { checkOutboundUrl, OutboundError, outboundFetch, readJson } from "../platform/outbound";

/**
 * The OpenID Connect issuer of a tenant, seen from our side: discovery, the token endpoint, the
 * JWKS and UserInfo. Every one of these URLs is tenant-influenced (the issuer is typed in by a
 * tenant admin, the rest comes from its discovery document), so every call goes through the
 * outbound-fetch guard (core/platform/outbound.ts); a guard failure becomes an `SsoFailure`
 * (401 and a readable page), never a 500.
 *
 * The discovery document and the JWKS are cached per isolate for 10 minutes
 * (`ISSUER_CACHE_TTL_MS`); a token whose key the cached set lacks or whose signature does not
 * verify against it (key rotation) makes one fresh fetch of the JWKS before it is refused. The
 * keys are fetched here (through the guard) and handed to jose's `createLocalJWKSet`: jose's own
 * remote JWKS would call `fetch` itself.
 */

export interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
}

/** Why an SSO sign-in failed, as recorded in the connection log (`sso_failure.<reason>`). */
export type SsoFailureReason =
  | "state"
  | "idp_error"
  | "disabled"
  | "unreachable"
  | "discovery"
  | "token"
  | "id_token"
  | "userinfo"
  | "no_email"
  | "email_unverified"
  | "email_domain"
  | "identity_mismatch";

const MESSAGE: Partial<Record<SsoFailureReason, string>> = {
  unreachable: "sso.error.unreachable",
  no_email: "sso.error.email_unverified",
  email_unverified: "sso.error.email_unverified",
  email_domain: "sso.error.email_domain",
  identity_mismatch: "sso.error.identity_mismatch",
};

/** A refused SSO sign-in: 401, a page in the user's language; `reason` goes to the connection log. */
export class SsoFailure extends ApiError {
  constructor(
    readonly reason: SsoFailureReason,
    detail: string,
  ) {
    super("unauthenticated", `Single sign-on failed: ${detail}`, {
      messageKey: MESSAGE[reason] ?? "sso.error.failed",
      params: { reason: detail },
    });
  }
}

/** Runs one call to the issuer; a guard failure (refused URL, timeout, network, bad body) is an SsoFailure. */
async function atIssuer<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof OutboundError) throw new SsoFailure("unreachable", `${what}: ${err.reason}`);
    throw err;
  }
}

export const ISSUER_CACHE_TTL_MS = 10 * 60_000;
const DISCOVERY_TIMEOUT_MS = 5000;
const TOKEN_TIMEOUT_MS = 10_000;
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

export async function discover(env: Env, issuer: string, now = Date.now()): Promise<Discovery> {
  const cached = fresh(discoveryCache, issuer, now);
  if (cached) return cached;
  const d = await atIssuer("discovery", () => fetchDiscovery(env, issuer));
  discoveryCache.set(issuer, { at: now, value: d });
  return d;
}

async function fetchDiscovery(env: Env, issuer: string): Promise<Discovery> {
  const res = await outboundFetch(env, `${issuer}/.well-known/openid-configuration`, {
    headers: { accept: "application/json" },
    timeoutMs: DISCOVERY_TIMEOUT_MS,
  });
  if (!res.ok) {
    res.body?.cancel().catch(() => {});
    throw new SsoFailure("discovery", `discovery answered ${res.status}`);
  }
  const d = await readJson<Partial<Discovery> | null>(res);
  // Each endpoint must pass the guard now (the authorization endpoint too: it is a link we show).
  const usable = (u: unknown) => typeof u === "string" && checkOutboundUrl(u, env.ENVIRONMENT).ok;
  // OIDC Discovery §4.3: the document's issuer must be the one asked for.
  if (
    d?.issuer !== issuer ||
    !usable(d.authorization_endpoint) ||
    !usable(d.token_endpoint) ||
    !usable(d.jwks_uri) ||
    (d.userinfo_endpoint !== undefined && !usable(d.userinfo_endpoint))
  )
    throw new SsoFailure("discovery", "discovery document does not match the issuer");
  return d as Discovery;
}

export interface TokenAnswer {
  id_token?: string;
  access_token?: string;
  refresh_token?: string;
  error?: string;
}

/**
 * A token-endpoint request (client_secret_post) for an authorization code or a refresh token.
 * `ok: false` carries the issuer's `error` (e.g. `invalid_grant`); transport failures throw.
 */
export async function tokenRequest(
  env: Env,
  d: Discovery,
  c: SsoConfig,
  grant: Record<string, string>,
): Promise<{ ok: boolean; status: number; body: TokenAnswer }> {
  const secret = c.clientSecretEnc
    ? await decryptString(env.ENCRYPTION_KEY, c.clientSecretEnc, `sso:${c.tenantId}`)
    : "";
  return atIssuer("token endpoint", async () => {
    const res = await outboundFetch(env, d.token_endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({ ...grant, client_id: c.clientId, client_secret: secret }),
      timeoutMs: TOKEN_TIMEOUT_MS,
    });
    // An error answer need not be JSON: its status is what matters then.
    const body = await readJson<TokenAnswer | null>(res).catch((err) => {
      if (res.ok) throw err;
      return null;
    });
    return { ok: res.ok, status: res.status, body: body && typeof body === "object" ? body : {} };
  });
}

/** OIDC Core §5.3: the claims UserInfo returns for the access token (its `sub` checked by the caller). */
export async function fetchUserInfo(env: Env, d: Discovery, accessToken: string) {
  if (!d.userinfo_endpoint) throw new SsoFailure("no_email", "no e-mail in the ID token and no UserInfo");
  const endpoint = d.userinfo_endpoint;
  return atIssuer("UserInfo", async () => {
    const res = await outboundFetch(env, endpoint, {
      headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" },
      timeoutMs: DISCOVERY_TIMEOUT_MS,
      // A bearer token is never sent anywhere but the endpoint the issuer named.
      maxRedirects: 0,
    });
    if (!res.ok) {
      res.body?.cancel().catch(() => {});
      throw new SsoFailure("userinfo", `UserInfo answered ${res.status}`);
    }
    const info = await readJson<Record<string, unknown> | null>(res);
    if (!info || typeof info !== "object") throw new SsoFailure("userinfo", "UserInfo is not an object");
    return info;
  });
}

const ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"];

/** The ID token's claims, checked: signature (issuer's JWKS), `iss`, `aud`, `exp`/`iat`, `sub`, `nonce`. */
export async function verifyIdToken(
  env: Env,
  idToken: string,
  d: Discovery,
  clientId: string,
  nonce: string,
): Promise<Record<string, unknown> & { sub: string }> {
  // Lazy: jose is only loaded for an SSO callback.
  const [{ createLocalJWKSet }, { jwtVerify }] = await Promise.all([
    import("jose/jwks/local"),
    import("jose/jwt/verify"),
  ]);
  type Jwks = Parameters<typeof createLocalJWKSet>[0];
  const load = async (): Promise<Jwks> => {
    const keys = await atIssuer("JWKS", async () => {
      const res = await outboundFetch(env, d.jwks_uri, {
        headers: { accept: "application/json" },
        timeoutMs: DISCOVERY_TIMEOUT_MS,
      });
      if (!res.ok) {
        res.body?.cancel().catch(() => {});
        throw new SsoFailure("id_token", "JWKS unavailable");
      }
      return readJson<Jwks>(res);
    });
    if (!Array.isArray((keys as { keys?: unknown } | null)?.keys))
      throw new SsoFailure("id_token", "the JWKS has no keys");
    jwksCache.set(d.jwks_uri, { at: Date.now(), value: keys });
    return keys;
  };
  const cached = fresh(jwksCache, d.jwks_uri, Date.now()) as Jwks | undefined;
  const verify = async (keys: Jwks) => {
    const { payload } = await jwtVerify(idToken, createLocalJWKSet(keys), {
      issuer: d.issuer,
      audience: clientId,
      algorithms: ALGORITHMS,
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
    if (payload.nonce !== nonce) throw new SsoFailure("id_token", "nonce mismatch");
    if (typeof payload.sub !== "string" || payload.sub === "" || payload.sub.length > 255)
      throw new SsoFailure("id_token", "no usable subject");
    return payload as Record<string, unknown> & { sub: string };
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new SsoFailure("id_token", (err as { code?: string }).code ?? "invalid ID token");
  }
}
