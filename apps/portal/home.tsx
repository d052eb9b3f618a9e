import type { Context, Hono } from "hono";
import { formatDateTime } from "../../core/platform/i18n";
import { listOutbox } from "../../core/platform/mail";
import { roleAllows } from "../../core/platform/rbac";
import { pendingPolicyFor } from "../../core/privacy/policy-versions";
import { access } from "../middleware/access";
import { PolicyBanner } from "../public/legal";
import type { AppEnv } from "../types";
import { page, tr } from "../ui/layout";
import { homeQuotaBanner } from "./pages/billing";

/** Links of the signed-in header, filtered by what the role may open. */
export function navFor(c: Context<AppEnv>) {
  const _ = tr(c);
  const ctx = c.get("ctx");
  const role = ctx.actor.type === "user" ? ctx.actor.role : "viewer";
  const links = [{ href: "/", label: _("nav.home") }];
  if (roleAllows(role, "reports:read")) links.push({ href: "/dashboard", label: _("nav.dashboard") });
  if (roleAllows(role, "reports:read")) links.push({ href: "/reports", label: _("nav.reports") });
  if (roleAllows(role, "calls:read")) links.push({ href: "/calls", label: _("nav.calls") });
  if (role === "agent") links.push({ href: "/me", label: _("nav.me") });
  if (roleAllows(role, "agents:read")) links.push({ href: "/agents", label: _("nav.agents") });
  if (roleAllows(role, "rubrics:read")) links.push({ href: "/rubrics", label: _("nav.rubrics") });
  if (roleAllows(role, "stats:read")) links.push({ href: "/benchmarks", label: _("nav.benchmarks") });
  if (roleAllows(role, "members:read")) links.push({ href: "/members", label: _("nav.members") });
  if (roleAllows(role, "apikeys:manage")) links.push({ href: "/api-keys", label: _("nav.apikeys") });
  if (roleAllows(role, "settings:manage")) links.push({ href: "/settings", label: _("nav.settings") });
  if (roleAllows(role, "settings:manage")) links.push({ href: "/webhooks", label: _("nav.webhooks") });
  if (roleAllows(role, "settings:manage")) links.push({ href: "/governance", label: _("nav.governance") });
  if (roleAllows(role, "audit:read")) links.push({ href: "/audit", label: _("nav.audit") });
  if (roleAllows(role, "privacy:manage")) links.push({ href: "/privacy", label: _("nav.privacy") });
  if (roleAllows(role, "billing:read")) links.push({ href: "/billing", label: _("nav.billing") });
  if (roleAllows(role, "settings:manage")) links.push({ href: "/security", label: _("nav.security") });
  if (roleAllows(role, "support:use")) links.push({ href: "/support", label: _("nav.support") });
  links.push({ href: "/account", label: _("nav.account") });
  return { userName: c.get("userName") as string, links };
}

export function registerHome(app: Hono<AppEnv>) {
  app.get("/", access({ kind: "portal", perm: null }), async (c) => {
    const _ = tr(c);
    const ctx = c.get("ctx");
    const role = ctx.actor.type === "user" ? ctx.actor.role : "viewer";
    // A substantial privacy-policy change shows until an owner or admin acknowledges it (F4).
    const pending = ctx.actor.type === "user" ? await pendingPolicyFor(c.env, ctx.actor.id) : null;
    // New calls waiting for analysed-minutes quota (G3): said on the home page too.
    const quota = await homeQuotaBanner(c, ctx);
    return page(
      c,
      { title: _("home.title"), nav: navFor(c) },
      <>
        {pending ? <PolicyBanner c={c} version={pending} back="/" /> : null}
        {quota}
        <p>{_("home.intro", { tenant: ctx.tenant.name, role: _(`role.${role}`) })}</p>
      </>,
    );
  });

  /** Dev-only: the local outbox (mail never leaves the machine without BREVO_API_KEY). */
  app.get("/dev/outbox", access({ kind: "dev" }), async (c) => {
    const rows = await listOutbox(c.env);
    const locale = c.get("locale");
    return page(
      c,
      { title: "Outbox (dev)" },
      <table>
        <thead>
          <tr>
            <th>When</th>
            <th>To</th>
            <th>Subject</th>
            <th>Body</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((m) => (
            <tr>
              <td>{formatDateTime(locale, m.createdAt)}</td>
              <td>{m.to}</td>
              <td>{m.subject}</td>
              <td>
                <pre>{m.text}</pre>
              </td>
            </tr>
          ))}
        </tbody>
      </table>,
    );
  });
}
