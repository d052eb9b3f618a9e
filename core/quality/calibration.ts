import { and, desc, eq, inArray, lt, or } from "drizzle-orm";
import { z } from "zod";
import { dataPlane } from "../../db/resolver";
import type { Tenant } from "../../db/schema/control";
import {
  type AgreedAnswers,
  type CalibrationAnswer,
  type CalibrationAnswerRow,
  type CalibrationSession,
  calibrationAnswers,
  calibrationCalls,
  calibrationParticipants,
  calibrationSessions,
  reviews,
} from "../../db/schema/data";
import { getAnalysis } from "../calls/analyses";
import { findCall } from "../calls/service";
import { memberNames } from "../identity/member-names";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId } from "../platform/crypto";
import { ApiError, forbidden, notFound } from "../platform/errors";
import { decodeCursor, encodeCursor, limitSchema, page } from "../platform/pagination";
import { getRubricVersion, localeOf } from "../rubrics/service";
import { computeScore } from "../scoring/engine/score";
import { pick, rubricForLanguage } from "../scoring/rubric-language";
import type { GridVersion } from "../scoring/rubric-model";
import { kappa, spread } from "./agreement-stats";
import { checkReviewers, listQueue } from "./review-queue";
import { overrideSchema } from "./reviews";

/**
 * Calibration sessions (C10: "several reviewers score the same call, variance shown"). A
 * supervisor picks a grid version, calls (from the review queue or by id) and reviewers; each
 * reviewer scores every call against the grid, per criterion pass/fail/na as in a review, blind:
 *
 *   - a participant sees the others' answers on a call only after submitting their own for it,
 *     or once the session is closed; the organiser (creator, or an owner/admin not taking part)
 *     sees them as they come; anyone else who may review, only once closed;
 *   - a submission is final: a second one for the same call answers 409 (once you have seen the
 *     others' answers, a changed answer is no longer independent);
 *   - closing (creator, owner or admin) is a compare-and-set on `version`; it may record the
 *     agreed answer per criterion, the session's reference. It never changes a review: results
 *     point out each final review of the call that differs from the reference.
 *
 * Results give, per call and criterion, the spread of answers, the modal answer's share, the
 * engine's answer (when the call was analysed with this grid) and the agreed one; per criterion
 * over the session, the mean modal share and κ (Cohen for two reviewers, Fleiss for more), most
 * disagreement first.
 */

export const MAX_CALLS = 20;
const MAX_PARTICIPANTS = 20;
const RESULTS = ["pass", "fail", "na"] as const;

const answerSchema = overrideSchema.extend({ comment: z.string().trim().max(2000).optional() });
export const submitSchema = z
  .object({
    answers: z.record(z.string().min(1).max(64), answerSchema),
    /** With an API key (a tenant's review tool): the participant it submits for. */
    reviewerId: z.string().min(1).max(64).optional(),
  })
  .strict();

export const createSchema = z
  .object({
    title: z.string().trim().min(1).max(200),
    rubricId: z.string().min(1).max(64),
    rubricVersion: z.number().int().min(1).optional(),
    callIds: z.array(z.string().min(1).max(64)).max(MAX_CALLS).default([]),
    /** The queue's calls of a week (optionally one reviewer's or agent's). */
    fromQueue: z
      .object({
        week: z.string().max(10),
        reviewerId: z.string().min(1).max(64).optional(),
        agentId: z.string().min(1).max(64).optional(),
      })
      .strict()
      .optional(),
    // At least two different ones: checked after de-duplication, with a readable message.
    participants: z.array(z.string().min(1).max(64)).max(MAX_PARTICIPANTS),
  })
  .strict();
export type CreateInput = z.input<typeof createSchema>;

export const closeSchema = z
  .object({
    /** The session version you saw (GET); a stale one answers 409. */
    version: z.number().int().min(1),
    /** callId → criterion id → the agreed answer. */
    agreed: z
      .record(z.string().min(1).max(64), z.record(z.string().min(1).max(64), z.enum(RESULTS)))
      .optional(),
  })
  .strict();

export const listSchema = z
  .object({
    status: z.enum(["open", "closed"]).optional(),
    limit: limitSchema,
    cursor: z.string().max(500).optional(),
  })
  .strict();

const actorRef = (ctx: Ctx) => (ctx.actor.type === "system" ? "system" : ctx.actor.id);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const conflict = (detail: string, messageKey: string) => new ApiError("conflict", detail, { messageKey });

type Lang = "fr" | "en";

function criteriaOf(grid: GridVersion, lang: Lang) {
  return grid.sections.flatMap((s) =>
    s.criteria.map((c) => ({
      id: c.id,
      label: pick(c.label, lang) ?? c.id,
      section: pick(s.label, lang) ?? s.id,
      answerType: c.answerType,
      allowNa: c.allowNa,
      critical: c.critical,
    })),
  );
}
export type CalibrationCriterion = ReturnType<typeof criteriaOf>[number];

async function findSession(ctx: Ctx, id: string): Promise<CalibrationSession> {
  const s = await dataPlane(ctx.env, ctx.tenant).db.query.calibrationSessions.findFirst({
    where: and(eq(calibrationSessions.tenantId, ctx.tenant.id), eq(calibrationSessions.id, id)),
  });
  if (!s) throw notFound("Calibration session");
  return s;
}

/** The creator, the tenant's owners and admins, and the tenant's API keys may close a session. */
function mayManage(ctx: Ctx, s: CalibrationSession): boolean {
  if (ctx.actor.type === "api_key") return true;
  return (
    ctx.actor.type === "user" && (ctx.actor.id === s.createdBy || ["owner", "admin"].includes(ctx.actor.role))
  );
}

/** The session's parts: calls in order, participants, submitted answers (not yet filtered). */
async function partsOf(ctx: Ctx, s: CalibrationSession) {
  const db = dataPlane(ctx.env, ctx.tenant).db;
  const mine = (t: typeof calibrationCalls | typeof calibrationParticipants | typeof calibrationAnswers) =>
    and(eq(t.tenantId, ctx.tenant.id), eq(t.sessionId, s.id));
  const [callRows, people, answers] = await Promise.all([
    db.select().from(calibrationCalls).where(mine(calibrationCalls)).orderBy(calibrationCalls.position),
    db.select().from(calibrationParticipants).where(mine(calibrationParticipants)),
    db.select().from(calibrationAnswers).where(mine(calibrationAnswers)),
  ]);
  return { callRows, participants: people.map((p) => p.reviewerId).sort(), answers };
}

/**
 * The reviewer the request acts as: a member, always themselves; an API key (a tenant's review
 * tool), the `reviewerId` it names, or nobody.
 */
function actingReviewer(ctx: Ctx, requested?: string): string | null {
  if (ctx.actor.type === "user") {
    if (requested && requested !== ctx.actor.id) throw forbidden("A member acts only as themselves");
    return ctx.actor.id;
  }
  return ctx.actor.type === "api_key" ? (requested ?? null) : null;
}

/**
 * Whose answers on a call the reviewer `me` may see: all once closed; a participant, after
 * submitting that call; a member organising without taking part (creator, owner, admin),
 * always; anyone else (an API key naming no participant included), none.
 */
function visibility(
  ctx: Ctx,
  s: CalibrationSession,
  participants: string[],
  answers: CalibrationAnswerRow[],
  me: string | null,
) {
  const participant = me !== null && participants.includes(me);
  return (callId: string): boolean => {
    if (s.status === "closed") return true;
    if (participant) return answers.some((a) => a.callId === callId && a.reviewerId === me);
    return ctx.actor.type === "user" && mayManage(ctx, s);
  };
}

function sessionBase(s: CalibrationSession) {
  return {
    id: s.id,
    title: s.title,
    rubric: { id: s.rubricId, version: s.rubricVersion },
    status: s.status,
    createdBy: s.createdBy,
    version: s.version,
    createdAt: iso(s.createdAt) as string,
    closedAt: iso(s.closedAt),
    closedBy: s.closedBy,
  };
}

export async function createSession(ctx: Ctx, raw: unknown) {
  const input = createSchema.parse(raw);
  const grid = await getRubricVersion(ctx.env, ctx.tenant, input.rubricId, input.rubricVersion);
  const fromQueue = input.fromQueue
    ? (await listQueue(ctx, { ...input.fromQueue, limit: MAX_CALLS + 1 })).data.map((i) => i.callId)
    : [];
  const callIds = [...new Set([...fromQueue, ...input.callIds])];
  if (!callIds.length)
    throw new ApiError("validation_failed", "Choose at least one call", {
      errors: [{ pointer: "/callIds", detail: "no call given (callIds or fromQueue)" }],
      messageKey: "calibration.error.no_calls",
    });
  if (callIds.length > MAX_CALLS)
    throw new ApiError("validation_failed", `A session holds at most ${MAX_CALLS} calls`, {
      errors: [
        { pointer: input.fromQueue ? "/fromQueue" : "/callIds", detail: `more than ${MAX_CALLS} calls` },
      ],
      messageKey: "calibration.error.too_many",
      params: { n: MAX_CALLS },
    });
  for (const [i, id] of callIds.entries()) {
    const call = await findCall(ctx, id).catch((e) => {
      throw e instanceof ApiError && e.code === "not_found"
        ? new ApiError("not_found", `Call not found: ${id}`, {
            errors: [{ pointer: `/callIds/${i}`, detail: "no such call in this organisation" }],
          })
        : e;
    });
    if (!call.analysisId)
      throw new ApiError("analysis_not_ready", `Call ${id} has no analysis yet`, {
        errors: [{ pointer: `/callIds/${i}`, detail: "not analysed yet" }],
        messageKey: "calibration.error.not_analysed",
      });
  }
  const participants = await checkReviewers(ctx, input.participants, "/participants");
  if (participants.length < 2)
    throw new ApiError("validation_failed", "A calibration needs at least two different reviewers", {
      errors: [{ pointer: "/participants", detail: "at least two different reviewers" }],
      messageKey: "calibration.error.participants",
    });
  const now = Date.now();
  const id = newId("cal");
  const db = dataPlane(ctx.env, ctx.tenant).db;
  const tenantId = ctx.tenant.id;
  await db.batch([
    db.insert(calibrationSessions).values({
      id,
      tenantId,
      title: input.title,
      rubricId: grid.rubricId,
      rubricVersion: grid.version,
      createdBy: actorRef(ctx),
      createdAt: now,
      updatedAt: now,
    }),
    db
      .insert(calibrationCalls)
      .values(callIds.map((callId, position) => ({ tenantId, sessionId: id, callId, position }))),
    db
      .insert(calibrationParticipants)
      .values(participants.map((reviewerId) => ({ tenantId, sessionId: id, reviewerId }))),
  ]);
  await auditCtx(ctx, "calibration.created", "calibration_session", id, {
    calls: callIds.length,
    participants: participants.length,
  });
  return getSession(ctx, id);
}

/** Sessions of the tenant, newest first (keyset on created_at, id). */
export async function listSessions(ctx: Ctx, raw: unknown) {
  const q = listSchema.parse(raw);
  const conds = [eq(calibrationSessions.tenantId, ctx.tenant.id)];
  if (q.status) conds.push(eq(calibrationSessions.status, q.status));
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    const at = Number(c.sortValue);
    conds.push(
      or(
        lt(calibrationSessions.createdAt, at),
        and(eq(calibrationSessions.createdAt, at), lt(calibrationSessions.id, c.id)),
      ) as never,
    );
  }
  const db = dataPlane(ctx.env, ctx.tenant).db;
  const rows = await db
    .select()
    .from(calibrationSessions)
    .where(and(...conds))
    .orderBy(desc(calibrationSessions.createdAt), desc(calibrationSessions.id))
    .limit(q.limit + 1);
  const paged = page(rows, q.limit, (r) => encodeCursor(r.createdAt, r.id));
  const ids = paged.data.map((r) => r.id);
  const count = async (t: typeof calibrationCalls | typeof calibrationParticipants) =>
    ids.length
      ? await db
          .select({ sessionId: t.sessionId })
          .from(t)
          .where(and(eq(t.tenantId, ctx.tenant.id), inArray(t.sessionId, ids)))
      : [];
  const [callRows, people] = await Promise.all([count(calibrationCalls), count(calibrationParticipants)]);
  const me = ctx.actor.type === "user" ? ctx.actor.id : null;
  const mineRows =
    me && ids.length
      ? await db
          .select({ sessionId: calibrationAnswers.sessionId })
          .from(calibrationAnswers)
          .where(
            and(
              eq(calibrationAnswers.tenantId, ctx.tenant.id),
              inArray(calibrationAnswers.sessionId, ids),
              eq(calibrationAnswers.reviewerId, me),
            ),
          )
      : [];
  const n = (rs: { sessionId: string }[], id: string) => rs.filter((r) => r.sessionId === id).length;
  return {
    data: paged.data.map((s) => ({
      ...sessionBase(s),
      calls: n(callRows, s.id),
      participants: n(people, s.id),
      mySubmitted: n(mineRows, s.id),
    })),
    nextCursor: paged.nextCursor,
  };
}

/** A session: its grid's criteria, calls, participants' progress; never anyone's answers. */
export async function getSession(
  ctx: Ctx,
  id: string,
  q: { reviewerId?: string } = {},
  lang: Lang = localeOf(ctx.tenant) as Lang,
) {
  const s = await findSession(ctx, id);
  const me = actingReviewer(ctx, q.reviewerId);
  const grid = await getRubricVersion(ctx.env, ctx.tenant, s.rubricId, s.rubricVersion);
  const { callRows, participants, answers } = await partsOf(ctx, s);
  const names = await memberNames(ctx);
  const sees = visibility(ctx, s, participants, answers, me);
  return {
    ...sessionBase(s),
    criteria: criteriaOf(grid, lang),
    calls: callRows.map((c) => ({
      callId: c.callId,
      position: c.position,
      submitted: answers.filter((a) => a.callId === c.callId).length,
      mine: answers.some((a) => a.callId === c.callId && a.reviewerId === me),
      resultsVisible: sees(c.callId),
    })),
    participants: participants.map((p) => ({
      id: p,
      name: names.get(p) ?? null,
      submitted: answers.filter((a) => a.reviewerId === p).length,
    })),
    me: { participant: me !== null && participants.includes(me), mayClose: mayManage(ctx, s) },
  };
}
export type SessionView = Awaited<ReturnType<typeof getSession>>;

/** Check a participant's answers against the grid: every criterion once, na only where allowed. */
function checkAnswers(grid: GridVersion, answers: Record<string, CalibrationAnswer>) {
  const crit = criteriaOf(grid, "en");
  const known = new Map(crit.map((c) => [c.id, c]));
  const errors = [
    ...Object.keys(answers)
      .filter((id) => !known.has(id))
      .map((id) => ({ pointer: `/answers/${id}`, detail: "not a criterion of this grid" })),
    ...crit
      .filter((c) => !answers[c.id])
      .map((c) => ({ pointer: `/answers/${c.id}`, detail: "answer required" })),
    ...crit
      .filter((c) => answers[c.id]?.result === "na" && !c.allowNa)
      .map((c) => ({ pointer: `/answers/${c.id}`, detail: "this criterion cannot be not applicable" })),
  ];
  if (errors.length)
    throw new ApiError("validation_failed", "Answer every criterion of the grid, and only those", {
      errors,
      messageKey: "calibration.error.answers",
    });
}

/**
 * A participant submits their answers for one call of the session. Final: a second submission
 * for the same call answers 409, as does a closed session (checked in the same statement as the
 * insert, so a close racing a submission cannot let it in after).
 */
export async function submitAnswers(ctx: Ctx, id: string, callId: string, raw: unknown) {
  const s = await findSession(ctx, id);
  const dp = dataPlane(ctx.env, ctx.tenant);
  const inSession = await dp.db.query.calibrationCalls.findFirst({
    where: and(
      eq(calibrationCalls.tenantId, ctx.tenant.id),
      eq(calibrationCalls.sessionId, s.id),
      eq(calibrationCalls.callId, callId),
    ),
  });
  if (!inSession)
    throw new ApiError("not_found", "This call is not part of the session", {
      messageKey: "calibration.error.not_in_session",
    });
  const input = submitSchema.parse(raw);
  const me = actingReviewer(ctx, input.reviewerId);
  if (!me)
    throw new ApiError("validation_failed", "Name the reviewer: an API key takes part in no session itself", {
      errors: [{ pointer: "/reviewerId", detail: "required with an API key" }],
    });
  const participant =
    me &&
    (await dp.db.query.calibrationParticipants.findFirst({
      where: and(
        eq(calibrationParticipants.tenantId, ctx.tenant.id),
        eq(calibrationParticipants.sessionId, s.id),
        eq(calibrationParticipants.reviewerId, me),
      ),
    }));
  if (!participant) throw forbidden("Only the session's participants submit answers");
  if (s.status !== "open") throw conflict("The session is closed", "calibration.error.closed");
  const grid = await getRubricVersion(ctx.env, ctx.tenant, s.rubricId, s.rubricVersion);
  checkAnswers(grid, input.answers);
  const answers = Object.fromEntries(
    criteriaOf(grid, "en").map((c) => {
      const a = input.answers[c.id];
      const score = a.result === "na" || c.answerType !== "scale_1_5" ? undefined : (a.score ?? undefined);
      return [
        c.id,
        { result: a.result, ...(score ? { score } : {}), ...(a.comment ? { comment: a.comment } : {}) },
      ];
    }),
  ) as Record<string, CalibrationAnswer>;
  // Weights and criticality are the same in every language of the grid.
  const score = computeScore(
    rubricForLanguage(grid, "en"),
    Object.entries(answers).map(([cid, a]) => ({ id: cid, result: a.result, score: a.score ?? null })),
  ).score;
  const res = await dp.d1
    .prepare(
      `insert into calibration_answers (tenant_id, session_id, call_id, reviewer_id, answers, score, submitted_at)
       select ?1, ?2, ?3, ?4, ?5, ?6, ?7
       where exists (select 1 from calibration_sessions where tenant_id = ?1 and id = ?2 and status = 'open')
       on conflict do nothing`,
    )
    .bind(ctx.tenant.id, s.id, callId, me, JSON.stringify(answers), score, Date.now())
    .run();
  if (!res.meta.changes) {
    const again = await findSession(ctx, s.id);
    if (again.status !== "open") throw conflict("The session is closed", "calibration.error.closed");
    throw conflict(
      "You already submitted your answers for this call; they are final so the comparison stays blind",
      "calibration.error.twice",
    );
  }
  await auditCtx(ctx, "calibration.submitted", "calibration_session", s.id, { call: callId });
  return { sessionId: s.id, callId, reviewerId: me, answers, score };
}

/** Close the session (creator, owner, admin), optionally recording the agreed answers. */
export async function closeSession(ctx: Ctx, id: string, raw: unknown) {
  const s = await findSession(ctx, id);
  if (!mayManage(ctx, s)) throw forbidden("Only the session's creator, an owner or an admin closes it");
  const input = closeSchema.parse(raw);
  if (s.status !== "open") throw conflict("The session is already closed", "calibration.error.closed");
  if (input.version !== s.version)
    throw conflict("The session changed since you opened it; reload it", "calibration.error.stale");
  const dp = dataPlane(ctx.env, ctx.tenant);
  const grid = await getRubricVersion(ctx.env, ctx.tenant, s.rubricId, s.rubricVersion);
  const crit = new Map(criteriaOf(grid, "en").map((c) => [c.id, c]));
  const { callRows } = await partsOf(ctx, s);
  const inSession = new Set(callRows.map((c) => c.callId));
  const agreed = input.agreed ?? {};
  const errors = Object.entries(agreed).flatMap(([callId, byCrit]) =>
    !inSession.has(callId)
      ? [{ pointer: `/agreed/${callId}`, detail: "not a call of this session" }]
      : Object.entries(byCrit)
          .filter(([cid, r]) => !crit.has(cid) || (r === "na" && !crit.get(cid)?.allowNa))
          .map(([cid]) => ({
            pointer: `/agreed/${callId}/${cid}`,
            detail: "not a criterion of this grid (or na not allowed)",
          })),
  );
  if (errors.length)
    throw new ApiError("validation_failed", "The agreed answers name calls or criteria outside the session", {
      errors,
      messageKey: "calibration.error.agreed",
    });
  const now = Date.now();
  const closed = await dp.db
    .update(calibrationSessions)
    .set({ status: "closed", closedAt: now, closedBy: actorRef(ctx), version: s.version + 1, updatedAt: now })
    .where(
      and(
        eq(calibrationSessions.tenantId, ctx.tenant.id),
        eq(calibrationSessions.id, s.id),
        eq(calibrationSessions.version, s.version),
        eq(calibrationSessions.status, "open"),
      ),
    )
    .returning({ id: calibrationSessions.id });
  if (!closed.length)
    throw conflict("The session changed since you opened it; reload it", "calibration.error.stale");
  for (const [callId, byCrit] of Object.entries(agreed))
    if (Object.keys(byCrit).length)
      await dp.db
        .update(calibrationCalls)
        .set({ agreed: byCrit as AgreedAnswers })
        .where(
          and(
            eq(calibrationCalls.tenantId, ctx.tenant.id),
            eq(calibrationCalls.sessionId, s.id),
            eq(calibrationCalls.callId, callId),
          ),
        );
  await auditCtx(ctx, "calibration.closed", "calibration_session", s.id, {
    agreedCalls: Object.keys(agreed).length,
  });
  return results(ctx, s.id);
}

/** The engine's answer per criterion for a call analysed with this grid (else none). */
async function engineAnswers(
  ctx: Ctx,
  s: CalibrationSession,
  callId: string,
): Promise<Record<string, string> | null> {
  const analysis = await getAnalysis(ctx, callId).catch((e) => {
    if (e instanceof ApiError && (e.code === "analysis_not_ready" || e.code === "not_found")) return null;
    throw e;
  });
  if (!analysis || analysis.rubric.id !== s.rubricId) return null;
  return Object.fromEntries(analysis.criteria.map((c) => [c.id, c.result]));
}

/** The answer a review gives per criterion: the reviewer's override, else the AI's it kept. */
async function finalReviewsOf(ctx: Ctx, callId: string) {
  return dataPlane(ctx.env, ctx.tenant)
    .db.select()
    .from(reviews)
    .where(
      and(
        eq(reviews.tenantId, ctx.tenant.id),
        eq(reviews.callId, callId),
        inArray(reviews.status, ["final", "disputed", "resolved"]),
      ),
    );
}

/** Results of a session, as far as the acting member may see them (see `visibility`). */
export async function results(
  ctx: Ctx,
  id: string,
  q: { reviewerId?: string } = {},
  lang: Lang = localeOf(ctx.tenant) as Lang,
) {
  const s = await findSession(ctx, id);
  const me = actingReviewer(ctx, q.reviewerId);
  const grid = await getRubricVersion(ctx.env, ctx.tenant, s.rubricId, s.rubricVersion);
  const crit = criteriaOf(grid, lang);
  const { callRows, participants, answers } = await partsOf(ctx, s);
  const sees = visibility(ctx, s, participants, answers, me);
  const perCriterion = new Map(crit.map((c) => [c.id, [] as Map<string, string>[]]));
  const modalShares = new Map(crit.map((c) => [c.id, [] as number[]]));
  const engineHits = new Map(crit.map((c) => [c.id, { n: 0, same: 0 }]));
  const calls = [];
  for (const c of callRows) {
    const mine = answers.filter((a) => a.callId === c.callId);
    if (!sees(c.callId)) {
      calls.push({ callId: c.callId, visible: false as const, submitted: mine.length });
      continue;
    }
    const engine = await engineAnswers(ctx, s, c.callId);
    const scores = mine.map((a) => ({ reviewerId: a.reviewerId, score: a.score }));
    const known = scores.map((x) => x.score).filter((x): x is number => x !== null);
    const criteria = crit
      .map((k) => {
        const given = mine.map((a) => ({ reviewerId: a.reviewerId, ...a.answers[k.id] }));
        const sp = spread(given.map((g) => g.result));
        perCriterion.get(k.id)?.push(new Map(given.map((g) => [g.reviewerId, g.result])));
        if (sp.agreement !== null) modalShares.get(k.id)?.push(sp.agreement);
        const e = engine?.[k.id] ?? null;
        const hits = engineHits.get(k.id);
        if (e && hits)
          for (const g of given) {
            hits.n++;
            if (g.result === e) hits.same++;
          }
        return {
          id: k.id,
          label: k.label,
          counts: { pass: sp.counts.pass ?? 0, fail: sp.counts.fail ?? 0, na: sp.counts.na ?? 0 },
          modal: sp.modal,
          agreement: sp.agreement,
          engine: e,
          agreed: c.agreed?.[k.id] ?? null,
          answers: given,
        };
      })
      .sort((a, b) => (a.agreement ?? 1) - (b.agreement ?? 1));
    // The reference never rewrites a review: say which final reviews differ from it.
    const agreed = c.agreed ?? {};
    const reviewsDiffering = Object.keys(agreed).length
      ? (await finalReviewsOf(ctx, c.callId))
          .map((r) => ({
            reviewId: r.id,
            reviewerId: r.reviewerId,
            status: r.status,
            criteria: Object.keys(agreed).filter(
              (k) =>
                (r.overrides[k]?.result ?? r.aiResults[k]) !== undefined &&
                (r.overrides[k]?.result ?? r.aiResults[k]) !== agreed[k],
            ),
          }))
          .filter((r) => r.criteria.length)
      : [];
    calls.push({
      callId: c.callId,
      visible: true as const,
      submitted: mine.length,
      scores: {
        byReviewer: scores,
        min: known.length ? Math.min(...known) : null,
        max: known.length ? Math.max(...known) : null,
        spread: known.length ? Math.round((Math.max(...known) - Math.min(...known)) * 10) / 10 : null,
      },
      criteria,
      reviewsDiffering,
    });
  }
  const criteria = crit
    .map((k) => {
      const shares = modalShares.get(k.id) ?? [];
      const hits = engineHits.get(k.id) ?? { n: 0, same: 0 };
      return {
        id: k.id,
        label: k.label,
        calls: shares.length,
        agreement: shares.length
          ? Math.round((shares.reduce((x, y) => x + y, 0) / shares.length) * 1000) / 1000
          : null,
        kappa: kappa(perCriterion.get(k.id) ?? [], RESULTS),
        engineAgreement: hits.n ? Math.round((hits.same / hits.n) * 1000) / 1000 : null,
      };
    })
    // Most disagreement first: lowest modal share, then lowest κ.
    .sort(
      (a, b) =>
        (a.agreement ?? 2) - (b.agreement ?? 2) ||
        (a.kappa?.value ?? 2) - (b.kappa?.value ?? 2) ||
        a.id.localeCompare(b.id),
    );
  const all = [...perCriterion.values()].flat();
  return {
    session: sessionBase(s),
    participants: participants.length,
    overall: { kappa: kappa(all, RESULTS) },
    criteria,
    calls,
  };
}
export type CalibrationResults = Awaited<ReturnType<typeof results>>;

/**
 * Calibration answers about an agent's calls, for the agent's access export (F3, art. 15): what
 * was answered per criterion, the score and the agreed answer, without the reviewers' ids (their
 * rights, art. 15(4)). Bounded: an export is no place for unbounded reads.
 */
export async function calibrationAboutAgent(env: Env, tenant: Tenant, agentId: string) {
  const rows = await dataPlane(env, tenant)
    .d1.prepare(
      `select s.id as session_id, s.title, s.status, a.call_id, a.answers, a.score, a.submitted_at, cc.agreed
       from calibration_answers a
       join calls c on c.tenant_id = a.tenant_id and c.id = a.call_id
       join calibration_sessions s on s.tenant_id = a.tenant_id and s.id = a.session_id
       left join calibration_calls cc on cc.session_id = a.session_id and cc.call_id = a.call_id
       where a.tenant_id = ? and c.agent_id = ?
       order by a.submitted_at, a.session_id limit 5000`,
    )
    .bind(tenant.id, agentId)
    .all<{
      session_id: string;
      title: string;
      status: string;
      call_id: string;
      answers: string;
      score: number | null;
      submitted_at: number;
      agreed: string | null;
    }>();
  return rows.results.map((r) => ({
    sessionId: r.session_id,
    session: r.title,
    status: r.status,
    callId: r.call_id,
    answers: JSON.parse(r.answers) as Record<string, CalibrationAnswer>,
    score: r.score,
    agreed: r.agreed ? (JSON.parse(r.agreed) as AgreedAnswers) : null,
    submittedAt: new Date(r.submitted_at).toISOString(),
  }));
}
