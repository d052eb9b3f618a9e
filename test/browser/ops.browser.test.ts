import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateTOTP } from "@oslojs/otp";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { go, launchBrowser, newPage as newPageWith } from "./lib";

/**
 * The operator console's main journeys in Chromium against `wrangler dev` with the dev seed:
 * the support queue and a ticket answered, a support grant given, used and revoked by the
 * organisation (every read shown to it), the breach register, tenant usage, queue health.
 */
const base = inject("baseUrl" as never) as string;
let browser: Browser;
let owner: Page;
let ops: Page;
const consoleErrors: string[] = [];
const SUBJECT = `Scores en baisse ${Date.now()}`;

beforeAll(async () => {
  browser = await launchBrowser();
  owner = await newPageWith(browser, consoleErrors);
  await owner.goto(`${base}/login`);
  await owner.getByLabel("E-mail").fill("owner@horizon.example");
  await owner.getByLabel("Mot de passe").fill("ccr-demo-2026!");
  await go(owner, owner.getByRole("button", { name: "Se connecter" }));
  ops = await newPageWith(browser, consoleErrors, "en-GB");
  await ops.goto(`${base}/ops/login`);
  await ops.locator("input[name=email]").fill("ops@callcenterrate.example");
  await ops.locator("input[name=password]").fill("ccr-ops-2026!");
  await ops
    .locator("input[name=code]")
    .fill(generateTOTP(decodeBase32IgnorePadding("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"), 30, 6));
  await go(ops, ops.getByRole("button", { name: "Sign in" }));
  expect(new URL(ops.url()).pathname).toBe("/ops");
});
afterAll(async () => {
  await browser?.close();
});

describe("operator console in Chromium", () => {
  it("support: ticket → operator answers → grant → operator reads (shown to the tenant) → revoke → 404", async () => {
    await owner.goto(`${base}/support`);
    await owner.locator("input[name=subject]").fill(SUBJECT);
    await owner.locator("textarea[name=body]").fill("Les notes ont chuté depuis lundi.");
    await go(owner, owner.locator("form[action='/support'] button[type=submit]"));
    const ticketPath = new URL(owner.url()).pathname;
    expect(ticketPath).toMatch(/^\/support\/tkt_/);
    const ticketId = ticketPath.split("/")[2];

    await go(ops, ops.locator("nav a[href='/ops/support']"));
    await go(ops, ops.getByRole("link", { name: SUBJECT }));
    expect(await ops.locator("main").innerText()).toContain("has not granted access");
    expect(await ops.locator(`a[href='/ops/support/${ticketId}/calls']`).count()).toBe(0);
    await ops.locator("textarea[name=body]").fill("Could you let us look at one of the calls?");
    await go(ops, ops.locator(`form[action='/ops/support/${ticketId}/reply'] button[type=submit]`));

    await owner.reload();
    expect(await owner.locator("main").innerText()).toContain("Could you let us look at one of the calls?");
    await owner.locator("input[name=hours]").fill("2");
    await go(owner, owner.locator(`form[action='/support/${ticketId}/grants'] button[type=submit]`));
    expect(await owner.getByRole("status").innerText()).toContain("Accès du support accordé");

    await ops.reload();
    await go(ops, ops.locator(`a[href='/ops/support/${ticketId}/calls']`));
    // The oldest listed call is a seeded one with a transcript (other browser tests add calls).
    const firstCall = ops.locator(`a[href^='/ops/support/${ticketId}/calls/cal_']`).last();
    const callPath = (await firstCall.getAttribute("href")) ?? "";
    await go(ops, firstCall);
    expect(await ops.locator("h2", { hasText: "Transcript" }).count()).toBe(1);

    await owner.reload();
    const log = await owner.locator("section[aria-labelledby='grants-h']").innerText();
    expect(log).toContain(callPath.split("/").at(-1)!);
    expect(log).toContain("Liste des appels");
    await go(owner, owner.locator(`form[action^='/support/${ticketId}/grants/'] button[type=submit]`));
    const after = await ops.goto(`${base}${callPath}`);
    expect(after?.status()).toBe(404);
  });

  it("breach register: record, notify the tenant, see the notification time; tenant usage and queue health", async () => {
    await ops.goto(`${base}/ops`);
    const horizon = ops.getByRole("link", { name: "Assurances Horizon" });
    const tenantId = ((await horizon.getAttribute("href")) ?? "").split("/").at(-1)!;
    await go(ops, horizon);
    expect(await ops.locator("main").innerText()).toContain("Analysed minutes this billing period");

    await ops.goto(`${base}/ops/breaches`);
    const title = `Lien d'export mal adressé ${Date.now()}`;
    await ops.locator("input[name=title]").fill(title);
    await ops.locator("textarea[name=description]").fill("An export link went to a wrong address.");
    await ops.locator("input[name=dataCategories]").fill("call metadata");
    await ops.locator("input[name=approxSubjects]").fill("12");
    await ops.locator("textarea[name=consequences]").fill("Low.");
    await ops.locator("textarea[name=measures]").fill("Link revoked.");
    await ops.locator("input[name=contact]").fill("dpo@callcenterrate.example");
    await ops.locator("textarea[name=tenantIds]").fill(tenantId);
    await go(ops, ops.locator("form[action='/ops/breaches'] button[type=submit]"));
    const detail = await ops.locator("main").innerText();
    expect(detail).toContain("Assurances Horizon");
    expect(detail).toContain("Admins e-mailed");

    await owner.goto(`${base}/security`);
    expect(await owner.locator("section[aria-labelledby='breach-h']").innerText()).toContain(title);

    expect((await ops.goto(`${base}/ops/health`))?.status()).toBe(200);
    expect(await ops.locator("h1").innerText()).toBe("Queues and dead letters");
    expect((await ops.goto(`${base}/ops/alerts`))?.status()).toBe(200);
  });

  it("no page logged a console error", () => {
    expect(consoleErrors).toEqual([]);
  });
});
