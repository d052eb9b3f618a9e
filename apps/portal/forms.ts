import type { Context } from "hono";
import { ApiError } from "../../core/errors";
import type { MessageKey } from "../../core/i18n";
import { t } from "../../core/i18n";
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

/** Only same-site relative paths are followed after login (no open redirect). */
export function safeNext(next: string | undefined | null, fallback = "/"): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return fallback;
  return next;
}
