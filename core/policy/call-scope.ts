import { and, eq, type SQL, sql } from "drizzle-orm";
import { calls } from "../../db/schema/data";
import type { Ctx } from "../platform/context";

/**
 * Which calls the actor may see (A5, I1): always the tenant's own; an agent only the calls where
 * they are the agent (an agent user with no linked agent sees none). Every call query goes
 * through this condition.
 */
export function callScope(ctx: Ctx, opts: { viaFts?: boolean } = {}): SQL {
  // With a full-text query the plan should start from the FTS matches (bounded by them), not walk
  // the tenant's calls by date: the unary + keeps SQLite from choosing the tenant indexes.
  const tenant = opts.viaFts ? sql`+${calls.tenantId} = ${ctx.tenant.id}` : eq(calls.tenantId, ctx.tenant.id);
  if (ctx.actor.type === "user" && ctx.actor.role === "agent")
    return and(tenant, eq(calls.agentId, ctx.actor.agentId ?? "\u0000none"))!;
  return tenant;
}
