import { z } from "zod";
import { type DataPlane, dataPlane, shardDatabases } from "../../db/resolver";
import type { Tenant } from "../../db/schema/control";
import type { Ctx } from "../platform/context";
import { isoDaySchema } from "../platform/dates";
import { ApiError } from "../platform/errors";
import { enqueueJob } from "../platform/jobs";
import { notRestrictedSql } from "../policy/privacy-guard";
import { rubricLanguage } from "../scoring/rubric-model";

/**
 * Dashboard KPIs (D1) through daily rollups (P5).
 *
 * `kpi_daily` holds, per tenant, day (in the tenant's time zone) and one dimension (`all`,
 * `team`, `agent`, `queue`, `category`), the sums a KPI needs; `kpi_daily_labels` the irritant and
 * category counts. A change to a call (analysis stored, review finalised, deletion, retention,
 * restriction) marks its day dirty (`kpi_dirty`) and sends one `kpi.rollup` message; the consumer
 * rebuilds each dirty day with a handful of `insert … select … group by` statements in one D1
 * batch (a transaction), so a day's rows are always whole. A period's KPIs then sum at most one
 * row per day — 180 rows for half a year — whatever the number of calls. Two filters at once
 * (say team and queue) have no rollup: those read the calls of the period directly.
 */

export const KPI_DIMS = ["all", "team", "agent", "queue", "category"] as const;
export type KpiDim = (typeof KPI_DIMS)[number];
const MAX_DAYS = 400;
const REBUILD_PER_MESSAGE = 15;

// ---- Days in the tenant's time zone ---------------------------------------------------------

const fmtCache = new Map<string, Intl.DateTimeFormat>();
function parts(ms: number, tz: string) {
  let f = fmtCache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", {
      timeZone: tz,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    fmtCache.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, x.value]));
  return { y: +p.year, m: +p.month, d: +p.day, h: +p.hour, mi: +p.minute, s: +p.second };
}

/** The calendar day (YYYY-MM-DD) of an instant in a time zone. */
export function dayOf(ms: number, tz: string): string {
  const p = parts(ms, tz);
  return `${p.y}-${String(p.m).padStart(2, "0")}-${String(p.d).padStart(2, "0")}`;
}

/**
 * The instant a wall clock in `tz` shows `hour`:00 on `day` (YYYY-MM-DD). The offset is found by
 * iterating, so the day's own daylight-saving offset is the one used.
 */
export function wallClockAt(day: string, hour: number, tz: string): number {
  const [y, m, d] = day.split("-").map(Number);
  const guess = Date.UTC(y, m - 1, d, hour);
  let t = guess;
  for (let i = 0; i < 3; i++) {
    const p = parts(t, tz);
    const wall = Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s);
    t += guess - wall;
  }
  return t;
}

/** [start, end) of a calendar day in a time zone, in ms (DST days are 23 or 25 hours). */
export function dayBounds(day: string, tz: string): [number, number] {
  const [y, m, d] = day.split("-").map(Number);
  const startOf = (yy: number, mm: number, dd: number) =>
    wallClockAt(`${yy}-${String(mm).padStart(2, "0")}-${String(dd).padStart(2, "0")}`, 0, tz);
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return [startOf(y, m, d), startOf(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate())];
}

export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to && out.length <= MAX_DAYS; d = addDays(d, 1)) out.push(d);
  return out;
}

// ---- Marking and rebuilding -----------------------------------------------------------------

type Placement = Pick<Tenant, "id" | "location" | "shard" | "timeZone">;

/** Mark the days of these call start times dirty and ask for a rebuild (one message). */
export async function markKpiDirty(env: Env, tenant: Placement, startedAts: number[]): Promise<void> {
  // A stored start that is no date (written before inputs were bounded) belongs to no day.
  const valid = startedAts.filter((t) => !Number.isNaN(new Date(t).getTime()));
  const days = [...new Set(valid.map((t) => dayOf(t, tenant.timeZone ?? "Europe/Paris")))];
  if (!days.length) return;
  const dp = dataPlane(env, tenant);
  const now = Date.now();
  for (let i = 0; i < days.length; i += 40) {
    const chunk = days.slice(i, i + 40);
    await dp.d1
      .prepare(
        `insert into kpi_dirty (tenant_id, day, marked_at) values ${chunk.map(() => "(?, ?, ?)").join(",")}
         on conflict (tenant_id, day) do update set marked_at = excluded.marked_at`,
      )
      .bind(...chunk.flatMap((d) => [tenant.id, d, now]))
      .run();
  }
  await enqueueJob(env, { type: "kpi.rollup", tenantId: tenant.id });
}

/**
 * Every day holding a call of the data plane's tenant becomes dirty (after its calls were copied
 * in: a move, a restore); the 10-minute sweep rebuilds them. UTC days ± 1 cover every day of the
 * tenant's time zone. One statement.
 */
export async function markAllKpiDaysDirty(dp: Pick<DataPlane, "d1" | "tenantId">): Promise<void> {
  await dp.d1
    .prepare(
      `insert or ignore into kpi_dirty (tenant_id, day, marked_at)
       select distinct tenant_id, date(started_at / 1000 + o, 'unixepoch'), 0 from calls,
         (select -86400 as o union all select 0 union all select 86400) where tenant_id = ?`,
    )
    .bind(dp.tenantId)
    .run();
}

const AGGS = `count(*), count(c.analysis_id), total(c.score), count(c.score), total(c.passed), count(c.passed),
  total(c.critical_fail), total(coalesce(c.duration_s, c.rec_duration_s)), count(coalesce(c.duration_s, c.rec_duration_s)),
  total(c.silence_pct), count(c.silence_pct), total(c.sentiment_end), count(c.sentiment_end),
  total(c.reviewed_score), count(c.reviewed_score)`;
const COLS = `tenant_id, dim, value, day, calls, analysed, score_sum, score_n, passed_n, pass_n, critical,
  duration_sum, duration_n, silence_sum, silence_n, sentiment_sum, sentiment_n, reviewed_sum, reviewed_n`;
/** A restricted person's calls (F3) are kept but left out of every figure. */
const NOT_RESTRICTED = notRestrictedSql("c");
const LABEL_DIMS = new Set(["all", "team"]);
const DIM_EXPR: Record<Exclude<KpiDim, "category">, string> = {
  all: "''",
  team: "coalesce(c.team, '')",
  agent: "coalesce(c.agent_id, '')",
  queue: "coalesce(c.queue, '')",
};

/** Rebuild one (tenant, day): delete its rows and insert them again, in one batch. */
export async function rebuildDay(dp: DataPlane, tenantId: string, day: string, tz: string) {
  const [from, to] = dayBounds(day, tz);
  const where = `c.tenant_id = ?1 and c.started_at >= ?3 and c.started_at < ?4 and ${NOT_RESTRICTED}`;
  const stmts: D1PreparedStatement[] = [
    dp.d1.prepare("delete from kpi_daily where tenant_id = ? and day = ?").bind(tenantId, day),
    dp.d1.prepare("delete from kpi_daily_labels where tenant_id = ? and day = ?").bind(tenantId, day),
  ];
  for (const [dim, expr] of Object.entries(DIM_EXPR)) {
    stmts.push(
      dp.d1
        .prepare(
          `insert into kpi_daily (${COLS}) select ?1, '${dim}', ${expr}, ?2, ${AGGS}
           from calls c where ${where} group by ${expr}`,
        )
        .bind(tenantId, day, from, to),
    );
    // Label counts per agent or queue would cost more D1 bytes than they save (P8): those two
    // dimensions read their top lists from call_labels when asked (getKpis).
    if (!LABEL_DIMS.has(dim)) continue;
    stmts.push(
      dp.d1
        .prepare(
          `insert into kpi_daily_labels (tenant_id, dim, value, day, kind, label, n)
           select ?1, '${dim}', ${expr}, ?2, l.kind, l.label, count(*)
           from call_labels l join calls c on c.id = l.call_id and c.tenant_id = l.tenant_id
           where ${where} group by ${expr}, l.kind, l.label`,
        )
        .bind(tenantId, day, from, to),
    );
  }
  // Category: a call counts once under each category it has.
  stmts.push(
    dp.d1
      .prepare(
        `insert into kpi_daily (${COLS}) select ?1, 'category', l.label, ?2, ${AGGS}
         from call_labels l join calls c on c.id = l.call_id and c.tenant_id = l.tenant_id
         where l.kind = 'category' and ${where} group by l.label`,
      )
      .bind(tenantId, day, from, to),
    dp.d1
      .prepare(
        `insert into kpi_daily_labels (tenant_id, dim, value, day, kind, label, n)
         select ?1, 'category', k.label, ?2, l.kind, l.label, count(*)
         from call_labels k join calls c on c.id = k.call_id and c.tenant_id = k.tenant_id
         join call_labels l on l.call_id = c.id and l.tenant_id = c.tenant_id
         where k.kind = 'category' and ${where} group by k.label, l.kind, l.label`,
      )
      .bind(tenantId, day, from, to),
  );
  await dp.d1.batch(stmts);
}

/** The `kpi.rollup` consumer: rebuild up to 15 dirty days, then ask again if more remain. */
export async function rebuildDirty(env: Env, tenant: Placement): Promise<number> {
  const dp = dataPlane(env, tenant);
  const tz = tenant.timeZone ?? "Europe/Paris";
  const dirty = (
    await dp.d1
      .prepare("select day, marked_at from kpi_dirty where tenant_id = ? order by day limit ?")
      .bind(tenant.id, REBUILD_PER_MESSAGE + 1)
      .all<{ day: string; marked_at: number }>()
  ).results;
  for (const d of dirty.slice(0, REBUILD_PER_MESSAGE)) {
    await rebuildDay(dp, tenant.id, d.day, tz);
    // A mark made while rebuilding (newer marked_at) stays, so that change is not lost.
    await dp.d1
      .prepare("delete from kpi_dirty where tenant_id = ? and day = ? and marked_at <= ?")
      .bind(tenant.id, d.day, d.marked_at)
      .run();
  }
  if (dirty.length > REBUILD_PER_MESSAGE) await enqueueJob(env, { type: "kpi.rollup", tenantId: tenant.id });
  return Math.min(dirty.length, REBUILD_PER_MESSAGE);
}

// ---- Reading ------------------------------------------------------------------------------------

export const kpiQuerySchema = z
  .object({
    from: isoDaySchema.optional(),
    to: isoDaySchema.optional(),
    team: z.string().max(200).optional(),
    agentId: z.string().max(64).optional(),
    queue: z.string().max(200).optional(),
    category: z.string().max(64).optional(),
    /** The call's language (a grid serves several: C4); read from the calls, no rollup. */
    language: rubricLanguage.optional(),
  })
  .strict();
export type KpiQuery = z.infer<typeof kpiQuerySchema>;

export interface RollupSums {
  calls: number;
  analysed: number;
  score_sum: number;
  score_n: number;
  passed_n: number;
  pass_n: number;
  critical: number;
  duration_sum: number;
  duration_n: number;
  silence_sum: number;
  silence_n: number;
  sentiment_sum: number;
  sentiment_n: number;
  reviewed_sum: number;
  reviewed_n: number;
}
export const ROLLUP_SUMS = `sum(calls) as calls, sum(analysed) as analysed, sum(score_sum) as score_sum, sum(score_n) as score_n,
  sum(passed_n) as passed_n, sum(pass_n) as pass_n, sum(critical) as critical, sum(duration_sum) as duration_sum,
  sum(duration_n) as duration_n, sum(silence_sum) as silence_sum, sum(silence_n) as silence_n,
  sum(sentiment_sum) as sentiment_sum, sum(sentiment_n) as sentiment_n, sum(reviewed_sum) as reviewed_sum,
  sum(reviewed_n) as reviewed_n`;

const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
/** The KPI figures from summed rollup columns (dashboard and reports share them). */
export function figures(s: Partial<RollupSums> | undefined) {
  const v = (k: keyof RollupSums) => Number(s?.[k] ?? 0);
  const avg = (sum: keyof RollupSums, n: keyof RollupSums, round = r1) =>
    v(n) > 0 ? round(v(sum) / v(n)) : null;
  return {
    calls: v("calls"),
    analysed: v("analysed"),
    avgScore: avg("score_sum", "score_n"),
    passRate: v("pass_n") > 0 ? r3(v("passed_n") / v("pass_n")) : null,
    criticalFails: v("critical"),
    avgHandleTimeS: avg("duration_sum", "duration_n"),
    silencePct: avg("silence_sum", "silence_n"),
    sentiment: avg("sentiment_sum", "sentiment_n", r3),
    reviewedAvgScore: avg("reviewed_sum", "reviewed_n"),
    reviewed: v("reviewed_n"),
  };
}
export type KpiFigures = ReturnType<typeof figures>;

export interface Kpis {
  from: string;
  to: string;
  timeZone: string;
  filters: { team?: string; agentId?: string; queue?: string; category?: string; language?: string };
  source: "rollup" | "calls";
  totals: KpiFigures;
  series: ({ day: string } & KpiFigures)[];
  topIrritants: { type: string; calls: number; share: number }[];
  topCategories: { id: string; calls: number; share: number }[];
  /** Days whose rollups are being rebuilt (figures may lag by seconds). */
  pendingDays: number;
}

/** KPIs of a period with at most one filter from the rollups, else from the calls directly. */
export async function getKpis(ctx: Ctx, raw: unknown): Promise<Kpis> {
  const q = kpiQuerySchema.parse(raw);
  const tz = ctx.tenant.timeZone ?? "Europe/Paris";
  const today = dayOf(Date.now(), tz);
  const to = q.to ?? today;
  const from = q.from ?? addDays(to, -29);
  if (from > to)
    throw new ApiError("validation_failed", "from must not be after to", {
      errors: [{ pointer: "/from", detail: "after to" }],
    });
  const days = daysBetween(from, to);
  if (days.length > 366)
    throw new ApiError("validation_failed", "At most 366 days per request", {
      errors: [{ pointer: "/from", detail: "period too long" }],
    });
  // An agent sees only their own figures (D3); the filter is forced, never taken from input.
  let filters: Kpis["filters"] = {
    team: q.team,
    agentId: q.agentId,
    queue: q.queue,
    category: q.category,
    language: q.language,
  };
  if (ctx.actor.type === "user" && ctx.actor.role === "agent") {
    // Not linked to an agent yet: no calls are theirs, so every figure is empty.
    filters = { agentId: ctx.actor.agentId ?? "(unlinked)", category: q.category, language: q.language };
  }
  const set = (Object.entries(filters) as [keyof typeof filters, string | undefined][]).filter(([, v]) => v);
  const dp = dataPlane(ctx.env, ctx.tenant);
  const pendingStmt = dp.d1
    .prepare("select count(*) as n from kpi_dirty where tenant_id = ?")
    .bind(ctx.tenant.id);
  // Rollups have no language dimension: a language filter reads the calls.
  if (set.length <= 1 && !filters.language) {
    const [key, value] = set[0] ?? ["all", ""];
    const dim = key === "agentId" ? "agent" : key;
    // One round trip: the day sums, the label counts and the pending-days count.
    const [rows, labels, pending] = await dp.d1.batch<Record<string, unknown>>([
      dp.d1
        .prepare(
          `select day, ${ROLLUP_SUMS} from kpi_daily where tenant_id = ? and dim = ? and value = ? and day >= ? and day <= ? group by day order by day`,
        )
        .bind(ctx.tenant.id, dim, value, from, to),
      LABEL_DIMS.has(dim) || dim === "category"
        ? dp.d1
            .prepare(
              `select kind, label, sum(n) as n from kpi_daily_labels where tenant_id = ? and dim = ? and value = ? and day >= ? and day <= ?
               group by kind, label order by n desc`,
            )
            .bind(ctx.tenant.id, dim, value, from, to)
        : // Agent or queue: the period's calls of that agent or queue, their labels.
          dp.d1
            .prepare(
              `select l.kind as kind, l.label as label, count(*) as n from calls c
               join call_labels l on l.call_id = c.id and l.tenant_id = c.tenant_id
               where c.tenant_id = ? and c.${dim === "agent" ? "agent_id" : "queue"} = ? and c.started_at >= ? and c.started_at < ?
                 and ${NOT_RESTRICTED}
               group by l.kind, l.label order by n desc`,
            )
            .bind(ctx.tenant.id, value, dayBounds(from, tz)[0], dayBounds(to, tz)[1]),
      pendingStmt,
    ]);
    const base = { from, to, timeZone: tz, filters, pendingDays: Number(pending.results[0]?.n ?? 0) };
    return {
      ...base,
      source: "rollup",
      ...assemble(
        days,
        rows.results as unknown as (RollupSums & { day: string })[],
        labels.results as unknown as { kind: string; label: string; n: number }[],
      ),
    };
  }
  const pending = await pendingStmt.first<{ n: number }>();
  const base = { from, to, timeZone: tz, filters, pendingDays: pending?.n ?? 0 };
  // Several filters: the calls of the period, through the (tenant, started_at) index.
  const { rows, conds, binds } = await periodCalls(
    dp,
    ctx.tenant.id,
    dayBounds(from, tz)[0],
    dayBounds(to, tz)[1],
    filters,
  );
  const byDay = new Map<string, RollupSums & { day: string }>();
  for (const r of rows) {
    const day = dayOf(r.t, tz);
    const s = byDay.get(day) ?? { day, ...zeroSums() };
    addCall(s, r);
    byDay.set(day, s);
  }
  const labels = (
    await dp.d1
      .prepare(
        `select l.kind as kind, l.label as label, count(*) as n from call_labels l join calls c on c.id = l.call_id and c.tenant_id = l.tenant_id
         where ${conds.join(" and ")} group by l.kind, l.label order by n desc`,
      )
      .bind(...binds)
      .all<{ kind: string; label: string; n: number }>()
  ).results;
  return { ...base, source: "calls", ...assemble(days, [...byDay.values()], labels) };
}

export interface PeriodCall {
  t: number;
  team: string | null;
  agent_id: string | null;
  queue: string | null;
  score: number | null;
  passed: number | null;
  critical_fail: number | null;
  dur: number | null;
  silence_pct: number | null;
  sentiment_end: number | null;
  reviewed_score: number | null;
  analysis_id: string | null;
}
const PERIOD_CALLS_MAX = 50_000;

/**
 * The period's calls matching the filters, with what a KPI sums (at most 50 000: beyond, a
 * readable refusal). For combinations the rollups do not hold (several filters, a language).
 */
export async function periodCalls(
  dp: Pick<DataPlane, "d1">,
  tenantId: string,
  start: number,
  end: number,
  filters: Kpis["filters"],
) {
  const conds: string[] = ["c.tenant_id = ?", "c.started_at >= ?", "c.started_at < ?", NOT_RESTRICTED];
  const binds: unknown[] = [tenantId, start, end];
  const add = (cond: string, v: string | undefined) => {
    if (!v) return;
    conds.push(cond);
    binds.push(v);
  };
  add("c.team = ?", filters.team);
  add("c.agent_id = ?", filters.agentId);
  add("c.queue = ?", filters.queue);
  add("c.language = ?", filters.language);
  add(
    "exists (select 1 from call_labels k where k.call_id = c.id and k.kind = 'category' and k.label = ?)",
    filters.category,
  );
  const rows = (
    await dp.d1
      .prepare(
        `select started_at as t, team, agent_id, queue, score, passed, critical_fail, coalesce(duration_s, rec_duration_s) as dur,
           silence_pct, sentiment_end, reviewed_score, analysis_id from calls c where ${conds.join(" and ")} limit ${PERIOD_CALLS_MAX + 1}`,
      )
      .bind(...binds)
      .all<PeriodCall>()
  ).results;
  if (rows.length > PERIOD_CALLS_MAX)
    throw new ApiError(
      "validation_failed",
      "Too many calls for combined filters: shorten the period or use one filter",
    );
  return { rows, conds, binds };
}

/** One call into the sums, as the rollups count it (AGGS). */
export function addCall(s: RollupSums, r: PeriodCall) {
  s.calls++;
  if (r.analysis_id) s.analysed++;
  const add = (sum: keyof RollupSums, n: keyof RollupSums, v: number | null) => {
    if (v === null) return;
    s[sum] += v;
    s[n]++;
  };
  add("score_sum", "score_n", r.score);
  add("passed_n", "pass_n", r.passed);
  s.critical += r.critical_fail ?? 0;
  add("duration_sum", "duration_n", r.dur);
  add("silence_sum", "silence_n", r.silence_pct);
  add("sentiment_sum", "sentiment_n", r.sentiment_end);
  add("reviewed_sum", "reviewed_n", r.reviewed_score);
}

export const zeroSums = (): RollupSums => ({
  calls: 0,
  analysed: 0,
  score_sum: 0,
  score_n: 0,
  passed_n: 0,
  pass_n: 0,
  critical: 0,
  duration_sum: 0,
  duration_n: 0,
  silence_sum: 0,
  silence_n: 0,
  sentiment_sum: 0,
  sentiment_n: 0,
  reviewed_sum: 0,
  reviewed_n: 0,
});

function assemble(
  days: string[],
  rows: (RollupSums & { day: string })[],
  labels: { kind: string; label: string; n: number }[],
) {
  const total = zeroSums();
  const byDay = new Map(rows.map((r) => [r.day, r]));
  for (const r of rows)
    for (const k of Object.keys(total) as (keyof RollupSums)[]) total[k] += Number(r[k] ?? 0);
  const analysed = total.analysed || 1;
  return {
    totals: figures(total),
    series: days.map((day) => ({ day, ...figures(byDay.get(day)) })),
    topIrritants: labels
      .filter((l) => l.kind === "irritant")
      .slice(0, 8)
      .map((l) => ({ type: l.label, calls: Number(l.n), share: r3(Number(l.n) / analysed) })),
    topCategories: labels
      .filter((l) => l.kind === "category")
      .slice(0, 8)
      .map((l) => ({ id: l.label, calls: Number(l.n), share: r3(Number(l.n) / analysed) })),
  };
}

/** Values the filters offer (teams, queues, agents) — the tenant's own, for the dashboard form. */
export async function filterChoices(ctx: Ctx) {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const rows = (
    await dp.d1
      .prepare(
        "select dim, value from kpi_daily where tenant_id = ? and dim in ('team', 'queue', 'category') and value != '' group by dim, value order by value limit 500",
      )
      .bind(ctx.tenant.id)
      .all<{ dim: string; value: string }>()
  ).results;
  return {
    teams: rows.filter((r) => r.dim === "team").map((r) => r.value),
    queues: rows.filter((r) => r.dim === "queue").map((r) => r.value),
    categories: rows.filter((r) => r.dim === "category").map((r) => r.value),
  };
}

/**
 * Cron (every 10 minutes): tenants with days still dirty after a while (a lost `kpi.rollup`
 * message, or days a migration marked) get a rebuild message. Ids only, at most 200 per shard.
 */
export async function sweepDirtyKpis(env: Env, now: number, idleMs = 10 * 60_000): Promise<number> {
  let sent = 0;
  for (const s of shardDatabases(env)) {
    const rows = (
      await s.d1
        .prepare("select distinct tenant_id from kpi_dirty where marked_at < ? limit 200")
        .bind(now - idleMs)
        .all<{ tenant_id: string }>()
    ).results;
    for (const r of rows) await enqueueJob(env, { type: "kpi.rollup", tenantId: r.tenant_id });
    sent += rows.length;
  }
  return sent;
}
