// P3 API list under load: `GET /api/v1/calls?limit=50&<one filter>` for a tenant holding
// 100,000 calls, 10 concurrent keep-alive connections under `wrangler dev`, against `/healthz`
// measured in the same run. Closed-loop generator (bench/lib/http.mjs): 2 s warm-up, 10 s
// measured per endpoint.

import { bigState } from "./lib/bigstate.mjs";
import { environmentNote, fmt, fmtInt, log, median, pct, table } from "./lib/common.mjs";
import { load, request } from "./lib/http.mjs";
import { cpuMs, machineCpu, startPlatform } from "./lib/platform.mjs";

const PORT = 8795;
const CONCURRENCY = 10;
const WARMUP_MS = 2000;
const DURATION_MS = 10_000;
const MIN_RATIO = 0.4;
const MAX_P99_MS = 50;

export async function p3() {
  const big = await bigState();
  const server = await startPlatform({ name: "p3-platform", stateDir: big.stateDir, port: PORT });
  const runs = [];
  try {
    const keys = big.keys;
    const auth = (i) => ({ authorization: `Bearer ${keys[i % keys.length]}` });
    const i = big.info;
    const list = (q) => `/api/v1/calls?${new URLSearchParams({ limit: "50", ...q })}`;

    // Sanity: every URL answers 200 with a full page before it is timed.
    const first = await request(`${server.url}${list({ team: i.team.value })}`, { headers: auth(0) });
    if (first.status !== 200)
      throw new Error(`GET /api/v1/calls?team=… → ${first.status} ${first.text.slice(0, 400)}`);
    const page1 = first.json();
    const endpoints = [
      { label: "`/healthz`", path: "/healthz", peer: true },
      {
        label: `\`team=${i.team.value}\``,
        path: list({ team: i.team.value }),
        judged: true,
        matching: i.team.rows,
      },
      { label: "`agentId=…`", path: list({ agentId: i.agent.value }), judged: true, matching: i.agent.rows },
      { label: "`status=failed`", path: list({ status: "failed" }), judged: true, matching: i.status.rows },
      {
        label: "`from`/`to` (7 days)",
        path: list({ from: String(i.range.from), to: String(i.range.to) }),
        judged: true,
        matching: i.range.rows,
      },
      { label: "no filter", path: list({}), matching: i.total },
      ...(page1.nextCursor
        ? [
            {
              label: "`team`, page 2 (`cursor`)",
              path: list({ team: i.team.value, cursor: page1.nextCursor }),
              matching: i.team.rows,
            },
          ]
        : []),
      { label: "`q=remboursement`", path: list({ q: "remboursement" }) },
    ];
    for (const e of endpoints) {
      const r = await request(`${server.url}${e.path}`, { headers: e.peer ? {} : auth(1) });
      if (r.status !== 200) throw new Error(`GET ${e.path} → ${r.status} ${r.text.slice(0, 400)}`);
      if (!e.peer) e.pageRows = r.json().data.length;
    }

    // Each list endpoint is measured between two /healthz runs: its ratio uses their mean, so
    // a change in background load (other work on this 2-core machine) hits both sides alike.
    const peer = endpoints.find((e) => e.peer);
    const lists = endpoints.filter((e) => !e.peer);
    const order = [peer];
    for (const e of lists) order.push(e, peer);
    // One untimed pass over every endpoint first (JIT, D1 page cache, rate-limiter objects), so
    // the first /healthz run is not the only one to pay for a cold start.
    for (const e of endpoints)
      await load({
        url: `${server.url}${e.path}`,
        headersFor: e.peer ? () => ({}) : auth,
        concurrency: CONCURRENCY,
        warmupMs: 0,
        durationMs: e.peer ? 2000 : 1000,
      });
    const P = server.processes();
    const ours = [server.pid, ...P.all.map((p) => p.pid)];
    for (const e of order) {
      const cpu0 = {
        r: cpuMs(P.runtime),
        p: cpuMs(P.proxy),
        n: cpuMs(P.wrangler),
        ours: ours.map(cpuMs),
        self: process.cpuUsage(),
        m: machineCpu(),
      };
      const r = await load({
        url: `${server.url}${e.path}`,
        headersFor: e.peer ? () => ({}) : auth,
        concurrency: CONCURRENCY,
        warmupMs: WARMUP_MS,
        durationMs: DURATION_MS,
      });
      const self = process.cpuUsage(cpu0.self);
      const m = machineCpu();
      // CPU over warm-up + measurement, per request of the measured window (an approximation).
      const total = r.requests * ((WARMUP_MS + DURATION_MS) / DURATION_MS);
      const oursMs =
        ours.reduce((sum, pid, k) => sum + ((cpuMs(pid) ?? 0) - (cpu0.ours[k] ?? 0)), 0) +
        (self.user + self.system) / 1000;
      r.cpu = {
        runtime: (cpuMs(P.runtime) - cpu0.r) / total,
        proxy: (cpuMs(P.proxy) - cpu0.p) / total,
        wrangler: (cpuMs(P.wrangler) - cpu0.n) / total,
        generator: (self.user + self.system) / 1000 / total,
        // Share of the machine's CPU (2 cores = 100%) used by processes other than this benchmark.
        others: Math.max(0, (m.busy - cpu0.m.busy - oursMs) / (m.total - cpu0.m.total)),
      };
      if (server.processes().runtime !== P.runtime)
        throw new Error("the Worker runtime restarted during the measurement");
      log(
        `${e.label.replaceAll("`", "")}: ${fmt(r.rps, 0)} req/s, p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms, statuses ${JSON.stringify(r.statuses)}${r.errors ? `, ${r.errors} errors (${r.firstError})` : ""}, other load ${pct(r.cpu.others)}`,
      );
      runs.push({ ...e, r });
    }
  } finally {
    await server.stop();
  }

  // Pair each list run with the /healthz runs just before and after it.
  const rows = [];
  const peers = runs.filter((x) => x.peer);
  const okStatus = (x) => x.r.errors === 0 && Object.keys(x.r.statuses).every((s) => s === "200");
  runs.forEach((x, k) => {
    if (x.peer) return;
    const around = [runs[k - 1], runs[k + 1]].filter((y) => y?.peer);
    x.peerRps = around.reduce((s, y) => s + y.r.rps, 0) / around.length;
    x.ratio = x.r.rps / x.peerRps;
    x.pass = okStatus(x) && x.ratio >= MIN_RATIO && x.r.p99 <= MAX_P99_MS;
    rows.push(x);
  });
  const healthRps = median(peers.map((x) => x.r.rps));
  const healthP99 = median(peers.map((x) => x.r.p99));
  const peersOk = peers.every(okStatus);
  const judged = rows.filter((x) => x.judged);
  const pass = judged.every((x) => x.pass) && peersOk;
  const team = judged[0];
  const misses = judged.filter((x) => !x.pass);
  const summary =
    `/healthz ${fmt(healthRps, 0)} req/s (median of ${peers.length}); team filter ${fmt(team.r.rps, 0)} req/s = ${pct(team.ratio)} (≥ 40%), ` +
    `p99 ${fmt(team.r.p99)} ms (≤ 50): ${team.pass ? "pass" : "FAIL"}` +
    (misses.length
      ? ` — missed: ${misses.map((x) => `${x.label.replaceAll("`", "")} ${pct(x.ratio)} p99 ${fmt(x.r.p99)} ms`).join("; ")}`
      : "") +
    `; all single filters: ${pass ? "pass" : "FAIL"}`;

  const cpuCell = (x) => `${fmt(x.r.cpu.runtime, 1)} + ${fmt(x.r.cpu.proxy, 1)}`;
  const md = [
    `${CONCURRENCY} concurrent keep-alive connections, closed loop (Node \`http\`), ${WARMUP_MS / 1000} s warm-up then ` +
      `${DURATION_MS / 1000} s measured per run. Each list endpoint runs between two \`/healthz\` runs and its ratio uses ` +
      "their mean, so a change in background load hits both sides. Server: `scripts/dev.mjs` → `wrangler dev` " +
      `(port ${PORT}, state \`${big.stateDir}\`) serving the Worker bundled once at the start of the run. ` +
      `Tenant: ${fmtInt(big.info.total)} calls over 180 days, 300 agents in 20 teams, every status, ` +
      `${fmtInt(big.info.ftsRows)} with FTS rows; pages of 50. Requests rotate over ${big.keys.length} API keys of the ` +
      "tenant (the API allows 600 requests a minute per key; every request still authenticates and hits its key's rate " +
      "limiter). Verdict on the four single-filter rows: ratio ≥ 40% and p99 ≤ 50 ms, every answer 200; the other rows " +
      "are information.",
    "",
    table(
      [
        "GET /api/v1/calls?limit=50&…",
        "Matching",
        "req/s",
        "/healthz req/s",
        "Ratio",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "CPU ms/req",
        "Other load",
        "Result",
      ],
      rows.map((x) => [
        x.label,
        x.matching === undefined ? "" : fmtInt(x.matching),
        `**${fmt(x.r.rps, 0)}**`,
        fmt(x.peerRps, 0),
        `**${pct(x.ratio)}**`,
        fmt(x.r.p50),
        fmt(x.r.p95),
        `**${fmt(x.r.p99)}**`,
        cpuCell(x),
        pct(x.r.cpu.others),
        !okStatus(x)
          ? `**FAIL** ${JSON.stringify(x.r.statuses)}${x.r.errors ? ` ${x.r.errors} errors` : ""}`
          : x.judged
            ? x.pass
              ? "pass"
              : "**FAIL**"
            : x.ratio >= MIN_RATIO && x.r.p99 <= MAX_P99_MS
              ? "(info) within"
              : "(info) outside",
      ]),
      "lrrrrrrrrrl",
    ),
    "",
    `\`/healthz\`: median ${fmt(healthRps, 0)} req/s, p99 ${fmt(healthP99)} ms over ${peers.length} runs ` +
      `(${peers.map((x) => fmt(x.r.rps, 0)).join(", ")} req/s)${peersOk ? "" : " — **some answers were not 200**"}; ` +
      `${cpuCell(peers[0])} ms CPU per request. ` +
      "CPU ms/req: the workerd running the Worker (with local D1) + the workerd proxy wrangler puts in front of it; " +
      `wrangler's Node process adds about ${fmt(median(runs.map((x) => x.r.cpu.wrangler)), 1)} ms and this generator ` +
      `${fmt(median(runs.map((x) => x.r.cpu.generator)), 1)} ms per request. Other load: CPU used by processes outside ` +
      "this benchmark during the run (2 cores = 100%). With 10 connections in a closed loop the mean latency is " +
      "10 / throughput, so p99 ≤ 50 ms needs well over 200 req/s on the endpoint itself.",
    "",
    `Measured ${environmentNote()}.`,
  ];
  return { pass, summary, markdown: md.join("\n") };
}
