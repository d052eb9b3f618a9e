import { describe, expect, it } from "vitest";
import { analyze, computeMetrics, computeScore } from "../core/scoring/engine";
import { tokenize } from "../core/scoring/engine/text";
import type { Criterion } from "../core/scoring/rubric-model";
import { criterion, rubricOf, run, segs, turns } from "./corpus/build";

const words = (s: string) => tokenize(s).t.join(" ");

describe("text normalisation", () => {
  it("folds case and accents, expands French elisions and English contractions", () => {
    expect(words("J'appelle, c'est RÉGLÉ")).toBe("je appelle ce est regle");
    expect(words("qu'il l'a dit aujourd'hui")).toBe("que il le a dit aujourdhui");
    expect(words("I don't know, it's fine, I've called, you're right, can't, won't")).toBe(
      "i do not know it is fine i have called you are right can not will not",
    );
    expect(words("the customer's bill; let's go")).toBe("the customer bill let us go");
  });

  it("splits hyphenated words, keeps e-mail whole, makes ordinals canonical", () => {
    expect(words("peut-être un e-mail, est-ce")).toBe("peut etre un email est ce");
    expect(words("3ème, troisième, third, 3rd")).toBe("3e 3e 3e 3e");
  });

  it("tolerates plurals and feminine forms by stemming both sides alike", () => {
    expect(words("factures")).toBe(words("facture"));
    expect(words("désolée")).toBe(words("désolé"));
    expect(words("minutes")).toBe(words("minute"));
  });

  it("makes a redaction placeholder one opaque token", () => {
    const t = tokenize("ma carte [CARD] et [CUSTOM:contrat] merci");
    expect(t.t).toContain("\u0001card");
    expect(t.t).toContain("\u0001custom");
    expect(t.t).not.toContain("card");
  });

  it("counts words like the transcript importer and marks questions and emphasis", () => {
    const t = tokenize("Aujourd'hui, peut-être ? NON MAIS VRAIMENT !");
    expect(t.words).toBe(5);
    expect(t.questions.size).toBe(1);
    expect(t.emphatic).toBe(true);
  });
});

describe("metrics (C8)", () => {
  const t = segs([
    ["A", 0, 5, "Bonjour, Assurances Horizon, je vous écoute."], // 6 words
    ["C", 5.5, 10, "Bonjour, j'ai une question sur mon contrat."],
    ["A", 13, 20, "Je vous mets en attente un instant s'il vous plaît."], // 10 words; gap 10 → 13 = 3 s
    ["A", 32, 36, "Merci d'avoir patienté, voilà la réponse."], // gap 20 → 32 = 12 s (hold)
    ["C", 35, 40, "Ah d'accord merci."], // overlaps 1 s with the agent: overtalk
    ["C", 42.9, 44, "Oui."], // gap 40 → 42.9 = 2.9 s: not a silence
  ]);
  const m = run(t).metrics;

  it("duration is the call's when given, else the last segment end", () => {
    expect(m.durationS).toBe(44);
    expect(run(t, { call: { durationS: 60 } }).metrics.durationS).toBe(60);
  });

  it("talk time per role is the union of its segments; ratio = agent / (agent + customer)", () => {
    expect(m.agentTalkS).toBe(16);
    expect(m.customerTalkS).toBe(10.6);
    expect(m.agentTalkRatio).toBeCloseTo(16 / 26.6, 3);
    const overlapping = segs([
      ["A", 0, 10, "un"],
      ["A", 5, 12, "deux"],
      ["C", 12, 14, "trois"],
    ]);
    expect(run(overlapping).metrics.agentTalkS).toBe(12);
  });

  it("silence counts gaps of 3 s or more where nobody speaks, leading and trailing included", () => {
    expect(m.longestSilenceS).toBe(12);
    expect(m.silencePct).toBeCloseTo(((3 + 12) / 44) * 100, 1);
    const trailing = run(t, { call: { durationS: 60 } }).metrics;
    expect(trailing.longestSilenceS).toBe(16);
    expect(trailing.silencePct).toBeCloseTo(((3 + 12 + 16) / 60) * 100, 1);
  });

  it("overtalk: segments overlapping another speaker's by ≥ 1 s (not the same speaker, not less)", () => {
    expect(m.overtalkCount).toBe(1);
    const short = segs([
      ["A", 0, 5, "un deux trois"],
      ["C", 4.2, 8, "quatre cinq"],
    ]);
    expect(run(short).metrics.overtalkCount).toBe(0);
  });

  it("interruptions: a speaker starts while the other talks and the other stops within ~1 s", () => {
    const cut = segs([
      ["C", 0, 6, "je voulais vous dire que ma facture"],
      ["A", 5.2, 9, "oui alors justement"], // the customer stops 0.8 s later: cut off
      ["C", 10, 15, "je disais donc"],
      ["A", 11, 12, "hm hm"], // backchannel inside the customer's turn: not an interruption
    ]);
    const r = run(cut).metrics;
    expect(r.interruptions).toBe(1);
    expect(r.overtalkCount).toBe(1);
  });

  it("agent words per minute, null without agent speech", () => {
    expect(m.agentWpm).toBe(Math.round((6 + 10 + 6) / (16 / 60)));
    expect(run(segs([["C", 0, 5, "allô ?"]])).metrics.agentWpm).toBeNull();
  });

  it("holds: an agent hold phrase followed by ≥ 10 s of silence; a silence alone is no hold", () => {
    expect(m.holdCount).toBe(1);
    const noPhrase = segs([
      ["A", 0, 5, "Alors, votre dossier."],
      ["A", 5, 7, "Voyons."],
      ["A", 20, 25, "Voilà."],
    ]);
    expect(run(noPhrase).metrics.holdCount).toBe(0);
    const shortWait = segs([
      ["A", 0, 5, "Please hold."],
      ["A", 13, 15, "Thanks for waiting."],
    ]);
    expect(run({ ...shortWait, language: "en" }).metrics.holdCount).toBe(0);
    const enHold = segs([
      ["A", 0, 5, "Let me put you on hold for a moment."],
      ["C", 5.5, 6, "Sure."],
      ["A", 30, 35, "Thanks for holding."],
    ]);
    expect(run({ ...enHold, language: "en" }).metrics.holdCount).toBe(1);
  });

  it("sentiment only for customer turns; trend null with fewer than 2 customer turns", () => {
    const r = run(
      turns([
        ["A", "Je suis vraiment désolé, c'est inadmissible de notre part."],
        ["C", "Merci beaucoup."],
      ]),
    ).metrics;
    expect(r.sentimentBySegment.map((x) => x.segmentId)).toEqual(["s2"]);
    expect(r.sentimentStart).toBeNull();
    expect(r.sentimentEnd).toBeNull();
  });

  it("empty transcript: zeros and nulls, no crash", () => {
    const r = run({ segments: [], durationS: 0, wordCount: 0 }).metrics;
    expect(r).toMatchObject({
      durationS: 0,
      agentTalkRatio: null,
      silencePct: 0,
      longestSilenceS: 0,
      agentWpm: null,
      holdCount: 0,
      sentimentStart: null,
    });
  });
});

describe("computeScore (C4b)", () => {
  const c = (id: string, weight: number, o: Partial<Criterion> = {}) =>
    criterion({ kind: "llm", question: "question?" }, { id, weight, ...o });
  const rubric = (cs: Criterion[], passThreshold = 80) => rubricOf(cs, "fr", passThreshold);

  it("earned / potential × 100 over pass/fail criteria, rounded to one decimal", () => {
    const r = computeScore(rubric([c("a", 40), c("b", 30), c("d", 30)]), [
      { id: "a", result: "pass", score: 1 },
      { id: "b", result: "fail", score: 0 },
      { id: "d", result: "pass", score: 1 },
    ]);
    expect(r).toEqual({
      score: 70,
      evaluatedWeightPct: 100,
      passed: false,
      criticalFail: false,
      needsReview: false,
    });
    const third = computeScore(rubric([c("a", 1), c("b", 1), c("d", 1)]), [
      { id: "a", result: "pass", score: 1 },
      { id: "b", result: "fail", score: 0 },
      { id: "d", result: "fail", score: 0 },
    ]);
    expect(third.score).toBe(33.3);
  });

  it("all N/A: nothing judged, score and passed null", () => {
    const r = computeScore(rubric([c("a", 50), c("b", 50)]), [
      { id: "a", result: "na", score: null },
      { id: "b", result: "na", score: null },
    ]);
    expect(r).toEqual({
      score: null,
      evaluatedWeightPct: 0,
      passed: null,
      criticalFail: false,
      needsReview: false,
    });
  });

  it("N/A and not_evaluated leave the potential", () => {
    const r = computeScore(rubric([c("a", 60), c("b", 20), c("d", 20)]), [
      { id: "a", result: "pass", score: 1 },
      { id: "b", result: "na", score: null },
      { id: "d", result: "not_evaluated", score: null },
    ]);
    expect(r.score).toBe(100);
    expect(r.evaluatedWeightPct).toBe(60);
    expect(r.passed).toBe(true);
  });

  it("a failed critical criterion sets the score to 0 and flags the call", () => {
    const r = computeScore(rubric([c("a", 90), c("crit", 10, { critical: true })]), [
      { id: "a", result: "pass", score: 1 },
      { id: "crit", result: "fail", score: 0 },
    ]);
    expect(r).toMatchObject({ score: 0, criticalFail: true, passed: false });
  });

  it("a critical criterion not evaluated: needs review and never passes", () => {
    const r = computeScore(rubric([c("a", 90), c("crit", 10, { critical: true })]), [
      { id: "a", result: "pass", score: 1 },
      { id: "crit", result: "not_evaluated", score: null },
    ]);
    expect(r).toMatchObject({ score: 100, needsReview: true, passed: false, criticalFail: false });
  });

  it("1–5 answers earn (answer − 1) / 4 of their weight", () => {
    const scale = { answerType: "scale_1_5" as const };
    const r = computeScore(rubric([c("a", 50, scale), c("b", 30, scale), c("d", 20)]), [
      { id: "a", result: "pass", score: 5 },
      { id: "b", result: "pass", score: 3 },
      { id: "d", result: "fail", score: 0 },
    ]);
    expect(r.score).toBe(65); // 50 + 30 × 0.5 + 0
    const low = computeScore(rubric([c("a", 100, scale)]), [{ id: "a", result: "fail", score: 1 }]);
    expect(low.score).toBe(0);
  });

  it("exactly 50 % evaluated gives a score; just below gives null", () => {
    const at50 = computeScore(rubric([c("a", 50), c("b", 50)]), [
      { id: "a", result: "pass", score: 1 },
      { id: "b", result: "not_evaluated", score: null },
    ]);
    expect(at50).toMatchObject({ score: 100, evaluatedWeightPct: 50, passed: true });
    const below = computeScore(rubric([c("a", 49.9), c("b", 50.1)]), [
      { id: "a", result: "pass", score: 1 },
      { id: "b", result: "na", score: null },
    ]);
    expect(below).toMatchObject({ score: null, evaluatedWeightPct: 49.9, passed: null });
  });

  it("passed compares the shown score with the version's threshold", () => {
    const r = computeScore(rubric([c("a", 3), c("b", 1)], 75), [
      { id: "a", result: "pass", score: 1 },
      { id: "b", result: "fail", score: 0 },
    ]);
    expect(r).toMatchObject({ score: 75, passed: true });
  });
});

describe("criterion checks (C4)", () => {
  const call = turns([
    ["A", "Bonjour, Assurances Horizon, Julie à l'appareil."],
    ["C", "Bonjour, je voudrais déclarer un sinistre."],
    ["A", "Je suis vraiment désolée. Votre numéro de contrat ?"],
    ["C", "C'est le 4 4 2 1."],
    ["A", "Merci, c'est noté. Bonne journée, au revoir."],
  ]);
  const one = (
    check: Criterion["check"],
    o: Partial<Criterion> = {},
    t = call,
    companyName: string | null = "Assurances Horizon",
  ) => analyze({ transcript: t, call: { companyName }, rubric: rubricOf([criterion(check, o)]) }).criteria[0];
  const present = (phrases: string[], o: Record<string, unknown> = {}) =>
    ({
      kind: "phrase_present",
      speaker: "agent",
      phrases,
      fromEnd: false,
      requireCompanyName: false,
      ...o,
    }) as Criterion["check"];

  it("phrase_present passes with the matching segment as evidence", () => {
    const r = one(present(["bonjour"], { withinS: 20, requireCompanyName: true }));
    expect(r).toMatchObject({ result: "pass", score: 1 });
    expect(r.evidence[0]).toMatchObject({ segmentId: "s1", startS: 0 });
    expect(r.evidence[0].quote).toContain("Assurances Horizon");
  });

  it("phrase_present tolerates plurals, feminine forms and a filler word", () => {
    expect(one(present(["je suis désolé"])).result).toBe("pass"); // "je suis vraiment désolée"
    expect(one(present(["numéros de contrats"])).result).toBe("pass");
  });

  it("phrase_present: window from the start or from the end", () => {
    expect(one(present(["au revoir"], { withinS: 5 })).result).toBe("fail");
    expect(one(present(["au revoir"], { withinS: 10, fromEnd: true })).result).toBe("pass");
    const late = one(present(["numéro de contrat"], { withinS: 3 }));
    expect(late.result).toBe("fail");
    expect(late.evidence.map((e) => e.segmentId)).toEqual(["s1"]); // what the agent said in the window
  });

  it("phrase_present with the company name: missing name fails, unknown name is not evaluated", () => {
    const noName = turns([
      ["A", "Bonjour, je vous écoute."],
      ["C", "Bonjour."],
    ]);
    expect(one(present(["bonjour"], { requireCompanyName: true }), {}, noName).result).toBe("fail");
    expect(one(present(["bonjour"], { requireCompanyName: true }), {}, call, null).result).toBe(
      "not_evaluated",
    );
    // The name's distinctive words in any order are accepted (ASR splits and reorders names).
    const reordered = turns([["A", "Bonjour, ici Horizon Assurances."]]);
    expect(one(present(["bonjour"], { requireCompanyName: true }), {}, reordered).result).toBe("pass");
  });

  it("phrase_present for a speaker who never speaks: N/A, or not evaluated when N/A is not allowed", () => {
    const agentOnly = turns([["A", "Bonjour, Assurances Horizon."]]);
    expect(one(present(["merci"], { speaker: "customer" }), {}, agentOnly).result).toBe("na");
    expect(one(present(["merci"], { speaker: "customer" }), { allowNa: false }, agentOnly).result).toBe(
      "not_evaluated",
    );
  });

  it("phrase_present on a 1–5 scale counts distinct phrases: 0 → 1, 1 → 3, 2 → 4, 3+ → 5", () => {
    const scale = { answerType: "scale_1_5" as const };
    expect(one(present(["navré"]), scale)).toMatchObject({ result: "fail", score: 1 });
    expect(one(present(["désolée"]), scale)).toMatchObject({ result: "pass", score: 3 });
    expect(one(present(["désolée", "bonjour"]), scale)).toMatchObject({ score: 4 });
    expect(one(present(["désolée", "bonjour", "au revoir"]), scale)).toMatchObject({ score: 5 });
  });

  it("phrase_absent: a pass has no evidence, a fail shows the offending segments", () => {
    const ok = one({ kind: "phrase_absent", speaker: "agent", phrases: ["c'est impossible"] });
    expect(ok).toMatchObject({ result: "pass", score: 1, evidence: [] });
    const ko = one({ kind: "phrase_absent", speaker: "agent", phrases: ["c'est noté"] });
    expect(ko.result).toBe("fail");
    expect(ko.evidence.map((e) => e.segmentId)).toEqual(["s5"]);
  });

  it("a placeholder phrase matches the redacted card number; a word never matches inside a placeholder", () => {
    const t = turns([
      ["A", "Je relis votre carte : [CARD]."],
      ["C", "Oui."],
    ]);
    expect(one({ kind: "phrase_absent", speaker: "agent", phrases: ["[CARD]"] }, {}, t).result).toBe("fail");
    expect(one({ kind: "phrase_absent", speaker: "agent", phrases: ["card"] }, {}, t).result).toBe("pass");
  });

  it("forbidden_words: built-in lists (FR and EN) and custom words, per speaker", () => {
    const fr = turns([
      ["A", "Je ne peux rien faire pour vous, c'est la procédure. Je vais escalader en N2."],
      ["C", "Putain, c'est pas vrai."],
    ]);
    const check = (
      lists: ("profanity" | "jargon" | "negative_phrasing")[],
      speaker: "agent" | "customer" = "agent",
      w: string[] = [],
    ) => ({ kind: "forbidden_words", speaker, words: w, builtinLists: lists }) as Criterion["check"];
    expect(one(check(["negative_phrasing"]), {}, fr).result).toBe("fail");
    expect(one(check(["jargon"]), {}, fr).result).toBe("fail");
    expect(one(check(["profanity"]), {}, fr).result).toBe("pass"); // the customer swore, not the agent
    expect(one(check(["profanity"], "customer"), {}, fr).result).toBe("fail");
    expect(one(check([], "agent", ["procédure"]), {}, fr).result).toBe("fail");
    const en = turns([
      ["A", "That's not my problem, I'll escalate to tier 2."],
      ["C", "Oh for fuck's sake."],
    ]);
    expect(one(check(["negative_phrasing"]), {}, en).result).toBe("fail");
    expect(one(check(["jargon"]), {}, en).result).toBe("fail");
    expect(one(check(["profanity"], "customer"), {}, en).result).toBe("fail");
  });

  it("forbidden_words on a 1–5 scale: 0 → 5, 1 → 3, 2 → 2, 3+ → 1", () => {
    const t = turns([["A", "merde, merde et merde"]]);
    const r = one(
      { kind: "forbidden_words", speaker: "agent", words: [], builtinLists: ["profanity"] },
      { answerType: "scale_1_5" },
      t,
    );
    expect(r).toMatchObject({ result: "fail", score: 1 });
  });

  it("metric_threshold compares a metric, with evidence on a fail", () => {
    const t = segs([
      ["A", 0, 4, "Bonjour, un instant je vérifie."],
      ["C", 4.5, 6, "Oui."],
      ["A", 40, 44, "Voilà, c'est fait."],
    ]);
    const r = one({ kind: "metric_threshold", metric: "longestSilenceS", op: "<=", value: 30 }, {}, t);
    expect(r.result).toBe("fail");
    expect(r.evidence[0].segmentId).toBe("s2");
    expect(r.rationale).toContain("34");
    expect(one({ kind: "metric_threshold", metric: "durationS", op: ">=", value: 30 }, {}, t).result).toBe(
      "pass",
    );
  });

  it("metric_threshold on a scale: met by a margin → 5, met → 4, missed by ≤ 25 % → 2, more → 1", () => {
    const t = segs([
      ["A", 0, 6, "Bonjour"],
      ["C", 6, 10, "Bonjour"],
    ]); // agent ratio 0.6
    const ratio = (value: number) =>
      one(
        { kind: "metric_threshold", metric: "agentTalkRatio", op: "<=", value },
        { answerType: "scale_1_5" },
        t,
      ).score;
    expect(ratio(0.9)).toBe(5);
    expect(ratio(0.65)).toBe(4);
    expect(ratio(0.5)).toBe(2);
    expect(ratio(0.3)).toBe(1);
  });

  it("metric_threshold: undefined metric, estimated timing or one side only → N/A (or not evaluated)", () => {
    const custOnly = turns([["C", "Allô ? Allô ?"]]);
    expect(
      one({ kind: "metric_threshold", metric: "agentTalkRatio", op: "<=", value: 0.7 }, {}, custOnly).result,
    ).toBe("na");
    expect(
      one(
        { kind: "metric_threshold", metric: "interruptions", op: "<=", value: 1 },
        { allowNa: false },
        custOnly,
      ).result,
    ).toBe("not_evaluated");
    const estimated = { ...call, estimatedTiming: true };
    expect(
      one({ kind: "metric_threshold", metric: "longestSilenceS", op: "<=", value: 30 }, {}, estimated).result,
    ).toBe("na");
    expect(
      one({ kind: "metric_threshold", metric: "agentTalkRatio", op: "<=", value: 0.9 }, {}, estimated).result,
    ).toBe("pass");
  });

  it("llm criteria are never pretended: not_evaluated, with a rationale", () => {
    const r = one({ kind: "llm", question: "Le conseiller a-t-il été convaincant ?" });
    expect(r).toMatchObject({ result: "not_evaluated", score: null, evidence: [] });
    expect(r.rationale).toMatch(/LLM/);
  });

  it("empty transcript: nothing judged, score null, no crash", () => {
    const r = analyze({
      transcript: { segments: [], durationS: 0, wordCount: 0 },
      call: {},
      rubric: rubricOf([
        criterion(present(["bonjour"]), { id: "a", weight: 50 }),
        criterion(
          { kind: "metric_threshold", metric: "silencePct", op: "<=", value: 20 },
          { id: "b", weight: 50 },
        ),
      ]),
    });
    expect(r.criteria.map((c) => c.result)).toEqual(["na", "na"]);
    expect(r).toMatchObject({
      score: null,
      passed: null,
      irritants: [],
      categories: [],
      evaluatedWeightPct: 0,
    });
    expect(r.summary.reason).toBeTruthy();
  });

  it("a critical fail zeroes the call; a critical llm criterion sends it to review", () => {
    const t = turns([["A", "Votre carte [CARD], c'est bien ça ? Bonjour."]]);
    const r = analyze({
      transcript: t,
      call: {},
      rubric: rubricOf([
        criterion(present(["bonjour"]), { id: "a", weight: 80 }),
        criterion(
          { kind: "phrase_absent", speaker: "agent", phrases: ["[CARD]"] },
          { id: "b", weight: 20, critical: true },
        ),
      ]),
    });
    expect(r).toMatchObject({ score: 0, criticalFail: true, passed: false });
    const review = analyze({
      transcript: t,
      call: {},
      rubric: rubricOf([
        criterion(present(["bonjour"]), { id: "a", weight: 80 }),
        criterion({ kind: "llm", question: "Conforme ?" }, { id: "b", weight: 20, critical: true }),
      ]),
    });
    expect(review).toMatchObject({ score: 100, needsReview: true, passed: false });
  });
});

describe("analysis envelope", () => {
  it("language: the call's, else the transcript's, else detected", () => {
    const en = turns([
      ["A", "Hello, thank you for calling, how can I help you today?"],
      ["C", "Hi, I have a question about my bill please."],
    ]);
    expect(run(en).language).toBe("en");
    expect(run({ ...en, language: "fr" }).language).toBe("fr");
    expect(run(en, { call: { language: "fr" } }).language).toBe("fr");
  });

  it("reports the rubric version and the engine", () => {
    const r = run(turns([["A", "Bonjour"]]));
    expect(r.rubric).toEqual({ id: "test", version: 1 });
    expect(r.engine).toBe("builtin");
  });

  it("recommendations come from failed criteria and irritants, deduplicated, at most five", () => {
    const t = turns([
      ["A", "Oui ?"],
      ["C", "Ça fait une heure que j'attends ! C'est la troisième fois que j'appelle, je vais résilier."],
      ["A", "Ce n'est pas mon problème."],
    ]);
    const r = analyze({
      transcript: t,
      call: {},
      rubric: rubricOf([
        criterion(
          {
            kind: "phrase_present",
            speaker: "agent",
            phrases: ["bonjour"],
            fromEnd: false,
            requireCompanyName: false,
            withinS: 20,
          },
          { id: "g", weight: 50, label: "Salue le client" },
        ),
        criterion(
          { kind: "forbidden_words", speaker: "agent", words: [], builtinLists: ["negative_phrasing"] },
          { id: "n", weight: 50, label: "Formulations positives" },
        ),
      ]),
    });
    expect(r.recommendations.length).toBeLessThanOrEqual(5);
    expect(new Set(r.recommendations).size).toBe(r.recommendations.length);
    expect(r.recommendations.join(" ")).toContain("Salue le client");
    expect(r.recommendations).toContain("Annoncer le temps d'attente et proposer un rappel.");
  });

  it("summary: reason, actions, outcome and follow-up in the call's language", () => {
    const t = turns([
      ["A", "Bonjour, Énergie Verte, je vous écoute."],
      ["C", "Bonjour, j'appelle parce que ma facture d'électricité est beaucoup trop élevée ce mois-ci."],
      [
        "A",
        "Je regarde. Effectivement, l'index était estimé. Je viens de corriger la facture avec votre relevé.",
      ],
      ["C", "Ah très bien, merci beaucoup, c'est parfait."],
      ["A", "Vous recevrez la facture rectifiée par e-mail. Bonne journée."],
    ]);
    const s = run(t).summary;
    expect(s.reason).toContain("facture d'électricité est beaucoup trop élevée");
    expect(s.actions).toContain("Je viens de corriger la facture");
    expect(s.outcome).toMatch(/^Résolu/);
    expect(s.followUp).toContain("Vous recevrez la facture rectifiée");
  });
});

describe("computeMetrics", () => {
  it("gives exactly the metrics of analyze, without a rubric", () => {
    const t = turns([
      ["A", "Bonjour, je vous mets en attente un instant."],
      ["C", "C'est inadmissible, ça fait une heure que j'attends !"],
      ["A", "Je suis désolé, c'est réglé."],
      ["C", "Merci beaucoup."],
    ]);
    expect(computeMetrics({ transcript: t, call: { durationS: 30 } })).toEqual(
      run(t, { call: { durationS: 30 } }).metrics,
    );
  });
});
