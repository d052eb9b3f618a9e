import { dataPlane } from "../../db/resolver";
import type { Ctx } from "../platform/context";
import { notRestrictedSql } from "../policy/privacy-guard";

/** A reviewed (human) score per agent over a period: the mean of the calls' reviewed scores and how many. */
export interface ReviewedScore {
  avg: number;
  n: number;
}

/**
 * Reviewed scores by agent for calls started in [from, to) (D3: "reviewed and automatic scores
 * shown apart"). A call's reviewed score is its latest final or resolved review's (C10,
 * core/quality/reviews.ts keeps `calls.reviewed_score`); calls without one are not counted, and the
 * automatic score is never used here. Restricted people's calls are left out (F3).
 */
export async function reviewedScoresByAgent(
  ctx: Ctx,
  from: number,
  to: number,
): Promise<Map<string, ReviewedScore>> {
  const rows = (
    await dataPlane(ctx.env, ctx.tenant)
      .d1.prepare(
        `select c.agent_id as agent, avg(c.reviewed_score) as avg, count(*) as n from calls c
         where c.tenant_id = ? and c.started_at >= ? and c.started_at < ? and c.reviewed_score is not null
           and c.agent_id is not null
           and ${notRestrictedSql("c")}
         group by c.agent_id`,
      )
      .bind(ctx.tenant.id, from, to)
      .all<{ agent: string; avg: number; n: number }>()
  ).results;
  return new Map(rows.map((r) => [r.agent, { avg: Math.round(r.avg * 10) / 10, n: r.n }]));
}
