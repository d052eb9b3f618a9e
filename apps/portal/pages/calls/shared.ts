import type { Context } from "hono";
import { ApiError } from "../../../../core/platform/errors";
import type { Locale, MessageKey } from "../../../../core/platform/i18n";
import { toApiError } from "../../../errors";
import type { AppEnv } from "../../../types";
import type { PortalContext } from "../../../ui/common";
import { messageFor } from "../../../ui/forms";

export const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Offset of `timeZone` from UTC at instant `ms`, in ms (positive east of Greenwich). */
function zoneOffset(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(ms);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second"));
  return wall - Math.floor(ms / 1000) * 1000;
}

/**
 * Midnight of a `YYYY-MM-DD` day in `timeZone` (the tenant's, for its filters), as epoch ms; `days` shifts the day (an
 * inclusive "to" day becomes the exclusive start of the next one). NaN for an impossible date.
 */
export function dayStart(day: string, timeZone: string, days = 0): number {
  if (!DAY_RE.test(day)) return Number.NaN;
  const [y, m, d] = day.split("-").map(Number);
  const utc = Date.UTC(y, m - 1, d + days);
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d)
    return Number.NaN;
  // Twice: the first guess may sit on the other side of a daylight-saving change.
  const guess = utc - zoneOffset(utc, timeZone);
  return utc - zoneOffset(guess, timeZone);
}

/** `1:05`, `12:30`, `1:02:03` — a clock position or a length in seconds. */
export function clock(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return "";
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Sizes in binary multiples (a "100 MB" limit is 100 × 1024² bytes), labelled as people say them. */
export function bytes(locale: Locale, n: number | null | undefined): string {
  if (n == null) return "";
  const [unit, v] =
    n >= 1024 ** 3
      ? (["gigabyte", n / 1024 ** 3] as const)
      : n >= 1024 ** 2
        ? (["megabyte", n / 1024 ** 2] as const)
        : (["kilobyte", n / 1024] as const);
  return new Intl.NumberFormat(locale === "fr" ? "fr-FR" : "en-GB", {
    style: "unit",
    unit,
    maximumFractionDigits: 1,
  }).format(v);
}

export function num(locale: Locale, n: number): string {
  return new Intl.NumberFormat(locale === "fr" ? "fr-FR" : "en-GB", { maximumFractionDigits: 1 }).format(n);
}

/**
 * What an automatic score rests on, said beside it (issue 14): "on 88% of the grid", and how many
 * findings the engine returned uncertain — so a 100 judged on a fifth of the grid never reads as a
 * clean pass. Empty when the call has no score or predates the figure.
 */
export function scoreCoverage(
  _: (key: MessageKey, params?: Record<string, string | number>) => string,
  locale: Locale,
  x: { evaluatedWeightPct: number | null; uncertainCount: number | null },
): string {
  const parts: string[] = [];
  if (x.evaluatedWeightPct !== null)
    parts.push(_("score.coverage", { pct: num(locale, x.evaluatedWeightPct) }));
  if (x.uncertainCount) parts.push(_("score.uncertain", { n: x.uncertainCount }));
  return parts.join(" · ");
}

/**
 * State-changing requests the page's script sends (JSON, raw audio) are not form posts, so the
 * app-wide CSRF middleware (hono/csrf, which judges form content types only) lets them through.
 * Browsers cannot send them cross-site without a CORS preflight we never grant, but the portal
 * asks for the same proof as for forms anyway: our own Origin (or Sec-Fetch-Site: same-origin).
 */
export function requireSameOrigin(c: Context<AppEnv>) {
  const origin = c.req.header("origin");
  const site = c.req.header("sec-fetch-site");
  const ok =
    site === "same-origin" ||
    (origin !== undefined &&
      (origin === new URL(c.req.url).origin || origin === new URL(c.env.APP_URL).origin));
  if (!ok) throw new ApiError("csrf", "Send this request from the portal's own pages");
}

/**
 * A length-delimited body: Content-Length is required (411) and checked against the limit (413)
 * before a byte is read; an empty body is refused. The same rules as the API's uploads.
 */
export function sizedBody(c: Context<AppEnv>, max: number) {
  const len = c.req.header("content-length");
  if (len === undefined || !/^\d+$/.test(len))
    throw new ApiError("length_required", "Send Content-Length", {
      messageKey: "calls.upload.error.length_required",
    });
  const n = Number(len);
  if (n > max)
    throw new ApiError(
      "payload_too_large",
      `The body is ${n} bytes; the limit of one request is ${max} bytes`,
      {
        messageKey: "calls.upload.error.too_large",
        params: { max: bytes(c.get("locale") ?? "fr", max) },
      },
    );
  if (n === 0 || !c.req.raw.body)
    throw new ApiError("bad_request", "The body is empty", { messageKey: "calls.upload.error.empty" });
  return { body: c.req.raw.body, contentLength: n };
}

/** Failures of the upload routes in words a user understands, by what went wrong. */
const UPLOAD_MESSAGES: Partial<Record<ApiError["code"], MessageKey>> = {
  not_found: "calls.error.not_found",
  length_required: "calls.upload.error.length_required",
  unsupported_media_type: "calls.upload.error.format",
  conflict: "calls.upload.error.conflict",
  unprocessable: "calls.upload.error.damaged",
  bad_request: "calls.upload.error.incomplete",
};

/**
 * The answer of the routes the upload script calls: `{ message }` in the user's language with
 * the error's status, never a problem document (the script shows `message` as it is).
 */
export function jsonFailure(c: PortalContext, err: unknown): Response {
  const e = toApiError(err);
  const key = e.messageKey ?? UPLOAD_MESSAGES[e.code];
  const { message, status } = messageFor(
    c,
    key ? new ApiError(e.code, e.message, { messageKey: key, errors: e.errors, params: e.params }) : err,
  );
  return c.json({ message }, status as 400);
}
