import type { Hono } from "hono";
import { formatDateTime } from "../../core/platform/i18n";
import { listOutbox } from "../../core/platform/mail";
import { pendingPolicyFor } from "../../core/privacy/policy-versions";
import { access } from "../middleware/access";
import { PolicyBanner } from "../public/legal";
import type { AppEnv } from "../types";
import { page, tr } from "../ui/layout";
import { navFor } from "../ui/nav";
import { homeQuotaBanner } from "./pages/billing";

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
              <td>{formatDateTime(locale, m.createdAt, "UTC")}</td>
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
