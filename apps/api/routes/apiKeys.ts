import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from "../../../core/identity/api-keys";
import { instantSchema } from "../../../core/platform/dates";
import { SCOPE_NAMES } from "../../../core/platform/rbac";
import type { AppEnv } from "../../types";
import { apiRoute, IdParam, json, jsonBody } from "../openapi";

const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().openapi({ example: "ccr_live_ab3d" }),
    scopes: z.array(z.string()),
    createdAt: z.number().int(),
    expiresAt: z.number().int().nullable(),
    revokedAt: z.number().int().nullable(),
    lastUsedAt: z.number().int().nullable(),
    lastUsedIp: z.string().nullable(),
  })
  .openapi("ApiKey");

export function registerApiKeys(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("apikeys:manage", {
      method: "get",
      path: "/api-keys",
      tags: ["API keys"],
      summary: "List API keys (never the secret)",
      responses: { 200: json(z.object({ data: z.array(ApiKey), nextCursor: z.null() })) },
    }),
    async (c) => c.json({ data: await listApiKeys(c.get("ctx")), nextCursor: null }, 200),
  );
  api.openapi(
    apiRoute("apikeys:manage", {
      method: "post",
      path: "/api-keys",
      tags: ["API keys"],
      summary: "Create a key — the `key` field is shown only in this response",
      request: {
        body: jsonBody(
          z.object({
            name: z.string().min(1).max(100),
            scopes: z.array(z.enum(SCOPE_NAMES)).min(1),
            expiresAt: instantSchema.nullable().optional(),
          }),
        ),
      },
      responses: { 201: json(ApiKey.extend({ key: z.string() }), "Created") },
    }),
    async (c) => c.json(await createApiKey(c.get("ctx"), c.req.valid("json")), 201),
  );
  api.openapi(
    apiRoute("apikeys:manage", {
      method: "get",
      path: "/api-keys/{keyId}",
      tags: ["API keys"],
      summary: "Get one key",
      request: { params: IdParam("keyId") },
      responses: { 200: json(ApiKey) },
    }),
    async (c) => c.json(await getApiKey(c.get("ctx"), c.req.valid("param").keyId), 200),
  );
  api.openapi(
    apiRoute("apikeys:manage", {
      method: "delete",
      path: "/api-keys/{keyId}",
      tags: ["API keys"],
      summary: "Revoke a key (effective at once)",
      request: { params: IdParam("keyId") },
      responses: { 204: { description: "Revoked" } },
    }),
    async (c) => {
      await revokeApiKey(c.get("ctx"), c.req.valid("param").keyId);
      return c.body(null, 204);
    },
  );
}
