import { type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  createRubric,
  createRubricVersion,
  getRubric,
  getRubricVersion,
  listRubrics,
  listRubricVersions,
  listTemplates,
  updateRubric,
} from "../../../core/rubrics/service";
import type { AppEnv } from "../../types";
import { apiRoute, IdParam, json, jsonBody, problem } from "../openapi";

const Rubric = z
  .object({
    id: z.string(),
    name: z.string(),
    templateId: z.string().nullable(),
    isDefault: z.boolean(),
    latestVersion: z.number(),
    archived: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
    content: z.unknown().optional(),
  })
  .openapi("Rubric");
const RubricId = IdParam("rubricId");

export function registerRubrics(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("rubrics:read", {
      method: "get",
      path: "/rubric-templates",
      tags: ["Rubrics"],
      summary: "Shipped templates (FR/EN): general customer service, sales, technical support, collections",
      responses: { 200: json(z.object({ data: z.array(z.unknown()), nextCursor: z.null() })) },
    }),
    (c) => c.json({ data: listTemplates(), nextCursor: null }, 200),
  );
  api.openapi(
    apiRoute("rubrics:read", {
      method: "get",
      path: "/rubrics",
      tags: ["Rubrics"],
      summary: "The tenant's rubrics (the default first)",
      responses: { 200: json(z.object({ data: z.array(Rubric), nextCursor: z.null() })) },
    }),
    async (c) => c.json({ data: await listRubrics(c.get("ctx")), nextCursor: null }, 200),
  );
  api.openapi(
    apiRoute("rubrics:write", {
      method: "post",
      path: "/rubrics",
      tags: ["Rubrics"],
      summary: "Create a rubric from content (sections, weighted criteria summing to 100) or from a template",
      request: { body: jsonBody(z.record(z.string(), z.unknown())) },
      responses: { 201: json(Rubric, "Created") },
    }),
    async (c) => c.json(await createRubric(c.get("ctx"), c.req.valid("json") as never), 201),
  );
  api.openapi(
    apiRoute("rubrics:read", {
      method: "get",
      path: "/rubrics/{rubricId}",
      tags: ["Rubrics"],
      summary: "A rubric with its latest version's content",
      request: { params: RubricId },
      responses: { 200: json(Rubric) },
    }),
    async (c) => c.json(await getRubric(c.get("ctx"), c.req.valid("param").rubricId), 200),
  );
  api.openapi(
    apiRoute("rubrics:write", {
      method: "patch",
      path: "/rubrics/{rubricId}",
      tags: ["Rubrics"],
      summary: "Rename, make default, archive (content changes create a version)",
      request: {
        params: RubricId,
        body: jsonBody(
          z.object({
            name: z.string().min(1).max(200).optional(),
            isDefault: z.boolean().optional(),
            archived: z.boolean().optional(),
          }),
        ),
      },
      responses: { 200: json(Rubric) },
    }),
    async (c) =>
      c.json(await updateRubric(c.get("ctx"), c.req.valid("param").rubricId, c.req.valid("json")), 200),
  );
  api.openapi(
    apiRoute("rubrics:read", {
      method: "get",
      path: "/rubrics/{rubricId}/versions",
      tags: ["Rubrics"],
      summary: "The rubric's versions, newest first",
      request: { params: RubricId },
      responses: { 200: json(z.object({ data: z.array(z.unknown()), nextCursor: z.null() })) },
    }),
    async (c) =>
      c.json(
        { data: await listRubricVersions(c.get("ctx"), c.req.valid("param").rubricId), nextCursor: null },
        200,
      ),
  );
  api.openapi(
    apiRoute("rubrics:write", {
      method: "post",
      path: "/rubrics/{rubricId}/versions",
      tags: ["Rubrics"],
      summary: "Save new content as version n+1 (earlier versions and their analyses are unchanged)",
      request: { params: RubricId, body: jsonBody(z.object({ content: z.unknown() })) },
      responses: { 201: json(Rubric, "Created"), 409: problem("Concurrent edit") },
    }),
    async (c) =>
      c.json(
        await createRubricVersion(c.get("ctx"), c.req.valid("param").rubricId, c.req.valid("json").content),
        201,
      ),
  );
  api.openapi(
    apiRoute("rubrics:read", {
      method: "get",
      path: "/rubrics/{rubricId}/versions/{version}",
      tags: ["Rubrics"],
      summary: "One version's content",
      request: {
        params: RubricId.extend({
          version: z.coerce
            .number()
            .int()
            .min(1)
            .openapi({ param: { name: "version", in: "path" } }),
        }),
      },
      responses: { 200: json(z.unknown()) },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const p = c.req.valid("param");
      return c.json(await getRubricVersion(ctx.env, ctx.tenant, p.rubricId, Number(p.version)), 200);
    },
  );
}
