// The signed-in person's own account: profile, language, deletion.
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import {
  emailTokens,
  memberships,
  recoveryCodes,
  sessions,
  tenants,
  type User,
  users,
} from "../../db/schema/control";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { ApiError } from "../platform/errors";
import type { Locale } from "../platform/i18n";
import { nameField } from "./account-base";
import { verifyPassword } from "./password";

export async function currentUser(ctx: Ctx): Promise<User> {
  if (ctx.actor.type !== "user") throw new ApiError("forbidden", "only a signed-in user can do this");
  const user = await controlDb(ctx.env).query.users.findFirst({ where: eq(users.id, ctx.actor.id) });
  if (!user) throw new ApiError("unauthenticated");
  return user;
}

export const profileSchema = z.object({
  firstName: nameField.min(1),
  lastName: nameField.min(1),
  phone: z.string().trim().max(32).optional().nullable(),
  company: nameField.optional().nullable(),
  jobTitle: nameField.optional().nullable(),
  locale: z.enum(["fr", "en"]).optional(),
});

export async function updateProfile(ctx: Ctx, raw: z.input<typeof profileSchema>): Promise<User> {
  const input = profileSchema.parse(raw);
  const user = await currentUser(ctx);
  const [u] = await controlDb(ctx.env)
    .update(users)
    .set({ ...input, updatedAt: Date.now() })
    .where(eq(users.id, user.id))
    .returning();
  await auditCtx(ctx, "user.profile_updated", "user", user.id);
  return u;
}

/** The language switch of a signed-in user: remembered on the account (no audit entry: not a security event). */
export async function setLocale(ctx: Ctx, locale: Locale): Promise<void> {
  const user = await currentUser(ctx);
  await controlDb(ctx.env).update(users).set({ locale, updatedAt: Date.now() }).where(eq(users.id, user.id));
}

/**
 * Account deletion (A1, GDPR art. 17 for the user's own account). Refused while the person is the
 * only owner of an organisation; otherwise the account, its memberships, sessions, tokens and
 * recovery codes go. Audit and connection logs keep the bare id for their security retention.
 */
export async function deleteAccount(ctx: Ctx, password: string): Promise<void> {
  const user = await currentUser(ctx);
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, password)))
    throw new ApiError("validation_failed", "current password incorrect", {
      messageKey: "error.current_password",
    });
  const db = controlDb(ctx.env);
  const mine = await db
    .select({ tenantId: memberships.tenantId, role: memberships.role, name: tenants.name })
    .from(memberships)
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(eq(memberships.userId, user.id));
  for (const m of mine.filter((x) => x.role === "owner")) {
    const owners = await db
      .select({ id: memberships.id })
      .from(memberships)
      .where(and(eq(memberships.tenantId, m.tenantId), eq(memberships.role, "owner")));
    if (owners.length <= 1)
      throw new ApiError("conflict", `sole owner of ${m.name}`, {
        messageKey: "error.sole_owner",
        params: { tenant: m.name },
      });
  }
  await db.batch(accountDeletion(db, user.id));
  await auditCtx(ctx, "user.deleted", "user", user.id);
}

/**
 * The statements that delete a person's account: memberships, sessions, tokens, recovery codes and
 * the user row (one batch; audit and connection logs keep the bare id). Self-service deletion and an
 * erasure request both use it.
 */
export function accountDeletion(db: ReturnType<typeof controlDb>, userId: string) {
  return [
    db.delete(memberships).where(eq(memberships.userId, userId)),
    db.delete(sessions).where(and(eq(sessions.realm, "user"), eq(sessions.subjectId, userId))),
    db.delete(emailTokens).where(eq(emailTokens.userId, userId)),
    db.delete(recoveryCodes).where(and(eq(recoveryCodes.realm, "user"), eq(recoveryCodes.subjectId, userId))),
    db.delete(users).where(eq(users.id, userId)),
  ] as const;
}
