import { CORPUS_CRITERIA } from "./corpus";
import { CRITERION_MAP } from "./rubric";
import type { GroupSummary, PRF, Report } from "./score";

/** The report as plain-text tables; the last line is a one-line summary (stable, grep-able). */

const f2 = (x: number | null | undefined) =>
  x === null || x === undefined || Number.isNaN(x) ? "—" : x.toFixed(2);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
  return [line(cells[0]), w.map((n) => "-".repeat(n)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

const prfRow = (k: string, x: PRF) => [k, x.tp, x.fp, x.fn, f2(x.p), f2(x.r), f2(x.f1)];

function confusion(title: string, m: Record<string, Record<string, number>>): string {
  const rows = Object.keys(m).sort();
  const cols = [...new Set(rows.flatMap((r) => Object.keys(m[r])))].sort();
  return `${title} (rows: label, columns: answer)\n${table(
    ["", ...cols],
    rows.map((r) => [r, ...cols.map((c) => m[r][c] ?? 0)]),
  )}`;
}

function groups(title: string, g: Record<string, GroupSummary>): string {
  return `${title}\n${table(
    ["", "calls", "irritant F1", "category", "sentiment", "criteria"],
    Object.entries(g).map(([k, v]) => [
      k,
      v.n,
      f2(v.irritantF1),
      pct(v.category),
      pct(v.sentiment),
      pct(v.criteria),
    ]),
  )}`;
}

export function formatReport(r: Report, title: string, opts: { errors?: boolean } = {}): string {
  const out: string[] = [];
  out.push(`# ${title} — ${r.n} calls${r.failed.length ? `, ${r.failed.length} failed` : ""}`);
  for (const f of r.failed) out.push(`  failed ${f.id}: ${f.error}`);
  out.push("");
  out.push("## Irritants (unit: one call × one type)");
  out.push(
    table(
      ["type", "TP", "FP", "FN", "P", "R", "F1"],
      [
        ...Object.entries(r.irritants.byType).map(([k, v]) => prfRow(k, v)),
        prfRow("micro", r.irritants.micro),
      ],
    ),
  );
  out.push("");
  out.push("By type and speaker side");
  out.push(
    table(
      ["type@side", "TP", "FP", "FN", "P", "R", "F1"],
      [
        ...Object.entries(r.irritants.bySide).map(([k, v]) => prfRow(k, v)),
        prfRow("micro", r.irritants.microSide),
      ],
    ),
  );
  const e = r.irritants.evidence;
  out.push(
    `Evidence hit rate: ${e.total ? pct(e.rate) : "—"} (${e.hits}/${e.total} irritants found cite a labelled segment); ` +
      `${e.cited ? pct(e.citedLabelled / e.cited) : "—"} of cited segments are labelled`,
  );
  out.push("");
  out.push("## Categories");
  out.push(
    `Primary accuracy: ${pct(r.categories.primary.accuracy)} (${r.categories.primary.agree}/${r.categories.primary.n}); ` +
      `multi-label F1 ${f2(r.categories.multi.f1)} (P ${f2(r.categories.multi.p)}, R ${f2(r.categories.multi.r)})`,
  );
  out.push(confusion("Primary category confusion", r.categories.confusion));
  out.push("");
  out.push("## Customer sentiment");
  const s = r.sentiment;
  out.push(
    `Agreement ${pct(s.overall.accuracy)} (start ${pct(s.start.accuracy)}, end ${pct(s.end.accuracy)}; ${s.overall.n} judgements)`,
  );
  out.push(confusion("Sentiment confusion (start and end)", s.confusion));
  out.push("");
  out.push("## Criteria (label ← grid criteria, see scripts/eval/rubric.ts)");
  out.push(
    table(
      ["label", "grid", "n", "agreement", "always-pass", "κ"],
      CORPUS_CRITERIA.map((k) => {
        const c = r.criteria[k];
        return [k, CRITERION_MAP[k].join("+"), c.n, pct(c.accuracy), pct(c.baseline), f2(c.kappa)];
      }),
    ),
  );
  for (const k of CORPUS_CRITERIA) {
    const c = r.criteria[k].confusion;
    out.push(
      `  ${k}: ${Object.entries(c)
        .map(([t, m]) => `${t}→{${Object.entries(m).map(([a, n]) => `${a}:${n}`)}}`)
        .join(" ")}`,
    );
  }
  out.push("");
  out.push("## Confidence and coverage");
  const cc = r.calibration.categories;
  const ci = r.calibration.irritants;
  out.push(
    `Categories returned with confidence ≥ 0.8: ${cc.n}, ${cc.n ? pct(cc.right / cc.n) : "—"} right; ` +
      `irritants with confidence ≥ 0.8: ${ci.n}, ${ci.n ? pct(ci.right / ci.n) : "—"} right (target: ≥ 80 %)`,
  );
  out.push(
    `Grid judged: ${r.coverage.evaluatedWeightPct.toFixed(1)}% on average; returned uncertain: ` +
      `${r.coverage.uncertainCriteria} criteria, ${r.coverage.uncertainIrritants} irritants, ${r.coverage.uncertainCategories} categories`,
  );
  out.push("");
  out.push("## Metrics (mean absolute error against the segment timings)");
  out.push(
    table(
      ["metric", "calls", "MAE"],
      Object.entries(r.metrics).map(([m, v]) => [m, v.n, v.mae.toFixed(3)]),
    ),
  );
  out.push("");
  out.push(groups("## By language", r.byLanguage));
  out.push("");
  out.push(groups("## By domain", r.byDomain));
  if (opts.errors) {
    out.push("");
    out.push("## Mistakes per call");
    for (const m of r.mistakes) {
      out.push(`${m.id}`);
      for (const l of m.lines) out.push(`  ${l}`);
    }
  }
  out.push("");
  out.push(summaryLine(r, title));
  return out.join("\n");
}

export function summaryLine(r: Report, title: string): string {
  const kappas = CORPUS_CRITERIA.map((k) => `${k}=${f2(r.criteria[k].kappa)}`).join(" ");
  const worst = Object.entries(r.irritants.byType).reduce((a, b) => (b[1].f1 < a[1].f1 ? b : a));
  return (
    `SUMMARY ${title}: n=${r.n} irritant micro-F1 ${f2(r.irritants.micro.f1)} ` +
    `(P ${f2(r.irritants.micro.p)} R ${f2(r.irritants.micro.r)}; by side ${f2(r.irritants.microSide.f1)}; ` +
    `lowest ${worst[0]} ${f2(worst[1].f1)}) | evidence ${r.irritants.evidence.total ? pct(r.irritants.evidence.rate) : "—"} | ` +
    `category ${pct(r.categories.primary.accuracy)} (multi F1 ${f2(r.categories.multi.f1)}) | ` +
    `sentiment ${pct(r.sentiment.overall.accuracy)} | κ ${kappas}`
  );
}
