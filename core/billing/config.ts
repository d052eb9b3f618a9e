import { z } from "zod";
import { PLAN_IDS, type PlanId } from "./plans";

/**
 * Billing configuration (G4). Billing runs against Stripe only when both secrets are set; without
 * them the platform runs in local mode: an operator assigns plans, quotas still apply, there is no
 * checkout, and `POST /webhooks/stripe` answers 400.
 */
const pricesSchema = z.partialRecord(
  z.enum(PLAN_IDS),
  z.object({
    /** The plan's recurring flat price (licensed, quantity 1). */
    base: z.string().startsWith("price_"),
    /** The plan's metered price on the analysed-minutes meter (graduated: included minutes at 0). */
    metered: z.string().startsWith("price_").optional(),
  }),
);
export type StripePrices = z.infer<typeof pricesSchema>;

export interface StripeConfig {
  secretKey: string;
  webhookSecret: string;
  meterEventName: string;
  prices: StripePrices;
}

const DEFAULT_METER_EVENT = "ccr_analysed_minutes";

export function parsePrices(raw: string | undefined): StripePrices {
  if (!raw?.trim()) return {};
  return pricesSchema.parse(JSON.parse(raw));
}

/** The Stripe configuration, or null in local mode. */
export function stripeConfig(env: Env): StripeConfig | null {
  // Unset secrets are absent (undefined) at run time even though `Env` types them as strings.
  const e = env as unknown as Partial<Record<string, string>>;
  const secretKey = e.STRIPE_SECRET_KEY?.trim();
  const webhookSecret = e.STRIPE_WEBHOOK_SECRET?.trim();
  if (!secretKey || !webhookSecret) return null;
  return {
    secretKey,
    webhookSecret,
    meterEventName: e.STRIPE_METER_EVENT_NAME?.trim() || DEFAULT_METER_EVENT,
    prices: parsePrices(e.STRIPE_PRICES),
  };
}

export const billingMode = (env: Env): "stripe" | "local" => (stripeConfig(env) ? "stripe" : "local");

/** Which plan a Stripe price id stands for (base or metered price). */
export function planForPrice(cfg: StripeConfig, priceId: string | null | undefined): PlanId | null {
  if (!priceId) return null;
  for (const id of PLAN_IDS) {
    const p = cfg.prices[id];
    if (p && (p.base === priceId || p.metered === priceId)) return id;
  }
  return null;
}

/** Checked once at the entry with the rest of the environment (core/ops/env.ts). */
export function validateBillingEnv(env: Env): string[] {
  const e = env as unknown as Partial<Record<string, string>>;
  const issues: string[] = [];
  const key = e.STRIPE_SECRET_KEY?.trim();
  const whsec = e.STRIPE_WEBHOOK_SECRET?.trim();
  if (key && !/^(sk|rk)_(test|live)_/.test(key))
    issues.push("STRIPE_SECRET_KEY: must be a Stripe secret or restricted key (sk_… or rk_…)");
  if (whsec && !whsec.startsWith("whsec_"))
    issues.push("STRIPE_WEBHOOK_SECRET: must be the endpoint's signing secret (whsec_…)");
  if (Boolean(key) !== Boolean(whsec))
    issues.push(
      "STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET: set both (Stripe billing) or neither (local mode)",
    );
  try {
    parsePrices(e.STRIPE_PRICES);
  } catch {
    issues.push('STRIPE_PRICES: must be JSON like {"starter":{"base":"price_…","metered":"price_…"}}');
  }
  return issues;
}

export type { PlanId };
