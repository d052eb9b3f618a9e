// P7 Retention: purging 100,000 expired calls (rows and objects). The cron only enqueues (it
// starts one job per tenant; tested in test/governance.test.ts); here the job itself is measured:
// a bench-only probe Worker (bench/probe-p7) runs the product's retention job step by step, as the
// `ccr-jobs` consumer would, and counts what each step does — D1 statements and calls, R2
// operations, queue sends — to compare with the Workers and D1 per-invocation limits (workerd
// does not enforce them locally). Part way through, the workerd process is killed with SIGKILL
// in the middle of a step; a new one resumes the job from its saved progress.

import { rmSync } from "node:fs";
import path from "node:path";
import {
  environmentNote,
  fmt,
  fmtInt,
  log,
  median,
  prepareState,
  quantile,
  root,
  table,
} from "./lib/common.mjs";
import { createTenant, seedCalls } from "./lib/d1.mjs";
import { request } from "./lib/http.mjs";
import { startWorker } from "./lib/platform.mjs";

const PORT = 8821;
const STATE = ".wrangler/bench-state-p7";
const TENANT = "ten_bench_p7";
const N = Number(process.env.BENCH_P7_CALLS ?? 100_000);
const DAY = 86_400_000;
/** Workers: subrequests per invocation (Free 50, Paid 1,000); D1: queries per invocation (Free 50, Paid 1,000). */
const LIMITS = { subrequestsFree: 50, subrequestsPaid: 1000, d1Free: 50, d1Paid: 1000 };

async function probe() {
  return startWorker({
    name: "p7-probe",
    config: path.join(root, "bench", "probe-p7", "wrangler.toml"),
    stateDir: STATE,
    port: PORT,
    frozen: true,
  });
}

async function post(url) {
  const res = await request(url, { method: "POST", timeoutMs: 600_000 });
  const body = res.json();
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${body?.error ?? res.text}`);
  return body;
}

export async function p7() {
  const t0 = Date.now();
  rmSync(path.join(root, STATE), { recursive: true, force: true });
  await prepareState(STATE);
  createTenant(STATE, { id: TENANT, name: "Bench P7 (purge)" });
  // Every call at least 2 years old: recordings, transcripts, analyses and the rows all expired.
  const info = seedCalls(STATE, { tenantId: TENANT, n: N, now: Date.now() - 800 * DAY });
  log(`p7: ${fmtInt(info.total)} calls seeded in ${fmt(info.ms / 1000)} s`);

  let server = await probe();
  const steps = [];
  let objects = 0;
  let kill = null;
  let jobId;
  try {
    const ts = Date.now();
    let after = "";
    for (;;) {
      const r = await post(`${server.url}/seed?tenant=${TENANT}&after=${after}&limit=1000`);
      objects += r.put;
      if (!r.last) break;
      after = r.last;
    }
    log(`p7: ${fmtInt(objects)} R2 objects seeded in ${fmt((Date.now() - ts) / 1000)} s`);

    jobId = (await post(`${server.url}/start?tenant=${TENANT}`)).jobId;
    const tp = Date.now();
    let body;
    let killAt = null;
    for (;;) {
      body = await post(`${server.url}/steps?job=${jobId}&max=200`);
      steps.push(...body.steps);
      if (body.status === "done" || body.status === "failed") break;
      // Kill once, in the call-rows phase, in the middle of a request running steps.
      if (!kill && body.progress?.phase === "calls" && (body.progress.counts?.calls ?? 0) > N / 4) {
        killAt = { stepsSaved: steps.length, counts: body.progress.counts };
        const inflight = request(`${server.url}/steps?job=${jobId}&max=100000`, {
          method: "POST",
          timeoutMs: 600_000,
        }).catch(() => null);
        await new Promise((r) => setTimeout(r, 700));
        const pid = server.workerdPid();
        if (pid) process.kill(pid, "SIGKILL");
        await inflight;
        await server.stop();
        server = await probe();
        const after = await post(`${server.url}/steps?job=${jobId}&max=0`);
        kill = { ...killAt, resumedFromCounts: after.progress.counts, phase: after.progress.phase };
        log(`p7: killed workerd mid-step; resumed at calls=${after.progress.counts.calls}`);
      }
    }
    const purgeMs = Date.now() - tp;
    const left = (await request(`${server.url}/left?tenant=${TENANT}`)).json();
    return report({ steps, objects, purgeMs, left, body, kill, seedMs: Date.now() - t0 });
  } finally {
    await server.stop();
  }
}

function report({ steps, objects, purgeMs, left, body, kill }) {
  const work = steps.filter((s) => s.outcome === "ran" || s.outcome === "finished");
  const max = (k) => Math.max(...work.map((s) => s[k]));
  const sub = work.map((s) => s.d1Calls + s.r2Ops + s.queueSends);
  const ms = work.map((s) => s.ms).sort((a, b) => a - b);
  const byPhase = {};
  for (const s of work) {
    byPhase[s.phase] ??= { steps: 0, d1: 0, r2: 0, sub: 0 };
    const p = byPhase[s.phase];
    p.steps++;
    p.d1 = Math.max(p.d1, s.d1Statements);
    p.r2 = Math.max(p.r2, s.r2Ops);
    p.sub = Math.max(p.sub, s.d1Calls + s.r2Ops + s.queueSends);
  }
  const counts = body.result?.counts ?? {};
  const maxSub = Math.max(...sub);
  const pass =
    body.status === "done" &&
    left.rows === 0 &&
    left.objects === 0 &&
    maxSub <= LIMITS.subrequestsFree &&
    max("d1Statements") <= LIMITS.d1Free;
  const rows = Object.entries(byPhase).map(([ph, p]) => [
    ph,
    fmtInt(p.steps),
    fmtInt(p.d1),
    fmtInt(p.r2),
    fmtInt(p.sub),
  ]);
  const markdown = [
    `Measured ${environmentNote()}; ${fmtInt(N)} expired calls (${fmtInt(objects)} R2 objects: recordings and transcripts) in one tenant.`,
    "",
    table(
      ["Measure", "Value", "Limit", "Result"],
      [
        ["Steps (queue messages that did work)", fmtInt(work.length), "", ""],
        [
          "Largest step: D1 statements",
          fmtInt(max("d1Statements")),
          `${LIMITS.d1Free} (Free) / ${fmtInt(LIMITS.d1Paid)} (Paid) queries per invocation`,
          max("d1Statements") <= LIMITS.d1Free ? "**pass**" : "fail",
        ],
        [
          "Largest step: subrequests (D1 calls + R2 ops + queue sends)",
          fmtInt(maxSub),
          `${LIMITS.subrequestsFree} (Free) / ${fmtInt(LIMITS.subrequestsPaid)} (Paid) per invocation`,
          maxSub <= LIMITS.subrequestsFree ? "**pass**" : "fail",
        ],
        ["Step duration, median / p99", `${fmt(median(ms))} / ${fmt(quantile(ms, 0.99))} ms`, "", ""],
        [
          "Whole purge, wall time",
          `${fmt(purgeMs / 1000)} s (${fmt(N / (purgeMs / 1000), 0)} calls/s)`,
          "",
          "",
        ],
        [
          "Left after the run: call rows / R2 objects",
          `${left.rows} / ${left.objects}`,
          "0 / 0",
          left.rows + left.objects === 0 ? "**pass**" : "fail",
        ],
        [
          "Reported: calls / recordings / transcripts / objects",
          `${fmtInt(counts.calls)} / ${fmtInt(counts.recordings)} / ${fmtInt(counts.transcripts)} / ${fmtInt(counts.objects)}`,
          "",
          "",
        ],
      ],
    ),
    "",
    "Largest step per phase:",
    "",
    table(["Phase", "Steps", "D1 statements", "R2 ops", "Subrequests"], rows),
    "",
    kill
      ? `Kill test: workerd was killed with SIGKILL during a step of the \`${kill.phase}\` phase after at least ${fmtInt(kill.counts.calls)} call rows had been reported deleted; the new workerd resumed from the saved progress (${fmtInt(kill.resumedFromCounts.calls)} calls) — no finished step ran again; only the step in flight at the kill was redone (its deletions found nothing left or finished them).`
      : "Kill test: not run (the run ended before the call-rows phase reached a quarter).",
  ].join("\n");
  return {
    pass,
    summary: `${fmtInt(work.length)} steps, ≤ ${max("d1Statements")} D1 statements and ≤ ${maxSub} subrequests per step, ${fmt(purgeMs / 1000)} s, ${left.rows + left.objects} left`,
    markdown,
  };
}
