// Bench-only seeding of the local D1 databases: a tenant with its API keys (control DB) and, for
// P3/P8, 100,000 calls written straight into the data-plane SQLite file that miniflare keeps
// under `<state>/v3/d1/miniflare-D1DatabaseObject/<id>.sqlite` — far faster than 100,000 inserts
// through `wrangler d1 execute` and the same bytes on disk. Only ever while no `wrangler dev`
// has that state directory open (the caller starts the server afterwards). Rows follow the
// migrations' columns and what core/calls/service.ts writes (ids, JSON columns, ms timestamps).

import { createCipheriv, createHash, createHmac, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { root } from "./common.mjs";
import { agentsDirectory, ftsBody, phoneNumber, prng, transcript } from "./text.mjs";

// node:sqlite is stable enough for a bench tool; keep its one-line warning out of the output.
const emitWarning = process.emitWarning;
process.emitWarning = (w, ...rest) => {
  if (String(w?.message ?? w).includes("SQLite")) return;
  return emitWarning.call(process, w, ...rest);
};
const { DatabaseSync } = await import("node:sqlite");

export const ALL_SCOPES = [
  "calls:read",
  "calls:write",
  "analyses:read",
  "agents:read",
  "agents:write",
  "admin",
];
const B32 = "abcdefghijklmnopqrstuvwxyz234567";

/** The SQLite files of a state directory: `{ control, dataEu, dataUs }` (identified by content). */
export function d1Files(stateDir) {
  const dir = path.resolve(root, stateDir, "v3", "d1", "miniflare-D1DatabaseObject");
  if (!existsSync(dir)) throw new Error(`no local D1 under ${dir}: run the migrations first`);
  const out = {};
  for (const f of readdirSync(dir)) {
    if (!f.endsWith(".sqlite") || f === "metadata.sqlite") continue;
    const file = path.join(dir, f);
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      const tables = new Set(
        db
          .prepare("select name from sqlite_master where type='table'")
          .all()
          .map((r) => r.name),
      );
      if (tables.has("tenants")) out.control = file;
      else if (tables.has("tenant_meta")) {
        const loc = db
          .prepare("select location from tenant_meta where tenant_id in ('ten_demo_eu','ten_demo_us')")
          .get();
        if (loc?.location === "eu") out.dataEu = file;
        else if (loc?.location === "us") out.dataUs = file;
      }
    } finally {
      db.close();
    }
  }
  if (!out.control || !out.dataEu)
    throw new Error(`could not identify the control and EU data databases in ${dir}`);
  return out;
}

export function openDb(file, opts = {}) {
  const db = new DatabaseSync(file, opts);
  db.exec("pragma busy_timeout = 5000");
  return db;
}

/** `ccr_live_` + 32 chars of [a-z2-7], derived from a label (stable across runs). */
export function apiKeyFor(label) {
  const h = createHash("sha256").update(`ccr-bench:${label}`).digest();
  let s = "";
  for (let i = 0; i < 32; i++) s += B32[h[i] & 31];
  return `ccr_live_${s}`;
}

/**
 * A tenant in location eu / shard DATA_EU_1 with `keys` API keys (all scopes). Several keys
 * because the API allows 600 requests a minute per key: a load test spreads its requests over
 * them (every request still pays authentication and the rate-limit check).
 */
export function createTenant(stateDir, { id, name, keys = 1, now = Date.now() }) {
  const files = d1Files(stateDir);
  const control = openDb(files.control);
  const data = openDb(files.dataEu);
  const out = [];
  try {
    control.exec("begin");
    control
      .prepare(
        `insert or replace into tenants (id, name, location, shard, processing_scope, require_mfa,
           password_login_enabled, default_locale, status, created_at, updated_at)
         values (?, ?, 'eu', 'DATA_EU_1', 'in_region', 0, 1, 'fr', 'active', ?, ?)`,
      )
      .run(id, name, now, now);
    // A contract plan without quota: benchmarks measure the platform, not the plan's minutes.
    control
      .prepare(
        `insert or replace into billing_accounts (tenant_id, plan, plan_source, over_quota, created_at, updated_at)
         values (?, 'enterprise', 'operator', 'hold', ?, ?)`,
      )
      .run(id, now, now);
    const ins = control.prepare(
      `insert or replace into api_keys (id, tenant_id, name, prefix, key_hash, scopes, created_by, created_at,
         expires_at, revoked_at, last_used_at, last_used_ip) values (?, ?, ?, ?, ?, ?, 'system', ?, null, null, null, null)`,
    );
    for (let i = 0; i < keys; i++) {
      const key = apiKeyFor(`${id}:${i}`);
      ins.run(
        `key_${id.replace(/^ten_/, "")}_${i}`,
        id,
        `bench key ${i}`,
        key.slice(0, 13),
        createHash("sha256").update(key).digest("hex"),
        JSON.stringify(ALL_SCOPES),
        now,
      );
      out.push(key);
    }
    control.exec("commit");
    data
      .prepare("insert or replace into tenant_meta (tenant_id, location, created_at) values (?, 'eu', ?)")
      .run(id, now);
  } finally {
    control.close();
    data.close();
  }
  return out;
}

function b32id(prefix, r) {
  let s = "";
  for (let i = 0; i < 20; i++) s += B32[r.int(32)];
  return `${prefix}_${s}`;
}

/** A value from .dev.vars (the keys the Worker uses), so seeded ciphertexts are well-formed. */
function readVar(name) {
  try {
    const src = readFileSync(path.join(root, ".dev.vars"), "utf8");
    return new RegExp(`^${name}=(.*)$`, "m").exec(src)?.[1]?.trim() || null;
  } catch {
    return null;
  }
}

const STATUS_MIX = [
  ["done", 0.88],
  ["analyzing", 0.02],
  ["transcribing", 0.02],
  ["received", 0.03],
  ["failed", 0.02],
  ["held", 0.03],
];
const HOLD = ["quota_exceeded", "objection", "restricted", "processing_scope"];
const FAIL = [
  "transcription provider timeout",
  "audio unreadable (truncated file)",
  "analysis provider error 503",
];
const QUEUES = ["Général", "Facturation", "Technique", "Résiliation", "Commercial", "Premium"];
const CAMPAIGNS = [null, null, null, "Relance été", "Fidélité 2026", "Offre fibre", "Enquête satisfaction"];
const TAGS = ["vip", "rappel", "réclamation", "escalade", "nouveau client", "export-crm", "qualité"];

/**
 * 100,000 (or `n`) calls for `tenantId` in the EU data DB, spread over 300 agents in 20 teams,
 * 180 days, every status; 2/3 with a recording, the analysed ones with a score; transcript
 * metadata on the calls that have one, and a real FTS row (a full 10-minute transcript) for
 * `ftsCalls` of them (the rest keep fts_id null, as calls whose transcript is not in yet).
 * Returns what the benchmarks filter on.
 */
export function seedCalls(
  stateDir,
  { tenantId, n = 100_000, ftsCalls = 20_000, agents = 300, now = Date.now(), seed = 42 },
) {
  const files = d1Files(stateDir);
  const db = openDb(files.dataEu);
  const r = prng(seed);
  const hmacKey = Buffer.from(readVar("HMAC_KEY") ?? randomBytes(32).toString("base64"), "base64");
  const encKey = Buffer.from(readVar("ENCRYPTION_KEY") ?? randomBytes(32).toString("base64"), "base64");
  const directory = agentsDirectory(agents).map((a) => ({ ...a, id: b32id("agt", r) }));
  const t0 = Date.now();
  try {
    db.exec("begin");
    const insAgent = db.prepare(
      "insert into agents (id, tenant_id, external_id, name, team, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?)",
    );
    for (const a of directory) insAgent.run(a.id, tenantId, a.externalId, a.name, a.team, now, now);
    // The columns the migrations have today: values for those this seeder knows, the column's
    // default for the others (a NOT NULL column without default that it does not know is an error).
    const info = db.prepare("pragma table_info(calls)").all();
    const prepared = new Map();
    const insertCall = (row) => {
      const cols = info.map((c) => c.name).filter((c) => row[c] !== undefined);
      const missing = info.filter(
        (c) => c.notnull && c.dflt_value === null && row[c.name] === undefined && !c.pk,
      );
      if (missing.length)
        throw new Error(`seed: calls.${missing[0].name} is NOT NULL and unknown to bench/lib/d1.mjs`);
      const key = cols.join(",");
      if (!prepared.has(key))
        prepared.set(
          key,
          db.prepare(`insert into calls (${cols.join(", ")}) values (${cols.map(() => "?").join(", ")})`),
        );
      prepared.get(key).run(...cols.map((c) => row[c]));
    };
    const insFts = db.prepare("insert into calls_fts (rowid, body) values (?, ?)");
    const span = 180 * 86_400_000;
    // Calls with a transcript are the analysed ones; FTS rows go to an evenly spread subset of them.
    const ftsEvery = Math.max(1, Math.floor(n / Math.max(1, ftsCalls)));
    let fts = 0;
    let nextFts = 0;
    for (let i = 0; i < n; i++) {
      const a = directory[Math.floor(r() ** 1.15 * directory.length)]; // some agents take more calls
      let u = r();
      let status = "done";
      for (const [s, p] of STATUS_MIX) {
        if (u < p) {
          status = s;
          break;
        }
        u -= p;
      }
      // Business hours, Monday–Saturday-ish: a day in the span, then 8:00–19:00.
      const day = Math.floor(r() * 180);
      const startedAt =
        now - span + day * 86_400_000 + (8 * 3600 + Math.floor(r() * 11 * 3600)) * 1000 + r.int(1000);
      const duration = Math.round((60 + r() ** 2 * 1400) * 10) / 10;
      const lang = r.chance(0.78) ? "fr" : "en";
      const hasRec = r.chance(0.67);
      const hasTx =
        status === "done" || status === "analyzing" || (hasRec && status === "failed" && r.chance(0.3));
      const e164 = `+33${phoneNumber(r).replace(/\s/g, "").slice(1)}`;
      const iv = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", encKey, iv);
      c.setAAD(Buffer.from(`phone:${tenantId}`));
      const ct = Buffer.concat([c.update(e164), c.final(), c.getAuthTag()]);
      const recFormat = r.chance(0.7) ? "wav" : "mp3";
      const id = b32id("cal", r);
      const ftsId = hasTx && i >= nextFts && fts < ftsCalls ? 1 + Math.floor(r() * 2 ** 52) : null;
      if (ftsId !== null) {
        insFts.run(ftsId, ftsBody(transcript(seed * 1_000_003 + i, { language: lang })));
        fts++;
        nextFts += ftsEvery;
      }
      const created = startedAt + Math.round(duration * 1000) + r.int(600_000);
      const score = status === "done" ? Math.round((45 + r() * 55) * 10) / 10 : null;
      insertCall({
        id,
        tenant_id: tenantId,
        external_id: `CC-${String(2_000_000 + i)}`,
        create_hash: createHash("sha256").update(`${id}`).digest("hex"),
        status,
        hold_reason: status === "held" ? r.pick(HOLD) : null,
        failure_reason: status === "failed" ? r.pick(FAIL) : null,
        direction: r.chance(0.8) ? "inbound" : "outbound",
        started_at: startedAt,
        duration_s: duration,
        agent_id: a.id,
        team: a.team,
        queue: r.pick(QUEUES),
        campaign: r.pick(CAMPAIGNS),
        language: lang,
        phone_hash: createHmac("sha256", hmacKey).update(`phone:${tenantId}:${e164}`).digest("hex"),
        phone_enc: `v1.${iv.toString("base64")}.${ct.toString("base64")}`,
        phone_masked: `+33 ${e164[3]}${"•".repeat(e164.length - 6)}${e164.slice(-2)}`,
        tags: JSON.stringify(r.chance(0.3) ? [r.pick(TAGS)] : []),
        rubric_id: null,
        rec_key: hasRec ? `t/${tenantId}/calls/${id}/recording-${b32id("r", r).slice(2, 12)}` : null,
        rec_status: hasRec ? "stored" : "none",
        rec_format: hasRec ? recFormat : null,
        rec_mime: hasRec ? (recFormat === "wav" ? "audio/wav" : "audio/mpeg") : null,
        rec_size: hasRec ? Math.round(duration * (recFormat === "wav" ? 16_000 : 4_000)) : null,
        rec_sha256: hasRec ? randomBytes(32).toString("hex") : null,
        rec_duration_s: hasRec ? duration : null,
        rec_uploaded_at: hasRec ? created : null,
        tx_format: hasTx ? "json" : null,
        tx_segments: hasTx ? 120 + r.int(60) : null,
        tx_words: hasTx ? 1200 + r.int(600) : null,
        tx_redactions: hasTx ? (r.chance(0.1) ? JSON.stringify({ card_number: 1 }) : "{}") : null,
        fts_id: ftsId,
        score,
        created_at: created,
        updated_at: created + r.int(120_000),
        // Columns the analysis pipeline fills, when the schema has them.
        passed: score === null ? null : score >= 80 ? 1 : 0,
        critical_fail: score === null ? null : r.chance(0.03) ? 1 : 0,
        analysis_id: score === null ? null : b32id("ana", r),
        run_id: score === null ? null : b32id("run", r),
        attempts: status === "received" ? 0 : 1,
      });
    }
    db.exec("commit");
    // Not part of the product's state: SQLite's own bookkeeping so the WAL is folded in before
    // workerd opens the file.
    db.exec("pragma wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
  const ms = Date.now() - t0;
  // What the benchmarks filter on: the most common team and agent, a week of dates, statuses.
  const check = openDb(files.dataEu, { readOnly: true });
  try {
    const team = check
      .prepare("select team, count(*) n from calls where tenant_id = ? group by team order by n desc limit 1")
      .get(tenantId);
    const agent = check
      .prepare(
        "select agent_id, count(*) n from calls where tenant_id = ? group by agent_id order by n desc limit 1",
      )
      .get(tenantId);
    const total = check.prepare("select count(*) n from calls where tenant_id = ?").get(tenantId).n;
    const ftsRows = check
      .prepare("select count(*) n from calls where tenant_id = ? and fts_id is not null")
      .get(tenantId).n;
    const failed = check
      .prepare("select count(*) n from calls where tenant_id = ? and status = 'failed'")
      .get(tenantId).n;
    const to = now - 30 * 86_400_000;
    const from = to - 7 * 86_400_000;
    const week = check
      .prepare("select count(*) n from calls where tenant_id = ? and started_at >= ? and started_at < ?")
      .get(tenantId, from, to).n;
    return {
      total,
      ftsRows,
      ms,
      team: { value: team.team, rows: team.n },
      agent: { value: agent.agent_id, rows: agent.n },
      status: { value: "failed", rows: failed },
      range: { from, to, rows: week },
    };
  } finally {
    check.close();
  }
}

/**
 * Size of a SQLite file as SQLite sees it: page size, pages, free pages and, per b-tree (table
 * or index, FTS shadow tables included), the bytes of its pages (`dbstat`). Read-only.
 */
export function dbStats(file) {
  const db = openDb(file, { readOnly: true });
  try {
    const pageSize = db.prepare("pragma page_size").get().page_size;
    const pageCount = db.prepare("pragma page_count").get().page_count;
    const freelist = db.prepare("pragma freelist_count").get().freelist_count;
    const byName = {};
    const table = new Map(
      db
        .prepare("select name, tbl_name from sqlite_master")
        .all()
        .map((r) => [r.name, r.tbl_name]),
    );
    for (const r of db
      .prepare("select name, sum(pgsize) bytes, sum(payload) payload from dbstat group by name")
      .all())
      byName[r.name] = { bytes: r.bytes, payload: r.payload, table: table.get(r.name) ?? r.name };
    return { pageSize, pageCount, freelist, bytes: pageSize * pageCount, byName };
  } finally {
    db.close();
  }
}

/**
 * D1's own figure for a local database: `meta.size_after` of a trivial query, through the same
 * Miniflare D1 binding `wrangler d1 execute --local` uses (wrangler drops the meta from its
 * output, so it is read here directly). Only while no other workerd has the state open.
 */
export async function d1SizeAfter(stateDir, databaseId) {
  return withD1(stateDir, databaseId, async (db) => (await db.prepare("select 1").all()).meta.size_after);
}

/** Runs `fn(d1)` with a Miniflare D1 binding on a local database of `stateDir` (by database_id). */
export async function withD1(stateDir, databaseId, fn) {
  const { Miniflare, convertV4MiniflareOptions } = await import("miniflare");
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      script: "",
      resourcePersistencePath: path.resolve(root, stateDir, "v3"),
      d1Databases: { DATABASE: databaseId },
    }),
  );
  try {
    return await fn(await mf.getD1Database("DATABASE"));
  } finally {
    await mf.dispose();
  }
}

/** database_id of a binding in wrangler.toml's top-level (local) config. */
export function databaseId(binding) {
  const toml = readFileSync(path.join(root, "wrangler.toml"), "utf8").split(/^\[+env\./m)[0];
  for (const block of toml.split(/^\[\[d1_databases\]\]\s*$/m).slice(1)) {
    const body = block.split(/^\[/m)[0];
    if (/^\s*binding\s*=\s*"([^"]+)"/m.exec(body)?.[1] === binding)
      return /^\s*database_id\s*=\s*"([^"]+)"/m.exec(body)?.[1];
  }
  throw new Error(`wrangler.toml: no [[d1_databases]] with binding ${binding}`);
}
