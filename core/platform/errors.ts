import { ZodError } from "zod";

/**
 * One error type for the whole platform. Services throw it; the API turns it into an RFC 9457
 * problem document, the portal into a page in the user's language.
 */
export const errorCodes = {
  bad_request: { status: 400, title: "Bad request" },
  validation_failed: { status: 400, title: "Validation failed" },
  malformed_json: { status: 400, title: "Malformed JSON" },
  unauthenticated: { status: 401, title: "Authentication required" },
  forbidden: { status: 403, title: "Forbidden" },
  csrf: { status: 403, title: "Cross-site request refused" },
  mfa_required: { status: 403, title: "Second factor required" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflict" },
  analysis_not_ready: { status: 409, title: "Analysis not ready" },
  idempotency_conflict: { status: 409, title: "Idempotency key reused with a different request" },
  tenant_locked: { status: 409, title: "Call data is being moved or deleted" },
  billing_not_configured: { status: 409, title: "Billing is not configured" },
  idempotency_in_progress: { status: 409, title: "A request with this idempotency key is in progress" },
  gone: { status: 410, title: "Gone" },
  length_required: { status: 411, title: "Length required" },
  payload_too_large: { status: 413, title: "Payload too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  unprocessable: { status: 422, title: "Unprocessable content" },
  rate_limited: { status: 429, title: "Too many requests" },
  internal: { status: 500, title: "Internal error" },
  unavailable: { status: 503, title: "Service unavailable" },
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface FieldError {
  /** JSON pointer-ish path of the offending field, e.g. `/email`. */
  pointer: string;
  detail: string;
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors?: FieldError[];
  readonly headers?: Record<string, string>;
  /** Key into the i18n table for the portal's message, when it differs from the code. */
  readonly messageKey?: string;
  /** Values for the `{placeholders}` of that message. */
  readonly params?: Record<string, string | number>;

  constructor(
    code: ErrorCode,
    detail?: string,
    opts: {
      errors?: FieldError[];
      headers?: Record<string, string>;
      messageKey?: string;
      params?: Record<string, string | number>;
    } = {},
  ) {
    super(detail ?? errorCodes[code].title);
    this.code = code;
    this.status = errorCodes[code].status;
    this.errors = opts.errors;
    this.headers = opts.headers;
    this.messageKey = opts.messageKey;
    this.params = opts.params;
  }
}

export const notFound = (what = "Resource") => new ApiError("not_found", `${what} not found`);
export const forbidden = (detail = "Your role does not allow this action") =>
  new ApiError("forbidden", detail);

/** Stable problem type URI for a code. */
export function problemType(code: ErrorCode): string {
  return `https://callcenterrate.com/problems/${code.replaceAll("_", "-")}`;
}

export function fromZod(err: ZodError): ApiError {
  return new ApiError("validation_failed", "The request has invalid fields", {
    errors: err.issues.map((i) => ({ pointer: `/${i.path.join("/")}`, detail: i.message })),
  });
}

/** A UNIQUE constraint failure from D1. Drizzle wraps the D1 error; the SQLite message is on the cause. */
export function isUniqueViolation(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause)
    if (e.message.includes("UNIQUE constraint failed")) return true;
  return false;
}

/** ApiError as is, zod failures as validation errors, anything else as `internal`. */
export function normalizeError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ZodError) return fromZod(err);
  return new ApiError("internal", "An unexpected error occurred");
}
