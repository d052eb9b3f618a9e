import { eq } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import { dataPlane } from "../../db/resolver";
import { tenants } from "../../db/schema/control";
import { compileTenantPatterns, MAX_TENANT_PATTERNS, RedactionPatternError } from "../content/redaction";
import { ssoReady } from "../identity/sso";
import { markAllKpiDaysDirty } from "../insights/kpis";
import { rescheduleReports } from "../insights/reports";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { decryptString, encryptString } from "../platform/crypto";
import { checkTimeZone } from "../platform/dates";
import { ApiError } from "../platform/errors";
import { enqueueJob } from "../platform/jobs";
import { decideProcessing } from "../policy/processing";
import { latestLocationMigration, startLocationMigration } from "./location-migration";
import { recordTransfer, requireTransferConsent, transferOf, transferPreview } from "./transfers";

/** Data location and processing scope (F2). The location itself moves only through the migration job. */
export const locationSettingsSchema = z.object({
  location: z.enum(["eu", "us"]).optional(),
  processingScope: z.enum(["in_region", "international"]).optional(),
  /** The organisation's exact name: required for a transfer outside the EU (core/governance/transfers.ts). */
  confirmName: z.string().max(200).optional(),
});

export function getLocationSettings(ctx: Ctx) {
  return {
    location: ctx.tenant.location,
    processingScope: ctx.tenant.processingScope,
    shard: ctx.tenant.shard,
    /** True while a location move holds the data (writes refused until it ends). */
    moving: ctx.tenant.writeLock === "location_migration",
  };
}

export async function updateLocationSettings(ctx: Ctx, raw: z.input<typeof locationSettingsSchema>) {
  const input = locationSettingsSchema.parse(raw);
  const transfer = transferOf(ctx.tenant, input);
  if (transfer) await requireTransferConsent(ctx, transfer, input.confirmName);
  // Described before the change, as the owner saw it when confirming.
  const preview = transfer ? await transferPreview(ctx, transfer) : null;
  // The same move asked again (a double submit, a client retry) returns the running job: it was
  // recorded and mailed when it started.
  const repeated = transfer === "location_us" && (await moveUnderWay(ctx));
  const out = await applyLocationSettings(ctx, input);
  if (transfer && preview && !repeated) await recordTransfer(ctx, transfer, preview);
  return out;
}

async function moveUnderWay(ctx: Ctx): Promise<boolean> {
  const move = await latestLocationMigration(ctx);
  return move !== null && (move.status === "queued" || move.status === "running");
}

async function applyLocationSettings(ctx: Ctx, input: z.output<typeof locationSettingsSchema>) {
  if (input.location && input.location !== ctx.tenant.location) {
    // Moving the data is a job (copy, verify, switch, delete the source); the new processing
    // scope, if any, applies at the switch. Into the EU, a scope not asked for is in_region:
    // keeping `international` would open processing of EU data outside the EU without the owner
    // (transferOf treats asking for it as a transfer).
    const intoEu = input.location === "eu" && ctx.tenant.location !== "eu";
    const migration = await startLocationMigration(ctx, {
      location: input.location,
      processingScope: input.processingScope ?? (intoEu ? "in_region" : undefined),
    });
    return { ...getLocationSettings(ctx), migration };
  }
  if (input.processingScope && input.processingScope !== ctx.tenant.processingScope) {
    await refuseWhileMoving(ctx);
    await controlDb(ctx.env)
      .update(tenants)
      .set({ processingScope: input.processingScope, updatedAt: Date.now() })
      .where(eq(tenants.id, ctx.tenant.id));
    await auditCtx(ctx, "settings.processing_scope_changed", "tenant", ctx.tenant.id, {
      from: ctx.tenant.processingScope,
      to: input.processingScope,
    });
    ctx.tenant.processingScope = input.processingScope;
  }
  return { ...getLocationSettings(ctx), migration: null };
}

/**
 * The scope is chosen with a move, not during one: until the switch the tenant still has its old
 * location, so a scope changed meanwhile would be judged for the wrong side of the border (a US
 * tenant moving into the EU could open international processing without the owner) and then be
 * overwritten or carried over at the switch.
 */
async function refuseWhileMoving(ctx: Ctx) {
  if (await moveUnderWay(ctx))
    throw new ApiError(
      "conflict",
      "A location move is under way; the processing scope can be changed once it has ended",
      { messageKey: "settings.error.scope_while_moving" },
    );
}

export const securitySettingsSchema = z.object({
  requireMfa: z.boolean().optional(),
  passwordLoginEnabled: z.boolean().optional(),
});

export function getSecuritySettings(ctx: Ctx) {
  return { requireMfa: ctx.tenant.requireMfa, passwordLoginEnabled: ctx.tenant.passwordLoginEnabled };
}

export async function updateSecuritySettings(ctx: Ctx, raw: z.input<typeof securitySettingsSchema>) {
  const input = securitySettingsSchema.parse(raw);
  if (input.passwordLoginEnabled === false && !(await ssoReady(ctx.env, ctx.tenant.id)))
    throw new ApiError(
      "conflict",
      "Password login can be turned off only once single sign-on is configured for the tenant.",
      { messageKey: "error.sso_required" },
    );
  if (
    input.passwordLoginEnabled !== undefined &&
    input.passwordLoginEnabled !== ctx.tenant.passwordLoginEnabled
  ) {
    await controlDb(ctx.env)
      .update(tenants)
      .set({ passwordLoginEnabled: input.passwordLoginEnabled, updatedAt: Date.now() })
      .where(eq(tenants.id, ctx.tenant.id));
    await auditCtx(ctx, "settings.password_login_changed", "tenant", ctx.tenant.id, {
      to: input.passwordLoginEnabled,
    });
    ctx.tenant.passwordLoginEnabled = input.passwordLoginEnabled;
  }
  if (input.requireMfa !== undefined && input.requireMfa !== ctx.tenant.requireMfa) {
    await controlDb(ctx.env)
      .update(tenants)
      .set({ requireMfa: input.requireMfa, updatedAt: Date.now() })
      .where(eq(tenants.id, ctx.tenant.id));
    await auditCtx(ctx, "settings.require_mfa_changed", "tenant", ctx.tenant.id, { to: input.requireMfa });
    ctx.tenant.requireMfa = input.requireMfa;
  }
  return getSecuritySettings(ctx);
}

/** Tenant redaction patterns (C12), applied with the built-in ones to every transcript. */
export const redactionSettingsSchema = z.object({
  patterns: z.array(z.object({ name: z.string(), pattern: z.string() })).max(MAX_TENANT_PATTERNS),
});

export function getRedactionSettings(ctx: Ctx) {
  return { patterns: ctx.tenant.redactionPatterns ?? [] };
}

export async function updateRedactionSettings(ctx: Ctx, raw: z.input<typeof redactionSettingsSchema>) {
  const input = redactionSettingsSchema.parse(raw);
  try {
    compileTenantPatterns(input.patterns);
  } catch (e) {
    if (e instanceof RedactionPatternError) {
      const i = input.patterns.findIndex((p) => p.name === e.patternName);
      throw new ApiError("validation_failed", e.message, {
        errors: [{ pointer: i >= 0 ? `/patterns/${i}/pattern` : "/patterns", detail: e.message }],
      });
    }
    throw e;
  }
  await controlDb(ctx.env)
    .update(tenants)
    .set({ redactionPatterns: input.patterns, updatedAt: Date.now() })
    .where(eq(tenants.id, ctx.tenant.id));
  await auditCtx(ctx, "settings.redaction_patterns_changed", "tenant", ctx.tenant.id, {
    count: input.patterns.length,
  });
  ctx.tenant.redactionPatterns = input.patterns;
  return getRedactionSettings(ctx);
}

/** Providers (C11): speech-to-text and analysis, constrained by the data location (F2). */
export const providerSettingsSchema = z.object({
  speechProvider: z.enum(["none", "deepgram", "openai", "assemblyai"]).optional(),
  analysisProvider: z.enum(["builtin", "openai", "anthropic"]).optional(),
  /** The tenant's own API keys (write-only; "" removes one). */
  keys: z
    .object({
      deepgram: z.string().max(500).optional(),
      openai: z.string().max(500).optional(),
      assemblyai: z.string().max(500).optional(),
      anthropic: z.string().max(500).optional(),
    })
    .optional(),
});

export async function getProviderSettings(ctx: Ctx) {
  const keys = ctx.tenant.providerKeysEnc
    ? (JSON.parse(
        await decryptString(ctx.env.ENCRYPTION_KEY, ctx.tenant.providerKeysEnc, `providers:${ctx.tenant.id}`),
      ) as Record<string, string>)
    : {};
  return {
    speechProvider: ctx.tenant.speechProvider,
    analysisProvider: ctx.tenant.analysisProvider,
    keysSet: Object.keys(keys)
      .filter((k) => keys[k])
      .sort(),
  };
}

export async function updateProviderSettings(ctx: Ctx, raw: z.input<typeof providerSettingsSchema>) {
  const input = providerSettingsSchema.parse(raw);
  for (const [field, provider] of [
    ["speechProvider", input.speechProvider],
    ["analysisProvider", input.analysisProvider],
  ] as const) {
    if (!provider || provider === "none" || provider === "builtin") continue;
    const d = decideProcessing({ tenant: ctx.tenant, provider });
    if (!d.allowed)
      throw new ApiError("validation_failed", d.detail, {
        errors: [{ pointer: `/${field}`, detail: d.detail }],
        messageKey: "error.provider_not_allowed",
      });
  }
  let providerKeysEnc = ctx.tenant.providerKeysEnc;
  if (input.keys) {
    const current = providerKeysEnc
      ? (JSON.parse(
          await decryptString(ctx.env.ENCRYPTION_KEY, providerKeysEnc, `providers:${ctx.tenant.id}`),
        ) as Record<string, string>)
      : {};
    for (const [k, v] of Object.entries(input.keys)) {
      if (v === undefined) continue;
      if (v === "") delete current[k];
      else current[k] = v;
    }
    providerKeysEnc = await encryptString(
      ctx.env.ENCRYPTION_KEY,
      JSON.stringify(current),
      `providers:${ctx.tenant.id}`,
    );
  }
  const patch = {
    speechProvider: input.speechProvider ?? ctx.tenant.speechProvider,
    analysisProvider: input.analysisProvider ?? ctx.tenant.analysisProvider,
    providerKeysEnc,
    updatedAt: Date.now(),
  };
  await controlDb(ctx.env).update(tenants).set(patch).where(eq(tenants.id, ctx.tenant.id));
  await auditCtx(ctx, "settings.providers_changed", "tenant", ctx.tenant.id, {
    speech: patch.speechProvider,
    analysis: patch.analysisProvider,
    credentialsUpdated: Boolean(input.keys),
  });
  Object.assign(ctx.tenant, patch);
  return getProviderSettings(ctx);
}

/** The organisation's time zone (dates on its pages, exports and mails; its days in dashboards). */
export async function updateTimeZone(ctx: Ctx, raw: { timeZone?: unknown }) {
  const timeZone = checkTimeZone(raw.timeZone);
  const before = ctx.tenant.timeZone;
  await controlDb(ctx.env)
    .update(tenants)
    .set({ timeZone, updatedAt: Date.now() })
    .where(eq(tenants.id, ctx.tenant.id));
  ctx.tenant.timeZone = timeZone;
  await auditCtx(ctx, "settings.time_zone_changed", "tenant", ctx.tenant.id, { before, after: timeZone });
  if (timeZone !== before) {
    // The daily figures were summed over the old zone's days: every day is rebuilt in the new one.
    await markAllKpiDaysDirty(dataPlane(ctx.env, ctx.tenant));
    await enqueueJob(ctx.env, { type: "kpi.rollup", tenantId: ctx.tenant.id });
    // Scheduled reports go out at 06:00 local: their pending runs move to the new zone's 06:00.
    await rescheduleReports(ctx.env, ctx.tenant.id, before, timeZone);
  }
  return { timeZone };
}
