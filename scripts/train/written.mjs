#!/usr/bin/env node
// Calls written for training (scripts/train/written-calls/*.txt, format in its README) as
// labelled-call JSON in the corpus-dev shape:
//   node scripts/train/written.mjs [outDir] [--from dir]   (default .wrangler/eval/written-calls;
//   --from reads another folder of *.txt, e.g. a batch kept unseen, instead of written-calls/)
// Also imported by scripts/train-engine.mjs (`writtenCalls`). Deterministic: timings come from the
// words, so the same text always gives the same calls.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const WORDS_PER_S = 2.5;
/** Turn gaps cycle through these (0.4–0.9 s): never a silence long enough to read as a hold. */
const GAPS = [0.4, 0.6, 0.9, 0.5, 0.7, 0.8];

function header(line, language) {
  const [id, domain, company, primary, secondary, sentiment] = line
    .slice(3)
    .split("|")
    .map((s) => s.trim());
  const sec = secondary.replace(/^secondary:/, "").trim();
  const [start, end] = sentiment
    .replace(/^sentiment:/, "")
    .split(">")
    .map((s) => s.trim());
  return {
    id,
    language,
    domain,
    company,
    segments: [],
    labels: {
      irritants: [],
      categories: { primary, secondary: sec ? sec.split(/\s*,\s*/) : [] },
      criteria: {},
      sentiment: { start, end },
    },
  };
}

function irritants(line) {
  const body = line.replace(/^irritants:/, "").trim();
  if (!body) return [];
  return body.split(";").map((part) => {
    const [head, ...segments] = part.trim().split(/\s+/);
    const [type, side] = head.split("@");
    return side ? { type, speaker: side, segments } : { type, segments };
  });
}

/** Parses one file's text; `language` is the file's (en.txt → "en"). */
export function parseWritten(text, language) {
  const calls = [];
  let call = null;
  let t = 0;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("=== ")) {
      call = header(line, language);
      calls.push(call);
      t = 0;
    } else if (call && line.startsWith("irritants:")) call.labels.irritants = irritants(line);
    else if (call && /^[AC]: /.test(line)) {
      let body = line.slice(3);
      const hold = /^\[hold (\d+(?:\.\d+)?)\]\s*/.exec(body);
      const n = call.segments.length;
      t += hold ? Number(hold[1]) : n ? GAPS[n % GAPS.length] : 0.1;
      if (hold) body = body.slice(hold[0].length);
      const words = body.split(/\s+/).filter(Boolean).length;
      const start = Math.round(t * 100) / 100;
      t = start + Math.max(0.6, words / WORDS_PER_S);
      call.segments.push({
        id: `s${n + 1}`,
        speaker: line[0] === "A" ? "agent" : "customer",
        start,
        end: Math.round(t * 100) / 100,
        text: body,
      });
    } else if (line && call && !line.startsWith("#"))
      throw new Error(`${call.id}: cannot read line "${line}"`);
  }
  return calls;
}

/** Every written call (`xx.txt` and `xx-*.txt`, language = the two letters), sorted by id. */
export function writtenCalls(dir = path.join(here, "written-calls")) {
  const calls = readdirSync(dir)
    .filter((f) => /^[a-z]{2}(?:-[A-Za-z0-9_-]+)?\.txt$/.test(f))
    .sort()
    .flatMap((f) => parseWritten(readFileSync(path.join(dir, f), "utf8"), f.slice(0, 2)))
    .sort((a, b) => a.id.localeCompare(b.id));
  for (let i = 1; i < calls.length; i++)
    if (calls[i].id === calls[i - 1].id) throw new Error(`duplicate written call id ${calls[i].id}`);
  return calls;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const fromAt = args.indexOf("--from");
  const from = fromAt >= 0 ? path.resolve(args.splice(fromAt, 2)[1] ?? "") : undefined;
  const out = path.resolve(args[0] ?? path.join(here, "../../.wrangler/eval/written-calls"));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const calls = writtenCalls(from);
  for (const c of calls) writeFileSync(path.join(out, `${c.id}.json`), `${JSON.stringify(c, null, 1)}\n`);
  process.stdout.write(`${calls.length} calls written to ${path.relative(process.cwd(), out) || "."}\n`);
}
