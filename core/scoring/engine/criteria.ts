import type { CriterionCheck } from "../rubric-model";
import type { CompiledRubric, Lang, ModP, RubP } from "./compile";
import type { Hit } from "./lexicon";
import { MSG } from "./messages";
import { evidence, hitText, type PSeg } from "./prepare";
import { phraseTokens } from "./text";
import type { CriterionResult, CriterionResultValue, Evidence, Metrics } from "./types";

/**
 * Criterion checks of the built-in engine (C4). Conventions, for every kind:
 * - A check that cannot apply to this call is `na` when the criterion allows N/A, otherwise
 *   `not_evaluated` (it should have applied but could not be judged — a critical one then sends
 *   the call to review). "Cannot apply": the speaker the check listens to never speaks (empty
 *   transcript, one side not captured), a metric is undefined (no talk → no talk ratio), a
 *   timing metric on a transcript whose times were estimated, or a two-party metric (talk ratio,
 *   silence, overtalk, interruptions, holds, speaking rate) when only one side was captured.
 * - `llm` criteria are always `not_evaluated`: the built-in engine never pretends.
 * - yes/no → pass (score 1) / fail (score 0). 1–5 scale → the answer is the score and the result
 *   is `pass` when the answer is ≥ 3, `fail` below:
 *   - phrase_present: distinct expected phrases said 0 → 1, 1 → 3, 2 → 4, 3+ → 5; a phrase said
 *     without the required company name → 2;
 *   - phrase_absent / forbidden_words: occurrences 0 → 5, 1 → 3, 2 → 2, 3+ → 1;
 *   - metric_threshold: met with a margin ≥ 25 % of the threshold → 5, met → 4; missed by
 *     ≤ 25 % → 2, further → 1.
 * - phrase_present windows: `withinS` seconds from the first segment's start (the conversation,
 *   not a ring tone before it) — a segment counts when it starts inside the window; with
 *   `fromEnd`, when it ends within `withinS` of the last segment's end.
 * - Evidence: the segments that decided — the matching ones for a pass of phrase_present, the
 *   offending ones for a fail of phrase_absent / forbidden_words (a pass has none), the ones
 *   examined in the window for a phrase_present fail, and for metrics the silences / overlaps /
 *   holds concerned.
 */

export interface CriteriaContext {
  lang: Lang;
  psegs: PSeg[];
  rubric: CompiledRubric;
  metrics: Metrics;
  companyName: string | null;
  estimatedTiming: boolean;
  /** Segment indices for metric evidence. */
  silenceBefore: number[];
  longestSilenceBefore: number;
  overtalk: number[];
  interruptions: number[];
  holds: number[];
  callDurationGiven: boolean;
  t0: number;
  tEnd: number;
}

type Metric = Extract<CriterionCheck, { kind: "metric_threshold" }>["metric"];
const TWO_PARTY: Metric[] = [
  "silencePct",
  "longestSilenceS",
  "agentTalkRatio",
  "overtalkCount",
  "interruptions",
  "agentWpm",
  "holdCount",
];
const TIMED: Metric[] = [
  "silencePct",
  "longestSilenceS",
  "overtalkCount",
  "interruptions",
  "agentWpm",
  "holdCount",
];

function bySpeaker(psegs: PSeg[], speaker: "agent" | "customer" | "any"): PSeg[] {
  return speaker === "any" ? psegs : psegs.filter((p) => p.seg.speaker === speaker);
}

/** Does the segment say the company name (as a sequence, or all its distinctive words)? */
function makeCompanyMatcher(name: string | null): ((p: PSeg) => boolean) | null {
  if (!name) return null;
  const toks = phraseTokens(name);
  if (toks.length === 0) return null;
  const distinctive = toks.filter((t) => t.length >= 3);
  return (p) => {
    const t = p.tok.t;
    outer: for (let i = 0; i + toks.length <= t.length; i++) {
      for (let k = 0; k < toks.length; k++) if (t[i + k] !== toks[k]) continue outer;
      return true;
    }
    if (distinctive.length < 2) return false;
    const set = new Set(t);
    return distinctive.every((d) => set.has(d));
  };
}

/** Results in rubric order, and for failed absent/forbidden checks the first offending words. */
export function evaluateCriteria(ctx: CriteriaContext): {
  results: CriterionResult[];
  examples: (string | undefined)[];
} {
  const examples: (string | undefined)[] = [];
  const { lang: l } = ctx;
  const company = makeCompanyMatcher(ctx.companyName);
  const oneSided =
    !ctx.psegs.some((p) => p.seg.speaker === "agent") || !ctx.psegs.some((p) => p.seg.speaker === "customer");
  // Rubric hits per criterion: [segment, hit].
  const perCriterion = new Map<number, [PSeg, Hit<RubP>][]>();
  for (const p of ctx.psegs)
    for (const h of p.rhits) {
      const l2 = perCriterion.get(h.p.payload.ci);
      if (l2) l2.push([p, h]);
      else perCriterion.set(h.p.payload.ci, [[p, h]]);
    }

  const results = ctx.rubric.criteria.map(({ c, sectionId }, ci) => {
    const base = { id: c.id, label: c.label, sectionId, weight: c.weight, critical: c.critical };
    const out = (result: CriterionResultValue, score: number | null, ev: Evidence[], rationale: string) => ({
      ...base,
      result,
      score,
      evidence: ev,
      rationale,
    });
    const cannot = (why: string) => out(c.allowNa ? "na" : "not_evaluated", null, [], why);
    const scale = c.answerType === "scale_1_5";
    const judged = (answer: number, ev: Evidence[], why: string) =>
      scale
        ? out(answer >= 3 ? "pass" : "fail", answer, ev, why + MSG.scale(l, answer))
        : out(answer >= 3 ? "pass" : "fail", answer >= 3 ? 1 : 0, ev, why);
    const ch = c.check;
    switch (ch.kind) {
      case "llm":
        return out("not_evaluated", null, [], MSG.llm(l));
      case "phrase_present": {
        const pool = bySpeaker(ctx.psegs, ch.speaker);
        if (pool.length === 0)
          return cannot(ctx.psegs.length ? MSG.speakerSilent(l, ch.speaker) : MSG.emptyCall(l));
        const inWindow = (p: PSeg) =>
          ch.withinS === undefined
            ? true
            : ch.fromEnd
              ? p.seg.endS >= ctx.tEnd - ch.withinS
              : p.seg.startS <= ctx.t0 + ch.withinS;
        const hits = (perCriterion.get(ci) ?? []).filter(
          ([p]) => inWindow(p) && (ch.speaker === "any" || p.seg.speaker === ch.speaker),
        );
        const window = pool.filter(inWindow);
        if (hits.length === 0) {
          const shown = (
            window.length ? (ch.fromEnd ? window.slice(-2) : window.slice(0, 2)) : pool.slice(0, 1)
          ).map((p) => evidence(p));
          return judged(1, shown, MSG.notFound(l, ch.withinS, ch.fromEnd));
        }
        if (ch.requireCompanyName) {
          if (!company) {
            const [p, h] = hits[0];
            return out("not_evaluated", null, [evidence(p, h.s, h.e)], MSG.noCompanyName(l));
          }
          const withName = hits.filter(([p]) => company(p));
          if (withName.length === 0) {
            const [p, h] = hits[0];
            return judged(2, [evidence(p, h.s, h.e)], MSG.companyMissing(l, ctx.companyName ?? ""));
          }
          return present(withName);
        }
        return present(hits);
      }
      case "phrase_absent":
      case "forbidden_words": {
        const pool = bySpeaker(ctx.psegs, ch.speaker);
        if (pool.length === 0)
          return cannot(ctx.psegs.length ? MSG.speakerSilent(l, ch.speaker) : MSG.emptyCall(l));
        const offending: { p: PSeg; s: number; e: number }[] = [];
        for (const [p, h] of perCriterion.get(ci) ?? [])
          if (ch.speaker === "any" || p.seg.speaker === ch.speaker) offending.push({ p, s: h.s, e: h.e });
        if (ch.kind === "forbidden_words" && ch.builtinLists?.length) {
          const lists = new Set<string>(ch.builtinLists);
          for (const p of pool)
            for (const h of p.hits) {
              const pl = h.p.payload as ModP;
              if (pl.g === "list" && lists.has(pl.list)) offending.push({ p, s: h.s, e: h.e });
            }
        }
        // One occurrence per segment and position.
        const uniq = new Map<string, { p: PSeg; s: number; e: number }>();
        for (const o of offending) uniq.set(`${o.p.idx}:${o.s}`, o);
        const occ = [...uniq.values()].sort((a, b) => a.p.idx - b.p.idx || a.s - b.s);
        if (occ.length === 0)
          return judged(5, [], ch.kind === "phrase_absent" ? MSG.absentOk(l) : MSG.forbiddenOk(l));
        const answer = occ.length === 1 ? 3 : occ.length === 2 ? 2 : 1;
        const segs = new Map<number, Evidence>();
        for (const o of occ) if (!segs.has(o.p.idx)) segs.set(o.p.idx, evidence(o.p, o.s, o.e));
        const first = hitText(occ[0].p, occ[0].s, occ[0].e);
        examples[ci] = first;
        const why =
          ch.kind === "phrase_absent"
            ? MSG.absentKo(l, first, occ.length)
            : MSG.forbiddenKo(l, first, occ.length);
        // yes/no: any occurrence fails; the scale keeps its own mapping.
        return scale
          ? judged(answer, [...segs.values()].slice(0, 5), why)
          : judged(1, [...segs.values()].slice(0, 5), why);
      }
      case "metric_threshold":
        return metric(ch.metric, ch.op, ch.value);
      default:
        // A check kind this engine does not know is never pretended.
        return out("not_evaluated", null, [], MSG.llm(l));
    }

    function present(hits: [PSeg, Hit<RubP>][]): CriterionResult {
      const distinct = new Map<number, [PSeg, Hit<RubP>]>();
      for (const x of hits) if (!distinct.has(x[1].p.payload.pi)) distinct.set(x[1].p.payload.pi, x);
      const k = distinct.size;
      const answer = k >= 3 ? 5 : k === 2 ? 4 : 3;
      const ev = [...distinct.values()].slice(0, 3).map(([p, h]) => evidence(p, h.s, h.e));
      const [p0, h0] = hits[0];
      return judged(answer, ev, MSG.found(l, hitText(p0, h0.s, h0.e), k));
    }

    function metric(m: Metric, op: string, threshold: number): CriterionResult {
      if (ctx.psegs.length === 0) return cannot(MSG.emptyCall(l));
      if (oneSided && TWO_PARTY.includes(m)) return cannot(MSG.metricUndefined(l, m));
      if (ctx.estimatedTiming && (TIMED.includes(m) || (m === "durationS" && !ctx.callDurationGiven)))
        return cannot(MSG.metricEstimated(l, m));
      const value = (ctx.metrics as unknown as Record<string, number | null>)[m];
      if (value === null || value === undefined || !Number.isFinite(value))
        return cannot(MSG.metricUndefined(l, m));
      const ok =
        op === "<="
          ? value <= threshold
          : op === ">="
            ? value >= threshold
            : op === "<"
              ? value < threshold
              : value > threshold;
      const denom = threshold !== 0 ? Math.abs(threshold) : 1;
      const dist = Math.abs(value - threshold) / denom;
      const answer = ok ? (dist >= 0.25 ? 5 : 4) : dist <= 0.25 ? 2 : 1;
      const idx =
        m === "longestSilenceS"
          ? ctx.longestSilenceBefore >= 0
            ? [ctx.longestSilenceBefore]
            : []
          : m === "silencePct"
            ? ctx.silenceBefore
            : m === "overtalkCount"
              ? ctx.overtalk
              : m === "interruptions"
                ? ctx.interruptions
                : m === "holdCount"
                  ? ctx.holds
                  : [];
      const ev = ok ? [] : [...new Set(idx)].slice(0, 3).map((i) => evidence(ctx.psegs[i]));
      return judged(answer, ev, MSG.metric(l, m, value, op, threshold, ok));
    }
  });
  return { results, examples };
}
