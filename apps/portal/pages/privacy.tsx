import type { Hono } from "hono";
import { listAgents } from "../../../core/agents/service";
import type { MessageKey } from "../../../core/platform/i18n";
import {
  actOnPrivacyRequest,
  createPrivacyRequest,
  downloadExport,
  getPrivacyRequest,
  IDENTITY_METHODS,
  listPrivacyRequests,
  PRIVACY_CHANNELS,
  PRIVACY_KINDS,
  type PrivacyAction,
  type PrivacyKind,
  type PrivacyRequestView,
} from "../../../core/privacy/requests";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import { fmtDate, formError, Head, invalid, type PortalContext, portalPage, userCtx } from "../../ui/common";
import { type Form, readForm } from "../../ui/forms";
import { tr } from "../../ui/layout";

const BASE = "/privacy";
const OPEN = ["received", "identity_check", "in_progress", "extended"];

/** Notices after POST → 303 → GET `?ok=<key>`: only these keys are honoured. */
const OK = {
  created: "privacy.done.created",
  updated: "privacy.done.updated",
  executing: "privacy.done.executing",
} as const satisfies Record<string, MessageKey>;
const okNotice = (c: PortalContext) => {
  const k = c.req.query("ok");
  return k && Object.hasOwn(OK, k) ? tr(c)(OK[k as keyof typeof OK]) : null;
};

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

const opt = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);

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

interface ListState {
  error?: string | null;
  values?: Form;
}

/** /privacy (F3): the tenant's privacy requests, and the form to record one. */
async function listPage(c: PortalContext, state: ListState = {}, status = 200) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const openOnly = c.req.query("open") === "1";
  const cursor = c.req.query("cursor") || undefined;
  const [list, agents] = await Promise.all([
    listPrivacyRequests(ctx, { limit: 50, cursor, open: openOnly ? "true" : undefined }, Date.now(), BASE),
    listAgents(ctx, { limit: 200 }),
  ]);
  const v = state.values ?? {};
  const kind = (v.kind ?? "access") as PrivacyKind;
  return portalPage(
    c,
    { title: _("privacy.title"), error: state.error, notice: okNotice(c) },
    <>
      <p>{_("privacy.intro")}</p>
      <p class="muted">{_("privacy.roles_note")}</p>
      <section aria-labelledby="list-h">
        <h2 id="list-h">{_("privacy.list.title")}</h2>
        <p>
          {openOnly ? (
            <a href={BASE}>{_("privacy.list.all")}</a>
          ) : (
            <a href={`${BASE}?open=1`}>{_("privacy.list.open_only")}</a>
          )}
        </p>
        {list.data.length === 0 ? (
          <p class="muted">{_("privacy.none")}</p>
        ) : (
          <RequestTable c={c} rows={list.data} base={BASE} />
        )}
        {list.nextCursor ? (
          <p>
            <a href={`${BASE}?${openOnly ? "open=1&" : ""}cursor=${encodeURIComponent(list.nextCursor)}`}>
              {_("common.next_page")}
            </a>
          </p>
        ) : null}
      </section>

      <section aria-labelledby="create-h">
        <h2 id="create-h">{_("privacy.create.title")}</h2>
        <form method="post" action={BASE} class="stack">
          <label>
            {_("privacy.create.kind")}
            <select name="kind">
              {PRIVACY_KINDS.map((k) => (
                <option value={k} selected={k === kind}>
                  {_(`privacy.kind.${k}`)}
                </option>
              ))}
            </select>
          </label>
          <fieldset>
            <legend>{_("privacy.create.subject_type")}</legend>
            {(["caller", "agent"] as const).map((s) => (
              <div>
                <input
                  type="radio"
                  id={`subject-${s}`}
                  name="subjectType"
                  value={s}
                  checked={(v.subjectType ?? "caller") === s}
                />{" "}
                <label for={`subject-${s}`} class="inline">
                  {_(`privacy.subject.${s}`)}
                </label>
              </div>
            ))}
          </fieldset>
          <label>
            {_("privacy.create.phone")}
            <input
              name="phone"
              type="tel"
              maxlength={40}
              value={v.phone ?? ""}
              aria-describedby="phone-hint"
            />
            <span id="phone-hint" class="muted">
              {_("privacy.create.phone_hint")}
            </span>
          </label>
          <label>
            {_("privacy.create.agent")}
            <select name="agentId">
              <option value="">—</option>
              {agents.data.map((a) => (
                <option value={a.id} selected={v.agentId === a.id}>
                  {a.name}
                  {a.team ? ` (${a.team})` : ""}
                </option>
              ))}
            </select>
          </label>
          <label>
            {_("privacy.create.channel")}
            <select name="channel">
              {PRIVACY_CHANNELS.map((ch) => (
                <option value={ch} selected={(v.channel ?? "email") === ch}>
                  {_(`privacy.channel.${ch}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {_("privacy.create.received_at")}
            <input
              name="receivedAt"
              type="date"
              value={v.receivedAt ?? ""}
              aria-describedby="received-hint"
            />
            <span id="received-hint" class="muted">
              {_("privacy.create.received_at_hint")}
            </span>
          </label>
          <label>
            {_("privacy.create.note")}
            <textarea name="note" maxlength={2000}>
              {v.note ?? ""}
            </textarea>
          </label>
          <button type="submit">{_("privacy.create.submit")}</button>
        </form>
      </section>
    </>,
    status,
  );
}

async function detailPage(c: PortalContext, id: string, state: { error?: string | null } = {}, status = 200) {
  const _ = tr(c);
  const r = await getPrivacyRequest(userCtx(c).ctx, id, Date.now(), BASE);
  return portalPage(
    c,
    {
      title: _("privacy.detail.title", { kind: _(`privacy.kind.${r.kind}`) }),
      error: state.error,
      notice: okNotice(c),
    },
    <RequestDetail c={c} r={r} base={BASE} />,
    status,
  );
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export function registerPrivacy(app: Hono<AppEnv>) {
  const manage = access({ kind: "portal", perm: "privacy:manage" });

  app.get(BASE, manage, (c) => listPage(c));

  app.post(BASE, manage, async (c) => {
    const f = await readForm(c);
    try {
      const subject =
        f.subjectType === "agent"
          ? { type: "agent" as const, agentId: f.agentId ?? "" }
          : { type: "caller" as const, phone: f.phone ?? "" };
      if (subject.type === "agent" && !subject.agentId)
        throw invalid("privacy.error.agent", "/subject/agentId");
      if (subject.type === "caller" && !(f.phone ?? "").trim())
        throw invalid("privacy.error.phone", "/subject/phone");
      const day = (f.receivedAt ?? "").trim();
      let receivedAt: number | undefined;
      if (day) {
        // Noon UTC of the chosen day: the same calendar day in every European time zone.
        receivedAt = DAY_RE.test(day) ? Date.parse(`${day}T12:00:00Z`) : Number.NaN;
        if (!Number.isFinite(receivedAt)) throw invalid("privacy.error.received_at", "/receivedAt");
        receivedAt = Math.min(receivedAt, Date.now());
      }
      const r = await createPrivacyRequest(userCtx(c).ctx, {
        kind: f.kind as PrivacyKind,
        subject,
        channel: (f.channel || undefined) as never,
        receivedAt,
        note: opt(f.note),
      });
      return c.redirect(`${BASE}/${encodeURIComponent(r.id)}?ok=created`, 303);
    } catch (err) {
      const { message, status } = formError(c, err);
      return listPage(c, { error: message, values: f }, status);
    }
  });

  app.get(`${BASE}/:privacyRequestId`, manage, (c) => detailPage(c, c.req.param("privacyRequestId")));

  app.post(`${BASE}/:privacyRequestId/actions`, manage, async (c) => {
    const id = c.req.param("privacyRequestId");
    const f = await readForm(c);
    try {
      const r = await actOnPrivacyRequest(userCtx(c).ctx, id, actionFromForm(f));
      const ok = r.execution.jobId && r.status !== "completed" ? "executing" : "updated";
      return c.redirect(`${BASE}/${encodeURIComponent(id)}?ok=${ok}`, 303);
    } catch (err) {
      const { message, status } = formError(c, err);
      return detailPage(c, id, { error: message }, status);
    }
  });

  app.get(`${BASE}/:privacyRequestId/export`, manage, async (c) => {
    const id = c.req.param("privacyRequestId");
    try {
      const file = await downloadExport(userCtx(c).ctx, id, c.req.query("expires"), c.req.query("signature"));
      return new Response(file.body, { status: 200, headers: file.headers });
    } catch (err) {
      // Expired or forged link: the request's page, with a fresh link and the reason.
      const { message, status } = formError(c, err);
      if (status === 404) throw err;
      return detailPage(c, id, { error: message }, status);
    }
  });
}
