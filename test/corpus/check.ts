import { analyze } from "../../core/scoring/engine";
import type { AnalysisResult } from "../../core/scoring/engine/types";
import type { RubricVersion } from "../../core/scoring/rubric-model";
import { TEMPLATES } from "../../core/scoring/templates";
import { CALLS_EN } from "./calls-en";
import { CALLS_FR } from "./calls-fr";
import { CALLS_MIXED } from "./calls-mixed";
import { CALLS_THIRD } from "./calls-third";
import { type CorpusCall, transcriptOf } from "./types";

export const CORPUS: CorpusCall[] = [...CALLS_FR, ...CALLS_EN, ...CALLS_MIXED, ...CALLS_THIRD];

const general = TEMPLATES.find((t) => t.id === "general")!;
const RUBRICS: Record<"fr" | "en", RubricVersion> = {
  fr: { ...general.versions.fr, rubricId: "general-fr", version: 1 },
  en: { ...general.versions.en, rubricId: "general-en", version: 1 },
};

export function runCall(call: CorpusCall): AnalysisResult {
  return analyze({
    transcript: transcriptOf(call),
    call: { companyName: call.companyName, durationS: call.durationS ?? null, language: null },
    rubric: RUBRICS[call.language],
  });
}

const RANK = { low: 0, medium: 1, high: 2 } as const;

/** Every expectation of the call checked; returns one line per expectation that fails. */
export function check(call: CorpusCall, r: AnalysisResult): { total: number; failures: string[] } {
  const e = call.expect;
  const failures: string[] = [];
  let total = 0;
  const ok = (cond: boolean, what: string) => {
    total++;
    if (!cond) failures.push(what);
  };
  if (call.turns.length) ok(r.language === call.language, `language ${r.language}`);
  for (const x of e.irritants ?? []) {
    const want = typeof x === "string" ? { type: x } : x;
    const found = r.irritants.filter(
      (i) => i.type === want.type && (!want.speaker || i.speaker === want.speaker),
    );
    ok(found.length > 0, `irritant ${want.type}${want.speaker ? `@${want.speaker}` : ""} missing`);
    if (found.length && want.minSeverity)
      ok(
        found.some((i) => RANK[i.severity] >= RANK[want.minSeverity!]),
        `irritant ${want.type} severity ${found.map((i) => i.severity)} < ${want.minSeverity}`,
      );
    if (found.length)
      ok(
        found.every((i) => i.evidence.length > 0),
        `irritant ${want.type} without evidence`,
      );
  }
  for (const x of e.noIrritants ?? []) {
    const [type, who = "customer"] = x.split("@");
    const bad = r.irritants.filter((i) => i.type === type && i.speaker === who);
    ok(
      bad.length === 0,
      `unexpected irritant ${x}: ${bad.flatMap((i) => i.evidence.map((v) => v.quote)).join(" | ")}`,
    );
  }
  const cats = r.categories.map((c) => c.id);
  for (const c of e.categories ?? [])
    ok(cats.includes(c), `category ${c} missing (got ${cats.join(",") || "none"})`);
  for (const c of e.noCategories ?? []) ok(!cats.includes(c), `unexpected category ${c}`);
  for (const [id, want] of Object.entries(e.criteria ?? {})) {
    const got = r.criteria.find((c) => c.id === id);
    ok(got?.result === want, `criterion ${id}: ${got?.result} (want ${want}) — ${got?.rationale ?? ""}`);
  }
  const { sentimentStart: s0, sentimentEnd: s1 } = r.metrics;
  for (const s of e.sentiment ?? []) {
    const d = `sentiment ${s} (start ${s0}, end ${s1})`;
    if (s === "null") ok(s0 === null && s1 === null, d);
    else if (s === "up") ok(s0 !== null && s1 !== null && s1 - s0 >= 0.15, d);
    else if (s === "down") ok(s0 !== null && s1 !== null && s0 - s1 >= 0.15, d);
    else if (s === "end_positive") ok(s1 !== null && s1 > 0, d);
    else if (s === "end_negative") ok(s1 !== null && s1 < 0, d);
    else if (s === "end_not_negative") ok(s1 !== null && s1 >= 0, d);
    else if (s === "start_negative") ok(s0 !== null && s0 < 0, d);
  }
  for (const [m, op, v] of e.metrics ?? []) {
    const got = r.metrics[m] as number;
    ok(op === "<=" ? got <= v : op === ">=" ? got >= v : got === v, `metric ${m} = ${got} (want ${op} ${v})`);
  }
  if (e.score) ok(e.score === "null" ? r.score === null : typeof r.score === "number", `score ${r.score}`);
  if (e.outcome) {
    const o = r.summary.outcome;
    const got = /^(Résolu|Resolved)/.test(o)
      ? "resolved"
      : /^(Suivi|Follow)/.test(o)
        ? "follow_up"
        : /^(Non résolu|Not resolved)/.test(o)
          ? "unresolved"
          : "unclear";
    ok(got === e.outcome, `outcome ${got} (want ${e.outcome}): ${o}`);
  }
  if (e.followUp !== undefined)
    ok((r.summary.followUp !== null) === e.followUp, `followUp ${r.summary.followUp}`);
  // Invariants on every call.
  ok(
    r.engine === "builtin" &&
      r.criteria.every((c) => c.evidence.every((v) => v.quote.length <= 200)) &&
      r.categories.every((c) => c.evidence.length > 0 && c.confidence >= 0 && c.confidence <= 1) &&
      r.irritants.every((i) => i.evidence.length > 0),
    "invariants (engine, quotes ≤ 200, evidence on categories and irritants)",
  );
  return { total, failures };
}
