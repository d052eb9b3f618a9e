import { and, eq, type SQL } from "drizzle-orm";
import { calls } from "../../db/schema/data";
import type { Ctx } from "../context";

/**
 * Which calls the actor may see (A5, I1): always the tenant's own; an agent only the calls where
 * they are the agent (an agent user with no linked agent sees none). Every call query goes
 * through this condition.
 */
export function callScope(ctx: Ctx): SQL {
  const tenant = eq(calls.tenantId, ctx.tenant.id);
  if (ctx.actor.type === "user" && ctx.actor.role === "agent")
    return and(tenant, eq(calls.agentId, ctx.actor.agentId ?? "\u0000none"))!;
  return tenant;
}
