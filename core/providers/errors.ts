/**
 * One error type for every outbound provider call (speech and LLM), so the pipeline decides
 * retry-or-fail from one flag. `retryable` means "the same request may succeed later": rate
 * limits, 5xx, network failures and timeouts. Everything else (bad key, refused file, a response
 * we cannot read) fails the call with `message` as the reason shown to the tenant.
 *
 * Messages never contain transcript text or audio: only the provider, the HTTP status, the
 * provider's own error message (truncated) and what to do.
 */
export type ProviderErrorCode =
  | "bad_request"
  | "unauthorized"
  | "payment_required"
  | "forbidden"
  | "not_found"
  | "too_large"
  | "unsupported_media"
  | "rate_limited"
  | "server_error"
  | "network"
  | "timeout"
  | "malformed_response"
  | "no_speech"
  | "invalid_transcript"
  | "transcription_failed"
  | "refused"
  | "invalid_output"
  | "failed";

export class ProviderError extends Error {
  readonly provider: string;
  readonly retryable: boolean;
  readonly status?: number;
  readonly code: ProviderErrorCode;
  /** From a 429's `Retry-After`, in seconds, when the provider sent one. */
  readonly retryAfterS?: number;

  constructor(
    provider: string,
    message: string,
    retryable: boolean,
    opts: { code?: ProviderErrorCode; status?: number; retryAfterS?: number; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "ProviderError";
    this.provider = provider;
    this.retryable = retryable;
    this.code = opts.code ?? (retryable ? "server_error" : "failed");
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.retryAfterS !== undefined) this.retryAfterS = opts.retryAfterS;
  }

  /** The AI SDK's name for the HTTP status (`APICallError.statusCode`), for callers that read either. */
  get statusCode(): number | undefined {
    return this.status;
  }
}

export const isProviderError = (e: unknown): e is ProviderError => e instanceof ProviderError;

/** `new ProviderError` with the code first — how this folder builds them. */
export function providerError(
  provider: string,
  code: ProviderErrorCode,
  message: string,
  opts: { retryable: boolean; status?: number; retryAfterS?: number; cause?: unknown },
): ProviderError {
  const { retryable, ...rest } = opts;
  return new ProviderError(provider, message, retryable, { code, ...rest });
}

/** A step failure the queue should retry with backoff (a retryable provider error, re-thrown). */
export class RetryableError extends Error {}
