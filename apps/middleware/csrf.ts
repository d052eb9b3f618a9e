import type { MiddlewareHandler } from "hono";
import { ApiError } from "../../core/platform/errors";
import type { AppEnv } from "../types";

/**
 * CSRF (I3) for cookie-authenticated routes: every state-changing request must come from our own
 * origin — `Sec-Fetch-Site: same-origin`, or an `Origin` equal to ours. Unlike hono/csrf, which only
 * checks form content types, this covers every method and body type (the portal also takes raw
 * audio PUTs and JSON from its scripts). The API (`/api/…`) is exempt: it authenticates with
 * bearer keys, never cookies, so a forged cross-site request carries no credentials.
 */
const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);
export const STRIPE_WEBHOOK_PATH = "/webhooks/stripe";

export function sameOrigin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (SAFE.has(c.req.method) || c.req.path.startsWith("/api/")) return next();
    // Stripe's webhook carries no cookie and is authenticated by its signature (core/billing/webhooks.ts).
    if (c.req.path === STRIPE_WEBHOOK_PATH) return next();
    const site = c.req.header("sec-fetch-site");
    const origin = c.req.header("origin");
    const ours = new Set([new URL(c.req.url).origin, new URL(c.env.APP_URL).origin]);
    if (site === "same-origin" || (origin && ours.has(origin))) return next();
    throw new ApiError("csrf", "Cross-site request refused");
  };
}
