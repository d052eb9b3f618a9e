import type { LangModule, ModP } from "./compile";
import type { CallFeatures } from "./features";
import { validIrritantHit } from "./irritants";
import { type Hit, isNegated } from "./lexicon";
import { model, predict } from "./model";
import type { PSeg } from "./prepare";
import type { Metrics } from "./types";

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
 * Start and end of the customer's sentiment from the learned models (`model.ts`) over the words
 * and lexicon signals of the first quarter and of the last customer turns (`features.ts`): the
 * lexicon alone reads "describing a problem calmly" as negative and a terse "ok" as positive.
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
