import type { Hono } from "hono";
import {
  cancelContractEnd,
  deleteNow,
  GRACE_DAYS,
  getContractEnd,
  readExportVolume,
  requestContractEnd,
} from "../../../core/governance/contract-end";
import { LOCATIONS, latestLocationMigration } from "../../../core/governance/location-migration";
import {
  getRetention,
  RETENTION_CATEGORIES,
  type RetentionCategory,
  setLegalHold,
  updateRetention,
} from "../../../core/governance/retention";
import { listRetentionRuns, startRetentionRun } from "../../../core/governance/retention-purge";
import { updateLocationSettings } from "../../../core/governance/settings";
import { ApiError } from "../../../core/platform/errors";
import { roleAllows } from "../../../core/platform/rbac";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import {
  doneUrl,
  fmtDate,
  Head,
  invalid,
  orErrorPage,
  type PortalContext,
  portalPage,
  TableOrNone,
  userCtx,
} from "../../ui/common";
import { readForm } from "../../ui/forms";
import { tr } from "../../ui/layout";
import { ConfirmNameField, TransferNotice, transferPreviews } from "./transfer-notice";

/**
 * /governance (D6, F1, F2): retention per category with the CNIL guidance, the tenant's legal
 * hold, the last retention runs, and the data location with its move job.
 */
async function governancePage(
  c: PortalContext,
  state: { error?: string | null; form?: Record<string, string> } = {},
  status = 200,
) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const r = getRetention(ctx);
  const runs = await listRetentionRuns(ctx.env, ctx.tenant.id, 5);
  const move = await latestLocationMigration(ctx);
  const moving = move && (move.status === "queued" || move.status === "running");
  const others = LOCATIONS.filter((l) => l !== ctx.tenant.location);
  const owner = ctx.actor.type === "user" && roleAllows(ctx.actor.role, "tenant:delete");
  const ending = owner ? await getContractEnd(ctx) : null;
  const previews = await transferPreviews(c);
  const endActive = ending && ["exporting", "awaiting_deletion", "deleting"].includes(ending.status);
  return portalPage(
    c,
    { title: _("gov.title"), error: state.error },
    <>
      <section aria-labelledby="retention-h">
        <h2 id="retention-h">{_("gov.retention.title")}</h2>
        <p class="muted">{_("gov.retention.intro")}</p>
        <form method="post" action="/governance/retention" class="stack">
          <table>
            <Head
              cols={[
                _("gov.retention.col.category"),
                _("gov.retention.col.days"),
                _("gov.retention.col.guidance"),
              ]}
            />
            <tbody>
              {RETENTION_CATEGORIES.map((cat) => {
                const v = r.categories[cat];
                return (
                  <tr>
                    <th scope="row">
                      <label for={`ret-${cat}`}>{_(`gov.retention.cat.${cat}`)}</label>
                    </th>
                    <td>
                      <input
                        type="number"
                        id={`ret-${cat}`}
                        name={cat}
                        min={v.floorDays}
                        max={3650}
                        value={state.form?.[cat] ?? String(v.days)}
                        required
                        aria-describedby={`ret-${cat}-help`}
                      />
                    </td>
                    <td id={`ret-${cat}-help`}>
                      {/* CNIL gives no figure for support threads: say whose default it is. */}
                      {cat === "supportTickets"
                        ? _("gov.retention.platform_default", { days: v.guidanceDays })
                        : _("gov.retention.guidance", { days: v.guidanceDays })}
                      {v.floorDays > 1 ? ` · ${_("gov.retention.floor", { days: v.floorDays })}` : ""}
                      {v.aboveGuidance ? ` · ${_("gov.retention.above")}` : ""}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p>
            <input type="checkbox" id="ack" name="acknowledgeAboveGuidance" value="on" />{" "}
            <label for="ack" class="inline">
              {_("gov.retention.ack")}
            </label>
          </p>
          <p class="muted">{_("gov.retention.billing", { years: r.billingYears })}</p>
          <p class="muted">{_("gov.retention.time_travel")}</p>
          <button type="submit">{_("gov.retention.submit")}</button>
        </form>
      </section>

      <section aria-labelledby="hold-h">
        <h2 id="hold-h">{_("gov.hold.title")}</h2>
        {r.legalHold ? (
          <>
            <p>
              <strong>{_("gov.hold.active", { since: fmtDate(c, Date.parse(r.legalHold.since)) })}</strong>{" "}
              {r.legalHold.reason}
            </p>
            <form method="post" action="/governance/legal-hold/lift">
              <button type="submit">{_("gov.hold.lift")}</button>
            </form>
          </>
        ) : (
          <form method="post" action="/governance/legal-hold" class="stack">
            <p class="muted">{_("gov.hold.intro")}</p>
            <label for="hold-reason">{_("gov.hold.reason")}</label>
            <input type="text" id="hold-reason" name="reason" maxlength={500} required />
            <button type="submit">{_("gov.hold.set")}</button>
          </form>
        )}
      </section>

      <section aria-labelledby="runs-h">
        <h2 id="runs-h">{_("gov.runs.title")}</h2>
        <TableOrNone
          none={_("gov.runs.none")}
          cols={[_("gov.runs.col.started"), _("gov.runs.col.status"), _("gov.runs.col.deleted")]}
          rows={runs.map((j) => {
            const out = (j.result ?? j.progress) as { counts?: Record<string, number>; skipped?: string };
            const parts = Object.entries(out.counts ?? {})
              .filter(([, n]) => n > 0)
              .map(([k, n]) => `${_(`retention.count.${k}` as never)}: ${n}`);
            // A held tenant's run deleted nothing because it was told not to: say so.
            if (out.skipped === "legal hold") parts.unshift(_("gov.runs.skipped_hold"));
            return (
              <tr>
                <td>{fmtDate(c, j.createdAt)}</td>
                <td>{_(`gov.job.${j.status}`)}</td>
                <td>{parts.length ? parts.join(" · ") : _("gov.runs.nothing")}</td>
              </tr>
            );
          })}
        />
        <form method="post" action="/governance/retention/run">
          <button type="submit">{_("gov.runs.now")}</button>
        </form>
      </section>

      <section aria-labelledby="location-h">
        <h2 id="location-h">{_("gov.location.title")}</h2>
        <p>
          {_("gov.location.current")} <strong>{_(`settings.location.value.${ctx.tenant.location}`)}</strong>
        </p>
        {move ? (
          <p role="status">
            {_("gov.location.last", {
              status: _(`gov.job.${move.status}`),
              phase: String((move.progress as { phase?: string }).phase ?? ""),
              rows: Number((move.progress as { rowsCopied?: number }).rowsCopied ?? 0),
              objects: Number((move.progress as { objectsCopied?: number }).objectsCopied ?? 0),
            })}
            {move.error ? ` — ${move.error}` : ""}
          </p>
        ) : null}
        {moving ? (
          <p class="muted">{_("gov.location.moving")}</p>
        ) : (
          <form method="post" action="/governance/location" class="stack">
            <p class="muted">{_("gov.location.intro")}</p>
            <TransferNotice c={c} previews={previews} />
            <label for="loc-target">{_("gov.location.target")}</label>
            <select id="loc-target" name="location" required>
              {others.map((l) => (
                <option value={l}>{_(`settings.location.value.${l}`)}</option>
              ))}
            </select>
            <p>
              <input type="checkbox" id="loc-confirm" name="confirm" value="on" required />{" "}
              <label for="loc-confirm" class="inline">
                {_("gov.location.confirm")}
              </label>
            </p>
            {/* Every other location of an EU tenant is outside the EU: the owner confirms it. */}
            {previews.some((p) => p.kind === "location_us") ? <ConfirmNameField c={c} owner={owner} /> : null}
            <button type="submit">{_("gov.location.submit")}</button>
          </form>
        )}
      </section>

      {owner && ending ? (
        <section aria-labelledby="end-h">
          <h2 id="end-h">{_("contract.title")}</h2>
          {endActive ? (
            <>
              <p role="status">
                {_(`contract.status.${ending.status as "exporting" | "awaiting_deletion" | "deleting"}`, {
                  date: fmtDate(c, Date.parse(ending.deletionDueAt ?? "")),
                })}
              </p>
              {ending.exports.length ? (
                <ul>
                  {ending.exports.map((v) => (
                    <li>
                      <a href={`/governance/contract-end/exports/${v.part}`}>
                        {_("contract.volume", { part: v.part, calls: v.calls })}
                      </a>{" "}
                      <code>{v.sha256}</code>
                    </li>
                  ))}
                </ul>
              ) : null}
              {ending.status === "awaiting_deletion" ? (
                <form method="post" action="/governance/contract-end/delete-now">
                  <button type="submit" class="danger">
                    {_("contract.delete_now")}
                  </button>
                </form>
              ) : null}
              {ending.status !== "deleting" ? (
                <form method="post" action="/governance/contract-end/cancel">
                  <button type="submit" class="secondary">
                    {_("contract.cancel")}
                  </button>
                </form>
              ) : null}
            </>
          ) : (
            <details class="danger-zone">
              <summary>{_("contract.open")}</summary>
              <p>{_("contract.intro", { days: GRACE_DAYS })}</p>
              <form method="post" action="/governance/contract-end" class="stack">
                <p>
                  <input type="checkbox" id="end-export" name="export" value="on" checked />{" "}
                  <label for="end-export" class="inline">
                    {_("contract.export")}
                  </label>
                </p>
                <label for="end-name">{_("contract.confirm_name", { name: ctx.tenant.name })}</label>
                <input type="text" id="end-name" name="confirmName" required autocomplete="off" />
                <button type="submit" class="danger">
                  {_("contract.submit")}
                </button>
              </form>
            </details>
          )}
        </section>
      ) : null}
    </>,
    status,
  );
}

export function registerGovernance(app: Hono<AppEnv>) {
  const manage = access({ kind: "portal", perm: "settings:manage" });
  const ownerOnly = access({ kind: "portal", perm: "tenant:delete" });
  app.get("/governance", manage, (c) => governancePage(c));

  const handle =
    (
      fn: (c: PortalContext, f: Record<string, string>) => Promise<void>,
      done: Parameters<typeof doneUrl>[1],
    ) =>
    async (c: PortalContext) => {
      const f = await readForm(c);
      return orErrorPage(
        c,
        async () => {
          await fn(c, f);
          return c.redirect(doneUrl("/governance", done), 303);
        },
        (error, status) => governancePage(c, { error, form: f }, status), // what was typed stays
      );
    };

  app.post(
    "/governance/retention",
    manage,
    handle(async (c, f) => {
      const input: Partial<Record<RetentionCategory, number>> = {};
      for (const cat of RETENTION_CATEGORIES) {
        const raw = f[cat];
        if (raw === undefined || raw === "") continue;
        const n = Number(raw);
        if (!Number.isInteger(n) || n < 1 || n > 3650) throw invalid("gov.error.days", `/${cat}`);
        input[cat] = n;
      }
      await updateRetention(userCtx(c).ctx, {
        ...input,
        acknowledgeAboveGuidance: f.acknowledgeAboveGuidance === "on",
      });
    }, "retention"),
  );
  app.post(
    "/governance/legal-hold",
    manage,
    handle(async (c, f) => {
      if (!f.reason?.trim()) throw invalid("gov.error.reason", "/reason");
      await setLegalHold(userCtx(c).ctx, f.reason);
    }, "legal_hold"),
  );
  app.post(
    "/governance/legal-hold/lift",
    manage,
    handle(async (c) => {
      await setLegalHold(userCtx(c).ctx, null);
    }, "legal_hold_lifted"),
  );
  app.post(
    "/governance/retention/run",
    manage,
    handle(async (c) => {
      const { ctx, actor } = userCtx(c);
      await startRetentionRun(ctx.env, ctx.tenant, Date.now(), undefined, actor.id);
    }, "retention_run"),
  );
  app.post(
    "/governance/location",
    manage,
    handle(async (c, f) => {
      if (f.confirm !== "on") throw invalid("gov.error.confirm", "/confirm");
      if (!(LOCATIONS as readonly string[]).includes(f.location))
        throw invalid("gov.error.location", "/location");
      await updateLocationSettings(userCtx(c).ctx, {
        location: f.location as (typeof LOCATIONS)[number],
        confirmName: f.confirmName,
      });
    }, "location_move"),
  );
  app.post(
    "/governance/contract-end",
    ownerOnly,
    handle(async (c, f) => {
      await requestContractEnd(userCtx(c).ctx, {
        export: f.export === "on",
        confirmName: f.confirmName ?? "",
      });
    }, "contract_end"),
  );
  app.post(
    "/governance/contract-end/delete-now",
    ownerOnly,
    handle(async (c) => {
      await deleteNow(userCtx(c).ctx);
    }, "contract_delete_now"),
  );
  app.post(
    "/governance/contract-end/cancel",
    ownerOnly,
    handle(async (c) => {
      await cancelContractEnd(userCtx(c).ctx);
    }, "contract_cancelled"),
  );
  app.get("/governance/contract-end/exports/:part", ownerOnly, async (c) => {
    const part = Number(c.req.param("part"));
    if (!Number.isInteger(part) || part < 1) throw new ApiError("not_found", "No such export volume");
    const v = await readExportVolume(userCtx(c).ctx, part);
    return new Response(v.body, {
      headers: {
        "content-type": "application/zip",
        "content-length": String(v.size),
        "content-disposition": `attachment; filename="${v.name}"`,
        "cache-control": "no-store",
      },
    });
  });
}
