import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { dayBounds } from "../core/insights/kpis";
import { newId } from "../core/platform/crypto";
import {
  enqueueDueSampling,
  listQueue,
  queueProgress,
  type RuleInput,
  runScheduledSampling,
  sampleWeek,
  saveRule,
  weekOf,
} from "../core/quality/review-queue";
import { controlDb } from "../db/client";
import { dataPlane } from "../db/resolver";
import { reviewSamplingRules } from "../db/schema/control";
import { QUEUE_REASONS, reviewQueue, reviews } from "../db/schema/data";
import { asRole, E, makeTenant, type TestTenant } from "./helpers";
import { aid, seedCalls, WEEK } from "./review-queue-helpers";

type Handler = { queue(b: MessageBatch, e: Env, c: ExecutionContext): Promise<void> };
const worker = async () => (await import("../apps/index")).default as unknown as Handler;

/** The tenant's queue in pick order: by agent, then by reason (the filters' order). */
const queued = async (t: TestTenant) =>
  (
    await dataPlane(E, t.tenant).db.select().from(reviewQueue).where(eq(reviewQueue.tenantId, t.tenant.id))
  ).sort(
    (a, b) =>
      a.agentId.localeCompare(b.agentId) ||
      QUEUE_REASONS.indexOf(a.reason) - QUEUE_REASONS.indexOf(b.reason) ||
      a.assignedAt - b.assignedAt,
  );

describe("review queue sampling (#16.6)", () => {
  it("takes N per agent by the filters in order, round-robin over reviewers; a re-run adds nothing", async () => {
    const t = await makeTenant();
    const other = await makeTenant();
    const sup = asRole(t, "supervisor");
    const [critical, low, irritant, disputed] = await seedCalls(t, [
      { agent: "A", critical: true, score: 50 },
      { agent: "A", score: 40 },
      { agent: "A", irritant: true },
      { agent: "A", disputed: true },
      { agent: "A" },
      { agent: "A", score: 30, day: "2026-11-09" }, // the next week
      { agent: "A", critical: true, status: "analyzing" }, // not analysed yet
      { agent: "B" },
      { agent: "B" },
    ]);
    const foreign = await seedCalls(other, [{ agent: "A", critical: true }]);
    const rule: RuleInput = {
      perAgent: 3,
      lowScoreBelow: 60,
      criticalFail: true,
      irritants: true,
      disputed: true,
      random: false,
      reviewers: [t.users.supervisor.id, t.users.admin.id],
    };
    expect((await saveRule(sup, rule)).sampled).toBe(0); // nothing in the current week

    expect(await sampleWeek(sup, WEEK)).toBe(3);
    let rows = await queued(t);
    // A: critical fail first (although also a low score), then low score, then disputed; B: no filter met.
    expect(rows.map((r) => [r.callId, r.reason])).toEqual([
      [critical, "critical_fail"],
      [low, "low_score"],
      [disputed, "disputed"],
    ]);
    expect(rows.map((r) => r.reviewerId)).toEqual([
      t.users.supervisor.id,
      t.users.admin.id,
      t.users.supervisor.id,
    ]);
    expect(rows.every((r) => r.week === WEEK && r.agentId === aid(t, "A"))).toBe(true);

    // Idempotent: the same week sampled again queues nothing more.
    expect(await sampleWeek(sup, WEEK)).toBe(0);
    expect(await queued(t)).toHaveLength(3);

    // Random on: B is topped up to its N from its other calls; A already has its 3.
    await saveRule(sup, { ...rule, random: true });
    expect(await sampleWeek(sup, WEEK)).toBe(2);
    // N raised to 4: A gets its irritant call next (before any random one); B has no call left.
    await saveRule(sup, { ...rule, random: true, perAgent: 4 });
    expect(await sampleWeek(sup, WEEK)).toBe(1);
    rows = await queued(t);
    expect(rows).toHaveLength(6);
    const aRows = rows.filter((r) => r.agentId === aid(t, "A"));
    expect(aRows.map((r) => r.reason)).toEqual(["critical_fail", "low_score", "disputed", "irritants"]);
    expect(aRows[3].callId).toBe(irritant);
    expect(rows.filter((r) => r.agentId === aid(t, "B")).map((r) => r.reason)).toEqual(["random", "random"]);
    const per = rows.reduce<Record<string, number>>(
      (m, r) => Object.assign(m, { [r.reviewerId]: (m[r.reviewerId] ?? 0) + 1 }),
      {},
    );
    // Round-robin continued across runs: 6 picks, 3 each.
    expect(per).toEqual({ [t.users.supervisor.id]: 3, [t.users.admin.id]: 3 });
    expect(await sampleWeek(sup, WEEK)).toBe(0);

    // Nothing of the other tenant, and nothing of the next week.
    expect(rows.some((r) => foreign.includes(r.callId))).toBe(false);
    expect((await queued(other)).length).toBe(0);
    expect((await listQueue(sup, { week: "2026-11-09" })).data).toEqual([]);

    // The database itself refuses a second queue row for a call.
    const dup = await dataPlane(E, t.tenant)
      .db.insert(reviewQueue)
      .values({ ...rows[0], id: newId("rq"), week: "2026-11-09" })
      .catch((e: Error) => e);
    expect(String((dup as Error).cause ?? dup)).toMatch(/UNIQUE constraint failed: review_queue/);
  });

  it("progress per agent and reviewer follows the reviews; a day names its week", async () => {
    const t = await makeTenant();
    const sup = asRole(t, "supervisor");
    const ids = await seedCalls(t, [{ agent: "A" }, { agent: "A" }, { agent: "B" }]);
    await saveRule(sup, { perAgent: 5, random: true, reviewers: [t.users.supervisor.id] });
    // Any day of the week names it (Wednesday → its Monday).
    expect((await listQueue(sup, { week: "2026-11-04" })).week).toBe(WEEK);
    expect(await sampleWeek(sup, WEEK)).toBe(3);
    const now = Date.now();
    await dataPlane(E, t.tenant)
      .db.insert(reviews)
      .values({
        id: newId("rev"),
        tenantId: t.tenant.id,
        callId: ids[0],
        analysisId: `an_${ids[0]}`,
        reviewerId: t.users.supervisor.id,
        status: "final",
        createdAt: now,
        updatedAt: now,
      });
    const p = await queueProgress(sup, WEEK);
    expect(p.agents.map((a) => [a.id, a.name, a.assigned, a.done])).toEqual([
      [aid(t, "A"), "Agent A", 2, 1],
      [aid(t, "B"), "Agent B", 1, 0],
    ]);
    expect(p.reviewers).toEqual([
      { id: t.users.supervisor.id, name: "supervisor Tester", assigned: 3, done: 1 },
    ]);
    const done = await listQueue(sup, { week: WEEK, status: "done" });
    expect(done.data.map((d) => d.callId)).toEqual([ids[0]]);
    const page1 = await listQueue(sup, { week: WEEK, limit: 2 });
    expect(page1.data).toHaveLength(2);
    const page2 = await listQueue(sup, { week: WEEK, limit: 2, cursor: page1.nextCursor ?? "" });
    expect(page2.data).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();
  });

  it("the weekly cron samples the week that ended, once, through the jobs queue", async () => {
    const t = await makeTenant();
    const sup = asRole(t, "supervisor");
    await seedCalls(t, [{ agent: "A", critical: true }, { agent: "A" }]);
    await saveRule(sup, { perAgent: 1, criticalFail: true, reviewers: [t.users.admin.id] });
    // As if the rule had been saved during WEEK: due at the following Monday 00:00, Paris time.
    const due = dayBounds("2026-11-09", "Europe/Paris")[0];
    expect(weekOf(due - 3_600_000, "Europe/Paris")).toBe(WEEK);
    await controlDb(E)
      .update(reviewSamplingRules)
      .set({ nextRunAt: due })
      .where(eq(reviewSamplingRules.tenantId, t.tenant.id));
    expect(await enqueueDueSampling(E, due + 3 * 3_600_000)).toBeGreaterThanOrEqual(1);

    const w = await worker();
    const msg = { type: "review.sample", tenantId: t.tenant.id };
    const batch = createMessageBatch("ccr-jobs", [
      { id: "s1", timestamp: new Date(), attempts: 1, body: msg },
      { id: "s2", timestamp: new Date(), attempts: 1, body: msg },
    ]);
    const ctx = createExecutionContext();
    await w.queue(batch, E, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks.sort()).toEqual(["s1", "s2"]);
    const rows = await queued(t);
    expect(rows.map((r) => [r.week, r.reason, r.reviewerId])).toEqual([
      [WEEK, "critical_fail", t.users.admin.id],
    ]);
    const rule = await controlDb(E).query.reviewSamplingRules.findFirst({
      where: and(eq(reviewSamplingRules.tenantId, t.tenant.id)),
    });
    expect(rule?.nextRunAt).toBeGreaterThan(Date.now()); // moved on: the next Monday from now
    expect(await runScheduledSampling(E, t.tenant)).toBe(0);
  });
});
