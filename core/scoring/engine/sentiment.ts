import type { LangModule, ModP } from "./compile";
import type { CallFeatures, Feats } from "./features";
import { type Resolution, validIrritantHit } from "./irritants";
import { type CueKind, SENTIMENT_CUES } from "./lang/sentiment-cues";
import { type Hit, isNegated, Lexicon, NEGATORS } from "./lexicon";
import { model, predict } from "./model";
import type { PSeg } from "./prepare";
import type { Irritant, Metrics } from "./types";

/**
 * Customer sentiment from words only (C8; never from voice, never for the agent — EU AI Act
 * art. 5(1)(f)). Per segment: the sum of lexicon polarities (−3…3) where
 * - longer phrases win over the words inside them ("merci beaucoup" over "merci");
 * - a negation before a word (same clause) flips it: a negated positive becomes −0.75×
 *   ("pas content", "not happy"), a negated negative a weak +0.3× ("je ne suis pas mécontent",
 *   "I'm not unhappy"); phrases that carry their own negation ("ne marche pas") are not flipped;
 * - an intensifier within two words before multiplies by 1.5, a diminisher ("un peu", "a bit") by
 *   0.6 — polite irritation stays negative, only softer;
 * - sarcasm: a strong positive interjection ("génial", "great") in a segment with a sarcasm cue
 *   ("encore une coupure", "another outage"), an irritant, or a strongly negative word, counts
 *   negative;
 * - each irritant the customer voices in the turn ("c'est la troisième fois que j'appelle",
 *   "charged twice") weighs −1 — a complaint said in neutral words is still negative;
 * - "!" or shouting makes a negative sum 25 % stronger.
 * The sum is squashed to [−1, 1] with x / √(x² + 4).
 */
/** A turn's sentiment in [−1, 1], or null when it carries no signal at all. */
export function segmentSentiment(p: PSeg, mod: LangModule): number | null {
  const { tok } = p;
  const cands: Hit<ModP>[] = [];
  const dimEnds = new Set<number>();
  let cue = false;
  /** Irritant types voiced in this turn (each weighs −1: "c'est la troisième fois que j'appelle"). */
  const irritantTypes = new Set<string>();
  for (const h of p.hits) {
    const g = h.p.payload.g;
    if (g === "sent") cands.push(h);
    else if (g === "dim") dimEnds.add(h.e);
    else if (g === "sarc") cue = true;
    else if (g === "irr") {
      const r = (h.p.payload as Extract<ModP, { g: "irr" }>).r;
      // Conditional patterns (a cancellation) are no irritation by themselves.
      if (
        r.who !== "agent" &&
        !r.cond &&
        !irritantTypes.has(r.type) &&
        validIrritantHit(tok, h, p.hits, mod.lang === "fr")
      )
        irritantTypes.add(r.type);
    }
  }
  if (cands.length === 0 && irritantTypes.size === 0) return null;
  // Longest first, then earliest; keep non-overlapping.
  cands.sort((a, b) => b.e - b.s - (a.e - a.s) || a.s - b.s);
  const taken = new Uint8Array(tok.t.length);
  const chosen: Hit<ModP>[] = [];
  for (const h of cands) {
    let free = true;
    for (let i = h.s; i < h.e; i++) if (taken[i]) free = false;
    if (!free) continue;
    for (let i = h.s; i < h.e; i++) taken[i] = 1;
    chosen.push(h);
  }
  // An intensifier that is also a sentiment word ("super content") only intensifies.
  const starts = new Set(chosen.map((h) => h.s));
  const values: { h: Hit<ModP>; v: number; neg: boolean }[] = [];
  let strongNegative = false;
  for (const h of chosen) {
    const pl = h.p.payload as Extract<ModP, { g: "sent" }>;
    if (pl.v === 0) continue;
    if (h.e - h.s === 1 && mod.intensifiers.has(tok.t[h.s]) && starts.has(h.e)) continue;
    const neg = !pl.selfNeg && isNegated(tok, h.s, h.e, h.p.literals);
    let v = pl.v;
    for (let k = h.s - 1; k >= 0 && k >= h.s - 2 && tok.c[k] === tok.c[h.s]; k--)
      if (mod.intensifiers.has(tok.t[k])) {
        v *= 1.5;
        break;
      }
    if (dimEnds.has(h.s) || dimEnds.has(h.s - 1)) v *= 0.6;
    if (neg) v = v > 0 ? -0.75 * v : -0.3 * v;
    if (v <= -2) strongNegative = true;
    values.push({ h, v, neg });
  }
  const sarcastic = cue || irritantTypes.size > 0 || strongNegative;
  let total = -irritantTypes.size;
  for (const { h, v, neg } of values) {
    if (sarcastic && !neg && v > 0 && h.e - h.s === 1 && mod.sarcasmPositive.has(tok.t[h.s])) total -= v;
    else total += v;
  }
  if (total < 0 && tok.emphatic) total *= 1.25;
  return Math.round((total / Math.sqrt(total * total + 4)) * 1000) / 1000;
}

/**
 * Start and end of the customer's sentiment: the mean over the first / last third of the customer
 * turns that carry a sentiment signal (a sentiment word or an irritant). Turns without any — "oui",
 * "OK", "No.", a card number — are left out: they say nothing about the customer's mood and would
 * pull both ends towards 0. Null with fewer than 2 customer turns; 0 when none carries a signal.
 */
export function sentimentTrend(values: (number | null)[]): { start: number | null; end: number | null } {
  if (values.length < 2) return { start: null, end: null };
  const xs = values.filter((v): v is number => v !== null);
  const n = xs.length;
  if (n === 0) return { start: 0, end: 0 };
  const k = Math.max(1, Math.min(Math.ceil(n / 3), Math.floor(n / 2)));
  const mean = (ys: number[]) => Math.round((ys.reduce((a, b) => a + b, 0) / ys.length) * 1000) / 1000;
  return { start: mean(xs.slice(0, k)), end: mean(xs.slice(n - k)) };
}

/** Classes of the sentiment models, in their output order. */
export const SENTIMENT_CLASSES = ["negative", "neutral", "positive"] as const;

/**
 * A class distribution as a number in [−1, 1] that lands in the winning class's band (> 0.15
 * positive, < −0.15 negative, else neutral), nearer ±1 the surer the model.
 */
export function sentimentValue(p: number[]): number {
  const [neg, neu, pos] = p;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  if (neg >= neu && neg >= pos) return r3(-(0.16 + 0.84 * neg));
  if (pos > neg && pos >= neu) return r3(0.16 + 0.84 * pos);
  return r3(0.15 * (pos - neg));
}

/**
 * Start and end of the customer's sentiment from the learned models (`model.ts`) over what the
 * customer's turns of the start and end windows express (`sentimentFeatures` below): the lexicon
 * alone reads "describing a problem calmly" as negative and a terse "ok" as positive.
 * Without a trained model, or with too few customer turns (null), the lexicon trend stays.
 */
export function learnedSentiment(metrics: Metrics, f: CallFeatures): void {
  const start = model("sentimentStart");
  const end = model("sentimentEnd");
  if (start && metrics.sentimentStart !== null)
    metrics.sentimentStart = sentimentValue(predict(start, f.sentimentStart));
  if (end && metrics.sentimentEnd !== null)
    metrics.sentimentEnd = sentimentValue(predict(end, f.sentimentEnd));
}

// ---------------------------------------------------------------------------------------------
// Features of the learned sentiment models (trained by `scripts/train-engine.mjs`).

type Cue = { k: CueKind };
const CUE_LEXICONS = new Map<string, Lexicon<Cue>>();

/** The cue families of a language (`lang/sentiment-cues.ts`), compiled once per isolate. */
function cueLexicon(lang: "fr" | "en"): Lexicon<Cue> {
  let lex = CUE_LEXICONS.get(lang);
  if (!lex) {
    lex = new Lexicon<Cue>();
    for (const [k, patterns] of Object.entries(SENTIMENT_CUES[lang]) as [CueKind, string[]][])
      for (const p of patterns) lex.addPattern(p, { k });
    CUE_LEXICONS.set(lang, lex);
  }
  return lex;
}

/** A turn's cue matches, scanned once (a turn can be in a window and be its last turn). */
const CUE_HITS = new WeakMap<PSeg, Hit<Cue>[]>();
function cueHits(p: PSeg): Hit<Cue>[] {
  let hits = CUE_HITS.get(p);
  if (!hits) {
    hits = cueLexicon(p.mod.lang).scan(p.tok);
    CUE_HITS.set(p, hits);
  }
  return hits;
}

/**
 * Where the windows are. Start: the customer's turns of the first quarter of the call (by time;
 * always the first two), fading out over the next fifth — "roughly the first quarter", and the
 * first turns are often an account number. End: the last three customer turns, the one before
 * them at half weight.
 */
export const SENTIMENT_WINDOWS = {
  startFraction: 0.25,
  startFade: 0.2,
  minStartTurns: 2,
  endTurns: 3,
  endFade: 0.5,
};

let featureOptions: {
  words: boolean;
  startFraction: number;
  startFade: number;
  endTurns: number;
  endFade: number;
  last: boolean;
  lastBy: "words" | "signal";
} = {
  words: false,
  startFraction: SENTIMENT_WINDOWS.startFraction,
  startFade: SENTIMENT_WINDOWS.startFade,
  endTurns: SENTIMENT_WINDOWS.endTurns,
  endFade: SENTIMENT_WINDOWS.endFade,
  last: true,
  lastBy: "signal",
};
/** Exploration only (training script): the shipped analysis always uses the defaults. */
export function setSentimentFeatureOptions(o: Partial<typeof featureOptions>): void {
  featureOptions = { ...featureOptions, ...o };
}

const addTo = (f: Feats, k: string, v: number) => f.set(k, (f.get(k) ?? 0) + v);

/** What one customer turn expresses: cue kinds, lexicon polarity by strength, irritants. */
function turnFeatures(
  p: PSeg,
  wt: number,
  prefix: string,
  f: Feats,
  irritantTypes: Set<string> | undefined,
  words: boolean,
) {
  const tok = p.tok;
  const kinds = new Set<string>();
  for (const h of cueHits(p)) {
    let k: string = h.p.payload.k;
    // A cue that carries its own negation ("not happy", "veux pas être désagréable") is not flipped.
    const own = [...h.p.literals].some((w) => NEGATORS.has(w));
    if (
      (k === "praise" || k === "relief" || k === "stress" || k === "anger") &&
      !own &&
      isNegated(tok, h.s, h.e, h.p.literals)
    )
      k = k === "praise" || k === "relief" ? "anger" : `${k}~`;
    kinds.add(k);
  }
  for (const k of kinds) addTo(f, `${prefix}cue:${k}`, wt);
  let sarcasticPos = false;
  let cue = false;
  // Polarity words as the turn's score reads them: longest match first, no overlaps.
  const sent: Hit<ModP>[] = [];
  for (const h of p.hits) {
    if (h.p.payload.g === "sarc") cue = true;
    if (h.p.payload.g === "sent" && h.p.payload.v !== 0) sent.push(h);
  }
  sent.sort((a, b) => b.e - b.s - (a.e - a.s) || a.s - b.s);
  const taken = new Uint8Array(tok.t.length);
  for (const h of sent) {
    let free = true;
    for (let i = h.s; i < h.e; i++) if (taken[i]) free = false;
    if (!free) continue;
    for (let i = h.s; i < h.e; i++) taken[i] = 1;
    const pl = h.p.payload as Extract<ModP, { g: "sent" }>;
    const negated = !pl.selfNeg && isNegated(tok, h.s, h.e, h.p.literals);
    const v = negated ? (pl.v > 0 ? -0.75 * pl.v : -0.3 * pl.v) : pl.v;
    const tier = v >= 1.5 ? "posS" : v > 0 ? "posW" : v <= -2 ? "negS" : "negW";
    addTo(f, `${prefix}${tier}`, wt * Math.abs(v));
    if (!negated && v > 0 && h.e - h.s === 1 && p.mod.sarcasmPositive.has(tok.t[h.s])) sarcasticPos = true;
  }
  if (
    sarcasticPos &&
    (cue ||
      (irritantTypes?.size ?? 0) > 0 ||
      kinds.has("anger") ||
      kinds.has("sarcasm") ||
      kinds.has("resign"))
  )
    addTo(f, `${prefix}sarcpos`, wt);
  for (const type of irritantTypes ?? []) addTo(f, `${prefix}irr:${type}`, wt);
  if (tok.emphatic) addTo(f, `${prefix}emph`, wt);
  if (tok.questions.size) addTo(f, `${prefix}q`, wt);
  if (words) {
    for (let i = 0; i < tok.t.length; i++) {
      const w = tok.t[i];
      if (w.length < 2 || w.charCodeAt(0) === 1 || /^\d/.test(w)) continue;
      f.set(`${prefix}w:${w}`, Math.max(wt, f.get(`${prefix}w:${w}`) ?? 0));
    }
  }
}

/** Whether a turn says something on its own: a polarity word or a cue beyond ritual politeness. */
function says(p: PSeg): boolean {
  if (p.hits.some((h) => h.p.payload.g === "sent" && h.p.payload.v !== 0)) return true;
  return cueHits(p).some((h) => h.p.payload.k !== "ritual");
}

/** A window's features: `turns` with their weights (1 inside, fading towards its edge). */
function windowFeatures(
  turns: [PSeg, number][],
  prefix: string,
  irr: Map<number, Set<string>>,
  words: boolean,
): Feats {
  const f: Feats = new Map([["bias", 1]]);
  if (turns.length === 0) {
    f.set("none", 1);
    return f;
  }
  let min = 0;
  let max = 0;
  let sum = 0;
  let n = 0;
  for (const [p, wt] of turns) {
    turnFeatures(p, wt, prefix, f, irr.get(p.idx), words);
    const s = (p.sentiment ?? 0) * wt;
    min = Math.min(min, s);
    max = Math.max(max, s);
    sum += s;
    n += wt;
  }
  // Counts and sums on a log scale: the second "frustrated" says less than the first.
  for (const [k, v] of f) if (k !== "bias" && !k.includes("w:")) f.set(k, Math.log1p(v));
  f.set(`${prefix}min`, min);
  f.set(`${prefix}max`, max);
  f.set(`${prefix}mean`, sum / n);
  return f;
}

/**
 * Features of the customer's sentiment at the start (the customer turns of the first quarter of
 * the call, at least two) and at the end (the last three customer turns, and the last one that
 * says something on its own): what the turns express by kind (`lang/sentiment-cues.ts`: irritation,
 * stress, sarcasm, resignation, relief, praise, ritual politeness, problem words), the polarity
 * lexicon's words by strength, the irritants voiced, the turns' lexicon scores, and the words.
 * Customer speech only.
 */
export function sentimentFeatures(
  psegs: PSeg[],
  irritants: Irritant[],
  resolution: Resolution,
): { sentimentStart: Feats; sentimentEnd: Feats } {
  const o = featureOptions;
  const customer = psegs.filter((p) => p.seg.speaker === "customer" && p.tok.words >= 1);
  const irr = new Map<number, Set<string>>();
  const byId = new Map(psegs.map((p) => [p.seg.id, p.idx]));
  for (const i of irritants)
    if (i.speaker === "customer" && !i.uncertain)
      for (const e of i.evidence) {
        const idx = byId.get(e.segmentId);
        if (idx === undefined) continue;
        const set = irr.get(idx) ?? new Set<string>();
        set.add(i.type);
        irr.set(idx, set);
      }
  let t0 = Number.POSITIVE_INFINITY;
  let tEnd = Number.NEGATIVE_INFINITY;
  for (const p of psegs) {
    t0 = Math.min(t0, p.seg.startS);
    tEnd = Math.max(tEnd, p.seg.endS);
  }
  const dur = Math.max(1e-6, tEnd - t0);
  const start: [PSeg, number][] = [];
  customer.forEach((p, i) => {
    const x = (p.seg.startS - t0) / dur;
    const wt =
      i < SENTIMENT_WINDOWS.minStartTurns || x < o.startFraction
        ? 1
        : o.startFade > 0
          ? Math.max(0, 1 - (x - o.startFraction) / o.startFade)
          : 0;
    if (wt > 0) start.push([p, wt]);
  });
  const sentimentStart = windowFeatures(start, "", irr, o.words);

  const end: [PSeg, number][] = [];
  const from = Math.max(0, customer.length - o.endTurns - (o.endFade > 0 ? 1 : 0));
  for (let i = from; i < customer.length; i++)
    end.push([customer[i], i >= customer.length - o.endTurns ? 1 : o.endFade]);
  const sentimentEnd = windowFeatures(end, "", irr, o.words);
  const endTurns = end.map(([p]) => p);
  if (o.last) {
    // The last turn that says more than a goodbye, on its own.
    const last =
      [...endTurns].reverse().find((p) => (o.lastBy === "words" ? p.tok.words >= 3 : says(p))) ??
      endTurns[endTurns.length - 1];
    if (last)
      for (const [k, v] of windowFeatures([[last, 1]], "L:", irr, false))
        if (k !== "bias") sentimentEnd.set(k, v);
    const final = endTurns[endTurns.length - 1];
    if (final && final.tok.words <= 3) sentimentEnd.set("terse", 1);
  }
  for (const i of irritants)
    if (i.speaker === "customer" && !i.uncertain && (i.type === "unresolved" || i.type === "churn_threat"))
      sentimentEnd.set(`call:${i.type}`, 1);
  if (resolution.customer) sentimentEnd.set("resolvedCustomer", 1);
  if (resolution.agent) sentimentEnd.set("resolvedAgent", 1);
  if (resolution.pending) sentimentEnd.set("pending", 1);
  return { sentimentStart, sentimentEnd };
}
