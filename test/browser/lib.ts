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
