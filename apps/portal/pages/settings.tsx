import type { Hono } from "hono";
import {
  getLocationSettings,
  getSecuritySettings,
  updateLocationSettings,
  updateSecuritySettings,
  updateTimeZone,
} from "../../../core/governance/settings";
import { updateReviewSettings } from "../../../core/quality/reviews";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import {
  ChoiceWithHelp,
  doneUrl,
  invalid,
  orErrorPage,
  type PortalContext,
  portalPage,
  userCtx,
} from "../../ui/common";
import { readForm } from "../../ui/forms";
import { tr } from "../../ui/layout";
import { TimeZoneSelect } from "../time-zone";
import { ConfirmNameField, TransferNotice, transferPreviews } from "./transfer-notice";

const SCOPES = ["in_region", "international"] as const;
type ProcessingScope = (typeof SCOPES)[number];
const isScope = (v: unknown): v is ProcessingScope =>
  typeof v === "string" && (SCOPES as readonly string[]).includes(v);

/** /settings (D6, F2, A4): data location (read-only), processing scope, second-factor requirement. */
async function settingsPage(
  c: PortalContext,
  state: {
    error?: string | null;
    scope?: string;
    requireMfa?: boolean;
    disputeWindowDays?: string;
    timeZone?: string;
  } = {},
  status = 200,
) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const loc = getLocationSettings(ctx);
  const sec = getSecuritySettings(ctx);
  const scope = state.scope ?? loc.processingScope;
  const requireMfa = state.requireMfa ?? sec.requireMfa;
  const previews = await transferPreviews(c);
  const opening = previews.find((p) => p.kind === "international");
  return portalPage(
    c,
    { title: _("settings.title"), error: state.error },
    <>
      <p>
        <a href="/settings/processing">{_("nav.processing")}</a> ·{" "}
        <a href="/recording-notices">{_("recnotices.title")}</a>
      </p>
      <section aria-labelledby="location-h">
        <h2 id="location-h">{_("settings.location.title")}</h2>
        <dl>
          <dt>{_("settings.location.current")}</dt>
          <dd>
            <strong>{_(`settings.location.value.${loc.location}`)}</strong>
          </dd>
        </dl>
        <p class="muted">
          {_("settings.location.note")} <a href="/governance#location-h">{_("nav.governance")}</a>
        </p>
        <TransferNotice c={c} previews={previews} />
        <form method="post" action="/settings/location" class="stack">
          <fieldset>
            <legend>{_("settings.scope.legend")}</legend>
            {SCOPES.map((s) => (
              <ChoiceWithHelp
                type="radio"
                id={`scope-${s}`}
                name="processingScope"
                value={s}
                checked={scope === s}
                label={_(`settings.scope.${s}`)}
                help={_(`settings.scope.${s}_help`)}
              />
            ))}
          </fieldset>
          {/* Opening international processing for EU data is a transfer: the owner confirms it. */}
          {opening ? (
            <ConfirmNameField c={c} owner={ctx.actor.type === "user" && ctx.actor.role === "owner"} />
          ) : null}
          <button type="submit">{_("settings.scope.submit")}</button>
        </form>
      </section>

      <section aria-labelledby="reviews-h">
        <h2 id="reviews-h">{_("review.settings.title")}</h2>
        <form method="post" action="/settings/reviews" class="stack">
          <label for="dispute-days">{_("review.settings.window")}</label>
          <input
            type="number"
            id="dispute-days"
            name="disputeWindowDays"
            min={0}
            max={90}
            required
            value={String(state.disputeWindowDays ?? ctx.tenant.disputeWindowDays)}
          />
          <button type="submit">{_("review.settings.submit")}</button>
        </form>
      </section>

      <section aria-labelledby="tz-h">
        <h2 id="tz-h">{_("tz.settings.title")}</h2>
        <p>{_("tz.settings.current", { zone: ctx.tenant.timeZone })}</p>
        <form method="post" action="/settings/time-zone" class="stack">
          <label for="timeZone">{_("tz.field")}</label>
          <TimeZoneSelect id="timeZone" value={state.timeZone ?? ctx.tenant.timeZone} />
          <span class="muted">{_("tz.help")}</span>
          <button type="submit">{_("tz.settings.submit")}</button>
        </form>
      </section>

      <section aria-labelledby="security-h">
        <h2 id="security-h">{_("settings.security.title")}</h2>
        <form method="post" action="/settings/security" class="stack">
          <ChoiceWithHelp
            id="requireMfa"
            checked={requireMfa}
            label={_("settings.security.require_mfa")}
            help={_("settings.security.require_mfa_help")}
          />
          <button type="submit">{_("settings.security.submit")}</button>
        </form>
      </section>
    </>,
    status,
  );
}

export function registerSettings(app: Hono<AppEnv>) {
  const manage = access({ kind: "portal", perm: "settings:manage" });

  app.get("/settings", manage, (c) => settingsPage(c));

  app.post("/settings/location", manage, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        if (!isScope(f.processingScope)) throw invalid("error.scope_invalid", "/processingScope");
        // The location is never sent from here: moving data is a migration job, not a setting.
        await updateLocationSettings(userCtx(c).ctx, {
          processingScope: f.processingScope,
          confirmName: f.confirmName,
        });
        return c.redirect(doneUrl("/settings", "location"), 303);
      },
      (error, status) => settingsPage(c, { error }, status),
    );
  });

  app.post("/settings/reviews", manage, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        const n = Number(f.disputeWindowDays);
        if (!Number.isInteger(n) || n < 0 || n > 90)
          throw invalid("review.settings.invalid", "/disputeWindowDays");
        await updateReviewSettings(userCtx(c).ctx, { disputeWindowDays: n });
        return c.redirect(doneUrl("/settings", "reviews"), 303);
      },
      (error, status) => settingsPage(c, { error, disputeWindowDays: f.disputeWindowDays }, status),
    );
  });

  app.post("/settings/time-zone", manage, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        await updateTimeZone(userCtx(c).ctx, { timeZone: f.timeZone });
        return c.redirect(doneUrl("/settings", "time_zone"), 303);
      },
      (error, status) => settingsPage(c, { error, timeZone: f.timeZone }, status),
    );
  });

  app.post("/settings/security", manage, async (c) => {
    const f = await readForm(c);
    // An unticked checkbox is absent from the form.
    const requireMfa = f.requireMfa === "on";
    return orErrorPage(
      c,
      async () => {
        await updateSecuritySettings(userCtx(c).ctx, { requireMfa });
        return c.redirect(doneUrl("/settings", "security"), 303);
      },
      (error, status) => settingsPage(c, { error, requireMfa }, status),
    );
  });
}
