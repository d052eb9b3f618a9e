import { analyze } from "../../core/scoring/engine";
import type { AnalysisResult } from "../../core/scoring/engine/types";
import { engineInput, inCheckSplit, type LabelledCall, transcriptJson } from "./corpus";
import { EVAL_RUBRICS } from "./rubric";

/** What `scripts/eval/run.mjs` bundles (esbuild) and calls: the engine, the grid, the scoring. */
export function runBuiltin(call: LabelledCall): AnalysisResult {
  return analyze(engineInput(call, EVAL_RUBRICS[call.language]));
}

export { formatBanking77, parseBanking77, scoreBanking77, utteranceCall } from "./banking77";
export { formatReport, summaryLine } from "./report";
export { CRITERION_MAP, EVAL_RUBRICS } from "./rubric";
export { referenceMetrics, score } from "./score";
export { engineInput, inCheckSplit, transcriptJson };
