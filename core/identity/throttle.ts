import { ApiError } from "../platform/errors";
import { limiter } from "./rate-limiter";

/**
 * Login throttling (A3, SPEC "Rate limits"): failures are counted per account and per IP in
 * a sliding minute; at 10 failures either key answers 429 with Retry-After until the window
 * ends. Unknown accounts are counted exactly like known ones.
 */
export const LOGIN_FAILURE_LIMIT = 10;
export const LOGIN_WINDOW_MS = 60_000;

function keys(scope: string, account: string, ip: string | null): string[] {
  const k = [`${scope}:acct:${account.toLowerCase()}`];
  if (ip) k.push(`${scope}:ip:${ip}`);
  return k;
}

export async function assertNotThrottled(
  env: Env,
  scope: string,
  account: string,
  ip: string | null,
): Promise<void> {
  const states = await Promise.all(
    keys(scope, account, ip).map((k) => limiter(env, k).check(LOGIN_FAILURE_LIMIT, LOGIN_WINDOW_MS)),
  );
  const blocked = states.filter((s) => !s.allowed);
  if (blocked.length) {
    const retryAfter = Math.max(
      1,
      Math.ceil((Math.max(...blocked.map((s) => s.resetAt)) - Date.now()) / 1000),
    );
    throw new ApiError("rate_limited", `Too many failed attempts; retry in ${retryAfter} s`, {
      headers: { "Retry-After": String(retryAfter) },
      messageKey: "error.rate_limited",
    });
  }
}

export async function recordFailure(
  env: Env,
  scope: string,
  account: string,
  ip: string | null,
): Promise<void> {
  await Promise.all(
    keys(scope, account, ip).map((k) => limiter(env, k).record(LOGIN_FAILURE_LIMIT, LOGIN_WINDOW_MS)),
  );
}
