import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { decryptString, encryptString } from "../../core/platform/crypto";
import { type PortalContext, userCtx } from "../ui/common";

/**
 * A secret shown once, after post → redirect → get (apps/middleware/prg.ts): a new API key, a
 * webhook signing secret, TOTP recovery codes. The POST that creates it cannot show it (a reload
 * of that answer would create another), so it hands it to the page it redirects to in a cookie:
 * - encrypted and authenticated with AES-256-GCM under the platform's ENCRYPTION_KEY, the path and
 *   the session bound in as additional data (another page or session cannot open it);
 * - HttpOnly (no script reads it), Secure, SameSite=Strict, Path=the one page that shows it,
 *   expiring after five minutes;
 * - cleared by the GET that shows it, in the same response: a reload shows nothing and creates
 *   nothing. The server keeps no copy, so the secret exists only in that one answer.
 */
const COOKIE = "__Secure-ccr_once";
const TTL_S = 300;

const aad = (c: PortalContext, path: string) => `once|${path}|${userCtx(c).actor.sessionId}`;

export async function showOnce(c: PortalContext, path: string, value: unknown): Promise<void> {
  const sealed = await encryptString(
    c.env.ENCRYPTION_KEY,
    JSON.stringify({ v: value, exp: Date.now() + TTL_S * 1000 }),
    aad(c, path),
  );
  setCookie(c, COOKIE, sealed, { path, secure: true, httpOnly: true, sameSite: "Strict", maxAge: TTL_S });
}

/** The value handed over by `showOnce` for this page, once; null when absent, expired or not ours. */
export async function takeOnce<T>(c: PortalContext, path: string): Promise<T | null> {
  const sealed = getCookie(c, COOKIE);
  if (!sealed) return null;
  deleteCookie(c, COOKIE, { path, secure: true, httpOnly: true, sameSite: "Strict" });
  try {
    const { v, exp } = JSON.parse(await decryptString(c.env.ENCRYPTION_KEY, sealed, aad(c, path))) as {
      v: T;
      exp: number;
    };
    return exp > Date.now() ? v : null;
  } catch {
    return null; // tampered with, another session's or another page's: nothing to show
  }
}
