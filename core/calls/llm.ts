import type { Tenant } from "../../db/schema/control";
import { computeMetrics } from "../engine";
import type { AnalysisResult, EngineInput } from "../engine/types";
import { ProviderError } from "../providers/errors";
import { providerKey } from "./provider-keys";

/**
 * LLM analysis (C3) with the tenant's provider at the endpoint the policy allowed, done by the
 * LLM Worker (workers/llm) over the `LLM` service binding. The metrics are always computed here
 * by the built-in engine (they are measurements, not judgments); the score uses the C4b formula.
 */
export async function analyzeWithTenantLlm(
  env: Env,
  tenant: Tenant,
  endpoint: string,
  input: EngineInput,
): Promise<{ result: AnalysisResult; usage: { inputTokens?: number; outputTokens?: number } }> {
  const provider = tenant.analysisProvider as "openai" | "anthropic";
  const apiKey = await providerKey(env, tenant, provider);
  if (!apiKey) throw new ProviderError(provider, `No API key is configured for ${provider}`, false);
  const metrics = computeMetrics(input);
  let res: Response;
  try {
    res = await env.LLM.fetch("https://ccr-llm.internal/analyze", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ provider, endpoint, apiKey, input, metrics }),
    });
  } catch (e) {
    throw new ProviderError(provider, `The LLM worker is unreachable (${(e as Error).message})`, true);
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as {
      error?: string;
      retryable?: boolean;
      status?: number;
    } | null;
    throw new ProviderError(
      provider,
      body?.error ?? `LLM worker answered ${res.status}`,
      body?.retryable ?? true,
      {
        status: body?.status,
      },
    );
  }
  const r = (await res.json()) as {
    result: AnalysisResult;
    usage: { inputTokens?: number; outputTokens?: number };
  };
  return { result: r.result, usage: r.usage };
}
