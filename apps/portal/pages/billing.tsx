import type { Hono } from "hono";
import {
  type BillingOverview,
  billingOverview,
  type historyView,
  type invoiceView,
  isLiveStatus,
  listInvoices,
  listSubscriptionHistory,
  quotaState,
  updateBillingSettings,
  usageByPeriod,
} from "../../../core/billing/account";
import { createCheckoutSession, createPortalSession } from "../../../core/billing/checkout";
import { isPlanId, PLAN_IDS, PLANS, type Plan, type PlanId } from "../../../core/billing/plans";
import type { Ctx } from "../../../core/platform/context";
import type { MessageKey } from "../../../core/platform/i18n";
import { roleAllows } from "../../../core/platform/rbac";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import {
  fmtDate,
  Head,
  invalid,
  orErrorPage,
  orNull,
  type PortalContext,
  portalPage,
  TableOrNone,
  trOr,
  userCtx,
} from "../../ui/common";
import { type Form, readForm } from "../../ui/forms";
import { tr } from "../../ui/layout";

/**
 * /billing (D6, G1–G4): plan, usage against the quota, plans to subscribe to or switch to (Stripe
 * Checkout), the Stripe Customer Portal, the behaviour over quota, the billing contact, invoices
 * and subscription history. Owners and admins only. In local mode it says billing is not
 * configured and shows the plan an operator assigned.
 */

const NOTICES = {
  quota: "billing.done.quota",
  contact: "billing.done.contact",
} as const satisfies Record<string, MessageKey>;

function noticeOf(c: PortalContext): string | null {
  const _ = tr(c);
  const checkout = c.req.query("checkout");
  if (checkout === "success") return _("billing.checkout.success");
  if (checkout === "cancelled") return _("billing.checkout.cancelled");
  const done = c.req.query("done");
  return done && Object.hasOwn(NOTICES, done) ? _(NOTICES[done as keyof typeof NOTICES]) : null;
}

const eur = (c: PortalContext, v: number) =>
  new Intl.NumberFormat(c.get("locale") === "fr" ? "fr-FR" : "en-GB", {
    style: "currency",
    currency: "EUR",
    maximumFractionDigits: v % 1 === 0 ? 0 : 2,
  }).format(v);

const money = (c: PortalContext, minor: number, currency: string) => {
  try {
    return new Intl.NumberFormat(c.get("locale") === "fr" ? "fr-FR" : "en-GB", {
      style: "currency",
      currency: currency.toUpperCase(),
    }).format(minor / 100);
  } catch {
    return `${(minor / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
};

const int = (c: PortalContext, v: number) =>
  new Intl.NumberFormat(c.get("locale") === "fr" ? "fr-FR" : "en-GB").format(v);

function priceOf(c: PortalContext, p: Plan): string {
  const _ = tr(c);
  if (p.monthlyPriceEur === null) return _("billing.plan.on_quote");
  if (p.monthlyPriceEur === 0) return _("billing.plan.free");
  return _("billing.plan.per_month", { amount: eur(c, p.monthlyPriceEur) });
}

/** The quota notice, shown here and on the home page while new calls wait (G3). */
export function QuotaNotice({ c, o }: { c: PortalContext; o: Pick<BillingOverview, "usage"> }) {
  const _ = tr(c);
  const u = o.usage;
  if (u.holdingNewCalls)
    return (
      <p class="error" role="alert">
        {_("billing.notice.holding", {
          used: int(c, u.usedMinutes),
          included: int(c, u.includedMinutes ?? 0),
          until: fmtDate(c, Date.parse(u.period.end)),
        })}
      </p>
    );
  if (u.exceeded && u.overageMinutes > 0)
    return (
      <p class="notice" role="status">
        {_("billing.notice.overage", { overage: int(c, u.overageMinutes) })}
      </p>
    );
  return null;
}

/** Home page banner: only when new calls are waiting for quota. */
export async function homeQuotaBanner(c: PortalContext, ctx: Ctx) {
  const q = await quotaState(ctx.env, ctx.tenant.id);
  if (!q.holding) return null;
  const role = ctx.actor.type === "user" ? ctx.actor.role : "viewer";
  const _ = tr(c);
  return (
    <p class="error" role="alert">
      {_("billing.notice.holding_short")}{" "}
      {roleAllows(role, "billing:read") ? <a href="/billing">{_("nav.billing")}</a> : null}
    </p>
  );
}

type UsagePeriod = Awaited<ReturnType<typeof usageByPeriod>>["periods"][number];
type InvoiceRow = ReturnType<typeof invoiceView>;
type HistoryRow = ReturnType<typeof historyView>;

/** A count from a plan, or "unlimited" where the plan sets none. */
const orUnlimited = (c: PortalContext, v: number | null) =>
  v === null ? tr(c)("billing.plan.unlimited") : int(c, v);

/** What every section of the page reads: the overview and what the viewer may do with it. */
interface BillingView {
  c: PortalContext;
  o: BillingOverview;
  plan: Plan;
  /** Stripe is configured (otherwise an operator assigns plans: local mode). */
  stripe: boolean;
  /** The viewer may change the plan, the quota behaviour and the billing contact. */
  manage: boolean;
  /** A subscription that is still running (a plan change replaces it rather than adding one). */
  liveSub: boolean;
}

async function billingPage(c: PortalContext, state: { error?: string | null } = {}, status = 200) {
  const _ = tr(c);
  const { ctx, actor } = userCtx(c);
  const [o, usage, inv, hist] = await Promise.all([
    billingOverview(ctx),
    usageByPeriod(ctx, 12),
    listInvoices(ctx, { limit: 24 }),
    listSubscriptionHistory(ctx, { limit: 24 }),
  ]);
  const v: BillingView = {
    c,
    o,
    plan: PLANS[o.plan.id],
    stripe: o.mode === "stripe",
    manage: roleAllows(actor.role, "billing:manage"),
    liveSub: !!o.subscription && isLiveStatus(o.subscription.status),
  };
  return portalPage(
    c,
    { title: _("billing.title"), error: state.error, notice: noticeOf(c) },
    <>
      {v.stripe ? null : (
        <p class="notice" role="status">
          {_("billing.local")}
        </p>
      )}
      <QuotaNotice c={c} o={o} />
      <PlanSection v={v} />
      <UsageSection c={c} u={o.usage} periods={usage.periods} />
      <PlansSection v={v} />
      {v.stripe && v.manage && o.subscription ? <PortalSection c={c} /> : null}
      {v.manage ? <QuotaSection v={v} /> : null}
      <ContactSection v={v} />
      <InvoicesSection c={c} invoices={inv.data} />
      <HistorySection c={c} history={hist.data} />
    </>,
    status,
  );
}

/** The current plan, its limits and features, the subscription and (with Stripe) the card. */
function PlanSection({ v }: { v: BillingView }) {
  const { c, o, plan } = v;
  const _ = tr(c);
  return (
    <section aria-labelledby="plan-h">
      <h2 id="plan-h">{_("billing.plan.title")}</h2>
      <dl>
        <dt>{plan.name}</dt>
        <dd>
          {priceOf(c, plan)} <span class="muted">({_(`billing.plan.source.${o.planSource}`)})</span>
        </dd>
        <dt>{_("billing.plan.minutes")}</dt>
        <dd>{orUnlimited(c, plan.includedMinutes)}</dd>
        <dt>{_("billing.plan.seats")}</dt>
        <dd>{orUnlimited(c, plan.seats)}</dd>
        <dt>{_("billing.plan.overage")}</dt>
        <dd>
          {plan.overagePerMinuteEur === null
            ? _("billing.plan.no_overage")
            : _("billing.plan.overage_rate", { amount: eur(c, plan.overagePerMinuteEur) })}
        </dd>
        <dt>{_("billing.plan.features")}</dt>
        <dd>
          {(["llmAnalysis", "apiAccess", "sso"] as const)
            .filter((f) => plan.features[f])
            .map((f) => _(`billing.feature.${f}`))
            .join(", ")}
        </dd>
        <SubscriptionStatus c={c} sub={o.subscription} />
        {v.stripe ? <PaymentMethod c={c} card={o.paymentMethod} /> : null}
      </dl>
      {v.stripe ? <p class="muted">{_("billing.payment.note")}</p> : null}
    </section>
  );
}

/** The subscription's status and when it renews or ends (nothing without a subscription). */
function SubscriptionStatus({ c, sub }: { c: PortalContext; sub: BillingOverview["subscription"] }) {
  if (!sub) return null;
  const _ = tr(c);
  return (
    <>
      <dt>{_("billing.subscription.status")}</dt>
      <dd>
        {sub.status}
        {sub.currentPeriodEnd ? (
          <>
            {" — "}
            {_(sub.cancelAtPeriodEnd ? "billing.subscription.ends" : "billing.subscription.renews", {
              date: fmtDate(c, Date.parse(sub.currentPeriodEnd)),
            })}
          </>
        ) : null}
      </dd>
    </>
  );
}

/** The card on file at Stripe, or that there is none. */
function PaymentMethod({ c, card }: { c: PortalContext; card: BillingOverview["paymentMethod"] }) {
  const _ = tr(c);
  return (
    <>
      <dt>{_("billing.payment.title")}</dt>
      <dd>
        {card
          ? _("billing.payment.card", { brand: card.brand ?? "", last4: card.last4 })
          : _("billing.payment.none")}
      </dd>
    </>
  );
}

/** This period's minutes against the quota (a meter), then the minutes and calls of past periods. */
function UsageSection({
  c,
  u,
  periods,
}: {
  c: PortalContext;
  u: BillingOverview["usage"];
  periods: UsagePeriod[];
}) {
  const _ = tr(c);
  return (
    <section aria-labelledby="usage-h">
      <h2 id="usage-h">{_("billing.usage.title")}</h2>
      <p>
        {_("billing.usage.period", {
          start: fmtDate(c, Date.parse(u.period.start)),
          end: fmtDate(c, Date.parse(u.period.end)),
        })}
      </p>
      <p>
        {u.includedMinutes === null ? (
          _("billing.usage.used_unlimited", { used: int(c, u.usedMinutes) })
        ) : (
          <>
            <meter
              id="usage-meter"
              min={0}
              max={u.includedMinutes}
              low={Math.round(u.includedMinutes * 0.8)}
              high={Math.round(u.includedMinutes * 0.95)}
              value={Math.min(u.usedMinutes, u.includedMinutes)}
            />{" "}
            <label for="usage-meter" class="inline">
              {_("billing.usage.used", {
                used: int(c, u.usedMinutes),
                included: int(c, u.includedMinutes),
              })}
            </label>
          </>
        )}
      </p>
      <p class="muted">{_("billing.usage.how")}</p>
      <table>
        <Head
          cols={[_("billing.usage.col.period"), _("billing.usage.col.minutes"), _("billing.usage.col.calls")]}
        />
        <tbody>
          {periods.map((p) => (
            <tr>
              <td>
                {fmtDate(c, Date.parse(p.start))} – {fmtDate(c, Date.parse(p.end))}
              </td>
              <td>{int(c, p.usedMinutes)}</td>
              <td>{int(c, p.analysedCalls)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Every plan with its price and limits, and the way to it: current, Checkout, or contact us. */
function PlansSection({ v }: { v: BillingView }) {
  const _ = tr(v.c);
  return (
    <section aria-labelledby="plans-h">
      <h2 id="plans-h">{_("billing.plans.title")}</h2>
      <table>
        <Head
          cols={[
            _("billing.plans.col.plan"),
            _("billing.plans.col.price"),
            _("billing.plans.col.minutes"),
            _("billing.plans.col.seats"),
            _("common.actions"),
          ]}
        />
        <tbody>
          {PLAN_IDS.map((id) => (
            <tr>
              <td>{PLANS[id].name}</td>
              <td>{priceOf(v.c, PLANS[id])}</td>
              <td>{orUnlimited(v.c, PLANS[id].includedMinutes)}</td>
              <td>{orUnlimited(v.c, PLANS[id].seats)}</td>
              <td>
                <PlanAction v={v} id={id} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {v.stripe && v.liveSub ? <p class="muted">{_("billing.plans.change_note")}</p> : null}
    </section>
  );
}

/** One plan's action: the current one is marked; self-serve plans go to Checkout (managers, Stripe). */
function PlanAction({ v, id }: { v: BillingView; id: PlanId }) {
  const _ = tr(v.c);
  if (id === v.o.plan.id) return <strong>{_("billing.plans.current")}</strong>;
  if (!(v.stripe && v.manage && PLANS[id].selfServe))
    return <span class="muted">{_("billing.plans.contact_us")}</span>;
  return (
    <form method="post" action="/billing/checkout" class="inline">
      <input type="hidden" name="plan" value={id} />
      <button type="submit">{_(v.liveSub ? "billing.plans.change" : "billing.plans.subscribe")}</button>
    </form>
  );
}

/** The way to Stripe's Customer Portal (card, cancellation, invoices there). */
function PortalSection({ c }: { c: PortalContext }) {
  const _ = tr(c);
  return (
    <section aria-labelledby="portal-h">
      <h2 id="portal-h">{_("billing.portal.title")}</h2>
      <p class="muted">{_("billing.portal.intro")}</p>
      <form method="post" action="/billing/portal">
        <button type="submit">{_("billing.portal.open")}</button>
      </form>
    </section>
  );
}

/** What happens over quota: hold new calls or bill the overage (fixed on plans without overage). */
function QuotaSection({ v }: { v: BillingView }) {
  const _ = tr(v.c);
  return (
    <section aria-labelledby="quota-h">
      <h2 id="quota-h">{_("billing.quota.title")}</h2>
      {v.plan.overagePerMinuteEur === null ? (
        <p class="muted">{_("billing.quota.fixed")}</p>
      ) : (
        <form method="post" action="/billing/quota" class="stack">
          {(["hold", "overage"] as const).map((b) => (
            <p>
              <input
                type="radio"
                id={`quota-${b}`}
                name="overQuota"
                value={b}
                checked={v.o.overQuota === b}
              />{" "}
              <label for={`quota-${b}`} class="inline">
                {_(`billing.quota.${b}`)}
              </label>
            </p>
          ))}
          <button type="submit">{_("billing.quota.submit")}</button>
        </form>
      )}
    </section>
  );
}

/** The billing contact: a form for managers, the same fields read-only for the others. */
function ContactSection({ v }: { v: BillingView }) {
  const _ = tr(v.c);
  const { contact } = v.o;
  return (
    <section aria-labelledby="contact-h">
      <h2 id="contact-h">{_("billing.contact.title")}</h2>
      <form method="post" action="/billing/contact" class="stack">
        <label for="contact-name">{_("billing.contact.name")}</label>
        <input
          id="contact-name"
          name="name"
          maxlength={200}
          value={contact.name ?? ""}
          disabled={!v.manage}
        />
        <label for="contact-email">{_("billing.contact.email")}</label>
        <input
          id="contact-email"
          name="email"
          type="email"
          maxlength={254}
          value={contact.email ?? ""}
          disabled={!v.manage}
        />
        <label for="contact-address">{_("billing.contact.address")}</label>
        <textarea id="contact-address" name="address" maxlength={500} rows={3} disabled={!v.manage}>
          {contact.address ?? ""}
        </textarea>
        {v.manage ? <button type="submit">{_("billing.contact.submit")}</button> : null}
      </form>
    </section>
  );
}

/** The invoices, with links to Stripe's hosted page and PDF where it gave them. */
function InvoicesSection({ c, invoices }: { c: PortalContext; invoices: InvoiceRow[] }) {
  const _ = tr(c);
  return (
    <section aria-labelledby="invoices-h">
      <h2 id="invoices-h">{_("billing.invoices.title")}</h2>
      <TableOrNone
        none={_("billing.invoices.none")}
        cols={[
          _("billing.invoices.col.number"),
          _("billing.invoices.col.date"),
          _("billing.invoices.col.amount"),
          _("billing.invoices.col.status"),
          _("common.actions"),
        ]}
        rows={invoices.map((i) => (
          <tr>
            <td>{i.number ?? "—"}</td>
            <td>{fmtDate(c, Date.parse(i.createdAt))}</td>
            <td>{money(c, i.total, i.currency)}</td>
            <td>{trOr(c, `billing.invoice_status.${i.status}`, i.status)}</td>
            <td>
              {i.hostedInvoiceUrl ? (
                <a href={i.hostedInvoiceUrl} rel="noopener noreferrer">
                  {_("billing.invoices.view")}
                </a>
              ) : null}{" "}
              {i.invoicePdf ? (
                <a href={i.invoicePdf} rel="noopener noreferrer">
                  {_("billing.invoices.pdf")}
                </a>
              ) : null}
            </td>
          </tr>
        ))}
      />
    </section>
  );
}

/** The subscription's history: plan, status and where each change came from. */
function HistorySection({ c, history }: { c: PortalContext; history: HistoryRow[] }) {
  const _ = tr(c);
  return (
    <section aria-labelledby="history-h">
      <h2 id="history-h">{_("billing.history.title")}</h2>
      <TableOrNone
        none={_("billing.history.none")}
        cols={[
          _("billing.history.col.date"),
          _("billing.history.col.plan"),
          _("billing.history.col.status"),
          _("billing.history.col.source"),
        ]}
        rows={history.map((h) => (
          <tr>
            <td>{fmtDate(c, Date.parse(h.createdAt))}</td>
            <td>{isPlanId(h.plan) ? PLANS[h.plan].name : h.plan}</td>
            <td>
              {h.status ?? ""}
              {h.cancelAtPeriodEnd ? " *" : ""}
            </td>
            <td>{_(`billing.history.source.${h.source}`)}</td>
          </tr>
        ))}
      />
      <p class="muted">{_("billing.retention")}</p>
    </section>
  );
}

/** Run a form's action (it answers with a redirect); on failure, the page again with the readable error. */
const orBillingError = (c: PortalContext, action: () => Promise<Response>) =>
  orErrorPage(c, action, (error, status) => billingPage(c, { error }, status));

/** The billing contact from its form: blanks are null, lengths capped as the inputs cap them. */
function contactOf(f: Form) {
  const email = orNull(f.email);
  if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw invalid("error.validation", "/email");
  return {
    name: orNull(f.name)?.slice(0, 200) ?? null,
    email,
    address: orNull(f.address)?.slice(0, 500) ?? null,
  };
}

export function registerBilling(app: Hono<AppEnv>) {
  const read = access({ kind: "portal", perm: "billing:read" });
  const manage = access({ kind: "portal", perm: "billing:manage" });

  app.get("/billing", read, (c) => billingPage(c));

  // Subscribe or switch plan: off to Stripe's Checkout page (303, the browser follows).
  app.post("/billing/checkout", manage, async (c) => {
    const f = await readForm(c);
    return orBillingError(c, async () => {
      if (!isPlanId(f.plan)) throw invalid("error.validation", "/plan");
      return c.redirect((await createCheckoutSession(userCtx(c).ctx, f.plan)).url, 303);
    });
  });

  app.post("/billing/portal", manage, (c) =>
    orBillingError(c, async () => c.redirect((await createPortalSession(userCtx(c).ctx)).url, 303)),
  );

  app.post("/billing/quota", manage, async (c) => {
    const f = await readForm(c);
    return orBillingError(c, async () => {
      const overQuota = f.overQuota === "overage" ? "overage" : "hold";
      await updateBillingSettings(userCtx(c).ctx, { overQuota });
      return c.redirect("/billing?done=quota", 303);
    });
  });

  app.post("/billing/contact", manage, async (c) => {
    const f = await readForm(c);
    return orBillingError(c, async () => {
      await updateBillingSettings(userCtx(c).ctx, { contact: contactOf(f) });
      return c.redirect("/billing?done=contact", 303);
    });
  });
}
