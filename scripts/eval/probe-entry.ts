import { analyze } from "../../core/scoring/engine";
import { engineInput, type LabelledCall } from "./corpus";
import { EVAL_RUBRICS } from "./rubric";

/**
 * What `scripts/eval/probe.mjs` bundles: the irritants (type@side, not uncertain) of a small call
 * made of the given turns ("A: …" agent, "C: …" customer), about 5 s per turn.
 */
export function probe(lang: "fr" | "en", turns: [string, string][]): string[] {
  let t = 0;
  const segments = turns.map(([sp, text], i) => {
    const d = Math.max(1.5, text.split(/\s+/).length / 2.5);
    const s = {
      id: `s${i + 1}`,
      speaker: sp === "A" ? "agent" : "customer",
      start: t,
      end: t + d,
      text,
    } as const;
    t += d + 0.6;
    return s;
  });
  const call: LabelledCall = {
    id: "probe",
    language: lang,
    domain: "telecom",
    company: "Rhodanet",
    segments: segments.map((s) => ({ ...s })),
    labels: { irritants: [], categories: { secondary: [] }, criteria: {}, sentiment: {} },
  };
  const r = analyze(engineInput(call, EVAL_RUBRICS[lang]));
  return r.irritants.map((i) => `${i.uncertain ? "?" : ""}${i.type}@${i.speaker}`);
}
