import type { Hono } from "hono";
import { listApiKeys } from "../../../core/identity/api-keys";
import { listConnections } from "../../../core/identity/connection-log";
import { listMembers } from "../../../core/identity/members";
import { parseUserAgent } from "../../../core/identity/user-agent";
import { exportAudit, tenantChain, verifyAuditChain } from "../../../core/platform/audit";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import { AuditTable, VerifyLine } from "../../ui/audit";
import { fmtDate, formError, Pager, portalPage, TableOrNone, trOr, userCtx } from "../../ui/common";
import { tr } from "../../ui/layout";

const PAGE_SIZE = 50;

function qs(params: Record<string, string | null | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : "";
}

export function registerAudit(app: Hono<AppEnv>) {
  const read = access({ kind: "portal", perm: "audit:read" });

  /** /audit (I2, A7): the tenant's chain newest first with its verification, then the connection log. */
  app.get("/audit", read, async (c) => {
    const _ = tr(c);
    const { ctx } = userCtx(c);
    const cursor = c.req.query("cursor") || null;
    const conn = c.req.query("conn") || undefined;
    const chain = tenantChain(ctx.tenant.id);
    let entries: Awaited<ReturnType<typeof exportAudit>>;
    let connections: Awaited<ReturnType<typeof listConnections>>;
    try {
      [entries, connections] = await Promise.all([
        exportAudit(c.env, chain, { cursor, limit: PAGE_SIZE, order: "desc" }),
        listConnections(ctx, { limit: PAGE_SIZE, cursor: conn }),
      ]);
    } catch (err) {
      // A hand-edited cursor: say so, and offer the first page.
      const { message, status } = formError(c, err);
      return portalPage(
        c,
        { title: _("audit.title"), error: message },
        <a href="/audit">{_("common.newest")}</a>,
        status,
      );
    }
    const [verify, members, keys] = await Promise.all([
      verifyAuditChain(c.env, chain),
      listMembers(ctx),
      listApiKeys(ctx),
    ]);
    const people = new Map(members.map((m) => [m.userId, `${m.firstName} ${m.lastName}`.trim() || m.email]));
    const keyNames = new Map(keys.map((k) => [k.id, k.name]));
    const nameOf = (type: string, id: string | null): string => {
      if (type === "user") return (id && people.get(id)) ?? id ?? _("common.unknown");
      if (type === "api_key") return _("audit.actor.api_key", { name: (id && keyNames.get(id)) ?? id ?? "" });
      if (type === "operator") return _("audit.actor.operator");
      if (type === "system") return _("audit.actor.system");
      return _("common.unknown");
    };
    return portalPage(
      c,
      { title: _("audit.title") },
      <>
        <VerifyLine c={c} v={verify} />
        <section aria-labelledby="entries-h">
          <h2 id="entries-h">{_("audit.entries.title")}</h2>
          <AuditTable c={c} rows={entries.rows} who={(r) => nameOf(r.actorType, r.actorId)} />
          <Pager
            c={c}
            newest={cursor ? `/audit${qs({ conn })}` : null}
            next={entries.nextCursor ? `/audit${qs({ cursor: entries.nextCursor, conn })}` : null}
          />
        </section>

        <section aria-labelledby="conn-h">
          <h2 id="conn-h">{_("audit.connections.title")}</h2>
          <TableOrNone
            none={_("audit.connections.none")}
            cols={[
              _("audit.when"),
              _("audit.connections.event"),
              _("audit.connections.subject"),
              _("audit.ip"),
              _("audit.connections.client"),
            ]}
            rows={connections.data.map((x) => {
              const ua = parseUserAgent(x.userAgent);
              const client = [ua.browser, ua.os].filter(Boolean).join(" · ") || (x.userAgent ?? "");
              return (
                <tr>
                  <td>{fmtDate(c, x.ts)}</td>
                  <td>{trOr(c, `connlog.event.${x.event}`, x.event)}</td>
                  <td>{nameOf(x.subjectType, x.subjectId)}</td>
                  <td>{x.ip ?? ""}</td>
                  <td>{client}</td>
                </tr>
              );
            })}
          />
          <Pager
            c={c}
            newest={conn ? `/audit${qs({ cursor })}#conn-h` : null}
            next={
              connections.nextCursor ? `/audit${qs({ cursor, conn: connections.nextCursor })}#conn-h` : null
            }
          />
        </section>
      </>,
    );
  });
}
