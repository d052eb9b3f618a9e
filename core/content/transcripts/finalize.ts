import { countWords, guessLanguage } from "./language";
import { type Segment, type SpeakerRole, TRANSCRIPT_LIMITS, type Transcript, TranscriptError } from "./model";
import { roundS } from "./timestamps";

export interface At {
  line?: number;
  segment?: number;
  path?: string;
  field?: string;
}

/** What a format parser produces before ids, order and totals are settled. */
export interface DraftSegment {
  id?: string;
  speaker: SpeakerRole;
  speakerLabel?: string;
  channel?: number;
  startS: number;
  endS: number;
  text: string;
  /**
   * Where it came from, for error messages: 1-based line, or JSON segment index; `path` names the
   * element in a vendor's document (`utterances[3]`) and `field` is its JSON pointer.
   */
  at: At;
}

/** Whitespace runs (including the newlines of multi-line cues) become one space. */
export const cleanText = (s: string) => s.replace(/\s+/g, " ").trim();

export function where(at: At): string {
  return at.path !== undefined
    ? at.path
    : at.line !== undefined
      ? `line ${at.line}`
      : at.segment !== undefined
        ? `segments[${at.segment}]`
        : "transcript";
}

export function checkSegmentCount(n: number, at: At = {}): void {
  if (n > TRANSCRIPT_LIMITS.maxSegments)
    throw new TranscriptError(
      "too_many_segments",
      `${where(at)}: more than ${TRANSCRIPT_LIMITS.maxSegments.toLocaleString("en")} segments — split the call or merge segments`,
      at,
    );
}

export function checkSegmentText(text: string, at: At): void {
  if (text.length > TRANSCRIPT_LIMITS.maxSegmentTextChars)
    throw new TranscriptError(
      "segment_too_long",
      `${where(at)}: a segment's text is ${text.length.toLocaleString("en")} characters; the limit is ${TRANSCRIPT_LIMITS.maxSegmentTextChars.toLocaleString("en")}`,
      at,
    );
}

/**
 * Drafts → Transcript: drop empty segments, check limits and id uniqueness, sort by start
 * (stable), number the id-less segments by their position in time order (`s1…sN` when no id
 * was given at all), and compute duration, word count and language.
 */
export function finalize(
  drafts: DraftSegment[],
  opts: { language?: "fr" | "en"; estimatedTiming?: boolean } = {},
): Transcript {
  // Ids must be unique among all given segments, empty ones included.
  const given = new Map<string, DraftSegment>();
  for (const d of drafts) {
    if (d.id === undefined) continue;
    const first = given.get(d.id);
    if (first)
      throw new TranscriptError(
        "duplicate_id",
        `${where(d.at)}: segment id "${d.id}" is already used (${where(first.at)}); ids must be unique`,
        d.at,
      );
    given.set(d.id, d);
  }

  const kept: DraftSegment[] = [];
  for (const d of drafts) {
    const text = cleanText(d.text);
    if (!text) continue;
    checkSegmentText(text, d.at);
    kept.push({ ...d, text });
  }
  if (kept.length === 0)
    throw new TranscriptError("empty", "the transcript contains no speech (no segment with text)");
  checkSegmentCount(kept.length);

  kept.sort((a, b) => a.startS - b.startS); // Array.prototype.sort is stable
  const segments: Segment[] = kept.map((d, i) => {
    let id = d.id;
    if (id === undefined) {
      id = `s${i + 1}`;
      // Only when some segments had ids and one of them is literally "s<k>".
      for (let k = 2; given.has(id); k++) id = `s${i + 1}_${k}`;
      given.set(id, d);
    }
    const s: Segment = {
      id,
      speaker: d.speaker,
      startS: roundS(d.startS),
      endS: roundS(d.endS),
      text: d.text,
    };
    if (d.speakerLabel !== undefined) s.speakerLabel = d.speakerLabel;
    if (d.channel !== undefined) s.channel = d.channel;
    return s;
  });

  let durationS = 0;
  let wordCount = 0;
  for (const s of segments) {
    if (s.endS > durationS) durationS = s.endS;
    wordCount += countWords(s.text);
  }
  const t: Transcript = {
    segments,
    durationS,
    wordCount,
  };
  const language = opts.language ?? guessLanguage(segments.map((s) => s.text));
  if (language) t.language = language;
  if (opts.estimatedTiming) t.estimatedTiming = true;
  return t;
}
