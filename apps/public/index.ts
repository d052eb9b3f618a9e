import type { Hono } from "hono";
import { access } from "../middleware/access";
import type { AppEnv } from "../types";
import { registerLegal } from "./legal";
import { registerStripeWebhook } from "./stripe-webhook";

/** Public routes: health (I8), legal pages (F4, F5). The docs page is added by its feature. */
export function registerPublic(app: Hono<AppEnv>) {
  app.get("/healthz", access({ kind: "public" }), async (c) => {
    try {
      await c.env.CONTROL_DB.prepare("select 1").first();
      return c.json({ status: "ok" });
    } catch {
      return c.json({ status: "degraded", controlDb: "unreachable" }, 503);
    }
  });
  registerLegal(app);
  registerStripeWebhook(app);
}
