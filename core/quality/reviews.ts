import { and, desc, eq, gte, inArray, lt } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import { dataPlane } from "../../db/resolver";
import { type Tenant, tenants } from "../../db/schema/control";
import { calls, type Review, type ReviewOverride, reviews } from "../../db/schema/data";
import { getAnalysis } from "../calls/analyses";
import { findCall } from "../calls/service";
import { markKpiDirty } from "../insights/kpis";
import { emitEvent } from "../integrations/webhooks";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId } from "../platform/crypto";
import { ApiError, notFound } from "../platform/errors";
import { disputeHandlersOf, membersOfAgent, notify } from "../platform/notices";
import { getRubricVersion } from "../rubrics/service";
import { computeScore } from "../scoring/engine/score";
import { rubricForLanguage } from "../scoring/rubric-language";

/**
 * Human reviews of automatic analyses (C10). The AI's answers stay as they are (the analysis
 * in R2); a review holds the reviewer's overrides per criterion, each with a comment, and the
 * score those overrides give under the same rule as the engine (core/scoring/engine/score.ts).
 *
 *   draft ──finalise──▶ final ──agent disputes (within the tenant's window)──▶ disputed
 *   disputed ──supervisor resolves (may change overrides)──▶ resolved
 *
 * Several reviewers may review the same call (calibration): one review each, spread shown.
 * The call's `reviewed_score` is the latest final or resolved review's score, kept apart from
 * the automatic `score` everywhere (dashboards, leaderboard). Every change bumps `version`; a
 * write naming an older version answers 409 (two supervisors editing at once lose nothing).
 */

const DAY = 86_400_000;

export const overrideSchema = z
  .object({
    result: z.enum(["pass", "fail", "na"]),
    score: z.number().int().min(1).max(5).nullable().optional(),
    comment: z.string().trim().min(1, "a comment is required for each override").max(2000),
  })
  .strict();
export const saveReviewSchema = z
  .object({
    overrides: z.record(z.string().min(1).max(64), overrideSchema).default({}),
    comment: z.string().max(4000).nullable().optional(),
    finalize: z.boolean().default(false),
    /** The version you edited (from GET); omitted for a first save. */
    version: z.number().int().min(1).optional(),
  })
  .strict();
export const disputeSchema = z.object({ reason: z.string().trim().min(1).max(2000) }).strict();
export const resolveSchema = z
  .object({
    resolution: z.string().trim().min(1).max(2000),
    overrides: z.record(z.string().min(1).max(64), overrideSchema).optional(),
    version: z.number().int().min(1),
  })
  .strict();

export function reviewView(r: Review, windowDays?: number) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: r.id,
    callId: r.callId,
    analysisId: r.analysisId,
    reviewerId: r.reviewerId,
    status: r.status,
    overrides: r.overrides,
    comment: r.comment,
    score: r.score,
    passed: r.passed,
    version: r.version,
    finalizedAt: iso(r.finalizedAt),
    disputeDeadline:
      r.finalizedAt !== null && windowDays !== undefined ? iso(r.finalizedAt + windowDays * DAY) : null,
    dispute: r.disputedAt ? { at: iso(r.disputedAt), by: r.disputedBy, reason: r.disputeReason } : null,
    resolution: r.resolvedAt ? { at: iso(r.resolvedAt), by: r.resolvedBy, text: r.resolution } : null,
    createdAt: iso(r.createdAt),
    updatedAt: iso(r.updatedAt),
  };
}
export type ReviewView = ReturnType<typeof reviewView>;

const actorRef = (ctx: Ctx) => (ctx.actor.type === "system" ? "system" : ctx.actor.id);

/** The AI analysis of the call, its rubric version and the scoring of overrides. */
async function basis(ctx: Ctx, callId: string) {
  const analysis = await getAnalysis(ctx, callId); // 404 / 409 as for GET …/analysis
  // Weights and criticality are shared by every language of the grid: any language scores alike.
  const rubric = rubricForLanguage(
    await getRubricVersion(ctx.env, ctx.tenant, analysis.rubric.id, analysis.rubric.version),
    analysis.language,
  );
  const score = (overrides: Record<string, ReviewOverride>) => {
    const known = new Set(analysis.criteria.map((c) => c.id));
    const unknown = Object.keys(overrides).filter((id) => !known.has(id));
    if (unknown.length)
      throw new ApiError("validation_failed", `Unknown criteria: ${unknown.join(", ")}`, {
        errors: unknown.map((id) => ({
          pointer: `/overrides/${id}`,
          detail: "not a criterion of this rubric",
        })),
      });
    return computeScore(
      rubric,
      analysis.criteria.map((c) => {
        const o = overrides[c.id];
        return o
          ? { id: c.id, result: o.result, score: o.result === "na" ? null : (o.score ?? null) }
          : { id: c.id, result: c.result, score: c.score };
      }),
    );
  };
  return { analysis, score };
}

export async function listReviews(ctx: Ctx, callId: string) {
  const call = await findCall(ctx, callId);
  const rows = await dataPlane(ctx.env, ctx.tenant)
    .db.select()
    .from(reviews)
    .where(and(eq(reviews.tenantId, ctx.tenant.id), eq(reviews.callId, call.id)))
    .orderBy(desc(reviews.createdAt));
  const done = rows.filter((r) => (r.status === "final" || r.status === "resolved") && r.score !== null);
  const scores = done.map((r) => r.score as number);
  return {
    data: rows.map((r) => reviewView(r, ctx.tenant.disputeWindowDays)),
    calibration:
      done.length >= 2
        ? {
            reviewers: done.length,
            min: Math.min(...scores),
            max: Math.max(...scores),
            spread: Math.round((Math.max(...scores) - Math.min(...scores)) * 10) / 10,
            // Criteria on which the reviewers' answers differ.
            disagreements: [
              ...new Set(done.flatMap((r) => Object.keys({ ...r.aiResults, ...r.overrides }))),
            ].filter((id) => new Set(done.map((r) => r.overrides[id]?.result ?? r.aiResults[id])).size > 1),
          }
        : null,
  };
}

/** Save the acting reviewer's review of a call (create or update the draft; optionally finalise). */
export async function saveReview(ctx: Ctx, callId: string, raw: unknown) {
  const input = saveReviewSchema.parse(raw);
  const call = await findCall(ctx, callId);
  const { analysis, score } = await basis(ctx, call.id);
  const s = score(input.overrides);
  const dp = dataPlane(ctx.env, ctx.tenant);
  const reviewer = actorRef(ctx);
  const existing = await dp.db.query.reviews.findFirst({
    where: and(
      eq(reviews.tenantId, ctx.tenant.id),
      eq(reviews.callId, call.id),
      eq(reviews.reviewerId, reviewer),
    ),
  });
  const now = Date.now();
  let row: Review;
  if (!existing) {
    const inserted = await dp.db
      .insert(reviews)
      .values({
        id: newId("rev"),
        tenantId: ctx.tenant.id,
        callId: call.id,
        analysisId: analysis.id,
        reviewerId: reviewer,
        status: input.finalize ? "final" : "draft",
        overrides: input.overrides,
        aiResults: Object.fromEntries(analysis.criteria.map((c) => [c.id, c.result])),
        comment: input.comment ?? null,
        score: s.score,
        passed: s.passed,
        finalizedAt: input.finalize ? now : null,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (!inserted.length)
      throw new ApiError("conflict", "Your review of this call was just created elsewhere; reload it");
    row = inserted[0];
  } else {
    if (existing.status !== "draft")
      throw new ApiError("conflict", `This review is ${existing.status}; it can no longer be edited`);
    if (input.version !== undefined && input.version !== existing.version)
      throw new ApiError(
        "conflict",
        "The review changed since you opened it; reload it and apply your changes again",
      );
    const updated = await dp.db
      .update(reviews)
      .set({
        overrides: input.overrides,
        comment: input.comment ?? existing.comment,
        score: s.score,
        passed: s.passed,
        status: input.finalize ? "final" : "draft",
        finalizedAt: input.finalize ? now : null,
        version: existing.version + 1,
        updatedAt: now,
      })
      .where(and(eq(reviews.id, existing.id), eq(reviews.version, existing.version)))
      .returning();
    if (!updated.length)
      throw new ApiError(
        "conflict",
        "The review changed since you opened it; reload it and apply your changes again",
      );
    row = updated[0];
  }
  await auditCtx(ctx, input.finalize ? "review.finalized" : "review.saved", "call", call.id, {
    review: row.id,
    overridden: Object.keys(input.overrides).length,
  });
  if (input.finalize) {
    await applyReviewedScore(ctx, call.id, call.startedAt);
    // The page promises "the agent is notified": the members linked to the call's agent.
    if (call.agentId)
      await notify(ctx.env, {
        tenantId: ctx.tenant.id,
        to: await membersOfAgent(ctx.env, ctx.tenant.id, call.agentId),
        kind: "review_final",
        params: { callId: call.id, score: String(row.score ?? "—") },
        link: `/calls/${call.id}`,
      });
  }
  return reviewView(row, ctx.tenant.disputeWindowDays);
}

/** The call's reviewed score = its latest final or resolved review's (null when none). */
async function applyReviewedScore(ctx: Ctx, callId: string, startedAt: number) {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const latest = await dp.db
    .select({ score: reviews.score })
    .from(reviews)
    .where(
      and(
        eq(reviews.tenantId, ctx.tenant.id),
        eq(reviews.callId, callId),
        inArray(reviews.status, ["final", "resolved"]),
      ),
    )
    .orderBy(desc(reviews.updatedAt))
    .limit(1);
  await dp.db
    .update(calls)
    .set({ reviewedScore: latest[0]?.score ?? null, updatedAt: Date.now() })
    .where(and(eq(calls.tenantId, ctx.tenant.id), eq(calls.id, callId)));
  await markKpiDirty(ctx.env, ctx.tenant, [startedAt]);
}

async function findReview(ctx: Ctx, reviewId: string): Promise<Review> {
  const r = await dataPlane(ctx.env, ctx.tenant).db.query.reviews.findFirst({
    where: and(eq(reviews.tenantId, ctx.tenant.id), eq(reviews.id, reviewId)),
  });
  if (!r) throw notFound("Review");
  await findCall(ctx, r.callId); // an agent reaches only reviews of their own calls (404 otherwise)
  return r;
}

/** The agent disputes a final review of their own call, within the tenant's window. */
export async function disputeReview(ctx: Ctx, reviewId: string, raw: unknown, now = Date.now()) {
  const input = disputeSchema.parse(raw);
  const r = await findReview(ctx, reviewId);
  if (r.status !== "final")
    throw new ApiError("conflict", `Only a final review can be disputed (this one is ${r.status})`);
  const deadline = (r.finalizedAt ?? 0) + ctx.tenant.disputeWindowDays * DAY;
  if (now > deadline)
    throw new ApiError(
      "conflict",
      `The dispute window (${ctx.tenant.disputeWindowDays} days after the review) closed on ${new Date(deadline).toISOString().slice(0, 10)}`,
      { messageKey: "review.error.window", params: { days: ctx.tenant.disputeWindowDays } },
    );
  const dp = dataPlane(ctx.env, ctx.tenant);
  const [row] = await dp.db
    .update(reviews)
    .set({
      status: "disputed",
      disputedAt: now,
      disputedBy: actorRef(ctx),
      disputeReason: input.reason,
      version: r.version + 1,
      updatedAt: now,
    })
    .where(and(eq(reviews.id, r.id), eq(reviews.version, r.version)))
    .returning();
  if (!row) throw new ApiError("conflict", "The review changed meanwhile; reload it");
  await auditCtx(ctx, "review.disputed", "call", r.callId, { review: r.id });
  await notify(ctx.env, {
    tenantId: ctx.tenant.id,
    to: await disputeHandlersOf(ctx.env, ctx.tenant.id),
    kind: "review_disputed",
    params: { callId: r.callId },
    link: `/calls/${r.callId}`,
  });
  await emitEvent(
    ctx.env,
    ctx.tenant.id,
    "review.disputed",
    { callId: r.callId, reviewId: r.id },
    { eventId: `msg_${r.id}_disputed` },
  );
  return reviewView(row, ctx.tenant.disputeWindowDays);
}

/** A supervisor resolves a dispute, optionally changing the overrides (score recomputed). */
export async function resolveReview(ctx: Ctx, reviewId: string, raw: unknown) {
  const input = resolveSchema.parse(raw);
  const r = await findReview(ctx, reviewId);
  if (r.status !== "disputed")
    throw new ApiError("conflict", `Only a disputed review can be resolved (this one is ${r.status})`);
  if (input.version !== r.version)
    throw new ApiError("conflict", "The review changed since you opened it; reload it");
  const overrides = input.overrides ?? r.overrides;
  const { score } = await basis(ctx, r.callId);
  const s = score(overrides);
  const now = Date.now();
  const dp = dataPlane(ctx.env, ctx.tenant);
  const [row] = await dp.db
    .update(reviews)
    .set({
      status: "resolved",
      overrides,
      score: s.score,
      passed: s.passed,
      resolvedAt: now,
      resolvedBy: actorRef(ctx),
      resolution: input.resolution,
      version: r.version + 1,
      updatedAt: now,
    })
    .where(and(eq(reviews.id, r.id), eq(reviews.version, r.version)))
    .returning();
  if (!row) throw new ApiError("conflict", "The review changed meanwhile; reload it");
  await auditCtx(ctx, "review.resolved", "call", r.callId, {
    review: r.id,
    changed: input.overrides !== undefined,
  });
  const call = await findCall(ctx, r.callId);
  await applyReviewedScore(ctx, call.id, call.startedAt);
  return reviewView(row, ctx.tenant.disputeWindowDays);
}

/**
 * AI–human agreement per criterion over the final and resolved reviews of a period (C10): the
 * share of reviews in which the human kept the AI's answer.
 */
export async function agreement(ctx: Ctx, q: { from: number; to: number }) {
  const rows = await dataPlane(ctx.env, ctx.tenant)
    .db.select({ overrides: reviews.overrides, aiResults: reviews.aiResults })
    .from(reviews)
    .where(
      and(
        eq(reviews.tenantId, ctx.tenant.id),
        inArray(reviews.status, ["final", "resolved"]),
        gte(reviews.updatedAt, q.from),
        lt(reviews.updatedAt, q.to),
      ),
    )
    .limit(5000);
  const per = new Map<string, { reviews: number; agreed: number }>();
  for (const r of rows)
    for (const [id, ai] of Object.entries(r.aiResults)) {
      if ((ai === "not_evaluated" || ai === "uncertain") && !r.overrides[id]) continue;
      const e = per.get(id) ?? { reviews: 0, agreed: 0 };
      e.reviews++;
      if (!r.overrides[id] || r.overrides[id].result === ai) e.agreed++;
      per.set(id, e);
    }
  return {
    reviews: rows.length,
    criteria: [...per.entries()]
      .map(([id, e]) => ({
        id,
        reviews: e.reviews,
        agreement: Math.round((e.agreed / e.reviews) * 1000) / 1000,
      }))
      .sort((a, b) => a.agreement - b.agreement),
  };
}

/**
 * The reviews of an agent's calls, for the agent's access export (F3, art. 15): status, score,
 * the overrides with their comments, the AI's answers when it began, the dispute and its
 * resolution. Who reviewed, disputed or resolved is left out: those ids are other people's data
 * (art. 15(4)); by role, a reviewer (a member who may review) wrote the review, the call's agent
 * the dispute, a supervisor the resolution. Bounded like every export read.
 */
export async function reviewsAboutAgent(env: Env, tenant: Tenant, agentId: string) {
  const rows = await dataPlane(env, tenant)
    .db.select({ r: reviews })
    .from(reviews)
    .innerJoin(calls, and(eq(calls.tenantId, reviews.tenantId), eq(calls.id, reviews.callId)))
    .where(and(eq(reviews.tenantId, tenant.id), eq(calls.agentId, agentId)))
    .orderBy(reviews.createdAt, reviews.id)
    .limit(5000);
  return rows.map(({ r }) => {
    const { reviewerId: _r, dispute, resolution, ...v } = reviewView(r);
    return {
      ...v,
      aiResults: r.aiResults,
      dispute: dispute && { at: dispute.at, reason: dispute.reason },
      resolution: resolution && { at: resolution.at, text: resolution.text },
    };
  });
}

export const reviewSettingsSchema = z.object({ disputeWindowDays: z.number().int().min(0).max(90) }).strict();
export async function updateReviewSettings(ctx: Ctx, raw: unknown) {
  const input = reviewSettingsSchema.parse(raw);
  await controlDb(ctx.env)
    .update(tenants)
    .set({ disputeWindowDays: input.disputeWindowDays, updatedAt: Date.now() })
    .where(eq(tenants.id, ctx.tenant.id));
  await auditCtx(ctx, "settings.reviews_changed", "tenant", ctx.tenant.id, { days: input.disputeWindowDays });
  ctx.tenant.disputeWindowDays = input.disputeWindowDays;
  return { disputeWindowDays: input.disputeWindowDays };
}
