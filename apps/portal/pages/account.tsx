import type { Hono } from "hono";
import { setCookie } from "hono/cookie";
import type { Child } from "hono/jsx";
import { confirmTotpEnrollment, disableTotp, startTotpEnrollment } from "../../../core/identity/mfa";
import { changePassword } from "../../../core/identity/passwords-reset";
import { currentUser, deleteAccount, updateProfile } from "../../../core/identity/profile";
import {
  clearSessionCookie,
  invalidateSession,
  listSessions,
  sessionCookie,
} from "../../../core/identity/session";
import { totpUri } from "../../../core/identity/totp";
import { auditCtx } from "../../../core/platform/audit";
import { decryptString } from "../../../core/platform/crypto";
import { notFound } from "../../../core/platform/errors";
import { isLocale, LOCALES } from "../../../core/platform/i18n";
import type { User } from "../../../db/schema/control";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import {
  doneUrl,
  fmtDate,
  Head,
  invalid,
  orErrorPage,
  orNull,
  type PortalContext,
  portalPage,
  userCtx,
} from "../../ui/common";
import { type Form, readForm } from "../../ui/forms";
import { tr } from "../../ui/layout";
import { showOnce, takeOnce } from "../once";

type ProfileValues = Pick<Form, "firstName" | "lastName" | "phone" | "company" | "jobTitle" | "locale">;

function profileValues(user: User, fallbackLocale: string): ProfileValues {
  return {
    firstName: user.firstName,
    lastName: user.lastName,
    phone: user.phone ?? "",
    company: user.company ?? "",
    jobTitle: user.jobTitle ?? "",
    locale: user.locale ?? fallbackLocale,
  };
}

/** /account: profile, password, sessions (A2, art. 3.2), deletion (A1). */
async function accountPage(
  c: PortalContext,
  state: { error?: string | null; profile?: ProfileValues } = {},
  status = 200,
) {
  const _ = tr(c);
  const { ctx, actor } = userCtx(c);
  const user = await currentUser(ctx);
  const v = state.profile ?? profileValues(user, c.get("locale"));
  const now = Date.now();
  // Expired rows linger until the cleanup deletes them; they are not "active".
  const sessions = (await listSessions(c.env, "user", user.id))
    .filter((s) => s.expiresAt > now)
    .sort((a, b) => b.lastActivityAt - a.lastActivityAt);
  return portalPage(
    c,
    { title: _("account.title"), error: state.error },
    <>
      <section aria-labelledby="profile-h">
        <h2 id="profile-h">{_("account.profile.title")}</h2>
        <p class="muted">{_("account.profile.email", { email: user.email })}</p>
        <form method="post" action="/account/profile" class="stack">
          <label>
            {_("field.firstName")}
            <input name="firstName" autocomplete="given-name" required maxlength={100} value={v.firstName} />
          </label>
          <label>
            {_("field.lastName")}
            <input name="lastName" autocomplete="family-name" required maxlength={100} value={v.lastName} />
          </label>
          <label>
            {_("field.phone")}
            <input name="phone" type="tel" autocomplete="tel" maxlength={32} value={v.phone} />
          </label>
          <label>
            {_("field.company")}
            <input name="company" autocomplete="organization" maxlength={100} value={v.company} />
          </label>
          <label>
            {_("field.jobTitle")}
            <input name="jobTitle" autocomplete="organization-title" maxlength={100} value={v.jobTitle} />
          </label>
          <label>
            {_("field.language")}
            <select name="locale">
              {LOCALES.map((l) => (
                <option value={l} selected={v.locale === l} lang={l}>
                  {_(`lang.${l}`)}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">{_("account.profile.submit")}</button>
        </form>
      </section>

      <section aria-labelledby="password-h">
        <h2 id="password-h">{_("account.password.title")}</h2>
        <p class="muted">{_("account.password.note")}</p>
        <form method="post" action="/account/password" class="stack">
          {/* A hidden username lets password managers file the new password under the right account. */}
          <input type="hidden" name="username" autocomplete="username" value={user.email} />
          <label>
            {_("field.currentPassword")}
            <input
              name="currentPassword"
              type="password"
              autocomplete="current-password"
              required
              maxlength={256}
            />
          </label>
          <label>
            {_("field.newPassword")}
            <input
              name="newPassword"
              type="password"
              autocomplete="new-password"
              required
              minlength={8}
              maxlength={256}
            />
            <span class="muted">{_("signup.password_hint")}</span>
          </label>
          <button type="submit">{_("account.password.submit")}</button>
        </form>
      </section>

      <section aria-labelledby="totp-h">
        <h2 id="totp-h">{_("account.totp.title")}</h2>
        <p>
          {user.totpEnabledAt
            ? _("account.totp.on", { date: fmtDate(c, user.totpEnabledAt) })
            : _("account.totp.off")}{" "}
          <a href="/account/totp">{_("account.totp.manage")}</a>
        </p>
      </section>

      <section aria-labelledby="sessions-h">
        <h2 id="sessions-h">{_("account.sessions.title")}</h2>
        <p class="muted">{_("account.sessions.intro")}</p>
        <table>
          <Head
            cols={[
              _("account.sessions.browser"),
              _("account.sessions.os"),
              _("account.sessions.ip"),
              _("account.sessions.started"),
              _("account.sessions.last_activity"),
              _("common.actions"),
            ]}
          />
          <tbody>
            {sessions.map((s) => {
              const browser = s.browser ?? _("common.unknown");
              const os = s.os ?? _("common.unknown");
              const current = s.id === actor.sessionId;
              return (
                <tr>
                  <td>{browser}</td>
                  <td>{os}</td>
                  <td>{s.ip ?? _("common.unknown")}</td>
                  <td>{fmtDate(c, s.createdAt)}</td>
                  <td>{fmtDate(c, s.lastActivityAt)}</td>
                  <td>
                    {current ? <strong>{_("account.sessions.current")} </strong> : null}
                    <form method="post" action="/account/sessions/end" class="inline">
                      <input type="hidden" name="sessionId" value={s.id} />
                      <button
                        type="submit"
                        class="secondary"
                        aria-label={_("account.sessions.end_label", {
                          browser,
                          os,
                          date: fmtDate(c, s.lastActivityAt),
                        })}
                      >
                        {_("account.sessions.end")}
                      </button>
                    </form>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>

      <section aria-labelledby="delete-h">
        <h2 id="delete-h">{_("account.delete.title")}</h2>
        <p>{_("account.delete.warning")}</p>
        <form method="post" action="/account/delete" class="stack">
          <label>
            {_("field.currentPassword")}
            <input name="password" type="password" autocomplete="current-password" required maxlength={256} />
          </label>
          <button type="submit" class="danger">
            {_("account.delete.submit")}
          </button>
        </form>
      </section>
    </>,
    status,
  );
}

interface TotpState {
  error?: string | null;
  notice?: string | null;
  setup?: { secret: string; uri: string };
  codes?: string[];
}

/** The key of an enrolment started but not confirmed yet, to show again until it is. */
async function pendingSetup(c: PortalContext): Promise<TotpState["setup"]> {
  const user = await currentUser(userCtx(c).ctx);
  if (!user.totpSecretEnc || user.totpEnabledAt) return undefined;
  const secret = await decryptString(c.env.ENCRYPTION_KEY, user.totpSecretEnc, `user:${user.id}`);
  return { secret, uri: totpUri("CallCenterRate", user.email, secret) };
}

/** /account/totp: set-up (secret + otpauth URI as text, then a code), recovery codes once, or turning it off. */
async function totpPage(c: PortalContext, state: TotpState = {}, status = 200) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const user = await currentUser(ctx);
  const required = c.req.query("required") === "1" && !user.totpEnabledAt;
  const error = state.error ?? (required ? _("error.mfa_required_by_tenant") : null);
  let body: Child;
  if (state.codes) {
    body = (
      <section aria-labelledby="codes-h">
        <h2 id="codes-h">{_("totp.codes.title")}</h2>
        <p class="error" role="alert">
          {_("totp.codes.warning")}
        </p>
        <ul class="secret" aria-label={_("totp.codes.title")}>
          {state.codes.map((code) => (
            <li>
              <code>{code}</code>
            </li>
          ))}
        </ul>
        <p>
          <a href="/">{_("totp.codes.continue")}</a>
        </p>
      </section>
    );
  } else if (user.totpEnabledAt) {
    body = (
      <>
        <p>{_("totp.on_intro", { date: fmtDate(c, user.totpEnabledAt) })}</p>
        <section aria-labelledby="disable-h">
          <h2 id="disable-h">{_("totp.disable.title")}</h2>
          <p class="muted">{_("totp.disable.note")}</p>
          <form method="post" action="/account/totp/disable" class="stack">
            <label>
              {_("field.currentPassword")}
              <input
                name="password"
                type="password"
                autocomplete="current-password"
                required
                maxlength={256}
              />
            </label>
            <button type="submit" class="danger">
              {_("totp.disable.submit")}
            </button>
          </form>
        </section>
      </>
    );
  } else if (state.setup) {
    const grouped = state.setup.secret.match(/.{1,4}/g)?.join(" ") ?? state.setup.secret;
    body = (
      <>
        <p>{_("totp.setup.step1")}</p>
        <dl>
          <dt>{_("totp.setup.secret")}</dt>
          <dd>
            <code class="secret">{grouped}</code>
          </dd>
          <dt>{_("totp.setup.uri")}</dt>
          <dd>
            <code class="secret">{state.setup.uri}</code>
          </dd>
        </dl>
        <p>{_("totp.setup.step2")}</p>
        <form method="post" action="/account/totp/confirm" class="stack">
          <label>
            {_("totp.code")}
            <input
              name="code"
              inputmode="numeric"
              autocomplete="one-time-code"
              pattern="[0-9 ]{6,7}"
              required
              maxlength={7}
            />
          </label>
          <button type="submit">{_("totp.confirm")}</button>
        </form>
        <form method="post" action="/account/totp/start">
          <button type="submit" class="secondary">
            {_("totp.restart")}
          </button>
        </form>
      </>
    );
  } else {
    body = (
      <>
        <p>{_("totp.off_intro")}</p>
        <form method="post" action="/account/totp/start">
          <button type="submit">{_("totp.start")}</button>
        </form>
      </>
    );
  }
  return portalPage(c, { title: _("totp.title"), error, notice: state.notice }, body, status);
}

export function registerAccount(app: Hono<AppEnv>) {
  const member = access({ kind: "portal", perm: null });
  // TOTP set-up must stay reachable while the tenant's MFA requirement redirects everything else here.
  const memberNoMfa = access({ kind: "portal", perm: null, allowWithoutMfa: true });

  app.get("/account", member, (c) => accountPage(c));

  app.post("/account/profile", member, async (c) => {
    const f = await readForm(c);
    const values: ProfileValues = {
      firstName: f.firstName ?? "",
      lastName: f.lastName ?? "",
      phone: f.phone ?? "",
      company: f.company ?? "",
      jobTitle: f.jobTitle ?? "",
      locale: f.locale ?? "",
    };
    const _ = tr(c);
    const missing = [
      values.firstName.trim() ? null : _("field.firstName"),
      values.lastName.trim() ? null : _("field.lastName"),
    ].filter((x): x is string => x !== null);
    return orErrorPage(
      c,
      async () => {
        if (missing.length) throw invalid("error.field_required", "/firstName");
        const { ctx } = userCtx(c);
        const locale = isLocale(values.locale) ? values.locale : undefined;
        await updateProfile(ctx, {
          firstName: values.firstName,
          lastName: values.lastName,
          phone: orNull(values.phone),
          company: orNull(values.company),
          jobTitle: orNull(values.jobTitle),
          locale,
        });
        // Keep the language cookie in step, so the sign-in page after a logout speaks it too.
        if (locale)
          setCookie(c, "lang", locale, { path: "/", secure: true, sameSite: "Lax", maxAge: 365 * 86400 });
        return c.redirect(doneUrl("/account", "profile"), 303);
      },
      (error, status) => accountPage(c, { error, profile: values }, status),
      { fields: missing.join(", ") },
    );
  });

  app.post("/account/password", member, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        const { ctx } = userCtx(c);
        // Every session of the user ends (A2), this one included; the browser gets a fresh one.
        const r = await changePassword(ctx, f.currentPassword ?? "", f.newPassword ?? "");
        if (r.kind !== "session") return c.redirect("/login", 303);
        c.header("Set-Cookie", sessionCookie("user", r.token, r.expiresAt), { append: true });
        return c.redirect(doneUrl("/account", "password"), 303);
      },
      (error, status) => accountPage(c, { error }, status),
    );
  });

  // The session id travels in the form, not the path: it is not a tenant object (see the route sweep).
  app.post("/account/sessions/end", member, async (c) => {
    const { ctx, actor } = userCtx(c);
    const id = (await readForm(c)).sessionId ?? "";
    return orErrorPage(
      c,
      async () => {
        // Only the user's own sessions: looked up among them, so another person's id is simply not found.
        const mine = await listSessions(c.env, "user", actor.id);
        const target = mine.find((s) => s.id === id);
        if (!target) throw notFound("Session");
        await invalidateSession(c.env, target.id);
        await auditCtx(ctx, "session.ended", "session", target.id, { own: target.id === actor.sessionId });
        if (target.id === actor.sessionId) {
          c.header("Set-Cookie", clearSessionCookie("user"), { append: true });
          return c.redirect("/login", 303);
        }
        return c.redirect(doneUrl("/account", "session_ended"), 303);
      },
      (error, status) => accountPage(c, { error }, status),
    );
  });

  app.post("/account/delete", member, async (c) => {
    const f = await readForm(c);
    const { ctx } = userCtx(c);
    return orErrorPage(
      c,
      async () => {
        await deleteAccount(ctx, f.password ?? "");
        c.header("Set-Cookie", clearSessionCookie("user"), { append: true });
        return c.redirect("/login", 303);
      },
      (error, status) => accountPage(c, { error }, status),
    );
  });

  // Post → redirect → get for both steps: the pending key is read back from the account (it is
  // the person's own, encrypted at rest), the recovery codes come once from the one-time cookie.
  app.get("/account/totp", memberNoMfa, async (c) => {
    const codes = await takeOnce<string[]>(c, "/account/totp");
    if (codes) return totpPage(c, { codes });
    return totpPage(c, { setup: await pendingSetup(c) });
  });

  app.post("/account/totp/start", memberNoMfa, async (c) => {
    return orErrorPage(
      c,
      async () => {
        await startTotpEnrollment(userCtx(c).ctx);
        return c.redirect("/account/totp", 303);
      },
      (error, status) => totpPage(c, { error }, status),
    );
  });

  app.post("/account/totp/confirm", memberNoMfa, async (c) => {
    const f = await readForm(c);
    const { ctx } = userCtx(c);
    return orErrorPage(
      c,
      async () => {
        const { recoveryCodes } = await confirmTotpEnrollment(ctx, f.code ?? "");
        await showOnce(c, "/account/totp", recoveryCodes);
        return c.redirect(doneUrl("/account/totp", "totp_enabled"), 303);
      },
      async (error, status) => {
        // Show the same key again: the person has most likely added it to their app already.
        return totpPage(c, { error, setup: await pendingSetup(c) }, status);
      },
    );
  });

  app.post("/account/totp/disable", memberNoMfa, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        const { ctx } = userCtx(c);
        await disableTotp(ctx, f.password ?? "");
        return c.redirect(doneUrl("/account/totp", "totp_disabled"), 303);
      },
      (error, status) => totpPage(c, { error }, status),
    );
  });
}
