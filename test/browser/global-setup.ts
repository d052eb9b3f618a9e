import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";

/**
 * Starts the platform the way a developer does (`scripts/dev.mjs`: migrations, dev seed,
 * `wrangler dev`) on its own port and state directory, waits for /healthz, and stops it after.
 */
// CCR_E2E_PORT: another port when several people run the browser tests on one machine.
const PORT = process.env.CCR_E2E_PORT ?? "8791";
/** The mock OpenID Connect issuer and DNS resolver of the SSO browser test (test/browser/sso.browser.test.ts). */
export const MOCK_IDP_PORT = Number(process.env.CCR_E2E_IDP_PORT ?? 8832);
const STATE = ".wrangler/e2e-state";
let child: ChildProcess | undefined;

export default async function setup({ provide }: { provide: (k: string, v: string) => void }) {
  const root = path.resolve(import.meta.dirname, "../..");
  rmSync(path.join(root, STATE), { recursive: true, force: true });
  child = spawn(
    process.execPath,
    [
      "scripts/dev.mjs",
      // Links and the SSO redirect URI point at this instance; the DNS check of the SSO domain
      // goes to the mock resolver of the SSO browser test (development only).
      "--var",
      `APP_URL:http://127.0.0.1:${PORT}`,
      "--var",
      `DOH_URL:http://127.0.0.1:${MOCK_IDP_PORT}/dns-query`,
    ],
    {
      cwd: root,
      env: { ...process.env, PORT, CCR_STATE_DIR: STATE },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
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
    if (Date.now() > deadline) {
      stop(); // a server left running keeps its port and state directory for the next run
      throw new Error(`dev server did not start in 120 s:\n${out.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  provide("baseUrl", base);
  provide("idpPort", String(MOCK_IDP_PORT));
  return async () => stop();
}

function stop() {
  if (child?.pid) {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
}
