import {
  type CountryCode,
  type MetadataJson,
  parsePhoneNumberFromString as parseWith,
} from "libphonenumber-js/core";
import { encryptString, hmacHex } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import metadata from "./phone-metadata.json";

/**
 * Caller phone numbers (B3): normalised to E.164 (libphonenumber metadata), then never stored in
 * clear — AES-GCM ciphertext bound to the tenant (for export and rectification), a per-tenant
 * keyed hash (HMAC) for lookups and the suppression list, and a masked form for display.
 * Redaction of transcripts does not touch phone numbers: they are metadata handled here.
 */
/**
 * libphonenumber's metadata for the calling codes we meet most (scripts/phone-metadata.mjs: +1,
 * +3x, +4x, the Maghreb, French-speaking Africa, French overseas). A number of another country is
 * accepted in international form (+ and 8–15 digits, E.164's bounds) without the per-country check.
 */
const META = metadata as unknown as MetadataJson;
const parsePhoneNumberFromString = (text: string, opts?: { defaultCountry?: CountryCode }) =>
  parseWith(text, opts ?? {}, META);

export function normalizePhone(raw: string, defaultCountry: CountryCode): string {
  const text = raw.trim();
  const parsed = parsePhoneNumberFromString(text, { defaultCountry });
  if (parsed?.isPossible()) return parsed.number;
  const intl = text.replace(/[\s().-]/g, "").replace(/^00/, "+");
  if (!parsed && /^\+[2-9]\d{7,14}$/.test(intl) && !isKnownCallingCode(intl)) return intl;
  throw new ApiError("validation_failed", "customerPhone is not a valid phone number", {
    errors: [{ pointer: "/customerPhone", detail: "not a possible phone number" }],
  });
}

/** True when the number's calling code is one the metadata covers (then it must parse). */
function isKnownCallingCode(e164: string): boolean {
  const codes = META.country_calling_codes as Record<string, string[]>;
  return [1, 2, 3].some((n) => Object.hasOwn(codes, e164.slice(1, 1 + n)));
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
