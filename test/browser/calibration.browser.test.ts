import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { analysedTextCall, go, launchBrowser, login, myName, newPage } from "./lib";

/**
 * Calibration sessions in Chromium against `wrangler dev` with the dev seed (issue 16 point 6): a
 * supervisor of Horizon creates a session with two fresh calls and another reviewer, scores the
 * first call with plain forms, lands on the second, sees only their own answers in the results
 * (the other call stays hidden), then closes the session. No console error.
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

const analysedCall = (n: number) =>
  analysedTextCall(base, KEY, {
    externalId: `calib-${n}-${Date.now()}`,
    agent: { externalId: "calib-agent", name: "Agent Calibration", team: "Nord" },
  });

describe("calibration sessions (#16.6)", () => {
  it("create → score one call at a time, blind → results → close", async () => {
    const [c1, c2] = [await analysedCall(1), await analysedCall(2)];
    const page = await newPage(browser, errors);
    await login(page, base, "supervisor@horizon.example");
    const me = await myName(page, base);

    await page.goto(`${base}/calibration`);
    expect(await page.locator("h1").textContent()).toBe("Séances de calibration");
    await go(page, page.getByRole("link", { name: "Nouvelle séance" }));
    const form = page.locator("form[data-create-form]");
    await form.getByLabel("Titre").fill("Calibration navigateur");
    await form.getByLabel("Autres appels, par identifiant (un par ligne)").fill(`${c1}\n${c2}`);
    await form.getByLabel(me, { exact: true }).check();
    const others = form.locator("input[name^=p_]:not(:checked)");
    await others.first().check();
    await go(page, form.getByRole("button", { name: "Créer la séance" }));
    expect(await page.getByText("Séance créée.").count()).toBe(1);

    await go(page, page.getByRole("link", { name: "Noter mon appel suivant" }));
    expect(page.url()).toContain(`/calls/${c1}`);
    const score = page.locator("form[data-score-form]");
    for (const set of await score.locator("fieldset").all()) await set.locator("input[value=pass]").check();
    await go(page, score.getByRole("button", { name: "Envoyer mes réponses" }));
    expect(page.url()).toContain(`/calls/${c2}?done=submitted`);
    expect(await page.getByText("Réponses envoyées.").count()).toBe(1);

    const sessionUrl = page.url().replace(/\/calls\/.*$/, "");
    await page.goto(`${sessionUrl}/results`);
    await expect(page.locator(`[data-result-call="${c1}"]`).count()).resolves.toBe(1);
    await expect(page.locator(`[data-hidden-call="${c2}"]`).count()).resolves.toBe(1);

    const close = page.locator("form[data-close-form]");
    await go(page, close.getByRole("button", { name: "Clore la séance" }));
    expect(await page.getByText("Séance close.").count()).toBe(1);
    await expect(page.locator(`[data-result-call="${c2}"]`).count()).resolves.toBe(1);
    expect(errors).toEqual([]);
  }, 120_000);
});
