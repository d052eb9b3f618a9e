import { and, eq, lt } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { idempotencyKeys } from "../../db/schema/control";
import { sha256Hex } from "./crypto";
import { ApiError } from "./errors";

/**
 * `Idempotency-Key` store (E3), per tenant, kept 24 h. `begin` claims the key (a unique index
 * makes concurrent claims safe) or returns the stored response of an earlier identical request;
 * `complete` stores the response; `abandon` frees the key after a server error so a retry runs.
 */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

export interface StoredResponse {
  status: number;
  body: string;
  contentType: string;
}

export async function beginIdempotent(
  env: Env,
  tenantId: string,
  key: string,
  request: { method: string; path: string; body: string },
): Promise<{ replay: StoredResponse } | { claimed: true }> {
  if (key.length > 255 || !/^[\x21-\x7e]+$/.test(key))
    throw new ApiError("validation_failed", "Idempotency-Key must be 1–255 visible ASCII characters");
  const db = controlDb(env);
  const requestHash = await sha256Hex(`${request.method} ${request.path}\n${request.body}`);
  const now = Date.now();
  const where = and(eq(idempotencyKeys.tenantId, tenantId), eq(idempotencyKeys.key, key));
  await db.delete(idempotencyKeys).where(and(where, lt(idempotencyKeys.createdAt, now - IDEMPOTENCY_TTL_MS)));
  const inserted = await db
    .insert(idempotencyKeys)
    .values({ tenantId, key, method: request.method, path: request.path, requestHash, createdAt: now })
    .onConflictDoNothing()
    .returning();
  if (inserted.length) return { claimed: true };
  const prior = await db.query.idempotencyKeys.findFirst({ where });
  if (!prior || prior.requestHash !== requestHash)
    throw new ApiError("idempotency_conflict", "This Idempotency-Key was used with a different request");
  if (prior.status == null)
    throw new ApiError("idempotency_in_progress", "The first request with this key is still running");
  return {
    replay: {
      status: prior.status,
      body: prior.body ?? "",
      contentType: prior.contentType ?? "application/json",
    },
  };
}

export async function completeIdempotent(
  env: Env,
  tenantId: string,
  key: string,
  res: StoredResponse,
): Promise<void> {
  await controlDb(env)
    .update(idempotencyKeys)
    .set({ status: res.status, body: res.body, contentType: res.contentType })
    .where(and(eq(idempotencyKeys.tenantId, tenantId), eq(idempotencyKeys.key, key)));
}

export async function abandonIdempotent(env: Env, tenantId: string, key: string): Promise<void> {
  await controlDb(env)
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.tenantId, tenantId), eq(idempotencyKeys.key, key)));
}

export async function purgeIdempotencyKeys(env: Env, now = Date.now()): Promise<void> {
  await controlDb(env)
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, now - IDEMPOTENCY_TTL_MS));
}
