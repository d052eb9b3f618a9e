import type { Hono } from "hono";
import { downloadBackup, listBackups, startBackup, startRestore } from "../../../core/governance/backup";
import { updateSecuritySettings } from "../../../core/governance/settings";
import {
  acknowledgeAlert,
  COUNTED_KINDS,
  getAbuseSettings,
  listAlerts,
  updateAbuseSettings,
} from "../../../core/identity/abuse";
import { getSso, saveSso, verifySsoDomain } from "../../../core/identity/sso";
import { breachesForTenant } from "../../../core/ops/breaches";
import { ApiError } from "../../../core/platform/errors";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import {
  fmtDate,
  Head,
  orErrorPage,
  type PortalContext,
  portalPage,
  TableOrNone,
  userCtx,
} from "../../ui/common";
import { readForm } from "../../ui/forms";
import { tr } from "../../ui/layout";
import { Lines } from "../../ui/text";

const OK = ["sso", "verified", "password", "abuse", "acknowledged", "backup", "restore"] as const;
const okNotice = (c: PortalContext) => {
  const k = c.req.query("ok");
  return k && (OK as readonly string[]).includes(k) ? tr(c)(`security.ok.${k as (typeof OK)[number]}`) : null;
};

async function securityPage(c: PortalContext, error: string | null = null, status = 200) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const [sso, abuse, alerts, breaches, backups] = await Promise.all([
    getSso(ctx),
    getAbuseSettings(c.env, ctx.tenant.id),
    listAlerts(ctx, 20),
    breachesForTenant(c.env, ctx.tenant.id),
    listBackups(ctx),
  ]);
  return portalPage(
    c,
    { title: _("security.title"), error, notice: okNotice(c) },
    <>
      <section aria-labelledby="sso-h">
        <h2 id="sso-h">{_("sso.title")}</h2>
        <p class="muted">{_("sso.intro")}</p>
        <form method="post" action="/security/sso" class="stack">
          <label>
            {_("sso.provider")}
            <select name="provider">
              {(["google", "microsoft", "oidc"] as const).map((p) => (
                <option value={p} selected={sso?.provider === p}>
                  {_(`sso.provider.${p}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            {_("sso.issuer")}
            <input
              name="issuer"
              type="url"
              maxlength={500}
              value={sso?.provider === "google" ? "" : (sso?.issuer ?? "")}
            />
          </label>
          <label>
            {_("sso.client_id")}
            <input name="clientId" required maxlength={300} value={sso?.clientId ?? ""} />
          </label>
          <label>
            {sso?.clientSecretSet ? _("sso.client_secret_keep") : _("sso.client_secret")}
            <input name="clientSecret" type="password" autocomplete="off" maxlength={500} />
          </label>
          <label>
            {_("sso.domain")}
            <input name="domain" required maxlength={253} value={sso?.domain ?? ""} />
          </label>
          <label>
            {_("sso.default_role")}
            <select name="defaultRole">
              {(["viewer", "agent", "supervisor", "admin"] as const).map((r) => (
                <option value={r} selected={(sso?.defaultRole ?? "viewer") === r}>
                  {_(`role.${r}`)}
                </option>
              ))}
            </select>
          </label>
          <label>
            <span>
              <input type="checkbox" name="enabled" checked={sso?.enabled ?? false} /> {_("sso.enabled")}
            </span>
          </label>
          <button type="submit">{_("sso.save")}</button>
        </form>
        {sso ? (
          <>
            <p>
              {sso.domainVerified
                ? _("sso.domain_verified", { domain: sso.domain })
                : _("sso.domain_unverified", { domain: sso.domain })}
            </p>
            {!sso.domainVerified ? (
              <>
                <p>{_("sso.txt_help")}</p>
                <pre>
                  {sso.verificationRecord.name} TXT "{sso.verificationRecord.value}"
                </pre>
                <form method="post" action="/security/sso/verify" class="inline">
                  <button type="submit">{_("sso.verify")}</button>
                </form>
              </>
            ) : null}
            <p>{_("sso.callback", { url: `${c.env.APP_URL.replace(/\/+$/, "")}/sso/callback` })}</p>
          </>
        ) : null}
        <form method="post" action="/security/password-login" class="stack">
          <label>
            <span>
              <input type="checkbox" name="passwordLoginEnabled" checked={ctx.tenant.passwordLoginEnabled} />{" "}
              {_("sso.password_login")}
            </span>
          </label>
          <p class="muted">{_("sso.password_login_help")}</p>
          <button type="submit" class="secondary">
            {_("sso.password_login_save")}
          </button>
        </form>
      </section>
      <section aria-labelledby="abuse-h">
        <h2 id="abuse-h">{_("abuse.title")}</h2>
        <p class="muted">{_("abuse.intro")}</p>
        <form method="post" action="/security/abuse" class="stack">
          {COUNTED_KINDS.map((k) => (
            <label>
              {_(`abuse.threshold.${k}`)}
              <input
                name={k}
                type="number"
                min={k === "failed_logins" ? 3 : 1}
                required
                value={String(abuse.thresholds[k])}
              />
            </label>
          ))}
          <label>
            {_("abuse.window")}
            <input
              name="windowMinutes"
              type="number"
              min={5}
              max={1440}
              required
              value={String(abuse.windowMinutes)}
            />
          </label>
          <button type="submit">{_("abuse.save")}</button>
        </form>
        <h3>{_("abuse.alerts")}</h3>
        <TableOrNone
          none={_("abuse.none")}
          cols={[_("abuse.when"), _("abuse.what"), _("abuse.detail"), ""]}
          rows={alerts.map((a) => (
            <tr>
              <td>{fmtDate(c, Date.parse(a.createdAt))}</td>
              <td>{_(`abuse.kind.${a.kind}`)}</td>
              <td>
                <code>
                  {Object.entries(a.detail)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(" ")}
                </code>
              </td>
              <td>
                {a.acknowledgedAt ? (
                  _("abuse.acknowledged")
                ) : (
                  <form method="post" action={`/security/alerts/${a.id}/acknowledge`} class="inline">
                    <button type="submit" class="secondary">
                      {_("abuse.acknowledge")}
                    </button>
                  </form>
                )}
              </td>
            </tr>
          ))}
        />
      </section>
      <section aria-labelledby="backup-h">
        <h2 id="backup-h">{_("backup.title")}</h2>
        <p class="muted">{_("backup.intro")}</p>
        <form method="post" action="/security/backups" class="inline">
          <button type="submit">{_("backup.start")}</button>
        </form>
        {backups.length ? (
          <table>
            <Head cols={[_("abuse.when"), _("backup.kind"), _("backup.status"), ""]} />
            <tbody>
              {backups.map((b) => (
                <tr>
                  <td>{fmtDate(c, Date.parse(b.createdAt))}</td>
                  <td>{_(`backup.kind.${b.kind === "tenant_restore" ? "restore" : "export"}`)}</td>
                  <td>{b.status === "failed" ? `${b.status}: ${b.error ?? ""}` : b.status}</td>
                  <td>
                    {b.kind === "tenant_export" && b.status === "done" ? (
                      <a href={`/security/backups/${b.id}/download`}>{_("backup.download")}</a>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <form method="post" action="/security/backups/restore" class="stack" enctype="multipart/form-data">
          <label>
            {_("backup.restore_file")}
            <input type="file" name="file" accept=".zip,application/zip" required />
          </label>
          <p class="muted">{_("backup.restore_help")}</p>
          <button type="submit" class="secondary">
            {_("backup.restore")}
          </button>
        </form>
      </section>
      <section aria-labelledby="breach-h">
        <h2 id="breach-h">{_("security.breaches")}</h2>
        {breaches.length === 0 ? (
          <p class="muted">{_("security.breaches_none")}</p>
        ) : (
          <ul>
            {breaches.map((b) => (
              <li>
                <strong>{b.title}</strong>
                {/* Every GDPR art. 33(3) fact, so the organisation can notify its own authority. */}
                <dl>
                  <dt>{_("security.breach.notified")}</dt>
                  <dd>{fmtDate(c, Date.parse(b.notifiedAt))}</dd>
                  <dt>{_("security.breach.occurred")}</dt>
                  <dd>{fmtDate(c, Date.parse(b.occurredAt))}</dd>
                  <dt>{_("security.breach.discovered")}</dt>
                  <dd>{fmtDate(c, Date.parse(b.discoveredAt))}</dd>
                  <dt>{_("security.breach.nature")}</dt>
                  <dd>
                    <Lines text={b.description} />
                  </dd>
                  <dt>{_("security.breach.categories")}</dt>
                  <dd>{b.dataCategories}</dd>
                  <dt>{_("security.breach.subjects")}</dt>
                  <dd>{b.approxSubjects ?? _("security.breach.unknown")}</dd>
                  <dt>{_("security.breach.records")}</dt>
                  <dd>{b.approxRecords ?? _("security.breach.unknown")}</dd>
                  <dt>{_("security.breach.consequences")}</dt>
                  <dd>
                    <Lines text={b.consequences} />
                  </dd>
                  <dt>{_("security.breach.measures")}</dt>
                  <dd>
                    <Lines text={b.measures} />
                  </dd>
                  <dt>{_("security.breach.contact")}</dt>
                  <dd>{b.contact}</dd>
                </dl>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>,
    status,
  );
}

const int = (v: string | undefined) => (v?.trim() ? Number(v) : undefined);

/** Security settings (A8, I5, I9): single sign-on, password login, abuse alerts, breach notices. */
export function registerSecurityPage(app: Hono<AppEnv>) {
  const manage = access({ kind: "portal", perm: "settings:manage" });
  app.get("/security", manage, (c) => securityPage(c));
  const act = (path: string, ok: (typeof OK)[number], run: (c: PortalContext) => Promise<unknown>) =>
    app.post(path, manage, async (c) => {
      return orErrorPage(
        c,
        async () => {
          await run(c);
          return c.redirect(`/security?ok=${ok}`, 303);
        },
        (error, status, err) => {
          if (status === 404) throw err;
          return securityPage(c, error, status);
        },
      );
    });
  act("/security/sso", "sso", async (c) => {
    const f = await readForm(c);
    await saveSso(userCtx(c).ctx, {
      provider: (f.provider as "oidc") ?? "oidc",
      issuer: f.issuer?.trim() || undefined,
      clientId: f.clientId ?? "",
      clientSecret: f.clientSecret || undefined,
      domain: f.domain ?? "",
      defaultRole: (f.defaultRole as "viewer") ?? "viewer",
      enabled: f.enabled === "on",
    });
  });
  act("/security/sso/verify", "verified", (c) => verifySsoDomain(userCtx(c).ctx));
  act("/security/password-login", "password", async (c) => {
    const f = await readForm(c);
    await updateSecuritySettings(userCtx(c).ctx, { passwordLoginEnabled: f.passwordLoginEnabled === "on" });
  });
  act("/security/abuse", "abuse", async (c) => {
    const f = await readForm(c);
    await updateAbuseSettings(userCtx(c).ctx, {
      thresholds: {
        mass_export: int(f.mass_export),
        mass_deletion: int(f.mass_deletion),
        failed_logins: int(f.failed_logins),
      },
      windowMinutes: int(f.windowMinutes) ?? 60,
    });
  });
  act("/security/backups", "backup", (c) => startBackup(userCtx(c).ctx));
  act("/security/backups/restore", "restore", async (c) => {
    const body = await c.req.parseBody();
    const file = body.file;
    if (!(file instanceof File) || file.size === 0)
      throw new ApiError("validation_failed", "choose a file", { messageKey: "backup.error.no_file" });
    await startRestore(userCtx(c).ctx, file.stream(), file.size);
  });
  app.get("/security/backups/:jobId/download", manage, async (c) => {
    const f = await downloadBackup(userCtx(c).ctx, c.req.param("jobId"));
    return new Response(f.body, {
      headers: {
        "content-type": "application/zip",
        "content-length": String(f.size),
        "content-disposition": `attachment; filename="${f.name}"`,
        "cache-control": "private, no-store",
      },
    });
  });
  act("/security/alerts/:alertId/acknowledge", "acknowledged", (c) =>
    acknowledgeAlert(userCtx(c).ctx, c.req.param("alertId") ?? ""),
  );
}
