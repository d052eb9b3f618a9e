import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { createAgent, deleteAgent, getAgent, listAgents, updateAgent } from "../../../core/agents/service";
import type { AppEnv } from "../../types";
import { apiRoute, IdParam, json, jsonBody, listOf, listQuery, problem } from "../openapi";

const Agent = z
  .object({
    id: z.string(),
    name: z.string(),
    externalId: z.string().nullable(),
    team: z.string().nullable(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi("Agent");
const AgentInput = z
  .object({
    name: z.string().min(1).max(200),
    externalId: z.string().min(1).max(200).nullable().optional(),
    team: z.string().min(1).max(100).nullable().optional(),
  })
  .openapi("AgentInput");

export function registerAgents(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("agents:read", {
      method: "get",
      path: "/agents",
      tags: ["Agents"],
      summary: "List agents (sorted by name)",
      request: { query: z.object({ ...listQuery, team: z.string().max(100).optional() }) },
      responses: { 200: json(listOf(Agent)) },
    }),
    async (c) => c.json(await listAgents(c.get("ctx"), c.req.valid("query")), 200),
  );
  api.openapi(
    apiRoute("agents:write", {
      method: "post",
      path: "/agents",
      tags: ["Agents"],
      summary: "Create an agent",
      request: { body: jsonBody(AgentInput) },
      responses: { 201: json(Agent, "Created"), 409: problem("externalId already used") },
    }),
    async (c) => c.json(await createAgent(c.get("ctx"), c.req.valid("json")), 201),
  );
  api.openapi(
    apiRoute("agents:read", {
      method: "get",
      path: "/agents/{agentId}",
      tags: ["Agents"],
      summary: "Get an agent",
      request: { params: IdParam("agentId") },
      responses: { 200: json(Agent) },
    }),
    async (c) => c.json(await getAgent(c.get("ctx"), c.req.valid("param").agentId), 200),
  );
  api.openapi(
    apiRoute("agents:write", {
      method: "put",
      path: "/agents/{agentId}",
      tags: ["Agents"],
      summary: "Replace an agent's fields",
      request: { params: IdParam("agentId"), body: jsonBody(AgentInput) },
      responses: { 200: json(Agent), 409: problem("externalId already used") },
    }),
    async (c) =>
      c.json(await updateAgent(c.get("ctx"), c.req.valid("param").agentId, c.req.valid("json")), 200),
  );
  api.openapi(
    apiRoute("agents:write", {
      method: "delete",
      path: "/agents/{agentId}",
      tags: ["Agents"],
      summary: "Delete an agent",
      request: { params: IdParam("agentId") },
      responses: { 204: { description: "Deleted" } },
    }),
    async (c) => {
      await deleteAgent(c.get("ctx"), c.req.valid("param").agentId);
      return c.body(null, 204);
    },
  );
}
