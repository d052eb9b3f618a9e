import type { AuditRow, VerifyResult } from "../../core/platform/audit";
import { fmtDate, type PortalContext, TableOrNone } from "./common";
import { tr } from "./layout";

/**
 * The audit chain's pieces shared by the portal's /audit (the tenant's chain) and the operator
 * console's /ops/audit (the platform chain).
 */

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
  return (
    <TableOrNone
      none={_("audit.none")}
      cols={[
        _("audit.seq"),
        _("audit.when"),
        _("audit.actor"),
        _("audit.action"),
        _("audit.target"),
        _("audit.result"),
        _("audit.ip"),
      ]}
      rows={rows.map((r) => {
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
    />
  );
}
