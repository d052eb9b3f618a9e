import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/min";
import { encryptString, hmacHex } from "../crypto";
import { ApiError } from "../errors";

/**
 * Caller phone numbers (B3): normalised to E.164 (libphonenumber metadata), then never stored in
 * clear — AES-GCM ciphertext bound to the tenant (for export and rectification), a per-tenant
 * keyed hash (HMAC) for lookups and the suppression list, and a masked form for display.
 * Redaction of transcripts does not touch phone numbers: they are metadata handled here.
 */
export function normalizePhone(raw: string, defaultCountry: CountryCode): string {
  const parsed = parsePhoneNumberFromString(raw.trim(), { defaultCountry });
  if (!parsed?.isPossible())
    throw new ApiError("validation_failed", "customerPhone is not a valid phone number", {
      errors: [{ pointer: "/customerPhone", detail: "not a possible phone number" }],
    });
  return parsed.number;
}

export function defaultCountryFor(location: string): CountryCode {
  return location === "us" ? "US" : "FR";
}

/** Per-tenant keyed hash: the same number in two tenants hashes differently. */
export function phoneHash(env: Env, tenantId: string, e164: string): Promise<string> {
  return hmacHex(env.HMAC_KEY, `phone:${tenantId}:${e164}`);
}

/** `+33 6•••••78`: country code, first digit, last two — enough to recognise, not to dial. */
export function maskPhone(e164: string): string {
  const p = parsePhoneNumberFromString(e164);
  const cc = p ? `+${p.countryCallingCode}` : e164.slice(0, 3);
  const national = p ? String(p.nationalNumber) : e164.slice(3);
  if (national.length < 4) return `${cc} ••`;
  return `${cc} ${national[0]}${"•".repeat(national.length - 3)}${national.slice(-2)}`;
}

export async function protectPhone(env: Env, tenantId: string, raw: string, defaultCountry: CountryCode) {
  const e164 = normalizePhone(raw, defaultCountry);
  return {
    phoneHash: await phoneHash(env, tenantId, e164),
    phoneEnc: await encryptString(env.ENCRYPTION_KEY, e164, `phone:${tenantId}`),
    phoneMasked: maskPhone(e164),
  };
}
