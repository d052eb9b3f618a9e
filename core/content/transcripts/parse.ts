import { parseJsonTranscript } from "./json";
import { TRANSCRIPT_FORMATS, type Transcript, TranscriptError, type TranscriptFormat } from "./model";
import { parseSrt } from "./srt";
import { parseText } from "./text";
import { parseVtt } from "./vtt";

export type { Segment, SpeakerRole, Transcript, TranscriptErrorCode, TranscriptFormat } from "./model";
export { TRANSCRIPT_FORMATS, TRANSCRIPT_LIMITS, TranscriptError } from "./model";

/**
 * Import a transcript (B2) into our segment model. Pure: no I/O. Throws `TranscriptError`
 * naming the line (vtt, srt, text) or the segment index (json) on any problem. `content` is
 * text, or for `json` also an already-parsed value (a transcript inline in a JSON request).
 * Limits: 5 MB, 20,000-character lines, 20,000 segments, 10,000 characters per segment.
 */
export function parseTranscript(format: TranscriptFormat, content: string | unknown): Transcript {
  switch (effectiveFormat(format, content)) {
    case "json":
      return parseJsonTranscript(content);
    case "vtt":
      return parseVtt(content);
    case "srt":
      return parseSrt(content);
    case "text":
      return parseText(content);
    default:
      throw new TranscriptError(
        "unsupported_format",
        `unknown transcript format ${JSON.stringify(format)}; expected one of ${TRANSCRIPT_FORMATS.join(", ")}`,
      );
  }
}

/**
 * The format a transcript really has: a plain-text body that is a WebVTT file (`WEBVTT` first)
 * or a SubRip file (a cue number, then a `-->` timing line) is read as such — tools and browsers
 * send `.srt` and `.vtt` files as `text/plain`. Otherwise the declared format.
 */
export function effectiveFormat(format: TranscriptFormat, content: unknown): TranscriptFormat {
  if (format !== "text" || typeof content !== "string") return format;
  const head = content.replace(/^\uFEFF/, "").slice(0, 4096);
  if (/^WEBVTT(?:[ \t\r\n]|$)/.test(head)) return "vtt";
  const lines = head.split(/\r\n|\r|\n/).filter((l) => l.trim() !== "");
  const timing = /^\s*(?:\d{1,4}:)?\d{1,2}:\d{2}[,.]\d{1,3}\s*-->\s*(?:\d{1,4}:)?\d{1,2}:\d{2}[,.]\d{1,3}/;
  if (lines.length >= 2 && /^\s*\d+\s*$/.test(lines[0]) && timing.test(lines[1])) return "srt";
  return format;
}

/** Media types of transcript bodies, as `PUT …/transcript` takes them. */
export const TRANSCRIPT_MEDIA_TYPES = [
  "application/json",
  "text/vtt",
  "application/x-subrip",
  "text/srt",
  "text/plain",
] as const;

/** A Map: the media type is the sender's text, and an object would answer "constructor". */
const BY_MEDIA_TYPE = new Map<string, TranscriptFormat>([
  ["application/json", "json"],
  ["text/vtt", "vtt"],
  ["application/x-subrip", "srt"],
  ["text/srt", "srt"],
  ["text/plain", "text"],
]);

/** `Content-Type` of a transcript upload → its format; parameters (charset) ignored; else null. */
export function formatFromContentType(ct: string | null | undefined): TranscriptFormat | null {
  if (!ct) return null;
  return BY_MEDIA_TYPE.get(ct.split(";")[0].trim().toLowerCase()) ?? null;
}
