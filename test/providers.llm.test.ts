import { env } from "cloudflare:workers";
import type { LanguageModelV3CallOptions, LanguageModelV3GenerateResult } from "@ai-sdk/provider";
import { APICallError } from "ai";
import { MockLanguageModelV3 } from "ai/test";
import { describe, expect, it, vi } from "vitest";
import { analyzeWithTenantLlm } from "../core/calls/llm";
import { parseTranscript } from "../core/content/transcripts/parse";
import { encryptString } from "../core/platform/crypto";
import { decideProcessing } from "../core/policy/processing";
import { ProviderError } from "../core/providers/errors";
import { analyzeWithLlm, computeScore, type LlmOutput, modelFor } from "../core/providers/llm";
import type { EngineInput, Metrics } from "../core/scoring/engine/types";
import { type RubricVersion, rubricVersionSchema } from "../core/scoring/rubric-model";
import llmWorkerModule from "../workers/llm/index";
import { openaiInvalidKey, openaiResponsesAnswer } from "./fixtures/providers/openai";
import { makeTenant } from "./helpers";

// ---------------------------------------------------------------------------------------------
// A French call, a rubric with every kind of criterion, and the engine's metrics.

const rubric: RubricVersion = {
  ...rubricVersionSchema.parse({
    language: "fr",
    passThreshold: 80,
    sections: [
      {
        id: "accueil",
        label: "Accueil",
        criteria: [
          {
            id: "greeting",
            label: "Salutation avec le nom de l'entreprise",
            weight: 20,
            check: {
              kind: "phrase_present",
              phrases: ["bonjour"],
              withinS: 20,
              requireCompanyName: true,
            },
          },
        ],
      },
      {
        id: "traitement",
        label: "Traitement",
        criteria: [
          {
            id: "empathy",
            label: "Empathie",
            weight: 30,
            answerType: "scale_1_5",
            check: { kind: "llm", question: "Le conseiller reconnaît-il la gêne du client ?" },
          },
          {
            id: "resolution",
            label: "Résolution",
            weight: 30,
            critical: true,
            allowNa: false,
            check: { kind: "llm", question: "Le problème du client est-il résolu pendant l'appel ?" },
          },
          {
            id: "silence",
            label: "Peu de silences",
            weight: 20,
            check: { kind: "metric_threshold", metric: "silencePct", op: "<=", value: 20 },
          },
        ],
      },
    ],
  }),
  rubricId: "rub_1",
  version: 3,
};

const transcript = parseTranscript("json", {
  segments: [
    { speaker: "agent", start: 0, end: 4, text: "Assurances Horizon bonjour, Julie à votre écoute." },
    { speaker: "customer", start: 4.5, end: 9, text: "Bonjour, j'ai été prélevé deux fois, c'est pénible." },
    {
      speaker: "agent",
      start: 9.5,
      end: 14,
      text: "Je comprends, je suis désolée. Je rembourse le second prélèvement.",
    },
    { speaker: "customer", start: 14.5, end: 19, text: "Ma carte c'est le 4970 1012 3456 7893 si besoin." },
    { speaker: "agent", start: 19.5, end: 22, text: "Inutile, c'est fait. Bonne journée." },
  ],
});

const input: EngineInput = {
  transcript,
  call: { language: "fr", companyName: "Assurances Horizon" },
  rubric,
};

const metrics: Metrics = {
  durationS: 22,
  agentTalkS: 11,
  customerTalkS: 9,
  agentTalkRatio: 0.55,
  silencePct: 9.1,
  longestSilenceS: 0.5,
  overtalkCount: 0,
  interruptions: 0,
  agentWpm: 150,
  holdCount: 0,
  sentimentStart: -0.4,
  sentimentEnd: 0.3,
  sentimentBySegment: [],
};

const answer = (over: Partial<LlmOutput> = {}): LlmOutput => ({
  criteria: [
    { id: "greeting", answer: "yes", scale: null, evidence: ["s1"], rationale: "Salutation avec le nom." },
    { id: "empathy", answer: "yes", scale: 4, evidence: ["[s3]", "s99"], rationale: "Reconnaît la gêne." },
    {
      id: "resolution",
      answer: "yes",
      scale: null,
      evidence: ["s3", "s5"],
      rationale: "Remboursement fait.",
    },
  ],
  irritants: [
    { type: "billing_dispute", severity: "medium", speaker: "customer", evidence: ["s2"] },
    { type: "repeat_contact", severity: "low", speaker: "customer", evidence: ["s42"] },
  ],
  categories: [
    { id: "billing", confidence: 0.9, evidence: ["s2", "bogus"] },
    { id: "complaint", confidence: 1.4, evidence: [] },
  ],
  summary: {
    reason: "Double prélèvement.",
    actions: "Remboursement du second prélèvement.",
    outcome: "Résolu.",
    followUp: "",
  },
  recommendations: ["Annoncer le délai de remboursement.", "  "],
  ...over,
});

function mockModel(output: unknown, usage = { input: 1200, output: 300 }) {
  const result: LanguageModelV3GenerateResult = {
    content: [{ type: "text", text: JSON.stringify(output) }],
    finishReason: { unified: "stop", raw: "stop" },
    usage: {
      inputTokens: { total: usage.input, noCache: usage.input, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: usage.output, text: usage.output, reasoning: undefined },
    },
    warnings: [],
  };
  return new MockLanguageModelV3({ provider: "openai.responses", modelId: "gpt-5-mini", doGenerate: result });
}

/** All text sent to the model: system + user messages. */
function promptText(call: LanguageModelV3CallOptions): string {
  return call.prompt
    .map((m) =>
      typeof m.content === "string"
        ? m.content
        : m.content.map((p) => ("text" in p && typeof p.text === "string" ? p.text : "")).join(""),
    )
    .join("\n");
}

// ---------------------------------------------------------------------------------------------

describe("analyzeWithLlm", () => {
  it("asks with the segment lines and the criteria, in French, with a JSON schema", async () => {
    const model = mockModel(answer());
    await analyzeWithLlm({ model, input, engineLabel: "llm:openai:gpt-5-mini", metrics });
    expect(model.doGenerateCalls).toHaveLength(1);
    const call = model.doGenerateCalls[0];
    const text = promptText(call);

    expect(text).toContain("[s1] agent (0.0–4.0): Assurances Horizon bonjour, Julie à votre écoute.");
    expect(text).toContain("[s2] customer (4.5–9.0): Bonjour, j'ai été prélevé deux fois, c'est pénible.");
    expect(text).toContain("[greeting] (Accueil) Salutation avec le nom de l'entreprise");
    expect(text).toContain("Le problème du client est-il résolu pendant l'appel ?");
    expect(text).toContain("CRITIQUE");
    expect(text).toContain("Tu es un évaluateur qualité");
    // Metrics decide metric criteria; the model is not asked.
    expect(text).not.toContain("[silence]");
    // C12: the card read out in s4 never reaches the model.
    expect(text).toContain("[s4] customer (14.5–19.0): Ma carte c'est le [CARD] si besoin.");
    expect(text).not.toMatch(/4970|7893/);

    expect(call.responseFormat?.type).toBe("json");
    const schema = (call.responseFormat as { schema: { properties: Record<string, { items?: unknown }> } })
      .schema;
    expect(Object.keys(schema.properties).sort()).toEqual([
      "categories",
      "criteria",
      "irritants",
      "recommendations",
      "summary",
    ]);
    expect(JSON.stringify(schema.properties.criteria)).toContain(
      '"enum":["greeting","empathy","resolution"]',
    );
    expect(JSON.stringify(schema)).not.toMatch(/score|metrics|sentiment/);
  });

  it("builds the result: evidence from our transcript, unknown ids dropped and counted, score per C4b", async () => {
    const r = await analyzeWithLlm({
      model: mockModel(answer()),
      input,
      engineLabel: "llm:openai:gpt-5-mini",
      metrics,
    });

    expect(r.usage).toEqual({ inputTokens: 1200, outputTokens: 300 });
    // s99 (empathy), s42 (irritant), bogus (category).
    expect(r.droppedEvidence).toBe(3);

    const res = r.result;
    expect(res.engine).toBe("llm:openai:gpt-5-mini");
    expect(res.rubric).toEqual({ id: "rub_1", version: 3 });
    expect(res.language).toBe("fr");
    expect(res.metrics).toBe(metrics);

    const by = Object.fromEntries(res.criteria.map((c) => [c.id, c]));
    expect(by.greeting).toMatchObject({ result: "pass", score: 1, sectionId: "accueil", weight: 20 });
    expect(by.greeting.evidence).toEqual([
      { segmentId: "s1", startS: 0, endS: 4, quote: "Assurances Horizon bonjour, Julie à votre écoute." },
    ]);
    expect(by.empathy).toMatchObject({ result: "pass", score: 4 });
    expect(by.empathy.evidence.map((e) => e.segmentId)).toEqual(["s3"]);
    expect(by.resolution).toMatchObject({ result: "pass", score: 1, critical: true });
    expect(by.silence).toMatchObject({ result: "pass", score: 1, evidence: [] });
    expect(by.silence.rationale).toContain("silencePct = 9.1");

    // 20 + 30 × (4 − 1) / 4 + 30 + 20 = 92.5 of 100.
    expect(res).toMatchObject({
      score: 92.5,
      evaluatedWeightPct: 100,
      passed: true,
      criticalFail: false,
      needsReview: false,
    });

    expect(res.irritants).toEqual([
      {
        type: "billing_dispute",
        severity: "medium",
        speaker: "customer",
        evidence: [expect.objectContaining({ segmentId: "s2", startS: 4.5 })],
      },
    ]);
    expect(res.categories.map((c) => [c.id, c.confidence, c.evidence.length])).toEqual([
      ["complaint", 1, 0],
      ["billing", 0.9, 1],
    ]);
    expect(res.summary.followUp).toBeNull();
    expect(res.recommendations).toEqual(["Annoncer le délai de remboursement."]);
  });

  it("a failed critical criterion sets the score to 0; a critical one not judged needs review", async () => {
    const failed = answer();
    failed.criteria[2] = {
      id: "resolution",
      answer: "no",
      scale: null,
      evidence: ["s5"],
      rationale: "Non résolu.",
    };
    const r1 = await analyzeWithLlm({ model: mockModel(failed), input, engineLabel: "llm", metrics });
    expect(r1.result).toMatchObject({ score: 0, criticalFail: true, passed: false });

    const unsure = answer();
    unsure.criteria[2] = {
      id: "resolution",
      answer: "cannot_judge",
      scale: null,
      evidence: [],
      rationale: "?",
    };
    const r2 = await analyzeWithLlm({ model: mockModel(unsure), input, engineLabel: "llm", metrics });
    expect(r2.result.criteria.find((c) => c.id === "resolution")?.result).toBe("not_evaluated");
    expect(r2.result).toMatchObject({ needsReview: true, criticalFail: false, evaluatedWeightPct: 70 });
    // 20 + 22.5 + 20 of 70.
    expect(r2.result.score).toBe(89.3);

    // N/A on a criterion that does not allow it is not a judgment.
    const na = answer();
    na.criteria[2] = { id: "resolution", answer: "na", scale: null, evidence: [], rationale: "Sans objet." };
    const r3 = await analyzeWithLlm({ model: mockModel(na), input, engineLabel: "llm", metrics });
    expect(r3.result.criteria.find((c) => c.id === "resolution")?.result).toBe("not_evaluated");
  });

  it("criteria the model skipped are not evaluated; below 50 % judged the score is null", async () => {
    const r = await analyzeWithLlm({
      model: mockModel(answer({ criteria: [] })),
      input,
      engineLabel: "llm",
      metrics: { ...metrics, silencePct: 35 },
    });
    expect(r.result.criteria.map((c) => c.result)).toEqual([
      "not_evaluated",
      "not_evaluated",
      "not_evaluated",
      "fail",
    ]);
    expect(r.result).toMatchObject({ score: null, passed: null, evaluatedWeightPct: 20, needsReview: true });
  });

  it("provider errors become ProviderError: 401 not retryable, 429 retryable", async () => {
    const failing = (statusCode: number) =>
      new MockLanguageModelV3({
        provider: "openai.responses",
        doGenerate: async () => {
          throw new APICallError({
            message: statusCode === 401 ? "Incorrect API key provided" : "Rate limit reached",
            url: "https://eu.api.openai.com/v1/responses",
            requestBodyValues: {},
            statusCode,
            isRetryable: statusCode === 429,
          });
        },
      });
    const run = (m: MockLanguageModelV3) =>
      analyzeWithLlm({ model: m, input, engineLabel: "llm", metrics, maxRetries: 0 }).then(
        () => {
          throw new Error("expected an error");
        },
        (e: unknown) => e,
      );
    const e401 = await run(failing(401));
    expect(e401).toBeInstanceOf(ProviderError);
    expect(e401).toMatchObject({
      provider: "openai",
      retryable: false,
      status: 401,
      statusCode: 401,
      code: "unauthorized",
    });
    const e429 = await run(failing(429));
    expect(e429).toMatchObject({ retryable: true, status: 429, code: "rate_limited" });
  });

  it("an answer that does not match the schema is a retryable ProviderError", async () => {
    const e = await analyzeWithLlm({
      model: mockModel({ criteria: "nope" }),
      input,
      engineLabel: "llm",
      metrics,
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ProviderError);
    expect(e).toMatchObject({ retryable: true, code: "invalid_output" });
  });
});

// ---------------------------------------------------------------------------------------------

describe("modelFor", () => {
  it("OpenAI: the request goes to the EU host (Responses API) with the JSON schema, store off", async () => {
    const decision = decideProcessing({
      tenant: { location: "eu", processingScope: "in_region" },
      provider: "openai",
    });
    if (!decision.allowed) throw new Error("policy refused");
    const sent: { url: string; headers: Headers; body: Record<string, unknown> }[] = [];
    const fetch = async (url: string | URL | Request, init?: RequestInit) => {
      sent.push({
        url: String(url),
        headers: new Headers(init?.headers),
        body: JSON.parse(String(init?.body)),
      });
      return new Response(JSON.stringify(openaiResponsesAnswer(JSON.stringify(answer()))), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    };
    const model = modelFor("openai", { apiKey: "sk-eu", endpoint: decision.endpoint, fetch });
    const r = await analyzeWithLlm({ model, input, engineLabel: "llm:openai:gpt-5-mini", metrics });

    expect(sent).toHaveLength(1);
    expect(sent[0].url).toBe("https://eu.api.openai.com/v1/responses");
    expect(sent[0].headers.get("authorization")).toBe("Bearer sk-eu");
    const body = sent[0].body as {
      model: string;
      store: boolean;
      text: { format: { type: string; name: string; strict: boolean; schema: { properties: object } } };
    };
    expect(body.model).toBe("gpt-5-mini");
    expect(body.store).toBe(false);
    expect(body.text.format).toMatchObject({ type: "json_schema", name: "call_evaluation", strict: true });
    expect(Object.keys(body.text.format.schema.properties)).toContain("criteria");
    expect(JSON.stringify(body)).not.toContain("4970");

    expect(r.usage).toEqual({ inputTokens: 1432, outputTokens: 388 });
    expect(r.result.score).toBe(92.5);
  });

  it("OpenAI: a bad key is a non-retryable ProviderError", async () => {
    const fetch = async () =>
      new Response(JSON.stringify(openaiInvalidKey), {
        status: 401,
        headers: { "content-type": "application/json" },
      });
    const model = modelFor("openai", { apiKey: "sk-bad", endpoint: "https://eu.api.openai.com/v1", fetch });
    const e = await analyzeWithLlm({ model, input, engineLabel: "llm", metrics }).catch((x: unknown) => x);
    expect(e).toMatchObject({ retryable: false, status: 401 });
    expect((e as Error).message).toContain("Incorrect API key provided");
  });

  it("Anthropic: the policy's host gets the /v1 prefix and the key goes in x-api-key", async () => {
    const decision = decideProcessing({
      tenant: { location: "eu", processingScope: "international" },
      provider: "anthropic",
    });
    if (!decision.allowed) throw new Error("policy refused");
    const urls: string[] = [];
    let apiKey: string | null = null;
    const fetch = async (url: string | URL | Request, init?: RequestInit) => {
      urls.push(String(url));
      apiKey = new Headers(init?.headers).get("x-api-key");
      return new Response(
        JSON.stringify({
          type: "error",
          error: { type: "authentication_error", message: "invalid x-api-key" },
        }),
        { status: 401, headers: { "content-type": "application/json" } },
      );
    };
    const model = modelFor("anthropic", { apiKey: "sk-ant", endpoint: decision.endpoint, fetch });
    const e = await analyzeWithLlm({ model, input, engineLabel: "llm", metrics }).catch((x: unknown) => x);
    expect(urls).toEqual(["https://api.anthropic.com/v1/messages"]);
    expect(apiKey).toBe("sk-ant");
    expect(e).toMatchObject({ provider: "anthropic", retryable: false, status: 401 });
  });
});

describe("computeScore", () => {
  it("a 1–5 answer of 1 earns nothing, 5 earns the full weight", () => {
    const crit = (id: string, score: number) => ({
      id,
      label: id,
      sectionId: "s",
      result: (score >= 3 ? "pass" : "fail") as "pass" | "fail",
      score,
      weight: 50,
      critical: false,
      evidence: [],
    });
    const scaleRubric = {
      passThreshold: 80,
      sections: [
        {
          id: "s",
          label: "S",
          criteria: ["a", "b"].map((id) => ({
            id,
            label: id,
            weight: 50,
            answerType: "scale_1_5" as const,
            allowNa: true,
            critical: false,
            check: { kind: "llm" as const, question: "Question ?" },
          })),
        },
      ],
    };
    expect(computeScore(scaleRubric, [crit("a", 1), crit("b", 5)])).toMatchObject({
      score: 50,
      passed: false,
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe("the LLM Worker (workers/llm) behind the LLM service binding", () => {
  it("answers the analysis for a request, and maps provider errors to a retryable flag", async () => {
    const llmWorker = llmWorkerModule;
    const sent: string[] = [];
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (url) => {
      sent.push(String(url instanceof Request ? url.url : url));
      return new Response(JSON.stringify(openaiResponsesAnswer(JSON.stringify(answer()))), {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    });
    const req = (apiKey: string) =>
      new Request("https://ccr-llm.internal/analyze", {
        method: "POST",
        body: JSON.stringify({
          provider: "openai",
          endpoint: "https://eu.api.openai.com/v1",
          apiKey,
          input,
          metrics,
        }),
      });
    const ok = await llmWorker.fetch(req("sk-eu"));
    expect(ok.status).toBe(200);
    const body = (await ok.json()) as { result: { score: number }; usage: { inputTokens: number } };
    expect(body.result.score).toBe(92.5);
    expect(body.usage.inputTokens).toBe(1432);
    expect(sent).toEqual(["https://eu.api.openai.com/v1/responses"]);
    spy.mockImplementation(
      async () =>
        new Response(JSON.stringify(openaiInvalidKey), {
          status: 401,
          headers: { "content-type": "application/json" },
        }),
    );
    const bad = await llmWorker.fetch(req("sk-bad"));
    expect(bad.status).toBe(502);
    expect(await bad.json()).toMatchObject({ provider: "openai", retryable: false, status: 401 });
    spy.mockRestore();
  });

  it("the main Worker reaches it through the binding; an unreachable provider is a retryable error", async () => {
    const t = await makeTenant();
    const tenant = { ...t.tenant, analysisProvider: "openai" as const };
    tenant.providerKeysEnc = await encryptString(
      (env as unknown as Env).ENCRYPTION_KEY,
      JSON.stringify({ openai: "sk-test" }),
      `providers:${tenant.id}`,
    );
    // A closed local port: the LLM Worker's request fails at once, without leaving the machine.
    const e = await analyzeWithTenantLlm(env as unknown as Env, tenant, "http://127.0.0.1:9/v1", input).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ProviderError);
    expect(e).toMatchObject({ provider: "openai", retryable: true });
  });
});
