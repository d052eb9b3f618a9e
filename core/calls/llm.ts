import type { Tenant } from "../../db/schema/control";
import type { EngineInput } from "../engine/types";
import { RetryableError } from "../pipeline";
import { analyzeWithLlm, modelFor } from "../providers/llm";
import { providerKey } from "./provider-keys";

/** LLM analysis (C3) with the tenant's provider at the endpoint the policy allowed. */
export async function analyzeWithTenantLlm(env: Env, tenant: Tenant, endpoint: string, input: EngineInput) {
  const provider = tenant.analysisProvider as "openai" | "anthropic";
  const apiKey = await providerKey(env, tenant, provider);
  if (!apiKey) throw new Error(`No API key is configured for ${provider}`);
  const model = modelFor(provider, { apiKey, endpoint });
  try {
    const r = await analyzeWithLlm({ model, input, engineLabel: `${provider}` });
    return { result: r.result, usage: r.usage };
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode;
    if (status === undefined || status === 429 || status >= 500) throw new RetryableError(String((e as Error).message));
    throw e;
  }
}
