import { defineConfig } from "vitest/config";
import base from "../../vitest.config";

/** The `workers` project of the main config, pointed at the workerd benchmarks (never `npm test`). */
export default defineConfig(async (env) => {
  const cfg = await (
    base as unknown as (e: typeof env) => Promise<{ test: { projects: { test: object }[] } }>
  )(env);
  const workers = cfg.test.projects[0];
  return {
    test: {
      projects: [
        { ...workers, test: { ...workers.test, name: "bench", include: ["bench/workerd/**/*.bench.ts"] } },
      ],
    },
  };
});
