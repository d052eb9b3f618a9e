import { type Context, Hono } from "hono";
import { ApiError } from "../core/platform/errors";
import { t } from "../core/platform/i18n";
import { buildApi } from "./api";
import { logInternal, problem, toApiError } from "./errors";
import { access, localeMiddleware } from "./middleware/access";
import { sameOrigin } from "./middleware/csrf";
import { postRedirectGet } from "./middleware/prg";
import { requestContext } from "./middleware/request";
import { securityHeaders } from "./middleware/security";
import { registerOps } from "./ops";
import { registerPortal } from "./portal";
import { registerAuthPages } from "./portal/auth-pages";
import { registerHome } from "./portal/home";
import { registerSsoPages } from "./portal/sso-pages";
import { registerPublic } from "./public";
import { renderDocs } from "./public/docs";
import type { AppEnv } from "./types";
import { messageFor } from "./ui/forms";
import { page } from "./ui/layout";

const isApiPath = (path: string) => path.startsWith("/api/") || path === "/healthz";
const FORM = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i;
/** A portal request made by a script (JSON accepted, or a non-form body) gets `{ message }`. */
const wantsJson = (method: string, accept = "", contentType = "") =>
  accept.includes("application/json") ||
  (method !== "GET" && method !== "HEAD" && contentType !== "" && !FORM.test(contentType));

/** The whole HTTP surface: /api/v1 (JSON), portal pages, operator console, public pages. */
export function buildApp() {
  const app = new Hono<AppEnv>();
  app.use("*", requestContext());
  app.use("*", securityHeaders());
  app.use("*", localeMiddleware());
  app.use("*", sameOrigin());
  app.use("*", postRedirectGet());

  const { api, document } = buildApi();
  app.route("/api/v1", api);
  app.get("/api/docs", access({ kind: "public" }), (c) => renderDocs(c, document() as never));
  registerPublic(app);
  registerAuthPages(app);
  registerSsoPages(app);
  registerHome(app);
  registerPortal(app);
  registerOps(app);

  app.notFound((c) => {
    const e = new ApiError("not_found", "No such route");
    if (isApiPath(c.req.path)) return problem(c, e);
    const locale = c.get("locale") ?? "fr";
    return page(c, { title: t(locale, "error.not_found") }, <a href="/">CallCenterRate</a>, 404);
  });

  app.onError((err, c) => {
    const res = errorResponse(err, c);
    // A request that failed on our side changes nothing in the browser: a session cookie set
    // before the failure (a login whose redirect then threw) must not arrive with the 500.
    if (res.status >= 500) res.headers.delete("set-cookie");
    return res;
  });
  return app;
}

function errorResponse(err: Error, c: Context<AppEnv>): Response {
  const e = toApiError(err);
  if (e.status >= 500) logInternal(c, err);
  if (isApiPath(c.req.path)) return problem(c, e);
  if (wantsJson(c.req.method, c.req.header("accept"), c.req.header("content-type"))) {
    // The portal's scripts (uploads) read a localized message, not a page.
    const res = c.json({ message: messageFor(c, err).message }, e.status as 400);
    for (const [k, v] of Object.entries(e.headers ?? {})) res.headers.set(k, v);
    return res;
  }
  const locale = c.get("locale") ?? "fr";
  const key =
    e.code === "csrf"
      ? "error.csrf"
      : e.code === "forbidden"
        ? "error.forbidden"
        : e.status >= 500
          ? "error.internal"
          : e.status === 404 || e.status === 405
            ? "error.not_found"
            : null;
  // Any other refusal (a bad date on a printable report, a bad export filter) says what was wrong.
  const title = key ? t(locale, key, { requestId: c.get("requestId") }) : messageFor(c, err).message;
  const res = page(c, { title }, <a href="/">CallCenterRate</a>, e.status);
  return res;
}
