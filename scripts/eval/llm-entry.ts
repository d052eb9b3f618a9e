import { analyzeWithLlm, modelFor } from "../../core/providers/llm";
import { computeMetrics } from "../../core/scoring/engine";
import type { AnalysisResult } from "../../core/scoring/engine/types";
import { engineInput, type LabelledCall } from "./corpus";
import { EVAL_RUBRICS } from "./rubric";

/**
 * An LLM provider scored like the built-in engine (bundled only when `--llm` is given): the same
 * input, the same grid, metrics measured by the built-in engine as in production.
 */
export async function runLlm(
  call: LabelledCall,
  opts: { provider: "openai" | "anthropic"; apiKey: string; endpoint: string; modelId?: string },
): Promise<AnalysisResult> {
  const input = engineInput(call, EVAL_RUBRICS[call.language]);
  const model = modelFor(opts.provider, {
    apiKey: opts.apiKey,
    endpoint: opts.endpoint,
    ...(opts.modelId ? { modelId: opts.modelId } : {}),
  });
  const r = await analyzeWithLlm({
    model,
    input,
    engineLabel: `llm:${opts.provider}`,
    metrics: computeMetrics(input),
  });
  return r.result;
}
