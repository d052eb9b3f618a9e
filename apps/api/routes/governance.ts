import { type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  cancelContractEnd,
  deleteNow,
  getContractEnd,
  readExportVolume,
  requestContractEnd,
} from "../../../core/governance/contract-end";
import { latestLocationMigration } from "../../../core/governance/location-migration";
import { setCallLegalHold } from "../../../core/governance/retention";
import { listRetentionRuns, startRetentionRun } from "../../../core/governance/retention-purge";
import { ApiError } from "../../../core/platform/errors";
import { getJob, jobView } from "../../../core/platform/jobs";
import type { AppEnv } from "../../types";
import { apiRoute, IdParam, json, jsonBody, problem } from "../openapi";

export const Job = z
  .object({
    id: z.string(),
    kind: z.string(),
    status: z.enum(["queued", "running", "done", "failed", "cancelled"]),
    progress: z.record(z.string(), z.unknown()),
    result: z.record(z.string(), z.unknown()).nullable(),
    error: z.string().nullable(),
    steps: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi("Job");

const CallLegalHold = z
  .object({
    callId: z.string(),
    legalHold: z.object({ reason: z.string(), since: z.string() }).nullable(),
  })
  .openapi("CallLegalHold");

/** Retention runs (F1), call legal holds, location moves (F2) and the tenant's jobs. */
export function registerGovernance(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/settings/retention/runs",
      tags: ["Settings"],
      summary: "The last retention runs, with what each deleted per category",
      responses: { 200: json(z.object({ data: z.array(Job) })) },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const runs = await listRetentionRuns(ctx.env, ctx.tenant.id);
      return c.json({ data: runs.map(jobView) }, 200);
    },
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "post",
      path: "/settings/retention/runs",
      tags: ["Settings"],
      summary: "Run the retention purge now (the daily cron also does); returns the job",
      responses: { 202: json(Job, "Started") },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const { job } = await startRetentionRun(
        ctx.env,
        ctx.tenant,
        Date.now(),
        undefined,
        ctx.actor.type === "system" ? null : ctx.actor.id,
      );
      return c.json(jobView(job), 202);
    },
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/settings/location/migration",
      tags: ["Settings"],
      summary: "The latest location move and its progress (null when none)",
      responses: { 200: json(z.object({ migration: Job.nullable() })) },
    }),
    async (c) => c.json({ migration: await latestLocationMigration(c.get("ctx")) }, 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/jobs/{jobId}",
      tags: ["Settings"],
      summary: "One of the organisation's jobs (retention run, location move, export, contract end)",
      request: { params: IdParam("jobId") },
      responses: { 200: json(Job) },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const job = await getJob(ctx.env, c.req.valid("param").jobId);
      if (!job || job.tenantId !== ctx.tenant.id) throw new ApiError("not_found", "No such job");
      return c.json(jobView(job), 200);
    },
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "put",
      path: "/calls/{callId}/legal-hold",
      tags: ["Calls"],
      summary: "Put one call under legal hold (kept past retention and erasure), with a reason",
      request: {
        params: IdParam("callId"),
        body: jsonBody(z.object({ reason: z.string().min(1).max(500) }).strict()),
      },
      responses: { 200: json(CallLegalHold) },
    }),
    async (c) =>
      c.json(
        await setCallLegalHold(c.get("ctx"), c.req.valid("param").callId, c.req.valid("json").reason),
        200,
      ),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "delete",
      path: "/calls/{callId}/legal-hold",
      tags: ["Calls"],
      summary: "Lift a call's legal hold",
      request: { params: IdParam("callId") },
      responses: { 200: json(CallLegalHold) },
    }),
    async (c) => c.json(await setCallLegalHold(c.get("ctx"), c.req.valid("param").callId, null), 200),
  );

  const ContractEnd = z
    .object({
      status: z.enum(["none", "exporting", "awaiting_deletion", "deleting", "closed", "cancelled", "failed"]),
      job: Job.nullable(),
      deletionDueAt: z.string().nullable(),
      exports: z.array(
        z.object({
          part: z.number().int(),
          size: z.number().int(),
          sha256: z.string().nullable(),
          calls: z.number().int(),
          url: z.string(),
        }),
      ),
    })
    .openapi("ContractEnd");
  api.openapi(
    apiRoute("tenant:delete", {
      method: "get",
      path: "/tenant/contract-end",
      tags: ["Tenant"],
      summary: "Contract end: status, deletion deadline, export volumes",
      responses: { 200: json(ContractEnd) },
    }),
    async (c) => c.json(await getContractEnd(c.get("ctx")), 200),
  );
  api.openapi(
    apiRoute("tenant:delete", {
      method: "post",
      path: "/tenant/contract-end",
      tags: ["Tenant"],
      summary:
        "End the contract: optionally export everything, then delete all call data within 30 days (owner only; type the organisation's name)",
      request: {
        body: jsonBody(z.object({ export: z.boolean(), confirmName: z.string().min(1).max(200) }).strict()),
      },
      responses: {
        202: json(ContractEnd, "Started"),
        409: problem("Already running or under legal hold"),
      },
    }),
    async (c) => c.json(await requestContractEnd(c.get("ctx"), c.req.valid("json")), 202),
  );
  api.openapi(
    apiRoute("tenant:delete", {
      method: "post",
      path: "/tenant/contract-end/delete-now",
      tags: ["Tenant"],
      summary: "Delete now instead of at the deadline (after the export is downloaded)",
      responses: { 200: json(ContractEnd), 409: problem("Nothing to delete now") },
    }),
    async (c) => c.json(await deleteNow(c.get("ctx")), 200),
  );
  api.openapi(
    apiRoute("tenant:delete", {
      method: "delete",
      path: "/tenant/contract-end",
      tags: ["Tenant"],
      summary: "Cancel the contract end (before deletion has started)",
      responses: { 200: json(ContractEnd), 409: problem("Deletion already started") },
    }),
    async (c) => c.json(await cancelContractEnd(c.get("ctx")), 200),
  );
  api.openapi(
    apiRoute("tenant:delete", {
      method: "get",
      path: "/tenant/contract-end/exports/{part}",
      tags: ["Tenant"],
      summary: "Download one export volume (ZIP)",
      request: {
        params: z.object({
          part: z.coerce
            .number()
            .int()
            .min(1)
            .max(100000)
            .openapi({ param: { name: "part", in: "path" } }),
        }),
      },
      responses: {
        200: {
          description: "ZIP",
          content: { "application/zip": { schema: z.string().openapi({ format: "binary" }) } },
        },
      },
    }),
    async (c) => {
      const v = await readExportVolume(c.get("ctx"), c.req.valid("param").part);
      return new Response(v.body, {
        headers: {
          "content-type": "application/zip",
          "content-length": String(v.size),
          "content-disposition": `attachment; filename="${v.name}"`,
          "cache-control": "no-store",
        },
      }) as never;
    },
  );
}
