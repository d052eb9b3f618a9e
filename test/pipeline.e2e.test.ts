import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import appWorker from "../apps/index";
import { verifySignature } from "../core/integrations/webhooks";
import { controlDb } from "../db/client";
import { tenants } from "../db/schema/control";
import { makeWav } from "./fixtures";
import { deepgramFrenchCall } from "./fixtures/providers/deepgram";
import { call, E, makeTenant, type TestTenant, waitFor as waitForShared } from "./helpers";

type Json = Record<string, unknown>;
const realFetch = globalThis.fetch;
afterEach(() => vi.restoreAllMocks());

const waitFor = <T>(probe: () => Promise<T | null | undefined>, ms = 20_000) => waitForShared(probe, ms, 100);

const status = async (t: TestTenant, id: string) =>
  (await (await call(`/api/v1/calls/${id}`, { key: t.key })).json()) as Json;
const worker = async () =>
  appWorker as unknown as {
    queue: (b: MessageBatch, e: Env, c: ExecutionContext) => Promise<void>;
  };

describe("pipeline end to end (C1, C2, E4)", () => {
  it("transcript import → queues → stored analysis → a signed call.analyzed webhook", async () => {
    const t = await makeTenant();
    const hooks: { url: string; headers: Headers; body: string }[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const req = new Request(input as RequestInfo, init);
      if (req.url.startsWith("https://hooks.example.com/")) {
        hooks.push({ url: req.url, headers: req.headers, body: await req.text() });
        return new Response("ok", { status: 200 });
      }
      return realFetch(input as RequestInfo, init);
    });
    const ep = (await (
      await call("/api/v1/webhooks", {
        method: "POST",
        key: t.key,
        json: { url: "https://hooks.example.com/ccr", events: ["call.analyzed"] },
      })
    ).json()) as { secret: string };
    const created = (await (
      await call("/api/v1/calls", {
        method: "POST",
        key: t.key,
        json: {
          externalId: "E2E-1",
          transcript: {
            format: "text",
            content:
              "Agent: Hello, Test eu, how can I help?\nCustomer: I was charged twice this month.\nAgent: I refund it now.\nCustomer: Thanks a lot.",
          },
        },
      })
    ).json()) as Json;
    const hook = await waitFor(async () => hooks[0]);
    const body = JSON.parse(hook.body) as { type: string; data: Json };
    expect(body.type).toBe("call.analyzed");
    expect(body.data).toMatchObject({ callId: created.id, externalId: "E2E-1" });
    expect(hook.body).not.toContain("charged twice");
    expect(await verifySignature(ep.secret, hook.headers, hook.body)).toBe(true);
    expect((await status(t, created.id as string)).status).toBe("done");
  });

  it("audio upload → Deepgram (mocked at its HTTP boundary, EU host, mip_opt_out) → transcript → analysis", async () => {
    const t = await makeTenant();
    const put = await call("/api/v1/settings/providers", {
      method: "PUT",
      key: t.key,
      json: { speechProvider: "deepgram", keys: { deepgram: "dg-test-key" } },
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { keysSet: string[] }).keysSet).toEqual(["deepgram"]);
    const sent: { url: string; auth: string | null }[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const req = new Request(input as RequestInfo, init);
      if (req.url.includes("deepgram.com")) {
        sent.push({ url: req.url, auth: req.headers.get("authorization") });
        await req.arrayBuffer();
        return Response.json(deepgramFrenchCall);
      }
      return realFetch(input as RequestInfo, init);
    });
    const created = (await (
      await call("/api/v1/calls", { method: "POST", key: t.key, json: { language: "fr" } })
    ).json()) as Json;
    const up = await call(`/api/v1/calls/${created.id}/recording`, {
      method: "PUT",
      key: t.key,
      body: makeWav(2),
      headers: { "content-type": "audio/wav" },
    });
    expect(up.status).toBe(200);
    const done = await waitFor(async () => {
      const s = await status(t, created.id as string);
      return s.status === "done" || s.status === "failed" ? s : null;
    });
    expect(done.status).toBe("done");
    expect(sent).toHaveLength(1);
    const url = new URL(sent[0].url);
    expect(url.host).toBe("api.eu.deepgram.com");
    expect(url.searchParams.get("mip_opt_out")).toBe("true");
    expect(url.searchParams.get("model")).toBe("nova-3");
    expect(sent[0].auth).toBe("Token dg-test-key");
    const tx = (await (await call(`/api/v1/calls/${created.id}/transcript`, { key: t.key })).json()) as {
      segments: { speaker: string }[];
    };
    expect(tx.segments.length).toBeGreaterThan(1);
    expect(new Set(tx.segments.map((s) => s.speaker))).toEqual(new Set(["agent", "customer"]));
    // The provider's resolution of the roles is what is stored, with its reason (B2).
    const speakers = (await (await call(`/api/v1/calls/${created.id}/speakers`, { key: t.key })).json()) as {
      roles: { source: string; phrase?: string };
    };
    expect(speakers.roles.source).toBe("greeting");
    expect(done.transcript).toMatchObject({ roleSource: "greeting" });
    const a = await call(`/api/v1/calls/${created.id}/analysis`, { key: t.key });
    expect(a.status).toBe(200);
    // The provider's raw response is kept, redacted, in the tenant's bucket.
    expect(await E.BLOB_EU.head(`t/${t.tenant.id}/calls/${created.id}/stt-deepgram.json`)).not.toBeNull();
  });

  it("provider failure → retried with backoff → dead letter → failed (recording kept) → reprocess → done", async () => {
    const t = await makeTenant();
    await controlDb(E).update(tenants).set({ speechProvider: "deepgram" }).where(eq(tenants.id, t.tenant.id));
    await call("/api/v1/settings/providers", {
      method: "PUT",
      key: t.key,
      json: { keys: { deepgram: "dg" } },
    });
    let healthy = false;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const req = new Request(input as RequestInfo, init);
      if (req.url.includes("deepgram.com")) {
        await req.arrayBuffer();
        return healthy ? Response.json(deepgramFrenchCall) : new Response("upstream down", { status: 503 });
      }
      return realFetch(input as RequestInfo, init);
    });
    // Keep the queue from running this call on its own: take the message ourselves.
    const sendSpy = vi
      .spyOn(env.TRANSCRIBE_QUEUE as unknown as Queue, "send")
      .mockResolvedValue(undefined as never);
    const created = (await (
      await call("/api/v1/calls", { method: "POST", key: t.key, json: {} })
    ).json()) as Json;
    await call(`/api/v1/calls/${created.id}/recording`, {
      method: "PUT",
      key: t.key,
      body: makeWav(1),
      headers: { "content-type": "audio/wav" },
    });
    const msg = sendSpy.mock.calls[0][0] as Json;
    expect(msg).toMatchObject({ step: "transcribe", tenantId: t.tenant.id, callId: created.id });
    expect(Object.keys(msg).sort()).toEqual(["callId", "runId", "step", "tenantId"]);
    const w = await worker();
    for (const attempts of [1, 2]) {
      const batch = createMessageBatch("ccr-transcribe", [
        { id: `m${attempts}`, timestamp: new Date(), attempts, body: msg },
      ]);
      const ctx = createExecutionContext();
      await w.queue(batch, env as unknown as Env, ctx);
      const r = await getQueueResult(batch, ctx);
      expect(r.retryMessages.map((m) => m.msgId)).toEqual([`m${attempts}`]);
    }
    expect((await status(t, created.id as string)).status).toBe("transcribing");
    const dlq = createMessageBatch("ccr-pipeline-dlq", [
      { id: "d1", timestamp: new Date(), attempts: 1, body: msg },
    ]);
    const ctx = createExecutionContext();
    await w.queue(dlq, env as unknown as Env, ctx);
    const failed = await status(t, created.id as string);
    expect(failed).toMatchObject({ status: "failed" });
    expect(failed.failureReason).toMatch(/transcription kept failing/);
    expect((failed.recording as Json).status).toBe("stored");
    sendSpy.mockRestore();
    healthy = true;
    const rp = await call(`/api/v1/calls/${created.id}/reprocess`, { method: "POST", key: t.key });
    expect(rp.status).toBe(202);
    const done = await waitFor(async () => {
      const s = await status(t, created.id as string);
      return s.status === "done" ? s : null;
    });
    expect(done.failureReason).toBeNull();
  });
});
