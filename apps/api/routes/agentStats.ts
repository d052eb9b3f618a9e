import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { linkMemberToAgent } from "../../../core/agents/agent-members";
import { getAgent } from "../../../core/agents/service";
import { agentFigures, agentTimeline, MAX_PERIOD_DAYS } from "../../../core/insights/agent-stats";
import { instantQuery } from "../../../core/platform/dates";
import { dryRunRubric } from "../../../core/quality/dry-run";
import type { AppEnv } from "../../types";
import { apiRoute, IdParam, json, jsonBody, problem } from "../openapi";

/**
 * API parity (E5) for what the portal's agent pages and rubric editor do: the leaderboard and
 * team figures, an agent's weekly timeline, linking a member to an agent, and a rubric dry run.
 */
const Period = z.object({
  from: instantQuery
    .optional()
    .openapi({ description: "Start (ISO 8601 or epoch ms), inclusive; default: 30 days before `to`" }),
  to: instantQuery.optional().openapi({
    description: `End (ISO 8601 or epoch ms), exclusive; default: now; at most ${MAX_PERIOD_DAYS} days after from`,
  }),
});
const DAY = 86_400_000;
/** The period of a query: the last 30 days unless given. */
function periodOf(q: { from?: number; to?: number }) {
  const to = q.to ?? Date.now();
  return { from: q.from ?? to - 30 * DAY, to };
}

const Figures = z
  .object({
    agentId: z.string(),
    name: z.string(),
    team: z.string().nullable(),
    calls: z.number().int(),
    analysed: z.number().int(),
    avgScore: z.number().nullable().openapi({ description: "Mean AUTOMATIC score of analysed calls" }),
    passRate: z.number().nullable().openapi({ description: "0–1, among analysed calls with a verdict" }),
    criticalFails: z.number().int(),
    reviewed: z
      .object({ avg: z.number(), n: z.number().int() })
      .nullable()
      .openapi({ description: "Human reviews, apart from the automatic score; null when none" }),
  })
  .openapi("AgentFigures");

export function registerAgentStats(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("agents:read", {
      method: "get",
      path: "/agent-stats",
      tags: ["Agents"],
      summary:
        "Leaderboard / team view: per agent, calls, automatic average score, pass rate, reviewed score apart",
      request: { query: Period.extend({ team: z.string().max(100).optional() }) },
      responses: { 200: json(z.object({ data: z.array(Figures), nextCursor: z.null() })) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const data = await agentFigures(c.get("ctx"), {
        ...periodOf(q),
        team: q.team,
        includeIdle: Boolean(q.team),
      });
      return c.json({ data, nextCursor: null }, 200);
    },
  );
  api.openapi(
    apiRoute("agents:read", {
      method: "get",
      path: "/agents/{agentId}/timeline",
      tags: ["Agents"],
      summary: "An agent's automatic scores by week (Monday, UTC) over a period, and the totals",
      request: { params: IdParam("agentId"), query: Period },
      responses: { 200: json(z.unknown()) },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const q = c.req.valid("query");
      const agent = await getAgent(ctx, c.req.valid("param").agentId);
      return c.json(await agentTimeline(ctx, agent.id, periodOf(q)), 200);
    },
  );
  api.openapi(
    apiRoute("members:manage", {
      method: "put",
      path: "/members/{memberId}/agent",
      tags: ["Members"],
      summary:
        "Link a member to an agent (a member with role agent then sees that agent's calls only); null unlinks",
      request: {
        params: IdParam("memberId"),
        body: jsonBody(z.object({ agentId: z.string().min(1).max(64).nullable() })),
      },
      responses: {
        200: json(z.object({ membershipId: z.string(), agentId: z.string().nullable() })),
        409: problem("The agent is linked to another member"),
      },
    }),
    async (c) =>
      c.json(
        await linkMemberToAgent(c.get("ctx"), c.req.valid("param").memberId, c.req.valid("json").agentId),
        200,
      ),
  );
  api.openapi(
    apiRoute("rubrics:write", {
      method: "post",
      path: "/rubrics/dry-run",
      tags: ["Rubrics"],
      summary: "Run the built-in engine with unsaved rubric content on one stored call — nothing is stored",
      description:
        "Body: `{ callId, content, rubricId? }` where `content` is a rubric version (`language`, `passThreshold`, `sections`). Answers the analysis the engine would give (`dryRun: true`). The key also needs `analyses:read` (the result quotes the transcript).",
      request: {
        body: jsonBody(
          z.object({
            callId: z.string().min(1).max(64),
            content: z.unknown(),
            rubricId: z.string().max(64).optional(),
          }),
        ),
      },
      responses: {
        200: json(z.unknown()),
        409: problem("No stored transcript, or processing restricted"),
      },
    }),
    async (c) => c.json(await dryRunRubric(c.get("ctx"), c.req.valid("json")), 200),
  );
}
