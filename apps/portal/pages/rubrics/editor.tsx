import type { dryRunCandidates } from "../../../../core/quality/dry-run";
import { parseGridInput } from "../../../../core/scoring/rubric-language";
import { CHECK_METRICS, CHECK_OPS, type RubricLanguage } from "../../../../core/scoring/rubric-model";
import { assetUrl } from "../../../public/static";
import { fmtDate, type PortalContext } from "../../../ui/common";
import { tr } from "../../../ui/layout";
import {
  type Draft,
  type DraftCriterion,
  draftContent,
  KINDS,
  LISTS,
  readerText,
  SPEAKERS,
  weightTotal,
} from "./codec";
import { Check, fmtNum, LangFields, Select, WordingWarnings } from "./components";

/**
 * The editor of a new version: one form of sections and criteria, the live weight total
 * (`/static/rubric-editor.js`) and the dry run's call picker. Its buttons name what to do (`op`).
 */

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
              options={CHECK_METRICS.map((m) => ({ value: m, label: _(`portal.rubric.metric.${m}`) }))}
            />
          </label>
          <label for={id("op")}>
            {_("portal.rubric.op")}
            <Select
              id={id("op")}
              name={`${p}op`}
              value={cr.op}
              options={CHECK_OPS.map((o) => ({ value: o, label: o }))}
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

export function Editor({
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
