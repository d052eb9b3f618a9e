import { describe, expect, it } from "vitest";
import { type Report, reportCsv } from "../core/insights/reports";
import { csvCell, csvDocument } from "../core/platform/exports/csv";

describe("the one CSV cell rule (I7)", () => {
  it("defuses every text a spreadsheet would run as a formula, signs and digits included", () => {
    for (const v of ["=1+1", "+33612345678", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx"])
      expect(csvCell(v).replace(/^"/, "")).toMatch(/^'/);
    expect(csvCell("Équipe Sud")).toBe("Équipe Sud");
    expect(csvCell("a=b")).toBe("a=b");
    // Numbers held as numbers are written as numbers; NaN is an empty cell.
    expect(csvCell(-5)).toBe("-5");
    expect(csvCell(Number.NaN)).toBe("");
    expect(csvCell(null)).toBe("");
    expect(csvCell(true)).toBe("true");
    // RFC 4180 quoting (and `;`, the French spreadsheets' separator).
    expect(csvCell('say "hi", then; go\n')).toBe('"say ""hi"", then; go\n"');
    expect(csvCell("-a,b")).toBe(`"'-a,b"`);
    expect(
      csvDocument(
        [
          ["a", 1],
          ["b", null],
        ],
        { bom: true },
      ),
    ).toBe("\uFEFFa,1\r\nb,\r\n");
  });

  it("reports use it: a team or agent named like a formula is text", () => {
    const figures = { calls: 3, avgScore: -1 } as unknown as Report["totals"];
    const report = {
      from: "2026-01-01",
      to: "2026-01-31",
      groupBy: "agent",
      team: null,
      rows: [{ key: "a1", label: "-1+1", team: "+Sud", figures }],
      totals: figures,
    } as unknown as Report;
    const lines = reportCsv(report, "en").replace("\uFEFF", "").trim().split("\r\n");
    expect(lines[1]).toMatch(/^'-1\+1,'\+Sud,3,,-1,/);
  });

  it("no module but core/platform/exports/csv.ts quotes CSV, and every module writing a .csv file uses it", () => {
    const sources = import.meta.glob(["../apps/**/*.{ts,tsx}", "../core/**/*.ts", "../workers/**/*.ts"], {
      query: "?raw",
      import: "default",
      eager: true,
    }) as Record<string, string>;
    expect(Object.keys(sources).length).toBeGreaterThan(20);
    const own = (p: string) => p.endsWith("core/platform/exports/csv.ts") || p.endsWith(".test.ts");
    const quoting = Object.entries(sources)
      // Doubling quotes is also how FTS5 phrases are quoted: only CSV-minded modules count.
      .filter(([p, src]) => !own(p) && /csv/i.test(src) && /replace(All)?\([^)]*'""'/.test(src))
      .map(([p]) => p);
    expect(quoting).toEqual([]);
    const writers = Object.entries(sources)
      .filter(([p, src]) => !own(p) && /name: [`"][^`"]*\.csv[`"]|reportCsv\(r: Report/.test(src))
      .filter(([, src]) => !/from "(\.\.?\/)+((core\/)?platform\/)?exports\/csv"|from "\.\/csv"/.test(src))
      .map(([p]) => p);
    expect(writers).toEqual([]);
  });
});
