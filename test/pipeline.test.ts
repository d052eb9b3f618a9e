import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import appWorker from "../apps/index";
import { controlDb } from "../db/client";
import { tenants } from "../db/schema/control";
import { handleScheduled } from "../workers/scheduled";
import { makeWav } from "./fixtures";
import { call, E, makeTenant, type TestTenant, waitFor } from "./helpers";

type Json = Record<string, unknown>;
afterEach(() => vi.restoreAllMocks());

const FR_CALL = `Conseiller: Bonjour, Test eu, Julie à votre écoute, que puis-je faire pour vous ?
Client: Bonjour, c'est la troisième fois que j'appelle pour ma facture, j'ai été facturé deux fois ce mois-ci.
Conseiller: Je comprends, je regarde votre dossier tout de suite.
Client: Si ce n'est pas réglé aujourd'hui je vais résilier mon contrat.
Conseiller: Je vois le double prélèvement, je lance le remboursement, vous le recevrez sous cinq jours.
Client: D'accord, merci beaucoup.
Conseiller: Je vous en prie, y a-t-il autre chose ? Bonne journée.`;

/** The call once it reaches one of `statuses` (the queues run it on their own). */
async function waitForStatus(t: TestTenant, id: string, statuses: string[], ms = 15_000): Promise<Json> {
  let c: Json = {};
  const probe = async () => {
    c = (await (await call(`/api/v1/calls/${id}`, { key: t.key })).json()) as Json;
    return statuses.includes(c.status as string) ? c : null;
  };
  return waitFor(probe, ms, 100, () => `call ${id} stuck in ${c.status} (${c.failureReason ?? ""})`);
}

describe("pipeline (C1) through the real queues", () => {
  it("transcript import → analyze queue → stored analysis with evidence → listed by score, category and irritant", async () => {
    const t = await makeTenant();
    const r = await call("/api/v1/calls", {
      method: "POST",
      key: t.key,
      json: { externalId: "P-1", language: "fr", transcript: { format: "text", content: FR_CALL } },
    });
    expect(r.status).toBe(201);
    const created = (await r.json()) as Json;
    expect(created.status).toBe("analyzing");
    const early = await call(`/api/v1/calls/${created.id}/analysis`, { key: t.key });
    if (early.status !== 200) {
      expect(early.status).toBe(409);
      expect(((await early.json()) as Json).type).toBe(
        "https://callcenterrate.com/problems/analysis-not-ready",
      );
    }
    const done = await waitForStatus(t, created.id as string, ["done", "failed"]);
    expect(done.status).toBe("done");
    const a = (await (await call(`/api/v1/calls/${created.id}/analysis`, { key: t.key })).json()) as Json & {
      criteria: { result: string; evidence: { segmentId: string }[] }[];
      irritants: { type: string; speaker: string }[];
      categories: { id: string }[];
      rubric: { id: string; version: number };
    };
    expect(a).toMatchObject({ status: "done", engine: "builtin", language: "fr", automatic: true });
    expect(a.rubric.version).toBe(1);
    expect(typeof a.evaluatedWeightPct).toBe("number");
    expect(a.criteria.length).toBeGreaterThan(3);
    expect(a.irritants.map((i) => i.type)).toEqual(
      expect.arrayContaining(["repeat_contact", "billing_dispute", "churn_threat"]),
    );
    expect(a.irritants.every((i) => i.speaker === "customer")).toBe(true);
    expect(a.categories.map((c) => c.id)).toContain("billing");
    const seg = a.criteria.flatMap((c) => c.evidence).map((e) => e.segmentId);
    expect(seg.every((s) => /^s\d+$/.test(s))).toBe(true);
    // Filters on labels.
    const byIrr = (await (await call("/api/v1/calls?irritant=churn_threat", { key: t.key })).json()) as {
      data: Json[];
    };
    expect(byIrr.data.map((c) => c.id)).toEqual([created.id]);
    const byCat = (await (await call("/api/v1/calls?category=delivery", { key: t.key })).json()) as {
      data: Json[];
    };
    expect(byCat.data).toEqual([]);
  });

  it("the analyze queue fails after the rows are written (one call, an import): the ten-minute sweep queues them again (review)", async () => {
    const t = await makeTenant();
    // The queue binding itself refuses (a Queues outage): nothing of ours is replaced.
    const down = () => Promise.reject(new Error("Queue send failed: service unavailable"));
    const send = vi.spyOn(E.ANALYZE_QUEUE, "send").mockImplementation(down);
    const sendBatch = vi.spyOn(E.ANALYZE_QUEUE, "sendBatch").mockImplementation(down);
    const one = await call("/api/v1/calls", {
      method: "POST",
      key: t.key,
      json: { externalId: "Q-1", language: "fr", transcript: { format: "text", content: FR_CALL } },
    });
    // The call is written: the answer says so (it is recoverable), not a 500 that a retry answers "existing".
    expect(one.status).toBe(201);
    const single = (await one.json()) as Json;
    expect(single.status).toBe("analyzing");
    // A bulk import (the job, run in the request with Prefer: wait): its batch goes by sendBatch.
    const ndjson = new TextEncoder().encode(
      [1, 2, 3]
        .map((i) =>
          JSON.stringify({
            language: "fr",
            tags: [`q${i}`],
            transcript: { format: "text", content: FR_CALL },
          }),
        )
        .join("\n"),
    );
    const up = (await (
      await call("/api/v1/uploads", { method: "POST", key: t.key, json: { size: ndjson.length } })
    ).json()) as { uploadId: string };
    const part = await call(`/api/v1/uploads/${up.uploadId}/parts/1`, {
      method: "PUT",
      key: t.key,
      body: ndjson,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(part.status).toBe(200);
    expect(
      (await call(`/api/v1/uploads/${up.uploadId}/complete`, { method: "POST", key: t.key })).status,
    ).toBe(200);
    const imp = await call("/api/v1/imports", {
      method: "POST",
      key: t.key,
      json: { uploadId: up.uploadId },
      headers: { prefer: "wait=30" },
    });
    expect(imp.status).toBe(200);
    const done = (await imp.json()) as { id: string; status: string; created: number };
    expect(done).toMatchObject({ status: "done", created: 3 });
    const listed = (await (await call(`/api/v1/imports/${done.id}?limit=10`, { key: t.key })).json()) as {
      items: { data: { result: string; id: string }[] };
    };
    const items = listed.items.data;
    expect(items.map((i) => i.result)).toEqual(["created", "created", "created"]);
    expect(send).toHaveBeenCalled();
    expect(sendBatch).toHaveBeenCalled();
    send.mockRestore();
    sendBatch.mockRestore();
    const ids = [single.id as string, ...items.map((i) => i.id)];

    const sweep = async (at: number) => {
      const ctx = createExecutionContext();
      await handleScheduled(createScheduledController({ cron: "*/10 * * * *", scheduledTime: at }), E, ctx);
      await waitOnExecutionContext(ctx);
    };
    // Not yet stalled (a message may still be on its way): left alone.
    const spy = vi.spyOn(E.ANALYZE_QUEUE, "sendBatch");
    await sweep(Date.now() + 5 * 60_000);
    expect(spy).not.toHaveBeenCalled();
    for (const id of ids)
      expect(((await (await call(`/api/v1/calls/${id}`, { key: t.key })).json()) as Json).status).toBe(
        "analyzing",
      );
    // Past the threshold: queued again, and the real queue analyses them.
    await sweep(Date.now() + 31 * 60_000);
    expect(spy).toHaveBeenCalled();
    for (const id of ids) expect((await waitForStatus(t, id, ["done", "failed"])).status).toBe("done");
    spy.mockRestore();

    // A reprocess (startProcessing) whose message the queue refuses: accepted, then swept the same way.
    const refuse = vi.spyOn(E.ANALYZE_QUEUE, "send").mockImplementation(down);
    const rp = await call(`/api/v1/calls/${single.id}/reprocess`, { method: "POST", key: t.key, json: {} });
    expect(rp.status).toBe(202);
    expect(refuse).toHaveBeenCalled();
    refuse.mockRestore();
    expect(((await (await call(`/api/v1/calls/${single.id}`, { key: t.key })).json()) as Json).status).toBe(
      "analyzing",
    );
    await sweep(Date.now() + 31 * 60_000);
    expect((await waitForStatus(t, single.id as string, ["done", "failed"])).status).toBe("done");
  }, 60_000);

  it("a recording whose transcribe message the queue refuses stays `transcribing`, then the sweep sends it to the transcribe queue", async () => {
    const t = await makeTenant();
    const created = (await (
      await call("/api/v1/calls", { method: "POST", key: t.key, json: {} })
    ).json()) as Json;
    const refuse = vi
      .spyOn(E.TRANSCRIBE_QUEUE, "send")
      .mockImplementation(() => Promise.reject(new Error("Queue send failed: service unavailable")));
    const put = await call(`/api/v1/calls/${created.id}/recording`, {
      method: "PUT",
      key: t.key,
      body: makeWav(1),
      headers: { "content-type": "audio/wav" },
    });
    expect(put.status).toBeLessThan(300);
    expect(refuse).toHaveBeenCalled();
    refuse.mockRestore();
    const stuck = (await (await call(`/api/v1/calls/${created.id}`, { key: t.key })).json()) as Json;
    expect(stuck.status).toBe("transcribing");
    const sent = vi.spyOn(E.TRANSCRIBE_QUEUE, "sendBatch");
    const analyze = vi.spyOn(E.ANALYZE_QUEUE, "sendBatch");
    const ctx = createExecutionContext();
    await handleScheduled(
      createScheduledController({ cron: "*/10 * * * *", scheduledTime: Date.now() + 31 * 60_000 }),
      E,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const bodies = sent.mock.calls.flatMap(([batch]) => [...batch].map((m) => m.body as Json));
    expect(bodies).toContainEqual(
      expect.objectContaining({ step: "transcribe", tenantId: t.tenant.id, callId: created.id }),
    );
    expect(
      analyze.mock.calls.flatMap(([batch]) => [...batch].map((m) => (m.body as Json).callId)),
    ).not.toContain(created.id);
    // The real transcribe step ran: without a speech provider it fails with its reason.
    const failed = await waitForStatus(t, created.id as string, ["failed", "done"]);
    expect(failed.failureReason).toMatch(/speech-to-text provider/);
  });

  it("a message delivered twice gives one analysis; a stale run is ignored", async () => {
    const t = await makeTenant();
    const created = (await (
      await call("/api/v1/calls", {
        method: "POST",
        key: t.key,
        json: { transcript: { format: "text", content: FR_CALL } },
      })
    ).json()) as Json;
    await waitForStatus(t, created.id as string, ["done"]);
    const row = await E.DATA_EU_1.prepare("select run_id from calls where id = ?")
      .bind(created.id)
      .first<{ run_id: string }>();
    const w = appWorker as unknown as {
      queue: (b: MessageBatch, e: Env, c: ExecutionContext) => Promise<void>;
    };
    const body = { step: "analyze", tenantId: t.tenant.id, callId: created.id, runId: row!.run_id };
    const batch = createMessageBatch("ccr-analyze", [
      { id: "a1", timestamp: new Date(), attempts: 1, body },
      { id: "a2", timestamp: new Date(), attempts: 1, body },
      { id: "a3", timestamp: new Date(), attempts: 1, body: { ...body, runId: "stale" } },
    ]);
    const ctx = createExecutionContext();
    await w.queue(batch, env as unknown as Env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(["a1", "a2", "a3"]);
    const n = await E.DATA_EU_1.prepare("select count(*) as n from analyses where call_id = ?")
      .bind(created.id)
      .first<{ n: number }>();
    expect(n!.n).toBe(1);
  });

  it("reprocess re-scores against another rubric version; each analysis names its version", async () => {
    const t = await makeTenant();
    const created = (await (
      await call("/api/v1/calls", {
        method: "POST",
        key: t.key,
        json: { transcript: { format: "text", content: FR_CALL } },
      })
    ).json()) as Json;
    await waitForStatus(t, created.id as string, ["done"]);
    const rubrics = (await (await call("/api/v1/rubrics", { key: t.key })).json()) as {
      data: { id: string; latestVersion: number }[];
    };
    const def = rubrics.data[0];
    const full = (await (await call(`/api/v1/rubrics/${def.id}`, { key: t.key })).json()) as {
      content: { sections: { criteria: { weight: number }[] }[]; passThreshold: number; language: string };
    };
    const content = structuredClone(full.content);
    content.passThreshold = 10;
    const v2 = await call(`/api/v1/rubrics/${def.id}/versions`, {
      method: "POST",
      key: t.key,
      json: { content },
    });
    expect(v2.status).toBe(201);
    expect(((await v2.json()) as { latestVersion: number }).latestVersion).toBe(2);
    const bad = structuredClone(full.content);
    bad.sections[0].criteria[0].weight += 5;
    const refused = await call(`/api/v1/rubrics/${def.id}/versions`, {
      method: "POST",
      key: t.key,
      json: { content: bad },
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(/sum to 100/);
    const rp = await call(`/api/v1/calls/${created.id}/reprocess`, { method: "POST", key: t.key, json: {} });
    expect(rp.status).toBe(202);
    await waitForStatus(t, created.id as string, ["done"]);
    const a = (await (await call(`/api/v1/calls/${created.id}/analysis`, { key: t.key })).json()) as {
      rubric: { version: number };
    };
    expect(a.rubric.version).toBe(2);
    const v1 = (await (await call(`/api/v1/rubrics/${def.id}/versions/1`, { key: t.key })).json()) as {
      passThreshold: number;
    };
    expect(v1.passThreshold).toBe(full.content.passThreshold);
  });

  it("an audio call without a speech provider fails with a clear reason, keeps its recording, and can be reprocessed once a transcript exists", async () => {
    const t = await makeTenant();
    const created = (await (
      await call("/api/v1/calls", { method: "POST", key: t.key, json: {} })
    ).json()) as Json;
    const wav = makeWav(1);
    await call(`/api/v1/calls/${created.id}/recording`, {
      method: "PUT",
      key: t.key,
      body: wav,
      headers: { "content-type": "audio/wav" },
    });
    const failed = await waitForStatus(t, created.id as string, ["failed", "done"]);
    expect(failed.status).toBe("failed");
    expect(failed.failureReason).toMatch(/speech-to-text provider/);
    expect((failed.recording as Json).status).toBe("stored");
    await call(`/api/v1/calls/${created.id}/transcript`, {
      method: "PUT",
      key: t.key,
      body: "Agent: Bonjour\nClient: merci",
      headers: { "content-type": "text/plain" },
    });
    const done = await waitForStatus(t, created.id as string, ["done"]);
    expect(done.failureReason).toBeNull();
  });

  it("in_region: an EU tenant cannot choose Anthropic (settings), and a call is held if the policy refuses at run time", async () => {
    const t = await makeTenant();
    const refused = await call("/api/v1/settings/providers", {
      method: "PUT",
      key: t.key,
      json: { analysisProvider: "anthropic" },
    });
    expect(refused.status).toBe(400);
    // The worker enforces it too, whatever the stored setting says.
    await controlDb(E)
      .update(tenants)
      .set({ analysisProvider: "anthropic" })
      .where(eq(tenants.id, t.tenant.id));
    const created = (await (
      await call("/api/v1/calls", {
        method: "POST",
        key: t.key,
        json: { transcript: { format: "text", content: FR_CALL } },
      })
    ).json()) as Json;
    const held = await waitForStatus(t, created.id as string, ["held", "done", "failed"]);
    expect(held).toMatchObject({ status: "held", holdReason: "processing_scope" });
    const intl = await call("/api/v1/settings/location", {
      method: "PUT",
      key: t.key,
      json: { processingScope: "international", confirmName: t.tenant.name },
    });
    expect(intl.status).toBe(200);
    const ok = await call("/api/v1/settings/providers", {
      method: "PUT",
      key: t.key,
      json: { analysisProvider: "anthropic" },
    });
    expect(ok.status).toBe(200);
  });
});
