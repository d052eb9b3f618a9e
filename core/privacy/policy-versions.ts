import { and, desc, eq, inArray, lte } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import { memberships, type PolicyVersion, policyAcceptances, policyVersions } from "../../db/schema/control";
import { ADMIN_ROLES, activeTenantAdminContacts } from "../identity/members";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import { formatDateTime, t } from "../platform/i18n";
import { sendMail } from "../platform/mail";

/** Privacy policy versions (F4): publish, read the current one and the history, acknowledge. */

export const publishPolicySchema = z.object({
  version: z.string().trim().min(1).max(40),
  effectiveAt: z.number().int().positive(),
  substantial: z.boolean(),
  bodyFr: z.string().trim().min(1).max(100_000),
  bodyEn: z.string().trim().min(1).max(100_000),
});
export type PublishPolicyInput = z.input<typeof publishPolicySchema>;

/**
 * Publishes a version (operators only; the caller audits). A substantial version is mailed to
 * every tenant owner/admin through the outbox, in their language.
 */
export async function publishPolicyVersion(
  env: Env,
  operatorId: string,
  raw: PublishPolicyInput,
): Promise<{ version: PolicyVersion; mailed: number }> {
  const input = publishPolicySchema.parse(raw);
  const version: PolicyVersion = {
    id: newId("pol"),
    ...input,
    publishedBy: operatorId,
    publishedAt: Date.now(),
  };
  await controlDb(env).insert(policyVersions).values(version);
  let mailed = 0;
  if (version.substantial) {
    for (const a of await activeTenantAdminContacts(env)) {
      const params = {
        version: version.version,
        date: formatDateTime(a.locale, version.effectiveAt, a.timeZone),
        url: new URL(`/legal/privacy/versions/${version.id}`, env.APP_URL).toString(),
      };
      await sendMail(env, {
        to: a.email,
        subject: t(a.locale, "legal.mail.policy.subject", params),
        text: t(a.locale, "legal.mail.policy.text", params),
        kind: "policy_version",
        locale: a.locale,
        tenantId: a.tenantId,
      });
      mailed++;
    }
  }
  return { version, mailed };
}

/** Every version, newest effective date first (the public history). */
export function listPolicyVersions(env: Env): Promise<PolicyVersion[]> {
  return controlDb(env)
    .select()
    .from(policyVersions)
    .orderBy(desc(policyVersions.effectiveAt), desc(policyVersions.publishedAt));
}

/** The version in force: the latest whose effective date has passed; null before the first one. */
export async function currentPolicy(env: Env, now = Date.now()): Promise<PolicyVersion | null> {
  const [row] = await controlDb(env)
    .select()
    .from(policyVersions)
    .where(lte(policyVersions.effectiveAt, now))
    .orderBy(desc(policyVersions.effectiveAt), desc(policyVersions.publishedAt))
    .limit(1);
  return row ?? null;
}

export async function getPolicyVersion(env: Env, id: string): Promise<PolicyVersion> {
  const row = await controlDb(env).query.policyVersions.findFirst({ where: eq(policyVersions.id, id) });
  if (!row) throw new ApiError("not_found", "No such policy version");
  return row;
}

/**
 * The substantial version a signed-in user still has to acknowledge (the portal banner), or null.
 * Only owners and admins are asked: they accept on behalf of their organisation. The latest
 * substantial version counts (accepting it covers the earlier ones).
 */
export async function pendingPolicyFor(env: Env, userId: string): Promise<PolicyVersion | null> {
  const db = controlDb(env);
  const admin = await db
    .select({ id: memberships.id })
    .from(memberships)
    .where(and(eq(memberships.userId, userId), inArray(memberships.role, [...ADMIN_ROLES])))
    .limit(1);
  if (admin.length === 0) return null;
  const [latest] = await db
    .select()
    .from(policyVersions)
    .where(eq(policyVersions.substantial, true))
    .orderBy(desc(policyVersions.publishedAt))
    .limit(1);
  if (!latest) return null;
  const accepted = await db
    .select({ id: policyAcceptances.id })
    .from(policyAcceptances)
    .where(and(eq(policyAcceptances.userId, userId), eq(policyAcceptances.versionId, latest.id)))
    .limit(1);
  return accepted.length ? null : latest;
}

/** Records the signed-in user's acknowledgement; a second one is a no-op. Returns whether it was new. */
export async function acceptPolicy(ctx: Ctx, versionId: string): Promise<boolean> {
  if (ctx.actor.type !== "user") throw new ApiError("forbidden", "only a signed-in user can accept");
  const version = await getPolicyVersion(ctx.env, versionId);
  const rows = await controlDb(ctx.env)
    .insert(policyAcceptances)
    .values({
      id: newId("pac"),
      tenantId: ctx.tenant.id,
      userId: ctx.actor.id,
      versionId: version.id,
      acceptedAt: Date.now(),
    })
    .onConflictDoNothing()
    .returning({ id: policyAcceptances.id });
  if (rows.length === 0) return false;
  await auditCtx(ctx, "policy.accepted", "policy_version", version.id, { version: version.version });
  return true;
}
