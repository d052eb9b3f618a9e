import type { ModP } from "./compile";
import type { Resolution } from "./irritants";
import { isNegated } from "./lexicon";
import type { PSeg } from "./prepare";
import { sentimentFeatures } from "./sentiment";
import type { Irritant } from "./types";

/**
 * Features of a call for the engine's small learned models (`model.ts`): what the lexicons found
 * (category keyword strengths, irritants, sentiment words, resolution cues), where in the call
 * (the opening, where the reason is said; the last customer turns), and the words of those
 * turns. The same function feeds training (`scripts/train-engine.mjs`) and analysis, so the two
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
  for (const p of opening) words(p, "c:", category, false);
  for (const p of agent.filter((x) => x.tok.words >= 3).slice(0, 2)) words(p, "a:", category, false);
  let questions = 0;
  for (const p of customer) questions += p.tok.questions.size;
  category.set("questions", Math.log1p(questions));
  if (agentTalkRatio !== null) category.set("agentRatio", agentTalkRatio);

  // ---- Sentiment at the start and at the end (`sentiment.ts`, customer turns only).
  const { sentimentStart, sentimentEnd } = sentimentFeatures(psegs, irritants, resolution);
  return { category, sentimentStart, sentimentEnd };
}
