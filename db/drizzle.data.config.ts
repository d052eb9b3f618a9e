import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./db/schema/data/index.ts",
  out: "./db/migrations/data",
});
