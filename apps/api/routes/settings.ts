import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { getRetention, setLegalHold, updateRetention } from "../../../core/governance/retention";
import {
  getLocationSettings,
  getProviderSettings,
  getRedactionSettings,
  getSecuritySettings,
  updateLocationSettings,
  updateProviderSettings,
  updateRedactionSettings,
  updateSecuritySettings,
  updateTimeZone,
} from "../../../core/governance/settings";
import { NOTICE_LANGUAGES, noticeTexts } from "../../../core/privacy/recording-notices";

import type { AppEnv } from "../../types";
import { apiRoute, json, jsonBody, problem } from "../openapi";
import { Job } from "./governance";

const Location = z
  .object({
    location: z.enum(["eu", "us"]),
    processingScope: z.enum(["in_region", "international"]),
    shard: z.string(),
    moving: z
      .boolean()
      .openapi({ description: "A location move is running; writes to call data are refused" }),
  })
  .openapi("LocationSettings");
const TimeZone = z
  .object({ timeZone: z.string().openapi({ example: "America/New_York" }) })
  .openapi("TimeZoneSettings");
const Notices = z
  .object({ language: z.enum(NOTICE_LANGUAGES), caller: z.string(), agents: z.string() })
  .openapi("NoticeTemplates");
const Security = z
  .object({ requireMfa: z.boolean(), passwordLoginEnabled: z.boolean() })
  .openapi("SecuritySettings");

const Redaction = z
  .object({
    patterns: z.array(
      z.object({
        name: z.string().openapi({ example: "contract" }),
        pattern: z.string().openapi({ example: "CT-\\d{8}" }),
      }),
    ),
  })
  .openapi("RedactionSettings");

const Providers = z
  .object({
    speechProvider: z.enum(["none", "deepgram", "openai", "assemblyai"]),
    analysisProvider: z.enum(["builtin", "openai", "anthropic"]),
    keysSet: z
      .array(z.string())
      .openapi({ description: "Providers for which the tenant stored its own key (never shown)" }),
  })
  .openapi("ProviderSettings");

const cat = z.object({
  days: z.number(),
  guidanceDays: z.number(),
  floorDays: z.number(),
  aboveGuidance: z.boolean(),
});
const Retention = z
  .object({
    categories: z.object({
      recordings: cat,
      transcripts: cat,
      analyses: cat,
      exports: cat,
      connectionLogs: cat,
      auditLog: cat,
      supportTickets: cat,
    }),
    billingYears: z.number(),
    acknowledgedAboveGuidanceAt: z.string().nullable(),
    legalHold: z.object({ reason: z.string(), since: z.string() }).nullable(),
  })
  .openapi("RetentionSettings");
const days = z.number().int().min(1).max(3650).optional();

export function registerSettings(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/settings/retention",
      tags: ["Settings"],
      summary: "Retention per data category (days), with the CNIL guidance and the platform floors",
      responses: { 200: json(Retention) },
    }),
    (c) => c.json(getRetention(c.get("ctx")), 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "put",
      path: "/settings/retention",
      tags: ["Settings"],
      summary: "Change retention; values above the CNIL guidance need acknowledgeAboveGuidance: true",
      request: {
        body: jsonBody(
          z
            .object({
              recordings: days,
              transcripts: days,
              analyses: days,
              exports: days,
              connectionLogs: days,
              auditLog: days,
              supportTickets: days,
              acknowledgeAboveGuidance: z.boolean().optional(),
            })
            .strict(),
        ),
      },
      responses: { 200: json(Retention) },
    }),
    async (c) => c.json(await updateRetention(c.get("ctx"), c.req.valid("json")), 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "put",
      path: "/settings/legal-hold",
      tags: ["Settings"],
      summary: "Put the whole tenant under legal hold (wins over retention and erasure), with a reason",
      request: { body: jsonBody(z.object({ reason: z.string().min(1).max(500) })) },
      responses: { 200: json(Retention) },
    }),
    async (c) => c.json(await setLegalHold(c.get("ctx"), c.req.valid("json").reason), 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "delete",
      path: "/settings/legal-hold",
      tags: ["Settings"],
      summary: "Lift the tenant's legal hold",
      responses: { 200: json(Retention) },
    }),
    async (c) => c.json(await setLegalHold(c.get("ctx"), null), 200),
  );

  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/settings/providers",
      tags: ["Settings"],
      summary: "Speech-to-text and analysis providers",
      responses: { 200: json(Providers) },
    }),
    async (c) => c.json(await getProviderSettings(c.get("ctx")), 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "put",
      path: "/settings/providers",
      tags: ["Settings"],
      summary:
        "Choose providers (refused when the location and processing scope do not allow them) and store keys (encrypted)",
      request: {
        body: jsonBody(
          z.object({
            speechProvider: z.enum(["none", "deepgram", "openai", "assemblyai"]).optional(),
            analysisProvider: z.enum(["builtin", "openai", "anthropic"]).optional(),
            keys: z
              .object({
                deepgram: z.string().max(500).optional(),
                openai: z.string().max(500).optional(),
                assemblyai: z.string().max(500).optional(),
                anthropic: z.string().max(500).optional(),
              })
              .strict()
              .optional()
              .openapi({ description: 'Write-only; "" removes a key' }),
          }),
        ),
      },
      responses: { 200: json(Providers) },
    }),
    async (c) => c.json(await updateProviderSettings(c.get("ctx"), c.req.valid("json")), 200),
  );

  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/settings/redaction",
      tags: ["Settings"],
      summary: "Tenant redaction patterns (added to the built-in card, IBAN, NIR and e-mail redaction)",
      responses: { 200: json(Redaction) },
    }),
    (c) => c.json(getRedactionSettings(c.get("ctx")), 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "put",
      path: "/settings/redaction",
      tags: ["Settings"],
      summary: "Replace the tenant redaction patterns (regular expressions, checked for safety)",
      request: { body: jsonBody(Redaction) },
      responses: { 200: json(Redaction) },
    }),
    async (c) => c.json(await updateRedactionSettings(c.get("ctx"), c.req.valid("json")), 200),
  );

  api.openapi(
    apiRoute("tenant:read", {
      method: "get",
      path: "/settings/location",
      tags: ["Settings"],
      summary: "Data location and processing scope",
      responses: { 200: json(Location) },
    }),
    (c) => c.json(getLocationSettings(c.get("ctx")), 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "put",
      path: "/settings/location",
      tags: ["Settings"],
      summary:
        "Change the processing scope; a different location starts the migration job (202, with the job: copy, verify by checksum, switch, delete the source). A transfer outside the EU (an EU tenant moving to `us`, or opening `international` processing) needs a key created by an owner and `confirmName`; every owner and admin is mailed.",
      request: {
        body: jsonBody(
          z.object({
            location: z.enum(["eu", "us"]).optional(),
            processingScope: z.enum(["in_region", "international"]).optional(),
            confirmName: z.string().max(200).optional().openapi({
              description:
                "The organisation's exact name; required for a transfer outside the EU (GDPR art. 44–46)",
            }),
          }),
        ),
      },
      responses: {
        200: json(Location.extend({ migration: z.null() })),
        202: json(Location.extend({ migration: Job }), "The migration job started (or was already running)"),
        400: problem("A transfer outside the EU without the organisation's exact name in confirmName"),
        403: problem("A transfer outside the EU by a key whose creator is not an owner"),
        409: problem("Same location, or another job holds the data"),
      },
    }),
    async (c) => {
      const out = await updateLocationSettings(c.get("ctx"), c.req.valid("json"));
      return out.migration ? c.json(out, 202) : c.json({ ...out, migration: null }, 200);
    },
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/settings/security",
      tags: ["Settings"],
      summary: "Second-factor requirement and password login",
      responses: { 200: json(Security) },
    }),
    (c) => c.json(getSecuritySettings(c.get("ctx")), 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "put",
      path: "/settings/security",
      tags: ["Settings"],
      summary: "Require a second factor for owners and administrators",
      request: {
        body: jsonBody(
          z.object({ requireMfa: z.boolean().optional(), passwordLoginEnabled: z.boolean().optional() }),
        ),
      },
      responses: { 200: json(Security) },
    }),
    async (c) => c.json(await updateSecuritySettings(c.get("ctx"), c.req.valid("json")), 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/settings/time-zone",
      tags: ["Settings"],
      summary: "The organisation's time zone (dates on its pages, exports and mails; its days)",
      responses: { 200: json(TimeZone) },
    }),
    (c) => c.json({ timeZone: c.get("ctx").tenant.timeZone }, 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "put",
      path: "/settings/time-zone",
      tags: ["Settings"],
      summary: "Change the organisation's time zone (an IANA name; an unknown one is a 400 problem)",
      request: { body: jsonBody(z.object({ timeZone: z.string().max(64) })) },
      responses: { 200: json(TimeZone) },
    }),
    async (c) => c.json(await updateTimeZone(c.get("ctx"), c.req.valid("json")), 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/recording-notices",
      tags: ["Settings"],
      summary:
        "Notice templates for the people recorded (callers, agents), filled with the organisation's settings",
      request: { query: z.object({ lang: z.enum(NOTICE_LANGUAGES).optional() }) },
      responses: { 200: json(Notices) },
    }),
    (c) => {
      const ctx = c.get("ctx");
      const language = c.req.valid("query").lang ?? (ctx.tenant.defaultLocale === "en" ? "en" : "fr");
      return c.json({ language, ...noticeTexts(ctx, language) }, 200);
    },
  );
}
