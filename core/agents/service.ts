import { and, asc, eq, gt, or } from "drizzle-orm";
import { z } from "zod";
import { dataPlane } from "../../db/resolver";
import { type Agent, agents } from "../../db/schema/data";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId } from "../platform/crypto";
import { ApiError, isUniqueViolation, notFound } from "../platform/errors";
import { decodeCursor, encodeCursor, page } from "../platform/pagination";

/** Agents directory (B4), in the tenant's data plane. */
export const agentInputSchema = z.object({
  name: z.string().trim().min(1).max(200),
  externalId: z.string().trim().min(1).max(200).optional().nullable(),
  team: z.string().trim().min(1).max(100).optional().nullable(),
});

export type AgentView = Omit<Agent, "tenantId">;
const view = ({ tenantId: _t, ...a }: Agent): AgentView => a;

export async function listAgents(ctx: Ctx, q: { limit: number; cursor?: string; team?: string }) {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const conds = [eq(agents.tenantId, ctx.tenant.id)];
  if (q.team) conds.push(eq(agents.team, q.team));
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    conds.push(
      or(
        gt(agents.name, String(c.sortValue)),
        and(eq(agents.name, String(c.sortValue)), gt(agents.id, c.id)),
      )!,
    );
  }
  const rows = await dp.db
    .select()
    .from(agents)
    .where(and(...conds))
    .orderBy(asc(agents.name), asc(agents.id))
    .limit(q.limit + 1);
  const p = page(rows, q.limit, (r) => encodeCursor(r.name, r.id));
  return { data: p.data.map(view), nextCursor: p.nextCursor };
}

export async function getAgent(ctx: Ctx, id: string): Promise<AgentView> {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const a = await dp.db.query.agents.findFirst({
    where: and(eq(agents.id, id), eq(agents.tenantId, ctx.tenant.id)),
  });
  if (!a) throw notFound("Agent");
  return view(a);
}

export async function createAgent(ctx: Ctx, raw: z.input<typeof agentInputSchema>): Promise<AgentView> {
  const input = agentInputSchema.parse(raw);
  const dp = dataPlane(ctx.env, ctx.tenant);
  const now = Date.now();
  const row: Agent = {
    id: newId("agt"),
    tenantId: ctx.tenant.id,
    name: input.name,
    externalId: input.externalId ?? null,
    team: input.team ?? null,
    createdAt: now,
    updatedAt: now,
  };
  const inserted = await dp.db.insert(agents).values(row).onConflictDoNothing().returning();
  if (!inserted.length) throw new ApiError("conflict", "an agent with this externalId exists");
  await auditCtx(ctx, "agent.created", "agent", row.id);
  return view(row);
}

export async function updateAgent(
  ctx: Ctx,
  id: string,
  raw: z.input<typeof agentInputSchema>,
): Promise<AgentView> {
  const input = agentInputSchema.parse(raw);
  const dp = dataPlane(ctx.env, ctx.tenant);
  try {
    const [row] = await dp.db
      .update(agents)
      .set({
        name: input.name,
        externalId: input.externalId ?? null,
        team: input.team ?? null,
        updatedAt: Date.now(),
      })
      .where(and(eq(agents.id, id), eq(agents.tenantId, ctx.tenant.id)))
      .returning();
    if (!row) throw notFound("Agent");
    await auditCtx(ctx, "agent.updated", "agent", id);
    return view(row);
  } catch (e) {
    // The message of drizzle's error is the query; the constraint is on its cause.
    if (isUniqueViolation(e)) throw new ApiError("conflict", "an agent with this externalId exists");
    throw e;
  }
}

export async function deleteAgent(ctx: Ctx, id: string): Promise<void> {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const rows = await dp.db
    .delete(agents)
    .where(and(eq(agents.id, id), eq(agents.tenantId, ctx.tenant.id)))
    .returning({ id: agents.id });
  if (!rows.length) throw notFound("Agent");
  await auditCtx(ctx, "agent.deleted", "agent", id);
}

/**
 * The agent a call names by external id, created when unknown (B4: imports create agents).
 * Concurrent imports naming the same new agent converge on one row (unique external id).
 */
export async function findOrCreateAgent(
  ctx: Ctx,
  ref: { externalId: string; name?: string | null; team?: string | null },
): Promise<AgentView> {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const where = and(eq(agents.tenantId, ctx.tenant.id), eq(agents.externalId, ref.externalId));
  const existing = await dp.db.query.agents.findFirst({ where });
  if (existing) return view(existing);
  const now = Date.now();
  await dp.db
    .insert(agents)
    .values({
      id: newId("agt"),
      tenantId: ctx.tenant.id,
      externalId: ref.externalId,
      name: ref.name?.trim() || ref.externalId,
      team: ref.team?.trim() || null,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing();
  const row = await dp.db.query.agents.findFirst({ where });
  if (!row) throw new ApiError("internal", "agent could not be created");
  return view(row);
}
