import { Hono } from "hono";
import { csrf } from "hono/csrf";
import { ApiError } from "../core/errors";
import { t } from "../core/i18n";
import { buildApi } from "./api";
import { logInternal, problem, toApiError } from "./errors";
import { access, localeMiddleware } from "./middleware/access";
import { requestContext } from "./middleware/request";
import { securityHeaders } from "./middleware/security";
import { registerOps } from "./ops";
import { registerPortal } from "./portal";
import { registerAuthPages } from "./portal/auth-pages";
import { registerHome } from "./portal/home";
import { page } from "./portal/layout";
import { registerPublic } from "./public";
import { renderDocs } from "./public/docs";
import type { AppEnv } from "./types";

const isApiPath = (path: string) => path.startsWith("/api/") || path === "/healthz";

/** The whole HTTP surface: /api/v1 (JSON), portal pages, operator console, public pages. */
export function buildApp() {
  const app = new Hono<AppEnv>();
  app.use("*", requestContext());
  app.use("*", securityHeaders());
  app.use("*", localeMiddleware());
  // CSRF (I3): every state-changing browser request must come from our own origin. The API is
  // exempt: it authenticates with bearer keys, never cookies, so a forged request carries nothing.
  const csrfCheck = csrf({
    origin: (origin, c) => origin === new URL(c.req.url).origin || origin === new URL(c.env.APP_URL).origin,
  });
  app.use("*", async (c, next) => (c.req.path.startsWith("/api/") ? next() : csrfCheck(c, next)));

  const { api, document } = buildApi();
  app.route("/api/v1", api);
  app.get("/api/docs", access({ kind: "public" }), (c) => renderDocs(c, document() as never));
  registerPublic(app);
  registerAuthPages(app);
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
    const e = toApiError(err);
    if (e.status >= 500) logInternal(c, err);
    if (isApiPath(c.req.path)) return problem(c, e);
    const locale = c.get("locale") ?? "fr";
    const key =
      e.code === "csrf"
        ? "error.csrf"
        : e.code === "forbidden"
          ? "error.forbidden"
          : e.status >= 500
            ? "error.internal"
            : "error.not_found";
    const res = page(
      c,
      { title: t(locale, key, { requestId: c.get("requestId") }) },
      <a href="/">CallCenterRate</a>,
      e.status,
    );
    return res;
  });
  return app;
}
