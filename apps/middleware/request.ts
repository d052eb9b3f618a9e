import type { Context, MiddlewareHandler } from "hono";
import type { PlatformCtx } from "../../core/platform/context";
import { randomToken } from "../../core/platform/crypto";
import type { AppEnv } from "../types";

/**
 * Request id + one structured JSON log line per request (I8). The id is echoed in
 * `X-Request-Id` and in every problem document, so a user's report can be matched to the log.
 */
export function requestContext(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && /^[\w.-]{8,64}$/.test(incoming) ? incoming : randomToken(10);
    c.set("requestId", requestId);
    const start = Date.now();
    await next();
    c.header("X-Request-Id", requestId);
    const status = c.res.status;
    const line = {
      level: status >= 500 ? "error" : "info",
      msg: "request",
      requestId,
      method: c.req.method,
      route: c.req.routePath,
      status,
      ms: Date.now() - start,
      tenantId: c.get("ctx")?.tenant.id,
    };
    if (status >= 500) console.error(JSON.stringify(line));
    else if (c.env.ENVIRONMENT !== "test") console.log(JSON.stringify(line));
  };
}

export function clientIp(c: { req: { header(name: string): string | undefined } }): string | null {
  return c.req.header("cf-connecting-ip") ?? c.req.header("x-real-ip") ?? null;
}

/** Who is calling and from where, for services that run outside a tenant (sign-in, ops). */
export function platformCtx(c: Context<AppEnv>): PlatformCtx {
  return {
    env: c.env,
    requestId: c.get("requestId"),
    ip: clientIp(c),
    userAgent: c.req.header("user-agent") ?? null,
  };
}
