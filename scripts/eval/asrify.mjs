#!/usr/bin/env node
// "ASR-ify" labelled calls (corpus-dev JSON shape): copies that read like raw speech-recognition
// output, to measure how the built-in engine holds on it (core/scoring/engine/README.md, "ASR").
//
//   node scripts/eval/asrify.mjs <inDir> <outDir> [--seed N] [--split all|dev|check] [--no-merge]
//                                [--fillers P] [--slips P]
//
// Deterministic: the same input, seed and options always give the same output (a seeded PRNG per
// call, from the seed and the call id). What it does to each segment's text:
// - lower case; punctuation stripped (. , ; : ! ? … quotes, brackets, dashes), redaction
//   placeholders ([CARD]) kept;
// - apostrophes: English contractions written without it ("don't" → "dont", "I'm" → "im");
//   French: a common elision glued ("j'ai" → "jai", "c'est" → "cest") half of the time, else the
//   apostrophe becomes a space ("l'adresse" → "l adresse");
// - French "ne" of a negation dropped now and then ("je ne veux pas" → "je veux pas");
// - fillers inserted between words (EN um, uh, like, you know, so; FR euh, ben, hum, bah, en fait);
// - recognition slips: homophones swapped (their/there, to/too, your/you're, mais/mes, et/est…) and
//   short function words dropped (a, the, le, la, de…; never a negator);
// - small numbers switched between digits and words ("3" ↔ "three", "trois");
// - consecutive turns of the same speaker merged into one long run-on turn (default; --no-merge
//   keeps them) when less than 2 s apart: the merged turn keeps the first segment's id and spans its start to the last
//   end; labels citing a merged segment are remapped to it.
// Labels are otherwise unchanged (the transform does not change what is said). --split selects
// the calls like `npm run eval` (check: numbers ending in 0 or 5) — the output is only scored,
// never read or tuned on.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

function parseArgs(argv) {
  const o = { seed: 1, split: "all", merge: true, fillers: 0.07, slips: 0.04 };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--seed") o.seed = Number(argv[++i]);
    else if (a === "--split") o.split = argv[++i];
    else if (a === "--no-merge") o.merge = false;
    else if (a === "--fillers") o.fillers = Number(argv[++i]);
    else if (a === "--slips") o.slips = Number(argv[++i]);
    else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
    else rest.push(a);
  }
  if (rest.length !== 2)
    throw new Error("usage: asrify.mjs <inDir> <outDir> [--seed N] [--split all|dev|check]");
  [o.inDir, o.outDir] = rest;
  return o;
}

/** mulberry32 seeded from a string. */
function rng(seedText) {
  let h = 0x811c9dc5;
  for (let i = 0; i < seedText.length; i++) h = Math.imul(h ^ seedText.charCodeAt(i), 16777619);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FILLERS = {
  en: ["um", "uh", "um", "uh", "like", "you know", "so", "er", "i mean"],
  fr: ["euh", "euh", "ben", "hum", "bah", "euh", "en fait", "genre", "bon"],
};
/** Homophones / near-homophones ASR confuses (both directions where it makes sense). */
const SLIPS = {
  en: {
    their: "there",
    there: "their",
    to: "too",
    your: "you're",
    "you're": "your",
    its: "it's",
    "it's": "its",
    know: "no",
    four: "for",
    right: "write",
    buy: "by",
    than: "then",
    here: "hear",
    wait: "weight",
    would: "wood",
    week: "weak",
    new: "knew",
    whole: "hole",
    mail: "male",
  },
  fr: {
    mais: "mes",
    mes: "mais",
    et: "est",
    est: "et",
    ces: "ses",
    ses: "ces",
    son: "sont",
    sont: "son",
    on: "ont",
    peut: "peu",
    ça: "sa",
    sa: "ça",
    cette: "cet",
    vers: "verre",
    quand: "quant",
    voie: "voix",
    ai: "est",
    faire: "fer",
  },
};
const DROPPABLE = {
  en: new Set(["a", "the", "to", "of", "and", "is", "an", "i", "it"]),
  fr: new Set(["le", "la", "de", "un", "une", "les", "des", "du", "et", "je", "il"]),
};
const EN_NUM =
  "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split(
    " ",
  );
const FR_NUM =
  "zéro un deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize dix-sept dix-huit dix-neuf vingt".split(
    " ",
  );
/** French elisions glued when the apostrophe is dropped (the rest get a space). */
const FR_GLUE = new Set([
  "j'ai",
  "c'est",
  "n'est",
  "t'as",
  "j'suis",
  "qu'il",
  "qu'on",
  "d'accord",
  "j'en",
  "j'y",
  "l'ai",
  "m'a",
  "s'il",
  "n'ai",
  "n'y",
  "j'avais",
  "c'était",
  "t'es",
  "l'a",
]);

const APOS = /[\u2019\u2018\u02bc`´]/g;
const PUNCT = /[.,;:!?…"“”«»()¿¡\u2013\u2014]|(?<=\s)-(?=\s)/g;

function asrText(text, lang, r, o) {
  let s = text.replace(APOS, "'").toLowerCase();
  // Keep placeholders, strip the rest of the punctuation.
  const ph = [];
  s = s.replace(/\[[a-z][a-z0-9_]*(?::[^\]]{1,60})?\]/g, (m) => {
    ph.push(m.toUpperCase());
    return ` \u0001${ph.length - 1} `;
  });
  s = s.replace(PUNCT, " ");
  let words = s.split(/\s+/).filter(Boolean);
  const out = [];
  for (let i = 0; i < words.length; i++) {
    let w = words[i];
    if (w.startsWith("\u0001")) {
      out.push(ph[Number(w.slice(1))]);
      continue;
    }
    w = w.replace(/^'+|'+$/g, "");
    if (!w) continue;
    // French "ne" dropped now and then.
    if (lang === "fr" && (w === "ne" || w === "n'") && r() < 0.35) continue;
    if (lang === "fr" && /^n'[aeiouyéèh]/.test(w) && !FR_GLUE.has(w) && r() < 0.35) w = w.slice(2);
    const slip = SLIPS[lang][w];
    if (slip && r() < o.slips * 3) w = slip;
    else if (DROPPABLE[lang].has(w) && r() < o.slips) continue;
    // Numbers: digits ↔ words (0–20).
    const table = lang === "fr" ? FR_NUM : EN_NUM;
    if (/^\d+$/.test(w) && Number(w) <= 20 && r() < 0.5) w = table[Number(w)];
    else if (table.indexOf(w) > 1 && r() < 0.3) w = String(table.indexOf(w));
    // Apostrophes.
    if (w.includes("'")) {
      if (lang === "en") w = w.replace(/'/g, "");
      else w = FR_GLUE.has(w) && r() < 0.5 ? w.replace(/'/g, "") : w.replace(/'/g, " ");
    }
    if (out.length > 0 && r() < o.fillers) out.push(FILLERS[lang][Math.floor(r() * FILLERS[lang].length)]);
    out.push(w);
  }
  if (out.length > 2 && r() < o.fillers * 2)
    out.unshift(FILLERS[lang][Math.floor(r() * FILLERS[lang].length)]);
  words = out;
  return words.join(" ");
}

/** Turns of one speaker closer than this are one run-on turn (a longer pause is a hold or a new turn). */
const MERGE_GAP_S = 2;

function asrCall(call, o) {
  const r = rng(`${o.seed}:${call.id}`);
  const lang = call.language === "fr" ? "fr" : "en";
  const segs = [];
  const remap = new Map();
  for (const seg of call.segments) {
    const text = asrText(seg.text, lang, r, o);
    const prev = segs[segs.length - 1];
    if (
      o.merge &&
      prev &&
      prev.speaker === seg.speaker &&
      (seg.speakerLabel ?? "") === (prev.speakerLabel ?? "") &&
      seg.start - prev.end < MERGE_GAP_S
    ) {
      prev.text = `${prev.text} ${text}`.trim();
      prev.end = Math.max(prev.end, seg.end);
      remap.set(seg.id, prev.id);
      continue;
    }
    segs.push({ ...seg, text });
    remap.set(seg.id, seg.id);
  }
  const labels = structuredClone(call.labels ?? {});
  if (Array.isArray(labels.irritants))
    for (const i of labels.irritants)
      if (Array.isArray(i.segments)) i.segments = [...new Set(i.segments.map((id) => remap.get(id) ?? id))];
  return { ...call, segments: segs, labels };
}

function inCheckSplit(id) {
  const m = /(\d+)$/.exec(id);
  return m ? Number(m[1]) % 5 === 0 : false;
}

const o = parseArgs(process.argv.slice(2));
mkdirSync(o.outDir, { recursive: true });
let n = 0;
for (const f of readdirSync(o.inDir)
  .filter((f) => f.endsWith(".json"))
  .sort()) {
  const call = JSON.parse(readFileSync(path.join(o.inDir, f), "utf8"));
  if (!call || !Array.isArray(call.segments)) continue;
  if (o.split === "check" && !inCheckSplit(call.id)) continue;
  if (o.split === "dev" && inCheckSplit(call.id)) continue;
  writeFileSync(path.join(o.outDir, f), `${JSON.stringify(asrCall(call, o), null, 1)}\n`);
  n++;
}
console.log(`${n} calls ASR-ified into ${o.outDir} (seed ${o.seed}${o.merge ? ", turns merged" : ""})`);
