import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Tests run inside workerd with the bindings of wrangler.toml (D1, R2, Queues, DOs simulated).
// Secrets that .dev.vars would hold are fixed test values here.
export default defineConfig(async () => {
  const controlMigrations = await readD1Migrations("db/migrations/control");
  const dataMigrations = await readD1Migrations("db/migrations/data");
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            ENCRYPTION_KEY: "dGVzdC1lbmNyeXB0aW9uLWtleS0zMi1ieXRlcy0wMDA=",
            HMAC_KEY: "dGVzdC1obWFjLWtleS0zMi1ieXRlcy0wMDAwMDAwMDA=",
            BREVO_API_KEY: "",
            ENVIRONMENT: "test",
            TEST_CONTROL_MIGRATIONS: controlMigrations,
            TEST_DATA_MIGRATIONS: dataMigrations,
          },
        },
      }),
    ],
    test: {
      include: ["test/**/*.test.ts", "apps/**/*.test.ts", "core/**/*.test.ts", "workers/**/*.test.ts"],
      exclude: ["test/browser/**", "node_modules/**"],
      setupFiles: ["./test/setup.ts"],
      testTimeout: 30_000,
    },
  };
});
