/**
 * Inter-rater agreement figures for calibration (C10). Pure functions, no I/O, so the numbers can
 * be checked against textbook examples (test/calibration.test.ts).
 */

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** How many raters gave each answer, and the share of the most common one (modal agreement). */
export function spread<T extends string>(
  answers: T[],
): { counts: Record<string, number>; modal: T | null; agreement: number | null } {
  const counts: Record<string, number> = {};
  for (const a of answers) counts[a] = (counts[a] ?? 0) + 1;
  let modal: T | null = null;
  for (const a of answers) if (modal === null || counts[a] > counts[modal]) modal = a;
  return {
    counts,
    modal:
      modal !== null && Object.values(counts).filter((n) => n === counts[modal as T]).length === 1
        ? modal
        : null,
    agreement: answers.length && modal !== null ? round3(counts[modal] / answers.length) : null,
  };
}

/**
 * Fleiss' κ for any number of raters per item (Fleiss 1971, with the per-item rater count n_i):
 * `items[i][j]` = raters who put item i in category j. Items rated by fewer than 2 are left out.
 * Null when it is undefined (fewer than 2 items-with-raters, or every answer in one category).
 */
export function fleissKappa(items: number[][]): number | null {
  const rated = items.filter((row) => row.reduce((s, n) => s + n, 0) >= 2);
  if (!rated.length) return null;
  const cats = Math.max(...rated.map((r) => r.length));
  let sumP = 0;
  let total = 0;
  const perCat = new Array<number>(cats).fill(0);
  for (const row of rated) {
    const n = row.reduce((s, x) => s + x, 0);
    sumP += row.reduce((s, x) => s + x * (x - 1), 0) / (n * (n - 1));
    total += n;
    row.forEach((x, j) => {
      perCat[j] += x;
    });
  }
  const pBar = sumP / rated.length;
  const pE = perCat.reduce((s, x) => s + (x / total) ** 2, 0);
  if (1 - pE < 1e-12) return null;
  return round3((pBar - pE) / (1 - pE));
}

/** Cohen's κ for two raters over the same items: `pairs[i]` = [rater A's answer, rater B's]. */
export function cohenKappa(pairs: [string, string][]): number | null {
  if (!pairs.length) return null;
  const n = pairs.length;
  const a: Record<string, number> = {};
  const b: Record<string, number> = {};
  let same = 0;
  for (const [x, y] of pairs) {
    a[x] = (a[x] ?? 0) + 1;
    b[y] = (b[y] ?? 0) + 1;
    if (x === y) same++;
  }
  const pO = same / n;
  const pE = Object.keys(a).reduce((s, k) => s + (a[k] / n) * ((b[k] ?? 0) / n), 0);
  if (1 - pE < 1e-12) return null;
  return round3((pO - pE) / (1 - pE));
}

/**
 * κ over items answered by several raters (`items[i]` = rater id → answer): Cohen's when exactly
 * two raters answered every item, Fleiss' otherwise. Null with fewer than two raters.
 */
export function kappa(
  items: Map<string, string>[],
  categories: readonly string[],
): { method: "cohen" | "fleiss"; value: number | null; raters: number } | null {
  const raters = [...new Set(items.flatMap((m) => [...m.keys()]))].sort();
  if (raters.length < 2) return null;
  if (raters.length === 2 && items.every((m) => m.size === 2)) {
    const [r1, r2] = raters;
    return {
      method: "cohen",
      value: cohenKappa(items.map((m) => [m.get(r1) as string, m.get(r2) as string])),
      raters: 2,
    };
  }
  return {
    method: "fleiss",
    value: fleissKappa(
      items.map((m) => categories.map((c) => [...m.values()].filter((v) => v === c).length)),
    ),
    raters: raters.length,
  };
}
