import type StripeType from "stripe";
import type { StripeConfig } from "./config";

export type StripeClient = InstanceType<typeof StripeType>;

/**
 * The Stripe SDK, loaded on first use (dynamic import: tenants in local mode never evaluate it) and
 * set up for Workers: fetch for HTTP, Web Crypto for webhook signatures. The fetch is looked up at
 * each request (not captured), so tests mock Stripe at the fetch boundary with `vi.spyOn`.
 */
let sdk: Promise<typeof StripeType> | undefined;
const loadSdk = () => {
  sdk ??= import("stripe").then((m) => m.default);
  return sdk;
};

const clients = new Map<string, StripeClient>();

export async function stripeClient(cfg: StripeConfig): Promise<StripeClient> {
  const Stripe = await loadSdk();
  let client = clients.get(cfg.secretKey);
  if (!client) {
    client = new Stripe(cfg.secretKey, {
      httpClient: Stripe.createFetchHttpClient((input, init) => fetch(input, init)),
      maxNetworkRetries: 2,
      timeout: 20_000,
      appInfo: { name: "CallCenterRate" },
    });
    clients.set(cfg.secretKey, client);
  }
  return client;
}

/** Verifies `Stripe-Signature` (HMAC-SHA256, 5-minute tolerance) and parses the event. Throws if invalid. */
export async function verifyStripeEvent(
  cfg: StripeConfig,
  body: string,
  signature: string,
): Promise<StripeType.Event> {
  const Stripe = await loadSdk();
  const client = await stripeClient(cfg);
  return client.webhooks.constructEventAsync(
    body,
    signature,
    cfg.webhookSecret,
    300,
    Stripe.createSubtleCryptoProvider(),
  );
}
