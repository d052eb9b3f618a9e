import { type ProviderError, type ProviderErrorCode, providerError } from "./errors";

/**
 * The outbound HTTP boundary of the speech providers: one `fetch` (injectable, so tests assert
 * what we send), one timeout, and one mapping from HTTP outcomes to `ProviderError`.
 */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Late-bound so `vi.spyOn(globalThis, "fetch")` also works when no fetch is injected. */
export const defaultFetch: FetchLike = (input, init) => globalThis.fetch(input, init);

export interface CallOptions {
  fetch: FetchLike;
  /** The caller's signal (queue consumer shutting down, request cancelled). */
  signal?: AbortSignal;
  /** Our own bound on this one request, including reading its body. */
  timeoutMs: number;
}

/** Provider error bodies: Deepgram `{err_code, err_msg}`, OpenAI `{error:{message,code}}`, AssemblyAI `{error}`. */
function providerMessage(body: string): string {
  let msg = body;
  try {
    const j = JSON.parse(body) as Record<string, unknown>;
    const e = j.error;
    const parts = [
      typeof j.err_code === "string" ? j.err_code : undefined,
      typeof j.err_msg === "string" ? j.err_msg : undefined,
      typeof e === "string" ? e : undefined,
      e && typeof e === "object" && typeof (e as { message?: unknown }).message === "string"
        ? (e as { message: string }).message
        : undefined,
      typeof j.message === "string" ? j.message : undefined,
    ].filter(Boolean);
    if (parts.length) msg = parts.join(": ");
  } catch {
    // not JSON: keep the text (an HTML error page from a proxy, say)
  }
  msg = msg.replace(/\s+/g, " ").trim();
  return msg.length > 300 ? `${msg.slice(0, 300)}…` : msg;
}

function retryAfter(res: Response): number | undefined {
  const h = res.headers.get("retry-after");
  if (!h) return undefined;
  const n = Number(h);
  if (Number.isFinite(n) && n >= 0) return n;
  const at = Date.parse(h);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.round((at - Date.now()) / 1000));
}

/** A non-2xx response → the error the pipeline acts on. */
export async function errorFromResponse(
  provider: string,
  res: Response,
  what: string,
): Promise<ProviderError> {
  let text = "";
  try {
    text = await res.text();
  } catch {
    // body unreadable: the status says enough
  }
  const detail = providerMessage(text);
  const s = res.status;
  const said = detail ? ` (${s}: ${detail})` : ` (${s})`;
  let code: ProviderErrorCode;
  let retryable = false;
  let message: string;
  if (s === 429) {
    code = "rate_limited";
    retryable = true;
    message = `${provider} is rate-limiting ${what}${said}; retry later`;
  } else if (s >= 500 || s === 408) {
    code = s === 408 ? "timeout" : "server_error";
    retryable = true;
    message = `${provider} failed on ${what}${said}; retry later`;
  } else if (s === 401) {
    code = "unauthorized";
    message = `${provider} rejected the API key${said}: check the key configured for ${provider}`;
  } else if (s === 402) {
    code = "payment_required";
    message = `${provider} refused ${what} for lack of credit${said}: check the ${provider} account's billing`;
  } else if (s === 403) {
    code = "forbidden";
    message = `${provider} refused ${what}${said}: the key lacks access to this endpoint, model or region`;
  } else if (s === 404) {
    code = "not_found";
    message = `${provider} has no such resource for ${what}${said}`;
  } else if (s === 413) {
    code = "too_large";
    message = `the recording is too large for ${provider}${said}`;
  } else if (s === 415) {
    code = "unsupported_media";
    message = `${provider} does not accept this audio format${said}`;
  } else {
    code = "bad_request";
    message = `${provider} rejected ${what}${said}`;
  }
  const ra = s === 429 ? retryAfter(res) : undefined;
  return providerError(provider, code, message, {
    retryable,
    status: s,
    ...(ra !== undefined ? { retryAfterS: ra } : {}),
  });
}

/**
 * One request with a timeout. Resolves with the parsed JSON of a 2xx answer (or null for an empty
 * body when `allowEmpty`); throws `ProviderError` otherwise.
 */
export async function callJson(
  provider: string,
  what: string,
  url: string,
  init: RequestInit,
  opts: CallOptions & { allowEmpty?: boolean },
): Promise<unknown> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error("timeout"));
  }, opts.timeoutMs);
  const onAbort = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) onAbort();
  else opts.signal?.addEventListener("abort", onAbort, { once: true });

  const aborted = (cause: unknown) =>
    timedOut
      ? providerError(
          provider,
          "timeout",
          `${provider} did not answer ${what} within ${Math.round(opts.timeoutMs / 1000)} s; retry later`,
          { retryable: true, cause },
        )
      : providerError(provider, "timeout", `${what} at ${provider} was aborted before it finished`, {
          retryable: true,
          cause,
        });

  try {
    let res: Response;
    try {
      res = await opts.fetch(url, { ...init, signal: controller.signal });
    } catch (e) {
      if (controller.signal.aborted) throw aborted(e);
      throw providerError(
        provider,
        "network",
        `could not reach ${provider} for ${what} (${e instanceof Error ? e.message : String(e)}); retry later`,
        { retryable: true, cause: e },
      );
    }
    if (!res.ok) throw await errorFromResponse(provider, res, what);
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      if (controller.signal.aborted) throw aborted(e);
      throw providerError(provider, "network", `the answer from ${provider} to ${what} was cut off`, {
        retryable: true,
        status: res.status,
        cause: e,
      });
    }
    if (!text.trim() && opts.allowEmpty) return null;
    try {
      return JSON.parse(text);
    } catch (e) {
      throw providerError(
        provider,
        "malformed_response",
        `${provider} answered ${what} with a body that is not JSON (${res.status}, ${text.length} bytes, content-type ${res.headers.get("content-type") ?? "none"})`,
        { retryable: false, status: res.status, cause: e },
      );
    }
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * The audio as a request body with a known length. Workers send a plain ReadableStream with
 * chunked encoding; a `FixedLengthStream` sets `Content-Length`, which the providers' upload
 * endpoints expect (curl `--data-binary` sends one). The bytes stream through: nothing is buffered.
 */
export function sizedBody(audio: ReadableStream<Uint8Array>, size: number): ReadableStream<Uint8Array> {
  if (typeof FixedLengthStream === "undefined" || !(size > 0)) return audio;
  const fixed = new FixedLengthStream(size);
  // A failed pipe (size mismatch, cancelled upload) surfaces as the fetch's own error.
  audio.pipeTo(fixed.writable).catch(() => {});
  return fixed.readable as ReadableStream<Uint8Array>;
}

/** Sleep that ends early (rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A 2xx body that does not have the documented shape. */
export function malformed(provider: string, what: string, issue: string): ProviderError {
  return providerError(
    provider,
    "malformed_response",
    `${provider} answered ${what} with an unexpected shape (${issue})`,
    { retryable: false },
  );
}
