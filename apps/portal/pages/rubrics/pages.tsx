import { ApiError } from "../../../../core/platform/errors";
import type { MessageKey } from "../../../../core/platform/i18n";
import { roleAllows } from "../../../../core/platform/rbac";
import { type DryRunResult, dryRunCandidates, dryRunRubric } from "../../../../core/quality/dry-run";
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
} from "../../../../core/rubrics/service";
import type { RubricGrid } from "../../../../core/scoring/rubric-model";
import {
  doneUrl,
  fmtDate,
  Head,
  invalid,
  orErrorPage,
  type PortalContext,
  portalPage,
  userCtx,
} from "../../../ui/common";
import { type Form, readForm } from "../../../ui/forms";
import { tr } from "../../../ui/layout";
import { contentDraft, type Draft, formDraft, reshapeDraft, validDraft } from "./codec";
import { Check, ContentView, DryRunView, Select, Style } from "./components";
import { Editor } from "./editor";

/** The rubric pages: the tenant's list (with creation from a template), a rubric, one version. */

const canWrite = (c: PortalContext) => roleAllows(userCtx(c).actor.role, "rubrics:write");

export async function listPage(
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

export interface RubricState {
  error?: string | null;
  draft?: Draft;
  dry?: DryRunResult;
  dryCall?: { pick: string; paste: string };
}

export async function rubricPage(c: PortalContext, rubricId: string, state: RubricState = {}, status = 200) {
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

/** One saved version, read-only. */
export async function versionPage(c: PortalContext, rubricId: string, version: string) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const n = Number(version);
  if (!Number.isInteger(n) || n < 1) throw new ApiError("not_found", "No such version");
  const rubric = await getRubric(ctx, rubricId);
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
}

/** `POST /rubrics`: a new rubric from a template, or the list again with the error. */
export async function createFromTemplate(c: PortalContext) {
  const f = await readForm(c);
  return orErrorPage(
    c,
    async () => {
      if (!listTemplates().some((t) => t.id === f.templateId))
        throw invalid("portal.rubrics.error.template", "/templateId");
      const r = await createRubric(userCtx(c).ctx, {
        templateId: f.templateId,
        language: f.language === "en" ? "en" : "fr",
        ...(f.name?.trim() ? { name: f.name.trim() } : {}),
        isDefault: f.isDefault === "on",
      });
      return c.redirect(doneUrl(`/rubrics/${encodeURIComponent(r.id)}`, "rubric_created"), 303);
    },
    (error, status) => listPage(c, { error, values: f }, status),
  );
}

/**
 * `POST /rubrics/:rubricId/edit`: the editor's buttons. Structure edits and the dry run re-render
 * the draft unsaved; "save" stores version n+1.
 */
export async function editRubric(c: PortalContext, rubricId: string) {
  await getRubric(userCtx(c).ctx, rubricId); // another tenant's rubric: 404 before anything runs
  const f = await readForm(c);
  const draft = formDraft(f);
  const op = f.op ?? "save";
  const dryCall = { pick: (f.dryCall ?? "").trim(), paste: (f.dryCallId ?? "").trim() };
  if (reshapeDraft(draft, op)) {
    c.set("postRendersPage", "unsaved draft reshaped; nothing stored");
    return rubricPage(c, rubricId, { draft, dryCall });
  }
  return orErrorPage(
    c,
    async () => {
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
    },
    (error, status) => rubricPage(c, rubricId, { error, draft, dryCall }, status),
  );
}

/** `POST /rubrics/:rubricId/settings`: name and default flag. */
export async function saveSettings(c: PortalContext, rubricId: string) {
  const f = await readForm(c);
  return orErrorPage(
    c,
    async () => {
      if (!f.name?.trim()) throw invalid("error.field_required", "/name");
      // Unticking "default" is not offered: a tenant always has a default (make another one instead).
      await updateRubric(userCtx(c).ctx, rubricId, {
        name: f.name.trim(),
        ...(f.isDefault === "on" ? { isDefault: true } : {}),
      });
      return c.redirect(doneUrl(`/rubrics/${encodeURIComponent(rubricId)}`, "rubric_updated"), 303);
    },
    (error, status) => rubricPage(c, rubricId, { error }, status),
    { fields: tr(c)("portal.rubrics.name") },
  );
}
