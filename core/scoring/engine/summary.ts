import type { Criterion } from "../rubric-model";
import type { Lang, ModP } from "./compile";
import type { Resolution } from "./irritants";
import { isNegated } from "./lexicon";
import { MSG, recommendForCriterion, recommendForIrritant } from "./messages";
import type { PSeg } from "./prepare";
import { sentenceAt } from "./text";
import type { CriterionResult, Irritant } from "./types";

/**
 * Extractive summary (C9), in the call's language:
 * - reason: the customer's first request sentence ("je voudrais…", "I'm calling about…", "ça ne
 *   marche pas") in the first 60 % of the call that also names a topic (a category keyword),
 *   else their first request sentence, else their first turn of 5+ words;
 * - actions: up to three agent sentences with action cues ("je viens de…", "I've refunded…"),
 *   the most specific first, shown in call order;
 * - outcome, first that applies: not resolved (an unresolved irritant voiced by the customer in
 *   the closing part of the call);
 *   resolved (the customer confirms it after the opening: "ça marche maintenant", "that worked");
 *   follow-up (a pending promise: callback, ticket, technician, investigation); resolved (the
 *   agent says it is done and the customer does not end negative); follow-up (only a notice:
 *   confirmation e-mail, SMS); else unclear;
 * - followUp: the agent's pending promise sentence (else the last notice), or null.
 */
const MAX_SENTENCE = 200;

function sentence(p: PSeg, tokIdx: number): string {
  const at = p.tok.s[tokIdx] ?? 0;
  const { from, to } = sentenceAt(p.seg.text, at);
  let s = p.seg.text.slice(from, to).trim();
  if (s.length > MAX_SENTENCE) s = `${s.slice(0, MAX_SENTENCE - 1)}…`;
  return s;
}

export function summarize(
  l: Lang,
  psegs: PSeg[],
  irritants: Irritant[],
  resolution: Resolution,
  sentimentEnd: number | null,
): { reason: string; actions: string; outcome: string; followUp: string | null } {
  if (psegs.length === 0)
    return {
      reason: MSG.reasonUnknown(l),
      actions: MSG.noActions(l),
      outcome: MSG.outcomeEmpty(l),
      followUp: null,
    };
  const t0 = psegs[0].seg.startS;
  const tEnd = psegs.reduce((m, p) => Math.max(m, p.seg.endS), 0);
  const early = t0 + 0.6 * (tEnd - t0);

  // Reason: the first request sentence that names a topic, else the first request sentence.
  let reason: string | null = null;
  let firstRequest: string | null = null;
  outer: for (const p of psegs) {
    if (p.seg.speaker !== "customer" || p.seg.startS > early) continue;
    for (const h of p.hits) {
      if ((h.p.payload as ModP).g !== "req") continue;
      const span = sentenceAt(p.seg.text, p.tok.s[h.s] ?? 0);
      const text = withNext(p, span);
      firstRequest ??= text;
      const topical = p.hits.some((x) => {
        const pl = x.p.payload as ModP;
        const at = p.tok.s[x.s] ?? 0;
        return pl.g === "cat" && pl.w >= 0.45 && at >= span.from && at < span.to;
      });
      if (topical) {
        reason = text;
        break outer;
      }
    }
  }
  reason ??= firstRequest ?? topicSentence(psegs, early);

  // Actions.
  const acts: { idx: number; w: number; text: string }[] = [];
  const seenText = new Set<string>();
  for (const p of psegs) {
    if (p.seg.speaker !== "agent") continue;
    for (const h of p.hits) {
      const pl = h.p.payload as ModP;
      if (pl.g !== "act" || isNegated(p.tok, h.s, h.e, h.p.literals)) continue;
      if (p.tok.questions.has(p.tok.c[h.s])) continue; // "Anything else I can do?" is no action
      const text = sentence(p, h.s);
      if (seenText.has(text)) continue;
      seenText.add(text);
      acts.push({ idx: p.idx * 1000 + h.s, w: pl.w, text });
    }
  }
  const chosen = acts
    .slice()
    .sort((a, b) => b.w - a.w || a.idx - b.idx)
    .slice(0, 3)
    .sort((a, b) => a.idx - b.idx);

  // Follow-up: the agent's (last) pending promise, else the last notice.
  let pending: string | null = null;
  let notice: string | null = null;
  for (const p of psegs) {
    if (p.seg.speaker !== "agent") continue;
    for (const h of p.hits) {
      const pl = h.p.payload as ModP;
      if (pl.g !== "fup" || isNegated(p.tok, h.s, h.e, h.p.literals)) continue;
      if (pl.pending) pending = sentence(p, h.s);
      else notice = sentence(p, h.s);
    }
  }
  const followUp = pending ?? notice;

  // Not resolved when the customer still says so in the closing part: an unresolved problem told
  // at the start ("toujours rien reçu") can be solved by the end of the call.
  const closing = new Set(psegs.filter((p) => p.end).map((p) => p.seg.id));
  const unresolved = irritants.some(
    (i) =>
      i.type === "unresolved" &&
      i.speaker === "customer" &&
      !i.uncertain &&
      i.evidence.some((e) => closing.has(e.segmentId)),
  );
  const outcome = unresolved
    ? MSG.outcomeUnresolved(l)
    : resolution.customer
      ? MSG.outcomeResolved(l)
      : resolution.pending
        ? MSG.outcomeFollowUp(l)
        : resolution.agent && (sentimentEnd === null || sentimentEnd >= -0.1)
          ? MSG.outcomeResolved(l)
          : resolution.notice
            ? MSG.outcomeFollowUp(l)
            : MSG.outcomeUnknown(l);

  return {
    reason: reason ?? MSG.reasonUnknown(l),
    actions: chosen.length ? chosen.map((a) => a.text).join(" · ") : MSG.noActions(l),
    outcome,
    followUp,
  };
}

/** A short request sentence ("J'appelle au sujet de ma facture.") with the next one, which says what. */
function withNext(p: PSeg, span: { from: number; to: number }): string {
  const text = p.seg.text;
  let to = span.to;
  if (to - span.from < 80 && to < text.length) to = sentenceAt(text, Math.min(text.length - 1, to + 1)).to;
  let s = text.slice(span.from, to).trim();
  if (s.length > MAX_SENTENCE) s = `${s.slice(0, MAX_SENTENCE - 1)}…`;
  return s;
}

/**
 * No request cue: the customer's first sentence (early in the call) that names a topic or an
 * irritant, else their first sentence of 5+ words that is not a bare greeting.
 */
function topicSentence(psegs: PSeg[], early: number): string | null {
  let fallback: string | null = null;
  for (const p of psegs) {
    if (p.seg.speaker !== "customer" || p.seg.startS > early) continue;
    for (const h of p.hits) {
      const pl = h.p.payload as ModP;
      if ((pl.g === "cat" && pl.w >= 0.45) || (pl.g === "irr" && pl.r.who !== "agent"))
        return withNext(p, sentenceAt(p.seg.text, p.tok.s[h.s] ?? 0));
    }
    if (fallback === null && p.tok.words >= 5) {
      // Skip a leading greeting sentence ("Hi Priya.").
      const first = sentenceAt(p.seg.text, 0);
      const rest = first.to < p.seg.text.length ? sentenceAt(p.seg.text, first.to + 1) : first;
      const pick = p.seg.text.slice(first.from, first.to).split(/\s+/).length >= 4 ? first : rest;
      fallback = withNext(p, pick);
    }
  }
  return fallback;
}

/**
 * Recommendations (C9): failed criteria first (critical, then by weight), then irritants by
 * severity; an actionable sentence each, deduplicated, at most five. `llm` and not-evaluated
 * criteria give none: nothing was judged.
 */
export function recommend(
  l: Lang,
  criteria: { c: Criterion; r: CriterionResult; example?: string }[],
  irritants: Irritant[],
): string[] {
  const out: string[] = [];
  const push = (s: string) => {
    if (!out.includes(s)) out.push(s);
  };
  const failed = criteria
    .filter((x) => x.r.result === "fail" && x.c.check.kind !== "llm")
    .sort((a, b) => Number(b.c.critical) - Number(a.c.critical) || b.c.weight - a.c.weight);
  for (const { c, example } of failed) push(recommendForCriterion(l, c.label, c.check, example));
  const rank = { high: 2, medium: 1, low: 0 } as const;
  for (const i of irritants.slice().sort((a, b) => rank[b.severity] - rank[a.severity]))
    push(recommendForIrritant(l, i.type, i.speaker));
  return out.slice(0, 5);
}
