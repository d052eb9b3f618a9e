import { type TransferKind, type TransferPreview, transferPreview } from "../../../core/governance/transfers";
import { type PortalContext, userCtx } from "../../ui/common";
import { tr } from "../../ui/layout";

const KINDS: TransferKind[] = ["location_us", "international"];

/** What the explanation needs, for an EU tenant (a US tenant's data is not leaving the EU). */
export async function transferPreviews(c: PortalContext): Promise<TransferPreview[]> {
  const { ctx } = userCtx(c);
  if (ctx.tenant.location !== "eu") return [];
  const kinds = KINDS.filter((k) => k !== "international" || ctx.tenant.processingScope !== "international");
  return Promise.all(kinds.map((k) => transferPreview(ctx, k)));
}

/**
 * The one explanation of transfers outside the EU, shown as is on /settings and /governance:
 * what changes, the legal basis (GDPR art. 44–46, SCCs), the sub-processors that then apply,
 * what stays in the EU, and who may confirm.
 */
export function TransferNotice({ c, previews }: { c: PortalContext; previews: TransferPreview[] }) {
  if (!previews.length) return null;
  const _ = tr(c);
  return (
    <section aria-labelledby="transfer-h" class="transfer-notice" id="transfer">
      <h2 id="transfer-h">{_("transfer.title")}</h2>
      <p>{_("transfer.legal")}</p>
      {previews.map((p) => (
        <div data-transfer={p.kind}>
          <p>
            <strong>{_(`transfer.${p.kind}.what`)}</strong>
          </p>
          <p>{_("transfer.subprocessors")}</p>
          {p.outsideEu.length ? (
            <ul>
              {p.outsideEu.map((s) => (
                <li>
                  {s.name} — <code>{s.endpoint}</code> ({s.mechanism})
                </li>
              ))}
            </ul>
          ) : (
            <p class="muted">{_("transfer.subprocessors.none")}</p>
          )}
          {p.newlySelectable.length ? (
            <p>{_("transfer.selectable", { list: p.newlySelectable.join(", ") })}</p>
          ) : null}
          <p>{_(`transfer.stays.${p.kind}`)}</p>
        </div>
      ))}
      <p class="muted">
        {_("transfer.owner_only")} {_("transfer.mailed")}
      </p>
    </section>
  );
}

/** The confirmation field of a transfer form (owners only; others see why they cannot). */
export function ConfirmNameField({ c, owner }: { c: PortalContext; owner: boolean }) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  if (!owner) return <p class="muted">{_("transfer.owner_only")}</p>;
  return (
    <>
      <label for="transfer-name">{_("transfer.confirm_name", { name: ctx.tenant.name })}</label>
      <input type="text" id="transfer-name" name="confirmName" autocomplete="off" />
    </>
  );
}
