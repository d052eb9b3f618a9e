import { eq } from "drizzle-orm";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { createApiKey } from "../core/identity/api-keys";
import { cohenKappa, fleissKappa, spread } from "../core/quality/agreement-stats";
import { closeSession, getSession, results as resultsOf } from "../core/quality/calibration";
import { saveReview } from "../core/quality/reviews";
import { dataPlane } from "../db/resolver";
import { calibrationAnswers, calibrationCalls, calibrationSessions } from "../db/schema/data";
import { agentRequest, runRetention } from "./erasure-helpers";
import { asRole, call, E, makeTenant, type TestTenant, tenantToday } from "./helpers";
import { analysedCall, seedCalls } from "./review-queue-helpers";

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read field by field in assertions
type Json = Record<string, any>;
const api = (
  path: string,
  key: string,
  init: { method?: string; json?: unknown; headers?: Record<string, string> } = {},
) => call(`/api/v1${path}`, { key, ...init });
const body = async (res: Response, status: number) => {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as Json;
};
async function expectProblem(res: Response, status: number, pointer?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  const p = (await res.json()) as { status: number; errors?: { pointer: string }[] };
  expect(p.status).toBe(status);
  if (pointer) expect(p.errors?.map((e) => e.pointer)).toContain(pointer);
}

/** Every criterion of the session's grid "pass", except those given. */
const answersFor = (criteria: { id: string }[], except: Record<string, "pass" | "fail" | "na"> = {}) =>
  Object.fromEntries(criteria.map((c) => [c.id, { result: except[c.id] ?? "pass" }]));

async function rubricOf(t: TestTenant, callId: string): Promise<string> {
  const a = await body(await api(`/calls/${callId}/analysis`, t.key), 200);
  return a.rubric.id as string;
}

describe("agreement figures (#16.6)", () => {
  it("Fleiss' κ on the textbook example (Fleiss 1971, as on Wikipedia): 0.210", () => {
    const table = [
      [0, 0, 0, 0, 14],
      [0, 2, 6, 4, 2],
      [0, 0, 3, 5, 6],
      [0, 3, 9, 2, 0],
      [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0],
      [3, 2, 6, 3, 0],
      [2, 5, 3, 2, 2],
      [6, 5, 2, 1, 0],
      [0, 2, 2, 3, 7],
    ];
    expect(fleissKappa(table)).toBe(0.21);
    expect(fleissKappa([[3, 0]])).toBeNull(); // everyone in one category: undefined
  });
  it("Cohen's κ on the textbook example (20 yes-yes, 5 yes-no, 10 no-yes, 15 no-no): 0.4", () => {
    const pairs: [string, string][] = [
      ...Array.from({ length: 20 }, (): [string, string] => ["yes", "yes"]),
      ...Array.from({ length: 5 }, (): [string, string] => ["yes", "no"]),
      ...Array.from({ length: 10 }, (): [string, string] => ["no", "yes"]),
      ...Array.from({ length: 15 }, (): [string, string] => ["no", "no"]),
    ];
    expect(cohenKappa(pairs)).toBe(0.4);
  });
  it("spread: counts, modal answer and its share; a tie has no modal answer", () => {
    expect(spread(["pass", "fail", "pass"])).toEqual({
      counts: { pass: 2, fail: 1 },
      modal: "pass",
      agreement: 0.667,
    });
    expect(spread(["pass", "fail"]).modal).toBeNull();
    expect(spread(["pass", "fail"]).agreement).toBe(0.5);
  });
});

describe("calibration sessions API (#16.6)", () => {
  it("from the queue, blind until submitted, agreement and κ on a known example, closing with agreed answers", async () => {
    const t = await makeTenant();
    const other = await makeTenant();
    const c1 = await analysedCall(t, "K-1");
    const c2 = await analysedCall(t, "K-2");
    const c3 = await analysedCall(t, "K-3");
    const rubricId = await rubricOf(t, c1);
    const { owner, admin, supervisor } = t.users;
    // The queue holds this week's calls; the session takes them from there.
    await body(
      await api("/review-queue/rule", t.key, {
        method: "PUT",
        json: { perAgent: 5, random: true, reviewers: [supervisor.id] },
      }),
      200,
    );
    const today = tenantToday();
    const create = (json: unknown, headers: Record<string, string> = {}) =>
      api("/calibration-sessions", t.key, { method: "POST", json, headers });
    const created = await create(
      {
        title: "Week calibration",
        rubricId,
        fromQueue: { week: today },
        participants: [owner.id, admin.id, supervisor.id],
      },
      { "Idempotency-Key": "cal-1" },
    );
    const s = await body(created, 201);
    expect(s.calls.map((c: Json) => c.callId).sort()).toEqual([c1, c2, c3].sort());
    expect(s).toMatchObject({ status: "open", version: 1, rubric: { id: rubricId, version: 1 } });
    expect(s.participants.map((p: Json) => p.id).sort()).toEqual([owner.id, admin.id, supervisor.id].sort());
    // The same Idempotency-Key replays the first answer (no second session).
    const replay = await create(
      {
        title: "Week calibration",
        rubricId,
        fromQueue: { week: today },
        participants: [owner.id, admin.id, supervisor.id],
      },
      { "Idempotency-Key": "cal-1" },
    );
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(((await replay.json()) as Json).id).toBe(s.id);

    const criteria = s.criteria as { id: string }[];
    const x = criteria[0].id;
    const submit = (reviewerId: string, callId: string, answers: unknown) =>
      api(`/calibration-sessions/${s.id}/calls/${callId}/answers`, t.key, {
        method: "POST",
        json: { reviewerId, answers },
      });
    const results = async (reviewerId?: string) =>
      body(
        await api(
          `/calibration-sessions/${s.id}/results${reviewerId ? `?reviewerId=${reviewerId}` : ""}`,
          t.key,
        ),
        200,
      );

    // Bad input first: problem+json naming the field.
    await expectProblem(
      await submit(supervisor.id, c1, { [x]: { result: "pass" } }),
      400,
      `/answers/${criteria[1].id}`,
    );
    await expectProblem(
      await submit(supervisor.id, c1, { ...answersFor(criteria), nope: { result: "pass" } }),
      400,
      "/answers/nope",
    );
    await expectProblem(await submit(supervisor.id, c1, { [x]: { result: "maybe" } }), 400);
    await expectProblem(await submit(t.users.agent.id, c1, answersFor(criteria)), 403); // not a participant
    await expectProblem(
      await api(`/calibration-sessions/${s.id}/calls/${c1}/answers`, t.key, {
        method: "POST",
        json: { answers: answersFor(criteria) },
      }),
      400,
      "/reviewerId",
    );
    await expectProblem(await submit(supervisor.id, "call_unknown", answersFor(criteria)), 404);
    await expectProblem(await api("/calibration-sessions/cal_unknown", t.key), 404);

    // The supervisor submits call 1: answers are final, and only now visible to them.
    const first = await body(await submit(supervisor.id, c1, answersFor(criteria, { [x]: "fail" })), 201);
    expect(first.answers[x]).toEqual({ result: "fail" });
    await expectProblem(await submit(supervisor.id, c1, answersFor(criteria)), 409); // twice → 409

    const asAdmin = await results(admin.id);
    expect(asAdmin.calls.find((c: Json) => c.callId === c1)).toEqual({
      callId: c1,
      visible: false,
      submitted: 1,
    });
    expect(JSON.stringify(asAdmin)).not.toContain('"fail"');
    const asKey = await results();
    expect(asKey.calls.every((c: Json) => c.visible === false)).toBe(true);
    const asSup = await results(supervisor.id);
    const supC1 = asSup.calls.find((c: Json) => c.callId === c1);
    expect(supC1.visible).toBe(true);
    expect(supC1.criteria.find((k: Json) => k.id === x).answers).toEqual([
      { reviewerId: supervisor.id, result: "fail" },
    ]);
    expect(asSup.calls.find((c: Json) => c.callId === c2).visible).toBe(false);
    // The session itself never shows answers, only who submitted what.
    const seen = await body(await api(`/calibration-sessions/${s.id}?reviewerId=${admin.id}`, t.key), 200);
    expect(seen.participants.find((p: Json) => p.id === supervisor.id).submitted).toBe(1);
    expect(seen.calls.find((c: Json) => c.callId === c1)).toMatchObject({
      submitted: 1,
      mine: false,
      resultsVisible: false,
    });

    // Known example on criterion x: c1 pass/pass/fail, c2 fail×3, c3 pass×3 → Fleiss κ 0.55.
    for (const r of [owner.id, admin.id]) await body(await submit(r, c1, answersFor(criteria)), 201);
    for (const r of [owner.id, admin.id, supervisor.id]) {
      await body(await submit(r, c2, answersFor(criteria, { [x]: "fail" })), 201);
      await body(await submit(r, c3, answersFor(criteria)), 201);
    }
    const all = await results(owner.id);
    expect(all.criteria[0]).toMatchObject({
      id: x,
      calls: 3,
      agreement: 0.889,
      kappa: { method: "fleiss", value: 0.55, raters: 3 },
    });
    // Criteria everyone answered alike: full agreement, κ undefined.
    expect(all.criteria[1]).toMatchObject({
      agreement: 1,
      kappa: { method: "fleiss", value: null, raters: 3 },
    });
    const r1 = all.calls.find((c: Json) => c.callId === c1);
    expect(r1.criteria[0]).toMatchObject({
      id: x,
      counts: { pass: 2, fail: 1, na: 0 },
      modal: "pass",
      agreement: 0.667,
    });
    // The engine's answer beside the reviewers', from the call's analysis.
    const analysis = await body(await api(`/calls/${c1}/analysis`, t.key), 200);
    const engineX = analysis.criteria.find((c: Json) => c.id === x).result;
    expect(r1.criteria[0].engine).toBe(engineX);
    const byReviewer = new Map(r1.scores.byReviewer.map((b: Json) => [b.reviewerId, b.score]));
    expect(byReviewer.get(owner.id)).toBe(100);
    expect(r1.scores.spread).toBe(Math.round((r1.scores.max - r1.scores.min) * 10) / 10);

    // A finalised review of call 1 that the agreed answer will contradict.
    const review = await saveReview(asRole(t, "supervisor"), c1, { finalize: true, comment: "ok" });
    const agreedX = engineX === "pass" ? "fail" : "pass";

    // Closing: the creator (here the API key), an owner or an admin; version-checked; once.
    await expect(closeSession(asRole(t, "supervisor"), s.id, { version: 1 })).rejects.toMatchObject({
      status: 403,
    });
    const close = (json: unknown) =>
      api(`/calibration-sessions/${s.id}/close`, t.key, { method: "POST", json });
    await expectProblem(
      await close({ version: 1, agreed: { call_other: { [x]: "pass" } } }),
      400,
      "/agreed/call_other",
    );
    await expectProblem(
      await close({ version: 1, agreed: { [c1]: { nope: "pass" } } }),
      400,
      `/agreed/${c1}/nope`,
    );
    await expectProblem(await close({ version: 7 }), 409);
    const [a, b] = await Promise.all([
      close({ version: 1, agreed: { [c1]: { [x]: agreedX } } }),
      close({ version: 1, agreed: { [c1]: { [x]: agreedX } } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const closed = (await (a.status === 200 ? a : b).json()) as Json;
    expect(closed.session).toMatchObject({ status: "closed", version: 2 });
    const closedC1 = closed.calls.find((c: Json) => c.callId === c1);
    expect(closedC1.criteria.find((k: Json) => k.id === x).agreed).toBe(agreedX);
    expect(closedC1.reviewsDiffering).toEqual([
      { reviewId: review.id, reviewerId: supervisor.id, status: "final", criteria: [x] },
    ]);
    // The review itself is untouched.
    const after = await body(await api(`/calls/${c1}/reviews`, t.key), 200);
    expect(after.data[0]).toMatchObject({
      id: review.id,
      status: "final",
      overrides: {},
      version: review.version,
    });
    // Closed: everyone sees everything; no more answers, no second close.
    expect((await results()).calls.every((c: Json) => c.visible)).toBe(true);
    await expectProblem(await submit(owner.id, c1, answersFor(criteria)), 409);
    await expectProblem(await close({ version: 2 }), 409);

    // Another tenant's key: 404 on the session, and its calls cannot be put in a session.
    await expectProblem(await api(`/calibration-sessions/${s.id}`, other.key), 404);
    await expectProblem(await api(`/calibration-sessions/${s.id}/results`, other.key), 404);
    await expectProblem(
      await api("/calibration-sessions", other.key, {
        method: "POST",
        json: { title: "x", rubricId, callIds: [c1], participants: [owner.id, admin.id] },
      }),
      404,
    );
  });

  it("two reviewers → Cohen's κ; bad input on create; paging; roles and scopes", async () => {
    const t = await makeTenant();
    const calls = [await analysedCall(t, "C-1"), await analysedCall(t, "C-2"), await analysedCall(t, "C-3")];
    const rubricId = await rubricOf(t, calls[0]);
    const { owner, admin, supervisor, agent } = t.users;
    const create = (json: unknown) => api("/calibration-sessions", t.key, { method: "POST", json });
    const base = { title: "Pair", rubricId, callIds: calls, participants: [owner.id, supervisor.id] };

    await expectProblem(await create({ ...base, callIds: ["call_nope"] }), 404, "/callIds/0");
    await expectProblem(await create({ ...base, callIds: [] }), 400, "/callIds");
    await expectProblem(await create({ ...base, participants: [owner.id, agent.id] }), 400, "/participants");
    await expectProblem(await create({ ...base, participants: [owner.id, owner.id] }), 400, "/participants");
    await expectProblem(await create({ ...base, rubricId: "rub_nope" }), 404);
    await expectProblem(await create({ ...base, extra: 1 }), 400);

    const s = await body(await create(base), 201);
    const criteria = s.criteria as { id: string }[];
    const x = criteria[0].id;
    // c1 pass/pass, c2 fail/fail, c3 pass/fail → Cohen's κ = (2/3 − 4/9) / (1 − 4/9) = 0.4.
    const plan: Record<string, ["pass" | "fail", "pass" | "fail"]> = {
      [calls[0]]: ["pass", "pass"],
      [calls[1]]: ["fail", "fail"],
      [calls[2]]: ["pass", "fail"],
    };
    for (const [callId, [o, sup]] of Object.entries(plan))
      for (const [reviewerId, result] of [
        [owner.id, o],
        [supervisor.id, sup],
      ] as const)
        await body(
          await api(`/calibration-sessions/${s.id}/calls/${callId}/answers`, t.key, {
            method: "POST",
            json: { reviewerId, answers: answersFor(criteria, { [x]: result }) },
          }),
          201,
        );
    // An admin not taking part organises: sees the results while open (core, as a member).
    const r = await resultsOf(asRole(t, "admin"), s.id);
    expect(r.criteria[0]).toMatchObject({ id: x, kappa: { method: "cohen", value: 0.4, raters: 2 } });
    expect(r.calls.every((c) => c.visible)).toBe(true);
    // The admin is no participant: a submission is refused.
    await expectProblem(
      await api(`/calibration-sessions/${s.id}/calls/${calls[0]}/answers`, t.key, {
        method: "POST",
        json: { reviewerId: admin.id, answers: answersFor(criteria) },
      }),
      403,
    );
    // A member sees a session as themselves only.
    await expect(getSession(asRole(t, "supervisor"), s.id, { reviewerId: owner.id })).rejects.toMatchObject({
      status: 403,
    });

    // Paging: newest first, a cursor to the next page, a status filter.
    await body(await create({ ...base, title: "Second" }), 201);
    const p1 = await body(await api("/calibration-sessions?limit=1", t.key), 200);
    expect(p1.data.map((d: Json) => d.title)).toEqual(["Second"]);
    expect(p1.data[0]).toMatchObject({ calls: 3, participants: 2, status: "open" });
    const p2 = await body(
      await api(`/calibration-sessions?limit=1&cursor=${encodeURIComponent(p1.nextCursor)}`, t.key),
      200,
    );
    expect(p2.data.map((d: Json) => d.id)).toEqual([s.id]);
    expect(p2.nextCursor).toBeNull();
    expect((await body(await api("/calibration-sessions?status=closed", t.key), 200)).data).toEqual([]);
    await expectProblem(await api("/calibration-sessions?cursor=garbage", t.key), 400, "/cursor");

    // A key without reviews:write: 403 everywhere.
    const ro = await createApiKey(t.ctx, { name: "ro", scopes: ["calls:read", "analyses:read"] });
    await expectProblem(await api("/calibration-sessions", ro.key), 403);
    await expectProblem(await api(`/calibration-sessions/${s.id}/results`, ro.key), 403);
    await expectProblem(await api("/calibration-sessions", ro.key, { method: "POST", json: base }), 403);
  });

  it("deleting a call deletes the calibration answers about it (they judge its agent)", async () => {
    const t = await makeTenant();
    const [keep, gone] = [await analysedCall(t, "D-1"), await analysedCall(t, "D-2")];
    const { owner, supervisor } = t.users;
    const s = await body(
      await api("/calibration-sessions", t.key, {
        method: "POST",
        json: {
          title: "Del",
          rubricId: await rubricOf(t, keep),
          callIds: [keep, gone],
          participants: [owner.id, supervisor.id],
        },
      }),
      201,
    );
    for (const callId of [keep, gone])
      await body(
        await api(`/calibration-sessions/${s.id}/calls/${callId}/answers`, t.key, {
          method: "POST",
          json: { reviewerId: owner.id, answers: answersFor(s.criteria) },
        }),
        201,
      );
    const rows = async (table: typeof calibrationAnswers | typeof calibrationCalls) =>
      (
        await dataPlane(E, t.tenant)
          .db.select({ callId: table.callId })
          .from(table)
          .where(eq(table.tenantId, t.tenant.id))
      )
        .map((r) => r.callId)
        .sort();
    expect(await rows(calibrationAnswers)).toEqual([keep, gone].sort());
    await body(await api("/calls/delete", t.key, { method: "POST", json: { ids: [gone] } }), 200);
    expect(await rows(calibrationAnswers)).toEqual([keep]);
    expect(await rows(calibrationCalls)).toEqual([keep]);
    const after = await body(await api(`/calibration-sessions/${s.id}`, t.key), 200);
    expect(after.calls.map((c: Json) => c.callId)).toEqual([keep]);
  });

  it("an agent's access export holds the calibration answers on their calls, without reviewer ids; their erasure removes them", async () => {
    const t = await makeTenant();
    const c1 = await analysedCall(t, "E-1");
    const { owner, supervisor } = t.users;
    const agentId = (await body(await api(`/calls/${c1}`, t.key), 200)).agentId as string;
    const s = await body(
      await api("/calibration-sessions", t.key, {
        method: "POST",
        json: {
          title: "Export",
          rubricId: await rubricOf(t, c1),
          callIds: [c1],
          participants: [owner.id, supervisor.id],
        },
      }),
      201,
    );
    const x = s.criteria[0].id as string;
    await body(
      await api(`/calibration-sessions/${s.id}/calls/${c1}/answers`, t.key, {
        method: "POST",
        json: {
          reviewerId: owner.id,
          answers: {
            ...answersFor(s.criteria, { [x]: "fail" }),
            [x]: { result: "fail", comment: "no greeting" },
          },
        },
      }),
      201,
    );
    const access = await agentRequest(t, "access", agentId);
    const files = unzipSync(
      new Uint8Array(await (await call(access.export.downloadUrl, { key: t.key })).arrayBuffer()),
    );
    const text = new TextDecoder().decode(files["calibration.json"]);
    const rows = JSON.parse(text) as Json[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ sessionId: s.id, session: "Export", callId: c1, status: "open" });
    expect(rows[0].answers[x]).toEqual({ result: "fail", comment: "no greeting" });
    expect(text).not.toContain(owner.id);

    await agentRequest(t, "erasure", agentId);
    const left = await dataPlane(E, t.tenant)
      .db.select()
      .from(calibrationAnswers)
      .where(eq(calibrationAnswers.tenantId, t.tenant.id));
    expect(left).toEqual([]);
  });

  it("the retention run that purges an expired call purges the calibration answers about it", async () => {
    const t = await makeTenant();
    const [old, recent] = await seedCalls(t, [{ agent: "R", day: "2022-01-12" }, { agent: "R" }]);
    const dp = dataPlane(E, t.tenant);
    const now = Date.now();
    await dp.db.insert(calibrationSessions).values({
      id: `cal_ret_${t.tenant.id}`,
      tenantId: t.tenant.id,
      title: "Old",
      rubricId: "rub_x",
      rubricVersion: 1,
      createdBy: t.users.owner.id,
      createdAt: now,
      updatedAt: now,
    });
    for (const [i, callId] of [old, recent].entries()) {
      await dp.db
        .insert(calibrationCalls)
        .values({ tenantId: t.tenant.id, sessionId: `cal_ret_${t.tenant.id}`, callId, position: i });
      await dp.db.insert(calibrationAnswers).values({
        tenantId: t.tenant.id,
        sessionId: `cal_ret_${t.tenant.id}`,
        callId,
        reviewerId: t.users.owner.id,
        answers: { greeting: { result: "pass" } },
        submittedAt: now,
      });
    }
    await runRetention(t, now);
    const left = async (table: typeof calibrationAnswers | typeof calibrationCalls) =>
      (await dp.db.select({ callId: table.callId }).from(table).where(eq(table.tenantId, t.tenant.id))).map(
        (r) => r.callId,
      );
    expect(await left(calibrationAnswers)).toEqual([recent]);
    expect(await left(calibrationCalls)).toEqual([recent]);
  });
});
