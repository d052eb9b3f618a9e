import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { getKpis } from "../../../core/kpis";
import type { AppEnv } from "../../types";
import { apiRoute, json } from "../openapi";

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
          from: z.string().optional().openapi({ example: "2026-11-01" }),
          to: z.string().optional().openapi({ example: "2026-11-30" }),
          team: z.string().optional(),
          agentId: z.string().optional(),
          queue: z.string().optional(),
          category: z.string().optional(),
        }),
      },
      responses: { 200: json(KpisSchema) },
    }),
    async (c) => c.json(await getKpis(c.get("ctx"), c.req.valid("query")), 200),
  );
}
