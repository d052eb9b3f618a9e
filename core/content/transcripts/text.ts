import { checkSegmentCount, checkSegmentText, cleanText, type DraftSegment, finalize } from "./finalize";
import { countWords } from "./language";
import { prepareText, quote, splitLines } from "./lines";
import { type Transcript, TranscriptError } from "./model";
import { mapSpeaker } from "./speakers";
import { parseTextTimestamp } from "./timestamps";

/**
 * Plain text: one turn per line starting with a speaker prefix, with an optional timestamp before
 * the prefix (`[00:12] Agent:`, `00:01:02 - Client:`), between the prefix and the colon
 * (`Agent (00:12):`) or right after the colon (`Agent: [00:12] …` — only bracketed or hh:mm:ss
 * there, so "Client: 14:30 ça me va" keeps its time as speech). Prefixes, in this order of trust:
 * - role words: `Agent:`, `Conseiller:`, `Conseillère:`, `Client:`, `Cliente:`, `Customer:`,
 *   `Caller:`, `Appelant:`… any case;
 * - speaker ids: `SPEAKER_00:`, `[SPEAKER_00]:` (WhisperX's text output), `Speaker 1:`, `spk_0:`;
 * - names (`Marie:`, `Jean-Paul B.:`), only when no line has one of the above and the text reads
 *   as a dialogue: two turns or more, at most six names, one of them speaking twice, and the colon
 *   right after the name (French typography puts a space before it in speech: "Attention : …").
 * Lines without a prefix continue the previous turn; lines before the first prefix (a title, a
 * date) are ignored.
 */
const TS = String.raw`\[?\(?(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?\)?\]?`;
const TS_AFTER = String.raw`\[(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?\]|\((?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?\)|\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?`;
const ROLE =
  "agent|conseill(?:er|[eè]re)|cliente?|customer|caller|appelante?|advisor|operator|op[ée]rat(?:eur|rice)";
const SPEAKER_ID = "(?:speaker|spk|sp|locuteur|intervenant|interlocuteur)[ _-]?\\d{1,3}";
const NAME = String.raw`\p{Lu}[\p{L}'’.-]*(?: \p{Lu}[\p{L}'’.-]*){0,2}`;

/** `[ts] WHO (ts): [ts] text` with WHO given; groups: 1 ts, 2 who, 3 ts, 4 ts, 5 text. */
function prefixRe(who: string, colon: string): RegExp {
  return new RegExp(
    String.raw`^\s*(?:(${TS})\s*(?:[-–—]\s*)?)?(${who})(?![\p{L}\p{N}])\s*(?:(${TS})\s*)?${colon}\s*(?:(${TS_AFTER})(?:\s*[-–—])?\s*)?(.*)$`,
    "iu",
  );
}
const PREFIX = prefixRe(`${ROLE}|\\[${SPEAKER_ID}\\]|${SPEAKER_ID}`, "[:：]");
/** Names are case-sensitive (capitalised) and take the colon right after them. */
const NAME_PREFIX = new RegExp(String.raw`^\s*(?:(${TS})\s*(?:[-–—]\s*)?)?(${NAME})()()[:：]\s+(.*)$`, "u");

/**
 * Without timestamps, times are estimated from word counts at 150 words per minute (0.4 s a
 * word), one turn after the other without pauses; the transcript says `estimatedTiming: true`.
 */
const SECONDS_PER_WORD = 60 / 150;

interface Turn {
  d: DraftSegment;
  ts?: number;
  lines: string[];
}

function readTurns(lines: string[], prefix: RegExp): { turns: Turn[]; firstText: number } {
  const turns: Turn[] = [];
  let firstText = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.trim()) continue;
    if (!firstText) firstText = i + 1;
    const m = prefix.exec(line);
    if (!m) {
      const cur = turns[turns.length - 1];
      if (cur) {
        cur.lines.push(line);
        checkSegmentText(cleanText(cur.lines.join(" ")), { line: i + 1 });
      }
      continue;
    }
    const rawTs = m[1] ?? m[3] ?? m[4];
    let ts: number | undefined;
    if (rawTs !== undefined && rawTs !== "") {
      const v = parseTextTimestamp(rawTs.trim());
      if (v === null)
        throw new TranscriptError(
          "bad_timestamp",
          `line ${i + 1}: ${quote(rawTs)} is not a valid time (expected mm:ss or hh:mm:ss, e.g. [01:05] or 00:01:05)`,
          { line: i + 1 },
        );
      ts = v;
    }
    const who = mapSpeaker(m[2].replace(/^\[|\]$/g, ""));
    const d: DraftSegment = { speaker: who.speaker, startS: 0, endS: 0, text: "", at: { line: i + 1 } };
    if (who.speakerLabel) d.speakerLabel = who.speakerLabel;
    turns.push({ d, ts, lines: [m[5]] });
    checkSegmentCount(turns.length, { line: i + 1 });
  }
  return { turns, firstText };
}

/** Name prefixes count only when the text reads as a dialogue between a few named people. */
function isDialogue(turns: Turn[]): boolean {
  const counts = new Map<string, number>();
  for (const t of turns) counts.set(t.d.speakerLabel ?? "", (counts.get(t.d.speakerLabel ?? "") ?? 0) + 1);
  return turns.length >= 2 && counts.size <= 6 && [...counts.values()].some((n) => n >= 2);
}

export function parseText(content: unknown): Transcript {
  const lines = splitLines(prepareText(content, "plain-text"));
  let { turns, firstText } = readTurns(lines, PREFIX);
  if (turns.length === 0) {
    const named = readTurns(lines, NAME_PREFIX);
    if (isDialogue(named.turns)) turns = named.turns;
    firstText = named.firstText || firstText;
  }
  if (turns.length === 0)
    throw new TranscriptError(
      "no_speaker_prefix",
      `line ${firstText}: no line starts with a speaker prefix such as "Agent:" or "Client:" (or a speaker id: "SPEAKER_00:", "[SPEAKER_00]:") — a plain-text transcript needs one at the start of each turn`,
      { line: firstText },
    );

  const timed = turns.some((t) => t.ts !== undefined);
  let estimated = !timed;
  let cursor = 0;
  for (let k = 0; k < turns.length; k++) {
    const t = turns[k];
    t.d.text = t.lines.join(" ");
    const speech = countWords(t.d.text) * SECONDS_PER_WORD;
    if (t.ts === undefined) estimated = true;
    const start = t.ts ?? cursor;
    // A timestamped turn ends after its estimated speech, or when the next turn starts if sooner.
    const next = turns[k + 1]?.ts;
    const end = next !== undefined && next > start ? Math.min(start + speech, next) : start + speech;
    t.d.startS = start;
    t.d.endS = end;
    cursor = end;
  }
  return finalize(
    turns.map((t) => t.d),
    { estimatedTiming: estimated },
  );
}
