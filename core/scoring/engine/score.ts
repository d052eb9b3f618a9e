import type { RubricVersionContent } from "../rubric-model";
import type { Coverage, CriterionResultValue } from "./types";

/**
 * The score of a call (C4b), exactly:
 * - each answered criterion (pass/fail) earns weight × (1 pass | 0 fail), or for a 1–5 scale
 *   weight × (answer − 1) / 4; `na`, `not_evaluated` and `uncertain` leave the potential;
 * - score = earned / potential × 100, rounded to one decimal;
 * - evaluatedWeightPct = potential / total weight × 100 (one decimal); below 50 the score is null;
 * - a failed critical criterion sets the score to 0 (even when less than half was judged: the call
 *   is known to fail) and `criticalFail`;
 * - a critical criterion `not_evaluated` or `uncertain` sets `needsReview`, and such a call never passes;
 * - passed = score ≥ passThreshold (on the rounded score shown), null when the score is null;
 * - a rubric criterion without a result counts as not_evaluated.
 */
export interface ScoreInput {
  id: string;
  result: CriterionResultValue;
  /** yes/no: 1 or 0; 1–5 scale: the answer. Ignored for na / not_evaluated. */
  score: number | null;
}

export interface ScoreResult {
  score: number | null;
  evaluatedWeightPct: number;
  passed: boolean | null;
  criticalFail: boolean;
  needsReview: boolean;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export function computeScore(
  rubric: Pick<RubricVersionContent, "sections" | "passThreshold">,
  results: ScoreInput[],
): ScoreResult {
  const byId = new Map(results.map((r) => [r.id, r]));
  let total = 0;
  let potential = 0;
  let earned = 0;
  let criticalFail = false;
  let needsReview = false;
  for (const section of rubric.sections)
    for (const c of section.criteria) {
      total += c.weight;
      const r = byId.get(c.id);
      const result = r?.result ?? "not_evaluated";
      if (result === "na") continue;
      if (result === "not_evaluated" || result === "uncertain") {
        if (c.critical) needsReview = true;
        continue;
      }
      potential += c.weight;
      let share: number;
      if (c.answerType === "scale_1_5") {
        const answer = Math.min(5, Math.max(1, Math.round(r?.score ?? (result === "pass" ? 5 : 1))));
        share = (answer - 1) / 4;
      } else share = result === "pass" ? 1 : 0;
      earned += c.weight * share;
      if (c.critical && result === "fail") criticalFail = true;
    }
  const pct = total > 0 ? (potential / total) * 100 : 0;
  const evaluatedWeightPct = round1(pct);
  let score: number | null;
  if (criticalFail) score = 0;
  else if (pct < 50 - 1e-9 || potential <= 0) score = null;
  else score = round1((earned / potential) * 100);
  const threshold = rubric.passThreshold ?? 80;
  const passed = score === null ? null : criticalFail || needsReview ? false : score >= threshold;
  return { score, evaluatedWeightPct, passed, criticalFail, needsReview };
}

/** What a result's score rests on: judged share and what is unjudged or uncertain (`Coverage`). */
export function coverageOf(r: {
  evaluatedWeightPct: number;
  criteria: { id: string; result: CriterionResultValue }[];
  irritants: { type: string; uncertain?: boolean }[];
  categories: { id: string; uncertain?: boolean }[];
}): Coverage {
  return {
    evaluatedWeightPct: r.evaluatedWeightPct,
    notEvaluated: r.criteria.filter((c) => c.result === "not_evaluated").map((c) => c.id),
    uncertain: {
      criteria: r.criteria.filter((c) => c.result === "uncertain").map((c) => c.id),
      irritants: [...new Set(r.irritants.filter((i) => i.uncertain).map((i) => i.type))],
      categories: r.categories.filter((c) => c.uncertain).map((c) => c.id),
    },
  };
}
