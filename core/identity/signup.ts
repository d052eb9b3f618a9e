// Sign-up (A1) and e-mail verification, which provisions the tenant's data plane.
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import { dataPlane, type Location } from "../../db/resolver";
import { auditLog, emailTokens, memberships, type Tenant, tenants, users } from "../../db/schema/control";
import { tenantMeta } from "../../db/schema/data";
import { appendAudit, newChainEntry } from "../platform/audit";
import type { PlatformCtx } from "../platform/context";
import { newId } from "../platform/crypto";
import { checkTimeZone } from "../platform/dates";
import { isLocale, t } from "../platform/i18n";
import { afterOutboxInsert, outboxInsert } from "../platform/mail";
import {
  consumeEmailToken,
  emailSchema,
  emailTokenRow,
  link,
  nameField,
  newUser,
  passwordError,
  system,
  VERIFY_TTL,
  verificationMail,
} from "./account-base";
import { hashPassword } from "./password";
import { newTenant } from "./tenants";

export const signUpSchema = z.object({
  email: emailSchema,
  password: z.string(),
  firstName: nameField.min(1),
  lastName: nameField.min(1),
  company: nameField.min(1),
  phone: z.string().trim().max(32).optional(),
  jobTitle: nameField.optional(),
  location: z.enum(["eu", "us"]).default("eu"),
  /** IANA zone of the organisation's clock; empty → the location's usual one. */
  timeZone: z.string().max(64).optional(),
  locale: z.enum(["fr", "en"]).default("fr"),
});

export type SignUpInput = z.input<typeof signUpSchema>;

/**
 * Sign-up (A1): creates the tenant in the chosen location and its owner. The answer is the same
 * whether or not the address already has an account (the owner of that address gets a mail
 * instead), so sign-up cannot be used to discover accounts — and both paths do the same
 * expensive work, so its timing cannot either (test/accounts.test.ts counts it): one PBKDF2
 * hash of the password, one lookup, one control-plane batch (the mail alone; or the tenant,
 * owner, membership, verification token, mail and first audit entry), no data-plane or R2
 * access. The data plane is provisioned when the owner verifies the address (`verifyEmail`).
 */
export async function signUp(
  pctx: PlatformCtx,
  raw: SignUpInput,
): Promise<{ userId: string | null; tenantId: string | null }> {
  const input = signUpSchema.parse(raw);
  const pwErr = passwordError(input.password, [input.email, input.email.split("@")[0], input.company]);
  if (pwErr) throw pwErr;
  const timeZone = input.timeZone?.trim() ? checkTimeZone(input.timeZone) : undefined;
  const { env } = pctx;
  const db = controlDb(env);
  const passwordHash = await hashPassword(input.password);
  const existing = await db.query.users.findFirst({ where: eq(users.email, input.email) });
  if (existing) {
    // The mail goes to the address's owner: in their language, whatever the form's was.
    const locale = isLocale(existing.locale) ? existing.locale : input.locale;
    const mail = outboxInsert(env, {
      to: existing.email,
      kind: "signup_exists",
      locale,
      subject: t(locale, "mail.signup_exists.subject"),
      text: t(locale, "mail.signup_exists.body", { link: link(env, "/login") }),
    });
    await db.batch([mail.query]);
    await afterOutboxInsert(env, mail);
    return { userId: null, tenantId: null };
  }
  const now = Date.now();
  const location = input.location as Location;
  const tenant = newTenant(env, {
    name: input.company,
    location,
    defaultLocale: input.locale,
    timeZone,
    now,
  });
  const user = newUser(
    {
      email: input.email,
      emailVerifiedAt: null,
      passwordHash,
      firstName: input.firstName,
      lastName: input.lastName,
      phone: input.phone || null,
      company: input.company,
      jobTitle: input.jobTitle || null,
      locale: input.locale,
    },
    now,
  );
  const verify = await emailTokenRow(user.id, "verify_email", VERIFY_TTL);
  const mail = outboxInsert(env, verificationMail(env, user, input.locale, verify.token));
  const created = await newChainEntry({
    tenantId: tenant.id,
    actor: { type: "user", id: user.id, role: "owner", sessionId: "", agentId: null, email: user.email },
    action: "tenant.created",
    targetType: "tenant",
    targetId: tenant.id,
    ip: pctx.ip,
    userAgent: pctx.userAgent,
    meta: { location },
    ts: now,
  });
  await db.batch([
    db.insert(tenants).values(tenant),
    db.insert(users).values(user),
    db
      .insert(memberships)
      .values({ id: newId("mem"), tenantId: tenant.id, userId: user.id, role: "owner", createdAt: now }),
    db.insert(emailTokens).values(verify.row),
    mail.query,
    db.insert(auditLog).values(created),
  ]);
  await afterOutboxInsert(env, mail);
  return { userId: user.id, tenantId: tenant.id };
}

/** Registers the tenant in its data-plane shard and bucket (the location's own stores). */
export async function provisionDataPlane(env: Env, tenant: Tenant): Promise<void> {
  const dp = dataPlane(env, tenant);
  await dp.db
    .insert(tenantMeta)
    .values({ tenantId: tenant.id, location: tenant.location, createdAt: tenant.createdAt })
    .onConflictDoNothing();
  await dp.bucket.put(
    dp.key("manifest.json"),
    JSON.stringify({
      tenantId: tenant.id,
      location: tenant.location,
      shard: tenant.shard,
      createdAt: tenant.createdAt,
    }),
    { httpMetadata: { contentType: "application/json" } },
  );
}

/** The address is proven; the organisations this person owns get their data plane (idempotent). */
export async function verifyEmail(pctx: PlatformCtx, token: string): Promise<void> {
  const row = await consumeEmailToken(pctx.env, token, "verify_email");
  const db = controlDb(pctx.env);
  await db
    .update(users)
    .set({ emailVerifiedAt: Date.now(), updatedAt: Date.now() })
    .where(eq(users.id, row.userId));
  const owned = await db
    .select({ tenant: tenants })
    .from(memberships)
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(and(eq(memberships.userId, row.userId), eq(memberships.role, "owner")));
  for (const { tenant } of owned) await provisionDataPlane(pctx.env, tenant);
  await appendAudit(pctx.env, {
    tenantId: null,
    actor: system,
    action: "user.email_verified",
    targetType: "user",
    targetId: row.userId,
    ip: pctx.ip,
    userAgent: pctx.userAgent,
  });
}
