import { and, eq, inArray, isNull } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { memberships, tenants, users } from "../../db/schema/control";
import { isLocale, type Locale } from "../platform/i18n";

/**
 * A tenant's members as people to write to. Notifications (abuse alerts, breach notices, policy and
 * sub-processor announcements) go to the owners and admins, in their language.
 */

export const ADMIN_ROLES = ["owner", "admin"] as const;

/** Admins of a tenant (owners and admins), for notifications. */
export async function tenantAdminContacts(env: Env, tenantId: string) {
  return controlDb(env)
    .select({ email: users.email, locale: users.locale })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(
      and(
        eq(memberships.tenantId, tenantId),
        inArray(memberships.role, [...ADMIN_ROLES]),
        isNull(users.disabledAt),
      ),
    );
}

/** Owners and admins of every active tenant, each once, with the language to write to them in. */
export async function activeTenantAdminContacts(
  env: Env,
): Promise<{ email: string; locale: Locale; tenantId: string }[]> {
  const rows = await controlDb(env)
    .select({
      email: users.email,
      userLocale: users.locale,
      tenantLocale: tenants.defaultLocale,
      tenantId: tenants.id,
      disabledAt: users.disabledAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(and(inArray(memberships.role, [...ADMIN_ROLES]), eq(tenants.status, "active")));
  const seen = new Set<string>();
  const out: { email: string; locale: Locale; tenantId: string }[] = [];
  for (const r of rows) {
    if (r.disabledAt || seen.has(r.email)) continue;
    seen.add(r.email);
    out.push({
      email: r.email,
      locale: isLocale(r.userLocale) ? r.userLocale : r.tenantLocale,
      tenantId: r.tenantId,
    });
  }
  return out;
}
