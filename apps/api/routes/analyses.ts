import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { getAnalysis } from "../../../core/calls/analyses";
import { reprocessCall } from "../../../core/calls/service";
import { recordRead } from "../../../core/platform/audit-reads";
import type { AppEnv } from "../../types";
import { apiRoute, IdParam, json, jsonBody, problem } from "../openapi";

const EvidenceSchema = z.object({
  segmentId: z.string(),
  startS: z.number(),
  endS: z.number(),
  quote: z.string(),
});
export const AnalysisSchema = z
  .object({
    id: z.string(),
    callId: z.string(),
    status: z.literal("done"),
    rubric: z.object({ id: z.string(), version: z.number() }),
    score: z.number().nullable(),
    evaluatedWeightPct: z.number().openapi({
      description: "Share of the grid's weight judged (%): the score rests on this part only",
    }),
    coverage: z
      .object({
        evaluatedWeightPct: z.number(),
        notEvaluated: z.array(z.string()).openapi({ description: "Criteria left unjudged" }),
        uncertain: z.object({
          criteria: z.array(z.string()),
          irritants: z.array(z.string()),
          categories: z.array(z.string()),
        }),
      })
      .openapi({
        description:
          "What the automatic score rests on: the share of the grid judged and what the engine is unsure of",
      }),
    passed: z.boolean().nullable(),
    criticalFail: z.boolean(),
    needsReview: z.boolean(),
    automatic: z.literal(true).openapi({ description: "Automatic scores are labelled as such everywhere" }),
    criteria: z.array(
      z.object({
        id: z.string(),
        label: z.string(),
        result: z.enum(["pass", "fail", "na", "not_evaluated", "uncertain"]).openapi({
          description: "`uncertain`: found but not judged; like `not_evaluated`, left out of the score",
        }),
        score: z.number().nullable(),
        evidence: z.array(EvidenceSchema),
      }),
    ),
    irritants: z.array(
      z.object({
        type: z.string(),
        severity: z.string(),
        speaker: z.string(),
        evidence: z.array(EvidenceSchema),
        confidence: z.number().optional().openapi({ description: "0–1, calibrated on held-out calls" }),
        uncertain: z.boolean().optional().openapi({ description: "Unsure: shown, never counted" }),
      }),
    ),
    categories: z.array(
      z.object({
        id: z.string(),
        confidence: z.number().openapi({ description: "0–1, calibrated on held-out calls" }),
        evidence: z.array(EvidenceSchema).optional(),
        uncertain: z.boolean().optional(),
      }),
    ),
    metrics: z.record(z.string(), z.unknown()),
    summary: z.unknown(),
    recommendations: z.array(z.string()),
    language: z.string(),
    engine: z.string(),
    createdAt: z.string(),
  })
  .passthrough()
  .openapi("Analysis");

export function registerAnalyses(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("analyses:read", {
      method: "get",
      path: "/calls/{callId}/analysis",
      tags: ["Analyses"],
      summary: "The call's analysis with evidence (409 analysis-not-ready until one exists)",
      request: { params: IdParam("callId") },
      responses: { 200: json(AnalysisSchema), 409: problem("No analysis yet (see the call's status)") },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const { callId } = c.req.valid("param");
      const analysis = await getAnalysis(ctx, callId);
      await recordRead(ctx, "analysis.read", callId); // audited per key and hour (core/platform/audit-reads.ts)
      return c.json(analysis, 200);
    },
  );
  api.openapi(
    apiRoute("calls:write", {
      method: "post",
      path: "/calls/{callId}/reprocess",
      tags: ["Analyses"],
      summary: "Run the pipeline again (after a failure, a hold, or to re-score against another rubric)",
      request: {
        params: IdParam("callId"),
        body: {
          required: false,
          content: {
            "application/json": { schema: z.object({ rubricId: z.string().min(1).max(64).optional() }) },
          },
        },
      },
      responses: { 202: json(z.object({ id: z.string(), status: z.string() }).passthrough(), "Queued") },
    }),
    async (c) => {
      const body = c.req.header("content-type")?.includes("json")
        ? ((await c.req.json().catch(() => ({}))) as { rubricId?: string })
        : {};
      return c.json(
        await reprocessCall(c.get("ctx"), c.req.valid("param").callId, { rubricId: body.rubricId }),
        202,
      );
    },
  );
}
void jsonBody;
