import { en } from "./en";
import { fr } from "./fr";

/** One string table, two languages (French first). Every user-facing string goes through `t`. */
export const LOCALES = ["fr", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export type MessageKey = keyof typeof en;

const tables: Record<Locale, Record<MessageKey, string>> = { en, fr };

export function t(locale: Locale, key: MessageKey, params?: Record<string, string | number>): string {
  let s = tables[locale][key] ?? en[key] ?? key;
  if (params) for (const [k, v] of Object.entries(params)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

export function isLocale(v: unknown): v is Locale {
  return v === "fr" || v === "en";
}

/** Pick from Accept-Language (q-values honoured); French when nothing matches. */
export function negotiateLocale(acceptLanguage: string | null | undefined, fallback: Locale = "fr"): Locale {
  if (!acceptLanguage) return fallback;
  const ranked = acceptLanguage
    .split(",")
    .map((part) => {
      const [tag, ...params] = part.trim().split(";");
      const q = params.find((p) => p.trim().startsWith("q="));
      return { lang: tag.trim().toLowerCase().slice(0, 2), q: q ? Number(q.trim().slice(2)) || 0 : 1 };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const r of ranked) if (isLocale(r.lang)) return r.lang;
  return fallback;
}

/**
 * A date for people, in the given IANA zone, followed by the zone's name ("7 déc. 2026, 10:15
 * (Europe/Paris)") so nobody has to guess whose clock it is: tenant pages, exports and mails pass
 * the tenant's zone, operators' pages pass "UTC". "—" for a value that is no date (NaN, or past
 * JavaScript's range) instead of a RangeError.
 */
export function formatDateTime(locale: Locale, ms: number, timeZone: string): string {
  if (Number.isNaN(new Date(ms).getTime())) return "—";
  const d = new Intl.DateTimeFormat(locale === "fr" ? "fr-FR" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone,
  }).format(ms);
  return `${d} (${timeZone})`;
}

/**
 * The runtime's own name for an IANA time zone (Intl throws a RangeError for an unknown one), or
 * null. Intl also takes other spellings ("europe/paris"), stored as its canonical name so pickers
 * and pages agree, and bare UTC offsets ("+01:00"), refused: they have no daylight saving time.
 */
export function canonicalTimeZone(zone: string): string | null {
  if (!zone || zone.length > 64 || /^[+\-\u2212]/.test(zone)) return null;
  try {
    return new Intl.DateTimeFormat("en", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

/** Whether `zone` is an IANA time zone this runtime knows. */
export const isTimeZone = (zone: string): boolean => canonicalTimeZone(zone) !== null;

/** The zone a new organisation gets when it picks none: its data location's usual business clock. */
export function defaultTimeZone(location: "eu" | "us"): string {
  return location === "us" ? "America/New_York" : "Europe/Paris";
}

/** Zones offered in pickers: every IANA zone the runtime knows (UTC first). */
export function timeZones(): string[] {
  const all = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.(
    "timeZone",
  );
  return ["UTC", ...(all ?? ["Europe/Paris", "America/New_York"]).filter((z) => z !== "UTC")];
}
