import type { Context } from "hono";
import type { Child } from "hono/jsx";
import { appendAudit } from "../../core/platform/audit";
import { currentPolicy } from "../../core/privacy/policy-versions";
import { clientIp } from "../middleware/request";
import type { AppEnv } from "../types";
import { page, tr } from "../ui/layout";

/** What every operator-console page shares (the console's header, its audit line); index.tsx wires the routes. */
type OpsContext = Context<AppEnv>;

/**
 * Every operator page view and action goes to the platform audit chain (A9), with the operator
 * as actor. Nothing about call content is ever written here.
 */
export async function auditOperator(
  c: OpsContext,
  action: string,
  opts: { targetType?: string; targetId?: string } = {},
) {
  const op = c.get("operator");
  await appendAudit(c.env, {
    tenantId: null,
    actor: { type: "operator", id: op.id, sessionId: op.sessionId, email: op.email },
    action,
    targetType: opts.targetType,
    targetId: opts.targetId,
    ip: clientIp(c),
    userAgent: c.req.header("user-agent") ?? null,
    meta: { requestId: c.get("requestId") },
  });
}

/**
 * In production, while no privacy policy version is in force, every console page opens with this
 * alert (it cannot be dismissed; it goes when a version is published at /ops/legal): tenants and
 * visitors would otherwise see no policy at all. Development has the seed's labelled placeholder.
 */
function PolicyMissingAlert({ c }: { c: OpsContext }) {
  const _ = tr(c);
  return (
    <section class="error" role="alert" aria-labelledby="policy-missing-h">
      <h2 id="policy-missing-h">{_("ops.policy_missing.title")}</h2>
      <p>{_("ops.policy_missing.body")}</p>
      <p>
        <a href="/ops/legal">{_("ops.policy_missing.link")}</a>
      </p>
    </section>
  );
}
const policyMissing = async (c: OpsContext) =>
  c.env.ENVIRONMENT === "production" && (await currentPolicy(c.env)) === null;

/** The console's own header: its links and its own sign-out (the portal's posts to /logout). */
export async function opsPage(c: OpsContext, title: string, body: Child, status = 200) {
  const _ = tr(c);
  const op = c.get("operator");
  const missing = await policyMissing(c);
  return page(
    c,
    { title },
    <>
      <nav aria-label={_("ops.nav.label")}>
        <a href="/ops">{_("ops.nav.tenants")}</a> · <a href="/ops/audit">{_("ops.nav.audit")}</a> ·{" "}
        <a href="/ops/legal">{_("ops.nav.legal")}</a> · <a href="/ops/privacy">{_("privacy.ops.nav")}</a> ·{" "}
        <a href="/ops/billing">{_("ops.nav.billing")}</a> · <a href="/ops/support">{_("ops.nav.support")}</a>{" "}
        · <a href="/ops/breaches">{_("ops.nav.breaches")}</a> ·{" "}
        <a href="/ops/health">{_("ops.nav.health")}</a> · <a href="/ops/alerts">{_("ops.nav.alerts")}</a> ·{" "}
        <span class="muted">{_("ops.nav.signed_in", { name: op.name || op.email })}</span>{" "}
        <form method="post" action="/ops/logout" class="inline">
          <button type="submit" class="secondary">
            {_("ops.logout")}
          </button>
        </form>
      </nav>
      {missing ? <PolicyMissingAlert c={c} /> : null}
      {body}
    </>,
    status,
  );
}
