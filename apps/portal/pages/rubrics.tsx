import type { Hono } from "hono";
import { raw } from "hono/html";
import { ApiError } from "../../../core/platform/errors";
import type { MessageKey } from "../../../core/platform/i18n";
import { roleAllows } from "../../../core/platform/rbac";
import { type DryRunResult, dryRunCandidates, dryRunRubric } from "../../../core/quality/dry-run";
import {
  createRubric,
  createRubricVersion,
  getRubric,
  getRubricVersion,
  listRubrics,
  listRubricVersions,
  listTemplates,
  tenantCallLanguages,
  updateRubric,
} from "../../../core/rubrics/service";
import { criteriaWithoutWording, parseGridInput, pick } from "../../../core/scoring/rubric-language";
import {
  type Criterion,
  type CriterionCheck,
  DUPLICATE_CRITERION_ID,
  type GridCheck,
  type GridCriterion,
  type Localized,
  RUBRIC_LANGUAGES,
  type RubricGrid,
  type RubricLanguage,
  type RubricVersionContent,
  rubricVersionSchema,
} from "../../../core/scoring/rubric-model";
import { access } from "../../middleware/access";
import { assetUrl } from "../../public/static";
import type { AppEnv } from "../../types";
import {
  doneUrl,
  fmtDate,
  formError,
  Head,
  invalid,
  type PortalContext,
  portalPage,
  userCtx,
} from "../../ui/common";
import { type Form, readForm } from "../../ui/forms";
import { tr } from "../../ui/layout";

/**
 * Quality grids in the portal (D4, C4): the tenant's rubrics, creating one from a template, a
 * rubric's versions, and the editor of a new version — sections and criteria with their weight,
 * critical flag, answer type and how the built-in engine judges them; the pass threshold; a live
 * weight total (`/static/rubric-editor.js`, progressive: the server checks the total anyway) and a
 * dry run of the unsaved draft on one of the tenant's analysed calls (nothing stored).
 *
 * Every language of the grid is edited side by side (labels, descriptions, phrases, forbidden words,
 * questions: one field per language, named `….fr`, `….en`); the rest — weights, answer types,
 * windows, thresholds — is shared, so a grid's scores stay comparable across languages. The editor
 * names the criteria with no phrases in a language the tenant's calls use (they would be
 * `not_evaluated` on those calls).
 *
 * The editor is one form. Its buttons say what to do with the draft (`op`): save it as version
 * n+1, dry-run it, or add/remove a criterion or a section — those re-render the draft unsaved, so
 * the page works without JavaScript. The first button of the form is "save" (Enter in a field).
 */

const KINDS = ["phrase_present", "phrase_absent", "forbidden_words", "metric_threshold", "llm"] as const;
const SPEAKERS = ["agent", "customer", "any"] as const;
const METRICS = [
  "silencePct",
  "longestSilenceS",
  "agentTalkRatio",
  "overtalkCount",
  "interruptions",
  "agentWpm",
  "holdCount",
  "durationS",
] as const;
const OPS = ["<=", ">=", "<", ">"] as const;
const LISTS = ["profanity", "jargon", "negative_phrasing"] as const;
const MAX_SECTIONS = 30;
const MAX_CRITERIA = 100;

/** One text per language, as typed. */
type PerLang = Record<RubricLanguage, string>;
const blankLangs = (): PerLang => Object.fromEntries(RUBRIC_LANGUAGES.map((l) => [l, ""])) as PerLang;
const langsOf = (v: Partial<Record<RubricLanguage, string | string[]>> | undefined): PerLang =>
  Object.fromEntries(
    RUBRIC_LANGUAGES.map((l) => {
      const x = v?.[l];
      return [l, Array.isArray(x) ? x.join("\n") : (x ?? "")];
    }),
  ) as PerLang;

interface DraftCriterion {
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
interface Draft {
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

function contentDraft(v: RubricGrid): Draft {
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
function formDraft(f: Form): Draft {
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
function texts(v: PerLang): Localized {
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
        metric: c.metric as (typeof METRICS)[number],
        op: c.op as (typeof OPS)[number],
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
function draftContent(d: Draft): unknown {
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

const weightTotal = (d: Draft) =>
  Math.round(
    d.sections
      .flatMap((s) => s.criteria)
      .reduce((t, c) => t + (Number.isFinite(num(c.weight)) ? num(c.weight) : 0), 0) * 1e4,
  ) / 1e4;

/**
 * The draft checked, or a validation error whose message names the place in the user's words:
 * the weight total first (the commonest mistake), then the model's own rules.
 */
function validDraft(c: PortalContext, d: Draft): RubricGrid {
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

// ---- Rendering ------------------------------------------------------------------------------

const EDITOR_CSS = `
.bar{position:sticky;top:0;background:#fff;border-bottom:1px solid var(--line);padding:.5rem 0;display:flex;flex-wrap:wrap;gap:.8rem;align-items:center;z-index:1}
.bar output{font-weight:700;font-variant-numeric:tabular-nums}.bar [data-ok=false]{color:var(--err)}.bar [data-ok=true]{color:var(--ok)}
fieldset.section{border:1px solid var(--line);border-radius:6px;margin:1rem 0;padding:.6rem}
fieldset.criterion{border:0;border-top:1px dashed var(--line);margin:.6rem 0;padding:.6rem 0}
.row{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end}.row label{font-weight:500}
.langs{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:.6rem}.langs label{font-weight:500}
textarea{font:inherit;width:100%;min-height:3.2rem;padding:.4rem;border:1px solid var(--line);border-radius:6px}
input.w{width:6rem}input.slug{width:12rem}.check{font-weight:400}
.result-pass{color:var(--ok)}.result-fail{color:var(--err)}
`;

const readerLang = (c: PortalContext): RubricLanguage => (c.get("locale") === "en" ? "en" : "fr");
/** A draft's text in the reader's language, else in another one (a grid may not be filled yet). */
const readerText = (c: PortalContext, v: PerLang) => pick(texts(v), readerLang(c)) ?? "";

/** One field per language, side by side (`name.fr`, `name.en`), each with its label. */
function LangFields({
  c,
  id,
  name,
  label,
  values,
  multiline,
  maxlength,
}: {
  c: PortalContext;
  id: string;
  name: string;
  label: string;
  values: PerLang;
  multiline?: boolean;
  maxlength?: number;
}) {
  const _ = tr(c);
  return (
    <div class="langs">
      {RUBRIC_LANGUAGES.map((l) => (
        <label for={`${id}-${l}`} lang={c.get("locale") ?? "fr"}>
          {label} — {_(`lang.${l}`)}
          {multiline ? (
            <textarea id={`${id}-${l}`} name={`${name}.${l}`} lang={l} maxlength={maxlength}>
              {values[l]}
            </textarea>
          ) : (
            <input id={`${id}-${l}`} name={`${name}.${l}`} lang={l} value={values[l]} maxlength={maxlength} />
          )}
        </label>
      ))}
    </div>
  );
}

/**
 * The criteria that have no phrases in a language the tenant's calls use: on such calls they are
 * not evaluated. Empty when every language is covered.
 */
function WordingWarnings({
  c,
  grid,
  langs,
}: {
  c: PortalContext;
  grid: RubricGrid;
  langs: RubricLanguage[];
}) {
  const _ = tr(c);
  const reader = readerLang(c);
  const labels = new Map(
    grid.sections.flatMap((s) => s.criteria.map((cr) => [cr.id, pick(cr.label, reader) ?? cr.id])),
  );
  const missing = langs
    .map((l) => ({ l, ids: criteriaWithoutWording(grid, l) }))
    .filter((m) => m.ids.length > 0);
  if (!missing.length) return null;
  return (
    <div class="notice" role="note" data-wording-warning="">
      <p>{_("grid.warn.intro")}</p>
      <ul>
        {missing.map((m) => (
          <li data-lang={m.l}>
            {_("grid.warn.language", { language: _(`lang.${m.l}`), count: m.ids.length })}{" "}
            {m.ids.map((id) => labels.get(id) ?? id).join(" · ")}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Style({ c }: { c: PortalContext }) {
  return <style nonce={c.get("secureHeadersNonce")}>{raw(EDITOR_CSS)}</style>;
}

const fmtNum = (c: PortalContext, n: number) =>
  n.toLocaleString(c.get("locale") === "en" ? "en-GB" : "fr-FR", { maximumFractionDigits: 4 });

/** "FR : a · b — EN : c · d": a few words of every language that has some. */
function perLanguage(v: Partial<Record<RubricLanguage, string[]>>): string {
  return RUBRIC_LANGUAGES.filter((l) => v[l]?.length)
    .map((l) => {
      const xs = v[l] ?? [];
      return `${l.toUpperCase()}: ${xs.slice(0, 4).join(" · ")}${xs.length > 4 ? " …" : ""}`;
    })
    .join(" — ");
}

function checkSummary(c: PortalContext, k: GridCheck): string {
  const _ = tr(c);
  const kind = _(`portal.rubric.kind.${k.kind}`);
  switch (k.kind) {
    case "phrase_present":
    case "phrase_absent":
      return `${kind} (${_(`portal.rubric.speaker.${k.speaker}`)}): ${perLanguage(k.phrases)}`;
    case "forbidden_words":
      return `${kind}: ${[...k.builtinLists.map((l) => _(`portal.rubric.list.${l}`)), perLanguage(k.words)].filter(Boolean).join(" · ")}`;
    case "metric_threshold":
      return `${kind}: ${_(`portal.rubric.metric.${k.metric}`)} ${k.op} ${k.value}`;
    case "llm":
      return `${kind}: ${pick(k.question, readerLang(c)) ?? ""}`;
  }
}

/** A version's content, read-only (for every role that may read rubrics), in the reader's language. */
function ContentView({ c, grid, langs }: { c: PortalContext; grid: RubricGrid; langs: RubricLanguage[] }) {
  const _ = tr(c);
  const reader = readerLang(c);
  return (
    <>
      <p>
        {_("portal.rubric.pass_threshold")}: <strong>{grid.passThreshold}</strong>
      </p>
      <WordingWarnings c={c} grid={grid} langs={langs} />
      {grid.sections.map((s) => (
        <section>
          <h3>{pick(s.label, reader) ?? s.id}</h3>
          <table>
            <Head
              cols={[
                _("portal.rubric.criterion"),
                _("portal.rubric.weight"),
                _("portal.rubric.critical"),
                _("portal.rubric.answer_type"),
                _("portal.rubric.how"),
              ]}
            />
            <tbody>
              {s.criteria.map((cr) => (
                <tr>
                  <td>
                    {pick(cr.label, reader) ?? cr.id} <code>{cr.id}</code>
                  </td>
                  <td>{fmtNum(c, cr.weight)}</td>
                  <td>{cr.critical ? _("common.yes") : _("common.no")}</td>
                  <td>{_(`portal.rubric.answer.${cr.answerType}`)}</td>
                  <td>{checkSummary(c, cr.check)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </>
  );
}

function Select({
  id,
  name,
  value,
  options,
}: {
  id: string;
  name: string;
  value: string;
  options: { value: string; label: string }[];
}) {
  return (
    <select id={id} name={name}>
      {options.map((o) => (
        <option value={o.value} selected={o.value === value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

function Check({ id, name, checked, label }: { id: string; name: string; checked: boolean; label: string }) {
  return (
    <span>
      <input type="checkbox" id={id} name={name} value="on" checked={checked} />{" "}
      <label for={id} class="inline check">
        {label}
      </label>
    </span>
  );
}

function CriterionFields({ c, i, j, cr }: { c: PortalContext; i: number; j: number; cr: DraftCriterion }) {
  const _ = tr(c);
  const p = `c.${i}.${j}.`;
  const id = (f: string) => `c-${i}-${j}-${f}`;
  const n = _("portal.rubric.criterion_n", { n: j + 1 });
  const shown = readerText(c, cr.label);
  return (
    <fieldset class="criterion">
      <legend>{shown ? `${n} — ${shown}` : n}</legend>
      {cr.locked ? <input type="hidden" name={`${p}locked`} value="1" /> : null}
      <LangFields
        c={c}
        id={id("label")}
        name={`${p}label`}
        label={_("portal.rubric.label")}
        values={cr.label}
        maxlength={200}
      />
      <div class="row">
        <label for={id("id")}>
          {_("portal.rubric.id")}
          <input
            id={id("id")}
            name={`${p}id`}
            value={cr.id}
            class="slug"
            maxlength={60}
            pattern="[a-z0-9]+([\-_][a-z0-9]+)*"
            readonly={cr.locked}
            aria-describedby={cr.locked ? "id-locked-help" : "id-help"}
          />
        </label>
        <label for={id("weight")}>
          {_("portal.rubric.weight")}
          <input
            id={id("weight")}
            name={`${p}weight`}
            value={cr.weight}
            type="number"
            step="any"
            min={0}
            max={100}
            class="w"
            data-weight=""
            inputmode="decimal"
          />
        </label>
        <label for={id("answerType")}>
          {_("portal.rubric.answer_type")}
          <Select
            id={id("answerType")}
            name={`${p}answerType`}
            value={cr.answerType}
            options={(["yes_no", "scale_1_5"] as const).map((v) => ({
              value: v,
              label: _(`portal.rubric.answer.${v}`),
            }))}
          />
        </label>
      </div>
      <div class="row">
        <Check
          id={id("critical")}
          name={`${p}critical`}
          checked={cr.critical}
          label={_("portal.rubric.critical_long")}
        />
        <Check
          id={id("allowNa")}
          name={`${p}allowNa`}
          checked={cr.allowNa}
          label={_("portal.rubric.allow_na")}
        />
      </div>
      <LangFields
        c={c}
        id={id("description")}
        name={`${p}description`}
        label={_("portal.rubric.description")}
        values={cr.description}
        multiline
        maxlength={2000}
      />
      <details open={!cr.locked}>
        <summary>{_("portal.rubric.evaluation")}</summary>
        <div class="row">
          <label for={id("kind")}>
            {_("portal.rubric.kind")}
            <Select
              id={id("kind")}
              name={`${p}kind`}
              value={cr.kind}
              options={KINDS.map((k) => ({ value: k, label: _(`portal.rubric.kind.${k}`) }))}
            />
          </label>
          <label for={id("speaker")}>
            {_("portal.rubric.speaker")}
            <Select
              id={id("speaker")}
              name={`${p}speaker`}
              value={cr.speaker}
              options={SPEAKERS.map((s) => ({ value: s, label: _(`portal.rubric.speaker.${s}`) }))}
            />
          </label>
          <label for={id("withinS")}>
            {_("portal.rubric.within")}
            <input
              id={id("withinS")}
              name={`${p}withinS`}
              value={cr.withinS}
              type="number"
              min={1}
              step="any"
              class="w"
            />
          </label>
        </div>
        <div class="row">
          <Check
            id={id("fromEnd")}
            name={`${p}fromEnd`}
            checked={cr.fromEnd}
            label={_("portal.rubric.from_end")}
          />
          <Check
            id={id("requireCompanyName")}
            name={`${p}requireCompanyName`}
            checked={cr.requireCompanyName}
            label={_("portal.rubric.company_name")}
          />
        </div>
        <LangFields
          c={c}
          id={id("phrases")}
          name={`${p}phrases`}
          label={_("portal.rubric.phrases")}
          values={cr.phrases}
          multiline
        />
        <LangFields
          c={c}
          id={id("words")}
          name={`${p}words`}
          label={_("portal.rubric.words")}
          values={cr.words}
          multiline
        />
        <fieldset>
          <legend>{_("portal.rubric.lists")}</legend>
          {LISTS.map((l) => (
            <Check
              id={id(`list-${l}`)}
              name={`${p}list.${l}`}
              checked={cr.lists.includes(l)}
              label={_(`portal.rubric.list.${l}`)}
            />
          ))}
        </fieldset>
        <div class="row">
          <label for={id("metric")}>
            {_("portal.rubric.metric")}
            <Select
              id={id("metric")}
              name={`${p}metric`}
              value={cr.metric}
              options={METRICS.map((m) => ({ value: m, label: _(`portal.rubric.metric.${m}`) }))}
            />
          </label>
          <label for={id("op")}>
            {_("portal.rubric.op")}
            <Select
              id={id("op")}
              name={`${p}op`}
              value={cr.op}
              options={OPS.map((o) => ({ value: o, label: o }))}
            />
          </label>
          <label for={id("value")}>
            {_("portal.rubric.value")}
            <input id={id("value")} name={`${p}value`} value={cr.value} type="number" step="any" class="w" />
          </label>
        </div>
        <LangFields
          c={c}
          id={id("question")}
          name={`${p}question`}
          label={_("portal.rubric.question")}
          values={cr.question}
          multiline
          maxlength={1000}
        />
      </details>
      <button type="submit" name="op" value={`remove:${i}:${j}`} class="secondary">
        {_("portal.rubric.remove_criterion", { n: j + 1, s: i + 1 })}
      </button>
    </fieldset>
  );
}

function Editor({
  c,
  rubricId,
  draft,
  candidates,
  dryCall,
  langs,
}: {
  c: PortalContext;
  rubricId: string;
  draft: Draft;
  langs: RubricLanguage[];
  candidates: Awaited<ReturnType<typeof dryRunCandidates>>;
  dryCall: { pick: string; paste: string };
}) {
  const _ = tr(c);
  const total = weightTotal(draft);
  const ok = Math.abs(total - 100) < 1e-6;
  return (
    <form
      method="post"
      action={`/rubrics/${encodeURIComponent(rubricId)}/edit`}
      data-rubric-editor=""
      novalidate
    >
      <div class="bar">
        <button type="submit" name="op" value="save" data-needs-total="">
          {_("portal.rubric.save")}
        </button>
        <span>
          {_("portal.rubric.total")}{" "}
          <output id="weight-total" data-weight-total="" data-ok={String(ok)} aria-live="polite">
            {fmtNum(c, total)}
          </output>{" "}
          / 100{" "}
          <span
            data-weight-msg=""
            data-ok-msg={_("portal.rubric.total_ok")}
            data-bad-msg={_("portal.rubric.total_bad")}
          >
            {ok ? _("portal.rubric.total_ok") : _("portal.rubric.total_bad")}
          </span>
        </span>
        <span
          role="alert"
          class="error"
          data-weight-alert=""
          data-msg={_("portal.rubric.error.weights")}
          tabindex={-1}
          hidden
        />
      </div>
      <p class="muted" id="id-help">
        {_("portal.rubric.id_help")}
      </p>
      <p class="muted" id="id-locked-help">
        {_("portal.rubric.id_locked_help")}
      </p>
      <p class="muted">{_("grid.editor_help")}</p>
      <DraftWarnings c={c} draft={draft} langs={langs} />
      <div class="row">
        <label for="passThreshold">
          {_("portal.rubric.pass_threshold")}
          <input
            id="passThreshold"
            name="passThreshold"
            type="number"
            min={0}
            max={100}
            step="any"
            class="w"
            value={draft.passThreshold}
          />
        </label>
      </div>
      {draft.sections.map((s, i) => (
        <fieldset class="section">
          <legend>{_("portal.rubric.section_n", { n: i + 1 })}</legend>
          <div class="row">
            <label for={`s-${i}-id`}>
              {_("portal.rubric.id")}
              <input id={`s-${i}-id`} name={`s.${i}.id`} value={s.id} class="slug" maxlength={60} />
            </label>
          </div>
          <LangFields
            c={c}
            id={`s-${i}-label`}
            name={`s.${i}.label`}
            label={_("portal.rubric.section_label")}
            values={s.label}
            maxlength={200}
          />
          {s.criteria.map((cr, j) => (
            <CriterionFields c={c} i={i} j={j} cr={cr} />
          ))}
          <div class="row">
            <button type="submit" name="op" value={`add:${i}`} class="secondary">
              {_("portal.rubric.add_criterion", { n: i + 1 })}
            </button>
            <button type="submit" name="op" value={`remove_section:${i}`} class="secondary">
              {_("portal.rubric.remove_section", { n: i + 1 })}
            </button>
          </div>
        </fieldset>
      ))}
      <p>
        <button type="submit" name="op" value="add_section" class="secondary">
          {_("portal.rubric.add_section")}
        </button>
      </p>

      <fieldset id="dry-run">
        <legend>{_("portal.rubric.dry_run")}</legend>
        <p class="muted">{_("portal.rubric.dry_run_help")}</p>
        <div class="row">
          <label for="dryCall">
            {_("portal.rubric.dry_run_pick")}
            <select id="dryCall" name="dryCall">
              <option value="">{_("portal.rubric.dry_run_none")}</option>
              {candidates.map((k) => (
                <option value={k.id} selected={dryCall.pick === k.id}>
                  {`${fmtDate(c, k.startedAt)} · ${k.externalId ?? k.id}${k.score == null ? "" : ` · ${fmtNum(c, k.score)}`}`}
                </option>
              ))}
            </select>
          </label>
          <label for="dryCallId">
            {_("portal.rubric.dry_run_paste")}
            <input
              id="dryCallId"
              name="dryCallId"
              value={dryCall.paste}
              maxlength={64}
              size={28}
              autocomplete="off"
            />
          </label>
          <button type="submit" name="op" value="dry_run" data-needs-total="">
            {_("portal.rubric.dry_run_submit")}
          </button>
        </div>
      </fieldset>
      <script type="module" src={assetUrl("rubric-editor.js")} />
    </form>
  );
}

/** The warnings of a draft, as far as it reads as a grid (a draft being typed may not yet). */
function DraftWarnings({ c, draft, langs }: { c: PortalContext; draft: Draft; langs: RubricLanguage[] }) {
  const r = parseGridInput(draftContent(draft));
  return r.success ? <WordingWarnings c={c} grid={r.data} langs={langs} /> : null;
}

function DryRunView({ c, r }: { c: PortalContext; r: DryRunResult }) {
  const _ = tr(c);
  const verdict =
    r.passed === null
      ? _("portal.rubric.verdict.none")
      : r.passed
        ? _("portal.rubric.verdict.pass")
        : _("portal.rubric.verdict.fail");
  return (
    <section aria-labelledby="dry-h" id="dry-result">
      <h2 id="dry-h">{_("portal.rubric.dry_result", { call: r.callId })}</h2>
      <p class="muted">{_("portal.rubric.dry_nothing_stored")}</p>
      <p role="status">
        {_("portal.rubric.dry_score")}{" "}
        <strong data-dry-score="">{r.score == null ? "—" : fmtNum(c, r.score)}</strong> ·{" "}
        <strong class={r.passed ? "result-pass" : "result-fail"}>{verdict}</strong> ·{" "}
        {_("portal.rubric.dry_evaluated", { pct: fmtNum(c, r.evaluatedWeightPct) })}
        {r.criticalFail ? ` · ${_("portal.rubric.dry_critical_fail")}` : ""}
        {r.needsReview ? ` · ${_("portal.rubric.dry_needs_review")}` : ""} ·{" "}
        <span data-dry-language={r.language}>
          {_("grid.dry_language", { language: _(`grid.lang.${r.language}`) })}
        </span>
      </p>
      <table>
        <Head
          cols={[
            _("portal.rubric.criterion"),
            _("portal.rubric.weight"),
            _("portal.rubric.dry_col.result"),
            _("portal.rubric.dry_col.score"),
            _("portal.rubric.dry_col.why"),
          ]}
        />
        <tbody>
          {r.criteria.map((k) => (
            <tr data-criterion={k.id}>
              <td>
                {k.label} {k.critical ? <strong>({_("portal.rubric.critical")})</strong> : null}
              </td>
              <td>{fmtNum(c, k.weight)}</td>
              <td class={k.result === "pass" ? "result-pass" : k.result === "fail" ? "result-fail" : ""}>
                {_(`portal.rubric.result.${k.result}`)}
              </td>
              <td>{k.score == null ? "—" : k.score}</td>
              <td>
                {k.rationale ?? ""}
                {k.evidence[0] ? (
                  <>
                    {" "}
                    <q>{k.evidence[0].quote}</q>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

// ---- Pages ----------------------------------------------------------------------------------

const canWrite = (c: PortalContext) => roleAllows(userCtx(c).actor.role, "rubrics:write");

async function listPage(
  c: PortalContext,
  state: { error?: string | null; values?: Form } = {},
  status = 200,
) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const rubrics = await listRubrics(ctx);
  const templates = listTemplates();
  const v = state.values ?? {};
  const locale = c.get("locale") ?? "fr";
  return portalPage(
    c,
    { title: _("portal.rubrics.title"), error: state.error },
    <>
      <p>{_("portal.rubrics.intro")}</p>
      <table>
        <Head
          cols={[
            _("portal.rubrics.name"),
            _("portal.rubrics.version"),
            _("portal.rubrics.template"),
            _("portal.rubrics.updated"),
          ]}
        />
        <tbody>
          {rubrics.map((r) => (
            <tr>
              <td>
                <a href={`/rubrics/${encodeURIComponent(r.id)}`}>{r.name}</a>
                {r.isDefault ? <strong> ({_("portal.rubrics.default")})</strong> : null}
              </td>
              <td>{r.latestVersion}</td>
              <td>{r.templateId ? _(`portal.rubrics.tpl.${r.templateId}` as MessageKey) : "—"}</td>
              <td>{fmtDate(c, Date.parse(r.updatedAt))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {canWrite(c) ? (
        <section aria-labelledby="new-h">
          <h2 id="new-h">{_("portal.rubrics.create")}</h2>
          <form method="post" action="/rubrics" class="stack">
            <label for="templateId">
              {_("portal.rubrics.template")}
              <Select
                id="templateId"
                name="templateId"
                value={v.templateId ?? "general"}
                options={templates.map((t) => ({
                  value: t.id,
                  label: _(`portal.rubrics.tpl.${t.id}` as MessageKey),
                }))}
              />
            </label>
            <label for="tpl-language">
              {_("portal.rubric.language")}
              <Select
                id="tpl-language"
                name="language"
                value={v.language ?? locale}
                options={(["fr", "en"] as const).map((l) => ({ value: l, label: _(`lang.${l}`) }))}
              />
            </label>
            <label for="rubric-name">
              {_("portal.rubrics.name_optional")}
              <input id="rubric-name" name="name" maxlength={200} value={v.name ?? ""} />
            </label>
            <p>
              <Check
                id="isDefault"
                name="isDefault"
                checked={v.isDefault === "on"}
                label={_("portal.rubrics.make_default")}
              />
            </p>
            <button type="submit">{_("portal.rubrics.create_submit")}</button>
          </form>
        </section>
      ) : null}
    </>,
    status,
  );
}

interface RubricState {
  error?: string | null;
  draft?: Draft;
  dry?: DryRunResult;
  dryCall?: { pick: string; paste: string };
}

async function rubricPage(c: PortalContext, rubricId: string, state: RubricState = {}, status = 200) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const rubric = await getRubric(ctx, rubricId);
  const versions = await listRubricVersions(ctx, rubricId);
  const writer = canWrite(c);
  const grid = rubric.content as RubricGrid;
  const langs = await tenantCallLanguages(ctx.env, ctx.tenant);
  const candidates = writer ? await dryRunCandidates(ctx) : [];
  return portalPage(
    c,
    { title: _("portal.rubric.title", { name: rubric.name }), error: state.error },
    <>
      <Style c={c} />
      <p>
        <a href="/rubrics">{_("portal.rubrics.back")}</a>
        {rubric.isDefault ? <strong> · {_("portal.rubrics.is_default")}</strong> : null}
      </p>
      {state.dry ? <DryRunView c={c} r={state.dry} /> : null}
      {writer ? (
        <section aria-labelledby="edit-h">
          <h2 id="edit-h">{_("portal.rubric.editor", { version: rubric.latestVersion + 1 })}</h2>
          <p class="muted">{_("portal.rubric.editor_intro")}</p>
          <Editor
            c={c}
            rubricId={rubric.id}
            draft={state.draft ?? contentDraft(grid)}
            candidates={candidates}
            langs={langs}
            dryCall={state.dryCall ?? { pick: "", paste: "" }}
          />
        </section>
      ) : (
        <section aria-labelledby="content-h">
          <h2 id="content-h">{_("portal.rubric.current", { version: rubric.latestVersion })}</h2>
          <ContentView c={c} grid={grid} langs={langs} />
        </section>
      )}
      <section aria-labelledby="versions-h">
        <h2 id="versions-h">{_("portal.rubric.versions")}</h2>
        <table>
          <Head cols={[_("portal.rubrics.version"), _("portal.rubric.created")]} />
          <tbody>
            {versions.map((v) => (
              <tr>
                <td>
                  <a href={`/rubrics/${encodeURIComponent(rubric.id)}/versions/${v.version}`}>
                    {_("portal.rubric.version_n", { n: v.version })}
                  </a>
                </td>
                <td>{fmtDate(c, Date.parse(v.createdAt))}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {writer ? (
        <section aria-labelledby="settings-h">
          <h2 id="settings-h">{_("portal.rubric.settings")}</h2>
          <form method="post" action={`/rubrics/${encodeURIComponent(rubric.id)}/settings`} class="stack">
            <label for="r-name">
              {_("portal.rubrics.name")}
              <input id="r-name" name="name" value={rubric.name} maxlength={200} required />
            </label>
            <p>
              <Check
                id="r-default"
                name="isDefault"
                checked={rubric.isDefault}
                label={_("portal.rubrics.make_default")}
              />
            </p>
            <button type="submit">{_("portal.rubric.settings_submit")}</button>
          </form>
        </section>
      ) : null}
    </>,
    status,
  );
}

export function registerRubrics(app: Hono<AppEnv>) {
  const read = access({ kind: "portal", perm: "rubrics:read" });
  const write = access({ kind: "portal", perm: "rubrics:write" });

  app.get("/rubrics", read, (c) => listPage(c));

  app.post("/rubrics", write, async (c) => {
    const f = await readForm(c);
    try {
      if (!listTemplates().some((t) => t.id === f.templateId))
        throw invalid("portal.rubrics.error.template", "/templateId");
      const r = await createRubric(userCtx(c).ctx, {
        templateId: f.templateId,
        language: f.language === "en" ? "en" : "fr",
        ...(f.name?.trim() ? { name: f.name.trim() } : {}),
        isDefault: f.isDefault === "on",
      });
      return c.redirect(doneUrl(`/rubrics/${encodeURIComponent(r.id)}`, "rubric_created"), 303);
    } catch (err) {
      const { message, status } = formError(c, err);
      return listPage(c, { error: message, values: f }, status);
    }
  });

  app.get("/rubrics/:rubricId", read, (c) => rubricPage(c, c.req.param("rubricId")));

  app.get("/rubrics/:rubricId/versions/:version", read, async (c) => {
    const _ = tr(c);
    const { ctx } = userCtx(c);
    const n = Number(c.req.param("version"));
    if (!Number.isInteger(n) || n < 1) throw new ApiError("not_found", "No such version");
    const rubric = await getRubric(ctx, c.req.param("rubricId"));
    const grid = await getRubricVersion(ctx.env, ctx.tenant, rubric.id, n);
    const langs = await tenantCallLanguages(ctx.env, ctx.tenant);
    return portalPage(
      c,
      { title: _("portal.rubric.version_title", { name: rubric.name, n }) },
      <>
        <p>
          <a href={`/rubrics/${encodeURIComponent(rubric.id)}`}>
            {_("portal.rubric.back", { name: rubric.name })}
          </a>
        </p>
        <ContentView c={c} grid={grid} langs={langs} />
      </>,
    );
  });

  app.post("/rubrics/:rubricId/edit", write, async (c) => {
    const rubricId = c.req.param("rubricId");
    await getRubric(userCtx(c).ctx, rubricId); // another tenant's rubric: 404 before anything runs
    const f = await readForm(c);
    const draft = formDraft(f);
    const op = f.op ?? "save";
    const dryCall = { pick: (f.dryCall ?? "").trim(), paste: (f.dryCallId ?? "").trim() };
    // Structure edits re-render the draft, unsaved.
    const add = /^add:(\d+)$/.exec(op);
    const remove = /^remove:(\d+):(\d+)$/.exec(op);
    const removeSection = /^remove_section:(\d+)$/.exec(op);
    if (add || remove || removeSection || op === "add_section") {
      if (add) draft.sections[Number(add[1])]?.criteria.push(blankCriterion());
      if (remove) draft.sections[Number(remove[1])]?.criteria.splice(Number(remove[2]), 1);
      if (removeSection) draft.sections.splice(Number(removeSection[1]), 1);
      if (op === "add_section" && draft.sections.length < MAX_SECTIONS)
        draft.sections.push({ id: "", label: blankLangs(), criteria: [blankCriterion()] });
      c.set("postRendersPage", "unsaved draft reshaped; nothing stored");
      return rubricPage(c, rubricId, { draft, dryCall });
    }
    try {
      const content = validDraft(c, draft);
      const { ctx } = userCtx(c);
      if (op === "dry_run") {
        const callId = dryCall.paste || dryCall.pick;
        if (!callId) throw invalid("portal.rubric.error.dry_run_call", "/callId");
        const dry = await dryRunRubric(ctx, { callId, content, rubricId }).catch((e: unknown) => {
          // A pasted id that is not one of the user's calls: say so in words, not "not found".
          if (e instanceof ApiError && e.code === "not_found")
            throw invalid("portal.rubric.error.dry_run_not_found", "/callId");
          throw e;
        });
        c.set("postRendersPage", "dry run; nothing stored");
        return rubricPage(c, rubricId, { draft, dry, dryCall });
      }
      await createRubricVersion(ctx, rubricId, content);
      return c.redirect(doneUrl(`/rubrics/${encodeURIComponent(rubricId)}`, "rubric_version"), 303);
    } catch (err) {
      const { message, status } = formError(c, err);
      return rubricPage(c, rubricId, { error: message, draft, dryCall }, status);
    }
  });

  app.post("/rubrics/:rubricId/settings", write, async (c) => {
    const rubricId = c.req.param("rubricId");
    const f = await readForm(c);
    try {
      if (!f.name?.trim()) throw invalid("error.field_required", "/name");
      // Unticking "default" is not offered: a tenant always has a default (make another one instead).
      await updateRubric(userCtx(c).ctx, rubricId, {
        name: f.name.trim(),
        ...(f.isDefault === "on" ? { isDefault: true } : {}),
      });
      return c.redirect(doneUrl(`/rubrics/${encodeURIComponent(rubricId)}`, "rubric_updated"), 303);
    } catch (err) {
      const { message, status } = formError(c, err, { fields: tr(c)("portal.rubrics.name") });
      return rubricPage(c, rubricId, { error: message }, status);
    }
  });
}
