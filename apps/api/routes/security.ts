import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { downloadBackup, listBackups, startBackup, startRestore } from "../../../core/governance/backup";
import {
  acknowledgeAlert,
  getAbuseSettings,
  listAlerts,
  updateAbuseSettings,
} from "../../../core/identity/abuse";
import { getSso, saveSso, verifySsoDomain } from "../../../core/identity/sso";
import { breachesForTenant } from "../../../core/ops/breaches";
import { ApiError } from "../../../core/platform/errors";
import type { AppEnv } from "../../types";
import { apiRoute, IdParam, json, jsonBody, problem } from "../openapi";
import { Job } from "./governance";

const Sso = z
  .object({
    provider: z.enum(["google", "microsoft", "oidc"]),
    issuer: z.string(),
    clientId: z.string(),
    clientSecretSet: z.boolean(),
    domain: z.string(),
    domainVerified: z.boolean(),
    domainVerifiedAt: z.string().nullable(),
    verificationRecord: z.object({ name: z.string(), type: z.literal("TXT"), value: z.string() }),
    defaultRole: z.enum(["admin", "supervisor", "agent", "viewer"]),
    enabled: z.boolean(),
  })
  .openapi("SingleSignOn");

const Thresholds = z
  .object({
    thresholds: z.object({
      mass_export: z.number().int(),
      mass_deletion: z.number().int(),
      failed_logins: z.number().int(),
    }),
    windowMinutes: z.number().int(),
  })
  .openapi("AbuseAlertSettings");

const Alert = z
  .object({
    id: z.string(),
    kind: z.enum(["mass_export", "mass_deletion", "failed_logins", "new_network", "key_failures"]),
    detail: z.record(z.string(), z.union([z.string(), z.number()])),
    createdAt: z.string(),
    acknowledgedAt: z.string().nullable(),
  })
  .openapi("SecurityAlert");

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
  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/settings/sso",
      tags: ["Settings"],
      summary: "Single sign-on (OpenID Connect) configuration, or null",
      responses: { 200: json(z.object({ sso: Sso.nullable() })) },
    }),
    async (c) => c.json({ sso: await getSso(c.get("ctx")) }, 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "put",
      path: "/settings/sso",
      tags: ["Settings"],
      summary: "Configure single sign-on; enabling needs a verified domain",
      request: {
        body: jsonBody(
          z
            .object({
              provider: z.enum(["google", "microsoft", "oidc"]),
              issuer: z.string().max(500).optional(),
              clientId: z.string().min(1).max(300),
              clientSecret: z.string().min(1).max(500).optional().openapi({ description: "Write-only" }),
              domain: z.string().min(3).max(253),
              defaultRole: z.enum(["admin", "supervisor", "agent", "viewer"]).optional(),
              enabled: z.boolean().optional(),
            })
            .strict(),
        ),
      },
      responses: { 200: json(Sso), 409: problem("Domain not verified yet") },
    }),
    async (c) => c.json(await saveSso(c.get("ctx"), c.req.valid("json")), 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "post",
      path: "/settings/sso/verify-domain",
      tags: ["Settings"],
      summary: "Check the DNS TXT record that proves the organisation holds its e-mail domain",
      responses: { 200: json(Sso), 409: problem("Record not found, or domain taken") },
    }),
    async (c) => c.json(await verifySsoDomain(c.get("ctx")), 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/settings/abuse-alerts",
      tags: ["Settings"],
      summary: "Thresholds of the abuse alerts (per window)",
      responses: { 200: json(Thresholds) },
    }),
    async (c) => c.json(await getAbuseSettings(c.env, c.get("ctx").tenant.id), 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "put",
      path: "/settings/abuse-alerts",
      tags: ["Settings"],
      summary: "Change the thresholds of the abuse alerts",
      request: {
        body: jsonBody(
          z
            .object({
              thresholds: z
                .object({
                  mass_export: z.number().int().min(1).optional(),
                  mass_deletion: z.number().int().min(1).optional(),
                  failed_logins: z.number().int().min(3).optional(),
                })
                .strict(),
              windowMinutes: z.number().int().min(5).max(1440).optional(),
            })
            .strict(),
        ),
      },
      responses: { 200: json(Thresholds) },
    }),
    async (c) => c.json(await updateAbuseSettings(c.get("ctx"), c.req.valid("json")), 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/security/alerts",
      tags: TAGS,
      summary: "Recent abuse alerts (mass export, mass deletion, failed logins, key used from a new network)",
      responses: { 200: json(z.object({ data: z.array(Alert) })) },
    }),
    async (c) => c.json({ data: await listAlerts(c.get("ctx")) }, 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "post",
      path: "/security/alerts/{alertId}/acknowledge",
      tags: TAGS,
      summary: "Acknowledge an alert",
      request: { params: IdParam("alertId") },
      responses: { 200: json(Alert) },
    }),
    async (c) => c.json(await acknowledgeAlert(c.get("ctx"), c.req.valid("param").alertId), 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "post",
      path: "/backups",
      tags: ["Backups"],
      summary: "Export everything the organisation owns as one ZIP in its data location (a job)",
      responses: { 202: json(Job, "Started") },
    }),
    async (c) => c.json(await startBackup(c.get("ctx")), 202),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/backups",
      tags: ["Backups"],
      summary: "Recent backup exports and restores",
      responses: { 200: json(z.object({ data: z.array(Job) })) },
    }),
    async (c) => c.json({ data: await listBackups(c.get("ctx")) }, 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/backups/{jobId}/download",
      tags: ["Backups"],
      summary: "Download a finished backup ZIP",
      request: { params: IdParam("jobId") },
      responses: { 200: { description: "The ZIP", content: { "application/zip": { schema: z.any() } } } },
    }),
    async (c) => {
      const f = await downloadBackup(c.get("ctx"), c.req.valid("param").jobId);
      return new Response(f.body, {
        headers: {
          "content-type": "application/zip",
          "content-length": String(f.size),
          "content-disposition": `attachment; filename="${f.name}"`,
          "cache-control": "private, no-store",
        },
      }) as never;
    },
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "post",
      path: "/backups/restore",
      tags: ["Backups"],
      summary:
        "Restore a signed backup ZIP (raw body) into this organisation, which must hold no calls and no agents; verified before anything is written",
      request: {
        body: {
          required: true,
          content: { "application/zip": { schema: z.any().openapi({ format: "binary" }) } },
        },
      },
      responses: {
        202: json(Job, "Started"),
        409: problem("The organisation is not empty"),
        422: problem("Not a backup made by this platform, or altered (signature, directory or an entry)"),
      },
    }),
    async (c) => {
      const len = Number(c.req.header("content-length") ?? Number.NaN);
      if (!Number.isFinite(len) || len <= 0) throw new ApiError("length_required", "Send Content-Length");
      const max = Number(c.env.MAX_UPLOAD_BYTES);
      if (len > max) throw new ApiError("payload_too_large", `At most ${max} bytes`);
      if (!c.req.raw.body) throw new ApiError("validation_failed", "Send the ZIP as the body");
      return c.json(await startRestore(c.get("ctx"), c.req.raw.body, len), 202);
    },
  );
}
