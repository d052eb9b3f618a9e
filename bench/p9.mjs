// P9 Bulk import: N NDJSON calls with ~150-segment transcripts through ONE import, uploaded with
// the multipart upload API; `POST /api/v1/imports` answers ≤ 1 s; every item ends created, none
// lost, none twice; target: all done ≤ 10 minutes for 10,000 calls under `wrangler dev`.
//
// A fresh state (migrations + dev seed, demo calls off), a bench tenant, N lines (P2's transcript
// generator), uploaded in 16 MiB parts; the POST is timed, then the import is polled through
// `GET /api/v1/imports/{id}` until it ends. Lost / twice are read from the local D1 file after the
// server stops (calls per externalId). `BENCH_P9_CALLS` sets N (default 10,000); a smaller N is
// extrapolated linearly in the summary — say so when quoting it.

import { rmSync } from "node:fs";
import path from "node:path";
import { environmentNote, fmt, log, prepareState, root, sleep, table } from "./lib/common.mjs";
import { request } from "./lib/http.mjs";
import { startPlatform } from "./lib/platform.mjs";
import { transcript } from "./lib/text.mjs";

const PORT = 8799;
const STATE = ".wrangler/bench-state-p9";
// The dev seed's EU demo tenant and its published key (README): this Node has no node:sqlite, so
// the bench makes no tenant of its own and counts the calls through the API.
const KEY = "ccr_live_eudemo22222222222222222222222222";
const N = Number(process.env.BENCH_P9_CALLS ?? 10_000);
const TARGET = 10_000;
const BUDGET_S = 600;
const PART = 16 * 1024 * 1024;

function line(i) {
  const tr = transcript(9000 + i);
  return JSON.stringify({
    externalId: `p9-${i}`,
    startedAt: Date.now() - i * 60_000,
    language: tr.language,
    agent: { externalId: `P9-AG-${i % 25}`, team: `Team ${i % 5}` },
    transcript: { format: "json", content: { segments: tr.segments } },
  });
}

export async function p9() {
  rmSync(path.join(root, STATE), { recursive: true, force: true });
  await prepareState(STATE);
  const key = KEY;
  const file = Buffer.from(`${Array.from({ length: N }, (_, i) => line(i)).join("\n")}\n`);
  const segments = transcript(9000).segments.length;
  const server = await startPlatform({
    name: "p9-platform",
    stateDir: STATE,
    port: PORT,
    extra: ["--no-demo-calls"],
    frozen: false,
  });
  const auth = { authorization: `Bearer ${key}` };
  let uploadMs = 0;
  let postMs = 0;
  let importMs = null;
  let final = null;
  let calls = 0;
  const seen = new Set();
  const statusCount = new Map();
  try {
    const t0 = performance.now();
    const up = await request(`${server.url}/api/v1/uploads`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ size: file.length, partSize: PART }),
    });
    if (up.status !== 201) throw new Error(`upload: ${up.status} ${up.text}`);
    const { uploadId, parts } = up.json();
    for (let n = 1; n <= parts; n++) {
      const r = await request(`${server.url}/api/v1/uploads/${uploadId}/parts/${n}`, {
        method: "PUT",
        headers: { ...auth, "content-type": "application/octet-stream" },
        body: file.subarray((n - 1) * PART, Math.min(file.length, n * PART)),
      });
      if (r.status !== 200) throw new Error(`part ${n}: ${r.status} ${r.text}`);
    }
    const done = await request(`${server.url}/api/v1/uploads/${uploadId}/complete`, {
      method: "POST",
      headers: auth,
    });
    if (done.status !== 200) throw new Error(`complete: ${done.status} ${done.text}`);
    uploadMs = performance.now() - t0;
    const t1 = performance.now();
    const post = await request(`${server.url}/api/v1/imports`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ uploadId, name: "p9.ndjson" }),
    });
    postMs = performance.now() - t1;
    if (post.status !== 202) throw new Error(`import: ${post.status} ${post.text}`);
    const { id } = post.json();
    const until = Date.now() + 30 * 60_000;
    let lastLog = 0;
    while (Date.now() < until) {
      const r = await request(`${server.url}/api/v1/imports/${id}?limit=1`, { headers: auth });
      final = r.json();
      if (final.status === "done" || final.status === "failed") {
        importMs = performance.now() - t1;
        break;
      }
      if (Date.now() - lastLog > 30_000) {
        log(`P9: ${final.status} ${final.processed}/${final.total ?? "?"}`);
        lastLog = Date.now();
      }
      await sleep(1000);
    }
    // Calls per externalId, through the API (every page of the list).
    let cursor = null;
    do {
      const r = await request(`${server.url}/api/v1/calls?limit=200${cursor ? `&cursor=${cursor}` : ""}`, {
        headers: auth,
      });
      if (r.status !== 200) throw new Error(`list: ${r.status} ${r.text.slice(0, 200)}`);
      const j = r.json();
      for (const c of j.data) {
        if (!String(c.externalId ?? "").startsWith("p9-")) continue;
        calls++;
        seen.add(c.externalId);
        statusCount.set(c.status, (statusCount.get(c.status) ?? 0) + 1);
      }
      cursor = j.nextCursor;
    } while (cursor);
  } finally {
    await server.stop();
  }
  const distinct = seen.size;
  const statuses = [...statusCount].map(([status, n]) => ({ status, n }));
  const lost = N - distinct;
  const twice = calls - distinct;
  const perCallMs = importMs === null ? null : importMs / N;
  const projectedS = perCallMs === null ? null : (perCallMs * TARGET) / 1000;
  const pass =
    final?.status === "done" &&
    final.created === N &&
    lost === 0 &&
    twice === 0 &&
    postMs <= 1000 &&
    projectedS !== null &&
    projectedS <= BUDGET_S;
  const rows = [
    [
      N.toLocaleString("en-US"),
      `${fmt(file.length / 1024 / 1024, 1)} MB`,
      `${fmt(uploadMs / 1000, 1)} s`,
      `**${fmt(postMs, 0)} ms**`,
      importMs === null ? "**not done in 30 min**" : `**${fmt(importMs / 1000, 1)} s**`,
      perCallMs === null ? "n/a" : `${fmt(perCallMs, 1)} ms`,
      projectedS === null ? "n/a" : `${fmt(projectedS, 0)} s${N === TARGET ? "" : " (extrapolated)"}`,
      `${BUDGET_S} s`,
      String(lost),
      String(twice),
      pass ? "pass" : "**FAIL**",
    ],
  ];
  const markdown = [
    `Fresh state, one NDJSON file of ${N.toLocaleString("en-US")} calls (each a ~${segments}-segment JSON transcript, as P2), uploaded through \`/api/v1/uploads\` in 16 MiB parts, then one \`POST /api/v1/imports\`; the clock runs from that POST until the import is \`done\` (the \`call_import\` job on the local \`ccr-jobs\` queue under \`wrangler dev\`: scan, then 50 items a step created together). Import result: ${final ? `${final.status}, ${final.created} created, ${final.existing} existing, ${final.errors} errors` : "n/a"}. Call statuses at the end (analysis runs behind, on its own queue): ${statuses.map((s) => `${s.status} ${s.n}`).join(", ")}.`,
    "",
    table(
      [
        "Calls",
        "File",
        "Upload",
        "POST /imports",
        "Import done after",
        "Per call",
        "10,000 calls",
        "Target",
        "Lost",
        "Twice",
        "Result",
      ],
      rows,
      "rrrrrrrrrrl",
    ),
    "",
    `Measured ${environmentNote()}.`,
  ].join("\n");
  if (final?.errors) log(`P9: ${final.errors} item errors`);
  return {
    pass,
    summary: `${N} calls imported in ${importMs === null ? "n/a" : fmt(importMs / 1000, 1)} s (POST ${fmt(postMs, 0)} ms), lost ${lost}, twice ${twice}`,
    markdown,
  };
}
