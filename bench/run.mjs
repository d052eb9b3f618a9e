// `npm run bench` runs every benchmark; `npm run bench -- p6` runs one (several: `-- p6 p1`).
// Options: `--config <wrangler.toml>` builds another config (a try-out; README not updated),
// `--no-write` leaves bench/README.md alone.
//
// Each benchmark is a named step in STEPS: `{ title, target, run(ctx) }`. `run` returns
// `{ pass, summary, markdown }`; the markdown replaces the text between `<!-- ID:start -->` and
// `<!-- ID:end -->` in bench/README.md (the section is appended if the markers are missing).
// Benchmarks report figures; they are never timed tests (SPEC "P").

import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const README = path.join(root, "bench", "README.md");
const WRANGLER = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");

// ---------------------------------------------------------------------------------------------
// Helpers shared by the steps

/** Runs a command with this Node binary; resolves `{ code, stdout, stderr }` (never rejects on exit code). */
function run(argv, { env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      cwd: root,
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const kib = (bytes) => bytes / 1024;
const fmtKiB = (bytes) => `${kib(bytes).toFixed(1)} KiB`;

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

function wranglerVersion() {
  try {
    return JSON.parse(readFileSync(path.join(root, "node_modules", "wrangler", "package.json"), "utf8"))
      .version;
  } catch {
    return "?";
  }
}

/** One line for the "measured on" column: date, Node, wrangler, CPU count. */
function environmentNote() {
  const date = new Date().toISOString().slice(0, 10);
  return `${date}, Node ${process.version}, wrangler ${wranglerVersion()}, ${os.cpus().length} CPU`;
}

// ---------------------------------------------------------------------------------------------
// P6 — Worker bundle ≤ 400 KiB gzip (minified, everything included)

const P6_BUDGET_GZIP = 400 * 1024;

async function p6(ctx) {
  const outdir = path.join(root, ".wrangler", "bench-bundle");
  rmSync(outdir, { recursive: true, force: true });
  const metafile = path.join(outdir, "bundle-meta.json");
  const argv = [WRANGLER, "deploy", "--dry-run", "--outdir", outdir, "--minify", "--metafile", metafile];
  // The project's config: build what `npm run deploy` ships (`--env production`; the code is
  // the same for every env, this only silences wrangler's "which environment?" warning).
  if (ctx.config) argv.push("--config", ctx.config);
  else argv.push("--env", "production");
  // A dry run bundles and validates locally; it needs no Cloudflare account or network.
  const res = await run(argv);
  if (res.code !== 0) {
    throw new Error(
      `wrangler deploy --dry-run failed (exit ${res.code}). Is the Worker entry (wrangler.toml "main") in place and does it build?\n` +
        `${res.stdout}${res.stderr}`.trim(),
    );
  }

  // Everything wrangler would upload: all modules in the outdir (JS, WASM, text…), not source
  // maps, not the metafile.
  const files = walk(outdir)
    .filter((f) => !f.endsWith(".map") && f !== metafile && !f.endsWith("README.md"))
    .map((f) => {
      const buf = readFileSync(f);
      return {
        file: path.relative(outdir, f),
        raw: buf.byteLength,
        gzip: gzipSync(buf, { level: 9 }).byteLength,
      };
    })
    .sort((a, b) => b.gzip - a.gzip);
  if (files.length === 0) throw new Error(`wrangler produced no files in ${outdir}`);
  const raw = files.reduce((s, f) => s + f.raw, 0);
  const gzip = files.reduce((s, f) => s + f.gzip, 0);
  const pass = gzip <= P6_BUDGET_GZIP;
  // Wrangler's own figure, as a cross-check ("Total Upload: 123.45 KiB / gzip: 34.56 KiB").
  const wranglerLine = /Total Upload:\s*([\d.]+ KiB)\s*\/\s*gzip:\s*([\d.]+ KiB)/.exec(
    res.stdout + res.stderr,
  );

  // Biggest inputs (esbuild metafile), to know what to cut when the budget gets tight.
  let top = [];
  if (existsSync(metafile)) {
    const meta = JSON.parse(readFileSync(metafile, "utf8"));
    const byPackage = new Map();
    for (const out of Object.values(meta.outputs ?? {})) {
      for (const [input, { bytesInOutput }] of Object.entries(out.inputs ?? {})) {
        const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
        const key = m ? m[1] : input.startsWith("..") || path.isAbsolute(input) ? input : "(app code)";
        byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
      }
    }
    top = [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
  }

  const verdict = pass ? "pass" : "FAIL";
  const summary =
    `bundle ${fmtKiB(raw)} raw, ${fmtKiB(gzip)} gzip (budget ${fmtKiB(P6_BUDGET_GZIP)} gzip, ` +
    `${((gzip / P6_BUDGET_GZIP) * 100).toFixed(0)}% used): ${verdict}` +
    (wranglerLine ? ` — wrangler says ${wranglerLine[1]} / gzip ${wranglerLine[2]}` : "");

  const lines = [
    "| Measure | Raw (minified) | Gzip (level 9) | Budget | Result |",
    "|---|---:|---:|---:|---|",
    `| Worker bundle, all modules | ${fmtKiB(raw)} | ${fmtKiB(gzip)} | ≤ 400 KiB gzip | **${verdict}** (${((gzip / P6_BUDGET_GZIP) * 100).toFixed(0)}% of budget) |`,
    ...(files.length > 1
      ? files.map((f) => `| \`${f.file}\` | ${fmtKiB(f.raw)} | ${fmtKiB(f.gzip)} | | |`)
      : []),
  ];
  if (wranglerLine) lines.push("", `Wrangler's own figure: ${wranglerLine[1]} / gzip: ${wranglerLine[2]}.`);
  if (top.length) {
    lines.push(
      "",
      "Largest contributors (minified bytes in the output, before gzip):",
      "",
      "| Input | Size |",
      "|---|---:|",
      ...top.map(([k, v]) => `| \`${k}\` | ${fmtKiB(v)} |`),
    );
  }
  lines.push("", `Measured ${environmentNote()}.`);
  return { pass, summary, markdown: lines.join("\n") };
}

// ---------------------------------------------------------------------------------------------
// Registry. Later issues add p1 (engine), p2 (pipeline), p5 (KPIs), p7 (retention) here, in this
// shape. P3, P4 and P8 live in their own files (bench/p3.mjs…; helpers in bench/lib/): each
// starts its own `wrangler dev` on 127.0.0.1 with a bench state directory under .wrangler/, so a
// developer's instance is never touched. They measure the project's wrangler.toml; `--config`
// applies to P6 only. Insertion order is the order of `npm run bench`: the bundle first, then
// capacity (P8 also builds the 100,000-call fixture that P3 reuses), the API load, the uploads.

const STEPS = {
  p6: { title: "P6 Worker bundle size", target: "≤ 400 KiB gzip, minified, everything included", run: p6 },
  p1: {
    title: "P1 Built-in engine",
    target:
      "a 10-minute call (~150 segments, ~1,500 words) against a 20-criterion rubric in ≤ 2 ms median CPU",
    run: async () => (await import("./p1.mjs")).p1(),
  },
  p8: {
    title: "P8 Capacity: D1 bytes per call, rows read per list",
    target:
      "≤ 6 KB of D1 per stored 10-minute call (FTS included); `GET /api/v1/calls` reads ≤ limit + 1 rows",
    run: async () => (await import("./p8.mjs")).p8(),
  },
  p5: {
    title: "P5 Dashboard KPIs",
    target:
      "KPIs for a period over 100,000 calls in ≤ 50 ms through daily rollups, and ≤ 2× the same SQL run directly on SQLite (node:sqlite)",
    run: async () => (await import("./p5.mjs")).p5(),
  },
  p7: {
    title: "P7 Retention purge",
    target:
      "purging 100,000 expired calls (rows and objects): the cron only enqueues; each step within D1's and the Worker's limits; a killed run resumes without redoing work",
    run: async () => (await import("./p7.mjs")).p7(),
  },
  p3: {
    title: "P3 API list under load",
    target:
      "`GET /api/v1/calls?limit=50&<one filter>` on a 100,000-call tenant, 10 connections: ≥ 40% of `/healthz` req/s, p99 ≤ 50 ms",
    run: async () => (await import("./p3.mjs")).p3(),
  },
  p2: {
    title: "P2 Pipeline throughput",
    target:
      "1,000 transcript calls posted through the API all `done` through the local queues in ≤ 60 s; none lost, none analysed twice",
    run: async () => (await import("./p2.mjs")).p2(),
  },
  p9: {
    title: "P9 Bulk import",
    target:
      "10,000 NDJSON calls with ~150-segment transcripts through one import all `done` ≤ 10 min under `wrangler dev`, none lost, none twice; `POST /api/v1/imports` ≤ 1 s",
    run: async () => (await import("./p9.mjs")).p9(),
  },
  p4: {
    title: "P4 Recording upload",
    target:
      "90 MB single PUT and 200 MB multipart stream into R2 at ≥ 70% of a bare pipe's throughput, with flat memory",
    run: async () => (await import("./p4.mjs")).p4(),
  },
};

// ---------------------------------------------------------------------------------------------
// README sections

function writeSection(id, title, target, markdown) {
  const start = `<!-- ${id.toUpperCase()}:start -->`;
  const end = `<!-- ${id.toUpperCase()}:end -->`;
  let text = existsSync(README) ? readFileSync(README, "utf8") : "# Benchmarks\n";
  const block = `${start}\n${markdown}\n${end}`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i !== -1 && j > i) text = text.slice(0, i) + block + text.slice(j + end.length);
  else text = `${text.trimEnd()}\n\n## ${title}\n\nTarget: ${target}.\n\n${block}\n`;
  writeFileSync(README, text);
}

// ---------------------------------------------------------------------------------------------
// CLI

function parseArgs(argv) {
  const opts = { steps: [], config: undefined, write: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--config" || a === "-c") opts.config = path.resolve(argv[++i] ?? "");
    else if (a.startsWith("--config=")) opts.config = path.resolve(a.slice("--config=".length));
    else if (a === "--no-write") opts.write = false;
    else if (a === "--help" || a === "-h") opts.help = true;
    else if (a.startsWith("-")) throw new Error(`unknown option ${a}`);
    else opts.steps.push(a.toLowerCase());
  }
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    console.log("usage: npm run bench [-- <step>… ] [--config <wrangler.toml>] [--no-write]");
    for (const [id, s] of Object.entries(STEPS)) console.log(`  ${id}  ${s.title} (${s.target})`);
    return;
  }
  const unknown = opts.steps.filter((s) => !STEPS[s]);
  if (unknown.length)
    throw new Error(`unknown benchmark ${unknown.join(", ")}; known: ${Object.keys(STEPS).join(", ")}`);
  const ids = opts.steps.length ? opts.steps : Object.keys(STEPS);
  // Figures from a try-out config are not the project's: keep them out of the README.
  const write = opts.write && !opts.config;

  let failed = 0;
  for (const id of ids) {
    const step = STEPS[id];
    console.log(`\n== ${step.title} (${step.target})`);
    try {
      const r = await step.run({ config: opts.config });
      console.log(`${r.pass ? "PASS" : "FAIL"} ${r.summary}`);
      if (!r.pass) failed++;
      if (write) {
        writeSection(id, step.title, step.target, r.markdown);
        console.log(`   → ${path.relative(root, README)} updated`);
      }
    } catch (e) {
      failed++;
      console.error(`ERROR ${id}: ${e.message ?? e}`);
    }
  }
  if (failed) {
    console.error(`\n${failed} benchmark(s) failed or missed their target`);
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e.message ?? e);
  process.exitCode = 1;
});
