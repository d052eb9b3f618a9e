import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import type { Permission } from "../../core/platform/rbac";
import { access } from "../middleware/access";
import { idempotency } from "./idempotency";

/** RFC 9457 problem document, as every error of the API returns it. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: "https://callcenterrate.com/problems/not-found" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ pointer: z.string(), detail: z.string() })).optional(),
  })
  .openapi("Problem");

/** An error response: always the problem document, as `application/problem+json`. */
export const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

export const standardErrors = {
  400: problem("Malformed JSON or invalid fields"),
  401: problem("Missing, unknown, revoked or expired API key"),
  403: problem("The key's scopes do not allow this operation"),
  404: problem("Not found (also: another tenant's id)"),
  429: problem("Rate limit exceeded; see Retry-After"),
  default: problem("Any other error (409 tenant locked, 413 body too large, 5xx…): a problem document"),
} as const;

type Responses = RouteConfig["responses"];
/**
 * Every error response of the document declares the problem schema, whatever a route wrote: the
 * server sends nothing else on an error, and generated clients type errors from it.
 */
function withProblems(responses: Responses): Responses {
  const out: Responses = {};
  for (const [status, r] of Object.entries(responses))
    out[status] =
      (status === "default" || Number(status) >= 400) && "description" in r
        ? problem(r.description ?? "Error")
        : r;
  return out;
}

const pascal = (s: string) => s.replace(/(^|[-_.])([a-z0-9])/gi, (_m, _sep, ch: string) => ch.toUpperCase());
/**
 * A stable operationId from the method and the path template: `GET /calls/{callId}` →
 * `getCallsByCallId`, `PUT /calls/{callId}/transcript` → `putCallsTranscript`. Path parameters
 * inside the path are left out, a trailing one is `By<Name>`. It changes only if the path does.
 */
export function operationIdFor(method: string, path: string): string {
  const segs = path.split("/").filter(Boolean);
  const words = segs.map((seg, i) => {
    const param = /^\{(\w+)\}$/.exec(seg);
    if (!param) return pascal(seg);
    return i === segs.length - 1 ? `By${pascal(param[1])}` : "";
  });
  return method.toLowerCase() + words.join("");
}

export const IdParam = (name: string) =>
  z.object({
    [name]: z
      .string()
      .min(1)
      .max(64)
      .openapi({ param: { name, in: "path" } }),
  });

export const listQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ description: "1–200, default 50" }),
  cursor: z.string().max(500).optional().openapi({ description: "nextCursor of the previous page" }),
};

export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() });

/** createRoute + the access rule + bearer security + the standard error responses. */
export function apiRoute<R extends Omit<RouteConfig, "middleware" | "security">>(
  perm: Permission,
  config: R,
) {
  return createRoute({
    ...config,
    middleware: (config.method === "post"
      ? [access({ kind: "api", perm }), idempotency()]
      : [access({ kind: "api", perm })]) as [ReturnType<typeof access>],
    security: [{ bearer: [] }],
    operationId: config.operationId ?? operationIdFor(config.method, config.path),
    responses: withProblems({ ...standardErrors, ...config.responses }),
  });
}

export const json = <T extends z.ZodType>(schema: T, description = "OK") => ({
  description,
  content: { "application/json": { schema } },
});
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});
