import type { StripeConfig } from "./config";

/**
 * Stripe, through the Stripe gateway Worker (`workers/stripe`, service binding `STRIPE`): the
 * official SDK runs there so the main Worker stays within its bundle budget (P6). Each call names
 * one SDK operation; a Stripe error comes back as a `StripeApiError` with Stripe's HTTP status,
 * error code and type. Only what CCR uses is exposed.
 */
export class StripeApiError extends Error {
  readonly statusCode?: number;
  readonly code?: string;
  readonly type?: string;
  constructor(e: { message: string; statusCode?: number; code?: string; type?: string }) {
    super(e.message);
    this.statusCode = e.statusCode;
    this.code = e.code;
    this.type = e.type;
  }
}

type Params = Record<string, unknown>;
interface Options {
  idempotencyKey?: string;
}

async function gateway<T>(env: Env, cfg: StripeConfig, op: string, args: unknown[]): Promise<T> {
  const res = await env.STRIPE.fetch("https://ccr-stripe.internal/call", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ key: cfg.secretKey, op, args }),
  });
  if (!res.ok) throw new Error(`Stripe gateway answered HTTP ${res.status}`);
  const out = (await res.json()) as
    | { ok: true; result: T }
    | { ok: false; error: { message: string; statusCode?: number; code?: string; type?: string } };
  if (!out.ok) throw new StripeApiError(out.error);
  return out.result;
}

export interface StripeObject {
  id: string;
  url?: string | null;
  [k: string]: unknown;
}

export function stripeApi(env: Env, cfg: StripeConfig) {
  const call = <T = StripeObject>(op: string, ...args: unknown[]) => gateway<T>(env, cfg, op, args);
  return {
    customers: {
      create: (p: Params, o?: Options) => call("customers.create", p, o),
      update: (id: string, p: Params) => call("customers.update", id, p),
    },
    checkout: { sessions: { create: (p: Params) => call("checkout.sessions.create", p) } },
    billingPortal: { sessions: { create: (p: Params) => call("billingPortal.sessions.create", p) } },
    subscriptions: {
      retrieve: (id: string, p?: Params) => call("subscriptions.retrieve", id, p),
      cancel: (id: string, p?: Params) => call("subscriptions.cancel", id, p),
    },
    billing: {
      meterEvents: { create: (p: Params, o?: Options) => call("billing.meterEvents.create", p, o) },
    },
  };
}

/** Verifies `Stripe-Signature` (HMAC-SHA256, 5-minute tolerance) and parses the event. Throws if invalid. */
export function verifyStripeEvent(env: Env, cfg: StripeConfig, body: string, signature: string) {
  return gateway<{ id: string; type: string; created: number; data: { object: Record<string, unknown> } }>(
    env,
    cfg,
    "webhooks.constructEventAsync",
    [body, signature, cfg.webhookSecret, 300],
  );
}
