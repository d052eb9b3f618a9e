import type { Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { acceptInvitation, findInvitation } from "../../core/identity/invitations";
import { completeMfa, type LoginResult, login, logout } from "../../core/identity/login";
import { requestPasswordReset, resetPassword } from "../../core/identity/passwords-reset";
import { setLocale } from "../../core/identity/profile";
import {
  clearSessionCookie,
  invalidateSession,
  SESSION_COOKIE,
  sessionCookie,
  validateSessionToken,
} from "../../core/identity/session";
import { signUp, verifyEmail } from "../../core/identity/signup";
import { isLocale } from "../../core/platform/i18n";
import { access, loadPortalCtx } from "../middleware/access";
import { platformCtx } from "../middleware/request";
import type { AppEnv } from "../types";
import { orErrorPage } from "../ui/common";
import { messageFor, readForm, safeNext } from "../ui/forms";
import { page, tr } from "../ui/layout";
import { TimeZoneSelect } from "./time-zone";

export const MFA_COOKIE = "__Host-ccr_mfa";

const pctx = platformCtx;

/** Sign-up, e-mail verification, login (+ TOTP step), logout, password reset, invitations, language. */
export function registerAuthPages(app: Hono<AppEnv>) {
  const pub = access({ kind: "public" });

  const loginForm = (
    c: Context<AppEnv>,
    opts: { error?: string | null; notice?: string | null; email?: string } = {},
    status = 200,
  ) => {
    const _ = tr(c);
    const next = safeNext(c, c.req.query("next"));
    return page(
      c,
      { title: _("login.title"), error: opts.error, notice: opts.notice },
      <>
        <form method="post" action={`/login?next=${encodeURIComponent(next)}`} class="stack">
          <label>
            {_("field.email")}
            <input type="email" name="email" autocomplete="username" required value={opts.email ?? ""} />
          </label>
          <label>
            {_("field.password")}
            <input type="password" name="password" autocomplete="current-password" required />
          </label>
          <button type="submit">{_("login.submit")}</button>
        </form>
        <p>
          <a href="/forgot-password">{_("login.forgot")}</a> · <a href="/signup">{_("login.signup")}</a> ·{" "}
          <a href="/login/sso">{_("sso.login.link")}</a>
        </p>
      </>,
      status,
    );
  };

  function startSession(c: Context<AppEnv>, r: Extract<LoginResult, { kind: "session" }>, next: string) {
    c.header("Set-Cookie", sessionCookie("user", r.token, r.expiresAt), { append: true });
    deleteCookie(c, MFA_COOKIE, { path: "/", secure: true });
    return c.redirect(safeNext(c, next), 303);
  }

  app.get("/login", pub, (c) => loginForm(c, { notice: c.req.query("reset") ? tr(c)("reset.done") : null }));
  app.post("/login", pub, async (c) => {
    const f = await readForm(c);
    try {
      // Rotation (A2): whatever session the browser had ends; a fresh id is issued below.
      const old = getCookie(c, SESSION_COOKIE.user);
      if (old) {
        const s = await validateSessionToken(c.env, old, "user");
        if (s) await invalidateSession(c.env, s.id);
      }
      const r = await login(pctx(c), f.email ?? "", f.password ?? "");
      if (r.kind === "mfa") {
        setCookie(c, MFA_COOKIE, r.token, {
          path: "/",
          secure: true,
          httpOnly: true,
          sameSite: "Lax",
          maxAge: 600,
        });
        return c.redirect(`/login/totp?next=${encodeURIComponent(safeNext(c, c.req.query("next")))}`, 303);
      }
      return startSession(c, r, c.req.query("next") ?? "/");
    } catch (err) {
      const { message, status } = messageFor(c, err);
      const res = loginForm(c, { error: message, email: f.email }, status);
      const retry = (err as { headers?: Record<string, string> }).headers?.["Retry-After"];
      if (retry) (await res).headers.set("Retry-After", retry);
      return res;
    }
  });

  const totpForm = (c: Context<AppEnv>, error?: string, status = 200) => {
    const _ = tr(c);
    return page(
      c,
      { title: _("totp.step.title"), error },
      <form
        method="post"
        action={`/login/totp?next=${encodeURIComponent(safeNext(c, c.req.query("next")))}`}
        class="stack"
      >
        <label>
          {_("totp.code")}
          <input name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength={12} />
        </label>
        <p class="muted">{_("totp.recovery_hint")}</p>
        <button type="submit">{_("totp.verify")}</button>
      </form>,
      status,
    );
  };
  app.get("/login/totp", pub, (c) => (getCookie(c, MFA_COOKIE) ? totpForm(c) : c.redirect("/login", 303)));
  app.post("/login/totp", pub, async (c) => {
    const f = await readForm(c);
    const pending = getCookie(c, MFA_COOKIE);
    if (!pending) return c.redirect("/login", 303);
    return orErrorPage(
      c,
      async () => {
        const r = await completeMfa(pctx(c), pending, f.code ?? "");
        if (r.kind !== "session") return c.redirect("/login", 303);
        return startSession(c, r, c.req.query("next") ?? "/");
      },
      (error, status) => totpForm(c, error, status),
    );
  });

  app.post("/logout", pub, async (c) => {
    const loaded = await loadPortalCtx(c);
    if (loaded && loaded.ctx.actor.type === "user")
      await logout(pctx(c), loaded.ctx.actor.sessionId, loaded.ctx.actor.id, loaded.ctx.tenant.id);
    c.header("Set-Cookie", clearSessionCookie("user"), { append: true });
    return c.redirect("/login", 303);
  });

  const signupForm = (
    c: Context<AppEnv>,
    opts: { error?: string; values?: Record<string, string> } = {},
    status = 200,
  ) => {
    const _ = tr(c);
    const v = opts.values ?? {};
    return page(
      c,
      { title: _("signup.title"), error: opts.error },
      <form method="post" action="/signup" class="stack">
        <label>
          {_("field.firstName")}
          <input
            name="firstName"
            autocomplete="given-name"
            required
            maxlength={100}
            value={v.firstName ?? ""}
          />
        </label>
        <label>
          {_("field.lastName")}
          <input
            name="lastName"
            autocomplete="family-name"
            required
            maxlength={100}
            value={v.lastName ?? ""}
          />
        </label>
        <label>
          {_("field.company")}
          <input
            name="company"
            autocomplete="organization"
            required
            maxlength={100}
            value={v.company ?? ""}
          />
        </label>
        <label>
          {_("field.jobTitle")}
          <input name="jobTitle" autocomplete="organization-title" maxlength={100} value={v.jobTitle ?? ""} />
        </label>
        <label>
          {_("field.phone")}
          <input name="phone" type="tel" autocomplete="tel" maxlength={32} value={v.phone ?? ""} />
        </label>
        <label>
          {_("field.email")}
          <input name="email" type="email" autocomplete="email" required value={v.email ?? ""} />
        </label>
        <label>
          {_("field.newPassword")}
          <input
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minlength={8}
            maxlength={256}
          />
          <span class="muted">{_("signup.password_hint")}</span>
        </label>
        <label>
          {_("field.location")}
          <select name="location">
            <option value="eu" selected={v.location !== "us"}>
              {_("location.eu")}
            </option>
            <option value="us" selected={v.location === "us"}>
              {_("location.us")}
            </option>
          </select>
        </label>
        <label for="signup-tz">{_("tz.field")}</label>
        <TimeZoneSelect id="signup-tz" value={v.timeZone ?? ""} auto={_("tz.auto")} />
        <span class="muted">{_("tz.help")}</span>
        <button type="submit">{_("signup.submit")}</button>
      </form>,
      status,
    );
  };
  app.get("/signup", pub, (c) => {
    if (c.req.query("sent") !== "1") return signupForm(c);
    const _ = tr(c);
    return page(c, { title: _("signup.check_mail.title") }, <p>{_("signup.check_mail.body")}</p>);
  });
  app.post("/signup", pub, async (c) => {
    const f = await readForm(c);
    try {
      await signUp(pctx(c), { ...f, location: f.location as "eu" | "us", locale: c.get("locale") } as never);
      // Post → redirect → get: reloading the answer never signs up (or mails) again.
      return c.redirect("/signup?sent=1", 303);
    } catch (err) {
      const { message, status } = messageFor(c, err);
      const { password: _p, ...values } = f;
      return signupForm(c, { error: message, values }, status);
    }
  });

  app.get("/verify-email", pub, async (c) => {
    const _ = tr(c);
    try {
      await verifyEmail(pctx(c), c.req.query("token") ?? "");
      return c.redirect("/login?verified=1", 303);
    } catch (err) {
      const { message, status } = messageFor(c, err);
      return page(
        c,
        { title: _("verify.title"), error: message },
        <a href="/login">{_("login.title")}</a>,
        status,
      );
    }
  });

  const forgotForm = (c: Context<AppEnv>, notice?: string) => {
    const _ = tr(c);
    return page(
      c,
      { title: _("forgot.title"), notice },
      <form method="post" action="/forgot-password" class="stack">
        <label>
          {_("field.email")}
          <input name="email" type="email" autocomplete="email" required />
        </label>
        <button type="submit">{_("forgot.submit")}</button>
      </form>,
    );
  };
  app.get("/forgot-password", pub, (c) =>
    forgotForm(c, c.req.query("sent") === "1" ? tr(c)("forgot.sent") : undefined),
  );
  app.post("/forgot-password", pub, async (c) => {
    const f = await readForm(c);
    await requestPasswordReset(pctx(c), f.email ?? "");
    // The same redirect whether or not the address has an account; a reload mails nothing.
    return c.redirect("/forgot-password?sent=1", 303);
  });

  const resetForm = (c: Context<AppEnv>, token: string, error?: string, status = 200) => {
    const _ = tr(c);
    return page(
      c,
      { title: _("reset.title"), error },
      <form method="post" action="/reset-password" class="stack">
        <input type="hidden" name="token" value={token} />
        <label>
          {_("field.newPassword")}
          <input
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minlength={8}
            maxlength={256}
          />
        </label>
        <button type="submit">{_("reset.submit")}</button>
      </form>,
      status,
    );
  };
  app.get("/reset-password", pub, (c) => resetForm(c, c.req.query("token") ?? ""));
  app.post("/reset-password", pub, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        await resetPassword(pctx(c), f.token ?? "", f.password ?? "");
        return c.redirect("/login?reset=1", 303);
      },
      (error, status) => resetForm(c, f.token ?? "", error, status),
    );
  });

  const acceptForm = async (c: Context<AppEnv>, token: string, error?: string, status = 200) => {
    const _ = tr(c);
    let info: Awaited<ReturnType<typeof findInvitation>>;
    try {
      info = await findInvitation(c.env, token);
    } catch (err) {
      const m = messageFor(c, err);
      return page(
        c,
        { title: _("invite.title"), error: m.message },
        <a href="/login">{_("login.title")}</a>,
        m.status,
      );
    }
    return page(
      c,
      { title: _("invite.title"), error },
      <>
        <p>
          {_("invite.intro", {
            tenant: info.tenant.name,
            role: _(`role.${info.invitation.role}`),
            email: info.invitation.email,
          })}
        </p>
        <form method="post" action="/invitations/accept" class="stack">
          <input type="hidden" name="token" value={token} />
          {info.existingUser ? null : (
            <>
              <label>
                {_("field.firstName")}
                <input name="firstName" autocomplete="given-name" required maxlength={100} />
              </label>
              <label>
                {_("field.lastName")}
                <input name="lastName" autocomplete="family-name" required maxlength={100} />
              </label>
            </>
          )}
          <label>
            {info.existingUser ? _("field.password") : _("field.newPassword")}
            <input
              name="password"
              type="password"
              autocomplete={info.existingUser ? "current-password" : "new-password"}
              required
              minlength={8}
              maxlength={256}
            />
          </label>
          <button type="submit">{_("invite.accept")}</button>
        </form>
      </>,
      status,
    );
  };
  app.get("/invitations/accept", pub, (c) => acceptForm(c, c.req.query("token") ?? ""));
  app.post("/invitations/accept", pub, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        const r = await acceptInvitation(pctx(c), f as never);
        if (r.kind === "mfa") {
          setCookie(c, MFA_COOKIE, r.token, {
            path: "/",
            secure: true,
            httpOnly: true,
            sameSite: "Lax",
            maxAge: 600,
          });
          return c.redirect("/login/totp", 303);
        }
        return startSession(c, r, "/");
      },
      (error, status) => acceptForm(c, f.token ?? "", error, status),
    );
  });

  app.post("/lang", pub, async (c) => {
    const f = await readForm(c);
    const lang = isLocale(f.lang) ? f.lang : "fr";
    setCookie(c, "lang", lang, { path: "/", secure: true, sameSite: "Lax", maxAge: 365 * 86400 });
    const loaded = await loadPortalCtx(c);
    if (loaded) await setLocale(loaded.ctx, lang);
    return c.redirect(safeNext(c, f.back), 303);
  });
}

export { SESSION_COOKIE };
