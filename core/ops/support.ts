import { and, asc, desc, eq, gt, inArray, isNull, lt, or, type SQL } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import { dataPlane } from "../../db/resolver";
import {
  type SupportGrant,
  type SupportTicket,
  supportAccessLog,
  supportGrants,
  supportMessages,
  supportTickets,
  type Tenant,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
  tenants,
  users,
} from "../../db/schema/control";
import { supportAttachments } from "../../db/schema/data";
import { getAnalysis } from "../calls/analyses";
import { getRecording } from "../calls/recording";
import { callView, findCall, listCalls } from "../calls/service";
import { readTranscript } from "../calls/transcript-store";
import { appendAudit, auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId, sha256Hex } from "../platform/crypto";
import { ApiError, notFound } from "../platform/errors";
import { t } from "../platform/i18n";
import { sendMail } from "../platform/mail";
import { decodeCursor, encodeCursor, limitSchema, page } from "../platform/pagination";
import { roleAllows } from "../platform/rbac";

/**
 * Support (H1) and support access (H2).
 *
 * Tenant side: any member opens a ticket and writes in it (admins see every ticket of the
 * tenant, others their own); attachments go to the tenant's location. A tenant admin may grant
 * operators read access to call content for one ticket: time-boxed (1 hour to 7 days), scoped
 * (every call, or listed calls), revocable at once.
 *
 * Operator side: the queue and tickets carry no call content. Call content is reached only
 * through `supportReadCtx`, which exists only while a grant is active; every read is written to
 * `support_access_log` (shown on the ticket to the tenant) and to the tenant's audit chain.
 */

export const MAX_GRANT_HOURS = 24 * 7;
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
const MAX_LISTED_CALLS = 50;

export interface OperatorRef {
  id: string;
  name: string;
  email: string;
  sessionId: string;
  ip: string | null;
  userAgent: string | null;
}

// ---- Tenant side -----------------------------------------------------------------------------

export const createTicketSchema = z.object({
  subject: z.string().trim().min(3).max(200),
  body: z.string().trim().min(1).max(10_000),
  priority: z.enum(TICKET_PRIORITIES).default("normal"),
});
export const messageSchema = z.object({ body: z.string().trim().min(1).max(10_000) });
export const grantSchema = z
  .object({
    hours: z.coerce.number().int().min(1).max(MAX_GRANT_HOURS),
    scope: z.enum(["all_calls", "listed_calls"]),
    callIds: z.array(z.string().min(1).max(64)).max(MAX_LISTED_CALLS).default([]),
    includeRecordings: z.boolean().default(false),
  })
  .refine((g) => g.scope === "all_calls" || g.callIds.length > 0, {
    message: "list at least one call",
    path: ["callIds"],
  });

const canSeeAll = (ctx: Ctx) =>
  ctx.actor.type === "api_key" || (ctx.actor.type === "user" && roleAllows(ctx.actor.role, "support:grant"));

function authorOf(ctx: Ctx): { type: "user" | "api_key"; id: string; name: string } {
  if (ctx.actor.type === "user") return { type: "user", id: ctx.actor.id, name: ctx.actor.email };
  if (ctx.actor.type === "api_key") return { type: "api_key", id: ctx.actor.id, name: "API" };
  throw new ApiError("forbidden", "Only the tenant's users and keys write tickets");
}

/** The ticket if the actor may see it (another tenant's, or a colleague's for a non-admin: 404). */
export async function findTicket(ctx: Ctx, id: string): Promise<SupportTicket> {
  const conds: SQL[] = [eq(supportTickets.id, id), eq(supportTickets.tenantId, ctx.tenant.id)];
  if (!canSeeAll(ctx)) conds.push(eq(supportTickets.createdBy, authorOf(ctx).id));
  const row = await controlDb(ctx.env).query.supportTickets.findFirst({ where: and(...conds) });
  if (!row) throw notFound("Ticket");
  return row;
}

export function ticketView(tk: SupportTicket) {
  return {
    id: tk.id,
    subject: tk.subject,
    status: tk.status,
    priority: tk.priority,
    createdBy: tk.createdBy,
    lastMessageAt: new Date(tk.lastMessageAt).toISOString(),
    waitingOn: tk.lastAuthorType === "operator" ? ("customer" as const) : ("support" as const),
    createdAt: new Date(tk.createdAt).toISOString(),
    updatedAt: new Date(tk.updatedAt).toISOString(),
  };
}
export type TicketView = ReturnType<typeof ticketView>;

export async function createTicket(ctx: Ctx, raw: z.input<typeof createTicketSchema>) {
  const input = createTicketSchema.parse(raw);
  const author = authorOf(ctx);
  const now = Date.now();
  const id = newId("tkt");
  const messageId = newId("msg");
  const db = controlDb(ctx.env);
  const row: SupportTicket = {
    id,
    tenantId: ctx.tenant.id,
    subject: input.subject,
    status: "open",
    priority: input.priority,
    createdByType: author.type,
    createdBy: author.id,
    assignedOperatorId: null,
    lastMessageAt: now,
    lastAuthorType: author.type,
    createdAt: now,
    updatedAt: now,
  };
  await db.batch([
    db.insert(supportTickets).values(row),
    db.insert(supportMessages).values({
      id: messageId,
      tenantId: ctx.tenant.id,
      ticketId: id,
      authorType: author.type,
      authorId: author.id,
      authorName: author.name,
      body: input.body,
      createdAt: now,
    }),
  ]);
  await auditCtx(ctx, "support.ticket_created", "support_ticket", id, { priority: input.priority });
  return { ticket: ticketView(row), messageId };
}

export async function listTickets(ctx: Ctx, q: { limit?: number; cursor?: string; status?: string }) {
  const limit = limitSchema.parse(q.limit);
  const conds: SQL[] = [eq(supportTickets.tenantId, ctx.tenant.id)];
  if (!canSeeAll(ctx)) conds.push(eq(supportTickets.createdBy, authorOf(ctx).id));
  if (q.status && (TICKET_STATUSES as readonly string[]).includes(q.status))
    conds.push(eq(supportTickets.status, q.status as SupportTicket["status"]));
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    conds.push(
      or(
        lt(supportTickets.createdAt, Number(c.sortValue)),
        and(eq(supportTickets.createdAt, Number(c.sortValue)), lt(supportTickets.id, c.id)),
      )!,
    );
  }
  const rows = await controlDb(ctx.env)
    .select()
    .from(supportTickets)
    .where(and(...conds))
    .orderBy(desc(supportTickets.createdAt), desc(supportTickets.id))
    .limit(limit + 1);
  const p = page(rows, limit, (r) => encodeCursor(r.createdAt, r.id));
  return { data: p.data.map(ticketView), nextCursor: p.nextCursor };
}

async function ticketThread(env: Env, tenant: Tenant, tk: SupportTicket) {
  const db = controlDb(env);
  const [messages, grants, reads] = await Promise.all([
    db
      .select()
      .from(supportMessages)
      .where(eq(supportMessages.ticketId, tk.id))
      .orderBy(asc(supportMessages.createdAt)),
    db
      .select()
      .from(supportGrants)
      .where(eq(supportGrants.ticketId, tk.id))
      .orderBy(desc(supportGrants.createdAt)),
    db
      .select()
      .from(supportAccessLog)
      .where(eq(supportAccessLog.ticketId, tk.id))
      .orderBy(desc(supportAccessLog.at))
      .limit(200),
  ]);
  const dp = dataPlane(env, tenant);
  const files = await dp.db
    .select()
    .from(supportAttachments)
    .where(and(eq(supportAttachments.tenantId, tenant.id), eq(supportAttachments.ticketId, tk.id)));
  return {
    ...ticketView(tk),
    messages: messages.map((m) => ({
      id: m.id,
      authorType: m.authorType,
      authorName: m.authorName,
      body: m.body,
      createdAt: new Date(m.createdAt).toISOString(),
      attachments: files
        .filter((f) => f.messageId === m.id)
        .map((f) => ({ id: f.id, fileName: f.fileName, contentType: f.contentType, size: f.size })),
    })),
    grants: grants.map((g) => grantView(g)),
    accessLog: reads.map((r) => ({
      operatorName: r.operatorName,
      what: r.what,
      callId: r.callId,
      at: new Date(r.at).toISOString(),
    })),
  };
}
export type TicketDetail = Awaited<ReturnType<typeof ticketThread>>;

export async function getTicket(ctx: Ctx, id: string) {
  return ticketThread(ctx.env, ctx.tenant, await findTicket(ctx, id));
}

export async function addMessage(ctx: Ctx, ticketId: string, raw: z.input<typeof messageSchema>) {
  const { body } = messageSchema.parse(raw);
  const tk = await findTicket(ctx, ticketId);
  if (tk.status === "closed") throw new ApiError("conflict", "This ticket is closed; open a new one");
  const author = authorOf(ctx);
  const now = Date.now();
  const id = newId("msg");
  const db = controlDb(ctx.env);
  await db.batch([
    db.insert(supportMessages).values({
      id,
      tenantId: ctx.tenant.id,
      ticketId,
      authorType: author.type,
      authorId: author.id,
      authorName: author.name,
      body,
      createdAt: now,
    }),
    db
      .update(supportTickets)
      .set({ lastMessageAt: now, lastAuthorType: author.type, status: "open", updatedAt: now })
      .where(eq(supportTickets.id, ticketId)),
  ]);
  await auditCtx(ctx, "support.message_added", "support_ticket", ticketId);
  return { id };
}

/** The tenant closes (or reopens) its own ticket. */
export async function setTicketStatusByTenant(ctx: Ctx, ticketId: string, status: "open" | "closed") {
  const tk = await findTicket(ctx, ticketId);
  await controlDb(ctx.env)
    .update(supportTickets)
    .set({ status, updatedAt: Date.now() })
    .where(eq(supportTickets.id, tk.id));
  await auditCtx(
    ctx,
    `support.ticket_${status === "closed" ? "closed" : "reopened"}`,
    "support_ticket",
    tk.id,
  );
  return ticketView({ ...tk, status });
}

const SAFE_NAME = /[^A-Za-z0-9._ -]/g;

/** Attach a file to a message of the ticket: stored in the tenant's bucket (its location). */
export async function addAttachment(
  ctx: Ctx,
  ticketId: string,
  messageId: string,
  file: { name: string; type: string; bytes: Uint8Array },
) {
  const tk = await findTicket(ctx, ticketId);
  if (file.bytes.byteLength === 0) throw new ApiError("validation_failed", "The file is empty");
  if (file.bytes.byteLength > MAX_ATTACHMENT_BYTES)
    throw new ApiError("payload_too_large", `Attachments are limited to ${MAX_ATTACHMENT_BYTES} bytes`);
  const msg = await controlDb(ctx.env).query.supportMessages.findFirst({
    where: and(eq(supportMessages.id, messageId), eq(supportMessages.ticketId, tk.id)),
  });
  if (!msg) throw notFound("Message");
  const dp = dataPlane(ctx.env, ctx.tenant);
  const id = newId("att");
  const key = dp.key("support", tk.id, id);
  const contentType = /^[\w.+-]+\/[\w.+-]+$/.test(file.type) ? file.type : "application/octet-stream";
  await dp.bucket.put(key, file.bytes, { httpMetadata: { contentType } });
  const row = {
    id,
    tenantId: ctx.tenant.id,
    ticketId: tk.id,
    messageId,
    fileName: (file.name || "file").replace(SAFE_NAME, "_").slice(0, 120),
    contentType,
    size: file.bytes.byteLength,
    sha256: await sha256Hex(file.bytes),
    objectKey: key,
    createdAt: Date.now(),
  };
  await dp.db.insert(supportAttachments).values(row);
  await auditCtx(ctx, "support.attachment_added", "support_ticket", tk.id, { size: row.size });
  return { id, fileName: row.fileName, contentType, size: row.size };
}

/**
 * An attachment as a download: its bytes and the response headers every reader sends (API, portal,
 * operator console). The name was made safe at upload (`SAFE_NAME`), so it goes in the header as is.
 */
async function attachmentObject(
  env: Env,
  tenant: Tenant,
  ticketId: string,
  id: string,
): Promise<{ body: ReadableStream; headers: Record<string, string> }> {
  const dp = dataPlane(env, tenant);
  const row = await dp.db.query.supportAttachments.findFirst({
    where: and(
      eq(supportAttachments.id, id),
      eq(supportAttachments.tenantId, tenant.id),
      eq(supportAttachments.ticketId, ticketId),
    ),
  });
  const obj = row ? await dp.bucket.get(row.objectKey) : null;
  if (!row || !obj) throw notFound("Attachment");
  return {
    body: obj.body,
    headers: {
      "content-type": row.contentType,
      "content-disposition": `attachment; filename="${row.fileName}"`,
      "cache-control": "private, no-store",
    },
  };
}

export async function readAttachment(ctx: Ctx, ticketId: string, id: string) {
  const tk = await findTicket(ctx, ticketId);
  return attachmentObject(ctx.env, ctx.tenant, tk.id, id);
}

// ---- Grants ----------------------------------------------------------------------------------

export function grantView(g: SupportGrant, now = Date.now()) {
  return {
    id: g.id,
    ticketId: g.ticketId,
    scope: g.scope,
    callIds: g.callIds,
    includeRecordings: g.includeRecordings,
    grantedBy: g.grantedBy,
    expiresAt: new Date(g.expiresAt).toISOString(),
    revokedAt: g.revokedAt ? new Date(g.revokedAt).toISOString() : null,
    active: !g.revokedAt && g.expiresAt > now,
    createdAt: new Date(g.createdAt).toISOString(),
  };
}
export type GrantView = ReturnType<typeof grantView>;

export async function grantSupportAccess(ctx: Ctx, ticketId: string, raw: z.input<typeof grantSchema>) {
  if (!canSeeAll(ctx)) throw new ApiError("forbidden", "Only owners and admins grant support access");
  const input = grantSchema.parse(raw);
  const tk = await findTicket(ctx, ticketId);
  if (tk.status === "closed") throw new ApiError("conflict", "This ticket is closed");
  const callIds = input.scope === "listed_calls" ? [...new Set(input.callIds)] : [];
  // Listed calls must be the tenant's own (another tenant's id: 404).
  for (const id of callIds) await findCall(ctx, id);
  const now = Date.now();
  const g: SupportGrant = {
    id: newId("grt"),
    tenantId: ctx.tenant.id,
    ticketId: tk.id,
    scope: input.scope,
    callIds,
    includeRecordings: input.includeRecordings,
    grantedBy: ctx.actor.type === "system" ? "system" : ctx.actor.id,
    expiresAt: now + input.hours * 3_600_000,
    revokedAt: null,
    revokedBy: null,
    createdAt: now,
  };
  await controlDb(ctx.env).insert(supportGrants).values(g);
  await auditCtx(ctx, "support.access_granted", "support_grant", g.id, {
    ticketId: tk.id,
    hours: input.hours,
    scope: input.scope,
    calls: callIds.length,
    recordings: input.includeRecordings,
  });
  return grantView(g, now);
}

export async function revokeSupportAccess(ctx: Ctx, ticketId: string, grantId: string) {
  if (!canSeeAll(ctx)) throw new ApiError("forbidden", "Only owners and admins revoke support access");
  const tk = await findTicket(ctx, ticketId);
  const db = controlDb(ctx.env);
  const g = await db.query.supportGrants.findFirst({
    where: and(eq(supportGrants.id, grantId), eq(supportGrants.ticketId, tk.id)),
  });
  if (!g) throw notFound("Grant");
  const now = Date.now();
  if (!g.revokedAt) {
    await db
      .update(supportGrants)
      .set({ revokedAt: now, revokedBy: ctx.actor.type === "system" ? "system" : ctx.actor.id })
      .where(eq(supportGrants.id, g.id));
    await auditCtx(ctx, "support.access_revoked", "support_grant", g.id, { ticketId: tk.id });
  }
  return grantView({ ...g, revokedAt: g.revokedAt ?? now }, now);
}

// ---- Operator side ---------------------------------------------------------------------------

/** The operator queue: open tickets waiting for support first, then the rest; no call content. */
export async function operatorQueue(env: Env, q: { status?: string } = {}) {
  const status = (TICKET_STATUSES as readonly string[]).includes(q.status ?? "")
    ? (q.status as SupportTicket["status"])
    : null;
  const rows = await controlDb(env)
    .select({ ticket: supportTickets, tenantName: tenants.name, location: tenants.location })
    .from(supportTickets)
    .innerJoin(tenants, eq(tenants.id, supportTickets.tenantId))
    .where(
      status
        ? eq(supportTickets.status, status)
        : inArray(supportTickets.status, ["open", "waiting_on_customer"]),
    )
    .orderBy(asc(supportTickets.lastMessageAt))
    .limit(200);
  const rank = (t: SupportTicket) => (t.lastAuthorType === "operator" ? 1 : 0);
  return rows
    .map((r) => ({ ...ticketView(r.ticket), tenantId: r.ticket.tenantId, tenantName: r.tenantName }))
    .sort(
      (a, b) =>
        rank(rows.find((r) => r.ticket.id === a.id)!.ticket) -
        rank(rows.find((r) => r.ticket.id === b.id)!.ticket),
    );
}

async function ticketForOperator(env: Env, id: string) {
  const row = await controlDb(env)
    .select({ ticket: supportTickets, tenant: tenants })
    .from(supportTickets)
    .innerJoin(tenants, eq(tenants.id, supportTickets.tenantId))
    .where(eq(supportTickets.id, id))
    .limit(1);
  if (!row[0]) throw notFound("Ticket");
  return row[0];
}

export async function operatorTicket(env: Env, id: string) {
  const { ticket, tenant } = await ticketForOperator(env, id);
  return {
    tenant: { id: tenant.id, name: tenant.name, location: tenant.location },
    ...(await ticketThread(env, tenant, ticket)),
  };
}

/** An operator's answer: the ticket waits on the customer; the opener is told by e-mail. */
export async function operatorReply(
  env: Env,
  op: OperatorRef,
  ticketId: string,
  raw: { body: string; status?: string },
) {
  const { body } = messageSchema.parse(raw);
  const { ticket, tenant } = await ticketForOperator(env, ticketId);
  const status =
    raw.status && (TICKET_STATUSES as readonly string[]).includes(raw.status)
      ? (raw.status as SupportTicket["status"])
      : "waiting_on_customer";
  const now = Date.now();
  const db = controlDb(env);
  await db.batch([
    db.insert(supportMessages).values({
      id: newId("msg"),
      tenantId: tenant.id,
      ticketId,
      authorType: "operator",
      authorId: op.id,
      authorName: op.name || "CallCenterRate support",
      body,
      createdAt: now,
    }),
    db
      .update(supportTickets)
      .set({
        lastMessageAt: now,
        lastAuthorType: "operator",
        status,
        assignedOperatorId: op.id,
        updatedAt: now,
      })
      .where(eq(supportTickets.id, ticketId)),
  ]);
  await auditOps(env, op, "operator.support_replied", ticketId);
  await appendAudit(env, {
    tenantId: tenant.id,
    actor: { type: "operator", id: op.id, sessionId: op.sessionId, email: op.email },
    action: "support.operator_replied",
    targetType: "support_ticket",
    targetId: ticketId,
    ip: op.ip,
    userAgent: op.userAgent,
  });
  if (ticket.createdByType === "user") {
    const u = await db.query.users.findFirst({ where: eq(users.id, ticket.createdBy) });
    if (u) {
      const locale = u.locale ?? tenant.defaultLocale;
      await sendMail(env, {
        to: u.email,
        tenantId: tenant.id,
        kind: "support.reply",
        locale,
        subject: t(locale, "support.mail.reply_subject", { subject: ticket.subject }),
        text: t(locale, "support.mail.reply_body", {
          subject: ticket.subject,
          url: new URL(`/support/${ticketId}`, env.APP_URL).toString(),
        }),
      });
    }
  }
}

export async function operatorSetStatus(env: Env, op: OperatorRef, ticketId: string, status: string) {
  if (!(TICKET_STATUSES as readonly string[]).includes(status))
    throw new ApiError("validation_failed", "unknown status");
  await ticketForOperator(env, ticketId);
  await controlDb(env)
    .update(supportTickets)
    .set({ status: status as SupportTicket["status"], updatedAt: Date.now() })
    .where(eq(supportTickets.id, ticketId));
  await auditOps(env, op, "operator.support_status", ticketId, { status });
}

export async function operatorAttachment(env: Env, op: OperatorRef, ticketId: string, id: string) {
  const { tenant } = await ticketForOperator(env, ticketId);
  const out = await attachmentObject(env, tenant, ticketId, id);
  await auditOps(env, op, "operator.support_attachment_read", ticketId, { attachmentId: id });
  return out;
}

function auditOps(
  env: Env,
  op: OperatorRef,
  action: string,
  ticketId: string,
  meta?: Record<string, string>,
) {
  return appendAudit(env, {
    tenantId: null,
    actor: { type: "operator", id: op.id, sessionId: op.sessionId, email: op.email },
    action,
    targetType: "support_ticket",
    targetId: ticketId,
    ip: op.ip,
    userAgent: op.userAgent,
    meta,
  });
}

/** The grant active now for a ticket, if any. */
export async function activeGrant(
  env: Env,
  ticketId: string,
  now = Date.now(),
): Promise<SupportGrant | null> {
  const [g] = await controlDb(env)
    .select()
    .from(supportGrants)
    .where(
      and(
        eq(supportGrants.ticketId, ticketId),
        isNull(supportGrants.revokedAt),
        gt(supportGrants.expiresAt, now),
      ),
    )
    .orderBy(desc(supportGrants.expiresAt))
    .limit(1);
  return g ?? null;
}

type ReadKind = "call_list" | "call" | "transcript" | "recording";

/**
 * The only way from an operator to call content: a read-only tenant context that exists while a
 * grant is active for the ticket. Without one (none given, expired, revoked): 404, as for any
 * call the reader may not see. The read is logged before the content is returned.
 */
async function supportReadCtx(
  env: Env,
  op: OperatorRef,
  ticketId: string,
  what: ReadKind,
  callId: string | null,
): Promise<{ ctx: Ctx; grant: SupportGrant }> {
  const { tenant } = await ticketForOperator(env, ticketId);
  const grant = await activeGrant(env, ticketId);
  if (!grant || grant.tenantId !== tenant.id) throw notFound(callId ? "Call" : "Support access");
  if (callId && grant.scope === "listed_calls" && !grant.callIds.includes(callId)) throw notFound("Call");
  if (what === "recording" && !grant.includeRecordings) throw notFound("Recording");
  const ctx: Ctx = {
    env,
    tenant,
    actor: { type: "operator", id: op.id, sessionId: op.sessionId, email: op.email },
    requestId: "support",
    ip: op.ip,
    userAgent: op.userAgent,
  };
  if (callId) await findCall(ctx, callId); // 404 before anything is logged as read
  await controlDb(env)
    .insert(supportAccessLog)
    .values({
      id: newId("sal"),
      tenantId: tenant.id,
      grantId: grant.id,
      ticketId,
      operatorId: op.id,
      operatorName: op.name || op.email,
      callId,
      what,
      at: Date.now(),
    });
  await appendAudit(env, {
    tenantId: tenant.id,
    actor: ctx.actor,
    action: `support.read_${what}`,
    targetType: callId ? "call" : "support_grant",
    targetId: callId ?? grant.id,
    ip: op.ip,
    userAgent: op.userAgent,
    meta: { grantId: grant.id, ticketId },
  });
  return { ctx, grant };
}

export async function supportListCalls(env: Env, op: OperatorRef, ticketId: string, cursor?: string) {
  const { ctx, grant } = await supportReadCtx(env, op, ticketId, "call_list", null);
  if (grant.scope === "listed_calls") {
    const out = [];
    for (const id of grant.callIds) {
      try {
        out.push(callView(await findCall(ctx, id)));
      } catch {
        // deleted since the grant
      }
    }
    return { grant: grantView(grant), data: out, nextCursor: null };
  }
  const list = await listCalls(ctx, { limit: 50, cursor });
  return { grant: grantView(grant), ...list };
}

export async function supportReadCall(env: Env, op: OperatorRef, ticketId: string, callId: string) {
  const { ctx, grant } = await supportReadCtx(env, op, ticketId, "call", callId);
  const call = await findCall(ctx, callId);
  const analysis = await getAnalysis(ctx, callId).catch(() => null);
  return { grant: grantView(grant), call: callView(call), analysis };
}

export async function supportReadTranscript(env: Env, op: OperatorRef, ticketId: string, callId: string) {
  const { ctx } = await supportReadCtx(env, op, ticketId, "transcript", callId);
  const tx = await readTranscript(ctx, await findCall(ctx, callId));
  if (!tx) throw notFound("Transcript");
  return tx;
}

export async function supportReadRecording(
  env: Env,
  op: OperatorRef,
  ticketId: string,
  callId: string,
  headers: Headers,
) {
  const { ctx } = await supportReadCtx(env, op, ticketId, "recording", callId);
  return getRecording(ctx, await findCall(ctx, callId), headers);
}

/** The schema's value lists, for apps/ (which takes nothing from db/ but types, test/architecture.test.ts). */
export { TICKET_PRIORITIES, TICKET_STATUSES } from "../../db/schema/control";
