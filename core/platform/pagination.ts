import { decodeBase64urlIgnorePadding, encodeBase64urlNoPadding } from "@oslojs/encoding";
import { z } from "zod";
import { ApiError } from "./errors";

/**
 * Opaque keyset cursors (E3): base64url of `[sortValue, id]`. Lists read limit + 1 rows to know
 * whether a next page exists, and never use OFFSET (P8: rows read ≤ limit + 1).
 */
export const limitSchema = z.coerce.number().int().min(1).max(200).default(50);

export function encodeCursor(sortValue: string | number, id: string): string {
  return encodeBase64urlNoPadding(new TextEncoder().encode(JSON.stringify([sortValue, id])));
}

export function decodeCursor(cursor: string): { sortValue: string | number; id: string } {
  try {
    const v = JSON.parse(new TextDecoder().decode(decodeBase64urlIgnorePadding(cursor)));
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      (typeof v[0] === "string" || typeof v[0] === "number") &&
      typeof v[1] === "string"
    )
      return { sortValue: v[0], id: v[1] };
  } catch {
    // fall through
  }
  throw new ApiError("validation_failed", "invalid cursor", {
    errors: [{ pointer: "/cursor", detail: "not a cursor from this API" }],
  });
}

export function page<T>(
  rows: T[],
  limit: number,
  cursorOf: (row: T) => string,
): { data: T[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const data = more ? rows.slice(0, limit) : rows;
  return { data, nextCursor: more ? cursorOf(data[data.length - 1]) : null };
}
