import type { Feats } from "./features";
import type { Compiled } from "./lexicon";
import { isNegated } from "./lexicon";
import { calibration, model, predict } from "./model";
import { evidence, type PSeg } from "./prepare";
import type { CategoryResult, Evidence, Irritant } from "./types";

/**
 * Categories (C7), rule-based and multi-label. Each category has keyword families with weights
 * (`lang/*.ts`). A keyword adds its weight the first time it fires — fully in the customer's
 * speech, half in the agent's (0.8 for sales, which agents drive), 0.75 for an unknown speaker —
 * and 0.15 for each later turn where it fires again (up to three). Topic words count even negated ("I haven't
 * got my refund" is about refunds); complaint and sales words do not ("je ne suis pas mécontent",
 * "je n'ai jamais souscrit"). Irritants add structural evidence: a churn threat to
 * cancellation, a billing dispute to billing, escalation / rudeness / unresolved to complaint; a
 * strongly negative customer turn to complaint; customer questions a little to information request.
 *
 * confidence = 1 − e^(−strength), two decimals, at most 0.99. Categories at ≥ 0.5 are returned;
 * when none reaches 0.5 but some rule fired, the strongest one is still returned, with its
 * (lower) true confidence — a call always gets a category when there is any evidence, and an empty
 * call gets none. Tenant categories (literal phrases, weight 0.8 each) use the same scale.
 */

const THRESHOLD = 0.5;
/**
 * The customer turns (of two words or more) that open the call — where its reason is said — and
 * the weight of a keyword first heard after them: a cancellation call talks about the final bill,
 * a sales call about prices, and those later words used to outvote the reason (keywords alone on
 * the 108 dev calls 70.4 % → 77.8 %, on the written calls 79.2 % either way).
 */
const OPENING_TURNS = 4;
const LATER = 0.4;
const ENQUIRY = 1.0;
/** Weight of the agent's sales words once the customer has asked to cancel (retention offers). */
const RETENTION = 0.3;
/** Categories that are a problem the customer reports (after which the agent's offers are a remedy). */
const PROBLEMS = new Set(["complaint", "technical_issue", "billing", "delivery", "account_access"]);
/** A wrong-number call: at most this many customer turns, and its category is decided here. */
const WRONG_NUMBER_TURNS = 4;
const WRONG_NUMBER = "information_request";
/** Strong enough to outweigh what the caller asked for by mistake ("une pizza", "a tow truck"). */
const WRONG_NUMBER_STRENGTH = 3;
const WRONG_NUMBER_MARK = "~wrong_number";
const ENQUIRY_MARK = "~enquiry";
/** The model's probability that overrules an enquiry without a problem (training option only). */
export const ENQUIRY_YIELDS = 0.85;

/** Words that make a bill or a charge the customer's own ("my bill", "cette ligne", "mes frais"). */
const OWN = new Set([
  "my",
  "our",
  "this",
  "these",
  "that",
  "mon",
  "ma",
  "mes",
  "notre",
  "nos",
  "cette",
  "ces",
  "ce",
]);

interface Acc {
  strength: number;
  ev: { ev: Evidence; w: number }[];
}

/** The keyword accumulation of a call, computed once (features and the final categories share it). */
const KEYWORDS = new WeakMap<PSeg[], { irritants: Irritant[]; acc: Map<string, Acc> }>();

export function categorize(
  psegs: PSeg[],
  irritants: Irritant[],
  feats?: Feats,
  raw = false,
): CategoryResult[] {
  const cached = KEYWORDS.get(psegs);
  const acc = cached && cached.irritants === irritants ? cached.acc : keywords(psegs, irritants);
  KEYWORDS.set(psegs, { irritants, acc });
  return rank(psegs, acc, feats, raw);
}

function keywords(psegs: PSeg[], irritants: Irritant[]): Map<string, Acc> {
  const acc = new Map<string, Acc>();
  const seen = new Map<Compiled<unknown>, number>();
  const addTo = (id: string, w: number, ev: Evidence | null) => {
    let a = acc.get(id);
    if (!a) {
      a = { strength: 0, ev: [] };
      acc.set(id, a);
    }
    a.strength += w;
    if (ev) a.ev.push({ ev, w });
  };
  // Who drives the call: an agent's offers after the customer asked to cancel are a retention
  // attempt (the call stays a cancellation), not a sale the agent opened with.
  let cancelAsked = false;
  // Likewise once the customer has opened with a problem (a complaint, a fault, a bill, a parcel,
  // an access): the agent's offers are a remedy or a goodwill gesture, not the reason for the call.
  let problemTold = false;
  const mult = (sp: string, id: string) =>
    sp === "customer"
      ? 1
      : sp === "agent"
        ? id === "sales"
          ? cancelAsked || problemTold
            ? RETENTION
            : 0.8
          : id === "information_request"
            ? 0.2
            : 0.5
        : 0.75;

  let questions = 0;
  let worst: PSeg | null = null;
  let wrong: Evidence | null = null;
  let customerTurns = 0;
  let spoken = 0;
  let enquiry = false;
  // The agent placed the call (an offer, a debt, a follow-up): the customer's questions answer it.
  let outbound = false;
  for (const p of psegs) {
    const sp = p.seg.speaker;
    if (sp === "customer" && p.tok.words >= 2) spoken++;
    // The reason for the call is said at its start: keywords first heard later weigh less.
    const at = spoken <= OPENING_TURNS ? 1 : LATER;
    const onceHere = new Set<Compiled<unknown>>();
    let asksHere = false;
    let buysHere = false;
    // A question about the customer's own bill or charge ("my bill", "ces frais") is billing by the
    // labelling convention (corpus-dev fr-004: two lines of a statement to understand), not the
    // enquiry rule; a question about how billing works in general ("does the bill come yearly") stays one.
    let billsHere = false;
    const fire = (c: Compiled<unknown>, id: string, w: number, neg: boolean, s: number, e: number) => {
      if (onceHere.has(c)) return;
      if (neg && isNegated(p.tok, s, e, c.literals)) return;
      onceHere.add(c);
      const n = seen.get(c) ?? 0;
      seen.set(c, n + 1);
      if (n === 0) addTo(id, w * mult(sp, id) * at, evidence(p, s, e));
      else if (n <= 3) addTo(id, 0.15 * mult(sp, id) * at, null);
    };
    for (const h of p.hits) {
      const pl = h.p.payload;
      if (pl.g === "cat") {
        fire(h.p as Compiled<unknown>, pl.id, pl.w, pl.neg, h.s, h.e);
        if (sp === "customer" && at === 1 && pl.w >= 0.5) {
          if (pl.id === "information_request") asksHere = true;
          if (pl.id === "sales" && !(pl.neg && isNegated(p.tok, h.s, h.e, h.p.literals))) buysHere = true;
          if (pl.id === "billing" && pl.w >= 0.5 && OWN.has(p.tok.t[h.s - 1] ?? "")) billsHere = true;
        }
        if (pl.id === "cancellation" && sp === "customer" && at === 1 && pl.w >= 0.5 && !acc.has("sales"))
          cancelAsked = true;
        if (
          PROBLEMS.has(pl.id) &&
          sp === "customer" &&
          at === 1 &&
          pl.w >= 0.5 &&
          !acc.has("sales") &&
          !(pl.neg && isNegated(p.tok, h.s, h.e, h.p.literals))
        )
          problemTold = true;
      } else if (pl.g === "wrong" && !wrong && !isNegated(p.tok, h.s, h.e, h.p.literals))
        wrong = evidence(p, h.s, h.e);
      else if (pl.g === "fam" && pl.f === "outbound" && sp === "agent") outbound = true;
    }
    // An enquiry about prices or offers to buy is a sale ("je voulais savoir vos prix").
    if (asksHere && !buysHere && !billsHere) enquiry = true;
    for (const h of p.thits) {
      const pl = h.p.payload;
      if (pl.g === "cat") fire(h.p as Compiled<unknown>, pl.id, 0.8, true, h.s, h.e);
    }
    if (sp === "customer") {
      if (p.tok.words > 0) customerTurns++;
      questions += p.tok.questions.size;
      if (p.sentiment !== null && p.sentiment <= -0.6 && (!worst || p.sentiment < (worst.sentiment ?? 0)))
        worst = p;
    }
  }

  for (const i of irritants) {
    if (i.speaker !== "customer" && i.type !== "rudeness") continue;
    const target =
      i.type === "churn_threat"
        ? "cancellation"
        : i.type === "billing_dispute"
          ? "billing"
          : i.type === "escalation_request" || i.type === "rudeness"
            ? "complaint"
            : null;
    if (!target) continue;
    const w = i.severity === "high" ? 0.5 : i.severity === "medium" ? 0.35 : 0.2;
    // Irritants are how the call went, less often why it was made: half as much for complaint.
    addTo(target, target === "complaint" ? w * 0.5 : w, i.evidence[0] ?? null);
  }
  if (worst) addTo("complaint", 0.15, evidence(worst));
  // A customer who opens with a question ("je voulais savoir…", "quick question") and voices no
  // problem anywhere is asking for information, whatever topic words (a price, a bill) come up.
  // How the contact itself went (a wait, transfers) is no problem with what the call is about.
  const problem = irritants.some(
    (i) => i.speaker === "customer" && !i.uncertain && !CONTACT_ONLY.has(i.type),
  );
  const contactTurns = contactOnlyTurns(irritants);
  const upset = worst !== null && !contactTurns.has((worst as PSeg).seg.id);
  if (enquiry && !problem && !upset && !outbound) {
    addTo("information_request", ENQUIRY, null);
    addTo(ENQUIRY_MARK, 0, null);
  }
  // The labelling convention: a short call to the wrong number is an information request,
  // whatever the caller wanted from the company they meant to reach (so the keywords decide).
  if (wrong && customerTurns <= WRONG_NUMBER_TURNS) {
    addTo(WRONG_NUMBER, WRONG_NUMBER_STRENGTH, wrong);
    addTo(WRONG_NUMBER_MARK, 0, null); // strength 0: a mark, never a category
  }
  if (questions > 0) addTo("information_request", Math.min(0.24, 0.08 * questions), null);
  return acc;
}

/** Irritants about the contact itself (the queue, transfers), not about the reason for the call. */
export const CONTACT_ONLY = new Set(["long_wait", "transfer_loop"]);

/** The customer segments that voice only such irritants. */
export function contactOnlyTurns(irritants: Irritant[]): Set<string> {
  const out = new Set<string>();
  for (const i of irritants)
    if (i.speaker === "customer" && CONTACT_ONLY.has(i.type))
      for (const e of i.evidence) out.add(e.segmentId);
  return out;
}

function rank(
  psegs: PSeg[],
  acc: Map<string, Acc>,
  feats: Feats | undefined,
  raw: boolean,
): CategoryResult[] {
  const all = [...acc.entries()]
    .filter(([, a]) => a.strength > 0)
    .map(([id, a]) => ({
      id,
      a,
      confidence: Math.min(0.99, Math.round((1 - Math.exp(-a.strength)) * 100) / 100),
    }))
    .sort((x, y) => y.confidence - x.confidence || y.a.strength - x.a.strength);
  // Which categories the call has: those the keywords reach (≥ 0.5), else the strongest one.
  let kept = all.filter((x) => x.confidence >= THRESHOLD);
  if (kept.length === 0 && all.length > 0 && all[0].a.ev.length > 0) kept = [all[0]];
  if (raw || kept.length === 0)
    return kept.map(({ id, a, confidence }) => ({ id, confidence, evidence: topEvidence(a) }));

  // Their confidences: calibrated probabilities of being right (Platt, fitted by the training
  // script on labelled calls; the first category and the others apart). The learned model decides
  // which comes first when it is sure (≥ 0.6) and gives that one its own probability.
  const cal = calibration("category");
  const out: CategoryResult[] = kept.map(({ id, a, confidence }, i) => ({
    id,
    confidence: cal(confidence, i === 0),
    evidence: topEvidence(a),
  }));
  const wrongNumber = acc.has(WRONG_NUMBER_MARK);
  const learned = feats && !wrongNumber ? model("category") : null;
  if (learned && psegs.some((p) => p.seg.speaker === "customer" && p.tok.words > 0)) {
    const probs = predict(learned, feats as Feats);
    const best = probs.indexOf(Math.max(...probs));
    // The enquiry rule above is one of the model's features (the keyword ranking), not an override:
    // overriding the model with it lost 1.8 points on held-out dev calls (cat4).
    if (probs[best] >= MODEL_DECIDES && learned.classes[best] !== kept[0].id) {
      const id = learned.classes[best];
      const top: CategoryResult = {
        id,
        confidence: Math.min(0.99, Math.round(probs[best] * 100) / 100),
        evidence: acc.get(id)?.ev.length ? topEvidence(acc.get(id) as Acc) : firstTurnEvidence(psegs),
      };
      const rest = out
        .filter((c) => c.id !== id)
        .map((c) => ({ ...c, confidence: Math.min(c.confidence, Math.max(0, top.confidence - 0.01)) }));
      return [top, ...rest].sort((x, y) => y.confidence - x.confidence);
    }
  }
  out.sort((x, y) => y.confidence - x.confidence);
  // The model agreeing with the keywords is evidence too: the first category gets the better of
  // the two probabilities, and is uncertain only when both are low.
  if (learned && feats) {
    const p = predict(learned, feats)[learned.classes.indexOf(out[0].id)] ?? 0;
    if (p > out[0].confidence) out[0] = { ...out[0], confidence: Math.min(0.99, Math.round(p * 100) / 100) };
  }
  if (out[0].confidence < UNCERTAIN_BELOW) out[0] = { ...out[0], uncertain: true };
  return out.sort((x, y) => y.confidence - x.confidence);
}

function firstTurnEvidence(psegs: PSeg[]): Evidence[] {
  const first =
    psegs.find((x) => x.seg.speaker === "customer" && x.tok.words >= 3) ??
    psegs.find((x) => x.seg.speaker === "customer");
  return first ? [evidence(first)] : [];
}

function topEvidence(a: Acc): Evidence[] {
  return dedupe(
    a.ev
      .slice()
      .sort((x, y) => y.w - x.w)
      .map((x) => x.ev),
  ).slice(0, 3);
}

function dedupe(evs: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  const out: Evidence[] = [];
  for (const e of evs)
    if (!seen.has(e.segmentId)) {
      seen.add(e.segmentId);
      out.push(e);
    }
  return out;
}

/** The top category is returned uncertain below this probability (held-out accuracy there is under 50 %). */
const UNCERTAIN_BELOW = 0.3;
/**
 * The learned model decides the first category when its best class is at least this likely;
 * otherwise the keywords do. 0 since cat4: the model always decides (the keyword ranking is one of
 * its features, calibrated by training, instead of a rule overriding it). 5-fold held-out figures, folds by scenario cluster
 * (scripts/train/entry.ts): see the README's Categories section. A margin over the keywords' first
 * category, or keywords that keep the first place when they are sure (both tried), lose 1–3
 * points on held-out calls and Banking77.
 */
const MODEL_DECIDES = 0;
