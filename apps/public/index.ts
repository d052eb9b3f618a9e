import type { Hono } from "hono";
import { access } from "../middleware/access";
import type { AppEnv } from "../types";

/** Public routes: health (I8). Legal pages and the docs page are added by their features. */
export function registerPublic(app: Hono<AppEnv>) {
  app.get("/healthz", access({ kind: "public" }), async (c) => {
    try {
      await c.env.CONTROL_DB.prepare("select 1").first();
      return c.json({ status: "ok" });
    } catch {
      return c.json({ status: "degraded", controlDb: "unreachable" }, 503);
    }
  });
}
