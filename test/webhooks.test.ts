import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import appWorker from "../apps/index";
import {
  checkWebhookUrl,
  createEndpoint,
  emitEvent,
  MAX_ATTEMPTS,
  signWebhook,
  USER_AGENT,
  verifySignature,
  WEBHOOK_EVENTS,
} from "../core/integrations/webhooks";
import { decryptString, encryptString, newId } from "../core/platform/crypto";
import type { JobMessage } from "../core/platform/jobs";
import { controlDb } from "../db/client";
import { auditLog, webhookDeliveries, webhookEndpoints } from "../db/schema/control";
import { call, E, makeTenant, type TestTenant } from "./helpers";

type Handler = { queue(b: MessageBatch, e: Env, c: ExecutionContext): Promise<void> };
const worker = async () => appWorker as unknown as Handler;

const HOOK = "https://hooks.example.com/ccr?token=abc";

let sent: JobMessage[];
let send: MockInstance;
beforeEach(() => {
  sent = [];
  // Nothing reaches a real queue (or, through its consumer, the network): messages are captured
  // and fed to the Worker's queue handler by hand.
  send = vi.spyOn(E.JOBS_QUEUE, "send").mockImplementation(async (m: unknown) => {
    sent.push(m as JobMessage);
    return undefined as never;
  });
});
afterEach(() => vi.restoreAllMocks());

async function create(t: TestTenant, body: Record<string, unknown> = {}) {
  const res = await call("/api/v1/webhooks", {
    method: "POST",
    key: t.key,
    json: { url: HOOK, events: ["call.analyzed"], ...body },
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { id: string; secret: string; url: string; events: string[] };
}

const deliveryRow = async (id: string) =>
  (await controlDb(E).query.webhookDeliveries.findFirst({ where: eq(webhookDeliveries.id, id) }))!;

/** Runs the Worker's real queue handler on `ccr-jobs` with these messages. */
async function consume(bodies: JobMessage[], attempts = 1) {
  const batch = createMessageBatch(
    "ccr-jobs",
    bodies.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts, body })),
  );
  const ctx = createExecutionContext();
  await (await worker()).queue(batch, E, ctx);
  return getQueueResult(batch, ctx);
}

function mockFetch(respond: () => Response) {
  return vi.spyOn(globalThis, "fetch").mockImplementation(async () => respond());
}

describe("webhook endpoints (API)", () => {
  it("create shows the secret once; list/get/patch/delete never show it; stored encrypted", async () => {
    const t = await makeTenant();
    const ep = await create(t, { description: "CRM" });
    expect(ep.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(ep).toMatchObject({ url: HOOK, events: ["call.analyzed"], active: true, description: "CRM" });

    const list = await (await call("/api/v1/webhooks", { key: t.key })).json<{ data: object[] }>();
    expect(list.data).toHaveLength(1);
    expect(JSON.stringify(list)).not.toContain("whsec_");
    const got = await call(`/api/v1/webhooks/${ep.id}`, { key: t.key });
    expect(got.status).toBe(200);
    expect(await got.text()).not.toContain("whsec_");

    const row = (await controlDb(E).query.webhookEndpoints.findFirst({
      where: eq(webhookEndpoints.id, ep.id),
    }))!;
    expect(row.secretEnc).not.toContain(ep.secret.slice(6, 20));
    expect(await decryptString(E.ENCRYPTION_KEY, row.secretEnc, `webhook:${t.tenant.id}`)).toBe(ep.secret);
    await expect(decryptString(E.ENCRYPTION_KEY, row.secretEnc, "webhook:ten_other")).rejects.toThrow();

    const patched = await call(`/api/v1/webhooks/${ep.id}`, {
      method: "PATCH",
      key: t.key,
      json: { events: ["call.failed", "call.failed", "review.disputed"], active: false, description: null },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({
      events: ["call.failed", "review.disputed"],
      active: false,
      description: null,
    });

    const rotated = await call(`/api/v1/webhooks/${ep.id}/rotate-secret`, { method: "POST", key: t.key });
    expect(rotated.status).toBe(200);
    const { secret: newSecret } = await rotated.json<{ secret: string }>();
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(ep.secret);

    // The audit trail names what happened, never the secret nor the URL's token.
    const audit = await controlDb(E).select().from(auditLog).where(eq(auditLog.tenantId, t.tenant.id));
    const actions = audit.map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining(["webhook.created", "webhook.updated", "webhook.secret_rotated"]),
    );
    const dump = JSON.stringify(audit);
    expect(dump).not.toContain("whsec_");
    expect(dump).not.toContain("token=abc");

    const del = await call(`/api/v1/webhooks/${ep.id}`, { method: "DELETE", key: t.key });
    expect(del.status).toBe(204);
    expect((await call(`/api/v1/webhooks/${ep.id}`, { key: t.key })).status).toBe(404);
  });

  it("another tenant's endpoint or delivery answers 404 on every route", async () => {
    const a = await makeTenant();
    const b = await makeTenant();
    const ep = await create(b, { events: ["call.analyzed"] });
    const { deliveryIds } = await emitEvent(E, b.tenant.id, "call.analyzed", { callId: "cal_b" });
    const asA = (path: string, init: RequestInit & { json?: unknown } = {}) =>
      call(path, { ...init, key: a.key });
    for (const res of [
      await asA(`/api/v1/webhooks/${ep.id}`),
      await asA(`/api/v1/webhooks/${ep.id}`, { method: "PATCH", json: { active: false } }),
      await asA(`/api/v1/webhooks/${ep.id}`, { method: "DELETE" }),
      await asA(`/api/v1/webhooks/${ep.id}/rotate-secret`, { method: "POST" }),
      await asA(`/api/v1/webhooks/${ep.id}/test`, { method: "POST" }),
      await asA(`/api/v1/webhooks/${ep.id}/deliveries`),
      await asA(`/api/v1/webhooks/deliveries/${deliveryIds[0]}/redeliver`, { method: "POST" }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    const list = await (await asA("/api/v1/webhooks")).json<{ data: unknown[] }>();
    expect(list.data).toEqual([]);
    // Untouched.
    const row = await controlDb(E).query.webhookEndpoints.findFirst({
      where: eq(webhookEndpoints.id, ep.id),
    });
    expect(row?.active).toBe(true);
  });

  it("unknown event types and malformed bodies are 400 problems", async () => {
    const t = await makeTenant();
    for (const json of [
      { url: HOOK, events: ["call.deleted"] },
      { url: HOOK, events: ["webhook.test"] },
      { url: HOOK, events: [] },
      { url: HOOK },
      { events: ["call.analyzed"] },
      { url: 42, events: ["call.analyzed"] },
    ]) {
      const res = await call("/api/v1/webhooks", { method: "POST", key: t.key, json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    const bad = await call("/api/v1/webhooks", {
      method: "POST",
      key: t.key,
      body: "{nope",
      headers: { "content-type": "application/json" },
    });
    expect(bad.status).toBe(400);
    expect(WEBHOOK_EVENTS).toContain("privacy_request.completed");
  });
});

describe("SSRF safety", () => {
  const refused: Array<[string, RegExp]> = [
    ["http://127.0.0.1", /loopback/],
    ["https://localhost", /local or internal/],
    ["https://api.localhost", /local or internal/],
    ["https://localhost.", /local or internal/],
    ["https://10.0.0.1", /private/],
    ["https://172.16.5.4", /private/],
    ["https://192.168.1.1", /private/],
    ["https://100.64.0.1", /carrier-grade NAT/],
    ["https://169.254.169.254", /link-local/],
    ["https://0.0.0.0", /unspecified/],
    ["https://224.0.0.1", /multicast/],
    ["https://[::1]", /loopback/],
    ["https://[::]", /unspecified/],
    ["https://[::ffff:7f00:1]", /loopback/],
    ["https://[::ffff:127.0.0.1]", /loopback/],
    ["https://[::ffff:169.254.169.254]", /link-local/],
    ["https://[64:ff9b::a00:1]", /private/],
    ["https://[fd00::1]", /unique local/],
    ["https://[fe80::1]", /link-local/],
    ["https://[ff02::1]", /multicast/],
    ["https://[2002:a00:1::]", /private/],
    ["https://2130706433", /loopback/],
    ["https://0x7f000001", /loopback/],
    ["https://0x7f.1", /loopback/],
    ["https://0177.0.0.1", /loopback/],
    ["https://127.1", /loopback/],
    ["https://foo.internal", /local or internal/],
    ["https://metadata.google.internal/computeMetadata/v1/", /local or internal/],
    ["https://printer.local", /local or internal/],
    ["https://printer", /fully qualified/],
    ["https://corp.intranet", /local or internal/],
    ["https://10.0.0.1.nip.io", /resolves to a private/],
    ["https://user:pw@example.com", /credentials/],
    ["https://example.com:22", /port/],
    ["https://example.com:80", /port/],
    ["ftp://example.com/x", /only https/],
    ["file:///etc/passwd", /only https/],
    ["javascript:alert(1)", /only https/],
    ["not a url", /valid absolute URL/],
  ];

  it("refuses private, loopback, link-local, internal and odd URLs with a 400 that says why", async () => {
    const t = await makeTenant();
    const failures: string[] = [];
    for (const [url, why] of refused) {
      const res = await call("/api/v1/webhooks", {
        method: "POST",
        key: t.key,
        json: { url, events: ["call.analyzed"] },
      });
      const body = await res.json<{ detail: string; errors?: { pointer: string }[] }>();
      if (res.status !== 400 || !/^Webhook URL refused: /.test(body.detail) || !why.test(body.detail))
        failures.push(`${url} → ${res.status} ${body.detail}`);
      else expect(body.errors?.[0].pointer).toBe("/url");
    }
    expect(failures).toEqual([]);
    // PATCH applies the same rule.
    const ep = await create(t);
    const res = await call(`/api/v1/webhooks/${ep.id}`, {
      method: "PATCH",
      key: t.key,
      json: { url: "https://[::1]/x" },
    });
    expect(res.status).toBe(400);
    expect(
      await controlDb(E).select().from(webhookEndpoints).where(eq(webhookEndpoints.tenantId, t.tenant.id)),
    ).toHaveLength(1);
  });

  it("accepts public https URLs, normalised; http only outside production", async () => {
    const t = await makeTenant();
    const ep = await create(t, { url: "https://Hooks.Example.COM:8443/in#frag" });
    expect(ep.url).toBe("https://hooks.example.com:8443/in");
    for (const url of [
      "https://8.8.8.8/hook",
      "https://[2606:4700:4700::1111]/hook",
      "https://example.com:443/x",
      "http://example.com/dev",
    ])
      expect(checkWebhookUrl(url, "test"), url).toMatchObject({ ok: true });
    expect(checkWebhookUrl("http://example.com/x", "production")).toEqual({
      ok: false,
      reason: "only https URLs are allowed",
    });
    expect(checkWebhookUrl("https://example.com/x", "production")).toMatchObject({ ok: true });
  });
});

describe("emitting and delivering", () => {
  it("emit: one delivery row per subscribed active endpoint, one job each, one shared webhook-id", async () => {
    const t = await makeTenant();
    const a = await create(t, { events: ["call.analyzed", "call.failed"] });
    const b = await create(t, { url: "https://b.example.com/h", events: ["call.analyzed"] });
    await create(t, { url: "https://c.example.com/h", events: ["call.failed"] });
    const off = await create(t, { url: "https://d.example.com/h", events: ["call.analyzed"] });
    await call(`/api/v1/webhooks/${off.id}`, { method: "PATCH", key: t.key, json: { active: false } });
    sent = [];

    const out = await emitEvent(E, t.tenant.id, "call.analyzed", {
      callId: "cal_1",
      score: 87.5,
      passed: true,
      // Not in the event's allow-list: must never leave the platform.
      transcript: "Bonjour, je m'appelle Jeanne Dupont",
      phone: "+33612345678",
      customerName: "Jeanne Dupont",
    } as never);
    expect(out.deliveryIds).toHaveLength(2);
    expect(out.eventId).toMatch(/^msg_/);
    expect(sent).toEqual(out.deliveryIds.map((deliveryId) => ({ type: "webhook.deliver", deliveryId })));
    const rows = await Promise.all(out.deliveryIds.map(deliveryRow));
    expect(new Set(rows.map((r) => r.endpointId))).toEqual(new Set([a.id, b.id]));
    for (const r of rows) {
      expect(r).toMatchObject({
        eventId: out.eventId,
        eventType: "call.analyzed",
        status: "pending",
        attempts: 0,
      });
      const p = JSON.parse(r.payload);
      expect(p).toEqual({
        type: "call.analyzed",
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
        data: { callId: "cal_1", score: 87.5, passed: true },
      });
      expect(r.payload).not.toMatch(/Jeanne|\+336|transcript|phone/);
    }

    // No subscriber → nothing; a deterministic event id makes emitting idempotent.
    expect(
      (await emitEvent(E, t.tenant.id, "review.disputed", { callId: "c", reviewId: "r" })).deliveryIds,
    ).toEqual([]);
    const again = await emitEvent(
      E,
      t.tenant.id,
      "call.failed",
      { callId: "cal_2" },
      { eventId: "msg_cal_2_failed" },
    );
    const twice = await emitEvent(
      E,
      t.tenant.id,
      "call.failed",
      { callId: "cal_2" },
      { eventId: "msg_cal_2_failed" },
    );
    expect(again.deliveryIds).toHaveLength(2);
    expect(twice.deliveryIds).toEqual([]);
    expect(send).toHaveBeenCalledTimes(4);
  });

  it("delivers through the jobs consumer, signed per Standard Webhooks, once even if the message comes twice", async () => {
    const t = await makeTenant();
    const ep = await create(t);
    const { eventId, deliveryIds } = await emitEvent(E, t.tenant.id, "call.analyzed", {
      callId: "cal_9",
      score: 71,
    });
    const fetchSpy = mockFetch(() => new Response("ok", { status: 200 }));
    const msg = sent.at(-1)!;
    const result = await consume([msg, msg]);
    expect(result.explicitAcks.sort()).toEqual(["m0", "m1"]);
    expect(result.retryMessages).toEqual([]);
    expect(fetchSpy).toHaveBeenCalledTimes(1);

    const [url, init] = fetchSpy.mock.calls[0] as [string, RequestInit];
    expect(url).toBe(HOOK);
    expect(init.method).toBe("POST");
    expect(init.redirect).toBe("manual");
    expect(init.signal).toBeInstanceOf(AbortSignal);
    const headers = init.headers as Record<string, string>;
    expect(headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": USER_AGENT,
      "webhook-id": eventId,
      "webhook-timestamp": expect.stringMatching(/^\d{10}$/),
      "webhook-signature": expect.stringMatching(/^v1,[A-Za-z0-9+/]{43}=$/),
    });
    expect(Math.abs(Number(headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(30);
    const body = init.body as string;
    expect(JSON.parse(body)).toMatchObject({ type: "call.analyzed", data: { callId: "cal_9", score: 71 } });

    // What a receiver does with the secret it was shown once.
    expect(await verifySignature(ep.secret, new Headers(headers), body)).toBe(true);
    expect(await verifySignature(ep.secret, headers, body.replace("71", "99"))).toBe(false);
    expect(await verifySignature(ep.secret, { ...headers, "webhook-id": "msg_other" }, body)).toBe(false);
    expect(await verifySignature(`whsec_${btoa("x".repeat(32))}`, headers, body)).toBe(false);
    expect(await verifySignature(ep.secret, headers, body, 300, Date.now() + 10 * 60_000)).toBe(false);
    // A correctly signed but old message is refused too (replay).
    const old = Math.floor(Date.now() / 1000) - 3600;
    const oldHeaders = {
      "webhook-id": eventId,
      "webhook-timestamp": String(old),
      "webhook-signature": await signWebhook(ep.secret, eventId, old, body),
    };
    expect(await verifySignature(ep.secret, oldHeaders, body)).toBe(false);
    expect(await verifySignature(ep.secret, oldHeaders, body, 7200)).toBe(true);
    // Rotation-style header with several signatures: any valid one is enough.
    const multi = {
      ...headers,
      "webhook-signature": `v1,${btoa("y".repeat(32))} ${headers["webhook-signature"]}`,
    };
    expect(await verifySignature(ep.secret, multi, body)).toBe(true);

    const row = await deliveryRow(deliveryIds[0]);
    expect(row).toMatchObject({ status: "succeeded", attempts: 1, lastStatusCode: 200, lastError: null });
    expect(row.deliveredAt).toBeGreaterThan(0);

    // Delivery log through the API.
    const log = await call(`/api/v1/webhooks/${ep.id}/deliveries`, { key: t.key });
    expect(log.status).toBe(200);
    expect((await log.json<{ data: { id: string; status: string }[] }>()).data).toEqual([
      expect.objectContaining({ id: deliveryIds[0], status: "succeeded", eventId }),
    ]);
  });

  it("a 500 is retried with backoff, attempts counted, then marked failed after the limit", async () => {
    const t = await makeTenant();
    await create(t);
    const { deliveryIds } = await emitEvent(E, t.tenant.id, "call.analyzed", { callId: "cal_5" });
    const fetchSpy = mockFetch(() => new Response("x".repeat(5000), { status: 500 }));
    const msg = sent.at(-1)!;
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
      const r = await consume([msg], attempt);
      expect(
        r.retryMessages.map((m) => m.msgId),
        `attempt ${attempt}`,
      ).toEqual(["m0"]);
      const row = await deliveryRow(deliveryIds[0]);
      expect(row).toMatchObject({ status: "pending", attempts: attempt, lastStatusCode: 500 });
      expect(row.lastError!.length).toBeLessThanOrEqual(500);
      expect(row.lastError).toMatch(/^HTTP 500: x+$/);
    }
    const last = await consume([msg], MAX_ATTEMPTS);
    expect(last.retryMessages).toEqual([]);
    expect(last.explicitAcks).toEqual(["m0"]);
    expect(await deliveryRow(deliveryIds[0])).toMatchObject({ status: "failed", attempts: MAX_ATTEMPTS });
    expect(fetchSpy).toHaveBeenCalledTimes(MAX_ATTEMPTS);
    // A failed delivery is not sent again by a late copy of the message.
    await consume([msg], MAX_ATTEMPTS + 1);
    expect(fetchSpy).toHaveBeenCalledTimes(MAX_ATTEMPTS);
  });

  it("a redirect is a failed attempt (not followed); a network error and a timeout too", async () => {
    const t = await makeTenant();
    await create(t);
    const { deliveryIds } = await emitEvent(E, t.tenant.id, "call.analyzed", { callId: "cal_3" });
    const msg = sent.at(-1)!;
    const fetchSpy = mockFetch(
      () => new Response(null, { status: 302, headers: { location: "http://169.254.169.254/latest" } }),
    );
    const r = await consume([msg]);
    expect(r.retryMessages.map((m) => m.msgId)).toEqual(["m0"]);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect((fetchSpy.mock.calls[0][1] as RequestInit).redirect).toBe("manual");
    expect(await deliveryRow(deliveryIds[0])).toMatchObject({
      status: "pending",
      lastStatusCode: 302,
      lastError: expect.stringContaining("redirects are not followed"),
    });

    fetchSpy.mockImplementation(async () => {
      throw new TypeError("connection refused");
    });
    expect((await consume([msg], 2)).retryMessages).toHaveLength(1);
    expect(await deliveryRow(deliveryIds[0])).toMatchObject({
      attempts: 2,
      lastStatusCode: null,
      lastError: expect.stringContaining("network error"),
    });
    fetchSpy.mockImplementation(async () => {
      throw new DOMException("The operation timed out.", "TimeoutError");
    });
    await consume([msg], 3);
    expect((await deliveryRow(deliveryIds[0])).lastError).toBe("timeout after 10 s");
  });

  it("redeliver re-queues a failed delivery with the same webhook-id; test events go to one endpoint", async () => {
    const t = await makeTenant();
    const ep = await create(t);
    const { eventId, deliveryIds } = await emitEvent(E, t.tenant.id, "call.analyzed", { callId: "cal_r" });
    const id = deliveryIds[0];
    await controlDb(E)
      .update(webhookDeliveries)
      .set({ status: "failed", attempts: MAX_ATTEMPTS, lastStatusCode: 503 })
      .where(eq(webhookDeliveries.id, id));
    sent = [];

    const res = await call(`/api/v1/webhooks/deliveries/${id}/redeliver`, { method: "POST", key: t.key });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ id, status: "pending", attempts: 0, eventId });
    expect(sent).toEqual([{ type: "webhook.deliver", deliveryId: id }]);
    const again = await call(`/api/v1/webhooks/deliveries/${id}/redeliver`, { method: "POST", key: t.key });
    expect(again.status).toBe(409);

    const fetchSpy = mockFetch(() => new Response(null, { status: 204 }));
    await consume(sent);
    expect((fetchSpy.mock.calls[0][1] as { headers: Record<string, string> }).headers["webhook-id"]).toBe(
      eventId,
    );
    expect(await deliveryRow(id)).toMatchObject({ status: "succeeded", attempts: 1, lastStatusCode: 204 });
    const done = await call(`/api/v1/webhooks/deliveries/${id}/redeliver`, { method: "POST", key: t.key });
    expect(done.status).toBe(409);

    // Test event: to this endpoint only, even though it does not subscribe to webhook.test.
    const other = await create(t, { url: "https://other.example.com/h" });
    sent = [];
    const tst = await call(`/api/v1/webhooks/${ep.id}/test`, { method: "POST", key: t.key });
    expect(tst.status).toBe(202);
    const d = await tst.json<{ id: string; endpointId: string; eventType: string; payload: unknown }>();
    expect(d).toMatchObject({
      endpointId: ep.id,
      eventType: "webhook.test",
      payload: { type: "webhook.test", data: { webhookId: ep.id } },
    });
    expect(sent).toEqual([{ type: "webhook.deliver", deliveryId: d.id }]);
    fetchSpy.mockClear();
    await consume(sent);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(fetchSpy.mock.calls[0][0]).toBe(HOOK);
    expect(other.id).not.toBe(ep.id);

    // The log pages newest first.
    const p1 = await (await call(`/api/v1/webhooks/${ep.id}/deliveries?limit=1`, { key: t.key })).json<{
      data: { id: string }[];
      nextCursor: string;
    }>();
    expect(p1.data.map((x) => x.id)).toEqual([d.id]);
    const p2 = await (
      await call(`/api/v1/webhooks/${ep.id}/deliveries?limit=1&cursor=${p1.nextCursor}`, { key: t.key })
    ).json<{ data: { id: string }[]; nextCursor: string | null }>();
    expect(p2.data.map((x) => x.id)).toEqual([id]);
    expect(p2.nextCursor).toBeNull();
    const bad = await call(`/api/v1/webhooks/${ep.id}/deliveries?cursor=zzz`, { key: t.key });
    expect(bad.status).toBe(400);
  });

  it("signs with the rotated secret, and re-checks the URL and the endpoint at delivery time", async () => {
    const t = await makeTenant();
    const ep = await create(t);
    const rotated = await (
      await call(`/api/v1/webhooks/${ep.id}/rotate-secret`, { method: "POST", key: t.key })
    ).json<{ secret: string }>();
    await emitEvent(E, t.tenant.id, "call.analyzed", { callId: "cal_k" });
    const fetchSpy = mockFetch(() => new Response("ok"));
    await consume([sent.at(-1)!]);
    const init = fetchSpy.mock.calls[0][1] as { headers: Record<string, string>; body: string };
    expect(await verifySignature(rotated.secret, init.headers, init.body)).toBe(true);
    expect(await verifySignature(ep.secret, init.headers, init.body)).toBe(false);

    // An endpoint stored before a rule existed (written directly): refused when delivering, no fetch.
    const legacyId = newId("whk");
    const now = Date.now();
    await controlDb(E)
      .insert(webhookEndpoints)
      .values({
        id: legacyId,
        tenantId: t.tenant.id,
        url: "https://169.254.169.254/latest/meta-data",
        secretEnc: await encryptString(E.ENCRYPTION_KEY, ep.secret, `webhook:${t.tenant.id}`),
        events: ["call.failed"],
        active: true,
        createdAt: now,
        updatedAt: now,
      });
    const { deliveryIds } = await emitEvent(E, t.tenant.id, "call.failed", { callId: "cal_k" });
    fetchSpy.mockClear();
    const r = await consume([sent.at(-1)!]);
    expect(r.explicitAcks).toEqual(["m0"]);
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(await deliveryRow(deliveryIds[0])).toMatchObject({
      status: "failed",
      lastError: expect.stringContaining("link-local"),
    });

    // Deleted endpoint: its queued delivery stops quietly.
    await emitEvent(E, t.tenant.id, "call.analyzed", { callId: "cal_z" });
    const pending = sent.at(-1)!;
    await call(`/api/v1/webhooks/${ep.id}`, { method: "DELETE", key: t.key });
    const r2 = await consume([pending]);
    expect(r2.explicitAcks).toEqual(["m0"]);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("410 Gone disables the endpoint (Standard Webhooks) without retrying", async () => {
    const t = await makeTenant();
    const ep = await create(t);
    const { deliveryIds } = await emitEvent(E, t.tenant.id, "call.analyzed", { callId: "cal_g" });
    mockFetch(() => new Response("gone", { status: 410 }));
    const r = await consume([sent.at(-1)!]);
    expect(r.retryMessages).toEqual([]);
    expect(await deliveryRow(deliveryIds[0])).toMatchObject({ status: "failed", lastStatusCode: 410 });
    const got = await (await call(`/api/v1/webhooks/${ep.id}`, { key: t.key })).json<{ active: boolean }>();
    expect(got.active).toBe(false);
  });

  it("the service refuses a URL too (not only the route schema)", async () => {
    const t = await makeTenant();
    await expect(
      createEndpoint(t.ctx, { url: "https://[::1]", events: ["call.analyzed"] }),
    ).rejects.toMatchObject({
      status: 400,
    });
  });
});
