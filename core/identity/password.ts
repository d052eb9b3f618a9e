import { decodeBase64, encodeBase64 } from "@oslojs/encoding";
import { randomBytes, timingSafeEqual } from "../platform/crypto";
import { COMMON_PASSWORDS } from "./common-passwords";

/**
 * Password hashing (A3): PBKDF2-HMAC-SHA256, 600,000 iterations (OWASP 2023), native Web Crypto.
 * Format: `pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>` — the parameters travel with the
 * hash so they can be raised later; `needsRehash` tells login to upgrade old hashes.
 */
export const PBKDF2_ITERATIONS = 600_000;
const enc = new TextEncoder();

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", enc.encode(password.normalize("NFKC")), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

export async function hashPassword(password: string, iterations = PBKDF2_ITERATIONS): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(password, salt, iterations);
  return `pbkdf2-sha256$${iterations}$${encodeBase64(salt)}$${encodeBase64(hash)}`;
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  const [alg, iter, saltB64, hashB64] = stored.split("$");
  if (alg !== "pbkdf2-sha256" || !iter || !saltB64 || !hashB64) return false;
  const iterations = Number(iter);
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > 10_000_000) return false;
  const actual = await derive(password, decodeBase64(saltB64), iterations);
  return timingSafeEqual(actual, decodeBase64(hashB64));
}

export function needsRehash(stored: string): boolean {
  const [alg, iter] = stored.split("$");
  return alg !== "pbkdf2-sha256" || Number(iter) < PBKDF2_ITERATIONS;
}

/** A fixed hash to verify against when the user does not exist, so timing does not tell. */
let dummy: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummy ??= hashPassword("dummy-password-for-timing");
  await verifyPassword(await dummy, password);
}

export type PasswordProblem = "too_short" | "too_long" | "too_common";

/** NIST 800-63B / OWASP: 8–256 characters, no composition rules, common passwords refused. */
export function checkPasswordPolicy(password: string, context: string[] = []): PasswordProblem | null {
  const len = [...password].length;
  if (len < 8) return "too_short";
  if (len > 256) return "too_long";
  const lower = password.toLowerCase();
  if (COMMON_PASSWORDS.has(lower)) return "too_common";
  for (const c of context) {
    const v = c.toLowerCase().trim();
    if (v.length >= 4 && lower === v) return "too_common";
  }
  return null;
}

/** Verify against a stored hash, or spend the same time and fail when there is none. */
export async function verifyPasswordOrBurn(
  stored: string | null | undefined,
  password: string,
): Promise<boolean> {
  if (stored) return verifyPassword(stored, password);
  await burnPasswordCheck(password);
  return false;
}
