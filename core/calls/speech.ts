import { and, eq } from "drizzle-orm";
import { dataPlane } from "../../db/resolver";
import type { Tenant } from "../../db/schema/control";
import { type Call, calls } from "../../db/schema/data";
import { RetryableError } from "../providers/errors";
import { assemblyai } from "../providers/speech/assemblyai";
import { deepgram } from "../providers/speech/deepgram";
import { openaiSpeech } from "../providers/speech/openai";
import { redactRaw } from "../providers/speech/redact-raw";
import { ProviderError, type SpeechProvider } from "../providers/speech/types";
import { providerKey, systemCtx } from "./provider-keys";
import { storeTranscript } from "./transcript";

/**
 * Speech-to-text for a stored recording (C2): the tenant's provider at the endpoint the policy
 * chose, its output redacted by the provider module, then stored like an imported transcript
 * (R2 + FTS). The provider's raw response is kept in R2 with its text redacted too.
 */
export async function transcribeRecording(
  env: Env,
  tenant: Tenant,
  call: Call,
  endpoint: string,
): Promise<void> {
  const dp = dataPlane(env, tenant);
  if (!call.recKey) throw new Error("no recording");
  const provider = speechProvider(tenant.speechProvider);
  if (provider.maxBytes !== null && (call.recSize ?? 0) > provider.maxBytes)
    throw new ProviderError(
      provider.id,
      `The recording is ${call.recSize} bytes; ${provider.id} accepts at most ${provider.maxBytes}. Choose Deepgram or AssemblyAI for long calls.`,
      false,
    );
  const apiKey = await providerKey(env, tenant, provider.id);
  if (!apiKey) throw new ProviderError(provider.id, `No API key is configured for ${provider.id}`, false);
  const obj = await dp.bucket.get(call.recKey);
  if (!obj) throw new ProviderError(provider.id, "The recording object is missing", false);
  let result: Awaited<ReturnType<SpeechProvider["transcribe"]>>;
  try {
    result = await provider.transcribe({
      audio: obj.body,
      size: obj.size,
      mime: call.recMime ?? "application/octet-stream",
      language: (call.language as "fr" | "en" | undefined) ?? undefined,
      endpoint,
      apiKey,
      companyName: tenant.name,
      direction: call.direction ?? undefined,
      tenantPatterns: tenant.redactionPatterns,
      signal: AbortSignal.timeout(10 * 60_000),
    });
  } catch (e) {
    if (e instanceof ProviderError && e.retryable) throw new RetryableError((e as Error).message);
    throw e;
  }
  await dp.bucket.put(
    dp.key("calls", call.id, `stt-${provider.id}.json`),
    JSON.stringify(redactRaw(provider.id, result.raw)),
    {
      httpMetadata: { contentType: "application/json" },
    },
  );
  const ctx = systemCtx(env, tenant);
  const prepared = await storeTranscript.prepare(
    ctx,
    { format: "json", content: result.transcript.segments as never },
    { roles: result.transcript.roles ?? { source: result.roles } },
  );
  const fresh = await dp.db.query.calls.findFirst({
    where: and(eq(calls.id, call.id), eq(calls.tenantId, tenant.id)),
  });
  if (fresh) await storeTranscript.commit(ctx, fresh, { ...prepared, format: "json" });
}

function speechProvider(id: Tenant["speechProvider"]): SpeechProvider {
  switch (id) {
    case "deepgram":
      return deepgram;
    case "openai":
      return openaiSpeech;
    case "assemblyai":
      return assemblyai;
    default:
      throw new ProviderError(String(id), "No speech provider is configured", false);
  }
}
