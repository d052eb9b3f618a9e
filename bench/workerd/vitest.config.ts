import { defineConfig } from "vitest/config";
import base from "../../vitest.config";

/**
 * The `workers` project of the main config, pointed at the workerd benchmarks (never `npm test`).
 * `BENCH_P9_CALLS=<n>` in the host environment reaches the benchmark through `inject("p9Calls")`.
 */
export default defineConfig(async (env) => {
  const cfg = await (
    base as unknown as (e: typeof env) => Promise<{ test: { projects: { test: object }[] } }>
  )(env);
  const workers = cfg.test.projects[0];
  return {
    test: {
      projects: [
        {
          ...workers,
          test: {
            ...workers.test,
            name: "bench",
            include: ["bench/workerd/**/*.bench.ts"],
            provide: { p9Calls: Number(process.env.BENCH_P9_CALLS ?? 300) },
          },
        },
      ],
    },
  };
});
