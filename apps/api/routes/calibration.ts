import { type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  closeSession,
  createSession,
  getSession,
  listSessions,
  MAX_CALLS,
  results,
  submitAnswers,
} from "../../../core/quality/calibration";
import type { AppEnv } from "../../types";
import { apiRoute, json, jsonBody, listOf, listQuery } from "../openapi";

const Result = z.enum(["pass", "fail", "na"]);
const SessionParam = z.object({
  sessionId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "sessionId", in: "path" } }),
});
const CallParam = SessionParam.extend({
  callId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "callId", in: "path" } }),
});

const AsReviewer = z.object({
  reviewerId: z.string().min(1).max(64).optional().openapi({
    description:
      "See it as this participant (an API key; a member always sees it as themselves). Without it, a key sees answers only once the session is closed",
  }),
});

const Base = {
  id: z.string(),
  title: z.string(),
  rubric: z.object({ id: z.string(), version: z.number().int() }),
  status: z.enum(["open", "closed"]),
  createdBy: z.string(),
  version: z.number().int(),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
  closedBy: z.string().nullable(),
};
const SessionSummary = z
  .object({
    ...Base,
    calls: z.number().int(),
    participants: z.number().int(),
    mySubmitted: z.number().int().openapi({ description: "Calls you (a member) have submitted" }),
  })
  .openapi("CalibrationSessionSummary");
const Session = z
  .object({
    ...Base,
    criteria: z.array(
      z.object({
        id: z.string(),
        label: z.string(),
        section: z.string(),
        answerType: z.enum(["yes_no", "scale_1_5"]),
        allowNa: z.boolean(),
        critical: z.boolean(),
      }),
    ),
    calls: z.array(
      z.object({
        callId: z.string(),
        position: z.number().int(),
        submitted: z.number().int(),
        mine: z.boolean(),
        resultsVisible: z.boolean(),
      }),
    ),
    participants: z.array(
      z.object({ id: z.string(), name: z.string().nullable(), submitted: z.number().int() }),
    ),
    me: z.object({ participant: z.boolean(), mayClose: z.boolean() }),
  })
  .openapi("CalibrationSession");
const Answer = z.object({
  result: Result,
  score: z.number().int().min(1).max(5).nullable().optional(),
  comment: z.string().max(2000).optional(),
});
const Kappa = z
  .object({ method: z.enum(["cohen", "fleiss"]), value: z.number().nullable(), raters: z.number().int() })
  .nullable();
const Results = z
  .object({
    session: z.object(Base),
    participants: z.number().int(),
    overall: z.object({ kappa: Kappa }),
    criteria: z.array(
      z.object({
        id: z.string(),
        label: z.string(),
        calls: z.number().int(),
        agreement: z.number().nullable(),
        kappa: Kappa,
        engineAgreement: z.number().nullable(),
      }),
    ),
    calls: z.array(
      z.union([
        z.object({ callId: z.string(), visible: z.literal(false), submitted: z.number().int() }),
        z.object({
          callId: z.string(),
          visible: z.literal(true),
          submitted: z.number().int(),
          scores: z.object({
            byReviewer: z.array(z.object({ reviewerId: z.string(), score: z.number().nullable() })),
            min: z.number().nullable(),
            max: z.number().nullable(),
            spread: z.number().nullable(),
          }),
          criteria: z.array(
            z.object({
              id: z.string(),
              label: z.string(),
              counts: z.object({ pass: z.number().int(), fail: z.number().int(), na: z.number().int() }),
              modal: z.string().nullable(),
              agreement: z.number().nullable(),
              engine: z.string().nullable(),
              agreed: Result.nullable(),
              answers: z.array(Answer.partial().extend({ reviewerId: z.string() })),
            }),
          ),
          reviewsDiffering: z.array(
            z.object({
              reviewId: z.string(),
              reviewerId: z.string(),
              status: z.string(),
              criteria: z.array(z.string()),
            }),
          ),
        }),
      ]),
    ),
  })
  .openapi("CalibrationResults");

const CreateBody = z
  .object({
    title: z.string().min(1).max(200),
    rubricId: z.string().min(1).max(64).openapi({ description: "The grid reviewers score against" }),
    rubricVersion: z.number().int().min(1).optional().openapi({ description: "Default: its latest version" }),
    callIds: z.array(z.string().min(1).max(64)).max(MAX_CALLS).optional(),
    fromQueue: z
      .object({
        week: z.string().max(10),
        reviewerId: z.string().min(1).max(64).optional(),
        agentId: z.string().min(1).max(64).optional(),
      })
      .strict()
      .optional()
      .openapi({ description: "Add the review queue's calls of that week (any day of it)" }),
    participants: z
      .array(z.string().min(1).max(64))
      .min(2)
      .max(20)
      .openapi({ description: "User ids of members who may review (owner, admin, supervisor)" }),
  })
  .strict();

/** Calibration sessions (C10, issue 16 point 6). Every route needs `reviews:write`. */
export function registerCalibration(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("reviews:write", {
      method: "post",
      path: "/calibration-sessions",
      tags: ["Calibration"],
      summary: `Create a session: a grid, up to ${MAX_CALLS} analysed calls (by id and/or from the review queue) and at least two reviewers`,
      request: { body: jsonBody(CreateBody) },
      responses: { 201: json(Session, "Created") },
    }),
    async (c) => c.json(await createSession(c.get("ctx"), c.req.valid("json")), 201),
  );
  api.openapi(
    apiRoute("reviews:write", {
      method: "get",
      path: "/calibration-sessions",
      tags: ["Calibration"],
      summary: "Sessions, newest first",
      request: { query: z.object({ status: z.enum(["open", "closed"]).optional(), ...listQuery }) },
      responses: { 200: json(listOf(SessionSummary)) },
    }),
    async (c) => c.json(await listSessions(c.get("ctx"), c.req.valid("query")), 200),
  );
  api.openapi(
    apiRoute("reviews:write", {
      method: "get",
      path: "/calibration-sessions/{sessionId}",
      tags: ["Calibration"],
      summary: "A session: grid criteria, calls, participants' progress (never anyone's answers)",
      request: { params: SessionParam, query: AsReviewer },
      responses: { 200: json(Session) },
    }),
    async (c) =>
      c.json(await getSession(c.get("ctx"), c.req.valid("param").sessionId, c.req.valid("query")), 200),
  );
  api.openapi(
    apiRoute("reviews:write", {
      method: "post",
      path: "/calibration-sessions/{sessionId}/calls/{callId}/answers",
      tags: ["Calibration"],
      summary:
        "Submit your answers for one call: every criterion of the grid, pass/fail/na (1–5 `score` for scale criteria). Final: a second submission answers 409",
      request: {
        params: CallParam,
        body: jsonBody(
          z
            .object({
              answers: z.record(z.string(), Answer),
              reviewerId: z
                .string()
                .min(1)
                .max(64)
                .optional()
                .openapi({ description: "The participant submitting (required with an API key)" }),
            })
            .strict(),
        ),
      },
      responses: {
        201: json(
          z.object({
            sessionId: z.string(),
            callId: z.string(),
            reviewerId: z.string(),
            answers: z.record(z.string(), Answer),
            score: z.number().nullable(),
          }),
          "Submitted",
        ),
      },
    }),
    async (c) => {
      const p = c.req.valid("param");
      return c.json(await submitAnswers(c.get("ctx"), p.sessionId, p.callId, c.req.valid("json")), 201);
    },
  );
  api.openapi(
    apiRoute("reviews:write", {
      method: "post",
      path: "/calibration-sessions/{sessionId}/close",
      tags: ["Calibration"],
      summary:
        "Close the session (its creator, an owner or an admin), optionally recording the agreed answer per call and criterion. Reviews are never changed",
      request: {
        params: SessionParam,
        body: jsonBody(
          z
            .object({
              version: z.number().int().min(1),
              agreed: z.record(z.string(), z.record(z.string(), Result)).optional(),
            })
            .strict(),
        ),
      },
      responses: { 200: json(Results) },
    }),
    async (c) =>
      c.json(await closeSession(c.get("ctx"), c.req.valid("param").sessionId, c.req.valid("json")), 200),
  );
  api.openapi(
    apiRoute("reviews:write", {
      method: "get",
      path: "/calibration-sessions/{sessionId}/results",
      tags: ["Calibration"],
      summary:
        "Spread, agreement and κ per call and criterion, most disagreement first. A call's answers show once you submitted it, or the session is closed",
      request: { params: SessionParam, query: AsReviewer },
      responses: { 200: json(Results) },
    }),
    async (c) =>
      c.json(await results(c.get("ctx"), c.req.valid("param").sessionId, c.req.valid("query")), 200),
  );
}
