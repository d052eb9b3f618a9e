import { guessLanguage } from "../content/transcripts/language";
import type { Transcript } from "../content/transcripts/model";
import { t } from "../platform/i18n";
import { computeScore } from "./engine/score";
import type { AnalysisResult, CriterionResult } from "./engine/types";
import {
  type Criterion,
  type CriterionCheck,
  type GridCheck,
  type GridCriterion,
  type GridVersion,
  type Localized,
  RUBRIC_LANGUAGES,
  type RubricGrid,
  type RubricLanguage,
  type RubricVersion,
  type RubricVersionContent,
  rubricGridSchema,
  rubricVersionSchema,
} from "./rubric-model";

/**
 * The language step between a stored multilingual grid and the analysis engines. The engines
 * judge one language at a time and stay as they are: `rubricForLanguage` gives them the
 * single-language shape they always took, and `judgeInLanguage` leaves out the criteria that have
 * no wording in the call's language — they come back `not_evaluated` (never failed) and the score
 * is recomputed on the whole grid with the C4b formula, so such a criterion leaves the potential
 * exactly as an unjudgeable criterion does and the grid's scores stay comparable across languages.
 */

/** The text in `lang`, else in the first language that has one. */
export function pick(text: Localized | undefined, lang: RubricLanguage): string | undefined {
  if (!text) return undefined;
  if (text[lang]) return text[lang];
  for (const l of RUBRIC_LANGUAGES) if (text[l]) return text[l];
  return undefined;
}

function checkFor(ch: GridCheck, lang: RubricLanguage): CriterionCheck {
  switch (ch.kind) {
    case "phrase_present":
    case "phrase_absent":
      return { ...ch, phrases: ch.phrases[lang] ?? [] };
    case "forbidden_words":
      return { ...ch, words: ch.words[lang] ?? [] };
    case "llm":
      return { ...ch, question: pick(ch.question, lang) ?? "" };
    case "metric_threshold":
      return ch;
  }
}

/**
 * Can the built-in engine judge this criterion in `lang`? Phrase checks need phrases in that
 * language; forbidden words need words in it or a built-in list (those exist in every language).
 * Metrics and LLM questions have no phrases to miss.
 */
export function hasWordingIn(c: GridCriterion, lang: RubricLanguage): boolean {
  const ch = c.check;
  if (ch.kind === "phrase_present" || ch.kind === "phrase_absent") return (ch.phrases[lang]?.length ?? 0) > 0;
  if (ch.kind === "forbidden_words") return (ch.words[lang]?.length ?? 0) > 0 || ch.builtinLists.length > 0;
  return true;
}

/** Criterion ids of the grid that have no phrases in `lang` (the editor's warning). */
export function criteriaWithoutWording(grid: RubricGrid, lang: RubricLanguage): string[] {
  return grid.sections.flatMap((s) => s.criteria.filter((c) => !hasWordingIn(c, lang)).map((c) => c.id));
}

/**
 * The grid in one language, in the engines' shape: labels and wording of `lang` (labels fall back
 * to another language). A criterion without phrases in `lang` keeps an empty list here; give the
 * engines `judgeable(...)` of it.
 */
export function rubricForLanguage(version: GridVersion, lang: RubricLanguage): RubricVersion {
  return {
    rubricId: version.rubricId,
    version: version.version,
    language: lang,
    passThreshold: version.passThreshold,
    sections: version.sections.map((s) => ({
      id: s.id,
      label: pick(s.label, lang) ?? s.id,
      criteria: s.criteria.map((c): Criterion => {
        const description = pick(c.description, lang);
        return {
          id: c.id,
          label: pick(c.label, lang) ?? c.id,
          ...(description ? { description } : {}),
          weight: c.weight,
          answerType: c.answerType,
          allowNa: c.allowNa,
          critical: c.critical,
          check: checkFor(c.check, lang),
        };
      }),
    })),
  };
}

/**
 * The language a call is judged in (C4): the call's, else the transcript's, else guessed from
 * the words, else `fallback` (the tenant's language).
 */
export function callLanguage(
  call: { language?: string | null },
  transcript: Pick<Transcript, "language" | "segments"> | null,
  fallback: RubricLanguage,
): RubricLanguage {
  const given = [call.language, transcript?.language].find(isRubricLanguage);
  if (given) return given;
  return guessLanguage((transcript?.segments ?? []).map((s) => s.text)) ?? fallback;
}

export function isRubricLanguage(v: unknown): v is RubricLanguage {
  return (RUBRIC_LANGUAGES as readonly unknown[]).includes(v);
}

/**
 * What the engines receive to judge a call in `lang`, and how to complete their answer: the
 * criteria left out come back `not_evaluated` in grid order, and the score is that of the whole
 * grid.
 */
export function judgeInLanguage(version: GridVersion, lang: RubricLanguage) {
  const full = rubricForLanguage(version, lang);
  const missing = new Set(criteriaWithoutWording(version, lang));
  const rubric: RubricVersion = {
    ...full,
    sections: full.sections
      .map((s) => ({ ...s, criteria: s.criteria.filter((c) => !missing.has(c.id)) }))
      .filter((s) => s.criteria.length > 0),
  };
  const complete = <R extends AnalysisResult>(result: R): R => {
    if (missing.size === 0) return { ...result, language: lang };
    const byId = new Map(result.criteria.map((r) => [r.id, r]));
    const rationale = t(lang, "grid.no_wording", { language: t(lang, `grid.lang.${lang}`) });
    const criteria = full.sections.flatMap((s) =>
      s.criteria.map(
        (c): CriterionResult =>
          byId.get(c.id) ?? {
            id: c.id,
            label: c.label,
            sectionId: s.id,
            result: "not_evaluated",
            score: null,
            weight: c.weight,
            critical: c.critical,
            evidence: [],
            rationale,
          },
      ),
    );
    return { ...result, ...computeScore(full, criteria), criteria, language: lang };
  };
  return { rubric, full, missing, complete };
}

// ---------------------------------------------------------------------------------------------
// Grids from before languages: `{ language, sections: [{ label: "…", criteria: [{ check: {
// phrases: [...] } }] }] }`. Their wording becomes that language's; the other languages are empty
// until filled. The data migration 0013 does the same in SQL for the stored versions; this keeps
// older API payloads and restored archives readable.

const inLang = (lang: RubricLanguage, text: string | undefined): Localized | undefined =>
  text === undefined ? undefined : { [lang]: text };

function liftCheck(ch: CriterionCheck, lang: RubricLanguage): GridCheck {
  switch (ch.kind) {
    case "phrase_present":
    case "phrase_absent":
      return { ...ch, phrases: { [lang]: ch.phrases } };
    case "forbidden_words":
      return { ...ch, words: { [lang]: ch.words } };
    case "llm":
      return { ...ch, question: { [lang]: ch.question } };
    case "metric_threshold":
      return ch;
  }
}

export function liftSingleLanguage(v: RubricVersionContent): RubricGrid {
  const lang = v.language;
  return {
    passThreshold: v.passThreshold,
    sections: v.sections.map((s) => ({
      id: s.id,
      label: { [lang]: s.label },
      criteria: s.criteria.map((c) => {
        const description = inLang(lang, c.description);
        return {
          id: c.id,
          label: { [lang]: c.label },
          ...(description ? { description } : {}),
          weight: c.weight,
          answerType: c.answerType,
          allowNa: c.allowNa,
          critical: c.critical,
          check: liftCheck(c.check, lang),
        };
      }),
    })),
  };
}

/** A single-language payload names its language at the top; a grid does not. */
export function isSingleLanguage(raw: unknown): boolean {
  return typeof raw === "object" && raw !== null && "language" in raw;
}

/** Validates content sent by a client (a grid, or a single-language grid lifted), as zod would. */
export function parseGridInput(raw: unknown) {
  if (isSingleLanguage(raw)) {
    const r = rubricVersionSchema.safeParse(raw);
    return r.success ? { success: true as const, data: liftSingleLanguage(r.data) } : r;
  }
  return rubricGridSchema.safeParse(raw);
}

/** A stored version's content (trusted: it was validated when written), lifted when older. */
export function storedGrid(raw: unknown): RubricGrid {
  return isSingleLanguage(raw) ? liftSingleLanguage(raw as RubricVersionContent) : (raw as RubricGrid);
}

const WORDING = new Set(["label", "description", "phrases", "words", "question"]);
/** A criterion without its wording, as text: what every language of a grid shares. */
const shared = (c: GridCriterion) =>
  JSON.stringify({ ...c, check: { ...c.check } }, (k, v) => (WORDING.has(k) ? undefined : v));

/** Several single-language grids with the same criteria merged into one (the templates). */
export function mergeLanguages(versions: Partial<Record<RubricLanguage, RubricVersionContent>>): RubricGrid {
  const langs = RUBRIC_LANGUAGES.filter((l) => versions[l]);
  const [base, ...others] = langs.map((l) => liftSingleLanguage(versions[l] as RubricVersionContent));
  for (const other of others)
    base.sections.forEach((s, si) => {
      const os = other.sections[si];
      Object.assign(s.label, os.label);
      s.criteria.forEach((c, ci) => {
        const oc = os.criteria[ci];
        // Everything but the wording must agree, or the languages would not score alike.
        if (shared(oc) !== shared(c)) throw new Error(`templates differ at criterion ${c.id} / ${oc.id}`);
        Object.assign(c.label, oc.label);
        if (oc.description) c.description = { ...c.description, ...oc.description };
        const a = c.check as Record<string, unknown>;
        const b = oc.check as Record<string, unknown>;
        for (const k of ["phrases", "words", "question"])
          if (k in a) a[k] = { ...(a[k] as object), ...(b[k] as object) };
      });
    });
  return base;
}
