import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { failedKeyAuthentication } from "../../core/identity/abuse";
import { authenticateApiKey } from "../../core/identity/api-keys";
import { sessionPrincipal } from "../../core/identity/login";
import { activeOperator } from "../../core/identity/operators";
import { limiter } from "../../core/identity/rate-limiter";
import { SESSION_COOKIE, validateSessionToken } from "../../core/identity/session";
import type { Ctx } from "../../core/platform/context";
import { ApiError } from "../../core/platform/errors";
import { isLocale, negotiateLocale } from "../../core/platform/i18n";
import { unreadNotices } from "../../core/platform/notices";
import { type Permission, roleAllows, scopesAllow } from "../../core/platform/rbac";
import type { User } from "../../db/schema/control";
import type { AppEnv } from "../types";
import { platformCtx } from "./request";

/**
 * Every route declares who may call it with exactly one `access(rule)` middleware. The rule is
 * recorded against the middleware function, so a test can walk `app.routes` and find, for every
 * registered route, the rule that guards it (and fail on a route with none).
 *
 * - `public`: anyone (health, legal, docs, sign-in forms).
 * - `api`: Bearer API key whose scopes grant `perm`; tenant from the key.
 * - `portal`: user session whose role grants `perm` (null: any member); tenant from the session.
 * - `ops`: operator session (separate realm and cookie).
 * - `dev`: only when ENVIRONMENT=development (404 otherwise).
 */
export type AccessRule =
  | { kind: "public" }
  | { kind: "api"; perm: Permission }
  | { kind: "portal"; perm: Permission | null; allowWithoutMfa?: boolean }
  | { kind: "ops" }
  | { kind: "dev" };

const registry = new WeakMap<object, AccessRule>();

export function ruleOf(handler: unknown): AccessRule | undefined {
  return typeof handler === "function" ? registry.get(handler) : undefined;
}

export const API_RATE_LIMIT = 600;
const MINUTE = 60_000;

export function access(rule: AccessRule): MiddlewareHandler<AppEnv> {
  const mw: MiddlewareHandler<AppEnv> = async (c, next) => {
    switch (rule.kind) {
      case "public":
        return next();
      case "dev":
        if (c.env.ENVIRONMENT !== "development") throw new ApiError("not_found", "Not found");
        return next();
      case "api":
        await apiKeyAuth(c, rule.perm);
        assertWritable(c);
        return next();
      case "portal": {
        const ok = await portalAuth(c, rule);
        if (ok !== true) return ok;
        assertWritable(c);
        return next();
      }
      case "ops": {
        const ok = await operatorAuth(c);
        if (ok !== true) return ok;
        return next();
      }
    }
  };
  registry.set(mw, rule);
  return mw;
}

const baseCtx = platformCtx;

/**
 * Routes that write call data (the data plane): multipart uploads (rows and R2 parts in the
 * source location) and the review queue's items are call data too.
 */
const DATA_WRITE = /\/(calls|imports|uploads|agents|rubrics|reviews|review-queue)(\/|$)/;
/**
 * While a job owns the tenant's call data (location migration, contract-end deletion), writes
 * to it are refused — not queued — with 409 `tenant-locked` and Retry-After; reads keep working.
 */
function assertWritable(c: Context<AppEnv>) {
  const ctx = c.get("ctx") as Ctx | undefined;
  const lock = ctx?.tenant.writeLock;
  if (!lock || c.req.method === "GET" || c.req.method === "HEAD") return;
  if (!DATA_WRITE.test(c.req.path)) return;
  throw new ApiError(
    "tenant_locked",
    lock === "location_migration"
      ? "Your call data is being moved to its new location; writes are refused until the move ends. Retry later."
      : "Your organisation's data is being deleted at the end of the contract; writes are refused.",
    { headers: { "Retry-After": "300" }, messageKey: `error.tenant_locked.${lock}` },
  );
}

async function apiKeyAuth(c: Context<AppEnv>, perm: Permission) {
  const header = c.req.header("authorization") ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  const unauth = (detail: string) =>
    new ApiError("unauthenticated", detail, { headers: { "WWW-Authenticate": 'Bearer realm="ccr"' } });
  if (!m) throw unauth("Send an API key: Authorization: Bearer ccr_live_…");
  const base = baseCtx(c);
  const found = await authenticateApiKey(c.env, m[1], base.ip, base.userAgent);
  if (!found) {
    // Counted per client address: 429 + Retry-After past the limit, and an operator alert (I5).
    await failedKeyAuthentication(c.env, base.ip);
    throw unauth("The API key is unknown, revoked or expired");
  }
  const rl = await limiter(c.env, `api:${found.key.id}`).hit(API_RATE_LIMIT, MINUTE);
  const resetS = Math.max(0, Math.ceil((rl.resetAt - Date.now()) / 1000));
  c.header("RateLimit-Limit", String(API_RATE_LIMIT));
  c.header("RateLimit-Remaining", String(rl.remaining));
  c.header("RateLimit-Reset", String(resetS));
  c.header("RateLimit-Policy", `${API_RATE_LIMIT};w=60`);
  if (!rl.allowed)
    throw new ApiError("rate_limited", `At most ${API_RATE_LIMIT} requests per minute per key`, {
      headers: {
        "Retry-After": String(Math.max(1, resetS)),
        "RateLimit-Limit": String(API_RATE_LIMIT),
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": String(resetS),
      },
    });
  const ctx: Ctx = {
    ...base,
    tenant: found.tenant,
    actor: { type: "api_key", id: found.key.id, scopes: found.key.scopes },
  };
  c.set("ctx", ctx);
  if (!scopesAllow(found.key.scopes, perm))
    throw new ApiError("forbidden", `This key lacks a scope granting ${perm}`);
}

function loginRedirect(c: Context<AppEnv>, to: string) {
  const url = new URL(c.req.url);
  const next = c.req.method === "GET" ? `${url.pathname}${url.search}` : "/";
  return c.redirect(`${to}?next=${encodeURIComponent(next)}`, 302);
}

/** Loads the session's user, membership and tenant in one query. */
export async function loadPortalCtx(c: Context<AppEnv>): Promise<{ ctx: Ctx; user: User } | null> {
  const token = getCookie(c, SESSION_COOKIE.user);
  if (!token) return null;
  const session = await validateSessionToken(c.env, token, "user");
  const row = session ? await sessionPrincipal(c.env, session) : null;
  if (!session || !row) return null;
  const ctx: Ctx = {
    ...baseCtx(c),
    tenant: row.tenant,
    actor: {
      type: "user",
      id: row.user.id,
      role: row.membership.role,
      sessionId: session.id,
      agentId: row.membership.agentId,
      email: row.user.email,
    },
  };
  if (isLocale(row.user.locale)) c.set("locale", row.user.locale);
  return { ctx, user: row.user };
}

async function portalAuth(
  c: Context<AppEnv>,
  rule: Extract<AccessRule, { kind: "portal" }>,
): Promise<true | Response> {
  const loaded = await loadPortalCtx(c);
  if (!loaded) return loginRedirect(c, "/login");
  const { ctx, user } = loaded;
  c.set("ctx", ctx);
  c.set("userName", `${user.firstName} ${user.lastName}`.trim() || user.email);
  c.set("unreadNotices", await unreadNotices(ctx)); // the header's count (apps/portal/home.tsx)
  const role = ctx.actor.type === "user" ? ctx.actor.role : "viewer";
  if (
    ctx.tenant.requireMfa &&
    (role === "owner" || role === "admin") &&
    !user.totpEnabledAt &&
    !rule.allowWithoutMfa
  )
    return c.redirect("/account/totp?required=1", 302);
  if (rule.perm && !roleAllows(role, rule.perm))
    throw new ApiError("forbidden", "Your role does not allow this");
  return true;
}

async function operatorAuth(c: Context<AppEnv>): Promise<true | Response> {
  const token = getCookie(c, SESSION_COOKIE.operator);
  const session = token ? await validateSessionToken(c.env, token, "operator") : null;
  if (!session) return loginRedirect(c, "/ops/login");
  const op = await activeOperator(c.env, session.subjectId);
  if (!op) return loginRedirect(c, "/ops/login");
  c.set("operator", { id: op.id, email: op.email, name: op.name, sessionId: session.id });
  return true;
}

/** Language: the user's setting (set in loadPortalCtx), else the `lang` cookie, else Accept-Language. */
export function localeMiddleware(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const cookie = getCookie(c, "lang");
    c.set("locale", isLocale(cookie) ? cookie : negotiateLocale(c.req.header("accept-language")));
    await next();
  };
}
