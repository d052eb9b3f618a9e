import { CONTACT_ONLY, contactOnlyTurns } from "./categories";
import type { ModP } from "./compile";
import type { Resolution } from "./irritants";
import { isNegated, Lexicon } from "./lexicon";
import type { PSeg } from "./prepare";
import { sentimentFeatures } from "./sentiment";
import type { Irritant } from "./types";

/**
 * Features of a call for the engine's small learned models (`model.ts`): what the lexicons found
 * (category keyword strengths, irritants, sentiment words, resolution cues), where in the call
 * (the opening, where the reason is said — see `reasonFeatures`; the last customer turns), and the
 * words of the customer's need turn (categories) or of the turns concerned (sentiment). The same function feeds training (`scripts/train-engine.mjs`) and analysis, so the two
 * can never disagree. Sparse: name → value (1 for a present word).
 *
 * Words are the stemmed tokens (`text.ts`), numbers folded to `#`; single letters are left out.
 */
export type Feats = Map<string, number>;

export interface CallFeatures {
  category: Feats;
  sentimentStart: Feats;
  sentimentEnd: Feats;
}

/** Customer turns of the opening (the reason for the call): the first three that say something. */
const OPENING_TURNS = 3;

function words(p: PSeg, prefix: string, into: Feats, bigrams: boolean): void {
  const t = p.tok.t;
  let prev: string | null = null;
  let prevClause = -1;
  for (let i = 0; i < t.length; i++) {
    let w = t[i];
    if (w.charCodeAt(0) === 1) w = "[x]";
    else if (/^\d/.test(w)) w = "#";
    else if (w.length < 2) {
      prev = null;
      continue;
    }
    into.set(`${prefix}${w}`, 1);
    if (bigrams && prev !== null && p.tok.c[i] === prevClause) into.set(`${prefix}${prev}_${w}`, 1);
    prev = w;
    prevClause = p.tok.c[i];
  }
}

const add = (f: Feats, k: string, v: number) => f.set(k, (f.get(k) ?? 0) + v);

/**
 * The agent's offer of help ("how can I help", "qu'est-ce que je peux faire pour vous"): the
 * customer turn that answers it states the need, even when the call opened with something else
 * (a complaint about the wait, an identification). Compiled once per isolate, scanned only in the
 * agent's first turns.
 */
const HELP_OFFERS = [
  "how can|may|could i|we help|assist",
  "what can|may i|we do|help for|with you",
  "what can i help you with",
  "how can|may i direct",
  "what seems to be the problem|issue|trouble",
  "what is the problem|issue|reason",
  "what are you calling about",
  "what is * call about|regarding",
  "what brings you",
  "how can|may i be of * help|assistance",
  "que|qu'est-ce_que puis-je|je_peux|on_peut * faire pour vous",
  "que puis-je pour vous",
  "en quoi * puis-je|je_peux|pouvons-nous|peut-on * vous aider|etre_utile",
  "comment * puis-je|je_peux|pouvons-nous|peut-on * vous aider",
  "je vous ecoute",
  "c'est a quel sujet",
  "c'est pour quoi|quoi",
  "qu'est-ce qui vous amene",
  "quel est * objet|motif * de votre appel",
  "qu'est-ce qui se passe",
  "que se passe-t-il",
];
let helpLex: Lexicon<number> | null = null;
function helpOffers(): Lexicon<number> {
  if (!helpLex) {
    helpLex = new Lexicon<number>();
    for (const p of HELP_OFFERS) helpLex.addPattern(p, 1);
  }
  return helpLex;
}
/** The agent's first turns where an offer of help is looked for. */
const HELP_TURNS = 5;

/** Reason clause: the tokens after a request frame ("I'm calling about", "je voudrais"), this many. */
const REASON_SPAN = 10;

/**
 * Where the reason for the call is said, as category keyword strengths: the customer's first
 * turn (`o1:`), the words right after a request frame in the opening (`rs:`, and their words
 * `r:`), the agent's first turns (`ao:`; `ob:` when the agent placed the call — an offer, a debt),
 * and whether the customer voices any problem at all (`noProblem`: an enquiry has none).
 */
function reasonFeatures(opening: PSeg[], agent: PSeg[], customer: PSeg[], f: Feats): void {
  const catHits = (p: PSeg, from = 0, to = Number.POSITIVE_INFINITY) => {
    const out: { id: string; w: number }[] = [];
    const seen = new Set<string>();
    for (const h of p.hits) {
      const pl = h.p.payload as ModP;
      if (pl.g !== "cat" || h.s < from || h.s >= to) continue;
      if (pl.neg && isNegated(p.tok, h.s, h.e, h.p.literals)) continue;
      if (seen.has(pl.id)) continue;
      seen.add(pl.id);
      out.push({ id: pl.id, w: pl.w });
    }
    return out;
  };
  if (opening[0]) for (const c of catHits(opening[0])) add(f, `o1:${c.id}`, c.w);
  const reason = new Set<string>();
  opening.forEach((p, k) => {
    for (const h of p.hits) {
      if (h.p.payload.g !== "req") continue;
      for (const c of catHits(p, h.s, h.e + REASON_SPAN)) {
        if (reason.has(c.id)) continue;
        reason.add(c.id);
        add(f, `rs:${c.id}`, c.w * (k === 0 ? 1 : 0.7));
      }
    }
  });
  // The customer's answer to the agent's last offer of help in the first agent turns.
  const firstAgent = agent.slice(0, HELP_TURNS);
  let offer = -1;
  for (const p of firstAgent) if (helpOffers().scan(p.tok).length) offer = p.idx;
  const need = offer >= 0 ? customer.find((p) => p.idx > offer && p.tok.words >= 4) : undefined;
  if (need) {
    f.set("needTurn", 1);
    for (const c of catHits(need)) add(f, `nd:${c.id}`, c.w);
  }
  // The category the reason is said in most strongly (one-hot: learnable from few calls).
  const reasonBy = new Map<string, number>();
  for (const [k, v] of f)
    if (k.startsWith("o1:") || k.startsWith("rs:") || k.startsWith("nd:")) {
      const id = k.slice(3);
      reasonBy.set(id, (reasonBy.get(id) ?? 0) + v);
    }
  let top: string | null = null;
  for (const [id, v] of reasonBy) if (top === null || v > (reasonBy.get(top) ?? 0)) top = id;
  if (top !== null) f.set(`rtop:${top}`, 1);
  const needOrFirst = need ?? opening[0];
  if (needOrFirst) words(needOrFirst, "n:", f, false);
  const outbound = f.has("outbound");
  for (const p of agent.filter((x) => x.tok.words >= 3).slice(0, 2))
    for (const c of catHits(p)) {
      add(f, `ao:${c.id}`, c.w);
      if (outbound) add(f, `ob:${c.id}`, c.w);
    }
}

export function callFeatures(
  psegs: PSeg[],
  irritants: Irritant[],
  resolution: Resolution,
  agentTalkRatio: number | null,
  lexicon: { id: string; confidence: number }[] = [],
): CallFeatures {
  const customer = psegs.filter((p) => p.seg.speaker === "customer");
  const agent = psegs.filter((p) => p.seg.speaker === "agent");

  // ---- Category: keyword strengths (opening / whole call / agent), irritants, opening words.
  const category: Feats = new Map([["bias", 1]]);
  const opening = customer.filter((p) => p.tok.words >= 2).slice(0, OPENING_TURNS);
  const openingSet = new Set(opening.map((p) => p.idx));
  // The turns that state the need: the customer's first request, the agent's rephrasing of it.
  const request = opening.find((p) => p.hits.some((h) => h.p.payload.g === "req")) ?? opening[0];
  const rephrase = agent.find((p) =>
    p.hits.some((h) => {
      const pl = h.p.payload as ModP;
      return pl.g === "fam" && pl.f === "rephrasing";
    }),
  );
  for (const p of psegs) {
    const sp = p.seg.speaker;
    const seen = new Set<string>();
    for (const h of p.hits) {
      const pl = h.p.payload as ModP;
      if (pl.g === "fam" && pl.f === "outbound" && sp === "agent") category.set("outbound", 1);
      if (pl.g !== "cat") continue;
      if (pl.neg && isNegated(p.tok, h.s, h.e, h.p.literals)) continue;
      const key = `${pl.id}:${h.p.steps.length}:${h.s}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (sp === "customer") {
        add(category, `ca:${pl.id}`, pl.w);
        if (openingSet.has(p.idx)) add(category, `co:${pl.id}`, pl.w);
        if (p === request) add(category, `rq:${pl.id}`, pl.w);
      } else if (sp === "agent") {
        add(category, `ag:${pl.id}`, pl.w);
        if (p === rephrase) add(category, `rp:${pl.id}`, pl.w);
      }
    }
  }
  for (const [k, v] of category) if (k.includes(":")) category.set(k, Math.log1p(v));
  // The hand-weighted keyword categories (categories.ts) as they rank the call.
  lexicon.forEach((c, rank) => {
    category.set(`lx:${c.id}`, c.confidence);
    if (rank === 0) category.set(`lxtop:${c.id}`, 1);
  });
  let kinds = 0;
  for (const i of irritants)
    if (!i.uncertain) {
      category.set(`ir:${i.type}@${i.speaker}`, 1);
      if (i.speaker === "customer") kinds++;
    }
  // A complaint is told by how much goes wrong, whatever the topic.
  category.set("irritantKinds", Math.log1p(kinds));
  let worst = 0;
  for (const p of opening) worst = Math.min(worst, p.sentiment ?? 0);
  category.set("openingWorst", worst);
  // No problem voiced (an enquiry): how the contact itself went (a wait, transfers) does not count.
  const contactTurns = contactOnlyTurns(irritants);
  const problems = irritants.filter(
    (i) => !i.uncertain && i.speaker === "customer" && !CONTACT_ONLY.has(i.type),
  ).length;
  if (problems === 0 && !customer.some((p) => (p.sentiment ?? 0) <= -0.6 && !contactTurns.has(p.seg.id)))
    category.set("noProblem", 1);
  reasonFeatures(opening, agent, customer, category);
  let questions = 0;
  for (const p of customer) questions += p.tok.questions.size;
  category.set("questions", Math.log1p(questions));
  if (agentTalkRatio !== null) category.set("agentRatio", agentTalkRatio);

  // ---- Sentiment at the start and at the end (`sentiment.ts`, customer turns only).
  const { sentimentStart, sentimentEnd } = sentimentFeatures(psegs, irritants, resolution);
  return { category, sentimentStart, sentimentEnd };
}
