import { analyzeWithLlm, modelFor } from "../../core/providers/llm";
import { ProviderError } from "../../core/providers/speech/types";
import { analyze, computeMetrics } from "../../core/scoring/engine";
import type { EngineInput, Metrics } from "../../core/scoring/engine/types";

/**
 * The LLM analysis Worker (C3), reached from the main Worker through a service binding (`LLM`).
 * It is separate because the AI SDK and its two providers weigh ~170 KB gzip, which would push
 * the main Worker past its 400 KiB budget (P6) for a path most tenants never use (the built-in
 * engine is the default). It holds no data and no binding: it receives the redacted transcript,
 * the rubric, the metrics, the endpoint the policy allowed and the key, and answers the analysis.
 * Not routable from the internet (no route in its wrangler.toml; `workers_dev = false`).
 */
export interface LlmRequest {
  provider: "openai" | "anthropic";
  endpoint: string;
  apiKey: string;
  input: EngineInput;
  /** Computed here from the transcript when absent. */
  metrics?: Metrics;
}

export interface LlmErrorBody {
  error: string;
  provider: string;
  retryable: boolean;
  status?: number;
}

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method !== "POST") return new Response("method not allowed", { status: 405 });
    // The built-in engine runs here too (its lexicons weigh ~100 KB minified): the main Worker
    // stays within its bundle budget (P6) and every analysis has one home.
    if (new URL(request.url).pathname === "/builtin") {
      const { input } = (await request.json()) as { input: EngineInput };
      try {
        return Response.json(analyze(input));
      } catch (e) {
        return Response.json({ error: e instanceof Error ? e.message : String(e) }, { status: 400 });
      }
    }
    const body = (await request.json()) as LlmRequest;
    body.metrics ??= computeMetrics(body.input);
    try {
      const model = modelFor(body.provider, { apiKey: body.apiKey, endpoint: body.endpoint });
      const r = await analyzeWithLlm({
        model,
        input: body.input,
        engineLabel: body.provider,
        metrics: body.metrics,
      });
      return Response.json(r);
    } catch (e) {
      const err: LlmErrorBody =
        e instanceof ProviderError
          ? { error: e.message, provider: e.provider, retryable: e.retryable, status: e.status }
          : { error: e instanceof Error ? e.message : String(e), provider: body.provider, retryable: true };
      return Response.json(err, { status: 502 });
    }
  },
} satisfies ExportedHandler;
