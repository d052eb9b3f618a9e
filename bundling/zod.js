// Bundling only (wrangler.toml [alias] "zod"): zod's own entry, minus `locales`. zod's entry
// exports every locale through the `z` namespace (`export * as locales`); @hono/zod-openapi
// extends that namespace object, so esbuild cannot drop the ~260 KB of locales the platform never
// uses (its messages are its own, FR/EN). Same modules otherwise; types and tests use the real
// package. Relative paths: the alias must not apply to itself.
import * as z from "./zod-external.js";
export * from "./zod-external.js";
export { z, z as default };
