import { ApiError } from "../../../../core/platform/errors";
import type { MessageKey } from "../../../../core/platform/i18n";
import { parseGridInput, pick } from "../../../../core/scoring/rubric-language";
import {
  type CHECK_METRICS,
  type CHECK_OPS,
  DUPLICATE_CRITERION_ID,
  type GridCheck,
  type GridCriterion,
  type Localized,
  RUBRIC_LANGUAGES,
  type RubricGrid,
  type RubricLanguage,
} from "../../../../core/scoring/rubric-model";
import type { PortalContext } from "../../../ui/common";
import type { Form } from "../../../ui/forms";
import { tr } from "../../../ui/layout";

/**
 * The editor's form codec: a rubric version's content ⇄ a draft (every field a string, as typed,
 * so a rejected form redisplays what the user wrote) ⇄ the form's fields (`s.{i}.id`,
 * `c.{i}.{j}.weight`, `c.{i}.{j}.label.fr`…), and the draft checked into a grid, with errors that
 * name the place in the user's words.
 */

export const KINDS = [
  "phrase_present",
  "phrase_absent",
  "forbidden_words",
  "metric_threshold",
  "llm",
] as const;
export const SPEAKERS = ["agent", "customer", "any"] as const;
export const LISTS = ["profanity", "jargon", "negative_phrasing"] as const;
const MAX_SECTIONS = 30;
const MAX_CRITERIA = 100;

/** One text per language, as typed. */
export type PerLang = Record<RubricLanguage, string>;
const blankLangs = (): PerLang => Object.fromEntries(RUBRIC_LANGUAGES.map((l) => [l, ""])) as PerLang;
const langsOf = (v: Partial<Record<RubricLanguage, string | string[]>> | undefined): PerLang =>
  Object.fromEntries(
    RUBRIC_LANGUAGES.map((l) => {
      const x = v?.[l];
      return [l, Array.isArray(x) ? x.join("\n") : (x ?? "")];
    }),
  ) as PerLang;

export interface DraftCriterion {
  id: string;
  label: PerLang;
  description: PerLang;
  weight: string;
  answerType: string;
  allowNa: boolean;
  critical: boolean;
  kind: string;
  speaker: string;
  phrases: PerLang;
  withinS: string;
  fromEnd: boolean;
  requireCompanyName: boolean;
  words: PerLang;
  lists: string[];
  metric: string;
  op: string;
  value: string;
  question: PerLang;
  /** The id exists in the saved version: it stays (ids are stable across versions). */
  locked: boolean;
}
interface DraftSection {
  id: string;
  label: PerLang;
  criteria: DraftCriterion[];
}
export interface Draft {
  passThreshold: string;
  sections: DraftSection[];
}

const blankCriterion = (): DraftCriterion => ({
  id: "",
  label: blankLangs(),
  description: blankLangs(),
  weight: "",
  answerType: "yes_no",
  allowNa: true,
  critical: false,
  kind: "phrase_present",
  speaker: "agent",
  phrases: blankLangs(),
  withinS: "",
  fromEnd: false,
  requireCompanyName: false,
  words: blankLangs(),
  lists: [],
  metric: "silencePct",
  op: "<=",
  value: "",
  question: blankLangs(),
  locked: false,
});

function criterionDraft(c: GridCriterion): DraftCriterion {
  const d = {
    ...blankCriterion(),
    id: c.id,
    label: langsOf(c.label),
    description: langsOf(c.description),
    weight: String(c.weight),
    answerType: c.answerType,
    allowNa: c.allowNa,
    critical: c.critical,
    kind: c.check.kind,
    locked: true,
  };
  const k = c.check;
  if (k.kind === "phrase_present" || k.kind === "phrase_absent") {
    d.speaker = k.speaker;
    d.phrases = langsOf(k.phrases);
  }
  if (k.kind === "phrase_present") {
    d.withinS = k.withinS === undefined ? "" : String(k.withinS);
    d.fromEnd = k.fromEnd;
    d.requireCompanyName = k.requireCompanyName;
  }
  if (k.kind === "forbidden_words") {
    d.speaker = k.speaker;
    d.words = langsOf(k.words);
    d.lists = [...k.builtinLists];
  }
  if (k.kind === "metric_threshold") {
    d.metric = k.metric;
    d.op = k.op;
    d.value = String(k.value);
  }
  if (k.kind === "llm") d.question = langsOf(k.question);
  return d;
}

export function contentDraft(v: RubricGrid): Draft {
  return {
    passThreshold: String(v.passThreshold),
    sections: v.sections.map((s) => ({
      id: s.id,
      label: langsOf(s.label),
      criteria: s.criteria.map(criterionDraft),
    })),
  };
}

const on = (f: Form, k: string) => f[k] === "on";
const lines = (s: string) =>
  s
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/** `name.fr`, `name.en`, … of the form. */
const formLangs = (f: Form, name: string): PerLang =>
  Object.fromEntries(RUBRIC_LANGUAGES.map((l) => [l, f[`${name}.${l}`] ?? ""])) as PerLang;

/** The form's fields back into a draft (strings kept as typed, for redisplay). */
export function formDraft(f: Form): Draft {
  const sections: DraftSection[] = [];
  for (let i = 0; i < MAX_SECTIONS; i++) {
    if (f[`s.${i}.id`] === undefined) continue;
    const criteria: DraftCriterion[] = [];
    for (let j = 0; j < MAX_CRITERIA; j++) {
      const p = `c.${i}.${j}.`;
      if (f[`${p}id`] === undefined) continue;
      criteria.push({
        id: (f[`${p}id`] ?? "").trim(),
        label: formLangs(f, `${p}label`),
        description: formLangs(f, `${p}description`),
        weight: (f[`${p}weight`] ?? "").trim(),
        answerType: f[`${p}answerType`] === "scale_1_5" ? "scale_1_5" : "yes_no",
        allowNa: on(f, `${p}allowNa`),
        critical: on(f, `${p}critical`),
        kind: f[`${p}kind`] ?? "phrase_present",
        speaker: f[`${p}speaker`] ?? "agent",
        phrases: formLangs(f, `${p}phrases`),
        withinS: (f[`${p}withinS`] ?? "").trim(),
        fromEnd: on(f, `${p}fromEnd`),
        requireCompanyName: on(f, `${p}requireCompanyName`),
        words: formLangs(f, `${p}words`),
        lists: LISTS.filter((l) => on(f, `${p}list.${l}`)),
        metric: f[`${p}metric`] ?? "silencePct",
        op: f[`${p}op`] ?? "<=",
        value: (f[`${p}value`] ?? "").trim(),
        question: formLangs(f, `${p}question`),
        locked: f[`${p}locked`] === "1",
      });
    }
    sections.push({ id: (f[`s.${i}.id`] ?? "").trim(), label: formLangs(f, `s.${i}.label`), criteria });
  }
  return {
    passThreshold: (f.passThreshold ?? "").trim(),
    sections,
  };
}

const num = (s: string) => (s.trim() === "" ? Number.NaN : Number(s.replace(",", ".")));

/** The languages that have text (an empty field is a language not filled yet). */
export function texts(v: PerLang): Localized {
  const out: Localized = {};
  for (const l of RUBRIC_LANGUAGES) if (v[l].trim()) out[l] = v[l].trim();
  return out;
}
function lists(v: PerLang): Partial<Record<RubricLanguage, string[]>> {
  const out: Partial<Record<RubricLanguage, string[]>> = {};
  for (const l of RUBRIC_LANGUAGES) if (lines(v[l]).length) out[l] = lines(v[l]);
  return out;
}

function draftCheck(c: DraftCriterion): GridCheck {
  const speaker = (SPEAKERS as readonly string[]).includes(c.speaker) ? (c.speaker as "agent") : "agent";
  switch (c.kind) {
    case "phrase_absent":
      return { kind: "phrase_absent", speaker, phrases: lists(c.phrases) };
    case "forbidden_words":
      return {
        kind: "forbidden_words",
        speaker,
        words: lists(c.words),
        builtinLists: c.lists as (typeof LISTS)[number][],
      };
    case "metric_threshold":
      return {
        kind: "metric_threshold",
        metric: c.metric as (typeof CHECK_METRICS)[number],
        op: c.op as (typeof CHECK_OPS)[number],
        value: num(c.value),
      };
    case "llm":
      return { kind: "llm", question: texts(c.question) };
    default:
      return {
        kind: "phrase_present",
        speaker,
        phrases: lists(c.phrases),
        fromEnd: c.fromEnd,
        requireCompanyName: c.requireCompanyName,
        ...(c.withinS ? { withinS: num(c.withinS) } : {}),
      };
  }
}

/** The draft as rubric content (numbers parsed; the model's schema judges the rest). */
export function draftContent(d: Draft): unknown {
  return {
    passThreshold: num(d.passThreshold),
    sections: d.sections.map((s) => ({
      id: s.id,
      label: texts(s.label),
      criteria: s.criteria.map((c) => ({
        id: c.id,
        label: texts(c.label),
        ...(Object.keys(texts(c.description)).length ? { description: texts(c.description) } : {}),
        weight: num(c.weight),
        answerType: c.answerType,
        allowNa: c.allowNa,
        critical: c.critical,
        check: draftCheck(c),
      })),
    })),
  };
}

export const weightTotal = (d: Draft) =>
  Math.round(
    d.sections
      .flatMap((s) => s.criteria)
      .reduce((t, c) => t + (Number.isFinite(num(c.weight)) ? num(c.weight) : 0), 0) * 1e4,
  ) / 1e4;

/**
 * The draft checked, or a validation error whose message names the place in the user's words:
 * the weight total first (the commonest mistake), then the model's own rules.
 */
export function validDraft(c: PortalContext, d: Draft): RubricGrid {
  const _ = tr(c);
  const FIELDS: Record<string, MessageKey> = {
    label: "portal.rubric.label",
    id: "portal.rubric.id",
    weight: "portal.rubric.weight",
    description: "portal.rubric.description",
    phrases: "portal.rubric.phrases",
    words: "portal.rubric.words",
    question: "portal.rubric.question",
    value: "portal.rubric.value",
    withinS: "portal.rubric.within",
  };
  const where = (path: PropertyKey[]): string => {
    const [a, i, b, j, ...rest] = path;
    if (a === "passThreshold") return _("portal.rubric.pass_threshold");
    const s = typeof i === "number" ? d.sections[i] : undefined;
    if (a !== "sections" || !s) return _("portal.rubric.where.rubric");
    if (b !== "criteria" || typeof j !== "number")
      return _("portal.rubric.where.section", {
        n: (i as number) + 1,
        label: readerText(c, s.label) || s.id || "—",
      });
    const crit = s.criteria[j];
    const raw = rest[0] === "check" ? String(rest[1] ?? "") : String(rest[0] ?? "");
    const field = Object.hasOwn(FIELDS, raw) ? `— ${_(FIELDS[raw])}` : "";
    return _("portal.rubric.where.criterion", {
      n: (i as number) + 1,
      m: j + 1,
      label: (crit && readerText(c, crit.label)) || crit?.id || "—",
      field,
    });
  };
  for (const [i, s] of d.sections.entries())
    for (const [j, cr] of s.criteria.entries())
      if (!Number.isFinite(num(cr.weight)))
        throw invalidWith("portal.rubric.error.weight_nan", `/sections/${i}/criteria/${j}/weight`, {
          where: where(["sections", i, "criteria", j, "weight"]),
        });
  const total = weightTotal(d);
  if (d.sections.length && Math.abs(total - 100) > 1e-6)
    throw invalidWith("portal.rubric.error.weights", "/sections", {
      total: total.toLocaleString(c.get("locale") === "en" ? "en-GB" : "fr-FR"),
    });
  const r = parseGridInput(draftContent(d));
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue.code === "custom" && issue.params?.reason === DUPLICATE_CRITERION_ID)
    throw invalidWith("portal.rubric.error.duplicate_id", "/sections", { id: String(issue.params.id) });
  const key: MessageKey =
    issue.path.at(-1) === "id"
      ? "portal.rubric.error.slug"
      : issue.path.length === 1 && issue.path[0] === "sections"
        ? "portal.rubric.error.no_sections"
        : "portal.rubric.error.field";
  throw invalidWith(key, `/${issue.path.join("/")}`, { where: where(issue.path) });
}

function invalidWith(key: MessageKey, pointer: string, params: Record<string, string | number>) {
  return new ApiError("validation_failed", `invalid ${pointer.slice(1)}`, {
    errors: [{ pointer, detail: "invalid" }],
    messageKey: key,
    params,
  });
}

export const readerLang = (c: PortalContext): RubricLanguage => (c.get("locale") === "en" ? "en" : "fr");
/** A draft's text in the reader's language, else in another one (a grid may not be filled yet). */
export const readerText = (c: PortalContext, v: PerLang) => pick(texts(v), readerLang(c)) ?? "";

/**
 * Applies a structure button (`add:{i}`, `remove:{i}:{j}`, `remove_section:{i}`, `add_section`)
 * to the draft in place. False when `op` is none of them (save, dry run): the caller goes on.
 */
export function reshapeDraft(draft: Draft, op: string): boolean {
  const add = /^add:(\d+)$/.exec(op);
  const remove = /^remove:(\d+):(\d+)$/.exec(op);
  const removeSection = /^remove_section:(\d+)$/.exec(op);
  if (!(add || remove || removeSection || op === "add_section")) return false;
  if (add) draft.sections[Number(add[1])]?.criteria.push(blankCriterion());
  if (remove) draft.sections[Number(remove[1])]?.criteria.splice(Number(remove[2]), 1);
  if (removeSection) draft.sections.splice(Number(removeSection[1]), 1);
  if (op === "add_section" && draft.sections.length < MAX_SECTIONS)
    draft.sections.push({ id: "", label: blankLangs(), criteria: [blankCriterion()] });
  return true;
}
