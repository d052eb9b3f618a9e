import { decodeBase64, encodeBase64 } from "@oslojs/encoding";
import { and, asc, desc, eq, lt, or, sql } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import {
  type WebhookDelivery,
  type WebhookEndpoint,
  webhookDeliveries,
  webhookEndpoints,
} from "../../db/schema/control";
import { appendAudit, auditCtx, SYSTEM_ACTOR } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { decryptString, encryptString, newId, randomBytes, timingSafeEqual } from "../platform/crypto";
import { ApiError, notFound } from "../platform/errors";
import { enqueueJob } from "../platform/jobs";
import { checkOutboundUrl, OutboundError, outboundFetch } from "../platform/outbound";
import { decodeCursor, encodeCursor, page } from "../platform/pagination";

/**
 * Outgoing webhooks (E4), signed per Standard Webhooks (https://www.standardwebhooks.com):
 * `webhook-id` (one per event, the same on every attempt: receivers dedupe on it),
 * `webhook-timestamp` (seconds, per attempt) and `webhook-signature: v1,<base64 HMAC-SHA256>` over
 * `${id}.${timestamp}.${body}`, keyed with the bytes of the `whsec_<base64>` secret.
 *
 * Flow: a domain event calls `emitEvent` → one `webhook_deliveries` row per subscribed endpoint +
 * one `webhook.deliver` job each → `deliverWebhook` (jobs consumer) POSTs, records the outcome and
 * throws on failure so the queue retries with its backoff, until MAX_ATTEMPTS.
 */

// ---- Event types and payloads ------------------------------------------------------------

export const WEBHOOK_EVENTS = [
  "call.analyzed",
  "call.failed",
  "review.disputed",
  "privacy_request.created",
  "privacy_request.updated",
  "privacy_request.completed",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];
/** Sent only by `POST /webhooks/{id}/test`; not subscribable. */
export const TEST_EVENT = "webhook.test";

/** Ids (ours, or the tenant's own external ids) and short codes — never free text. */
const ref = z.string().min(1).max(200);
const code = z
  .string()
  .max(100)
  .regex(/^[A-Za-z0-9_.:-]+$/);
const figure = z.number().finite();

/**
 * Payload data per event type. Webhooks leave the platform, so they carry ids and figures only:
 * no transcript text, no phone numbers, no names. The schemas are the allow-list — unknown keys
 * are stripped, so a caller passing a whole row cannot leak its other columns.
 */
const privacyRequestData = z.object({
  requestId: ref,
  kind: code.optional(),
  status: code.optional(),
  subjectType: code.optional(),
  dueAt: figure.optional(),
});
export const EVENT_DATA = {
  "call.analyzed": z.object({
    callId: ref,
    externalId: ref.nullable().optional(),
    agentId: ref.nullable().optional(),
    analysisId: ref.optional(),
    rubricId: ref.optional(),
    rubricVersion: figure.optional(),
    rubric: z.object({ id: ref, version: figure }).optional(),
    score: figure.nullable().optional(),
    /** Beside the score: the share of the grid it was judged on (%) and the uncertain findings. */
    evaluatedWeightPct: figure.optional(),
    uncertainCount: figure.optional(),
    maxScore: figure.optional(),
    passed: z.boolean().nullable().optional(),
    criticalFail: z.boolean().optional(),
    needsReview: z.boolean().optional(),
    durationS: figure.optional(),
    language: code.optional(),
    criteria: z
      .array(z.object({ criterionId: ref, score: figure.nullable(), maxScore: figure.optional() }))
      .max(200)
      .optional(),
    flags: z.array(code).max(50).optional(),
  }),
  "call.failed": z.object({
    callId: ref,
    externalId: ref.nullable().optional(),
    stage: code.optional(),
    errorCode: code.optional(),
    /** The platform's own failure message (as on the call), never provider or call content. */
    reason: z.string().max(500).optional(),
  }),
  "review.disputed": z.object({
    callId: ref,
    reviewId: ref,
    analysisId: ref.optional(),
    agentId: ref.nullable().optional(),
    criterionId: ref.optional(),
  }),
  "privacy_request.created": privacyRequestData,
  "privacy_request.updated": privacyRequestData,
  "privacy_request.completed": privacyRequestData,
} satisfies Record<WebhookEventType, z.ZodType>;
export type WebhookEventData<T extends WebhookEventType> = z.input<(typeof EVENT_DATA)[T]>;

/** Standard Webhooks recommends small payloads; ours are ids and figures. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Endpoints per tenant: each one multiplies every event into a delivery. */
export const MAX_ENDPOINTS = 20;
/** First try + the 5 retries of the jobs queue (max_retries = 5 in wrangler.toml). */
export const MAX_ATTEMPTS = 6;
export const DELIVERY_TIMEOUT_MS = 10_000;
export const USER_AGENT = "CallCenterRate-Webhooks/1";
/** A pending delivery untouched this long is stuck (e.g. its message dead-lettered) and may be re-queued. */
const STUCK_AFTER_MS = 3_600_000;
const MAX_ERROR_CHARS = 500;

// ---- SSRF: which URLs we agree to call ----------------------------------------------------

/*
 * The outbound-fetch guard (core/platform/outbound.ts) decides, for webhooks as for every URL a
 * tenant can influence. On top of it, for webhooks:
 * - redirects are not followed (a POST gets `maxRedirects: 0`: a 3xx is a failed attempt), so a
 *   public URL cannot bounce us elsewhere;
 * - the URL is checked again at every delivery (a rule added later applies to old endpoints);
 * - the response body is never returned to the tenant beyond a 500-character excerpt in the
 *   delivery log, and the 10 s timeout bounds what a slow target can hold.
 */

/** Whether `raw` is an acceptable webhook target (the guard's rule). */
export const checkWebhookUrl = checkOutboundUrl;

function assertWebhookUrl(env: Env, raw: string): string {
  const r = checkWebhookUrl(raw, env.ENVIRONMENT);
  if (!r.ok)
    throw new ApiError("validation_failed", `Webhook URL refused: ${r.reason}`, {
      errors: [{ pointer: "/url", detail: r.reason }],
    });
  return r.url;
}

// ---- Signing -----------------------------------------------------------------------------

const enc = new TextEncoder();
export const SECRET_PREFIX = "whsec_";

export function newWebhookSecret(): string {
  return SECRET_PREFIX + encodeBase64(randomBytes(32));
}

function secretBytes(secret: string): Uint8Array {
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return decodeBase64(b64);
}

/** `v1,<base64 HMAC-SHA256(secret bytes, "${id}.${timestamp}.${body}")>`. */
export async function signWebhook(
  secret: string,
  msgId: string,
  timestampS: number,
  body: string,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    secretBytes(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, enc.encode(`${msgId}.${timestampS}.${body}`));
  return `v1,${encodeBase64(new Uint8Array(mac))}`;
}

/**
 * What a receiver does (and our docs show): the timestamp within `toleranceS` of now, then any of
 * the space-separated `v1,` signatures equal — compared in constant time — to our own.
 */
export async function verifySignature(
  secret: string,
  headers: Headers | Record<string, string | null | undefined>,
  body: string,
  toleranceS = 300,
  nowMs = Date.now(),
): Promise<boolean> {
  const get = (name: string) => {
    if (headers instanceof Headers) return headers.get(name);
    const k = Object.keys(headers).find((h) => h.toLowerCase() === name);
    return k ? (headers[k] ?? null) : null;
  };
  const id = get("webhook-id");
  const ts = get("webhook-timestamp");
  const sigs = get("webhook-signature");
  if (!id || !ts || !sigs || !/^\d{1,12}$/.test(ts)) return false;
  if (Math.abs(Math.floor(nowMs / 1000) - Number(ts)) > toleranceS) return false;
  let expected: string;
  try {
    expected = await signWebhook(secret, id, Number(ts), body);
  } catch {
    return false;
  }
  let ok = false;
  for (const s of sigs.split(" ")) if (s.startsWith("v1,") && timingSafeEqual(s, expected)) ok = true;
  return ok;
}

// ---- Endpoints ---------------------------------------------------------------------------

const aadOf = (tenantId: string) => `webhook:${tenantId}`;

const eventsSchema = z
  .array(z.enum(WEBHOOK_EVENTS))
  .min(1)
  .max(WEBHOOK_EVENTS.length * 2)
  .transform((e) => [...new Set(e)]);
const descriptionSchema = z.string().trim().max(500).nullable().optional();

export const createEndpointSchema = z.object({
  url: z.string().max(2048),
  events: eventsSchema,
  description: descriptionSchema,
});
export const updateEndpointSchema = z.object({
  url: z.string().max(2048).optional(),
  events: eventsSchema.optional(),
  active: z.boolean().optional(),
  description: descriptionSchema,
});

export interface WebhookEndpointView {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  active: boolean;
  createdAt: number;
  updatedAt: number;
}

const endpointView = (e: WebhookEndpoint): WebhookEndpointView => ({
  id: e.id,
  url: e.url,
  events: e.events,
  description: e.description,
  active: e.active,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
});

/** The URL's host only: URLs may carry a receiver's token in their path or query. */
const hostOf = (url: string) => new URL(url).host;

async function findEndpoint(ctx: Ctx, id: string): Promise<WebhookEndpoint> {
  const e = await controlDb(ctx.env).query.webhookEndpoints.findFirst({
    where: and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.tenantId, ctx.tenant.id)),
  });
  if (!e) throw notFound("Webhook endpoint");
  return e;
}

export async function listEndpoints(ctx: Ctx): Promise<WebhookEndpointView[]> {
  const rows = await controlDb(ctx.env)
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.tenantId, ctx.tenant.id))
    .orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id))
    .limit(MAX_ENDPOINTS + 5);
  return rows.map(endpointView);
}

export async function getEndpoint(ctx: Ctx, id: string): Promise<WebhookEndpointView> {
  return endpointView(await findEndpoint(ctx, id));
}

/** Creates an endpoint; the `secret` is in this answer only (stored AES-GCM encrypted). */
export async function createEndpoint(
  ctx: Ctx,
  raw: z.input<typeof createEndpointSchema>,
): Promise<WebhookEndpointView & { secret: string }> {
  const input = createEndpointSchema.parse(raw);
  const url = assertWebhookUrl(ctx.env, input.url);
  const db = controlDb(ctx.env);
  // A soft cap: two concurrent creations may both pass the count, which is harmless.
  const [{ n }] = await db
    .select({ n: sql<number>`count(*)` })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.tenantId, ctx.tenant.id));
  if (n >= MAX_ENDPOINTS)
    throw new ApiError("conflict", `A tenant can have at most ${MAX_ENDPOINTS} webhook endpoints`);
  const secret = newWebhookSecret();
  const now = Date.now();
  const row: WebhookEndpoint = {
    id: newId("whk"),
    tenantId: ctx.tenant.id,
    url,
    secretEnc: await encryptString(ctx.env.ENCRYPTION_KEY, secret, aadOf(ctx.tenant.id)),
    events: input.events,
    description: input.description || null,
    active: true,
    createdAt: now,
    updatedAt: now,
  };
  await db.insert(webhookEndpoints).values(row);
  await auditCtx(ctx, "webhook.created", "webhook_endpoint", row.id, {
    host: hostOf(url),
    events: row.events.join(" "),
  });
  return { ...endpointView(row), secret };
}

export async function updateEndpoint(
  ctx: Ctx,
  id: string,
  raw: z.input<typeof updateEndpointSchema>,
): Promise<WebhookEndpointView> {
  const input = updateEndpointSchema.parse(raw);
  await findEndpoint(ctx, id);
  const set: Partial<WebhookEndpoint> = { updatedAt: Date.now() };
  if (input.url !== undefined) set.url = assertWebhookUrl(ctx.env, input.url);
  if (input.events !== undefined) set.events = input.events;
  if (input.active !== undefined) set.active = input.active;
  if (input.description !== undefined) set.description = input.description || null;
  const [row] = await controlDb(ctx.env)
    .update(webhookEndpoints)
    .set(set)
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.tenantId, ctx.tenant.id)))
    .returning();
  if (!row) throw notFound("Webhook endpoint");
  const fields = Object.keys(input).filter((k) => input[k as keyof typeof input] !== undefined);
  await auditCtx(ctx, "webhook.updated", "webhook_endpoint", id, {
    fields: fields.join(" "),
    host: hostOf(row.url),
    active: row.active,
  });
  return endpointView(row);
}

/** Deletes the endpoint and its delivery log; queued deliveries find it gone and stop. */
export async function deleteEndpoint(ctx: Ctx, id: string): Promise<void> {
  const db = controlDb(ctx.env);
  const where = and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.tenantId, ctx.tenant.id));
  const [rows] = await db.batch([
    db.delete(webhookEndpoints).where(where).returning({ id: webhookEndpoints.id }),
    db
      .delete(webhookDeliveries)
      .where(and(eq(webhookDeliveries.endpointId, id), eq(webhookDeliveries.tenantId, ctx.tenant.id))),
  ]);
  if (!rows.length) throw notFound("Webhook endpoint");
  await auditCtx(ctx, "webhook.deleted", "webhook_endpoint", id);
}

/**
 * A new secret, effective at once (attempts in flight after this are signed with it). The old
 * one is not kept: Standard Webhooks allows signing with both during a rotation window, which
 * would need a second column.
 */
export async function rotateSecret(ctx: Ctx, id: string): Promise<WebhookEndpointView & { secret: string }> {
  await findEndpoint(ctx, id);
  const secret = newWebhookSecret();
  const [row] = await controlDb(ctx.env)
    .update(webhookEndpoints)
    .set({
      secretEnc: await encryptString(ctx.env.ENCRYPTION_KEY, secret, aadOf(ctx.tenant.id)),
      updatedAt: Date.now(),
    })
    .where(and(eq(webhookEndpoints.id, id), eq(webhookEndpoints.tenantId, ctx.tenant.id)))
    .returning();
  if (!row) throw notFound("Webhook endpoint");
  await auditCtx(ctx, "webhook.secret_rotated", "webhook_endpoint", id);
  return { ...endpointView(row), secret };
}

// ---- Emitting ----------------------------------------------------------------------------

function payloadOf(type: string, data: unknown, at = Date.now()): string {
  const body = JSON.stringify({ type, timestamp: new Date(at).toISOString(), data });
  if (enc.encode(body).byteLength > MAX_PAYLOAD_BYTES)
    throw new Error(`webhook payload of ${type} exceeds ${MAX_PAYLOAD_BYTES} bytes`);
  return body;
}

async function insertAndEnqueue(env: Env, rows: WebhookDelivery[]): Promise<WebhookDelivery[]> {
  if (!rows.length) return [];
  const db = controlDb(env);
  // One statement per row (13 columns × 20 endpoints would pass D1's 100 bound parameters),
  // in one atomic batch. A row already there (same event id and endpoint) is not enqueued again.
  const [first, ...rest] = rows.map((r) =>
    db.insert(webhookDeliveries).values(r).onConflictDoNothing().returning(),
  );
  const inserted = (await db.batch([first, ...rest])).flat();
  for (const d of inserted) await enqueueJob(env, { type: "webhook.deliver", deliveryId: d.id });
  return inserted;
}

function deliveryRow(
  tenantId: string,
  endpointId: string,
  eventId: string,
  type: string,
  payload: string,
  now: number,
): WebhookDelivery {
  return {
    id: newId("whd"),
    tenantId,
    endpointId,
    eventId,
    eventType: type,
    payload,
    status: "pending",
    attempts: 0,
    lastStatusCode: null,
    lastError: null,
    createdAt: now,
    updatedAt: now,
    deliveredAt: null,
  };
}

const EVENT_ID_RE = /^msg_[A-Za-z0-9_-]{1,100}$/;

/**
 * Fans an event out to the tenant's active endpoints subscribed to `type`: one delivery row each
 * (sharing one `webhook-id`) and one job each. `data` is filtered through the event's schema (ids
 * and figures only). Pass a deterministic `eventId` (`msg_<callId>_analyzed`) to make emitting
 * idempotent: a retried producer then finds the rows there and enqueues nothing new.
 */
export async function emitEvent<T extends WebhookEventType>(
  env: Env,
  tenantId: string,
  type: T,
  data: WebhookEventData<T>,
  opts: { eventId?: string } = {},
): Promise<{ eventId: string; deliveryIds: string[] }> {
  const schema = EVENT_DATA[type] as z.ZodType | undefined;
  if (!schema) throw new ApiError("validation_failed", `unknown webhook event type ${type}`);
  const eventId = opts.eventId ?? newId("msg");
  if (!EVENT_ID_RE.test(eventId)) throw new Error(`bad webhook event id ${eventId}`);
  const endpoints = await controlDb(env)
    .select({ id: webhookEndpoints.id, events: webhookEndpoints.events })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.active, true)));
  const targets = endpoints.filter((e) => e.events.includes(type));
  if (!targets.length) return { eventId, deliveryIds: [] };
  const now = Date.now();
  const payload = payloadOf(type, schema.parse(data), now);
  const inserted = await insertAndEnqueue(
    env,
    targets.map((e) => deliveryRow(tenantId, e.id, eventId, type, payload, now)),
  );
  return { eventId, deliveryIds: inserted.map((d) => d.id) };
}

/** `POST /webhooks/{id}/test`: a `webhook.test` event to this endpoint only, whatever it subscribes to. */
export async function sendTestEvent(ctx: Ctx, endpointId: string): Promise<WebhookDeliveryView> {
  const e = await findEndpoint(ctx, endpointId);
  if (!e.active) throw new ApiError("conflict", "The webhook endpoint is disabled");
  const now = Date.now();
  const payload = payloadOf(TEST_EVENT, { webhookId: e.id }, now);
  const [d] = await insertAndEnqueue(ctx.env, [
    deliveryRow(ctx.tenant.id, e.id, newId("msg"), TEST_EVENT, payload, now),
  ]);
  await auditCtx(ctx, "webhook.tested", "webhook_endpoint", e.id, { deliveryId: d.id });
  return deliveryView(d);
}

// ---- Delivering --------------------------------------------------------------------------

/** Thrown by `deliverWebhook` when an attempt failed and the queue should retry. */
export class WebhookRetryError extends Error {}

export type DeliveryOutcome = "succeeded" | "failed" | "skipped";

async function excerpt(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let text = "";
  try {
    while (text.length < MAX_ERROR_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
    }
    text = text.slice(0, MAX_ERROR_CHARS);
  } catch {
    // a broken body is not worth more than what we have
  } finally {
    reader.cancel().catch(() => {});
  }
  return text;
}

/**
 * The `webhook.deliver` job. Idempotent: a succeeded or failed delivery is not sent again, and an
 * attempt is claimed by a conditional `attempts = n → n + 1`, so two copies of the message read
 * at once send once. (A copy arriving while the first is mid-request sees the bumped count and
 * may send again: receivers dedupe on `webhook-id`, as the standard asks.)
 * Returns normally when done (success, final failure, nothing to do); throws WebhookRetryError so
 * the queue retries with backoff.
 */
export async function deliverWebhook(env: Env, deliveryId: string): Promise<DeliveryOutcome> {
  const db = controlDb(env);
  const d = await db.query.webhookDeliveries.findFirst({ where: eq(webhookDeliveries.id, deliveryId) });
  if (d?.status !== "pending") return "skipped";
  const now = Date.now();
  const [claimed] = await db
    .update(webhookDeliveries)
    .set({ attempts: d.attempts + 1, updatedAt: now })
    .where(
      and(
        eq(webhookDeliveries.id, d.id),
        eq(webhookDeliveries.status, "pending"),
        eq(webhookDeliveries.attempts, d.attempts),
      ),
    )
    .returning();
  if (!claimed) return "skipped";

  const finish = async (
    status: "succeeded" | "failed" | "pending",
    lastStatusCode: number | null,
    lastError: string | null,
  ) => {
    const t = Date.now();
    await db
      .update(webhookDeliveries)
      .set({
        status,
        lastStatusCode,
        lastError: lastError?.slice(0, MAX_ERROR_CHARS) ?? null,
        updatedAt: t,
        deliveredAt: status === "succeeded" ? t : null,
      })
      .where(eq(webhookDeliveries.id, d.id));
  };

  const endpoint = await db.query.webhookEndpoints.findFirst({
    where: and(eq(webhookEndpoints.id, d.endpointId), eq(webhookEndpoints.tenantId, d.tenantId)),
  });
  if (!endpoint) {
    await finish("failed", null, "endpoint deleted");
    return "failed";
  }
  if (!endpoint.active) {
    await finish("failed", null, "endpoint disabled");
    return "failed";
  }
  const check = checkWebhookUrl(endpoint.url, env.ENVIRONMENT);
  if (!check.ok) {
    await finish("failed", null, `URL refused: ${check.reason}`);
    return "failed";
  }

  const secret = await decryptString(env.ENCRYPTION_KEY, endpoint.secretEnc, aadOf(d.tenantId));
  const ts = Math.floor(Date.now() / 1000);
  let status: number | null = null;
  let error: string;
  try {
    const res = await outboundFetch(env, check.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": d.eventId,
        "webhook-timestamp": String(ts),
        "webhook-signature": await signWebhook(secret, d.eventId, ts, d.payload),
      },
      body: d.payload,
      maxRedirects: 0,
      timeoutMs: DELIVERY_TIMEOUT_MS,
    });
    status = res.status;
    if (res.status >= 200 && res.status < 300) {
      res.body?.cancel().catch(() => {});
      await finish("succeeded", status, null);
      return "succeeded";
    }
    const text = await excerpt(res);
    error =
      res.status >= 300 && res.status < 400
        ? `HTTP ${res.status}: redirects are not followed (update the URL)`
        : `HTTP ${res.status}${text ? `: ${text}` : ""}`;
    if (res.status === 410) {
      // Standard Webhooks: 410 Gone means "stop sending" — disable the endpoint, no retry.
      await finish("failed", status, error);
      await db
        .update(webhookEndpoints)
        .set({ active: false, updatedAt: Date.now() })
        .where(eq(webhookEndpoints.id, endpoint.id));
      await appendAudit(env, {
        tenantId: d.tenantId,
        actor: SYSTEM_ACTOR,
        action: "webhook.disabled",
        targetType: "webhook_endpoint",
        targetId: endpoint.id,
        meta: { statusCode: 410 },
      });
      return "failed";
    }
  } catch (err) {
    // The guard turns every failure into an OutboundError with a reason fit for the log.
    error = err instanceof OutboundError ? err.reason : `network error: ${err}`;
  }
  if (claimed.attempts >= MAX_ATTEMPTS) {
    await finish("failed", status, error);
    return "failed";
  }
  await finish("pending", status, error);
  // The log line names the status only: the receiver's answer stays in the delivery log.
  throw new WebhookRetryError(
    `webhook delivery ${d.id} attempt ${claimed.attempts} failed (${status ?? error.split(":")[0]})`,
  );
}

// ---- Delivery log ------------------------------------------------------------------------

export interface WebhookDeliveryView {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  payload: unknown;
  createdAt: number;
  updatedAt: number;
  deliveredAt: number | null;
}

function deliveryView(d: WebhookDelivery): WebhookDeliveryView {
  return {
    id: d.id,
    endpointId: d.endpointId,
    eventId: d.eventId,
    eventType: d.eventType,
    status: d.status,
    attempts: d.attempts,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    payload: JSON.parse(d.payload),
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
    deliveredAt: d.deliveredAt,
  };
}

/** Newest first, keyset-paginated on (createdAt, id). */
export async function listDeliveries(
  ctx: Ctx,
  q: { endpointId?: string; limit: number; cursor?: string },
): Promise<{ data: WebhookDeliveryView[]; nextCursor: string | null }> {
  if (q.endpointId) await findEndpoint(ctx, q.endpointId);
  const conds = [eq(webhookDeliveries.tenantId, ctx.tenant.id)];
  if (q.endpointId) conds.push(eq(webhookDeliveries.endpointId, q.endpointId));
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    if (typeof c.sortValue !== "number")
      throw new ApiError("validation_failed", "invalid cursor", {
        errors: [{ pointer: "/cursor", detail: "not a cursor from this list" }],
      });
    conds.push(
      or(
        lt(webhookDeliveries.createdAt, c.sortValue),
        and(eq(webhookDeliveries.createdAt, c.sortValue), lt(webhookDeliveries.id, c.id)),
      )!,
    );
  }
  const rows = await controlDb(ctx.env)
    .select()
    .from(webhookDeliveries)
    .where(and(...conds))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(q.limit + 1);
  const p = page(rows, q.limit, (r) => encodeCursor(r.createdAt, r.id));
  return { data: p.data.map(deliveryView), nextCursor: p.nextCursor };
}

/**
 * Queues a failed delivery again — same `webhook-id`, same body, a fresh round of attempts. A
 * pending delivery untouched for an hour (its message was lost or dead-lettered) counts as stuck
 * and may be re-queued too; a recent pending or a succeeded one answers 409.
 */
export async function redeliver(ctx: Ctx, deliveryId: string): Promise<WebhookDeliveryView> {
  const db = controlDb(ctx.env);
  const mine = and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.tenantId, ctx.tenant.id));
  const d = await db.query.webhookDeliveries.findFirst({ where: mine });
  if (!d) throw notFound("Webhook delivery");
  const now = Date.now();
  const stuck = d.status === "pending" && d.updatedAt < now - STUCK_AFTER_MS;
  if (d.status === "succeeded") throw new ApiError("conflict", "This delivery has already succeeded");
  if (d.status === "pending" && !stuck) throw new ApiError("conflict", "This delivery is already queued");
  const endpoint = await findEndpoint(ctx, d.endpointId);
  if (!endpoint.active) throw new ApiError("conflict", "The webhook endpoint is disabled");
  const [row] = await db
    .update(webhookDeliveries)
    .set({ status: "pending", attempts: 0, updatedAt: now, deliveredAt: null })
    .where(and(mine, eq(webhookDeliveries.status, d.status), eq(webhookDeliveries.updatedAt, d.updatedAt)))
    .returning();
  if (!row) throw new ApiError("conflict", "This delivery changed meanwhile; try again");
  await enqueueJob(ctx.env, { type: "webhook.deliver", deliveryId: row.id });
  await auditCtx(ctx, "webhook.redelivered", "webhook_delivery", row.id, { endpointId: row.endpointId });
  return deliveryView(row);
}
