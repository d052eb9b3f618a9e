import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { controlDb } from "../db/client";
import { tenants, users } from "../db/schema/control";
import { call, E, loginCookie, makeTenant, type TestTenant } from "./helpers";

/**
 * Issue 14, point 4: beside every automatic score, the share of the grid it was judged on and
 * what the engine is unsure of — through the pipeline, in the API (analysis, call, call list) and
 * on the portal's call list and call page, in French and English.
 */
type Json = Record<string, unknown>;

async function analysedCall(t: TestTenant, ext: string, content: string) {
  const res = await call("/api/v1/calls", {
    method: "POST",
    key: t.key,
    json: { externalId: ext, transcript: { format: "text", content } },
  });
  const { id } = (await res.json()) as { id: string };
  for (let i = 0; i < 300; i++) {
    const c = (await (await call(`/api/v1/calls/${id}`, { key: t.key })).json()) as Json;
    if (c.status === "done") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return id;
}

describe("score coverage: the share of the grid judged and what is uncertain (issue 14)", () => {
  it("API and portal show 'on N% of the grid' and the uncertain findings beside the automatic score", async () => {
    const t = await makeTenant();
    // The company name as the agent says it, one letter off: the greeting is uncertain.
    await controlDb(E).update(tenants).set({ name: "Rhodanien Conseil" }).where(eq(tenants.id, t.tenant.id));
    const id = await analysedCall(
      t,
      "COV-1",
      [
        "Agent: Good morning, thank you for calling Rodanien Conseil, my name is Alice, how can I help?",
        "Client: Hello, my bill is wrong, I was charged twice this month.",
        "Agent: I understand. Can I take your account number please?",
        "Client: It's A C 4 4 1 9.",
        "Agent: Thank you. I've refunded the second payment today. Is there anything else I can help with?",
        "Client: No, thank you very much.",
        "Agent: Thank you for calling, have a nice day.",
      ].join("\n"),
    );

    // The analysis: the open question (`solution`) is not judged, the greeting is uncertain, and
    // neither counts in the judged share.
    const a = (await (await call(`/api/v1/calls/${id}/analysis`, { key: t.key })).json()) as {
      score: number;
      evaluatedWeightPct: number;
      criteria: { id: string; result: string; weight: number }[];
      coverage: { evaluatedWeightPct: number; notEvaluated: string[]; uncertain: { criteria: string[] } };
    };
    expect(a.criteria.find((c) => c.id === "greeting")?.result).toBe("uncertain");
    expect(a.coverage.uncertain.criteria).toEqual(["greeting"]);
    expect(a.coverage.notEvaluated).toContain("solution");
    expect(a.coverage.evaluatedWeightPct).toBe(a.evaluatedWeightPct);
    const unjudged = a.criteria
      .filter((c) => c.result === "uncertain" || c.result === "not_evaluated" || c.result === "na")
      .reduce((s, c) => s + c.weight, 0);
    expect(a.evaluatedWeightPct).toBe(100 - unjudged);
    expect(a.evaluatedWeightPct).toBeLessThanOrEqual(80);

    // The call and the call list carry the same figures beside the score.
    const c = (await (await call(`/api/v1/calls/${id}`, { key: t.key })).json()) as Json;
    expect(c).toMatchObject({ score: a.score, evaluatedWeightPct: a.evaluatedWeightPct, uncertainCount: 1 });
    const list = (await (await call("/api/v1/calls", { key: t.key })).json()) as { data: Json[] };
    expect(list.data.find((x) => x.id === id)).toMatchObject({ evaluatedWeightPct: a.evaluatedWeightPct });

    // The portal, in English: the call page and the call list.
    const sup = await loginCookie(t.users.supervisor.email);
    const pct = String(a.evaluatedWeightPct);
    const page = await (await call(`/calls/${id}`, { cookie: sup })).text();
    expect(page).toContain(`on ${pct}% of the grid`);
    expect(page).toContain("1 uncertain");
    expect(page).toContain("Uncertain (not counted): Greets with the company name within 20 seconds.");
    expect(page).toContain("Not judged: Provides a suitable solution.");
    const listPage = await (await call("/calls", { cookie: sup })).text();
    expect(listPage).toMatch(new RegExp(`Score [\\d.]+ · on ${pct}% of the grid · 1 uncertain`));

    // And in French.
    await controlDb(E).update(users).set({ locale: "fr" }).where(eq(users.id, t.users.supervisor.id));
    const fr = await (await call(`/calls/${id}`, { cookie: sup })).text();
    expect(fr).toContain(`sur ${pct} % de la grille`);
    expect(fr).toContain("1 incertain(s)");
    expect(fr).toContain("Incertain (non compté) : Greets with the company name within 20 seconds.");
  });

  it("a call judged on its whole grid says so", async () => {
    const t = await makeTenant();
    await controlDb(E).update(tenants).set({ name: "Acme Energy" }).where(eq(tenants.id, t.tenant.id));
    const id = await analysedCall(
      t,
      "COV-2",
      "Agent: Good morning, Acme Energy, my name is Sam.\nClient: Hello, I'd like to know your opening hours.\nAgent: We're open from nine to five. Anything else?\nClient: No, thanks.\nAgent: Have a nice day.",
    );
    const a = (await (await call(`/api/v1/calls/${id}/analysis`, { key: t.key })).json()) as {
      coverage: {
        notEvaluated: string[];
        uncertain: { criteria: string[]; irritants: string[]; categories: string[] };
      };
    };
    // The general grid's open question is never judged by the built-in engine.
    expect(a.coverage.notEvaluated).toEqual(["solution"]);
    expect(a.coverage.uncertain).toEqual({ criteria: [], irritants: [], categories: [] });
    const sup = await loginCookie(t.users.supervisor.email);
    const page = await (await call(`/calls/${id}`, { cookie: sup })).text();
    expect(page).toContain("Not judged: Provides a suitable solution.");
    expect(page).not.toContain("Uncertain (not counted)");
  });
});
