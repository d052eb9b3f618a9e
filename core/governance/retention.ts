import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import { dataPlane } from "../../db/resolver";
import { type Tenant, tenants } from "../../db/schema/control";
import { calls } from "../../db/schema/data";
import { findCall } from "../calls/service";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { ApiError } from "../platform/errors";

/**
 * Retention per data category (F1). Defaults follow CNIL guidance for call recording and
 * quality monitoring; a value above the guidance needs an explicit acknowledgement; security and
 * connection logs have a platform floor of 6 months; billing records are fixed at 10 years and are
 * not tenant-editable. Enforcement (the daily purge) is the governance work of issue #5; this
 * module is the single source of the rules it will apply.
 */
const DAY = 1;
const MONTH = 30.5 * DAY;

export const RETENTION_CATEGORIES = [
  "recordings",
  "transcripts",
  "analyses",
  "exports",
  "connectionLogs",
  "auditLog",
  "supportTickets",
] as const;
export type RetentionCategory = (typeof RETENTION_CATEGORIES)[number];

interface Rule {
  /** Default and CNIL guidance, in days. */
  guidanceDays: number;
  /** The lowest value a tenant may set (platform floor). */
  floorDays: number;
}

export const RETENTION_RULES: Record<RetentionCategory, Rule> = {
  recordings: { guidanceDays: Math.round(6 * MONTH), floorDays: 1 },
  transcripts: { guidanceDays: Math.round(6 * MONTH), floorDays: 1 },
  analyses: { guidanceDays: Math.round(12 * MONTH), floorDays: 1 },
  exports: { guidanceDays: 30, floorDays: 1 },
  connectionLogs: { guidanceDays: Math.round(12 * MONTH), floorDays: Math.round(6 * MONTH) },
  auditLog: { guidanceDays: Math.round(12 * MONTH), floorDays: Math.round(6 * MONTH) },
  /**
   * Closed support tickets (messages, grants and their read log, attachments), counted from the
   * ticket's last activity once it is resolved or closed. CNIL has no figure for support
   * threads; 24 months is the platform's default (a ticket can be cited in a later dispute
   * about the service), lowerable by the tenant. Open tickets are never purged.
   */
  supportTickets: { guidanceDays: Math.round(24 * MONTH), floorDays: 1 },
};
export const BILLING_RETENTION_YEARS = 10;
const MAX_DAYS = 3650;

export interface RetentionView {
  categories: Record<
    RetentionCategory,
    { days: number; guidanceDays: number; floorDays: number; aboveGuidance: boolean }
  >;
  billingYears: number;
  acknowledgedAboveGuidanceAt: string | null;
  legalHold: { reason: string; since: string } | null;
}

export function effectiveRetention(tenant: Pick<Tenant, "retention">): Record<RetentionCategory, number> {
  const out = {} as Record<RetentionCategory, number>;
  for (const c of RETENTION_CATEGORIES) out[c] = tenant.retention?.[c] ?? RETENTION_RULES[c].guidanceDays;
  return out;
}

export function getRetention(ctx: Ctx): RetentionView {
  const eff = effectiveRetention(ctx.tenant);
  const categories = {} as RetentionView["categories"];
  for (const c of RETENTION_CATEGORIES) {
    const r = RETENTION_RULES[c];
    categories[c] = {
      days: eff[c],
      guidanceDays: r.guidanceDays,
      floorDays: r.floorDays,
      aboveGuidance: eff[c] > r.guidanceDays,
    };
  }
  return {
    categories,
    billingYears: BILLING_RETENTION_YEARS,
    acknowledgedAboveGuidanceAt: ctx.tenant.retentionAcknowledgedAt
      ? new Date(ctx.tenant.retentionAcknowledgedAt).toISOString()
      : null,
    legalHold:
      ctx.tenant.legalHoldReason && ctx.tenant.legalHoldAt
        ? { reason: ctx.tenant.legalHoldReason, since: new Date(ctx.tenant.legalHoldAt).toISOString() }
        : null,
  };
}

const days = z.number().int().min(1).max(MAX_DAYS);
export const retentionInputSchema = z
  .object({
    recordings: days.optional(),
    transcripts: days.optional(),
    analyses: days.optional(),
    exports: days.optional(),
    connectionLogs: days.optional(),
    auditLog: days.optional(),
    supportTickets: days.optional(),
    /** Required when a value exceeds the CNIL guidance. */
    acknowledgeAboveGuidance: z.boolean().optional(),
  })
  .strict();

export async function updateRetention(
  ctx: Ctx,
  raw: z.input<typeof retentionInputSchema>,
): Promise<RetentionView> {
  const input = retentionInputSchema.parse(raw);
  const next = { ...(ctx.tenant.retention ?? {}) } as Partial<Record<RetentionCategory, number>>;
  const errors: { pointer: string; detail: string }[] = [];
  let above = false;
  for (const c of RETENTION_CATEGORIES) {
    const v = input[c];
    if (v === undefined) continue;
    const r = RETENTION_RULES[c];
    if (v < r.floorDays)
      errors.push({
        pointer: `/${c}`,
        detail: `at least ${r.floorDays} days (platform floor for security logs)`,
      });
    if (v > r.guidanceDays) above = true;
    next[c] = v;
  }
  if (errors.length)
    throw new ApiError("validation_failed", "Some retention values are below the platform floor", {
      errors,
      messageKey: "error.retention_floor",
    });
  if (above && !input.acknowledgeAboveGuidance)
    throw new ApiError(
      "validation_failed",
      "Values above the CNIL guidance need acknowledgeAboveGuidance: true",
      {
        errors: [{ pointer: "/acknowledgeAboveGuidance", detail: "required for values above the guidance" }],
        messageKey: "error.retention_ack",
      },
    );
  const now = Date.now();
  const patch = {
    retention: next,
    retentionAcknowledgedAt: above ? now : ctx.tenant.retentionAcknowledgedAt,
    updatedAt: now,
  };
  await controlDb(ctx.env).update(tenants).set(patch).where(eq(tenants.id, ctx.tenant.id));
  await auditCtx(ctx, "settings.retention_changed", "tenant", ctx.tenant.id, {
    // One string value: audit meta keys may not look like content ("transcripts" would).
    changed: RETENTION_CATEGORIES.filter((c) => input[c] !== undefined)
      .map((c) => `${c}=${input[c]}`)
      .join(" "),
    aboveGuidance: above,
  });
  Object.assign(ctx.tenant, patch);
  return getRetention(ctx);
}

/** A legal hold on the whole tenant (F1): recorded with a reason; wins over retention and erasure. */
export async function setLegalHold(ctx: Ctx, reason: string | null): Promise<RetentionView> {
  const clean = reason?.trim() || null;
  if (reason !== null && (!clean || clean.length > 500))
    throw new ApiError("validation_failed", "A legal hold needs a reason (1–500 characters)", {
      errors: [{ pointer: "/reason", detail: "required" }],
    });
  const now = Date.now();
  const patch = { legalHoldReason: clean, legalHoldAt: clean ? now : null, updatedAt: now };
  await controlDb(ctx.env).update(tenants).set(patch).where(eq(tenants.id, ctx.tenant.id));
  await auditCtx(
    ctx,
    clean ? "settings.legal_hold_set" : "settings.legal_hold_lifted",
    "tenant",
    ctx.tenant.id,
  );
  Object.assign(ctx.tenant, patch);
  return getRetention(ctx);
}

/** A legal hold on one call (F1): kept past retention and erasure while set, with a reason. */
export async function setCallLegalHold(ctx: Ctx, callId: string, reason: string | null) {
  const clean = reason?.trim() || null;
  if (reason !== null && (!clean || clean.length > 500))
    throw new ApiError("validation_failed", "A legal hold needs a reason (1–500 characters)", {
      errors: [{ pointer: "/reason", detail: "required" }],
    });
  const call = await findCall(ctx, callId); // 404 for another tenant's or an unseen call
  const now = Date.now();
  await dataPlane(ctx.env, ctx.tenant)
    .db.update(calls)
    .set({ legalHoldReason: clean, legalHoldAt: clean ? now : null, updatedAt: now })
    .where(and(eq(calls.tenantId, ctx.tenant.id), eq(calls.id, call.id)));
  await auditCtx(ctx, clean ? "call.legal_hold_set" : "call.legal_hold_lifted", "call", call.id);
  return { callId: call.id, legalHold: clean ? { reason: clean, since: new Date(now).toISOString() } : null };
}
