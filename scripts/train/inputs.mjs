// The engine files the learned models' features come from: a change there means retraining.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const NOT_INPUTS = new Set([
  "model-data.ts",
  "model.ts",
  "criteria.ts",
  "messages.ts",
  "summary.ts",
  "score.ts",
  "README.md",
]);

export function featureInputsHash(root) {
  const dir = path.join(root, "core/scoring/engine");
  const files = [
    ...readdirSync(dir).filter((f) => f.endsWith(".ts") && !NOT_INPUTS.has(f)),
    ...readdirSync(path.join(dir, "lang")).map((f) => `lang/${f}`),
  ].sort();
  const h = createHash("sha256");
  for (const f of files) h.update(f).update(readFileSync(path.join(dir, f)));
  return h.digest("hex").slice(0, 12);
}
