import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { recordAnalysedMinutes } from "../core/billing/metering";
import { startJob } from "../core/platform/jobs";
import { controlDb } from "../db/client";
import { deadLetters } from "../db/schema/control";
import { handleQueue, type QueueMessage } from "../workers/queue";
import { call, E, makeTenant } from "./helpers";
import { operatorCookie } from "./ops-helpers";

afterEach(() => vi.restoreAllMocks());

function batch(queue: string, body: QueueMessage): MessageBatch<QueueMessage> {
  const msg = {
    id: crypto.randomUUID(),
    timestamp: new Date(),
    body,
    attempts: 6,
    ack: vi.fn(),
    retry: vi.fn(),
  };
  return {
    queue,
    messages: [msg],
    ackAll: vi.fn(),
    retryAll: vi.fn(),
  } as unknown as MessageBatch<QueueMessage>;
}

describe("operator console (H2)", () => {
  it("a dead letter is kept, shown with the queue health, and replayed once", async () => {
    const t = await makeTenant();
    const send = vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const { job } = await startJob(E, { tenantId: t.tenant.id, kind: "retention_purge", params: {} });
    send.mockClear();
    await handleQueue(
      batch("ccr-jobs-dlq", { type: "job.step", jobId: job.id, step: 0 }),
      E,
      {} as ExecutionContext,
    );
    const [dl] = await controlDb(E)
      .select()
      .from(deadLetters)
      .where(eq(deadLetters.body, { type: "job.step", jobId: job.id, step: 0 }));
    expect(dl).toBeTruthy();
    const op = await operatorCookie();
    const page = await call("/ops/health", { cookie: op.cookie, headers: { "accept-language": "en" } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(job.id);
    expect(html).toContain("Replay");
    const replay = await call(`/ops/health/dead-letters/${dl.id}/replay`, {
      method: "POST",
      cookie: op.cookie,
      form: {},
    });
    expect(replay.status).toBe(303);
    expect(send).toHaveBeenCalledWith({ type: "job.step", jobId: job.id, step: 0 });
    const [after] = await controlDb(E).select().from(deadLetters).where(eq(deadLetters.id, dl.id));
    expect(after.replayedBy).toBe(op.id);
    // A second replay of the same letter: 404, nothing sent.
    send.mockClear();
    expect(
      (
        await call(`/ops/health/dead-letters/${dl.id}/replay`, {
          method: "POST",
          cookie: op.cookie,
          form: {},
        })
      ).status,
    ).toBe(404);
    expect(send).not.toHaveBeenCalled();
  });

  it("a tenant's page shows plan, location, status and usage counts", async () => {
    const t = await makeTenant({ location: "us" });
    await call("/api/v1/calls", { method: "POST", key: t.key, json: { externalId: "u-1" } });
    const op = await operatorCookie();
    const list = await (await call("/ops", { cookie: op.cookie })).text();
    expect(list).toContain(`/ops/tenants/${t.tenant.id}`);
    const res = await call(`/ops/tenants/${t.tenant.id}`, {
      cookie: op.cookie,
      headers: { "accept-language": "en" },
    });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Calls stored");
    expect(html).toContain("DATA_US_1");
    expect((await call("/ops/tenants/ten_nope", { cookie: op.cookie })).status).toBe(404);
  });

  it("operator and tenant usage figures agree: one computation from the billing ledger (issue 16 point 4)", async () => {
    const t = await makeTenant();
    // Three calls of 61 s: billed 2 minutes each (6), where summing seconds would say 3.
    for (const id of ["cal_u1", "cal_u2", "cal_u3"]) await recordAnalysedMinutes(E, t.tenant.id, id, 61);
    const tenantFigure = (
      (await (await call("/api/v1/billing", { key: t.key })).json()) as { usage: { usedMinutes: number } }
    ).usage.usedMinutes;
    expect(tenantFigure).toBe(6);
    const op = await operatorCookie();
    const html = await (
      await call(`/ops/tenants/${t.tenant.id}`, { cookie: op.cookie, headers: { "accept-language": "en" } })
    ).text();
    expect(html).toMatch(/Analysed minutes this billing period<\/dt><dd>6<\/dd>/);
    const billing = await (
      await call("/ops/billing", { cookie: op.cookie, headers: { "accept-language": "en" } })
    ).text();
    const row = billing.slice(billing.indexOf(t.tenant.id));
    expect(row).toMatch(/<td>6 \/ /);
  });
});
