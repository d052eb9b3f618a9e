import { describe, expect, it } from "vitest";
import { createApiKey } from "../core/identity/api-keys";
import { call, makeTenant } from "./helpers";
import { aid, seedCalls, WEEK } from "./review-queue-helpers";

type Json = Record<string, unknown>;
const api = (path: string, key: string, init: { method?: string; json?: unknown } = {}) =>
  call(`/api/v1${path}`, { key, ...init });

async function expectProblem(res: Response, status: number, pointer?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  const p = (await res.json()) as { status: number; errors?: { pointer: string }[] };
  expect(p.status).toBe(status);
  if (pointer) expect(p.errors?.map((e) => e.pointer)).toContain(pointer);
}

describe("review queue API (#16.6)", () => {
  it("rule CRUD, assign (idempotent), list with filters and pages, progress, next, reassign", async () => {
    const t = await makeTenant();
    const ids = await seedCalls(t, [
      { agent: "A", critical: true },
      { agent: "A", score: 20 },
      { agent: "A" },
      { agent: "B", irritant: true },
    ]);
    expect((await api("/review-queue/rule", t.key)).status).toBe(404);
    const put = await api("/review-queue/rule", t.key, {
      method: "PUT",
      json: {
        perAgent: 2,
        lowScoreBelow: 50,
        criticalFail: true,
        irritants: true,
        reviewers: [t.users.supervisor.id, t.users.owner.id],
      },
    });
    expect(put.status).toBe(200);
    const saved = (await put.json()) as { rule: Json; sampled: number };
    expect(saved.rule).toMatchObject({ perAgent: 2, lowScoreBelow: 50, random: false, disputed: false });
    expect(await (await api("/review-queue/rule", t.key)).json()).toMatchObject({ perAgent: 2 });

    const assign = () => api("/review-queue/assign", t.key, { method: "POST", json: { week: "2026-11-05" } });
    expect(await (await assign()).json()).toEqual({ week: WEEK, queued: 3 });
    expect(await (await assign()).json()).toEqual({ week: WEEK, queued: 0 }); // never twice

    const list = (await (await api(`/review-queue?week=${WEEK}`, t.key)).json()) as {
      data: Json[];
      week: string;
    };
    expect(list.data.map((d) => d.callId).sort()).toEqual([ids[0], ids[1], ids[3]].sort());
    expect(list.data.every((d) => d.status === "assigned")).toBe(true);
    const mine = (await (
      await api(`/review-queue?week=${WEEK}&reviewerId=${t.users.owner.id}`, t.key)
    ).json()) as { data: Json[] };
    expect(mine.data).toHaveLength(1);
    const onlyB = (await (await api(`/review-queue?week=${WEEK}&agentId=${aid(t, "B")}`, t.key)).json()) as {
      data: Json[];
    };
    expect(onlyB.data.map((d) => [d.callId, d.reason])).toEqual([[ids[3], "irritants"]]);
    const p1 = (await (await api(`/review-queue?week=${WEEK}&limit=2`, t.key)).json()) as {
      data: Json[];
      nextCursor: string;
    };
    const p2 = (await (
      await api(`/review-queue?week=${WEEK}&limit=2&cursor=${encodeURIComponent(p1.nextCursor)}`, t.key)
    ).json()) as { data: Json[]; nextCursor: null };
    expect([...p1.data, ...p2.data].map((d) => d.id)).toEqual(list.data.map((d) => d.id));
    expect(p2.nextCursor).toBeNull();

    const progress = (await (await api(`/review-queue/progress?week=${WEEK}`, t.key)).json()) as {
      agents: Json[];
      reviewers: Json[];
    };
    expect(progress.agents.map((a) => [a.name, a.assigned, a.done])).toEqual([
      ["Agent A", 2, 0],
      ["Agent B", 1, 0],
    ]);
    expect(progress.reviewers.reduce((s, r) => s + (r.assigned as number), 0)).toBe(3);

    // An API key names the reviewer; without one it is told so.
    await expectProblem(await api("/review-queue/next", t.key, { method: "POST" }), 400, "/reviewerId");
    const next = (await (
      await api("/review-queue/next", t.key, { method: "POST", json: { reviewerId: t.users.owner.id } })
    ).json()) as Json;
    expect(next).toMatchObject({ reviewerId: t.users.owner.id, status: "assigned" });

    // Reassign to the supervisor: the owner has nothing left.
    const moved = await api(`/review-queue/${next.id}/reassign`, t.key, {
      method: "POST",
      json: { reviewerId: t.users.supervisor.id },
    });
    expect(await moved.json()).toMatchObject({ id: next.id, reviewerId: t.users.supervisor.id });
    await expectProblem(
      await api("/review-queue/next", t.key, { method: "POST", json: { reviewerId: t.users.owner.id } }),
      404,
    );

    expect((await api("/review-queue/rule", t.key, { method: "DELETE" })).status).toBe(204);
    expect((await api("/review-queue/rule", t.key)).status).toBe(404);
    // The queue stays when the rule goes.
    expect(
      ((await (await api(`/review-queue?week=${WEEK}`, t.key)).json()) as { data: Json[] }).data,
    ).toHaveLength(3);
  });

  it("bad input is a problem document naming the field", async () => {
    const t = await makeTenant();
    const body = (over: Json) => ({ perAgent: 2, random: true, reviewers: [t.users.supervisor.id], ...over });
    const put = (json: unknown) => api("/review-queue/rule", t.key, { method: "PUT", json });
    await expectProblem(await put(body({ perAgent: 0 })), 400, "/perAgent");
    await expectProblem(await put(body({ perAgent: 51 })), 400, "/perAgent");
    await expectProblem(await put(body({ lowScoreBelow: 101 })), 400, "/lowScoreBelow");
    await expectProblem(await put(body({ random: false })), 400, "/random"); // no filter at all
    await expectProblem(await put(body({ reviewers: [] })), 400, "/reviewers");
    await expectProblem(await put(body({ reviewers: [t.users.agent.id] })), 400, "/reviewers/0"); // agents don't review
    await expectProblem(await put(body({ extra: 1 })), 400);
    await expectProblem(await api("/review-queue?week=2026-13-45", t.key), 400, "/week");
    await expectProblem(await api("/review-queue?cursor=garbage", t.key), 400, "/cursor");
    await expectProblem(await api("/review-queue?status=finished", t.key), 400);
    await expectProblem(
      await api("/review-queue/assign", t.key, { method: "POST", json: { week: WEEK } }),
      404, // no rule yet: nothing to sample with
    );
    await expectProblem(
      await api("/review-queue/assign", t.key, { method: "POST", json: { week: "yesterday" } }),
      400,
      "/week",
    );
  });

  it("another tenant's ids are 404 or refused; scopes are enforced", async () => {
    const t = await makeTenant();
    const other = await makeTenant();
    await seedCalls(t, [{ agent: "A", critical: true }]);
    await api("/review-queue/rule", t.key, {
      method: "PUT",
      json: { perAgent: 1, criticalFail: true, reviewers: [t.users.supervisor.id] },
    });
    await api("/review-queue/assign", t.key, { method: "POST", json: { week: WEEK } });
    const [item] = ((await (await api(`/review-queue?week=${WEEK}`, t.key)).json()) as { data: Json[] }).data;

    // The other tenant sees none of it and cannot touch the item.
    expect(
      ((await (await api(`/review-queue?week=${WEEK}`, other.key)).json()) as { data: Json[] }).data,
    ).toEqual([]);
    await expectProblem(
      await api(`/review-queue/${item.id}/reassign`, other.key, {
        method: "POST",
        json: { reviewerId: other.users.supervisor.id },
      }),
      404,
    );
    // Nor can it name another tenant's member as a reviewer, here or there.
    await expectProblem(
      await api(`/review-queue/${item.id}/reassign`, t.key, {
        method: "POST",
        json: { reviewerId: other.users.supervisor.id },
      }),
      400,
      "/reviewerId",
    );
    await expectProblem(
      await api("/review-queue/rule", other.key, {
        method: "PUT",
        json: { perAgent: 1, random: true, reviewers: [t.users.supervisor.id] },
      }),
      400,
      "/reviewers/0",
    );
    await expectProblem(
      await api("/review-queue/next", other.key, {
        method: "POST",
        json: { reviewerId: t.users.supervisor.id },
      }),
      404,
    );

    // A key without the reviews scope, and no key at all.
    const readOnly = await createApiKey(t.ctx, { name: "ro", scopes: ["calls:read", "analyses:read"] });
    for (const [method, path] of [
      ["GET", `/review-queue?week=${WEEK}`],
      ["GET", "/review-queue/rule"],
      ["GET", "/review-queue/progress"],
      ["POST", "/review-queue/next"],
    ] as const)
      await expectProblem(
        await api(path, readOnly.key, { method, json: method === "POST" ? {} : undefined }),
        403,
      );
    await expectProblem(await call("/api/v1/review-queue"), 401);
  });
});
