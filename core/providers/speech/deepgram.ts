import { z } from "zod";
import { callJson, defaultFetch, malformed, sizedBody } from "../http";
import { base, buildSpeechResult, type ProviderUtterance } from "./build";
import type { SpeechProvider, SpeechProviderOptions, SpeechRequest } from "./types";

/**
 * Deepgram pre-recorded transcription (C2): `POST {endpoint}/v1/listen` with the audio as the
 * body, answered synchronously. EU tenants get `https://api.eu.deepgram.com` from the policy.
 *
 * `mip_opt_out=true` is on every request: without it Deepgram keeps the audio and transcript for
 * its Model Improvement Program and may process them outside the regional endpoint's region
 * ("Your Data at Deepgram"). With it, nothing is retained after the request and an EU request
 * stays in the EU.
 *
 * Provider-side redaction (C12): Deepgram's entity redaction (`redact=pci`: card number, expiry,
 * CVV) works for English only, so it is requested when the call is known to be English. Number
 * redaction (`redact=numbers`) exists in French too, but it removes every run of three digits or
 * more — amounts, dates, order and contract numbers the analysis needs — so it is not requested:
 * our own redaction (Luhn-checked cards, CVV and expiry by context) runs on every transcript
 * after this.
 */
export const DEEPGRAM_MODEL = "nova-3";
/** Deepgram's documented limit for a pre-recorded file. */
export const DEEPGRAM_MAX_BYTES = 2 * 1024 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 10 * 60_000;

const utteranceSchema = z.object({
  start: z.number(),
  end: z.number(),
  transcript: z.string(),
  speaker: z.number().int().nullish(),
  channel: z.number().int().nullish(),
});
const responseSchema = z.object({
  metadata: z
    .object({
      request_id: z.string().optional(),
      duration: z.number().optional(),
      channels: z.number().optional(),
    })
    .passthrough()
    .optional(),
  results: z
    .object({
      channels: z.array(z.object({ detected_language: z.string().optional() }).passthrough()).optional(),
      utterances: z.array(utteranceSchema).optional(),
    })
    .passthrough(),
});

/** The query string we send, in one place (the test asserts it). */
export function deepgramParams(req: Pick<SpeechRequest, "language" | "multichannel">): URLSearchParams {
  const p = new URLSearchParams({
    model: DEEPGRAM_MODEL,
    diarize: "true",
    utterances: "true",
    punctuate: "true",
    smart_format: "true",
    mip_opt_out: "true",
  });
  if (req.language) p.set("language", req.language);
  else p.set("detect_language", "true");
  if (req.multichannel) p.set("multichannel", "true");
  if (req.language === "en") p.append("redact", "pci");
  return p;
}

export function deepgramProvider(opts: SpeechProviderOptions = {}): SpeechProvider {
  const fetchImpl = opts.fetch ?? defaultFetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    id: "deepgram",
    maxBytes: DEEPGRAM_MAX_BYTES,
    async transcribe(req) {
      const params = deepgramParams(req);
      const raw = await callJson(
        "deepgram",
        "the transcription",
        `${base(req.endpoint)}/v1/listen?${params}`,
        {
          method: "POST",
          headers: { authorization: `Token ${req.apiKey}`, "content-type": req.mime },
          body: sizedBody(req.audio, req.size),
        },
        { fetch: fetchImpl, timeoutMs, ...(req.signal ? { signal: req.signal } : {}) },
      );
      const parsed = responseSchema.safeParse(raw);
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw malformed("deepgram", "the transcription", `${i.path.join(".") || "body"}: ${i.message}`);
      }
      const { results } = parsed.data;
      if (!results.utterances)
        throw malformed("deepgram", "the transcription", "results.utterances is missing");
      const utterances: ProviderUtterance[] = results.utterances.map((u) => ({
        startS: u.start,
        endS: u.end,
        text: u.transcript,
        ...(u.speaker != null ? { speakerLabel: `spk_${u.speaker}` } : {}),
        ...(u.channel != null && req.multichannel ? { channel: u.channel } : {}),
      }));
      return buildSpeechResult({
        provider: "deepgram",
        model: DEEPGRAM_MODEL,
        utterances,
        raw,
        req,
        detectedLanguage: results.channels?.[0]?.detected_language ?? null,
        redactedByProvider: params.has("redact"),
      });
    },
  };
}

/** The provider with default options (global fetch, 10 min per request). */
export const deepgram: SpeechProvider = deepgramProvider();
