import { eq } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { type Tenant, tenants } from "../../db/schema/control";

/** For queue consumers and cron: the tenant a message names (messages carry ids only). */
export async function tenantById(env: Env, id: string): Promise<Tenant | null> {
  return (await controlDb(env).query.tenants.findFirst({ where: eq(tenants.id, id) })) ?? null;
}
