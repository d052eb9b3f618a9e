import type { Transcript } from "../../content/transcripts/model";
import type { RubricVersion } from "../rubric-model";

/**
 * The analysis contract (SPEC "API surface"): what every analysis provider — the built-in engine
 * or an LLM — returns for one call and one rubric version.
 */
export const IRRITANT_TYPES = [
  "repeat_contact",
  "long_wait",
  "transfer_loop",
  "unresolved",
  "churn_threat",
  "escalation_request",
  "billing_dispute",
  "rudeness",
] as const;
export const DEFAULT_CATEGORIES = [
  "billing",
  "technical_issue",
  "cancellation",
  "delivery",
  "account_access",
  "complaint",
  "information_request",
  "sales",
] as const;

export interface Evidence {
  segmentId: string;
  startS: number;
  endS: number;
  quote: string;
}

/**
 * `uncertain`: the engine found something but cannot tell pass from fail (a name said in a
 * lower-case transcript, a company name heard only approximately): shown as such, never counted
 * in the score — like `not_evaluated`, its weight leaves the judged share of the grid.
 */
export type CriterionResultValue = "pass" | "fail" | "na" | "not_evaluated" | "uncertain";

export interface CriterionResult {
  id: string;
  label: string;
  sectionId: string;
  result: CriterionResultValue;
  /** yes/no: 1 pass, 0 fail; 1–5 scale: the answer (1–5); null for na/not_evaluated. */
  score: number | null;
  weight: number;
  critical: boolean;
  evidence: Evidence[];
  /** Short reason in the call's language (why pass/fail/na/not_evaluated). */
  rationale?: string;
}

export interface Irritant {
  /** A default type or a tenant type (slug). */
  type: string;
  severity: "low" | "medium" | "high";
  speaker: "agent" | "customer";
  evidence: Evidence[];
  /** 0–1: how likely the irritant is really there (calibrated on held-out calls for the built-in engine). */
  confidence?: number;
  /** The engine is unsure: shown as such, never counted as found (filters, KPIs, evaluation). */
  uncertain?: boolean;
}

export interface CategoryResult {
  id: string;
  confidence: number;
  evidence: Evidence[];
  /** The engine is unsure of this category: shown as such, never counted as the call's category. */
  uncertain?: boolean;
}

export interface Metrics {
  durationS: number;
  agentTalkS: number;
  customerTalkS: number;
  /** agent talk / all talk, 0–1 */
  agentTalkRatio: number | null;
  /** 0–100: share of the call with nobody speaking (gaps ≥ 3 s counted) */
  silencePct: number;
  longestSilenceS: number;
  /** segments overlapping another speaker's by ≥ 1 s */
  overtalkCount: number;
  /** a speaker starting while the other is still talking, cutting them off */
  interruptions: number;
  agentWpm: number | null;
  holdCount: number;
  /** customer sentiment from words only, in [−1, 1]; null when the customer says too little */
  sentimentStart: number | null;
  sentimentEnd: number | null;
  /** per customer segment: { segmentId, sentiment } */
  sentimentBySegment: { segmentId: string; sentiment: number }[];
}

/**
 * What an automatic score rests on, shown beside it (issue 14): the grid's weight actually judged
 * (`evaluatedWeightPct`) and everything the engine did not judge or is unsure of.
 */
export interface Coverage {
  evaluatedWeightPct: number;
  /** Criteria left unjudged (`not_evaluated`: an open question, a missing company name…). */
  notEvaluated: string[];
  uncertain: { criteria: string[]; irritants: string[]; categories: string[] };
}

export interface AnalysisResult {
  rubric: { id: string; version: number };
  /** 0–100 or null (evaluatedWeightPct < 50) — see C4b */
  score: number | null;
  evaluatedWeightPct: number;
  /** score ≥ passThreshold; null when score is null */
  passed: boolean | null;
  criticalFail: boolean;
  /** a critical criterion could not be evaluated: a human must review */
  needsReview: boolean;
  criteria: CriterionResult[];
  irritants: Irritant[];
  categories: CategoryResult[];
  metrics: Metrics;
  summary: { reason: string; actions: string; outcome: string; followUp: string | null };
  recommendations: string[];
  language: "fr" | "en";
  engine: string;
}

export interface EngineInput {
  transcript: Transcript;
  call: {
    durationS?: number | null;
    language?: "fr" | "en" | null;
    companyName?: string | null;
    agentName?: string | null;
  };
  rubric: RubricVersion;
  /** Tenant-specific irritant lexicons and category rules (C6, C7); optional. */
  tenant?: {
    irritants?: { type: string; phrases: string[]; severity?: "low" | "medium" | "high" }[];
    categories?: { id: string; phrases: string[] }[];
  };
}
