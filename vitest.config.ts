import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two projects:
// - `workers`: everything under test/ (and *.test.ts beside code) runs inside workerd with the
//   bindings of wrangler.toml (D1, R2, Queues, DOs simulated); secrets are fixed test values.
// - `browser`: test/browser/ drives Debian's Chromium (playwright-core) against the platform
//   served by `wrangler dev` with the dev seed (started by test/browser/global-setup.ts).
export default defineConfig(async () => {
  const controlMigrations = await readD1Migrations("db/migrations/control");
  const dataMigrations = await readD1Migrations("db/migrations/data");
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
                  TEST_CONTROL_MIGRATIONS: controlMigrations,
                  TEST_DATA_MIGRATIONS: dataMigrations,
                },
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
