import type { Hono } from "hono";
import { listNotices, markNoticesRead, noticeText } from "../../../core/platform/notices";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import { fmtDate, Head, portalPage, userCtx } from "../../ui/common";
import { tr } from "../../ui/layout";

/** /notices: the signed-in person's own notices (reviews, disputes, long jobs), newest first. */
export function registerNotices(app: Hono<AppEnv>) {
  const anyone = access({ kind: "portal", perm: null });

  app.get("/notices", anyone, async (c) => {
    const _ = tr(c);
    const { ctx } = userCtx(c);
    const locale = c.get("locale") ?? "fr";
    const rows = await listNotices(ctx);
    return portalPage(
      c,
      { title: _("notices.title") },
      rows.length === 0 ? (
        <p class="muted">{_("notices.none")}</p>
      ) : (
        <>
          <table>
            <Head cols={[_("notices.col.when"), _("notices.col.what"), ""]} />
            <tbody>
              {rows.map((n) => (
                <tr data-unread={n.readAt ? undefined : "1"}>
                  <td>{fmtDate(c, n.createdAt)}</td>
                  <td>
                    {n.readAt ? null : <strong>{_("notices.unread")} · </strong>}
                    {noticeText(locale, n)}
                  </td>
                  <td>
                    <a href={n.link}>{_("notices.open")}</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <form method="post" action="/notices/read">
            <button type="submit" class="secondary">
              {_("notices.mark_read")}
            </button>
          </form>
        </>
      ),
    );
  });

  app.post("/notices/read", anyone, async (c) => {
    await markNoticesRead(userCtx(c).ctx);
    return c.redirect("/notices", 303);
  });
}
