#!/usr/bin/env node
// The team's corpus (test/corpus/*.ts) written as labelled-call JSON files, for `npm run eval`:
//   node scripts/eval/convert-team.mjs [outDir]   (default .wrangler/eval/team-corpus)
// What a team call does not state stays unknown (scripts/eval/team-entry.ts says how).

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const out = path.resolve(process.argv[2] ?? path.join(root, ".wrangler", "eval", "team-corpus"));
const outfile = path.join(root, ".wrangler", "eval-out", "team-entry.mjs");
await build({
  entryPoints: [path.join(root, "scripts/eval/team-entry.ts")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  outfile,
  logLevel: "error",
});
const { teamCorpus } = await import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const calls = teamCorpus();
for (const c of calls) writeFileSync(path.join(out, `${c.id}.json`), `${JSON.stringify(c, null, 1)}\n`);
process.stdout.write(`${calls.length} calls written to ${path.relative(process.cwd(), out) || "."}\n`);
