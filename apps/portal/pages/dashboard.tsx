import type { Hono } from "hono";
import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import { listAgents } from "../../../core/agents/service";
import { filterChoices, getKpis, type KpiFigures, type Kpis } from "../../../core/insights/kpis";
import { platformMedians } from "../../../core/insights/stats/benchmarks";
import type { Locale } from "../../../core/platform/i18n";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import { formError, LanguageFilter, type PortalContext, portalPage, trOr, userCtx } from "../../ui/common";
import { tr } from "../../ui/layout";
import { clock, num } from "./calls/shared";

const pct = (locale: Locale, x: number | null) =>
  x === null ? "—" : `${num(locale, Math.round(x * 1000) / 10)} %`;

/**
 * A line chart as SVG, drawn on the server (D1): no script, readable without CSS, with a title
 * and a description for screen readers and the values in a table just below.
 */
export function LineChart(props: {
  id: string;
  title: string;
  desc: string;
  values: (number | null)[];
  labels: string[];
  min?: number;
  max?: number;
  bars?: boolean;
}): Child {
  const W = 640;
  const H = 160;
  const P = 28;
  const vals = props.values.filter((v): v is number => v !== null);
  const min = props.min ?? Math.min(0, ...vals);
  const max = props.max ?? Math.max(1, ...vals);
  const n = props.values.length;
  const x = (i: number) => P + (n <= 1 ? 0 : (i * (W - 2 * P)) / (n - 1));
  const y = (v: number) => H - P - ((v - min) / (max - min || 1)) * (H - 2 * P);
  const segments: string[] = [];
  let cur: string[] = [];
  props.values.forEach((v, i) => {
    if (v === null) {
      if (cur.length) segments.push(cur.join(" "));
      cur = [];
    } else cur.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
  });
  if (cur.length) segments.push(cur.join(" "));
  const bw = Math.max(1, (W - 2 * P) / Math.max(1, n) - 2);
  return (
    <svg
      viewBox={`0 0 ${W} ${H}`}
      width="100%"
      role="img"
      aria-labelledby={`${props.id}-t ${props.id}-d`}
      class="chart"
      data-chart={props.id}
    >
      <title id={`${props.id}-t`}>{props.title}</title>
      <desc id={`${props.id}-d`}>{props.desc}</desc>
      <line x1={P} y1={H - P} x2={W - P} y2={H - P} stroke="currentColor" stroke-opacity="0.4" />
      <text x={2} y={y(max) + 4} font-size="10">
        {String(Math.round(max))}
      </text>
      <text x={2} y={H - P + 4} font-size="10">
        {String(Math.round(min))}
      </text>
      {props.bars
        ? props.values.map((v, i) =>
            v === null || v === 0 ? null : (
              <rect
                x={x(i) - bw / 2}
                y={y(v)}
                width={bw}
                height={H - P - y(v)}
                fill="currentColor"
                opacity="0.55"
              />
            ),
          )
        : segments.map((pts) => <polyline points={pts} fill="none" stroke="currentColor" stroke-width="2" />)}
      {n > 0 ? (
        <>
          <text x={P} y={H - 8} font-size="10">
            {props.labels[0]}
          </text>
          <text x={W - P} y={H - 8} font-size="10" text-anchor="end">
            {props.labels[n - 1]}
          </text>
        </>
      ) : null}
    </svg>
  );
}

function Tiles({ c, k, medians }: { c: PortalContext; k: KpiFigures; medians: Record<string, number> }) {
  const _ = tr(c);
  const locale = c.get("locale") ?? "fr";
  const tiles: [string, string, string | null][] = [
    [_("dash.kpi.calls"), num(locale, k.calls), null],
    [
      _("dash.kpi.avg_score"),
      k.avgScore === null ? "—" : num(locale, k.avgScore),
      medians.avg_score !== undefined ? _("dash.median", { value: num(locale, medians.avg_score) }) : null,
    ],
    [
      _("dash.kpi.pass_rate"),
      pct(locale, k.passRate),
      medians.pass_rate !== undefined ? _("dash.median", { value: pct(locale, medians.pass_rate) }) : null,
    ],
    [_("dash.kpi.critical"), num(locale, k.criticalFails), null],
    [
      _("dash.kpi.aht"),
      k.avgHandleTimeS === null ? "—" : clock(k.avgHandleTimeS),
      medians.avg_duration_s !== undefined
        ? _("dash.median", { value: clock(medians.avg_duration_s) })
        : null,
    ],
    [_("dash.kpi.silence"), k.silencePct === null ? "—" : `${num(locale, k.silencePct)} %`, null],
    [_("dash.kpi.sentiment"), k.sentiment === null ? "—" : num(locale, k.sentiment), null],
    [
      _("dash.kpi.reviewed"),
      k.reviewedAvgScore === null ? "—" : `${num(locale, k.reviewedAvgScore)} (${num(locale, k.reviewed)})`,
      null,
    ],
  ];
  return (
    <dl class="tiles">
      {tiles.map(([label, value, bench]) => (
        <div class="tile">
          <dt>{label}</dt>
          <dd>
            <strong data-kpi={label}>{value}</strong>
            {bench ? <small class="muted">{bench}</small> : null}
          </dd>
        </div>
      ))}
    </dl>
  );
}

function TopList({
  c,
  title,
  items,
}: {
  c: PortalContext;
  title: string;
  items: { key: string; label: string; calls: number; share: number }[];
}) {
  const _ = tr(c);
  const locale = c.get("locale") ?? "fr";
  return (
    <section>
      <h3>{title}</h3>
      {items.length ? (
        <ol>
          {items.map((i) => (
            <li>
              {i.label} — {num(locale, i.calls)} ({pct(locale, i.share)})
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">{_("dash.none")}</p>
      )}
    </section>
  );
}

export async function dashboardPage(c: PortalContext) {
  const _ = tr(c);
  const { ctx, actor } = userCtx(c);
  const locale = c.get("locale") ?? "fr";
  const q = c.req.query();
  const query = Object.fromEntries(
    ["from", "to", "team", "agentId", "queue", "category", "language"]
      .filter((k) => q[k])
      .map((k) => [k, q[k]]),
  );
  let k: Kpis | null = null;
  let error: string | null = null;
  let status = 200;
  try {
    k = await getKpis(ctx, query);
  } catch (err) {
    ({ message: error, status } = formError(c, err));
  }
  const [choices, agents, medians] = await Promise.all([
    filterChoices(ctx),
    actor.role === "agent"
      ? Promise.resolve([])
      : listAgents(ctx, { limit: 200 })
          .then((r) => r.data)
          .catch(() => []),
    platformMedians(ctx.env),
  ]);
  const labels = k?.series.map((s) => s.day) ?? [];
  return portalPage(
    c,
    { title: _("dash.title"), error },
    <>
      <style nonce={c.get("secureHeadersNonce")}>
        {raw(`.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(9rem,1fr));gap:.5rem;margin:0}
.tile{border:1px solid #ccd;border-radius:.4rem;padding:.5rem}.tile dt{font-size:.85rem}.tile dd{margin:0}
.tile strong{display:block;font-size:1.4rem}.chart{max-width:40rem;color:#2457a6}.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:1rem}`)}
      </style>
      <form method="get" action="/dashboard" class="filters" aria-label={_("dash.filters")}>
        <label>
          {_("dash.from")} <input type="date" name="from" value={k?.from ?? q.from ?? ""} />
        </label>
        <label>
          {_("dash.to")} <input type="date" name="to" value={k?.to ?? q.to ?? ""} />
        </label>
        {actor.role !== "agent" ? (
          <>
            <label>
              {_("dash.team")}{" "}
              <select name="team">
                <option value="">{_("dash.all")}</option>
                {choices.teams.map((t) => (
                  <option value={t} selected={q.team === t}>
                    {t}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {_("dash.agent")}{" "}
              <select name="agentId">
                <option value="">{_("dash.all")}</option>
                {agents.map((a) => (
                  <option value={a.id} selected={q.agentId === a.id}>
                    {a.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {_("dash.queue")}{" "}
              <select name="queue">
                <option value="">{_("dash.all")}</option>
                {choices.queues.map((t) => (
                  <option value={t} selected={q.queue === t}>
                    {t}
                  </option>
                ))}
              </select>
            </label>
          </>
        ) : null}
        <label>
          {_("dash.category")}{" "}
          <select name="category">
            <option value="">{_("dash.all")}</option>
            {choices.categories.map((t) => (
              <option value={t} selected={q.category === t}>
                {trOr(c, `category.${t}`, t)}
              </option>
            ))}
          </select>
        </label>
        <LanguageFilter _={_} value={q.language} />
        <button type="submit">{_("dash.apply")}</button>
      </form>
      {k ? (
        <>
          <p class="muted">
            {_("dash.period", { from: k.from, to: k.to, tz: k.timeZone })}
            {k.pendingDays ? ` ${_("dash.pending")}` : ""}
          </p>
          <Tiles c={c} k={k.totals} medians={medians} />
          <div class="cols">
            <section>
              <h2>{_("dash.chart.score")}</h2>
              <LineChart
                id="chart-score"
                title={_("dash.chart.score")}
                desc={_("dash.chart.score_desc", { from: k.from, to: k.to })}
                values={k.series.map((s) => s.avgScore)}
                labels={labels}
                min={0}
                max={100}
              />
            </section>
            <section>
              <h2>{_("dash.chart.calls")}</h2>
              <LineChart
                id="chart-calls"
                title={_("dash.chart.calls")}
                desc={_("dash.chart.calls_desc", { from: k.from, to: k.to })}
                values={k.series.map((s) => s.calls)}
                labels={labels}
                bars
              />
            </section>
          </div>
          <div class="cols">
            <TopList
              c={c}
              title={_("dash.top_irritants")}
              items={k.topIrritants.map((i) => ({
                key: i.type,
                label: trOr(c, `irritant.${i.type}`, i.type),
                calls: i.calls,
                share: i.share,
              }))}
            />
            <TopList
              c={c}
              title={_("dash.top_categories")}
              items={k.topCategories.map((i) => ({
                key: i.id,
                label: trOr(c, `category.${i.id}`, i.id),
                calls: i.calls,
                share: i.share,
              }))}
            />
          </div>
          <details>
            <summary>{_("dash.table")}</summary>
            <table>
              <thead>
                <tr>
                  <th scope="col">{_("dash.day")}</th>
                  <th scope="col">{_("dash.kpi.calls")}</th>
                  <th scope="col">{_("dash.kpi.avg_score")}</th>
                  <th scope="col">{_("dash.kpi.pass_rate")}</th>
                </tr>
              </thead>
              <tbody>
                {k.series
                  .filter((s) => s.calls > 0)
                  .map((s) => (
                    <tr>
                      <td>{s.day}</td>
                      <td>{num(locale, s.calls)}</td>
                      <td>{s.avgScore === null ? "—" : num(locale, s.avgScore)}</td>
                      <td>{pct(locale, s.passRate)}</td>
                    </tr>
                  ))}
              </tbody>
            </table>
          </details>
        </>
      ) : null}
    </>,
    status,
  );
}

export function registerDashboard(app: Hono<AppEnv>) {
  app.get("/dashboard", access({ kind: "portal", perm: "reports:read" }), (c) => dashboardPage(c));
}
