import { z } from "zod";
import { ProviderError, providerError } from "../errors";
import { callJson, defaultFetch, malformed } from "../http";
import { base, buildSpeechResult } from "./build";
import type { SpeechProvider, SpeechProviderOptions } from "./types";

/**
 * OpenAI transcription with diarisation (C2): `POST {endpoint}/audio/transcriptions`, multipart,
 * model `gpt-4o-transcribe-diarize`, `response_format=diarized_json` (the only format that carries
 * speakers), `chunking_strategy=auto` (required above 30 s of audio). EU tenants get
 * `https://eu.api.openai.com/v1` (data residency) from the policy.
 *
 * OpenAI takes files up to 25 MB. Multipart needs the whole file: a Worker builds the FormData
 * in memory, which is acceptable up to that limit (an isolate has 128 MB). Bigger files never get
 * here — `pickSpeechProvider` routes them to Deepgram or AssemblyAI, or explains why it cannot —
 * and if one does, it is refused before a byte is read. The stream is also read with a cap, so a
 * wrong `size` cannot make us buffer more than the limit.
 *
 * No provider-side redaction exists for this endpoint; our own runs on the result. A stereo
 * recording is mixed down by OpenAI, so roles come from the greeting or the first speaker.
 */
export const OPENAI_TRANSCRIBE_MODEL = "gpt-4o-transcribe-diarize";
export const OPENAI_MAX_BYTES = 25 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10 * 60_000;

const EXT: Record<string, string> = {
  "audio/wav": "wav",
  "audio/x-wav": "wav",
  "audio/wave": "wav",
  "audio/mpeg": "mp3",
  "audio/mp3": "mp3",
  "audio/ogg": "ogg",
  "audio/flac": "flac",
  "audio/x-flac": "flac",
  "audio/mp4": "m4a",
  "audio/x-m4a": "m4a",
  "audio/m4a": "m4a",
  "audio/webm": "webm",
};

const responseSchema = z.object({
  text: z.string().optional(),
  duration: z.number().optional(),
  segments: z.array(
    z.object({
      id: z.string().optional(),
      start: z.number(),
      end: z.number(),
      text: z.string(),
      speaker: z.string().nullish(),
    }),
  ),
});

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** Read a stream fully, refusing to hold more than `max` bytes. */
async function readCapped(
  stream: ReadableStream<Uint8Array>,
  max: number,
  provider: string,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw providerError(
        provider,
        "too_large",
        `${provider} accepts files up to ${mb(max)}; this recording is larger`,
        { retryable: false },
      );
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

export function openaiSpeechProvider(opts: SpeechProviderOptions = {}): SpeechProvider {
  const fetchImpl = opts.fetch ?? defaultFetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    id: "openai",
    maxBytes: OPENAI_MAX_BYTES,
    async transcribe(req) {
      if (req.size > OPENAI_MAX_BYTES) {
        await req.audio.cancel().catch(() => {});
        throw providerError(
          "openai",
          "too_large",
          `openai accepts files up to 25 MB; this recording is ${mb(req.size)} — transcribe it with deepgram or assemblyai`,
          { retryable: false },
        );
      }
      let bytes: Uint8Array;
      try {
        bytes = await readCapped(req.audio, OPENAI_MAX_BYTES, "openai");
      } catch (e) {
        if (e instanceof ProviderError) throw e;
        throw providerError(
          "openai",
          "network",
          "the recording could not be read from storage; retry later",
          {
            retryable: true,
            cause: e,
          },
        );
      }
      const form = new FormData();
      const ext = EXT[req.mime.split(";")[0].trim().toLowerCase()] ?? "wav";
      form.append("file", new Blob([bytes], { type: req.mime }), `audio.${ext}`);
      form.append("model", OPENAI_TRANSCRIBE_MODEL);
      form.append("response_format", "diarized_json");
      form.append("chunking_strategy", "auto");
      if (req.language) form.append("language", req.language);

      const raw = await callJson(
        "openai",
        "the transcription",
        `${base(req.endpoint)}/audio/transcriptions`,
        // No content-type: fetch sets multipart/form-data with its boundary.
        { method: "POST", headers: { authorization: `Bearer ${req.apiKey}` }, body: form },
        { fetch: fetchImpl, timeoutMs, ...(req.signal ? { signal: req.signal } : {}) },
      );
      const parsed = responseSchema.safeParse(raw);
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw malformed("openai", "the transcription", `${i.path.join(".") || "body"}: ${i.message}`);
      }
      return buildSpeechResult({
        provider: "openai",
        model: OPENAI_TRANSCRIBE_MODEL,
        utterances: parsed.data.segments.map((s) => ({
          startS: s.start,
          endS: s.end,
          text: s.text,
          ...(s.speaker ? { speakerLabel: s.speaker } : {}),
        })),
        raw,
        req,
        redactedByProvider: false,
      });
    },
  };
}

/** The provider with default options (global fetch, 10 min per request). */
export const openaiSpeech: SpeechProvider = openaiSpeechProvider();
