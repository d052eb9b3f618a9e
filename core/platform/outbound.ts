import { ApiError } from "./errors";

/**
 * The outbound-fetch guard: the one way to call a URL a tenant can influence (webhook endpoints,
 * the SSO issuer and every endpoint its discovery document names, anything added later).
 * Fixed-host provider clients (speech/LLM providers, Stripe, the mail provider) call `fetch`
 * themselves; test/outbound-fetch.test.ts lists every `fetch(` call site and fails on a new one.
 *
 * What it guarantees:
 * - https only; http on port 80 as well when ENVIRONMENT is development or test; in development
 *   only, loopback on any port (the local mock issuer and resolver of `npm run dev` and the
 *   browser tests). Ports 443 and 8443 for https otherwise. No credentials in the URL.
 * - no private, loopback, link-local, CGNAT, metadata, multicast or reserved target written in any
 *   notation: the WHATWG parser turns `0x7f.1`, `2130706433`, `0177.0.0.1`, `127.1`, `%31…`,
 *   full-width digits and a trailing dot into one dotted quad, IPv6 is checked group by group
 *   (IPv4-mapped, -compatible, NAT64 and 6to4 by the IPv4 address inside), and names that are
 *   local by definition (`localhost`, `*.internal`, `*.local`, …) are refused;
 * - `redirect: "manual"`: every hop's URL goes through the same check, at most `maxRedirects`
 *   hops (none for non-GET requests: a 3xx is then the caller's answer), credentials dropped on a
 *   cross-origin hop;
 * - one timeout over the whole exchange, hops included, and `readJson` bounds the body read;
 * - every failure is an `OutboundError` (an `ApiError`, 422 with a readable reason when nobody
 *   maps it), never a bare TypeError that would surface as a 500.
 *
 * Why literals only. A Worker cannot resolve a name and then connect to the address it checked:
 * there is no DNS or socket API under `fetch`, so any DNS pre-check (DoH) is a time-of-check /
 * time-of-use race that a rebinding name (public at check time, 127.0.0.1 at fetch time) wins.
 * So we refuse everything that is private *as written* and rely on the platform for the rest:
 * outbound `fetch` leaves from Cloudflare's edge, which has no private network of ours behind it
 * (no VPC, no instance-metadata service, no admin ports; our data sits behind bindings, not
 * network addresses), so a name that resolves to 10.x or 127.x reaches nothing of the platform.
 */

export const OUTBOUND_TIMEOUT_MS = 10_000;
export const MAX_REDIRECTS = 3;
/** Default bound on a JSON body read through `readJson` (discovery, JWKS, token answers). */
export const MAX_JSON_BYTES = 256 * 1024;
const MAX_URL_CHARS = 2048;

export type OutboundFailure = "refused" | "timeout" | "network" | "redirect" | "response";

/** Why an outbound call did not give a usable answer. `reason` is safe to show to the tenant. */
export class OutboundError extends ApiError {
  constructor(
    readonly kind: OutboundFailure,
    readonly reason: string,
  ) {
    super("unprocessable", `Outbound request failed: ${reason}`, {
      messageKey: "error.outbound",
      params: { reason },
    });
    this.name = "OutboundError";
  }
}

// ---- Which URLs we agree to call ------------------------------------------------------------

const IPV4_BLOCKS: Array<[cidr: string, what: string]> = [
  ["0.0.0.0/8", "an unspecified address"],
  ["10.0.0.0/8", "a private address"],
  ["100.64.0.0/10", "a carrier-grade NAT address"],
  ["127.0.0.0/8", "a loopback address"],
  ["169.254.0.0/16", "a link-local address"],
  ["172.16.0.0/12", "a private address"],
  ["192.0.0.0/24", "a reserved address"],
  ["192.0.2.0/24", "a documentation address"],
  ["192.88.99.0/24", "a reserved address"],
  ["192.168.0.0/16", "a private address"],
  ["198.18.0.0/15", "a reserved address"],
  ["198.51.100.0/24", "a documentation address"],
  ["203.0.113.0/24", "a documentation address"],
  ["224.0.0.0/4", "a multicast address"],
  ["240.0.0.0/4", "a reserved address"],
];
const ipv4Blocks = IPV4_BLOCKS.map(([cidr, what]) => {
  const [ip, bits] = cidr.split("/");
  const n = Number(bits);
  return { base: ipv4ToInt(ip)!, mask: n === 0 ? 0 : (~0 << (32 - n)) >>> 0, what };
});

/** Names that are local by definition (RFC 6761, RFC 8375, cloud metadata) or not on the public DNS. */
const LOCAL_SUFFIXES = [
  "localhost",
  "local",
  "internal",
  "localdomain",
  "home.arpa",
  "lan",
  "intranet",
  "test",
  "example",
  "invalid",
  "onion",
];
/**
 * Public wildcard-DNS services whose names resolve to the address written inside them
 * (`10.0.0.1.nip.io`), and names that resolve to 127.0.0.1. A courtesy list, not a guarantee:
 * see the comment above about rebinding.
 */
const LOOPBACK_DOMAINS = ["nip.io", "sslip.io", "xip.io", "traefik.me", "localtest.me", "lvh.me"];

function ipv4ToInt(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

/** Why an IPv4 address is not a public unicast target, or null when it is. */
function ipv4Problem(n: number): string | null {
  for (const b of ipv4Blocks) if ((n & b.mask) >>> 0 === b.base) return b.what;
  return null;
}

/** The eight 16-bit groups of an IPv6 address as the URL parser serialises it (hex, maybe `::`). */
function parseIpv6(s: string): number[] | null {
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== 8)) return null;
  const all = [...head, ...Array(fill).fill("0"), ...tail];
  if (all.length !== 8 || all.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  return all.map((g) => Number.parseInt(g, 16));
}

function ipv6Problem(g: number[]): string | null {
  const embedded = (hi: number, lo: number) => ipv4Problem(((hi << 16) | lo) >>> 0);
  const zeroUpTo = (i: number) => g.slice(0, i).every((x) => x === 0);
  if (g.every((x) => x === 0)) return "an unspecified address";
  if (zeroUpTo(7) && g[7] === 1) return "a loopback address";
  // ::ffff:a.b.c.d (IPv4-mapped) and 64:ff9b::a.b.c.d (NAT64) reach the IPv4 address inside.
  if (zeroUpTo(5) && g[5] === 0xffff) return embedded(g[6], g[7]);
  // ::a.b.c.d (IPv4-compatible, deprecated): never a target, named after the address inside.
  if (zeroUpTo(6)) return embedded(g[6], g[7]) ?? "a reserved address";
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return embedded(g[6], g[7]);
  if ((g[0] & 0xfe00) === 0xfc00) return "a private (unique local) address";
  if ((g[0] & 0xffc0) === 0xfe80 || (g[0] & 0xffc0) === 0xfec0) return "a link-local address";
  if ((g[0] & 0xff00) === 0xff00) return "a multicast address";
  // Global unicast is 2000::/3; everything else (100::/64 discard…) is not.
  if ((g[0] & 0xe000) !== 0x2000) return "a reserved address";
  if (g[0] === 0x2001 && g[1] === 0x0db8) return "a documentation address";
  if (g[0] === 0x3fff && (g[1] & 0xf000) === 0) return "a documentation address";
  if (g[0] === 0x2001 && g[1] < 0x0200) return "a reserved address"; // 2001::/23 (Teredo, ORCHID…)
  if (g[0] === 0x2002) return embedded(g[1], g[2]); // 6to4
  return null;
}

/** Why a host (as the URL parser serialised it) is not a public target; null when it is. */
function hostProblem(host: string): string | null {
  if (host.startsWith("[")) {
    const groups = parseIpv6(host.slice(1, -1));
    if (!groups) return "not a valid IPv6 address";
    const p = ipv6Problem(groups);
    return p && `the host is ${p}`;
  }
  const v4 = ipv4ToInt(host);
  if (v4 !== null) {
    const p = ipv4Problem(v4);
    return p && `the host is ${p}`;
  }
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  const under = (d: string) => name === d || name.endsWith(`.${d}`);
  if (LOCAL_SUFFIXES.some(under)) return "the host is a local or internal name";
  if (!name.includes(".")) return "the host must be a fully qualified domain name";
  if (name.length > 253) return "the host name is too long";
  if (LOOPBACK_DOMAINS.some(under)) return "the host is a name that resolves to a private address";
  return null;
}

/** The developer's own machine: 127.0.0.0/8, ::1, localhost (with or without a trailing dot). */
function isLoopback(host: string): boolean {
  const v4 = ipv4ToInt(host);
  if (v4 !== null) return v4 >>> 24 === 127;
  if (host === "[::1]") return true;
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  return name === "localhost" || name.endsWith(".localhost");
}

export type UrlCheck = { ok: true; url: string } | { ok: false; reason: string };

/**
 * Whether `raw` may be fetched. Returns the normalised URL (fragment dropped) to fetch — always
 * the parsed form, never `raw`, so what was checked is what is called.
 */
export function checkOutboundUrl(raw: string, environment: string): UrlCheck {
  const no = (reason: string): UrlCheck => ({ ok: false, reason });
  if (raw.length > MAX_URL_CHARS) return no(`the URL is longer than ${MAX_URL_CHARS} characters`);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return no("not a valid absolute URL");
  }
  const devLike = environment === "development" || environment === "test";
  if (url.protocol !== "https:" && !(devLike && url.protocol === "http:"))
    return no(devLike ? "only https and http URLs are allowed" : "only https URLs are allowed");
  if (url.username || url.password) return no("credentials in the URL are not allowed");
  const host = url.hostname.toLowerCase();
  url.hash = "";
  // A local mock server of `npm run dev` (never in test or production).
  if (environment === "development" && isLoopback(host)) return { ok: true, url: url.href };
  // The parser drops default ports, so "" is 443 for https and 80 for http.
  if (url.protocol === "https:" && url.port !== "" && url.port !== "8443")
    return no("the port must be 443 or 8443");
  if (url.protocol === "http:" && url.port !== "") return no("the port must be 80 for http");
  const p = hostProblem(host);
  return p ? no(p) : { ok: true, url: url.href };
}

/** `checkOutboundUrl`, throwing an `OutboundError("refused")`. */
export function assertOutboundUrl(raw: string, environment: string): string {
  const r = checkOutboundUrl(raw, environment);
  if (!r.ok) throw new OutboundError("refused", r.reason);
  return r.url;
}

// ---- Calling them -----------------------------------------------------------------------------

export interface OutboundInit extends Omit<RequestInit, "redirect" | "signal"> {
  /** Over the whole exchange, redirects included. */
  timeoutMs?: number;
  /** Hops followed (each re-checked). Default 3 for GET/HEAD, 0 otherwise (the 3xx is returned). */
  maxRedirects?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Never carried to another origin by a redirect. */
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];

function asOutboundError(err: unknown, timeoutMs: number): OutboundError {
  if (err instanceof OutboundError) return err;
  const e = err as { name?: string };
  if (e?.name === "TimeoutError" || e?.name === "AbortError")
    return new OutboundError("timeout", `timeout after ${timeoutMs / 1000} s`);
  return new OutboundError("network", `network error: ${String(err).slice(0, 200)}`);
}

/**
 * `fetch` for a URL a tenant can influence. Throws `OutboundError` for a refused URL (before any
 * connection), a refused redirect target, too many redirects, a timeout or a network error.
 */
export async function outboundFetch(
  env: { ENVIRONMENT: string },
  raw: string,
  init: OutboundInit = {},
): Promise<Response> {
  const { timeoutMs = OUTBOUND_TIMEOUT_MS, maxRedirects, ...rest } = init;
  const method = (rest.method ?? "GET").toUpperCase();
  const hops = maxRedirects ?? (method === "GET" || method === "HEAD" ? MAX_REDIRECTS : 0);
  const signal = AbortSignal.timeout(timeoutMs);
  let url = assertOutboundUrl(raw, env.ENVIRONMENT);
  let req: RequestInit = rest;
  for (let hop = 0; ; hop++) {
    let res: Response;
    try {
      res = await globalThis.fetch(url, { ...req, redirect: "manual", signal });
    } catch (err) {
      throw asOutboundError(err, timeoutMs);
    }
    const location = res.headers.get("location");
    if (!REDIRECTS.has(res.status) || hops === 0 || !location) return res;
    res.body?.cancel().catch(() => {});
    if (hop >= hops) throw new OutboundError("redirect", `more than ${hops} redirects`);
    let next: string;
    try {
      next = new URL(location, url).href;
    } catch {
      throw new OutboundError("redirect", "a redirect to an invalid URL");
    }
    const check = checkOutboundUrl(next, env.ENVIRONMENT);
    if (!check.ok) throw new OutboundError("refused", `redirect refused: ${check.reason}`);
    req = nextHop(req, res.status, new URL(url).origin !== new URL(check.url).origin);
    url = check.url;
  }
}

/** RFC 9110 §15.4: 303 (and, as browsers do, 301/302 after a POST) turn into a GET without body. */
function nextHop(req: RequestInit, status: number, crossOrigin: boolean): RequestInit {
  const method = (req.method ?? "GET").toUpperCase();
  const toGet = status === 303 || ((status === 301 || status === 302) && method === "POST");
  const headers = new Headers(req.headers);
  if (crossOrigin) for (const h of CREDENTIAL_HEADERS) headers.delete(h);
  if (toGet) headers.delete("content-type");
  return toGet ? { ...req, method: "GET", body: undefined, headers } : { ...req, headers };
}

/** The body as JSON, reading at most `maxBytes`; a longer, unreadable or non-JSON body is an OutboundError. */
export async function readJson<T = unknown>(res: Response, maxBytes = MAX_JSON_BYTES): Promise<T> {
  const text = await readText(res, maxBytes);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new OutboundError("response", "the answer is not JSON");
  }
}

async function readText(res: Response, maxBytes: number): Promise<string> {
  if (!res.body) return "";
  const declared = Number(res.headers.get("content-length") ?? "0");
  const tooLarge = () => new OutboundError("response", `the answer is larger than ${maxBytes} bytes`);
  if (declared > maxBytes) {
    res.body.cancel().catch(() => {});
    throw tooLarge();
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) throw tooLarge();
      chunks.push(value);
    }
  } catch (err) {
    reader.cancel().catch(() => {});
    throw err instanceof OutboundError ? err : new OutboundError("response", "the answer could not be read");
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}
