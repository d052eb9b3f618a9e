import type { Segment, Transcript } from "../../core/content/transcripts/model";
import { analyze } from "../../core/scoring/engine";
import type { AnalysisResult, EngineInput } from "../../core/scoring/engine/types";
import type { Criterion, CriterionCheck, RubricVersion } from "../../core/scoring/rubric-model";

/** Test helpers: hand-timed segments, one-criterion rubrics, a quick `analyze`. */

type Sp = "A" | "C" | "U";
const ROLE: Record<Sp, Segment["speaker"]> = { A: "agent", C: "customer", U: "unknown" };

/** Segments from [speaker, start, end, text] tuples; ids s1…sN. */
export function segs(rows: [Sp, number, number, string][]): Transcript {
  const segments: Segment[] = rows.map(([sp, startS, endS, text], i) => ({
    id: `s${i + 1}`,
    speaker: ROLE[sp],
    startS,
    endS,
    text,
  }));
  const durationS = segments.reduce((m, s) => Math.max(m, s.endS), 0);
  const wordCount = segments.reduce((n, s) => n + s.text.split(/\s+/).filter(Boolean).length, 0);
  return { segments, durationS, wordCount };
}

/** Turns one after another (0.5 s apart, 0.4 s a word). */
export function turns(rows: [Sp, string][], lang?: "fr" | "en"): Transcript {
  let t = 0;
  const out: [Sp, number, number, string][] = [];
  for (const [sp, text] of rows) {
    const d = Math.max(1, text.split(/\s+/).length * 0.4);
    out.push([sp, t, t + d, text]);
    t += d + 0.5;
  }
  const tr = segs(out);
  if (lang) tr.language = lang;
  return tr;
}

export function criterion(check: CriterionCheck, o: Partial<Criterion> = {}): Criterion {
  return {
    id: o.id ?? "c1",
    label: o.label ?? "Criterion",
    weight: o.weight ?? 100,
    answerType: o.answerType ?? "yes_no",
    allowNa: o.allowNa ?? true,
    critical: o.critical ?? false,
    check,
  };
}

export function rubricOf(criteria: Criterion[], lang: "fr" | "en" = "fr", passThreshold = 80): RubricVersion {
  return {
    rubricId: "test",
    version: 1,
    language: lang,
    passThreshold,
    sections: [{ id: "s", label: "S", criteria }],
  };
}

/** A neutral one-criterion rubric (for tests about irritants, categories, metrics). */
export const NEUTRAL = rubricOf([criterion({ kind: "llm", question: "Was the call good?" })]);

export function run(
  transcript: Transcript,
  opts: Partial<Omit<EngineInput, "transcript">> & { rubric?: RubricVersion } = {},
): AnalysisResult {
  return analyze({
    transcript,
    call: opts.call ?? { companyName: "Assurances Horizon" },
    rubric: opts.rubric ?? NEUTRAL,
    ...(opts.tenant ? { tenant: opts.tenant } : {}),
  });
}
