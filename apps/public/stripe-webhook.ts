import type { Hono } from "hono";
import { handleStripeWebhook } from "../../core/billing/webhooks";
import { ApiError } from "../../core/platform/errors";
import { logInternal, problem, toApiError } from "../errors";
import { access } from "../middleware/access";
import { STRIPE_WEBHOOK_PATH } from "../middleware/csrf";
import type { AppEnv } from "../types";

/** Largest body accepted (Stripe events are a few KB; their documented ceiling is well below). */
const MAX_BODY = 512 * 1024;

/**
 * `POST /webhooks/stripe` (G2): public, authenticated by the Stripe signature alone. Answers in
 * JSON: 200 when handled (or already handled), 400 problem for a missing or wrong signature or
 * when billing is not configured (nothing written), 5xx when handling failed — Stripe retries.
 */
export function registerStripeWebhook(app: Hono<AppEnv>) {
  app.post(STRIPE_WEBHOOK_PATH, access({ kind: "public" }), async (c) => {
    try {
      const len = Number(c.req.header("content-length") ?? 0);
      if (len > MAX_BODY) throw new ApiError("payload_too_large", "A Stripe event is never this large");
      // The signature covers the raw bytes: read the body as text, never re-serialised JSON.
      const body = await c.req.text();
      const r = await handleStripeWebhook(c.env, body, c.req.header("stripe-signature"));
      return c.json({ received: true, id: r.eventId, outcome: r.outcome, duplicate: r.duplicate }, 200);
    } catch (err) {
      const e = toApiError(err);
      if (e.status >= 500) logInternal(c, err);
      return problem(c, e);
    }
  });
}
