import { guessLanguage } from "../../content/transcripts/language";
import { categorize } from "./categories";
import { compileRubric, compileTenant, type Lang, langModule } from "./compile";
import { evaluateCriteria } from "./criteria";
import { callFeatures } from "./features";
import { detectIrritants, withConfidence } from "./irritants";
import { isNegated } from "./lexicon";
import { computeTiming, HOLD_SILENCE_MIN_S, type Timing } from "./metrics";
import { type PSeg, prepare } from "./prepare";
import { computeScore } from "./score";
import { learnedSentiment, segmentSentiment, sentimentTrend } from "./sentiment";
import { recommend, summarize } from "./summary";
import type { AnalysisResult, EngineInput, Metrics } from "./types";

/**
 * The built-in analysis engine (C3): deterministic, offline, French and English. Pure — no I/O,
 * no clock, no randomness: the same input gives the same result. See README.md in this folder for
 * the definitions and the limits.
 *
 * Cost: every segment is tokenised once and scanned once against the language's precompiled
 * lexicon (cached per isolate), once against the rubric's phrases (cached per rubric version
 * object) and, when given, the tenant's lexicon. A scan costs one array slot per token (words are
 * ids shared by every lexicon) plus the candidates whose required words are all in the segment,
 * so it grows with the patterns that can match, not with the size of the lexicons.
 */
export const ENGINE_NAME = "builtin";

/** A hold: an agent hold phrase followed, within 15 s of the end of that turn, by ≥ 10 s of silence. */
const HOLD_LOOKAHEAD_S = 15;

function languageOf(
  input: Pick<EngineInput, "transcript" | "call"> & { rubric?: { language?: Lang } },
): Lang {
  const { transcript, call } = input;
  return (
    call.language ??
    transcript.language ??
    guessLanguage((transcript.segments ?? []).map((s) => s.text)) ??
    input.rubric?.language ??
    "fr"
  );
}

/** Timing, holds and customer sentiment of prepared segments (shared by analyze and computeMetrics). */
function measure(psegs: PSeg[], timing: Timing, estimated: boolean) {
  // Sentiment — customer turns only.
  const bySegment: { segmentId: string; sentiment: number }[] = [];
  const signals: (number | null)[] = [];
  for (const p of psegs)
    if (p.seg.speaker === "customer") {
      const v = segmentSentiment(p, p.mod);
      signals.push(v);
      p.sentiment = v ?? 0;
      bySegment.push({ segmentId: p.seg.id, sentiment: v ?? 0 });
    }
  const trend = sentimentTrend(signals);

  // Holds and agent speaking rate.
  const holds: number[] = [];
  const used = new Set<number>();
  let agentWords = 0;
  for (const p of psegs) {
    if (p.seg.speaker !== "agent") continue;
    agentWords += p.tok.words;
    const announces = p.hits.some(
      (h) => h.p.payload.g === "hold" && !isNegated(p.tok, h.s, h.e, h.p.literals),
    );
    if (!announces) continue;
    for (let g = 0; g < timing.silences.length; g++) {
      const gap = timing.silences[g];
      if (used.has(g) || gap.end - gap.start < HOLD_SILENCE_MIN_S) continue;
      if (gap.start >= p.seg.startS && gap.start <= p.seg.endS + HOLD_LOOKAHEAD_S) {
        used.add(g);
        holds.push(p.idx);
        break;
      }
    }
  }
  const agentWpm =
    estimated || timing.agentTalkS < 1 || agentWords === 0
      ? null
      : Math.round(agentWords / (timing.agentTalkS / 60));

  const metrics: Metrics = {
    durationS: timing.durationS,
    agentTalkS: timing.agentTalkS,
    customerTalkS: timing.customerTalkS,
    agentTalkRatio: timing.agentTalkRatio,
    silencePct: timing.silencePct,
    longestSilenceS: timing.longestSilenceS,
    overtalkCount: timing.overtalk.length,
    interruptions: timing.interruptions.length,
    agentWpm,
    holdCount: holds.length,
    sentimentStart: trend.start,
    sentimentEnd: trend.end,
    sentimentBySegment: bySegment,
  };
  return { metrics, holds, trend };
}

/**
 * The conversation metrics (C8) alone — what any provider reports, since metrics are measured,
 * never asked from a model. Same definitions and code as `analyze(input).metrics`.
 */
export function computeMetrics(input: Pick<EngineInput, "transcript" | "call">): Metrics {
  const { metrics, features } = findings(input);
  learnedSentiment(metrics, features);
  return metrics;
}

/**
 * What the lexicons and the timing find before the learned models and the criteria: shared by
 * `analyze` and the training script (`scripts/train-engine.mjs`), which learns from exactly these
 * features.
 */
export function findings(
  input: Pick<EngineInput, "transcript" | "call" | "tenant"> & { rubric?: EngineInput["rubric"] },
) {
  const { transcript, call, rubric } = input;
  const segments = transcript.segments ?? [];
  const lang = languageOf(input);
  const mod = langModule(lang);
  const compiled = rubric ? compileRubric(rubric) : null;
  const tenant = compileTenant(input.tenant);
  const timing = computeTiming(segments, call.durationS);
  const psegs = prepare(segments, mod, compiled, tenant, timing.t0, timing.tEnd);
  const estimated = transcript.estimatedTiming === true;
  const { metrics, holds, trend } = measure(psegs, timing, estimated);
  const { irritants, resolution, agentRudeness } = detectIrritants(psegs, mod, {
    sentimentEnd: trend.end,
    customerSegments: metrics.sentimentBySegment.length,
  });
  const features = callFeatures(
    psegs,
    irritants,
    resolution,
    metrics.agentTalkRatio,
    categorize(psegs, irritants, undefined, true),
  );
  return {
    lang,
    compiled,
    timing,
    psegs,
    estimated,
    metrics,
    holds,
    trend,
    irritants,
    resolution,
    agentRudeness,
    features,
  };
}

export function analyze(input: EngineInput): AnalysisResult {
  const { call, rubric } = input;
  const {
    lang,
    compiled,
    timing,
    psegs,
    estimated,
    metrics,
    holds,
    irritants: found,
    resolution,
    agentRudeness,
    features,
  } = findings(input);
  if (!compiled) throw new Error("analyze needs a rubric");
  const categories = categorize(psegs, found, features.category);
  const irritants = withConfidence(found);
  learnedSentiment(metrics, features);

  let longest = -1;
  let longestLen = -1;
  for (const g of timing.silences)
    if (g.end - g.start > longestLen) {
      longestLen = g.end - g.start;
      longest = g.before;
    }
  const { results: criteria, examples } = evaluateCriteria({
    lang,
    psegs,
    rubric: compiled,
    metrics,
    companyName: call.companyName ?? null,
    estimatedTiming: estimated,
    silenceBefore: timing.silences
      .slice()
      .sort((a, b) => b.end - b.start - (a.end - a.start))
      .map((g) => g.before)
      .filter((i) => i >= 0),
    longestSilenceBefore: longest,
    overtalk: timing.overtalk.map(([, j]) => j),
    interruptions: timing.interruptions.map(([, j]) => j),
    holds,
    callDurationGiven: call.durationS != null && call.durationS > 0,
    t0: timing.t0,
    tEnd: timing.tEnd,
    gaps: timing.silences,
    agentName: call.agentName ?? null,
    agentRudeness,
  });
  const score = computeScore(rubric, criteria);
  const summary = summarize(lang, psegs, irritants, resolution, metrics.sentimentEnd);
  const recommendations = recommend(
    lang,
    compiled.criteria.map(({ c }, i) => ({ c, r: criteria[i], example: examples[i] })),
    irritants,
  );

  return {
    rubric: { id: rubric.rubricId, version: rubric.version },
    score: score.score,
    evaluatedWeightPct: score.evaluatedWeightPct,
    passed: score.passed,
    criticalFail: score.criticalFail,
    needsReview: score.needsReview,
    criteria,
    irritants,
    categories,
    metrics,
    summary,
    recommendations,
    language: lang,
    engine: ENGINE_NAME,
  };
}

export type { ScoreInput, ScoreResult } from "./score";
export { computeScore } from "./score";
export { tokenize } from "./text";
export { DEFAULT_CATEGORIES, IRRITANT_TYPES } from "./types";
