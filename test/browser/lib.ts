import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's Chromium, headless, with no background traffic (the machine has no network). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
}

/**
 * A page whose console errors are collected into `errors`. A form answered 4xx on purpose (its
 * page shows the error) is not a console error of ours; any failing sub-resource is.
 */
export async function newPage(browser: Browser, errors: string[], locale = "fr-FR"): Promise<Page> {
  const ctx = await browser.newContext({ locale });
  const page = await ctx.newPage();
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const documentStatus = /Failed to load resource: the server responded with a status of 4\d\d/.test(
      m.text(),
    );
    if (documentStatus && m.location().url === page.url()) return;
    errors.push(`${page.url()}: ${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  return page;
}

/** Click something that submits a form or follows a link, and wait for the next page. */
export async function go(page: Page, target: ReturnType<Page["locator"]>) {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), target.click()]);
}

/** Sign in on the (French) login page as a user of the dev seed; they all share one password. */
export async function login(page: Page, base: string, email: string) {
  await page.goto(`${base}/login`);
  await page.getByLabel("E-mail").fill(email);
  await page.getByLabel("Mot de passe").fill("ccr-demo-2026!");
  await go(page, page.getByRole("button", { name: "Se connecter" }));
}

/** The signed-in user's name as the reviewer lists label it ("First Last"), read from /account. */
export async function myName(page: Page, base: string): Promise<string> {
  await page.goto(`${base}/account`);
  return `${await page.locator("input[name=firstName]").inputValue()} ${await page
    .locator("input[name=lastName]")
    .inputValue()}`.trim();
}

/**
 * A short French text call posted over the API with `key` for `agent`, once the built-in engine
 * has analysed it (polled every 200 ms, 40 s at most); its id.
 */
export async function analysedTextCall(
  base: string,
  key: string,
  call: { externalId: string; agent: { externalId: string; name: string; team: string } },
): Promise<string> {
  const res = await fetch(`${base}/api/v1/calls`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({
      ...call,
      transcript: {
        format: "text",
        content:
          "Agent: Bonjour, service client, Alice à l'appareil.\nClient: Ma facture est fausse.\nAgent: Je vérifie et je corrige aujourd'hui. Bonne journée.",
      },
    }),
  });
  const { id } = (await res.json()) as { id: string };
  for (let i = 0; i < 200; i++) {
    const c = (await (
      await fetch(`${base}/api/v1/calls/${id}`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as { status: string };
    if (c.status === "done") return id;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`call ${id} not analysed`);
}
