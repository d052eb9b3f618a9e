import { z } from "zod";
import { locationConfig } from "../../db/resolver";
import { validateBillingEnv } from "../billing/config";

/** Secrets and vars checked once per isolate (a missing key must not surface as a 500 mid-request). */
const b64key = z
  .string()
  .min(40, "must be 32 random bytes, base64")
  .refine((s) => {
    try {
      return atob(s).length === 32;
    } catch {
      return false;
    }
  }, "must decode to exactly 32 bytes");

const envSchema = z.object({
  ENVIRONMENT: z.enum(["development", "test", "production"]),
  APP_URL: z.url(),
  ENCRYPTION_KEY: b64key,
  HMAC_KEY: b64key,
  DATA_LOCATIONS: z.string().min(2),
  MAX_UPLOAD_BYTES: z.string().regex(/^\d+$/),
  MAIL_FROM: z.string().min(3),
});

let checked: Env | undefined;
export function validateEnv(env: Env): void {
  if (checked === env) return;
  const r = envSchema.safeParse(env);
  const issues = r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  issues.push(...validateBillingEnv(env));
  if (issues.length) throw new Error(`CCR environment is invalid: ${issues.join("; ")}`);
  locationConfig(env);
  checked = env;
}
