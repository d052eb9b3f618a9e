import type { Context, Hono } from "hono";
import { getCookie } from "hono/cookie";
import { logConnection } from "../../core/identity/connection-log";
import { listTenantsForOperator, operatorLogin } from "../../core/identity/operators";
import {
  clearSessionCookie,
  invalidateSession,
  SESSION_COOKIE,
  sessionCookie,
  validateSessionToken,
} from "../../core/identity/session";

import { exportAudit, PLATFORM_CHAIN, verifyAuditChain } from "../../core/platform/audit";
import { formatDateTime } from "../../core/platform/i18n";
import { publishPolicyVersion } from "../../core/privacy/policy-versions";

import {
  ANNOUNCE_DAYS,
  addSubprocessor,
  listOpenObjections,
  resolveObjection,
  SUBPROCESSOR_PROVIDERS,
} from "../../core/privacy/subprocessors";
import { access } from "../middleware/access";
import { clientIp, platformCtx } from "../middleware/request";
import type { AppEnv } from "../types";
import { AuditTable, VerifyLine } from "../ui/audit";
import { orErrorPage, Pager, TableOrNone } from "../ui/common";
import { messageFor, readForm, safeNext } from "../ui/forms";
import { Alerts, page, tr } from "../ui/layout";
import { registerOpsBilling } from "./billing";
import { registerOpsBreaches } from "./breaches";
import { registerOpsConsole } from "./console";
import { auditOperator, opsPage } from "./kit";
import { registerOpsPrivacy } from "./privacy";
import { registerOpsSupport } from "./support";

type OpsContext = Context<AppEnv>;
const PAGE_SIZE = 50;

const pctx = platformCtx;

/** Only console paths are followed after sign-in. */
const opsNext = (c: OpsContext, next: string | undefined) => {
  const n = safeNext(c, next, "/ops");
  return n === "/ops" || n.startsWith("/ops/") || n.startsWith("/ops?") ? n : "/ops";
};

/** `YYYY-MM-DD` from a date field → midnight UTC; anything else is refused by the service's schema. */
const dayStart = (v: string | undefined) =>
  v && /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00Z`) : 0;

function legalNotice(c: OpsContext): string | null {
  const _ = tr(c);
  const done = c.req.query("done");
  if (done === "published") {
    const n = Number(c.req.query("mailed") ?? 0) || 0;
    return n > 0 ? _("ops.legal.published_mailed", { count: n }) : _("ops.legal.published");
  }
  if (done === "added") return _("ops.subprocessors.added");
  if (done === "resolved") return _("ops.objections.resolved");
  return null;
}

/** F4/F5 console page: publish a policy version, announce a sub-processor, resolve objections. */
async function legalPage(
  c: OpsContext,
  msg: { error?: string | null; notice?: string | null },
  status = 200,
) {
  const _ = tr(c);
  const objections = await listOpenObjections(c.env);
  const today = new Date().toISOString().slice(0, 10);
  const earliest = new Date(Date.now() + (ANNOUNCE_DAYS + 1) * 86_400_000).toISOString().slice(0, 10);
  return opsPage(
    c,
    _("ops.legal.title"),
    <>
      <Alerts error={msg.error} notice={msg.notice} />
      <h2>{_("ops.objections.title")}</h2>
      <TableOrNone
        none={_("ops.objections.none")}
        cols={[
          _("ops.objections.tenant"),
          _("ops.objections.subprocessor"),
          _("ops.objections.reason"),
          _("ops.objections.resolution"),
        ]}
        rows={objections.map(({ objection: o, name }) => (
          <tr>
            <td>
              <code>{o.tenantId}</code>
            </td>
            <td>{name}</td>
            <td>{o.reason}</td>
            <td>
              <form method="post" action={`/ops/legal/objections/${o.id}/resolve`} class="inline">
                <input
                  name="resolution"
                  required
                  maxlength={2000}
                  aria-label={_("ops.objections.resolution")}
                />{" "}
                <button type="submit">{_("ops.objections.resolve")}</button>
              </form>
            </td>
          </tr>
        ))}
      />
      <h2>{_("ops.legal.publish")}</h2>
      <form method="post" action="/ops/legal/policies" class="stack">
        <label>
          {_("ops.legal.version")}
          <input name="version" required maxlength={40} />
        </label>
        <label>
          {_("ops.legal.effective")}
          <input type="date" name="effectiveAt" required value={today} />
        </label>
        <label>
          <span>
            <input type="checkbox" name="substantial" /> {_("ops.legal.substantial")}
          </span>
        </label>
        <label>
          {_("ops.legal.body_fr")}
          <textarea name="bodyFr" rows={10} required lang="fr" />
        </label>
        <label>
          {_("ops.legal.body_en")}
          <textarea name="bodyEn" rows={10} required lang="en" />
        </label>
        <button type="submit">{_("ops.legal.publish_submit")}</button>
      </form>
      <h2>{_("ops.subprocessors.add")}</h2>
      <form method="post" action="/ops/legal/subprocessors" class="stack">
        <label>
          {_("ops.subprocessors.name")}
          <input name="name" required maxlength={120} />
        </label>
        <label>
          {_("ops.subprocessors.purpose_fr")}
          <input name="purposeFr" required maxlength={500} lang="fr" />
        </label>
        <label>
          {_("ops.subprocessors.purpose_en")}
          <input name="purposeEn" required maxlength={500} lang="en" />
        </label>
        <label>
          {_("ops.subprocessors.data")}
          <input name="dataCategories" required maxlength={200} />
        </label>
        <label>
          {_("ops.subprocessors.location")}
          <input name="location" required maxlength={120} />
        </label>
        <label>
          {_("ops.subprocessors.transfer")}
          <input name="transferMechanism" required maxlength={40} />
        </label>
        <label>
          {_("ops.subprocessors.provider")}
          <select name="providerKey">
            <option value="">{_("ops.subprocessors.provider_none")}</option>
            {SUBPROCESSOR_PROVIDERS.map((p) => (
              <option value={p}>{p}</option>
            ))}
          </select>
        </label>
        <label>
          {_("ops.subprocessors.effective", { days: ANNOUNCE_DAYS })}
          <input type="date" name="effectiveAt" required min={earliest} value={earliest} />
        </label>
        <button type="submit">{_("ops.subprocessors.submit")}</button>
      </form>
    </>,
    status,
  );
}

function loginForm(c: OpsContext, opts: { error?: string | null; email?: string } = {}, status = 200) {
  const _ = tr(c);
  const next = opsNext(c, c.req.query("next"));
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
  registerOpsPrivacy(app, ops);
  registerOpsBilling(app, ops);
  registerOpsSupport(app, ops);
  registerOpsBreaches(app, ops);
  registerOpsConsole(app, ops);

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
      return c.redirect(opsNext(c, c.req.query("next")), 303);
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
        <TableOrNone
          none={_("ops.tenants.none")}
          cols={[
            _("ops.tenants.name"),
            _("ops.tenants.id"),
            _("ops.tenants.location"),
            _("ops.tenants.status"),
            _("ops.tenants.created"),
          ]}
          rows={rows.map((t) => (
            <tr>
              <td>
                <a href={`/ops/tenants/${t.id}`}>{t.name}</a>
              </td>
              <td>
                <code>{t.id}</code>
              </td>
              <td>
                {_(`settings.location.value.${t.location}`)} <span class="muted">({t.shard})</span>
              </td>
              <td>{_(`ops.tenant_status.${t.status}`)}</td>
              <td>{formatDateTime(locale, t.createdAt, "UTC")}</td>
            </tr>
          ))}
        />
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

  app.get("/ops/legal", ops, async (c) => {
    await auditOperator(c, "operator.view_legal");
    return legalPage(c, { notice: legalNotice(c) });
  });

  app.post("/ops/legal/policies", ops, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        const { version, mailed } = await publishPolicyVersion(c.env, c.get("operator").id, {
          version: f.version ?? "",
          effectiveAt: dayStart(f.effectiveAt),
          substantial: f.substantial === "on",
          bodyFr: f.bodyFr ?? "",
          bodyEn: f.bodyEn ?? "",
        });
        await auditOperator(c, "operator.policy_published", {
          targetType: "policy_version",
          targetId: version.id,
        });
        return c.redirect(`/ops/legal?done=published&mailed=${mailed}`, 303);
      },
      (error, status) => legalPage(c, { error }, status),
    );
  });

  app.post("/ops/legal/subprocessors", ops, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        const provider = (SUBPROCESSOR_PROVIDERS as readonly string[]).includes(f.providerKey ?? "")
          ? (f.providerKey as (typeof SUBPROCESSOR_PROVIDERS)[number])
          : null;
        const row = await addSubprocessor(c.env, {
          name: f.name ?? "",
          purposeFr: f.purposeFr ?? "",
          purposeEn: f.purposeEn ?? "",
          dataCategories: f.dataCategories ?? "",
          location: f.location ?? "",
          transferMechanism: f.transferMechanism ?? "",
          providerKey: provider,
          effectiveAt: dayStart(f.effectiveAt),
        });
        await auditOperator(c, "operator.subprocessor_announced", {
          targetType: "subprocessor",
          targetId: row.id,
        });
        return c.redirect("/ops/legal?done=added", 303);
      },
      (error, status) => legalPage(c, { error }, status),
    );
  });

  app.post("/ops/legal/objections/:objectionId/resolve", ops, async (c) => {
    const f = await readForm(c);
    const id = c.req.param("objectionId");
    return orErrorPage(
      c,
      async () => {
        await resolveObjection(c.env, id, f.resolution ?? "");
        await auditOperator(c, "operator.objection_resolved", {
          targetType: "subprocessor_objection",
          targetId: id,
        });
        return c.redirect("/ops/legal?done=resolved", 303);
      },
      (error, status) => legalPage(c, { error }, status),
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
