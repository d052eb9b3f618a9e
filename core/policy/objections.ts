import { and, eq } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { subprocessorObjections, subprocessors } from "../../db/schema/control";

/**
 * F5 in the pipeline: does the tenant have an open objection to a sub-processor entry of this
 * provider? While it does, that provider receives none of the tenant's data (the call is held).
 */
export async function providerObjected(env: Env, tenantId: string, provider: string): Promise<boolean> {
  if (provider === "builtin" || provider === "none") return false;
  const rows = await controlDb(env)
    .select({ id: subprocessorObjections.id })
    .from(subprocessorObjections)
    .innerJoin(subprocessors, eq(subprocessors.id, subprocessorObjections.subprocessorId))
    .where(
      and(
        eq(subprocessorObjections.tenantId, tenantId),
        eq(subprocessorObjections.status, "open"),
        eq(subprocessors.providerKey, provider as never),
      ),
    )
    .limit(1);
  return rows.length > 0;
}
