import type { CriterionResult } from "../../core/scoring/engine/types";
import type { Criterion, RubricVersion } from "../../core/scoring/rubric-model";
import { TEMPLATES } from "../../core/scoring/templates";
import type { CorpusCriterion } from "./corpus";

/**
 * The grid the evaluation scores with: the product's general customer-service template (what a
 * new tenant gets, `core/scoring/templates.ts`), unchanged, plus two phrase criteria the corpus
 * labels and the template lacks — a next step with a timeframe, and hold etiquette. To keep the
 * weights at 100, the template's `llm` criterion `solution` (which the built-in engine never
 * judges) gives up 10 of its 12 points to them. Nothing else differs, so the figures say how the
 * shipped grid fares.
 */
const NEXT_STEP: Record<"fr" | "en", string[]> = {
  fr: [
    "sous 48 heures",
    "sous quarante-huit heures",
    "sous vingt-quatre heures",
    "dans les 48 heures",
    "d'ici demain",
    "dès demain",
    "demain matin",
    "dans la journée",
    "avant la fin de la semaine",
    "sous huit jours",
    "dans les prochains jours",
  ],
  en: [
    "within 48 hours",
    "within 24 hours",
    "within two business days",
    "within two working days",
    "by tomorrow",
    "by the end of the day",
    "by end of day",
    "tomorrow morning",
    "later today",
    "by friday",
    "next week",
  ],
};
const HOLD: Record<"fr" | "en", string[]> = {
  fr: [
    "puis-je vous mettre en attente",
    "je peux vous mettre en attente",
    "vous permettez que je vous mette en attente",
    "merci de votre patience",
    "merci pour votre patience",
    "merci d'avoir patienté",
  ],
  en: [
    "may i put you on hold",
    "can i put you on hold",
    "do you mind if i put you on hold",
    "thank you for holding",
    "thanks for holding",
    "thank you for your patience",
    "thank you for waiting",
    "thanks for waiting",
  ],
};

function phraseCriterion(id: string, label: string, weight: number, phrases: string[]): Criterion {
  return {
    id,
    label,
    weight,
    answerType: "yes_no",
    allowNa: true,
    critical: false,
    check: { kind: "phrase_present", speaker: "agent", phrases, fromEnd: false, requireCompanyName: false },
  };
}

function evalRubric(lang: "fr" | "en"): RubricVersion {
  const general = TEMPLATES.find((t) => t.id === "general");
  if (!general) throw new Error("the general template is missing");
  const v = structuredClone(general.versions[lang]);
  const solution = v.sections.flatMap((s) => s.criteria).find((c) => c.id === "solution");
  if (!solution) throw new Error("the general template has no `solution` criterion");
  solution.weight -= 10;
  v.sections.push({
    id: "evaluation",
    label: lang === "fr" ? "Évaluation (corpus)" : "Evaluation (corpus)",
    criteria: [
      phraseCriterion(
        "next_step",
        lang === "fr"
          ? "Donne une solution ou une suite avec un délai"
          : "Gives a fix or next step with a timeframe",
        6,
        NEXT_STEP[lang],
      ),
      phraseCriterion(
        "hold_etiquette",
        lang === "fr"
          ? "Demande la permission avant une attente et remercie après"
          : "Asks before a hold and thanks after it",
        4,
        HOLD[lang],
      ),
    ],
  });
  return { ...v, rubricId: `eval-general-${lang}`, version: 1 };
}

export const EVAL_RUBRICS: Record<"fr" | "en", RubricVersion> = {
  fr: evalRubric("fr"),
  en: evalRubric("en"),
};

/**
 * How each of the corpus's seven criterion labels is read from the grid's results: the label is
 * true when every listed grid criterion passes, false when one fails, null when they are `na`
 * (no hold in the call). Anything else (`not_evaluated`, `uncertain`, a criterion missing) is
 * counted as a wrong answer.
 */
export const CRITERION_MAP: Record<CorpusCriterion, string[]> = {
  greeting_with_company: ["greeting"],
  customer_identified: ["identification"],
  rephrasing: ["rephrasing"],
  solution_or_next_step: ["next_step"],
  hold_etiquette: ["hold_etiquette"],
  closing: ["more_help", "closing"],
  politeness: ["positive_phrasing"],
};

/** The grid's answer for one corpus criterion: true / false / null, or "other" (counted wrong). */
export function mappedAnswer(criteria: CriterionResult[], label: CorpusCriterion): boolean | null | "other" {
  const results = CRITERION_MAP[label].map((id) => criteria.find((c) => c.id === id)?.result);
  if (results.some((r) => r !== "pass" && r !== "fail" && r !== "na")) return "other";
  if (results.every((r) => r === "na")) return null;
  if (results.some((r) => r === "na")) return "other";
  return results.every((r) => r === "pass");
}
