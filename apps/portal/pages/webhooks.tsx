import type { Hono } from "hono";
import {
  checkWebhookUrl,
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  redeliver,
  rotateSecret,
  sendTestEvent,
  updateEndpoint,
  WEBHOOK_EVENTS,
  type WebhookEndpointView,
} from "../../../core/integrations/webhooks";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import {
  doneUrl,
  fmtDate,
  invalid,
  orErrorPage,
  Pager,
  type PortalContext,
  portalPage,
  TableOrNone,
  userCtx,
} from "../../ui/common";
import { type Form, readForm } from "../../ui/forms";
import { tr } from "../../ui/layout";
import { showOnce, takeOnce } from "../once";

/**
 * Outgoing webhooks in the portal (D6, E4): endpoints (list, create, edit, turn off, delete), the
 * signing secret shown once (at creation and after a rotation: post → redirect → get to the
 * endpoint's page, the secret carried by the one-time cookie of apps/portal/once.ts, so it is in
 * no URL and a reload neither shows it again nor makes another), a test event, and the delivery log
 * with "deliver again" for failed deliveries. Same services as `/api/v1/webhooks`.
 */

const eventField = (e: string) => `event_${e}`;

function eventsOf(f: Form): string[] {
  return WEBHOOK_EVENTS.filter((e) => f[eventField(e)] === "on");
}

/** URL and events checked here so the message is the user's language (the service checks again). */
function checkInput(c: PortalContext, f: Form) {
  const url = (f.url ?? "").trim();
  if (!url) throw invalid("error.field_required", "/url");
  if (!checkWebhookUrl(url, c.env.ENVIRONMENT).ok) throw invalid("portal.webhooks.error.url", "/url");
  const events = eventsOf(f);
  if (!events.length) throw invalid("portal.webhooks.error.events", "/events");
  const description = (f.description ?? "").trim() || null;
  return { url, events: events as (typeof WEBHOOK_EVENTS)[number][], description };
}

function Secret({ c, secret }: { c: PortalContext; secret: string }) {
  const _ = tr(c);
  return (
    <section aria-labelledby="secret-h">
      <h2 id="secret-h">{_("portal.webhooks.secret_title")}</h2>
      <p class="error" role="alert">
        {_("portal.webhooks.secret_once")}
      </p>
      <p>
        <code class="secret" data-secret="">
          {secret}
        </code>
      </p>
    </section>
  );
}

function EndpointFields({ c, v, prefix }: { c: PortalContext; v: Form; prefix: string }) {
  const _ = tr(c);
  return (
    <>
      <label for={`${prefix}-url`}>
        {_("portal.webhooks.url")}
        <input
          id={`${prefix}-url`}
          name="url"
          type="url"
          required
          maxlength={2048}
          value={v.url ?? ""}
          aria-describedby={`${prefix}-url-help`}
        />
        <span id={`${prefix}-url-help`} class="muted">
          {_("portal.webhooks.url_help")}
        </span>
      </label>
      <fieldset>
        <legend>{_("portal.webhooks.events")}</legend>
        {WEBHOOK_EVENTS.map((e) => (
          <div>
            <input
              type="checkbox"
              id={`${prefix}-${eventField(e)}`}
              name={eventField(e)}
              value="on"
              checked={v[eventField(e)] === "on"}
            />{" "}
            <label for={`${prefix}-${eventField(e)}`} class="inline">
              <code>{e}</code> — {_(`portal.webhooks.event.${e}`)}
            </label>
          </div>
        ))}
      </fieldset>
      <label for={`${prefix}-description`}>
        {_("portal.webhooks.description")}
        <input id={`${prefix}-description`} name="description" maxlength={500} value={v.description ?? ""} />
      </label>
    </>
  );
}

const formOf = (e: WebhookEndpointView): Form => ({
  url: e.url,
  description: e.description ?? "",
  ...(e.active ? { active: "on" } : {}),
  ...Object.fromEntries(e.events.map((x) => [eventField(x), "on"])),
});

async function listPage(
  c: PortalContext,
  state: { error?: string | null; values?: Form } = {},
  status = 200,
) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const endpoints = await listEndpoints(ctx);
  return portalPage(
    c,
    { title: _("portal.webhooks.title"), error: state.error },
    <>
      <p>{_("portal.webhooks.intro")}</p>
      <TableOrNone
        none={_("portal.webhooks.none")}
        cols={[
          _("portal.webhooks.url"),
          _("portal.webhooks.events"),
          _("portal.webhooks.status"),
          _("portal.webhooks.created"),
        ]}
        rows={endpoints.map((e) => (
          <tr>
            <td>
              <a href={`/webhooks/${encodeURIComponent(e.id)}`}>{e.url}</a>
              {e.description ? <span class="muted"> — {e.description}</span> : null}
            </td>
            <td>{e.events.join(", ")}</td>
            <td>{e.active ? _("portal.webhooks.active") : _("portal.webhooks.inactive")}</td>
            <td>{fmtDate(c, e.createdAt)}</td>
          </tr>
        ))}
      />
      <section aria-labelledby="new-hook-h">
        <h2 id="new-hook-h">{_("portal.webhooks.create")}</h2>
        <form method="post" action="/webhooks" class="stack">
          <EndpointFields c={c} v={state.values ?? {}} prefix="new" />
          <button type="submit">{_("portal.webhooks.create_submit")}</button>
        </form>
      </section>
    </>,
    status,
  );
}

async function endpointPage(
  c: PortalContext,
  id: string,
  state: { error?: string | null; values?: Form; secret?: string } = {},
  status = 200,
) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const e = await getEndpoint(ctx, id);
  const cursor = c.req.query("cursor") || undefined;
  const log = await listDeliveries(ctx, { endpointId: e.id, limit: 25, cursor }).catch(() =>
    listDeliveries(ctx, { endpointId: e.id, limit: 25 }),
  );
  const v = state.values ?? formOf(e);
  const base = `/webhooks/${encodeURIComponent(e.id)}`;
  return portalPage(
    c,
    { title: _("portal.webhooks.endpoint_title", { host: new URL(e.url).host }), error: state.error },
    <>
      {state.secret ? <Secret c={c} secret={state.secret} /> : null}
      <p>
        <a href="/webhooks">{_("portal.webhooks.back")}</a>
      </p>
      <section aria-labelledby="edit-hook-h">
        <h2 id="edit-hook-h">{_("portal.webhooks.edit")}</h2>
        <form method="post" action={base} class="stack">
          <EndpointFields c={c} v={v} prefix="edit" />
          <p>
            <input type="checkbox" id="active" name="active" value="on" checked={v.active === "on"} />{" "}
            <label for="active" class="inline">
              {_("portal.webhooks.active_label")}
            </label>
          </p>
          <button type="submit">{_("portal.webhooks.save")}</button>
        </form>
      </section>
      <section aria-labelledby="actions-h">
        <h2 id="actions-h">{_("portal.webhooks.actions")}</h2>
        <form method="post" action={`${base}/test`} class="inline">
          <button type="submit" disabled={!e.active}>
            {_("portal.webhooks.test")}
          </button>
        </form>{" "}
        <form method="post" action={`${base}/rotate`} class="inline">
          <button type="submit" class="secondary">
            {_("portal.webhooks.rotate")}
          </button>
        </form>
        <p class="muted">{_("portal.webhooks.rotate_help")}</p>
      </section>
      <section aria-labelledby="log-h">
        <h2 id="log-h">{_("portal.webhooks.log")}</h2>
        <TableOrNone
          none={_("portal.webhooks.log_none")}
          cols={[
            _("portal.webhooks.log.when"),
            _("portal.webhooks.log.event"),
            _("portal.webhooks.status"),
            _("portal.webhooks.log.attempts"),
            _("portal.webhooks.log.answer"),
            _("common.actions"),
          ]}
          rows={log.data.map((d) => (
            <tr data-delivery={d.id}>
              <td>{fmtDate(c, d.createdAt)}</td>
              <td>
                <code>{d.eventType}</code>
              </td>
              <td>{_(`portal.webhooks.delivery.${d.status}`)}</td>
              <td class="num">{d.attempts}</td>
              <td>
                {d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : ""}
                {d.lastError ? <span class="muted"> {d.lastError.slice(0, 120)}</span> : null}
              </td>
              <td>
                {d.status !== "succeeded" ? (
                  <form
                    method="post"
                    action={`${base}/deliveries/${encodeURIComponent(d.id)}/redeliver`}
                    class="inline"
                  >
                    <button type="submit" class="secondary">
                      {_("portal.webhooks.redeliver")}
                    </button>
                  </form>
                ) : null}
              </td>
            </tr>
          ))}
        />
        <Pager
          c={c}
          newest={cursor ? base : null}
          next={log.nextCursor ? `${base}?cursor=${encodeURIComponent(log.nextCursor)}` : null}
        />
      </section>
      <details class="danger-zone">
        <summary>{_("portal.webhooks.delete")}</summary>
        <p>{_("portal.webhooks.delete_help")}</p>
        <form method="post" action={`${base}/delete`}>
          <button type="submit" class="danger">
            {_("portal.webhooks.delete_submit")}
          </button>
        </form>
      </details>
    </>,
    status,
  );
}

export function registerWebhookPages(app: Hono<AppEnv>) {
  const manage = access({ kind: "portal", perm: "settings:manage" });

  app.get("/webhooks", manage, (c) => listPage(c));

  app.post("/webhooks", manage, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        const created = await createEndpoint(userCtx(c).ctx, checkInput(c, f));
        const page = `/webhooks/${encodeURIComponent(created.id)}`;
        await showOnce(c, page, created.secret);
        return c.redirect(page, 303);
      },
      (error, status) => listPage(c, { error, values: f }, status),
    );
  });

  app.get("/webhooks/:webhookId", manage, async (c) => {
    const id = c.req.param("webhookId");
    const secret = await takeOnce<string>(c, `/webhooks/${encodeURIComponent(id)}`);
    return endpointPage(c, id, { secret: secret ?? undefined });
  });

  app.post("/webhooks/:webhookId", manage, async (c) => {
    const id = c.req.param("webhookId");
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        const { ctx } = userCtx(c);
        await getEndpoint(ctx, id);
        await updateEndpoint(ctx, id, { ...checkInput(c, f), active: f.active === "on" });
        return c.redirect(doneUrl(`/webhooks/${encodeURIComponent(id)}`, "webhook_saved"), 303);
      },
      (error, status) => endpointPage(c, id, { error, values: f }, status),
    );
  });

  app.post("/webhooks/:webhookId/rotate", manage, async (c) => {
    const id = c.req.param("webhookId");
    return orErrorPage(
      c,
      async () => {
        const r = await rotateSecret(userCtx(c).ctx, id);
        const page = `/webhooks/${encodeURIComponent(id)}`;
        await showOnce(c, page, r.secret);
        return c.redirect(page, 303);
      },
      (error, status) => endpointPage(c, id, { error }, status),
    );
  });

  app.post("/webhooks/:webhookId/test", manage, async (c) => {
    const id = c.req.param("webhookId");
    return orErrorPage(
      c,
      async () => {
        await sendTestEvent(userCtx(c).ctx, id);
        return c.redirect(doneUrl(`/webhooks/${encodeURIComponent(id)}`, "webhook_test"), 303);
      },
      (error, status) => endpointPage(c, id, { error }, status),
    );
  });

  app.post("/webhooks/:webhookId/delete", manage, async (c) => {
    const id = c.req.param("webhookId");
    return orErrorPage(
      c,
      async () => {
        await deleteEndpoint(userCtx(c).ctx, id);
        return c.redirect(doneUrl("/webhooks", "webhook_deleted"), 303);
      },
      (error, status) => endpointPage(c, id, { error }, status),
    );
  });

  app.post("/webhooks/:webhookId/deliveries/:deliveryId/redeliver", manage, async (c) => {
    const id = c.req.param("webhookId");
    return orErrorPage(
      c,
      async () => {
        const { ctx } = userCtx(c);
        await getEndpoint(ctx, id); // another tenant's endpoint: 404
        // The tenant's delivery is re-queued (redeliver checks the tenant); the page shown is its endpoint's.
        const d = await redeliver(ctx, c.req.param("deliveryId"));
        return c.redirect(
          doneUrl(`/webhooks/${encodeURIComponent(d.endpointId)}`, "webhook_redelivered"),
          303,
        );
      },
      (error, status) => endpointPage(c, id, { error }, status),
    );
  });
}
