import { raw } from "hono/html";
import type { DryRunResult } from "../../../../core/quality/dry-run";
import { criteriaWithoutWording, pick } from "../../../../core/scoring/rubric-language";
import {
  type GridCheck,
  RUBRIC_LANGUAGES,
  type RubricGrid,
  type RubricLanguage,
} from "../../../../core/scoring/rubric-model";
import { Head, type PortalContext } from "../../../ui/common";
import { tr } from "../../../ui/layout";
import { type PerLang, readerLang } from "./codec";

/**
 * The rubric pages' pieces: the editor's style, one field per language, selects and checkboxes,
 * a version read-only, the wording warnings and a dry run's result.
 */

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

/** A grid as shown to a reader, with the languages the tenant's calls use (for the warnings). */
interface GridProps {
  c: PortalContext;
  grid: RubricGrid;
  langs: RubricLanguage[];
}

/** One field per language, side by side (`name.fr`, `name.en`), each with its label. */
export function LangFields({
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
export function WordingWarnings({ c, grid, langs }: GridProps) {
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

export function Style({ c }: { c: PortalContext }) {
  return <style nonce={c.get("secureHeadersNonce")}>{raw(EDITOR_CSS)}</style>;
}

export const fmtNum = (c: PortalContext, n: number) =>
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
export function ContentView({ c, grid, langs }: GridProps) {
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

export function Select({
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

export function Check({
  id,
  name,
  checked,
  label,
}: {
  id: string;
  name: string;
  checked: boolean;
  label: string;
}) {
  return (
    <span>
      <input type="checkbox" id={id} name={name} value="on" checked={checked} />{" "}
      <label for={id} class="inline check">
        {label}
      </label>
    </span>
  );
}

export function DryRunView({ c, r }: { c: PortalContext; r: DryRunResult }) {
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
