import { and, asc, desc, eq, gt, gte, lt, lte, type SQL, sql } from "drizzle-orm";
import { type ControlDb, controlDb } from "../../db/client";
import { auditLog } from "../../db/schema/control";
import { type Actor, actorId, type Ctx, type PlatformCtx } from "./context";
import { newId, sha256Hex } from "./crypto";
import { ApiError, isUniqueViolation } from "./errors";

/**
 * Append-only audit log (SPEC I2).
 *
 * Each tenant has its own chain `t:<tenantId>`; events with no tenant go to `platform`. In a
 * chain, `seq` runs 1, 2, 3… across days and every entry stores
 *   hash = SHA-256(prevHash + "\n" + canonicalJSON(every column but hash))
 * where prevHash is the previous entry's hash (64 zeros for the first). Editing, inserting or
 * deleting an entry breaks the links after it.
 *
 * Once a day has ended, the cron writes that day's head for every chain to R2
 * (`audit-heads/<chain>/<day>.json`: first and last seq, last hash, count). Whole days can then
 * be purged from D1: the oldest entry left must link to the last head before it, so the rest of
 * the chain still verifies, and a truncated day is caught because its head no longer matches.
 *
 * Invariant: `day` never decreases along a chain (see `appendAudit`), so "the days before X"
 * are always a prefix of the chain.
 *
 * Entries hold who, what, when, tenant, IP, user agent and result. Meta is a small flat object
 * checked for secret-looking keys; it must never carry secrets or transcript text.
 */

export type AuditRow = typeof auditLog.$inferSelect;
export type AuditResult = AuditRow["result"];
type MetaValue = string | number | boolean | null;

export interface AuditInput {
  tenantId: string | null;
  actor: Actor;
  action: string;
  targetType?: string;
  targetId?: string;
  result?: AuditResult;
  ip?: string | null;
  userAgent?: string | null;
  meta?: Record<string, MetaValue>;
  /** Epoch ms; defaults to now. */
  ts?: number;
}

export interface DayHead {
  chain: string;
  day: string;
  firstSeq: number;
  lastSeq: number;
  lastHash: string;
  count: number;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  firstBadSeq?: number;
  reason?: string;
}

export const PLATFORM_CHAIN = "platform";
export const ZERO_HASH = "0".repeat(64);
export const SYSTEM_ACTOR: Actor = { type: "system", id: null };
export const tenantChain = (tenantId: string) => `t:${tenantId}`;
export const headKey = (chain: string, day: string) => `audit-heads/${chain}/${day}.json`;

/** Rows read per query (verify, export). */
const PAGE = 500;
/**
 * Writers racing on one chain lose on the unique (chain, seq) index and retry; each round
 * has one winner and the jittered back-off spreads the rest out.
 */
// Optimistic appends: under n concurrent writers on one chain each attempt wins with ~1/n, so
// allow many attempts with jittered, growing pauses (bench P2: 10 concurrent creates per tenant).
// A Durable Object per chain would serialise appends without retries; see the README notes.
const MAX_ATTEMPTS = 60;
/** R2 reads in flight at once when loading heads. */
const R2_PARALLEL = 20;
const DAY_MS = 86_400_000;

const CHAIN_RE = /^(platform|t:[A-Za-z0-9_-]{1,64})$/;
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const ACTION_RE = /^[A-Za-z0-9_.:-]{1,100}$/;
const META_KEY_RE = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
const META_MAX_KEYS = 20;
const META_MAX_VALUE = 500;
/** A meta key containing one of these is refused… */
const SECRET_WORDS = [
  "password",
  "passwd",
  "secret",
  "token",
  "key",
  "transcript",
  "content",
  "cookie",
  "authorization",
];
/** …unless it only describes such a thing: `apiKeyId`, `contentType`, `keyPrefix`. */
const DESCRIPTOR_SUFFIX =
  /(Id|Ids|_id|_ids|Prefix|_prefix|Type|_type|Count|_count|Length|_length|Size|_size|Name|_name)$/;

// ---- Hashing -----------------------------------------------------------------------------

/** JSON with object keys sorted at every level, so the same entry always hashes the same. */
export function canonicalJSON(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJSON(o[k])}`)
    .join(",")}}`;
}

/** The columns are listed one by one: a column added later must not change old hashes. */
const HASHED_COLUMNS = [
  "id",
  "chain",
  "seq",
  "day",
  "ts",
  "tenantId",
  "actorType",
  "actorId",
  "action",
  "targetType",
  "targetId",
  "ip",
  "userAgent",
  "result",
  "meta",
  "prevHash",
] as const satisfies readonly (keyof AuditRow)[];

export function entryHash(r: Omit<AuditRow, "hash">): Promise<string> {
  const fields = Object.fromEntries(HASHED_COLUMNS.map((k) => [k, r[k]]));
  const prevHash = r.prevHash;
  return sha256Hex(`${prevHash}\n${canonicalJSON(fields)}`);
}

// ---- Append ------------------------------------------------------------------------------

/**
 * Appends one entry to its chain. There are no interactive transactions on D1, so: read the
 * chain's tip, hash, insert seq+1. The unique (chain, seq) index means two writers can never
 * both extend the same tip (no fork); the loser reads the new tip and tries again.
 * Throws on bad input (bad action, secret-looking meta): those are programming errors.
 */
export async function appendAudit(
  env: Env,
  e: AuditInput,
): Promise<{ id: string; seq: number; hash: string }> {
  return (await appendAuditMany(env, [e]))[0];
}

/**
 * Entries of one chain appended in order with one read of the tip and one batch of inserts (a bulk
 * import's `call.created` entries): the chain is the same as with one `appendAudit` per entry.
 */
export async function appendAuditMany(
  env: Env,
  list: AuditInput[],
): Promise<{ id: string; seq: number; hash: string }[]> {
  if (!list.length) return [];
  const entries = list.map(entryFields);
  const chain = entries[0].chain;
  if (entries.some((x) => x.chain !== chain)) throw new Error("audit: appendAuditMany takes one chain");
  const db = controlDb(env);
  for (let attempt = 1; ; attempt++) {
    const tip = await chainTip(env, db, chain);
    let { seq, hash: prevHash, minDay } = tip;
    const rows: AuditRow[] = [];
    for (const { ts, fields } of entries) {
      // Never before the previous entry's day: keeps `day` non-decreasing along the chain even with
      // a back-dated ts or clock skew between isolates, so purging old days cuts a clean prefix.
      const day = maxStr(utcDay(ts), minDay);
      const row = { id: newId("aud"), ...fields, seq: ++seq, day, prevHash };
      const hash = await entryHash(row);
      rows.push({ ...row, hash });
      prevHash = hash;
      minDay = day;
    }
    try {
      const [first, ...rest] = rows.map((r) => db.insert(auditLog).values(r));
      await db.batch([first, ...rest]);
      return rows.map((r) => ({ id: r.id, seq: r.seq, hash: r.hash }));
    } catch (err) {
      if (!isUniqueViolation(err) || attempt >= MAX_ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(250, 4 * 2 ** attempt)));
    }
  }
}

/** The hashed columns of an entry but its place in the chain (seq, day, prevHash), checked. */
function entryFields(e: AuditInput) {
  const chain = e.tenantId ? tenantChain(e.tenantId) : PLATFORM_CHAIN;
  assertChain(chain);
  const ts = e.ts ?? Date.now();
  if (!Number.isSafeInteger(ts) || ts < 0 || ts >= 253_402_300_800_000)
    throw new Error(`audit: bad ts ${ts}`);
  if (!ACTION_RE.test(e.action)) throw new Error(`audit: bad action "${e.action}"`);
  const fields = {
    chain,
    ts,
    tenantId: e.tenantId ?? null,
    actorType: e.actor.type,
    actorId: actorId(e.actor),
    action: e.action,
    targetType: clip(e.targetType, 100),
    targetId: clip(e.targetId, 200),
    ip: clip(e.ip, 100),
    userAgent: clip(e.userAgent, 300),
    result: e.result ?? "success",
    meta: e.meta && Object.keys(e.meta).length > 0 ? canonicalJSON(checkMeta(e.meta)) : null,
  } as const;
  return { chain, ts, fields };
}

/**
 * The first entry of the chain of a tenant whose id was generated in this request, as a row
 * to insert in the caller's `db.batch` (sign-up writes the tenant and its `tenant.created` entry
 * in one round trip). Only valid for such a tenant: its chain has no entry and no R2 head. The
 * unique (chain, seq) index still refuses a second seq 1, so a misuse fails instead of forking.
 */
export async function newChainEntry(e: AuditInput & { tenantId: string }): Promise<AuditRow> {
  const { ts, fields } = entryFields(e);
  const row = { id: newId("aud"), ...fields, seq: 1, day: utcDay(ts), prevHash: ZERO_HASH };
  return { ...row, hash: await entryHash(row) };
}

/** The actor, IP and user agent come from the context; a tenant context writes to its own chain. */
export interface AuditOptions {
  targetType?: string;
  targetId?: string;
  result?: AuditResult;
  meta?: Record<string, MetaValue>;
  ts?: number;
  /** Overrides the context's actor (a PlatformCtx without one audits as the system). */
  actor?: Actor;
  /** PlatformCtx only: the tenant concerned, e.g. an operator acting on a tenant. */
  tenantId?: string | null;
}

export function audit(ctx: Ctx | PlatformCtx, action: string, opts: AuditOptions = {}) {
  let tenantId = opts.tenantId ?? null;
  if ("tenant" in ctx) {
    if (opts.tenantId !== undefined && opts.tenantId !== ctx.tenant.id)
      throw new Error("audit: a tenant context audits its own tenant only");
    tenantId = ctx.tenant.id;
  }
  return appendAudit(ctx.env, {
    tenantId,
    actor: opts.actor ?? ctx.actor ?? SYSTEM_ACTOR,
    action,
    targetType: opts.targetType,
    targetId: opts.targetId,
    result: opts.result,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    // The request id ties the entry to the structured request logs.
    meta: ctx.requestId ? { ...opts.meta, requestId: ctx.requestId } : opts.meta,
    ts: opts.ts,
  });
}

/** Last (seq, hash, day) of a chain, or, when every day was purged, of its last R2 head. */
async function chainTip(
  env: Env,
  db: ControlDb,
  chain: string,
): Promise<{ seq: number; hash: string; minDay: string }> {
  const [last] = await db
    .select({ seq: auditLog.seq, hash: auditLog.hash, day: auditLog.day })
    .from(auditLog)
    .where(eq(auditLog.chain, chain))
    .orderBy(desc(auditLog.seq))
    .limit(1);
  if (last) return { seq: last.seq, hash: last.hash, minDay: last.day };
  // Empty chain: brand new (one R2 list that finds nothing) or fully purged. Restarting at
  // seq 1 would fork the chain; continue after the last head instead, on a later day so
  // the purged day's head stays exact.
  const days = await listHeadDays(env, chain);
  const head = days.length ? await readHead(env, chain, days[days.length - 1]) : null;
  if (head === "corrupt")
    throw new Error(`audit: R2 head ${headKey(chain, days[days.length - 1])} is corrupt`);
  return head
    ? { seq: head.lastSeq, hash: head.lastHash, minDay: nextDay(head.day) }
    : { seq: 0, hash: ZERO_HASH, minDay: "" };
}

function checkMeta(meta: Record<string, MetaValue>): Record<string, MetaValue> {
  const keys = Object.keys(meta);
  if (keys.length > META_MAX_KEYS) throw new Error(`audit meta: more than ${META_MAX_KEYS} keys`);
  for (const k of keys) {
    if (!META_KEY_RE.test(k)) throw new Error(`audit meta: bad key "${k}"`);
    const lower = k.toLowerCase();
    if (SECRET_WORDS.some((w) => lower.includes(w)) && !DESCRIPTOR_SUFFIX.test(k))
      throw new Error(`audit meta: key "${k}" looks like a secret or transcript text; never log those`);
    const v = meta[k];
    if (typeof v === "string") {
      if (v.length > META_MAX_VALUE)
        throw new Error(`audit meta: value of "${k}" is longer than ${META_MAX_VALUE} chars`);
      meta = { ...meta, [k]: wellFormed(v) };
    } else if (!(v === null || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v)))) {
      throw new Error(`audit meta: value of "${k}" must be a string, finite number, boolean or null`);
    }
  }
  return meta;
}

// ---- Day heads ---------------------------------------------------------------------------

/**
 * Writes the head of `day` for every chain with entries that day (the cron calls it for
 * yesterday). Idempotent: an identical head is left alone; a head is only replaced by one
 * that extends it (entries back-dated into the day after it was written). Any other
 * difference is a conflict, reported and not overwritten: the head in R2 is the evidence.
 * `maxChains` bounds the R2 calls of one invocation; continue from `next`.
 */
export async function writeDayHeads(
  env: Env,
  day: string,
  opts: { afterChain?: string; maxChains?: number } = {},
): Promise<{ written: number; unchanged: number; conflicts: string[]; next: string | null }> {
  assertDay(day);
  const db = controlDb(env);
  const out = { written: 0, unchanged: 0, conflicts: [] as string[], next: null as string | null };
  const max = opts.maxChains ?? Number.POSITIVE_INFINITY;
  let after = opts.afterChain ?? "";
  for (let done = 0; done < max; ) {
    const take = Math.min(100, max - done);
    const heads = await computeHeads(db, and(eq(auditLog.day, day), gt(auditLog.chain, after)), take);
    for (let i = 0; i < heads.length; i += R2_PARALLEL) {
      const results = await Promise.all(heads.slice(i, i + R2_PARALLEL).map((h) => putHead(env, db, h)));
      results.forEach((r, j) => {
        if (r === "conflict") out.conflicts.push(heads[i + j].chain);
        else out[r]++;
      });
    }
    done += heads.length;
    if (heads.length < take) return out;
    after = heads[heads.length - 1].chain;
  }
  out.next = after;
  return out;
}

/** Heads as the rows say, one per (chain, day) matching `where`, ordered by chain then day. */
function computeHeads(db: ControlDb, where: SQL | undefined, limit: number): Promise<DayHead[]> {
  const g = db
    .select({
      chain: auditLog.chain,
      day: auditLog.day,
      firstSeq: sql<number>`min(${auditLog.seq})`.as("first_seq"),
      lastSeq: sql<number>`max(${auditLog.seq})`.as("last_seq"),
      count: sql<number>`count(*)`.as("n"),
    })
    .from(auditLog)
    .where(where)
    .groupBy(auditLog.chain, auditLog.day)
    .orderBy(auditLog.chain, auditLog.day)
    .limit(limit)
    .as("g");
  return db
    .select({
      chain: g.chain,
      day: g.day,
      firstSeq: g.firstSeq,
      lastSeq: g.lastSeq,
      lastHash: auditLog.hash,
      count: g.count,
    })
    .from(g)
    .innerJoin(auditLog, and(eq(auditLog.chain, g.chain), eq(auditLog.seq, g.lastSeq)))
    .orderBy(g.chain, g.day);
}

async function putHead(env: Env, db: ControlDb, h: DayHead): Promise<"written" | "unchanged" | "conflict"> {
  // A gap inside the day means rows were deleted: never seal that into a head.
  if (h.count !== h.lastSeq - h.firstSeq + 1) return "conflict";
  const old = await readHead(env, h.chain, h.day);
  if (old === "corrupt") return "conflict";
  if (old) {
    if (sameHead(old, h)) return "unchanged";
    const extended =
      old.firstSeq === h.firstSeq &&
      old.lastSeq < h.lastSeq &&
      (await hashAt(db, h.chain, old.lastSeq)) === old.lastHash;
    if (!extended) return "conflict";
  }
  const body = JSON.stringify({
    chain: h.chain,
    day: h.day,
    firstSeq: h.firstSeq,
    lastSeq: h.lastSeq,
    lastHash: h.lastHash,
    count: h.count,
  });
  await env.CONTROL_BUCKET.put(headKey(h.chain, h.day), body, {
    httpMetadata: { contentType: "application/json" },
  });
  return "written";
}

/** Days that have a head in R2, ascending (R2 lists keys in lexical order; ISO days sort). */
async function listHeadDays(env: Env, chain: string): Promise<string[]> {
  const prefix = `audit-heads/${chain}/`;
  const days: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.CONTROL_BUCKET.list({ prefix, cursor });
    for (const o of page.objects) {
      const d = o.key.slice(prefix.length, -".json".length);
      if (DAY_RE.test(d) && o.key.endsWith(".json")) days.push(d);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return days.sort();
}

/** The head, null when absent, "corrupt" when unreadable or not about this chain and day. */
async function readHead(env: Env, chain: string, day: string): Promise<DayHead | "corrupt" | null> {
  const obj = await env.CONTROL_BUCKET.get(headKey(chain, day));
  if (!obj) return null;
  try {
    const h = (await obj.json()) as DayHead;
    const ints = [h.firstSeq, h.lastSeq, h.count].every((n) => Number.isSafeInteger(n) && n > 0);
    if (
      h.chain === chain &&
      h.day === day &&
      ints &&
      typeof h.lastHash === "string" &&
      /^[0-9a-f]{64}$/.test(h.lastHash)
    )
      return h;
  } catch {}
  return "corrupt";
}

const sameHead = (a: DayHead, b: DayHead) =>
  a.chain === b.chain &&
  a.day === b.day &&
  a.firstSeq === b.firstSeq &&
  a.lastSeq === b.lastSeq &&
  a.lastHash === b.lastHash &&
  a.count === b.count;

async function hashAt(db: ControlDb, chain: string, seq: number): Promise<string | undefined> {
  const [r] = await db
    .select({ hash: auditLog.hash })
    .from(auditLog)
    .where(and(eq(auditLog.chain, chain), eq(auditLog.seq, seq)));
  return r?.hash;
}

// ---- Verify ------------------------------------------------------------------------------

/**
 * Walks the chain (or the days fromDay..toDay) in seq order, 500 rows at a time: recomputes
 * every hash, checks seq continuity, prevHash links and non-decreasing days. The first entry
 * links to the zero hash (seq 1), to the row before it (a range), or to the last R2 head
 * before its day (older days purged). Every R2 head from the first entry's day on must match
 * the rows: a head whose entries are missing reveals truncation. `firstBadSeq` is the first
 * entry that is altered, missing or unlinked.
 */
export async function verifyAuditChain(
  env: Env,
  chain: string,
  opts: { fromDay?: string; toDay?: string } = {},
): Promise<VerifyResult> {
  assertChain(chain);
  if (opts.fromDay) assertDay(opts.fromDay);
  if (opts.toDay) assertDay(opts.toDay);
  const db = controlDb(env);
  const inRange = [eq(auditLog.chain, chain)];
  if (opts.fromDay) inRange.push(gte(auditLog.day, opts.fromDay));
  if (opts.toDay) inRange.push(lte(auditLog.day, opts.toDay));

  const headDays = await listHeadDays(env, chain);
  let heads = new Map<string, DayHead | "corrupt">();
  const matched = new Set<string>();
  let prev: AuditRow | undefined;
  let dayFirstSeq = 0;
  let checked = 0;
  const bad = (firstBadSeq: number | undefined, reason: string): VerifyResult => ({
    ok: false,
    checked,
    firstBadSeq,
    reason,
  });

  for (let after = 0; ; ) {
    const rows = await db
      .select()
      .from(auditLog)
      .where(and(...inRange, gt(auditLog.seq, after)))
      .orderBy(asc(auditLog.seq))
      .limit(PAGE);
    for (const r of rows) {
      if (!prev) {
        const broken = await anchorError(env, db, r, headDays);
        if (broken) return bad(r.seq, broken);
        heads = await readHeads(
          env,
          chain,
          headDays.filter((d) => d >= r.day && (!opts.toDay || d <= opts.toDay)),
        );
      } else if (r.seq !== prev.seq + 1) return bad(prev.seq + 1, `entry ${prev.seq + 1} is missing`);
      else if (r.prevHash !== prev.hash) return bad(r.seq, "prevHash does not match the previous entry");
      else if (r.day < prev.day) return bad(r.seq, "day goes backwards");
      if ((await entryHash(r)) !== r.hash) return bad(r.seq, "hash does not match the entry: it was altered");

      if (!prev || r.day !== prev.day) dayFirstSeq = r.seq;
      const h = heads.get(r.day);
      // A head may end before the day's last row (entries back-dated into the day later).
      if (h === "corrupt") return bad(r.seq, `R2 head of ${r.day} is corrupt`);
      if (h && h.lastSeq === r.seq) {
        if (h.firstSeq !== dayFirstSeq || h.count !== r.seq - dayFirstSeq + 1 || h.lastHash !== r.hash)
          return bad(r.seq, `R2 head of ${r.day} does not match its entries`);
        matched.add(r.day);
      }
      prev = r;
      checked++;
    }
    if (rows.length < PAGE) break;
    after = rows[rows.length - 1].seq;
  }
  for (const [day, h] of heads) {
    if (!matched.has(day))
      return bad(
        h === "corrupt" ? undefined : h.lastSeq,
        `entries of ${day} recorded in its R2 head are missing`,
      );
  }
  return { ok: true, checked };
}

/** Why the first entry of a walk does not link to what precedes it, or null if it does. */
async function anchorError(env: Env, db: ControlDb, r: AuditRow, headDays: string[]): Promise<string | null> {
  if (r.seq === 1) return r.prevHash === ZERO_HASH ? null : "the first entry does not link to the zero hash";
  const before = await hashAt(db, r.chain, r.seq - 1);
  if (before !== undefined)
    return before === r.prevHash ? null : "prevHash does not match the previous entry";
  const day = headDays.filter((d) => d < r.day).at(-1);
  const head = day ? await readHead(env, r.chain, day) : null;
  if (!head || head === "corrupt")
    return `entries before ${r.seq} are gone and no valid R2 head precedes ${r.day}`;
  if (head.lastSeq !== r.seq - 1 || head.lastHash !== r.prevHash)
    return `the oldest entry does not link to the R2 head of ${day}`;
  return null;
}

async function readHeads(env: Env, chain: string, days: string[]): Promise<Map<string, DayHead | "corrupt">> {
  const heads = new Map<string, DayHead | "corrupt">();
  for (let i = 0; i < days.length; i += R2_PARALLEL) {
    const batch = days.slice(i, i + R2_PARALLEL);
    const got = await Promise.all(batch.map((d) => readHead(env, chain, d)));
    got.forEach((h, j) => {
      if (h) heads.set(batch[j], h);
    });
  }
  return heads;
}

// ---- Purge -------------------------------------------------------------------------------

/**
 * Deletes the chain's days before `beforeDay` (at most `maxDays` of them; call again for
 * more) and returns the number of entries deleted. The days must verify first, so a purge
 * never destroys evidence of tampering; each day's head is written (if missing) before its
 * rows go. Each day is one DELETE over its seq range on the (chain, seq) index: atomic per day
 * and with no id list to bind, so a run killed between days leaves a chain that verifies.
 */
export async function purgeAuditDays(
  env: Env,
  chain: string,
  beforeDay: string,
  opts: { maxDays?: number } = {},
): Promise<number> {
  assertChain(chain);
  assertDay(beforeDay);
  // The current day still receives entries; its head would be stale at once.
  if (beforeDay > utcDay(Date.now())) throw new Error("audit purge: cannot purge the current day");
  const db = controlDb(env);
  const heads = await computeHeads(
    db,
    and(eq(auditLog.chain, chain), lt(auditLog.day, beforeDay)),
    opts.maxDays ?? -1,
  );
  if (heads.length === 0) return 0;
  const v = await verifyAuditChain(env, chain, { toDay: heads[heads.length - 1].day });
  if (!v.ok)
    throw new Error(
      `audit purge: ${chain} fails verification at seq ${v.firstBadSeq} (${v.reason}); not purging`,
    );
  let deleted = 0;
  for (const h of heads) {
    if ((await putHead(env, db, h)) === "conflict")
      throw new Error(`audit purge: R2 head of ${chain} ${h.day} disagrees with its entries`);
    const res = await db
      .delete(auditLog)
      .where(and(eq(auditLog.chain, chain), gte(auditLog.seq, h.firstSeq), lte(auditLog.seq, h.lastSeq)))
      .run();
    deleted += res.meta.changes ?? 0;
  }
  return deleted;
}

// ---- Export ------------------------------------------------------------------------------

/**
 * A page of a chain for the admin listing or an export, by seq (`order` asc by default; desc
 * lists newest first). fromTs is inclusive, toTs exclusive. Rows are returned as stored,
 * hashes and the meta JSON string included, so an export can be re-verified offline.
 * The cursor comes from the client: a bad one is a 400.
 */
export async function exportAudit(
  env: Env,
  chain: string,
  opts: { fromTs?: number; toTs?: number; cursor?: string | null; limit: number; order?: "asc" | "desc" },
): Promise<{ rows: AuditRow[]; nextCursor: string | null }> {
  assertChain(chain);
  const limit = Math.min(Math.max(Math.trunc(opts.limit) || 1, 1), PAGE);
  const desc_ = opts.order === "desc";
  const where = [eq(auditLog.chain, chain)];
  if (opts.cursor) {
    if (!/^\d{1,15}$/.test(opts.cursor)) throw new ApiError("bad_request", "Invalid cursor");
    where.push((desc_ ? lt : gt)(auditLog.seq, Number(opts.cursor)));
  }
  if (opts.fromTs !== undefined) where.push(gte(auditLog.ts, opts.fromTs));
  if (opts.toTs !== undefined) where.push(lt(auditLog.ts, opts.toTs));
  const rows = await controlDb(env)
    .select()
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc_ ? desc(auditLog.seq) : asc(auditLog.seq))
    .limit(limit + 1);
  const more = rows.length > limit;
  if (more) rows.pop();
  return { rows, nextCursor: more ? String(rows[rows.length - 1].seq) : null };
}

// ---- Small helpers -----------------------------------------------------------------------

function assertChain(chain: string) {
  if (!CHAIN_RE.test(chain)) throw new Error(`audit: bad chain "${chain}"`);
}
function assertDay(day: string) {
  if (!DAY_RE.test(day) || utcDay(Date.parse(`${day}T00:00:00Z`) || 0) !== day)
    throw new Error(`audit: bad day "${day}"`);
}
const utcDay = (ts: number) => new Date(ts).toISOString().slice(0, 10);
const nextDay = (day: string) => utcDay(Date.parse(`${day}T00:00:00Z`) + DAY_MS);
const maxStr = (a: string, b: string) => (a > b ? a : b);

/** D1 stores UTF-8: a lone surrogate would come back as U+FFFD and its hash would no longer match. */
const wellFormed = (s: string) =>
  s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
/** Well-formed and at most n code points (never cut a surrogate pair in two). */
function clip(s: string | null | undefined, n: number): string | null {
  if (s == null) return null;
  const w = wellFormed(s);
  return w.length <= n ? w : Array.from(w).slice(0, n).join("");
}

/** Appends an entry for the request's tenant, actor, address and user agent. */
export async function auditCtx(
  ctx: Ctx,
  action: string,
  targetType?: string,
  targetId?: string,
  meta?: Record<string, string | number | boolean | null>,
  result: "success" | "failure" | "denied" = "success",
) {
  await appendAudit(ctx.env, {
    tenantId: ctx.tenant.id,
    actor: ctx.actor,
    action,
    targetType,
    targetId,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    meta,
    result,
  });
}

/** Several entries of the context's tenant in one append (a bulk import's created calls). */
export async function auditCtxMany(
  ctx: Ctx,
  entries: {
    action: string;
    targetType?: string;
    targetId?: string;
    meta?: Record<string, string | number | boolean | null>;
  }[],
) {
  await appendAuditMany(
    ctx.env,
    entries.map((e) => ({
      tenantId: ctx.tenant.id,
      actor: ctx.actor,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      result: "success" as const,
      ...e,
    })),
  );
}
