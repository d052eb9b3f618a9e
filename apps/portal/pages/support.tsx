import type { Hono } from "hono";
import {
  addAttachment,
  addMessage,
  createTicket,
  getTicket,
  grantSupportAccess,
  listTickets,
  MAX_ATTACHMENT_BYTES,
  MAX_GRANT_HOURS,
  readAttachment,
  revokeSupportAccess,
  setTicketStatusByTenant,
  TICKET_PRIORITIES,
  type TicketDetail,
} from "../../../core/ops/support";
import { ApiError } from "../../../core/platform/errors";
import { roleAllows } from "../../../core/platform/rbac";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import { fmtDate, orErrorPage, type PortalContext, portalPage, TableOrNone, userCtx } from "../../ui/common";
import { readForm } from "../../ui/forms";
import { tr } from "../../ui/layout";
import { Lines } from "../../ui/text";

const OK = ["created", "sent", "granted", "revoked", "closed", "reopened"] as const;
const okNotice = (c: PortalContext) => {
  const k = c.req.query("ok");
  return k && (OK as readonly string[]).includes(k) ? tr(c)(`support.ok.${k as (typeof OK)[number]}`) : null;
};
const iso = (c: PortalContext, s: string | null) => (s ? fmtDate(c, Date.parse(s)) : "");

async function listPage(
  c: PortalContext,
  state: { error?: string | null; subject?: string; body?: string } = {},
  status = 200,
) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const list = await listTickets(ctx, { cursor: c.req.query("cursor") || undefined, limit: 50 });
  return portalPage(
    c,
    { title: _("support.title"), error: state.error, notice: okNotice(c) },
    <>
      <p class="muted">{_("support.intro")}</p>
      <TableOrNone
        none={_("support.none")}
        cols={[_("support.subject"), _("support.status"), _("support.waiting_on"), _("support.last_message")]}
        rows={list.data.map((t) => (
          <tr>
            <td>
              <a href={`/support/${t.id}`}>{t.subject}</a>
            </td>
            <td>{_(`support.status.${t.status}`)}</td>
            <td>{_(`support.waiting.${t.waitingOn}`)}</td>
            <td>{iso(c, t.lastMessageAt)}</td>
          </tr>
        ))}
      />
      {list.nextCursor ? (
        <p>
          <a href={`/support?cursor=${encodeURIComponent(list.nextCursor)}`}>{_("common.next_page")}</a>
        </p>
      ) : null}
      <h2>{_("support.new")}</h2>
      <form method="post" action="/support" class="stack">
        <label>
          {_("support.subject")}
          <input name="subject" required minlength={3} maxlength={200} value={state.subject ?? ""} />
        </label>
        <label>
          {_("support.priority")}
          <select name="priority">
            {TICKET_PRIORITIES.map((p) => (
              <option value={p} selected={p === "normal"}>
                {_(`support.priority.${p}`)}
              </option>
            ))}
          </select>
        </label>
        <label>
          {_("support.message")}
          <textarea name="body" rows={6} required maxlength={10000}>
            {state.body ?? ""}
          </textarea>
        </label>
        <button type="submit">{_("support.create")}</button>
      </form>
    </>,
    status,
  );
}

function GrantSection({ c, t, canGrant }: { c: PortalContext; t: TicketDetail; canGrant: boolean }) {
  const _ = tr(c);
  return (
    <section aria-labelledby="grants-h">
      <h2 id="grants-h">{_("support.grants.title")}</h2>
      <p class="muted">{_("support.grants.intro")}</p>
      <TableOrNone
        none={_("support.grants.none")}
        cols={[_("support.grants.scope"), _("support.grants.until"), _("support.grants.state"), ""]}
        rows={t.grants.map((g) => (
          <tr>
            <td>
              {g.scope === "all_calls" ? _("support.grants.all_calls") : g.callIds.join(", ")}
              {g.includeRecordings ? ` · ${_("support.grants.with_recordings")}` : ""}
            </td>
            <td>{iso(c, g.expiresAt)}</td>
            <td>
              {g.active
                ? _("support.grants.active")
                : g.revokedAt
                  ? _("support.grants.revoked")
                  : _("support.grants.expired")}
            </td>
            <td>
              {g.active && canGrant ? (
                <form method="post" action={`/support/${t.id}/grants/${g.id}/revoke`} class="inline">
                  <button type="submit" class="secondary">
                    {_("support.grants.revoke")}
                  </button>
                </form>
              ) : null}
            </td>
          </tr>
        ))}
      />
      {canGrant && t.status !== "closed" ? (
        <form method="post" action={`/support/${t.id}/grants`} class="stack">
          <label>
            {_("support.grants.hours", { max: MAX_GRANT_HOURS })}
            <input name="hours" type="number" min={1} max={MAX_GRANT_HOURS} value="24" required />
          </label>
          <label>
            {_("support.grants.call_ids")}
            <input name="callIds" maxlength={3000} />
          </label>
          <label>
            <span>
              <input type="checkbox" name="includeRecordings" /> {_("support.grants.with_recordings")}
            </span>
          </label>
          <button type="submit">{_("support.grants.submit")}</button>
        </form>
      ) : null}
      <h3>{_("support.access_log.title")}</h3>
      <TableOrNone
        none={_("support.access_log.none")}
        cols={[_("support.access_log.when"), _("support.access_log.who"), _("support.access_log.what")]}
        rows={t.accessLog.map((r) => (
          <tr>
            <td>{iso(c, r.at)}</td>
            <td>{r.operatorName}</td>
            <td>
              {_(`support.access_log.${r.what}`)} {r.callId ? <code>{r.callId}</code> : null}
            </td>
          </tr>
        ))}
      />
    </section>
  );
}

async function ticketPage(c: PortalContext, state: { error?: string | null } = {}, status = 200) {
  const _ = tr(c);
  const { ctx, actor } = userCtx(c);
  const t = await getTicket(ctx, c.req.param("ticketId") ?? "");
  const canGrant = roleAllows(actor.role, "support:grant");
  return portalPage(
    c,
    { title: t.subject, error: state.error, notice: okNotice(c) },
    <>
      <p>
        <a href="/support">{_("support.back")}</a> · {_(`support.status.${t.status}`)} ·{" "}
        {_(`support.priority.${t.priority}`)}
      </p>
      <ol class="stack" aria-label={_("support.messages")}>
        {t.messages.map((m) => (
          <li>
            <p class="muted">
              {m.authorType === "operator" ? _("support.from_support", { name: m.authorName }) : m.authorName}{" "}
              · {iso(c, m.createdAt)}
            </p>
            <p>
              <Lines text={m.body} />
            </p>
            {m.attachments.length ? (
              <ul>
                {m.attachments.map((a) => (
                  <li>
                    <a href={`/support/${t.id}/attachments/${a.id}`}>{a.fileName}</a>{" "}
                    <span class="muted">({Math.ceil(a.size / 1024)} KB)</span>
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
        ))}
      </ol>
      {t.status !== "closed" ? (
        <form method="post" action={`/support/${t.id}/messages`} class="stack" enctype="multipart/form-data">
          <label>
            {_("support.reply")}
            <textarea name="body" rows={5} required maxlength={10000} />
          </label>
          <label>
            {_("support.attachment", { mb: MAX_ATTACHMENT_BYTES / 1024 / 1024 })}
            <input type="file" name="file" />
          </label>
          <button type="submit">{_("support.send")}</button>
        </form>
      ) : null}
      <form method="post" action={`/support/${t.id}/status`} class="inline">
        <input type="hidden" name="status" value={t.status === "closed" ? "open" : "closed"} />
        <button type="submit" class="secondary">
          {t.status === "closed" ? _("support.reopen") : _("support.close")}
        </button>
      </form>
      <GrantSection c={c} t={t} canGrant={canGrant} />
    </>,
    status,
  );
}

/** Support pages (H1) and the support-access grants (H2). */
export function registerSupport(app: Hono<AppEnv>) {
  const use = access({ kind: "portal", perm: "support:use" });
  const grant = access({ kind: "portal", perm: "support:grant" });

  app.get("/support", use, (c) => listPage(c));
  app.post("/support", use, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        const { ticket } = await createTicket(userCtx(c).ctx, {
          subject: f.subject ?? "",
          body: f.body ?? "",
          priority: (TICKET_PRIORITIES as readonly string[]).includes(f.priority ?? "")
            ? (f.priority as "normal")
            : "normal",
        });
        return c.redirect(`/support/${ticket.id}?ok=created`, 303);
      },
      (error, status) => listPage(c, { error, subject: f.subject, body: f.body }, status),
    );
  });
  app.get("/support/:ticketId", use, (c) => ticketPage(c));
  app.post("/support/:ticketId/messages", use, async (c) => {
    const id = c.req.param("ticketId");
    const { ctx } = userCtx(c);
    return orErrorPage(
      c,
      async () => {
        const ct = c.req.header("content-type") ?? "";
        if (!ct.startsWith("multipart/form-data") && !ct.startsWith("application/x-www-form-urlencoded"))
          throw new ApiError("unsupported_media_type", "Forms only");
        const len = Number(c.req.header("content-length") ?? 0);
        if (len > MAX_ATTACHMENT_BYTES + 64 * 1024)
          throw new ApiError("payload_too_large", "attachment too large", {
            messageKey: "support.error.too_large",
            params: { mb: MAX_ATTACHMENT_BYTES / 1024 / 1024 },
          });
        const body = await c.req.parseBody();
        const msg = await addMessage(ctx, id, { body: typeof body.body === "string" ? body.body : "" });
        const file = body.file;
        if (file instanceof File && file.size > 0)
          await addAttachment(ctx, id, msg.id, {
            name: file.name,
            type: file.type,
            bytes: new Uint8Array(await file.arrayBuffer()),
          });
        return c.redirect(`/support/${id}?ok=sent`, 303);
      },
      (error, status, err) => {
        if (status === 404) throw err;
        return ticketPage(c, { error }, status);
      },
    );
  });
  app.post("/support/:ticketId/status", use, async (c) => {
    const id = c.req.param("ticketId");
    const f = await readForm(c);
    const status = f.status === "closed" ? "closed" : "open";
    await setTicketStatusByTenant(userCtx(c).ctx, id, status);
    return c.redirect(`/support/${id}?ok=${status === "closed" ? "closed" : "reopened"}`, 303);
  });
  app.get("/support/:ticketId/attachments/:attachmentId", use, async (c) => {
    const f = await readAttachment(userCtx(c).ctx, c.req.param("ticketId"), c.req.param("attachmentId"));
    return new Response(f.body, { headers: f.headers });
  });
  app.post("/support/:ticketId/grants", grant, async (c) => {
    const id = c.req.param("ticketId");
    const f = await readForm(c);
    const callIds = (f.callIds ?? "")
      .split(/[\s,;]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    return orErrorPage(
      c,
      async () => {
        await grantSupportAccess(userCtx(c).ctx, id, {
          hours: Number(f.hours),
          scope: callIds.length ? "listed_calls" : "all_calls",
          callIds,
          includeRecordings: f.includeRecordings === "on",
        });
        return c.redirect(`/support/${id}?ok=granted`, 303);
      },
      (error, status, err) => {
        if (status === 404) throw err;
        return ticketPage(c, { error }, status);
      },
    );
  });
  app.post("/support/:ticketId/grants/:grantId/revoke", grant, async (c) => {
    const id = c.req.param("ticketId");
    await revokeSupportAccess(userCtx(c).ctx, id, c.req.param("grantId"));
    return c.redirect(`/support/${id}?ok=revoked`, 303);
  });
}
