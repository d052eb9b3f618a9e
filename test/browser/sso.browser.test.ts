import { createHash, randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { go, launchBrowser, newPage as newPageWith } from "./lib";

/**
 * Single sign-on in Chromium: an admin sets up OpenID Connect on /security (DNS TXT check
 * against the mock resolver), then a new person signs in through the mock issuer (code flow with
 * PKCE) and lands in the organisation with the default role. The mock issuer and resolver are a
 * Node server on the port the dev server was told about (global-setup: DOH_URL).
 */
const base = inject("baseUrl" as never) as string;
const port = Number(inject("idpPort" as never));
const ISSUER = `http://127.0.0.1:${port}`;
const DOMAIN = `sso-e2e-${Date.now()}.example`;
let browser: Browser;
let server: Server;
const consoleErrors: string[] = [];
const txt: string[] = [];
const codes = new Map<string, { challenge: string; nonce: string; email: string }>();
let email = "";

beforeAll(async () => {
  browser = await launchBrowser();
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "e2e", alg: "RS256", use: "sig" };
  server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", ISSUER);
    const json = (v: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(v));
    };
    if (url.pathname === "/dns-query")
      return json({
        Status: 0,
        Answer: txt.map((t) => ({ name: url.searchParams.get("name"), type: 16, data: `"${t}"` })),
      });
    if (url.pathname === "/.well-known/openid-configuration")
      return json({
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/authorize`,
        token_endpoint: `${ISSUER}/token`,
        jwks_uri: `${ISSUER}/jwks`,
      });
    if (url.pathname === "/jwks") return json({ keys: [jwk] });
    if (url.pathname === "/authorize") {
      // The "identity provider" signs the person in at once and sends the browser back.
      const code = randomUUID();
      codes.set(code, {
        challenge: url.searchParams.get("code_challenge") ?? "",
        nonce: url.searchParams.get("nonce") ?? "",
        email: url.searchParams.get("login_hint") ?? "",
      });
      const back = new URL(url.searchParams.get("redirect_uri") ?? "");
      back.searchParams.set("code", code);
      back.searchParams.set("state", url.searchParams.get("state") ?? "");
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (url.pathname === "/token" && req.method === "POST") {
      let body = "";
      for await (const chunk of req) body += chunk;
      const p = new URLSearchParams(body);
      const grant = codes.get(p.get("code") ?? "");
      const challenge = createHash("sha256")
        .update(p.get("code_verifier") ?? "")
        .digest("base64url");
      if (!grant || grant.challenge !== challenge) {
        res.writeHead(400, { "content-type": "application/json" });
        return res.end(JSON.stringify({ error: "invalid_grant" }));
      }
      codes.delete(p.get("code") ?? "");
      const idToken = await new SignJWT({
        email: grant.email,
        email_verified: true,
        given_name: "Eva",
        nonce: grant.nonce,
      })
        .setProtectedHeader({ alg: "RS256", kid: "e2e" })
        .setIssuer(ISSUER)
        .setSubject("e2e-1")
        .setAudience("ccr-e2e")
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(privateKey);
      return json({ access_token: "x", token_type: "Bearer", id_token: idToken });
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
});
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
});

describe("single sign-on in Chromium", () => {
  it("an admin sets up SSO with a DNS check; a new person signs in through the issuer and joins", async () => {
    const admin = await newPageWith(browser, consoleErrors);
    await admin.goto(`${base}/login`);
    await admin.getByLabel("E-mail").fill("admin@horizon.example");
    await admin.getByLabel("Mot de passe").fill("ccr-demo-2026!");
    await go(admin, admin.getByRole("button", { name: "Se connecter" }));
    await admin.goto(`${base}/security`);
    await admin.locator("select[name=provider]").selectOption("oidc");
    await admin.locator("input[name=issuer]").fill(ISSUER);
    await admin.locator("input[name=clientId]").fill("ccr-e2e");
    await admin.locator("input[name=clientSecret]").fill("e2e-secret");
    await admin.locator("input[name=domain]").fill(DOMAIN);
    await admin.locator("select[name=defaultRole]").selectOption("agent");
    await go(admin, admin.locator("form[action='/security/sso'] button[type=submit]"));
    const record = /ccr-verify=[a-z2-7]+/.exec(await admin.locator("pre").first().innerText())?.[0];
    expect(record).toBeTruthy();
    // Before the record exists the check fails with a message; then it passes.
    await go(admin, admin.locator("form[action='/security/sso/verify'] button[type=submit]"));
    expect(await admin.getByRole("alert").innerText()).toContain("TXT");
    txt.push(record!);
    await go(admin, admin.locator("form[action='/security/sso/verify'] button[type=submit]"));
    expect(await admin.getByRole("status").innerText()).toContain("Domaine vérifié");
    await admin.locator("input[name=enabled]").check();
    await go(admin, admin.locator("form[action='/security/sso'] button[type=submit]"));
    expect(await admin.locator("input[name=enabled]").isChecked()).toBe(true);

    const person = await newPageWith(browser, consoleErrors);
    email = `eva@${DOMAIN}`;
    await person.goto(`${base}/login`);
    await go(person, person.getByRole("link", { name: "Authentification unique" }));
    await person.locator("input[name=email]").fill(email);
    // A cross-origin round trip (issuer and back): wait for the final page, not the first commit.
    await person.locator("form[action^='/login/sso'] button[type=submit]").click();
    await person.waitForURL(`${base}/`, { waitUntil: "load" });
    expect(await person.locator("main").innerText()).toContain("Assurances Horizon");
    const session = (await person.context().cookies()).find((c) => c.name === "__Host-ccr_session");
    expect(session).toMatchObject({ httpOnly: true, secure: true });
    // An agent: the members page is not theirs.
    const members = await person.goto(`${base}/members`);
    expect(members?.status()).toBe(403);
  });

  it("no page logged a console error", () => {
    expect(consoleErrors).toEqual([]);
  });
});
