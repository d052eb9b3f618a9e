// P5 Dashboard KPIs: for a period over 100,000 calls, `GET /api/v1/reports/kpis` in ≤ 50 ms
// through the daily rollups, and the D1 time of its SQL ≤ 2× the same SQL run directly on SQLite
// (`node:sqlite`) over the same data. Uses the 100,000-call fixture (bench/lib/bigstate.mjs):
// its days are marked dirty and rebuilt by the product's own code in a bench-only probe Worker
// (bench/probe-p5), which also runs getKpis() with each statement's SQL, parameters and D1
// `meta.duration` recorded; the same statements then run on node:sqlite against the same file.

import path from "node:path";
import { bigState } from "./lib/bigstate.mjs";
import { environmentNote, fmt, fmtInt, log, median, quantile, root, table } from "./lib/common.mjs";
import { d1Files, openDb } from "./lib/d1.mjs";
import { request } from "./lib/http.mjs";
import { startPlatform, startWorker } from "./lib/platform.mjs";

const PORT = 8799;
const PROBE_PORT = 8798;
const N = 40;
const TARGET_MS = 50;

export async function p5() {
  const big = await bigState();
  const files = d1Files(big.stateDir);
  // Every day that holds a call (UTC ± 1 covers the tenant's time zone) is dirty: rebuild all.
  const db = openDb(files.dataEu);
  let span;
  try {
    db.exec(`insert or ignore into kpi_dirty (tenant_id, day, marked_at)
      select distinct tenant_id, date(started_at / 1000 + o, 'unixepoch'), 0 from calls, (select -86400 as o union all select 0 union all select 86400)
      where tenant_id = '${big.tenantId}'`);
    span = db
      .prepare("select min(started_at) as a, max(started_at) as b from calls where tenant_id = ?")
      .get(big.tenantId);
    db.exec("pragma wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
  const from = new Date(span.a).toISOString().slice(0, 10);
  const to = new Date(span.b).toISOString().slice(0, 10);
  const last30 = new Date(span.b - 29 * 86_400_000).toISOString().slice(0, 10);
  const probe = await startWorker({
    name: "p5-probe",
    config: path.join(root, "bench", "probe-p5", "wrangler.toml"),
    stateDir: big.stateDir,
    port: PROBE_PORT,
    frozen: true,
  });
  const t0 = Date.now();
  const cases = [
    { label: `all ${fmtInt(big.info.total)} calls, ${from} → ${to}`, q: { from, to } },
    { label: `team=${big.info.team.value}, same period`, q: { from, to, team: big.info.team.value } },
    { label: `last 30 days (${last30} → ${to})`, q: { from: last30, to } },
  ];
  const probed = [];
  try {
    const rb = await request(`${probe.url}/rebuild?tenant=${big.tenantId}`, {
      method: "POST",
      timeoutMs: 1_800_000,
    });
    if (rb.status !== 200) throw new Error(`probe /rebuild: ${rb.status} ${rb.text}`);
    log(`p5: ${rb.json().days} days of rollups rebuilt in ${fmt((Date.now() - t0) / 1000)} s`);
    for (const c of cases) {
      const runs = [];
      for (let i = 0; i < 7; i++) {
        const r = await request(
          `${probe.url}/kpis?${new URLSearchParams({ tenant: big.tenantId, ...c.q, repeat: "50" })}`,
        );
        if (r.status !== 200) throw new Error(`probe /kpis: ${r.status} ${r.text}`);
        runs.push(r.json());
      }
      probed.push({ ...c, runs });
    }
  } finally {
    await probe.stop();
  }

  // The same statements on node:sqlite, same file.
  const raw = openDb(files.dataEu, { readOnly: true });
  for (const c of probed) {
    const stmts = c.runs[0].statements;
    const times = [];
    for (let i = 0; i < 30; i++) {
      const s0 = performance.now();
      for (const s of stmts) raw.prepare(s.sql).all(...s.params);
      times.push(performance.now() - s0);
    }
    c.sqliteMs = median(times);
    c.d1Ms = median(c.runs.map((r) => r.wallMs));
    c.statements = stmts.length;
    c.totals = c.runs[0].totals;
  }
  raw.close();

  // End to end through the API.
  let healthz = 0;
  const server = await startPlatform({ name: "p5-platform", stateDir: big.stateDir, port: PORT });
  try {
    const auth = { authorization: `Bearer ${big.keys[0]}` };
    for (const c of probed) {
      const url = `${server.url}/api/v1/reports/kpis?${new URLSearchParams(c.q)}`;
      const first = await request(url, { headers: auth });
      if (first.status !== 200) throw new Error(`GET ${url} → ${first.status} ${first.text.slice(0, 300)}`);
      if (first.json().totals.calls !== c.totals.calls)
        throw new Error("API and probe disagree on the totals");
      for (let i = 0; i < 10; i++) await request(url, { headers: auth }); // warm-up
      const ms = [];
      for (let i = 0; i < N; i++) {
        const s0 = performance.now();
        const r = await request(url, { headers: auth });
        ms.push(performance.now() - s0);
        if (r.status !== 200) throw new Error(`GET ${url} → ${r.status}`);
      }
      ms.sort((a, b) => a - b);
      c.httpMedian = median(ms);
      c.httpP95 = quantile(ms, 0.95);
    }
    // The /healthz floor of this machine, same connection pattern.
    const hz = [];
    for (let i = 0; i < N; i++) {
      const s0 = performance.now();
      await request(`${server.url}/healthz`);
      hz.push(performance.now() - s0);
    }
    hz.sort((a, b) => a - b);
    healthz = median(hz);
  } finally {
    await server.stop();
  }

  const pass = probed.every((c) => c.httpMedian <= TARGET_MS && c.d1Ms <= 2 * c.sqliteMs);
  const markdown = [
    `Measured ${environmentNote()}; tenant with ${fmtInt(big.info.total)} calls (${big.stateDir}); ${N} sequential requests per case after one warm-up, keep-alive, API key auth and rate limiting included. \`/healthz\` median in the same run: ${fmt(healthz)} ms.`,
    "",
    table(
      [
        "Query",
        "Source",
        "Statements",
        "API median / p95",
        "getKpis() through D1 (wall)",
        "Same SQL on node:sqlite",
        "Result",
      ],
      probed.map((c) => [
        c.label,
        c.runs[0].source,
        String(c.statements),
        `${fmt(c.httpMedian)} / ${fmt(c.httpP95)} ms`,
        `${fmt(c.d1Ms, 2)} ms`,
        `${fmt(c.sqliteMs, 2)} ms`,
        c.httpMedian <= TARGET_MS && c.d1Ms <= 2 * c.sqliteMs
          ? "**pass**"
          : c.httpMedian <= TARGET_MS
            ? `50 ms **pass**; ratio ${fmt(c.d1Ms / c.sqliteMs)}× **fail**`
            : "fail",
      ]),
    ),
    "",
    "The D1 column is the wall time of getKpis() in a bench-only Worker, run 50 times in a loop through the local D1 binding (its statements: the rollup select, the label select, the pending-days count; D1's own `meta.duration` is whole milliseconds locally and reads 0–1 ms for these). node:sqlite runs exactly those statements with the same parameters on the same SQLite file. A period sums at most one rollup row per day and dimension, whatever the number of calls.",
  ].join("\n");
  return {
    pass,
    summary: probed
      .map((c) => `${fmt(c.httpMedian)} ms API, D1 ${fmt(c.d1Ms, 2)} vs sqlite ${fmt(c.sqliteMs, 2)} ms`)
      .join("; "),
    markdown,
  };
}
