import { type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  deleteRule,
  getRule,
  ITEM_STATUSES,
  listQueue,
  nextFor,
  QUEUE_REASONS,
  queueProgress,
  reassign,
  sampleNow,
  saveRule,
} from "../../../core/quality/review-queue";
import type { AppEnv } from "../../types";
import { apiRoute, IdParam, json, jsonBody, listOf, listQuery } from "../openapi";

const Week = z.string().max(10).openapi({
  description:
    "Any day YYYY-MM-DD of the week (Monday to Sunday, the tenant's time zone); default: this week",
});

const RuleBody = z
  .object({
    perAgent: z.number().int().min(1).max(50).openapi({ description: "Calls per agent per week" }),
    lowScoreBelow: z.number().min(0).max(100).nullable().optional().openapi({
      description: "Sample calls scoring below this (0–100); null = off",
    }),
    criticalFail: z.boolean().optional(),
    irritants: z.boolean().optional(),
    disputed: z.boolean().optional(),
    random: z.boolean().optional().openapi({ description: "Fill what the filters leave with other calls" }),
    reviewers: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(50)
      .openapi({ description: "User ids of members who may review (owner, admin, supervisor)" }),
  })
  .strict();
const RuleSchema = z
  .object({
    perAgent: z.number().int(),
    lowScoreBelow: z.number().nullable(),
    criticalFail: z.boolean(),
    irritants: z.boolean(),
    disputed: z.boolean(),
    random: z.boolean(),
    reviewers: z.array(z.string()),
    nextRunAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("SamplingRule");
const ItemSchema = z
  .object({
    id: z.string(),
    week: z.string(),
    callId: z.string(),
    agentId: z.string(),
    agentName: z.string().nullable(),
    reviewerId: z.string(),
    reason: z.enum(QUEUE_REASONS),
    status: z.enum(ITEM_STATUSES),
    reviewId: z.string().nullable(),
    score: z.number().nullable(),
    callStartedAt: z.string(),
    assignedAt: z.string(),
  })
  .openapi("ReviewQueueItem");
const Progress = z.object({
  id: z.string(),
  name: z.string().nullable(),
  assigned: z.number().int(),
  done: z.number().int(),
});

/** The review queue (C10, issue 16 point 6): the sampling rule, the queue, progress, next call. */
export function registerReviewQueue(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("reviews:write", {
      method: "get",
      path: "/review-queue/rule",
      tags: ["Review queue"],
      summary: "The tenant's sampling rule (404 when none is set)",
      responses: { 200: json(RuleSchema) },
    }),
    async (c) => c.json(await getRule(c.get("ctx")), 200),
  );
  api.openapi(
    apiRoute("reviews:write", {
      method: "put",
      path: "/review-queue/rule",
      tags: ["Review queue"],
      summary:
        "Set the sampling rule: N calls per agent per week by filters (critical fail, score below X, disputed, irritants; random fills the rest), spread round-robin over the reviewers. The current week is sampled at once",
      request: { body: jsonBody(RuleBody) },
      responses: { 200: json(z.object({ rule: RuleSchema, sampled: z.number().int() })) },
    }),
    async (c) => c.json(await saveRule(c.get("ctx"), c.req.valid("json")), 200),
  );
  api.openapi(
    apiRoute("reviews:write", {
      method: "delete",
      path: "/review-queue/rule",
      tags: ["Review queue"],
      summary: "Stop sampling (calls already queued stay)",
      responses: { 204: { description: "Deleted" } },
    }),
    async (c) => {
      await deleteRule(c.get("ctx"));
      return c.body(null, 204);
    },
  );
  api.openapi(
    apiRoute("reviews:write", {
      method: "get",
      path: "/review-queue",
      tags: ["Review queue"],
      summary: "One week of the queue; an item is done when its reviewer's review of the call is final",
      request: {
        query: z.object({
          week: Week.optional(),
          reviewerId: z.string().min(1).max(64).optional(),
          agentId: z.string().min(1).max(64).optional(),
          status: z.enum(ITEM_STATUSES).optional(),
          ...listQuery,
        }),
      },
      responses: { 200: json(listOf(ItemSchema).extend({ week: z.string() })) },
    }),
    async (c) => c.json(await listQueue(c.get("ctx"), c.req.valid("query")), 200),
  );
  api.openapi(
    apiRoute("reviews:write", {
      method: "get",
      path: "/review-queue/progress",
      tags: ["Review queue"],
      summary: "Assigned and done per agent and per reviewer, for a week",
      request: { query: z.object({ week: Week.optional() }) },
      responses: {
        200: json(z.object({ week: z.string(), agents: z.array(Progress), reviewers: z.array(Progress) })),
      },
    }),
    async (c) => c.json(await queueProgress(c.get("ctx"), c.req.valid("query").week), 200),
  );
  api.openapi(
    apiRoute("reviews:write", {
      method: "post",
      path: "/review-queue/assign",
      tags: ["Review queue"],
      summary:
        "Run the sampling now for a week: tops every agent up to N and assigns the new calls (running it again adds nothing)",
      request: { body: jsonBody(z.object({ week: Week.optional() }).strict()) },
      responses: { 200: json(z.object({ week: z.string(), queued: z.number().int() })) },
    }),
    async (c) => c.json(await sampleNow(c.get("ctx"), c.req.valid("json")), 200),
  );
  api.openapi(
    apiRoute("reviews:write", {
      method: "post",
      path: "/review-queue/next",
      tags: ["Review queue"],
      summary:
        "A reviewer's oldest queued call not yet reviewed (any week): a member's own, or the `reviewerId` named (required with an API key). 404 when none is left",
      request: {
        body: {
          required: false,
          content: {
            "application/json": {
              schema: z.object({ reviewerId: z.string().min(1).max(64).optional() }).strict(),
            },
          },
        },
      },
      responses: { 200: json(ItemSchema) },
    }),
    async (c) => c.json(await nextFor(c.get("ctx"), c.req.valid("json") ?? {}), 200),
  );
  api.openapi(
    apiRoute("reviews:write", {
      method: "post",
      path: "/review-queue/{itemId}/reassign",
      tags: ["Review queue"],
      summary: "Hand a queued call to another reviewer",
      request: {
        params: IdParam("itemId"),
        body: jsonBody(z.object({ reviewerId: z.string().min(1).max(64) }).strict()),
      },
      responses: { 200: json(ItemSchema) },
    }),
    async (c) => c.json(await reassign(c.get("ctx"), c.req.valid("param").itemId, c.req.valid("json")), 200),
  );
}
