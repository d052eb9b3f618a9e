import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { breachesForTenant } from "../../../core/breaches";
import type { AppEnv } from "../../types";
import { apiRoute, json } from "../openapi";

const TAGS = ["Security"];

const BreachNotice = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    occurredAt: z.string(),
    discoveredAt: z.string(),
    dataCategories: z.string(),
    approxSubjects: z.number().int().nullable(),
    approxRecords: z.number().int().nullable(),
    consequences: z.string(),
    measures: z.string(),
    contact: z.string(),
    status: z.enum(["open", "contained", "closed"]),
    notifiedAt: z.string(),
  })
  .openapi("BreachNotice");

/** Security of the organisation: breach notices (I9), abuse alerts and thresholds (I5), SSO (A8). */
export function registerSecurity(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/security/breaches",
      tags: TAGS,
      summary: "Personal data breaches your organisation was notified of (GDPR art. 33(3) facts)",
      responses: { 200: json(z.object({ data: z.array(BreachNotice) })) },
    }),
    async (c) => c.json({ data: await breachesForTenant(c.env, c.get("ctx").tenant.id) }, 200),
  );
}
