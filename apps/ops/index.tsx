import type { Context, Hono } from "hono";
import { getCookie } from "hono/cookie";
import type { Child } from "hono/jsx";
import { appendAudit, exportAudit, PLATFORM_CHAIN, verifyAuditChain } from "../../core/audit";
import {
  clearSessionCookie,
  invalidateSession,
  SESSION_COOKIE,
  sessionCookie,
  validateSessionToken,
} from "../../core/auth/session";
import { logConnection } from "../../core/connlog";
import type { PlatformCtx } from "../../core/context";
import { formatDateTime } from "../../core/i18n";
import { listTenantsForOperator, operatorLogin } from "../../core/operators";
import { access } from "../middleware/access";
import { clientIp } from "../middleware/request";
import { messageFor, readForm, safeNext } from "../portal/forms";
import { page, tr } from "../portal/layout";
import { AuditTable, Pager, VerifyLine } from "../portal/pages/audit";
import { Head } from "../portal/pages/common";
import type { AppEnv } from "../types";

type OpsContext = Context<AppEnv>;
const PAGE_SIZE = 50;

function pctx(c: OpsContext): PlatformCtx {
  return {
    env: c.env,
    requestId: c.get("requestId"),
    ip: clientIp(c),
    userAgent: c.req.header("user-agent") ?? null,
  };
}

/** Only console paths are followed after sign-in. */
const opsNext = (next: string | undefined) => {
  const n = safeNext(next, "/ops");
  return n === "/ops" || n.startsWith("/ops/") || n.startsWith("/ops?") ? n : "/ops";
};

/**
 * Every operator page view and action goes to the platform audit chain (A9), with the operator
 * as actor. Nothing about call content is ever written here.
 */
async function auditOperator(
  c: OpsContext,
  action: string,
  opts: { targetType?: string; targetId?: string } = {},
) {
  const op = c.get("operator");
  await appendAudit(c.env, {
    tenantId: null,
    actor: { type: "operator", id: op.id, sessionId: op.sessionId, email: op.email },
    action,
    targetType: opts.targetType,
    targetId: opts.targetId,
    ip: clientIp(c),
    userAgent: c.req.header("user-agent") ?? null,
    meta: { requestId: c.get("requestId") },
  });
}

/** The console's own header: its links and its own sign-out (the portal's posts to /logout). */
function opsPage(c: OpsContext, title: string, body: Child, status = 200) {
  const _ = tr(c);
  const op = c.get("operator");
  return page(
    c,
    { title },
    <>
      <nav aria-label={_("ops.nav.label")}>
        <a href="/ops">{_("ops.nav.tenants")}</a> · <a href="/ops/audit">{_("ops.nav.audit")}</a> ·{" "}
        <span class="muted">{_("ops.nav.signed_in", { name: op.name || op.email })}</span>{" "}
        <form method="post" action="/ops/logout" class="inline">
          <button type="submit" class="secondary">
            {_("ops.logout")}
          </button>
        </form>
      </nav>
      {body}
    </>,
    status,
  );
}

function loginForm(c: OpsContext, opts: { error?: string | null; email?: string } = {}, status = 200) {
  const _ = tr(c);
  const next = opsNext(c.req.query("next"));
  return page(
    c,
    { title: _("ops.login.title"), error: opts.error },
    <form method="post" action={`/ops/login?next=${encodeURIComponent(next)}`} class="stack">
      <label>
        {_("field.email")}
        <input type="email" name="email" autocomplete="username" required value={opts.email ?? ""} />
      </label>
      <label>
        {_("field.password")}
        <input type="password" name="password" autocomplete="current-password" required />
      </label>
      <label>
        {_("ops.login.code")}
        <input name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength={12} />
      </label>
      <button type="submit">{_("ops.login.submit")}</button>
    </form>,
    status,
  );
}

/** Operator console (A9): sign-in with password + TOTP in one step, tenants, platform audit. */
export function registerOps(app: Hono<AppEnv>) {
  const pub = access({ kind: "public" });
  const ops = access({ kind: "ops" });

  app.get("/ops/login", pub, (c) => loginForm(c));

  app.post("/ops/login", pub, async (c) => {
    const f = await readForm(c);
    try {
      // Rotation: whatever operator session this browser had ends before a new one is issued.
      const old = getCookie(c, SESSION_COOKIE.operator);
      if (old) {
        const s = await validateSessionToken(c.env, old, "operator");
        if (s) await invalidateSession(c.env, s.id);
      }
      const r = await operatorLogin(pctx(c), f.email ?? "", f.password ?? "", f.code ?? "");
      c.header("Set-Cookie", sessionCookie("operator", r.token, r.expiresAt), { append: true });
      return c.redirect(opsNext(c.req.query("next")), 303);
    } catch (err) {
      const { message, status } = messageFor(c, err);
      const res = await loginForm(c, { error: message, email: f.email }, status);
      const retry = (err as { headers?: Record<string, string> }).headers?.["Retry-After"];
      if (retry) res.headers.set("Retry-After", retry);
      return res;
    }
  });

  app.get("/ops", ops, async (c) => {
    const _ = tr(c);
    await auditOperator(c, "operator.view_tenants");
    const rows = await listTenantsForOperator(c.env);
    const locale = c.get("locale");
    return opsPage(
      c,
      _("ops.tenants.title"),
      <>
        <p class="muted">{_("ops.tenants.note")}</p>
        {rows.length === 0 ? (
          <p class="muted">{_("ops.tenants.none")}</p>
        ) : (
          <table>
            <Head
              cols={[
                _("ops.tenants.name"),
                _("ops.tenants.id"),
                _("ops.tenants.location"),
                _("ops.tenants.status"),
                _("ops.tenants.created"),
              ]}
            />
            <tbody>
              {rows.map((t) => (
                <tr>
                  <td>{t.name}</td>
                  <td>
                    <code>{t.id}</code>
                  </td>
                  <td>
                    {_(`settings.location.value.${t.location}`)} <span class="muted">({t.shard})</span>
                  </td>
                  <td>{_(`ops.tenant_status.${t.status}`)}</td>
                  <td>{formatDateTime(locale, t.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </>,
    );
  });

  app.get("/ops/audit", ops, async (c) => {
    const _ = tr(c);
    const cursor = c.req.query("cursor") || null;
    await auditOperator(c, "operator.view_platform_audit");
    let entries: Awaited<ReturnType<typeof exportAudit>>;
    try {
      entries = await exportAudit(c.env, PLATFORM_CHAIN, { cursor, limit: PAGE_SIZE, order: "desc" });
    } catch (err) {
      const { message, status } = messageFor(c, err);
      return opsPage(
        c,
        _("ops.audit.title"),
        <p class="error" role="alert">
          {message}
        </p>,
        status,
      );
    }
    const verify = await verifyAuditChain(c.env, PLATFORM_CHAIN);
    const who = (r: { actorType: string; actorId: string | null }) => {
      const id = r.actorId ?? "";
      if (r.actorType === "system") return _("audit.actor.system");
      if (r.actorType === "operator") return `${_("audit.actor.operator")} ${id}`;
      if (r.actorType === "api_key") return _("audit.actor.api_key", { name: id });
      return id;
    };
    return opsPage(
      c,
      _("ops.audit.title"),
      <>
        <VerifyLine c={c} v={verify} />
        <AuditTable c={c} rows={entries.rows} who={who} />
        <Pager
          c={c}
          newest={cursor ? "/ops/audit" : null}
          next={entries.nextCursor ? `/ops/audit?cursor=${encodeURIComponent(entries.nextCursor)}` : null}
        />
      </>,
    );
  });

  app.post("/ops/logout", ops, async (c) => {
    const op = c.get("operator");
    await auditOperator(c, "operator.logout", { targetType: "session", targetId: op.sessionId });
    await invalidateSession(c.env, op.sessionId);
    await logConnection(c.env, {
      tenantId: null,
      subjectType: "operator",
      subjectId: op.id,
      event: "logout",
      ip: clientIp(c),
      userAgent: c.req.header("user-agent") ?? null,
    });
    c.header("Set-Cookie", clearSessionCookie("operator"), { append: true });
    return c.redirect("/ops/login", 303);
  });
}
