import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { listPolicyVersions } from "../../../core/privacy/policy-versions";
import {
  effectiveSubprocessors,
  getObjection,
  objectToSubprocessor,
} from "../../../core/privacy/subprocessors";
import type { AppEnv } from "../../types";
import { apiRoute, IdParam, json, jsonBody, listOf, ProblemSchema } from "../openapi";

const PolicyVersion = z
  .object({
    id: z.string(),
    version: z.string(),
    effectiveAt: z.number().int(),
    substantial: z.boolean(),
    bodyFr: z.string(),
    bodyEn: z.string(),
    publishedAt: z.number().int(),
  })
  .openapi("PolicyVersion");

const Subprocessor = z
  .object({
    id: z.string(),
    name: z.string(),
    purposeFr: z.string(),
    purposeEn: z.string(),
    dataCategories: z.array(z.string()),
    location: z.string(),
    transferMechanism: z.string().openapi({ example: "SCC" }),
    providerKey: z.string().nullable(),
    announcedAt: z.number().int(),
    effectiveAt: z.number().int(),
    status: z.enum(["active", "upcoming"]),
    endpoint: z.string().openapi({
      description: "Endpoint the tenant's data is sent to (providers) or region (platform services)",
      example: "https://api.eu.deepgram.com",
    }),
    blockedByObjection: z.boolean().openapi({
      description: "The tenant has an open objection: the entry does not apply until an operator resolves it",
    }),
    objectionId: z.string().nullable(),
  })
  .openapi("Subprocessor");

const Objection = z
  .object({
    id: z.string(),
    subprocessorId: z.string(),
    reason: z.string(),
    status: z.enum(["open", "resolved"]),
    resolution: z.string().nullable(),
    createdAt: z.number().int(),
    resolvedAt: z.number().int().nullable(),
  })
  .openapi("SubprocessorObjection");

const ObjectionInput = z
  .object({ reason: z.string().trim().min(1).max(2000) })
  .openapi("SubprocessorObjectionInput");

const objectionOut = (o: z.infer<typeof Objection> & { tenantId: string }) => {
  const { tenantId: _, ...rest } = o;
  return rest;
};

/** Privacy policy versions (F4) and the tenant's sub-processors and objections (F5). */
export function registerLegal(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("tenant:read", {
      method: "get",
      path: "/policy-versions",
      tags: ["Legal"],
      summary: "Privacy policy versions, newest first",
      responses: { 200: json(listOf(PolicyVersion)) },
    }),
    async (c) => {
      const rows = await listPolicyVersions(c.env);
      return c.json(
        {
          data: rows.map(({ publishedBy: _, ...v }) => v),
          nextCursor: null,
        },
        200,
      );
    },
  );

  api.openapi(
    apiRoute("tenant:read", {
      method: "get",
      path: "/subprocessors",
      tags: ["Legal"],
      summary: "Sub-processors that apply (or are announced) for this tenant",
      description:
        "Given the tenant's location and chosen providers. `upcoming` entries are announced 30 days ahead and may be objected to.",
      responses: { 200: json(listOf(Subprocessor)) },
    }),
    async (c) => c.json({ data: await effectiveSubprocessors(c.get("ctx")), nextCursor: null }, 200),
  );

  api.openapi(
    apiRoute("settings:manage", {
      method: "post",
      path: "/subprocessors/{subprocessorId}/objections",
      tags: ["Legal"],
      summary: "Object to an announced sub-processor (GDPR art. 28(2))",
      request: { params: IdParam("subprocessorId"), body: jsonBody(ObjectionInput) },
      responses: {
        201: json(Objection, "Recorded (an existing open objection is returned as is)"),
        409: {
          description: "The entry is already in force",
          content: { "application/problem+json": { schema: ProblemSchema } },
        },
      },
    }),
    async (c) => {
      const o = await objectToSubprocessor(
        c.get("ctx"),
        c.req.valid("param").subprocessorId,
        c.req.valid("json").reason,
      );
      return c.json(objectionOut(o), 201);
    },
  );

  api.openapi(
    apiRoute("tenant:read", {
      method: "get",
      path: "/subprocessor-objections/{objectionId}",
      tags: ["Legal"],
      summary: "One of the tenant's objections and its resolution",
      request: { params: IdParam("objectionId") },
      responses: { 200: json(Objection) },
    }),
    async (c) =>
      c.json(objectionOut(await getObjection(c.get("ctx"), c.req.valid("param").objectionId)), 200),
  );
}
