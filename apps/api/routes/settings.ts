import { type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  getLocationSettings,
  getProviderSettings,
  getRedactionSettings,
  getSecuritySettings,
  updateLocationSettings,
  updateProviderSettings,
  updateRedactionSettings,
  updateSecuritySettings,
} from "../../../core/settings";
import type { AppEnv } from "../../types";
import { apiRoute, json, jsonBody } from "../openapi";

const Location = z
  .object({
    location: z.enum(["eu", "us"]),
    processingScope: z.enum(["in_region", "international"]),
    shard: z.string(),
  })
  .openapi("LocationSettings");
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

export function registerSettings(api: OpenAPIHono<AppEnv>) {
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
      summary: "Change the processing scope (a location change runs as a migration job)",
      request: {
        body: jsonBody(
          z.object({
            location: z.enum(["eu", "us"]).optional(),
            processingScope: z.enum(["in_region", "international"]).optional(),
          }),
        ),
      },
      responses: { 200: json(Location), 409: json(z.any(), "Location change needs the migration job") },
    }),
    async (c) => c.json(await updateLocationSettings(c.get("ctx"), c.req.valid("json")), 200),
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
}
