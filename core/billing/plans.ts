/**
 * The plan catalogue (G1), defined here and nowhere else: the portal, the API, the operator
 * console, quota enforcement and the README's table all read it. Prices are the monthly list price
 * in euros, for display; what a tenant pays is what its Stripe price says (README "Billing").
 * `includedMinutes: null` means no quota (contract plans assigned by an operator).
 */
export const PLAN_IDS = ["free", "starter", "business", "enterprise"] as const;
export type PlanId = (typeof PLAN_IDS)[number];

export interface PlanFeatures {
  /** Analysis by an LLM provider (C3) besides the built-in engine. */
  llmAnalysis: boolean;
  /** API keys and the REST API (E1). */
  apiAccess: boolean;
  /** Single sign-on (A8). */
  sso: boolean;
}

export interface Plan {
  id: PlanId;
  name: string;
  /** Monthly list price in euros (excl. VAT); null: on quotation. */
  monthlyPriceEur: number | null;
  /** Analysed minutes included per billing period; null: no quota. */
  includedMinutes: number | null;
  /** Users included; null: unlimited. */
  seats: number | null;
  /** Price of a minute over the quota (euros, shown); null: no overage — over quota, calls are held. */
  overagePerMinuteEur: number | null;
  /** Can a tenant subscribe to it through Stripe Checkout (else an operator assigns it). */
  selfServe: boolean;
  features: PlanFeatures;
}

export const PLANS: Record<PlanId, Plan> = {
  free: {
    id: "free",
    name: "Free",
    monthlyPriceEur: 0,
    includedMinutes: 300,
    seats: 5,
    overagePerMinuteEur: null,
    selfServe: false,
    features: { llmAnalysis: false, apiAccess: true, sso: false },
  },
  starter: {
    id: "starter",
    name: "Starter",
    monthlyPriceEur: 149,
    includedMinutes: 2_000,
    seats: 10,
    overagePerMinuteEur: 0.06,
    selfServe: true,
    features: { llmAnalysis: false, apiAccess: true, sso: false },
  },
  business: {
    id: "business",
    name: "Business",
    monthlyPriceEur: 499,
    includedMinutes: 10_000,
    seats: 50,
    overagePerMinuteEur: 0.04,
    selfServe: true,
    features: { llmAnalysis: true, apiAccess: true, sso: true },
  },
  enterprise: {
    id: "enterprise",
    name: "Enterprise",
    monthlyPriceEur: null,
    includedMinutes: null,
    seats: null,
    overagePerMinuteEur: null,
    selfServe: false,
    features: { llmAnalysis: true, apiAccess: true, sso: true },
  },
};

/** The plan of a tenant nobody assigned a plan to (new sign-ups). */
export const DEFAULT_PLAN: PlanId = "free";

export const isPlanId = (v: unknown): v is PlanId =>
  typeof v === "string" && (PLAN_IDS as readonly string[]).includes(v);

export const planOf = (id: string | null | undefined): Plan => PLANS[isPlanId(id) ? id : DEFAULT_PLAN];
