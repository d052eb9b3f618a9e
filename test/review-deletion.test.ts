import type { D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { agreement, disputeReview, resolveReview, saveReview } from "../core/quality/reviews";
import { dataPlane } from "../db/resolver";
import { reviewQueue, reviews } from "../db/schema/data";
import { agentRequest, runRetention } from "./erasure-helpers";
import { asRole, call, E, makeTenant, type TestTenant } from "./helpers";
import { analysedCall, seedCalls } from "./review-queue-helpers";

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read field by field in assertions
type Json = Record<string, any>;
const get = async (t: TestTenant, path: string) => {
  const res = await call(`/api/v1${path}`, { key: t.key });
  expect(res.status).toBe(200);
  return (await res.json()) as Json;
};

/** The call ids having rows in `reviews` and in `review_queue`, sorted. */
async function left(t: TestTenant) {
  const dp = dataPlane(E, t.tenant);
  const ids = (rows: { callId: string }[]) => rows.map((r) => r.callId).sort();
  return {
    reviews: ids(
      await dp.db.select({ callId: reviews.callId }).from(reviews).where(eq(reviews.tenantId, t.tenant.id)),
    ),
    queue: ids(
      await dp.db
        .select({ callId: reviewQueue.callId })
        .from(reviewQueue)
        .where(eq(reviewQueue.tenantId, t.tenant.id)),
    ),
  };
}

/**
 * Both calls queued for the supervisor (the rule samples the current week), each reviewed with an
 * override; the first disputed by its agent and the dispute resolved. Returns the criterion used.
 */
async function reviewed(t: TestTenant, [first, ...rest]: string[]) {
  const put = await call("/api/v1/review-queue/rule", {
    key: t.key,
    method: "PUT",
    json: { perAgent: 5, random: true, reviewers: [t.users.supervisor.id] },
  });
  expect(put.status).toBe(200);
  const x = (await get(t, `/calls/${first}/analysis`)).criteria[0].id as string;
  const sup = asRole(t, "supervisor");
  const override = { [x]: { result: "fail", comment: "no greeting heard" } };
  const review = await saveReview(sup, first, { overrides: override, finalize: true, comment: "rushed" });
  for (const id of rest) await saveReview(sup, id, { overrides: override, finalize: true });
  const agent = asRole(t, "agent");
  (agent.actor as { agentId: string | null }).agentId = (await get(t, `/calls/${first}`)).agentId as string;
  const disputed = await disputeReview(agent, review.id, { reason: "I greeted at 0:02" });
  await resolveReview(sup, review.id, { resolution: "greeting heard: kept", version: disputed.version });
  return x;
}

describe("reviews go with their call (C10, F1, F3)", () => {
  it("deleting a call deletes its reviews (overrides, dispute, resolution) and queue item; agreement follows", async () => {
    const t = await makeTenant();
    const [gone, keep] = [await analysedCall(t, "RD-1"), await analysedCall(t, "RD-2")];
    await reviewed(t, [gone, keep]);
    expect(await left(t)).toEqual({ reviews: [gone, keep].sort(), queue: [gone, keep].sort() });
    const period = { from: 0, to: Date.now() + 86_400_000 };
    expect((await agreement(asRole(t, "owner"), period)).reviews).toBe(2);

    const res = await call("/api/v1/calls/delete", { key: t.key, method: "POST", json: { ids: [gone] } });
    expect(res.status).toBe(200);
    expect(await left(t)).toEqual({ reviews: [keep], queue: [keep] });
    // The agreement report reads the reviews table: the deleted call's review no longer counts.
    expect((await agreement(asRole(t, "owner"), period)).reviews).toBe(1);
    const queue = await get(t, "/review-queue?limit=50");
    expect(queue.data.map((i: Json) => i.callId)).toEqual([keep]);
  });

  it("the agent's access export holds their calls' reviews without anyone's ids; their erasure removes reviews and queue items", async () => {
    const t = await makeTenant();
    const [c1, c2] = [await analysedCall(t, "RE-1"), await analysedCall(t, "RE-2")];
    const x = await reviewed(t, [c1, c2]);
    const agentId = (await get(t, `/calls/${c1}`)).agentId as string;

    const access = await agentRequest(t, "access", agentId);
    const zip = await call(access.export.downloadUrl, { key: t.key });
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    const text = new TextDecoder().decode(files["reviews.json"]);
    expect(new TextDecoder().decode(files["README.txt"])).toContain("reviews.json");
    const rows = JSON.parse(text) as Json[];
    expect(rows.map((r) => r.callId).sort()).toEqual([c1, c2].sort());
    const first = rows.find((r) => r.callId === c1) as Json;
    expect(first).toMatchObject({
      status: "resolved",
      comment: "rushed",
      overrides: { [x]: { result: "fail", comment: "no greeting heard" } },
      dispute: { reason: "I greeted at 0:02" },
      resolution: { text: "greeting heard: kept" },
    });
    expect(typeof first.score).toBe("number");
    expect(first.aiResults[x]).toBeDefined();
    expect(rows.find((r) => r.callId === c2)).toMatchObject({
      status: "final",
      dispute: null,
      resolution: null,
    });
    // Reviewer, disputer and resolver ids are other people's data (or an account's): none of them.
    expect(Object.keys(first)).not.toContain("reviewerId");
    for (const u of [t.users.supervisor, t.users.agent, t.users.owner]) expect(text).not.toContain(u.id);

    await agentRequest(t, "erasure", agentId);
    expect(await left(t)).toEqual({ reviews: [], queue: [] });
  });

  it("the retention run that purges an expired call purges its reviews and queue item", async () => {
    const t = await makeTenant();
    const [old, recent] = await seedCalls(t, [
      { agent: "R", day: "2022-01-12", disputed: true },
      { agent: "R", disputed: true },
    ]);
    const dp = dataPlane(E, t.tenant);
    for (const [i, callId] of [old, recent].entries())
      await dp.db.insert(reviewQueue).values({
        id: `rq_${i}_${t.tenant.id}`,
        tenantId: t.tenant.id,
        week: "2026-11-02",
        callId,
        agentId: `ag_R_${t.tenant.id}`,
        reviewerId: t.users.supervisor.id,
        reason: "disputed",
        assignedAt: Date.now(),
      });
    expect(await left(t)).toEqual({ reviews: [old, recent].sort(), queue: [old, recent].sort() });
    await runRetention(t);
    expect(await left(t)).toEqual({ reviews: [recent], queue: [recent] });
    // A second run finds nothing more to purge and keeps the recent call's rows.
    await runRetention(t);
    expect(await left(t)).toEqual({ reviews: [recent], queue: [recent] });
  });

  it("the data migration removes the reviews and queue items that earlier deletions left behind", async () => {
    const t = await makeTenant();
    const [kept, gone] = await seedCalls(t, [
      { agent: "M", disputed: true },
      { agent: "M", disputed: true },
    ]);
    const dp = dataPlane(E, t.tenant);
    for (const callId of [kept, gone])
      await dp.db.insert(reviewQueue).values({
        id: `rq_${callId}`,
        tenantId: t.tenant.id,
        week: "2026-11-02",
        callId,
        agentId: `ag_M_${t.tenant.id}`,
        reviewerId: t.users.supervisor.id,
        reason: "disputed",
        assignedAt: Date.now(),
      });
    // What a deletion did before the fix: the call row went, its review and queue item stayed.
    await dp.d1.prepare("delete from calls where tenant_id = ? and id = ?").bind(t.tenant.id, gone).run();
    const migration = (env as unknown as { TEST_DATA_MIGRATIONS: D1Migration[] }).TEST_DATA_MIGRATIONS.find(
      (m) => m.name.includes("drop_orphan_reviews"),
    ) as D1Migration;
    expect(migration).toBeDefined();
    await dp.d1.batch(migration.queries.map((q) => dp.d1.prepare(q)));
    expect(await left(t)).toEqual({ reviews: [kept], queue: [kept] });
  });
});
