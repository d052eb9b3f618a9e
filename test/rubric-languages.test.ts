import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { dayOf } from "../core/insights/kpis";
import { liftSingleLanguage, rubricForLanguage } from "../core/scoring/rubric-language";
import type { RubricVersionContent } from "../core/scoring/rubric-model";
import { TEMPLATES, templateById } from "../core/scoring/templates";
import { controlDb } from "../db/client";
import { tenants, users } from "../db/schema/control";
import { formFields } from "./form-scrape";
import { call, E, loginCookie, makeTenant, type TestTenant } from "./helpers";

/** Issue 15: one grid for every language of a call (C4, C4b, D4). */
type Json = Record<string, unknown>;
interface Crit {
  id: string;
  result: string;
  rationale?: string;
  label: string;
}
interface Analysis {
  language: string;
  criteria: Crit[];
  rubric: { id: string; version: number };
  evaluatedWeightPct: number;
  score: number | null;
}
const migrations = (env as unknown as { TEST_DATA_MIGRATIONS: { name: string; queries: string[] }[] })
  .TEST_DATA_MIGRATIONS;

const enOpening = (
  company: string,
) => `Agent: Good morning, thank you for calling ${company}, my name is Sarah, how can I help you today?
Customer: Hi, I was charged twice on my last bill.
Agent: I'm sorry about that, I understand. Could you confirm your account number please?
Customer: Sure, it's 4 4 5 1.
Agent: Thank you. I can see the double charge, I've issued a refund, you'll get it within five days.
Customer: Great, thanks.
Agent: Is there anything else I can help you with? Have a great day, goodbye.`;
const frOpening = (
  company: string,
) => `Conseiller: Bonjour, ${company}, je m'appelle Julie, que puis-je faire pour vous ?
Client: Bonjour, j'ai été prélevé deux fois sur ma dernière facture.
Conseiller: Je suis désolée, je comprends. Pouvez-vous me donner votre numéro client ?
Client: Oui, c'est le 4 4 5 1.
Conseiller: Merci. Je vois le double prélèvement, je lance le remboursement, vous le recevrez sous cinq jours.
Client: Parfait, merci.
Conseiller: Y a-t-il autre chose que je puisse faire pour vous ? Bonne journée, au revoir.`;

async function analysed(t: TestTenant, content: string, language?: "fr" | "en"): Promise<Analysis> {
  const r = await call("/api/v1/calls", {
    method: "POST",
    key: t.key,
    json: { ...(language ? { language } : {}), transcript: { format: "text", content } },
  });
  expect(r.status).toBe(201);
  const id = ((await r.json()) as Json).id as string;
  const end = Date.now() + 15_000;
  for (;;) {
    const c = (await (await call(`/api/v1/calls/${id}`, { key: t.key })).json()) as Json;
    if (c.status === "done") break;
    if (c.status === "failed" || Date.now() > end) throw new Error(`call ${id}: ${c.status}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  return (await (await call(`/api/v1/calls/${id}/analysis`, { key: t.key })).json()) as Analysis;
}
/**
 * A tenant whose name has no digits: the helper's names end in a timestamp, which redaction
 * replaces as a card number whenever it passes Luhn — and the greeting would miss the company name.
 */
async function tenant(): Promise<TestTenant> {
  const t = await makeTenant();
  t.tenant.name = "Horizon Assurances";
  await controlDb(E).update(tenants).set({ name: t.tenant.name }).where(eq(tenants.id, t.tenant.id));
  return t;
}
const result = (a: Analysis, id: string) => a.criteria.find((c) => c.id === id)?.result;

describe("rubric grids in several languages (issue 15)", () => {
  it("migration 0013 turns a stored single-language version into that language's wording, as the code does", async () => {
    const t = await tenant();
    const mig = migrations.find((m) => m.name.startsWith("0013_rubric_languages"));
    expect(mig).toBeDefined();
    const legacy: RubricVersionContent[] = [
      templateById("general")!.versions.fr,
      templateById("collections")!.versions.en,
      {
        language: "fr",
        passThreshold: 70,
        sections: [
          {
            id: "s",
            label: "Section",
            criteria: [
              {
                id: "a",
                label: "A",
                description: "Une description",
                weight: 40,
                answerType: "yes_no",
                allowNa: false,
                critical: true,
                check: {
                  kind: "forbidden_words",
                  speaker: "agent",
                  words: ["nul"],
                  builtinLists: ["jargon"],
                },
              },
              {
                id: "b",
                label: "B",
                weight: 60,
                answerType: "scale_1_5",
                allowNa: true,
                critical: false,
                check: { kind: "llm", question: "Le client est-il satisfait ?" },
              },
            ],
          },
        ],
      },
    ];
    const db = E.DATA_EU_1;
    const ids = legacy.map((_, i) => `rub_mig_${t.tenant.id}_${i}`);
    for (const [i, content] of legacy.entries())
      await db
        .prepare(
          "INSERT INTO rubric_versions (rubric_id, tenant_id, version, content, created_at) VALUES (?, ?, 1, ?, 0)",
        )
        .bind(ids[i], t.tenant.id, JSON.stringify(content))
        .run();
    for (const q of mig!.queries) await db.prepare(q).run();
    for (const [i, content] of legacy.entries()) {
      const row = await db
        .prepare("SELECT content FROM rubric_versions WHERE rubric_id = ? AND version = 1")
        .bind(ids[i])
        .first<{ content: string }>();
      const migrated = JSON.parse(row!.content);
      expect(migrated).toEqual(liftSingleLanguage(content));
      expect(migrated.language).toBeUndefined();
      // The version's own language reads back exactly as it was written; the other is empty.
      const back = rubricForLanguage({ ...migrated, rubricId: "r", version: 1 }, content.language);
      expect({ ...back, rubricId: undefined, version: undefined }).toEqual({
        ...content,
        rubricId: undefined,
        version: undefined,
      });
    }
    // Running it again changes nothing (the grids have no top-level language any more).
    const before = await db
      .prepare("SELECT content FROM rubric_versions WHERE rubric_id = ?")
      .bind(ids[2])
      .first();
    for (const q of mig!.queries) await db.prepare(q).run();
    expect(
      await db.prepare("SELECT content FROM rubric_versions WHERE rubric_id = ?").bind(ids[2]).first(),
    ).toEqual(before);
  });

  it("an analysis made before the migration still names its version, which reads as a grid", async () => {
    const t = await tenant();
    const a = await analysed(t, frOpening(t.tenant.name), "fr");
    // The state before the migration: version 1 as it was stored then.
    await E.DATA_EU_1.prepare("UPDATE rubric_versions SET content = ? WHERE rubric_id = ? AND version = 1")
      .bind(JSON.stringify(templateById("general")!.versions.fr), a.rubric.id)
      .run();
    const mig = migrations.find((m) => m.name.startsWith("0013_rubric_languages"))!;
    for (const q of mig.queries) await E.DATA_EU_1.prepare(q).run();
    const v = (await (await call(`/api/v1/rubrics/${a.rubric.id}/versions/1`, { key: t.key })).json()) as {
      sections: { label: Json; criteria: { check: { phrases?: Json } }[] }[];
    };
    expect(v.sections[0].label).toEqual({ fr: "Accueil" });
    expect(v.sections[0].criteria[0].check.phrases).toEqual({ fr: ["bonjour", "bonsoir", "bienvenue"] });
    const again = (await (
      await call(`/api/v1/calls/${(await lastCall(t)).id}/analysis`, { key: t.key })
    ).json()) as Analysis;
    expect(again.rubric).toEqual(a.rubric);
  });

  it("one tenant's default grid judges an English and a French call with their own phrases", async () => {
    const t = await tenant();
    const en = await analysed(t, enOpening(t.tenant.name), "en");
    const fr = await analysed(t, frOpening(t.tenant.name), "fr");
    expect(en.rubric).toEqual(fr.rubric);
    for (const a of [en, fr]) {
      expect(result(a, "greeting")).toBe("pass");
      expect(result(a, "agent_name")).toBe("pass");
      expect(result(a, "closing")).toBe("pass");
    }
    expect(en.language).toBe("en");
    expect(fr.language).toBe("fr");
    // Labels in the call's language; same criteria and weights in both.
    expect(en.criteria.find((c) => c.id === "agent_name")?.label).toBe("Introduces themself");
    expect(fr.criteria.find((c) => c.id === "agent_name")?.label).toBe("Se présente");
    expect(en.criteria.map((c) => c.id)).toEqual(fr.criteria.map((c) => c.id));
    // No language given: the transcript's words decide.
    const guessed = await analysed(t, enOpening(t.tenant.name));
    expect(guessed.language).toBe("en");
    expect(result(guessed, "greeting")).toBe("pass");
  });

  it("a criterion with no phrases in the call's language is not_evaluated, never failed", async () => {
    const t = await tenant();
    const grid = structuredClone(templateById("general")!.grid) as unknown as {
      sections: { criteria: { id: string; check: { phrases?: Json } }[] }[];
    };
    const greeting = grid.sections[0].criteria.find((c) => c.id === "greeting")!;
    greeting.check.phrases = { fr: greeting.check.phrases!.fr, en: [] };
    const r = await call("/api/v1/rubrics", {
      method: "POST",
      key: t.key,
      json: { name: "Bilingue", content: grid, isDefault: true },
    });
    expect(r.status).toBe(201);
    const en = await analysed(t, enOpening(t.tenant.name), "en");
    const g = en.criteria.find((c) => c.id === "greeting")!;
    expect(g.result).toBe("not_evaluated");
    expect(g.rationale).toMatch(/no phrases in English/);
    expect(g.label).toBe("Greets with the company name within 20 seconds");
    expect(result(en, "agent_name")).toBe("pass");
    // Its weight (8) left the potential: less than all of the grid was judged.
    expect(en.evaluatedWeightPct).toBeLessThanOrEqual(92);
    const fr = await analysed(t, frOpening(t.tenant.name), "fr");
    expect(result(fr, "greeting")).toBe("pass");
  });

  it("the API returns per-language content, accepts older single-language payloads, refuses unknown languages", async () => {
    const t = await tenant();
    const created = (await (
      await call("/api/v1/rubrics", { method: "POST", key: t.key, json: { templateId: "sales" } })
    ).json()) as { id: string; name: string; content: { sections: { label: Json }[] } };
    expect(created.name).toBe("Sales"); // the tenant's language
    expect(Object.keys(created.content.sections[0].label).sort()).toEqual(["en", "fr"]);
    const legacy = await call(`/api/v1/rubrics/${created.id}/versions`, {
      method: "POST",
      key: t.key,
      json: { content: templateById("sales")!.versions.en },
    });
    expect(legacy.status).toBe(201);
    const v2 = (await legacy.json()) as { content: { sections: { label: Json }[] } };
    expect(v2.content.sections[0].label).toEqual({
      en: templateById("sales")!.versions.en.sections[0].label,
    });
    const bad = structuredClone(TEMPLATES[0].grid) as unknown as { sections: { label: Json }[] };
    bad.sections[0].label = { ...bad.sections[0].label, de: "Begrüßung" };
    const refused = await call(`/api/v1/rubrics/${created.id}/versions`, {
      method: "POST",
      key: t.key,
      json: { content: bad },
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    const p = (await refused.json()) as { errors: { pointer: string }[] };
    expect(p.errors[0].pointer).toBe("/content/sections/0/label");
  });

  it("the dry run judges the chosen call in its language", async () => {
    const t = await tenant();
    const a = await analysed(t, enOpening(t.tenant.name), "en");
    const id = (await lastCall(t)).id;
    const r = await call("/api/v1/rubrics/dry-run", {
      method: "POST",
      key: t.key,
      json: { callId: id, content: templateById("general")!.grid, rubricId: a.rubric.id },
    });
    expect(r.status).toBe(200);
    const d = (await r.json()) as Analysis;
    expect(d.language).toBe("en");
    expect(result(d, "greeting")).toBe("pass");
  });
});

async function lastCall(t: TestTenant): Promise<Json> {
  const l = (await (await call("/api/v1/calls?limit=1", { key: t.key })).json()) as { data: Json[] };
  return l.data[0];
}

describe("the rubric editor with every language side by side (issue 15, D4)", () => {
  it("edits both languages without JavaScript, warns about a language the calls use, labels in the reader's language", async () => {
    const t = await tenant();
    await analysed(t, enOpening(t.tenant.name), "en");
    const grid = structuredClone(templateById("general")!.grid) as unknown as {
      sections: { criteria: { id: string; check: { phrases?: Json } }[] }[];
    };
    const greeting = grid.sections[0].criteria[0];
    greeting.check.phrases = { fr: greeting.check.phrases!.fr };
    const made = (await (
      await call("/api/v1/rubrics", { method: "POST", key: t.key, json: { name: "Bilingue", content: grid } })
    ).json()) as { id: string };
    const cookie = await loginCookie(t.users.supervisor.email);
    const html = await (await call(`/rubrics/${made.id}`, { cookie })).text();
    // One field per language, side by side, each labelled.
    for (const l of ["fr", "en"]) {
      expect(html).toContain(`name="c.0.0.phrases.${l}"`);
      expect(html).toContain(`name="c.0.0.label.${l}"`);
      expect(html).toContain(`for="c-0-0-phrases-${l}"`);
    }
    expect(html).toMatch(/data-wording-warning=""[\s\S]*data-lang="en"[\s\S]*Greets with the company name/);
    expect(html).not.toContain('data-lang="fr"');
    // Filled in English by a plain form post: saved, and the warning is gone.
    const fields = formFields(html, "data-rubric-editor");
    expect(fields["c.0.0.phrases.en"]).toBe("");
    const saved = await call(`/rubrics/${made.id}/edit`, {
      method: "POST",
      cookie,
      form: { ...fields, "c.0.0.phrases.en": "hello\ngood morning", op: "save" },
    });
    expect(saved.status).toBe(303);
    const v2 = (await (await call(`/api/v1/rubrics/${made.id}/versions/2`, { key: t.key })).json()) as {
      sections: { criteria: { check: { phrases: Json } }[] }[];
    };
    expect(v2.sections[0].criteria[0].check.phrases).toEqual({
      fr: greeting.check.phrases!.fr,
      en: ["hello", "good morning"],
    });
    const after = await (await call(`/rubrics/${made.id}`, { cookie })).text();
    expect(after).not.toContain("data-wording-warning");
    // The dry run picks the chosen call's language.
    const id = (await lastCall(t)).id as string;
    const dry = await call(`/rubrics/${made.id}/edit`, {
      method: "POST",
      cookie,
      form: { ...formFields(after, "data-rubric-editor"), dryCallId: id, op: "dry_run" },
    });
    expect(await dry.text()).toContain('data-dry-language="en"');
    // Readers see labels in their language: English, then French.
    const viewer = await loginCookie(t.users.viewer.email);
    const en = await (await call(`/rubrics/${made.id}`, { cookie: viewer })).text();
    expect(en).toContain("<h3>Opening</h3>");
    await controlDb(E).update(users).set({ locale: "fr" }).where(eq(users.id, t.users.viewer.id));
    const fr = await (
      await call(`/rubrics/${made.id}`, { cookie: await loginCookie(t.users.viewer.email) })
    ).text();
    expect(fr).toContain("<h3>Accueil</h3>");
    expect(fr).toContain("Se présente");
  });
});

describe("dashboards and reports by call language (issue 15)", () => {
  it("the KPIs and the period report count only the calls of the chosen language (API and portal)", async () => {
    const t = await tenant();
    await analysed(t, enOpening(t.tenant.name), "en");
    await analysed(t, enOpening(t.tenant.name), "en");
    await analysed(t, frOpening(t.tenant.name), "fr");
    const kpis = async (qs: string) =>
      (await (await call(`/api/v1/reports/kpis${qs}`, { key: t.key })).json()) as {
        totals: { calls: number; analysed: number };
        source: string;
        filters: Json;
      };
    const all = await kpis("");
    const en = await kpis("?language=en");
    const fr = await kpis("?language=fr");
    expect(en).toMatchObject({ source: "calls", filters: { language: "en" } });
    expect([en.totals.calls, fr.totals.calls]).toEqual([2, 1]);
    expect(en.totals.calls + fr.totals.calls).toBe(all.totals.calls);
    const bad = await call("/api/v1/reports/kpis?language=de", { key: t.key });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");

    const day = dayOf(Date.now(), t.tenant.timeZone ?? "Europe/Paris");
    const summary = async (lang: string) =>
      (await (
        await call(`/api/v1/reports/summary?from=${day}&to=${day}&groupBy=day&language=${lang}`, {
          key: t.key,
        })
      ).json()) as {
        language: string;
        rows: { key: string; figures: { calls: number } }[];
        totals: { calls: number };
      };
    const sEn = await summary("en");
    expect(sEn.language).toBe("en");
    expect(sEn.totals.calls).toBe(2);
    expect(sEn.rows).toEqual([
      expect.objectContaining({ key: day, figures: expect.objectContaining({ calls: 2 }) }),
    ]);
    expect((await summary("fr")).totals.calls).toBe(1);

    // The portal's forms offer the filter and apply it.
    const cookie = await loginCookie(t.users.supervisor.email);
    const dash = await (await call("/dashboard?language=fr", { cookie })).text();
    expect(dash).toMatch(/<select name="language">[\s\S]*<option value="fr" selected/);
    const rep = await (
      await call(`/reports?from=${day}&to=${day}&groupBy=day&language=en`, { cookie })
    ).text();
    expect(rep).toMatch(/<option value="en" selected/);
  });
});
