import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import appWorker from "../apps/index";
import { appendAudit, headKey, tenantChain } from "../core/platform/audit";
import { newId } from "../core/platform/crypto";
import { BREVO_URL, sendMail } from "../core/platform/mail";
import { controlDb } from "../db/client";
import { mailOutbox, sessions } from "../db/schema/control";
import { retryDelaySeconds } from "../workers/queue";
import { E, loginCookie, makeTenant } from "./helpers";

type Handler = {
  queue(b: MessageBatch, e: Env, c: ExecutionContext): Promise<void>;
  scheduled(c: ScheduledController, e: Env, x: ExecutionContext): Promise<void>;
};
const worker = async () => appWorker as unknown as Handler;

afterEach(() => vi.restoreAllMocks());

describe("mail outbox and the jobs queue", () => {
  it("without a provider key, mail is stored in the outbox and not sent", async () => {
    const id = await sendMail(E, {
      to: "a@example.test",
      subject: "S",
      text: "T",
      kind: "test",
      locale: "en",
    });
    const row = await controlDb(E).query.mailOutbox.findFirst({ where: eq(mailOutbox.id, id) });
    expect(row!.status).toBe("stored");
  });

  it("with BREVO_API_KEY the consumer sends once, even when the message is delivered twice", async () => {
    const env = { ...E, BREVO_API_KEY: "xkeysib-test" } as Env;
    const send = vi.spyOn(env.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const id = await sendMail(env, {
      to: "b@example.test",
      subject: "Hello",
      text: "Body",
      kind: "test",
      locale: "fr",
    });
    expect(send).toHaveBeenCalledWith({ type: "mail.send", id });
    const fetchSpy = vi
      .spyOn(globalThis, "fetch")
      .mockResolvedValue(
        new Response(JSON.stringify({ messageId: "<2025@smtp-relay.mailin.fr>" }), { status: 201 }),
      );
    const w = await worker();
    const batch = createMessageBatch("ccr-jobs", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { type: "mail.send", id } },
      { id: "m2", timestamp: new Date(), attempts: 1, body: { type: "mail.send", id } },
    ]);
    const ctx = createExecutionContext();
    await w.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["m1", "m2"]);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    const [url, init] = fetchSpy.mock.calls[0] as [string, RequestInit];
    expect(url).toBe(BREVO_URL);
    expect((init.headers as Record<string, string>)["api-key"]).toBe("xkeysib-test");
    expect(JSON.parse(init.body as string)).toMatchObject({
      to: [{ email: "b@example.test" }],
      subject: "Hello",
      textContent: "Body",
      sender: { email: "no-reply@callcenterrate.local" },
    });
    const row = await controlDb(env).query.mailOutbox.findFirst({ where: eq(mailOutbox.id, id) });
    expect(row).toMatchObject({ status: "sent", providerMessageId: "<2025@smtp-relay.mailin.fr>" });
  });

  it("a provider error is retried with backoff and the mail stays queued", async () => {
    const env = { ...E, BREVO_API_KEY: "xkeysib-test" } as Env;
    vi.spyOn(env.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const id = await sendMail(env, {
      to: "c@example.test",
      subject: "S",
      text: "T",
      kind: "test",
      locale: "en",
    });
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("busy", { status: 503 }));
    const batch = createMessageBatch("ccr-jobs", [
      { id: "m3", timestamp: new Date(), attempts: 2, body: { type: "mail.send", id } },
    ]);
    const ctx = createExecutionContext();
    await (await worker()).queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual(["m3"]);
    expect(retryDelaySeconds(2)).toBe(20);
    expect(retryDelaySeconds(30)).toBe(900);
    const row = await controlDb(env).query.mailOutbox.findFirst({ where: eq(mailOutbox.id, id) });
    expect(row).toMatchObject({ status: "queued", error: expect.stringContaining("503") });
  });
});

describe("daily cron", () => {
  it("removes expired sessions and writes yesterday's audit heads to R2", async () => {
    const t = await makeTenant();
    const cookie = await loginCookie(t.users.viewer.email);
    const id = cookie.split("=")[1].split(".")[0];
    await controlDb(E)
      .update(sessions)
      .set({ expiresAt: Date.now() - 1000 })
      .where(eq(sessions.id, id));
    const yesterday = Date.now() - 86_400_000;
    const chainTenant = newId("ten"); // a chain whose first entry is yesterday's
    await appendAudit(E, {
      tenantId: chainTenant,
      actor: { type: "system", id: null },
      action: "test.event",
      ts: yesterday,
    });
    const controller = createScheduledController({ cron: "15 3 * * *", scheduledTime: Date.now() });
    const ctx = createExecutionContext();
    await (await worker()).scheduled(controller, E, ctx);
    await waitOnExecutionContext(ctx);
    expect(await controlDb(E).query.sessions.findFirst({ where: eq(sessions.id, id) })).toBeUndefined();
    const day = new Date(yesterday).toISOString().slice(0, 10);
    const head = await E.CONTROL_BUCKET.get(headKey(tenantChain(chainTenant), day));
    expect(head).not.toBeNull();
  });
});
