// Invitations to a tenant: sent, listed, revoked, accepted (new or existing account).
import { and, eq, gt, isNull } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import { invitations, memberships, tenants, users } from "../../db/schema/control";
import { appendAudit, auditCtx } from "../platform/audit";
import type { Ctx, PlatformCtx } from "../platform/context";
import { newId, randomToken, sha256Hex } from "../platform/crypto";
import { ApiError, notFound } from "../platform/errors";
import { type Locale, t } from "../platform/i18n";
import { sendMail } from "../platform/mail";
import { assignableRoles } from "../platform/rbac";
import { emailSchema, INVITE_TTL, link, nameField, newUser, passwordError } from "./account-base";
import { completeLogin, invalidCredentials, type LoginResult } from "./login";
import { actorRole } from "./members";
import { hashPassword, verifyPassword } from "./password";
import { createSession } from "./session";
import { assertNotThrottled, recordFailure } from "./throttle";

export const inviteSchema = z.object({
  email: emailSchema,
  role: z.enum(["owner", "admin", "supervisor", "agent", "viewer"]),
});

export async function inviteMember(
  ctx: Ctx,
  raw: z.input<typeof inviteSchema>,
): Promise<{ id: string; expiresAt: number }> {
  const input = inviteSchema.parse(raw);
  if (!assignableRoles(actorRole(ctx)).includes(input.role))
    throw new ApiError("forbidden", "you cannot give this role", { messageKey: "error.role_not_assignable" });
  const db = controlDb(ctx.env);
  const existing = await db
    .select({ id: memberships.id })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, ctx.tenant.id), eq(users.email, input.email)));
  if (existing.length)
    throw new ApiError("conflict", "already a member", { messageKey: "error.already_member" });
  const token = randomToken(20);
  const id = newId("inv");
  const expiresAt = Date.now() + INVITE_TTL;
  await db.insert(invitations).values({
    id,
    tenantId: ctx.tenant.id,
    email: input.email,
    role: input.role,
    tokenHash: await sha256Hex(token),
    invitedBy: ctx.actor.id ?? "system",
    expiresAt,
    createdAt: Date.now(),
  });
  const locale = ctx.tenant.defaultLocale as Locale;
  const inviter = ctx.actor.type === "user" ? ctx.actor.email : ctx.tenant.name;
  await sendMail(ctx.env, {
    to: input.email,
    tenantId: ctx.tenant.id,
    kind: "invitation",
    locale,
    subject: t(locale, "mail.invite.subject", { tenant: ctx.tenant.name }),
    text: t(locale, "mail.invite.body", {
      tenant: ctx.tenant.name,
      inviter,
      role: t(locale, `role.${input.role}`),
      link: link(ctx.env, `/invitations/accept?token=${token}`),
    }),
  });
  await auditCtx(ctx, "member.invited", "invitation", id, { role: input.role });
  return { id, expiresAt };
}

export async function listInvitations(ctx: Ctx) {
  return controlDb(ctx.env)
    .select({
      id: invitations.id,
      email: invitations.email,
      role: invitations.role,
      expiresAt: invitations.expiresAt,
      createdAt: invitations.createdAt,
    })
    .from(invitations)
    .where(
      and(
        eq(invitations.tenantId, ctx.tenant.id),
        isNull(invitations.acceptedAt),
        isNull(invitations.revokedAt),
        gt(invitations.expiresAt, Date.now()),
      ),
    );
}

export async function revokeInvitation(ctx: Ctx, id: string): Promise<void> {
  const [row] = await controlDb(ctx.env)
    .update(invitations)
    .set({ revokedAt: Date.now() })
    .where(
      and(eq(invitations.id, id), eq(invitations.tenantId, ctx.tenant.id), isNull(invitations.acceptedAt)),
    )
    .returning();
  if (!row) throw notFound("Invitation");
  await auditCtx(ctx, "member.invitation_revoked", "invitation", id);
}

export async function findInvitation(env: Env, token: string) {
  const inv = await controlDb(env).query.invitations.findFirst({
    where: and(
      eq(invitations.tokenHash, await sha256Hex(token)),
      isNull(invitations.acceptedAt),
      isNull(invitations.revokedAt),
      gt(invitations.expiresAt, Date.now()),
    ),
  });
  if (!inv)
    throw new ApiError("bad_request", "invalid or expired invitation", { messageKey: "error.token_invalid" });
  const tenant = await controlDb(env).query.tenants.findFirst({ where: eq(tenants.id, inv.tenantId) });
  const existingUser = await controlDb(env).query.users.findFirst({ where: eq(users.email, inv.email) });
  return { invitation: inv, tenant: tenant!, existingUser: Boolean(existingUser) };
}

export const acceptInviteSchema = z.object({
  token: z.string().min(10).max(100),
  password: z.string(),
  firstName: nameField.optional(),
  lastName: nameField.optional(),
});

/**
 * Accept an invitation. A new person sets a password (the token proves the address, so it counts
 * as verified); someone who already has an account proves it with their password.
 */
export async function acceptInvitation(
  pctx: PlatformCtx,
  raw: z.input<typeof acceptInviteSchema>,
): Promise<LoginResult> {
  const input = acceptInviteSchema.parse(raw);
  const { env } = pctx;
  const { invitation } = await findInvitation(env, input.token);
  const db = controlDb(env);
  let user = await db.query.users.findFirst({ where: eq(users.email, invitation.email) });
  const now = Date.now();
  if (user) {
    await assertNotThrottled(env, "login", user.email, pctx.ip);
    if (!user.passwordHash || !(await verifyPassword(user.passwordHash, input.password))) {
      await recordFailure(env, "login", user.email, pctx.ip);
      throw invalidCredentials();
    }
  } else {
    if (!input.firstName || !input.lastName)
      throw new ApiError("validation_failed", "first and last name are required", {
        errors: [{ pointer: "/firstName", detail: "required" }],
        messageKey: "error.validation",
      });
    const pwErr = passwordError(input.password, [invitation.email]);
    if (pwErr) throw pwErr;
    user = newUser(
      {
        email: invitation.email,
        emailVerifiedAt: now,
        passwordHash: await hashPassword(input.password),
        firstName: input.firstName,
        lastName: input.lastName,
      },
      now,
    );
    await db.insert(users).values(user);
  }
  const [claimed] = await db
    .update(invitations)
    .set({ acceptedAt: now })
    .where(and(eq(invitations.id, invitation.id), isNull(invitations.acceptedAt)))
    .returning();
  if (!claimed)
    throw new ApiError("bad_request", "invitation already used", { messageKey: "error.token_invalid" });
  await db
    .insert(memberships)
    .values({
      id: newId("mem"),
      tenantId: invitation.tenantId,
      userId: user.id,
      role: invitation.role,
      createdAt: now,
    })
    .onConflictDoNothing();
  await appendAudit(env, {
    tenantId: invitation.tenantId,
    actor: {
      type: "user",
      id: user.id,
      role: invitation.role,
      sessionId: "",
      agentId: null,
      email: user.email,
    },
    action: "member.joined",
    targetType: "invitation",
    targetId: invitation.id,
    ip: pctx.ip,
    userAgent: pctx.userAgent,
    meta: { role: invitation.role },
  });
  if (user.totpEnabledAt) {
    const { token, session } = await createSession(env, {
      realm: "user",
      subjectId: user.id,
      tenantId: invitation.tenantId,
      mfaPending: true,
      ip: pctx.ip,
      userAgent: pctx.userAgent,
    });
    return { kind: "mfa", token, expiresAt: session.expiresAt };
  }
  return completeLogin(pctx, user, invitation.tenantId, invitation.role, "invitation");
}
