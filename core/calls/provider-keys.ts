import type { Tenant } from "../../db/schema/control";
import type { Ctx } from "../platform/context";
import { decryptString } from "../platform/crypto";

/** A context for work done by the platform itself (queue consumers, cron) on a tenant's data. */
export function systemCtx(env: Env, tenant: Tenant): Ctx {
  return { env, tenant, actor: { type: "system", id: null }, requestId: "system", ip: null, userAgent: null };
}

const PLATFORM_KEYS = {
  deepgram: "DEEPGRAM_API_KEY",
  openai: "OPENAI_API_KEY",
  assemblyai: "ASSEMBLYAI_API_KEY",
  anthropic: "ANTHROPIC_API_KEY",
} as const;
export type KeyedProvider = keyof typeof PLATFORM_KEYS;

/** The tenant's own key for a provider (stored encrypted), else the platform's secret, else null. */
export async function providerKey(env: Env, tenant: Tenant, provider: KeyedProvider): Promise<string | null> {
  if (tenant.providerKeysEnc) {
    const keys = JSON.parse(
      await decryptString(env.ENCRYPTION_KEY, tenant.providerKeysEnc, `providers:${tenant.id}`),
    ) as Partial<Record<KeyedProvider, string>>;
    if (keys[provider]) return keys[provider];
  }
  const platform = (env as unknown as Record<string, string | undefined>)[PLATFORM_KEYS[provider]];
  return platform || null;
}
