import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { disputeReview } from "../core/quality/reviews";
import { controlDb } from "../db/client";
import { dataPlane } from "../db/resolver";
import { memberships } from "../db/schema/control";
import { calls } from "../db/schema/data";
import { asRole, call, loginCookie, makeTenant, type TestTenant, tenantToday } from "./helpers";

type Json = Record<string, unknown>;
type Criterion = {
  id: string;
  result: string;
  label: string;
  evidence: { segmentId: string; startS: number }[];
};

async function analysedCall(t: TestTenant, ext: string) {
  const res = await call("/api/v1/calls", {
    method: "POST",
    key: t.key,
    json: {
      externalId: ext,
      agent: { externalId: "ag-1", name: "Alice Martin", team: "Nord" },
      transcript: {
        format: "text",
        content:
          "Agent: Bonjour, service client de Test, Alice à l'appareil, que puis-je faire pour vous ?\nClient: Ma facture est fausse, on m'a facturé deux fois ce mois-ci.\nAgent: Je comprends, je vérifie votre compte. Je vous rembourse le double prélèvement aujourd'hui.\nClient: Merci beaucoup.\nAgent: Je vous en prie, puis-je faire autre chose pour vous ? Bonne journée.",
      },
    },
  });
  const { id } = (await res.json()) as { id: string };
  for (let i = 0; i < 300; i++) {
    const c = (await (await call(`/api/v1/calls/${id}`, { key: t.key })).json()) as Json;
    if (c.status === "done") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const a = (await (await call(`/api/v1/calls/${id}/analysis`, { key: t.key })).json()) as {
    criteria: Criterion[];
  };
  return { id, criteria: a.criteria };
}

const form = (path: string, cookie: string, body: Record<string, string>) =>
  call(path, { method: "POST", cookie, form: body });

describe("reviews and disputes (C10)", () => {
  it("override with a comment → finalise → agent disputes → supervisor resolves; scores apart; calibration; agreement", async () => {
    const t = await makeTenant();
    const { id, criteria } = await analysedCall(t, "R-1");
    const target = criteria.find((c) => c.result === "pass" || c.result === "fail")!;
    const flipped = target.result === "pass" ? "fail" : "pass";
    const sup = await loginCookie(t.users.supervisor.email);

    // The call page shows the automatic analysis with evidence buttons and the review form.
    const page = await (await call(`/calls/${id}`, { cookie: sup })).text();
    expect(page).toContain("Automatic analysis");
    expect(page).toContain("data-evidence");
    expect(page).toContain('action="/calls/' + id + '/review"');

    // An override without a comment is refused, readably; nothing saved.
    const noComment = await form(`/calls/${id}/review`, sup, { [`o.${target.id}.result`]: flipped });
    expect(noComment.status).toBe(400);
    expect(
      ((await (await call(`/api/v1/calls/${id}/reviews`, { key: t.key })).json()) as { data: Json[] }).data,
    ).toEqual([]);
    // A draft, then finalised.
    const draft = await form(`/calls/${id}/review`, sup, {
      [`o.${target.id}.result`]: flipped,
      [`o.${target.id}.comment`]: "The agent did not actually do it",
      comment: "Good call overall",
    });
    expect(draft.status).toBe(303);
    let list = (await (await call(`/api/v1/calls/${id}/reviews`, { key: t.key })).json()) as { data: Json[] };
    expect(list.data[0]).toMatchObject({ status: "draft", version: 1 });
    // A stale version (someone else saved meanwhile) → 409 and the page says so.
    const fin = await form(`/calls/${id}/review`, sup, {
      [`o.${target.id}.result`]: flipped,
      [`o.${target.id}.comment`]: "The agent did not actually do it",
      version: "1",
      finalize: "on",
    });
    expect(fin.status).toBe(303);
    const stale = await form(`/calls/${id}/review`, sup, { version: "1" });
    expect(stale.status).toBe(409);
    list = (await (await call(`/api/v1/calls/${id}/reviews`, { key: t.key })).json()) as { data: Json[] };
    const review = list.data[0] as {
      id: string;
      status: string;
      score: number;
      version: number;
      overrides: Json;
    };
    expect(review.status).toBe("final");
    expect(review.overrides[target.id]).toMatchObject({ result: flipped });
    // The AI's answer is untouched; the reviewed score is kept apart.
    const analysis = (await (await call(`/api/v1/calls/${id}/analysis`, { key: t.key })).json()) as {
      score: number;
      criteria: Criterion[];
    };
    expect(analysis.criteria.find((c) => c.id === target.id)?.result).toBe(target.result);
    const row = await dataPlane(t.ctx.env, t.tenant).db.query.calls.findFirst({ where: eq(calls.id, id) });
    expect(row?.reviewedScore).toBe(review.score);
    expect(row?.score).toBe(analysis.score);

    // The call's agent (linked member) disputes within the window; another agent cannot see it.
    const agents = (await (await call("/api/v1/agents", { key: t.key })).json()) as { data: Json[] };
    await controlDb(t.ctx.env)
      .update(memberships)
      .set({ agentId: agents.data[0].id as string })
      .where(eq(memberships.id, t.users.agent.membershipId));
    const agent = await loginCookie(t.users.agent.email);
    const agentPage = await (await call(`/calls/${id}`, { cookie: agent })).text();
    expect(agentPage).toContain(`/reviews/${review.id}/dispute`);
    // Too late: 8 days after finalisation with the default 7-day window.
    const late = disputeReview(asRole(t, "agent"), review.id, { reason: "x" }, Date.now() + 8 * 86_400_000);
    await expect(late).rejects.toMatchObject({ code: "not_found" }); // asRole's agent is not linked: not their call
    const disputed = await form(`/reviews/${review.id}/dispute`, agent, {
      reason: "I did it at 0:05",
      callId: id,
    });
    expect(disputed.status).toBe(303);
    // Supervisors resolve, keeping the AI's answer this time: the score is recomputed.
    const resolved = await form(`/reviews/${review.id}/resolve`, sup, {
      resolution: "Listened again: you did. Corrected.",
      version: String(review.version + 1),
      callId: id,
      [`r-${review.id}.${target.id}.result`]: target.result,
      [`r-${review.id}.${target.id}.comment`]: "Confirmed on listening",
    });
    expect(resolved.status).toBe(303);
    list = (await (await call(`/api/v1/calls/${id}/reviews`, { key: t.key })).json()) as { data: Json[] };
    expect(list.data[0]).toMatchObject({
      status: "resolved",
      resolution: { text: "Listened again: you did. Corrected." },
    });
    expect(list.data[0].score).toBe(analysis.score);

    // Calibration: a second reviewer (through the API) with another answer → spread shown.
    const mine = await call(`/api/v1/calls/${id}/reviews/mine`, {
      method: "PUT",
      key: t.key,
      json: { overrides: { [target.id]: { result: flipped, comment: "Strict reading" } }, finalize: true },
    });
    expect(mine.status).toBe(200);
    list = (await (await call(`/api/v1/calls/${id}/reviews`, { key: t.key })).json()) as {
      data: Json[];
      calibration: { reviewers: number; spread: number; disagreements: string[] };
    } as never;
    const cal = (
      list as unknown as { calibration: { reviewers: number; spread: number; disagreements: string[] } }
    ).calibration;
    expect(cal.reviewers).toBe(2);
    expect(cal.disagreements).toContain(target.id);
    // Agreement per criterion over the period: the flipped criterion is below 1.
    const today = tenantToday();
    const ag = (await (
      await call(`/api/v1/reports/agreement?from=2000-01-01&to=${today}`, { key: t.key })
    ).json()) as { reviews: number; criteria: { id: string; agreement: number }[] };
    expect(ag.reviews).toBe(2);
    expect(ag.criteria.find((c) => c.id === target.id)?.agreement).toBe(0.5);
  }, 60_000);

  it("the dispute window, unknown criteria, other tenants and roles", async () => {
    const t = await makeTenant();
    const { id, criteria } = await analysedCall(t, "R-2");
    const put = (json: unknown, key = t.key, cid = id) =>
      call(`/api/v1/calls/${cid}/reviews/mine`, { method: "PUT", key, json });
    expect((await put({ overrides: { nope: { result: "pass", comment: "x" } } })).status).toBe(400);
    expect((await put({ overrides: { [criteria[0].id]: { result: "maybe", comment: "x" } } })).status).toBe(
      400,
    );
    const other = await makeTenant();
    expect((await put({}, other.key)).status).toBe(404);
    const fin = (await (await put({ finalize: true })).json()) as { id: string; finalizedAt: string };
    // An agent linked to the call's agent, after the window.
    const agents = (await (await call("/api/v1/agents", { key: t.key })).json()) as { data: Json[] };
    const ctx = asRole(t, "agent");
    (ctx.actor as { agentId: string | null }).agentId = agents.data[0].id as string;
    await expect(
      disputeReview(ctx, fin.id, { reason: "late" }, Date.parse(fin.finalizedAt) + 8 * 86_400_000),
    ).rejects.toMatchObject({ code: "conflict" });
    // Within the window it works.
    const ok = await disputeReview(
      ctx,
      fin.id,
      { reason: "in time" },
      Date.parse(fin.finalizedAt) + 86_400_000,
    );
    expect(ok.status).toBe("disputed");
    // Already disputed: a dispute relayed through the API is refused; settings validate.
    expect(
      (await call(`/api/v1/reviews/${fin.id}/dispute`, { method: "POST", key: t.key, json: { reason: "x" } }))
        .status,
    ).toBe(409);
    expect(
      (
        await call("/api/v1/settings/reviews", {
          method: "PUT",
          key: t.key,
          json: { disputeWindowDays: 100 },
        })
      ).status,
    ).toBe(400);
    expect(
      (await call("/api/v1/settings/reviews", { method: "PUT", key: t.key, json: { disputeWindowDays: 14 } }))
        .status,
    ).toBe(200);
    // Viewers cannot review.
    const viewer = await loginCookie(t.users.viewer.email);
    expect((await form(`/calls/${id}/review`, viewer, {})).status).toBe(403);
  }, 60_000);

  it("the dispute window is set on the settings page; bad values are refused readably", async () => {
    const t = await makeTenant();
    const admin = await loginCookie(t.users.admin.email);
    const bad = await form("/settings/reviews", admin, { disputeWindowDays: "-3" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("between 0 and 90");
    expect((await form("/settings/reviews", admin, { disputeWindowDays: "14" })).status).toBe(303);
    const s = (await (await call("/api/v1/settings/reviews", { key: t.key })).json()) as {
      disputeWindowDays: number;
    };
    expect(s.disputeWindowDays).toBe(14);
  });
});
