import type { Hono } from "hono";
import { raw } from "hono/html";
import { addDays, dayOf, type KpiFigures } from "../../../core/insights/kpis";
import {
  auditReportExport,
  buildReport,
  createSchedule,
  deleteSchedule,
  GROUPS,
  listSchedules,
  type Report,
  type ReportGroup,
  reportCsv,
  reportXlsx,
} from "../../../core/insights/reports";
import { isCalendarDay } from "../../../core/platform/dates";
import { roleAllows } from "../../../core/platform/rbac";
import { isRubricLanguage } from "../../../core/scoring/rubric-language";

import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import {
  fmtDate,
  formError,
  invalid,
  LanguageFilter,
  orErrorPage,
  type PortalContext,
  portalPage,
  userCtx,
} from "../../ui/common";
import { readForm } from "../../ui/forms";
import { page, tr } from "../../ui/layout";
import { clock, num } from "./calls/shared";

const pct = (locale: "fr" | "en", x: number | null) =>
  x === null ? "—" : `${num(locale, Math.round(x * 1000) / 10)} %`;

/** The report's query from the URL; the days as typed (the form shows them back) and whether both are days. */
function rawQuery(c: PortalContext) {
  const { ctx } = userCtx(c);
  const q = c.req.query();
  const to = q.to || addDays(dayOf(Date.now(), ctx.tenant.timeZone), -1);
  // A default `from` only from a real `to` (a bad one would not compute).
  const from = q.from || (isCalendarDay(to) ? addDays(to, -29) : "");
  const groupBy = (GROUPS as readonly string[]).includes(q.groupBy ?? "")
    ? (q.groupBy as ReportGroup)
    : "team";
  return {
    from,
    to,
    groupBy,
    ...(q.team ? { team: q.team } : {}),
    ...(isRubricLanguage(q.language) ? { language: q.language } : {}),
  };
}

/** The report's query, or a 400 naming the bad day (a readable page in the user's language). */
function query(c: PortalContext) {
  const q = rawQuery(c);
  for (const k of ["from", "to"] as const)
    if (!isCalendarDay(q[k])) throw invalid("error.date_range", `/${k}`);
  return q;
}
const qs = (q: Record<string, string>) => new URLSearchParams(q).toString();

function Table({ c, r }: { c: PortalContext; r: Report }) {
  const _ = tr(c);
  const locale = c.get("locale") ?? "fr";
  const cellsOf = (f: KpiFigures) => [
    num(locale, f.calls),
    num(locale, f.analysed),
    f.avgScore === null ? "—" : num(locale, f.avgScore),
    pct(locale, f.passRate),
    num(locale, f.criticalFails),
    f.avgHandleTimeS === null ? "—" : clock(f.avgHandleTimeS),
    f.reviewedAvgScore === null ? "—" : num(locale, f.reviewedAvgScore),
  ];
  const heads = [
    _(`report.group.${r.groupBy}`),
    ...(r.groupBy === "agent" ? [_("dash.team")] : []),
    _("dash.kpi.calls"),
    _("report.col.analysed"),
    _("dash.kpi.avg_score"),
    _("dash.kpi.pass_rate"),
    _("dash.kpi.critical"),
    _("dash.kpi.aht"),
    _("dash.kpi.reviewed"),
  ];
  if (!r.rows.length) return <p class="muted">{_("report.empty")}</p>;
  return (
    <table class="report" data-report>
      <caption>{_("report.period", { from: r.from, to: r.to })}</caption>
      <thead>
        <tr>
          {heads.map((h) => (
            <th scope="col">{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {r.rows.map((row) => (
          <tr data-row={row.key}>
            <th scope="row">{row.label}</th>
            {r.groupBy === "agent" ? <td>{row.team ?? ""}</td> : null}
            {cellsOf(row.figures).map((v) => (
              <td class="num">{v}</td>
            ))}
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">{_("report.total")}</th>
          {r.groupBy === "agent" ? <td /> : null}
          {cellsOf(r.totals).map((v) => (
            <td class="num">{v}</td>
          ))}
        </tr>
      </tfoot>
    </table>
  );
}

async function reportsPage(c: PortalContext, error: string | null = null, status = 200) {
  const _ = tr(c);
  const { ctx, actor } = userCtx(c);
  const q = rawQuery(c);
  let r: Report | null = null;
  try {
    r = await buildReport(ctx, query(c));
  } catch (err) {
    ({ message: error, status } = formError(c, err));
  }
  const canSchedule = roleAllows(actor.role, "reviews:write");
  const schedules = canSchedule ? await listSchedules(ctx) : [];
  const link = qs(q as Record<string, string>);
  return portalPage(
    c,
    { title: _("nav.reports"), error },
    <>
      <style nonce={c.get("secureHeadersNonce")}>
        {raw(
          "table.report td.num{text-align:right;font-variant-numeric:tabular-nums}.exports{display:flex;gap:1rem;flex-wrap:wrap}",
        )}
      </style>
      <form method="get" action="/reports" class="filters">
        <label>
          {_("dash.from")} <input type="date" name="from" value={q.from} required />
        </label>{" "}
        <label>
          {_("dash.to")} <input type="date" name="to" value={q.to} required />
        </label>{" "}
        {actor.role !== "agent" ? (
          <label>
            {_("report.group_by")}{" "}
            <select name="groupBy">
              {GROUPS.map((g) => (
                <option value={g} selected={q.groupBy === g}>
                  {_(`report.group.${g}`)}
                </option>
              ))}
            </select>
          </label>
        ) : null}{" "}
        <LanguageFilter _={_} value={q.language} /> <button type="submit">{_("report.show")}</button>
      </form>
      {r ? (
        <>
          <p class="exports">
            <a href={`/reports/export.csv?${link}`} download>
              {_("report.csv")}
            </a>
            <a href={`/reports/export.xlsx?${link}`} download>
              {_("report.xlsx")}
            </a>
            <a href={`/reports/print?${link}`}>{_("report.print")}</a>
          </p>
          <Table c={c} r={r} />
        </>
      ) : null}
      {canSchedule ? (
        <section aria-labelledby="sched-h">
          <h2 id="sched-h">{_("report.schedules")}</h2>
          {schedules.length ? (
            <ul>
              {schedules.map((s) => (
                <li>
                  {_(`report.schedule.${s.frequency}`)} — {_(`report.group.${s.groupBy as ReportGroup}`)} —{" "}
                  {_("report.schedule.next", { date: fmtDate(c, Date.parse(s.nextRunAt)) })}{" "}
                  <form method="post" action={`/reports/schedules/${s.id}/delete`} class="inline">
                    <button type="submit" class="secondary">
                      {_("report.schedule.delete")}
                    </button>
                  </form>
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted">{_("report.schedules.none")}</p>
          )}
          <form method="post" action="/reports/schedules" class="stack">
            <input type="hidden" name="groupBy" value={q.groupBy} />
            <label for="freq">{_("report.schedule.frequency")}</label>
            <select id="freq" name="frequency">
              <option value="weekly">{_("report.schedule.weekly")}</option>
              <option value="monthly">{_("report.schedule.monthly")}</option>
            </select>
            <button type="submit">{_("report.schedule.add")}</button>
          </form>
        </section>
      ) : null}
    </>,
    status,
  );
}

export function registerReportPages(app: Hono<AppEnv>) {
  const read = access({ kind: "portal", perm: "reports:read" });
  const manage = access({ kind: "portal", perm: "reviews:write" });
  app.get("/reports", read, (c) => reportsPage(c));
  app.get("/reports/export.csv", read, async (c) => {
    const { ctx } = userCtx(c);
    const r = await buildReport(ctx, query(c));
    await auditReportExport(ctx, r, "csv");
    return new Response(reportCsv(r, c.get("locale") ?? "fr"), {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="report-${r.groupBy}-${r.from}-${r.to}.csv"`,
        "cache-control": "no-store",
      },
    });
  });
  app.get("/reports/export.xlsx", read, async (c) => {
    const { ctx } = userCtx(c);
    const r = await buildReport(ctx, query(c));
    await auditReportExport(ctx, r, "xlsx");
    return new Response(await reportXlsx(r, c.get("locale") ?? "fr"), {
      headers: {
        "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "content-disposition": `attachment; filename="report-${r.groupBy}-${r.from}-${r.to}.xlsx"`,
        "cache-control": "no-store",
      },
    });
  });
  /** Printable: the table alone, with print styles (no navigation, no form). */
  app.get("/reports/print", read, async (c) => {
    const _ = tr(c);
    const { ctx } = userCtx(c);
    const r = await buildReport(ctx, query(c));
    await auditReportExport(ctx, r, "print");
    return page(
      c,
      { title: `${_("report.title")} ${r.from} – ${r.to}` },
      <>
        <style nonce={c.get("secureHeadersNonce")}>
          {raw(
            "@media print{header,nav,footer,.skip{display:none!important}body{font-size:10pt}}table{width:100%}td.num{text-align:right}",
          )}
        </style>
        <h1>{_("report.period", { from: r.from, to: r.to })}</h1>
        <Table c={c} r={r} />
      </>,
    );
  });
  app.post("/reports/schedules", manage, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        await createSchedule(userCtx(c).ctx, { frequency: f.frequency, groupBy: f.groupBy || "team" });
        return c.redirect("/reports?done=report_scheduled", 303);
      },
      (error, status) => reportsPage(c, error, status),
    );
  });
  app.post("/reports/schedules/:scheduleId/delete", manage, async (c) => {
    await deleteSchedule(userCtx(c).ctx, c.req.param("scheduleId"));
    return c.redirect("/reports?done=report_unscheduled", 303);
  });
}
