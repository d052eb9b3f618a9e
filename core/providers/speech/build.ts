import { redactTranscript } from "../../content/redaction";
import { type DraftSegment, finalize } from "../../content/transcripts/finalize";
import { TranscriptError } from "../../content/transcripts/model";
import { providerError } from "../errors";
import { redactRaw } from "./redact-raw";
import { resolveRolesDetailed } from "./roles";
import type { SpeechProviderId, SpeechRequest, SpeechResult } from "./types";

/** A provider's utterance before it becomes one of our segments. */
export interface ProviderUtterance {
  startS: number;
  endS: number;
  text: string;
  speakerLabel?: string;
  channel?: number;
}

/**
 * Provider utterances → our Transcript, with the same invariants as an import (ids `s1…sN` in
 * time order, non-empty text, sorted), roles resolved, then redacted; the raw response is redacted
 * too. The one place every speech provider ends, so none can skip redaction.
 */
export function buildSpeechResult(args: {
  provider: SpeechProviderId;
  model: string;
  utterances: ProviderUtterance[];
  raw: unknown;
  req: SpeechRequest;
  detectedLanguage?: string | null;
  redactedByProvider: boolean;
}): SpeechResult {
  const { provider, req } = args;
  const drafts: DraftSegment[] = [];
  args.utterances.forEach((u, i) => {
    if (!Number.isFinite(u.startS) || !Number.isFinite(u.endS)) return;
    const startS = Math.max(0, u.startS);
    const d: DraftSegment = {
      speaker: "unknown",
      startS,
      endS: Math.max(startS, u.endS),
      text: u.text,
      at: { segment: i },
    };
    if (u.speakerLabel !== undefined) d.speakerLabel = u.speakerLabel;
    if (u.channel !== undefined) d.channel = u.channel;
    drafts.push(d);
  });

  const detected = args.detectedLanguage?.toLowerCase().slice(0, 2);
  const language = req.language ?? (detected === "fr" || detected === "en" ? detected : undefined);

  let transcript: SpeechResult["transcript"];
  try {
    transcript = finalize(drafts, language ? { language } : {});
  } catch (e) {
    if (e instanceof TranscriptError && e.code === "empty")
      throw providerError(provider, "no_speech", `${provider} found no speech in the recording`, {
        retryable: false,
        cause: e,
      });
    if (e instanceof TranscriptError)
      throw providerError(
        provider,
        "invalid_transcript",
        `the transcript from ${provider} breaks a limit: ${e.message}`,
        { retryable: false, cause: e },
      );
    throw e;
  }

  const roles = resolveRolesDetailed(transcript.segments, {
    companyName: req.companyName,
    ...(req.multichannel && req.agentChannel !== undefined ? { agentChannel: req.agentChannel } : {}),
    ...(req.direction ? { direction: req.direction } : {}),
  });
  const redacted = redactTranscript(
    { ...transcript, segments: roles.segments, roles: roles.resolution },
    req.tenantPatterns ? { tenantPatterns: req.tenantPatterns } : {},
  );

  return {
    transcript: redacted.transcript,
    raw: redactRaw(provider, args.raw, {
      ...(transcript.language ? { locale: transcript.language } : {}),
      ...(req.tenantPatterns ? { tenantPatterns: req.tenantPatterns } : {}),
    }),
    provider,
    model: args.model,
    redactedByProvider: args.redactedByProvider,
    redactionCounts: redacted.counts,
    roles: roles.method,
  };
}

/** Base URL without its trailing slash. */
export const base = (endpoint: string) => endpoint.replace(/\/+$/, "");
