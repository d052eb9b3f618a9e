import type { Hono, MiddlewareHandler } from "hono";
import { listTenantsForOperator } from "../../core/identity/operators";
import {
  addAffectedTenants,
  getBreach,
  listBreaches,
  recordBreach,
  setBreachStatus,
} from "../../core/ops/breaches";
import { formatDateTime } from "../../core/platform/i18n";
import type { AppEnv } from "../types";
import { orErrorPage, TableOrNone } from "../ui/common";
import { readForm } from "../ui/forms";
import { Alerts, tr } from "../ui/layout";
import { Lines } from "../ui/text";
import { auditOperator, opsPage } from "./kit";
import { operatorRef } from "./support";

type OpsContext = Parameters<typeof opsPage>[0];

/** `YYYY-MM-DDTHH:MM` (datetime-local, read as UTC) → epoch ms; anything else → NaN (refused). */
const utc = (v: string | undefined) =>
  v && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v) ? Date.parse(`${v}:00Z`) : Number.NaN;
const ids = (v: string | undefined) =>
  (v ?? "")
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
const optInt = (v: string | undefined) => (v?.trim() ? Number(v) : null);

async function listPage(c: OpsContext, error: string | null = null, status = 200) {
  const _ = tr(c);
  const locale = c.get("locale");
  const rows = await listBreaches(c.env);
  const now = new Date().toISOString().slice(0, 16);
  return opsPage(
    c,
    _("ops.breaches.title"),
    <>
      <Alerts error={error} />
      <p class="muted">{_("ops.breaches.intro")}</p>
      <TableOrNone
        none={_("ops.breaches.none")}
        cols={[_("ops.breaches.field.title"), _("ops.breaches.field.discovered"), _("ops.breaches.status")]}
        rows={rows.map((b) => (
          <tr>
            <td>
              <a href={`/ops/breaches/${b.id}`}>{b.title}</a>
            </td>
            <td>{formatDateTime(locale, b.discoveredAt, "UTC")}</td>
            <td>{_(`ops.breaches.status.${b.status}`)}</td>
          </tr>
        ))}
      />
      <h2>{_("ops.breaches.record")}</h2>
      <form method="post" action="/ops/breaches" class="stack">
        <label>
          {_("ops.breaches.field.title")}
          <input name="title" required maxlength={200} />
        </label>
        <label>
          {_("ops.breaches.field.description")}
          <textarea name="description" rows={4} required maxlength={5000} />
        </label>
        <label>
          {_("ops.breaches.field.occurred")}
          <input type="datetime-local" name="occurredAt" required value={now} />
        </label>
        <label>
          {_("ops.breaches.field.discovered")}
          <input type="datetime-local" name="discoveredAt" required value={now} />
        </label>
        <label>
          {_("ops.breaches.field.categories")}
          <input name="dataCategories" required maxlength={1000} />
        </label>
        <label>
          {_("ops.breaches.field.subjects")}
          <input name="approxSubjects" type="number" min={0} />
        </label>
        <label>
          {_("ops.breaches.field.records")}
          <input name="approxRecords" type="number" min={0} />
        </label>
        <label>
          {_("ops.breaches.field.consequences")}
          <textarea name="consequences" rows={3} required maxlength={5000} />
        </label>
        <label>
          {_("ops.breaches.field.measures")}
          <textarea name="measures" rows={3} required maxlength={5000} />
        </label>
        <label>
          {_("ops.breaches.field.contact")}
          <input name="contact" required maxlength={500} />
        </label>
        <label>
          {_("ops.breaches.field.tenants")}
          <textarea name="tenantIds" rows={3} />
        </label>
        <label>
          <span>
            <input type="checkbox" name="allTenants" /> {_("ops.breaches.field.all_tenants")}
          </span>
        </label>
        <button type="submit">{_("ops.breaches.submit")}</button>
      </form>
    </>,
    status,
  );
}

/** Breach register (I9) in the operator console. */
export function registerOpsBreaches(app: Hono<AppEnv>, ops: MiddlewareHandler<AppEnv>) {
  app.get("/ops/breaches", ops, async (c) => {
    await auditOperator(c, "operator.view_breaches");
    return listPage(c);
  });

  app.post("/ops/breaches", ops, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        const tenantIds =
          f.allTenants === "on"
            ? (await listTenantsForOperator(c.env)).filter((t) => t.status !== "closed").map((t) => t.id)
            : ids(f.tenantIds);
        const { breach } = await recordBreach(c.env, operatorRef(c), {
          title: f.title ?? "",
          description: f.description ?? "",
          occurredAt: utc(f.occurredAt),
          discoveredAt: utc(f.discoveredAt),
          dataCategories: f.dataCategories ?? "",
          approxSubjects: optInt(f.approxSubjects),
          approxRecords: optInt(f.approxRecords),
          consequences: f.consequences ?? "",
          measures: f.measures ?? "",
          contact: f.contact ?? "",
          tenantIds,
        });
        return c.redirect(`/ops/breaches/${breach.id}`, 303);
      },
      (error, status) => listPage(c, error, status),
    );
  });

  app.get("/ops/breaches/:breachId", ops, async (c) => {
    const _ = tr(c);
    const locale = c.get("locale");
    const id = c.req.param("breachId");
    await auditOperator(c, "operator.view_breach", { targetType: "breach", targetId: id });
    const { breach: b, notifications } = await getBreach(c.env, id);
    return opsPage(
      c,
      b.title,
      <>
        <p>
          <a href="/ops/breaches">{_("ops.breaches.back")}</a>
        </p>
        <dl>
          <dt>{_("ops.breaches.field.description")}</dt>
          <dd>
            <Lines text={b.description} />
          </dd>
          <dt>{_("ops.breaches.field.occurred")}</dt>
          <dd>{formatDateTime(locale, b.occurredAt, "UTC")}</dd>
          <dt>{_("ops.breaches.field.discovered")}</dt>
          <dd>{formatDateTime(locale, b.discoveredAt, "UTC")}</dd>
          <dt>{_("ops.breaches.field.categories")}</dt>
          <dd>{b.dataCategories}</dd>
          <dt>{_("ops.breaches.field.subjects")}</dt>
          <dd>{b.approxSubjects ?? "—"}</dd>
          <dt>{_("ops.breaches.field.records")}</dt>
          <dd>{b.approxRecords ?? "—"}</dd>
          <dt>{_("ops.breaches.field.consequences")}</dt>
          <dd>
            <Lines text={b.consequences} />
          </dd>
          <dt>{_("ops.breaches.field.measures")}</dt>
          <dd>
            <Lines text={b.measures} />
          </dd>
          <dt>{_("ops.breaches.field.contact")}</dt>
          <dd>{b.contact}</dd>
          <dt>{_("ops.breaches.status")}</dt>
          <dd>{_(`ops.breaches.status.${b.status}`)}</dd>
        </dl>
        <form method="post" action={`/ops/breaches/${b.id}/status`} class="inline">
          <select name="status" aria-label={_("ops.breaches.status")}>
            {(["open", "contained", "closed"] as const).map((s) => (
              <option value={s} selected={s === b.status}>
                {_(`ops.breaches.status.${s}`)}
              </option>
            ))}
          </select>{" "}
          <button type="submit" class="secondary">
            {_("ops.breaches.set_status")}
          </button>
        </form>
        <h2>{_("ops.breaches.notifications")}</h2>
        <TableOrNone
          none={_("ops.breaches.no_notifications")}
          cols={[
            _("ops.tenants.name"),
            _("ops.breaches.recipients"),
            _("ops.breaches.notified_at"),
            _("ops.breaches.delay"),
          ]}
          rows={notifications.map((n) => (
            <tr>
              <td class={n.tenantName === null ? "muted" : undefined}>
                {n.tenantName ?? _("ops.breaches.tenant_ended")}
              </td>
              <td>{n.recipients}</td>
              <td>{formatDateTime(locale, n.notifiedAt, "UTC")}</td>
              <td class={n.delayHours > 24 ? "error" : undefined}>{n.delayHours} h</td>
            </tr>
          ))}
        />
        <form method="post" action={`/ops/breaches/${b.id}/tenants`} class="stack">
          <label>
            {_("ops.breaches.field.tenants")}
            <textarea name="tenantIds" rows={2} required />
          </label>
          <button type="submit">{_("ops.breaches.add_tenants")}</button>
        </form>
      </>,
    );
  });

  app.post("/ops/breaches/:breachId/tenants", ops, async (c) => {
    const id = c.req.param("breachId");
    const f = await readForm(c);
    await addAffectedTenants(c.env, operatorRef(c), id, ids(f.tenantIds));
    return c.redirect(`/ops/breaches/${id}`, 303);
  });

  app.post("/ops/breaches/:breachId/status", ops, async (c) => {
    const id = c.req.param("breachId");
    const f = await readForm(c);
    await setBreachStatus(c.env, operatorRef(c), id, f.status ?? "");
    return c.redirect(`/ops/breaches/${id}`, 303);
  });
}
