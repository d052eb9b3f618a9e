// TOTP enrolment and removal (the check at sign-in is in login.ts).
import { and, eq } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { recoveryCodes, users } from "../../db/schema/control";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { decryptString, encryptString, newId } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import { verifyPassword } from "./password";
import { currentUser } from "./profile";
import { newRecoveryCodes, newTotpSecret, totpUri, verifyTotp } from "./totp";

export async function startTotpEnrollment(ctx: Ctx): Promise<{ secret: string; uri: string }> {
  const user = await currentUser(ctx);
  if (user.totpEnabledAt) throw new ApiError("conflict", "two-factor authentication is already on");
  const secret = newTotpSecret();
  await controlDb(ctx.env)
    .update(users)
    .set({ totpSecretEnc: await encryptString(ctx.env.ENCRYPTION_KEY, secret, `user:${user.id}`) })
    .where(eq(users.id, user.id));
  return { secret, uri: totpUri("CallCenterRate", user.email, secret) };
}

export async function confirmTotpEnrollment(ctx: Ctx, code: string): Promise<{ recoveryCodes: string[] }> {
  const user = await currentUser(ctx);
  if (!user.totpSecretEnc || user.totpEnabledAt) throw new ApiError("conflict", "start the set-up first");
  const secret = await decryptString(ctx.env.ENCRYPTION_KEY, user.totpSecretEnc, `user:${user.id}`);
  const step = verifyTotp(secret, code, null);
  if (step === null)
    throw new ApiError("validation_failed", "invalid code", {
      errors: [{ pointer: "/code", detail: "invalid" }],
      messageKey: "error.totp_invalid",
    });
  const { codes, hashes } = await newRecoveryCodes();
  const db = controlDb(ctx.env);
  const now = Date.now();
  await db.batch([
    db.update(users).set({ totpEnabledAt: now, totpLastStep: step }).where(eq(users.id, user.id)),
    db
      .delete(recoveryCodes)
      .where(and(eq(recoveryCodes.realm, "user"), eq(recoveryCodes.subjectId, user.id))),
    db.insert(recoveryCodes).values(
      hashes.map((codeHash) => ({
        id: newId("rc"),
        realm: "user" as const,
        subjectId: user.id,
        codeHash,
        createdAt: now,
      })),
    ),
  ]);
  await auditCtx(ctx, "user.totp_enabled", "user", user.id);
  return { recoveryCodes: codes };
}

export async function disableTotp(ctx: Ctx, password: string): Promise<void> {
  const user = await currentUser(ctx);
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, password)))
    throw new ApiError("validation_failed", "current password incorrect", {
      messageKey: "error.current_password",
    });
  if (ctx.tenant.requireMfa && ctx.actor.type === "user" && ["owner", "admin"].includes(ctx.actor.role))
    throw new ApiError("forbidden", "your organisation requires a second factor", {
      messageKey: "error.mfa_required_by_tenant",
    });
  const db = controlDb(ctx.env);
  await db.batch([
    db
      .update(users)
      .set({ totpEnabledAt: null, totpSecretEnc: null, totpLastStep: null })
      .where(eq(users.id, user.id)),
    db
      .delete(recoveryCodes)
      .where(and(eq(recoveryCodes.realm, "user"), eq(recoveryCodes.subjectId, user.id))),
  ]);
  await auditCtx(ctx, "user.totp_disabled", "user", user.id);
}

// ---- Members and invitations -------------------------------------------------------------
