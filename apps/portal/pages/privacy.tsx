import type { Hono } from "hono";
import { listAgents } from "../../../core/agents/service";
import type { MessageKey } from "../../../core/platform/i18n";
import {
  actOnPrivacyRequest,
  createPrivacyRequest,
  downloadExport,
  getPrivacyRequest,
  listPrivacyRequests,
  PRIVACY_CHANNELS,
  PRIVACY_KINDS,
  type PrivacyKind,
} from "../../../core/privacy/requests";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import { invalid, orErrorPage, type PortalContext, portalPage, userCtx } from "../../ui/common";
import { type Form, readForm } from "../../ui/forms";
import { tr } from "../../ui/layout";
import {
  actionFromForm,
  CreateChoice,
  exportDownload,
  opt,
  RequestDetail,
  RequestTable,
} from "../../ui/privacy";

const BASE = "/privacy";

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
          <CreateChoice c={c} name="kind" options={PRIVACY_KINDS} value={kind} />
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
          <CreateChoice c={c} name="channel" options={PRIVACY_CHANNELS} value={v.channel ?? "email"} />
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
    return orErrorPage(
      c,
      async () => {
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
      },
      (error, status) => listPage(c, { error, values: f }, status),
    );
  });

  app.get(`${BASE}/:privacyRequestId`, manage, (c) => detailPage(c, c.req.param("privacyRequestId")));

  app.post(`${BASE}/:privacyRequestId/actions`, manage, async (c) => {
    const id = c.req.param("privacyRequestId");
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        const r = await actOnPrivacyRequest(userCtx(c).ctx, id, actionFromForm(f));
        const ok = r.execution.jobId && r.status !== "completed" ? "executing" : "updated";
        return c.redirect(`${BASE}/${encodeURIComponent(id)}?ok=${ok}`, 303);
      },
      (error, status) => detailPage(c, id, { error }, status),
    );
  });

  app.get(`${BASE}/:privacyRequestId/export`, manage, (c) => {
    const id = c.req.param("privacyRequestId");
    return exportDownload(
      c,
      () => downloadExport(userCtx(c).ctx, id, c.req.query("expires"), c.req.query("signature")),
      (state, status) => detailPage(c, id, state, status),
    );
  });
}
