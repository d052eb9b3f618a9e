// P8 Capacity: (a) D1 bytes per stored 10-minute call, FTS included, ≤ 6 KB — N realistic calls
// created through the API (`POST /api/v1/calls` with an inline JSON transcript) into a fresh
// state, D1 size before/after; (b) `GET /api/v1/calls` reads ≤ limit + 1 rows — the product's
// listCalls() run by a bench-only probe Worker against the 100,000-call tenant, D1's
// meta.rows_read recorded for each statement.

import { cpSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { bigState } from "./lib/bigstate.mjs";
import {
  environmentNote,
  fmt,
  fmtBytes,
  fmtInt,
  log,
  pct,
  prepareState,
  root,
  sleep,
  table,
} from "./lib/common.mjs";
import { createTenant, d1Files, d1SizeAfter, databaseId, dbStats, openDb, withD1 } from "./lib/d1.mjs";
import { request } from "./lib/http.mjs";
import { LOG_DIR, startPlatform, startWorker } from "./lib/platform.mjs";
import { agentsDirectory, ftsBody, phoneNumber, prng, transcript } from "./lib/text.mjs";

const PORT = 8795;
const PROBE_PORT = 8796;
const STATE = ".wrangler/bench-state-p8";
const TENANT = "ten_bench_p8";
const N = Number(process.env.BENCH_P8_CALLS ?? 2000);
const CONCURRENCY = 4;
const BUDGET_PER_CALL = 6 * 1000; // "6 KB": 6,000 bytes (1.5 M calls × 6 KB ≈ 9 GB < 10 GB)
const LIMIT = 50;

// ---- (a) bytes per call ----------------------------------------------------------------------

function callBody(i, agents) {
  const r = prng(1000 + i);
  const tr = transcript(90_000 + i);
  const a = agents[r.int(agents.length)];
  return {
    externalId: `P8-${String(i).padStart(6, "0")}`,
    startedAt: new Date(Date.UTC(2026, 9, 1) + i * 317_000).toISOString(),
    durationS: 600,
    direction: r.chance(0.8) ? "inbound" : "outbound",
    agent: { externalId: a.externalId, name: a.name, team: a.team },
    queue: r.pick(["Général", "Facturation", "Technique", "Résiliation"]),
    ...(r.chance(0.3) ? { campaign: "Relance été" } : {}),
    language: tr.language,
    customerPhone: phoneNumber(r),
    tags: r.chance(0.3) ? ["rappel"] : [],
    transcript: { format: "json", content: { segments: tr.segments } },
  };
}

/** Groups dbstat b-trees (tables and their indexes) into what a reader cares about. */
function group(name, table) {
  if (name === "calls") return "calls rows";
  if (table === "calls") return "calls indexes"; // calls_fts_id_idx included: an index on calls
  if (table.startsWith("calls_fts")) return "FTS (calls_fts_*)";
  return `${table} (+ indexes)`;
}

function groupedDelta(before, after) {
  const out = {};
  for (const name of new Set([...Object.keys(before.byName), ...Object.keys(after.byName)])) {
    const d = (after.byName[name]?.bytes ?? 0) - (before.byName[name]?.bytes ?? 0);
    if (d === 0) continue;
    const g = group(name, after.byName[name]?.table ?? before.byName[name]?.table ?? name);
    out[g] ??= { bytes: 0, names: {} };
    out[g].bytes += d;
    out[g].names[name] = d;
  }
  return out;
}

async function storage() {
  rmSync(path.join(root, STATE), { recursive: true, force: true });
  await prepareState(STATE);
  const keys = createTenant(STATE, { id: TENANT, name: "Bench P8", keys: 10 });
  const files = d1Files(STATE);
  const dataId = databaseId("DATA_EU_1");
  const controlId = databaseId("CONTROL_DB");
  const before = {
    d1: await d1SizeAfter(STATE, dataId),
    stats: dbStats(files.dataEu),
    control: await d1SizeAfter(STATE, controlId),
  };
  const agents = agentsDirectory(40, 11);

  // From sources, with the analysis Worker beside it: the calls are analysed before measuring.
  const server = await startPlatform({ name: "p8-platform", stateDir: STATE, port: PORT, frozen: false });
  let created = 0;
  const failures = [];
  let ms = 0;
  let processMs = 0;
  let bodyBytes = 0;
  try {
    const t0 = performance.now();
    let next = 0;
    const deadline = Date.now() + 8 * 60_000;
    const worker = async () => {
      while (next < N && Date.now() < deadline && failures.length < 20) {
        const i = next++;
        const body = JSON.stringify(callBody(i, agents));
        bodyBytes += body.length;
        const res = await request(`${server.url}/api/v1/calls`, {
          method: "POST",
          headers: { authorization: `Bearer ${keys[i % keys.length]}`, "content-type": "application/json" },
          body,
        }).catch((e) => ({ status: 0, text: e.message }));
        if (res.status === 201) created++;
        else failures.push(`#${i}: ${res.status} ${res.text.slice(0, 300)}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    ms = performance.now() - t0;
    // A stored call is an analysed one: wait for the pipeline (local queues) to finish them, so
    // analysis rows (analyses, labels…) are counted too. Bounded: 5 minutes.
    const until = Date.now() + 5 * 60_000;
    const pendingStatuses = ["received", "transcribing", "analyzing"];
    for (;;) {
      let pending = false;
      for (const st of pendingStatuses) {
        const r = await request(`${server.url}/api/v1/calls?status=${st}&limit=1`, {
          headers: { authorization: `Bearer ${keys[0]}` },
        });
        if (r.status === 200 && r.json().data.length > 0) pending = true;
      }
      if (!pending) break;
      if (Date.now() > until) {
        log("P8: some calls were still being processed after 5 minutes; measuring anyway");
        break;
      }
      await sleep(2000);
    }
    processMs = performance.now() - t0 - ms;
  } finally {
    await server.stop();
  }
  if (failures.length) log(`P8: ${failures.length} create failures; first: ${failures[0]}`);
  if (created === 0) throw new Error(`no call could be created through the API: ${failures[0] ?? "?"}`);

  const after = {
    d1: await d1SizeAfter(STATE, dataId),
    stats: dbStats(files.dataEu),
    control: await d1SizeAfter(STATE, controlId),
  };
  const db = openDb(files.dataEu, { readOnly: true });
  let rows;
  try {
    rows = db
      .prepare(
        "select count(*) n, count(fts_id) fts, avg(tx_segments) seg, avg(tx_words) words from calls where tenant_id = ?",
      )
      .get(TENANT);
    const hasLabels = db.prepare("select 1 from sqlite_master where name = 'call_labels'").get();
    if (hasLabels)
      rows.labels = db
        .prepare("select kind, count(*) n from call_labels where tenant_id = ? group by kind")
        .all(TENANT)
        .map((x) => `${fmt(x.n / Math.max(1, rows.n), 1)} ${x.kind}`)
        .join(" + ");
    rows.statuses = Object.fromEntries(
      db
        .prepare("select status, count(*) n from calls where tenant_id = ? group by status")
        .all(TENANT)
        .map((x) => [x.status, x.n]),
    );
  } finally {
    db.close();
  }
  // A VACUUMed copy (the file as compact as SQLite can make it), never the state itself.
  const copy = path.join(LOG_DIR, "p8-vacuum.sqlite");
  mkdirSync(LOG_DIR, { recursive: true });
  rmSync(copy, { force: true });
  const src = openDb(files.dataEu, { readOnly: true });
  try {
    src.exec(`vacuum into '${copy.replaceAll("'", "''")}'`);
  } finally {
    src.close();
  }
  const vac = dbStats(copy);
  // The same VACUUM on the "before" state cannot be replayed; the baseline is tiny (dev seed),
  // so its used bytes (size minus free pages) stand in for it.
  const beforeUsed = (before.stats.pageCount - before.stats.freelist) * before.stats.pageSize;
  rmSync(copy, { force: true });
  return {
    ftsRowids: ftsRowidExperiment(files.dataEu, created),
    created,
    failures,
    ms,
    processMs,
    bodyBytes,
    before,
    after,
    rows,
    vac,
    beforeUsed,
    groups: groupedDelta(before.stats, after.stats),
  };
}

/**
 * FTS5 stores each term's doclist as rowid deltas, so its size depends on how far apart the
 * rowids are. The same `n` transcript bodies (the generator's, as created above) indexed in an
 * in-memory SQLite with the product's calls_fts definition, once with random 52-bit rowids (what
 * core/calls/transcript.ts gives each transcript) and once with sequential ones.
 */
function ftsRowidExperiment(dataFile, n) {
  const src = openDb(dataFile, { readOnly: true });
  let ddl;
  try {
    ddl = src.prepare("select sql from sqlite_master where name = 'calls_fts'").get()?.sql;
  } finally {
    src.close();
  }
  if (!ddl) return null;
  const out = {};
  for (const mode of ["random 52-bit", "sequential"]) {
    const db = openDb(":memory:");
    try {
      db.exec(ddl);
      const ins = db.prepare("insert into calls_fts (rowid, body) values (?, ?)");
      const r = prng(7);
      db.exec("begin");
      for (let i = 0; i < n; i++) {
        const rowid =
          mode === "sequential" ? i + 1 : 1 + Math.floor(r() * 2 ** 26) * 2 ** 26 + Math.floor(r() * 2 ** 26);
        ins.run(rowid, ftsBody(transcript(90_000 + i)));
      }
      db.exec("commit");
      out[mode] =
        db.prepare("select sum(pgsize) b from dbstat where name like 'calls_fts%'").get().b / Math.max(1, n);
    } finally {
      db.close();
    }
  }
  return out;
}

// ---- (b) rows read ---------------------------------------------------------------------------

async function rowsRead() {
  const big = await bigState();
  const probe = await startWorker({
    name: "p8-probe",
    config: path.join(root, "bench", "probe", "wrangler.toml"),
    stateDir: big.stateDir,
    port: PROBE_PORT,
    frozen: true,
  });
  const cases = [];
  try {
    const list = async (query) => {
      const qs = new URLSearchParams({ tenant: big.tenantId, limit: String(LIMIT), ...query });
      const res = await request(`${probe.url}/list?${qs}`);
      const body = res.json();
      if (res.status !== 200) throw new Error(`probe /list?${qs}: ${res.status} ${body.error ?? res.text}`);
      const main = body.statements.find(
        (s) => /from\s+"?calls"?\b/i.test(s.sql) && /^\s*select/i.test(s.sql),
      );
      return { ...body, main, query };
    };
    const i = big.info;
    const add = async (label, query, { verdict = true, note = "" } = {}) => {
      const r = await list(query);
      cases.push({ label, query, verdict, note, r });
      return r;
    };
    const first = await add("no filter", {}, { note: `all ${fmtInt(i.total)}` });
    await add(`team=${i.team.value}`, { team: i.team.value }, { note: `${fmtInt(i.team.rows)} matching` });
    await add("agentId=…", { agentId: i.agent.value }, { note: `${fmtInt(i.agent.rows)} matching` });
    await add("status=failed", { status: "failed" }, { note: `${fmtInt(i.status.rows)} matching` });
    await add(
      "from/to (7 days)",
      { from: String(i.range.from), to: String(i.range.to) },
      { note: `${fmtInt(i.range.rows)} matching` },
    );
    if (first.nextCursor)
      await add(
        "no filter, page 2 (cursor)",
        { cursor: first.nextCursor },
        { note: `all ${fmtInt(i.total)}` },
      );
    const teamFirst = cases[1].r;
    if (teamFirst.nextCursor)
      await add(
        "team, page 2 (cursor)",
        { team: i.team.value, cursor: teamFirst.nextCursor },
        { note: `${fmtInt(i.team.rows)} matching` },
      );
    await add(
      "q=remboursement",
      { q: "remboursement" },
      { verdict: false, note: "text search: reads its matches" },
    );
    await add("q=UQ225666 (rare)", { q: "UQ225666" }, { verdict: false, note: "text search" });
  } finally {
    await probe.stop();
  }
  const over = cases.filter((c) => c.verdict && (c.r.main?.rowsRead ?? Number.POSITIVE_INFINITY) > LIMIT + 1);
  const suggestion = over.length ? await suggestionCheck(big, cases) : null;
  return { big, cases, suggestion };
}

/**
 * When a page reads more than limit + 1 rows: the same pages in the shape suggested to the lead
 * (no `is null` term for the NOT NULL sort key, `id` in the filter indexes, a row-value cursor),
 * run on a copy of the fixture's data DB with those indexes added. The product is not touched.
 */
async function suggestionCheck(big, cases) {
  const dir = path.join(LOG_DIR, "p8-suggest-state");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(path.join(root, big.stateDir, "v3", "d1"), path.join(dir, "v3", "d1"), { recursive: true });
  const indexes = [
    "create index bench_calls_team on calls (tenant_id, team, started_at, id)",
    "create index bench_calls_agent on calls (tenant_id, agent_id, started_at, id)",
    "create index bench_calls_status on calls (tenant_id, status, started_at, id)",
  ];
  const out = [];
  try {
    await withD1(dir, databaseId("DATA_EU_1"), async (db) => {
      // Column lists of the indexes calls already has (the product may have added them).
      const have = new Set();
      for (const { name } of (
        await db.prepare("select name from sqlite_master where type = 'index' and tbl_name = 'calls'").all()
      ).results) {
        const cols = (
          await db.prepare(`select name from pragma_index_info('${name.replaceAll("'", "''")}')`).all()
        ).results;
        have.add(cols.map((c) => c.name).join(","));
      }
      for (const ix of [...indexes]) {
        const cols = /\(([^)]*)\)\s*$/.exec(ix)[1].replace(/\s/g, "");
        if (have.has(cols)) indexes.splice(indexes.indexOf(ix), 1);
        else await db.prepare(ix).run();
      }
      for (const c of cases.filter((x) => x.verdict)) {
        const m = c.r.main;
        if (!m) continue;
        const cols = /^\s*select\s+([\s\S]*?)\s+from\s/i.exec(m.sql)?.[1] ?? "*";
        const where = ["tenant_id = ?"];
        const params = [big.tenantId];
        const q = c.query;
        if (q.team) where.push("team = ?") && params.push(q.team);
        if (q.agentId) where.push("agent_id = ?") && params.push(q.agentId);
        if (q.status) where.push("status = ?") && params.push(q.status);
        if (q.from) where.push("started_at >= ?") && params.push(Number(q.from));
        if (q.to) where.push("started_at < ?") && params.push(Number(q.to));
        const order = `order by started_at desc, id desc limit ${LIMIT + 1}`;
        if (q.cursor) {
          // The suggested cursor is the key of the row read past the previous page (its
          // limit + 1-th), and the next page starts there, inclusive: no row is read twice.
          const prev = await db
            .prepare(`select started_at, id from calls where ${where.join(" and ")} ${order}`)
            .bind(...params)
            .all();
          const extra = prev.results[LIMIT];
          where.push("(started_at, id) <= (?, ?)");
          params.push(extra.started_at, extra.id);
        }
        const sql = `select ${cols} from calls where ${where.join(" and ")} ${order}`;
        const r = await db
          .prepare(sql)
          .bind(...params)
          .all();
        const plan = await db
          .prepare(`explain query plan ${sql}`)
          .bind(...params)
          .all();
        out.push({
          label: c.label,
          rowsRead: r.meta.rows_read,
          rows: r.results.length,
          plan: plan.results.map((p) => p.detail),
        });
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { indexes, out };
}

// ---- step -------------------------------------------------------------------------------------

export async function p8() {
  const s = await storage();
  const rr = await rowsRead();

  const n = s.created;
  const perCall = (s.after.d1 - s.before.d1) / n;
  const perCallUsed =
    ((s.after.stats.pageCount - s.after.stats.freelist) * s.after.stats.pageSize - s.beforeUsed) / n;
  const perCallVac = (s.vac.bytes - s.beforeUsed) / n;
  const storagePass = perCall <= BUDGET_PER_CALL && s.failures.length === 0;
  const ftsBytes = s.groups["FTS (calls_fts_*)"]?.bytes ?? 0;

  const limitPlus1 = LIMIT + 1;
  const judged = rr.cases.filter((c) => c.verdict);
  const worst = judged.reduce((m, c) => Math.max(m, c.r.main?.rowsRead ?? Number.POSITIVE_INFINITY), 0);
  const rowsPass = judged.every((c) => (c.r.main?.rowsRead ?? Number.POSITIVE_INFINITY) <= limitPlus1);
  const pass = storagePass && rowsPass;

  const over = judged.filter((c) => (c.r.main?.rowsRead ?? Number.POSITIVE_INFINITY) > limitPlus1);
  const summary =
    `${fmtInt(perCall)} B of D1 per 10-min call (FTS ${fmtInt(ftsBytes / n)} B; budget 6,000): ${storagePass ? "pass" : "FAIL"}; ` +
    `list rows read: worst ${fmtInt(worst)} for limit ${LIMIT} (≤ ${limitPlus1}): ${rowsPass ? "pass" : "FAIL"}` +
    (over.length ? ` — over: ${over.map((c) => `${c.label} ${fmtInt(c.r.main?.rowsRead)}`).join(", ")}` : "");

  const md = [];
  md.push(
    `**(a) Storage.** ${fmtInt(n)} calls created through \`POST /api/v1/calls\` (4 concurrent, ${fmt(s.ms / 1000)} s, ` +
      `${fmt((n / s.ms) * 1000)} calls/s), each a 10-minute call with an inline JSON transcript ` +
      `(avg ${fmtInt(s.rows.seg)} segments, ${fmtInt(s.rows.words)} words of which ~320 distinct, ${fmtBytes(s.bodyBytes / n)} of request body; ` +
      "generated French or English dialogue on one main topic — billing, technical, delivery, cancellation or account — a " +
      "second topic in 30% of calls, an irritated customer in a third), " +
      `an agent (40 agents, created by the calls), a phone number, queue and tags; ${fmtInt(s.rows.fts)} FTS rows. ` +
      `Measured once the pipeline had processed them (${fmt(s.processMs / 1000)} s more; statuses ` +
      `${Object.entries(s.rows.statuses ?? {})
        .map(([k, v]) => `${k} ${fmtInt(v)}`)
        .join(", ")}), so analysis rows count too.`,
    "",
    table(
      ["Measure", "Before", "After", "Per call", "Budget", "Result"],
      [
        [
          "D1 `meta.size_after` (data DB)",
          fmtBytes(s.before.d1),
          fmtBytes(s.after.d1),
          `**${fmtInt(perCall)} B**`,
          "≤ 6,000 B",
          `**${storagePass ? "pass" : "FAIL"}** (${((perCall / BUDGET_PER_CALL) * 100).toFixed(0)}% of budget)`,
        ],
        [
          "Pages in use (size − free pages)",
          fmtBytes(s.beforeUsed),
          fmtBytes((s.after.stats.pageCount - s.after.stats.freelist) * s.after.stats.pageSize),
          `${fmtInt(perCallUsed)} B`,
          "",
          "",
        ],
        [
          "After `VACUUM` (a copy)",
          fmtBytes(s.beforeUsed),
          fmtBytes(s.vac.bytes),
          `${fmtInt(perCallVac)} B`,
          "",
          "",
        ],
        [
          "Control DB (audit log, keys…)",
          fmtBytes(s.before.control),
          fmtBytes(s.after.control),
          `${fmtInt((s.after.control - s.before.control) / n)} B`,
          "not in the shard",
          "",
        ],
      ],
      "rrrrrr".replace(/^r/, "l"),
    ),
    "",
    "Where the bytes go (growth of each b-tree, `dbstat`, per call):",
    "",
    table(
      ["Part", "Per call", "B-trees"],
      Object.entries(s.groups)
        .sort((a, b) => b[1].bytes - a[1].bytes)
        .map(([g, v]) => [
          g,
          `${fmtInt(v.bytes / n)} B`,
          Object.entries(v.names)
            .sort((a, b) => b[1] - a[1])
            .map(([k, b]) => `\`${k}\` ${fmtInt(b / n)}`)
            .join(", "),
        ]),
      "lrl",
    ),
  );
  if (s.rows.labels)
    md.push(
      "",
      `Analysis labels: ${s.rows.labels} rows in \`call_labels\` per call, each stored three times (table, ` +
        "`call_labels_pk`, `call_labels_filter_idx`) with the tenant and call ids as text.",
    );
  if (s.ftsRowids)
    md.push(
      "",
      `FTS dominates (${pct(ftsBytes / (perCall * n))}). FTS5 stores each term's doclist as rowid deltas, and each ` +
        "transcript gets a random 52-bit rowid (`core/calls/transcript.ts`), so every delta takes 6–8 bytes. " +
        `The same ${fmtInt(n)} bodies in an in-memory SQLite with the product's \`calls_fts\` definition: ` +
        `**${fmtInt(s.ftsRowids["random 52-bit"])} B** per call with random 52-bit rowids, ` +
        `**${fmtInt(s.ftsRowids.sequential)} B** with sequential ones — dense rowids (a counter per shard, or ` +
        "the calls row's own integer rowid) would cut the FTS part by that much.",
    );
  if (s.failures.length)
    md.push(
      "",
      `${s.failures.length} create requests failed; first: \`${s.failures[0].replaceAll("`", "'")}\``,
    );

  md.push(
    "",
    `**(b) Rows read by \`GET /api/v1/calls\`** (limit ${LIMIT}, so ≤ ${limitPlus1}) on a tenant holding ` +
      `${fmtInt(rr.big.info.total)} calls (300 agents in 20 teams, 180 days, ${fmtInt(rr.big.info.ftsRows)} with FTS rows). ` +
      "D1's `meta.rows_read` of the list statement as the product builds it (listCalls() in a bench-only probe Worker):",
    "",
    table(
      ["Query", "Matching", "Rows read", "≤ limit + 1", "Query plan"],
      rr.cases.map((c) => {
        const m = c.r.main;
        const ok = (m?.rowsRead ?? Number.POSITIVE_INFINITY) <= limitPlus1;
        return [
          c.label.replace(/\|/g, "\\|"),
          c.note || "all",
          `**${fmtInt(m?.rowsRead)}**`,
          c.verdict ? (ok ? "pass" : "**FAIL**") : ok ? "pass" : "(not judged)",
          (m?.plan ?? []).map((p) => `\`${p}\``).join("; "),
        ];
      }),
      "llrll",
    ),
  );
  const qCommon = rr.cases.find((c) => c.query.q === "remboursement")?.r.main;
  const qRare = rr.cases.find((c) => c.query.q && c.query.q !== "remboursement")?.r.main;
  if (qRare && qCommon && qRare.rowsRead > 10 * limitPlus1)
    md.push(
      "",
      `Text search (\`q\`, not judged): ${fmtInt(qCommon.rowsRead)} rows read for a common word, ` +
        `**${fmtInt(qRare.rowsRead)}** for a rare one. The plan walks the tenant's calls by date and tests each against ` +
        "the FTS matches (`LIST SUBQUERY`, bloom filter), so the rarer the term, the more calls it reads before the page " +
        "is full — a search that matches nothing reads the whole tenant. Starting from the FTS matches (their rowids, then " +
        "calls by `fts_id`, then the sort) bounds the rows read by the number of matches.",
    );
  const sample = rr.cases.find((c) => c.label.startsWith("team="))?.r.main;
  if (sample)
    md.push(
      "",
      "The statement for the team filter, as issued:",
      "",
      "```sql",
      sample.sql,
      "```",
      "",
      `Parameters: \`${JSON.stringify(sample.params)}\``,
    );
  if (over.length && rr.suggestion) {
    const overCases = rr.cases.filter(
      (c) => c.verdict && (c.r.main?.rowsRead ?? Number.POSITIVE_INFINITY) > limitPlus1,
    );
    const sqlOf = (c) => c.r.main?.sql ?? "";
    const why = [];
    if (overCases.some((c) => /order by\s+"?(calls"?\.)?"?started_at"?\s+is null/i.test(sqlOf(c))))
      why.push(
        "the ORDER BY starts with `started_at is null`, an expression no index provides, so SQLite reads every " +
          "matching row (index entry and table row) and sorts them (`USE TEMP B-TREE FOR ORDER BY`); `started_at` is " +
          "NOT NULL, so for the default sort that term can go",
      );
    else if (
      overCases.some((c) =>
        (c.r.main?.plan ?? []).some((p) => /TEMP B-TREE FOR (RIGHT PART OF )?ORDER BY/.test(p)),
      )
    )
      why.push(
        "a `TEMP B-TREE FOR ORDER BY` in the plan means every matching row is read, then sorted: the filter's index " +
          "must end with the sort key and its tie-breaker, `(…, started_at, id)`",
      );
    if (
      overCases.some(
        (c) =>
          c.query.cursor &&
          /\(\s*"?(calls"?\.)?"?started_at"?\s*,\s*"?(calls"?\.)?"?id"?\s*\)\s*</i.test(sqlOf(c)),
      )
    )
      why.push(
        "on a cursor page, `(started_at, id) < (last returned row)` makes SQLite step on that row again before the " +
          "page (52 rows read for 51); a cursor made from the row read past the page (the limit + 1-th, read anyway to " +
          "know whether a next page exists) with an inclusive bound, `(started_at, id) <= (?, ?)`, reads exactly 51",
      );
    else if (overCases.some((c) => c.query.cursor))
      why.push(
        "on a cursor page the keyset condition must be one index range: a row value `(started_at, id) <= (?, ?)`",
      );
    md.push(
      "",
      `Why rows read exceed limit + 1: ${why.length ? why.join("; ") : "see the query plans above"}. ` +
        "The same pages in that shape, on a copy of this database (indexes created only where the product has none " +
        "with these columns; the product's schema is untouched):",
      "",
      "```sql",
      ...rr.suggestion.indexes.map((x) => `${x};`),
      "-- order by started_at desc, id desc limit 51",
      "-- next page: and (started_at, id) <= (?, ?) -- the 51st row of the previous page, read but not returned",
      "```",
      "",
      table(
        ["Query", "Rows read", "≤ limit + 1", "Query plan"],
        rr.suggestion.out.map((x) => [
          x.label.replace(/\|/g, "\\|"),
          fmtInt(x.rowsRead),
          x.rowsRead <= limitPlus1 ? "pass" : "FAIL",
          x.plan.map((p) => `\`${p}\``).join("; "),
        ]),
        "lrll",
      ),
      "",
      "Nullable sort keys (`score`, `durationS`) need their null rows paged separately (or a NOT NULL sort " +
        "column) for the same guarantee.",
    );
  }
  md.push("", `Measured ${environmentNote()}.`);
  return { pass, summary, markdown: md.join("\n") };
}
