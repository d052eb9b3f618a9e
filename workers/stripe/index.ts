import Stripe from "stripe";

/**
 * The Stripe gateway Worker (G1–G3), reached from the main Worker through a service binding
 * (`STRIPE`). It is separate for the same reason as the LLM Worker: the official `stripe` SDK
 * weighs ~33 KiB gzip and the main Worker is at its 400 KiB budget (P6). It holds no data and no
 * binding: each request names one allowed SDK operation, its arguments and the secret key; the
 * answer is the SDK's result, or the Stripe error's status, code and type. Webhook signatures are
 * verified here too (`constructEventAsync`, Web Crypto). Not routable from the internet.
 */
export const STRIPE_OPS = [
  "customers.create",
  "customers.update",
  "checkout.sessions.create",
  "billingPortal.sessions.create",
  "subscriptions.retrieve",
  "subscriptions.cancel",
  "billing.meterEvents.create",
  "webhooks.constructEventAsync",
] as const;
export type StripeOp = (typeof STRIPE_OPS)[number];

export interface StripeGatewayRequest {
  key: string;
  op: StripeOp;
  args: unknown[];
}

export type StripeGatewayResponse =
  | { ok: true; result: unknown }
  | { ok: false; error: { message: string; type?: string; code?: string; statusCode?: number } };

const clients = new Map<string, InstanceType<typeof Stripe>>();
function client(key: string) {
  let c = clients.get(key);
  if (!c) {
    c = new Stripe(key, {
      // Looked up at each request (not captured), so tests can mock Stripe at the fetch boundary.
      httpClient: Stripe.createFetchHttpClient((input, init) => fetch(input, init)),
      maxNetworkRetries: 2,
      timeout: 20_000,
      appInfo: { name: "CallCenterRate" },
    });
    clients.set(key, c);
  }
  return c;
}

type Args = [never, never, never, never];

async function run(s: InstanceType<typeof Stripe>, op: StripeOp, a: Args): Promise<unknown> {
  switch (op) {
    case "customers.create":
      return s.customers.create(a[0], a[1]);
    case "customers.update":
      return s.customers.update(a[0], a[1], a[2]);
    case "checkout.sessions.create":
      return s.checkout.sessions.create(a[0], a[1]);
    case "billingPortal.sessions.create":
      return s.billingPortal.sessions.create(a[0], a[1]);
    case "subscriptions.retrieve":
      return s.subscriptions.retrieve(a[0], a[1], a[2]);
    case "subscriptions.cancel":
      return s.subscriptions.cancel(a[0], a[1], a[2]);
    case "billing.meterEvents.create":
      return s.billing.meterEvents.create(a[0], a[1]);
    case "webhooks.constructEventAsync":
      // body, signature header, endpoint secret, tolerance (seconds)
      return s.webhooks.constructEventAsync(a[0], a[1], a[2], a[3], Stripe.createSubtleCryptoProvider());
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method !== "POST") return new Response("method not allowed", { status: 405 });
    const body = (await request.json()) as StripeGatewayRequest;
    if (!(STRIPE_OPS as readonly string[]).includes(body.op) || typeof body.key !== "string")
      return Response.json({ ok: false, error: { message: "unknown operation" } }, { status: 400 });
    try {
      const result = await run(client(body.key), body.op, body.args as Args);
      return Response.json({ ok: true, result } satisfies StripeGatewayResponse);
    } catch (e) {
      const err = e as { message?: string; type?: string; code?: string; statusCode?: number };
      return Response.json({
        ok: false,
        error: {
          message: String(err.message ?? e).slice(0, 500),
          type: err.type,
          code: err.code,
          statusCode: err.statusCode,
        },
      } satisfies StripeGatewayResponse);
    }
  },
} satisfies ExportedHandler;
