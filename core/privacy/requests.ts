import { and, desc, eq, inArray, isNotNull, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import { dataPlane } from "../../db/resolver";
import {
  IDENTITY_METHODS,
  memberships,
  OPEN_PRIVACY_STATUSES,
  PRIVACY_CHANNELS,
  PRIVACY_KINDS,
  PRIVACY_STATUSES,
  type PrivacyRequest,
  type PrivacyStatus,
  privacyRequests,
  type Tenant,
  users,
} from "../../db/schema/control";
import { agents, calls, privacyRestrictions, privacySuppressions } from "../../db/schema/data";
import { defaultCountryFor, maskPhone, normalizePhone, phoneHash } from "../calls/phone";
import { recordAbuseEvent } from "../identity/abuse";
import { tenantById } from "../identity/tenants";
import { emitEvent } from "../integrations/webhooks";
import { appendAudit, auditCtx, SYSTEM_ACTOR } from "../platform/audit";
import { type Actor, actorId, type Ctx } from "../platform/context";
import { encryptString, hmacHex, newId, timingSafeEqual } from "../platform/crypto";
import { instantSchema, isoOrNull } from "../platform/dates";
import { ApiError, notFound } from "../platform/errors";
import { t } from "../platform/i18n";
import { startJob } from "../platform/jobs";
import { sendMail } from "../platform/mail";
import { decodeCursor, encodeCursor, page } from "../platform/pagination";

/**
 * Privacy requests of callers and agents (F3, GDPR art. 15–22): CCR is the tenant's processor
 * for call data, so the tenant's admins record, verify, decide and act; the platform does the
 * work (exports, erasure in every store, suppression list, restrictions) and keeps the record:
 * status, identity check, deadline (one month from receipt, extendable by two with a reason),
 * reminders, audit, webhooks. User-account requests (CCR controller) are in ./accounts.ts.
 *
 * Lifecycle: received → identity_check → in_progress → completed | rejected; `extended` marks an
 * open request whose deadline was pushed back. Only a verified request can be executed.
 */

// ---- Dates -------------------------------------------------------------------------------

/**
 * Calendar months in UTC; a day that does not exist in the target month becomes its last day
 * (31 January + 1 month = 28/29 February), the usual reading of "one month" (Reg. 1182/71 art. 3).
 */
export function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(
    y,
    m,
    Math.min(d.getUTCDate(), last),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

export const MAX_EXTENSION_MONTHS = 2;
const DAY = 86_400_000;
/** Reminders start this long before the deadline. */
export const REMIND_BEFORE_MS = 7 * DAY;
/** A signed download link is valid this long. */
export const DOWNLOAD_LINK_TTL_MS = 24 * 3_600_000;

export const isOpen = (s: PrivacyStatus) => (OPEN_PRIVACY_STATUSES as readonly string[]).includes(s);

// ---- Views -------------------------------------------------------------------------------

export interface PrivacyRequestView {
  id: string;
  kind: PrivacyRequest["kind"];
  status: PrivacyStatus;
  subject: { type: PrivacyRequest["subjectType"]; label: string; agentId: string | null };
  channel: PrivacyRequest["channel"];
  note: string | null;
  receivedAt: string;
  dueAt: string;
  originalDueAt: string;
  overdue: boolean;
  extension: { months: number; reason: string; at: string } | null;
  identity: { method: string; note: string | null; verifiedBy: string | null; verifiedAt: string } | null;
  execution: {
    jobId: string | null;
    executedAt: string | null;
    executedBy: string | null;
    completedAt: string | null;
    result: Record<string, unknown> | null;
  };
  rejectionReason: string | null;
  lifted: { at: string; by: string | null } | null;
  export: {
    size: number | null;
    sha256: string | null;
    expiresAt: string;
    /** Signed, expiring link (the API path; still needs the tenant's credentials). */
    downloadUrl: string | null;
  } | null;
  createdAt: string;
  updatedAt: string;
}

/** Stored instants through `isoOrNull`: one unrepresentable value must not fail the whole list. */
const iso = isoOrNull;

export async function requestView(
  env: Env,
  r: PrivacyRequest,
  now = Date.now(),
  base = "/api/v1/privacy-requests",
): Promise<PrivacyRequestView> {
  const exportLive = r.exportKey && r.exportExpiresAt && r.exportExpiresAt > now;
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    subject: {
      type: r.subjectType,
      label: r.subjectLabel,
      agentId: r.subjectType === "agent" ? r.subjectRef : null,
    },
    channel: r.channel,
    note: r.note,
    receivedAt: iso(r.receivedAt)!,
    dueAt: iso(r.dueAt)!,
    originalDueAt: iso(r.originalDueAt)!,
    overdue: isOpen(r.status) && r.dueAt < now,
    extension:
      r.extensionMonths > 0 && r.extendedAt
        ? { months: r.extensionMonths, reason: r.extensionReason ?? "", at: iso(r.extendedAt)! }
        : null,
    identity:
      r.identityVerifiedAt && r.identityMethod
        ? {
            method: r.identityMethod,
            note: r.identityNote,
            verifiedBy: r.identityVerifiedBy,
            verifiedAt: iso(r.identityVerifiedAt)!,
          }
        : null,
    execution: {
      jobId: r.jobId,
      executedAt: iso(r.executedAt),
      executedBy: r.executedBy,
      completedAt: iso(r.completedAt),
      result: r.result ?? null,
    },
    rejectionReason: r.rejectionReason,
    lifted: r.liftedAt ? { at: iso(r.liftedAt)!, by: r.liftedBy } : null,
    export: exportLive
      ? {
          size: r.exportSize,
          sha256: r.exportSha256,
          expiresAt: iso(r.exportExpiresAt)!,
          downloadUrl: await signedExportPath(env, r, base, now),
        }
      : null,
    createdAt: iso(r.createdAt)!,
    updatedAt: iso(r.updatedAt)!,
  };
}

// ---- Signed download links -----------------------------------------------------------------

function linkSignature(env: Env, r: Pick<PrivacyRequest, "id" | "tenantId">, expires: number) {
  return hmacHex(env.HMAC_KEY, `privacy-export:${r.tenantId ?? "platform"}:${r.id}:${expires}`);
}

/** `<base>/<id>/export?expires=…&signature=…`: valid DOWNLOAD_LINK_TTL_MS, for this request only. */
export async function signedExportPath(
  env: Env,
  r: Pick<PrivacyRequest, "id" | "tenantId" | "exportExpiresAt">,
  base: string,
  now = Date.now(),
): Promise<string> {
  const expires = Math.min(now + DOWNLOAD_LINK_TTL_MS, r.exportExpiresAt ?? now + DOWNLOAD_LINK_TTL_MS);
  const sig = await linkSignature(env, r, expires);
  return `${base}/${encodeURIComponent(r.id)}/export?expires=${expires}&signature=${sig}`;
}

/** Checks a link's expiry and signature; 410 when expired (or the export is gone), 403 when forged. */
export async function checkExportLink(
  env: Env,
  r: PrivacyRequest,
  expiresRaw: string | undefined,
  signature: string | undefined,
  now = Date.now(),
): Promise<void> {
  const expires = Number(expiresRaw);
  if (!expiresRaw || !Number.isSafeInteger(expires) || !signature || !/^[0-9a-f]{64}$/.test(signature))
    throw new ApiError("forbidden", "This download link is not valid", {
      messageKey: "privacy.error.link_invalid",
    });
  if (!timingSafeEqual(await linkSignature(env, r, expires), signature))
    throw new ApiError("forbidden", "This download link is not valid", {
      messageKey: "privacy.error.link_invalid",
    });
  if (expires < now)
    throw new ApiError("gone", "This download link has expired; open the request to get a new one", {
      messageKey: "privacy.error.link_expired",
    });
  if (!r.exportKey || !r.exportExpiresAt || r.exportExpiresAt < now)
    throw new ApiError("gone", "The export is no longer available", {
      messageKey: "privacy.error.export_gone",
    });
}

/**
 * The export ZIP behind a signed link, for a user or key of the same tenant that may handle
 * privacy requests. Audited (who downloaded which export).
 */
export async function downloadExport(
  ctx: Ctx,
  id: string,
  expires: string | undefined,
  signature: string | undefined,
  now = Date.now(),
): Promise<{ body: ReadableStream; headers: Record<string, string> }> {
  const r = await findRequest(ctx, id);
  await checkExportLink(ctx.env, r, expires, signature, now);
  const obj = await dataPlane(ctx.env, ctx.tenant).bucket.get(r.exportKey!);
  if (!obj)
    throw new ApiError("gone", "The export is no longer available", {
      messageKey: "privacy.error.export_gone",
    });
  await auditCtx(ctx, "privacy_request.export_downloaded", "privacy_request", r.id, { size: obj.size });
  await recordAbuseEvent(ctx.env, ctx.tenant.id, "mass_export");
  return {
    body: obj.body,
    headers: {
      "content-type": "application/zip",
      "content-length": String(obj.size),
      "content-disposition": `attachment; filename="privacy-${r.id}.zip"`,
      "cache-control": "no-store",
      // The object's own ETag: the API's etag middleware then does not read (buffer) the ZIP.
      etag: obj.httpEtag,
    },
  };
}

// ---- Create ----------------------------------------------------------------------------------

export const subjectSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("caller"),
      phone: z.string().trim().min(1).max(40),
      phoneCountry: z
        .string()
        .regex(/^[A-Z]{2}$/)
        .optional(),
    })
    .strict(),
  z.object({ type: z.literal("agent"), agentId: z.string().min(1).max(64) }).strict(),
]);

export const createRequestSchema = z
  .object({
    kind: z.enum(PRIVACY_KINDS),
    subject: subjectSchema,
    channel: z.enum(PRIVACY_CHANNELS).optional(),
    /** When the request reached the tenant (default now); the deadline runs from it. */
    receivedAt: instantSchema.optional(),
    note: z.string().trim().max(2000).optional(),
  })
  .strict();
export type CreateRequestInput = z.input<typeof createRequestSchema>;

/** The caller's number → its keyed hash (as in calls.phone_hash) and masked label. */
async function callerSubject(ctx: Ctx, raw: string, country?: string) {
  let e164: string;
  try {
    e164 = normalizePhone(raw, (country as never) ?? defaultCountryFor(ctx.tenant.location));
  } catch {
    throw new ApiError("validation_failed", "subject.phone is not a valid phone number", {
      errors: [{ pointer: "/subject/phone", detail: "not a possible phone number" }],
      messageKey: "privacy.error.phone",
    });
  }
  return {
    e164,
    ref: await phoneHash(ctx.env, ctx.tenant.id, e164),
    label: maskPhone(e164),
    // Kept encrypted so the suppression list can be re-keyed when a backup moves organisations.
    enc: await encryptString(ctx.env.ENCRYPTION_KEY, e164, `phone:${ctx.tenant.id}`),
  };
}

export async function createPrivacyRequest(
  ctx: Ctx,
  raw: CreateRequestInput,
  now = Date.now(),
): Promise<PrivacyRequestView> {
  const input = createRequestSchema.parse(raw);
  const receivedAt = input.receivedAt ?? now;
  if (receivedAt > now + 5 * 60_000 || receivedAt < now - 366 * DAY)
    throw new ApiError("validation_failed", "receivedAt must be within the last year and not in the future", {
      errors: [{ pointer: "/receivedAt", detail: "out of range" }],
      messageKey: "privacy.error.received_at",
    });
  let subjectRef: string;
  let subjectLabel: string;
  let subjectEnc: string | null = null;
  if (input.subject.type === "caller") {
    const s = await callerSubject(ctx, input.subject.phone, input.subject.phoneCountry);
    subjectRef = s.ref;
    subjectLabel = s.label;
    subjectEnc = s.enc;
  } else {
    const dp = dataPlane(ctx.env, ctx.tenant);
    const a = await dp.db.query.agents.findFirst({
      where: and(eq(agents.id, input.subject.agentId), eq(agents.tenantId, ctx.tenant.id)),
    });
    if (!a)
      throw new ApiError("validation_failed", "unknown agent", {
        errors: [{ pointer: "/subject/agentId", detail: "no such agent" }],
        messageKey: "privacy.error.agent",
      });
    subjectRef = a.id;
    subjectLabel = a.externalId ? `${a.id} (${a.externalId})` : a.id;
  }
  const dueAt = addMonths(receivedAt, 1);
  const row: PrivacyRequest = {
    id: newId("prq"),
    tenantId: ctx.tenant.id,
    kind: input.kind,
    status: "received",
    subjectType: input.subject.type,
    subjectRef,
    subjectLabel,
    subjectEnc,
    channel: input.channel ?? "other",
    note: input.note || null,
    receivedAt,
    dueAt,
    originalDueAt: dueAt,
    extensionMonths: 0,
    extensionReason: null,
    extendedAt: null,
    identityMethod: null,
    identityNote: null,
    identityVerifiedBy: null,
    identityVerifiedAt: null,
    jobId: null,
    executedAt: null,
    executedBy: null,
    completedAt: null,
    result: null,
    rejectionReason: null,
    liftedAt: null,
    liftedBy: null,
    exportKey: null,
    exportSize: null,
    exportSha256: null,
    exportExpiresAt: null,
    reminderStage: null,
    remindedAt: null,
    createdBy: actorId(ctx.actor),
    createdAt: now,
    updatedAt: now,
  };
  await controlDb(ctx.env).insert(privacyRequests).values(row);
  await auditCtx(ctx, "privacy_request.created", "privacy_request", row.id, {
    kind: row.kind,
    subjectType: row.subjectType,
    channel: row.channel,
  });
  await notify(ctx.env, row, "privacy_request.created");
  return requestView(ctx.env, row, now);
}

async function notify(
  env: Env,
  r: PrivacyRequest,
  type: "privacy_request.created" | "privacy_request.updated" | "privacy_request.completed",
) {
  if (!r.tenantId) return;
  await emitEvent(
    env,
    r.tenantId,
    type,
    { requestId: r.id, kind: r.kind, status: r.status, subjectType: r.subjectType, dueAt: r.dueAt },
    type === "privacy_request.completed" ? { eventId: `msg_${r.id}_completed` } : {},
  );
}

// ---- Read --------------------------------------------------------------------------------------

/** A request of this tenant, or 404 (another tenant's id included). */
export async function findRequest(ctx: Ctx, id: string): Promise<PrivacyRequest> {
  const r = await controlDb(ctx.env).query.privacyRequests.findFirst({
    where: and(eq(privacyRequests.id, id), eq(privacyRequests.tenantId, ctx.tenant.id)),
  });
  if (!r) throw notFound("Privacy request");
  return r;
}

export async function getPrivacyRequest(ctx: Ctx, id: string, now = Date.now(), base?: string) {
  return requestView(ctx.env, await findRequest(ctx, id), now, base);
}

export const listRequestsSchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
  status: z.enum(PRIVACY_STATUSES).optional(),
  kind: z.enum(PRIVACY_KINDS).optional(),
  /** Only requests whose deadline is running (received, identity_check, in_progress, extended). */
  open: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional(),
});

/** Newest first, keyset pages on (createdAt, id). */
export async function listPrivacyRequests(
  ctx: Ctx,
  raw: z.input<typeof listRequestsSchema>,
  now = Date.now(),
  base?: string,
) {
  const q = listRequestsSchema.parse(raw);
  const conds = [eq(privacyRequests.tenantId, ctx.tenant.id)];
  if (q.status) conds.push(eq(privacyRequests.status, q.status));
  if (q.kind) conds.push(eq(privacyRequests.kind, q.kind));
  if (q.open) conds.push(inArray(privacyRequests.status, [...OPEN_PRIVACY_STATUSES]));
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    const v = Number(c.sortValue);
    if (!Number.isFinite(v))
      throw new ApiError("validation_failed", "invalid cursor", {
        errors: [{ pointer: "/cursor", detail: "invalid" }],
      });
    conds.push(
      or(
        lt(privacyRequests.createdAt, v),
        and(eq(privacyRequests.createdAt, v), lt(privacyRequests.id, c.id)),
      )!,
    );
  }
  const rows = await controlDb(ctx.env)
    .select()
    .from(privacyRequests)
    .where(and(...conds))
    .orderBy(desc(privacyRequests.createdAt), desc(privacyRequests.id))
    .limit(q.limit + 1);
  const p = page(rows, q.limit, (r) => encodeCursor(r.createdAt, r.id));
  return {
    data: await Promise.all(p.data.map((r) => requestView(ctx.env, r, now, base))),
    nextCursor: p.nextCursor,
  };
}

// ---- Actions -----------------------------------------------------------------------------------

const reason = z.string().trim().min(3).max(1000);
const nullableText = (max: number) => z.string().trim().min(1).max(max).nullable().optional();

export const rectificationSchema = z
  .object({
    /** Agent subject: the agent's name and team as they should be. */
    agent: z
      .object({ name: z.string().trim().min(1).max(200).optional(), team: nullableText(100) })
      .strict()
      .optional(),
    /** Caller subject: the correct number (replaces the recorded one on every call of the caller). */
    phone: z.string().trim().min(1).max(40).optional(),
    phoneCountry: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .optional(),
    /** Call metadata of this subject's calls. */
    calls: z
      .array(
        z
          .object({
            id: z.string().min(1).max(64),
            language: z.enum(["fr", "en"]).nullable().optional(),
            direction: z.enum(["inbound", "outbound"]).nullable().optional(),
            queue: nullableText(200),
            campaign: nullableText(200),
            tags: z.array(z.string().trim().min(1).max(50)).max(20).optional(),
          })
          .strict(),
      )
      .max(100)
      .optional(),
  })
  .strict();

export const actionSchema = z.discriminatedUnion("action", [
  z
    .object({ action: z.literal("start_identity_check"), note: z.string().trim().max(1000).optional() })
    .strict(),
  z
    .object({
      action: z.literal("verify_identity"),
      method: z.enum(IDENTITY_METHODS),
      note: z.string().trim().max(1000).optional(),
    })
    .strict(),
  z.object({ action: z.literal("extend"), months: z.number().int().min(1).max(2), reason }).strict(),
  z.object({ action: z.literal("execute"), rectification: rectificationSchema.optional() }).strict(),
  z.object({ action: z.literal("reject"), reason }).strict(),
  z.object({ action: z.literal("lift"), reason: z.string().trim().max(1000).optional() }).strict(),
]);
export type PrivacyAction = z.input<typeof actionSchema>;

export const conflict = (detail: string, messageKey: string) =>
  new ApiError("conflict", detail, { messageKey });

/** Conditional update on `updatedAt`: two admins acting at once cannot both win. */
export async function save(env: Env, r: PrivacyRequest, patch: Partial<PrivacyRequest>, now: number) {
  const [row] = await controlDb(env)
    .update(privacyRequests)
    .set({ ...patch, updatedAt: now })
    .where(and(eq(privacyRequests.id, r.id), eq(privacyRequests.updatedAt, r.updatedAt)))
    .returning();
  if (!row)
    throw conflict("The request was changed meanwhile; reload it and try again", "privacy.error.concurrent");
  return row;
}

type AuditMeta = Record<string, string | number | boolean | null>;

/**
 * The steps shared by tenant and user-account requests: identity check, extension, rejection.
 * Returns null for the actions each flow executes itself (execute, lift).
 */
export async function transition(
  env: Env,
  r: PrivacyRequest,
  input: z.infer<typeof actionSchema>,
  who: string | null,
  now: number,
  audit: (action: string, meta?: AuditMeta) => Promise<void>,
): Promise<PrivacyRequest | null> {
  switch (input.action) {
    case "start_identity_check": {
      if (r.status !== "received")
        throw conflict("Only a newly received request moves to the identity check", "privacy.error.state");
      const row = await save(env, r, { status: "identity_check", identityNote: input.note || null }, now);
      await audit("privacy_request.identity_check_started");
      return row;
    }
    case "verify_identity": {
      if (!isOpen(r.status) || r.identityVerifiedAt)
        throw conflict("The identity was already verified, or the request is closed", "privacy.error.state");
      const row = await save(
        env,
        r,
        {
          status: r.status === "extended" ? "extended" : "in_progress",
          identityMethod: input.method,
          identityNote: input.note || r.identityNote,
          identityVerifiedBy: who,
          identityVerifiedAt: now,
        },
        now,
      );
      await audit("privacy_request.identity_verified", { method: input.method });
      return row;
    }
    case "extend": {
      if (!isOpen(r.status)) throw conflict("A closed request cannot be extended", "privacy.error.state");
      const months = r.extensionMonths + input.months;
      if (months > MAX_EXTENSION_MONTHS)
        throw new ApiError("validation_failed", "The deadline can be extended by two months at most", {
          errors: [{ pointer: "/months", detail: `at most ${MAX_EXTENSION_MONTHS - r.extensionMonths}` }],
          messageKey: "privacy.error.extension",
        });
      const row = await save(
        env,
        r,
        {
          status: r.jobId ? r.status : "extended",
          extensionMonths: months,
          extensionReason: input.reason,
          extendedAt: now,
          dueAt: addMonths(r.receivedAt, 1 + months),
          // The new deadline gets its own reminders.
          reminderStage: null,
          remindedAt: null,
        },
        now,
      );
      await audit("privacy_request.extended", { months });
      return row;
    }
    case "reject": {
      if (!isOpen(r.status) || r.jobId)
        throw conflict("Only an open request not being executed can be rejected", "privacy.error.state");
      const row = await save(
        env,
        r,
        { status: "rejected", rejectionReason: input.reason, completedAt: now },
        now,
      );
      await audit("privacy_request.rejected");
      return row;
    }
    default:
      return null;
  }
}

/** Before executing: open, not already running, identity verified. */
export function assertExecutable(r: PrivacyRequest) {
  if (!isOpen(r.status) || r.jobId)
    throw conflict("This request is closed or already being executed", "privacy.error.state");
  if (!r.identityVerifiedAt)
    throw conflict("Verify the person's identity before executing the request", "privacy.error.identity");
}

export async function actOnPrivacyRequest(
  ctx: Ctx,
  id: string,
  raw: PrivacyAction,
  now = Date.now(),
): Promise<PrivacyRequestView> {
  const input = actionSchema.parse(raw);
  const r = await findRequest(ctx, id);
  const audit = (action: string, meta?: AuditMeta) => auditCtx(ctx, action, "privacy_request", r.id, meta);
  let row = await transition(ctx.env, r, input, actorId(ctx.actor), now, audit);
  if (!row) {
    if (input.action === "execute") row = await execute(ctx, r, input.rectification, now);
    else row = await lift(ctx, r, now);
  }
  await notify(
    ctx.env,
    row,
    row.status === "completed" ? "privacy_request.completed" : "privacy_request.updated",
  );
  return requestView(ctx.env, row, now);
}

// ---- Execution -----------------------------------------------------------------------------------

async function execute(
  ctx: Ctx,
  r: PrivacyRequest,
  rect: z.infer<typeof rectificationSchema> | undefined,
  now: number,
): Promise<PrivacyRequest> {
  assertExecutable(r);
  if (r.kind !== "rectification" && rect)
    throw new ApiError("validation_failed", "rectification applies to rectification requests only", {
      errors: [{ pointer: "/rectification", detail: "not allowed for this kind" }],
    });
  const who = actorId(ctx.actor);
  const dp = dataPlane(ctx.env, ctx.tenant);
  const base = { executedAt: now, executedBy: who };
  const done = (result: Record<string, unknown>) => ({
    ...base,
    status: "completed" as const,
    completedAt: now,
    result,
  });
  let patch: Partial<PrivacyRequest>;
  switch (r.kind) {
    case "access":
    case "portability":
    case "erasure": {
      if (r.kind === "erasure" && r.subjectType === "caller")
        // At once, before the job runs: a call arriving meanwhile is already held (F3).
        await suppress(ctx, r, "erasure", now);
      const { job } = await startJob(
        ctx.env,
        {
          tenantId: ctx.tenant.id,
          kind: r.kind === "erasure" ? "privacy_execution" : "privacy_export",
          params: { requestId: r.id, op: r.kind === "erasure" ? "erase" : "export" },
          dedupeKey: `privacy:${r.id}:execute`,
          createdBy: who,
        },
        now,
      );
      patch = { ...base, jobId: job.id, status: r.status === "extended" ? "extended" : "in_progress" };
      break;
    }
    case "restriction":
      await dp.db
        .insert(privacyRestrictions)
        .values({
          tenantId: ctx.tenant.id,
          subjectType: r.subjectType as "caller" | "agent",
          subjectRef: r.subjectRef,
          subjectEnc: r.subjectType === "caller" ? await subjectCiphertext(ctx, r) : null,
          kind: "restriction",
          requestId: r.id,
          createdAt: now,
        })
        .onConflictDoNothing();
      patch = done({ restricted: true });
      break;
    case "objection":
    case "consent_withdrawal":
      if (r.subjectType === "caller") await suppress(ctx, r, r.kind, now);
      else
        await dp.db
          .insert(privacyRestrictions)
          .values({
            tenantId: ctx.tenant.id,
            subjectType: "agent",
            subjectRef: r.subjectRef,
            kind: r.kind,
            requestId: r.id,
            createdAt: now,
          })
          .onConflictDoNothing();
      patch = done({
        suppressed: true,
        ...(r.kind === "consent_withdrawal" ? { consentWithdrawnAt: now } : {}),
      });
      break;
    case "rectification": {
      const { fields, moved } = await rectify(ctx, r, rect ?? {}, now);
      // A corrected number: the request now names the person by the right one.
      patch = {
        ...done({ fields }),
        ...(moved ? { subjectRef: moved.ref, subjectLabel: moved.label, subjectEnc: moved.enc } : {}),
      };
      break;
    }
  }
  const row = await save(ctx.env, r, patch, now);
  await auditCtx(ctx, "privacy_request.executed", "privacy_request", r.id, {
    kind: r.kind,
    subjectType: r.subjectType,
    status: row.status,
  });
  return row;
}

async function suppress(
  ctx: Ctx,
  r: PrivacyRequest,
  reason: "objection" | "consent_withdrawal" | "erasure",
  now: number,
) {
  await dataPlane(ctx.env, ctx.tenant)
    .db.insert(privacySuppressions)
    .values({
      tenantId: ctx.tenant.id,
      phoneHash: r.subjectRef,
      phoneEnc: await subjectCiphertext(ctx, r),
      reason,
      requestId: r.id,
      createdAt: now,
    })
    .onConflictDoNothing();
}

/**
 * The caller's number, encrypted, for the suppression list and restrictions: from the request,
 * or (requests made before it was kept) from one of the person's calls. Null if neither has it.
 */
async function subjectCiphertext(ctx: Ctx, r: PrivacyRequest): Promise<string | null> {
  if (r.subjectEnc) return r.subjectEnc;
  const c = await dataPlane(ctx.env, ctx.tenant)
    .db.select({ enc: calls.phoneEnc })
    .from(calls)
    .where(
      and(eq(calls.tenantId, ctx.tenant.id), eq(calls.phoneHash, r.subjectRef), isNotNull(calls.phoneEnc)),
    )
    .limit(1);
  return c[0]?.enc ?? null;
}

/** Rectification (art. 16): agent name/team, the caller's number, metadata of the subject's calls. */
async function rectify(
  ctx: Ctx,
  r: PrivacyRequest,
  rect: z.infer<typeof rectificationSchema>,
  now: number,
): Promise<{ fields: string[]; moved: { ref: string; label: string; enc: string } | null }> {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const fields: string[] = [];
  const bad = (pointer: string, detail: string) =>
    new ApiError("validation_failed", detail, { errors: [{ pointer, detail }] });
  if (!rect.agent && !rect.phone && !rect.calls?.length)
    throw bad("/rectification", "say what to correct: agent, phone or calls");
  if (rect.agent && r.subjectType !== "agent") throw bad("/rectification/agent", "only for an agent subject");
  if (rect.phone && r.subjectType !== "caller")
    throw bad("/rectification/phone", "only for a caller subject");
  const ofSubject =
    r.subjectType === "caller" ? eq(calls.phoneHash, r.subjectRef) : eq(calls.agentId, r.subjectRef);
  if (rect.calls?.length) {
    const ids = rect.calls.map((c) => c.id);
    const mine = await dp.db
      .select({ id: calls.id })
      .from(calls)
      .where(and(eq(calls.tenantId, ctx.tenant.id), inArray(calls.id, ids), ofSubject));
    const missing = ids.filter((i) => !mine.some((m) => m.id === i));
    if (missing.length) throw bad("/rectification/calls", `not calls of this person: ${missing.join(", ")}`);
  }
  const stmts = [];
  const raw: D1PreparedStatement[] = [];
  for (const c of rect.calls ?? []) {
    const set: Record<string, unknown> = {};
    for (const k of ["language", "direction", "queue", "campaign", "tags"] as const)
      if (c[k] !== undefined) {
        set[k] = c[k];
        if (!fields.includes(`call.${k}`)) fields.push(`call.${k}`);
      }
    if (Object.keys(set).length)
      stmts.push(
        dp.db
          .update(calls)
          .set({ ...set, updatedAt: now })
          .where(and(eq(calls.tenantId, ctx.tenant.id), eq(calls.id, c.id))),
      );
  }
  if (rect.agent) {
    const set: { name?: string; team?: string | null; updatedAt: number } = { updatedAt: now };
    if (rect.agent.name !== undefined) set.name = rect.agent.name;
    if (rect.agent.team !== undefined) set.team = rect.agent.team;
    stmts.push(
      dp.db
        .update(agents)
        .set(set)
        .where(and(eq(agents.tenantId, ctx.tenant.id), eq(agents.id, r.subjectRef))),
    );
    if (set.name !== undefined) fields.push("agent.name");
    if (set.team !== undefined) {
      fields.push("agent.team");
      // Calls carry a copy of the team (list filters without a join): keep them in step.
      stmts.push(
        dp.db
          .update(calls)
          .set({ team: set.team })
          .where(and(eq(calls.tenantId, ctx.tenant.id), eq(calls.agentId, r.subjectRef))),
      );
    }
  }
  let moved: { ref: string; label: string; enc: string } | null = null;
  if (rect.phone) {
    const s = await callerSubject(ctx, rect.phone, rect.phoneCountry);
    if (s.ref !== r.subjectRef) {
      const enc = s.enc;
      stmts.push(
        dp.db
          .update(calls)
          .set({ phoneHash: s.ref, phoneEnc: enc, phoneMasked: s.label, updatedAt: now })
          .where(and(eq(calls.tenantId, ctx.tenant.id), eq(calls.phoneHash, r.subjectRef))),
      );
      raw.push(
        // What the person asked for under the old number follows them to the right one.
        dp.d1
          .prepare(
            "insert or ignore into privacy_suppressions (tenant_id, phone_hash, phone_enc, reason, request_id, created_at) select tenant_id, ?, ?, reason, request_id, created_at from privacy_suppressions where tenant_id = ? and phone_hash = ?",
          )
          .bind(s.ref, enc, ctx.tenant.id, r.subjectRef),
        dp.d1
          .prepare("delete from privacy_suppressions where tenant_id = ? and phone_hash = ?")
          .bind(ctx.tenant.id, r.subjectRef),
        dp.d1
          .prepare(
            "update or ignore privacy_restrictions set subject_ref = ?, subject_enc = ? where tenant_id = ? and subject_type = 'caller' and subject_ref = ?",
          )
          .bind(s.ref, enc, ctx.tenant.id, r.subjectRef),
      );
      moved = { ref: s.ref, label: s.label, enc };
      fields.push("caller.phone");
    }
  }
  if (stmts.length) await dp.db.batch(stmts as never);
  if (raw.length) await dp.d1.batch(raw);
  return { fields, moved };
}

/** Lift a restriction, or withdraw an objection / consent withdrawal: held calls resume. */
async function lift(ctx: Ctx, r: PrivacyRequest, now: number): Promise<PrivacyRequest> {
  if (!["restriction", "objection", "consent_withdrawal"].includes(r.kind) || r.status !== "completed")
    throw conflict(
      "Only an executed restriction, objection or consent withdrawal can be lifted",
      "privacy.error.lift",
    );
  if (r.liftedAt) throw conflict("Already lifted", "privacy.error.lift");
  const dp = dataPlane(ctx.env, ctx.tenant);
  if (r.kind !== "restriction" && r.subjectType === "caller")
    await dp.db
      .delete(privacySuppressions)
      .where(
        and(
          eq(privacySuppressions.tenantId, ctx.tenant.id),
          eq(privacySuppressions.phoneHash, r.subjectRef),
          eq(privacySuppressions.reason, r.kind as "objection" | "consent_withdrawal"),
        ),
      );
  else
    await dp.db
      .delete(privacyRestrictions)
      .where(
        and(
          eq(privacyRestrictions.tenantId, ctx.tenant.id),
          eq(privacyRestrictions.subjectType, r.subjectType as "caller" | "agent"),
          eq(privacyRestrictions.subjectRef, r.subjectRef),
          eq(privacyRestrictions.kind, r.kind as "restriction" | "objection" | "consent_withdrawal"),
        ),
      );
  const { job } = await startJob(
    ctx.env,
    {
      tenantId: ctx.tenant.id,
      kind: "privacy_execution",
      params: { requestId: r.id, op: "resume" },
      dedupeKey: `privacy:${r.id}:lift`,
      createdBy: actorId(ctx.actor),
    },
    now,
  );
  const row = await save(ctx.env, r, { liftedAt: now, liftedBy: actorId(ctx.actor), jobId: job.id }, now);
  await auditCtx(ctx, "privacy_request.lifted", "privacy_request", r.id, { kind: r.kind });
  return row;
}

// ---- Completion (called by the jobs) ------------------------------------------------------------

/** Marks an executing request completed (once: a re-run finds it done and changes nothing). */
export async function completeRequest(
  env: Env,
  requestId: string,
  patch: Partial<PrivacyRequest>,
  actor: Actor,
  now = Date.now(),
): Promise<PrivacyRequest | null> {
  const [row] = await controlDb(env)
    .update(privacyRequests)
    .set({ ...patch, status: "completed", completedAt: now, updatedAt: now })
    .where(
      and(eq(privacyRequests.id, requestId), inArray(privacyRequests.status, [...OPEN_PRIVACY_STATUSES])),
    )
    .returning();
  if (!row) return null;
  if (row.tenantId) {
    await appendAudit(env, {
      tenantId: row.tenantId,
      actor,
      action: "privacy_request.completed",
      targetType: "privacy_request",
      targetId: row.id,
      meta: { kind: row.kind, partial: Boolean(row.result?.partial) },
    });
    await notify(env, row, "privacy_request.completed");
  }
  return row;
}

// ---- Deadlines (daily cron) ---------------------------------------------------------------------

/**
 * Reminders to the tenant's owners and admins (e-mail, in each one's language): once when a
 * request is within 7 days of its deadline, then when it is overdue and every 7 days after.
 * Bounded per run; the next day picks up the rest. Also removes expired export ZIPs.
 */
export async function privacyDaily(env: Env, now: number, limit = 200): Promise<{ reminded: number }> {
  const db = controlDb(env);
  const due = await db
    .select()
    .from(privacyRequests)
    .where(
      and(
        inArray(privacyRequests.status, [...OPEN_PRIVACY_STATUSES]),
        lt(privacyRequests.dueAt, now + REMIND_BEFORE_MS),
        or(
          sql`${privacyRequests.reminderStage} is null`,
          and(
            lt(privacyRequests.dueAt, now),
            or(
              eq(privacyRequests.reminderStage, "near"),
              lt(privacyRequests.remindedAt, now - REMIND_BEFORE_MS + 3_600_000),
            ),
          ),
        ),
      ),
    )
    .orderBy(privacyRequests.dueAt)
    .limit(limit);
  let reminded = 0;
  for (const r of due) {
    const stage = r.dueAt < now ? "overdue" : "near";
    const [claimed] = await db
      .update(privacyRequests)
      .set({ reminderStage: stage, remindedAt: now })
      .where(and(eq(privacyRequests.id, r.id), eq(privacyRequests.updatedAt, r.updatedAt)))
      .returning({ id: privacyRequests.id });
    if (!claimed) continue;
    await remind(env, r, stage, now);
    reminded++;
  }
  await purgeExpiredExports(env, now, limit);
  return { reminded };
}

async function remind(env: Env, r: PrivacyRequest, stage: "near" | "overdue", now: number) {
  if (!r.tenantId) {
    // User-account requests: the operators' own console lists them by deadline; audit only.
    await appendAudit(env, {
      tenantId: null,
      actor: SYSTEM_ACTOR,
      action: "privacy_request.reminder",
      targetType: "privacy_request",
      targetId: r.id,
      meta: { stage },
    });
    return;
  }
  const admins = await controlDb(env)
    .select({ email: users.email, locale: users.locale })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, r.tenantId), inArray(memberships.role, ["owner", "admin"])));
  const tenant = await controlDb(env).query.tenants.findFirst({
    where: (tn, { eq: e }) => e(tn.id, r.tenantId!),
  });
  for (const a of admins) {
    const locale = a.locale ?? tenant?.defaultLocale ?? "fr";
    const days = Math.ceil(Math.abs(r.dueAt - now) / DAY);
    const params = {
      kind: t(locale, `privacy.kind.${r.kind}`),
      id: r.id,
      due: new Date(r.dueAt).toISOString().slice(0, 10),
      days,
      url: `${env.APP_URL}/privacy/${r.id}`,
    };
    await sendMail(env, {
      to: a.email,
      subject: t(locale, `privacy.mail.${stage}.subject`, params),
      text: t(locale, `privacy.mail.${stage}.text`, params),
      kind: `privacy_reminder_${stage}`,
      locale,
      tenantId: r.tenantId,
    });
  }
  await appendAudit(env, {
    tenantId: r.tenantId,
    actor: SYSTEM_ACTOR,
    action: "privacy_request.reminder",
    targetType: "privacy_request",
    targetId: r.id,
    meta: { stage, recipients: admins.length },
  });
}

/** Export ZIPs past their expiry are deleted from R2 (F1: exports are a store too). */
async function purgeExpiredExports(env: Env, now: number, limit: number) {
  const db = controlDb(env);
  const expired = await db
    .select()
    .from(privacyRequests)
    .where(and(sql`${privacyRequests.exportKey} is not null`, lt(privacyRequests.exportExpiresAt, now)))
    .limit(limit);
  for (const r of expired) {
    await deleteExportObject(env, r);
    await db.update(privacyRequests).set({ exportKey: null }).where(eq(privacyRequests.id, r.id));
  }
}

export async function tenantOf(env: Env, id: string): Promise<Tenant | null> {
  return tenantById(env, id);
}

/** The ZIP lives in the tenant's bucket (call data) or the control bucket (user accounts). */
export async function deleteExportObject(env: Env, r: PrivacyRequest) {
  if (!r.exportKey) return;
  if (!r.tenantId) {
    await env.CONTROL_BUCKET.delete(r.exportKey);
    return;
  }
  const tenant = await tenantOf(env, r.tenantId);
  if (tenant) await dataPlane(env, tenant).bucket.delete(r.exportKey);
}

/** The schema's value lists, for apps/ (which takes nothing from db/ but types, test/architecture.test.ts). */
export {
  IDENTITY_METHODS,
  PRIVACY_CHANNELS,
  PRIVACY_KINDS,
  PRIVACY_STATUSES,
  type PrivacyKind,
} from "../../db/schema/control";
