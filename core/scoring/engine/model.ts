import type { Feats } from "./features";
import { MODEL_DATA } from "./model-data";

/**
 * The engine's small learned models: multinomial logistic regressions over `features.ts`,
 * trained by `scripts/train-engine.mjs` (reproducible, deterministic) and shipped as
 * `model-data.ts` — int8 weights in base64 and the feature names, decoded once per isolate.
 * Pure arithmetic: a call costs one lookup per feature.
 */
export interface LinearModelData {
  classes: string[];
  /** Feature names, "\n"-joined (row order of `w`). */
  features: string;
  /** int8 weights, row-major (features × classes), base64. */
  w: string;
  scale: number;
  bias: number[];
  /** Softmax temperature fitted on held-out folds (calibration). */
  temperature: number;
}

export interface LinearModel {
  classes: string[];
  index: Map<string, number>;
  w: Int8Array;
  scale: number;
  bias: number[];
  temperature: number;
}

function decodeBase64(b64: string): Int8Array {
  const bin = atob(b64);
  const out = new Int8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = (bin.charCodeAt(i) << 24) >> 24;
  return out;
}

export function decodeModel(d: LinearModelData): LinearModel {
  const names = d.features ? d.features.split("\n") : [];
  const index = new Map<string, number>();
  names.forEach((n, i) => {
    index.set(n, i);
  });
  return {
    classes: d.classes,
    index,
    w: decodeBase64(d.w),
    scale: d.scale,
    bias: d.bias,
    temperature: d.temperature,
  };
}

/** Class probabilities of a feature vector (softmax of the linear scores, tempered). */
export function predict(m: LinearModel, f: Feats): number[] {
  const k = m.classes.length;
  const z = m.bias.slice();
  for (const [name, v] of f) {
    const row = m.index.get(name);
    if (row === undefined || v === 0) continue;
    const o = row * k;
    for (let c = 0; c < k; c++) z[c] += v * m.w[o + c] * m.scale;
  }
  let max = Number.NEGATIVE_INFINITY;
  for (const x of z) if (x > max) max = x;
  let sum = 0;
  const p = z.map((x) => {
    const e = Math.exp((x - max) / m.temperature);
    sum += e;
    return e;
  });
  return p.map((x) => x / sum);
}

let cache: Map<string, LinearModel> | null = null;

/** The shipped models by name (`category`, `sentimentStart`, `sentimentEnd`), or null before training. */
export function model(name: string): LinearModel | null {
  if (!cache) {
    cache = new Map();
    for (const [k, d] of Object.entries(MODEL_DATA.models)) cache.set(k, decodeModel(d));
  }
  return cache.get(name) ?? null;
}

/**
 * A calibration of raw confidences (Platt: σ(a·x + b), with its own a, b for the first of a list
 * and for the others), fitted by the training script on labelled calls; the identity untrained.
 */
export function calibration(name: string): (x: number, first: boolean) => number {
  const c = MODEL_DATA.calibration?.[name];
  if (!c) return (x) => x;
  return (x, first) => {
    const [a, b] = first ? [c.a, c.b] : [c.a2 ?? c.a, c.b2 ?? c.b];
    return Math.min(0.99, Math.round((1 / (1 + Math.exp(-(a * x + b)))) * 100) / 100);
  };
}

export function hasCalibration(name: string): boolean {
  return MODEL_DATA.calibration?.[name] !== undefined;
}
