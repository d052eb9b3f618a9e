import type { Tenant } from "../../db/schema/control";
import { ProviderError } from "../providers/errors";
import type { AnalysisResult, EngineInput } from "../scoring/engine/types";
import { providerKey } from "./provider-keys";

/**
 * LLM analysis (C3) with the tenant's provider at the endpoint the policy allowed, done by the
 * LLM Worker (workers/llm) over the `LLM` service binding. The metrics are computed there by the
 * built-in engine (they are measurements, not judgments); the score uses the C4b formula.
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
  let res: Response;
  try {
    res = await env.LLM.fetch("https://ccr-llm.internal/analyze", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ provider, endpoint, apiKey, input }),
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

/**
 * The built-in engine (C3, default), which runs in the analysis Worker (workers/llm) too: its
 * lexicons would push this Worker past its bundle budget (P6). Deterministic, no provider, no key.
 */
export async function analyzeBuiltin(env: Env, input: EngineInput): Promise<AnalysisResult> {
  let res: Response;
  try {
    res = await env.LLM.fetch("https://ccr-llm.internal/builtin", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input }),
    });
  } catch (e) {
    throw new ProviderError("builtin", `The analysis worker is unreachable (${(e as Error).message})`, true);
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: string } | null;
    throw new ProviderError(
      "builtin",
      body?.error ?? `analysis worker answered ${res.status}`,
      res.status >= 500,
    );
  }
  return (await res.json()) as AnalysisResult;
}
