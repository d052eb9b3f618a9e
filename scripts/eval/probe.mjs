#!/usr/bin/env node
// Paraphrase probes for the irritant lexicons: `node scripts/eval/probe.mjs <file> [--all]`.
// One probe a line: `<fr|en> <+type|-type>[@side] <turns>`, turns separated by " || ", each "A: …"
// (agent) or "C: …" (customer); a bare text is a customer turn framed by an agent greeting and an
// agent acknowledgement. `+` must be found, `-` must not. Prints the probes that fail (all with --all).
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const outdir = path.join(root, ".wrangler", "eval-out");
mkdirSync(outdir, { recursive: true });
const bundle = path.join(outdir, "probe-entry.mjs");
await build({
  entryPoints: [path.join(root, "scripts/eval/probe-entry.ts")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["module", "main"],
  outfile: bundle,
  logLevel: "error",
});
const eng = await import(`${pathToFileURL(bundle).href}?t=${Date.now()}`);
const [file, ...flags] = process.argv.slice(2);
const all = flags.includes("--all");
const stats = new Map();
let bad = 0;
let n = 0;
for (const raw of readFileSync(file, "utf8").split("\n")) {
  const line = raw.trim();
  if (!line || line.startsWith("#")) continue;
  const m = /^(fr|en)\s+([+-])(\w+)(?:@(\w+))?\s+(.*)$/.exec(line);
  if (!m) throw new Error(`bad probe: ${line}`);
  const [, lang, sign, type, side, body] = m;
  let turns = body.split(" || ").map((t) => {
    const mm = /^([AC]):\s*(.*)$/.exec(t.trim());
    return mm ? [mm[1], mm[2]] : ["C", t.trim()];
  });
  if (turns.length === 1 && turns[0][0] === "C")
    turns = [
      ["A", lang === "fr" ? "Rhodanet bonjour, je vous écoute." : "Rhodanet, hello, how can I help?"],
      turns[0],
      ["A", lang === "fr" ? "D'accord, je regarde votre dossier." : "Okay, let me look at your account."],
    ];
  const got = eng.probe(lang, turns);
  const hit = got.some(
    (g) => !g.startsWith("?") && g.split("@")[0] === type && (!side || g.endsWith(`@${side}`)),
  );
  const ok = sign === "+" ? hit : !hit;
  n++;
  const k = `${sign}${type}${side ? `@${side}` : ""} ${lang}`;
  const s = stats.get(k) ?? [0, 0];
  s[0] += ok ? 1 : 0;
  s[1]++;
  stats.set(k, s);
  if (!ok) bad++;
  if (!ok || all)
    console.log(`${ok ? "ok  " : "FAIL"} ${lang} ${sign}${type} ${body}   → ${got.join(" ") || "-"}`);
}
for (const [k, [a, b]] of [...stats].sort()) console.log(`${k.padEnd(32)} ${a}/${b}`);
console.log(`${n - bad}/${n} probes pass`);
