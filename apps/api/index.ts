import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { etag } from "hono/etag";
import { ApiError } from "../../core/platform/errors";
import { jsonTextTooDeep, MAX_JSON_DEPTH } from "../../core/platform/json-depth";
import { fromZod } from "../errors";
import { access } from "../middleware/access";
import type { AppEnv } from "../types";
import { registerAgentStats } from "./routes/agentStats";
import { registerAgents } from "./routes/agents";
import { registerAnalyses } from "./routes/analyses";
import { registerApiKeys } from "./routes/apiKeys";
import { registerAudit } from "./routes/audit";
import { registerBilling } from "./routes/billing";
import { registerCalibration } from "./routes/calibration";
import { registerCalls, registerImports } from "./routes/calls";
import { registerGovernance } from "./routes/governance";
import { registerLegal } from "./routes/legal";
import { registerMembers } from "./routes/members";
import { registerPrivacy } from "./routes/privacy";
import { registerReports } from "./routes/reports";
import { registerReviewQueue } from "./routes/reviewQueue";
import { registerReviews } from "./routes/reviews";
import { registerRubrics } from "./routes/rubrics";
import { registerSecurity } from "./routes/security";
import { registerSettings } from "./routes/settings";
import { registerStatistics } from "./routes/statistics";
import { registerSupport } from "./routes/support";
import { registerTenant } from "./routes/tenant";
import { registerUploads } from "./routes/uploads";
import { registerWebhooks } from "./routes/webhooks";

/** JSON bodies above this are refused (413) before being parsed. Uploads have their own limit. */
export const JSON_BODY_LIMIT = 1024 * 1024;
const STREAMED_PUT =
  /\/(calls\/[^/]+\/(recording|transcript|recording\/uploads\/[^/]+\/parts\/\d+)|uploads\/[^/]+\/parts\/\d+)$/;
const ATTACHMENT = /\/support\/tickets\/[^/]+\/messages\/[^/]+\/attachments$/;
const isStreamed = (method: string, path: string) =>
  (method === "PUT" && STREAMED_PUT.test(path)) ||
  (method === "POST" &&
    (path.endsWith("/imports") || path.endsWith("/backups/restore") || ATTACHMENT.test(path)));

export function buildApi() {
  const api = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw fromZod(result.error);
    },
  });
  api.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "API key: `Authorization: Bearer ccr_live_…`",
  });
  const jsonLimit = bodyLimit({
    maxSize: JSON_BODY_LIMIT,
    onError: () => {
      throw new ApiError("payload_too_large", `JSON bodies are limited to ${JSON_BODY_LIMIT} bytes`);
    },
  });
  // Streamed bodies (recordings, parts, transcripts, imports) enforce their own limits from
  // Content-Length before reading a byte; everything else is JSON and capped here.
  api.use("*", (c, next) => (isStreamed(c.req.method, c.req.path) ? next() : jsonLimit(c, next)));
  // Deep nesting is refused before any handler walks the body (the body is cached for them).
  api.use("*", async (c, next) => {
    if (isStreamed(c.req.method, c.req.path) || !/[/+]json\b/i.test(c.req.header("content-type") ?? ""))
      return next();
    if (jsonTextTooDeep(await c.req.text()))
      throw new ApiError("validation_failed", `JSON bodies may nest at most ${MAX_JSON_DEPTH} levels`, {
        errors: [{ pointer: "/", detail: `nested deeper than ${MAX_JSON_DEPTH} levels` }],
      });
    return next();
  });
  api.use("*", etag({ weak: true }));

  registerTenant(api);
  registerMembers(api);
  registerApiKeys(api);
  registerAgents(api);
  registerSettings(api);
  registerAudit(api);
  registerCalls(api);
  registerUploads(api);
  registerImports(api);
  registerAnalyses(api);
  registerAgentStats(api); // leaderboard, agent timeline, member↔agent link, rubric dry run
  registerRubrics(api);
  registerWebhooks(api);
  registerLegal(api);
  registerGovernance(api);
  registerReports(api);
  registerReviews(api);
  registerReviewQueue(api);
  registerCalibration(api);
  registerStatistics(api);
  registerPrivacy(api);
  registerBilling(api);
  registerSupport(api);
  registerSecurity(api);

  const document = () =>
    api.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title: "CallCenterRate API",
        version: "1.0.0",
        description:
          "Tenant API of CallCenterRate. Errors are RFC 9457 problem documents; lists are `{ data, nextCursor }`; POST accepts `Idempotency-Key`; 600 requests per minute per key (`RateLimit-*` headers).",
      },
      servers: [{ url: "/api/v1" }],
    });
  api.get("/openapi.json", access({ kind: "public" }), (c) => c.json(document()));
  return { api, document };
}
