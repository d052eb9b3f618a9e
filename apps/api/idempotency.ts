import { and, eq, lt } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import { sha256Hex } from "../../core/crypto";
import { ApiError } from "../../core/errors";
import { controlDb } from "../../db/client";
import { idempotencyKeys } from "../../db/schema/control";
import type { AppEnv } from "../types";

/**
 * `Idempotency-Key` on POST (E3). The first request with a key runs and its response (status
 * < 500) is stored for 24 h; a retry with the same key and body gets the stored response
 * (`Idempotent-Replayed: true`); the same key with another body → 409; while the first is still
 * running → 409. Keys are per tenant. Runs after `access()` so the tenant is known.
 */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

export function idempotency(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (c.req.method !== "POST" || !key) return next();
    if (key.length > 255 || !/^[\x21-\x7e]+$/.test(key))
      throw new ApiError("validation_failed", "Idempotency-Key must be 1–255 visible ASCII characters");
    const ctx = c.get("ctx");
    if (!ctx) return next();
    const db = controlDb(c.env);
    const body = await c.req.text();
    const requestHash = await sha256Hex(`${c.req.method} ${c.req.path}\n${body}`);
    const now = Date.now();
    await db
      .delete(idempotencyKeys)
      .where(
        and(
          eq(idempotencyKeys.tenantId, ctx.tenant.id),
          eq(idempotencyKeys.key, key),
          lt(idempotencyKeys.createdAt, now - IDEMPOTENCY_TTL_MS),
        ),
      );
    const inserted = await db
      .insert(idempotencyKeys)
      .values({
        tenantId: ctx.tenant.id,
        key,
        method: c.req.method,
        path: c.req.path,
        requestHash,
        createdAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (!inserted.length) {
      const prior = await db.query.idempotencyKeys.findFirst({
        where: and(eq(idempotencyKeys.tenantId, ctx.tenant.id), eq(idempotencyKeys.key, key)),
      });
      if (!prior || prior.requestHash !== requestHash)
        throw new ApiError("idempotency_conflict", "This Idempotency-Key was used with a different request");
      if (prior.status == null)
        throw new ApiError("idempotency_in_progress", "The first request with this key is still running");
      return new Response(prior.body, {
        status: prior.status,
        headers: { "Content-Type": prior.contentType ?? "application/json", "Idempotent-Replayed": "true" },
      });
    }
    try {
      await next();
    } catch (err) {
      await db
        .delete(idempotencyKeys)
        .where(and(eq(idempotencyKeys.tenantId, ctx.tenant.id), eq(idempotencyKeys.key, key)));
      throw err;
    }
    const res = c.res;
    if (res.status >= 500) {
      await db
        .delete(idempotencyKeys)
        .where(and(eq(idempotencyKeys.tenantId, ctx.tenant.id), eq(idempotencyKeys.key, key)));
      return;
    }
    const text = await res.clone().text();
    await db
      .update(idempotencyKeys)
      .set({ status: res.status, body: text, contentType: res.headers.get("content-type") })
      .where(and(eq(idempotencyKeys.tenantId, ctx.tenant.id), eq(idempotencyKeys.key, key)));
  };
}
