import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { go, launchBrowser, newPage as newPageWith } from "./lib";

/**
 * The rubric editor's live weight total (D4) in Chromium against `wrangler dev` with the dev
 * seed: typing a weight updates the total at once; saving with a total other than 100 is stopped
 * in the page with a message; back at 100 the message goes. Without JavaScript the server refuses
 * the same total in words and keeps what was typed. No console error anywhere.
 */
const base = inject("baseUrl" as never) as string;
let browser: Browser;
const consoleErrors: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function signIn(page: import("playwright-core").Page) {
  await page.goto(`${base}/login`);
  await page.getByLabel("E-mail").fill("supervisor@horizon.example");
  await page.getByLabel("Mot de passe").fill("ccr-demo-2026!");
  await go(page, page.getByRole("button", { name: "Se connecter" }));
  await go(page, page.getByRole("link", { name: "Grilles", exact: true }));
  expect(await page.locator("h1").textContent()).toBe("Grilles d'évaluation");
  await go(page, page.locator("main table a").first());
}

describe("rubric editor in Chromium", () => {
  it("updates the weight total as you type and stops a save while it is not 100", async () => {
    const page = await newPageWith(browser, consoleErrors);
    await signIn(page);
    const total = page.locator("#weight-total");
    await expect.poll(() => total.textContent()).toBe("100");
    expect(await total.getAttribute("data-ok")).toBe("true");

    const weight = page.locator("input[data-weight]").first();
    const original = await weight.inputValue();
    await weight.fill(String(Number(original) + 5));
    await expect.poll(() => total.textContent()).toBe("105");
    expect(await total.getAttribute("data-ok")).toBe("false");
    expect(await page.locator("[data-weight-msg]").textContent()).toBe("(doit faire 100)");

    // Save is refused in the page: no navigation, an alert with the total, focused.
    const url = page.url();
    await page.getByRole("button", { name: "Enregistrer une nouvelle version" }).click();
    const alert = page.locator("[data-weight-alert]");
    await expect.poll(() => alert.isVisible()).toBe(true);
    expect(await alert.textContent()).toContain(
      "La somme des poids fait 105 ; elle doit faire exactement 100.",
    );
    expect(await alert.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(page.url()).toBe(url);
    // The dry run is held back the same way.
    await page.getByRole("button", { name: "Essayer sur cet appel" }).click();
    expect(page.url()).toBe(url);

    // Another weight down by 5: back to 100, the message goes.
    const second = page.locator("input[data-weight]").nth(1);
    await second.fill(String(Number(await second.inputValue()) - 5));
    await expect.poll(() => total.textContent()).toBe("100");
    expect(await alert.isVisible()).toBe(false);
    expect(await page.locator("[data-weight-msg]").textContent()).toBe("(correct)");
    // Decimals count too.
    await weight.fill(String(Number(original) + 5.5));
    await expect.poll(() => total.textContent()).toBe("100,5");
    expect(consoleErrors).toEqual([]);
  });

  it("without JavaScript, the server refuses a bad total in words and keeps the typed value", async () => {
    const ctx = await browser.newContext({ locale: "fr-FR", javaScriptEnabled: false });
    const page = await ctx.newPage();
    await signIn(page);
    const weight = page.locator("input[data-weight]").first();
    const typed = String(Number(await weight.inputValue()) + 3);
    await weight.fill(typed);
    await go(page, page.getByRole("button", { name: "Enregistrer une nouvelle version" }));
    expect(await page.getByRole("alert").first().textContent()).toContain(
      "La somme des poids fait 103 ; elle doit faire exactement 100.",
    );
    expect(await page.locator("input[data-weight]").first().inputValue()).toBe(typed);
    expect(await page.locator("#weight-total").textContent()).toBe("103");
    await ctx.close();
  });
});
