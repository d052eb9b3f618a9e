import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { analysedTextCall, go, launchBrowser, login, myName, newPage } from "./lib";

/**
 * The review queue in Chromium against `wrangler dev` with the dev seed (issue 16 point 6): a
 * supervisor of Horizon sets the sampling rule with only themself as reviewer, the call made
 * this week is queued, "open my next call" lands on its review form, and after finalising it the
 * queue shows it reviewed. Plain forms only; no console error.
 */
const base = inject("baseUrl" as never) as string;
const KEY = "ccr_live_eudemo22222222222222222222222222";
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** A call of this week, analysed by the built-in engine. */
const callThisWeek = () =>
  analysedTextCall(base, KEY, {
    externalId: `queue-${Date.now()}`,
    // An agent of its own: with one call per agent, this one is the agent's sample.
    agent: { externalId: `queue-agent-${Date.now()}`, name: "Agent File", team: "Nord" },
  });

describe("review queue (#16.6)", () => {
  it("rule → next call → review → done", async () => {
    const callId = await callThisWeek();
    const page = await newPage(browser, errors);
    await login(page, base, "supervisor@horizon.example");
    const me = await myName(page, base);

    await page.goto(`${base}/review-queue`);
    expect(await page.locator("h1").textContent()).toBe("File d’évaluation");
    const form = page.locator("form[data-rule-form]");
    await form.locator("input[name=perAgent]").fill("1");
    await form.locator("input[name=random]").check();
    for (const box of await form.locator("input[name^=reviewer_]").all()) await box.uncheck();
    await form.getByLabel(me, { exact: true }).check();
    await go(
      page,
      form.getByRole("button", { name: "Enregistrer la règle et échantillonner cette semaine" }),
    );
    expect(page.url()).toContain("/review-queue?done=rule");
    expect(await page.getByText(/Règle enregistrée/).count()).toBe(1);
    await expect(page.locator(`a[href="/calls/${callId}"]`).count()).resolves.toBe(1);

    // Open the next calls until ours, reviewing each (the queue may hold seeded calls of this week).
    for (let i = 0; i < 60; i++) {
      await go(page, page.getByRole("button", { name: "Ouvrir mon prochain appel" }));
      if (!page.url().includes("/calls/")) break;
      const review = page.locator("form[data-review-form]");
      if (!(await review.isVisible()))
        await page.locator("details > summary", { hasText: "Revoir cet appel" }).click();
      await review.locator("#review-final").check();
      await go(page, review.getByRole("button", { name: "Enregistrer la revue" }));
      await page.goto(`${base}/review-queue`);
    }
    await page.goto(`${base}/review-queue?status=done`);
    await expect(page.locator(`a[href="/calls/${callId}"]`).count()).resolves.toBe(1);
    expect(await page.locator("[data-left]").getAttribute("data-left")).toBe("0");
    expect(errors).toEqual([]);
  }, 120_000);
});
