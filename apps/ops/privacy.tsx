import type { Hono, MiddlewareHandler } from "hono";
import {
  ACCOUNT_KINDS,
  actOnAccountRequest,
  createAccountRequest,
  downloadAccountExport,
  findAccountRequest,
  listAccountRequests,
  OPS_BASE,
  type OperatorRef,
} from "../../core/privacy/accounts";
import { PRIVACY_CHANNELS, requestView } from "../../core/privacy/requests";
import { clientIp } from "../middleware/request";
import { actionFromForm, RequestDetail, RequestTable } from "../portal/pages/privacy";
import type { AppEnv } from "../types";
import { messageFor, readForm } from "../ui/forms";
import { tr } from "../ui/layout";
import { auditOperator, opsPage } from "./kit";

type OpsContext = Parameters<typeof opsPage>[0];

function operatorOf(c: OpsContext): OperatorRef {
  const op = c.get("operator");
  return {
    id: op.id,
    email: op.email,
    sessionId: op.sessionId,
    ip: clientIp(c),
    userAgent: c.req.header("user-agent") ?? null,
  };
}

const okNotice = (c: OpsContext) => (c.req.query("ok") ? tr(c)("privacy.done.updated") : null);

async function listPage(c: OpsContext, state: { error?: string | null; email?: string } = {}, status = 200) {
  const _ = tr(c);
  await auditOperator(c, "operator.view_privacy_requests");
  const list = await listAccountRequests(c.env, { cursor: c.req.query("cursor") || undefined });
  const notice = okNotice(c);
  return opsPage(
    c,
    _("privacy.ops.title"),
    <>
      {state.error ? (
        <p class="error" role="alert">
          {state.error}
        </p>
      ) : null}
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <p class="muted">{_("privacy.ops.intro")}</p>
      {list.data.length ? (
        <RequestTable c={c} rows={list.data} base={OPS_BASE} />
      ) : (
        <p class="muted">{_("privacy.none")}</p>
      )}
      {list.nextCursor ? (
        <p>
          <a href={`${OPS_BASE}?cursor=${encodeURIComponent(list.nextCursor)}`}>{_("common.next_page")}</a>
        </p>
      ) : null}
      <h2>{_("privacy.create.title")}</h2>
      <form method="post" action={OPS_BASE} class="stack">
        <label>
          {_("privacy.ops.email")}
          <input name="email" type="email" required value={state.email ?? ""} />
        </label>
        <label>
          {_("privacy.create.kind")}
          <select name="kind">
            {ACCOUNT_KINDS.map((k) => (
              <option value={k}>{_(`privacy.kind.${k}`)}</option>
            ))}
          </select>
        </label>
        <label>
          {_("privacy.create.channel")}
          <select name="channel">
            {PRIVACY_CHANNELS.map((ch) => (
              <option value={ch}>{_(`privacy.channel.${ch}`)}</option>
            ))}
          </select>
        </label>
        <label>
          {_("privacy.create.note")}
          <input name="note" maxlength={2000} />
        </label>
        <button type="submit">{_("privacy.create.submit")}</button>
      </form>
    </>,
    status,
  );
}

async function detailPage(c: OpsContext, id: string, state: { error?: string | null } = {}, status = 200) {
  const _ = tr(c);
  const r = await requestView(c.env, await findAccountRequest(c.env, id), Date.now(), OPS_BASE);
  await auditOperator(c, "operator.view_privacy_request", { targetType: "privacy_request", targetId: id });
  const notice = okNotice(c);
  return opsPage(
    c,
    _("privacy.detail.title", { kind: _(`privacy.kind.${r.kind}`) }),
    <>
      {state.error ? (
        <p class="error" role="alert">
          {state.error}
        </p>
      ) : null}
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
      <RequestDetail c={c} r={r} base={OPS_BASE} />
    </>,
    status,
  );
}

/**
 * Users' own account requests (F3: CCR controller for account data), handled by operators:
 * list, record, identity check, extension, execution (account ZIP, profile fix, deletion), rejection.
 */
export function registerOpsPrivacy(app: Hono<AppEnv>, ops: MiddlewareHandler<AppEnv>) {
  app.get(OPS_BASE, ops, (c) => listPage(c));

  app.post(OPS_BASE, ops, async (c) => {
    const f = await readForm(c);
    try {
      const r = await createAccountRequest(c.env, operatorOf(c), {
        email: f.email ?? "",
        kind: f.kind as never,
        channel: (f.channel || undefined) as never,
        note: f.note?.trim() || undefined,
      });
      return c.redirect(`${OPS_BASE}/${encodeURIComponent(r.id)}?ok=1`, 303);
    } catch (err) {
      const { message, status } = messageFor(c, err);
      return listPage(c, { error: message, email: f.email }, status);
    }
  });

  app.get(`${OPS_BASE}/:privacyRequestId`, ops, (c) => detailPage(c, c.req.param("privacyRequestId")));

  app.post(`${OPS_BASE}/:privacyRequestId/actions`, ops, async (c) => {
    const id = c.req.param("privacyRequestId");
    const f = await readForm(c);
    try {
      await actOnAccountRequest(c.env, operatorOf(c), id, actionFromForm(f));
      return c.redirect(`${OPS_BASE}/${encodeURIComponent(id)}?ok=1`, 303);
    } catch (err) {
      const { message, status } = messageFor(c, err);
      if (status === 404) throw err;
      return detailPage(c, id, { error: message }, status);
    }
  });

  app.get(`${OPS_BASE}/:privacyRequestId/export`, ops, async (c) => {
    const id = c.req.param("privacyRequestId");
    try {
      const file = await downloadAccountExport(
        c.env,
        operatorOf(c),
        id,
        c.req.query("expires"),
        c.req.query("signature"),
      );
      return new Response(file.body, { status: 200, headers: file.headers });
    } catch (err) {
      const { message, status } = messageFor(c, err);
      if (status === 404) throw err;
      return detailPage(c, id, { error: message }, status);
    }
  });
}
