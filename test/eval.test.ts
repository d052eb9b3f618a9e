import { describe, expect, it } from "vitest";
import type { AnalysisResult, CriterionResult, Irritant } from "../core/scoring/engine/types";
import { inCheckSplit, type LabelledCall } from "../scripts/eval/corpus";
import { formatReport } from "../scripts/eval/report";
import { mappedAnswer } from "../scripts/eval/rubric";
import { cohenKappa, referenceMetrics, score, sentimentClass } from "../scripts/eval/score";

/**
 * The evaluation command's counting (scripts/eval, issue 14), on hand-made calls whose right
 * figures are worked out by hand: the benchmark is only worth its counting.
 */

function call(over: Partial<LabelledCall["labels"]> = {}, id = "fr-001"): LabelledCall {
  return {
    id,
    language: "fr",
    domain: "telecom",
    company: "Acme",
    segments: [
      { id: "s1", speaker: "agent", start: 0, end: 4, text: "Acme bonjour" },
      {
        id: "s2",
        speaker: "customer",
        start: 4.5,
        end: 10,
        text: "troisième appel, ça ne marche toujours pas",
      },
      { id: "s3", speaker: "agent", start: 16, end: 20, text: "merci de votre patience" },
      { id: "s4", speaker: "customer", start: 19, end: 24, text: "bon" },
    ],
    labels: {
      irritants: [{ type: "repeat_contact", segments: ["s2"] }],
      categories: { primary: "technical_issue", secondary: [] },
      criteria: { greeting_with_company: true, hold_etiquette: true, closing: false },
      sentiment: { start: "negative", end: "neutral" },
      ...over,
    },
  };
}

const crit = (id: string, result: CriterionResult["result"]): CriterionResult => ({
  id,
  label: id,
  sectionId: "s",
  result,
  score: null,
  weight: 1,
  critical: false,
  evidence: [],
});

function result(o: {
  irritants?: Irritant[];
  categories?: AnalysisResult["categories"];
  criteria?: CriterionResult[];
  sentiment?: [number | null, number | null];
}): AnalysisResult {
  return {
    rubric: { id: "r", version: 1 },
    score: null,
    evaluatedWeightPct: 100,
    passed: null,
    criticalFail: false,
    needsReview: false,
    criteria: o.criteria ?? [],
    irritants: o.irritants ?? [],
    categories: o.categories ?? [],
    metrics: {
      durationS: 24,
      agentTalkS: 8,
      customerTalkS: 10.5,
      agentTalkRatio: 8 / 18.5,
      silencePct: 0,
      longestSilenceS: 0,
      overtalkCount: 0,
      interruptions: 0,
      agentWpm: null,
      holdCount: 0,
      sentimentStart: o.sentiment?.[0] ?? null,
      sentimentEnd: o.sentiment?.[1] ?? null,
      sentimentBySegment: [],
    },
    summary: { reason: "", actions: "", outcome: "", followUp: null },
    recommendations: [],
    language: "fr",
    engine: "builtin",
  };
}

const irritant = (type: string, seg: string, extra: Partial<Irritant> = {}): Irritant => ({
  type,
  severity: "medium",
  speaker: "customer",
  evidence: [{ segmentId: seg, startS: 0, endS: 1, quote: "…" }],
  ...extra,
});

describe("evaluation counting", () => {
  it("Cohen's κ: perfect, chance-level and the always-pass baseline", () => {
    expect(cohenKappa(["true", "false", "true", "false"], ["true", "false", "true", "false"])).toBe(1);
    // po = 0.5, pe = 0.5 → 0.
    expect(cohenKappa(["true", "false", "true", "false"], ["true", "true", "false", "false"])).toBe(0);
    // Always "true" against a mixed truth: agreement 75 %, κ 0.
    expect(cohenKappa(["true", "true", "true", "false"], ["true", "true", "true", "true"])).toBe(0);
    // Known value: po = 0.8, pe = 0.52 → 0.5833…
    const truth = ["t", "t", "t", "f", "f", "t", "t", "f", "t", "f"];
    const answer = ["t", "t", "f", "f", "f", "t", "t", "t", "t", "f"];
    expect(cohenKappa(truth, answer)).toBeCloseTo((0.8 - 0.52) / 0.48, 10);
  });

  it("sentiment classes at ±0.15; null is no class", () => {
    expect(sentimentClass(0.16)).toBe("positive");
    expect(sentimentClass(0.15)).toBe("neutral");
    expect(sentimentClass(-0.15)).toBe("neutral");
    expect(sentimentClass(-0.151)).toBe("negative");
    expect(sentimentClass(null)).toBeNull();
  });

  it("the check split is the files whose number ends in 0 or 5", () => {
    expect(["fr-005", "en-010", "fr-065"].every(inCheckSplit)).toBe(true);
    expect(["fr-001", "en-011", "fr-064"].some(inCheckSplit)).toBe(false);
  });

  it("irritants per call and type; uncertain is wrong either way; evidence hits", () => {
    const r = score([
      {
        call: call(),
        result: result({
          irritants: [irritant("repeat_contact", "s2"), irritant("long_wait", "s4", { uncertain: true })],
        }),
      },
      {
        call: call({}, "fr-002"),
        result: result({ irritants: [irritant("repeat_contact", "s4", { uncertain: true })] }),
      },
    ]);
    expect(r.irritants.byType.repeat_contact).toMatchObject({ tp: 1, fp: 0, fn: 1 });
    // An uncertain irritant of a type nobody labelled is a false positive.
    expect(r.irritants.byType.long_wait).toMatchObject({ tp: 0, fp: 1, fn: 0 });
    expect(r.irritants.micro).toMatchObject({ tp: 1, fp: 1, fn: 1 });
    expect(r.irritants.micro.f1).toBeCloseTo(0.5, 10);
    expect(r.irritants.evidence).toMatchObject({ hits: 1, total: 1 });
  });

  it("by speaker side: agent rudeness is its own unit", () => {
    const c = call({ irritants: [{ type: "rudeness", segments: ["s3"], speaker: "agent" }] });
    const r = score([{ call: c, result: result({ irritants: [irritant("rudeness", "s2")] }) }]);
    expect(r.irritants.byType.rudeness).toMatchObject({ tp: 1, fp: 0, fn: 0 });
    expect(r.irritants.bySide["rudeness@agent"]).toMatchObject({ tp: 0, fn: 1 });
    expect(r.irritants.bySide["rudeness@customer"]).toMatchObject({ tp: 0, fp: 1 });
  });

  it("category: the highest confidence against primary; an uncertain top is wrong", () => {
    const r = score([
      {
        call: call(),
        result: result({
          categories: [
            { id: "billing", confidence: 0.6, evidence: [] },
            { id: "technical_issue", confidence: 0.9, evidence: [] },
          ],
        }),
      },
      {
        call: call({}, "fr-002"),
        result: result({
          categories: [{ id: "technical_issue", confidence: 0.4, evidence: [], uncertain: true }],
        }),
      },
    ]);
    expect(r.categories.primary).toMatchObject({ agree: 1, n: 2 });
    // Multi-label: call 1 has technical_issue (TP) + billing (FP); in call 2 the uncertain answer
    // is a miss (FN), as an uncertain irritant of a labelled type is.
    expect(r.categories.multi).toMatchObject({ tp: 1, fp: 1, fn: 1 });
    expect(r.categories.confusion.technical_issue).toEqual({ technical_issue: 1, "technical_issue?": 1 });
  });

  it("sentiment agreement over start and end; null counts as wrong", () => {
    const r = score([
      { call: call(), result: result({ sentiment: [-0.5, 0.1] }) },
      { call: call({}, "fr-002"), result: result({ sentiment: [null, 0.5] }) },
    ]);
    expect(r.sentiment.start).toMatchObject({ agree: 1, n: 2 });
    expect(r.sentiment.end).toMatchObject({ agree: 1, n: 2 });
    expect(r.sentiment.overall.accuracy).toBe(0.5);
  });

  it("criteria through the mapping: composite closing, hold null ↔ na, not_evaluated wrong", () => {
    const all = (closing: CriterionResult["result"], hold: CriterionResult["result"]) => [
      crit("greeting", "pass"),
      crit("more_help", "pass"),
      crit("closing", closing),
      crit("hold_etiquette", hold),
    ];
    expect(mappedAnswer(all("fail", "na"), "closing")).toBe(false);
    expect(mappedAnswer(all("pass", "na"), "closing")).toBe(true);
    expect(mappedAnswer(all("pass", "na"), "hold_etiquette")).toBeNull();
    expect(mappedAnswer(all("pass", "not_evaluated"), "hold_etiquette")).toBe("other");
    const r = score([
      { call: call(), result: result({ criteria: all("fail", "pass") }) },
      {
        call: call({ criteria: { hold_etiquette: null, closing: true } }, "fr-002"),
        result: result({ criteria: all("pass", "not_evaluated") }),
      },
    ]);
    expect(r.criteria.closing).toMatchObject({ n: 2, agree: 2, baseline: 0.5, kappa: 1 });
    expect(r.criteria.hold_etiquette).toMatchObject({ n: 2, agree: 1 });
    expect(r.criteria.hold_etiquette.baseline).toBe(0.5);
  });

  it("reference metrics from timings: union talk, silences ≥ 3 s, overlaps ≥ 1 s, holds before an agent turn", () => {
    const m = referenceMetrics(call());
    expect(m.durationS).toBe(24);
    expect(m.agentTalkS).toBe(8);
    expect(m.customerTalkS).toBeCloseTo(10.5, 10);
    // 10 → 16 is the only silence (6 s), before an agent turn: a hold.
    expect(m.longestSilenceS).toBe(6);
    expect(m.silencePct).toBeCloseTo(25, 10);
    expect(m.holdCount).toBe(1);
    expect(m.overtalkCount).toBe(1);
  });

  it("the report ends with one summary line", () => {
    const text = formatReport(score([{ call: call(), result: result({}) }]), "t");
    const last = text.trim().split("\n").pop() ?? "";
    expect(last.startsWith("SUMMARY t: n=1 irritant micro-F1 0.00")).toBe(true);
  });
});
