import { TRANSCRIPT_LIMITS, TranscriptError } from "./model";

/** UTF-8 size without encoding when the UTF-16 length already decides it (bytes ≥ length ≥ bytes / 3). */
export function utf8Length(s: string, limit: number): number {
  if (s.length > limit || s.length * 3 <= limit) return s.length;
  return new TextEncoder().encode(s).length;
}

export function checkSize(bytes: number): void {
  if (bytes > TRANSCRIPT_LIMITS.maxBytes)
    throw new TranscriptError(
      "too_large",
      `the transcript is larger than ${TRANSCRIPT_LIMITS.maxBytes / 1024 / 1024} MB; split the call or import the audio instead`,
    );
}

/** Size and emptiness checks shared by every format; returns the content without its BOM. */
export function prepareText(content: unknown, format: string): string {
  if (typeof content !== "string")
    throw new TranscriptError(
      "invalid_content",
      `a ${format} transcript must be text, not ${describe(content)}`,
    );
  checkSize(utf8Length(content, TRANSCRIPT_LIMITS.maxBytes));
  const text = content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  if (!text.trim()) throw new TranscriptError("empty", "the transcript is empty");
  return text;
}

/** Lines (CRLF, LF or CR), each checked against the line limit. Index i is line i + 1. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++)
    if (lines[i].length > TRANSCRIPT_LIMITS.maxLineChars)
      throw new TranscriptError(
        "line_too_long",
        `line ${i + 1}: ${lines[i].length.toLocaleString("en")} characters; lines are limited to ${TRANSCRIPT_LIMITS.maxLineChars.toLocaleString("en")}`,
        { line: i + 1 },
      );
  return lines;
}

export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/** A short quote of offending input for messages. */
export function quote(s: string, max = 40): string {
  const t = s.trim();
  return JSON.stringify(t.length > max ? `${t.slice(0, max)}…` : t);
}
