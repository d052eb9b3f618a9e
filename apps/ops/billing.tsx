import type { Hono, MiddlewareHandler } from "hono";
import { assignPlan, operatorBillingRows } from "../../core/billing/account";
import { billingMode } from "../../core/billing/config";
import { isPlanId, PLAN_IDS, PLANS } from "../../core/billing/plans";
import { listTenantsForOperator } from "../../core/identity/operators";
import { tenantById } from "../../core/identity/tenants";
import { ApiError } from "../../core/platform/errors";
import type { AppEnv } from "../types";
import { Head, orErrorPage } from "../ui/common";
import { readForm } from "../ui/forms";
import { Alerts, tr } from "../ui/layout";
import { auditOperator, opsPage } from "./kit";

type OpsContext = Parameters<typeof opsPage>[0];

/**
 * /ops/billing (G4, H2): every tenant's plan and this period's analysed minutes; operators assign
 * plans (local mode, or contracts outside Stripe). Assignments are audited on the platform chain
 * and recorded in the tenant's subscription history.
 */
async function billingPage(c: OpsContext, msg: { error?: string | null } = {}, status = 200) {
  const _ = tr(c);
  await auditOperator(c, "operator.view_billing");
  const rows = await operatorBillingRows(c.env, (await listTenantsForOperator(c.env)).slice(0, 500));
  const int = (v: number) => new Intl.NumberFormat(c.get("locale") === "fr" ? "fr-FR" : "en-GB").format(v);
  return opsPage(
    c,
    _("ops.billing.title"),
    <>
      <Alerts
        error={msg.error}
        notice={c.req.query("done") === "assigned" ? _("ops.billing.assigned") : null}
      />
      <p class="muted">
        {_(billingMode(c.env) === "stripe" ? "ops.billing.mode.stripe" : "ops.billing.mode.local")}
      </p>
      <table>
        <Head
          cols={[
            _("ops.billing.col.tenant"),
            _("ops.billing.col.plan"),
            _("ops.billing.col.usage"),
            _("ops.billing.col.assign"),
          ]}
        />
        <tbody>
          {rows.map((r) => (
            <tr>
              <td>
                {r.tenant.name} <code>{r.tenant.id}</code>
              </td>
              <td>
                {r.plan.name}{" "}
                <span class="muted">({_(`billing.plan.source.${r.account?.planSource ?? "default"}`)})</span>
              </td>
              <td>
                {int(r.usedMinutes)} / {r.plan.includedMinutes === null ? "∞" : int(r.plan.includedMinutes)}
                {r.holding ? <strong> — {_("ops.billing.holding")}</strong> : null}
              </td>
              <td>
                <form method="post" action={`/ops/billing/${r.tenant.id}/plan`} class="inline">
                  <label for={`plan-${r.tenant.id}`} class="inline">
                    {_("ops.billing.col.plan")}
                  </label>{" "}
                  <select id={`plan-${r.tenant.id}`} name="plan">
                    {PLAN_IDS.map((id) => (
                      <option value={id} selected={id === r.plan.id}>
                        {PLANS[id].name}
                      </option>
                    ))}
                  </select>{" "}
                  <button type="submit">{_("ops.billing.assign")}</button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>,
    status,
  );
}

export function registerOpsBilling(app: Hono<AppEnv>, ops: MiddlewareHandler<AppEnv>) {
  app.get("/ops/billing", ops, (c) => billingPage(c));

  app.post("/ops/billing/:tenantId/plan", ops, async (c) => {
    const tenantId = c.req.param("tenantId");
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        if (!(await tenantById(c.env, tenantId))) throw new ApiError("not_found", "Tenant not found");
        if (!isPlanId(f.plan))
          throw new ApiError("validation_failed", "unknown plan", {
            errors: [{ pointer: "/plan", detail: "unknown" }],
          });
        await assignPlan(c.env, tenantId, f.plan, c.get("operator").id);
        await auditOperator(c, "operator.billing_plan_assigned", {
          targetType: "tenant",
          targetId: tenantId,
        });
        return c.redirect("/ops/billing?done=assigned", 303);
      },
      (error, status, err) => {
        if (status === 404) throw err;
        return billingPage(c, { error }, status);
      },
    );
  });
}
