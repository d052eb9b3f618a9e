import { z } from "zod";
import { ApiError } from "./errors";
import { canonicalTimeZone } from "./i18n";

/**
 * The instants and days the platform accepts: 1970-01-01T00:00:00Z ≤ t < 2100-01-01T00:00:00Z.
 * A JavaScript Date covers ±8.64e15 ms only; a value past it (`8640000000000001`) would be stored
 * and then make every view that formats it throw. So every date or epoch input goes through one
 * of these schemas, and views format stored values with `isoOrNull` (a row written before the
 * bounds, or restored from an old backup, shows as "no date" instead of failing the whole list).
 */
export const DATE_MIN_MS = 0;
export const DATE_MAX_MS = Date.UTC(2100, 0, 1);
const RANGE = "between 1970-01-01 and 2099-12-31 (UTC)";
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** An integer instant in the accepted range. */
export const inDateRange = (ms: number): boolean =>
  Number.isSafeInteger(ms) && ms >= DATE_MIN_MS && ms < DATE_MAX_MS;

/** Epoch milliseconds in a JSON body. */
export const epochMsSchema = z
  .number()
  .int()
  .min(DATE_MIN_MS)
  .max(DATE_MAX_MS - 1)
  .describe(`Epoch milliseconds, ${RANGE}`);

/** Epoch milliseconds in a query string. */
export const epochMsQuery = z.coerce
  .number()
  .int()
  .min(DATE_MIN_MS)
  .max(DATE_MAX_MS - 1)
  .describe(`Epoch milliseconds, ${RANGE}`);

/** ISO 8601 date-time with a time zone (`Z` or `+02:00`), in range → epoch ms. */
export const isoInstantSchema = z.iso
  .datetime({ offset: true })
  .refine((s) => inDateRange(Date.parse(s)), `must be ${RANGE}`)
  .transform((s) => Date.parse(s))
  .describe(`ISO 8601 date-time with a time zone, ${RANGE}`);

/** An instant in a JSON body: epoch ms or ISO 8601, → epoch ms. */
export const instantSchema = z.union([epochMsSchema, isoInstantSchema]);

/** An instant in a query string: ISO 8601 or epoch ms, → epoch ms. */
export const instantQuery = z.union([isoInstantSchema, epochMsQuery]);

/** `YYYY-MM-DD` naming a day that exists (no 2026-02-30), in range. */
export function isCalendarDay(s: string): boolean {
  if (!DAY_RE.test(s)) return false;
  const [y, m, d] = s.split("-").map(Number);
  const ms = Date.UTC(y, m - 1, d);
  const back = new Date(ms);
  return (
    inDateRange(ms) && back.getUTCFullYear() === y && back.getUTCMonth() === m - 1 && back.getUTCDate() === d
  );
}

/** A calendar day, `YYYY-MM-DD`. */
export const isoDaySchema = z
  .string()
  .regex(DAY_RE, "YYYY-MM-DD")
  .refine(isCalendarDay, `must be a calendar day ${RANGE}`)
  .describe(`A calendar day, YYYY-MM-DD, ${RANGE}`);

/** A stored instant for a view: ISO 8601, or null when it is not a representable date. */
export function isoOrNull(ms: number | null | undefined): string | null {
  if (ms == null || !Number.isFinite(ms)) return null;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/**
 * An IANA time zone name (a tenant's clock), checked against the runtime's own zone data through
 * Intl; anything else is a 400 problem naming the field, in the user's words on a page.
 */
export function checkTimeZone(raw: unknown, pointer = "/timeZone"): string {
  const zone = typeof raw === "string" ? raw.trim() : "";
  const canonical = canonicalTimeZone(zone);
  if (!canonical)
    throw new ApiError(
      "validation_failed",
      `unknown time zone "${zone.slice(0, 64)}" (an IANA name such as Europe/Paris)`,
      {
        errors: [{ pointer, detail: "unknown time zone" }],
        messageKey: "tz.invalid",
      },
    );
  return canonical;
}
