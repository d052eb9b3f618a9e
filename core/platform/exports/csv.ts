/**
 * The one cell rule for every CSV the product writes (reports, privacy-request exports, account
 * exports): a test fails when another module quotes CSV itself.
 *
 * - Text that a spreadsheet would evaluate as a formula — starting with `=`, `+`, `-`, `@`, a tab or
 *   a carriage return (OWASP "CSV injection") — gets a leading apostrophe, which spreadsheets treat
 *   as "this is text". No exception for text that looks like a number: `-1+1`, `+33 6…` or
 *   `-2+3+cmd|' /C calc'!A0` start with a digit after the sign and are still formulas.
 * - Numbers we hold as numbers are written as they are (a negative score stays a number).
 * - RFC 4180 quoting when the cell holds `"`, `,`, `;` (the separator of French spreadsheets),
 *   CR or LF; `"` doubled.
 */
export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",;\r\n]/;

export function csvCell(v: CsvValue): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  if (typeof v === "boolean") return String(v);
  const s = FORMULA_START.test(v) ? `'${v}` : v;
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One line, CRLF-terminated (RFC 4180). */
export function csvRow(cells: readonly CsvValue[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/** A whole document; `bom` makes Excel read it as UTF-8. */
export function csvDocument(rows: readonly (readonly CsvValue[])[], opts: { bom?: boolean } = {}): string {
  return `${opts.bom ? "\uFEFF" : ""}${rows.map(csvRow).join("")}`;
}
