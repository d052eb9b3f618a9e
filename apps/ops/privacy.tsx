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
import type { AppEnv } from "../types";
import { orErrorPage } from "../ui/common";
import { readForm } from "../ui/forms";
import { Alerts, tr } from "../ui/layout";
import { actionFromForm, CreateChoice, exportDownload, RequestDetail, RequestTable } from "../ui/privacy";
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
      <Alerts error={state.error} notice={notice} />
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
        <CreateChoice c={c} name="kind" options={ACCOUNT_KINDS} />
        <CreateChoice c={c} name="channel" options={PRIVACY_CHANNELS} />
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
      <Alerts error={state.error} notice={notice} />
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
    return orErrorPage(
      c,
      async () => {
        const r = await createAccountRequest(c.env, operatorOf(c), {
          email: f.email ?? "",
          kind: f.kind as never,
          channel: (f.channel || undefined) as never,
          note: f.note?.trim() || undefined,
        });
        return c.redirect(`${OPS_BASE}/${encodeURIComponent(r.id)}?ok=1`, 303);
      },
      (error, status) => listPage(c, { error, email: f.email }, status),
    );
  });

  app.get(`${OPS_BASE}/:privacyRequestId`, ops, (c) => detailPage(c, c.req.param("privacyRequestId")));

  app.post(`${OPS_BASE}/:privacyRequestId/actions`, ops, async (c) => {
    const id = c.req.param("privacyRequestId");
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        await actOnAccountRequest(c.env, operatorOf(c), id, actionFromForm(f));
        return c.redirect(`${OPS_BASE}/${encodeURIComponent(id)}?ok=1`, 303);
      },
      (error, status, err) => {
        if (status === 404) throw err;
        return detailPage(c, id, { error }, status);
      },
    );
  });

  app.get(`${OPS_BASE}/:privacyRequestId/export`, ops, (c) => {
    const id = c.req.param("privacyRequestId");
    return exportDownload(
      c,
      () => downloadAccountExport(c.env, operatorOf(c), id, c.req.query("expires"), c.req.query("signature")),
      (state, status) => detailPage(c, id, state, status),
    );
  });
}
