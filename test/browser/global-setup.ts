import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";

/**
 * Starts the platform the way a developer does (`scripts/dev.mjs`: migrations, dev seed,
 * `wrangler dev`) on its own port and state directory, waits for /healthz, and stops it after.
 */
const PORT = "8791";
const STATE = ".wrangler/e2e-state";
let child: ChildProcess | undefined;

export default async function setup({ provide }: { provide: (k: string, v: string) => void }) {
  const root = path.resolve(import.meta.dirname, "../..");
  rmSync(path.join(root, STATE), { recursive: true, force: true });
  child = spawn(process.execPath, ["scripts/dev.mjs"], {
    cwd: root,
    env: { ...process.env, PORT, CCR_STATE_DIR: STATE },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (out += d));
  const base = `http://127.0.0.1:${PORT}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dev server exited:\n${out}`);
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`dev server did not start in 120 s:\n${out.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  provide("baseUrl", base);
  return async () => {
    if (child?.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  };
}
