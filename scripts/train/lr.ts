import type { Feats } from "../../core/scoring/engine/features";
import type { LinearModelData } from "../../core/scoring/engine/model";

/**
 * Multinomial logistic regression for the engine's small models — deterministic (zero start,
 * full-batch Adam, fixed iterations, no randomness), so the same data always gives the same
 * artifact. Features are kept only when they occur in at least `minGroups` distinct source calls
 * (a file of the corpus, a Banking77 row): a word seen in a single call cannot be learned, which is
 * the guard against memorising one call.
 */
export interface Example {
  /** The source (file id): features are counted per source, folds keep a source together. */
  group: string;
  fold: number;
  x: Feats;
  y: number;
  weight: number;
  /** Every right class (primary and secondary categories), for calibration. */
  truth?: number[];
}

export interface TrainOptions {
  classes: string[];
  minGroups: number;
  l2: number;
  iterations: number;
  learningRate: number;
}

export interface Trained {
  features: string[];
  /** features × classes */
  w: Float64Array;
  bias: Float64Array;
  classes: string[];
}

export function vocabulary(examples: Example[], minGroups: number): string[] {
  const groups = new Map<string, Set<string>>();
  for (const e of examples)
    for (const k of e.x.keys()) {
      let g = groups.get(k);
      if (!g) {
        g = new Set();
        groups.set(k, g);
      }
      g.add(e.group);
    }
  return [...groups.entries()]
    .filter(([k, g]) => k === "bias" || g.size >= minGroups)
    .map(([k]) => k)
    .filter((k) => k !== "bias")
    .sort();
}

export function train(examples: Example[], o: TrainOptions): Trained {
  const features = vocabulary(examples, o.minGroups);
  const index = new Map(features.map((f, i) => [f, i]));
  const K = o.classes.length;
  const F = features.length;
  // Sparse rows.
  const rows = examples.map((e) => {
    const idx: number[] = [];
    const val: number[] = [];
    for (const [k, v] of e.x) {
      const i = index.get(k);
      if (i !== undefined && v !== 0) {
        idx.push(i);
        val.push(v);
      }
    }
    return { idx, val, y: e.y, wt: e.weight };
  });
  const totalWeight = rows.reduce((a, r) => a + r.wt, 0) || 1;
  const w = new Float64Array(F * K);
  const b = new Float64Array(K);
  const mw = new Float64Array(F * K);
  const vw = new Float64Array(F * K);
  const mb = new Float64Array(K);
  const vb = new Float64Array(K);
  const gw = new Float64Array(F * K);
  const gb = new Float64Array(K);
  const z = new Float64Array(K);
  const b1 = 0.9;
  const b2 = 0.999;
  for (let it = 1; it <= o.iterations; it++) {
    gw.fill(0);
    gb.fill(0);
    for (const r of rows) {
      for (let c = 0; c < K; c++) z[c] = b[c];
      for (let j = 0; j < r.idx.length; j++) {
        const o2 = r.idx[j] * K;
        for (let c = 0; c < K; c++) z[c] += r.val[j] * w[o2 + c];
      }
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < K; c++) if (z[c] > max) max = z[c];
      let sum = 0;
      for (let c = 0; c < K; c++) {
        z[c] = Math.exp(z[c] - max);
        sum += z[c];
      }
      const s = r.wt / totalWeight;
      for (let c = 0; c < K; c++) {
        const g = (z[c] / sum - (c === r.y ? 1 : 0)) * s;
        gb[c] += g;
        for (let j = 0; j < r.idx.length; j++) gw[r.idx[j] * K + c] += g * r.val[j];
      }
    }
    for (let i = 0; i < F * K; i++) gw[i] += o.l2 * w[i];
    const lr = (o.learningRate * Math.sqrt(1 - b2 ** it)) / (1 - b1 ** it);
    for (let i = 0; i < F * K; i++) {
      mw[i] = b1 * mw[i] + (1 - b1) * gw[i];
      vw[i] = b2 * vw[i] + (1 - b2) * gw[i] * gw[i];
      w[i] -= (lr * mw[i]) / (Math.sqrt(vw[i]) + 1e-8);
    }
    for (let c = 0; c < K; c++) {
      mb[c] = b1 * mb[c] + (1 - b1) * gb[c];
      vb[c] = b2 * vb[c] + (1 - b2) * gb[c] * gb[c];
      b[c] -= (lr * mb[c]) / (Math.sqrt(vb[c]) + 1e-8);
    }
  }
  return { features, w, bias: b, classes: o.classes };
}

/** Linear scores (before softmax) of one example. */
export function scores(m: Trained, x: Feats, index = new Map(m.features.map((f, i) => [f, i]))): number[] {
  const K = m.classes.length;
  const z = Array.from(m.bias);
  for (const [k, v] of x) {
    const i = index.get(k);
    if (i === undefined) continue;
    for (let c = 0; c < K; c++) z[c] += v * m.w[i * K + c];
  }
  return z;
}

export function softmax(z: number[], t = 1): number[] {
  const max = Math.max(...z);
  const e = z.map((x) => Math.exp((x - max) / t));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** The temperature that makes held-out probabilities most likely (grid 0.5–3). */
export function fitTemperature(heldOut: { z: number[]; y: number }[]): number {
  let best = 1;
  let bestNll = Number.POSITIVE_INFINITY;
  for (let t = 0.5; t <= 3.0001; t += 0.05) {
    let nll = 0;
    for (const { z, y } of heldOut) nll -= Math.log(Math.max(1e-12, softmax(z, t)[y]));
    if (nll < bestNll - 1e-9) {
      bestNll = nll;
      best = Math.round(t * 100) / 100;
    }
  }
  return best;
}

/** int8 weights (base64) with one scale; weights that round to 0 drop their feature. */
export function quantize(m: Trained, temperature: number): LinearModelData {
  const K = m.classes.length;
  let max = 0;
  for (const x of m.w) max = Math.max(max, Math.abs(x));
  const scale = max > 0 ? max / 127 : 1;
  const keep: number[] = [];
  for (let i = 0; i < m.features.length; i++) {
    let any = false;
    for (let c = 0; c < K; c++) if (Math.round(m.w[i * K + c] / scale) !== 0) any = true;
    if (any) keep.push(i);
  }
  const bytes = new Uint8Array(keep.length * K);
  keep.forEach((i, r) => {
    for (let c = 0; c < K; c++) bytes[r * K + c] = Math.round(m.w[i * K + c] / scale) & 0xff;
  });
  let bin = "";
  for (const x of bytes) bin += String.fromCharCode(x);
  return {
    classes: m.classes,
    features: keep.map((i) => m.features[i]).join("\n"),
    w: btoa(bin),
    scale: Number(scale.toPrecision(6)),
    bias: Array.from(m.bias, (x) => Number(x.toFixed(4))),
    temperature,
  };
}

/** Platt scaling: a, b of σ(a·x + b) fitting (confidence, right?) pairs (Newton, deterministic). */
export function fitPlatt(pairs: { x: number; y: 0 | 1 }[]): { a: number; b: number } {
  let a = 1;
  let b = 0;
  for (let it = 0; it < 50; it++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-6;
    let hab = 0;
    let hbb = 1e-6;
    for (const { x, y } of pairs) {
      const p = 1 / (1 + Math.exp(-(a * x + b)));
      const d = p - y;
      ga += d * x;
      gb += d;
      const w = p * (1 - p);
      haa += w * x * x;
      hab += w * x;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (Math.abs(det) < 1e-12) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-9) break;
  }
  return { a: Number(a.toFixed(4)), b: Number(b.toFixed(4)) };
}
