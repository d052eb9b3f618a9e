import { applyD1Migrations, type D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Same migrations as `wrangler d1 migrations apply`, on the control plane and every data shard.
const e = env as unknown as Env & {
  TEST_CONTROL_MIGRATIONS: D1Migration[];
  TEST_DATA_MIGRATIONS: D1Migration[];
};
await applyD1Migrations(e.CONTROL_DB, e.TEST_CONTROL_MIGRATIONS);
await applyD1Migrations(e.DATA_EU_1, e.TEST_DATA_MIGRATIONS);
await applyD1Migrations(e.DATA_US_1, e.TEST_DATA_MIGRATIONS);
