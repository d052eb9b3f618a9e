#!/usr/bin/env node
// Everything the built-in engine outputs (analyze() with the evaluation grid, each template, a
// tenant lexicon; the training features) for every corpus-dev call, every written call, the
// benchmark's generated calls and Banking77 utterances, as one JSON file — to prove that a
// performance change leaves the output identical:
//   node scripts/eval/dump-findings.mjs <out.json>            (write)
//   node scripts/eval/dump-findings.mjs <out.json> <base.json> (write, then diff against base)

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { transcript } from "../../bench/lib/text.mjs";
import { writtenCalls } from "../train/written.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const [outFile, baseFile] = process.argv.slice(2);
if (!outFile) throw new Error("usage: dump-findings.mjs <out.json> [<base.json>]");

const outdir = path.join(root, ".wrangler", "eval-out");
mkdirSync(outdir, { recursive: true });
const bundle = path.join(outdir, "dump-entry.mjs");
await build({
  entryPoints: [path.join(root, "scripts/eval/dump-entry.ts")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["module", "main"],
  outfile: bundle,
  logLevel: "error",
});
const eng = await import(`${pathToFileURL(bundle).href}?t=${Date.now()}`);

const calls = [];
const corpus = path.join(root, "..", "shared", "corpus-dev");
for (const f of readdirSync(corpus)
  .filter((f) => f.endsWith(".json"))
  .sort()) {
  const c = JSON.parse(readFileSync(path.join(corpus, f), "utf8"));
  if (c && Array.isArray(c.segments)) calls.push(c);
}
for (const c of writtenCalls()) calls.push({ ...c, id: `written-${c.id}` });
for (const language of ["fr", "en"])
  for (let i = 0; i < 20; i++) {
    const tr = transcript(700 + i, { language });
    calls.push({
      id: `bench-${language}-${i}`,
      language,
      company: "Assurances Horizon",
      segments: tr.segments.map((s, k) => ({ id: `s${k + 1}`, ...s })),
      labels: {},
    });
  }

const t0 = performance.now();
const out = {};
for (const c of calls) out[c.id] = eng.dumpCall(c);
const b77 = path.join(root, "..", "shared", "datasets", "banking77", "train.csv");
const rows = eng.parseBanking77(readFileSync(b77, "utf8")).slice(0, 3000);
rows.forEach(({ text }, i) => {
  if (text) out[`b77-${i}`] = eng.dumpUtterance(text, i);
});
const ms = performance.now() - t0;
writeFileSync(outFile, JSON.stringify(out));
console.log(`${Object.keys(out).length} items (${calls.length} calls) in ${Math.round(ms)} ms → ${outFile}`);

if (baseFile) {
  const base = JSON.parse(readFileSync(baseFile, "utf8"));
  const now = JSON.parse(JSON.stringify(out));
  let diffs = 0;
  for (const k of new Set([...Object.keys(base), ...Object.keys(now)]))
    if (JSON.stringify(base[k]) !== JSON.stringify(now[k])) {
      if (diffs < 20) console.log(`DIFF ${k}`);
      diffs++;
    }
  console.log(diffs === 0 ? "identical" : `${diffs} items differ`);
  process.exitCode = diffs === 0 ? 0 : 1;
}
