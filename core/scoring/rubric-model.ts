import { z } from "zod";

/**
 * Quality grids (référentiels, C4). A rubric has versions; a version is immutable once used by an
 * analysis. Criteria ids are slugs, stable across a rubric's versions. Weights sum to 100.
 * `check` tells the built-in engine how to judge a criterion; `llm` criteria (an open question)
 * are judged only by an LLM provider — the built-in engine reports them `not_evaluated`.
 */
export const slug = z
  .string()
  .min(1)
  .max(60)
  .regex(/^[a-z0-9]+(?:[-_][a-z0-9]+)*$/, "a lower-case slug (letters, digits, - or _)");

const phrases = z.array(z.string().trim().min(1).max(200)).min(1).max(50);

/** The conversation metrics a criterion may compare with a threshold (C8 definitions), and how. */
export const CHECK_METRICS = [
  "silencePct",
  "longestSilenceS",
  "agentTalkRatio",
  "overtalkCount",
  "interruptions",
  "agentWpm",
  "holdCount",
  "durationS",
] as const;
export const CHECK_OPS = ["<=", ">=", "<", ">"] as const;

/** A conversation metric compared with a threshold; no wording, so no language. */
const metricThresholdCheck = z.object({
  kind: z.literal("metric_threshold"),
  metric: z.enum(CHECK_METRICS),
  op: z.enum(CHECK_OPS),
  value: z.number(),
});

export const criterionCheckSchema = z.discriminatedUnion("kind", [
  /** A phrase (any of) said by `speaker` within a window of the call (seconds from start, or from end when `fromEnd`). */
  z.object({
    kind: z.literal("phrase_present"),
    speaker: z.enum(["agent", "customer", "any"]).default("agent"),
    phrases,
    withinS: z.number().positive().max(36_000).optional(),
    fromEnd: z.boolean().default(false),
    /** Also require the tenant's company name in the same segment (greeting "…Assurances Horizon…"). */
    requireCompanyName: z.boolean().default(false),
  }),
  /** None of these phrases said by `speaker` (anywhere). */
  z.object({
    kind: z.literal("phrase_absent"),
    speaker: z.enum(["agent", "customer", "any"]).default("agent"),
    phrases,
  }),
  /** Forbidden words (a lexicon; built-in FR/EN lists can be referenced by name). */
  z.object({
    kind: z.literal("forbidden_words"),
    speaker: z.enum(["agent", "customer", "any"]).default("agent"),
    words: z.array(z.string().trim().min(1).max(100)).max(200).default([]),
    builtinLists: z.array(z.enum(["profanity", "jargon", "negative_phrasing"])).default([]),
  }),
  metricThresholdCheck,
  /** An open question only an LLM can judge. */
  z.object({ kind: z.literal("llm"), question: z.string().trim().min(5).max(1000) }),
]);
export type CriterionCheck = z.infer<typeof criterionCheckSchema>;

/** What a criterion is whatever its languages: how much it weighs and how it is answered. */
const criterionScoring = {
  id: slug,
  weight: z.number().min(0).max(100),
  answerType: z.enum(["yes_no", "scale_1_5"]).default("yes_no"),
  /** May the criterion be N/A for a call (then its weight leaves the potential)? */
  allowNa: z.boolean().default(true),
  critical: z.boolean().default(false),
};

export const criterionSchema = z.object({
  ...criterionScoring,
  label: z.string().trim().min(1).max(200),
  description: z.string().trim().max(2000).optional(),
  check: criterionCheckSchema,
});
export type Criterion = z.infer<typeof criterionSchema>;

export const sectionSchema = z.object({
  id: slug,
  label: z.string().trim().min(1).max(200),
  criteria: z.array(criterionSchema).min(1).max(100),
});

/** The reason a custom issue carries when two criteria share an id (pages map it, not the English text). */
export const DUPLICATE_CRITERION_ID = "duplicate_criterion_id";

/** Weights sum to 100 and criterion ids are unique: the same rule for one language or many. */
function checkWeightsAndIds(
  v: { sections: { criteria: { id: string; weight: number }[] }[] },
  ctx: z.RefinementCtx,
) {
  const all = v.sections.flatMap((s) => s.criteria);
  const total = all.reduce((s, c) => s + c.weight, 0);
  if (Math.abs(total - 100) > 1e-6)
    ctx.addIssue({
      code: "custom",
      path: ["sections"],
      message: `criterion weights must sum to 100 (they sum to ${+total.toFixed(4)})`,
    });
  const seen = new Set<string>();
  for (const c of all) {
    if (seen.has(c.id))
      ctx.addIssue({
        code: "custom",
        path: ["sections"],
        message: `criterion id ${c.id} is used twice`,
        params: { reason: DUPLICATE_CRITERION_ID, id: c.id },
      });
    seen.add(c.id);
  }
}

/**
 * One language's grid: what the engines take (`rubricForLanguage` in ./language.ts builds it from
 * a stored multilingual grid), and what clients sent before grids held several languages.
 */
export const rubricVersionSchema = z
  .object({
    language: z.enum(["fr", "en"]),
    passThreshold: z.number().min(0).max(100).default(80),
    sections: z.array(sectionSchema).min(1).max(30),
  })
  .superRefine(checkWeightsAndIds);
export type RubricVersionContent = z.infer<typeof rubricVersionSchema>;

/** A version as the engine receives it. */
export interface RubricVersion extends RubricVersionContent {
  rubricId: string;
  version: number;
}

// ---------------------------------------------------------------------------------------------
// Multilingual grids (C4: one grid serves several languages). Structure, weights, answer types and
// thresholds are shared, so scores stay comparable across languages; the wording — labels,
// descriptions, phrases, forbidden words, LLM questions — is held per language. A language with no
// phrases for a criterion leaves that criterion `not_evaluated` on its calls, never failed.

/** Languages a grid can hold. Adding one here (and its lexicon to the engine) is all it takes. */
export const RUBRIC_LANGUAGES = ["fr", "en"] as const;
export type RubricLanguage = (typeof RUBRIC_LANGUAGES)[number];
export const rubricLanguage = z.enum(RUBRIC_LANGUAGES);

/** `{ fr?: T, en?: T }`; any other key is refused ("Invalid key in record"). */
const perLanguage = <T extends z.ZodType>(value: T) => z.partialRecord(rubricLanguage, value);

const someLanguage = (r: Record<string, unknown>) => Object.values(r).some((v) => v !== undefined);
/** A text in one language at least. */
const localized = (min: number, max: number) =>
  perLanguage(z.string().trim().min(min).max(max)).refine(someLanguage, "give at least one language");
export type Localized = Partial<Record<RubricLanguage, string>>;

const phraseList = z.array(z.string().trim().min(1).max(200)).max(50);
/** `{ fr: [...], en: [] }` is stored `{ fr: [...] }`: a language without words is simply absent. */
const dropEmpty = <T>(r: Partial<Record<RubricLanguage, T[]>>) =>
  Object.fromEntries(Object.entries(r).filter(([, v]) => (v?.length ?? 0) > 0)) as Partial<
    Record<RubricLanguage, T[]>
  >;
/** Phrases per language; at least one language has some (a language may be empty until filled). */
const phrasesPerLanguage = perLanguage(phraseList)
  .refine((r) => Object.values(r).some((l) => (l?.length ?? 0) > 0), "give phrases in at least one language")
  .transform(dropEmpty);

export const gridCheckSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("phrase_present"),
    speaker: z.enum(["agent", "customer", "any"]).default("agent"),
    phrases: phrasesPerLanguage,
    withinS: z.number().positive().max(36_000).optional(),
    fromEnd: z.boolean().default(false),
    requireCompanyName: z.boolean().default(false),
  }),
  z.object({
    kind: z.literal("phrase_absent"),
    speaker: z.enum(["agent", "customer", "any"]).default("agent"),
    phrases: phrasesPerLanguage,
  }),
  z.object({
    kind: z.literal("forbidden_words"),
    speaker: z.enum(["agent", "customer", "any"]).default("agent"),
    words: perLanguage(z.array(z.string().trim().min(1).max(100)).max(200))
      .default({})
      .transform(dropEmpty),
    /** The built-in lists exist in every language the engine speaks. */
    builtinLists: z.array(z.enum(["profanity", "jargon", "negative_phrasing"])).default([]),
  }),
  metricThresholdCheck,
  z.object({ kind: z.literal("llm"), question: localized(5, 1000) }),
]);
export type GridCheck = z.infer<typeof gridCheckSchema>;

export const gridCriterionSchema = z.object({
  ...criterionScoring,
  label: localized(1, 200),
  description: perLanguage(z.string().trim().max(2000)).optional(),
  check: gridCheckSchema,
});
export type GridCriterion = z.infer<typeof gridCriterionSchema>;

export const gridSectionSchema = z.object({
  id: slug,
  label: localized(1, 200),
  criteria: z.array(gridCriterionSchema).min(1).max(100),
});

/** A stored rubric version's content: one grid, every language. */
export const rubricGridSchema = z
  .object({
    passThreshold: z.number().min(0).max(100).default(80),
    sections: z.array(gridSectionSchema).min(1).max(30),
  })
  .superRefine(checkWeightsAndIds);
export type RubricGrid = z.infer<typeof rubricGridSchema>;

/** A stored version: its grid, with the rubric and version it belongs to. */
export interface GridVersion extends RubricGrid {
  rubricId: string;
  version: number;
}
