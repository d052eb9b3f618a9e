import type { Context } from "hono";
import { roleAllows } from "../../core/platform/rbac";
import type { AppEnv } from "../types";
import { tr } from "./layout";

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
  if (roleAllows(role, "reviews:write")) links.push({ href: "/review-queue", label: _("nav.review_queue") });
  if (roleAllows(role, "reviews:write")) links.push({ href: "/calibration", label: _("nav.calibration") });
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
  const unread = c.get("unreadNotices") ?? 0;
  links.push({
    href: "/notices",
    label: unread ? _("nav.notices_unread", { count: unread }) : _("nav.notices"),
  });
  links.push({ href: "/account", label: _("nav.account") });
  return { userName: c.get("userName") as string, links };
}
