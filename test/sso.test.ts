import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import appWorker from "../apps/index";
import { clearIssuerCache, ISSUER_CACHE_TTL_MS, SSO_CONFIRM_MS } from "../core/identity/sso";
import { recheckSsoSessions, SSO_RECHECK_MS } from "../core/identity/sso-recheck";
import { newTotpSecret, totpCode } from "../core/identity/totp";
import { decryptString, encryptString } from "../core/platform/crypto";
import { controlDb } from "../db/client";
import { auditLog, connectionLog, memberships, sessions, tenants, users } from "../db/schema/control";
import { call, E, loginCookie, makeTenant, PASSWORD, type TestTenant } from "./helpers";

/**
 * SSO (A8) against a mock OpenID Connect issuer served at the fetch boundary: discovery, JWKS,
 * a token endpoint that checks the PKCE verifier, and DNS-over-HTTPS for the domain check.
 */
// A public name: the outbound guard refuses reserved names such as *.test (the fetch is mocked anyway).
const ISSUER = "https://idp.sso-issuer.example.com";
const CLIENT_ID = "ccr-client";
/** Where the issuer may redirect its discovery document to (a public host: followed after the check). */
const MIRROR = "https://mirror.sso-issuer.example.com/.well-known/openid-configuration";

interface Scenario {
  aud?: string;
  exp?: number;
  nonce?: string;
  /** Omitted or null: no `email` claim in the ID token. */
  email?: string | null;
  badKey?: boolean;
  /** The IdP user (`sub`); default "idp-user-1". */
  sub?: string;
  /** `email_verified` as sent (default true); `"absent"` leaves the claim out. */
  emailVerified?: unknown;
  preferredUsername?: string;
  /** Entra ID's "e-mail domain owner verified" optional claim. */
  xmsEdov?: unknown;
  /** The token endpoint also returns this refresh token. */
  refreshToken?: string;
}

async function mockIssuer(domain: string, txt: string | null, issuer = ISSUER) {
  const ISSUER = issuer;
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
    /** Every request the platform made, with what it asked for redirects. */
    requests: [] as { url: string; redirect: string | undefined; authorization: string | null }[],
    /** What UserInfo answers (for the bearer `at`); default `{ sub }` of the scenario. */
    userinfo: null as Record<string, unknown> | null,
    /** Changes to the discovery document (a refused endpoint, a wrong issuer…). */
    discovery: {} as Record<string, unknown>,
    /** Replaces the discovery answer (a redirect, a network error, a body that is not JSON). */
    discoveryAnswer: null as null | (() => Response),
    /** The answer to a refresh-token grant. */
    refresh: "ok" as "ok" | "invalid_grant" | "down",
    // code → what the authorization request carried
    codes: new Map<string, { challenge: string; nonce: string }>(),
  };
  const json = (v: unknown) =>
    new Response(JSON.stringify(v), { headers: { "content-type": "application/json" } });
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    const url = new URL(req.url);
    state.hits.set(url.pathname, (state.hits.get(url.pathname) ?? 0) + 1);
    state.requests.push({
      url: url.href,
      redirect: init?.redirect,
      authorization: req.headers.get("authorization"),
    });
    if (url.hostname === "cloudflare-dns.com") {
      expect(url.searchParams.get("name")).toBe(`_ccr-verify.${domain}`);
      expect(req.headers.get("accept")).toBe("application/dns-json");
      return json({
        Status: 0,
        Answer: txt ? [{ name: url.searchParams.get("name"), type: 16, data: `"${txt}"` }] : [],
      });
    }
    const discoveryDoc = () =>
      json({
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/authorize`,
        token_endpoint: `${ISSUER}/token`,
        jwks_uri: `${ISSUER}/jwks`,
        userinfo_endpoint: `${ISSUER}/userinfo`,
        ...state.discovery,
      });
    if (url.href === `${ISSUER}/.well-known/openid-configuration`)
      return state.discoveryAnswer ? state.discoveryAnswer() : discoveryDoc();
    if (url.href === MIRROR) return discoveryDoc();
    if (url.href === `${ISSUER}/jwks`) return json({ keys: [jwk] });
    if (url.href === `${ISSUER}/userinfo`) {
      if (req.headers.get("authorization") !== "Bearer at") return new Response(null, { status: 401 });
      return json(state.userinfo ?? { sub: state.scenario.sub ?? "idp-user-1" });
    }
    if (url.href === `${ISSUER}/token`) {
      const body = new URLSearchParams(await req.text());
      state.tokenRequests.push(body);
      if (body.get("grant_type") === "refresh_token") {
        if (state.refresh === "down") return new Response("maintenance", { status: 503 });
        if (state.refresh === "invalid_grant")
          return new Response(JSON.stringify({ error: "invalid_grant" }), {
            status: 400,
            headers: { "content-type": "application/json" },
          });
        return json({
          access_token: "at2",
          token_type: "Bearer",
          refresh_token: `${body.get("refresh_token")}+`,
        });
      }
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
      const claims: Record<string, unknown> = {
        given_name: "Sofia",
        family_name: "Signon",
        nonce: s.nonce ?? grant.nonce,
      };
      if (s.email) claims.email = s.email;
      if (s.emailVerified !== "absent") claims.email_verified = "emailVerified" in s ? s.emailVerified : true;
      if (s.preferredUsername) claims.preferred_username = s.preferredUsername;
      if (s.xmsEdov !== undefined) claims.xms_edov = s.xmsEdov;
      const idToken = await new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid })
        .setIssuer(ISSUER)
        .setSubject(s.sub ?? "idp-user-1")
        .setAudience(s.aud ?? CLIENT_ID)
        .setIssuedAt(now - 30)
        .setExpirationTime(s.exp ?? now + 300)
        .sign(s.badKey ? evil.privateKey : good.privateKey);
      return json({
        access_token: "at",
        token_type: "Bearer",
        id_token: idToken,
        ...(s.refreshToken ? { refresh_token: s.refreshToken } : {}),
      });
    }
    throw new Error(`unexpected fetch ${url.href}`);
  });
  return { spy, state };
}

// Every test meets its own mock issuer (new keys): start from a cold per-isolate cache.
beforeEach(() => clearIssuerCache());
afterEach(() => vi.restoreAllMocks());

async function setUpSso(
  t: TestTenant,
  domain: string,
  idp: { provider: "oidc" | "microsoft"; issuer: string } = { provider: "oidc", issuer: ISSUER },
) {
  const put = await call("/api/v1/settings/sso", {
    method: "PUT",
    key: t.key,
    json: {
      ...idp,
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
async function startLogin(
  mock: Awaited<ReturnType<typeof mockIssuer>>,
  email: string,
  issuer = ISSUER,
  next = "/support",
) {
  const res = await call(`/login/sso?next=${encodeURIComponent(next)}`, { method: "POST", form: { email } });
  // A page that links to the issuer (a form may not redirect to another origin under our CSP).
  expect(res.status).toBe(200);
  const href = /id="sso-continue" href="([^"]+)"/.exec(await res.text())?.[1].replaceAll("&amp;", "&");
  const auth = new URL(href!);
  expect(auth.origin + auth.pathname).toBe(`${issuer}/authorize`);
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

async function enabledSso(
  t: TestTenant,
  prefix: string,
  idp: { provider: "oidc" | "microsoft"; issuer: string } = { provider: "oidc", issuer: ISSUER },
) {
  const domain = `${prefix}-${crypto.randomUUID().slice(0, 8)}.example`;
  const cfg = await setUpSso(t, domain, idp);
  const mock = await mockIssuer(domain, cfg.verificationRecord.value, idp.issuer);
  await call("/api/v1/settings/sso/verify-domain", { method: "POST", key: t.key });
  const on = await call("/api/v1/settings/sso", {
    method: "PUT",
    key: t.key,
    json: { ...idp, clientId: CLIENT_ID, domain, enabled: true },
  });
  expect(on.status).toBe(200);
  return { domain, mock };
}

/** A whole sign-in (start → issuer → callback) for this ID-token scenario; the callback's answer. */
async function signIn(
  mock: Awaited<ReturnType<typeof mockIssuer>>,
  email: string,
  scenario: Scenario = { email },
  issuer = ISSUER,
) {
  mock.state.scenario = scenario;
  const cb = await startLogin(mock, email, issuer);
  return call(cb.url, { cookie: cb.cookie, headers: { "accept-language": "en" } });
}

/** The stored session behind a `__Host-ccr_session=<id>.<secret>` cookie. */
const sessionRow = (cookie: string) =>
  controlDb(E).query.sessions.findFirst({ where: eq(sessions.id, cookie.split("=")[1].split(".")[0]) });
const connectionEvents = async (tenantId: string) =>
  (await controlDb(E).select().from(connectionLog).where(eq(connectionLog.tenantId, tenantId))).map(
    (r) => r.event,
  );
const memberOf = async (tenantId: string, email: string) => {
  const db = controlDb(E);
  const user = await db.query.users.findFirst({ where: eq(users.email, email) });
  if (!user) return undefined;
  return db.query.memberships.findFirst({
    where: and(eq(memberships.userId, user.id), eq(memberships.tenantId, tenantId)),
  });
};

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
    // The session after the second factor is still an SSO one: it lapses without the issuer.
    expect((await sessionRow(session!))?.ssoConfirmBy).toBeGreaterThan(Date.now());
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

describe("who signs in (issue 12: SSO account takeover)", () => {
  /** An admin of the organisation, with an address in the SSO domain, never signed in by SSO. */
  async function admin(t: TestTenant, domain: string) {
    const db = controlDb(E);
    const id = `usr_boss_${crypto.randomUUID().slice(0, 8)}`;
    const email = `boss@${domain}`;
    const now = Date.now();
    await db.batch([
      db.insert(users).values({ id, email, emailVerifiedAt: now, createdAt: now, updatedAt: now }),
      db
        .insert(memberships)
        .values({ id: `mem_${id}`, tenantId: t.tenant.id, userId: id, role: "admin", createdAt: now }),
    ]);
    return { id, email };
  }

  it("preferred_username, an absent or non-boolean email_verified, or xms_edov outside Entra never make anyone an admin", async () => {
    const t = await makeTenant();
    const { domain, mock } = await enabledSso(t, "takeover");
    const boss = await admin(t, domain);
    const attempts: [Scenario, string][] = [
      // The directory lets its user pick a username that is the admin's address; no e-mail claim,
      // and UserInfo (asked since the ID token has no e-mail) has none either.
      [{ email: null, preferredUsername: boss.email, sub: "attacker" }, "sso_failure.no_email"],
      [{ email: boss.email, emailVerified: "absent", sub: "attacker" }, "sso_failure.email_unverified"],
      [{ email: boss.email, emailVerified: "true", sub: "attacker" }, "sso_failure.email_unverified"],
      [
        { email: boss.email, emailVerified: "absent", xmsEdov: true, sub: "attacker" },
        "sso_failure.email_unverified",
      ],
    ];
    for (const [scenario, event] of attempts) {
      const res = await signIn(mock, boss.email, scenario);
      expect(res.status, JSON.stringify(scenario)).toBe(401);
      expect(await res.text()).toContain("Single sign-on failed");
      expect(sessionOf(res)).toBeUndefined();
      expect((await connectionEvents(t.tenant.id)).at(-1)).toBe(event);
    }
    expect(mock.state.hits.get("/userinfo")).toBe(1);
    // The admin's membership was not bound to the attacker.
    expect(await memberOf(t.tenant.id, boss.email)).toMatchObject({ ssoSubject: null, role: "admin" });
  });

  it("iss + sub are bound at the first sign-in and decide afterwards; another sub with the bound address is refused", async () => {
    const t = await makeTenant();
    const { domain, mock } = await enabledSso(t, "bind");
    const boss = await admin(t, domain);
    const first = await signIn(mock, boss.email, { email: boss.email, sub: "boss-sub" });
    expect(first.status).toBe(303);
    expect((await sessionRow(sessionOf(first)!))?.subjectId).toBe(boss.id);
    expect(await memberOf(t.tenant.id, boss.email)).toMatchObject({
      ssoIssuer: ISSUER,
      ssoSubject: "boss-sub",
      role: "admin",
    });
    // The address changes at the issuer: the same sub is still the same member.
    const renamed = await signIn(mock, boss.email, { email: `boss.new@${domain}`, sub: "boss-sub" });
    expect(renamed.status).toBe(303);
    expect((await sessionRow(sessionOf(renamed)!))?.subjectId).toBe(boss.id);
    expect(
      await controlDb(E).query.users.findFirst({ where: eq(users.email, `boss.new@${domain}`) }),
    ).toBeUndefined();
    // Another identity at the issuer now carries the admin's (verified) address: refused.
    const other = await signIn(mock, boss.email, { email: boss.email, sub: "someone-else" });
    expect(other.status).toBe(401);
    expect(await other.text()).toContain("already linked to another person");
    expect(sessionOf(other)).toBeUndefined();
    expect((await connectionEvents(t.tenant.id)).at(-1)).toBe("sso_failure.identity_mismatch");
  });

  it("no e-mail in the ID token: UserInfo (bearer token, through the guard) gives it, for the same sub only", async () => {
    const t = await makeTenant();
    const { domain, mock } = await enabledSso(t, "userinfo");
    const email = `ui@${domain}`;
    mock.state.userinfo = { sub: "ui-sub", email, email_verified: true, given_name: "Uma" };
    const ok = await signIn(mock, email, { email: null, sub: "ui-sub" });
    expect(ok.status).toBe(303);
    expect(sessionOf(ok)).toBeTruthy();
    const asked = mock.state.requests.filter((r) => r.url === `${ISSUER}/userinfo`);
    expect(asked).toEqual([{ url: `${ISSUER}/userinfo`, redirect: "manual", authorization: "Bearer at" }]);
    expect(await memberOf(t.tenant.id, email)).toMatchObject({ ssoSubject: "ui-sub", role: "agent" });
    // UserInfo about another subject is not about this person.
    mock.state.userinfo = { sub: "not-ui-2", email: `ui2@${domain}`, email_verified: true };
    const refused = await signIn(mock, `ui2@${domain}`, { email: null, sub: "ui-2" });
    expect(refused.status).toBe(401);
    expect(await memberOf(t.tenant.id, `ui2@${domain}`)).toBeUndefined();
    expect((await connectionEvents(t.tenant.id)).at(-1)).toBe("sso_failure.userinfo");
  });

  it("Microsoft Entra ID: xms_edov === true stands for a verified address; without it the address is not trusted", async () => {
    const t = await makeTenant();
    const entra = "https://login.microsoftonline.com/0b4e1c6a-1111-4222-8333-944445555666/v2.0";
    const { domain, mock } = await enabledSso(t, "entra", { provider: "microsoft", issuer: entra });
    const ok = await signIn(
      mock,
      `eve@${domain}`,
      { email: `eve@${domain}`, emailVerified: "absent", xmsEdov: true, sub: "ms-1" },
      entra,
    );
    expect(ok.status).toBe(303);
    expect(await memberOf(t.tenant.id, `eve@${domain}`)).toMatchObject({
      ssoIssuer: entra,
      ssoSubject: "ms-1",
    });
    for (const xmsEdov of [undefined, false, "true", 1]) {
      const res = await signIn(
        mock,
        `mal@${domain}`,
        { email: `mal@${domain}`, emailVerified: "absent", xmsEdov, sub: "ms-2" },
        entra,
      );
      expect(res.status, String(xmsEdov)).toBe(401);
    }
    expect(await memberOf(t.tenant.id, `mal@${domain}`)).toBeUndefined();
  });

  it("every refused sign-in says why in the connection log", async () => {
    const t = await makeTenant();
    const { domain, mock } = await enabledSso(t, "connlog");
    await signIn(mock, `a@${domain}`, { email: `a@${domain}`, badKey: true });
    await signIn(mock, `a@${domain}`, { email: "a@elsewhere.example" });
    expect((await call("/sso/callback?code=x&state=nope", { cookie: "__Host-ccr_sso=nope" })).status).toBe(
      401,
    );
    const events = await connectionEvents(t.tenant.id);
    expect(events).toEqual(expect.arrayContaining(["sso_failure.id_token", "sso_failure.email_domain"]));
    const unknown = await controlDb(E)
      .select()
      .from(connectionLog)
      .where(and(eq(connectionLog.event, "sso_failure.state"), eq(connectionLog.subjectType, "unknown")));
    expect(unknown.length).toBeGreaterThan(0);
    // The admin's audit page names the reason in words.
    const page = await call("/audit", { cookie: await loginCookie(t.users.admin.email) });
    expect(await page.text()).toContain("Failed single sign-on (address outside the verified domain)");
  });
});

describe("SSO sessions are re-checked with the issuer (issue 12)", () => {
  it("with a refresh token: renewed hourly by the cron; the issuer down extends nothing; invalid_grant ends the sessions", async () => {
    const t = await makeTenant();
    const { domain, mock } = await enabledSso(t, "recheck");
    const email = `rc@${domain}`;
    const res = await signIn(mock, email, { email, refreshToken: "rt-1" });
    const cookie = sessionOf(res)!;
    const m = (await memberOf(t.tenant.id, email))!;
    expect(m.ssoRefreshTokenEnc).toBeTruthy();
    expect(m.ssoRefreshTokenEnc).not.toContain("rt-1");
    const signedInAt = Date.now();
    const s0 = (await sessionRow(cookie))!;
    expect(s0.ssoConfirmBy).toBeGreaterThanOrEqual(signedInAt - 5000 + SSO_CONFIRM_MS - 60_000);
    expect(s0.ssoConfirmBy).toBeLessThanOrEqual(signedInAt + SSO_CONFIRM_MS);
    const mine = (r: { membershipId: string }[]) => r.filter((x) => x.membershipId === m.id);
    // Within the hour there is nothing to ask.
    expect(mine(await recheckSsoSessions(E, signedInAt + 10 * 60_000))).toEqual([]);

    const at1 = signedInAt + SSO_RECHECK_MS + 60_000;
    expect(mine(await recheckSsoSessions(E, at1))).toEqual([{ membershipId: m.id, outcome: "confirmed" }]);
    const grant = mock.state.tokenRequests.at(-1)!;
    expect(Object.fromEntries(grant)).toMatchObject({
      grant_type: "refresh_token",
      refresh_token: "rt-1",
      client_id: CLIENT_ID,
      client_secret: "s3cr3t",
    });
    expect((await sessionRow(cookie))?.ssoConfirmBy).toBe(at1 + SSO_CONFIRM_MS);
    // The rotated refresh token is the one used next.
    const rotated = (await memberOf(t.tenant.id, email))!;
    expect(await decryptString(E.ENCRYPTION_KEY, rotated.ssoRefreshTokenEnc!, `sso-rt:${m.id}`)).toBe(
      "rt-1+",
    );

    // The issuer is down: nothing is extended (the session lapses at its time, failing closed).
    mock.state.refresh = "down";
    const at2 = at1 + SSO_RECHECK_MS + 60_000;
    expect(mine(await recheckSsoSessions(E, at2))).toEqual([{ membershipId: m.id, outcome: "unconfirmed" }]);
    expect((await sessionRow(cookie))?.ssoConfirmBy).toBe(at1 + SSO_CONFIRM_MS);
    expect((await call("/", { cookie })).status).toBe(200);

    // The person is removed at the issuer: the 10-minute cron ends their SSO sessions.
    mock.state.refresh = "invalid_grant";
    const worker = appWorker as unknown as {
      scheduled(c: ScheduledController, e: Env, x: ExecutionContext): Promise<void>;
    };
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ cron: "*/10 * * * *", scheduledTime: at2 + 10 * 60_000 }),
      E,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(await sessionRow(cookie)).toBeUndefined();
    expect((await call("/", { cookie })).status).not.toBe(200);
    expect((await memberOf(t.tenant.id, email))?.ssoRefreshTokenEnc).toBeNull();
    expect((await connectionEvents(t.tenant.id)).at(-1)).toBe("sso_session_revoked");
    const audits = await controlDb(E).select().from(auditLog).where(eq(auditLog.tenantId, t.tenant.id));
    expect(audits.map((a) => a.action)).toContain("sso.sessions_revoked");
  });

  it("without a refresh token an SSO session ends SSO_CONFIRM_MS after the sign-in; a password session does not", async () => {
    const t = await makeTenant();
    const { domain, mock } = await enabledSso(t, "cap");
    const email = `cap@${domain}`;
    const cookie = sessionOf(await signIn(mock, email))!;
    const password = await loginCookie(t.users.viewer.email);
    const signedInAt = Date.now();
    expect((await memberOf(t.tenant.id, email))?.ssoRefreshTokenEnc).toBeNull();
    expect((await sessionRow(password))?.ssoConfirmBy).toBeNull();
    const real = Date.now.bind(Date);
    const clock = vi.spyOn(Date, "now");
    clock.mockReturnValue(signedInAt + SSO_CONFIRM_MS - 10 * 60_000);
    expect((await call("/", { cookie })).status).toBe(200);
    clock.mockReturnValue(signedInAt + SSO_CONFIRM_MS + 1000);
    expect((await call("/", { cookie })).status).not.toBe(200);
    expect((await call("/", { cookie: password })).status).toBe(200);
    clock.mockImplementation(real);
    // Signing in again at the issuer opens a new session.
    expect((await call("/", { cookie: sessionOf(await signIn(mock, email))! })).status).toBe(200);
  });
});

describe("SSRF through the SSO issuer (issue 12)", () => {
  it("an issuer at a private, loopback, link-local or metadata address, in any notation, is refused when saved", async () => {
    const t = await makeTenant();
    const domain = `ssrf-${crypto.randomUUID().slice(0, 8)}.example`;
    for (const issuer of [
      "https://169.254.169.254",
      "https://127.0.0.1:8443",
      "https://0x7f.1",
      "https://2130706433",
      "https://[::ffff:10.0.0.1]",
      "https://[fd00:ec2::254]",
      "https://100.100.100.200",
      "https://metadata.google.internal",
      "https://localhost.",
      "http://localhost:8080",
    ]) {
      const res = await call("/api/v1/settings/sso", {
        method: "PUT",
        key: t.key,
        json: { provider: "oidc", issuer, clientId: CLIENT_ID, clientSecret: "s", domain },
      });
      expect(res.status, issuer).toBe(400);
      const body = await res.json<{ errors?: { pointer: string }[] }>();
      expect(body.errors?.[0].pointer, issuer).toBe("/issuer");
    }
  });

  it("every call to the issuer asks for manual redirects; a discovery document naming private endpoints is refused", async () => {
    const t = await makeTenant();
    const { domain, mock } = await enabledSso(t, "endpoints");
    expect((await signIn(mock, `x@${domain}`)).status).toBe(303);
    const issuerCalls = mock.state.requests.filter((r) => r.url.startsWith(ISSUER));
    expect(issuerCalls.map((r) => new URL(r.url).pathname).sort()).toEqual([
      "/.well-known/openid-configuration",
      "/jwks",
      "/token",
    ]);
    for (const r of issuerCalls) expect(r.redirect, r.url).toBe("manual");

    for (const bad of [
      { token_endpoint: "https://10.0.0.5/token" },
      { jwks_uri: "https://169.254.169.254/latest/meta-data" },
      { userinfo_endpoint: "https://[::1]/userinfo" },
      { token_endpoint: "http://idp.sso-issuer.example.com:8080/token" },
    ]) {
      clearIssuerCache();
      mock.state.discovery = bad;
      mock.state.requests = [];
      const res = await call("/login/sso", {
        method: "POST",
        form: { email: `x@${domain}` },
        headers: { "accept-language": "en" },
      });
      expect(res.status, JSON.stringify(bad)).toBe(401);
      expect(await res.text()).toContain("Single sign-on failed");
      expect(mock.state.requests.map((r) => r.url)).toEqual([`${ISSUER}/.well-known/openid-configuration`]);
    }
    expect((await connectionEvents(t.tenant.id)).at(-1)).toBe("sso_failure.discovery");
  });

  it("a discovery redirect is re-checked: to a metadata address refused, to a public host followed", async () => {
    const t = await makeTenant();
    const { domain, mock } = await enabledSso(t, "redirect");
    clearIssuerCache();
    mock.state.discoveryAnswer = () =>
      new Response(null, { status: 302, headers: { location: "http://169.254.169.254/latest/meta-data/" } });
    const refused = await call("/login/sso", {
      method: "POST",
      form: { email: `x@${domain}` },
      headers: { "accept-language": "en" },
    });
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain("identity provider could not be used");
    expect(mock.state.requests.some((r) => r.url.includes("169.254"))).toBe(false);
    expect((await connectionEvents(t.tenant.id)).at(-1)).toBe("sso_failure.unreachable");

    mock.state.discoveryAnswer = () => new Response(null, { status: 301, headers: { location: MIRROR } });
    expect((await signIn(mock, `x@${domain}`)).status).toBe(303);
    expect(mock.state.requests.map((r) => r.url)).toContain(MIRROR);
  });

  it("a network error or a non-JSON answer from discovery on the public sign-in page is a readable 401, not a 500", async () => {
    const t = await makeTenant();
    const { domain, mock } = await enabledSso(t, "down");
    for (const answer of [
      () => {
        throw new TypeError("Network connection lost.");
      },
      () =>
        new Response("<html>maintenance</html>", { status: 200, headers: { "content-type": "text/html" } }),
    ]) {
      clearIssuerCache();
      mock.state.discoveryAnswer = answer;
      const res = await call("/login/sso", {
        method: "POST",
        form: { email: `x@${domain}` },
        headers: { "accept-language": "en" },
      });
      expect(res.status).toBe(401);
      const html = await res.text();
      expect(html).toContain("identity provider could not be used");
      expect(html).toContain('name="email"');
    }
  });
});

describe("after an SSO sign-in (issue 12, point 6)", () => {
  it("the callback follows next= only to a path on APP_URL's origin", async () => {
    const t = await makeTenant();
    const { domain, mock } = await enabledSso(t, "next");
    const email = `n@${domain}`;
    mock.state.scenario = { email };
    for (const [next, location] of [
      ["/\t/evil.example", "/"],
      ["/\\evil.example", "/"],
      ["//evil.example", "/"],
      ["https://evil.example/", "/"],
      ["/calls\r\n/x", "/"],
      ["/calls?status=done", "/calls?status=done"],
    ]) {
      const cb = await startLogin(mock, email, ISSUER, next);
      const res = await call(cb.url, { cookie: cb.cookie });
      expect(res.status, next).toBe(303);
      expect(res.headers.get("location"), next).toBe(location);
      expect(sessionOf(res), next).toBeTruthy();
    }
  });
});
