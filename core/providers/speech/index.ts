import { ASSEMBLYAI_MAX_BYTES, type AssemblyAiOptions, assemblyAiProvider } from "./assemblyai";
import { DEEPGRAM_MAX_BYTES, deepgramProvider } from "./deepgram";
import { OPENAI_MAX_BYTES, openaiSpeechProvider } from "./openai";
import type { SpeechProvider, SpeechProviderId } from "./types";

export { assemblyAiProvider, assemblyai } from "./assemblyai";
export { deepgram, deepgramParams, deepgramProvider } from "./deepgram";
export { openaiSpeech, openaiSpeechProvider } from "./openai";
export { redactRaw } from "./redact-raw";
export { resolveRoles, resolveRolesDetailed } from "./roles";
export * from "./types";

export const SPEECH_PROVIDER_IDS: readonly SpeechProviderId[] = ["deepgram", "openai", "assemblyai"];

/** File limits, known without building a provider. */
export const SPEECH_MAX_BYTES: Readonly<Record<SpeechProviderId, number | null>> = {
  deepgram: DEEPGRAM_MAX_BYTES,
  openai: OPENAI_MAX_BYTES,
  assemblyai: ASSEMBLYAI_MAX_BYTES,
};

export function createSpeechProvider(id: SpeechProviderId, opts: AssemblyAiOptions = {}): SpeechProvider {
  switch (id) {
    case "deepgram":
      return deepgramProvider(opts);
    case "openai":
      return openaiSpeechProvider(opts);
    case "assemblyai":
      return assemblyAiProvider(opts);
  }
}

export type SpeechChoice =
  | { provider: SpeechProviderId; fallback: false }
  | { provider: SpeechProviderId; fallback: true; reason: string }
  | { provider: null; reason: string };

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/**
 * Which provider transcribes a file of `size` bytes: the tenant's preferred one if it may be used
 * (`allowed`: the providers the policy allows for this tenant, in the tenant's order) and takes a
 * file this big, else the first allowed one that does — with the reason, for the call's history —
 * else none, with a reason a tenant can act on. Only speech providers count in `allowed`.
 */
export function pickSpeechProvider(
  preferred: SpeechProviderId,
  size: number,
  allowed: readonly string[],
): SpeechChoice {
  const fits = (id: SpeechProviderId) => {
    const max = SPEECH_MAX_BYTES[id];
    return max === null || size <= max;
  };
  const usable = allowed.filter((id): id is SpeechProviderId =>
    (SPEECH_PROVIDER_IDS as readonly string[]).includes(id),
  );
  if (usable.includes(preferred) && fits(preferred)) return { provider: preferred, fallback: false };

  const why = !usable.includes(preferred)
    ? `${preferred} is not allowed for this tenant`
    : `${preferred} accepts files up to ${mb(SPEECH_MAX_BYTES[preferred]!)} and this recording is ${mb(size)}`;
  const other = usable.find((id) => id !== preferred && fits(id));
  if (other) return { provider: other, fallback: true, reason: `${why}, so ${other} transcribes it` };
  if (usable.length === 0)
    return { provider: null, reason: `no transcription provider is allowed for this tenant (${why})` };
  return {
    provider: null,
    reason: `${why}, and no other allowed provider (${usable.join(", ")}) takes a file of ${mb(size)}: enable deepgram or assemblyai for this tenant, or upload a compressed recording (mp3, ogg)`,
  };
}
