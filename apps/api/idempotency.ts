import type { MiddlewareHandler } from "hono";
import { abandonIdempotent, beginIdempotent, completeIdempotent } from "../../core/platform/idempotency";
import type { AppEnv } from "../types";

/**
 * `Idempotency-Key` on POST (E3). The first request with a key runs and its response (status
 * < 500) is stored for 24 h; a retry with the same key and body gets the stored response
 * (`Idempotent-Replayed: true`); the same key with another body → 409; while the first is still
 * running → 409. Keys are per tenant: this runs after `access()`, which knows the tenant.
 */
export function idempotency(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header("idempotency-key");
    const ctx = c.get("ctx");
    if (c.req.method !== "POST" || !key || !ctx) return next();
    const tenantId = ctx.tenant.id;
    const started = await beginIdempotent(c.env, tenantId, key, {
      method: c.req.method,
      path: c.req.path,
      body: await c.req.text(),
    });
    if ("replay" in started)
      return new Response(started.replay.body, {
        status: started.replay.status,
        headers: { "Content-Type": started.replay.contentType, "Idempotent-Replayed": "true" },
      });
    try {
      await next();
    } catch (err) {
      await abandonIdempotent(c.env, tenantId, key);
      throw err;
    }
    if (c.res.status >= 500) return abandonIdempotent(c.env, tenantId, key);
    await completeIdempotent(c.env, tenantId, key, {
      status: c.res.status,
      body: await c.res.clone().text(),
      contentType: c.res.headers.get("content-type") ?? "application/json",
    });
  };
}
