import type { Hono } from "hono";
import { createApiKey, listApiKeys, revokeApiKey } from "../../../core/identity/api-keys";
import { isCalendarDay } from "../../../core/platform/dates";
import { SCOPE_NAMES, type Scope } from "../../../core/platform/rbac";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import {
  doneUrl,
  fmtDate,
  invalid,
  orErrorPage,
  type PortalContext,
  portalPage,
  TableOrNone,
  userCtx,
} from "../../ui/common";
import { type Form, readForm } from "../../ui/forms";
import { tr } from "../../ui/layout";
import { showOnce, takeOnce } from "../once";

/** Checkbox names: one field per scope, because form readers keep a single value per name. */
const scopeField = (s: Scope) => `scope_${s}`;

interface KeysState {
  error?: string | null;
  values?: Form;
  created?: { key: string; name: string };
}

/** /api-keys (A6): list, create (the key shown once), revoke. */
async function keysPage(c: PortalContext, state: KeysState = {}, status = 200) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const keys = await listApiKeys(ctx);
  const v = state.values ?? {};
  const now = Date.now();
  return portalPage(
    c,
    { title: _("apikeys.title"), error: state.error },
    <>
      {state.created ? (
        <section aria-labelledby="newkey-h">
          <h2 id="newkey-h">{_("apikeys.new.title", { name: state.created.name })}</h2>
          <p class="error" role="alert">
            {_("apikeys.new.warning")}
          </p>
          <p>
            <strong>{_("apikeys.new.label")}</strong> <code class="secret">{state.created.key}</code>
          </p>
        </section>
      ) : null}
      <p>{_("apikeys.intro")}</p>

      <section aria-labelledby="keys-h">
        <h2 id="keys-h">{_("apikeys.list.title")}</h2>
        <TableOrNone
          none={_("apikeys.none")}
          cols={[
            _("apikeys.name"),
            _("apikeys.prefix"),
            _("apikeys.scopes"),
            _("apikeys.created"),
            _("apikeys.expires"),
            _("apikeys.last_used"),
            _("apikeys.status"),
            _("common.actions"),
          ]}
          rows={keys.map((k) => {
            const expired = k.expiresAt !== null && k.expiresAt <= now;
            const active = !k.revokedAt && !expired;
            return (
              <tr>
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{k.scopes.join(", ")}</td>
                <td>{fmtDate(c, k.createdAt)}</td>
                <td>{k.expiresAt ? fmtDate(c, k.expiresAt) : _("common.never")}</td>
                <td>
                  {k.lastUsedAt
                    ? _("apikeys.used_from", {
                        date: fmtDate(c, k.lastUsedAt),
                        ip: k.lastUsedIp ?? _("common.unknown"),
                      })
                    : _("apikeys.never_used")}
                </td>
                <td>
                  {k.revokedAt
                    ? _("apikeys.status.revoked", { date: fmtDate(c, k.revokedAt) })
                    : expired
                      ? _("apikeys.status.expired")
                      : _("apikeys.status.active")}
                </td>
                <td>
                  {active ? (
                    <form
                      method="post"
                      action={`/api-keys/${encodeURIComponent(k.id)}/revoke`}
                      class="inline"
                    >
                      <button
                        type="submit"
                        class="danger"
                        aria-label={_("apikeys.revoke_label", { name: k.name })}
                      >
                        {_("apikeys.revoke")}
                      </button>
                    </form>
                  ) : null}
                </td>
              </tr>
            );
          })}
        />
      </section>

      <section aria-labelledby="create-h">
        <h2 id="create-h">{_("apikeys.create.title")}</h2>
        <form method="post" action="/api-keys" class="stack">
          <label>
            {_("apikeys.name")}
            <input
              name="name"
              required
              maxlength={100}
              autocomplete="off"
              value={state.created ? "" : (v.name ?? "")}
            />
          </label>
          <fieldset>
            <legend>{_("apikeys.scopes")}</legend>
            {SCOPE_NAMES.map((s) => (
              <div>
                <input
                  type="checkbox"
                  id={scopeField(s)}
                  name={scopeField(s)}
                  value={s}
                  checked={!state.created && v[scopeField(s)] === s}
                />{" "}
                <label for={scopeField(s)} class="inline">
                  {_(`scope.${s}`)}
                </label>
              </div>
            ))}
          </fieldset>
          <label>
            {_("apikeys.create.expiry")}
            <input
              name="expiresAt"
              type="date"
              value={state.created ? "" : (v.expiresAt ?? "")}
              aria-describedby="expiry-hint"
            />
            <span id="expiry-hint" class="muted">
              {_("apikeys.create.expiry_hint")}
            </span>
          </label>
          <button type="submit">{_("apikeys.create.submit")}</button>
        </form>
      </section>
    </>,
    status,
  );
}

export function registerApiKeys(app: Hono<AppEnv>) {
  const manage = access({ kind: "portal", perm: "apikeys:manage" });

  // The key made by the post just before, shown once (apps/portal/once.ts).
  app.get("/api-keys", manage, async (c) =>
    keysPage(c, { created: (await takeOnce<KeysState["created"]>(c, "/api-keys")) ?? undefined }),
  );

  app.post("/api-keys", manage, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        if (!(f.name ?? "").trim()) throw invalid("error.field_required", "/name");
        const scopes = SCOPE_NAMES.filter((s) => f[scopeField(s)] === s);
        if (scopes.length === 0) throw invalid("error.scopes_required", "/scopes");
        let expiresAt: number | null = null;
        const day = (f.expiresAt ?? "").trim();
        if (day) {
          // End of the chosen day, UTC: the key works through the whole date shown.
          if (!isCalendarDay(day)) throw invalid("error.date_range", "/expiresAt");
          expiresAt = Date.parse(`${day}T23:59:59.999Z`);
          if (expiresAt <= Date.now()) throw invalid("error.expiry_invalid", "/expiresAt");
        }
        const created = await createApiKey(userCtx(c).ctx, { name: f.name ?? "", scopes, expiresAt });
        // Post → redirect → get: a reload makes no second key; the key rides to the page once (A6).
        await showOnce(c, "/api-keys", { key: created.key, name: created.name });
        return c.redirect("/api-keys", 303);
      },
      (error, status) => keysPage(c, { error, values: f }, status),
      { fields: tr(c)("apikeys.name") },
    );
  });

  app.post("/api-keys/:keyId/revoke", manage, async (c) => {
    return orErrorPage(
      c,
      async () => {
        await revokeApiKey(userCtx(c).ctx, c.req.param("keyId"));
        return c.redirect(doneUrl("/api-keys", "key_revoked"), 303);
      },
      (error, status) => keysPage(c, { error }, status),
    );
  });
}
