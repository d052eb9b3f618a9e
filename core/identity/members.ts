// A tenant's members: who they are to write to (admin contacts), their roles, their removal.
import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { memberships, sessions, tenants, users } from "../../db/schema/control";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { ApiError, notFound } from "../platform/errors";
import { isLocale, type Locale } from "../platform/i18n";
import { assignableRoles, type Role } from "../platform/rbac";

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
): Promise<{ email: string; locale: Locale; tenantId: string; timeZone: string }[]> {
  const rows = await controlDb(env)
    .select({
      email: users.email,
      userLocale: users.locale,
      tenantLocale: tenants.defaultLocale,
      tenantId: tenants.id,
      timeZone: tenants.timeZone,
      disabledAt: users.disabledAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(and(inArray(memberships.role, [...ADMIN_ROLES]), eq(tenants.status, "active")));
  const seen = new Set<string>();
  const out: { email: string; locale: Locale; tenantId: string; timeZone: string }[] = [];
  for (const r of rows) {
    if (r.disabledAt || seen.has(r.email)) continue;
    seen.add(r.email);
    out.push({
      email: r.email,
      locale: isLocale(r.userLocale) ? r.userLocale : r.tenantLocale,
      tenantId: r.tenantId,
      timeZone: r.timeZone,
    });
  }
  return out;
}

export interface MemberView {
  id: string;
  userId: string;
  email: string;
  firstName: string;
  lastName: string;
  role: Role;
  mfaEnabled: boolean;
  createdAt: number;
}

export async function listMembers(ctx: Ctx): Promise<MemberView[]> {
  const rows = await controlDb(ctx.env)
    .select({ m: memberships, u: users })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.tenantId, ctx.tenant.id))
    .orderBy(asc(users.lastName), asc(users.firstName));
  return rows.map(({ m, u }) => ({
    id: m.id,
    userId: u.id,
    email: u.email,
    firstName: u.firstName,
    lastName: u.lastName,
    role: m.role,
    mfaEnabled: Boolean(u.totpEnabledAt),
    createdAt: m.createdAt,
  }));
}

async function getMembership(ctx: Ctx, id: string) {
  const m = await controlDb(ctx.env).query.memberships.findFirst({
    where: and(eq(memberships.id, id), eq(memberships.tenantId, ctx.tenant.id)),
  });
  if (!m) throw notFound("Member");
  return m;
}

export function actorRole(ctx: Ctx): Role {
  if (ctx.actor.type === "user") return ctx.actor.role;
  if (ctx.actor.type === "api_key" && ctx.actor.scopes.includes("admin")) return "admin";
  return "viewer";
}

async function ownerCount(ctx: Ctx): Promise<number> {
  const rows = await controlDb(ctx.env)
    .select({ id: memberships.id })
    .from(memberships)
    .where(and(eq(memberships.tenantId, ctx.tenant.id), eq(memberships.role, "owner")));
  return rows.length;
}

export async function changeMemberRole(ctx: Ctx, membershipId: string, role: Role): Promise<void> {
  const m = await getMembership(ctx, membershipId);
  const mine = assignableRoles(actorRole(ctx));
  if (!mine.includes(role) || !mine.includes(m.role))
    throw new ApiError("forbidden", "you cannot give or change this role", {
      messageKey: "error.role_not_assignable",
    });
  if (m.role === "owner" && role !== "owner" && (await ownerCount(ctx)) <= 1)
    throw new ApiError("conflict", "the last owner cannot be demoted", { messageKey: "error.last_owner" });
  await controlDb(ctx.env).update(memberships).set({ role }).where(eq(memberships.id, m.id));
  await auditCtx(ctx, "member.role_changed", "membership", m.id, { from: m.role, to: role });
}

export async function removeMember(ctx: Ctx, membershipId: string): Promise<void> {
  const m = await getMembership(ctx, membershipId);
  if (!assignableRoles(actorRole(ctx)).includes(m.role))
    throw new ApiError("forbidden", "you cannot remove this member", {
      messageKey: "error.role_not_assignable",
    });
  if (m.role === "owner" && (await ownerCount(ctx)) <= 1)
    throw new ApiError("conflict", "the last owner cannot be removed", { messageKey: "error.last_owner" });
  const db = controlDb(ctx.env);
  await db.batch([
    db.delete(memberships).where(eq(memberships.id, m.id)),
    db.delete(sessions).where(and(eq(sessions.subjectId, m.userId), eq(sessions.tenantId, ctx.tenant.id))),
  ]);
  await auditCtx(ctx, "member.removed", "membership", m.id, { role: m.role });
}
