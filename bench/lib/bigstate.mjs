// The P3/P8 fixture: a fresh state directory with the dev seed plus a tenant holding 100,000
// calls (bench/lib/d1.mjs). Built once per `npm run bench` process and shared by the steps
// that need it (P8 rows read, P3 load).

import { rmSync } from "node:fs";
import path from "node:path";
import { log, prepareState, root } from "./common.mjs";
import { createTenant, seedCalls } from "./d1.mjs";

export const BIG_STATE = ".wrangler/bench-state-100k";
export const BIG_TENANT = "ten_bench_100k";
/** Enough keys for several thousand requests a minute at 600 per key (the API's limit). */
export const BIG_KEYS = 200;

let built;

export function bigState() {
  built ??= (async () => {
    const t0 = Date.now();
    rmSync(path.join(root, BIG_STATE), { recursive: true, force: true });
    await prepareState(BIG_STATE);
    const keys = createTenant(BIG_STATE, {
      id: BIG_TENANT,
      name: "Bench 100k (Téléservices Horizon)",
      keys: BIG_KEYS,
    });
    const info = seedCalls(BIG_STATE, { tenantId: BIG_TENANT, n: 100_000 });
    log(
      `fixture: ${info.total.toLocaleString("en-US")} calls (${info.ftsRows.toLocaleString("en-US")} with FTS rows) for ${BIG_TENANT} in ${BIG_STATE}, built in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    return { stateDir: BIG_STATE, tenantId: BIG_TENANT, keys, info };
  })();
  return built;
}
