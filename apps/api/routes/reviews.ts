import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { dayBounds } from "../../../core/insights/kpis";
import { isoDaySchema } from "../../../core/platform/dates";
import { ApiError } from "../../../core/platform/errors";
import {
  agreement,
  disputeReview,
  listReviews,
  resolveReview,
  reviewSettingsSchema,
  saveReview,
  updateReviewSettings,
} from "../../../core/quality/reviews";
import type { AppEnv } from "../../types";
import { apiRoute, IdParam, json, jsonBody } from "../openapi";

const Override = z.object({
  result: z.enum(["pass", "fail", "na"]),
  score: z.number().int().min(1).max(5).nullable().optional(),
  comment: z.string().min(1).max(2000),
});
export const ReviewSchema = z
  .object({
    id: z.string(),
    callId: z.string(),
    analysisId: z.string(),
    reviewerId: z.string(),
    status: z.enum(["draft", "final", "disputed", "resolved"]),
    overrides: z.record(z.string(), Override),
    comment: z.string().nullable(),
    score: z.number().nullable(),
    passed: z.boolean().nullable(),
    version: z.number().int(),
    finalizedAt: z.string().nullable(),
    disputeDeadline: z.string().nullable(),
    dispute: z
      .object({ at: z.string().nullable(), by: z.string().nullable(), reason: z.string().nullable() })
      .nullable(),
    resolution: z
      .object({ at: z.string().nullable(), by: z.string().nullable(), text: z.string().nullable() })
      .nullable(),
    createdAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
  })
  .openapi("Review");

/** Reviews and disputes (C10), AI–human agreement, the dispute window. */
export function registerReviews(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("analyses:read", {
      method: "get",
      path: "/calls/{callId}/reviews",
      tags: ["Reviews"],
      summary: "A call's human reviews (automatic scores stay in …/analysis), with the calibration spread",
      request: { params: IdParam("callId") },
      responses: {
        200: json(
          z.object({
            data: z.array(ReviewSchema),
            calibration: z
              .object({
                reviewers: z.number().int(),
                min: z.number(),
                max: z.number(),
                spread: z.number(),
                disagreements: z.array(z.string()),
              })
              .nullable(),
          }),
        ),
      },
    }),
    async (c) => c.json(await listReviews(c.get("ctx"), c.req.valid("param").callId), 200),
  );
  api.openapi(
    apiRoute("reviews:write", {
      method: "put",
      path: "/calls/{callId}/reviews/mine",
      tags: ["Reviews"],
      summary:
        "Save your review of the call: overrides per criterion (each with a comment; the AI's answer is kept), optionally finalise. `version` from your last read guards concurrent edits (409)",
      request: {
        params: IdParam("callId"),
        body: jsonBody(
          z.object({
            overrides: z.record(z.string(), Override).optional(),
            comment: z.string().max(4000).nullable().optional(),
            finalize: z.boolean().optional(),
            version: z.number().int().optional(),
          }),
        ),
      },
      responses: { 200: json(ReviewSchema) },
    }),
    async (c) =>
      c.json(await saveReview(c.get("ctx"), c.req.valid("param").callId, c.req.valid("json")), 200),
  );
  api.openapi(
    apiRoute("reviews:dispute", {
      method: "post",
      path: "/reviews/{reviewId}/dispute",
      tags: ["Reviews"],
      summary:
        "The call's agent disputes a final review, within the tenant's dispute window (signed-in agents)",
      request: {
        params: IdParam("reviewId"),
        body: jsonBody(z.object({ reason: z.string().min(1).max(2000) })),
      },
      responses: { 200: json(ReviewSchema) },
    }),
    async (c) =>
      c.json(await disputeReview(c.get("ctx"), c.req.valid("param").reviewId, c.req.valid("json")), 200),
  );
  api.openapi(
    apiRoute("reviews:write", {
      method: "post",
      path: "/reviews/{reviewId}/resolve",
      tags: ["Reviews"],
      summary: "Resolve a dispute, optionally changing the overrides (the score is recomputed)",
      request: {
        params: IdParam("reviewId"),
        body: jsonBody(
          z.object({
            resolution: z.string().min(1).max(2000),
            overrides: z.record(z.string(), Override).optional(),
            version: z.number().int(),
          }),
        ),
      },
      responses: { 200: json(ReviewSchema) },
    }),
    async (c) =>
      c.json(await resolveReview(c.get("ctx"), c.req.valid("param").reviewId, c.req.valid("json")), 200),
  );
  api.openapi(
    apiRoute("reports:read", {
      method: "get",
      path: "/reports/agreement",
      tags: ["Reports"],
      summary:
        "AI–human agreement per criterion over the final reviews of a period (days in the tenant's time zone)",
      request: {
        query: z.object({
          from: isoDaySchema,
          to: isoDaySchema,
        }),
      },
      responses: {
        200: json(
          z.object({
            reviews: z.number().int(),
            criteria: z.array(z.object({ id: z.string(), reviews: z.number().int(), agreement: z.number() })),
          }),
        ),
      },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const q = c.req.valid("query");
      if (q.from > q.to) throw new ApiError("validation_failed", "from must not be after to");
      const tz = ctx.tenant.timeZone ?? "Europe/Paris";
      return c.json(
        await agreement(ctx, { from: dayBounds(q.from, tz)[0], to: dayBounds(q.to, tz)[1] }),
        200,
      );
    },
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/settings/reviews",
      tags: ["Settings"],
      summary: "Days an agent has to dispute a final review",
      responses: { 200: json(reviewSettingsSchema) },
    }),
    (c) => c.json({ disputeWindowDays: c.get("ctx").tenant.disputeWindowDays }, 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "put",
      path: "/settings/reviews",
      tags: ["Settings"],
      summary: "Set the dispute window (0–90 days; 0 = no disputes)",
      request: { body: jsonBody(z.object({ disputeWindowDays: z.number().int().min(0).max(90) }).strict()) },
      responses: { 200: json(reviewSettingsSchema) },
    }),
    async (c) => c.json(await updateReviewSettings(c.get("ctx"), c.req.valid("json")), 200),
  );
}
