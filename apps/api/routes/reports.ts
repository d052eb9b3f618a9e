import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { getKpis } from "../../../core/insights/kpis";
import {
  auditReportExport,
  buildReport,
  createSchedule,
  deleteSchedule,
  listSchedules,
  reportCsv,
  reportXlsx,
} from "../../../core/insights/reports";
import { isoDaySchema } from "../../../core/platform/dates";
import { RUBRIC_LANGUAGES } from "../../../core/scoring/rubric-model";

import type { AppEnv } from "../../types";
import { apiRoute, IdParam, json, jsonBody } from "../openapi";

const Figures = z.object({
  calls: z.number().int(),
  analysed: z.number().int(),
  avgScore: z.number().nullable(),
  passRate: z.number().nullable().openapi({ description: "0–1" }),
  criticalFails: z.number().int(),
  avgHandleTimeS: z.number().nullable(),
  silencePct: z.number().nullable().openapi({ description: "0–100" }),
  sentiment: z.number().nullable().openapi({ description: "end-of-call sentiment, −1…1" }),
  reviewedAvgScore: z.number().nullable().openapi({ description: "human reviews, shown apart (C10)" }),
  reviewed: z.number().int(),
});

export const KpisSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    timeZone: z.string(),
    filters: z.object({
      team: z.string().optional(),
      agentId: z.string().optional(),
      queue: z.string().optional(),
      category: z.string().optional(),
      language: z.string().optional(),
    }),
    source: z.enum(["rollup", "calls"]),
    totals: Figures,
    series: z.array(Figures.extend({ day: z.string() })),
    topIrritants: z.array(z.object({ type: z.string(), calls: z.number().int(), share: z.number() })),
    topCategories: z.array(z.object({ id: z.string(), calls: z.number().int(), share: z.number() })),
    pendingDays: z.number().int(),
  })
  .openapi("Kpis");

export function registerReports(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("reports:read", {
      method: "get",
      path: "/reports/kpis",
      tags: ["Reports"],
      summary:
        "Dashboard KPIs for a period (days in the tenant's time zone, default the last 30) with at most one filter from daily rollups; several filters read the calls",
      request: {
        query: z.object({
          from: isoDaySchema.optional().openapi({ example: "2026-11-01" }),
          to: isoDaySchema.optional().openapi({ example: "2026-11-30" }),
          team: z.string().optional(),
          agentId: z.string().optional(),
          queue: z.string().optional(),
          category: z.string().optional(),
          language: z
            .enum(RUBRIC_LANGUAGES)
            .optional()
            .describe("only calls in this language (read from the calls)"),
        }),
      },
      responses: { 200: json(KpisSchema) },
    }),
    async (c) => c.json(await getKpis(c.get("ctx"), c.req.valid("query")), 200),
  );

  const Row = z.object({
    key: z.string(),
    label: z.string(),
    team: z.string().nullable(),
    figures: Figures,
  });
  api.openapi(
    apiRoute("reports:read", {
      method: "get",
      path: "/reports/summary",
      tags: ["Reports"],
      summary:
        "Period report per team, agent, queue or day (D5); `format=csv` or `format=xlsx` downloads it (headers in the key's tenant language)",
      request: {
        query: z.object({
          from: isoDaySchema.meta({ example: "2026-11-01" }),
          to: isoDaySchema.meta({ example: "2026-11-30" }),
          groupBy: z.enum(["team", "agent", "queue", "day"]).optional(),
          team: z.string().optional(),
          language: z.enum(RUBRIC_LANGUAGES).optional().describe("only calls in this language"),
          format: z.enum(["json", "csv", "xlsx"]).optional(),
        }),
      },
      responses: {
        200: {
          description: "The report",
          content: {
            "application/json": {
              schema: z.object({
                from: z.string(),
                to: z.string(),
                groupBy: z.string(),
                team: z.string().nullable(),
                language: z.string().nullable(),
                rows: z.array(Row),
                totals: Figures,
              }),
            },
            "text/csv": { schema: z.string() },
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
              schema: z.string().openapi({ format: "binary" }),
            },
          },
        },
      },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const { format, ...q } = c.req.valid("query");
      const report = await buildReport(ctx, q);
      const locale = ctx.tenant.defaultLocale;
      const name = `report-${report.groupBy}-${report.from}-${report.to}`;
      if (format === "csv" || format === "xlsx") await auditReportExport(ctx, report, format);
      if (format === "csv")
        return new Response(reportCsv(report, locale), {
          headers: {
            "content-type": "text/csv; charset=utf-8",
            "content-disposition": `attachment; filename="${name}.csv"`,
            "cache-control": "no-store",
          },
        }) as never;
      if (format === "xlsx")
        return new Response(await reportXlsx(report, locale), {
          headers: {
            "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "content-disposition": `attachment; filename="${name}.xlsx"`,
            "cache-control": "no-store",
          },
        }) as never;
      return c.json(report, 200);
    },
  );
  const Schedule = z
    .object({
      id: z.string(),
      frequency: z.enum(["weekly", "monthly"]),
      groupBy: z.string(),
      recipients: z.array(z.string()),
      nextRunAt: z.string(),
      lastSentAt: z.string().nullable(),
    })
    .openapi("ReportSchedule");
  api.openapi(
    apiRoute("reviews:write", {
      method: "get",
      path: "/reports/schedules",
      tags: ["Reports"],
      summary: "Scheduled report e-mails",
      responses: { 200: json(z.object({ data: z.array(Schedule) })) },
    }),
    async (c) => c.json({ data: await listSchedules(c.get("ctx")) }, 200),
  );
  api.openapi(
    apiRoute("reviews:write", {
      method: "post",
      path: "/reports/schedules",
      tags: ["Reports"],
      summary: "Mail a report weekly (Monday, previous week) or monthly (1st, previous month) to members",
      request: {
        body: jsonBody(
          z.object({
            frequency: z.enum(["weekly", "monthly"]),
            groupBy: z.enum(["team", "agent", "queue", "day"]).optional(),
            recipients: z.array(z.string()).max(50).optional(),
          }),
        ),
      },
      responses: { 201: json(Schedule, "Created") },
    }),
    async (c) => c.json(await createSchedule(c.get("ctx"), c.req.valid("json")), 201),
  );
  api.openapi(
    apiRoute("reviews:write", {
      method: "delete",
      path: "/reports/schedules/{scheduleId}",
      tags: ["Reports"],
      summary: "Stop a scheduled report",
      request: { params: IdParam("scheduleId") },
      responses: { 204: { description: "Deleted" } },
    }),
    async (c) => {
      await deleteSchedule(c.get("ctx"), c.req.valid("param").scheduleId);
      return c.body(null, 204);
    },
  );
}
