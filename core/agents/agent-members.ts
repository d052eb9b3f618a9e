import { and, eq, isNotNull } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { memberships, users } from "../../db/schema/control";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { ApiError, notFound } from "../platform/errors";
import { getAgent } from "./service";

/**
 * Which member is which agent (D3, A5): `memberships.agent_id` names the agent whose calls a user
 * with role `agent` sees (core/policy/call-scope.ts) and whose figures `/me` shows. One agent is linked
 * to at most one member, so no two people see each other's evaluations through a shared link.
 */
export interface AgentLink {
  membershipId: string;
  userId: string;
  email: string;
  name: string;
  role: string;
  agentId: string | null;
}

export async function listAgentLinks(ctx: Ctx): Promise<AgentLink[]> {
  const rows = await controlDb(ctx.env)
    .select({ m: memberships, u: users })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.tenantId, ctx.tenant.id))
    .limit(2000);
  return rows.map(({ m, u }) => ({
    membershipId: m.id,
    userId: u.id,
    email: u.email,
    name: `${u.firstName} ${u.lastName}`.trim(),
    role: m.role,
    agentId: m.agentId,
  }));
}

/** The member linked to an agent, if any. */
export async function memberOfAgent(ctx: Ctx, agentId: string): Promise<AgentLink | null> {
  const [row] = await controlDb(ctx.env)
    .select({ m: memberships, u: users })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, ctx.tenant.id), eq(memberships.agentId, agentId)))
    .limit(1);
  return row
    ? {
        membershipId: row.m.id,
        userId: row.u.id,
        email: row.u.email,
        name: `${row.u.firstName} ${row.u.lastName}`.trim(),
        role: row.m.role,
        agentId: row.m.agentId,
      }
    : null;
}

/**
 * Links a member to an agent (or unlinks with null). The agent must exist in the tenant; an agent
 * already linked to another member is refused (409). The member's open sessions pick the link up
 * at their next request (the session principal reads the membership each time).
 */
export async function linkMemberToAgent(
  ctx: Ctx,
  membershipId: string,
  agentId: string | null,
): Promise<{ membershipId: string; agentId: string | null }> {
  const db = controlDb(ctx.env);
  const m = await db.query.memberships.findFirst({
    where: and(eq(memberships.id, membershipId), eq(memberships.tenantId, ctx.tenant.id)),
  });
  if (!m) throw notFound("Member");
  if (agentId) {
    await getAgent(ctx, agentId).catch(() => {
      throw new ApiError("validation_failed", "unknown agentId", {
        errors: [{ pointer: "/agentId", detail: "no such agent" }],
        messageKey: "portal.agents.error.unknown_agent",
      });
    });
    const other = await db
      .select({ id: memberships.id })
      .from(memberships)
      .where(
        and(
          eq(memberships.tenantId, ctx.tenant.id),
          eq(memberships.agentId, agentId),
          isNotNull(memberships.agentId),
        ),
      )
      .limit(2);
    if (other.some((o) => o.id !== m.id))
      throw new ApiError("conflict", "this agent is already linked to another member", {
        messageKey: "portal.agents.error.already_linked",
      });
  }
  await db
    .update(memberships)
    .set({ agentId })
    .where(and(eq(memberships.id, m.id), eq(memberships.tenantId, ctx.tenant.id)));
  await auditCtx(ctx, "member.agent_linked", "membership", m.id, { agent: agentId, previous: m.agentId });
  return { membershipId: m.id, agentId };
}
