import { describe, expect, it } from "vitest";
import { buildApp } from "../apps/app";
import { publishPolicyVersion } from "../core/privacy/policy-versions";
import { BASE, E } from "./helpers";
import { operatorCookie } from "./ops-helpers";

/**
 * Issue 16 point 5: in production, while no privacy policy version is in force, every operator
 * console page opens with an alert that cannot be dismissed, in the operator's language; it goes
 * once a version is published. Development and tests (which have the seed's labelled
 * placeholder) never show it. This file's database starts with no policy version.
 */
const app = buildApp();
const prod = { ...E, ENVIRONMENT: "production" } as Env;
const page = async (path: string, cookie: string, lang: string, env: Env = prod) =>
  (await app.request(`${BASE}${path}`, { headers: { cookie, "accept-language": lang } }, env)).text();

describe("privacy policy alert in the operator console", () => {
  it("shows on every console page in production until a version is in force, in both languages", async () => {
    const op = await operatorCookie();
    for (const path of ["/ops", "/ops/breaches", "/ops/health"]) {
      const en = await page(path, op.cookie, "en");
      expect(en).toContain('role="alert"');
      expect(en).toContain("No privacy policy is in force");
      expect(en).toContain('href="/ops/legal"');
    }
    expect(await page("/ops", op.cookie, "fr")).toContain("Publier une version de la politique");
    // Not outside production.
    expect(await page("/ops", op.cookie, "en", E)).not.toContain("No privacy policy is in force");

    // A version published for later is not in force yet: the alert stays.
    await publishPolicyVersion(E, op.id, {
      version: "later",
      effectiveAt: Date.now() + 86_400_000,
      substantial: false,
      bodyFr: "Plus tard.",
      bodyEn: "Later.",
    });
    expect(await page("/ops", op.cookie, "en")).toContain("No privacy policy is in force");
    await publishPolicyVersion(E, op.id, {
      version: "now",
      effectiveAt: Date.now() - 1000,
      substantial: false,
      bodyFr: "Texte de la politique.",
      bodyEn: "Policy text.",
    });
    expect(await page("/ops", op.cookie, "en")).not.toContain("No privacy policy is in force");
  });
});
