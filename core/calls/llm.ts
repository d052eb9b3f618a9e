import type { Tenant } from "../../db/schema/control";
import { computeMetrics } from "../engine";
import type { EngineInput } from "../engine/types";
import { analyzeWithLlm, modelFor } from "../providers/llm";
import { ProviderError } from "../providers/speech/types";
import { providerKey } from "./provider-keys";

/**
 * LLM analysis (C3) with the tenant's provider at the endpoint the policy allowed. The metrics
 * are always computed by the built-in engine (they are measurements, not judgments), and the
 * score by the C4b formula from the model's per-criterion answers.
 */
export async function analyzeWithTenantLlm(env: Env, tenant: Tenant, endpoint: string, input: EngineInput) {
  const provider = tenant.analysisProvider as "openai" | "anthropic";
  const apiKey = await providerKey(env, tenant, provider);
  if (!apiKey) throw new ProviderError(provider, `No API key is configured for ${provider}`, false);
  const model = modelFor(provider, { apiKey, endpoint });
  const metrics = computeMetrics(input);
  const r = await analyzeWithLlm({ model, input, engineLabel: provider, metrics });
  return { result: r.result, usage: r.usage };
}
