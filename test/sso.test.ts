import { and, eq } from "drizzle-orm";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { newTotpSecret, totpCode } from "../core/auth/totp";
import { encryptString } from "../core/crypto";
import { clearIssuerCache, ISSUER_CACHE_TTL_MS } from "../core/sso";
import { controlDb } from "../db/client";
import { auditLog, memberships, tenants, users } from "../db/schema/control";
import { call, loginCookie, makeTenant, PASSWORD, type TestTenant } from "./helpers";

/**
 * SSO (A8) against a mock OpenID Connect issuer served at the fetch boundary: discovery, JWKS,
 * a token endpoint that checks the PKCE verifier, and DNS-over-HTTPS for the domain check.
 */
// A public name: the outbound guard refuses reserved names such as *.test (the fetch is mocked anyway).
const ISSUER = "https://idp.sso-issuer.example.com";
const CLIENT_ID = "ccr-client";

interface Scenario {
  aud?: string;
  exp?: number;
  nonce?: string;
  email?: string;
  badKey?: boolean;
}

async function mockIssuer(domain: string, txt: string | null) {
  let good = await generateKeyPair("RS256", { extractable: true });
  const evil = await generateKeyPair("RS256", { extractable: true });
  let kid = "k1";
  let jwk = { ...(await exportJWK(good.publicKey)), kid, alg: "RS256", use: "sig" };
  const state = {
    /** How many times each issuer URL was fetched. */
    hits: new Map<string, number>(),
    /** The issuer rotates its signing key (a new kid; the old one is withdrawn). */
    rotate: async () => {
      good = await generateKeyPair("RS256", { extractable: true });
      kid = `k${Date.now()}`;
      jwk = { ...(await exportJWK(good.publicKey)), kid, alg: "RS256", use: "sig" };
    },
    scenario: {} as Scenario,
    tokenRequests: [] as URLSearchParams[],
    // code → what the authorization request carried
    codes: new Map<string, { challenge: string; nonce: string }>(),
  };
  const json = (v: unknown) =>
    new Response(JSON.stringify(v), { headers: { "content-type": "application/json" } });
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    const url = new URL(req.url);
    state.hits.set(url.pathname, (state.hits.get(url.pathname) ?? 0) + 1);
    if (url.hostname === "cloudflare-dns.com") {
      expect(url.searchParams.get("name")).toBe(`_ccr-verify.${domain}`);
      expect(req.headers.get("accept")).toBe("application/dns-json");
      return json({
        Status: 0,
        Answer: txt ? [{ name: url.searchParams.get("name"), type: 16, data: `"${txt}"` }] : [],
      });
    }
    if (url.href === `${ISSUER}/.well-known/openid-configuration`)
      return json({
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/authorize`,
        token_endpoint: `${ISSUER}/token`,
        jwks_uri: `${ISSUER}/jwks`,
      });
    if (url.href === `${ISSUER}/jwks`) return json({ keys: [jwk] });
    if (url.href === `${ISSUER}/token`) {
      const body = new URLSearchParams(await req.text());
      state.tokenRequests.push(body);
      const grant = state.codes.get(body.get("code") ?? "");
      const verifier = body.get("code_verifier") ?? "";
      const digest = new Uint8Array(
        await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)),
      );
      const challenge = btoa(String.fromCharCode(...digest))
        .replace(/\+/g, "-")
        .replace(/\//g, "_")
        .replace(/=+$/, "");
      if (!grant || grant.challenge !== challenge) return json({ error: "invalid_grant" });
      const s = state.scenario;
      const now = Math.floor(Date.now() / 1000);
      const idToken = await new SignJWT({
        email: s.email,
        email_verified: true,
        given_name: "Sofia",
        family_name: "Signon",
        nonce: s.nonce ?? grant.nonce,
      })
        .setProtectedHeader({ alg: "RS256", kid })
        .setIssuer(ISSUER)
        .setSubject("idp-user-1")
        .setAudience(s.aud ?? CLIENT_ID)
        .setIssuedAt(now - 30)
        .setExpirationTime(s.exp ?? now + 300)
        .sign(s.badKey ? evil.privateKey : good.privateKey);
      return json({ access_token: "at", token_type: "Bearer", id_token: idToken });
    }
    throw new Error(`unexpected fetch ${url.href}`);
  });
  return { spy, state };
}

// Every test meets its own mock issuer (new keys): start from a cold per-isolate cache.
beforeEach(() => clearIssuerCache());
afterEach(() => vi.restoreAllMocks());

async function setUpSso(t: TestTenant, domain: string) {
  const put = await call("/api/v1/settings/sso", {
    method: "PUT",
    key: t.key,
    json: {
      provider: "oidc",
      issuer: ISSUER,
      clientId: CLIENT_ID,
      clientSecret: "s3cr3t",
      domain,
      defaultRole: "agent",
    },
  });
  expect(put.status).toBe(200);
  const cfg = await put.json<{
    verificationRecord: { name: string; value: string };
    domainVerified: boolean;
  }>();
  expect(cfg.domainVerified).toBe(false);
  return cfg;
}

/** Start at /login/sso, play the issuer's part (remember the PKCE challenge), return the callback. */
async function startLogin(mock: Awaited<ReturnType<typeof mockIssuer>>, email: string) {
  const res = await call("/login/sso?next=/support", { method: "POST", form: { email } });
  // A page that links to the issuer (a form may not redirect to another origin under our CSP).
  expect(res.status).toBe(200);
  const href = /id="sso-continue" href="([^"]+)"/.exec(await res.text())?.[1].replaceAll("&amp;", "&");
  const auth = new URL(href!);
  expect(auth.origin + auth.pathname).toBe(`${ISSUER}/authorize`);
  expect(auth.searchParams.get("code_challenge_method")).toBe("S256");
  expect(auth.searchParams.get("client_id")).toBe(CLIENT_ID);
  expect(auth.searchParams.get("scope")).toContain("openid");
  const code = `code-${crypto.randomUUID()}`;
  mock.state.codes.set(code, {
    challenge: auth.searchParams.get("code_challenge")!,
    nonce: auth.searchParams.get("nonce")!,
  });
  const cookie = res.headers
    .getSetCookie()
    .find((s) => s.startsWith("__Host-ccr_sso="))!
    .split(";")[0];
  return {
    url: `/sso/callback?code=${code}&state=${encodeURIComponent(auth.searchParams.get("state")!)}`,
    cookie,
    redirectUri: auth.searchParams.get("redirect_uri"),
  };
}

const sessionOf = (r: Response) =>
  r.headers
    .getSetCookie()
    .find((s) => s.startsWith("__Host-ccr_session="))
    ?.split(";")[0];

describe("single sign-on (A8)", () => {
  it("domain check by DNS TXT, then code flow with PKCE: just-in-time member with the default role; password login off", async () => {
    const t = await makeTenant();
    const domain = `acme-${Date.now()}.example`;
    const cfg = await setUpSso(t, domain);
    // Not verifiable without the record; not enableable before verification.
    const mockNone = await mockIssuer(domain, null);
    expect((await call("/api/v1/settings/sso/verify-domain", { method: "POST", key: t.key })).status).toBe(
      409,
    );
    mockNone.spy.mockRestore();
    const mock = await mockIssuer(domain, cfg.verificationRecord.value);
    const early = await call("/api/v1/settings/sso", {
      method: "PUT",
      key: t.key,
      json: { provider: "oidc", issuer: ISSUER, clientId: CLIENT_ID, domain, enabled: true },
    });
    expect(early.status).toBe(409);
    // Passwords cannot be turned off before SSO works.
    const pw = await call("/api/v1/settings/security", {
      method: "PUT",
      key: t.key,
      json: { passwordLoginEnabled: false },
    });
    expect(pw.status).toBe(409);
    expect((await call("/api/v1/settings/sso/verify-domain", { method: "POST", key: t.key })).status).toBe(
      200,
    );
    const on = await call("/api/v1/settings/sso", {
      method: "PUT",
      key: t.key,
      json: { provider: "oidc", issuer: ISSUER, clientId: CLIENT_ID, domain, enabled: true },
    });
    expect(on.status).toBe(200);
    expect(await on.json()).toMatchObject({ enabled: true, domainVerified: true, clientSecretSet: true });

    const email = `sofia@${domain}`;
    mock.state.scenario = { email };
    const cb = await startLogin(mock, email);
    expect(cb.redirectUri).toBe(
      "http://127.0.0.1:8787/sso/callback".replace("http://127.0.0.1:8787", new URL(cb.redirectUri!).origin),
    );
    const res = await call(cb.url, { cookie: cb.cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/support");
    const session = sessionOf(res);
    expect(session).toBeTruthy();
    // The token request carried the verifier, the secret and the same redirect URI.
    const tokenReq = mock.state.tokenRequests.at(-1)!;
    expect(tokenReq.get("grant_type")).toBe("authorization_code");
    expect(tokenReq.get("client_secret")).toBe("s3cr3t");
    expect(tokenReq.get("redirect_uri")).toBe(cb.redirectUri);
    // Just-in-time membership with the default role.
    const db = controlDb(t.ctx.env);
    const user = await db.query.users.findFirst({ where: eq(users.email, email) });
    expect(user).toMatchObject({ firstName: "Sofia", passwordHash: null });
    const m = await db.query.memberships.findFirst({
      where: and(eq(memberships.userId, user!.id), eq(memberships.tenantId, t.tenant.id)),
    });
    expect(m?.role).toBe("agent");
    const home = await call("/", { cookie: session });
    expect(home.status).toBe(200);
    const audits = await db.select().from(auditLog).where(eq(auditLog.tenantId, t.tenant.id));
    expect(audits.map((a) => a.action)).toEqual(
      expect.arrayContaining(["sso.member_provisioned", "session.login"]),
    );

    // Replayed state: the same callback again fails, no session.
    const replay = await call(cb.url, { cookie: cb.cookie });
    expect(replay.status).toBe(401);
    expect(sessionOf(replay)).toBeUndefined();

    // Now passwords can be turned off; a password sign-in is refused.
    const off = await call("/api/v1/settings/security", {
      method: "PUT",
      key: t.key,
      json: { passwordLoginEnabled: false },
    });
    expect(off.status).toBe(200);
    const pwLogin = await call("/login", {
      method: "POST",
      form: { email: t.users.viewer.email, password: PASSWORD },
    });
    expect(pwLogin.status).toBe(403);
    expect(sessionOf(pwLogin)).toBeUndefined();
  });

  it.each([
    ["bad signature", { badKey: true }],
    ["wrong audience", { aud: "someone-else" }],
    ["expired token", { exp: Math.floor(Date.now() / 1000) - 600 }],
    ["wrong nonce", { nonce: "not-the-nonce" }],
    ["address outside the verified domain", { email: "mallory@evil.example" }],
  ] as [string, Scenario][])("%s → refused, no session, no account", async (_label, scenario) => {
    const t = await makeTenant();
    const domain = `fail-${crypto.randomUUID().slice(0, 8)}.example`;
    const cfg = await setUpSso(t, domain);
    const mock = await mockIssuer(domain, cfg.verificationRecord.value);
    expect((await call("/api/v1/settings/sso/verify-domain", { method: "POST", key: t.key })).status).toBe(
      200,
    );
    await call("/api/v1/settings/sso", {
      method: "PUT",
      key: t.key,
      json: { provider: "oidc", issuer: ISSUER, clientId: CLIENT_ID, domain, enabled: true },
    });
    const email = `victim@${domain}`;
    mock.state.scenario = { email, ...scenario };
    const cb = await startLogin(mock, email);
    const res = await call(cb.url, { cookie: cb.cookie, headers: { "accept-language": "en" } });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("Single sign-on failed");
    expect(sessionOf(res)).toBeUndefined();
    const db = controlDb(t.ctx.env);
    expect(
      await db.query.users.findFirst({ where: eq(users.email, scenario.email ?? email) }),
    ).toBeUndefined();
  });

  async function enabledSso(t: TestTenant, prefix: string) {
    const domain = `${prefix}-${crypto.randomUUID().slice(0, 8)}.example`;
    const cfg = await setUpSso(t, domain);
    const mock = await mockIssuer(domain, cfg.verificationRecord.value);
    await call("/api/v1/settings/sso/verify-domain", { method: "POST", key: t.key });
    await call("/api/v1/settings/sso", {
      method: "PUT",
      key: t.key,
      json: { provider: "oidc", issuer: ISSUER, clientId: CLIENT_ID, domain, enabled: true },
    });
    return { domain, mock };
  }
  const signIn = async (mock: Awaited<ReturnType<typeof mockIssuer>>, email: string) => {
    mock.state.scenario = { email };
    const cb = await startLogin(mock, email);
    return call(cb.url, { cookie: cb.cookie });
  };

  it("discovery and JWKS are fetched once per 10 minutes per isolate; a rotated key refetches the JWKS once", async () => {
    const t = await makeTenant();
    const { domain, mock } = await enabledSso(t, "cache");
    const email = `cache@${domain}`;
    const discoveryHits = () => mock.state.hits.get("/.well-known/openid-configuration") ?? 0;
    const jwksHits = () => mock.state.hits.get("/jwks") ?? 0;
    for (let i = 0; i < 3; i++) expect(sessionOf(await signIn(mock, email))).toBeTruthy();
    expect(discoveryHits()).toBe(1);
    expect(jwksHits()).toBe(1);
    // The issuer rotates its key: the cached set lacks the new kid → one fresh JWKS fetch, then cached.
    await mock.state.rotate();
    expect(sessionOf(await signIn(mock, email))).toBeTruthy();
    expect(sessionOf(await signIn(mock, email))).toBeTruthy();
    expect(jwksHits()).toBe(2);
    expect(discoveryHits()).toBe(1);
    // A forged token (wrong key) is refused after one fresh look at the issuer's keys.
    const forged = await startLogin(mock, email);
    mock.state.scenario = { email, badKey: true };
    const refused = await call(forged.url, { cookie: forged.cookie });
    expect(refused.status).toBe(401);
    expect(sessionOf(refused)).toBeUndefined();
    expect(jwksHits()).toBe(3);
    // Past the TTL (injected clock) both are fetched again.
    const real = Date.now();
    vi.spyOn(Date, "now").mockReturnValue(real + ISSUER_CACHE_TTL_MS + 1000);
    expect(sessionOf(await signIn(mock, email))).toBeTruthy();
    expect(discoveryHits()).toBe(2);
    expect(jwksHits()).toBe(4);
  });

  it("when the organisation requires a second factor, an SSO sign-in of an account with TOTP goes through the TOTP step", async () => {
    const t = await makeTenant();
    const { domain, mock } = await enabledSso(t, "mfa");
    const email = `mfa@${domain}`;
    // First sign-in (no second factor required yet) creates the account just in time.
    expect(sessionOf(await signIn(mock, email))).toBeTruthy();
    const db = controlDb(t.ctx.env);
    const user = (await db.query.users.findFirst({ where: eq(users.email, email) }))!;
    const secret = newTotpSecret();
    await db
      .update(users)
      .set({
        totpSecretEnc: await encryptString(t.ctx.env.ENCRYPTION_KEY, secret, `user:${user.id}`),
        totpEnabledAt: Date.now(),
      })
      .where(eq(users.id, user.id));
    // With TOTP but without the organisation's rule, the identity provider is trusted.
    expect(sessionOf(await signIn(mock, email))).toBeTruthy();
    await db.update(tenants).set({ requireMfa: true }).where(eq(tenants.id, t.tenant.id));
    const res = await signIn(mock, email);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login/totp?next=%2Fsupport");
    expect(sessionOf(res)).toBeUndefined();
    const pending = res.headers
      .getSetCookie()
      .find((c) => c.startsWith("__Host-ccr_mfa="))
      ?.split(";")[0];
    expect(pending).toBeTruthy();
    // The pending session opens nothing.
    expect(
      (await call("/", { cookie: pending!.replace("__Host-ccr_mfa=", "__Host-ccr_session=") })).status,
    ).not.toBe(200);
    const wrong = await call("/login/totp?next=%2Fsupport", {
      method: "POST",
      cookie: pending,
      form: { code: "000000" },
    });
    expect(sessionOf(wrong)).toBeUndefined();
    const ok = await call("/login/totp?next=%2Fsupport", {
      method: "POST",
      cookie: pending,
      form: { code: totpCode(secret) },
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/support");
    const session = sessionOf(ok);
    expect(session).toBeTruthy();
    expect((await call("/", { cookie: session })).status).toBe(200);
  });

  it("a callback from another browser (no state cookie) or with an unknown state is refused", async () => {
    const t = await makeTenant();
    const domain = `csrf-${crypto.randomUUID().slice(0, 8)}.example`;
    const cfg = await setUpSso(t, domain);
    const mock = await mockIssuer(domain, cfg.verificationRecord.value);
    await call("/api/v1/settings/sso/verify-domain", { method: "POST", key: t.key });
    await call("/api/v1/settings/sso", {
      method: "PUT",
      key: t.key,
      json: { provider: "oidc", issuer: ISSUER, clientId: CLIENT_ID, domain, enabled: true },
    });
    mock.state.scenario = { email: `x@${domain}` };
    const cb = await startLogin(mock, `x@${domain}`);
    expect((await call(cb.url)).status).toBe(401);
    expect(
      (await call("/sso/callback?code=x&state=unknown", { cookie: "__Host-ccr_sso=unknown" })).status,
    ).toBe(401);
    // An address without SSO gets a clear message, not a redirect.
    const none = await call("/login/sso", { method: "POST", form: { email: "someone@nosso.example" } });
    expect(none.status).toBe(404);
    // Existing members keep their role and their password still works while passwords are on.
    expect(await loginCookie(t.users.viewer.email)).toMatch(/^__Host-ccr_session=/);
  });
});
