import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../types";

/**
 * Post → redirect → get (SPEC I7). A form that changes something answers 303 to a page, so a
 * reload of that page never submits again (a second API key, a second webhook, a second
 * invitation…); a secret created by the post is carried to that page by the one-time cookie
 * (apps/portal/once.ts). A successful (2xx) HTML answer to a POST is therefore a mistake and is
 * caught here, whoever forgets: in development and tests it becomes a 500 naming the route, in
 * production it is logged (the change is made by then; failing the answer would invite a
 * resubmission). Error pages (4xx) re-render the form with what was typed, as they should.
 *
 * Exceptions say why with `c.set("postRendersPage", reason)` — a preview that stores nothing
 * (the rubric editor's unsaved reshapes and dry runs) — or are listed below.
 */
const RENDERS_AFTER_POST: Record<string, string> = {
  // A page with a link to the identity provider: the CSP's form-action 'self' stops a form whose
  // answer redirects to another origin. It stores only the short-lived sign-in state.
  "/login/sso": "hand-off to the identity provider",
};

export function postRedirectGet(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (c.req.method !== "POST" || c.req.path.startsWith("/api/")) return;
    const res = c.res;
    if (res.status < 200 || res.status > 299) return;
    if (!(res.headers.get("content-type") ?? "").startsWith("text/html")) return;
    if (c.get("postRendersPage") || Object.hasOwn(RENDERS_AFTER_POST, c.req.path)) return;
    const msg = `POST ${c.req.path} answered ${res.status} with a page: answer 303 to a page (post → redirect → get)`;
    if (c.env.ENVIRONMENT === "production") {
      console.error(JSON.stringify({ level: "error", msg, requestId: c.get("requestId") }));
      return;
    }
    throw new Error(msg);
  };
}
