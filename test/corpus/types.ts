import type { Transcript } from "../../core/content/transcripts/model";
import { parseTranscript } from "../../core/content/transcripts/parse";
import type { Metrics } from "../../core/scoring/engine/types";

/**
 * A corpus call: realistic turns and what a careful human reviewer would expect the built-in
 * engine to find. Turns are timed automatically (0.6 s between turns, 0.36 s a word) unless a turn
 * says otherwise: `gap` (seconds of silence before it), `at` (absolute start), `overlap` (starts
 * that many seconds before the previous turn ends), `dur` (its length).
 */
export type Who = "A" | "C" | "U";
export interface TurnOpts {
  gap?: number;
  at?: number;
  overlap?: number;
  dur?: number;
}
export type Turn = [Who, string] | [Who, string, TurnOpts];

export interface Expect {
  /** Irritant types that must be found (optionally with the speaker who voiced them). */
  irritants?: (
    | string
    | { type: string; speaker?: "agent" | "customer"; minSeverity?: "low" | "medium" | "high" }
  )[];
  /** Irritant types that must not be found (for the customer unless `type@agent`). */
  noIrritants?: string[];
  /** Categories that must be returned. */
  categories?: string[];
  /** Categories that must not be returned. */
  noCategories?: string[];
  /** Results of criteria of the general template (ids of `TEMPLATES[general]`). */
  criteria?: Record<string, "pass" | "fail" | "na" | "not_evaluated">;
  /** Customer sentiment: direction start → end, or sign of the end. */
  sentiment?: (
    | "up"
    | "down"
    | "end_positive"
    | "end_negative"
    | "end_not_negative"
    | "start_negative"
    | "null"
  )[];
  metrics?: [keyof Metrics, "<=" | ">=" | "==", number][];
  score?: "null" | "number";
  outcome?: "resolved" | "follow_up" | "unresolved";
  followUp?: boolean;
}

export interface CorpusCall {
  id: string;
  title: string;
  language: "fr" | "en";
  domain: "insurance" | "telecom" | "energy" | "ecommerce" | "bank" | "collections";
  companyName: string;
  durationS?: number;
  turns: Turn[];
  expect: Expect;
}

const SPEAKER: Record<Who, string> = { A: "agent", C: "customer", U: "spk_9" };

/** The call's transcript, through the real JSON importer (ids s1…sN, sorted, totals). */
export function transcriptOf(call: CorpusCall): Transcript {
  if (call.turns.length === 0) return { segments: [], durationS: 0, wordCount: 0, language: call.language };
  let prevEnd = 0;
  const segments = call.turns.map(([who, text, o = {}]) => {
    const words = text.split(/\s+/).filter(Boolean).length;
    const start =
      o.at !== undefined
        ? o.at
        : o.overlap !== undefined
          ? Math.max(0, prevEnd - o.overlap)
          : prevEnd + (o.gap ?? 0.6);
    const end = start + (o.dur ?? Math.max(0.8, words * 0.36));
    prevEnd = Math.max(prevEnd, end);
    return {
      speaker: SPEAKER[who],
      start: Math.round(start * 100) / 100,
      end: Math.round(end * 100) / 100,
      text,
    };
  });
  return parseTranscript("json", { segments });
}
