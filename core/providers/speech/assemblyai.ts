import { z } from "zod";
import { providerError } from "../errors";
import { type CallOptions, callJson, defaultFetch, malformed, sleep as realSleep, sizedBody } from "../http";
import { base, buildSpeechResult } from "./build";
import type { SpeechProvider, SpeechProviderOptions } from "./types";

/**
 * AssemblyAI (C2), asynchronous: upload the audio (`POST /v2/upload`, streamed), create a
 * transcript (`POST /v2/transcript`), poll `GET /v2/transcript/{id}` with backoff until it is
 * `completed` or `error`, then delete it (`DELETE /v2/transcript/{id}`): without the delete,
 * AssemblyAI keeps a transcript until its account TTL (indefinitely when none is set), while the
 * uploaded file is removed within days. EU tenants get `https://api.eu.assemblyai.com`.
 *
 * Waiting is bounded (`maxWaitMs`, default 10 min) because the pipeline calls this from a queue
 * consumer; past the bound it throws a retryable `timeout` (and tries to delete the transcript
 * it gives up on).
 *
 * Provider-side redaction (C12): `redact_pii` with the card, banking and e-mail policies — PII
 * redaction is documented for French and English on the US and EU endpoints — and `entity_name`
 * substitution (`[CREDIT_CARD_NUMBER]`). Our own redaction still runs after.
 */
export const ASSEMBLYAI_DEFAULT_MODELS = ["universal-3-pro", "universal-2"];
/** Documented limit of `/v2/upload`. */
export const ASSEMBLYAI_MAX_BYTES = 2_200_000_000;
export const ASSEMBLYAI_REDACT_POLICIES = [
  "credit_card_number",
  "credit_card_expiration",
  "credit_card_cvv",
  "banking_information",
  "email_address",
];

export interface AssemblyAiOptions extends SpeechProviderOptions {
  /** Total time spent waiting for the transcript (polling included). Default 10 min. */
  maxWaitMs?: number;
  /** First pause between polls; it grows ×1.5 up to `maxPollIntervalMs`. Default 3 s / 15 s. */
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  /** `speech_models` in priority order (AssemblyAI falls back along the list by language). */
  speechModels?: string[];
  /** Delete the transcript at AssemblyAI once read. Default true. */
  deleteAfterFetch?: boolean;
  /** Injectable clock for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
}

const uploadSchema = z.object({ upload_url: z.string().min(1) });
const createdSchema = z.object({ id: z.string().min(1), status: z.string() });
const transcriptSchema = z.object({
  id: z.string(),
  status: z.enum(["queued", "processing", "completed", "error"]),
  error: z.string().nullish(),
  language_code: z.string().nullish(),
  speech_model_used: z.string().nullish(),
  speech_model: z.string().nullish(),
  utterances: z
    .array(
      z.object({
        start: z.number(),
        end: z.number(),
        text: z.string(),
        speaker: z.string().nullish(),
        channel: z.string().nullish(),
      }),
    )
    .nullish(),
});

export function assemblyAiProvider(opts: AssemblyAiOptions = {}): SpeechProvider {
  const fetchImpl = opts.fetch ?? defaultFetch;
  const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
  const maxWaitMs = opts.maxWaitMs ?? 10 * 60_000;
  const firstPoll = opts.pollIntervalMs ?? 3_000;
  const maxPoll = opts.maxPollIntervalMs ?? 15_000;
  const sleep = opts.sleep ?? realSleep;
  const now = opts.now ?? Date.now;
  const deleteAfter = opts.deleteAfterFetch ?? true;

  return {
    id: "assemblyai",
    maxBytes: ASSEMBLYAI_MAX_BYTES,
    async transcribe(req) {
      const root = base(req.endpoint);
      const auth = { authorization: req.apiKey };
      const call: CallOptions = {
        fetch: fetchImpl,
        timeoutMs,
        ...(req.signal ? { signal: req.signal } : {}),
      };
      const started = now();

      const uploaded = uploadSchema.safeParse(
        await callJson(
          "assemblyai",
          "the upload",
          `${root}/v2/upload`,
          {
            method: "POST",
            headers: { ...auth, "content-type": "application/octet-stream" },
            body: sizedBody(req.audio, req.size),
          },
          call,
        ),
      );
      if (!uploaded.success) throw malformed("assemblyai", "the upload", "no upload_url");

      const body: Record<string, unknown> = {
        audio_url: uploaded.data.upload_url,
        speech_models: opts.speechModels ?? ASSEMBLYAI_DEFAULT_MODELS,
        punctuate: true,
        format_text: true,
        redact_pii: true,
        redact_pii_policies: ASSEMBLYAI_REDACT_POLICIES,
        redact_pii_sub: "entity_name",
      };
      if (req.language) body.language_code = req.language;
      else body.language_detection = true;
      // Per-channel transcription already separates the speakers; diarisation is for mixed audio.
      if (req.multichannel) body.multichannel = true;
      else body.speaker_labels = true;

      const created = createdSchema.safeParse(
        await callJson(
          "assemblyai",
          "the transcript request",
          `${root}/v2/transcript`,
          {
            method: "POST",
            headers: { ...auth, "content-type": "application/json" },
            body: JSON.stringify(body),
          },
          call,
        ),
      );
      if (!created.success) throw malformed("assemblyai", "the transcript request", "no transcript id");
      const id = created.data.id;
      const url = `${root}/v2/transcript/${encodeURIComponent(id)}`;

      const remove = async () => {
        if (!deleteAfter) return;
        try {
          // Not tied to the caller's signal: an aborted wait must still clean up.
          await callJson(
            "assemblyai",
            "the deletion",
            url,
            { method: "DELETE", headers: auth },
            {
              fetch: fetchImpl,
              timeoutMs: 30_000,
              allowEmpty: true,
            },
          );
        } catch (e) {
          // The transcript is ours either way; a failed delete must not lose it. It is logged for
          // operators (no content), and AssemblyAI's account TTL remains the backstop.
          console.warn(
            JSON.stringify({
              level: "warn",
              msg: "assemblyai transcript not deleted",
              transcriptId: id,
              error: e instanceof Error ? e.message : String(e),
            }),
          );
        }
      };

      let wait = firstPoll;
      for (;;) {
        const raw = await callJson("assemblyai", "the transcript status", url, { headers: auth }, call);
        const parsed = transcriptSchema.safeParse(raw);
        if (!parsed.success) {
          const i = parsed.error.issues[0];
          throw malformed(
            "assemblyai",
            "the transcript status",
            `${i.path.join(".") || "body"}: ${i.message}`,
          );
        }
        const t = parsed.data;
        if (t.status === "error") {
          await remove();
          throw providerError(
            "assemblyai",
            "transcription_failed",
            `assemblyai could not transcribe the recording: ${(t.error ?? "no reason given").slice(0, 300)}`,
            { retryable: false },
          );
        }
        if (t.status === "completed") {
          if (!t.utterances)
            throw malformed(
              "assemblyai",
              "the transcript",
              "utterances missing (speaker labels were requested)",
            );
          const result = buildSpeechResult({
            provider: "assemblyai",
            model:
              t.speech_model_used ?? t.speech_model ?? (opts.speechModels ?? ASSEMBLYAI_DEFAULT_MODELS)[0],
            utterances: t.utterances.map((u) => {
              // AssemblyAI: milliseconds, channels "1", "2"… (1 = left); ours: seconds, 0-based.
              const ch = u.channel != null ? Number.parseInt(u.channel, 10) : Number.NaN;
              return {
                startS: u.start / 1000,
                endS: u.end / 1000,
                text: u.text,
                ...(u.speaker ? { speakerLabel: u.speaker } : {}),
                ...(req.multichannel && Number.isInteger(ch) && ch >= 1 ? { channel: ch - 1 } : {}),
              };
            }),
            raw,
            req,
            detectedLanguage: t.language_code ?? null,
            redactedByProvider: true,
          });
          await remove();
          return result;
        }
        const left = maxWaitMs - (now() - started);
        if (left <= 0) {
          await remove();
          throw providerError(
            "assemblyai",
            "timeout",
            `assemblyai had not finished the transcript after ${Math.round(maxWaitMs / 1000)} s (status ${t.status}); retry later`,
            { retryable: true },
          );
        }
        try {
          await sleep(Math.min(wait, left), req.signal);
        } catch (e) {
          await remove();
          throw providerError("assemblyai", "timeout", "waiting for the assemblyai transcript was aborted", {
            retryable: true,
            cause: e,
          });
        }
        wait = Math.min(maxPoll, Math.round(wait * 1.5));
      }
    },
  };
}

/** The provider with default options (global fetch, 10 min total wait, deletion after reading). */
export const assemblyai: SpeechProvider = assemblyAiProvider();
