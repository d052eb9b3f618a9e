import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../../db/client";
import { dataPlane } from "../../../db/resolver";
import { type Job, jobs, platformStats, statsContributions, tenants } from "../../../db/schema/control";
import { registerJobHandler, type StepOutcome, startJob } from "../../platform/jobs";
import {
  buildWindows,
  groupsOf,
  METRICS,
  MIN_CALLS,
  MIN_TENANT_CALLS,
  MIN_TENANTS,
  metricValue,
  type PeriodAggs,
  quantile,
  roundFor,
  tenantQueries,
} from "./aggregate";

/**
 * The statistics build (F6): a durable job of kind `stats_build`, started by the daily cron.
 *
 * 1. `collect` — walks active tenants that have not opted out, in id order, TENANTS_PER_STEP a
 *    step; for each, reads its sums for every window of the build through its data plane (one
 *    batch per shard) and upserts them into `stats_contributions` (numbers only). Re-running a
 *    step rewrites the same rows.
 * 2. `publish` — reads the contributions (dropping tenants that opted out or stopped being active
 *    since), turns each into per-tenant values, and for every (period, dimension, bucket, metric)
 *    with ≥ MIN_TENANTS tenants and ≥ MIN_CALLS calls stores p25 / median / p75 into
 *    `platform_stats`, replacing the build's periods in one D1 batch. Deterministic (rows carry
 *    `builtAt = asOf`), so a second run writes identical rows.
 * 3. `cleanup` — deletes the contributions. A separate step: if it shared the publish step, a run
 *    killed after the delete but before the job saved its progress would republish from nothing.
 */
export const TENANTS_PER_STEP = 25;
const CONTRIBUTIONS_PAGE = 500;
/** 11 columns: at most 9 rows per INSERT under D1's 100 bound parameters. */
const ROWS_PER_INSERT = 9;

const paramsSchema = z.object({
  asOf: z.number().int().positive(),
  tenantsPerStep: z.number().int().min(1).max(100).default(TENANTS_PER_STEP),
});
const progressSchema = z.object({
  phase: z.enum(["collect", "publish", "cleanup"]).default("collect"),
  after: z.string().nullable().default(null),
  tenants: z.number().default(0),
  contributed: z.number().default(0),
  skipped: z.number().default(0),
  published: z.number().default(0),
  suppressed: z.number().default(0),
});
type Progress = z.infer<typeof progressSchema>;

/**
 * Start the build of the statistics as of `asOf` (the cron's time). One per UTC day: a second
 * call the same day returns the existing job.
 */
export function startStatsBuild(
  env: Env,
  asOf: number,
  opts: { dedupeKey?: string; tenantsPerStep?: number } = {},
) {
  return startJob(env, {
    tenantId: null,
    kind: "stats_build",
    dedupeKey: opts.dedupeKey ?? `stats:${new Date(asOf).toISOString().slice(0, 10)}`,
    params: { asOf, ...(opts.tenantsPerStep ? { tenantsPerStep: opts.tenantsPerStep } : {}) },
    progress: { phase: "collect" },
  });
}

export async function statsBuildStep(env: Env, job: Job): Promise<StepOutcome> {
  const { asOf, tenantsPerStep } = paramsSchema.parse(job.params);
  const p = progressSchema.parse(job.progress);
  if (p.phase === "collect") return collect(env, job, asOf, tenantsPerStep, p);
  if (p.phase === "publish") return publish(env, job, asOf, p);
  await controlDb(env).delete(statsContributions).where(eq(statsContributions.jobId, job.id));
  return { progress: p, result: resultOf(asOf, p) };
}
registerJobHandler("stats_build", statsBuildStep);

function resultOf(asOf: number, p: Progress) {
  return {
    asOf,
    periods: buildWindows(asOf).map((w) => w.period),
    tenants: p.tenants,
    contributed: p.contributed,
    skipped: p.skipped,
    published: p.published,
    suppressed: p.suppressed,
  };
}

async function collect(env: Env, job: Job, asOf: number, perStep: number, p: Progress): Promise<StepOutcome> {
  const db = controlDb(env);
  const chunk = await db
    .select({ id: tenants.id, location: tenants.location, shard: tenants.shard })
    .from(tenants)
    .where(
      and(
        eq(tenants.status, "active"),
        eq(tenants.statsOptOut, false),
        p.after ? gt(tenants.id, p.after) : undefined,
      ),
    )
    .orderBy(asc(tenants.id))
    .limit(perStep);
  const windows = buildWindows(asOf);

  // One D1 batch per shard: every tenant of the chunk on that shard, two statements a window.
  const byShard = new Map<
    string,
    { tenantId: string; q: ReturnType<typeof tenantQueries>; d1: D1Database }[]
  >();
  let skipped = 0;
  for (const t of chunk) {
    let plane: ReturnType<typeof dataPlane>;
    try {
      plane = dataPlane(env, t);
    } catch (err) {
      // A tenant whose placement is not configured here cannot block everybody's statistics.
      skipped++;
      console.error(
        JSON.stringify({ level: "error", msg: "stats: tenant skipped", tenantId: t.id, error: String(err) }),
      );
      continue;
    }
    const list = byShard.get(plane.shard) ?? [];
    list.push({ tenantId: t.id, q: tenantQueries(plane, windows), d1: plane.d1 });
    byShard.set(plane.shard, list);
  }
  const payloads: { tenantId: string; aggs: PeriodAggs }[] = [];
  for (const list of byShard.values()) {
    const results = await list[0].d1.batch(list.flatMap((x) => x.q.stmts));
    let at = 0;
    for (const x of list) {
      const aggs = x.q.parse(results.slice(at, at + x.q.stmts.length));
      at += x.q.stmts.length;
      if (Object.keys(aggs).length) payloads.push({ tenantId: x.tenantId, aggs });
    }
  }
  if (payloads.length)
    await db
      .insert(statsContributions)
      .values(payloads.map((x) => ({ jobId: job.id, tenantId: x.tenantId, payload: { periods: x.aggs } })))
      .onConflictDoUpdate({
        target: [statsContributions.jobId, statsContributions.tenantId],
        set: { payload: sql`excluded.payload` },
      });
  const done = chunk.length < perStep;
  return {
    progress: {
      ...p,
      phase: done ? "publish" : "collect",
      after: chunk.at(-1)?.id ?? p.after,
      tenants: p.tenants + chunk.length,
      contributed: p.contributed + payloads.length,
      skipped: p.skipped + skipped,
    },
  };
}

export interface StatsRow {
  period: string;
  dimension: string;
  bucket: string;
  metric: string;
  tenants: number;
  calls: number;
  p25: number;
  median: number;
  p75: number;
  builtAt: number;
}

/**
 * The published rows from per-tenant contributions. Pure: the same contributions give the same
 * rows. A tenant's value enters a metric only when it rests on ≥ MIN_TENANT_CALLS of its calls;
 * a row is kept only with ≥ MIN_TENANTS such tenants and ≥ MIN_CALLS calls behind it.
 */
export function computeStats(
  contributions: PeriodAggs[],
  periods: string[],
  builtAt: number,
): { rows: StatsRow[]; suppressed: number } {
  const acc = new Map<string, { values: number[]; calls: number }>();
  for (const c of contributions) {
    for (const period of periods) {
      const byLang = c[period];
      if (!byLang) continue;
      for (const g of groupsOf(byLang)) {
        for (const m of METRICS) {
          const { value, n } = metricValue(g.agg, m);
          if (value === null || n < MIN_TENANT_CALLS) continue;
          const key = [period, g.dimension, g.bucket, m].join("\u0000");
          const a = acc.get(key) ?? { values: [], calls: 0 };
          a.values.push(value);
          a.calls += n;
          acc.set(key, a);
        }
      }
    }
  }
  const rows: StatsRow[] = [];
  let suppressed = 0;
  for (const [key, a] of acc) {
    if (a.values.length < MIN_TENANTS || a.calls < MIN_CALLS) {
      suppressed++;
      continue;
    }
    const [period, dimension, bucket, metric] = key.split("\u0000");
    const m = metric as (typeof METRICS)[number];
    const sorted = a.values.sort((x, y) => x - y);
    rows.push({
      period,
      dimension,
      bucket,
      metric,
      tenants: sorted.length,
      calls: a.calls,
      p25: roundFor(m, quantile(sorted, 0.25)),
      median: roundFor(m, quantile(sorted, 0.5)),
      p75: roundFor(m, quantile(sorted, 0.75)),
      builtAt,
    });
  }
  rows.sort(
    (x, y) =>
      x.period.localeCompare(y.period) ||
      x.dimension.localeCompare(y.dimension) ||
      x.bucket.localeCompare(y.bucket) ||
      x.metric.localeCompare(y.metric),
  );
  return { rows, suppressed };
}

async function publish(env: Env, job: Job, asOf: number, p: Progress): Promise<StepOutcome> {
  const db = controlDb(env);
  // Contributions of tenants still active and still opted in (an opt-out during the build wins).
  const contributions: PeriodAggs[] = [];
  let after = "";
  for (;;) {
    const page = await db
      .select({ tenantId: statsContributions.tenantId, payload: statsContributions.payload })
      .from(statsContributions)
      .innerJoin(tenants, eq(tenants.id, statsContributions.tenantId))
      .where(
        and(
          eq(statsContributions.jobId, job.id),
          gt(statsContributions.tenantId, after),
          eq(tenants.statsOptOut, false),
          eq(tenants.status, "active"),
        ),
      )
      .orderBy(asc(statsContributions.tenantId))
      .limit(CONTRIBUTIONS_PAGE);
    for (const r of page) contributions.push((r.payload as { periods: PeriodAggs }).periods ?? {});
    if (page.length < CONTRIBUTIONS_PAGE) break;
    after = page[page.length - 1].tenantId;
  }
  const periods = buildWindows(asOf).map((w) => w.period);
  const { rows, suppressed } = computeStats(contributions, periods, asOf);

  // A duplicate delivery that lost the race (the job moved on, contributions maybe gone) must not
  // replace what the winner published.
  const fresh = await db.select({ steps: jobs.steps }).from(jobs).where(eq(jobs.id, job.id));
  if (fresh[0]?.steps !== job.steps) return { progress: p };

  const inserts = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT)
    inserts.push(db.insert(platformStats).values(rows.slice(i, i + ROWS_PER_INSERT)));
  await db.batch([db.delete(platformStats).where(inArray(platformStats.period, periods)), ...inserts]);
  return { progress: { ...p, phase: "cleanup", published: rows.length, suppressed } };
}
