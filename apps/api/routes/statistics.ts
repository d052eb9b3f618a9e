import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { DIMENSIONS, METRICS, MONTH_RE, ROLLING } from "../../../core/insights/stats/aggregate";
import {
  getBenchmarks,
  getStatsSettings,
  updateStatsSettings,
} from "../../../core/insights/stats/benchmarks";
import type { AppEnv } from "../../types";
import { apiRoute, json, jsonBody } from "../openapi";

/** Anonymised statistics (F6): the tenant's opt-out and the benchmarks built from them. */

const StatsSettings = z
  .object({
    optOut: z.boolean().openapi({
      description:
        "true: the organisation's figures are left out of the anonymised statistics from the next build on",
    }),
  })
  .openapi("StatisticsSettings");

const Unavailable = z.enum(["below_threshold", "not_built"]).nullable().openapi({
  description:
    "below_threshold: fewer than 5 organisations or 100 calls behind the figure, so it is not published; not_built: no build covered this period",
});
const Benchmarks = z
  .object({
    period: z.string().openapi({ example: "2026-10" }),
    window: z.object({ from: z.string(), to: z.string() }),
    builtAt: z.string().nullable(),
    dimension: z.enum(DIMENSIONS),
    thresholds: z.object({
      minTenants: z.number().int(),
      minCalls: z.number().int(),
      minCallsPerTenant: z.number().int(),
    }),
    contributing: z.boolean(),
    groups: z.array(
      z.object({
        dimension: z.enum(DIMENSIONS),
        bucket: z.string().openapi({ example: "fr" }),
        available: z.boolean(),
        reason: Unavailable,
        metrics: z.array(
          z.object({
            metric: z.enum(METRICS),
            unit: z.enum(["count", "score", "ratio", "seconds"]),
            own: z.object({ value: z.number().nullable(), calls: z.number().int() }),
            platform: z
              .object({
                p25: z.number().nullable(),
                median: z.number(),
                p75: z.number().nullable(),
                tenants: z.number().int(),
                calls: z.number().int(),
              })
              .nullable(),
            available: z.boolean(),
            reason: Unavailable,
          }),
        ),
      }),
    ),
  })
  .openapi("Benchmarks");

export function registerStatistics(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/settings/statistics",
      tags: ["Settings"],
      summary: "Whether the organisation takes part in the anonymised statistics",
      responses: { 200: json(StatsSettings) },
    }),
    (c) => c.json(getStatsSettings(c.get("ctx")), 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "put",
      path: "/settings/statistics",
      tags: ["Settings"],
      summary: "Opt out of (or back into) the anonymised statistics; audited",
      request: { body: jsonBody(StatsSettings.strict()) },
      responses: { 200: json(StatsSettings) },
    }),
    async (c) => c.json(await updateStatsSettings(c.get("ctx"), c.req.valid("json")), 200),
  );
  api.openapi(
    apiRoute("stats:read", {
      method: "get",
      path: "/benchmarks",
      tags: ["Statistics"],
      summary:
        "Anonymised platform figures (p25, median, p75 across organisations) next to your own for the same period",
      description:
        "Published only for groups of at least 5 organisations and 100 calls; a group or metric under the thresholds is returned with available: false and a reason. Rates are 0–1, scores 0–100, durations in seconds.",
      request: {
        query: z.object({
          period: z
            .string()
            .refine((p) => p === ROLLING || MONTH_RE.test(p), `"${ROLLING}" or a month YYYY-MM`)
            .optional()
            .openapi({ description: `"${ROLLING}" (default: the 30 days of the last build) or YYYY-MM` }),
          dimension: z.enum(DIMENSIONS).optional().openapi({ description: "all (default) or language" }),
          bucket: z
            .string()
            .regex(/^[a-z]{2,3}$/)
            .optional()
            .openapi({ description: "One language of the language dimension (e.g. fr)" }),
        }),
      },
      responses: { 200: json(Benchmarks) },
    }),
    async (c) => c.json(await getBenchmarks(c.get("ctx"), c.req.valid("query")), 200),
  );
}
