import { RateLimiter } from "../core/identity/rate-limiter";
import { validateEnv } from "../core/ops/env";
import { handleQueue, type QueueMessage } from "../workers/queue";
import { handleScheduled } from "../workers/scheduled";
import { buildApp } from "./app";

/**
 * The one deployable Worker: HTTP (API, portal, ops, public), queue consumers and cron.
 * The environment is validated once per isolate; a bad deployment fails loudly.
 */
const app = buildApp();

export default {
  fetch(request, env, ctx) {
    validateEnv(env);
    return app.fetch(request, env, ctx);
  },
  async queue(batch, env, ctx) {
    validateEnv(env);
    await handleQueue(batch, env, ctx);
  },
  async scheduled(controller, env, ctx) {
    validateEnv(env);
    await handleScheduled(controller, env, ctx);
  },
} satisfies ExportedHandler<Env, QueueMessage>;

export { RateLimiter };
