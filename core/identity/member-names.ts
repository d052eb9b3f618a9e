import { eq } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { memberships, users } from "../../db/schema/control";
import type { Ctx } from "../platform/context";

/** Display names of the tenant's members by user id (review history, D2). */
export async function memberNames(ctx: Ctx): Promise<Map<string, string>> {
  const rows = await controlDb(ctx.env)
    .select({ id: users.id, first: users.firstName, last: users.lastName })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.tenantId, ctx.tenant.id));
  return new Map(rows.map((r) => [r.id, `${r.first ?? ""} ${r.last ?? ""}`.trim()]));
}
