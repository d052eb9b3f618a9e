import type { Hono } from "hono";
import { listApiKeys } from "../../../core/identity/api-keys";
import { listConnections } from "../../../core/identity/connection-log";
import { listMembers } from "../../../core/identity/members";
import { parseUserAgent } from "../../../core/identity/user-agent";
import {
  type AuditRow,
  exportAudit,
  tenantChain,
  type VerifyResult,
  verifyAuditChain,
} from "../../../core/platform/audit";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import { fmtDate, formError, Head, type PortalContext, portalPage, trOr, userCtx } from "../../ui/common";
import { tr } from "../../ui/layout";

const PAGE_SIZE = 50;

/** The integrity line shown above an audit table (tenant or platform chain). */
export function VerifyLine({ c, v }: { c: PortalContext; v: VerifyResult }) {
  const _ = tr(c);
  return v.ok ? (
    <p class="notice" role="status">
      {_("audit.verify.ok", { count: v.checked })}
    </p>
  ) : (
    <p class="error" role="alert">
      {_("audit.verify.bad", { seq: v.firstBadSeq ?? "?", reason: v.reason ?? "" })}
    </p>
  );
}

/** Meta as `key: value` pairs (it never holds secrets or call content, see core/platform/audit). */
export function metaText(meta: string | null): string {
  if (!meta) return "";
  try {
    const o = JSON.parse(meta) as Record<string, unknown>;
    return Object.entries(o)
      .filter(([k]) => k !== "requestId")
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join(", ");
  } catch {
    return "";
  }
}

/** One table of audit entries; `who` names the actor of a row. */
export function AuditTable({
  c,
  rows,
  who,
}: {
  c: PortalContext;
  rows: AuditRow[];
  who: (r: AuditRow) => string;
}) {
  const _ = tr(c);
  if (rows.length === 0) return <p class="muted">{_("audit.none")}</p>;
  return (
    <table>
      <Head
        cols={[
          _("audit.seq"),
          _("audit.when"),
          _("audit.actor"),
          _("audit.action"),
          _("audit.target"),
          _("audit.result"),
          _("audit.ip"),
        ]}
      />
      <tbody>
        {rows.map((r) => {
          const meta = metaText(r.meta);
          return (
            <tr>
              <td>{r.seq}</td>
              <td>{fmtDate(c, r.ts)}</td>
              <td>{who(r)}</td>
              <td>
                <code>{r.action}</code>
                {meta ? (
                  <>
                    <br />
                    <span class="muted">{meta}</span>
                  </>
                ) : null}
              </td>
              <td>{r.targetType ? `${r.targetType} ${r.targetId ?? ""}` : ""}</td>
              <td>{_(`audit.result.${r.result}`)}</td>
              <td>{r.ip ?? ""}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** "Newest" and "next page" links of a cursor-paginated table; nothing when there is one page. */
export function Pager({ c, newest, next }: { c: PortalContext; newest: string | null; next: string | null }) {
  const _ = tr(c);
  if (!newest && !next) return null;
  return (
    <p>
      {newest ? <a href={newest}>{_("common.newest")}</a> : null}{" "}
      {next ? (
        <a href={next} rel="next">
          {_("common.next_page")}
        </a>
      ) : null}
    </p>
  );
}

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
          {connections.data.length === 0 ? (
            <p class="muted">{_("audit.connections.none")}</p>
          ) : (
            <table>
              <Head
                cols={[
                  _("audit.when"),
                  _("audit.connections.event"),
                  _("audit.connections.subject"),
                  _("audit.ip"),
                  _("audit.connections.client"),
                ]}
              />
              <tbody>
                {connections.data.map((x) => {
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
              </tbody>
            </table>
          )}
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
