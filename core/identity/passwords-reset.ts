// Forgotten and changed passwords.

import { and, eq, isNull } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { emailTokens, type User, users } from "../../db/schema/control";
import { appendAudit, auditCtx } from "../platform/audit";
import type { Ctx, PlatformCtx } from "../platform/context";
import { ApiError, notFound } from "../platform/errors";
import { type Locale, t } from "../platform/i18n";
import { sendMail } from "../platform/mail";
import {
  consumeEmailToken,
  emailSchema,
  HOUR,
  issueEmailToken,
  link,
  passwordError,
  RESET_TTL,
  system,
  tokenMail,
} from "./account-base";
import { completeLogin, type LoginResult } from "./login";
import { hashPassword, verifyPassword } from "./password";
import { currentUser } from "./profile";
import { limiter } from "./rate-limiter";
import { invalidateAllSessions } from "./session";

/** Always the same answer; mail only when the account exists. Limited to 5 mails per hour per address. */
export async function requestPasswordReset(pctx: PlatformCtx, email: string): Promise<void> {
  const parsed = emailSchema.safeParse(email);
  if (!parsed.success) return;
  const { env } = pctx;
  const state = await limiter(env, `reset:${parsed.data}`).record(5, HOUR);
  if (!state.allowed) return;
  const user = await controlDb(env).query.users.findFirst({ where: eq(users.email, parsed.data) });
  if (!user || user.disabledAt) return;
  const locale = (user.locale as Locale) ?? "fr";
  const token = await issueEmailToken(env, user.id, "reset_password", RESET_TTL);
  await sendMail(env, tokenMail(env, user, locale, "reset_password", token));
}

export async function resetPassword(pctx: PlatformCtx, token: string, password: string): Promise<void> {
  const { env } = pctx;
  const pwErr = passwordError(password);
  if (pwErr) throw pwErr;
  const row = await consumeEmailToken(env, token, "reset_password");
  const user = await setPassword(env, row.userId, password);
  await appendAudit(env, {
    tenantId: null,
    actor: system,
    action: "user.password_reset",
    targetType: "user",
    targetId: user.id,
    ip: pctx.ip,
    userAgent: pctx.userAgent,
  });
}

/** New hash, every reset link and session ended (A2), and a notice to the owner of the address. */
async function setPassword(env: Env, userId: string, password: string): Promise<User> {
  const db = controlDb(env);
  const passwordHash = await hashPassword(password);
  const now = Date.now();
  // The new password and the end of every outstanding reset link, in one batch: a link mailed
  // before a change (or before another link was used) must not reset the password again.
  const [[user]] = await db.batch([
    db.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, userId)).returning(),
    db
      .update(emailTokens)
      .set({ usedAt: now })
      .where(
        and(
          eq(emailTokens.userId, userId),
          eq(emailTokens.purpose, "reset_password"),
          isNull(emailTokens.usedAt),
        ),
      ),
  ]);
  if (!user) throw notFound("User");
  await invalidateAllSessions(env, "user", userId);
  const locale = (user.locale as Locale) ?? "fr";
  await sendMail(env, {
    to: user.email,
    kind: "password_changed",
    locale,
    subject: t(locale, "mail.password_changed.subject"),
    text: t(locale, "mail.password_changed.body", {
      name: user.firstName,
      link: link(env, "/forgot-password"),
    }),
  });
  return user;
}

/** Change password while signed in: ends all sessions (this one too) and opens a fresh one. */
export async function changePassword(ctx: Ctx, current: string, next: string): Promise<LoginResult> {
  const user = await currentUser(ctx);
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, current)))
    throw new ApiError("validation_failed", "current password incorrect", {
      errors: [{ pointer: "/currentPassword", detail: "incorrect" }],
      messageKey: "error.current_password",
    });
  const pwErr = passwordError(next, [user.email]);
  if (pwErr) throw pwErr;
  await setPassword(ctx.env, user.id, next);
  await auditCtx(ctx, "user.password_changed", "user", user.id);
  const role = ctx.actor.type === "user" ? ctx.actor.role : "viewer";
  return completeLogin(ctx, user, ctx.tenant.id, role, "password_change");
}
