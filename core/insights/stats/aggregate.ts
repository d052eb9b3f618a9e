import type { DataPlane } from "../../../db/resolver";
import { notRestrictedSql } from "../../policy/privacy-guard";
import { DEFAULT_CATEGORIES, IRRITANT_TYPES } from "../../scoring/engine/types";

/**
 * Anonymised statistics (F6): what one tenant contributes and how the platform figures are
 * derived from the contributions. Shared by the build job (core/insights/stats/build.ts) and the
 * benchmarks read (core/insights/stats/benchmarks.ts), so a tenant's own value and the platform figures
 * are computed by the same definitions over the same window.
 *
 * Only D1 columns are read (calls and call_labels, through the tenant's data plane); no R2 object
 * is opened, so silence, talk ratio and sentiment — which live in the analysis JSON in R2 — are not
 * part of the statistics.
 */

/** A group is published only with at least this many contributing tenants… */
export const MIN_TENANTS = 5;
/** …and this many calls behind the figure, all tenants together. */
export const MIN_CALLS = 100;
/** A tenant's value counts in a group only when it rests on at least this many of its calls. */
export const MIN_TENANT_CALLS = 10;
/** Complete calendar months rebuilt by every daily run (older months stay as published). */
export const MONTHS_BACK = 3;
/** The rolling period: the 30 days before the build's reference instant. */
export const ROLLING = "30d";
export const ROLLING_DAYS = 30;
const DAY_MS = 86_400_000;

export const DIMENSIONS = ["all", "language"] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/**
 * The metrics, with their unit. Irritant and category rates use only the platform's own
 * vocabulary (default types and taxonomy): a tenant-defined type name is the tenant's text and
 * never leaves its data plane.
 */
export const BASE_METRICS = [
  "calls",
  "avg_score",
  "pass_rate",
  "critical_fail_rate",
  "avg_duration_s",
] as const;
export const METRICS = [
  ...BASE_METRICS,
  ...IRRITANT_TYPES.map((t) => `irritant.${t}` as const),
  ...DEFAULT_CATEGORIES.map((c) => `category.${c}` as const),
] as const;
export type Metric = (typeof METRICS)[number];
export type MetricUnit = "count" | "score" | "ratio" | "seconds";
export function unitOf(m: Metric): MetricUnit {
  if (m === "calls") return "count";
  if (m === "avg_score") return "score";
  if (m === "avg_duration_s") return "seconds";
  return "ratio";
}
const LABELS = new Set<string>(METRICS.filter((m) => m.includes(".")));

/** Sums over a tenant's analysed calls in one window and language: numbers only. */
export interface Agg {
  calls: number;
  scored: number;
  scoreSum: number;
  passN: number;
  passed: number;
  critN: number;
  critical: number;
  durN: number;
  durSum: number;
  /** Calls carrying each platform irritant type / default category ("irritant.long_wait": 3). */
  labels: Partial<Record<string, number>>;
}

/** Per period, per language ("" when the call has none): the contribution payload's shape. */
export type PeriodAggs = Record<string, Record<string, Agg>>;

export const emptyAgg = (): Agg => ({
  calls: 0,
  scored: 0,
  scoreSum: 0,
  passN: 0,
  passed: 0,
  critN: 0,
  critical: 0,
  durN: 0,
  durSum: 0,
  labels: {},
});

export function addAgg(into: Agg, a: Agg): Agg {
  into.calls += a.calls;
  into.scored += a.scored;
  into.scoreSum += a.scoreSum;
  into.passN += a.passN;
  into.passed += a.passed;
  into.critN += a.critN;
  into.critical += a.critical;
  into.durN += a.durN;
  into.durSum += a.durSum;
  for (const [k, v] of Object.entries(a.labels)) into.labels[k] = (into.labels[k] ?? 0) + (v ?? 0);
  return into;
}

/** A language code from the platform's vocabulary ("fr", "en"); anything else is only in "all". */
export const isLanguageBucket = (lang: string) => /^[a-z]{2,3}$/.test(lang);

/** The group's sums for a tenant: "all" adds every language; "language" picks one. */
export function groupsOf(byLang: Record<string, Agg>): { dimension: Dimension; bucket: string; agg: Agg }[] {
  const all = emptyAgg();
  const out: { dimension: Dimension; bucket: string; agg: Agg }[] = [];
  for (const [lang, a] of Object.entries(byLang)) {
    addAgg(all, a);
    if (isLanguageBucket(lang)) out.push({ dimension: "language", bucket: lang, agg: a });
  }
  if (all.calls > 0) out.unshift({ dimension: "all", bucket: "all", agg: all });
  return out;
}

/** A metric's value for one tenant and the number of calls it rests on (null value when none). */
export function metricValue(a: Agg, m: Metric): { value: number | null; n: number } {
  const ratio = (num: number, den: number) => ({ value: den > 0 ? num / den : null, n: den });
  switch (m) {
    case "calls":
      return { value: a.calls, n: a.calls };
    case "avg_score":
      return ratio(a.scoreSum, a.scored);
    case "pass_rate":
      return ratio(a.passed, a.passN);
    case "critical_fail_rate":
      return ratio(a.critical, a.critN);
    case "avg_duration_s":
      return ratio(a.durSum, a.durN);
    default:
      return ratio(a.labels[m] ?? 0, a.calls);
  }
}

/** Figures are rounded before they are stored or shown: no more precision than a benchmark needs. */
export function roundFor(m: Metric, v: number): number {
  const unit = unitOf(m);
  const f = unit === "ratio" ? 10_000 : 10;
  return Math.round(v * f) / f;
}

/** Quantile of sorted values with linear interpolation between closest ranks (R type 7). */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) throw new Error("quantile of nothing");
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

// ---- Periods ----------------------------------------------------------------------------------

export interface Window {
  period: string;
  from: number;
  to: number;
}

export const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/;

/** [from, to) of a calendar month "YYYY-MM" (UTC). */
export function monthWindow(period: string): Window {
  const [y, m] = period.split("-").map(Number);
  return { period, from: Date.UTC(y, m - 1, 1), to: Date.UTC(y, m, 1) };
}

export function rollingWindow(asOf: number): Window {
  return { period: ROLLING, from: asOf - ROLLING_DAYS * DAY_MS, to: asOf };
}

/** What one build covers: the rolling 30 days up to `asOf`, then the last complete months. */
export function buildWindows(asOf: number): Window[] {
  const d = new Date(asOf);
  const out = [rollingWindow(asOf)];
  for (let i = 1; i <= MONTHS_BACK; i++) {
    const start = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - i, 1));
    out.push(monthWindow(start.toISOString().slice(0, 7)));
  }
  return out;
}

// ---- Reading one tenant's data plane ------------------------------------------------------------

// Analysed calls only (analysis_id set: a call whose analyses retention removed no longer counts),
// restricted people's calls left out (F3).
// `calls_an_live_idx` (tenant_id, started_at) where analysis_id is not null serves the first query.
// `?4` is the period of a single window; null groups by calendar month (UTC) instead, so the
// months of a build are one query.
const CALLS_SQL = `select coalesce(?4, strftime('%Y-%m', started_at / 1000, 'unixepoch')) as period,
  coalesce(language, '') as lang, count(*) as calls,
  count(score) as scored, total(score) as score_sum,
  count(passed) as pass_n, total(passed) as passed,
  count(critical_fail) as crit_n, total(critical_fail) as critical,
  count(coalesce(duration_s, rec_duration_s)) as dur_n, total(coalesce(duration_s, rec_duration_s)) as dur_sum
from calls
where tenant_id = ?1 and started_at >= ?2 and started_at < ?3 and analysis_id is not null
  and ${notRestrictedSql("calls")}
group by period, lang`;

// call_labels holds one row per (call, kind, label) of the call's current analysis.
const LABELS_SQL = `select coalesce(?4, strftime('%Y-%m', l.started_at / 1000, 'unixepoch')) as period,
  coalesce(c.language, '') as lang, l.kind as kind, l.label as label, count(*) as n
from call_labels l join calls c on c.id = l.call_id and c.tenant_id = l.tenant_id
where l.tenant_id = ?1 and l.started_at >= ?2 and l.started_at < ?3 and c.analysis_id is not null
  and ${notRestrictedSql("c")}
group by period, lang, l.kind, l.label`;

interface CallsRow {
  period: string;
  lang: string;
  calls: number;
  scored: number;
  score_sum: number;
  pass_n: number;
  passed: number;
  crit_n: number;
  critical: number;
  dur_n: number;
  dur_sum: number;
}
interface LabelRow {
  period: string;
  lang: string;
  kind: string;
  label: string;
  n: number;
}

/** Time spans to query: the months of the list as one span grouped by month, any other window alone. */
function spansOf(windows: Window[]): { from: number; to: number; period: string | null }[] {
  const months = windows.filter((w) => MONTH_RE.test(w.period)).sort((a, b) => a.from - b.from);
  const contiguous = months.every((m, i) => i === 0 || months[i - 1].to === m.from);
  const out: { from: number; to: number; period: string | null }[] = windows
    .filter((w) => !(contiguous && months.length > 1 && MONTH_RE.test(w.period)))
    .map((w) => ({ from: w.from, to: w.to, period: w.period }));
  if (contiguous && months.length > 1)
    out.push({ from: months[0].from, to: months[months.length - 1].to, period: null });
  return out;
}

/**
 * The statements that read one tenant's sums for some windows (two per span: the rolling window,
 * the months together), and the function that turns their results into `PeriodAggs`. Callers
 * batch the statements of several tenants of one shard into one D1 round trip.
 */
export function tenantQueries(plane: DataPlane, windows: Window[]) {
  const spans = spansOf(windows);
  const stmts = spans.flatMap((w) => [
    plane.d1.prepare(CALLS_SQL).bind(plane.tenantId, w.from, w.to, w.period),
    plane.d1.prepare(LABELS_SQL).bind(plane.tenantId, w.from, w.to, w.period),
  ]);
  const parse = (results: D1Result[]): PeriodAggs => {
    const out: PeriodAggs = {};
    spans.forEach((_, i) => {
      for (const r of results[2 * i].results as unknown as CallsRow[]) {
        if (!r.calls) continue;
        out[r.period] ??= {};
        out[r.period][r.lang] = {
          calls: r.calls,
          scored: r.scored,
          scoreSum: r.score_sum,
          passN: r.pass_n,
          passed: r.passed,
          critN: r.crit_n,
          critical: r.critical,
          durN: r.dur_n,
          durSum: r.dur_sum,
          labels: {},
        };
      }
      for (const r of results[2 * i + 1].results as unknown as LabelRow[]) {
        const key = `${r.kind}.${r.label}`;
        const a = out[r.period]?.[r.lang];
        if (a && LABELS.has(key)) a.labels[key] = r.n;
      }
    });
    return out;
  };
  return { stmts, parse };
}

/** One tenant's sums for some windows, read live (the benchmarks page's "your value"). */
export async function readTenantAggs(plane: DataPlane, windows: Window[]): Promise<PeriodAggs> {
  const q = tenantQueries(plane, windows);
  return q.parse(await plane.d1.batch(q.stmts));
}
