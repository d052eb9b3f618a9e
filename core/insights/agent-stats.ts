import { and, asc, desc, eq, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import { dataPlane } from "../../db/resolver";
import { agents, calls } from "../../db/schema/data";
import type { Ctx } from "../platform/context";
import { ApiError } from "../platform/errors";
import { callScope } from "../policy/call-scope";
import { restrictedCallsExclusion } from "../policy/privacy-guard";
import { type ReviewedScore, reviewedScoresByAgent } from "./reviewed-scores";

/**
 * Agent figures for the portal's agent pages (D3): the leaderboard, the team view and an agent's
 * own view. Read from the `calls` columns only (score, passed, agent_id, team, started_at), over a
 * bounded period, through the (tenant, agent|team, started_at) and (tenant, started_at) indexes.
 * Scores here are the AUTOMATIC ones (the engine's); reviewed scores come apart from
 * `reviewedScoresByAgent` and are never mixed in. Restricted people's calls are left out (F3).
 */
export const MAX_PERIOD_DAYS = 366;
const DAY = 86_400_000;

export interface Period {
  from: number;
  to: number;
}

export function checkPeriod(p: Period): Period {
  if (!Number.isFinite(p.from) || !Number.isFinite(p.to) || p.to <= p.from)
    throw new ApiError("validation_failed", "to must be after from", {
      errors: [{ pointer: "/to", detail: "before from" }],
      messageKey: "portal.agents.error.period",
    });
  if (p.to - p.from > MAX_PERIOD_DAYS * DAY)
    throw new ApiError("validation_failed", `a period is at most ${MAX_PERIOD_DAYS} days`, {
      errors: [{ pointer: "/from", detail: "period too long" }],
      messageKey: "portal.agents.error.period_long",
      params: { days: MAX_PERIOD_DAYS },
    });
  return p;
}

export interface AgentFigures {
  agentId: string;
  name: string;
  team: string | null;
  /** Calls started in the period (any status). */
  calls: number;
  /** Calls with an automatic analysis (status done). */
  analysed: number;
  /** Mean automatic score of analysed calls with a score; null when none. */
  avgScore: number | null;
  /** Share of analysed calls with a pass/fail that passed, 0–1; null when none. */
  passRate: number | null;
  criticalFails: number;
  /** Human reviews (C10), apart; null when none. */
  reviewed: ReviewedScore | null;
}

const aggregates = {
  calls: sql<number>`count(*)`,
  analysed: sql<number>`sum(case when ${calls.status} = 'done' then 1 else 0 end)`,
  avgScore: sql<number | null>`avg(case when ${calls.status} = 'done' then ${calls.score} end)`,
  judged: sql<number>`sum(case when ${calls.status} = 'done' and ${calls.passed} is not null then 1 else 0 end)`,
  passedN: sql<number>`sum(case when ${calls.status} = 'done' and ${calls.passed} = 1 then 1 else 0 end)`,
  criticalFails: sql<number>`sum(case when ${calls.status} = 'done' and ${calls.criticalFail} = 1 then 1 else 0 end)`,
};

function round1(n: number | null): number | null {
  return n == null ? null : Math.round(n * 10) / 10;
}

/**
 * Per agent over the period: calls, analysed, automatic average, pass rate, and the reviewed
 * score apart. Agents with no call in the period are listed too when `team` is given (a team
 * view shows the whole team), sorted by automatic average (best first), then name.
 */
export async function agentFigures(
  ctx: Ctx,
  q: Period & { team?: string | null; includeIdle?: boolean },
): Promise<AgentFigures[]> {
  const { from, to } = checkPeriod(q);
  const dp = dataPlane(ctx.env, ctx.tenant);
  const conds: (SQL | undefined)[] = [
    eq(calls.tenantId, ctx.tenant.id),
    gte(calls.startedAt, from),
    lt(calls.startedAt, to),
    sql`${calls.agentId} is not null`,
  ];
  if (q.team) conds.push(eq(calls.team, q.team));
  const restricted = await restrictedCallsExclusion(ctx.env, ctx.tenant);
  if (restricted) conds.push(restricted);
  const [rows, reviewed] = await Promise.all([
    dp.db
      .select({ agentId: calls.agentId, ...aggregates })
      .from(calls)
      .where(and(...conds))
      .groupBy(calls.agentId)
      .limit(2000),
    reviewedScoresByAgent(ctx, from, to),
  ]);
  const byId = new Map(rows.map((r) => [r.agentId as string, r]));
  // Names: the team's agents (a team view lists idle ones too), else those with calls.
  const directory = q.team
    ? await dp.db
        .select()
        .from(agents)
        .where(and(eq(agents.tenantId, ctx.tenant.id), eq(agents.team, q.team)))
        .orderBy(asc(agents.name))
        .limit(1000)
    : [];
  const known = new Map(directory.map((a) => [a.id, a]));
  const missing = [...byId.keys()].filter((id) => !known.has(id));
  for (let i = 0; i < missing.length; i += 90) {
    const part = await dp.db
      .select()
      .from(agents)
      .where(and(eq(agents.tenantId, ctx.tenant.id), inArray(agents.id, missing.slice(i, i + 90))));
    for (const a of part) known.set(a.id, a);
  }
  const ids =
    q.team && q.includeIdle !== false ? [...new Set([...known.keys(), ...byId.keys()])] : [...byId.keys()];
  const out: AgentFigures[] = ids.map((id) => {
    const r = byId.get(id);
    const a = known.get(id);
    const judged = Number(r?.judged ?? 0);
    return {
      agentId: id,
      name: a?.name ?? id,
      team: a?.team ?? null,
      calls: Number(r?.calls ?? 0),
      analysed: Number(r?.analysed ?? 0),
      avgScore: round1(r?.avgScore == null ? null : Number(r.avgScore)),
      passRate: judged ? Number(r?.passedN ?? 0) / judged : null,
      criticalFails: Number(r?.criticalFails ?? 0),
      reviewed: reviewed.get(id) ?? null,
    };
  });
  out.sort(
    (x, y) =>
      (y.avgScore ?? -1) - (x.avgScore ?? -1) || y.analysed - x.analysed || x.name.localeCompare(y.name),
  );
  return out;
}

/** Teams named by the tenant's agents (for the team picker). */
export async function listTeams(ctx: Ctx): Promise<string[]> {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const rows = await dp.db
    .selectDistinct({ team: agents.team })
    .from(agents)
    .where(and(eq(agents.tenantId, ctx.tenant.id), sql`${agents.team} is not null`))
    .orderBy(asc(agents.team))
    .limit(500);
  return rows.map((r) => r.team as string);
}

export interface AgentWeek {
  /** Monday 00:00 UTC of the week. */
  weekStart: number;
  analysed: number;
  avgScore: number | null;
  passRate: number | null;
}

/**
 * One agent's automatic scores by week over the period, and the totals. Reads the agent's calls
 * through (tenant, agent_id, started_at); callers decide who may ask (an agent: only themself).
 */
export async function agentTimeline(ctx: Ctx, agentId: string, p: Period) {
  const { from, to } = checkPeriod(p);
  const dp = dataPlane(ctx.env, ctx.tenant);
  const conds: (SQL | undefined)[] = [
    eq(calls.tenantId, ctx.tenant.id),
    eq(calls.agentId, agentId),
    gte(calls.startedAt, from),
    lt(calls.startedAt, to),
  ];
  const restricted = await restrictedCallsExclusion(ctx.env, ctx.tenant);
  if (restricted) conds.push(restricted);
  // Weeks start on Monday: 1970-01-01 was a Thursday, so shift by 3 days before flooring.
  const week = sql<number>`((${calls.startedAt} + 259200000) / 604800000) * 604800000 - 259200000`;
  const rows = await dp.db
    .select({ weekStart: week, ...aggregates })
    .from(calls)
    .where(and(...conds))
    .groupBy(week)
    .orderBy(week)
    .limit(60);
  const weeks: AgentWeek[] = rows.map((r) => {
    const judged = Number(r.judged ?? 0);
    return {
      weekStart: Number(r.weekStart),
      analysed: Number(r.analysed ?? 0),
      avgScore: round1(r.avgScore == null ? null : Number(r.avgScore)),
      passRate: judged ? Number(r.passedN ?? 0) / judged : null,
    };
  });
  const [t] = await dp.db
    .select(aggregates)
    .from(calls)
    .where(and(...conds));
  return {
    weeks,
    totals: {
      calls: Number(t?.calls ?? 0),
      analysed: Number(t?.analysed ?? 0),
      avgScore: round1(t?.avgScore == null ? null : Number(t.avgScore)),
      passRate: Number(t?.judged ?? 0) ? Number(t?.passedN ?? 0) / Number(t?.judged) : null,
    },
  };
}

/** One agent's latest calls in the period (newest first, at most `limit`), within the actor's scope. */
export async function agentCalls(ctx: Ctx, agentId: string, p: Period, limit = 20) {
  const { from, to } = checkPeriod(p);
  const dp = dataPlane(ctx.env, ctx.tenant);
  const conds: (SQL | undefined)[] = [
    callScope(ctx),
    eq(calls.agentId, agentId),
    gte(calls.startedAt, from),
    lt(calls.startedAt, to),
  ];
  const restricted = await restrictedCallsExclusion(ctx.env, ctx.tenant);
  if (restricted) conds.push(restricted);
  const rows = await dp.db
    .select({
      id: calls.id,
      startedAt: calls.startedAt,
      status: calls.status,
      score: calls.score,
      passed: calls.passed,
    })
    .from(calls)
    .where(and(...conds))
    .orderBy(desc(calls.startedAt), desc(calls.id))
    .limit(limit + 1);
  return { data: rows.slice(0, limit), more: rows.length > limit };
}
