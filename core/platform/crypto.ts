import {
  decodeBase64,
  encodeBase32LowerCaseNoPadding,
  encodeBase64,
  encodeHexLowerCase,
} from "@oslojs/encoding";

const enc = new TextEncoder();

export function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  crypto.getRandomValues(b);
  return b;
}

/** Random token, base32 lower-case: 20 bytes → 32 chars (160 bits). */
export function randomToken(bytes = 20): string {
  return encodeBase32LowerCaseNoPadding(randomBytes(bytes));
}

/** Prefixed random id, e.g. `usr_k3…` (100 bits). */
export function newId(prefix: string): string {
  return `${prefix}_${encodeBase32LowerCaseNoPadding(randomBytes(13)).slice(0, 20)}`;
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? enc.encode(data) : data;
  return encodeHexLowerCase(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

/** Constant-time comparison of two equal-length byte strings (or hex strings). */
export function timingSafeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const x = typeof a === "string" ? enc.encode(a) : a;
  const y = typeof b === "string" ? enc.encode(b) : b;
  if (x.byteLength !== y.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < x.byteLength; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

const hmacKeys = new Map<string, Promise<CryptoKey>>();
function hmacKey(secretB64: string): Promise<CryptoKey> {
  let k = hmacKeys.get(secretB64);
  if (!k) {
    k = crypto.subtle.importKey("raw", decodeBase64(secretB64), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
    ]);
    hmacKeys.set(secretB64, k);
  }
  return k;
}

/** Keyed hash (HMAC-SHA256, hex) — for lookups by a value we must not store in clear. */
export async function hmacHex(secretB64: string, data: string): Promise<string> {
  const sig = await crypto.subtle.sign("HMAC", await hmacKey(secretB64), enc.encode(data));
  return encodeHexLowerCase(new Uint8Array(sig));
}

/**
 * A key for one purpose derived from a platform secret (HMAC-SHA256 of a fixed label, base64):
 * a MAC made with it cannot be replayed as any other keyed hash of the platform.
 */
export async function deriveKeyB64(secretB64: string, label: string): Promise<string> {
  const sig = await crypto.subtle.sign("HMAC", await hmacKey(secretB64), enc.encode(label));
  return encodeBase64(new Uint8Array(sig));
}

const aesKeys = new Map<string, Promise<CryptoKey>>();
function aesKey(secretB64: string): Promise<CryptoKey> {
  let k = aesKeys.get(secretB64);
  if (!k) {
    k = crypto.subtle.importKey("raw", decodeBase64(secretB64), "AES-GCM", false, ["encrypt", "decrypt"]);
    aesKeys.set(secretB64, k);
  }
  return k;
}

/**
 * AES-256-GCM with a random 96-bit IV. Output `v1.<iv b64>.<ciphertext b64>`; the version
 * prefix lets the key be rotated later. `aad` binds the ciphertext to its owner (e.g. a tenant id).
 */
export async function encryptString(secretB64: string, plaintext: string, aad = ""): Promise<string> {
  const iv = randomBytes(12);
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: enc.encode(aad) },
    await aesKey(secretB64),
    enc.encode(plaintext),
  );
  return `v1.${encodeBase64(iv)}.${encodeBase64(new Uint8Array(ct))}`;
}

export async function decryptString(secretB64: string, payload: string, aad = ""): Promise<string> {
  const [v, ivB64, ctB64] = payload.split(".");
  if (v !== "v1" || !ivB64 || !ctB64) throw new Error("unsupported ciphertext format");
  const pt = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: decodeBase64(ivB64), additionalData: enc.encode(aad) },
    await aesKey(secretB64),
    decodeBase64(ctB64),
  );
  return new TextDecoder().decode(pt);
}
