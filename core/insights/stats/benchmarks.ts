import { and, desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../../db/client";
import { dataPlane } from "../../../db/resolver";
import { jobs, platformStats, statsContributions, tenants } from "../../../db/schema/control";
import { auditCtx } from "../../platform/audit";
import type { Ctx } from "../../platform/context";
import {
  type Agg,
  addAgg,
  DIMENSIONS,
  type Dimension,
  emptyAgg,
  isLanguageBucket,
  METRICS,
  type Metric,
  type MetricUnit,
  MIN_CALLS,
  MIN_TENANT_CALLS,
  MIN_TENANTS,
  MONTH_RE,
  metricValue,
  monthWindow,
  ROLLING,
  readTenantAggs,
  rollingWindow,
  roundFor,
  unitOf,
  type Window,
} from "./aggregate";

// ---- Opt-out (F6) ---------------------------------------------------------------------------

export const statsSettingsSchema = z.object({ optOut: z.boolean() }).strict();

export function getStatsSettings(ctx: Ctx) {
  return { optOut: ctx.tenant.statsOptOut };
}

/**
 * Opting out stops the tenant's contribution from the next build on, and drops a contribution a
 * build in progress already collected. Published figures are anonymous aggregates: the periods a
 * build covers (rolling 30 days, last 3 months) are recomputed without the tenant; older months
 * are not. An opted-out tenant still reads the benchmarks (they hold nothing of it).
 */
export async function updateStatsSettings(ctx: Ctx, raw: z.input<typeof statsSettingsSchema>) {
  const { optOut } = statsSettingsSchema.parse(raw);
  if (optOut !== ctx.tenant.statsOptOut) {
    const db = controlDb(ctx.env);
    const now = Date.now();
    await db.batch([
      db.update(tenants).set({ statsOptOut: optOut, updatedAt: now }).where(eq(tenants.id, ctx.tenant.id)),
      db.delete(statsContributions).where(eq(statsContributions.tenantId, ctx.tenant.id)),
    ]);
    await auditCtx(ctx, "settings.statistics_changed", "tenant", ctx.tenant.id, { optOut });
    Object.assign(ctx.tenant, { statsOptOut: optOut, updatedAt: now });
  }
  return getStatsSettings(ctx);
}

// ---- Benchmarks -----------------------------------------------------------------------------

export const benchmarksQuerySchema = z
  .object({
    period: z
      .string()
      .refine((p) => p === ROLLING || MONTH_RE.test(p), { message: `"${ROLLING}" or a month YYYY-MM` })
      .default(ROLLING),
    dimension: z.enum(DIMENSIONS).default("all"),
    bucket: z
      .string()
      .regex(/^[a-z]{2,3}$/)
      .optional(),
  })
  .refine((q) => !q.bucket || q.dimension !== "all", {
    path: ["bucket"],
    message: "bucket only goes with dimension=language",
  });
export type BenchmarksQuery = z.input<typeof benchmarksQuerySchema>;

export type Unavailable = "below_threshold" | "not_built";

export interface BenchmarkMetric {
  metric: Metric;
  unit: MetricUnit;
  own: { value: number | null; calls: number };
  platform: { p25: number | null; median: number; p75: number | null; tenants: number; calls: number } | null;
  available: boolean;
  reason: Unavailable | null;
}
export interface BenchmarkGroup {
  dimension: Dimension;
  bucket: string;
  available: boolean;
  reason: Unavailable | null;
  metrics: BenchmarkMetric[];
}
export interface Benchmarks {
  period: string;
  window: { from: string; to: string };
  builtAt: string | null;
  dimension: Dimension;
  thresholds: { minTenants: number; minCalls: number; minCallsPerTenant: number };
  /** false when the tenant opted out: it reads the figures but adds nothing to them. */
  contributing: boolean;
  groups: BenchmarkGroup[];
}

/** The last finished build: which periods it covered and up to when. */
async function latestBuild(env: Env): Promise<{ asOf: number; periods: string[] } | null> {
  const [j] = await controlDb(env)
    .select({ result: jobs.result })
    .from(jobs)
    .where(and(isNull(jobs.tenantId), eq(jobs.kind, "stats_build"), eq(jobs.status, "done")))
    .orderBy(desc(jobs.createdAt))
    .limit(1);
  const r = z.object({ asOf: z.number(), periods: z.array(z.string()) }).safeParse(j?.result ?? null);
  return r.success ? r.data : null;
}

/**
 * The published platform figures for a period and dimension next to the tenant's own values,
 * computed live from its data plane over the same window with the same definitions. A group or
 * metric under the thresholds is listed with `available: false` and the reason, never omitted.
 */
export async function getBenchmarks(ctx: Ctx, raw: BenchmarksQuery): Promise<Benchmarks> {
  const q = benchmarksQuerySchema.parse(raw);
  const rows = await controlDb(ctx.env)
    .select()
    .from(platformStats)
    .where(and(eq(platformStats.period, q.period), eq(platformStats.dimension, q.dimension)));
  const build = rows.length ? null : await latestBuild(ctx.env);
  const builtAt = rows[0]?.builtAt ?? (q.period === ROLLING ? build?.asOf : undefined) ?? null;
  // The rolling period is the 30 days before its build; without one, the 30 days before now.
  const window: Window = q.period === ROLLING ? rollingWindow(builtAt ?? Date.now()) : monthWindow(q.period);
  const built = rows.length > 0 || (build?.periods.includes(q.period) ?? false);

  const own = (await readTenantAggs(dataPlane(ctx.env, ctx.tenant), [window]))[q.period] ?? {};
  const ownGroups = new Map<string, Agg>();
  if (q.dimension === "all") {
    const all = emptyAgg();
    for (const a of Object.values(own)) addAgg(all, a);
    ownGroups.set("all", all);
  } else for (const [lang, a] of Object.entries(own)) if (isLanguageBucket(lang)) ownGroups.set(lang, a);

  const buckets = new Set<string>([...ownGroups.keys(), ...rows.map((r) => r.bucket)]);
  if (q.dimension === "all") buckets.add("all");
  const wanted = q.bucket ? [q.bucket] : [...buckets].sort();

  const groups = wanted.map((bucket): BenchmarkGroup => {
    const mine = ownGroups.get(bucket) ?? emptyAgg();
    const metrics = METRICS.map((metric): BenchmarkMetric => {
      const row = rows.find((r) => r.bucket === bucket && r.metric === metric);
      const v = metricValue(mine, metric);
      return {
        metric,
        unit: unitOf(metric),
        own: { value: v.value === null ? null : roundFor(metric, v.value), calls: v.n },
        platform: row
          ? { p25: row.p25, median: row.median, p75: row.p75, tenants: row.tenants, calls: row.calls }
          : null,
        available: !!row,
        reason: row ? null : built ? "below_threshold" : "not_built",
      };
    });
    const available = metrics.some((m) => m.available);
    return {
      dimension: q.dimension,
      bucket,
      available,
      reason: available ? null : built ? "below_threshold" : "not_built",
      metrics,
    };
  });
  return {
    period: q.period,
    window: { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() },
    builtAt: builtAt === null ? null : new Date(builtAt).toISOString(),
    dimension: q.dimension,
    thresholds: { minTenants: MIN_TENANTS, minCalls: MIN_CALLS, minCallsPerTenant: MIN_TENANT_CALLS },
    contributing: !ctx.tenant.statsOptOut,
    groups,
  };
}

/** Months with published figures (newest first), for the period picker. */
export async function publishedPeriods(env: Env): Promise<string[]> {
  const rows = await controlDb(env)
    .selectDistinct({ period: platformStats.period })
    .from(platformStats)
    .where(eq(platformStats.dimension, "all"));
  return rows
    .map((r) => r.period)
    .filter((p) => p !== ROLLING)
    .sort()
    .reverse();
}

/** Platform medians of the last published 30 days (F6), for the benchmark column. */
export async function platformMedians(env: Env): Promise<Record<string, number>> {
  const rows = await controlDb(env)
    .select({ metric: platformStats.metric, median: platformStats.median })
    .from(platformStats)
    .where(
      and(
        eq(platformStats.period, "30d"),
        eq(platformStats.dimension, "all"),
        eq(platformStats.bucket, "all"),
      ),
    );
  return Object.fromEntries(rows.map((r) => [r.metric, r.median]));
}
