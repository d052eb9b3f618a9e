// Starting and stopping local servers for the benchmarks: the platform (`scripts/dev.mjs`, which
// applies migrations and the dev seed, then runs `wrangler dev`) or a bench-only Worker (`wrangler
// dev --config bench/…`). Each runs in its own process group on 127.0.0.1 with its own state
// directory and port, so a developer's `npm run dev` is never touched. Stopping signals only that
// group (by its id), then any workerd left behind (by its pid).

import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { CHILD_ENV, root, runNode, sleep, WRANGLER } from "./common.mjs";

// Logs and frozen builds: under .wrangler/ (git-ignored, outside biome's file set).
export const LOG_DIR = path.join(root, ".wrangler", "bench-out");

/** `{ pid → ppid }` and `{ pid → comm }` for every process, from /proc. */
function processTable() {
  const parent = new Map();
  const comm = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // "pid (comm) state ppid …" — comm may contain spaces and parentheses.
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" ");
      parent.set(Number(name), Number(fields[1]));
      comm.set(Number(name), stat.slice(stat.indexOf("(") + 1, close));
    } catch {
      // gone meanwhile
    }
  }
  return { parent, comm };
}

/** Every descendant of `pid` with its command name. */
export function descendants(pid) {
  const { parent, comm } = processTable();
  const out = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop();
    for (const [child, pp] of parent) {
      if (pp === p) {
        out.push({ pid: child, comm: comm.get(child) });
        todo.push(child);
      }
    }
  }
  return out;
}

/** VmRSS of a process in bytes (null when it is gone). */
export function rssBytes(pid) {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

function getStatus(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
  });
}

/**
 * Spawns a server and waits until `readyPath` answers 200. Returns
 * `{ url, pid, workerdPid(), stop() }`. `argv` is run with this Node binary.
 */
export async function startServer({
  name,
  argv,
  env = {},
  port,
  readyPath = "/healthz",
  readyTimeoutMs = 180_000,
}) {
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${name}.log`);
  const fd = openSync(logFile, "w");
  // detached: its own process group, so stop() can signal wrangler and workerd together.
  const child = spawn(process.execPath, argv, {
    cwd: root,
    env: { ...CHILD_ENV, ...env },
    stdio: ["ignore", fd, fd],
    detached: true,
  });
  closeSync(fd);
  let exited = null;
  child.on("exit", (code, signal) => {
    exited = { code, signal };
  });
  const url = `http://127.0.0.1:${port}`;
  const server = {
    url,
    pid: child.pid,
    logFile,
    /**
     * The processes of this instance: `runtime` is the workerd running the Worker (and the local
     * D1/R2/DO simulators); `proxy` the workerd wrangler puts in front of it on the public port;
     * `wrangler` its Node process. Requests cross both workerds.
     */
    processes() {
      const out = { runtime: null, proxy: null, wrangler: null, all: descendants(child.pid) };
      for (const p of out.all) {
        let cmd = "";
        try {
          cmd = readFileSync(`/proc/${p.pid}/cmdline`, "utf8").replaceAll("\0", " ");
        } catch {
          continue;
        }
        if (p.comm === "workerd") {
          if (cmd.includes(`--socket-addr=entry=127.0.0.1:${port} `)) out.proxy = p.pid;
          else out.runtime = p.pid;
        } else if (p.comm === "node" && cmd.includes("wrangler-dist/cli.js")) out.wrangler = p.pid;
      }
      return out;
    },
    workerdPid() {
      return server.processes().runtime;
    },
    async stop() {
      const left = descendants(child.pid);
      if (exited === null) {
        try {
          process.kill(-child.pid, "SIGTERM");
        } catch {
          // already gone
        }
        for (let i = 0; i < 100 && exited === null; i++) await sleep(100);
        if (exited === null) {
          try {
            process.kill(-child.pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
      }
      // A workerd or esbuild that escaped the group (or outlived wrangler) is ours too: by pid.
      const alive = (pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      for (const p of left) {
        if (!alive(p.pid)) continue;
        try {
          process.kill(p.pid, "SIGKILL");
        } catch {
          // gone
        }
      }
      for (let i = 0; i < 50 && left.some((p) => alive(p.pid)); i++) await sleep(100);
    },
  };
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (exited !== null) {
      const tail = readFileSync(logFile, "utf8").split("\n").slice(-40).join("\n");
      throw new Error(
        `${name} exited before it was ready (${JSON.stringify(exited)}); log ${logFile}:\n${tail}`,
      );
    }
    if ((await getStatus(`${url}${readyPath}`)) === 200) {
      // wrangler may restart workerd once right after the first build; let it settle.
      await sleep(500);
      if ((await getStatus(`${url}${readyPath}`)) === 200) return server;
    }
    await sleep(300);
  }
  await server.stop();
  throw new Error(
    `${name} did not answer ${readyPath} on ${url} within ${readyTimeoutMs / 1000} s; log ${logFile}`,
  );
}

const builds = new Map();

/**
 * The Worker of `config` bundled once per bench process (`wrangler deploy --dry-run --outdir`,
 * not minified: what `wrangler dev` would build), so that `wrangler dev --no-bundle <script>`
 * serves a frozen copy. Source edits made while a benchmark runs (wrangler dev watches the
 * sources and reloads the Worker) then cannot restart it mid-measurement. Returns the script.
 */
export function frozenBuild(name, config = path.join(root, "wrangler.toml")) {
  if (!builds.has(name)) {
    builds.set(
      name,
      (async () => {
        const outdir = path.join(LOG_DIR, `build-${name}`);
        rmSync(outdir, { recursive: true, force: true });
        const r = await runNode([WRANGLER, "deploy", "--dry-run", "--config", config, "--outdir", outdir]);
        const script = path.join(outdir, "index.js");
        if (r.code !== 0 || !existsSync(script))
          throw new Error(
            `bundling ${config} failed (exit ${r.code}); does the Worker build?\n${r.stdout}${r.stderr}`.trim(),
          );
        const extra = readdirSync(outdir).filter((f) => !/^(index\.js|index\.js\.map|README\.md)$/.test(f));
        if (extra.length)
          throw new Error(
            `bundle of ${config} has extra modules (${extra.join(", ")}); --no-bundle would miss them`,
          );
        return script;
      })(),
    );
  }
  return builds.get(name);
}

/**
 * The platform: `scripts/dev.mjs` (migrations, dev seed, then `wrangler dev`) on `port` and
 * `stateDir`, serving the frozen bundle of wrangler.toml (same config, bindings, .dev.vars).
 */
export async function startPlatform({
  name = "platform",
  stateDir,
  port,
  inspectorPort = port + 1000,
  extra = [],
  // false: wrangler builds the sources, with the analysis and Stripe Workers beside the platform
  // (needed when calls are analysed, P2); true: a frozen bundle of the platform alone.
  frozen = true,
}) {
  const script = frozen ? await frozenBuild("platform") : null;
  return startServer({
    name,
    // Extra arguments go to `wrangler dev`. An explicit inspector port keeps clear of a
    // developer's instance (9229).
    argv: [
      path.join(root, "scripts", "dev.mjs"),
      ...(script ? [script, "--no-bundle"] : []),
      "--inspector-port",
      String(inspectorPort),
      "--show-interactive-dev-session=false",
      ...extra,
    ],
    env: { CCR_STATE_DIR: stateDir, PORT: String(port) },
    port,
  });
}

/**
 * A bench-only Worker: `wrangler dev --config <config>` on `port`, persisting under `stateDir`.
 * `frozen`: serve a bundle made once (for Workers that import product code, see frozenBuild).
 */
export async function startWorker({
  name,
  config,
  stateDir,
  port,
  readyPath = "/",
  inspectorPort = port + 1000,
  frozen = false,
}) {
  const script = frozen ? [await frozenBuild(name, config), "--no-bundle"] : [];
  return startServer({
    name,
    argv: [
      WRANGLER,
      "dev",
      ...script,
      "--config",
      config,
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      stateDir,
      "--inspector-port",
      String(inspectorPort),
      "--show-interactive-dev-session=false",
    ],
    port,
    readyPath,
  });
}

/** CPU time (user + system) of a process in ms, from /proc/<pid>/stat (clock ticks of 10 ms). */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return null;
  }
}

/** Jiffies of the whole machine (all CPUs): `{ busy, total }` from /proc/stat, ×10 for ms. */
export function machineCpu() {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = f[3] + f[4];
  return { busy: (total - idle) * 10, total: total * 10 };
}
