import type { CriterionCheck } from "../rubric-model";
import type { CompiledRubric, Lang, ModP, RubP } from "./compile";
import { familyHits, isHoldCriterion, slotSatisfied, weakFamilyHit } from "./families";
import type { FamilyId } from "./lang/types";
import type { Hit } from "./lexicon";
import { MSG } from "./messages";
import type { Gap } from "./metrics";
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
  /** Counted silences (≥ 3 s), for hold etiquette. */
  gaps: Gap[];
  agentName: string | null;
  /** Where the agent was rude (the rudeness irritant's hits in agent speech). */
  agentRudeness: { p: PSeg; s: number; e: number }[];
}

/** A silence the agent ends after at least this long is a hold, for hold etiquette (the corpus rule). */
export const HOLD_ETIQUETTE_MIN_S = 5;

type FamP = Extract<ModP, { g: "fam" }>;
/** A phrase said: the turn, the token range, and which phrase (for counting distinct ones). */
interface Found {
  p: PSeg;
  s: number;
  e: number;
  key: string;
  /** Found only by a guess the transcript cannot confirm (a lower-case first name). */
  weak?: boolean;
}

/** Evidence: the turns that decided, each quoted once (centred on its first match). */
function onePerTurn(hits: { p: PSeg; s?: number; e?: number }[]): Evidence[] {
  const seen = new Set<number>();
  const out: Evidence[] = [];
  for (const h of hits)
    if (!seen.has(h.p.idx)) {
      seen.add(h.p.idx);
      out.push(evidence(h.p, h.s, h.e));
    }
  return out;
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

/** One edit (insert, delete, substitute) apart, for words of 5+ letters: a recognition slip. */
function oneEditApart(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.min(a.length, b.length) < 5 || Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) return a.slice(i + 1) === b.slice(i + 1);
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/**
 * Does the segment say the company name? `exact`: as a sequence, or all its distinctive words in
 * any order (the "&" said "and", lower-case ASR); `approx`: only as recognition slips would — a
 * word one letter off ("rodanien" for Rhodanien), or a word split in two ("borea net" for
 * BoréaNet) — which the criterion reports as uncertain rather than asserts.
 */
function makeCompanyMatcher(name: string | null): ((p: PSeg) => "exact" | "approx" | null) | null {
  if (!name) return null;
  const toks = phraseTokens(name);
  if (toks.length === 0) return null;
  const distinctive = toks.filter((t) => t.length >= 3);
  const wanted = distinctive.length >= 2 ? distinctive : toks;
  return (p) => {
    const t = p.tok.t;
    outer: for (let i = 0; i + toks.length <= t.length; i++) {
      for (let k = 0; k < toks.length; k++) if (t[i + k] !== toks[k]) continue outer;
      return "exact";
    }
    const set = new Set(t);
    if (distinctive.length >= 2 && distinctive.every((d) => set.has(d))) return "exact";
    const heard = (w: string) =>
      t.some((x, i) => oneEditApart(x, w) || (i + 1 < t.length && x + t[i + 1] === w));
    return wanted.every(heard) && wanted.some((w) => w.length >= 5 || !set.has(w)) ? "approx" : null;
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
  const famCtx = {
    companyTokens: new Set(ctx.companyName ? phraseTokens(ctx.companyName) : []),
    agentName: ctx.agentName ? (phraseTokens(ctx.agentName)[0] ?? null) : null,
    cache: new Map(),
  };
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
        const fams = ctx.rubric.fams[ci] ?? new Set<FamilyId>();
        if (isHoldCriterion(fams)) return holdEtiquette(fams);
        const inWindow = (p: PSeg) =>
          ch.withinS === undefined
            ? true
            : ch.fromEnd
              ? p.seg.endS >= ctx.tEnd - ch.withinS
              : p.seg.startS <= ctx.t0 + ch.withinS;
        const window = pool.filter(inWindow);
        const hits = phraseHits(ci, window, fams);
        if (hits.length === 0) {
          const shown = (
            window.length ? (ch.fromEnd ? window.slice(-2) : window.slice(0, 2)) : pool.slice(0, 1)
          ).map((p) => evidence(p));
          return judged(1, shown, MSG.notFound(l, ch.withinS, ch.fromEnd));
        }
        if (ch.requireCompanyName) {
          if (!company) {
            const h = hits[0];
            return out("not_evaluated", null, [evidence(h.p, h.s, h.e)], MSG.noCompanyName(l));
          }
          const withName = hits.filter((h) => company(h.p) === "exact");
          if (withName.length) return present(withName);
          const heard = hits.filter((h) => company(h.p) === "approx");
          if (heard.length)
            return out(
              "uncertain",
              null,
              onePerTurn(heard).slice(0, 2),
              MSG.companyApprox(l, ctx.companyName ?? ""),
            );
          return judged(2, onePerTurn(hits).slice(0, 2), MSG.companyMissing(l, ctx.companyName ?? ""));
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
          // Negative phrasing includes the agent's rudeness (contempt, brush-offs): the irritant's turns.
          if (lists.has("negative_phrasing"))
            for (const r of ctx.agentRudeness) if (pool.includes(r.p)) offending.push(r);
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

    /** The phrase said (rubric words, or a family's other words) in those turns, in call order. */
    function phraseHits(ci: number, turns: PSeg[], fams: Set<FamilyId>): Found[] {
      const inTurns = new Set(turns.map((p) => p.idx));
      const found: Found[] = [];
      for (const [p, h] of perCriterion.get(ci) ?? []) {
        if (!inTurns.has(p.idx)) continue;
        // A phrase that is only a self-introduction cue ("this is") needs the name with it.
        const slot = ctx.rubric.phraseSlots[ci]?.[h.p.payload.pi] ?? null;
        if (slot && !slotSatisfied(p, h.s, h.e, slot, famCtx)) continue;
        // The rubric's own words: no guess to flag, even in a lower-case transcript.
        found.push({ p, s: h.s, e: h.e, key: `r${h.p.payload.pi}` });
      }
      const literal = found.slice();
      if (fams.size)
        for (const p of turns)
          for (const h of familyHits(p, fams, famCtx)) {
            // The rubric's phrase already said there is no other phrase ("bonjour" is one).
            if (literal.some((x) => x.p === p && x.s < h.e && h.s < x.e)) continue;
            found.push({
              p,
              s: h.s,
              e: h.e,
              key: `f:${p.tok.t.slice(h.s, h.e).join(" ")}`,
              weak: weakFamilyHit(p, h),
            });
          }
      return found.sort((a, b) => a.p.idx - b.p.idx || a.s - b.s);
    }

    function present(all: Found[]): CriterionResult {
      const sure = all.filter((h) => !h.weak);
      if (sure.length === 0) {
        const h0 = all[0];
        return out(
          "uncertain",
          null,
          onePerTurn(all).slice(0, 2),
          MSG.foundUnsure(l, hitText(h0.p, h0.s, h0.e)),
        );
      }
      const hits = sure;
      const distinct = new Set(hits.map((h) => h.key));
      const k = distinct.size;
      const answer = k >= 3 ? 5 : k === 2 ? 4 : 3;
      const h0 = hits[0];
      return judged(answer, onePerTurn(hits).slice(0, 3), MSG.found(l, hitText(h0.p, h0.s, h0.e), k));
    }

    /**
     * Hold etiquette (a criterion whose phrases ask before a hold or thank after it): judged on
     * every hold — a silence of at least 5 s that the agent ends — asked for in the agent's last
     * two turns before it and thanked in their first two after it (each as the criterion's
     * phrases say: asking, thanking or both). No hold: the criterion does not apply.
     */
    function holdEtiquette(fams: Set<FamilyId>): CriterionResult {
      const agent = ctx.psegs.filter((p) => p.seg.speaker === "agent");
      const holds = ctx.gaps.filter((g) => {
        if (g.end - g.start < HOLD_ETIQUETTE_MIN_S) return false;
        const next = ctx.psegs.find((p) => p.seg.startS >= g.end - 1e-6);
        return next !== undefined && next.seg.speaker === "agent";
      });
      if (holds.length === 0) return cannot(MSG.noHold(l));
      const asks = new Set<number>();
      const thanks = new Set<number>();
      const mark = (p: PSeg, fs: Set<FamilyId>) => {
        if (fs.has("hold_permission")) asks.add(p.idx);
        if (fs.has("hold_thanks")) thanks.add(p.idx);
      };
      for (const [p, h] of perCriterion.get(ci) ?? [])
        if (p.seg.speaker === "agent") mark(p, ctx.rubric.phraseFams[ci]?.[h.p.payload.pi] ?? new Set());
      for (const p of agent)
        for (const h of familyHits(p, fams, famCtx)) mark(p, new Set([(h.p.payload as FamP).f]));
      const wantAsk = fams.has("hold_permission");
      const wantThanks = fams.has("hold_thanks");
      const good: PSeg[] = [];
      let ok = 0;
      let firstBad: { at: number; before: PSeg[]; after: PSeg[]; ask: boolean; thank: boolean } | null = null;
      for (const g of holds) {
        const before = agent
          .filter((p) => p.seg.endS <= g.start + 1e-6 && p.seg.startS >= g.start - 90)
          .slice(-2);
        const after = agent
          .filter((p) => p.seg.startS >= g.end - 1e-6 && p.seg.startS <= g.end + 60)
          .slice(0, 2);
        const ask = !wantAsk || before.some((p) => asks.has(p.idx));
        const thank = !wantThanks || after.some((p) => thanks.has(p.idx));
        if (ask && thank) {
          ok++;
          good.push(...before.filter((p) => asks.has(p.idx)), ...after.filter((p) => thanks.has(p.idx)));
        } else firstBad ??= { at: g.start - ctx.t0, before, after, ask, thank };
      }
      const answer = scale ? 1 + Math.round((4 * ok) / holds.length) : ok === holds.length ? 3 : 1;
      if (!firstBad)
        return judged(answer, onePerTurn(good.map((p) => ({ p }))).slice(0, 4), MSG.holdsOk(l, holds.length));
      const shown = [...firstBad.before.slice(-1), ...firstBad.after.slice(0, 1)].map((p) => ({ p }));
      return judged(answer, onePerTurn(shown), MSG.holdKo(l, firstBad.at, firstBad.ask, firstBad.thank));
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
