import type { Context } from "hono";
import { ApiError } from "../../core/platform/errors";
import type { MessageKey } from "../../core/platform/i18n";
import { t } from "../../core/platform/i18n";
import { toApiError } from "../errors";
import type { AppEnv } from "../types";

export type Form = Record<string, string>;

/** Form fields as strings (files and repeated fields ignored here). Bodies are size-limited upstream. */
export async function readForm(c: Context<AppEnv>): Promise<Form> {
  const ct = c.req.header("content-type") ?? "";
  if (!ct.startsWith("application/x-www-form-urlencoded") && !ct.startsWith("multipart/form-data"))
    throw new ApiError("unsupported_media_type", "Forms only");
  const body = await c.req.parseBody();
  const out: Form = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") out[k] = v;
  return out;
}

/** The user-facing message for an error, in the page's language. Internal errors are logged. */
export function messageFor(c: Context<AppEnv>, err: unknown): { message: string; status: number } {
  const e = toApiError(err);
  const locale = c.get("locale") ?? "fr";
  if (e.code === "internal") {
    console.error(
      JSON.stringify({
        level: "error",
        msg: "portal form error",
        requestId: c.get("requestId"),
        error: String(err),
      }),
    );
    return { message: t(locale, "error.internal", { requestId: c.get("requestId") }), status: 500 };
  }
  const key = (e.messageKey ??
    (e.code === "validation_failed" ? "error.validation" : `error.${e.code}`)) as MessageKey;
  let message = t(locale, key, {
    seconds: e.headers?.["Retry-After"] ?? "60",
    requestId: c.get("requestId"),
    ...e.params,
  });
  if (message === key) message = e.message;
  if (e.code === "validation_failed" && e.errors?.length && !e.messageKey)
    message += ` (${e.errors.map((x) => x.pointer.replace(/^\//, "")).join(", ")})`;
  return { message, status: e.status };
}

/**
 * Where to go after a form (`next=`, `back=`): parsed as a URL against APP_URL, followed only when
 * it stays on that origin (no open redirect), as the path + query + fragment the parser
 * serialised — so `/\t/evil.example`, `/\evil.example`, `//evil.example`, `https:evil.example`
 * and their encoded forms all fall back. Control characters (CR/LF: a header split, a 500 that
 * still carried the new session cookie) are refused outright rather than stripped.
 */
export function sameOriginPath(raw: string | undefined | null, appUrl: string, fallback = "/"): string {
  if (!raw || raw.length > 2048 || hasControlChar(raw)) return fallback;
  try {
    const base = new URL(appUrl);
    const url = new URL(raw, base);
    if (url.origin !== base.origin) return fallback;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return fallback;
  }
}

const hasControlChar = (s: string) =>
  [...s].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);

export function safeNext(c: Context<AppEnv>, next: string | undefined | null, fallback = "/"): string {
  return sameOriginPath(next, c.env.APP_URL, fallback);
}
