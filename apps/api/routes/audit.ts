import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { listConnections } from "../../../core/identity/connection-log";
import { exportAudit, tenantChain, verifyAuditChain } from "../../../core/platform/audit";
import { epochMsQuery } from "../../../core/platform/dates";
import type { AppEnv } from "../../types";
import { apiRoute, json, listOf, listQuery } from "../openapi";

const AuditEntry = z
  .object({
    id: z.string(),
    seq: z.number().int(),
    ts: z.number().int(),
    actorType: z.string(),
    actorId: z.string().nullable(),
    action: z.string(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    result: z.string(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    meta: z.string().nullable(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi("AuditEntry");
const Connection = z
  .object({
    id: z.string(),
    subjectType: z.string(),
    subjectId: z.string().nullable(),
    event: z.string(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    ts: z.number().int(),
  })
  .openapi("Connection");

export function registerAudit(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("audit:read", {
      method: "get",
      path: "/audit-log",
      tags: ["Audit"],
      summary: "The tenant's audit log (hash-chained), newest first",
      request: {
        query: z.object({
          ...listQuery,
          from: epochMsQuery.optional(),
          to: epochMsQuery.optional(),
        }),
      },
      responses: { 200: json(listOf(AuditEntry)) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const ctx = c.get("ctx");
      const r = await exportAudit(c.env, tenantChain(ctx.tenant.id), {
        limit: q.limit,
        cursor: q.cursor,
        fromTs: q.from,
        toTs: q.to,
        order: "desc",
      });
      return c.json(
        { data: r.rows.map(({ chain: _c, day: _d, tenantId: _t, ...row }) => row), nextCursor: r.nextCursor },
        200,
      );
    },
  );
  api.openapi(
    apiRoute("audit:read", {
      method: "get",
      path: "/audit-log/verify",
      tags: ["Audit"],
      summary: "Verify the tenant's audit chain (hashes, links, day heads)",
      responses: {
        200: json(
          z.object({
            ok: z.boolean(),
            checked: z.number().int(),
            firstBadSeq: z.number().int().optional(),
            reason: z.string().optional(),
          }),
        ),
      },
    }),
    async (c) => c.json(await verifyAuditChain(c.env, tenantChain(c.get("ctx").tenant.id)), 200),
  );
  api.openapi(
    apiRoute("audit:read", {
      method: "get",
      path: "/connection-log",
      tags: ["Audit"],
      summary: "Sign-ins, failures and API key use, newest first",
      request: { query: z.object(listQuery) },
      responses: { 200: json(listOf(Connection)) },
    }),
    async (c) => {
      const r = await listConnections(c.get("ctx"), c.req.valid("query"));
      return c.json({ data: r.data.map(({ tenantId: _t, ...row }) => row), nextCursor: r.nextCursor }, 200);
    },
  );
}
