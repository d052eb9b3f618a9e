import type { Hono, MiddlewareHandler } from "hono";
import { listAllAlerts } from "../../core/identity/abuse";
import { queueHealth, replayDeadLetter, tenantUsage } from "../../core/ops/health";
import { formatDateTime } from "../../core/platform/i18n";
import type { AppEnv } from "../types";
import { Head, TableOrNone } from "../ui/common";
import { tr } from "../ui/layout";
import { auditOperator, opsPage } from "./kit";
import { operatorRef } from "./support";

/** Console pages (H2, I5, I8): queue and dead-letter health with replay, abuse alerts, a tenant's usage. */
export function registerOpsConsole(app: Hono<AppEnv>, ops: MiddlewareHandler<AppEnv>) {
  app.get("/ops/health", ops, async (c) => {
    const _ = tr(c);
    const locale = c.get("locale");
    await auditOperator(c, "operator.view_queue_health");
    const h = await queueHealth(c.env);
    return opsPage(
      c,
      _("ops.health.title"),
      <>
        <ul>
          <li>{_("ops.health.dead_open", { n: h.deadLettersOpen })}</li>
          <li>{_("ops.health.mail", { n: h.mail.queued, errors: h.mail.withError })}</li>
          <li>{_("ops.health.webhooks", { n: h.webhooksFailed24h })}</li>
        </ul>
        <h2>{_("ops.health.dead_title")}</h2>
        <TableOrNone
          none={_("ops.health.dead_none")}
          cols={[
            _("ops.health.when"),
            _("ops.health.queue"),
            _("ops.health.message"),
            _("ops.health.attempts"),
            "",
          ]}
          rows={h.deadLetters.map((d) => (
            <tr>
              <td>{formatDateTime(locale, d.createdAt, "UTC")}</td>
              <td>{d.queue}</td>
              <td>
                <code>{JSON.stringify(d.body)}</code>
              </td>
              <td>{d.attempts}</td>
              <td>
                {d.replayedAt ? (
                  _("ops.health.replayed", { when: formatDateTime(locale, d.replayedAt, "UTC") })
                ) : (
                  <form method="post" action={`/ops/health/dead-letters/${d.id}/replay`} class="inline">
                    <button type="submit">{_("ops.health.replay")}</button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        />
        <h2>{_("ops.health.jobs_title")}</h2>
        <table>
          <Head cols={[_("ops.health.kind"), _("ops.health.status"), _("ops.health.count")]} />
          <tbody>
            {h.jobs.map((j) => (
              <tr>
                <td>{j.kind}</td>
                <td>{j.status}</td>
                <td>{j.n}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h2>{_("ops.health.failed_jobs")}</h2>
        {h.failedJobs.length === 0 ? (
          <p class="muted">{_("ops.health.none")}</p>
        ) : (
          <ul>
            {h.failedJobs.map((j) => (
              <li>
                <code>{j.id}</code> {j.kind} — {j.error} ({formatDateTime(locale, j.updatedAt, "UTC")})
              </li>
            ))}
          </ul>
        )}
      </>,
    );
  });

  app.post("/ops/health/dead-letters/:deadLetterId/replay", ops, async (c) => {
    await replayDeadLetter(c.env, operatorRef(c), c.req.param("deadLetterId"));
    return c.redirect("/ops/health", 303);
  });

  app.get("/ops/alerts", ops, async (c) => {
    const _ = tr(c);
    const locale = c.get("locale");
    await auditOperator(c, "operator.view_security_alerts");
    const rows = await listAllAlerts(c.env);
    return opsPage(
      c,
      _("ops.alerts.title"),
      <TableOrNone
        none={_("abuse.none")}
        cols={[
          _("abuse.when"),
          _("ops.tenants.name"),
          _("abuse.what"),
          _("abuse.detail"),
          _("abuse.acknowledged"),
        ]}
        rows={rows.map(({ a, tenantName }) => (
          <tr>
            <td>{formatDateTime(locale, a.createdAt, "UTC")}</td>
            <td>
              {a.tenantId ? (
                <a href={`/ops/tenants/${a.tenantId}`}>{tenantName ?? a.tenantId}</a>
              ) : (
                <span class="muted">{_("abuse.platform")}</span>
              )}
            </td>
            <td>{_(`abuse.kind.${a.kind}`)}</td>
            <td>
              <code>
                {Object.entries(a.detail)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(" ")}
              </code>
            </td>
            <td>{a.acknowledgedAt ? formatDateTime(locale, a.acknowledgedAt, "UTC") : "—"}</td>
          </tr>
        ))}
      />,
    );
  });

  app.get("/ops/tenants/:tenantId", ops, async (c) => {
    const _ = tr(c);
    const locale = c.get("locale");
    const id = c.req.param("tenantId");
    await auditOperator(c, "operator.view_tenant", { targetType: "tenant", targetId: id });
    const { tenant: t, usage } = await tenantUsage(c.env, id);
    return opsPage(
      c,
      t.name,
      <>
        <p>
          <a href="/ops">{_("ops.nav.tenants")}</a>
        </p>
        <dl>
          <dt>{_("ops.tenants.id")}</dt>
          <dd>
            <code>{t.id}</code>
          </dd>
          <dt>{_("ops.tenants.location")}</dt>
          <dd>
            {_(`settings.location.value.${t.location}`)} ({t.shard}, {t.processingScope})
          </dd>
          <dt>{_("ops.tenants.status")}</dt>
          <dd>{_(`ops.tenant_status.${t.status}`)}</dd>
          <dt>{_("ops.tenant.plan")}</dt>
          <dd>{_("ops.tenant.plan_local")}</dd>
          <dt>{_("ops.tenants.created")}</dt>
          <dd>{formatDateTime(locale, t.createdAt, "UTC")}</dd>
        </dl>
        <h2>{_("ops.tenant.usage")}</h2>
        <dl>
          <dt>{_("ops.tenant.calls")}</dt>
          <dd>{usage.calls}</dd>
          <dt>{_("ops.tenant.calls_month")}</dt>
          <dd>{usage.callsThisMonth}</dd>
          <dt>{_("ops.tenant.minutes_month")}</dt>
          <dd>{usage.analysedMinutesThisPeriod}</dd>
          <dt>{_("ops.tenant.members")}</dt>
          <dd>{usage.members}</dd>
          <dt>{_("ops.tenant.keys")}</dt>
          <dd>{usage.activeApiKeys}</dd>
          <dt>{_("ops.tenant.tickets")}</dt>
          <dd>{usage.openTickets}</dd>
        </dl>
      </>,
    );
  });
}
