import type { RedactionCounts, TenantPattern } from "../../content/redaction";
import type { RoleSource, Transcript } from "../../content/transcripts/model";
import type { FetchLike } from "../http";

export { isProviderError, ProviderError, type ProviderErrorCode } from "../errors";

/**
 * The transcription contract (C2). Every provider takes the recording as a stream and returns
 * our `Transcript` — diarised, roles resolved, and already redacted (C12). The caller stores
 * only what it gets back.
 *
 * Before calling `transcribe`, the pipeline asks `decideProcessing` (core/policy/processing.ts) and passes
 * the endpoint it returns; a provider never picks its own region.
 */
export type SpeechProviderId = "deepgram" | "openai" | "assemblyai";

export interface SpeechRequest {
  audio: ReadableStream<Uint8Array>;
  /** Bytes in `audio` (the R2 object's size). */
  size: number;
  mime: string;
  /** Known language; without it the provider detects it. */
  language?: "fr" | "en";
  /** Base URL from `decideProcessing` (e.g. `https://api.eu.deepgram.com`). */
  endpoint: string;
  apiKey: string;
  /** Used to recognise the agent's greeting ("Assurances Horizon, bonjour"). */
  companyName?: string | null;
  signal?: AbortSignal;
  /** Stereo recording with one side per channel: transcribe each channel separately. */
  multichannel?: boolean;
  /** With `multichannel`: the 0-based channel that carries the agent (usually 0, the left). */
  agentChannel?: number;
  /** Outbound calls start with the customer answering; inbound with the agent's greeting. */
  direction?: "inbound" | "outbound";
  /** The tenant's own redaction patterns (C12), applied with the built-in ones. */
  tenantPatterns?: TenantPattern[];
}

/** How a resolver run told agent and customer apart (a manual correction is not a run). */
export type RolesMethod = Exclude<RoleSource, "manual">;

export interface SpeechResult {
  /** Redacted; roles resolved. */
  transcript: Transcript;
  /**
   * The provider's response with its text fields already passed through `redactRaw` (calling
   * it again changes nothing): safe to store in R2 as the raw provider response.
   */
  raw: unknown;
  provider: SpeechProviderId;
  /** Model that produced the transcript, as the provider reported it when it did. */
  model: string;
  /** Provider-side redaction was requested (Deepgram `redact`, AssemblyAI `redact_pii`). */
  redactedByProvider: boolean;
  /** What our own redaction replaced in the transcript (typed placeholders → counts). */
  redactionCounts: RedactionCounts;
  /** How agent/customer were told apart. */
  roles: RolesMethod;
}

export interface SpeechProvider {
  id: SpeechProviderId;
  /** Largest file the provider accepts, or null when it has no limit we would reach. */
  maxBytes: number | null;
  transcribe(req: SpeechRequest): Promise<SpeechResult>;
}

/** What every provider factory accepts (tests inject `fetch`). */
export interface SpeechProviderOptions {
  fetch?: FetchLike;
  /** One HTTP request's bound, body included. */
  timeoutMs?: number;
}
