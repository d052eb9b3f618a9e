import type { D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { agreement, disputeReview, resolveReview, saveReview } from "../core/quality/reviews";
import { controlDb } from "../db/client";
import { dataPlane } from "../db/resolver";
import { tenants } from "../db/schema/control";
import { calls, reviewQueue, reviews } from "../db/schema/data";
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

  it("analyses expiring before the call: its reviews and queue item go in the same batch, none points at a removed analysis (review)", async () => {
    const t = await makeTenant();
    const DAY = 86_400_000;
    const post = async (ext: string, startedAt: number) => {
      const res = await call("/api/v1/calls", {
        method: "POST",
        key: t.key,
        json: {
          externalId: ext,
          startedAt,
          agent: { externalId: "ag-x", name: "Alice Martin" },
          transcript: {
            format: "text",
            content:
              "Agent: Bonjour, service client, Alice à l'appareil.\nClient: Ma facture est fausse.\nAgent: Je vous rembourse aujourd'hui. Bonne journée.",
          },
        },
      });
      expect(res.status).toBe(201);
      const { id } = (await res.json()) as { id: string };
      for (let i = 0; i < 300 && (await get(t, `/calls/${id}`)).status !== "done"; i++)
        await new Promise((r) => setTimeout(r, 50));
      return id;
    };
    const old = await post("AX-1", Date.now() - 5 * DAY);
    const recent = await post("AX-2", Date.now());
    await reviewed(t, [old, recent]);
    const dp = dataPlane(E, t.tenant);
    // The old call was started last week: queue it by hand as the sampling would have.
    await dp.db
      .insert(reviewQueue)
      .values({
        id: `rq_ax_${t.tenant.id}`,
        tenantId: t.tenant.id,
        week: "2026-11-02",
        callId: old,
        agentId: (await get(t, `/calls/${old}`)).agentId as string,
        reviewerId: t.users.supervisor.id,
        reason: "random",
        assignedAt: Date.now(),
      })
      .onConflictDoNothing();
    expect(await left(t)).toEqual({ reviews: [old, recent].sort(), queue: [old, recent].sort() });
    // Evaluations (analyses and reviews, SPEC F1) kept 2 days; transcripts keep the call row.
    const put = await call("/api/v1/settings/retention", {
      method: "PUT",
      key: t.key,
      json: { analyses: 2 },
    });
    expect(put.status).toBe(200);
    t.tenant = (await controlDb(E).query.tenants.findFirst({ where: eq(tenants.id, t.tenant.id) }))!;
    await runRetention(t);

    const [oldRow] = await dp.db.select().from(calls).where(eq(calls.id, old));
    expect(oldRow).toMatchObject({ analysisId: null, score: null, reviewedScore: null });
    expect(oldRow.anPurgedAt).not.toBeNull();
    expect(oldRow.txFormat).not.toBeNull(); // the call and its transcript stay
    expect(await left(t)).toEqual({ reviews: [recent], queue: [recent] });
    // Nothing left that names an analysis that no longer exists.
    const dangling = await dp.d1
      .prepare(
        "select count(*) as n from reviews r where r.tenant_id = ? and not exists (select 1 from analyses a where a.id = r.analysis_id)",
      )
      .bind(t.tenant.id)
      .first<{ n: number }>();
    expect(dangling!.n).toBe(0);
    expect((await get(t, `/calls/${old}/reviews`)).data).toEqual([]);
    expect((await get(t, "/review-queue?limit=50")).data.map((i: Json) => i.callId)).toEqual([recent]);
    // The recent call keeps everything.
    const [recentRow] = await dp.db.select().from(calls).where(eq(calls.id, recent));
    expect(typeof recentRow.reviewedScore).toBe("number");
    expect(recentRow.analysisId).not.toBeNull();
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
  it("the data migration removes what earlier analyses purges left: reviews of a removed analysis, queue item, reviewed score", async () => {
    const t = await makeTenant();
    const [purged, kept] = [await analysedCall(t, "MA-1"), await analysedCall(t, "MA-2")];
    await reviewed(t, [purged, kept]);
    const dp = dataPlane(E, t.tenant);
    // What the analyses phase did before the fix: analyses and labels gone, the rest left behind.
    await dp.d1.batch([
      dp.d1.prepare("delete from analyses where tenant_id = ? and call_id = ?").bind(t.tenant.id, purged),
      dp.d1
        .prepare(
          "update calls set analysis_id = null, score = null, an_purged_at = ? where tenant_id = ? and id = ?",
        )
        .bind(Date.now(), t.tenant.id, purged),
    ]);
    expect(await left(t)).toEqual({ reviews: [purged, kept].sort(), queue: [purged, kept].sort() });
    const migration = (env as unknown as { TEST_DATA_MIGRATIONS: D1Migration[] }).TEST_DATA_MIGRATIONS.find(
      (m) => m.name.includes("drop_reviews_of_purged_analyses"),
    ) as D1Migration;
    expect(migration).toBeDefined();
    await dp.d1.batch(migration.queries.map((q) => dp.d1.prepare(q)));
    expect(await left(t)).toEqual({ reviews: [kept], queue: [kept] });
    const score = async (id: string) =>
      (await dp.db.select({ s: calls.reviewedScore }).from(calls).where(eq(calls.id, id)))[0].s;
    expect(await score(purged)).toBeNull();
    expect(typeof (await score(kept))).toBe("number");
  });
});
