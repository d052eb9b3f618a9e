import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { controlDb } from "../db/client";
import { tenants, users } from "../db/schema/control";
import { call, E, loginCookie, makeTenant } from "./helpers";

/**
 * Notices for the people recorded (issue 16 point 7): /notices gives the caller and agent notice
 * templates in French and English, filled with the organisation's own settings (retention,
 * location, providers, dispute window) — and follows them when they change.
 */
const unescapeHtml = (html: string) =>
  html.replaceAll("&#39;", "'").replaceAll("&quot;", '"').replaceAll("&amp;", "&");
const textarea = (html: string, id: string) =>
  unescapeHtml(html.match(new RegExp(`<textarea id="${id}"[^>]*>([\\s\\S]*?)</textarea>`))?.[1] ?? "");

describe("notices for the people recorded", () => {
  it("fills both templates with the tenant's settings, in the language asked, and follows a change", async () => {
    const t = await makeTenant({ location: "us" });
    await controlDb(E)
      .update(tenants)
      .set({
        speechProvider: "deepgram",
        analysisProvider: "anthropic",
        retention: { recordings: 45, transcripts: 200, analyses: 300 },
        disputeWindowDays: 10,
      })
      .where(eq(tenants.id, t.tenant.id));
    const admin = await loginCookie(t.users.admin.email);

    const en = await (await call("/recording-notices?lang=en", { cookie: admin })).text();
    const caller = textarea(en, "notice-caller");
    const agents = textarea(en, "notice-agents");
    for (const s of [
      t.tenant.name,
      "recorded",
      "Deepgram",
      "Anthropic",
      "United States",
      "45 days",
      "200 days",
      "300 days",
    ])
      expect(caller).toContain(s);
    expect(caller).toContain("No decision about you is made by this automated evaluation alone");
    expect(caller).toMatch(/access to your data, its correction or deletion/);
    expect(agents).toContain("Automation never decides alone");
    expect(agents).toContain("within 10 days of a final review, you can dispute it");
    expect(agents).toContain("Anthropic");

    await controlDb(E).update(users).set({ locale: "fr" }).where(eq(users.id, t.users.admin.id));
    const fr = await (await call("/recording-notices?lang=fr", { cookie: admin })).text();
    expect(fr).toContain("Informations des personnes enregistrées");
    const callerFr = textarea(fr, "notice-caller");
    for (const s of ["Les appels peuvent être enregistrés", "Deepgram", "États-Unis", "45 jours", "CNIL"])
      expect(callerFr).toContain(s);
    expect(textarea(fr, "notice-agents")).toContain("L'automatisation ne décide jamais seule");
    expect(textarea(fr, "notice-agents")).toContain("dans les 10 jours suivant une revue finalisée");

    // The page follows the settings: no provider, the built-in engine, default retention.
    await controlDb(E)
      .update(tenants)
      .set({ speechProvider: "none", analysisProvider: "builtin", retention: {} })
      .where(eq(tenants.id, t.tenant.id));
    const after = textarea(
      await (await call("/recording-notices?lang=en", { cookie: admin })).text(),
      "notice-caller",
    );
    expect(after).toContain("the platform's built-in engine (no third party)");
    expect(after).not.toContain("Deepgram");
    expect(after).not.toContain("45 days");
  });

  it("is for owners and admins only", async () => {
    const t = await makeTenant();
    const agent = await loginCookie(t.users.agent.email);
    expect((await call("/recording-notices", { cookie: agent })).status).toBe(403);
    expect((await call("/recording-notices")).status).toBe(302);
  });
});

describe("notices API", () => {
  it("GET /api/v1/recording-notices answers the same filled templates; an unknown language is a problem", async () => {
    const t = await makeTenant();
    await controlDb(E)
      .update(tenants)
      .set({ speechProvider: "assemblyai" })
      .where(eq(tenants.id, t.tenant.id));
    const res = await call("/api/v1/recording-notices?lang=fr", { key: t.key });
    expect(res.status).toBe(200);
    const body = await res.json<{ language: string; caller: string; agents: string }>();
    expect(body.language).toBe("fr");
    expect(body.caller).toContain("AssemblyAI");
    expect(body.agents).toContain("L'automatisation ne décide jamais seule");
    const bad = await call("/api/v1/recording-notices?lang=de", { key: t.key });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
  });
});
