import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { Ctx } from "../../core/platform/context";
import { ApiError } from "../../core/platform/errors";
import { formatDateTime, type MessageKey, t } from "../../core/platform/i18n";
import { RUBRIC_LANGUAGES } from "../../core/scoring/rubric-model";
import type { AppEnv } from "../types";
import { messageFor } from "./forms";
import { page, tr } from "./layout";
import { navFor } from "./nav";

export type PortalContext = Context<AppEnv>;
export type UserActor = Extract<Ctx["actor"], { type: "user" }>;

/** The signed-in user's context. Portal routes always have a user actor; anything else is refused. */
export function userCtx(c: PortalContext): { ctx: Ctx; actor: UserActor } {
  const ctx = c.get("ctx");
  if (ctx.actor.type !== "user") throw new ApiError("forbidden", "only a signed-in user can do this");
  return { ctx, actor: ctx.actor };
}

/** The zone of the signed-in user's organisation (UTC on pages outside one). */
export function tenantZone(c: PortalContext): string {
  return (c.get("ctx") as Ctx | undefined)?.tenant?.timeZone ?? "UTC";
}

/** A date on a tenant page: in the organisation's time zone, with its name. */
export function fmtDate(c: PortalContext, ms: number | null | undefined): string {
  return ms == null ? "" : formatDateTime(c.get("locale") ?? "fr", ms, tenantZone(c));
}

/** A string whose key is built at run time (an event name from the logs); the fallback when none. */
export function trOr(
  c: PortalContext,
  key: string,
  fallback: string,
  params?: Record<string, string | number>,
): string {
  const s = t(c.get("locale") ?? "fr", key as MessageKey, params);
  return s === key ? fallback : s;
}

/**
 * Notices shown after a successful POST → 303 → GET `?done=<key>`. Only these keys are honoured,
 * so a crafted link cannot put arbitrary text on the page.
 */
const DONE = {
  profile: "done.profile",
  password: "done.password",
  session_ended: "done.session_ended",
  totp_disabled: "done.totp_disabled",
  totp_enabled: "totp.enabled",
  role_changed: "done.role_changed",
  member_removed: "done.member_removed",
  invited: "done.invited",
  invitation_revoked: "done.invitation_revoked",
  key_revoked: "done.key_revoked",
  location: "done.location",
  time_zone: "done.time_zone",
  security: "done.security",
  retention: "gov.done.retention",
  legal_hold: "gov.done.legal_hold",
  legal_hold_lifted: "gov.done.legal_hold_lifted",
  retention_run: "gov.done.retention_run",
  location_move: "gov.done.location_move",
  contract_end: "contract.done.requested",
  report_scheduled: "report.done.scheduled",
  reviews: "review.settings.done",
  report_unscheduled: "report.done.unscheduled",
  contract_delete_now: "contract.done.delete_now",
  contract_cancelled: "contract.done.cancelled",
  rubric_created: "portal.done.rubric_created",
  rubric_version: "portal.done.rubric_version",
  rubric_updated: "portal.done.rubric_updated",
  agent_created: "portal.done.agent_created",
  agent_saved: "portal.done.agent_saved",
  agent_linked: "portal.done.agent_linked",
  webhook_saved: "portal.done.webhook_saved",
  webhook_test: "portal.done.webhook_test",
  webhook_deleted: "portal.done.webhook_deleted",
  webhook_redelivered: "portal.done.webhook_redelivered",
  providers: "portal.done.providers",
  redaction: "portal.done.redaction",
} as const satisfies Record<string, MessageKey>;
export type DoneKey = keyof typeof DONE;

export function doneNotice(c: PortalContext): string | null {
  const k = c.req.query("done");
  if (!k || !Object.hasOwn(DONE, k)) return null;
  return t(c.get("locale") ?? "fr", DONE[k as DoneKey]);
}

export const doneUrl = (path: string, key: DoneKey) => `${path}?done=${key}`;

/**
 * The readable message and status for a failed form. Some service messages name a value
 * (`{tenant}`) that the generic `messageFor` cannot know; the caller supplies it.
 */
export function formError(
  c: PortalContext,
  err: unknown,
  params: Record<string, string> = {},
): { message: string; status: number } {
  const m = messageFor(c, err);
  let message = m.message;
  for (const [k, v] of Object.entries(params)) message = message.replaceAll(`{${k}}`, v);
  return { message, status: m.status };
}

/** A validation error with a localized message (pre-checks done in the handler before the service). */
export function invalid(messageKey: MessageKey, pointer: string): ApiError {
  return new ApiError("validation_failed", `invalid ${pointer.slice(1)}`, {
    errors: [{ pointer, detail: "invalid" }],
    messageKey,
  });
}

export interface PortalPageOpts {
  title: string;
  error?: string | null;
  notice?: string | null;
}

/** Every signed-in page: the portal header for the user's role, then the body. */
export function portalPage(c: PortalContext, opts: PortalPageOpts, body: Child, status = 200) {
  return page(
    c,
    { title: opts.title, nav: navFor(c), error: opts.error, notice: opts.notice ?? doneNotice(c) },
    body,
    status,
  );
}

/** `<th scope="col">` cells for a table head. */
export function Head({ cols }: { cols: string[] }) {
  return (
    <thead>
      <tr>
        {cols.map((h) => (
          <th scope="col">{h}</th>
        ))}
      </tr>
    </thead>
  );
}

/** A table of rows under its column heads, or the muted line saying there are none. */
export function TableOrNone({ cols, rows, none }: { cols: string[]; rows: Child[]; none: string }) {
  if (rows.length === 0) return <p class="muted">{none}</p>;
  return (
    <table>
      <Head cols={cols} />
      <tbody>{rows}</tbody>
    </table>
  );
}

/** "Newest" and "next page" links of a cursor-paginated table; nothing when there is one page. */
export function Pager({ c, newest, next }: { c: PortalContext; newest: string | null; next: string | null }) {
  const _ = tr(c);
  if (!newest && !next) return null;
  return (
    <p>
      {newest ? <a href={newest}>{_("common.newest")}</a> : null}{" "}
      {next ? (
        <a href={next} rel="next">
          {_("common.next_page")}
        </a>
      ) : null}
    </p>
  );
}

/**
 * Run a form's action (it answers with a redirect, or a page); on failure, `again` renders the page
 * again with the readable error (in the user's language) and its status. `again` gets the error
 * itself too, to rethrow what should not be shown on the page (a 404). `params` fills the names a
 * service message leaves open (see formError).
 */
export async function orErrorPage(
  c: PortalContext,
  action: () => Promise<Response>,
  again: (error: string, status: number, err: unknown) => Response | Promise<Response>,
  params?: Record<string, string>,
): Promise<Response> {
  try {
    return await action();
  } catch (err) {
    const { message, status } = formError(c, err, params);
    return again(message, status, err);
  }
}

/**
 * A checkbox (or radio) with its label and, under them, the muted help line it is described by; in
 * a paragraph. The id names the help (`<id>-help`); a checkbox's name is its id and its value "on".
 */
export function ChoiceWithHelp({
  type = "checkbox",
  id,
  name = id,
  value = "on",
  checked,
  label,
  help,
}: {
  type?: "checkbox" | "radio";
  id: string;
  name?: string;
  value?: string;
  checked: boolean;
  label: string;
  help: string;
}) {
  return (
    <p>
      <input
        type={type}
        id={id}
        name={name}
        value={value}
        checked={checked}
        aria-describedby={`${id}-help`}
      />{" "}
      <label for={id} class="inline">
        {label}
      </label>
      <br />
      <span id={`${id}-help`} class="muted">
        {help}
      </span>
    </p>
  );
}

/** Empty optional text fields are stored as null, not "". */
export const orNull = (v: string | undefined) => (v?.trim() ? v.trim() : null);

/** The call-language filter of the dashboard and the reports (issue 15 point 5). */
export function LanguageFilter({ _, value }: { _: ReturnType<typeof tr>; value?: string | null }) {
  return (
    <label>
      {_("dash.language")}{" "}
      <select name="language">
        <option value="">{_("dash.language_all")}</option>
        {RUBRIC_LANGUAGES.map((l) => (
          <option value={l} selected={value === l}>
            {_(`lang.${l}`)}
          </option>
        ))}
      </select>
    </label>
  );
}
