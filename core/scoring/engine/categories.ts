import type { Compiled } from "./lexicon";
import { isNegated } from "./lexicon";
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

interface Acc {
  strength: number;
  ev: { ev: Evidence; w: number }[];
}

export function categorize(psegs: PSeg[], irritants: Irritant[]): CategoryResult[] {
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
  const mult = (sp: string, id: string) =>
    sp === "customer"
      ? 1
      : sp === "agent"
        ? id === "sales"
          ? 0.8
          : id === "information_request"
            ? 0.2
            : 0.5
        : 0.75;

  let questions = 0;
  let worst: PSeg | null = null;
  for (const p of psegs) {
    const sp = p.seg.speaker;
    const onceHere = new Set<Compiled<unknown>>();
    const fire = (c: Compiled<unknown>, id: string, w: number, neg: boolean, s: number, e: number) => {
      if (onceHere.has(c)) return;
      if (neg && isNegated(p.tok, s, e, c.literals)) return;
      onceHere.add(c);
      const n = seen.get(c) ?? 0;
      seen.set(c, n + 1);
      if (n === 0) addTo(id, w * mult(sp, id), evidence(p, s, e));
      else if (n <= 3) addTo(id, 0.15 * mult(sp, id), null);
    };
    for (const h of p.hits) {
      const pl = h.p.payload;
      if (pl.g === "cat") fire(h.p as Compiled<unknown>, pl.id, pl.w, pl.neg, h.s, h.e);
    }
    for (const h of p.thits) {
      const pl = h.p.payload;
      if (pl.g === "cat") fire(h.p as Compiled<unknown>, pl.id, 0.8, true, h.s, h.e);
    }
    if (sp === "customer") {
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
          : i.type === "escalation_request" || i.type === "unresolved" || i.type === "rudeness"
            ? "complaint"
            : null;
    if (!target) continue;
    const w = i.severity === "high" ? 0.5 : i.severity === "medium" ? 0.35 : 0.2;
    addTo(target, w, i.evidence[0] ?? null);
  }
  if (worst) addTo("complaint", 0.3, evidence(worst));
  if (questions > 0) addTo("information_request", Math.min(0.24, 0.08 * questions), null);

  const all = [...acc.entries()]
    .filter(([, a]) => a.strength > 0)
    .map(([id, a]) => ({
      id,
      a,
      confidence: Math.min(0.99, Math.round((1 - Math.exp(-a.strength)) * 100) / 100),
    }))
    .sort((x, y) => y.confidence - x.confidence || y.a.strength - x.a.strength);
  let kept = all.filter((x) => x.confidence >= THRESHOLD);
  if (kept.length === 0 && all.length > 0 && all[0].a.ev.length > 0) kept = [all[0]];
  return kept.map(({ id, a, confidence }) => ({
    id,
    confidence,
    evidence: dedupe(
      a.ev
        .slice()
        .sort((x, y) => y.w - x.w)
        .map((x) => x.ev),
    ).slice(0, 3),
  }));
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
