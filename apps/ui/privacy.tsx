import type { Context } from "hono";
import type { MessageKey } from "../../core/platform/i18n";
import { IDENTITY_METHODS, type PrivacyAction, type PrivacyRequestView } from "../../core/privacy/requests";
import type { AppEnv } from "../types";
import { fmtDate, Head, invalid, type PortalContext } from "./common";
import { type Form, messageFor } from "./forms";
import { tr } from "./layout";

/**
 * Privacy requests' page pieces, shared by the portal (`/privacy`, the tenant's requests) and the
 * operator console (`/ops/privacy`, users' own account requests): the table, a request's record with
 * the forms of its next steps, the posted action read back, the create form's kind and channel
 * fields, and the export download.
 */

const OPEN = ["received", "identity_check", "in_progress", "extended"];

function fmtSize(c: PortalContext, bytes: number | null) {
  const n = bytes ?? 0;
  const nf = new Intl.NumberFormat(c.get("locale") === "fr" ? "fr-FR" : "en-GB", {
    maximumFractionDigits: 1,
  });
  if (n < 1024) return `${nf.format(n)} B`;
  if (n < 1024 * 1024) return `${nf.format(n / 1024)} KB`;
  return `${nf.format(n / 1024 / 1024)} MB`;
}

const ms = (s: string | null | undefined) => (s ? Date.parse(s) : null);

export function Status({ c, r }: { c: PortalContext; r: PrivacyRequestView }) {
  const _ = tr(c);
  return (
    <>
      {_(`privacy.status.${r.status}`)}
      {r.overdue ? <strong> ({_("privacy.overdue")})</strong> : null}
    </>
  );
}

/** The table of requests (portal and operator console). */
export function RequestTable({
  c,
  rows,
  base,
}: {
  c: PortalContext;
  rows: PrivacyRequestView[];
  base: string;
}) {
  const _ = tr(c);
  return (
    <table>
      <Head
        cols={[
          _("privacy.col.received"),
          _("privacy.col.kind"),
          _("privacy.col.subject"),
          _("privacy.col.status"),
          _("privacy.col.due"),
        ]}
      />
      <tbody>
        {rows.map((r) => (
          <tr>
            <td>
              <a href={`${base}/${encodeURIComponent(r.id)}`}>{fmtDate(c, ms(r.receivedAt))}</a>
            </td>
            <td>{_(`privacy.kind.${r.kind}`)}</td>
            <td>
              {_(`privacy.subject.${r.subject.type}`)} <code>{r.subject.label}</code>
            </td>
            <td>
              <Status c={c} r={r} />
            </td>
            <td>{fmtDate(c, ms(r.dueAt))}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A request's record and the forms for its next steps (portal and operator console). */
export function RequestDetail({ c, r, base }: { c: PortalContext; r: PrivacyRequestView; base: string }) {
  const _ = tr(c);
  const open = OPEN.includes(r.status);
  const running = open && r.execution.jobId !== null;
  const action = `${base}/${encodeURIComponent(r.id)}/actions`;
  const liftable =
    r.status === "completed" &&
    !r.lifted &&
    ["restriction", "objection", "consent_withdrawal"].includes(r.kind) &&
    r.subject.type !== "user";
  return (
    <>
      <p>
        <a href={base}>← {_("privacy.detail.back")}</a>
      </p>
      <p class="muted">{_(`privacy.kind_help.${r.kind}`)}</p>
      <dl>
        <dt>{_("privacy.field.subject")}</dt>
        <dd>
          {_(`privacy.subject.${r.subject.type}`)} <code>{r.subject.label}</code>
        </dd>
        <dt>{_("privacy.field.status")}</dt>
        <dd>
          <Status c={c} r={r} />
        </dd>
        <dt>{_("privacy.field.channel")}</dt>
        <dd>{_(`privacy.channel.${r.channel}`)}</dd>
        <dt>{_("privacy.field.received")}</dt>
        <dd>{fmtDate(c, ms(r.receivedAt))}</dd>
        <dt>{_("privacy.field.due")}</dt>
        <dd>
          <strong>{fmtDate(c, ms(r.dueAt))}</strong>
        </dd>
        {r.extension ? (
          <>
            <dt>{_("privacy.field.extension")}</dt>
            <dd>
              {_("privacy.field.extension_value", { months: r.extension.months, reason: r.extension.reason })}
            </dd>
          </>
        ) : null}
        <dt>{_("privacy.field.identity")}</dt>
        <dd>
          {r.identity
            ? _("privacy.field.identity_value", {
                method: _(`privacy.method.${r.identity.method as (typeof IDENTITY_METHODS)[number]}`),
                date: fmtDate(c, ms(r.identity.verifiedAt)),
              })
            : _("privacy.field.identity_none")}
          {r.identity?.note ? <span class="muted"> — {r.identity.note}</span> : null}
        </dd>
        {r.note ? (
          <>
            <dt>{_("privacy.field.note")}</dt>
            <dd>{r.note}</dd>
          </>
        ) : null}
        {r.rejectionReason ? (
          <>
            <dt>{_("privacy.field.rejection")}</dt>
            <dd>{r.rejectionReason}</dd>
          </>
        ) : null}
        {r.execution.result ? (
          <>
            <dt>{_("privacy.field.result")}</dt>
            <dd>
              <code>{JSON.stringify(r.execution.result)}</code>
            </dd>
          </>
        ) : null}
        {r.lifted ? (
          <>
            <dt>{_("privacy.field.lifted")}</dt>
            <dd>{fmtDate(c, ms(r.lifted.at))}</dd>
          </>
        ) : null}
      </dl>
      {running ? <p role="status">{_("privacy.field.job")}</p> : null}
      {r.export?.downloadUrl ? (
        <p>
          <a href={r.export.downloadUrl} download>
            {_("privacy.download", { size: fmtSize(c, r.export.size) })}
          </a>
          <br />
          <span class="muted">
            {_("privacy.download_hint", { date: fmtDate(c, ms(r.export.expiresAt)) })}
          </span>
        </p>
      ) : null}

      {(open && !running) || liftable ? (
        <section aria-labelledby="next-h">
          <h2 id="next-h">{_("privacy.actions.title")}</h2>
          {r.status === "received" ? (
            <form method="post" action={action} class="stack">
              <input type="hidden" name="action" value="start_identity_check" />
              <button type="submit" class="secondary">
                {_("privacy.action.start_identity_check")}
              </button>
            </form>
          ) : null}
          {open && !running && !r.identity ? (
            <form method="post" action={action} class="stack">
              <input type="hidden" name="action" value="verify_identity" />
              <label>
                {_("privacy.action.method")}
                <select name="method" required>
                  {IDENTITY_METHODS.map((m) => (
                    <option value={m}>{_(`privacy.method.${m}`)}</option>
                  ))}
                </select>
              </label>
              <label>
                {_("privacy.action.note")}
                <input name="note" maxlength={1000} />
              </label>
              <button type="submit">{_("privacy.action.verify_identity")}</button>
            </form>
          ) : null}
          {open && !running && r.identity ? (
            <form method="post" action={action} class="stack">
              <input type="hidden" name="action" value="execute" />
              {r.kind === "rectification" && r.subject.type === "agent" ? (
                <>
                  <label>
                    {_("privacy.action.agent_name")}
                    <input name="agentName" maxlength={200} />
                  </label>
                  <label>
                    {_("privacy.action.agent_team")}
                    <input name="agentTeam" maxlength={100} />
                  </label>
                </>
              ) : null}
              {r.kind === "rectification" && r.subject.type === "caller" ? (
                <label>
                  {_("privacy.action.phone")}
                  <input name="phone" type="tel" maxlength={40} required />
                </label>
              ) : null}
              {r.kind === "rectification" && r.subject.type === "user" ? (
                <fieldset>
                  <legend>{_("privacy.ops.profile")}</legend>
                  {(["firstName", "lastName", "phone", "company", "jobTitle"] as const).map((f) => (
                    <label>
                      {_(`field.${f}`)}
                      <input name={`profile_${f}`} maxlength={200} />
                    </label>
                  ))}
                </fieldset>
              ) : null}
              <button type="submit" class={r.kind === "erasure" ? "danger" : ""}>
                {r.kind === "erasure"
                  ? _("privacy.action.execute_confirm_erasure")
                  : _("privacy.action.execute")}
              </button>
            </form>
          ) : null}
          {open && !running ? (
            <form method="post" action={action} class="stack">
              <input type="hidden" name="action" value="extend" />
              <label>
                {_("privacy.action.months")}
                <select name="months">
                  {[1, 2].map((m) => (
                    <option value={String(m)}>{_("privacy.action.months_value", { months: m })}</option>
                  ))}
                </select>
              </label>
              <label>
                {_("privacy.action.reason")}
                <input name="reason" required minlength={3} maxlength={1000} />
              </label>
              <button type="submit" class="secondary">
                {_("privacy.action.extend")}
              </button>
            </form>
          ) : null}
          {open && !running ? (
            <form method="post" action={action} class="stack">
              <input type="hidden" name="action" value="reject" />
              <label>
                {_("privacy.action.reason")}
                <input name="reason" required minlength={3} maxlength={1000} />
              </label>
              <button type="submit" class="danger">
                {_("privacy.action.reject")}
              </button>
            </form>
          ) : null}
          {liftable ? (
            <form method="post" action={action} class="stack">
              <input type="hidden" name="action" value="lift" />
              <label>
                {_("privacy.action.note")}
                <input name="reason" maxlength={1000} />
              </label>
              <button type="submit">{_("privacy.action.lift")}</button>
            </form>
          ) : null}
        </section>
      ) : null}
    </>
  );
}

export const opt = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);

/** A posted action form → the service's action object (validated there). */
export function actionFromForm(f: Form): PrivacyAction & { profile?: Record<string, string> } {
  switch (f.action) {
    case "start_identity_check":
      return { action: "start_identity_check", note: opt(f.note) };
    case "verify_identity":
      return { action: "verify_identity", method: f.method as never, note: opt(f.note) };
    case "extend":
      return { action: "extend", months: Number(f.months), reason: f.reason ?? "" };
    case "reject":
      return { action: "reject", reason: f.reason ?? "" };
    case "lift":
      return { action: "lift", reason: opt(f.reason) };
    case "execute": {
      const agent =
        opt(f.agentName) || opt(f.agentTeam) ? { name: opt(f.agentName), team: opt(f.agentTeam) } : null;
      const profile: Record<string, string> = {};
      for (const k of ["firstName", "lastName", "phone", "company", "jobTitle"]) {
        const v = opt(f[`profile_${k}`]);
        if (v) profile[k] = v;
      }
      const rect = agent ? { agent } : opt(f.phone) ? { phone: opt(f.phone) } : null;
      return {
        action: "execute",
        ...(rect ? { rectification: rect } : {}),
        ...(Object.keys(profile).length ? { profile } : {}),
      };
    }
    default:
      throw invalid("error.validation", "/action");
  }
}

/**
 * One of the create form's choices: `kind` (the portal's request kinds, or the console's account
 * ones) or `channel` (how the request reached us). Option labels are `privacy.{name}.{value}`.
 */
export function CreateChoice({
  c,
  name,
  options,
  value,
}: {
  c: PortalContext;
  name: "kind" | "channel";
  options: readonly string[];
  value?: string;
}) {
  const _ = tr(c);
  return (
    <label>
      {_(`privacy.create.${name}`)}
      <select name={name}>
        {options.map((o) => (
          <option value={o} selected={o === value}>
            {_(`privacy.${name}.${o}` as MessageKey)}
          </option>
        ))}
      </select>
    </label>
  );
}

/**
 * `GET …/:privacyRequestId/export`: the ZIP behind a signed link. An expired or forged link shows the
 * request's page (with a fresh link) and the reason; a request that is not there stays a 404.
 */
export async function exportDownload(
  c: Context<AppEnv>,
  download: () => Promise<{ body: ReadableStream; headers: Record<string, string> }>,
  detailPage: (state: { error: string }, status: number) => Promise<Response>,
) {
  try {
    const file = await download();
    return new Response(file.body, { status: 200, headers: file.headers });
  } catch (err) {
    const { message, status } = messageFor(c, err);
    if (status === 404) throw err;
    return detailPage({ error: message }, status);
  }
}
