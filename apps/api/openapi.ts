import { createRoute, type RouteConfig, z } from "@hono/zod-openapi";
import type { Permission } from "../../core/rbac";
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

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ProblemSchema } },
});

export const standardErrors = {
  400: problem("Malformed JSON or invalid fields"),
  401: problem("Missing, unknown, revoked or expired API key"),
  403: problem("The key's scopes do not allow this operation"),
  404: problem("Not found (also: another tenant's id)"),
  429: problem("Rate limit exceeded; see Retry-After"),
} as const;

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
    responses: { ...standardErrors, ...config.responses },
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
