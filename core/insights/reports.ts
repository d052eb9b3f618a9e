import { and, eq, gt, inArray, lte } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import { dataPlane } from "../../db/resolver";
import { memberships, reportSchedules, users } from "../../db/schema/control";
import { agents } from "../../db/schema/data";
import { tenantById } from "../identity/tenants";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId } from "../platform/crypto";
import { isoDaySchema } from "../platform/dates";
import { ApiError, notFound } from "../platform/errors";
import { csvDocument } from "../platform/exports/csv";
import { xlsx } from "../platform/exports/xlsx";
import { type Locale, type MessageKey, t } from "../platform/i18n";
import { enqueueJob } from "../platform/jobs";
import { sendMail } from "../platform/mail";
import { rubricLanguage } from "../scoring/rubric-model";
import {
  addCall,
  addDays,
  dayBounds,
  dayOf,
  daysBetween,
  figures,
  type KpiFigures,
  type PeriodCall,
  periodCalls,
  ROLLUP_SUMS,
  type RollupSums,
  wallClockAt,
  zeroSums,
} from "./kpis";

/**
 * Period reports (D5): per team, agent, queue or day, from the daily rollups (the same figures
 * as the dashboard). CSV and XLSX exports, a printable page, and scheduled mails through the
 * outbox (the daily cron only finds the schedules that are due and enqueues them).
 */

export const GROUPS = ["team", "agent", "queue", "day"] as const;
export type ReportGroup = (typeof GROUPS)[number];

export const reportQuerySchema = z
  .object({
    from: isoDaySchema,
    to: isoDaySchema,
    groupBy: z.enum(GROUPS).default("team"),
    /** With groupBy=agent: only this team's agents. */
    team: z.string().max(200).optional(),
    /** Only calls in this language (read from the calls: the rollups have no language). */
    language: rubricLanguage.optional(),
  })
  .strict()
  .refine((q) => q.from <= q.to, { path: ["from"], message: "from must not be after to" })
  .refine((q) => daysBetween(q.from, q.to).length <= 366, { path: ["from"], message: "at most 366 days" });
export type ReportQuery = z.infer<typeof reportQuerySchema>;

export interface ReportRow {
  key: string;
  label: string;
  team: string | null;
  figures: KpiFigures;
}
export interface Report {
  from: string;
  to: string;
  groupBy: ReportGroup;
  team: string | null;
  language: string | null;
  /** The tenant's zone: its days are these (kpi_daily is rolled up in it), named in exports. */
  timeZone: string;
  rows: ReportRow[];
  totals: KpiFigures;
}

type Sums = Partial<RollupSums>;

export async function buildReport(ctx: Ctx, raw: unknown): Promise<Report> {
  const q = reportQuerySchema.parse(raw);
  const dp = dataPlane(ctx.env, ctx.tenant);
  // An agent's report is their own row only (D3).
  const ownAgent =
    ctx.actor.type === "user" && ctx.actor.role === "agent" ? (ctx.actor.agentId ?? "(unlinked)") : null;
  const groupBy: ReportGroup = ownAgent ? "agent" : q.groupBy;
  const { rows, totalRow } = q.language
    ? await sumsFromCalls(ctx, q, groupBy, ownAgent)
    : await sumsFromRollups(ctx, q, groupBy, ownAgent);
  let names = new Map<string, { name: string; team: string | null }>();
  if (groupBy === "agent") {
    const ids = rows.map((r) => r.k).filter(Boolean);
    for (let i = 0; i < ids.length; i += 90) {
      const found = await dp.db
        .select({ id: agents.id, name: agents.name, team: agents.team })
        .from(agents)
        .where(and(eq(agents.tenantId, ctx.tenant.id), inArray(agents.id, ids.slice(i, i + 90))));
      names = new Map([...names, ...found.map((a) => [a.id, { name: a.name, team: a.team }] as const)]);
    }
  }
  let out: ReportRow[] = rows.map((r) => ({
    key: r.k,
    label: groupBy === "agent" ? (names.get(r.k)?.name ?? (r.k || "—")) : r.k || "—",
    team: groupBy === "agent" ? (names.get(r.k)?.team ?? null) : null,
    figures: figures(r),
  }));
  if (groupBy === "agent" && q.team && !ownAgent) out = out.filter((r) => r.team === q.team);
  return {
    from: q.from,
    to: q.to,
    groupBy,
    team: q.team ?? null,
    language: q.language ?? null,
    timeZone: ctx.tenant.timeZone,
    rows: out,
    totals: figures(totalRow),
  };
}

/** The rows and total from the daily rollups (every call of the period). */
async function sumsFromRollups(ctx: Ctx, q: ReportQuery, groupBy: ReportGroup, ownAgent: string | null) {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const dim = groupBy === "day" ? "all" : groupBy;
  const key = groupBy === "day" ? "day" : "value";
  const rows = (
    await dp.d1
      .prepare(
        `select ${key} as k, ${ROLLUP_SUMS} from kpi_daily where tenant_id = ? and dim = ? and day >= ? and day <= ?
         ${ownAgent ? "and value = ?" : ""} group by ${key} order by ${key} limit 2000`,
      )
      .bind(ctx.tenant.id, dim, q.from, q.to, ...(ownAgent ? [ownAgent] : []))
      .all<Sums & { k: string }>()
  ).results;
  const totalRow =
    (await dp.d1
      .prepare(
        `select ${ROLLUP_SUMS} from kpi_daily where tenant_id = ? and dim = ? and day >= ? and day <= ? ${ownAgent ? "and value = ?" : ""}`,
      )
      .bind(ctx.tenant.id, ownAgent ? "agent" : "all", q.from, q.to, ...(ownAgent ? [ownAgent] : []))
      .first<Sums>()) ?? {};
  return { rows, totalRow };
}

/** A language's report: the period's calls in that language, summed as the rollups would. */
async function sumsFromCalls(ctx: Ctx, q: ReportQuery, groupBy: ReportGroup, ownAgent: string | null) {
  const tz = ctx.tenant.timeZone ?? "Europe/Paris";
  const { rows: list } = await periodCalls(
    dataPlane(ctx.env, ctx.tenant),
    ctx.tenant.id,
    dayBounds(q.from, tz)[0],
    dayBounds(q.to, tz)[1],
    { language: q.language, ...(ownAgent ? { agentId: ownAgent } : {}) },
  );
  const keyOf = (r: PeriodCall) =>
    groupBy === "day"
      ? dayOf(r.t, tz)
      : ((groupBy === "agent" ? r.agent_id : groupBy === "team" ? r.team : r.queue) ?? "");
  const groups = new Map<string, RollupSums>();
  const total = zeroSums();
  for (const r of list) {
    const k = keyOf(r);
    const g = groups.get(k) ?? zeroSums();
    addCall(g, r);
    addCall(total, r);
    groups.set(k, g);
  }
  const rows = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, g]) => ({ k, ...g }));
  return { rows: rows as (Sums & { k: string })[], totalRow: total as Sums };
}

// ---- Exports ------------------------------------------------------------------------------------

const COLUMNS = [
  ["calls", "dash.kpi.calls"],
  ["analysed", "report.col.analysed"],
  ["avgScore", "dash.kpi.avg_score"],
  ["passRate", "dash.kpi.pass_rate"],
  ["criticalFails", "dash.kpi.critical"],
  ["avgHandleTimeS", "report.col.aht_s"],
  ["silencePct", "dash.kpi.silence"],
  ["sentiment", "dash.kpi.sentiment"],
  ["reviewedAvgScore", "dash.kpi.reviewed"],
  ["reviewed", "report.col.reviewed"],
] as const satisfies readonly (readonly [keyof KpiFigures, MessageKey])[];

function header(r: Report, locale: Locale): string[] {
  const group = t(locale, `report.group.${r.groupBy}`);
  return [
    r.groupBy === "day" ? `${group} (${r.timeZone})` : group,
    ...(r.groupBy === "agent" ? [t(locale, "dash.team")] : []),
    ...COLUMNS.map(([, k]) => t(locale, k)),
  ];
}
function cells(r: Report, row: ReportRow): (string | number | null)[] {
  return [
    row.label,
    ...(r.groupBy === "agent" ? [row.team ?? ""] : []),
    ...COLUMNS.map(([k]) => row.figures[k]),
  ];
}

export function reportCsv(r: Report, locale: Locale): string {
  return csvDocument([header(r, locale), ...r.rows.map((row) => cells(r, row))], { bom: true });
}

/**
 * A report taken out of the platform — CSV, XLSX or the printable page — is audited (I2): who,
 * which period, grouping and team; the figures themselves stay out of the log.
 */
export async function auditReportExport(ctx: Ctx, r: Report, format: "csv" | "xlsx" | "print") {
  await auditCtx(ctx, "report.exported", "report", r.groupBy, {
    format,
    groupBy: r.groupBy,
    from: r.from,
    to: r.to,
    team: r.team ? r.team.slice(0, 200) : null,
  });
}

export async function reportXlsx(r: Report, locale: Locale): Promise<Uint8Array> {
  return xlsx(t(locale, "report.title"), [header(r, locale), ...r.rows.map((row) => cells(r, row))]);
}

// ---- Schedules ----------------------------------------------------------------------------------

export const scheduleSchema = z
  .object({
    frequency: z.enum(["weekly", "monthly"]),
    groupBy: z.enum(GROUPS).default("team"),
    /** Members (user ids) who receive it; default: you. */
    recipients: z.array(z.string().min(1).max(64)).max(50).optional(),
  })
  .strict();

/** Scheduled reports go out at this hour of the tenant's wall clock (its time zone, DST included). */
export const REPORT_HOUR = 6;

function nextRun(frequency: "weekly" | "monthly", now: number, tz: string): number {
  // 06:00 in the tenant's zone, the next Monday (weekly) or the 1st of next month (monthly), in its days.
  const today = dayOf(now, tz);
  const d = new Date(`${today}T00:00:00Z`);
  if (frequency === "weekly") d.setUTCDate(d.getUTCDate() + ((8 - d.getUTCDay()) % 7 || 7));
  else d.setUTCMonth(d.getUTCMonth() + 1, 1);
  return wallClockAt(d.toISOString().slice(0, 10), REPORT_HOUR, tz);
}

/**
 * The tenant's time zone changed (core/governance/settings.ts `updateTimeZone`, for the API and the
 * settings page alike): each pending run keeps its day — the Monday or the 1st it was set for in the
 * old zone — and moves to 06:00 of that day in the new one, so the report goes out at the new local
 * hour (daylight-saving offsets of both zones on that day included). A run already due is left to
 * the sender, which computes the next one in the new zone. Compare-and-set: a send racing this wins.
 */
export async function rescheduleReports(
  env: Env,
  tenantId: string,
  fromTz: string,
  toTz: string,
  now = Date.now(),
): Promise<number> {
  const db = controlDb(env);
  const rows = await db
    .select({ id: reportSchedules.id, nextRunAt: reportSchedules.nextRunAt })
    .from(reportSchedules)
    .where(and(eq(reportSchedules.tenantId, tenantId), gt(reportSchedules.nextRunAt, now)));
  let moved = 0;
  for (const r of rows) {
    const next = wallClockAt(dayOf(r.nextRunAt, fromTz), REPORT_HOUR, toTz);
    if (next === r.nextRunAt) continue;
    const res = await db
      .update(reportSchedules)
      .set({ nextRunAt: next })
      .where(and(eq(reportSchedules.id, r.id), eq(reportSchedules.nextRunAt, r.nextRunAt)))
      .returning({ id: reportSchedules.id });
    moved += res.length;
  }
  return moved;
}

export async function createSchedule(ctx: Ctx, raw: unknown) {
  const input = scheduleSchema.parse(raw);
  const me = ctx.actor.type === "user" ? ctx.actor.id : null;
  const recipients = [...new Set(input.recipients ?? (me ? [me] : []))];
  if (!recipients.length)
    throw new ApiError("validation_failed", "Name the members who receive the report", {
      errors: [{ pointer: "/recipients", detail: "required" }],
    });
  const members = await controlDb(ctx.env)
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.tenantId, ctx.tenant.id), inArray(memberships.userId, recipients)));
  const unknown = recipients.filter((r) => !members.some((m) => m.userId === r));
  if (unknown.length)
    throw new ApiError("validation_failed", "Recipients must be members of the organisation", {
      errors: unknown.map((u) => ({ pointer: "/recipients", detail: `${u} is not a member` })),
    });
  const row = {
    id: newId("rps"),
    tenantId: ctx.tenant.id,
    frequency: input.frequency,
    recipients,
    filters: { groupBy: input.groupBy },
    nextRunAt: nextRun(input.frequency, Date.now(), ctx.tenant.timeZone),
    lastSentAt: null,
    createdBy: me,
    createdAt: Date.now(),
  };
  await controlDb(ctx.env).insert(reportSchedules).values(row);
  await auditCtx(ctx, "report.schedule_created", "report_schedule", row.id, { frequency: input.frequency });
  return scheduleView(row);
}

export function scheduleView(r: typeof reportSchedules.$inferSelect) {
  return {
    id: r.id,
    frequency: r.frequency,
    groupBy: (r.filters.groupBy as ReportGroup) ?? "team",
    recipients: r.recipients,
    nextRunAt: new Date(r.nextRunAt).toISOString(),
    lastSentAt: r.lastSentAt ? new Date(r.lastSentAt).toISOString() : null,
  };
}

export async function listSchedules(ctx: Ctx) {
  const rows = await controlDb(ctx.env)
    .select()
    .from(reportSchedules)
    .where(eq(reportSchedules.tenantId, ctx.tenant.id));
  return rows.map(scheduleView);
}

export async function deleteSchedule(ctx: Ctx, id: string) {
  const res = await controlDb(ctx.env)
    .delete(reportSchedules)
    .where(and(eq(reportSchedules.id, id), eq(reportSchedules.tenantId, ctx.tenant.id)))
    .returning();
  if (!res.length) throw notFound("Report schedule");
  await auditCtx(ctx, "report.schedule_deleted", "report_schedule", id);
}

/** Daily cron: enqueue the schedules that are due (the consumer builds and mails them). */
export async function enqueueDueReports(env: Env, now: number): Promise<number> {
  const due = await controlDb(env)
    .select({ id: reportSchedules.id })
    .from(reportSchedules)
    .where(lte(reportSchedules.nextRunAt, now))
    .limit(500);
  for (const d of due) await enqueueJob(env, { type: "report.send", scheduleId: d.id });
  return due.length;
}

/**
 * The `report.send` consumer: the previous week or month, mailed to each recipient in their
 * language. The schedule moves on first (compare-and-set), so a message delivered twice sends once.
 */
export async function sendScheduledReport(
  env: Env,
  scheduleId: string,
  now = Date.now(),
): Promise<"sent" | "skipped"> {
  const db = controlDb(env);
  const s = await db.query.reportSchedules.findFirst({ where: eq(reportSchedules.id, scheduleId) });
  if (!s || s.nextRunAt > now) return "skipped";
  const tenant = await tenantById(env, s.tenantId);
  if (tenant?.status !== "active") return "skipped";
  const moved = await db
    .update(reportSchedules)
    .set({ nextRunAt: nextRun(s.frequency, now, tenant.timeZone), lastSentAt: now })
    .where(and(eq(reportSchedules.id, s.id), eq(reportSchedules.nextRunAt, s.nextRunAt)))
    .returning();
  if (!moved.length) return "skipped";
  const to = addDays(dayOf(now, tenant.timeZone), -1);
  const from = s.frequency === "weekly" ? addDays(to, -6) : `${to.slice(0, 7)}-01`;
  const ctx: Ctx = {
    env,
    tenant,
    actor: { type: "system", id: null },
    requestId: `report-${s.id}`,
    ip: null,
    userAgent: null,
  };
  const report = await buildReport(ctx, { from, to, groupBy: (s.filters.groupBy as ReportGroup) ?? "team" });
  const recipients = await db
    .select({ email: users.email, locale: users.locale })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, tenant.id), inArray(memberships.userId, s.recipients)));
  for (const r of recipients) {
    const locale: Locale = r.locale === "en" ? "en" : r.locale === "fr" ? "fr" : tenant.defaultLocale;
    const lines = reportCsv(report, locale).replace("\uFEFF", "").trim().split("\r\n").join("\n");
    await sendMail(env, {
      to: r.email,
      tenantId: tenant.id,
      kind: "report.scheduled",
      locale,
      subject: t(locale, "report.mail.subject", { from, to }),
      text: t(locale, "report.mail.body", {
        from,
        to,
        table: lines,
        url: `${env.APP_URL}/reports?from=${from}&to=${to}&groupBy=${report.groupBy}`,
      }),
    });
  }
  return "sent";
}
