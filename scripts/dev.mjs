// `npm run dev`: the whole platform on http://127.0.0.1:8787 from a fresh clone.
//
//   1. `.dev.vars` with fresh random ENCRYPTION_KEY / HMAC_KEY if missing (never overwritten);
//   2. D1 migrations applied to every local database of wrangler.toml;
//   3. the dev seed loaded once (scripts/seed.mjs; marker: tenant `ten_demo_eu` exists);
//   4. `wrangler dev` in the foreground, signals forwarded;
//   5. meanwhile, once `/healthz` answers, the demo calls (scripts/demo-calls.mjs) are imported
//      through the API for every seeded tenant that has no call yet — uploaded with the multipart
//      upload API, then `POST /api/v1/imports {uploadId}` and the import job, the path of a
//      customer's bulk import (scripts/demo-import.mjs) — so they are parsed, redacted, indexed
//      and stored in R2 like real calls. In the background:
//      the server is usable at once, and a failed import is logged, never fatal.
//   6. then, once the pipeline has analysed them, the daily cron is triggered once
//      (`/cdn-cgi/local/scheduled`): its anonymised statistics build (F6) runs through the local
//      jobs queue, so /benchmarks shows platform medians (the demo and synthetic tenants together
//      pass the 5-tenant, 100-call threshold for the last 30 days). One build per UTC day.
//
// Flags: `--seed-only` (steps 1–3, then exit), `--reset` (delete the local state first: every
// local D1, R2, queue and DO; `.dev.vars` is kept), `--no-demo-calls` (skip steps 5 and 6). Any
// other argument goes to `wrangler dev`.
//
// Everything here is LOCAL: every wrangler D1 command goes through `wranglerLocal()`, which adds
// `--local`. The seed has published passwords and keys; it must never run against production.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateSeed, readD1Databases, readDevVars, writeSeedFiles } from "./seed.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = path.join(root, "node_modules", "wrangler", "bin", "wrangler.js");
/** One state directory for migrations, seed and `wrangler dev` (wrangler's default, made explicit). */
// CCR_STATE_DIR / PORT let the browser tests run their own instance beside a developer's.
const PERSIST_TO = process.env.CCR_STATE_DIR ?? ".wrangler/state";
const PORT = process.env.PORT ?? "8787";
const DEV_VARS = path.join(root, ".dev.vars");
const MARKER_TENANT = "ten_demo_eu";

const args = process.argv.slice(2);
const OWN_FLAGS = ["--seed-only", "--reset", "--no-demo-calls"];
const seedOnly = args.includes("--seed-only");
const reset = args.includes("--reset");
const noDemoCalls = args.includes("--no-demo-calls");
const passThrough = args.filter((a) => !OWN_FLAGS.includes(a));

const tty = process.stdout.isTTY;
const log = (msg) => console.log(tty ? `\x1b[36m[dev]\x1b[0m ${msg}` : `[dev] ${msg}`);
const warn = (msg) => console.log(tty ? `\x1b[33m[dev] ${msg}\x1b[0m` : `[dev] ${msg}`);
// Wrangler would otherwise ask about telemetry and check for updates over the network.
const childEnv = { ...process.env, WRANGLER_SEND_METRICS: "false" };

/** Runs wrangler with the same Node binary; resolves with its output, rejects with it on failure. */
function wrangler(argv, { quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    // stdin ignored and output piped: wrangler sees a non-interactive session and does not
    // prompt ("About to apply N migration(s)… Ok to proceed?").
    const child = spawn(process.execPath, [WRANGLER, ...argv], {
      cwd: root,
      env: childEnv,
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
    child.on("close", (code) => {
      if (code === 0) {
        if (!quiet) process.stdout.write(indent(stdout));
        resolve(stdout);
      } else {
        const err = new Error(`wrangler ${argv.join(" ")} exited with ${code}\n${stdout}${stderr}`);
        reject(err);
      }
    });
  });
}

/** The only way this script touches D1: always `--local`, always the same state directory. */
function wranglerLocal(argv, opts) {
  return wrangler([...argv, "--local", "--persist-to", PERSIST_TO], opts);
}

function indent(s) {
  const lines = s
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => `    ${l}`);
  return lines.length ? `${lines.join("\n")}\n` : "";
}

// 1. .dev.vars ----------------------------------------------------------------------------------

const fresh32 = () => randomBytes(32).toString("base64");

function ensureDevVars() {
  if (!existsSync(DEV_VARS)) {
    const examplePath = path.join(root, ".dev.vars.example");
    const example = existsSync(examplePath)
      ? readFileSync(examplePath, "utf8")
      : "ENCRYPTION_KEY=\nHMAC_KEY=\nBREVO_API_KEY=\n";
    const body = example
      .replace(
        /^# Copy to \.dev\.vars.*\n/m,
        "# Generated by `npm run dev` (scripts/dev.mjs). Local secrets: do not commit.\n",
      )
      .replace(/^ENCRYPTION_KEY=.*$/m, `ENCRYPTION_KEY=${fresh32()}`)
      .replace(/^HMAC_KEY=.*$/m, `HMAC_KEY=${fresh32()}`)
      .replace(/^BREVO_API_KEY=.*$/m, "BREVO_API_KEY=");
    writeFileSync(DEV_VARS, body, { mode: 0o600 });
    log("created .dev.vars with fresh random ENCRYPTION_KEY and HMAC_KEY");
  }
  const vars = readDevVars(DEV_VARS);
  // An existing file is the developer's: never rewrite it; say what is wrong instead. Losing
  // ENCRYPTION_KEY would make every encrypted column unreadable.
  for (const name of ["ENCRYPTION_KEY", "HMAC_KEY"]) {
    const v = vars[name];
    if (!v || Buffer.from(v, "base64").byteLength !== 32) {
      throw new Error(
        `.dev.vars: ${name} must be 32 random bytes in base64 (e.g. \`openssl rand -base64 32\`).` +
          " Fix it, or delete .dev.vars and run `npm run dev -- --reset` to start over.",
      );
    }
  }
  return vars;
}

// 2. migrations ---------------------------------------------------------------------------------

async function migrate(databases) {
  for (const name of new Set(Object.values(databases))) {
    const out = await wranglerLocal(["d1", "migrations", "apply", name], { quiet: true });
    // Wrangler prints a banner and tables; keep the one fact that matters.
    const applied = [...new Set(out.match(/\b\d{4}_[\w-]+\.sql\b(?=.*✅)/g) ?? [])];
    log(`migrations ${name}: ${applied.length ? `applied ${applied.join(", ")}` : "up to date"}`);
  }
}

// 3. seed ---------------------------------------------------------------------------------------

async function isSeeded(controlDb) {
  const out = await wranglerLocal(
    ["d1", "execute", controlDb, "--command", `select id from tenants where id='${MARKER_TENANT}'`, "--json"],
    { quiet: true },
  );
  // `--json` prints `[{ results: [...], success, meta }]`; tolerate log lines around it.
  const json = JSON.parse(out.slice(out.indexOf("["), out.lastIndexOf("]") + 1));
  return json.some((r) => r.results?.length > 0);
}

async function seed(databases, vars) {
  if (await isSeeded(databases.CONTROL_DB)) {
    log(`dev seed already loaded (tenant ${MARKER_TENANT} exists); \`--reset\` to start over`);
    return;
  }
  log("generating the dev seed (hashing demo passwords)…");
  const data = await generateSeed({ encryptionKey: vars.ENCRYPTION_KEY });
  // Data DBs first, control DB last: the control file holds the marker and runs as one batch.
  const files = writeSeedFiles(data, { dir: path.join(root, ".wrangler", "seed"), databases });
  for (const { database, file } of files) {
    log(`seed → ${database} (${path.relative(root, file)})`);
    await wranglerLocal(["d1", "execute", database, "--file", file, "--yes"], { quiet: true });
  }
  log("dev seed loaded: see README for the demo logins and API keys");
}

// 4. wrangler dev -------------------------------------------------------------------------------

function runDev() {
  const argv = [
    WRANGLER,
    "dev",
    // The platform, then its private Workers reached through service bindings: the analysis
    // Worker (built-in engine and LLM analysis, `LLM`) and the Stripe gateway (`STRIPE`).
    // (A benchmark serving a frozen bundle with --no-bundle runs the platform alone.)
    ...(passThrough.includes("--no-bundle")
      ? []
      : ["wrangler.toml", "workers/llm/wrangler.toml", "workers/stripe/wrangler.toml"].flatMap((c) => [
          "-c",
          c,
        ])),
    "--ip",
    "127.0.0.1",
    "--port",
    PORT,
    "--persist-to",
    PERSIST_TO,
    ...passThrough,
  ];
  log(`wrangler ${argv.slice(1).join(" ")}`);
  const child = spawn(process.execPath, argv, { cwd: root, env: childEnv, stdio: "inherit" });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(sig, () => {
      if (child.exitCode === null) child.kill(sig);
    });
  }
  child.on("exit", (code, signal) => {
    process.exit(code ?? (signal === "SIGINT" ? 130 : signal === "SIGTERM" ? 143 : 1));
  });
  child.on("error", (e) => {
    console.error(e);
    process.exit(1);
  });
  return child;
}

// 5. demo calls ---------------------------------------------------------------------------------

const BASE_URL = `http://127.0.0.1:${PORT}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** After this long without /healthz (a build error, a slow first build), say that we are still waiting. */
const HEALTHZ_PATIENCE_MS = 90_000;

/** fetch, retried on connection errors (wrangler may restart workerd right after its first build). */
async function fetchRetry(url, init = {}, { tries = 4, timeoutMs = 120_000 } = {}) {
  for (let i = 1; ; i++) {
    try {
      return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      if (i >= tries) throw new Error(`${init.method ?? "GET"} ${url}: ${e.cause?.message ?? e.message}`);
      await sleep(1000 * i);
    }
  }
}

/**
 * Resolves true once /healthz answers 200 twice in a row (wrangler may restart workerd right after
 * its first build), false if wrangler exits first. No deadline: while the Worker does not build
 * (an edit in progress), the import simply waits for the fix.
 */
async function waitForHealthz(child) {
  const t0 = Date.now();
  let told = false;
  let ok = 0;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      const r = await fetch(`${BASE_URL}/healthz`, { signal: AbortSignal.timeout(5000) });
      ok = r.ok ? ok + 1 : 0;
      if (ok >= 2) return true;
    } catch {
      ok = 0; // not up yet
    }
    const late = Date.now() - t0 > HEALTHZ_PATIENCE_MS;
    if (late && !told) {
      told = true;
      warn(`demo calls: no answer from ${BASE_URL}/healthz yet (build error?); they load once it answers`);
    }
    await sleep(ok ? 1000 : late ? 2000 : 500);
  }
}

/**
 * Imports one tenant's demo calls if it has no call yet, through the upload API and the import job
 * (scripts/demo-import.mjs). Returns `null` when it already had some.
 */
async function loadTenantCalls(t, ndjsonFor) {
  const { importDemoCalls } = await import("./demo-import.mjs");
  return importDemoCalls({
    fetch: (p, init) => fetchRetry(`${BASE_URL}${p}`, init),
    apiKey: t.apiKey,
    ndjson: ndjsonFor(t.id),
    sleep,
  });
}

/**
 * Step 5, in the background: never throws, never exits the process, and starts only once the
 * Worker answers, so callers that only wait for /healthz are not delayed.
 */
async function loadDemoCalls(child) {
  try {
    if (!(await waitForHealthz(child))) return; // wrangler exited: nothing to load into
    const { DEMO_CALL_TENANTS, demoCallsNdjson } = await import("./demo-calls.mjs");
    const already = [];
    const t0 = Date.now();
    let loaded = 0;
    for (const t of DEMO_CALL_TENANTS) {
      if (child.exitCode !== null) return;
      try {
        const r = await loadTenantCalls(t, demoCallsNdjson);
        if (!r) {
          already.push(t.id);
          continue;
        }
        loaded++;
        const line = `demo calls ${t.id} (${t.name}): ${r.created} created, ${r.existing} existing, ${r.errors} errors of ${r.total} in ${r.seconds.toFixed(1)} s`;
        if (r.errors) {
          warn(line);
          for (const e of r.failed)
            warn(`  ${e.externalId ?? e.item}: ${e.error?.status} ${e.error?.title} — ${e.error?.detail}`);
        } else log(line);
      } catch (e) {
        warn(`demo calls ${t.id} (${t.name}): import FAILED — ${e.message}`);
      }
    }
    if (already.length)
      log(`demo calls: already there for ${already.join(", ")} (they have calls); nothing imported for them`);
    if (loaded) log(`demo calls: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } catch (e) {
    warn(`demo calls: import FAILED — ${e.message ?? e}; the server keeps running (restart to retry)`);
    return;
  }
  try {
    const { DEMO_CALL_TENANTS } = await import("./demo-calls.mjs");
    await buildStatistics(child, DEMO_CALL_TENANTS);
  } catch (e) {
    warn(`statistics: FAILED — ${e.message ?? e}; the server keeps running`);
  }
}

// 6. anonymised statistics ----------------------------------------------------------------------

const IN_FLIGHT = ["received", "transcribing", "analyzing"];
const PIPELINE_PATIENCE_MS = 180_000;
const BUILD_PATIENCE_MS = 90_000;

/** True once no seeded tenant has a call waiting for the pipeline; false on timeout or exit. */
async function pipelineIdle(child, tenants) {
  const t0 = Date.now();
  for (;;) {
    let busy = 0;
    for (const t of tenants)
      for (const status of IN_FLIGHT) {
        const r = await fetchRetry(`${BASE_URL}/api/v1/calls?status=${status}&limit=1`, {
          headers: { authorization: `Bearer ${t.apiKey}` },
        });
        if (r.ok && (await r.json()).data?.length) busy++;
      }
    if (!busy) return true;
    if (child.exitCode !== null || Date.now() - t0 > PIPELINE_PATIENCE_MS) return false;
    await sleep(2000);
  }
}

/**
 * Step 6: trigger the daily cron once (as Cloudflare would at 03:15 UTC); its statistics build is
 * a durable job that the local jobs queue runs. Then wait for today's build to be published and
 * say what the last 30 days look like.
 */
async function buildStatistics(child, tenants) {
  if (!(await pipelineIdle(child, tenants))) {
    if (child.exitCode !== null) return;
    warn("statistics: demo calls still in the pipeline after 3 min; building with the calls analysed so far");
  }
  const cron = await fetchRetry(
    `${BASE_URL}/cdn-cgi/local/scheduled?cron=${encodeURIComponent("15 3 * * *")}`,
  );
  if (!cron.ok)
    throw new Error(`/cdn-cgi/local/scheduled → ${cron.status} ${(await cron.text()).slice(0, 300)}`);
  const today = new Date().toISOString().slice(0, 10);
  const headers = { authorization: `Bearer ${tenants[0].apiKey}` };
  const t0 = Date.now();
  while (Date.now() - t0 < BUILD_PATIENCE_MS && child.exitCode === null) {
    const r = await fetchRetry(`${BASE_URL}/api/v1/benchmarks?period=30d`, { headers });
    if (!r.ok) throw new Error(`GET /api/v1/benchmarks → ${r.status} ${(await r.text()).slice(0, 300)}`);
    const b = await r.json();
    if (b.builtAt?.startsWith(today)) {
      const calls = b.groups[0]?.metrics.find((m) => m.metric === "calls");
      if (calls?.platform)
        log(
          `statistics: built; last 30 days published (${calls.platform.tenants} organisations, ${calls.platform.calls} calls) — see /benchmarks`,
        );
      else
        warn(
          `statistics: built, but the last 30 days are under the thresholds (${calls?.reason ?? "no data"})`,
        );
      return;
    }
    await sleep(1000);
  }
  if (child.exitCode === null) warn("statistics: the build did not finish in time; see the wrangler log");
}

async function main() {
  if (!existsSync(WRANGLER)) throw new Error("wrangler is not installed: run `npm install` first");
  if (reset) {
    log(`--reset: deleting ${PERSIST_TO}`);
    rmSync(path.join(root, PERSIST_TO), { recursive: true, force: true });
  }
  const vars = ensureDevVars();
  const databases = readD1Databases(root);
  await migrate(databases);
  await seed(databases, vars);
  if (seedOnly) {
    log("--seed-only: done");
    return;
  }
  const child = runDev();
  if (noDemoCalls) log("--no-demo-calls: demo calls not loaded");
  else void loadDemoCalls(child);
}

main().catch((e) => {
  console.error(process.stderr.isTTY ? `\x1b[31m[dev] ${e.message ?? e}\x1b[0m` : `[dev] ${e.message ?? e}`);
  process.exit(1);
});
