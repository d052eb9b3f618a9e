import { and, eq } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { type DataPlane, dataPlane, tenantPrefix } from "../../db/resolver";
import {
  type Job,
  memberships,
  type Tenant,
  tenants,
  users,
  webhookEndpoints,
} from "../../db/schema/control";
import { maskPhone, phoneHash } from "../calls/phone";
import { newFtsId } from "../calls/transcript-store";
import { emailSchema } from "../identity/account-base";
import { inviteMember } from "../identity/invitations";
import { tenantById } from "../identity/tenants";
import { markAllKpiDaysDirty } from "../insights/kpis";
import { createEndpoint, updateEndpoint } from "../integrations/webhooks";
import { appendAudit, auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { decryptString, encryptString, newId } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import { type CdEntry, openZipEntry, readZipEntryBytes, ZipFormatError } from "../platform/exports/zip-read";
import { enqueueJob, JobFailure, type StepOutcome } from "../platform/jobs";
import { assignableRoles, ROLES, type Role } from "../platform/rbac";
import { BackupRefused, type BackupSource, type VerifiedBackup, verifyBackup } from "./backup-archive";
import { tenantTables } from "./location-migration";
import type { RetentionCategory } from "./retention";
import { cutoffsFor } from "./retention-purge";

/**
 * The restore job (`tenant_restore`): a verified, signed backup (core/governance/backup-archive.ts) read back
 * into the target organisation in bounded steps — a table of small phases, each step doing one
 * bounded chunk (D1 statements, R2 calls and bytes counted, far below the 1,000-query limit of
 * an invocation) and never holding a whole object: entries are streamed from the uploaded ZIP
 * with ranged reads through the central directory, size, CRC-32 and signed SHA-256 checked again.
 *
 *   prepare → settings → rows → objects → fts → kpis → members → webhooks → finish
 *
 * Independently of the signature, nothing from the archive is trusted to say *whose* a row is
 * or *where* an object goes (TABLE_RULES):
 * - every row gets the target's tenant id; object-key columns are recomputed under the target's
 *   `t/<tenant>/` from ids (a recording pointer that is not the source's own for that call is
 *   dropped); a row with any `*_key` column outside the target's prefix fails the job;
 * - phone numbers are decrypted with the source's binding and stored again under the target's
 *   (ciphertext, keyed hash, mask); suppression entries and caller restrictions are re-keyed the
 *   same way from the number they carry, so an objection still matches after the restore;
 * - what was erased since the backup stays erased: calls and agents of a person with an executed
 *   erasure request (source or target organisation, made after the call) are left out and the
 *   erasure joins the target's suppression list; legal holds win, as in the erasure itself;
 * - the target's retention cut-offs (after the backup's settings are applied) are applied as the
 *   daily purge would: expired recordings, transcripts and analyses are not brought back; a call
 *   whose every category expired is left out;
 * - objects are written only where a restored row points (current recording, transcript and raw
 *   speech-to-text response of a kept transcript, analysis results of kept analyses).
 * Steps are idempotent: a table entry is inserted in one batch (a transaction) and skipped when a
 * re-run finds it present; objects are rewritten in place; members and webhooks skip what exists.
 */

type Row = Record<string, unknown>;
export const RESTORE_PHASES = [
  "prepare",
  "settings",
  "rows",
  "objects",
  "fts",
  "kpis",
  "members",
  "webhooks",
  "finish",
] as const;
type Phase = (typeof RESTORE_PHASES)[number];

const ROWS_PER_INSERT = 50;
/** An export writes 500 rows an entry; more is refused (bounded memory and statements per entry). */
const MAX_ROWS_PER_ENTRY = 500;
const MAX_TABLE_ENTRY_BYTES = 16 * 1024 * 1024;
const MAX_CONTROL_ENTRY_BYTES = 8 * 1024 * 1024;
const FTS_PER_STEP = 40;
const MEMBERS_PER_STEP = 50;
const WEBHOOKS_PER_STEP = 25;
const MAX_RESTORED = 500;
const SEGMENT = /^[A-Za-z0-9_-]{1,64}$/;
const TABLE_ENTRY = /^tables\/([a-z0-9_]+)\/\d+\.ndjson$/;
const OBJECT_ENTRY = /^objects\/calls\/([A-Za-z0-9_-]{1,64})\/([A-Za-z0-9._-]{1,100})$/;

export interface RestoreParams {
  uploadId: string;
  /** ETag of the verified upload: every read is made against that version only. */
  etag: string;
  source: BackupSource;
  actor?: Ctx["actor"];
}

interface Counts {
  rows: Record<string, number>;
  objects: number;
  objectsLeftOut: number;
  erased: { calls: number; agents: number };
  expired: { calls: number; recordings: number; transcripts: number; analyses: number };
  /** Object pointers in rows that were not the source's own for that row: dropped. */
  refusedKeys: number;
  /** Suppression or restriction entries without the number they need to be re-keyed. */
  withoutNumber: number;
  tablesNotRestored: string[];
  ftsIndexed: number;
}

interface Progress {
  phase: Phase;
  /** Next content entry of the rows or objects phase. */
  entry: number;
  /** Next member or webhook of their phases. */
  item: number;
  /** Retention cut-offs fixed when the settings are applied (null: a legal hold keeps all). */
  cutoffs: Record<RetentionCategory, number> | null;
  now: number;
  counts: Counts;
  ftsAfter?: string;
  tickets?: number | "some";
  members?: { memberships: number; invitations: number; skipped: { email: string; reason: string }[] };
  webhooks?: { restoredDisabled: number; skipped: { url: string; reason: string }[] };
  [k: string]: unknown;
}

/**
 * What one step may spend before it stops at the next entry boundary: D1 statements (an entry
 * of 500 rows adds at most ~35 more; an invocation may make 1,000), R2 calls and bytes streamed.
 */
export const RESTORE_LIMITS = { d1: 400, r2: 300, bytes: 256 * 1024 * 1024 };

class Budget {
  d1 = 0;
  r2 = 0;
  bytes = 0;
  spent() {
    return this.d1 >= RESTORE_LIMITS.d1 || this.r2 >= RESTORE_LIMITS.r2 || this.bytes >= RESTORE_LIMITS.bytes;
  }
}

interface Step {
  env: Env;
  job: Job;
  tenant: Tenant;
  dp: DataPlane;
  params: RestoreParams;
  p: Progress;
  budget: Budget;
  archive(): Promise<VerifiedBackup>;
  /** Statements to run in the same batch as the current entry's rows. */
  extra: D1PreparedStatement[];
  /** Columns of the target's tables, read once a step. */
  columns: Map<string, Set<string>>;
}

const uploadKeyOf = (dp: DataPlane, id: string) => dp.key("backups", "uploads", `${id}.zip`);
const fail = (detail: string) => new JobFailure(detail);

// ---- Archive access ------------------------------------------------------------------------------

async function openVerified(s: Omit<Step, "archive">): Promise<VerifiedBackup> {
  const key = uploadKeyOf(s.dp, s.params.uploadId);
  let v: VerifiedBackup;
  try {
    v = await verifyBackup(s.env, s.dp.bucket, key);
  } catch (err) {
    if (err instanceof BackupRefused) throw fail(err.message);
    throw err;
  }
  s.budget.r2 += 5;
  if (v.dir.etag !== s.params.etag) throw fail("the uploaded backup changed after it was verified");
  if (v.manifest.tenantId !== s.params.source.tenantId) throw fail("the backup's source changed");
  return v;
}

const shaOf = (a: VerifiedBackup, e: CdEntry) => a.manifest.entries[a.content.indexOf(e)].sha256;

async function entryBytes(s: Step, a: VerifiedBackup, e: CdEntry, max: number): Promise<Uint8Array> {
  s.budget.r2 += 2;
  s.budget.bytes += e.size;
  try {
    return await readZipEntryBytes(s.dp.bucket, uploadKeyOf(s.dp, s.params.uploadId), a.dir, e, max, {
      sha256: shaOf(a, e),
    });
  } catch (err) {
    if (err instanceof ZipFormatError) throw fail(err.message);
    throw err;
  }
}

/** A small JSON entry of the archive by name (control files), or undefined when absent. */
async function controlJson<T>(s: Step, name: string): Promise<T | undefined> {
  const a = await s.archive();
  const e = a.content.find((x) => x.name === name);
  if (!e) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(await entryBytes(s, a, e, MAX_CONTROL_ENTRY_BYTES))) as T;
  } catch (err) {
    if (err instanceof SyntaxError) throw fail(`${name} is not valid JSON`);
    throw err;
  }
}

// ---- Keys, phones, erasures, retention (the pieces the table rules are made of) -----------------

/** A caller's number from a ciphertext of the source (bound to the source tenant). */
async function sourceNumber(s: Step, enc: unknown): Promise<string | null> {
  if (typeof enc !== "string" || !enc) return null;
  try {
    return await decryptString(s.env.ENCRYPTION_KEY, enc, `phone:${s.params.source.tenantId}`);
  } catch {
    throw fail("an encrypted phone number of the backup cannot be read with this platform's keys");
  }
}

interface TargetPhone {
  hash: string;
  enc: string;
  masked: string;
}
async function targetPhone(s: Step, e164: string | null): Promise<TargetPhone | null> {
  if (!e164) return null;
  return {
    hash: await phoneHash(s.env, s.tenant.id, e164),
    enc: await encryptString(s.env.ENCRYPTION_KEY, e164, `phone:${s.tenant.id}`),
    masked: maskPhone(e164),
  };
}

interface Erasure {
  at: number;
  requestId: string;
}
const erasureKey = (tenantId: string, type: "caller" | "agent", ref: string) => `${tenantId}|${type}|${ref}`;

/** Executed erasure requests of the source and the target about these subjects (one query). */
async function erasuresOf(s: Step, refs: (string | null | undefined)[]): Promise<Map<string, Erasure>> {
  const wanted = [...new Set(refs.filter((r): r is string => typeof r === "string" && r.length > 0))];
  const out = new Map<string, Erasure>();
  if (!wanted.length) return out;
  s.budget.d1++;
  const rows = (
    await s.env.CONTROL_DB.prepare(
      `select tenant_id, subject_type, subject_ref, id, executed_at from privacy_requests
       where kind = 'erasure' and executed_at is not null and tenant_id in (?, ?)
       and subject_ref in (select value from json_each(?))`,
    )
      .bind(s.params.source.tenantId, s.tenant.id, JSON.stringify(wanted))
      .all<{
        tenant_id: string;
        subject_type: "caller" | "agent";
        subject_ref: string;
        id: string;
        executed_at: number;
      }>()
  ).results;
  for (const r of rows) {
    const k = erasureKey(r.tenant_id, r.subject_type, r.subject_ref);
    if ((out.get(k)?.at ?? -1) < r.executed_at) out.set(k, { at: r.executed_at, requestId: r.id });
  }
  return out;
}

/** The erasure that removed this call (made after it, about its caller or agent), if any. */
function erasureOfCall(
  s: Step,
  hits: Map<string, Erasure>,
  r: Row,
  srcHash: string | null,
  dstHash: string | null,
): (Erasure & { caller: boolean }) | null {
  const created = Number(r.created_at);
  const agent = typeof r.agent_id === "string" ? r.agent_id : null;
  const candidates: [string | null, boolean][] = [
    [srcHash && erasureKey(s.params.source.tenantId, "caller", srcHash), true],
    [dstHash && erasureKey(s.tenant.id, "caller", dstHash), true],
    [agent && erasureKey(s.params.source.tenantId, "agent", agent), false],
    [agent && erasureKey(s.tenant.id, "agent", agent), false],
  ];
  for (const [k, caller] of candidates) {
    const hit = k ? hits.get(k) : undefined;
    if (hit && hit.at >= created) return { ...hit, caller };
  }
  return null;
}

/** The target keeps these erasures on its suppression list: the person's next call is held. */
function erasureSuppressions(
  s: Step,
  list: { phone: TargetPhone; requestId: string }[],
): D1PreparedStatement {
  return s.dp.d1
    .prepare(
      `insert or ignore into privacy_suppressions (tenant_id, phone_hash, phone_enc, reason, request_id, created_at)
       select ?, json_extract(value, '$.hash'), json_extract(value, '$.enc'), 'erasure', json_extract(value, '$.requestId'), ?
       from json_each(?)`,
    )
    .bind(
      s.tenant.id,
      s.p.now,
      JSON.stringify(list.map((x) => ({ hash: x.phone.hash, enc: x.phone.enc, requestId: x.requestId }))),
    );
}

function expired(s: Step, call: Row, category: "recordings" | "transcripts" | "analyses"): boolean {
  const c = s.p.cutoffs;
  return !!c && call.legal_hold_at == null && Number(call.started_at) < c[category];
}

/** What the daily purge would have removed by now is not brought back (null: the whole call). */
function withRetention(s: Step, r: Row): Row | null {
  const [rec, tx, an] = (["recordings", "transcripts", "analyses"] as const).map((c) => expired(s, r, c));
  if (rec && tx && an) return null;
  const out = { ...r };
  const now = s.p.now;
  const n = s.p.counts.expired;
  if (rec && out.rec_key != null) {
    Object.assign(out, { rec_key: null, rec_status: "none", rec_purged_at: now });
    n.recordings++;
  }
  if (tx && out.tx_format != null) {
    Object.assign(out, {
      tx_format: null,
      tx_segments: null,
      tx_words: null,
      fts_id: null,
      tx_purged_at: now,
    });
    n.transcripts++;
  }
  if (an && out.analysis_id != null) {
    Object.assign(out, {
      analysis_id: null,
      score: null,
      passed: null,
      critical_fail: null,
      reviewed_score: null,
      an_purged_at: now,
    });
    n.analyses++;
  }
  return out;
}

/**
 * The recording key under the target's prefix, from the call id. The archived pointer only names
 * which version is current, and only when it is the source's own key for this very call.
 */
function withRecordingKey(s: Step, r: Row): Row {
  if (r.rec_key == null) return r;
  const own = `t/${s.params.source.tenantId}/calls/${String(r.id)}/`;
  const rest = typeof r.rec_key === "string" && r.rec_key.startsWith(own) ? r.rec_key.slice(own.length) : "";
  if (/^recording-[A-Za-z0-9_-]{1,64}$/.test(rest) && r.rec_status === "stored")
    return { ...r, rec_key: s.dp.key("calls", String(r.id), rest) };
  if (!rest) s.p.counts.refusedKeys++;
  return { ...r, rec_key: null, rec_status: "none" };
}

const phoneColumns = (ph: TargetPhone | null) =>
  ph
    ? { phone_hash: ph.hash, phone_enc: ph.enc, phone_masked: ph.masked }
    : { phone_hash: null, phone_enc: null };

/** The target's calls with these ids (what dependent rows and objects are checked against). */
async function targetCalls(s: Step, ids: unknown[]): Promise<Map<string, Row>> {
  const wanted = [...new Set(ids.filter((i): i is string => typeof i === "string"))];
  if (!wanted.length) return new Map();
  s.budget.d1++;
  const rows = (
    await s.dp.d1
      .prepare(
        `select id, started_at, legal_hold_at, rec_key, rec_mime, tx_format from calls
         where tenant_id = ? and id in (select value from json_each(?))`,
      )
      .bind(s.tenant.id, JSON.stringify(wanted))
      .all<Row>()
  ).results;
  return new Map(rows.map((r) => [String(r.id), r]));
}

// ---- Table rules ---------------------------------------------------------------------------------

interface TableRule {
  /** Columns identifying a row in the tenant: a re-run step finds its entry already inserted. */
  identity: string[];
  /** Merged with the target's own rows (insert or ignore) instead of replacing none. */
  merge?: boolean;
  /** The archived rows as the target's rows; rows left out are simply not returned. */
  rewrite(rows: Row[], s: Step): Promise<Row[]>;
}
type TableEntryRule = TableRule | { notRestored: string };

const asIs = async (rows: Row[]) => rows;

async function rewriteAgents(rows: Row[], s: Step): Promise<Row[]> {
  const hits = await erasuresOf(
    s,
    rows.map((r) => r.id as string),
  );
  return rows.filter((r) => {
    const at = Math.max(
      hits.get(erasureKey(s.params.source.tenantId, "agent", String(r.id)))?.at ?? -1,
      hits.get(erasureKey(s.tenant.id, "agent", String(r.id)))?.at ?? -1,
    );
    if (at < Number(r.created_at)) return true;
    s.p.counts.erased.agents++;
    return false;
  });
}

async function rewriteCalls(rows: Row[], s: Step): Promise<Row[]> {
  const safe = rows.filter((r) => SEGMENT.test(String(r.id)));
  s.p.counts.refusedKeys += rows.length - safe.length;
  const numbers = await Promise.all(safe.map((r) => sourceNumber(s, r.phone_enc)));
  const phones = await Promise.all(numbers.map((n) => targetPhone(s, n)));
  const srcHashes = await Promise.all(
    numbers.map((n) => (n ? phoneHash(s.env, s.params.source.tenantId, n) : null)),
  );
  const hits = await erasuresOf(s, [
    ...srcHashes,
    ...phones.map((p) => p?.hash),
    ...safe.map((r) => r.agent_id as string),
  ]);
  const out: Row[] = [];
  const suppressed: { phone: TargetPhone; requestId: string }[] = [];
  safe.forEach((r, i) => {
    const erasure =
      r.legal_hold_at == null ? erasureOfCall(s, hits, r, srcHashes[i], phones[i]?.hash ?? null) : null;
    if (erasure) {
      s.p.counts.erased.calls++;
      const phone = phones[i];
      if (erasure.caller && phone) suppressed.push({ phone, requestId: erasure.requestId });
      return;
    }
    const kept = withRetention(s, withRecordingKey(s, { ...r, ...phoneColumns(phones[i]), fts_id: null }));
    if (kept) out.push(kept);
    else s.p.counts.expired.calls++;
  });
  if (suppressed.length) s.extra.push(erasureSuppressions(s, suppressed));
  return out;
}

/** Rows that hang off a call: kept only under a restored call (and unexpired, when it says so). */
function underCall(keepIf?: "analyses", key?: (r: Row) => string) {
  return async (rows: Row[], s: Step): Promise<Row[]> => {
    const calls = await targetCalls(
      s,
      rows.map((r) => r.call_id),
    );
    return rows
      .filter((r) => {
        const c = calls.get(String(r.call_id));
        return !!c && SEGMENT.test(String(r.id ?? "x")) && !(keepIf && expired(s, c, keepIf));
      })
      .map((r) => (key ? { ...r, result_key: s.dp.key("calls", String(r.call_id), key(r)) } : r));
  };
}

/** Suppression entries and caller restrictions follow the number they carry into the target. */
function rekeyed(hashCol: string, encCol: string, onlyIf?: (r: Row) => boolean) {
  return async (rows: Row[], s: Step): Promise<Row[]> => {
    const out: Row[] = [];
    for (const r of rows) {
      if (onlyIf && !onlyIf(r)) {
        out.push(r);
        continue;
      }
      const ph = await targetPhone(s, await sourceNumber(s, r[encCol]));
      if (ph) out.push({ ...r, [hashCol]: ph.hash, [encCol]: ph.enc });
      else s.p.counts.withoutNumber++;
    }
    return out;
  };
}

/**
 * How each data-plane table is restored. A table missing here is not restored at all (listed in
 * the result); a test checks every table of the schema has a rule, so a new one is a decision.
 * Export order follows this order: a row's parent call is restored before it.
 */
export const TABLE_RULES: Record<string, TableEntryRule> = {
  agents: { identity: ["id"], rewrite: rewriteAgents },
  rubrics: { identity: ["id"], rewrite: asIs },
  rubric_versions: { identity: ["rubric_id", "version"], rewrite: asIs },
  calls: { identity: ["id"], rewrite: rewriteCalls },
  analyses: { identity: ["id"], rewrite: underCall("analyses", (r) => `analysis-${String(r.id)}.json`) },
  call_labels: { identity: ["call_id", "kind", "label"], rewrite: underCall("analyses") },
  // A review is the same retention category as the analysis it judges (SPEC F1): not restored
  // when that analysis expired, as the purge deletes them together.
  reviews: { identity: ["id"], rewrite: underCall("analyses") },
  privacy_suppressions: { identity: [], merge: true, rewrite: rekeyed("phone_hash", "phone_enc") },
  privacy_restrictions: {
    identity: [],
    merge: true,
    rewrite: rekeyed("subject_ref", "subject_enc", (r) => r.subject_type === "caller"),
  },
  support_attachments: { notRestored: "support tickets stay with the source organisation" },
  imports: { notRestored: "an import job is the source organisation's history; its calls are restored" },
  import_items: { notRestored: "an import job is the source organisation's history; its calls are restored" },
  review_queue: { notRestored: "the queue names the source's reviewers; sampling runs again in the target" },
  calibration_sessions: {
    notRestored: "calibration names the source's reviewers; run a new session in the target",
  },
  calibration_calls: {
    notRestored: "calibration names the source's reviewers; run a new session in the target",
  },
  calibration_participants: {
    notRestored: "calibration names the source's reviewers; run a new session in the target",
  },
  calibration_answers: {
    notRestored: "calibration names the source's reviewers; run a new session in the target",
  },
};

/** Table order of an export (rule order, then any other table alphabetically). */
export function exportOrder(tables: string[]): string[] {
  const known = Object.keys(TABLE_RULES);
  return [...known.filter((t) => tables.includes(t)), ...tables.filter((t) => !known.includes(t)).sort()];
}

/** The last word on every restored row: the target's tenant id, and no object key of anyone else. */
function confine(s: Step, table: string, cols: Set<string>, r: Row): Row {
  const out: Row = {};
  for (const c of cols) if (Object.hasOwn(r, c)) out[c] = r[c];
  out.tenant_id = s.tenant.id;
  for (const [k, v] of Object.entries(out))
    if (
      k.endsWith("_key") &&
      v != null &&
      !(typeof v === "string" && v.startsWith(tenantPrefix(s.tenant.id)))
    )
      throw fail(`${table}.${k}: an object key outside this organisation was refused`);
  return out;
}

async function columnsOf(s: Step, table: string): Promise<Set<string>> {
  let cols = s.columns.get(table);
  if (!cols) {
    s.budget.d1++;
    const res = await s.dp.d1
      .prepare("select name from pragma_table_info(?)")
      .bind(table)
      .all<{ name: string }>();
    cols = new Set(res.results.map((c) => c.name));
    s.columns.set(table, cols);
  }
  return cols;
}

function parseRows(bytes: Uint8Array, name: string): Row[] {
  const lines = new TextDecoder().decode(bytes).split("\n").filter(Boolean);
  if (lines.length > MAX_ROWS_PER_ENTRY) throw fail(`${name}: more than ${MAX_ROWS_PER_ENTRY} rows`);
  return lines.map((l) => {
    let r: unknown;
    try {
      r = JSON.parse(l);
    } catch {
      throw fail(`${name}: a row is not valid JSON`);
    }
    if (!r || typeof r !== "object" || Array.isArray(r)) throw fail(`${name}: a row is not an object`);
    return r as Row;
  });
}

function insertStatement(s: Step, table: string, rule: TableRule, rows: Row[]): D1PreparedStatement {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return s.dp.d1
    .prepare(
      `insert ${rule.merge ? "or ignore " : ""}into "${table}" (${names.map((c) => `"${c}"`).join(",")})
       select ${names.map((c) => `json_extract(value, '$."${c}"')`).join(",")} from json_each(?)`,
    )
    .bind(JSON.stringify(rows));
}

/** A re-run of a step whose batch had committed: the entry's first row is already there. */
async function alreadyRestored(s: Step, table: string, rule: TableRule, first: Row): Promise<boolean> {
  if (rule.merge || !rule.identity.length) return false;
  s.budget.d1++;
  const where = rule.identity.map((c) => `"${c}" = ?`).join(" and ");
  const hit = await s.dp.d1
    .prepare(`select 1 from "${table}" where tenant_id = ? and ${where}`)
    .bind(s.tenant.id, ...rule.identity.map((c) => first[c] as string | number | null))
    .first();
  return hit !== null;
}

async function restoreTableEntry(s: Step, a: VerifiedBackup, e: CdEntry, table: string): Promise<void> {
  const rule = TABLE_RULES[table];
  if (!rule || "notRestored" in rule) {
    if (!s.p.counts.tablesNotRestored.includes(table)) s.p.counts.tablesNotRestored.push(table);
    return;
  }
  const cols = await columnsOf(s, table);
  if (!cols.size) return; // a table this version no longer has
  const archived = parseRows(await entryBytes(s, a, e, MAX_TABLE_ENTRY_BYTES), e.name);
  s.extra = [];
  const rows: Row[] = [];
  for (let i = 0; i < archived.length; i += ROWS_PER_INSERT)
    for (const r of await rule.rewrite(archived.slice(i, i + ROWS_PER_INSERT), s))
      rows.push(confine(s, table, cols, r));
  const count = () => {
    s.p.counts.rows[table] = (s.p.counts.rows[table] ?? 0) + rows.length;
  };
  if (rows.length && (await alreadyRestored(s, table, rule, rows[0]))) return count();
  const statements = [...s.extra];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT)
    statements.push(insertStatement(s, table, rule, rows.slice(i, i + ROWS_PER_INSERT)));
  if (!statements.length) return;
  s.budget.d1 += statements.length;
  try {
    await s.dp.d1.batch(statements);
  } catch (err) {
    if (/UNIQUE|PRIMARY KEY/i.test(String(err)))
      throw fail(
        `ids already present in this data plane (${table}): restore into a tenant in another location or shard, or after the source is deleted`,
      );
    throw err;
  }
  count();
}

// ---- Objects -------------------------------------------------------------------------------------

/** Where an archived object goes in the target — only where a restored row points — or null. */
async function objectTarget(s: Step, name: string): Promise<{ key: string; contentType: string } | null> {
  const m = OBJECT_ENTRY.exec(name);
  if (!m) return null;
  const [, callId, file] = m;
  const call = (await targetCalls(s, [callId])).get(callId);
  if (!call) return null;
  const key = s.dp.key("calls", callId, file);
  const json = "application/json";
  if (file.startsWith("recording-"))
    return call.rec_key === key
      ? { key, contentType: String(call.rec_mime ?? "application/octet-stream") }
      : null;
  if (file === "transcript.json" || /^stt-[a-z0-9]+\.json$/.test(file))
    return call.tx_format != null ? { key, contentType: json } : null;
  const an = /^analysis-([A-Za-z0-9_-]{1,64})\.json$/.exec(file);
  if (!an) return null;
  s.budget.d1++;
  const row = await s.dp.d1
    .prepare("select 1 from analyses where tenant_id = ? and id = ? and result_key = ?")
    .bind(s.tenant.id, an[1], key)
    .first();
  return row ? { key, contentType: json } : null;
}

/** Stream one entry into the target's bucket; R2 refuses the write unless the SHA-256 matches. */
async function restoreObjectEntry(s: Step, a: VerifiedBackup, e: CdEntry): Promise<void> {
  const target = await objectTarget(s, e.name);
  if (!target) {
    s.p.counts.objectsLeftOut++;
    return;
  }
  const sha256 = shaOf(a, e);
  s.budget.r2 += 3;
  s.budget.bytes += e.size;
  const opts = { sha256, httpMetadata: { contentType: target.contentType } };
  try {
    if (e.size === 0) await s.dp.bucket.put(target.key, new Uint8Array(0), opts);
    else {
      const body = await openZipEntry(s.dp.bucket, uploadKeyOf(s.dp, s.params.uploadId), a.dir, e, {
        sha256,
      });
      const fixed = new FixedLengthStream(e.size);
      await Promise.all([s.dp.bucket.put(target.key, fixed.readable, opts), body.pipeTo(fixed.writable)]);
    }
  } catch (err) {
    if (err instanceof ZipFormatError) throw fail(err.message);
    throw err;
  }
  s.p.counts.objects++;
}

// ---- Phases ----------------------------------------------------------------------------------------

async function assertEmpty(env: Env, tenant: Tenant): Promise<void> {
  const r = await dataPlane(env, tenant)
    .d1.prepare(
      "select (select count(*) from calls where tenant_id = ?1) + (select count(*) from agents where tenant_id = ?1) as n",
    )
    .bind(tenant.id)
    .first<{ n: number }>();
  if ((r?.n ?? 0) > 0)
    throw new ApiError(
      "conflict",
      "A backup is restored only into an empty organisation (no calls, no agents)",
      {
        messageKey: "backup.error.not_empty",
      },
    );
}

export { assertEmpty as assertEmptyForRestore };

/** The target is still empty; its provisioning defaults (the starter rubric) give way to the backup's. */
async function prepare(s: Step): Promise<boolean> {
  try {
    await assertEmpty(s.env, s.tenant);
  } catch (err) {
    throw fail((err as Error).message);
  }
  const tables = await tenantTables(s.dp.d1);
  const replaced = tables.filter((t) => {
    const rule = TABLE_RULES[t];
    return rule && !("notRestored" in rule) && !rule.merge;
  });
  s.budget.d1 += tables.length + 2;
  if (replaced.length)
    await s.dp.d1.batch(
      replaced.map((t) => s.dp.d1.prepare(`delete from "${t}" where tenant_id = ?`).bind(s.tenant.id)),
    );
  return true;
}

/** The backup's settings, then the retention cut-offs they give (fixed for the whole restore). */
async function settings(s: Step): Promise<boolean> {
  const t = await controlJson<Partial<Tenant>>(s, "control/tenant.json");
  if (t && typeof t === "object")
    await controlDb(s.env)
      .update(tenants)
      .set({
        redactionPatterns: t.redactionPatterns ?? s.tenant.redactionPatterns,
        retention: t.retention ?? s.tenant.retention,
        retentionAcknowledgedAt: t.retentionAcknowledgedAt ?? s.tenant.retentionAcknowledgedAt,
        speechProvider: t.speechProvider ?? s.tenant.speechProvider,
        analysisProvider: t.analysisProvider ?? s.tenant.analysisProvider,
        statsOptOut: t.statsOptOut ?? s.tenant.statsOptOut,
        updatedAt: Date.now(),
      })
      .where(eq(tenants.id, s.tenant.id));
  s.budget.d1 += 3;
  const now = (await tenantById(s.env, s.tenant.id)) ?? s.tenant;
  s.p.cutoffs = now.legalHoldReason ? null : cutoffsFor(now, s.p.now);
  // Counted now: the finish runs without the archive (it deletes it, and may run twice).
  s.p.tickets = await ticketCount(s);
  return true;
}

/** Walk the content entries matching `pattern` from the saved position, one entry at a time. */
function eachEntry(
  pattern: RegExp,
  run: (s: Step, a: VerifiedBackup, e: CdEntry, m: RegExpExecArray) => Promise<void>,
) {
  return async (s: Step): Promise<boolean> => {
    const a = await s.archive();
    while (s.p.entry < a.content.length) {
      const e = a.content[s.p.entry];
      const m = pattern.exec(e.name);
      if (m) await run(s, a, e, m);
      s.p.entry++;
      // At least one entry a step, so a step always moves on.
      if (s.budget.spent() && s.p.entry < a.content.length) return false;
    }
    s.p.entry = 0;
    return true;
  };
}

/** The table entries, under the table rules: after the settings, whose retention cut-offs they apply. */
const rowsPhase = eachEntry(TABLE_ENTRY, (s, a, e, m) => restoreTableEntry(s, a, e, m[1]));
/** The R2 objects: after the rows, which say which objects a kept call still owns. */
const objectsPhase = eachEntry(/^objects\//, restoreObjectEntry);

/** The full-text index, from the restored transcripts (it is contentless: not in the archive). */
async function fts(s: Step): Promise<boolean> {
  const ids = (
    await s.dp.d1
      .prepare(
        "select id from calls where tenant_id = ? and tx_format is not null and fts_id is null and id > ? order by id limit ?",
      )
      .bind(s.tenant.id, s.p.ftsAfter ?? "", FTS_PER_STEP)
      .all<{ id: string }>()
  ).results;
  s.budget.d1++;
  for (const { id } of ids) {
    s.p.ftsAfter = id;
    s.budget.d1 += 2;
    s.budget.r2++;
    const obj = await s.dp.bucket.get(s.dp.key("calls", id, "transcript.json"));
    if (!obj) continue;
    const tx = (await obj.json()) as { segments?: { text: string }[] };
    const ftsId = newFtsId();
    await s.dp.d1.batch([
      s.dp.d1
        .prepare("insert into calls_fts(rowid, body) values (?, ?)")
        .bind(ftsId, (tx.segments ?? []).map((x) => x.text).join("\n")),
      s.dp.d1
        .prepare("update calls set fts_id = ? where tenant_id = ? and id = ?")
        .bind(ftsId, s.tenant.id, id),
    ]);
  }
  if (ids.length === FTS_PER_STEP) return false;
  // Counted from the index itself: a run cut short and repeated indexes nothing twice.
  const n = await s.dp.d1
    .prepare("select count(*) as n from calls where tenant_id = ? and fts_id is not null")
    .bind(s.tenant.id)
    .first<{ n: number }>();
  s.p.counts.ftsIndexed = n?.n ?? 0;
  return true;
}

/** The dashboards' rollups are rebuilt from the restored calls by the KPI sweep. */
async function kpis(s: Step): Promise<boolean> {
  await markAllKpiDaysDirty(s.dp);
  await enqueueJob(s.env, { type: "kpi.rollup", tenantId: s.tenant.id });
  return true;
}

function restorerCtx(s: Step): Ctx {
  return {
    env: s.env,
    tenant: s.tenant,
    actor: s.params.actor ?? { type: "system", id: null },
    requestId: `restore:${s.job.id}`,
    ip: null,
    userAgent: null,
  };
}

/** Run `fn` over the next slice of a control list; true when the list is done. */
async function sliceOf<T>(s: Step, name: string, per: number, fn: (ctx: Ctx, items: T[]) => Promise<void>) {
  const all = await controlJson<T[]>(s, name);
  const list = Array.isArray(all) ? all.slice(0, MAX_RESTORED) : [];
  const items = list.slice(s.p.item, s.p.item + per);
  // Each one is a few control-plane statements (lookups, insert or invitation, audit entry).
  s.budget.d1 += items.length * 8;
  if (items.length) await fn(restorerCtx(s), items);
  s.p.item += items.length;
  if (s.p.item < list.length) return false;
  s.p.item = 0;
  return true;
}

/** Members and invitations, as the restorer: after the rows (an agent member points at its agent). */
const members = (s: Step) =>
  sliceOf<ExportedMember>(s, "control/members.json", MEMBERS_PER_STEP, async (ctx, items) => {
    const out = await restoreMembers(ctx, items);
    s.p.members ??= { memberships: 0, invitations: 0, skipped: [] };
    const acc = s.p.members;
    acc.memberships += out.memberships;
    acc.invitations += out.invitations;
    acc.skipped.push(...out.skipped);
  });

/** Webhook endpoints, re-created disabled with a new secret; a re-run skips those it already made. */
const webhooks = (s: Step) =>
  sliceOf<ExportedWebhook>(s, "control/webhooks.json", WEBHOOKS_PER_STEP, async (ctx, items) => {
    const out = await restoreWebhooks(ctx, items);
    s.p.webhooks ??= { restoredDisabled: 0, skipped: [] };
    const acc = s.p.webhooks;
    acc.restoredDisabled += out.restoredDisabled;
    acc.skipped.push(...out.skipped);
  });

/** The upload goes; the counts are audited in the target organisation. */
async function finish(s: Step): Promise<Record<string, unknown>> {
  const tickets = s.p.tickets ?? 0;
  await s.dp.bucket.delete(uploadKeyOf(s.dp, s.params.uploadId));
  const c = s.p.counts;
  await appendAudit(s.env, {
    tenantId: s.tenant.id,
    actor: { type: "system", id: null },
    action: "backup.restored",
    targetType: "job",
    targetId: s.job.id,
    meta: {
      sourceTenantId: s.params.source.tenantId,
      sourceLocation: s.params.source.location,
      rows: Object.values(c.rows).reduce((x, y) => x + y, 0),
      calls: c.rows.calls ?? 0,
      agents: c.rows.agents ?? 0,
      analyses: c.rows.analyses ?? 0,
      reviews: c.rows.reviews ?? 0,
      objects: c.objects,
      erasedCalls: c.erased.calls,
      erasedAgents: c.erased.agents,
      expiredCalls: c.expired.calls,
      expiredRecordings: c.expired.recordings,
      expiredTranscriptCount: c.expired.transcripts,
      expiredAnalyses: c.expired.analyses,
      refusedKeyCount: c.refusedKeys,
      withoutNumberCount: c.withoutNumber,
    },
  });
  return {
    sourceTenantId: s.params.source.tenantId,
    rows: c.rows,
    objects: c.objects,
    ftsIndexed: c.ftsIndexed,
    leftOut: {
      erased: c.erased,
      expired: c.expired,
      refusedKeys: c.refusedKeys,
      entriesWithoutNumber: c.withoutNumber,
      objects: c.objectsLeftOut,
      tables: c.tablesNotRestored,
    },
    members: s.p.members ?? { memberships: 0, invitations: 0, skipped: [] },
    webhooks: s.p.webhooks ?? { restoredDisabled: 0, skipped: [] },
    notRestored: {
      apiKeys: "create new keys: only hashes are stored, and a hash must never serve two organisations",
      supportTickets: `${tickets} kept with the source organisation; read-only copy in control/support.json`,
    },
  };
}

/** How many support tickets the source kept (only counted: they are not restored). */
async function ticketCount(s: Step): Promise<number | "some"> {
  const e = (await s.archive()).content.find((x) => x.name === "control/support.json");
  if (!e) return 0;
  if (e.size > MAX_CONTROL_ENTRY_BYTES) return "some";
  const support = await controlJson<{ tickets?: unknown[] }>(s, e.name);
  return Array.isArray(support?.tickets) ? support.tickets.length : 0;
}

/** The phases in order; each returns true when it has nothing left (the finish returns the result). */
const PHASE_STEPS: Record<Exclude<Phase, "finish">, (s: Step) => Promise<boolean>> = {
  prepare,
  settings,
  rows: rowsPhase,
  objects: objectsPhase,
  fts,
  kpis,
  members,
  webhooks,
};

const zeroCounts = (): Counts => ({
  rows: {},
  objects: 0,
  objectsLeftOut: 0,
  erased: { calls: 0, agents: 0 },
  expired: { calls: 0, recordings: 0, transcripts: 0, analyses: 0 },
  refusedKeys: 0,
  withoutNumber: 0,
  tablesNotRestored: [],
  ftsIndexed: 0,
});

/** The job's saved progress, or the first one (its clock fixed for the whole restore). */
function progressOf(job: Job): Progress {
  const p = structuredClone(job.progress) as Progress;
  if (!p.phase)
    Object.assign(p, {
      phase: "prepare",
      entry: 0,
      item: 0,
      cutoffs: null,
      now: Date.now(),
      counts: zeroCounts(),
    });
  return p;
}

/** One step of the restore job: phases run until the step's budget is spent. */
export async function restoreStep(env: Env, job: Job): Promise<StepOutcome> {
  const tenant = job.tenantId ? await tenantById(env, job.tenantId) : null;
  if (!tenant) throw fail("tenant not found");
  const params = job.params as unknown as RestoreParams;
  if (!params.etag || !params.source?.tenantId)
    throw fail("this restore was started by an older version: upload again");
  const p = progressOf(job);
  const base = {
    env,
    job,
    tenant,
    dp: dataPlane(env, tenant),
    params,
    p,
    budget: new Budget(),
    extra: [],
    columns: new Map(),
  };
  let archive: Promise<VerifiedBackup> | undefined;
  const s: Step = { ...base, archive: () => (archive ??= openVerified(base)) };
  while (!s.budget.spent()) {
    if (s.p.phase === "finish") return { progress: s.p, result: await finish(s) };
    if (!(await PHASE_STEPS[s.p.phase](s))) break;
    s.p.phase = RESTORE_PHASES[RESTORE_PHASES.indexOf(s.p.phase) + 1];
    // Settings change the tenant row: later phases read it fresh.
    if (s.p.phase === "rows") s.tenant = (await tenantById(env, tenant.id)) ?? tenant;
  }
  return { progress: s.p };
}

// ---- Members and webhooks (control-plane facts, restored as the restorer, within its rights) -------

interface ExportedMember {
  email?: unknown;
  role?: unknown;
  agentId?: unknown;
}
interface ExportedWebhook {
  url?: unknown;
  events?: unknown;
  description?: unknown;
}

function restorerRole(ctx: Ctx): Role {
  if (ctx.actor.type === "user") return ctx.actor.role;
  if (ctx.actor.type === "api_key" && ctx.actor.scopes.includes("admin")) return "admin";
  return "viewer";
}

/** Memberships for existing accounts, invitations for the others; never more than the restorer may give. */
async function restoreMembers(ctx: Ctx, list: ExportedMember[]) {
  const db = controlDb(ctx.env);
  const allowed = assignableRoles(restorerRole(ctx));
  const out = { memberships: 0, invitations: 0, skipped: [] as { email: string; reason: string }[] };
  for (const m of list) {
    const parsed = emailSchema.safeParse(m.email);
    const email = parsed.success ? parsed.data : String(m.email ?? "").slice(0, 254);
    const role = m.role as Role;
    if (!parsed.success || !ROLES.includes(role)) {
      out.skipped.push({ email, reason: "invalid" });
      continue;
    }
    if (!allowed.includes(role)) {
      out.skipped.push({ email, reason: `role ${role} not assignable by the restorer` });
      continue;
    }
    const user = await db.query.users.findFirst({ where: eq(users.email, email) });
    if (user) {
      const already = await db.query.memberships.findFirst({
        where: and(eq(memberships.tenantId, ctx.tenant.id), eq(memberships.userId, user.id)),
      });
      if (already) {
        out.skipped.push({ email, reason: "already a member" });
        continue;
      }
      const id = newId("mem");
      await db.insert(memberships).values({
        id,
        tenantId: ctx.tenant.id,
        userId: user.id,
        role,
        agentId: role === "agent" && typeof m.agentId === "string" ? m.agentId : null,
        createdAt: Date.now(),
      });
      await auditCtx(ctx, "member.restored", "membership", id, { role });
      out.memberships++;
      continue;
    }
    try {
      await inviteMember(ctx, { email, role });
      out.invitations++;
    } catch (err) {
      out.skipped.push({ email, reason: err instanceof ApiError ? err.message : "invitation failed" });
    }
  }
  return out;
}

/** Endpoints re-created disabled, with a new secret nobody has seen (rotate, then enable). */
async function restoreWebhooks(ctx: Ctx, list: ExportedWebhook[]) {
  const out = { restoredDisabled: 0, skipped: [] as { url: string; reason: string }[] };
  for (const h of list) {
    const url = String(h.url ?? "");
    // A re-run step finds the endpoints it already made.
    const exists = await controlDb(ctx.env).query.webhookEndpoints.findFirst({
      where: and(eq(webhookEndpoints.tenantId, ctx.tenant.id), eq(webhookEndpoints.url, url)),
    });
    if (exists) continue;
    try {
      const created = await createEndpoint(ctx, {
        url,
        events: h.events as never,
        description: typeof h.description === "string" ? h.description : undefined,
      });
      await updateEndpoint(ctx, created.id, { active: false });
      out.restoredDisabled++;
    } catch (err) {
      out.skipped.push({
        url: url.slice(0, 200),
        reason: err instanceof ApiError ? err.message : "invalid endpoint",
      });
    }
  }
  return out;
}
