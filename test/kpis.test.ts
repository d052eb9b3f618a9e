import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { addDays, dayBounds, dayOf, sweepDirtyKpis } from "../core/insights/kpis";
import { controlDb } from "../db/client";
import { dataPlane } from "../db/resolver";
import { memberships, users } from "../db/schema/control";
import { call, loginCookie, makeTenant, type TestTenant, waitFor } from "./helpers";

type Json = Record<string, unknown>;
type Kpis = {
  source: string;
  totals: { calls: number; analysed: number; avgScore: number | null; passRate: number | null };
  series: { day: string; calls: number }[];
  topCategories: { id: string; calls: number }[];
  pendingDays: number;
};

const TEXTS = [
  "Agent: Bonjour, service client, je vous écoute.\nClient: Ma facture est fausse, on m'a facturé deux fois.\nAgent: Je comprends, je vous rembourse aujourd'hui. Merci de votre patience, bonne journée.",
  "Agent: Hello, how can I help?\nCustomer: My parcel is late again, I have waited for two weeks.\nAgent: Sorry, I will chase the carrier now. Anything else?\nCustomer: No thanks.",
  "Agent: Bonjour.\nClient: Je veux résilier mon abonnement, c'est la troisième fois que j'appelle.\nAgent: D'accord.",
];

async function seed(t: TestTenant) {
  const day = (n: number) => Date.parse("2026-11-10T10:00:00Z") + n * 86_400_000;
  const plan = [
    { team: "Nord", agent: "n-1", d: 0, text: 0 },
    { team: "Nord", agent: "n-1", d: 0, text: 1 },
    { team: "Nord", agent: "n-2", d: 1, text: 2 },
    { team: "Sud", agent: "s-1", d: 1, text: 0 },
    { team: "Sud", agent: "s-1", d: 2, text: 1 },
  ];
  const ids: string[] = [];
  for (const [i, p] of plan.entries()) {
    const res = await call("/api/v1/calls", {
      method: "POST",
      key: t.key,
      json: {
        externalId: `K-${i}`,
        startedAt: new Date(day(p.d)).toISOString(),
        queue: i % 2 ? "Facturation" : "Général",
        agent: { externalId: p.agent, name: `Agent ${p.agent}`, team: p.team },
        transcript: { format: "text", content: TEXTS[p.text] },
      },
    });
    expect(res.status).toBe(201);
    ids.push(((await res.json()) as { id: string }).id);
  }
  return ids;
}

const kpis = async (t: TestTenant, qs: string) =>
  (await (await call(`/api/v1/reports/kpis?${qs}`, { key: t.key })).json()) as Kpis;

describe("daily rollups and KPIs (D1, P5)", () => {
  it("days follow the tenant's time zone, DST included", () => {
    expect(dayOf(Date.parse("2026-11-09T23:30:00Z"), "Europe/Paris")).toBe("2026-11-10");
    const [s, e] = dayBounds("2026-03-29", "Europe/Paris"); // spring forward: 23 hours
    expect(e - s).toBe(23 * 3_600_000);
    expect(new Date(s).toISOString()).toBe("2026-03-28T23:00:00.000Z");
    const [s2, e2] = dayBounds("2026-10-25", "Europe/Paris"); // fall back: 25 hours
    expect(e2 - s2).toBe(25 * 3_600_000);
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
  });

  it("KPIs from the rollups equal the calls' own figures; filters; deletion updates them", async () => {
    const t = await makeTenant();
    const ids = await seed(t);
    const range = "from=2026-11-09&to=2026-11-13";
    const all = await waitFor(async () => {
      const k = await kpis(t, range);
      return k.totals.analysed === 5 && k.pendingDays === 0 ? k : null;
    });
    expect(all.source).toBe("rollup");
    // The same figures computed from the calls themselves.
    const list = (await (await call("/api/v1/calls?limit=50", { key: t.key })).json()) as { data: Json[] };
    const scores = list.data.map((c) => c.score as number | null).filter((s): s is number => s !== null);
    const avg = Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 10) / 10;
    expect(all.totals.calls).toBe(5);
    expect(all.totals.avgScore).toBe(avg);
    expect(all.series.map((s) => s.calls)).toEqual([0, 2, 2, 1, 0]);
    expect(all.topCategories.length).toBeGreaterThan(0);

    const nord = await kpis(t, `${range}&team=Nord`);
    expect(nord.source).toBe("rollup");
    expect(nord.totals.calls).toBe(3);
    const both = await kpis(t, `${range}&team=Nord&queue=Facturation`);
    expect(both.source).toBe("calls");
    expect(both.totals.calls).toBe(1);
    const cat = all.topCategories[0];
    const byCat = await kpis(t, `${range}&category=${cat.id}`);
    expect(byCat.totals.calls).toBe(cat.calls);

    // Deleting a call rebuilds its day.
    expect((await call(`/api/v1/calls/${ids[0]}`, { method: "DELETE", key: t.key })).status).toBe(204);
    const after = await waitFor(async () => {
      const k = await kpis(t, range);
      return k.totals.calls === 4 && k.pendingDays === 0 ? k : null;
    });
    expect(after.series[1].calls).toBe(1);

    // Bad input: a readable problem.
    const bad = await call(`/api/v1/reports/kpis?from=2026-11-13&to=2026-11-09`, { key: t.key });
    expect(bad.status).toBe(400);
    expect((await call(`/api/v1/reports/kpis?from=yesterday`, { key: t.key })).status).toBe(400);
  }, 60_000);

  it("the dashboard page: SVG charts, filters, an agent sees only their own figures, both languages", async () => {
    const t = await makeTenant();
    await seed(t);
    const range = "from=2026-11-09&to=2026-11-13";
    await waitFor(async () => {
      const k = await kpis(t, range);
      return k.totals.analysed === 5 && k.pendingDays === 0 ? k : null;
    });
    const sup = await loginCookie(t.users.supervisor.email);
    const html = await (await call(`/dashboard?${range}`, { cookie: sup })).text();
    expect(html).toContain('data-chart="chart-score"');
    expect(html).toContain("<svg");
    expect(html).toMatch(/data-kpi="Calls">5</);
    const nord = await (await call(`/dashboard?${range}&team=Nord`, { cookie: sup })).text();
    expect(nord).toMatch(/data-kpi="Calls">3</);
    const bad = await call(`/dashboard?from=2026-11-13&to=2026-11-09`, { cookie: sup });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("(from)");
    // The agent member linked to agent n-1 sees 2 calls, whatever the query asks.
    const agents = (await (await call("/api/v1/agents?limit=50", { key: t.key })).json()) as { data: Json[] };
    const n1 = agents.data.find((a) => a.externalId === "n-1")!;
    await controlDb(t.ctx.env)
      .update(memberships)
      .set({ agentId: n1.id as string })
      .where(eq(memberships.id, t.users.agent.membershipId));
    const agent = await loginCookie(t.users.agent.email);
    const own = await (await call(`/dashboard?${range}&team=Sud`, { cookie: agent })).text();
    expect(own).toMatch(/data-kpi="Calls">2</);
    await controlDb(t.ctx.env).update(users).set({ locale: "fr" }).where(eq(users.id, t.users.supervisor.id));
    const fr = await (await call(`/dashboard?${range}`, { cookie: sup })).text();
    expect(fr).toContain("Note moyenne");
  }, 60_000);

  it("the 10-minute sweep asks for a rebuild of days left dirty (a lost message, a migration)", async () => {
    const t = await makeTenant();
    await dataPlane(t.ctx.env, t.tenant)
      .d1.prepare("insert into kpi_dirty (tenant_id, day, marked_at) values (?, '2026-01-05', 0)")
      .bind(t.tenant.id)
      .run();
    const send = vi.spyOn(t.ctx.env.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    expect(await sweepDirtyKpis(t.ctx.env, Date.now())).toBeGreaterThanOrEqual(1);
    expect(send).toHaveBeenCalledWith({ type: "kpi.rollup", tenantId: t.tenant.id });
    send.mockRestore();
  });
});
