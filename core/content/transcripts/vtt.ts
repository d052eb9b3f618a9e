import { cueTurns } from "./cues";
import { checkSegmentCount, type DraftSegment, finalize } from "./finalize";
import { prepareText, quote, splitLines } from "./lines";
import { type Transcript, TranscriptError } from "./model";
import { fmtS, parseSrtTimestamp, parseVttTimestamp } from "./timestamps";

interface Block {
  /** 1-based line number of each line. */
  lines: { text: string; line: number }[];
  last: boolean;
}

/** Blocks of non-blank lines, as both WebVTT and SRT are laid out. */
export function blocks(lines: string[], from: number): Block[] {
  const out: Block[] = [];
  let cur: Block["lines"] = [];
  for (let i = from; i < lines.length; i++) {
    if (lines[i].trim() === "") {
      if (cur.length) out.push({ lines: cur, last: false });
      cur = [];
    } else cur.push({ text: lines[i], line: i + 1 });
  }
  if (cur.length) out.push({ lines: cur, last: false });
  if (out.length) out[out.length - 1].last = true;
  return out;
}

/**
 * `start --> end [settings]`, checked and compared. `kind` picks the timestamp syntax and the
 * wording of messages.
 */
export function parseTiming(text: string, line: number, kind: "vtt" | "srt"): { start: number; end: number } {
  const example = kind === "vtt" ? "00:01:02.500 (or 01:02.500)" : "00:01:02,500";
  const parseTs = kind === "vtt" ? parseVttTimestamp : parseSrtTimestamp;
  const arrow = text.indexOf("-->");
  const left = text.slice(0, arrow).trim();
  const right = text
    .slice(arrow + 3)
    .trim()
    .split(/\s+/)[0];
  const start = parseTs(left);
  if (start === null)
    throw new TranscriptError(
      "bad_timestamp",
      `line ${line}: the start time ${quote(left)} is not a valid timestamp (expected ${example})`,
      { line },
    );
  const end = parseTs(right ?? "");
  if (end === null)
    throw new TranscriptError(
      "bad_timestamp",
      `line ${line}: the end time ${quote(right ?? "")} is not a valid timestamp (expected ${example})`,
      { line },
    );
  if (end < start)
    throw new TranscriptError(
      "end_before_start",
      `line ${line}: the cue ends (${fmtS(end)}) before it starts (${fmtS(start)})`,
      { line },
    );
  return { start, end };
}

/**
 * WebVTT: a `WEBVTT` first line, header lines, then blocks. NOTE, STYLE and REGION blocks are
 * skipped; a cue is an optional identifier line, a timing line and its text. Cue identifiers
 * become segment ids; a cue with two voices gives ids `id` and `id.2`.
 */
export function parseVtt(content: unknown): Transcript {
  const lines = splitLines(prepareText(content, "WebVTT"));
  if (!/^WEBVTT(?:[ \t].*)?$/.test(lines[0]))
    throw new TranscriptError(
      "bad_header",
      `line 1: a WebVTT file must start with "WEBVTT", found ${quote(lines[0])}`,
      { line: 1 },
    );
  let i = 1;
  // Header lines (Kind:, Language:…) end at a blank line; a timing line right after WEBVTT
  // (no blank line) is tolerated.
  while (i < lines.length && lines[i].trim() !== "" && !lines[i].includes("-->")) i++;

  const drafts: DraftSegment[] = [];
  for (const b of blocks(lines, i)) {
    const first = b.lines[0];
    if (/^(?:NOTE|STYLE|REGION)(?:[ \t]|$)/.test(first.text)) continue;
    let t = 0;
    let id: string | undefined;
    if (!first.text.includes("-->")) {
      id = first.text.trim();
      t = 1;
      if (b.lines.length < 2) {
        if (b.last)
          throw new TranscriptError(
            "truncated",
            `line ${first.line}: cue ${quote(id)} has no timing line — the file looks truncated`,
            { line: first.line },
          );
        throw new TranscriptError(
          "bad_block",
          `line ${first.line}: expected a cue (optional identifier, then "00:00:01.000 --> 00:00:04.000"), found ${quote(id)}`,
          { line: first.line },
        );
      }
      if (!b.lines[1].text.includes("-->"))
        throw new TranscriptError(
          "bad_block",
          `line ${b.lines[1].line}: expected a cue timing line like "00:00:01.000 --> 00:00:04.000", found ${quote(b.lines[1].text)}`,
          { line: b.lines[1].line },
        );
    }
    const timing = b.lines[t];
    const { start, end } = parseTiming(timing.text, timing.line, "vtt");
    const turns = cueTurns(
      b.lines.slice(t + 1).map((l) => l.text),
      { voiceTags: true },
    );
    turns.forEach((turn, k) => {
      const d: DraftSegment = { ...turn, startS: start, endS: end, at: { line: timing.line } };
      if (id !== undefined) d.id = k === 0 ? id : `${id}.${k + 1}`;
      drafts.push(d);
    });
    checkSegmentCount(drafts.length, { line: timing.line });
  }
  return finalize(drafts);
}
