import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { buildApp } from "../apps/app";
import { ruleOf } from "../apps/middleware/access";
import { en } from "../core/platform/i18n/en";
import { controlDb } from "../db/client";
import { users } from "../db/schema/control";
import { call, E, loginCookie, makeTenant } from "./helpers";

/**
 * D7: every portal page (GET, no path parameter) answers in French and in English — the
 * document's language is the user's, and no message key is left untranslated on the page (a
 * missing string would show as its key).
 */
const KEYS = Object.keys(en).filter((k) => k.split(".").length >= 3 || /_/.test(k));

describe("every page in both languages (D7)", () => {
  it("opens each page as the owner in French and in English, with no raw message key", async () => {
    const t = await makeTenant();
    const pages = [
      ...new Set(
        buildApp()
          .routes.filter((r) => r.method === "GET" && !r.path.includes(":") && !r.path.endsWith("*"))
          .filter((r) => ruleOf(r.handler)?.kind === "portal")
          .map((r) => r.path),
      ),
    ].filter((p) => !/\.(csv|xlsx)$/.test(p) && p !== "/me");
    expect(pages.length).toBeGreaterThan(20);
    const cookie = await loginCookie(t.users.owner.email);
    const problems: string[] = [];
    for (const locale of ["fr", "en"] as const) {
      await controlDb(E).update(users).set({ locale }).where(eq(users.id, t.users.owner.id));
      for (const p of pages) {
        const res = await call(p, { cookie });
        if (res.status !== 200) {
          problems.push(`${locale} ${p}: ${res.status}`);
          continue;
        }
        const html = await res.text();
        if (!html.includes(`<html lang="${locale}"`)) problems.push(`${locale} ${p}: not in ${locale}`);
        const raw = KEYS.filter((k) => html.includes(`>${k}<`) || html.includes(`"${k}"`));
        if (raw.length) problems.push(`${locale} ${p}: raw keys ${raw.slice(0, 5).join(", ")}`);
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
