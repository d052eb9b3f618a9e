// Shared helpers for the benchmark steps (P3, P4, P8): paths, child processes, statistics,
// formatting. Everything here is local: loopback only, `--local` D1 only.

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const WRANGLER = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
/** Child processes inherit this: no telemetry prompt, no update check, no colours in logs. */
export const CHILD_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  FORCE_COLOR: "0",
  NO_COLOR: "1",
  // wrangler dev reloads the Worker when wrangler.toml changes; a benchmark must not be
  // restarted by an edit made meanwhile (the code itself is frozen: platform.mjs frozenBuild).
  WRANGLER_CI_DISABLE_CONFIG_WATCHING: "true",
};

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs `node <argv>` with this Node binary; resolves `{ code, stdout, stderr }` (never rejects on exit code). */
export function runNode(argv, { env = {}, timeoutMs = 10 * 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      cwd: root,
      env: { ...CHILD_ENV, ...env },
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
    const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `node scripts/dev.mjs --seed-only` on a state directory: migrations + dev seed, no server. */
export async function prepareState(stateDir) {
  const r = await runNode([path.join(root, "scripts", "dev.mjs"), "--seed-only"], {
    env: { CCR_STATE_DIR: stateDir },
  });
  if (r.code !== 0)
    throw new Error(`scripts/dev.mjs --seed-only failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
}

export function wranglerVersion() {
  try {
    return JSON.parse(readFileSync(path.join(root, "node_modules", "wrangler", "package.json"), "utf8"))
      .version;
  } catch {
    return "?";
  }
}

export function environmentNote() {
  const date = new Date().toISOString().slice(0, 10);
  return `${date}, Node ${process.version}, wrangler ${wranglerVersion()}, ${os.cpus().length} CPU`;
}

// ---------------------------------------------------------------------------------------------
// Statistics

export function quantile(sorted, q) {
  if (!sorted.length) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ---------------------------------------------------------------------------------------------
// Formatting

export const fmt = (n, digits = 1) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : "n/a";
export const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
export const pct = (ratio) => (Number.isFinite(ratio) ? `${(ratio * 100).toFixed(0)}%` : "n/a");
export const fmtBytes = (b) =>
  !Number.isFinite(b)
    ? "n/a"
    : Math.abs(b) >= 1024 ** 2
      ? `${(b / 1024 ** 2).toFixed(1)} MiB`
      : Math.abs(b) >= 1024
        ? `${(b / 1024).toFixed(1)} KiB`
        : `${Math.round(b)} B`;

/** A Markdown table from a header row and rows (numbers right-aligned when `align` says `r`). */
export function table(header, rows, align = "") {
  const a = header.map((_, i) => (align[i] === "r" ? "---:" : "---"));
  return [
    `| ${header.join(" | ")} |`,
    `| ${a.join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

export function log(msg) {
  console.log(`   ${msg}`);
}
