import type { Hono } from "hono";
import {
  buildWindows,
  DIMENSIONS,
  type Dimension,
  type MetricUnit,
  MIN_CALLS,
  MIN_TENANT_CALLS,
  MIN_TENANTS,
  MONTH_RE,
  ROLLING,
} from "../../../core/insights/stats/aggregate";
import {
  type BenchmarkGroup,
  type BenchmarkMetric,
  type Benchmarks,
  getBenchmarks,
  publishedPeriods,
  updateStatsSettings,
} from "../../../core/insights/stats/benchmarks";
import type { MessageKey } from "../../../core/platform/i18n";
import { roleAllows } from "../../../core/platform/rbac";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import {
  ChoiceWithHelp,
  formError,
  Head,
  invalid,
  orErrorPage,
  type PortalContext,
  portalPage,
  trOr,
  userCtx,
} from "../../ui/common";
import { readForm } from "../../ui/forms";
import { tr } from "../../ui/layout";

/**
 * /benchmarks (F6, D1): the tenant's own figures next to the anonymised platform quartiles, how
 * those are built, and — for owners and admins — the opt-out. Readable by every role but agents.
 */

const locTag = (c: PortalContext) => (c.get("locale") === "en" ? "en-GB" : "fr-FR");

function fmt(c: PortalContext, unit: MetricUnit, v: number | null | undefined): string {
  if (v === null || v === undefined) return tr(c)("stats.no_value");
  const loc = locTag(c);
  if (unit === "ratio")
    return new Intl.NumberFormat(loc, { style: "percent", maximumFractionDigits: 1 }).format(v);
  if (unit === "seconds") {
    const s = Math.round(v);
    return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  }
  return new Intl.NumberFormat(loc, { maximumFractionDigits: 1 }).format(v);
}

function fmtDay(c: PortalContext, iso: string): string {
  return new Intl.DateTimeFormat(locTag(c), { dateStyle: "long", timeZone: "UTC" }).format(new Date(iso));
}

function periodLabel(c: PortalContext, period: string): string {
  if (period === ROLLING) return tr(c)("stats.period.30d");
  const [y, m] = period.split("-").map(Number);
  return new Intl.DateTimeFormat(locTag(c), { month: "long", year: "numeric", timeZone: "UTC" }).format(
    Date.UTC(y, m - 1, 1),
  );
}

function bucketLabel(c: PortalContext, g: BenchmarkGroup): string {
  const _ = tr(c);
  if (g.dimension === "all") return _("stats.bucket.all");
  return _("stats.bucket.language", { language: trOr(c, `stats.lang.${g.bucket}`, g.bucket) });
}

/** A small SVG strip: the platform's p25–p75 band, its median, and your value as a dot. */
function Strip({ m }: { m: BenchmarkMetric }) {
  const own = m.own.value;
  const p = m.platform;
  if (!p && own === null) return null;
  const top =
    m.unit === "ratio"
      ? 1
      : m.unit === "score"
        ? 100
        : Math.max(1, (p?.p75 ?? 0) * 1.25, (own ?? 0) * 1.1, (p?.median ?? 0) * 1.5);
  const W = 140;
  const x = (v: number) => Math.max(0, Math.min(W, (v / top) * W));
  return (
    <svg width={W} height="16" viewBox={`0 0 ${W} 16`} aria-hidden="true" focusable="false">
      <line x1="0" y1="8" x2={W} y2="8" stroke="#d0d7de" stroke-width="2" />
      {p ? (
        <>
          <rect
            x={x(p.p25 ?? p.median)}
            y="3"
            width={Math.max(2, x(p.p75 ?? p.median) - x(p.p25 ?? p.median))}
            height="10"
            fill="#c8d7f5"
          />
          <line x1={x(p.median)} y1="1" x2={x(p.median)} y2="15" stroke="#0b57d0" stroke-width="2" />
        </>
      ) : null}
      {own !== null ? <circle cx={x(own)} cy="8" r="4" fill="#b3261e" /> : null}
    </svg>
  );
}

/** `groupCalls`: the tenant's calls in the group; a metric resting on fewer says how many. */
function MetricRow({ c, m, groupCalls }: { c: PortalContext; m: BenchmarkMetric; groupCalls: number }) {
  const _ = tr(c);
  const p = m.platform;
  return (
    <tr>
      <th scope="row">{_(`stats.metric.${m.metric}` as MessageKey)}</th>
      <td>
        <strong>{fmt(c, m.unit, m.own.value)}</strong>
        {m.own.calls !== groupCalls ? (
          <>
            <br />
            <span class="muted">{_("stats.own_calls", { calls: m.own.calls })}</span>
          </>
        ) : null}
      </td>
      {p ? (
        <>
          <td>{fmt(c, m.unit, p.p25)}</td>
          <td>
            <strong>{fmt(c, m.unit, p.median)}</strong>
          </td>
          <td>{fmt(c, m.unit, p.p75)}</td>
          <td class="muted">{_("stats.basis", { tenants: p.tenants, calls: p.calls })}</td>
        </>
      ) : (
        <td colspan={4} class="muted">
          {m.reason === "not_built"
            ? _("stats.unavailable.not_built")
            : _("stats.unavailable.below_threshold", { tenants: MIN_TENANTS, calls: MIN_CALLS })}
        </td>
      )}
      <td>
        <Strip m={m} />
      </td>
    </tr>
  );
}

const SECTIONS: { key: MessageKey; pick: (m: BenchmarkMetric) => boolean }[] = [
  { key: "stats.section.core", pick: (m) => !m.metric.includes(".") },
  { key: "stats.section.irritants", pick: (m) => m.metric.startsWith("irritant.") },
  { key: "stats.section.categories", pick: (m) => m.metric.startsWith("category.") },
];

function Group({ c, g, idx }: { c: PortalContext; g: BenchmarkGroup; idx: number }) {
  const _ = tr(c);
  const id = `group-${idx}`;
  const groupCalls = g.metrics.find((m) => m.metric === "calls")?.own.calls ?? 0;
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{bucketLabel(c, g)}</h2>
      {g.available ? null : (
        <p class="notice" role="status">
          {g.reason === "not_built"
            ? _("stats.group_unavailable.not_built")
            : _("stats.group_unavailable.below_threshold", { tenants: MIN_TENANTS, calls: MIN_CALLS })}
        </p>
      )}
      {SECTIONS.map((s) => (
        <table>
          <caption>
            <strong>{_(s.key)}</strong>
          </caption>
          <Head
            cols={[
              _("stats.col.metric"),
              _("stats.col.own"),
              _("stats.col.p25"),
              _("stats.col.median"),
              _("stats.col.p75"),
              _("stats.col.basis"),
              _("stats.col.chart"),
            ]}
          />
          <tbody>
            {g.metrics.filter(s.pick).map((m) => (
              <MetricRow c={c} m={m} groupCalls={groupCalls} />
            ))}
          </tbody>
        </table>
      ))}
    </section>
  );
}

function HowBuilt({ c }: { c: PortalContext }) {
  const _ = tr(c);
  return (
    <section aria-labelledby="how-h">
      <h2 id="how-h">{_("stats.how.title")}</h2>
      <p>{_("stats.how.numbers")}</p>
      <p>{_("stats.how.quartiles", { perTenant: MIN_TENANT_CALLS })}</p>
      <p>{_("stats.how.threshold", { tenants: MIN_TENANTS, calls: MIN_CALLS })}</p>
      <p>{_("stats.how.periods")}</p>
      <p>
        <strong>{_("stats.how.no_training")}</strong>
      </p>
      <p>{_("stats.how.opt_out")}</p>
    </section>
  );
}

function OptOutForm({ c, optOut }: { c: PortalContext; optOut: boolean }) {
  const _ = tr(c);
  return (
    <section aria-labelledby="optout-h">
      <h2 id="optout-h">{_("stats.optout.title")}</h2>
      <form method="post" action="/benchmarks/participation" class="stack">
        <ChoiceWithHelp
          id="optOut"
          checked={optOut}
          label={_("stats.optout.label")}
          help={_("stats.optout.help")}
        />
        <button type="submit">{_("stats.optout.submit")}</button>
      </form>
    </section>
  );
}

async function benchmarksPage(
  c: PortalContext,
  q: { period: string; dimension: Dimension },
  state: { error?: string | null; notice?: string | null } = {},
  status = 200,
) {
  const _ = tr(c);
  const { ctx, actor } = userCtx(c);
  const [b, published] = await Promise.all([getBenchmarks(ctx, q), publishedPeriods(c.env)]);
  // The months a build covers (even when nothing in them was publishable), then older ones.
  const months = [
    ...new Set([
      ...buildWindows(Date.now())
        .map((w) => w.period)
        .filter((p) => p !== ROLLING),
      ...published,
      ...(q.period !== ROLLING ? [q.period] : []),
    ]),
  ]
    .sort()
    .reverse();
  const canManage = roleAllows(actor.role, "settings:manage");
  return portalPage(
    c,
    { title: _("stats.title"), error: state.error, notice: state.notice },
    <>
      <p>{_("stats.intro")}</p>
      <form method="get" action="/benchmarks" aria-label={_("stats.filters")}>
        <label class="inline">
          {_("stats.field.period")}{" "}
          <select name="period">
            {[ROLLING, ...months].map((p) => (
              <option value={p} selected={p === b.period}>
                {periodLabel(c, p)}
              </option>
            ))}
          </select>
        </label>{" "}
        <label class="inline">
          {_("stats.field.dimension")}{" "}
          <select name="dimension">
            {DIMENSIONS.map((d) => (
              <option value={d} selected={d === b.dimension}>
                {_(`stats.dimension.${d}`)}
              </option>
            ))}
          </select>
        </label>{" "}
        <button type="submit">{_("stats.apply")}</button>
      </form>
      <Summary c={c} b={b} />
      {b.groups.length ? (
        b.groups.map((g, i) => <Group c={c} g={g} idx={i} />)
      ) : (
        <p class="muted">{_("stats.no_groups")}</p>
      )}
      <HowBuilt c={c} />
      {canManage ? <OptOutForm c={c} optOut={ctx.tenant.statsOptOut} /> : null}
    </>,
    status,
  );
}

function Summary({ c, b }: { c: PortalContext; b: Benchmarks }) {
  const _ = tr(c);
  return (
    <p class="muted">
      {_("stats.window", { from: fmtDay(c, b.window.from), to: fmtDay(c, b.window.to) })}{" "}
      {b.builtAt ? _("stats.built_at", { date: fmtDay(c, b.builtAt) }) : _("stats.not_built_yet")}{" "}
      {b.contributing ? _("stats.contributing") : _("stats.not_contributing")}
    </p>
  );
}

function parseQuery(c: PortalContext): { period: string; dimension: Dimension } {
  const period = c.req.query("period") || ROLLING;
  const dimension = (c.req.query("dimension") || "all") as Dimension;
  if (period !== ROLLING && !MONTH_RE.test(period)) throw invalid("error.period_invalid", "/period");
  if (!DIMENSIONS.includes(dimension)) throw invalid("error.validation", "/dimension");
  return { period, dimension };
}

export function registerBenchmarks(app: Hono<AppEnv>) {
  const read = access({ kind: "portal", perm: "stats:read" });
  const manage = access({ kind: "portal", perm: "settings:manage" });

  app.get("/benchmarks", read, async (c) => {
    let q: { period: string; dimension: Dimension };
    try {
      q = parseQuery(c);
    } catch (err) {
      const { message, status } = formError(c, err);
      return benchmarksPage(c, { period: ROLLING, dimension: "all" }, { error: message }, status);
    }
    const done = c.req.query("done");
    const notice =
      done === "out"
        ? tr(c)("stats.optout.done_out")
        : done === "in"
          ? tr(c)("stats.optout.done_in")
          : undefined;
    return benchmarksPage(c, q, { notice });
  });

  app.post("/benchmarks/participation", manage, async (c) => {
    const f = await readForm(c);
    // An unticked checkbox is absent from the form.
    const optOut = f.optOut === "on";
    return orErrorPage(
      c,
      async () => {
        await updateStatsSettings(userCtx(c).ctx, { optOut });
        return c.redirect(`/benchmarks?done=${optOut ? "out" : "in"}`, 303);
      },
      (error, status) => benchmarksPage(c, { period: ROLLING, dimension: "all" }, { error }, status),
    );
  });
}
