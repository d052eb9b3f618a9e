import { parseTranscript } from "../../core/content/transcripts/parse";
import type { EngineInput } from "../../core/scoring/engine/types";

/**
 * A labelled call in the format of `../shared/corpus-dev` (its README defines every label).
 *
 * Extension for converted corpora whose labels are partial (the team's own corpus states
 * expectations, not full labels): a label that is absent (`undefined`) is unknown and not
 * counted; `judgedIrritants` lists the irritant types a call judges (the others are not counted
 * for that call) and `judgedCategories` the categories judged for the multi-label figure. A file
 * of corpus-dev has neither, so everything is judged.
 */
export type Sentiment = "positive" | "neutral" | "negative";
export const CORPUS_CRITERIA = [
  "greeting_with_company",
  "customer_identified",
  "rephrasing",
  "solution_or_next_step",
  "hold_etiquette",
  "closing",
  "politeness",
] as const;
export type CorpusCriterion = (typeof CORPUS_CRITERIA)[number];

export interface LabelledCall {
  id: string;
  language: "fr" | "en";
  domain: string;
  company: string;
  segments: { id: string; speaker: "agent" | "customer"; start: number; end: number; text: string }[];
  labels: {
    irritants: { type: string; segments: string[]; speaker?: "agent" | "customer" }[];
    categories: { primary?: string | null; secondary: string[] };
    criteria: Partial<Record<CorpusCriterion, boolean | null>>;
    sentiment: { start?: Sentiment; end?: Sentiment };
    notes?: string;
    judgedIrritants?: string[];
    judgedCategories?: string[];
  };
}

/** The check split: files whose number ends in 0 or 5 (`fr-005`, `en-010`…). */
export function inCheckSplit(id: string): boolean {
  const m = /(\d+)$/.exec(id);
  return m !== null && (m[1].endsWith("0") || m[1].endsWith("5"));
}

/** The segments as an API client would send them (the JSON transcript format). */
export function transcriptJson(call: LabelledCall) {
  return {
    segments: call.segments.map((s) => ({
      id: s.id,
      speaker: s.speaker,
      start: s.start,
      end: s.end,
      text: s.text,
    })),
  };
}

/**
 * The engine input of a labelled call: the transcript through the real JSON importer, the company
 * name (what the pipeline takes from the tenant), the language as call metadata would give it,
 * and no duration (the transcript's own).
 */
export function engineInput(call: LabelledCall, rubric: EngineInput["rubric"]): EngineInput {
  const transcript = parseTranscript("json", transcriptJson(call));
  return {
    transcript,
    call: { companyName: call.company, language: call.language, durationS: null },
    rubric,
  };
}
