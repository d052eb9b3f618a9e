import { decodeBase32IgnorePadding, encodeBase32UpperCaseNoPadding } from "@oslojs/encoding";
import { createTOTPKeyURI, generateHOTP } from "@oslojs/otp";
import { randomBytes, randomToken, sha256Hex, timingSafeEqual } from "../platform/crypto";

/** TOTP (RFC 6238): SHA-1, 6 digits, 30 s — what every authenticator app supports. */
export const TOTP_PERIOD = 30;
const DIGITS = 6;

export function newTotpSecret(): string {
  return encodeBase32UpperCaseNoPadding(randomBytes(20));
}

export function totpUri(issuer: string, account: string, secretB32: string): string {
  return createTOTPKeyURI(issuer, account, decodeBase32IgnorePadding(secretB32), TOTP_PERIOD, DIGITS);
}

/** The code for a given time (TOTP is HOTP over the time step). */
export function totpCode(secretB32: string, atMs = Date.now()): string {
  return hotpAt(decodeBase32IgnorePadding(secretB32), Math.floor(atMs / 1000 / TOTP_PERIOD));
}

function hotpAt(key: Uint8Array, step: number): string {
  return generateHOTP(key, BigInt(step), DIGITS);
}

/**
 * Checks a code against the current step ±1 (clock drift) and refuses steps at or before
 * `lastStep`, so a code is accepted once. Returns the accepted step, or null.
 */
export function verifyTotp(
  secretB32: string,
  code: string,
  lastStep: number | null,
  now = Date.now(),
): number | null {
  const clean = code.replace(/\s/g, "");
  if (!/^\d{6}$/.test(clean)) return null;
  const key = decodeBase32IgnorePadding(secretB32);
  const current = Math.floor(now / 1000 / TOTP_PERIOD);
  for (const step of [current - 1, current, current + 1]) {
    if (lastStep !== null && step <= lastStep) continue;
    if (timingSafeEqual(hotpAt(key, step), clean)) return step;
  }
  return null;
}

/** Ten recovery codes `xxxxx-xxxxx`, shown once; stored as SHA-256. */
export async function newRecoveryCodes(): Promise<{ codes: string[]; hashes: string[] }> {
  const codes = Array.from({ length: 10 }, () => {
    const t = randomToken(7).slice(0, 10);
    return `${t.slice(0, 5)}-${t.slice(5)}`;
  });
  return { codes, hashes: await Promise.all(codes.map(hashRecoveryCode)) };
}

export function hashRecoveryCode(code: string): Promise<string> {
  return sha256Hex(
    code
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9]/g, ""),
  );
}
