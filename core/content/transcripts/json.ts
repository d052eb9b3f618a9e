import { z } from "zod";
import { jsonTextTooDeep, MAX_JSON_DEPTH } from "../../platform/json-depth";
import { checkSegmentCount, checkSegmentText, type DraftSegment, finalize } from "./finalize";
import { checkSize, describe, utf8Length } from "./lines";
import { TRANSCRIPT_LIMITS, type Transcript, TranscriptError } from "./model";
import { mapSpeaker } from "./speakers";
import { readVendor, vendorShape } from "./vendors";

/** The shapes we read, for the message when a document is none of them. */
export const JSON_SHAPES =
  '{ "segments": [...] } (ours, WhisperX, faster-whisper, OpenAI diarized_json), a bare array of segments, Deepgram (results.utterances), AssemblyAI (utterances), AWS Transcribe (results.items) or Transcribe Call Analytics (Transcript)';

function unknownShape(v: unknown): string {
  const keys =
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.keys(v)
          .slice(0, 8)
          .map((k) => JSON.stringify(k))
          .join(", ")
      : "";
  return `not a transcript we can read: expected ${JSON_SHAPES}; found ${describe(v)}${keys ? ` with keys ${keys}` : ""}`;
}

/**
 * JSON segments: `{ "segments": [...] }` or a bare array; each `{ id?, speaker, start, end, text,
 * channel? }`. Our own model (`startS`/`endS`, `speakerLabel`) is accepted too, so a transcript
 * read from the API can be PUT back unchanged.
 */
const seconds = (name: string) =>
  z
    .number({ error: `\`${name}\` must be a finite number of seconds` })
    .min(0, { error: `\`${name}\` must be ≥ 0` });

const segmentSchema = z.object({
  id: z
    .union([z.string().trim().min(1).max(200), z.number().int().min(0)], {
      error: "`id` must be a non-empty string (≤ 200 characters) or a non-negative integer",
    })
    .nullish(),
  speaker: z
    .union([z.string().max(100), z.number()], {
      error: "`speaker` must be a string (≤ 100 characters) or a number",
    })
    .nullish(),
  speakerLabel: z.string({ error: "`speakerLabel` must be a string" }).max(100).nullish(),
  start: seconds("start"),
  end: seconds("end"),
  text: z.string({ error: "`text` must be a string" }),
  channel: z
    .number({ error: "`channel` must be an integer ≥ 0" })
    .int({ error: "`channel` must be an integer ≥ 0" })
    .min(0, { error: "`channel` must be an integer ≥ 0" })
    .max(255, { error: "`channel` must be ≤ 255" })
    .nullish(),
});

function parseJsonText(content: string): unknown {
  checkSize(utf8Length(content, TRANSCRIPT_LIMITS.maxBytes));
  const text = content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  if (!text.trim()) throw new TranscriptError("empty", "the transcript is empty");
  if (jsonTextTooDeep(text))
    throw new TranscriptError("invalid_json", `the JSON is nested deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    if (/end of (JSON )?input|Unterminated/i.test(detail))
      throw new TranscriptError("truncated", "the JSON ends unexpectedly — the file looks truncated");
    const pos = /position (\d+)/.exec(detail);
    if (pos) {
      const upTo = text.slice(0, Number(pos[1]));
      const line = upTo.split(/\r\n|\r|\n/).length;
      throw new TranscriptError("invalid_json", `line ${line}: not valid JSON (${detail})`, { line });
    }
    throw new TranscriptError("invalid_json", `not valid JSON (${detail})`);
  }
}

export function parseJsonTranscript(content: unknown): Transcript {
  let value: unknown;
  if (typeof content === "string") value = parseJsonText(content);
  else {
    value = content;
    // Already parsed (inline in a JSON request): the same 5 MB limit applies to its JSON form.
    checkSize(utf8Length(JSON.stringify(value) ?? "", TRANSCRIPT_LIMITS.maxBytes));
  }

  const shape = vendorShape(value);
  if (shape) {
    const v = readVendor(shape, value);
    if (v.drafts.length === 0) throw new TranscriptError("empty", "the transcript has no segments");
    checkSegmentCount(v.drafts.length);
    for (const d of v.drafts) checkSegmentText(d.text, d.at);
    return finalize(v.drafts, { language: v.language });
  }

  let list: unknown;
  let language: "fr" | "en" | undefined;
  /** JSON pointer of the segments array, for error fields. */
  let base = "";
  if (Array.isArray(value)) list = value;
  else if (value && typeof value === "object" && "segments" in value) {
    list = (value as { segments: unknown }).segments;
    base = "/segments";
    const lang = (value as { language?: unknown }).language;
    // WhisperX and faster-whisper write the detected language as "fr" / "en".
    if (lang === "fr" || lang === "en") language = lang;
  } else throw new TranscriptError("invalid_shape", unknownShape(value));
  if (!Array.isArray(list))
    throw new TranscriptError("invalid_shape", `"segments" must be an array, found ${describe(list)}`, {
      field: "/segments",
    });
  if (list.length === 0) throw new TranscriptError("empty", "the transcript has no segments");
  checkSegmentCount(list.length);

  const drafts: DraftSegment[] = [];
  for (let i = 0; i < list.length; i++) {
    const raw = list[i];
    const at = { segment: i, field: `${base}/${i}` };
    if (!raw || typeof raw !== "object" || Array.isArray(raw))
      throw new TranscriptError(
        "invalid_segment",
        `segments[${i}]: expected an object, found ${describe(raw)}`,
        at,
      );
    const r = raw as Record<string, unknown>;
    const input: Record<string, unknown> = { ...r, start: r.start ?? r.startS, end: r.end ?? r.endS };
    if (typeof input.text === "string") checkSegmentText(input.text, at);
    const parsed = segmentSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue.path.length ? String(issue.path[0]) : "";
      const missing = field !== "" && input[field] === undefined;
      const msg = missing ? `\`${field}\` is required` : issue.message;
      throw new TranscriptError("invalid_segment", `segments[${i}]${field ? `.${field}` : ""}: ${msg}`, {
        ...at,
        field: `${at.field}${field ? `/${field}` : ""}`,
      });
    }
    const s = parsed.data;
    if (s.end < s.start)
      throw new TranscriptError(
        "end_before_start",
        `segments[${i}].end: ends at ${s.end} s, before its start (${s.start} s)`,
        at,
      );
    const who = mapSpeaker(s.speaker);
    const d: DraftSegment = { speaker: who.speaker, startS: s.start, endS: s.end, text: s.text, at };
    if (s.id !== undefined && s.id !== null) d.id = String(s.id);
    const label = s.speakerLabel ?? who.speakerLabel;
    if (label) d.speakerLabel = label;
    if (s.channel !== undefined && s.channel !== null) d.channel = s.channel;
    drafts.push(d);
  }
  return finalize(drafts, { language });
}
