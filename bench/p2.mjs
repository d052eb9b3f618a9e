// P2 Pipeline: 1,000 transcript calls posted through the API are all `done` through the local
// queues in ≤ 60 s; none lost, none analysed twice.
//
// A fresh state (migrations + dev seed, demo calls off), a bench tenant with 10 API keys (the API
// allows 600 requests a minute per key), 1,000 `POST /api/v1/calls` with an inline 10-minute JSON
// transcript at 10 concurrent connections, then the clock runs until every call is `done` (polled
// through the API). Lost = calls not done at the deadline; twice = calls with more than one row in
// `analyses` (read from the local D1 file after the server stops).

import { rmSync } from "node:fs";
import path from "node:path";
import { environmentNote, fmt, log, prepareState, root, sleep, table } from "./lib/common.mjs";
import { createTenant, d1Files, openDb } from "./lib/d1.mjs";
import { request } from "./lib/http.mjs";
import { startPlatform } from "./lib/platform.mjs";
import { transcript } from "./lib/text.mjs";

const PORT = 8797;
const STATE = ".wrangler/bench-state-p2";
const TENANT = "ten_bench_p2";
const N = Number(process.env.BENCH_P2_CALLS ?? 1000);
const CONCURRENCY = 10;
const BUDGET_S = 60;

function body(i) {
  const tr = transcript(5000 + i);
  return {
    externalId: `p2-${i}`,
    startedAt: Date.now() - i * 60_000,
    language: tr.language,
    agent: { externalId: `P2-AG-${i % 25}`, team: `Team ${i % 5}` },
    transcript: { format: "json", content: { segments: tr.segments } },
  };
}

export async function p2() {
  rmSync(path.join(root, STATE), { recursive: true, force: true });
  await prepareState(STATE);
  const keys = createTenant(STATE, { id: TENANT, name: "Bench P2", keys: 10 });
  const bodies = Array.from({ length: N }, (_, i) => JSON.stringify(body(i)));
  const server = await startPlatform({
    name: "p2-platform",
    stateDir: STATE,
    port: PORT,
    extra: ["--no-demo-calls"],
    frozen: false, // calls are analysed: the analysis Worker must run beside the platform
  });
  let postMs = 0;
  let doneMs = null;
  let created = 0;
  const failures = [];
  let doneCount = 0;
  try {
    const t0 = performance.now();
    let next = 0;
    const deadline = Date.now() + 5 * 60_000;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < N && Date.now() < deadline) {
          const i = next++;
          const res = await request(`${server.url}/api/v1/calls`, {
            method: "POST",
            headers: { authorization: `Bearer ${keys[i % keys.length]}`, "content-type": "application/json" },
            body: bodies[i],
          }).catch((e) => ({ status: 0, text: e.message }));
          if (res.status === 201) created++;
          else failures.push(`#${i}: ${res.status} ${res.text.slice(0, 200)}`);
        }
      }),
    );
    postMs = performance.now() - t0;
    // Count done calls by paging the list (status=done), every second, bounded to 5 minutes.
    const until = Date.now() + 5 * 60_000;
    while (Date.now() < until) {
      let count = 0;
      let cursor = null;
      do {
        const r = await request(
          `${server.url}/api/v1/calls?status=done&limit=200${cursor ? `&cursor=${cursor}` : ""}`,
          { headers: { authorization: `Bearer ${keys[0]}` } },
        );
        if (r.status !== 200) break;
        const j = r.json();
        count += j.data.length;
        cursor = j.nextCursor;
      } while (cursor);
      doneCount = count;
      if (count >= created) {
        doneMs = performance.now() - t0;
        break;
      }
      await sleep(1000);
    }
  } finally {
    await server.stop();
  }
  const db = openDb(d1Files(STATE).dataEu, { readOnly: true });
  const twice = db
    .prepare(
      "select count(*) as n from (select call_id from analyses where tenant_id = ? group by call_id having count(*) > 1)",
    )
    .get(TENANT).n;
  const analysed = db
    .prepare("select count(distinct call_id) as n from analyses where tenant_id = ?")
    .get(TENANT).n;
  const statuses = db
    .prepare("select status, count(*) as n from calls where tenant_id = ? group by status")
    .all(TENANT);
  db.close();
  const lost = N - doneCount;
  const pass =
    doneMs !== null && doneMs / 1000 <= BUDGET_S && lost === 0 && twice === 0 && failures.length === 0;
  if (failures.length) log(`P2: ${failures.length} create failures; first: ${failures[0]}`);
  const rows = [
    [
      fmtInt(N),
      `${fmt(postMs / 1000, 1)} s (${fmt(N / (postMs / 1000), 0)} calls/s)`,
      doneMs === null ? "**not all done in 5 min**" : `**${fmt(doneMs / 1000, 1)} s**`,
      `${fmt(BUDGET_S, 0)} s`,
      String(lost),
      String(twice),
      String(analysed),
      pass ? "pass" : "**FAIL**",
    ],
  ];
  const markdown = [
    `Fresh state, ${N} calls each with a ~150-segment / ~1,500-word JSON transcript, posted at ${CONCURRENCY} concurrent connections over 10 API keys; the clock runs from the first POST until the last call is \`done\` (local queues under \`wrangler dev\`: \`ccr-analyze\` batches of 10, built-in engine). Statuses at the end: ${statuses.map((s) => `${s.status} ${s.n}`).join(", ")}.`,
    "",
    table(
      ["Calls", "Posting", "All done after", "Target", "Lost", "Analysed twice", "Analyses", "Result"],
      rows,
      "rrrrrrrl",
    ),
    "",
    `Measured ${environmentNote()}.`,
  ].join("\n");
  return {
    pass,
    summary: `${N} calls done in ${doneMs === null ? "n/a" : fmt(doneMs / 1000, 1)} s, lost ${lost}, twice ${twice}`,
    markdown,
  };
}

const fmtInt = (n) => Math.round(n).toLocaleString("en-US");
