import type { Hono, MiddlewareHandler } from "hono";
import {
  type OperatorRef,
  operatorAttachment,
  operatorQueue,
  operatorReply,
  operatorSetStatus,
  operatorTicket,
  supportListCalls,
  supportReadCall,
  supportReadRecording,
  supportReadTranscript,
  TICKET_STATUSES,
} from "../../core/ops/support";
import { formatDateTime } from "../../core/platform/i18n";
import { clientIp } from "../middleware/request";
import type { AppEnv } from "../types";
import { Head, orErrorPage, TableOrNone } from "../ui/common";
import { readForm } from "../ui/forms";
import { Alerts, tr } from "../ui/layout";
import { Lines } from "../ui/text";
import { auditOperator, opsPage } from "./kit";

type OpsContext = Parameters<typeof opsPage>[0];

export function operatorRef(c: OpsContext): OperatorRef {
  const op = c.get("operator");
  return {
    id: op.id,
    name: op.name,
    email: op.email,
    sessionId: op.sessionId,
    ip: clientIp(c),
    userAgent: c.req.header("user-agent") ?? null,
  };
}

// Operators' pages are in UTC, the one clock shared by every tenant's zone.
const when = (c: OpsContext, s: string | null | undefined) =>
  s ? formatDateTime(c.get("locale") ?? "fr", Date.parse(s), "UTC") : "";

async function ticketPage(c: OpsContext, error: string | null = null, status = 200) {
  const _ = tr(c);
  const id = c.req.param("ticketId") ?? "";
  await auditOperator(c, "operator.view_support_ticket", { targetType: "support_ticket", targetId: id });
  const t = await operatorTicket(c.env, id);
  const active = t.grants.find((g) => g.active);
  return opsPage(
    c,
    t.subject,
    <>
      <Alerts error={error} />
      <p>
        <a href="/ops/support">{_("ops.support.back")}</a> · {t.tenant.name} (<code>{t.tenant.id}</code>) ·{" "}
        {_(`support.status.${t.status}`)} · {_(`support.priority.${t.priority}`)}
      </p>
      <p class="muted">{_("ops.support.no_content")}</p>
      <p role="status">
        {active ? (
          <>
            {_("ops.support.grant_active", { until: when(c, active.expiresAt) })}{" "}
            <a href={`/ops/support/${t.id}/calls`}>{_("ops.support.open_calls")}</a>
          </>
        ) : (
          _("ops.support.no_grant")
        )}
      </p>
      <ol class="stack" aria-label={_("support.messages")}>
        {t.messages.map((m) => (
          <li>
            <p class="muted">
              {m.authorName} · {when(c, m.createdAt)}
            </p>
            <p>
              <Lines text={m.body} />
            </p>
            {m.attachments.map((a) => (
              <p>
                <a href={`/ops/support/${t.id}/attachments/${a.id}`}>{a.fileName}</a>
              </p>
            ))}
          </li>
        ))}
      </ol>
      <form method="post" action={`/ops/support/${t.id}/reply`} class="stack">
        <label>
          {_("support.reply")}
          <textarea name="body" rows={5} required maxlength={10000} />
        </label>
        <label>
          {_("support.status")}
          <select name="status">
            {TICKET_STATUSES.map((s) => (
              <option value={s} selected={s === "waiting_on_customer"}>
                {_(`support.status.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{_("support.send")}</button>
      </form>
    </>,
    status,
  );
}

/** Operator side of support (H1, H2): the queue, tickets, and call content only under a grant. */
export function registerOpsSupport(app: Hono<AppEnv>, ops: MiddlewareHandler<AppEnv>) {
  app.get("/ops/support", ops, async (c) => {
    const _ = tr(c);
    await auditOperator(c, "operator.view_support_queue");
    const rows = await operatorQueue(c.env, { status: c.req.query("status") });
    return opsPage(
      c,
      _("ops.support.title"),
      <>
        <p class="muted">{_("ops.support.intro")}</p>
        <TableOrNone
          none={_("support.none")}
          cols={[
            _("support.subject"),
            _("ops.tenants.name"),
            _("support.status"),
            _("support.priority"),
            _("support.waiting_on"),
            _("support.last_message"),
          ]}
          rows={rows.map((t) => (
            <tr>
              <td>
                <a href={`/ops/support/${t.id}`}>{t.subject}</a>
              </td>
              <td>{t.tenantName}</td>
              <td>{_(`support.status.${t.status}`)}</td>
              <td>{_(`support.priority.${t.priority}`)}</td>
              <td>{_(`support.waiting.${t.waitingOn}`)}</td>
              <td>{when(c, t.lastMessageAt)}</td>
            </tr>
          ))}
        />
      </>,
    );
  });

  app.get("/ops/support/:ticketId", ops, (c) => ticketPage(c));

  app.post("/ops/support/:ticketId/reply", ops, async (c) => {
    const id = c.req.param("ticketId");
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        await operatorReply(c.env, operatorRef(c), id, { body: f.body ?? "", status: f.status });
        return c.redirect(`/ops/support/${id}`, 303);
      },
      (error, status, err) => {
        if (status === 404) throw err;
        return ticketPage(c, error, status);
      },
    );
  });

  app.post("/ops/support/:ticketId/status", ops, async (c) => {
    const id = c.req.param("ticketId");
    const f = await readForm(c);
    await operatorSetStatus(c.env, operatorRef(c), id, f.status ?? "");
    return c.redirect(`/ops/support/${id}`, 303);
  });

  app.get("/ops/support/:ticketId/attachments/:attachmentId", ops, async (c) => {
    const f = await operatorAttachment(
      c.env,
      operatorRef(c),
      c.req.param("ticketId"),
      c.req.param("attachmentId"),
    );
    return new Response(f.body, { headers: f.headers });
  });

  // ---- Call content, only under an active grant (404 otherwise) ----

  app.get("/ops/support/:ticketId/calls", ops, async (c) => {
    const _ = tr(c);
    const id = c.req.param("ticketId");
    const list = await supportListCalls(c.env, operatorRef(c), id, c.req.query("cursor") || undefined);
    return opsPage(
      c,
      _("ops.support.calls_title"),
      <>
        <p>
          <a href={`/ops/support/${id}`}>{_("ops.support.back_ticket")}</a>
        </p>
        <p role="status" class="notice">
          {_("ops.support.grant_active", { until: when(c, list.grant.expiresAt) })}{" "}
          {_("ops.support.reads_logged")}
        </p>
        <table>
          <Head
            cols={[
              "Id",
              _("ops.support.call_started"),
              _("ops.support.call_status"),
              _("ops.support.call_score"),
            ]}
          />
          <tbody>
            {list.data.map((call) => (
              <tr>
                <td>
                  <a href={`/ops/support/${id}/calls/${call.id}`}>
                    <code>{call.id}</code>
                  </a>
                </td>
                <td>{when(c, call.startedAt)}</td>
                <td>{call.status}</td>
                <td>{call.score ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </>,
    );
  });

  app.get("/ops/support/:ticketId/calls/:callId", ops, async (c) => {
    const _ = tr(c);
    const id = c.req.param("ticketId");
    const callId = c.req.param("callId");
    const op = operatorRef(c);
    const { call, analysis, grant } = await supportReadCall(c.env, op, id, callId);
    const transcript = call.transcript
      ? await supportReadTranscript(c.env, op, id, callId).catch(() => null)
      : null;
    return opsPage(
      c,
      _("ops.support.call_title", { id: call.id }),
      <>
        <p>
          <a href={`/ops/support/${id}/calls`}>{_("ops.support.back_calls")}</a>
        </p>
        <p role="status" class="notice">
          {_("ops.support.grant_active", { until: when(c, grant.expiresAt) })} {_("ops.support.reads_logged")}
        </p>
        <dl>
          <dt>{_("ops.support.call_status")}</dt>
          <dd>{call.status}</dd>
          <dt>{_("ops.support.call_score")}</dt>
          <dd>{call.score ?? "—"}</dd>
        </dl>
        {grant.includeRecordings && call.recording ? (
          // biome-ignore lint/a11y/useMediaCaption: the transcript below is the text alternative
          <audio controls preload="none" src={`/ops/support/${id}/calls/${call.id}/recording`} />
        ) : null}
        {analysis ? (
          <section>
            <h2>{_("ops.support.analysis")}</h2>
            <pre>{JSON.stringify({ score: analysis.score, summary: analysis.summary }, null, 2)}</pre>
          </section>
        ) : null}
        {transcript ? (
          <section>
            <h2>{_("ops.support.transcript")}</h2>
            <ol>
              {transcript.segments.map((s) => (
                <li>
                  <strong>{s.speaker}</strong> {s.text}
                </li>
              ))}
            </ol>
          </section>
        ) : null}
      </>,
    );
  });

  app.get("/ops/support/:ticketId/calls/:callId/recording", ops, (c) =>
    supportReadRecording(
      c.env,
      operatorRef(c),
      c.req.param("ticketId"),
      c.req.param("callId"),
      c.req.raw.headers,
    ),
  );
}
