/**
 * Our transcript model (B2). Every import format (JSON segments, WebVTT, SRT, plain text) and every
 * transcription provider ends up here; analysis, redaction, search and playback read only this.
 *
 * Invariants of a `Transcript` produced by `parseTranscript`:
 * - segments are sorted by `startS` (stable: equal starts keep their input order);
 * - ids are unique; ids given at import are kept, missing ones are `s<position>` in time order
 *   (so `s1…sN` when none was given) — evidence `segmentId` points at them;
 * - every segment has non-empty text and `0 ≤ startS ≤ endS`; overlaps (overtalk) are allowed;
 * - times are seconds from the call's start, rounded to the millisecond.
 */
export type SpeakerRole = "agent" | "customer" | "unknown";

export interface Segment {
  id: string;
  speaker: SpeakerRole;
  /** The label as found in the source (`spk_0`, `A`, `Marie`…) when it is not simply the role. */
  speakerLabel?: string;
  /** Audio channel, when the source gives one (stereo recordings: one speaker per channel). */
  channel?: number;
  startS: number;
  endS: number;
  text: string;
}

/**
 * How agent and customer were told apart (C2, B2), stored with the transcript and on the call
 * (`tx_role_source`):
 * - `given`: the source named the roles (`Agent:`, `<v Client>`, Call Analytics' ParticipantRole);
 * - `channel`: stereo, one side per channel, the agent's channel known;
 * - `greeting`: within the first 30 s, one speaker said an agent's phrase or the company's name;
 * - `first_speaker`: no greeting heard; the first voice is the agent inbound, the second outbound;
 * - `manual`: a person corrected them (swap or assignment);
 * - `unresolved`: the segments carry no speaker label nor channel (nothing to tell apart).
 */
export const ROLE_SOURCES = [
  "given",
  "channel",
  "greeting",
  "first_speaker",
  "manual",
  "unresolved",
] as const;
export type RoleSource = (typeof ROLE_SOURCES)[number];

/** The resolution and its reason, as shown in the portal and the API. */
export interface RoleResolution {
  source: RoleSource;
  /** The speaker taken for the agent (a `speakerKey`), when one was chosen. */
  agent?: string;
  /** `greeting`: the agent's phrase (or the company's name) that decided, and when it was said. */
  phrase?: string;
  atS?: number;
  /** `first_speaker`: the direction that decided (outbound: the customer answers first). */
  direction?: "inbound" | "outbound";
  /** `channel`: the agent's channel. */
  agentChannel?: number;
  /** `manual`: who corrected the roles (user or key id) and when (ms since epoch). */
  by?: string;
  at?: number;
}

export interface Transcript {
  segments: Segment[];
  /** How roles were resolved (absent on transcripts stored before roles were recorded). */
  roles?: RoleResolution;
  language?: "fr" | "en";
  /** The largest segment end, in seconds. */
  durationS: number;
  /** Words (runs of Unicode letters/digits) over all segments. */
  wordCount: number;
  /** True when start times were estimated from word counts (plain text without timestamps). */
  estimatedTiming?: boolean;
}

export const TRANSCRIPT_FORMATS = ["json", "vtt", "srt", "text"] as const;
export type TranscriptFormat = (typeof TRANSCRIPT_FORMATS)[number];

export const TRANSCRIPT_LIMITS = {
  /** Whole content, UTF-8 bytes. A 10-hour call is about 1 MB of text. */
  maxBytes: 5 * 1024 * 1024,
  /** One line of a VTT, SRT or text file (JSON may legitimately be one long line). */
  maxLineChars: 20_000,
  maxSegments: 20_000,
  maxSegmentTextChars: 10_000,
} as const;

export type TranscriptErrorCode =
  | "too_large"
  | "empty"
  | "line_too_long"
  | "invalid_content"
  | "unsupported_format"
  | "invalid_json"
  | "invalid_shape"
  | "invalid_segment"
  | "segment_too_long"
  | "too_many_segments"
  | "duplicate_id"
  | "bad_header"
  | "bad_block"
  | "bad_timestamp"
  | "end_before_start"
  | "truncated"
  | "no_speaker_prefix";

/**
 * A transcript that cannot be imported. `message` is meant for a human (it is shown as the
 * problem's `detail`) and starts with the place: `line 7: …` or `segments[3].end: …`.
 * `line` is 1-based (VTT, SRT, text; also JSON syntax errors when the position is known);
 * `segment` is the 0-based index in the JSON `segments` array.
 */
export class TranscriptError extends Error {
  readonly code: TranscriptErrorCode;
  readonly line?: number;
  readonly segment?: number;
  /** JSON: the failing field as a JSON pointer into the document (`/results/utterances/3/start`). */
  readonly field?: string;

  constructor(
    code: TranscriptErrorCode,
    message: string,
    at: { line?: number; segment?: number; field?: string } = {},
  ) {
    super(message);
    this.name = "TranscriptError";
    this.code = code;
    if (at.line !== undefined) this.line = at.line;
    if (at.segment !== undefined) this.segment = at.segment;
    if (at.field !== undefined) this.field = at.field;
  }
}
