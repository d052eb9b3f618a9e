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
  switch (format) {
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
