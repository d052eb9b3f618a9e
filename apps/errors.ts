import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  ApiError,
  type ErrorCode,
  errorCodes,
  fromZod,
  normalizeError,
  problemType,
} from "../core/platform/errors";
import type { AppEnv } from "./types";

/** Normalise anything thrown into an ApiError; unknown errors become `internal` (logged). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof HTTPException) {
    const status = err.status;
    const msg = err.message || "";
    if (status === 400 && /json/i.test(msg))
      return new ApiError("malformed_json", "The request body is not valid JSON");
    if (status === 403) return new ApiError("csrf", "Cross-site form submission refused");
    if (status === 413) return new ApiError("payload_too_large", "The request body is too large");
    const code =
      (Object.keys(errorCodes) as ErrorCode[]).find((k) => errorCodes[k].status === status) ?? "bad_request";
    return new ApiError(code, msg || undefined);
  }
  return normalizeError(err);
}

export { fromZod };

/** RFC 9457 problem document. */
export function problem(c: Context<AppEnv>, e: ApiError): Response {
  const body = {
    type: problemType(e.code),
    title: errorCodes[e.code].title,
    status: e.status,
    detail: e.message,
    instance: c.req.path,
    requestId: c.get("requestId"),
    ...(e.errors ? { errors: e.errors } : {}),
  };
  const res = c.body(JSON.stringify(body), e.status as ContentfulStatusCode, {
    "Content-Type": "application/problem+json",
    "Cache-Control": "no-store",
  });
  for (const [k, v] of Object.entries(e.headers ?? {})) res.headers.set(k, v);
  return res;
}

export function logInternal(c: Context<AppEnv>, err: unknown) {
  console.error(
    JSON.stringify({
      level: "error",
      msg: "unhandled",
      requestId: c.get("requestId"),
      route: c.req.routePath,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      stack: err instanceof Error ? err.stack?.split("\n").slice(0, 6).join(" | ") : undefined,
    }),
  );
}
