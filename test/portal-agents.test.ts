import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createAgent } from "../core/agents/service";
import { createCall } from "../core/calls/service";
import { reviewedScoresByAgent } from "../core/insights/reviewed-scores";
import { controlDb } from "../db/client";
import { dataPlane } from "../db/resolver";
import { memberships, users } from "../db/schema/control";
import { calls } from "../db/schema/data";
import { call, E, loginCookie, makeTenant, type TestTenant } from "./helpers";

/**
 * Agents and teams (D3): the directory with its team filter, create and edit, the member link
 * that scopes a user with role `agent`, the leaderboard and team view checked against the calls
 * inserted here (automatic scores; the reviewed column says "—" until reviews exist), and `/me`,
 * where an agent sees their own figures and calls and nobody else's.
 */
const DAY = 86_400_000;
const post = (path: string, cookie: string, form: Record<string, string>) =>
  call(path, { method: "POST", cookie, form });

/** The text of the cell `col` in the row of agent `id`. */
function cell(html: string, id: string, col: string): string | undefined {
  const row = new RegExp(`<tr data-agent="${id}">([\\s\\S]*?)</tr>`).exec(html)?.[1];
  return row ? new RegExp(`data-col="${col}">([^<]*)<`).exec(row)?.[1] : undefined;
}

describe("portal: agents, teams, leaderboard, my results (D3)", () => {
  let t: TestTenant;
  let admin: string;
  const id: Record<string, string> = {};
  const callIds: Record<string, string[]> = { A: [], B: [], C: [] };

  /** A call of `agent` `daysAgo` days ago, marked analysed with `score` (null: not analysed). */
  async function addCall(agent: string, daysAgo: number, score: number | null, passed: boolean | null) {
    const { call: c } = await createCall(t.ctx, {
      agentId: id[agent],
      startedAt: new Date(Date.now() - daysAgo * DAY).toISOString(),
    });
    if (score !== null || passed !== null)
      await dataPlane(E, t.tenant)
        .db.update(calls)
        .set({ status: "done", score, passed, criticalFail: score === 0 })
        .where(eq(calls.id, c.id));
    callIds[agent]?.push(c.id);
  }

  beforeAll(async () => {
    t = await makeTenant();
    admin = await loginCookie(t.users.admin.email);
    id.A = (await createAgent(t.ctx, { name: "Alice Martin", externalId: "A-1", team: "Sinistres" })).id;
    id.B = (await createAgent(t.ctx, { name: "Bruno Petit", externalId: "B-1", team: "Sinistres" })).id;
    id.C = (await createAgent(t.ctx, { name: "Chloé Roy", externalId: "C-1", team: "Auto" })).id;
    id.D = (await createAgent(t.ctx, { name: "Damien Idle", team: "Sinistres" })).id;
    // A: 3 analysed (90 pass, 70 fail, 80 pass) + 1 not analysed; one old call outside the period.
    await addCall("A", 2, 90, true);
    await addCall("A", 3, 70, false);
    await addCall("A", 4, 80, true);
    await addCall("A", 5, null, null);
    await addCall("A", 60, 0, false);
    // B: 60 and 50, both fail. C: one 95 pass.
    await addCall("B", 2, 60, false);
    await addCall("B", 6, 50, false);
    await addCall("C", 1, 95, true);
  });

  it("lists agents with a team filter, creates and edits one, refuses a duplicate external id keeping the input", async () => {
    const page = await (await call("/agents", { cookie: admin })).text();
    expect(page).toContain("<h1>Agents</h1>");
    for (const n of ["Alice Martin", "Bruno Petit", "Chloé Roy"]) expect(page).toContain(n);
    const auto = await (await call("/agents?team=Auto", { cookie: admin })).text();
    expect(auto).toContain("Chloé Roy");
    expect(auto).not.toContain("Alice Martin");

    const created = await post("/agents", admin, { name: "Eva Neuve", externalId: "E-1", team: "Auto" });
    expect(created.status).toBe(303);
    const loc = created.headers.get("location") ?? "";
    expect(loc).toMatch(/^\/agents\/agt_[^?]+\?done=agent_created$/);
    expect(await (await call(loc, { cookie: admin })).text()).toContain("The agent has been created.");
    const dup = await post("/agents", admin, { name: "Eva Bis", externalId: "E-1", team: "" });
    expect(dup.status).toBe(409);
    const dupHtml = await dup.text();
    expect(dupHtml).toContain('value="Eva Bis"');
    expect(dupHtml).toContain('role="alert"');
    const empty = await post("/agents", admin, { name: " ", externalId: "", team: "" });
    expect(empty.status).toBe(400);

    const newId = loc.split("?")[0].split("/").pop() as string;
    const edited = await post(`/agents/${newId}`, admin, {
      name: "Eva Renommée",
      externalId: "E-1",
      team: "Auto",
    });
    expect(edited.status).toBe(303);
    expect(await (await call(`/agents/${newId}`, { cookie: admin })).text()).toContain("Eva Renommée");
  });

  it("ranks agents by automatic average over the period; numbers match the calls; reviewed shows —", async () => {
    const res = await call("/agents/leaderboard", { cookie: admin });
    expect(res.status).toBe(200);
    const html = await res.text();
    // Order: C (95), A (80), B (55).
    const order = [...html.matchAll(/<tr data-agent="([^"]+)">/g)].map((m) => m[1]);
    expect(order.slice(0, 3)).toEqual([id.C, id.A, id.B]);
    expect(cell(html, id.A, "avg")).toBe("80");
    expect(cell(html, id.A, "pass")).toBe("67%");
    expect(cell(html, id.B, "avg")).toBe("55");
    expect(cell(html, id.B, "pass")).toBe("0%");
    expect(cell(html, id.C, "avg")).toBe("95");
    expect(cell(html, id.C, "pass")).toBe("100%");
    for (const a of [id.A, id.B, id.C]) expect(cell(html, a, "reviewed")).toBe("—");
    // A: 4 calls in the period, 3 analysed (the 60-day-old one is outside).
    const rowA = new RegExp(`<tr data-agent="${id.A}">([\\s\\S]*?)</tr>`).exec(html)?.[1] ?? "";
    expect([...rowA.matchAll(/<td class="num">(\d+)<\/td>/g)].map((m) => m[1]).slice(0, 2)).toEqual([
      "4",
      "3",
    ]);
    expect(html).toContain("Reviewed score");
    expect(html).toContain("Automatic score");
    // A longer period takes the old call in: A's average drops to 60 (90+70+80+0)/4.
    const from = new Date(Date.now() - 90 * DAY).toISOString().slice(0, 10);
    const wide = await (await call(`/agents/leaderboard?from=${from}`, { cookie: admin })).text();
    expect(cell(wide, id.A, "avg")).toBe("60");
    // Team filter.
    const team = await (await call("/agents/leaderboard?team=Auto", { cookie: admin })).text();
    expect(team).toContain(`data-agent="${id.C}"`);
    expect(team).not.toContain(`data-agent="${id.A}"`);
    // A bad period: readable, in the page.
    const bad = await call("/agents/leaderboard?from=2026-10-10&to=2026-10-01", { cookie: admin });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("The end of the period must come after its start.");
    // The placeholder claims no numbers.
    expect((await reviewedScoresByAgent(t.ctx, 0, Date.now())).size).toBe(0);
  });

  it("team view lists the team's agents, idle ones too; API gives the same figures", async () => {
    const html = await (await call("/agents/teams?team=Sinistres", { cookie: admin })).text();
    expect(html).toContain("<h1>Team Sinistres</h1>");
    expect(html).toContain(`data-agent="${id.D}"`); // no call, still listed
    expect(cell(html, id.D, "avg")).toBe("—");
    expect(html).not.toContain(`data-agent="${id.C}"`);
    expect(html).toContain("3 agents · 6 calls · 5 analysed");
    const api = (await (await call("/api/v1/agent-stats?team=Sinistres", { key: t.key })).json()) as {
      data: {
        agentId: string;
        avgScore: number | null;
        passRate: number | null;
        analysed: number;
        reviewed: null;
      }[];
    };
    const tl = (await (await call(`/api/v1/agents/${id.A}/timeline`, { key: t.key })).json()) as {
      totals: { calls: number; analysed: number; avgScore: number | null };
      weeks: { weekStart: number }[];
    };
    expect(tl.totals).toMatchObject({ calls: 4, analysed: 3, avgScore: 80 });
    expect(tl.weeks.every((w) => new Date(w.weekStart).getUTCDay() === 1)).toBe(true); // Mondays
    const tooLong = await call(`/api/v1/agent-stats?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`, {
      key: t.key,
    });
    expect(tooLong.status).toBe(400);
    const unknown = await call(`/api/v1/members/${t.users.viewer.membershipId}/agent`, {
      method: "PUT",
      key: t.key,
      json: { agentId: "agt_nope" },
    });
    expect(unknown.status).toBe(400);
    const a = api.data.find((x) => x.agentId === id.A);
    expect(a).toMatchObject({ avgScore: 80, analysed: 3, reviewed: null });
    expect(a?.passRate).toBeCloseTo(2 / 3);
  });

  it("links a member to an agent; the agent sees only their own figures and calls; others get 404/403", async () => {
    const res = await post(`/agents/${id.A}/member`, admin, { membershipId: t.users.agent.membershipId });
    expect(res.status).toBe(303);
    const m = await controlDb(E).query.memberships.findFirst({
      where: eq(memberships.id, t.users.agent.membershipId),
    });
    expect(m?.agentId).toBe(id.A);
    expect(await (await call(`/agents/${id.A}`, { cookie: admin })).text()).toContain(t.users.agent.email);
    // The same agent for a second member: refused (API and portal).
    const twice = await call(`/api/v1/members/${t.users.supervisor.membershipId}/agent`, {
      method: "PUT",
      key: t.key,
      json: { agentId: id.A },
    });
    expect(twice.status).toBe(409);

    const agent = await loginCookie(t.users.agent.email);
    const me = await call("/me", { cookie: agent });
    expect(me.status).toBe(200);
    const html = await me.text();
    expect(html).toContain("Alice Martin");
    expect(/data-total="calls">(\d+)</.exec(html)?.[1]).toBe("4");
    expect(/data-total="analysed">(\d+)</.exec(html)?.[1]).toBe("3");
    expect(/data-total="avg">([^<]+)</.exec(html)?.[1]).toBe("80");
    expect(/data-total="pass">([^<]+)</.exec(html)?.[1]).toBe("67%");
    expect(html).toContain('<svg role="img"');
    for (const cid of callIds.A.slice(0, 4)) expect(html).toContain(`/calls/${cid}`);
    for (const cid of [...callIds.B, ...callIds.C]) expect(html).not.toContain(cid);
    expect(html).not.toContain("Bruno Petit");
    // A colleague's call: 404; the directory and leaderboard: 403.
    expect((await call(`/calls/${callIds.B[0]}`, { cookie: agent })).status).toBe(404);
    expect((await call(`/agents/${id.B}`, { cookie: agent })).status).toBe(403);
    expect((await call("/agents/leaderboard", { cookie: agent })).status).toBe(403);
    // A query cannot point /me elsewhere.
    const sneaky = await (await call(`/me?agentId=${id.B}`, { cookie: agent })).text();
    expect(sneaky).not.toContain("Bruno Petit");
    expect(/data-total="calls">(\d+)</.exec(sneaky)?.[1]).toBe("4");
    // The nav shows "My results" to the agent.
    expect(html).toContain('href="/me"');

    // A member with no link sees the explanation.
    const viewer = await loginCookie(t.users.viewer.email);
    expect(await (await call("/me", { cookie: viewer })).text()).toContain("not linked to an agent profile");
    // Unlink: the agent then sees nothing.
    expect((await post(`/agents/${id.A}/member`, admin, { membershipId: "" })).status).toBe(303);
    expect(await (await call("/me", { cookie: agent })).text()).toContain("not linked to an agent profile");
    // Supervisors may not link (members:manage).
    const sup = await loginCookie(t.users.supervisor.email);
    expect((await post(`/agents/${id.A}/member`, sup, { membershipId: "" })).status).toBe(403);
  });

  it("speaks French", async () => {
    await controlDb(E).update(users).set({ locale: "fr" }).where(eq(users.id, t.users.owner.id));
    const owner = await loginCookie(t.users.owner.email);
    const board = await (await call("/agents/leaderboard", { cookie: owner })).text();
    expect(board).toContain("<h1>Classement</h1>");
    expect(board).toContain("Note automatique (moyenne)");
    expect(cell(board, id.A, "pass")).toMatch(/^67\s?%$/);
    expect(await (await call("/agents", { cookie: owner })).text()).toContain("Nouveau conseiller");
  });
});
