import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import {
  SUBPROCESSOR_PROVIDERS,
  type Subprocessor,
  type SubprocessorObjection,
  subprocessorObjections,
  subprocessors,
} from "../../db/schema/control";
import { resumeAfterObjection } from "../calls/holds";
import { activeTenantAdminContacts } from "../identity/members";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import { formatDateTime, t } from "../platform/i18n";
import { sendMail } from "../platform/mail";
import { effectiveSubprocessors, ensureRegistry } from "../policy/subprocessor-registry";

export {
  type EffectiveSubprocessor,
  effectiveSubprocessors,
  listSubprocessors,
} from "../policy/subprocessor-registry";

/**
 * Sub-processors (F5): the public registry, each tenant's effective list, and objections
 * (GDPR art. 28(2)). A new entry is announced at least 30 days before it applies; an open
 * objection keeps it from applying to the objecting tenant until an operator resolves it.
 */

export const ANNOUNCE_DAYS = 30;
const DAY = 86_400_000;
export const addSubprocessorSchema = z.object({
  name: z.string().trim().min(1).max(120),
  purposeFr: z.string().trim().min(1).max(500),
  purposeEn: z.string().trim().min(1).max(500),
  dataCategories: z.string().trim().min(1).max(200),
  location: z.string().trim().min(1).max(120),
  transferMechanism: z.string().trim().min(1).max(40),
  providerKey: z.enum(SUBPROCESSOR_PROVIDERS).nullable(),
  effectiveAt: z.number().int().positive(),
});

/**
 * Adds an entry (operators; the caller audits). It takes effect no sooner than 30 days after its
 * announcement, and every tenant owner/admin is told it is coming and may object.
 */
export async function addSubprocessor(
  env: Env,
  raw: z.input<typeof addSubprocessorSchema>,
  now = Date.now(),
): Promise<Subprocessor> {
  await ensureRegistry(env);
  const input = addSubprocessorSchema.parse(raw);
  if (input.effectiveAt < now + ANNOUNCE_DAYS * DAY - 60_000)
    throw new ApiError(
      "validation_failed",
      `a new sub-processor applies at least ${ANNOUNCE_DAYS} days after its announcement`,
      {
        errors: [{ pointer: "/effectiveAt", detail: "too soon" }],
        messageKey: "ops.subprocessors.too_soon",
        params: { days: ANNOUNCE_DAYS },
      },
    );
  const row: Subprocessor = { id: newId("sub"), ...input, announcedAt: now };
  await controlDb(env).insert(subprocessors).values(row);
  for (const a of await activeTenantAdminContacts(env)) {
    const params = {
      id: row.id,
      name: row.name,
      date: formatDateTime(a.locale, row.effectiveAt, a.timeZone),
      url: new URL("/legal/subprocessors", env.APP_URL).toString(),
      objectUrl: new URL(`/api/v1/subprocessors/${row.id}/objections`, env.APP_URL).toString(),
    };
    await sendMail(env, {
      to: a.email,
      subject: t(a.locale, "legal.mail.subprocessor.subject", params),
      text: t(a.locale, "legal.mail.subprocessor.text", params),
      kind: "subprocessor_announced",
      locale: a.locale,
      tenantId: a.tenantId,
    });
  }
  return row;
}

/**
 * A tenant objects to an upcoming entry that concerns it. An entry outside its list is not found
 * (404, like another tenant's id); one already in force cannot be objected to here (409).
 */
export async function objectToSubprocessor(
  ctx: Ctx,
  subprocessorId: string,
  reason: string,
  now = Date.now(),
): Promise<SubprocessorObjection> {
  const entry = (await effectiveSubprocessors(ctx, now)).find((s) => s.id === subprocessorId);
  if (!entry) throw new ApiError("not_found", "No such sub-processor for this tenant");
  if (entry.status !== "upcoming")
    throw new ApiError("conflict", "Objections apply to announced sub-processors before they take effect");
  if (entry.objectionId) return getObjection(ctx, entry.objectionId);
  const row: SubprocessorObjection = {
    id: newId("obj"),
    tenantId: ctx.tenant.id,
    subprocessorId,
    reason,
    status: "open",
    resolution: null,
    createdAt: now,
    resolvedAt: null,
  };
  await controlDb(ctx.env).insert(subprocessorObjections).values(row);
  await auditCtx(ctx, "subprocessor.objected", "subprocessor", subprocessorId, { objectionId: row.id });
  return row;
}

/** One of this tenant's objections; another tenant's id is not found. */
export async function getObjection(ctx: Ctx, id: string): Promise<SubprocessorObjection> {
  const row = await controlDb(ctx.env).query.subprocessorObjections.findFirst({
    where: and(eq(subprocessorObjections.id, id), eq(subprocessorObjections.tenantId, ctx.tenant.id)),
  });
  if (!row) throw new ApiError("not_found", "No such objection");
  return row;
}

/** Open objections across tenants (the operator console). */
export function listOpenObjections(env: Env) {
  return controlDb(env)
    .select({ objection: subprocessorObjections, name: subprocessors.name })
    .from(subprocessorObjections)
    .innerJoin(subprocessors, eq(subprocessors.id, subprocessorObjections.subprocessorId))
    .where(eq(subprocessorObjections.status, "open"))
    .orderBy(asc(subprocessorObjections.createdAt));
}

/** An operator resolves an objection (the caller audits); the entry then applies to that tenant. */
export async function resolveObjection(
  env: Env,
  id: string,
  resolution: string,
): Promise<SubprocessorObjection> {
  const text = resolution.trim();
  if (!text || text.length > 2000)
    throw new ApiError("validation_failed", "a resolution is required", {
      errors: [{ pointer: "/resolution", detail: "required" }],
    });
  const [row] = await controlDb(env)
    .update(subprocessorObjections)
    .set({ status: "resolved", resolution: text, resolvedAt: Date.now() })
    .where(and(eq(subprocessorObjections.id, id), eq(subprocessorObjections.status, "open")))
    .returning();
  if (!row) throw new ApiError("not_found", "No such open objection");
  await resumeAfterObjection(env, row.tenantId);
  return row;
}

/** The schema's value lists, for apps/ (which takes nothing from db/ but types, test/architecture.test.ts). */
export { SUBPROCESSOR_PROVIDERS } from "../../db/schema/control";
