import { and, eq, inArray, lte } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import { dataPlane } from "../../db/resolver";
import {
  memberships,
  type ReviewSamplingRule,
  reviewSamplingRules,
  type Tenant,
  users,
} from "../../db/schema/control";
import { QUEUE_REASONS, type QueueReason, reviewQueue } from "../../db/schema/data";

export { QUEUE_REASONS };

import { addDays, dayBounds, dayOf } from "../insights/kpis";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId } from "../platform/crypto";
import { isCalendarDay } from "../platform/dates";
import { ApiError, notFound } from "../platform/errors";
import { enqueueJob } from "../platform/jobs";
import { decodeCursor, encodeCursor, limitSchema, page } from "../platform/pagination";
import { PERMISSIONS, type Role } from "../platform/rbac";

/**
 * The review queue (C10): QA reviews a sample, not everything. A supervisor sets the tenant's
 * sampling rule; each week (Monday to Sunday in the tenant's time zone) up to N analysed calls of
 * every agent are queued, chosen by the enabled filters in this order — critical fail, score
 * below X, disputed, irritants — with `random` filling what the filters leave. "Random" is
 * deterministic: calls are taken in id order, and ids are random (core/platform/crypto newId), so a re-run
 * picks the same calls. Picks go round-robin to the chosen reviewers.
 *
 * Idempotent by construction: a run only tops each agent up to N for the week, and the unique
 * (tenant, call) index with insert-or-ignore means no call is ever queued twice, even when two
 * runs race (they compute the same picks). Sampling runs when the rule is saved (the current week
 * so far) and by the weekly cron (the week just ended, so late calls of that week are caught).
 * An item is done when its reviewer's review of the call is final (or later); that is read from
 * `reviews`, never stored twice. Reviewing itself is the existing flow (core/quality/reviews.ts).
 */

/** Who may be a reviewer: the roles that may review calls. */
const REVIEWER_ROLES = PERMISSIONS["reviews:write"] as readonly Role[];
const MAX_CANDIDATE_AGENTS = 2000;

export const ruleSchema = z
  .object({
    perAgent: z.number().int().min(1).max(50),
    lowScoreBelow: z.number().min(0).max(100).nullable().default(null),
    criticalFail: z.boolean().default(false),
    irritants: z.boolean().default(false),
    disputed: z.boolean().default(false),
    random: z.boolean().default(false),
    reviewers: z.array(z.string().min(1).max(64)).min(1).max(50),
  })
  .strict()
  .refine((r) => r.criticalFail || r.irritants || r.disputed || r.random || r.lowScoreBelow !== null, {
    path: ["random"],
    message: "enable at least one filter (or random)",
  });
export type RuleInput = z.input<typeof ruleSchema>;

const weekSchema = z.string().refine(isCalendarDay, "a day YYYY-MM-DD");

/** The Monday (YYYY-MM-DD) of the week holding `ms`, in the time zone. */
export function weekOf(ms: number, tz: string): string {
  return mondayOf(dayOf(ms, tz));
}
function mondayOf(day: string): string {
  const [y, m, d] = day.split("-").map(Number);
  const dow = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7; // Monday = 0
  return addDays(day, -dow);
}
/** A day (normalised to its week's Monday) or the current week. */
function weekParam(ctx: Ctx, raw: string | undefined): string {
  if (raw === undefined || raw === "") return weekOf(Date.now(), tz(ctx.tenant));
  const w = weekSchema.safeParse(raw);
  if (!w.success)
    throw new ApiError("validation_failed", "week must be a day YYYY-MM-DD", {
      errors: [{ pointer: "/week", detail: "a day YYYY-MM-DD" }],
      messageKey: "queue.error.week",
    });
  return mondayOf(raw);
}
const tz = (t: Pick<Tenant, "timeZone">) => t.timeZone ?? "Europe/Paris";
/** [start, end) of the week in ms. */
const weekBounds = (week: string, zone: string): [number, number] => [
  dayBounds(week, zone)[0],
  dayBounds(addDays(week, 7), zone)[0],
];

export function ruleView(r: ReviewSamplingRule) {
  return {
    perAgent: r.perAgent,
    lowScoreBelow: r.lowScoreBelow,
    criticalFail: r.criticalFail,
    irritants: r.irritants,
    disputed: r.disputed,
    random: r.random,
    reviewers: r.reviewers,
    nextRunAt: new Date(r.nextRunAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}
export type RuleView = ReturnType<typeof ruleView>;

async function findRule(env: Env, tenantId: string) {
  return controlDb(env).query.reviewSamplingRules.findFirst({
    where: eq(reviewSamplingRules.tenantId, tenantId),
  });
}

export async function getRule(ctx: Ctx): Promise<RuleView> {
  const r = await findRule(ctx.env, ctx.tenant.id);
  if (!r) throw notFound("Sampling rule");
  return ruleView(r);
}

/** Members who may review (owner, admin, supervisor), by name: the rule's reviewer choices. */
export async function reviewerChoices(ctx: Ctx) {
  const rows = await controlDb(ctx.env)
    .select({ id: users.id, first: users.firstName, last: users.lastName, email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, ctx.tenant.id), inArray(memberships.role, [...REVIEWER_ROLES])));
  return rows
    .map((r) => ({ id: r.id, name: `${r.first ?? ""} ${r.last ?? ""}`.trim() || r.email }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Reviewer ids must be the tenant's members who may review; anything else is named in the error. */
export async function checkReviewers(ctx: Ctx, ids: string[], pointer = "/reviewers"): Promise<string[]> {
  const allowed = new Set((await reviewerChoices(ctx)).map((r) => r.id));
  const unique = [...new Set(ids)];
  const bad = unique.map((id, i) => ({ id, i })).filter((x) => !allowed.has(x.id));
  if (bad.length)
    throw new ApiError("validation_failed", "Reviewers must be members who may review calls", {
      errors: bad.map((b) => ({
        pointer: pointer === "/reviewers" ? `/reviewers/${b.i}` : pointer,
        detail: "not a member of this organisation with a reviewing role",
      })),
      messageKey: "queue.error.reviewer",
    });
  return unique;
}

/** Next Monday 00:00 in the tenant's zone after `now`: when the cron samples the ended week. */
const nextMonday = (now: number, zone: string) => dayBounds(addDays(weekOf(now, zone), 7), zone)[0];

/** Create or replace the rule, then sample the current week at once (the queue fills on save). */
export async function saveRule(ctx: Ctx, raw: unknown, now = Date.now()) {
  const input = ruleSchema.parse(raw);
  const reviewers = await checkReviewers(ctx, input.reviewers);
  const actor = ctx.actor.type === "system" ? null : ctx.actor.id;
  const values = { ...input, reviewers, nextRunAt: nextMonday(now, tz(ctx.tenant)), updatedBy: actor };
  const [row] = await controlDb(ctx.env)
    .insert(reviewSamplingRules)
    .values({ tenantId: ctx.tenant.id, ...values, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: reviewSamplingRules.tenantId, set: { ...values, updatedAt: now } })
    .returning();
  await auditCtx(ctx, "review_queue.rule_saved", "tenant", ctx.tenant.id, {
    perAgent: input.perAgent,
    reviewers: reviewers.length,
  });
  const sampled = await sampleWeek(ctx, weekOf(now, tz(ctx.tenant)), row);
  return { rule: ruleView(row), sampled };
}

/** Remove the rule: no more sampling; calls already queued stay in the queue. */
export async function deleteRule(ctx: Ctx): Promise<void> {
  const gone = await controlDb(ctx.env)
    .delete(reviewSamplingRules)
    .where(eq(reviewSamplingRules.tenantId, ctx.tenant.id))
    .returning();
  if (!gone.length) throw notFound("Sampling rule");
  await auditCtx(ctx, "review_queue.rule_deleted", "tenant", ctx.tenant.id);
}

interface PickRow {
  id: string;
  agent_id: string;
  prio: number;
  rn: number;
}

/**
 * Tops every agent of the week up to `perAgent` queued calls, by the rule's filters, and assigns
 * the new picks round-robin after those already queued that week. Returns how many were queued.
 */
export async function sampleWeek(ctx: Ctx, week: string, rule?: ReviewSamplingRule): Promise<number> {
  const r = rule ?? (await findRule(ctx.env, ctx.tenant.id));
  if (!r) throw notFound("Sampling rule");
  const dp = dataPlane(ctx.env, ctx.tenant);
  const [from, to] = weekBounds(week, tz(ctx.tenant));
  // Priority = the first enabled filter the call meets (QUEUE_REASONS order); 4 = none ("random").
  const picks = await dp.d1
    .prepare(
      `with cand as (
         select c.id, c.agent_id,
           case
             when ?1 = 1 and c.critical_fail = 1 then 0
             when ?2 is not null and c.score is not null and c.score < ?2 then 1
             when ?3 = 1 and exists (select 1 from reviews r where r.tenant_id = c.tenant_id and r.call_id = c.id and r.status = 'disputed') then 2
             when ?4 = 1 and exists (select 1 from call_labels l where l.tenant_id = c.tenant_id and l.call_id = c.id and l.kind = 'irritant') then 3
             else 4
           end as prio
         from calls c
         where c.tenant_id = ?5 and c.started_at >= ?6 and c.started_at < ?7
           and c.status = 'done' and c.analysis_id is not null and c.agent_id is not null
           and not exists (select 1 from review_queue q where q.tenant_id = c.tenant_id and q.call_id = c.id)
       ),
       ranked as (
         select id, agent_id, prio, row_number() over (partition by agent_id order by prio, id) as rn
         from cand where prio < 4 or ?8 = 1
       )
       select id, agent_id, prio, rn from ranked where rn <= ?9 order by agent_id, rn limit ?10`,
    )
    .bind(
      r.criticalFail ? 1 : 0,
      r.lowScoreBelow,
      r.disputed ? 1 : 0,
      r.irritants ? 1 : 0,
      ctx.tenant.id,
      from,
      to,
      r.random ? 1 : 0,
      r.perAgent,
      r.perAgent * MAX_CANDIDATE_AGENTS,
    )
    .all<PickRow>();
  const queued = await dp.d1
    .prepare(
      "select agent_id, count(*) as n from review_queue where tenant_id = ? and week = ? group by agent_id",
    )
    .bind(ctx.tenant.id, week)
    .all<{ agent_id: string; n: number }>();
  const already = new Map(queued.results.map((q) => [q.agent_id, q.n]));
  let offset = queued.results.reduce((s, q) => s + q.n, 0);
  const now = Date.now();
  const rows = picks.results
    .filter((p) => p.rn <= r.perAgent - (already.get(p.agent_id) ?? 0))
    .map((p) => ({
      id: newId("rq"),
      tenantId: ctx.tenant.id,
      week,
      callId: p.id,
      agentId: p.agent_id,
      reviewerId: r.reviewers[offset++ % r.reviewers.length],
      reason: QUEUE_REASONS[p.prio] as QueueReason,
      assignedAt: now,
    }));
  // 8 columns a row: 12 rows stay under D1's 100 bound parameters per statement.
  let inserted = 0;
  for (let i = 0; i < rows.length; i += 12) {
    const done = await dp.db
      .insert(reviewQueue)
      .values(rows.slice(i, i + 12))
      .onConflictDoNothing()
      .returning({ id: reviewQueue.id });
    inserted += done.length;
  }
  if (inserted) await auditCtx(ctx, "review_queue.sampled", "tenant", ctx.tenant.id, { week, inserted });
  return inserted;
}

/** POST …/assign: run the sampling now for a week (default: the current one). */
export async function sampleNow(ctx: Ctx, raw: { week?: string }) {
  const week = weekParam(ctx, raw.week);
  return { week, queued: await sampleWeek(ctx, week) };
}

export const ITEM_STATUSES = ["assigned", "in_progress", "done"] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

export const queueQuerySchema = z
  .object({
    week: z.string().max(10).optional(),
    reviewerId: z.string().min(1).max(64).optional(),
    agentId: z.string().min(1).max(64).optional(),
    status: z.enum(ITEM_STATUSES).optional(),
    limit: limitSchema,
    cursor: z.string().max(500).optional(),
  })
  .strict();

/** The item's status from its reviewer's review of the call (none / draft / final or later). */
const STATUS_SQL = `case when r.status is null then 'assigned' when r.status = 'draft' then 'in_progress' else 'done' end`;
/** Items whose call still exists (retention or erasure may have removed it). */
const ITEMS_FROM = `from review_queue q
  join calls c on c.tenant_id = q.tenant_id and c.id = q.call_id
  left join agents a on a.tenant_id = q.tenant_id and a.id = q.agent_id
  left join reviews r on r.tenant_id = q.tenant_id and r.call_id = q.call_id and r.reviewer_id = q.reviewer_id`;

interface ItemRow {
  id: string;
  week: string;
  call_id: string;
  agent_id: string;
  agent_name: string | null;
  reviewer_id: string;
  reason: QueueReason;
  assigned_at: number;
  started_at: number;
  score: number | null;
  status: ItemStatus;
  review_id: string | null;
}
const ITEM_COLS = `q.id, q.week, q.call_id, q.agent_id, a.name as agent_name, q.reviewer_id, q.reason, q.assigned_at,
  c.started_at, c.score, r.id as review_id, ${STATUS_SQL} as status`;

function itemView(r: ItemRow) {
  return {
    id: r.id,
    week: r.week,
    callId: r.call_id,
    agentId: r.agent_id,
    agentName: r.agent_name,
    reviewerId: r.reviewer_id,
    reason: r.reason,
    status: r.status,
    reviewId: r.review_id,
    score: r.score,
    callStartedAt: new Date(r.started_at).toISOString(),
    assignedAt: new Date(r.assigned_at).toISOString(),
  };
}
export type QueueItemView = ReturnType<typeof itemView>;

/** One week of the queue, filtered, in pages (keyset on the item id). */
export async function listQueue(ctx: Ctx, raw: unknown) {
  const q = queueQuerySchema.parse(raw);
  const week = weekParam(ctx, q.week);
  const where = ["q.tenant_id = ?", "q.week = ?"];
  const args: (string | number)[] = [ctx.tenant.id, week];
  const add = (clause: string, value: string | number) => {
    where.push(clause);
    args.push(value);
  };
  if (q.reviewerId) add("q.reviewer_id = ?", q.reviewerId);
  if (q.agentId) add("q.agent_id = ?", q.agentId);
  if (q.status) add(`${STATUS_SQL} = ?`, q.status);
  if (q.cursor) add("q.id > ?", decodeCursor(q.cursor).id);
  const rows = await dataPlane(ctx.env, ctx.tenant)
    .d1.prepare(`select ${ITEM_COLS} ${ITEMS_FROM} where ${where.join(" and ")} order by q.id limit ?`)
    .bind(...args, q.limit + 1)
    .all<ItemRow>();
  return { week, ...page(rows.results.map(itemView), q.limit, (r) => encodeCursor(0, r.id)) };
}

/** Assigned / done per agent and per reviewer for a week. */
export async function queueProgress(ctx: Ctx, rawWeek?: string) {
  const week = weekParam(ctx, rawWeek);
  const dp = dataPlane(ctx.env, ctx.tenant);
  const by = async (col: "q.agent_id" | "q.reviewer_id", name: string) =>
    (
      await dp.d1
        .prepare(
          `select ${col} as id, ${name} as name, count(*) as assigned,
             sum(case when ${STATUS_SQL} = 'done' then 1 else 0 end) as done
           ${ITEMS_FROM} where q.tenant_id = ? and q.week = ? group by ${col} order by ${col} limit 1000`,
        )
        .bind(ctx.tenant.id, week)
        .all<{ id: string; name: string | null; assigned: number; done: number }>()
    ).results;
  const agents = await by("q.agent_id", "max(a.name)");
  const names = new Map((await reviewerChoices(ctx)).map((r) => [r.id, r.name]));
  const reviewers = (await by("q.reviewer_id", "null")).map((r) => ({ ...r, name: names.get(r.id) ?? null }));
  return { week, agents, reviewers };
}

export const nextSchema = z.object({ reviewerId: z.string().min(1).max(64).optional() }).strict();

/**
 * The reviewer's oldest item not yet reviewed (any week); 404 when there is none. A signed-in
 * member gets their own; an API key (a tenant's review tool) names the reviewer.
 */
export async function nextFor(ctx: Ctx, raw: unknown = {}): Promise<QueueItemView> {
  const input = nextSchema.parse(raw);
  const me = input.reviewerId ?? (ctx.actor.type === "user" ? ctx.actor.id : null);
  if (!me)
    throw new ApiError("validation_failed", "Name the reviewer: an API key reviews no queue of its own", {
      errors: [{ pointer: "/reviewerId", detail: "required with an API key" }],
    });
  const row = await dataPlane(ctx.env, ctx.tenant)
    .d1.prepare(
      `select ${ITEM_COLS} ${ITEMS_FROM}
       where q.tenant_id = ? and q.reviewer_id = ? and (r.status is null or r.status = 'draft')
       order by q.week, q.assigned_at, q.id limit 1`,
    )
    .bind(ctx.tenant.id, me)
    .first<ItemRow>();
  if (!row)
    throw new ApiError("not_found", "Nothing left in your review queue", { messageKey: "queue.error.empty" });
  return itemView(row);
}

export const reassignSchema = z.object({ reviewerId: z.string().min(1).max(64) }).strict();

/** Hand an item to another reviewer (absence, workload). Another tenant's item is a 404. */
export async function reassign(ctx: Ctx, itemId: string, raw: unknown) {
  const dp = dataPlane(ctx.env, ctx.tenant);
  // An unknown item (or another tenant's) is a 404 whatever the body says.
  const known = await dp.d1
    .prepare("select 1 as ok from review_queue where tenant_id = ? and id = ?")
    .bind(ctx.tenant.id, itemId)
    .first();
  if (!known) throw notFound("Queue item");
  const input = reassignSchema.parse(raw);
  await checkReviewers(ctx, [input.reviewerId], "/reviewerId");
  const [row] = await dp.db
    .update(reviewQueue)
    .set({ reviewerId: input.reviewerId, assignedAt: Date.now() })
    .where(and(eq(reviewQueue.tenantId, ctx.tenant.id), eq(reviewQueue.id, itemId)))
    .returning({ id: reviewQueue.id });
  if (!row) throw notFound("Queue item");
  await auditCtx(ctx, "review_queue.reassigned", "review_queue", itemId, { reviewer: input.reviewerId });
  const item = await dp.d1
    .prepare(`select ${ITEM_COLS} ${ITEMS_FROM} where q.tenant_id = ? and q.id = ?`)
    .bind(ctx.tenant.id, itemId)
    .first<ItemRow>();
  if (!item) throw notFound("Queue item");
  return itemView(item);
}

// ---- Weekly cron --------------------------------------------------------------------------

/** Cron: one `review.sample` message per tenant whose week has ended. Finds work only. */
export async function enqueueDueSampling(env: Env, now: number): Promise<number> {
  const due = await controlDb(env)
    .select({ tenantId: reviewSamplingRules.tenantId })
    .from(reviewSamplingRules)
    .where(lte(reviewSamplingRules.nextRunAt, now))
    .limit(500);
  for (const d of due) await enqueueJob(env, { type: "review.sample", tenantId: d.tenantId });
  return due.length;
}

/**
 * The `review.sample` consumer: moves the rule on a week first (compare-and-set, so a message
 * delivered twice samples once — and a second sampling would add nothing anyway), then samples
 * the week that ended before `nextRunAt`.
 */
export async function runScheduledSampling(env: Env, tenant: Tenant, now = Date.now()): Promise<number> {
  const db = controlDb(env);
  const r = await findRule(env, tenant.id);
  if (!r || r.nextRunAt > now || tenant.status !== "active" || tenant.writeLock) return 0;
  const moved = await db
    .update(reviewSamplingRules)
    .set({ nextRunAt: nextMonday(now, tz(tenant)) })
    .where(and(eq(reviewSamplingRules.tenantId, tenant.id), eq(reviewSamplingRules.nextRunAt, r.nextRunAt)))
    .returning();
  if (!moved.length) return 0;
  const ctx: Ctx = {
    env,
    tenant,
    actor: { type: "system", id: null },
    requestId: `review-sample-${tenant.id}`,
    ip: null,
    userAgent: null,
  };
  return sampleWeek(ctx, weekOf(r.nextRunAt - 3_600_000, tz(tenant)), r);
}
