import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { build } from "esbuild";
import { defineConfig } from "vitest/config";

/**
 * A private Worker reached by a service binding of the main Worker, bundled for miniflare: the LLM
 * Worker (workers/llm, `LLM`) and the Stripe gateway (workers/stripe, `STRIPE`).
 */
async function buildAuxWorker(entry = "workers/llm/index.ts", name = "llm-worker"): Promise<string> {
  const outfile = `.wrangler/test-build/${name}.mjs`;
  await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    outfile,
    logLevel: "error",
  });
  return outfile;
}

// Two projects:
// - `workers`: everything under test/ (and *.test.ts beside code) runs inside workerd with the
//   bindings of wrangler.toml (D1, R2, Queues, DOs simulated); secrets are fixed test values.
// - `browser`: test/browser/ drives Debian's Chromium (playwright-core) against the platform
//   served by `wrangler dev` with the dev seed (started by test/browser/global-setup.ts).
export default defineConfig(async () => {
  const controlMigrations = await readD1Migrations("db/migrations/control");
  const dataMigrations = await readD1Migrations("db/migrations/data");
  const llmWorker = await buildAuxWorker();
  /** The Stripe gateway Worker (workers/stripe), for the `STRIPE` service binding. */
  const stripeWorker = await buildAuxWorker("workers/stripe/index.ts", "stripe-worker");
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  ENVIRONMENT: "test",
                  ENCRYPTION_KEY: "dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy0wMDA=",
                  HMAC_KEY: "dGVzdC1obWFjLWtleS0zMi1ieXRlcy0wMDAwMDAwMDA=",
                  BREVO_API_KEY: "",
                  DEEPGRAM_API_KEY: "",
                  OPENAI_API_KEY: "",
                  ASSEMBLYAI_API_KEY: "",
                  ANTHROPIC_API_KEY: "",
                  // Local mode (no Stripe) unless a test passes its own environment (test/billing.test.ts).
                  STRIPE_SECRET_KEY: "",
                  STRIPE_WEBHOOK_SECRET: "",
                  TEST_CONTROL_MIGRATIONS: controlMigrations,
                  TEST_DATA_MIGRATIONS: dataMigrations,
                },
                workers: [
                  {
                    name: "ccr-llm",
                    modules: true,
                    scriptPath: llmWorker,
                    compatibilityDate: "2026-11-01",
                    compatibilityFlags: ["nodejs_compat"],
                  },
                  {
                    name: "ccr-stripe",
                    modules: true,
                    scriptPath: stripeWorker,
                    compatibilityDate: "2026-11-01",
                    compatibilityFlags: ["nodejs_compat"],
                  },
                ],
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["test/**/*.test.ts", "apps/**/*.test.ts", "core/**/*.test.ts", "workers/**/*.test.ts"],
            exclude: ["test/browser/**", "node_modules/**"],
            setupFiles: ["./test/setup.ts"],
            testTimeout: 30_000,
          },
        },
        {
          test: {
            name: "browser",
            environment: "node",
            include: ["test/browser/**/*.browser.test.ts"],
            globalSetup: ["./test/browser/global-setup.ts"],
            testTimeout: 60_000,
            hookTimeout: 150_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
