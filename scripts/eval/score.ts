import { type AnalysisResult, IRRITANT_TYPES } from "../../core/scoring/engine/types";
import { CORPUS_CRITERIA, type CorpusCriterion, type LabelledCall, type Sentiment } from "./corpus";
import { mappedAnswer } from "./rubric";

/**
 * Scoring of analyses against labelled calls, exactly as `../shared/corpus-dev/README.md` counts:
 * - irritants (the engine's default types, `IRRITANT_TYPES`): the unit is one call and one type —
 *   true when a label has the type, predicted when a returned irritant has it (also stricter, by
 *   type and speaker side); an `uncertain` irritant is wrong either way (a false positive when the
 *   type is not labelled, a miss when it is);
 * - evidence hit rate: of the irritants found with the right type, the share citing at least one
 *   labelled segment of that type;
 * - category: the returned category with the highest confidence against `primary` (an uncertain
 *   one is wrong); multi-label F1 over {primary} ∪ secondary;
 * - sentiment: a number maps to positive above 0.15, negative below −0.15, else neutral (null is
 *   wrong); agreement over start and end;
 * - criteria: the seven labels against the grid's results (`rubric.ts` maps them); `not_evaluated`
 *   and `uncertain` are wrong; each with the always-"pass" baseline and Cohen's κ;
 * - metrics: mean absolute error against values computed here from the segment timings.
 */

export interface PRF {
  tp: number;
  fp: number;
  fn: number;
  p: number;
  r: number;
  f1: number;
}
const prf = (tp: number, fp: number, fn: number): PRF => {
  const p = tp + fp ? tp / (tp + fp) : 1;
  const r = tp + fn ? tp / (tp + fn) : 1;
  return { tp, fp, fn, p, r, f1: tp + fp + fn ? (2 * tp) / (2 * tp + fp + fn) : 1 };
};

export interface Agreement {
  n: number;
  agree: number;
  accuracy: number;
}
export interface CriterionScore extends Agreement {
  /** Agreement of an answer that is always "pass". */
  baseline: number;
  kappa: number | null;
  /** truth → answer → count */
  confusion: Record<string, Record<string, number>>;
}
export interface GroupSummary {
  n: number;
  irritantF1: number;
  category: number;
  sentiment: number;
  criteria: number;
}

export interface Report {
  n: number;
  irritants: {
    byType: Record<string, PRF>;
    micro: PRF;
    bySide: Record<string, PRF>;
    microSide: PRF;
    evidence: { hits: number; total: number; rate: number; cited: number; citedLabelled: number };
  };
  categories: {
    primary: Agreement;
    multi: PRF;
    confusion: Record<string, Record<string, number>>;
  };
  sentiment: {
    start: Agreement;
    end: Agreement;
    overall: Agreement;
    confusion: Record<string, Record<string, number>>;
  };
  criteria: Record<CorpusCriterion, CriterionScore>;
  metrics: Record<string, { n: number; mae: number }>;
  /** Of what is returned with confidence ≥ 0.8, the share that is right (issue 14: at least 80 %). */
  calibration: {
    categories: { n: number; right: number };
    irritants: { n: number; right: number };
  };
  /** Mean share of the grid judged, and how many findings were returned uncertain. */
  coverage: {
    evaluatedWeightPct: number;
    uncertainCriteria: number;
    uncertainIrritants: number;
    uncertainCategories: number;
  };
  byLanguage: Record<string, GroupSummary>;
  byDomain: Record<string, GroupSummary>;
  /** Per call: what the analysis got wrong (for `--errors`). */
  mistakes: { id: string; lines: string[] }[];
  failed: { id: string; error: string }[];
}

export function sentimentClass(v: number | null | undefined): Sentiment | null {
  if (v === null || v === undefined || !Number.isFinite(v)) return null;
  return v > 0.15 ? "positive" : v < -0.15 ? "negative" : "neutral";
}

/** Cohen's κ of two label sequences (null when undefined: a single category on both sides). */
export function cohenKappa(truth: string[], answer: string[]): number | null {
  const n = truth.length;
  if (n === 0) return null;
  const keys = new Set([...truth, ...answer]);
  let agree = 0;
  for (let i = 0; i < n; i++) if (truth[i] === answer[i]) agree++;
  const po = agree / n;
  let pe = 0;
  for (const k of keys) {
    const a = truth.filter((x) => x === k).length / n;
    const b = answer.filter((x) => x === k).length / n;
    pe += a * b;
  }
  if (Math.abs(1 - pe) < 1e-12) return po === 1 ? 1 : 0;
  return (po - pe) / (1 - pe);
}

const bump = (m: Record<string, Record<string, number>>, a: string, b: string) => {
  m[a] ??= {};
  m[a][b] = (m[a][b] ?? 0) + 1;
};

// ---------------------------------------------------------------------------------------------
// Reference metrics from segment timings (independent of the engine's code).

interface Span {
  s: number;
  e: number;
}
function union(spans: Span[]): number {
  const xs = spans.slice().sort((a, b) => a.s - b.s);
  let total = 0;
  let cs = -1;
  let ce = -1;
  for (const x of xs) {
    if (x.s > ce) {
      if (ce > cs) total += ce - cs;
      cs = x.s;
      ce = x.e;
    } else ce = Math.max(ce, x.e);
  }
  if (ce > cs) total += ce - cs;
  return total;
}

/**
 * What the timings say: duration (last end), each side's talk (union of its segments), the talk
 * ratio, silences of ≥ 3 s from 0 to the end (share and longest), overlaps of ≥ 1 s between
 * speakers (overtalk), and holds as the corpus defines them (a silence ≥ 5 s followed by an agent
 * segment).
 */
export function referenceMetrics(call: LabelledCall): Record<string, number | null> {
  const segs = call.segments;
  const duration = segs.reduce((m, s) => Math.max(m, s.end), 0);
  const agent = union(segs.filter((s) => s.speaker === "agent").map((s) => ({ s: s.start, e: s.end })));
  const customer = union(segs.filter((s) => s.speaker === "customer").map((s) => ({ s: s.start, e: s.end })));
  let reach = 0;
  let silence = 0;
  let longest = 0;
  let holds = 0;
  for (const s of segs.slice().sort((a, b) => a.start - b.start)) {
    const gap = s.start - reach;
    if (gap >= 3) {
      silence += gap;
      longest = Math.max(longest, gap);
    }
    if (gap >= 5 && s.speaker === "agent" && reach > 0) holds++;
    reach = Math.max(reach, s.end);
  }
  if (duration - reach >= 3) {
    silence += duration - reach;
    longest = Math.max(longest, duration - reach);
  }
  let overtalk = 0;
  for (let j = 0; j < segs.length; j++)
    for (let i = 0; i < segs.length; i++) {
      const a = segs[i];
      const b = segs[j];
      if (i === j || a.speaker === b.speaker || a.start > b.start || (a.start === b.start && i > j)) continue;
      if (Math.min(a.end, b.end) - b.start >= 1) {
        overtalk++;
        break;
      }
    }
  return {
    durationS: duration,
    agentTalkS: agent,
    customerTalkS: customer,
    agentTalkRatio: agent + customer > 0 ? agent / (agent + customer) : null,
    silencePct: duration > 0 ? (silence / duration) * 100 : 0,
    longestSilenceS: longest,
    overtalkCount: overtalk,
    holdCount: holds,
  };
}

// ---------------------------------------------------------------------------------------------

export interface Scored {
  call: LabelledCall;
  result: AnalysisResult | null;
  error?: string;
}

interface CallScore {
  irr: { tp: number; fp: number; fn: number };
  cat: [number, number];
  sent: [number, number];
  crit: [number, number];
}

export function score(items: Scored[]): Report {
  const byType = new Map<string, [number, number, number]>();
  const bySide = new Map<string, [number, number, number]>();
  const add = (m: Map<string, [number, number, number]>, k: string, i: 0 | 1 | 2) => {
    const v = m.get(k) ?? [0, 0, 0];
    v[i]++;
    m.set(k, v);
  };
  const ev = { hits: 0, total: 0, cited: 0, citedLabelled: 0 };
  const cat = {
    agree: 0,
    n: 0,
    tp: 0,
    fp: 0,
    fn: 0,
    confusion: {} as Record<string, Record<string, number>>,
  };
  const sent = {
    start: { agree: 0, n: 0 },
    end: { agree: 0, n: 0 },
    confusion: {} as Record<string, Record<string, number>>,
  };
  const crit = new Map<CorpusCriterion, { truth: string[]; answer: string[] }>();
  const metrics = new Map<string, { sum: number; n: number }>();
  const perCall = new Map<string, CallScore>();
  const mistakes: Report["mistakes"] = [];
  const calib = { categories: { n: 0, right: 0 }, irritants: { n: 0, right: 0 } };
  const cover = {
    evaluatedWeightPct: 0,
    uncertainCriteria: 0,
    uncertainIrritants: 0,
    uncertainCategories: 0,
    n: 0,
  };
  const failed: Report["failed"] = [];

  for (const { call, result, error } of items) {
    if (!result) {
      failed.push({ id: call.id, error: error ?? "no result" });
      continue;
    }
    const cs: CallScore = { irr: { tp: 0, fp: 0, fn: 0 }, cat: [0, 0], sent: [0, 0], crit: [0, 0] };
    perCall.set(call.id, cs);
    const lines: string[] = [];
    const L = call.labels;
    const judged = new Set<string>(L.judgedIrritants ?? IRRITANT_TYPES);

    // Irritants by type.
    const truth = new Map<string, Set<string>>();
    for (const i of L.irritants) {
      const set = truth.get(i.type) ?? new Set<string>();
      for (const s of i.segments) set.add(s);
      truth.set(i.type, set);
    }
    const sure = result.irritants.filter((i) => !i.uncertain);
    const unsure = new Set(result.irritants.filter((i) => i.uncertain).map((i) => i.type));
    const predicted = new Set(sure.map((i) => i.type));
    for (const type of IRRITANT_TYPES) {
      if (!judged.has(type)) continue;
      const t = truth.has(type);
      const p = predicted.has(type);
      if (t && p) {
        add(byType, type, 0);
        cs.irr.tp++;
        const labelled = truth.get(type) ?? new Set();
        const cited = sure.filter((i) => i.type === type).flatMap((i) => i.evidence.map((e) => e.segmentId));
        // Converted corpora may name no segment: then there is nothing to hit.
        if (labelled.size > 0) {
          ev.total++;
          const inLabels = cited.filter((s) => labelled.has(s));
          if (inLabels.length > 0) ev.hits++;
          else
            lines.push(
              `evidence of ${type} cites ${[...new Set(cited)].join(",")} (labelled ${[...labelled]})`,
            );
          ev.cited += new Set(cited).size;
          ev.citedLabelled += new Set(inLabels).size;
        }
      } else if (p || (!t && unsure.has(type))) {
        add(byType, type, 1);
        cs.irr.fp++;
        const i = result.irritants.find((x) => x.type === type);
        lines.push(
          `FP ${type}${p ? "" : " (uncertain)"}@${i?.speaker}: ${i?.evidence.map((e) => `[${e.segmentId}] ${e.quote}`).join(" | ")}`,
        );
      } else if (t) {
        add(byType, type, 2);
        cs.irr.fn++;
        const ids = [...(truth.get(type) ?? [])];
        const quotes = ids.map((id) => `[${id}] ${call.segments.find((s) => s.id === id)?.text ?? ""}`);
        lines.push(`FN ${type}${unsure.has(type) ? " (uncertain)" : ""}: ${quotes.join(" | ")}`);
      }
    }
    // Irritants by type and speaker side.
    const truthSide = new Set(L.irritants.map((i) => `${i.type}@${i.speaker ?? "customer"}`));
    const predSide = new Set(sure.map((i) => `${i.type}@${i.speaker}`));
    const unsureSide = new Set(
      result.irritants.filter((i) => i.uncertain).map((i) => `${i.type}@${i.speaker}`),
    );
    for (const type of IRRITANT_TYPES) {
      if (!judged.has(type)) continue;
      for (const side of ["customer", "agent"]) {
        const k = `${type}@${side}`;
        const t = truthSide.has(k);
        const p = predSide.has(k);
        if (t && p) add(bySide, k, 0);
        else if (p || (!t && unsureSide.has(k))) add(bySide, k, 1);
        else if (t) add(bySide, k, 2);
      }
    }

    // Categories.
    const cats = result.categories;
    const top = cats.length ? cats.reduce((a, b) => (b.confidence > a.confidence ? b : a)) : null;
    if (L.categories.primary) {
      const got = !top ? "none" : top.uncertain ? `${top.id}?` : top.id;
      cat.n++;
      cs.cat[1]++;
      bump(cat.confusion, L.categories.primary, got);
      if (got === L.categories.primary) {
        cat.agree++;
        cs.cat[0]++;
      } else
        lines.push(
          `category ${L.categories.primary} → ${cats.map((c) => `${c.id}${c.uncertain ? "?" : ""} ${c.confidence}`).join(", ") || "none"}`,
        );
    }
    const trueCats = new Set([
      ...(L.categories.primary ? [L.categories.primary] : []),
      ...L.categories.secondary,
    ]);
    const judgedCats = L.judgedCategories ? new Set(L.judgedCategories) : null;
    if (L.categories.primary || judgedCats) {
      const predCats = new Set(cats.filter((c) => !c.uncertain).map((c) => c.id));
      for (const c of new Set([...trueCats, ...predCats, ...cats.map((x) => x.id)])) {
        if (judgedCats && !judgedCats.has(c)) continue;
        const t = trueCats.has(c);
        const p = predCats.has(c);
        if (t && p) cat.tp++;
        else if (t) cat.fn++;
        else if (p || cats.some((x) => x.id === c)) cat.fp++;
      }
    }

    // Sentiment.
    const pairs: ["start" | "end", Sentiment | undefined, number | null][] = [
      ["start", L.sentiment.start, result.metrics.sentimentStart],
      ["end", L.sentiment.end, result.metrics.sentimentEnd],
    ];
    for (const [k, want, v] of pairs) {
      if (!want) continue;
      const got = sentimentClass(v) ?? "null";
      sent[k].n++;
      cs.sent[1]++;
      bump(sent.confusion, want, got);
      if (got === want) {
        sent[k].agree++;
        cs.sent[0]++;
      } else lines.push(`sentiment ${k}: ${want} → ${got} (${v})`);
    }

    // Calibration and coverage.
    for (const c of cats)
      if (!c.uncertain && c.confidence >= 0.8 && (L.categories.primary || judgedCats)) {
        calib.categories.n++;
        if (trueCats.has(c.id)) calib.categories.right++;
      }
    for (const i of sure)
      if (i.confidence !== undefined && i.confidence >= 0.8 && judged.has(i.type)) {
        calib.irritants.n++;
        if (truth.has(i.type)) calib.irritants.right++;
      }
    cover.n++;
    cover.evaluatedWeightPct += result.evaluatedWeightPct;
    cover.uncertainCriteria += result.criteria.filter((c) => c.result === "uncertain").length;
    cover.uncertainIrritants += result.irritants.filter((i) => i.uncertain).length;
    cover.uncertainCategories += result.categories.filter((c) => c.uncertain).length;

    // Criteria.
    for (const label of CORPUS_CRITERIA) {
      const want = L.criteria[label];
      if (want === undefined) continue;
      const got = mappedAnswer(result.criteria, label);
      const entry = crit.get(label) ?? { truth: [], answer: [] };
      entry.truth.push(String(want));
      entry.answer.push(String(got));
      crit.set(label, entry);
      cs.crit[1]++;
      if (got === want) cs.crit[0]++;
      else lines.push(`criterion ${label}: ${want} → ${got}`);
    }

    // Metrics.
    const ref = referenceMetrics(call);
    for (const [m, v] of Object.entries(ref)) {
      const got = (result.metrics as unknown as Record<string, number | null>)[m];
      if (v === null || got === null || got === undefined) continue;
      const acc = metrics.get(m) ?? { sum: 0, n: 0 };
      acc.sum += Math.abs(got - v);
      acc.n++;
      metrics.set(m, acc);
    }
    if (lines.length) mistakes.push({ id: call.id, lines });
  }

  const toPrf = (m: Map<string, [number, number, number]>, keys: string[]) =>
    Object.fromEntries(keys.map((k) => [k, prf(...(m.get(k) ?? [0, 0, 0]))]));
  const micro = (m: Map<string, [number, number, number]>) => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const v of m.values()) {
      tp += v[0];
      fp += v[1];
      fn += v[2];
    }
    return prf(tp, fp, fn);
  };
  const agreement = (agree: number, n: number): Agreement => ({ n, agree, accuracy: n ? agree / n : 0 });

  const criteria = {} as Record<CorpusCriterion, CriterionScore>;
  for (const label of CORPUS_CRITERIA) {
    const e = crit.get(label) ?? { truth: [], answer: [] };
    const n = e.truth.length;
    const agree = e.truth.filter((t, i) => t === e.answer[i]).length;
    const confusion: Record<string, Record<string, number>> = {};
    e.truth.forEach((t, i) => {
      bump(confusion, t, e.answer[i]);
    });
    criteria[label] = {
      ...agreement(agree, n),
      baseline: n ? e.truth.filter((t) => t === "true").length / n : 0,
      kappa: cohenKappa(e.truth, e.answer),
      confusion,
    };
  }

  const group = (key: (c: LabelledCall) => string): Record<string, GroupSummary> => {
    const out = new Map<
      string,
      { n: number; irr: [number, number, number]; c: number[]; s: number[]; k: number[] }
    >();
    for (const { call } of items) {
      const cs = perCall.get(call.id);
      if (!cs) continue;
      const g = out.get(key(call)) ?? { n: 0, irr: [0, 0, 0], c: [0, 0], s: [0, 0], k: [0, 0] };
      g.n++;
      g.irr[0] += cs.irr.tp;
      g.irr[1] += cs.irr.fp;
      g.irr[2] += cs.irr.fn;
      g.c[0] += cs.cat[0];
      g.c[1] += cs.cat[1];
      g.s[0] += cs.sent[0];
      g.s[1] += cs.sent[1];
      g.k[0] += cs.crit[0];
      g.k[1] += cs.crit[1];
      out.set(key(call), g);
    }
    return Object.fromEntries(
      [...out.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, g]) => [
          k,
          {
            n: g.n,
            irritantF1: prf(...g.irr).f1,
            category: g.c[1] ? g.c[0] / g.c[1] : 0,
            sentiment: g.s[1] ? g.s[0] / g.s[1] : 0,
            criteria: g.k[1] ? g.k[0] / g.k[1] : 0,
          },
        ]),
    );
  };

  return {
    n: perCall.size,
    irritants: {
      byType: toPrf(byType, [...IRRITANT_TYPES]),
      micro: micro(byType),
      bySide: toPrf(
        bySide,
        [...bySide.keys()].sort((a, b) => a.localeCompare(b)),
      ),
      microSide: micro(bySide),
      evidence: { ...ev, rate: ev.total ? ev.hits / ev.total : 0 },
    },
    categories: {
      primary: agreement(cat.agree, cat.n),
      multi: prf(cat.tp, cat.fp, cat.fn),
      confusion: cat.confusion,
    },
    sentiment: {
      start: agreement(sent.start.agree, sent.start.n),
      end: agreement(sent.end.agree, sent.end.n),
      overall: agreement(sent.start.agree + sent.end.agree, sent.start.n + sent.end.n),
      confusion: sent.confusion,
    },
    criteria,
    metrics: Object.fromEntries([...metrics.entries()].map(([m, a]) => [m, { n: a.n, mae: a.sum / a.n }])),
    byLanguage: group((c) => c.language),
    byDomain: group((c) => c.domain),
    calibration: calib,
    coverage: {
      evaluatedWeightPct: cover.n ? cover.evaluatedWeightPct / cover.n : 0,
      uncertainCriteria: cover.uncertainCriteria,
      uncertainIrritants: cover.uncertainIrritants,
      uncertainCategories: cover.uncertainCategories,
    },
    mistakes,
    failed,
  };
}
