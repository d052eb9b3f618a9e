import { dayBounds } from "../core/insights/kpis";
import { newId } from "../core/platform/crypto";
import { dataPlane } from "../db/resolver";
import { agents, callLabels, calls, reviews } from "../db/schema/data";
import { call, E, type TestTenant } from "./helpers";

/** A Monday long past, so the rule's own "current week" sampling never touches these calls. */
export const WEEK = "2026-11-02";
const at = (day: string, hour = 10) => dayBounds(day, "Europe/Paris")[0] + hour * 3_600_000;

interface Seed {
  agent: string;
  day?: string;
  score?: number;
  critical?: boolean;
  irritant?: boolean;
  disputed?: boolean;
  status?: "done" | "analyzing";
}

/** The tenant's agent of that short name (agents' ids are global). */
export const aid = (t: TestTenant, name: string) => `ag_${name}_${t.tenant.id}`;

/** Analysed calls written straight into the tenant's D1 (the sampling reads only these columns). */
export async function seedCalls(t: TestTenant, seeds: Seed[]): Promise<string[]> {
  const dp = dataPlane(E, t.tenant);
  const now = Date.now();
  const ids: string[] = [];
  for (const name of new Set(seeds.map((s) => s.agent)))
    await dp.db.insert(agents).values({
      id: aid(t, name),
      tenantId: t.tenant.id,
      name: `Agent ${name}`,
      createdAt: now,
      updatedAt: now,
    });
  for (const s of seeds) {
    const id = newId("call");
    ids.push(id);
    const startedAt = at(s.day ?? "2026-11-04");
    await dp.db.insert(calls).values({
      id,
      tenantId: t.tenant.id,
      createHash: id,
      status: s.status ?? "done",
      startedAt,
      agentId: aid(t, s.agent),
      score: s.score ?? 90,
      passed: (s.score ?? 90) >= 70,
      criticalFail: s.critical ?? false,
      analysisId: s.status === "analyzing" ? null : `an_${id}`,
      createdAt: now,
      updatedAt: now,
    });
    if (s.irritant)
      await dp.db
        .insert(callLabels)
        .values({ tenantId: t.tenant.id, callId: id, kind: "irritant", label: "wait", weight: 2, startedAt });
    if (s.disputed)
      await dp.db.insert(reviews).values({
        id: newId("rev"),
        tenantId: t.tenant.id,
        callId: id,
        analysisId: `an_${id}`,
        reviewerId: "someone",
        status: "disputed",
        createdAt: now,
        updatedAt: now,
      });
  }
  return ids;
}

/** A call analysed by the real pipeline (started now, so in the current week). */
export async function analysedCall(t: TestTenant, ext: string): Promise<string> {
  const res = await call("/api/v1/calls", {
    method: "POST",
    key: t.key,
    json: {
      externalId: ext,
      agent: { externalId: "ag-q", name: "Alice Martin", team: "Nord" },
      transcript: {
        format: "text",
        content:
          "Agent: Bonjour, service client de Test, Alice à l'appareil, que puis-je faire pour vous ?\nClient: Ma facture est fausse, on m'a facturé deux fois ce mois-ci.\nAgent: Je comprends, je vérifie votre compte. Je vous rembourse le double prélèvement aujourd'hui.\nClient: Merci beaucoup.\nAgent: Je vous en prie, puis-je faire autre chose pour vous ? Bonne journée.",
      },
    },
  });
  const { id } = (await res.json()) as { id: string };
  for (let i = 0; i < 300; i++) {
    const c = (await (await call(`/api/v1/calls/${id}`, { key: t.key })).json()) as { status: string };
    if (c.status === "done") return id;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`call ${id} was not analysed`);
}
