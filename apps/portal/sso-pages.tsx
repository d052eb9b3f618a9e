import type { Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { raw } from "hono/html";
import {
  invalidateSession,
  SESSION_COOKIE,
  sessionCookie,
  validateSessionToken,
} from "../../core/identity/session";
import { completeSsoLogin, SSO_STATE_TTL_MS, startSsoLogin } from "../../core/identity/sso";
import { timingSafeEqual } from "../../core/platform/crypto";
import { access } from "../middleware/access";
import { platformCtx } from "../middleware/request";
import type { AppEnv } from "../types";
import { orErrorPage } from "../ui/common";
import { readForm, safeNext } from "../ui/forms";
import { page, tr } from "../ui/layout";
import { MFA_COOKIE } from "./auth-pages";

/** The state also lives in a short cookie: a callback is accepted only in the browser that started it. */
export const SSO_COOKIE = "__Host-ccr_sso";

function ssoForm(c: Context<AppEnv>, opts: { error?: string | null; email?: string } = {}, status = 200) {
  const _ = tr(c);
  const next = safeNext(c, c.req.query("next"));
  return page(
    c,
    { title: _("sso.login.title"), error: opts.error },
    <>
      <p class="muted">{_("sso.login.intro")}</p>
      <form method="post" action={`/login/sso?next=${encodeURIComponent(next)}`} class="stack">
        <label>
          {_("field.email")}
          <input type="email" name="email" autocomplete="username" required value={opts.email ?? ""} />
        </label>
        <button type="submit">{_("sso.login.submit")}</button>
      </form>
      <p>
        <a href="/login">{_("sso.login.password")}</a>
      </p>
    </>,
    status,
  );
}

/** Single sign-on (A8): start from an e-mail address, come back to /sso/callback. */
export function registerSsoPages(app: Hono<AppEnv>) {
  const pub = access({ kind: "public" });
  app.get("/login/sso", pub, (c) => ssoForm(c));
  app.post("/login/sso", pub, async (c) => {
    const f = await readForm(c);
    return orErrorPage(
      c,
      async () => {
        const url = await startSsoLogin(platformCtx(c), f.email ?? "", safeNext(c, c.req.query("next")));
        const state = new URL(url).searchParams.get("state") ?? "";
        setCookie(c, SSO_COOKIE, state, {
          path: "/",
          secure: true,
          httpOnly: true,
          sameSite: "Lax",
          maxAge: SSO_STATE_TTL_MS / 1000,
        });
        // A page with a link, not a redirect: the CSP's form-action 'self' (rightly) stops a form
        // whose answer redirects to another origin. A nonce'd one-liner follows the link at once.
        const _ = tr(c);
        const nonce = c.get("secureHeadersNonce");
        return page(
          c,
          { title: _("sso.login.title") },
          <>
            <p>{_("sso.login.redirecting", { host: new URL(url).host })}</p>
            <p>
              <a id="sso-continue" href={url}>
                {_("sso.login.continue")}
              </a>
            </p>
            <script nonce={nonce}>{raw(`document.getElementById("sso-continue").click();`)}</script>
          </>,
        );
      },
      (error, status) => ssoForm(c, { error, email: f.email }, status),
    );
  });
  app.get("/sso/callback", pub, async (c) => {
    const state = c.req.query("state") ?? "";
    const cookie = getCookie(c, SSO_COOKIE) ?? "";
    deleteCookie(c, SSO_COOKIE, { path: "/", secure: true });
    return orErrorPage(
      c,
      async () => {
        const bound = state !== "" && cookie !== "" && timingSafeEqual(state, cookie);
        const r = await completeSsoLogin(platformCtx(c), {
          state: bound ? state : undefined,
          code: c.req.query("code"),
          error: c.req.query("error"),
        });
        if (r.kind === "mfa") {
          // The tenant requires a second factor: the TOTP step of the password login takes over.
          setCookie(c, MFA_COOKIE, r.token, {
            path: "/",
            secure: true,
            httpOnly: true,
            sameSite: "Lax",
            maxAge: 600,
          });
          return c.redirect(`/login/totp?next=${encodeURIComponent(safeNext(c, r.next))}`, 303);
        }
        const old = getCookie(c, SESSION_COOKIE.user);
        if (old) {
          const s = await validateSessionToken(c.env, old, "user");
          if (s) await invalidateSession(c.env, s.id);
        }
        c.header("Set-Cookie", sessionCookie("user", r.token, r.expiresAt), { append: true });
        return c.redirect(safeNext(c, r.next), 303);
      },
      (error, status) => ssoForm(c, { error }, status),
    );
  });
}
