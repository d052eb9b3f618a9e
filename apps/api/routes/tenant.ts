import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../types";
import { apiRoute, json } from "../openapi";

const Tenant = z
  .object({
    id: z.string(),
    name: z.string(),
    location: z.enum(["eu", "us"]),
    processingScope: z.enum(["in_region", "international"]),
    defaultLocale: z.enum(["fr", "en"]),
    createdAt: z.number().int(),
  })
  .openapi("Tenant");

export function registerTenant(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("tenant:read", {
      method: "get",
      path: "/tenant",
      tags: ["Tenant"],
      summary: "The tenant this key belongs to",
      responses: { 200: json(Tenant) },
    }),
    (c) => {
      const t = c.get("ctx").tenant;
      return c.json(
        {
          id: t.id,
          name: t.name,
          location: t.location,
          processingScope: t.processingScope,
          defaultLocale: t.defaultLocale,
          createdAt: t.createdAt,
        },
        200,
      );
    },
  );
}
