import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { go, launchBrowser, newPage as newPageWith } from "./lib";

/**
 * The portal shell in a real browser (Debian's Chromium through playwright-core) against the
 * platform served by `wrangler dev` with the dev seed: sign-up, e-mail verification through the
 * dev outbox, sign-in, language switch, invitation, API key creation; no console error anywhere.
 */
const base = inject("baseUrl" as never) as string;
let browser: Browser;
const consoleErrors: string[] = [];

const newPage = () => newPageWith(browser, consoleErrors);

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const h1 = (page: Page) => page.locator("h1").innerText();

async function linkFromOutbox(page: Page, to: string, path: string): Promise<string> {
  await page.goto(`${base}/dev/outbox`);
  const row = page.locator("tr", { hasText: to }).first();
  const text = await row.locator("pre").innerText();
  const m = new RegExp(`https?://[^\\s]+${path.replace("?", "\\?")}\\?token=[a-z2-7]+`).exec(text);
  if (!m) throw new Error(`no ${path} link for ${to}`);
  return new URL(m[0]).pathname + new URL(m[0]).search;
}

describe("portal shell in Chromium", () => {
  it("sign-up → verify by e-mail → sign in → switch language", async () => {
    const page = await newPage();
    const email = `e2e.${Date.now()}@example.test`;
    await page.goto(`${base}/signup`);
    expect(await h1(page)).toBe("Créer votre organisation");
    await page.getByLabel("Prénom").fill("Camille");
    await page.getByLabel("Nom", { exact: true }).fill("Durand");
    await page.getByLabel("Société").fill("Centre Appels Test");
    await page.getByLabel("E-mail").fill(email);
    await page.getByLabel("Nouveau mot de passe").fill("short");
    // The browser's own minlength check would stop it; remove it to see the server's message.
    await page.locator("input[name=password]").evaluate((el) => el.removeAttribute("minlength"));
    await go(page, page.getByRole("button", { name: "Créer le compte" }));
    expect(await page.getByRole("alert").innerText()).toContain("au moins 8 caractères");
    expect(await page.getByLabel("Société").inputValue()).toBe("Centre Appels Test");
    await page.getByLabel("Nouveau mot de passe").fill("une phrase de passe solide");
    await go(page, page.getByRole("button", { name: "Créer le compte" }));
    expect(await h1(page)).toBe("Consultez votre messagerie");

    await page.goto(base + (await linkFromOutbox(page, email, "/verify-email")));
    expect(page.url()).toContain("/login");
    await page.getByLabel("E-mail").fill(email);
    await page.getByLabel("Mot de passe").fill("une phrase de passe solide");
    await go(page, page.getByRole("button", { name: "Se connecter" }));
    expect(await page.locator("main").innerText()).toContain("Centre Appels Test");
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === "__Host-ccr_session");
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax", path: "/" });

    await go(page, page.getByRole("button", { name: "English" }));
    expect(await h1(page)).toBe("Welcome");
    await go(page, page.getByRole("button", { name: "Sign out" }));
    expect(await h1(page)).toBe("Sign in");
  });

  it("the seeded admin creates an API key, sees it once, and it works on the API", async () => {
    const page = await newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel("E-mail").fill("admin@horizon.example");
    await page.getByLabel("Mot de passe").fill("ccr-demo-2026!");
    await go(page, page.getByRole("button", { name: "Se connecter" }));
    await page.goto(`${base}/api-keys`);
    await page.locator("input[name=name]").fill("Export BI");
    await page.locator("input[type=checkbox][value='agents:read']").check();
    await go(page, page.locator("form[action='/api-keys'] button[type=submit]"));
    const key = (await page.locator(".secret").first().innerText()).trim();
    expect(key).toMatch(/^ccr_live_[a-z2-7]{32}$/);
    const r = await fetch(`${base}/api/v1/agents`, { headers: { authorization: `Bearer ${key}` } });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { data: { name: string }[] };
    expect(body.data.length).toBeGreaterThan(0);
    await page.goto(`${base}/api-keys`);
    expect(await page.content()).not.toContain(key);
  });

  it("reloading the page that shows a new API key makes no second key and no longer shows it", async () => {
    const page = await newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel("E-mail").fill("admin@horizon.example");
    await page.getByLabel("Mot de passe").fill("ccr-demo-2026!");
    await go(page, page.getByRole("button", { name: "Se connecter" }));
    await page.goto(`${base}/api-keys`);
    const name = `Reload ${Date.now()}`;
    await page.locator("input[name=name]").fill(name);
    await page.locator("input[type=checkbox][value='calls:read']").check();
    await go(page, page.locator("form[action='/api-keys'] button[type=submit]"));
    // Post → redirect → get: the page showing the key is a GET of /api-keys.
    expect(new URL(page.url()).pathname).toBe("/api-keys");
    const key = (await page.locator(".secret").first().innerText()).trim();
    expect(key).toMatch(/^ccr_live_[a-z2-7]{32}$/);
    // The one-time cookie is out of scripts' reach and already gone once the key was shown.
    expect(await page.evaluate(() => document.cookie)).not.toContain("ccr_once");
    expect((await page.context().cookies()).map((c) => c.name)).not.toContain("__Secure-ccr_once");

    await page.reload({ waitUntil: "load" });
    expect(new URL(page.url()).pathname).toBe("/api-keys");
    expect(await page.content()).not.toContain(key);
    expect(await page.locator(".secret").count()).toBe(0);
    expect(await page.locator("td", { hasText: name }).count()).toBe(1);
    const r = await fetch(`${base}/api/v1/calls?limit=1`, { headers: { authorization: `Bearer ${key}` } });
    expect(r.status).toBe(200);
  });

  it("no page logged a console error", () => {
    expect(consoleErrors).toEqual([]);
  });
});
