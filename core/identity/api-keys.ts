import { and, desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { controlDb } from "../../db/client";
import { type ApiKey, apiKeys, type Tenant, tenants } from "../../db/schema/control";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId, randomToken, sha256Hex } from "../platform/crypto";
import { instantSchema } from "../platform/dates";
import { ApiError, notFound } from "../platform/errors";
import { SCOPE_NAMES } from "../platform/rbac";
import { checkApiKeyNetwork } from "./abuse";
import { logConnection } from "./connection-log";

/**
 * API keys (A6): `ccr_live_` + 160 random bits (32 base32 chars). Shown once; stored as SHA-256 —
 * a fast hash is right for high-entropy secrets and keeps authentication at one indexed lookup.
 */
export const KEY_PREFIX = "ccr_live_";
const KEY_RE = /^ccr_live_[a-z2-7]{32}$/;
/** last_used_at is written at most once a minute per key (and logged as a connection). */
const TOUCH_EVERY_MS = 60_000;

export const createKeySchema = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(SCOPE_NAMES)).min(1).max(SCOPE_NAMES.length),
  expiresAt: instantSchema.optional().nullable(),
});

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
  lastUsedIp: string | null;
}

const view = (k: ApiKey): ApiKeyView => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  createdAt: k.createdAt,
  expiresAt: k.expiresAt,
  revokedAt: k.revokedAt,
  lastUsedAt: k.lastUsedAt,
  lastUsedIp: k.lastUsedIp,
});

export async function createApiKey(
  ctx: Ctx,
  raw: z.input<typeof createKeySchema>,
): Promise<ApiKeyView & { key: string }> {
  const input = createKeySchema.parse(raw);
  if (input.expiresAt != null && input.expiresAt <= Date.now())
    throw new ApiError("validation_failed", "expiresAt must be in the future", {
      errors: [{ pointer: "/expiresAt", detail: "must be in the future" }],
      messageKey: "error.expiry_invalid",
    });
  const key = KEY_PREFIX + randomToken(20);
  const row: ApiKey = {
    id: newId("key"),
    tenantId: ctx.tenant.id,
    name: input.name,
    prefix: key.slice(0, 13),
    keyHash: await sha256Hex(key),
    scopes: [...new Set(input.scopes)],
    createdBy: ctx.actor.id ?? "system",
    createdAt: Date.now(),
    expiresAt: input.expiresAt ?? null,
    revokedAt: null,
    lastUsedAt: null,
    lastUsedIp: null,
  };
  await controlDb(ctx.env).insert(apiKeys).values(row);
  await auditCtx(ctx, "api_key.created", "api_key", row.id, { scopes: row.scopes.join(" ") });
  return { ...view(row), key };
}

export async function listApiKeys(ctx: Ctx): Promise<ApiKeyView[]> {
  const rows = await controlDb(ctx.env)
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.tenantId, ctx.tenant.id))
    .orderBy(desc(apiKeys.createdAt));
  return rows.map(view);
}

export async function getApiKey(ctx: Ctx, id: string): Promise<ApiKeyView> {
  const k = await controlDb(ctx.env).query.apiKeys.findFirst({
    where: and(eq(apiKeys.id, id), eq(apiKeys.tenantId, ctx.tenant.id)),
  });
  if (!k) throw notFound("API key");
  return view(k);
}

/** Revocation is effective at once: authentication reads the row on every request. */
export async function revokeApiKey(ctx: Ctx, id: string): Promise<void> {
  const db = controlDb(ctx.env);
  const k = await db.query.apiKeys.findFirst({
    where: and(eq(apiKeys.id, id), eq(apiKeys.tenantId, ctx.tenant.id)),
  });
  if (!k) throw notFound("API key");
  if (k.revokedAt) return;
  await db
    .update(apiKeys)
    .set({ revokedAt: Date.now() })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)));
  await auditCtx(ctx, "api_key.revoked", "api_key", id);
}

/** Bearer authentication: one indexed read (key joined with its tenant). Null when unusable. */
export async function authenticateApiKey(
  env: Env,
  presented: string,
  ip: string | null,
  userAgent: string | null,
): Promise<{ key: ApiKey; tenant: Tenant } | null> {
  if (!KEY_RE.test(presented)) return null;
  const db = controlDb(env);
  const [row] = await db
    .select({ key: apiKeys, tenant: tenants })
    .from(apiKeys)
    .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
    .where(eq(apiKeys.keyHash, await sha256Hex(presented)))
    .limit(1);
  if (!row) return null;
  const now = Date.now();
  if (row.key.revokedAt || (row.key.expiresAt !== null && row.key.expiresAt <= now)) return null;
  if (row.tenant.status !== "active" && row.tenant.status !== "ending") return null;
  if (!row.key.lastUsedAt || now - row.key.lastUsedAt >= TOUCH_EVERY_MS || row.key.lastUsedIp !== ip) {
    await db.update(apiKeys).set({ lastUsedAt: now, lastUsedIp: ip }).where(eq(apiKeys.id, row.key.id));
    if (row.key.lastUsedIp !== ip) await checkApiKeyNetwork(env, row.tenant.id, row.key.id, ip);
    await logConnection(env, {
      tenantId: row.tenant.id,
      subjectType: "api_key",
      subjectId: row.key.id,
      event: "api_key_use",
      ip,
      userAgent,
    });
  }
  return row;
}
