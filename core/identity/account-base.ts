// What every account flow shares: the e-mail and name rules, the password check, e-mailed tokens (verify, reset) and their links.
import { and, eq, gt, inArray, isNull, lt } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import { emailTokens, type User } from "../../db/schema/control";
import type { Actor } from "../platform/context";
import { newId, randomToken, sha256Hex } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import { type Locale, t } from "../platform/i18n";
import { type OutgoingMail, sendMail } from "../platform/mail";
import { checkPasswordPolicy } from "./password";

export const HOUR = 3_600_000;

export const VERIFY_TTL = 24 * HOUR;

export const RESET_TTL = HOUR;

export const INVITE_TTL = 7 * 24 * HOUR;

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: "invalid e-mail address" }));

export const nameField = z.string().trim().max(100);

export function passwordError(password: string, context: string[] = []): ApiError | null {
  const problem = checkPasswordPolicy(password, context);
  if (!problem) return null;
  return new ApiError("validation_failed", `password ${problem.replace("_", " ")}`, {
    errors: [{ pointer: "/password", detail: problem }],
    messageKey: `error.password.${problem}`,
  });
}

export function link(env: Env, path: string): string {
  return new URL(path, env.APP_URL).toString();
}

/** A new token and its row (only the hash is stored), for a plain insert or a caller's batch. */
export async function emailTokenRow(userId: string, purpose: "verify_email" | "reset_password", ttl: number) {
  const token = randomToken(20);
  const now = Date.now();
  const row = {
    id: newId("etk"),
    userId,
    purpose,
    tokenHash: await sha256Hex(token),
    expiresAt: now + ttl,
    createdAt: now,
  };
  return { token, row };
}

export async function issueEmailToken(
  env: Env,
  userId: string,
  purpose: "verify_email" | "reset_password",
  ttl: number,
) {
  const { token, row } = await emailTokenRow(userId, purpose, ttl);
  await controlDb(env).insert(emailTokens).values(row);
  return token;
}

/**
 * Consume a single-use token. One conditional statement marks every unused token of the same
 * purpose and user as used, the presented one included, so two outstanding links can never both
 * work — not even when used at the same instant: D1 runs statements one at a time, and the second
 * finds its token already used.
 */
export async function consumeEmailToken(env: Env, token: string, purpose: "verify_email" | "reset_password") {
  const db = controlDb(env);
  const now = Date.now();
  const hash = await sha256Hex(token);
  const owner = db
    .select({ userId: emailTokens.userId })
    .from(emailTokens)
    .where(
      and(
        eq(emailTokens.tokenHash, hash),
        eq(emailTokens.purpose, purpose),
        isNull(emailTokens.usedAt),
        gt(emailTokens.expiresAt, now),
      ),
    );
  const consumed = await db
    .update(emailTokens)
    .set({ usedAt: now })
    .where(
      and(eq(emailTokens.purpose, purpose), isNull(emailTokens.usedAt), inArray(emailTokens.userId, owner)),
    )
    .returning();
  const row = consumed.find((r) => r.tokenHash === hash);
  if (!row)
    throw new ApiError("bad_request", "invalid or expired token", { messageKey: "error.token_invalid" });
  return row;
}

/** The two e-mails that carry a one-time link: their strings and the page the link opens. */
const TOKEN_MAILS = {
  verify_email: { subject: "mail.verify.subject", body: "mail.verify.body", path: "/verify-email" },
  reset_password: { subject: "mail.reset.subject", body: "mail.reset.body", path: "/reset-password" },
} as const;

/** A one-time-link e-mail (address verification or password reset) to `user`. */
export function tokenMail(
  env: Env,
  user: User,
  locale: Locale,
  kind: keyof typeof TOKEN_MAILS,
  token: string,
): OutgoingMail {
  const m = TOKEN_MAILS[kind];
  return {
    to: user.email,
    kind,
    locale,
    subject: t(locale, m.subject),
    text: t(locale, m.body, { name: user.firstName, link: link(env, `${m.path}?token=${token}`) }),
  };
}

export const verificationMail = (env: Env, user: User, locale: Locale, token: string) =>
  tokenMail(env, user, locale, "verify_email", token);

export async function sendVerification(env: Env, user: User, locale: Locale) {
  const token = await issueEmailToken(env, user.id, "verify_email", VERIFY_TTL);
  await sendMail(env, verificationMail(env, user, locale, token));
}

export const system: Actor = { type: "system", id: null };

/** Used and expired e-mail tokens are kept one day (for support questions), then removed. */
export async function purgeEmailTokens(env: Env, now = Date.now()): Promise<void> {
  await controlDb(env)
    .delete(emailTokens)
    .where(lt(emailTokens.expiresAt, now - 86_400_000));
}

/** A new user row: what the flow knows, every other field at its default (no phone, no TOTP, enabled). */
export function newUser(
  fields: Pick<User, "email" | "emailVerifiedAt" | "passwordHash" | "firstName" | "lastName"> &
    Partial<Pick<User, "phone" | "company" | "jobTitle" | "locale">>,
  now = Date.now(),
): User {
  return {
    id: newId("usr"),
    phone: null,
    company: null,
    jobTitle: null,
    locale: null,
    totpSecretEnc: null,
    totpEnabledAt: null,
    totpLastStep: null,
    disabledAt: null,
    createdAt: now,
    updatedAt: now,
    ...fields,
  };
}
