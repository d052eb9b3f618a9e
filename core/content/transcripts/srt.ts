import { cueTurns } from "./cues";
import { checkSegmentCount, type DraftSegment, finalize } from "./finalize";
import { prepareText, quote, splitLines } from "./lines";
import { type Transcript, TranscriptError } from "./model";
import { blocks, parseTiming } from "./vtt";

/**
 * SubRip: blocks of a number, `hh:mm:ss,ttt --> hh:mm:ss,ttt` and text lines. Speakers come
 * from `Name:` or `[Name]` prefixes. SRT numbers are a sequence, not ids: segments get
 * `s1…sN` in time order. A block without its number (timing line first) is tolerated.
 */
export function parseSrt(content: unknown): Transcript {
  const lines = splitLines(prepareText(content, "SRT"));
  const drafts: DraftSegment[] = [];
  for (const b of blocks(lines, 0)) {
    const first = b.lines[0];
    let t = 0;
    if (!first.text.includes("-->")) {
      const n = first.text.trim();
      if (!/^\d+$/.test(n))
        throw new TranscriptError(
          "bad_block",
          `line ${first.line}: expected a subtitle number followed by a timing line like "00:00:01,000 --> 00:00:04,000", found ${quote(n)}`,
          { line: first.line },
        );
      t = 1;
      if (b.lines.length < 2) {
        if (b.last)
          throw new TranscriptError(
            "truncated",
            `line ${first.line}: subtitle ${n} has no timing line — the file looks truncated`,
            { line: first.line },
          );
        throw new TranscriptError(
          "bad_block",
          `line ${first.line}: subtitle ${n} has no timing line (blank line after its number)`,
          { line: first.line },
        );
      }
      const timingLine = b.lines[1];
      if (!timingLine.text.includes("-->"))
        throw new TranscriptError(
          "bad_block",
          `line ${timingLine.line}: expected the timing line of subtitle ${n}, like "00:00:01,000 --> 00:00:04,000", found ${quote(timingLine.text)}`,
          { line: timingLine.line },
        );
    }
    const timing = b.lines[t];
    const { start, end } = parseTiming(timing.text, timing.line, "srt");
    for (const turn of cueTurns(
      b.lines.slice(t + 1).map((l) => l.text),
      { voiceTags: false },
    ))
      drafts.push({ ...turn, startS: start, endS: end, at: { line: timing.line } });
    checkSegmentCount(drafts.length, { line: timing.line });
  }
  return finalize(drafts);
}
