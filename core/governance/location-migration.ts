import { encodeHexLowerCase } from "@oslojs/encoding";
import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import { controlDb } from "../../db/client";
import {
  type DataPlane,
  dataPlane,
  type Location,
  locationConfig,
  shardForNewTenant,
} from "../../db/resolver";
import { type Job, jobs, type Tenant, tenants } from "../../db/schema/control";
import { calls, recordingUploads } from "../../db/schema/data";
import { tenantById } from "../identity/tenants";
import { markAllKpiDaysDirty } from "../insights/kpis";
import { type AuditInput, appendAudit, auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { ApiError } from "../platform/errors";
import {
  enqueueJob,
  JobFailure,
  jobView,
  registerJobHandler,
  type StepOutcome,
  startJob,
} from "../platform/jobs";

/**
 * Moving a tenant's call data to another location (F2), as a durable job:
 *
 *   lock → clear → rows → objects → verify → switch → cleanup → done
 *
 * - lock: the tenant's `writeLock` is set, so API and portal writes to call data answer 409
 *   `tenant-locked` (refused, not queued) and pipeline messages come back later; open multipart
 *   uploads are aborted (a client restarts them after the move).
 * - rows: every data-plane table with a `tenant_id` column (found from the schema, so a new table
 *   is moved without touching this file) is copied in rowid order, 200 rows a step, with one
 *   `insert or replace … from json_each(?)` statement: running a chunk twice writes the same rows.
 * - objects: every R2 object under the tenant's prefix is streamed to the destination bucket,
 *   MD5 computed on the way and compared with the checksum R2 reports for the copy; transcripts
 *   are re-indexed into the destination's full-text index (it is contentless: not copyable).
 * - verify: per table, count and Σ updated_at equal in source and destination; otherwise the
 *   rows phase runs again (twice at most), then the job fails and the source stays authoritative.
 * - switch: the tenant row names the new location and shard; the lock is lifted.
 * - cleanup: source FTS entries, rows and objects are deleted in bounded chunks.
 *
 * Until the switch every read is served from the source; a failed job leaves the tenant where it
 * was (the lock is lifted; partial copies are overwritten by the next attempt).
 */
const ROWS_PER_STEP = 200;
const OBJECTS_PER_STEP = 50;
const DELETE_CHUNK = 500;
const PHASES = ["lock", "clear", "rows", "objects", "verify", "switch", "cleanup"] as const;
type Phase = (typeof PHASES)[number];
/** Tables not moved: uploads in progress are aborted at the lock; FTS is rebuilt from transcripts. */
const SKIP_TABLES = new Set(["recording_uploads", "recording_upload_parts", "tenant_meta", "kpi_dirty"]);
/**
 * KPI rollups (core/insights/kpis.ts) are derived from the calls and stored WITHOUT ROWID: not copied —
 * every day that holds a call is marked dirty at the destination and rebuilt there — and deleted
 * a few days at a time.
 */
const ROLLUP_TABLES = new Set(["kpi_daily", "kpi_daily_labels"]);

interface Placement {
  location: Location;
  shard: string;
}
interface Progress {
  phase: Phase;
  tables?: string[];
  table?: number;
  after?: number;
  cursor?: string;
  rowsCopied: number;
  objectsCopied: number;
  bytesCopied: number;
  ftsReindexed: number;
  verifyRounds: number;
  clear?: WipeState;
  cleanup?: WipeState;
  rowsDeleted: number;
  objectsDeleted: number;
  [k: string]: unknown;
}

const plane = (env: Env, tenantId: string, p: Placement) => dataPlane(env, { id: tenantId, ...p });

// ---- Starting and reading --------------------------------------------------------------------

export async function startLocationMigration(
  ctx: Ctx,
  input: { location: Location; processingScope?: "in_region" | "international" },
) {
  const tenant = ctx.tenant;
  if (!locationConfig(ctx.env)[input.location])
    throw new ApiError("validation_failed", `location ${input.location} is not configured`, {
      errors: [{ pointer: "/location", detail: "unknown location" }],
    });
  if (input.location === tenant.location)
    throw new ApiError("conflict", `Your data is already stored in ${tenant.location}`);
  if (tenant.writeLock)
    throw new ApiError("tenant_locked", "Another job already owns your data; wait until it ends", {
      messageKey: `error.tenant_locked.${tenant.writeLock}`,
      headers: { "Retry-After": "300" },
    });
  if (tenant.status !== "active") throw new ApiError("conflict", "This organisation is not active");
  const from: Placement = { location: tenant.location, shard: tenant.shard };
  const to: Placement = { location: input.location, shard: shardForNewTenant(ctx.env, input.location) };
  const progress: Progress = {
    phase: "lock",
    rowsCopied: 0,
    objectsCopied: 0,
    bytesCopied: 0,
    ftsReindexed: 0,
    verifyRounds: 0,
    rowsDeleted: 0,
    objectsDeleted: 0,
  };
  const { job, created } = await startJob(ctx.env, {
    tenantId: tenant.id,
    kind: "location_migration",
    // One move at a time per tenant: a second request while one runs returns the running one.
    dedupeKey: `location:${tenant.id}:${from.location}:${to.location}:${tenant.updatedAt}`,
    params: { from, to, processingScope: input.processingScope ?? null },
    progress,
    createdBy: ctx.actor.type === "system" ? null : ctx.actor.id,
  });
  if (created)
    await auditCtx(ctx, "location.migration_started", "job", job.id, {
      from: from.location,
      to: to.location,
    });
  return jobView(job);
}

export async function latestLocationMigration(ctx: Ctx) {
  const j = await controlDb(ctx.env)
    .select()
    .from(jobs)
    .where(and(eq(jobs.tenantId, ctx.tenant.id), eq(jobs.kind, "location_migration")))
    .orderBy(desc(jobs.createdAt))
    .limit(1);
  return j[0] ? jobView(j[0]) : null;
}

// ---- Steps -------------------------------------------------------------------------------------

/** What a phase works with in one step. */
interface MoveStep {
  env: Env;
  job: Job;
  tenant: Tenant;
  p: Progress;
  from: Placement;
  to: Placement;
  processingScope: "in_region" | "international" | null;
  src: DataPlane;
  dst: DataPlane;
  /** Go on to the next phase, from its start. */
  advance: () => void;
}

async function step(env: Env, job: Job): Promise<StepOutcome> {
  const p = structuredClone(job.progress) as Progress;
  const { from, to, processingScope } = job.params as {
    from: Placement;
    to: Placement;
    processingScope: "in_region" | "international" | null;
  };
  const tenant = job.tenantId ? await tenantById(env, job.tenantId) : null;
  if (!tenant) throw new JobFailure("tenant not found");
  const src = plane(env, tenant.id, from);
  const dst = plane(env, tenant.id, to);
  const advance = () => {
    p.phase = PHASES[PHASES.indexOf(p.phase) + 1];
    p.table = 0;
    p.after = 0;
    p.cursor = undefined;
  };
  return MOVE_PHASES[p.phase]({ env, job, tenant, p, from, to, processingScope, src, dst, advance });
}

// Lock the tenant's call data and abort open uploads: first, so nothing changes while it is copied.
async function lockTenant({ env, tenant, p, src, advance }: MoveStep): Promise<StepOutcome> {
  if (tenant.writeLock && tenant.writeLock !== "location_migration")
    return { progress: p, delaySeconds: 600 }; // the contract-end job owns it
  await controlDb(env)
    .update(tenants)
    .set({ writeLock: "location_migration", updatedAt: Date.now() })
    .where(eq(tenants.id, tenant.id));
  await abortUploads(src);
  p.tables = await tenantTables(src.d1);
  advance();
  p.clear = { stage: "fts", after: 0 };
  // Give in-flight pipeline steps a moment to finish before copying.
  return { progress: p, delaySeconds: 30 };
}

// Delete what an earlier attempt left at the destination: before the copy, which must start empty.
async function clearDestination({ tenant, p, dst, advance }: MoveStep): Promise<StepOutcome> {
  const counts = { rows: 0, objects: 0 };
  const done = await wipe(dst, tenant.id, p.tables ?? [], p.clear ?? { stage: "fts" }, counts);
  if (done) advance();
  return { progress: p };
}

// Copy one chunk of one table's rows (insert or replace: a chunk copied twice writes the same rows).
async function copyRows({ tenant, p, src, dst, advance }: MoveStep): Promise<StepOutcome> {
  const tables = p.tables ?? [];
  const table = tables[p.table ?? 0];
  if (!table) {
    advance();
    return { progress: p };
  }
  const rows = (
    await src.d1
      .prepare(
        `select rowid as "__rowid", * from "${table}" where tenant_id = ? and rowid > ? order by rowid limit ?`,
      )
      .bind(tenant.id, p.after ?? 0, ROWS_PER_STEP)
      .all<Record<string, unknown>>()
  ).results;
  if (rows.length) {
    const cols = Object.keys(rows[0]).filter((c) => c !== "__rowid");
    const data = rows.map((r) => Object.fromEntries(cols.map((c) => [c, r[c]])));
    await dst.d1
      .prepare(
        `insert or replace into "${table}" (${cols.map((c) => `"${c}"`).join(",")})
         select ${cols.map((c) => `json_extract(value, '$."${c}"')`).join(",")} from json_each(?)`,
      )
      .bind(JSON.stringify(data))
      .run();
    p.rowsCopied += rows.length;
    p.after = rows[rows.length - 1].__rowid as number;
  }
  if (rows.length < ROWS_PER_STEP) {
    p.table = (p.table ?? 0) + 1;
    p.after = 0;
  }
  return { progress: p };
}

// Copy one page of R2 objects, re-indexing transcripts: after the rows, which the index points at.
async function copyObjects({ tenant, p, src, dst, advance }: MoveStep): Promise<StepOutcome> {
  const page = await src.bucket.list({
    prefix: src.key(""),
    cursor: p.cursor,
    limit: OBJECTS_PER_STEP,
    include: ["httpMetadata", "customMetadata"],
  });
  for (const o of page.objects) {
    const copied = await copyObject(src.bucket, dst.bucket, o.key);
    if (!copied) continue; // deleted meanwhile
    p.objectsCopied++;
    p.bytesCopied += copied.size;
    if (o.key.endsWith("/transcript.json")) p.ftsReindexed += await reindex(dst, tenant.id, o.key);
  }
  p.cursor = page.truncated ? page.cursor : undefined;
  if (!page.truncated) advance();
  return { progress: p };
}

// Compare every table in source and destination: before the switch; a mismatch copies the rows again.
async function verifyCopy({ env, tenant, p, src, dst, advance }: MoveStep): Promise<StepOutcome> {
  const diffs: string[] = [];
  for (const table of p.tables ?? []) {
    const [a, b] = await Promise.all([
      fingerprint(src.d1, table, tenant.id),
      fingerprint(dst.d1, table, tenant.id),
    ]);
    if (a !== b) diffs.push(`${table} (${a} ≠ ${b})`);
  }
  if (diffs.length) {
    if (p.verifyRounds >= 2) {
      await unlock(env, tenant.id);
      throw new JobFailure(`verification failed after ${p.verifyRounds + 1} rounds: ${diffs.join(", ")}`);
    }
    p.verifyRounds++;
    p.phase = "rows"; // copy again (insert or replace), then verify again
    p.table = 0;
    p.after = 0;
    return { progress: p };
  }
  advance();
  return { progress: p };
}

// Point the tenant at the destination and lift the lock: deletes nothing, the source is still whole.
async function switchLocation(s: MoveStep): Promise<StepOutcome> {
  const { env, tenant, p, from, to, processingScope, dst, advance } = s;
  await dst.d1
    .prepare("insert or replace into tenant_meta (tenant_id, location, created_at) values (?, ?, ?)")
    .bind(tenant.id, to.location, Date.now())
    .run();
  // KPI rollups are rebuilt at the destination from the moved calls.
  await markAllKpiDaysDirty(dst);
  await dst.bucket.put(
    dst.key("manifest.json"),
    JSON.stringify({
      tenantId: tenant.id,
      location: to.location,
      shard: to.shard,
      createdAt: tenant.createdAt,
    }),
    { httpMetadata: { contentType: "application/json" } },
  );
  await controlDb(env)
    .update(tenants)
    .set({
      location: to.location,
      shard: to.shard,
      ...(processingScope ? { processingScope } : {}),
      writeLock: null,
      updatedAt: Date.now(),
    })
    .where(eq(tenants.id, tenant.id));
  await enqueueJob(env, { type: "kpi.rollup", tenantId: tenant.id });
  await auditMove(s, "location.switched", {
    from: from.location,
    to: to.location,
    rows: p.rowsCopied,
    objects: p.objectsCopied,
  });
  advance();
  return { progress: p };
}

// Delete the source's FTS entries, rows and objects in chunks: last, once reads go to the destination.
async function cleanupSource(s: MoveStep): Promise<StepOutcome> {
  const { tenant, p, from, to, src } = s;
  p.cleanup ??= { stage: "fts", after: 0 };
  const counts = { rows: 0, objects: 0 };
  const done = await wipe(src, tenant.id, p.tables ?? [], p.cleanup, counts);
  p.rowsDeleted += counts.rows;
  p.objectsDeleted += counts.objects;
  if (!done) return { progress: p };
  await auditMove(s, "location.migration_completed", { rows: p.rowsDeleted, objects: p.objectsDeleted });
  return {
    progress: p,
    result: {
      from: from.location,
      to: to.location,
      rowsCopied: p.rowsCopied,
      objectsCopied: p.objectsCopied,
      bytesCopied: p.bytesCopied,
      ftsReindexed: p.ftsReindexed,
      sourceRowsDeleted: p.rowsDeleted,
      sourceObjectsDeleted: p.objectsDeleted,
    },
  };
}

/** Every phase's step; `PHASES` gives the order. */
const MOVE_PHASES: Record<Phase, (s: MoveStep) => Promise<StepOutcome>> = {
  lock: lockTenant,
  clear: clearDestination,
  rows: copyRows,
  objects: copyObjects,
  verify: verifyCopy,
  switch: switchLocation,
  cleanup: cleanupSource,
};

/** The move's audit entries: the system acts, the job is the target. */
async function auditMove({ env, tenant, job }: MoveStep, action: string, meta: AuditInput["meta"]) {
  await appendAudit(env, {
    tenantId: tenant.id,
    actor: { type: "system", id: null },
    action,
    targetType: "job",
    targetId: job.id,
    meta,
  });
}

async function unlock(env: Env, tenantId: string) {
  await controlDb(env)
    .update(tenants)
    .set({ writeLock: null, updatedAt: Date.now() })
    .where(and(eq(tenants.id, tenantId), eq(tenants.writeLock, "location_migration")));
}

/** Data-plane tables holding tenant rows, from the schema itself. */
export async function tenantTables(d1: D1Database): Promise<string[]> {
  const names = (
    await d1
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%' and name not like 'd1_%' and name not like 'calls_fts%'",
      )
      .all<{ name: string }>()
  ).results.map((r) => r.name);
  const out: string[] = [];
  for (const n of names) {
    if (SKIP_TABLES.has(n) || ROLLUP_TABLES.has(n)) continue;
    const cols = (await d1.prepare(`select name from pragma_table_info(?)`).bind(n).all<{ name: string }>())
      .results;
    if (cols.some((c) => c.name === "tenant_id")) out.push(n);
  }
  return out.sort();
}

async function abortUploads(src: DataPlane) {
  const open = await src.db
    .select()
    .from(recordingUploads)
    .where(and(eq(recordingUploads.tenantId, src.tenantId), eq(recordingUploads.status, "open")));
  for (const u of open) {
    await src.bucket
      .resumeMultipartUpload(u.objectKey, u.r2UploadId)
      .abort()
      .catch(() => undefined);
    await src.db.update(recordingUploads).set({ status: "aborted" }).where(eq(recordingUploads.id, u.id));
  }
  const callIds = open.flatMap((u) => (u.callId ? [u.callId] : []));
  if (callIds.length)
    await src.db
      .update(calls)
      .set({ recStatus: "none" })
      .where(and(eq(calls.tenantId, src.tenantId), inArray(calls.id, callIds), isNull(calls.recKey)));
}

/** Stream one object across buckets; MD5 of the bytes read must equal what R2 stored. */
async function copyObject(src: R2Bucket, dst: R2Bucket, key: string): Promise<{ size: number } | null> {
  const obj = await src.get(key);
  if (!obj) return null;
  const [toDst, toHash] = obj.body.tee();
  const digest = new crypto.DigestStream("MD5");
  const fixed = new FixedLengthStream(obj.size);
  const [put] = await Promise.all([
    dst.put(key, fixed.readable, { httpMetadata: obj.httpMetadata, customMetadata: obj.customMetadata }),
    toDst.pipeTo(fixed.writable),
    toHash.pipeTo(digest),
  ]);
  const read = encodeHexLowerCase(new Uint8Array(await digest.digest));
  const stored = put?.checksums.md5 ? encodeHexLowerCase(new Uint8Array(put.checksums.md5)) : null;
  const original = obj.checksums.md5 ? encodeHexLowerCase(new Uint8Array(obj.checksums.md5)) : null;
  if (!put || put.size !== obj.size || (stored && stored !== read) || (original && original !== read))
    throw new Error(`copy of ${key} failed verification`); // retried by the queue
  return { size: obj.size };
}

/** Re-index a moved transcript into the destination's (contentless) FTS table. */
async function reindex(dst: DataPlane, tenantId: string, key: string): Promise<number> {
  const callId = key.split("/").at(-2) as string;
  const row = await dst.d1
    .prepare("select fts_id from calls where tenant_id = ? and id = ?")
    .bind(tenantId, callId)
    .first<{ fts_id: number | null }>();
  if (!row?.fts_id) return 0;
  const obj = await dst.bucket.get(key);
  if (!obj) return 0;
  const tx = (await obj.json()) as { segments: { text: string }[] };
  const body = tx.segments.map((s) => s.text).join("\n");
  await dst.d1.batch([
    dst.d1.prepare("delete from calls_fts where rowid = ?").bind(row.fts_id),
    dst.d1.prepare("insert into calls_fts(rowid, body) values (?, ?)").bind(row.fts_id, body),
  ]);
  return 1;
}

/** Count and Σ updated_at (when the table has it) of a tenant's rows. */
async function fingerprint(d1: D1Database, table: string, tenantId: string): Promise<string> {
  const cols = (await d1.prepare(`select name from pragma_table_info(?)`).bind(table).all<{ name: string }>())
    .results;
  const sum = cols.some((c) => c.name === "updated_at") ? "total(updated_at)" : "0";
  const r = await d1
    .prepare(`select count(*) as n, ${sum} as s from "${table}" where tenant_id = ?`)
    .bind(tenantId)
    .first<{ n: number; s: number }>();
  return `${r?.n ?? 0}/${r?.s ?? 0}`;
}

export interface WipeState {
  stage: "fts" | "rows" | "objects";
  table?: number;
  after?: number;
}

/**
 * Delete a tenant's FTS entries, rows and objects from one data plane, one bounded chunk per call
 * (returns true when nothing is left). Used on the source after the switch, and on the
 * destination before copying (leftovers of an earlier failed attempt).
 */
export async function wipe(
  dp: DataPlane,
  tenantId: string,
  tables: string[],
  w: WipeState,
  counts: { rows: number; objects: number },
): Promise<boolean> {
  if (w.stage === "fts") {
    const rows = (
      await dp.d1
        .prepare(
          "select rowid as r, fts_id from calls where tenant_id = ? and rowid > ? and fts_id is not null order by rowid limit 90",
        )
        .bind(tenantId, w.after ?? 0)
        .all<{ r: number; fts_id: number }>()
    ).results;
    if (rows.length)
      await dp.d1
        .prepare(`delete from calls_fts where rowid in (${rows.map(() => "?").join(",")})`)
        .bind(...rows.map((r) => r.fts_id))
        .run();
    w.after = rows.at(-1)?.r ?? w.after;
    if (rows.length < 90) Object.assign(w, { stage: "rows", table: 0, after: 0 });
    return false;
  }
  if (w.stage === "rows") {
    // Upload parts first: they are found through their upload rows.
    const all = [
      "recording_upload_parts",
      "recording_uploads",
      ...tables,
      "tenant_meta",
      "kpi_dirty",
      ...ROLLUP_TABLES,
    ];
    const table = all[w.table ?? 0];
    if (!table) {
      w.stage = "objects";
      return false;
    }
    if (ROLLUP_TABLES.has(table)) {
      const r = await dp.d1
        .prepare(
          `delete from "${table}" where tenant_id = ? and day in (select day from "${table}" where tenant_id = ? group by day limit 20)`,
        )
        .bind(tenantId, tenantId)
        .run();
      counts.rows += r.meta.changes ?? 0;
      if (!(r.meta.changes ?? 0)) w.table = (w.table ?? 0) + 1;
      return false;
    }
    const res =
      table === "recording_upload_parts"
        ? await dp.d1
            .prepare(
              "delete from recording_upload_parts where upload_id in (select id from recording_uploads where tenant_id = ?)",
            )
            .bind(tenantId)
            .run()
        : await dp.d1
            .prepare(
              `delete from "${table}" where rowid in (select rowid from "${table}" where tenant_id = ? limit ${DELETE_CHUNK})`,
            )
            .bind(tenantId)
            .run();
    const n = res.meta.changes ?? 0;
    counts.rows += n;
    if (table === "recording_upload_parts" || n < DELETE_CHUNK) w.table = (w.table ?? 0) + 1;
    return false;
  }
  // What is listed is deleted, so each call lists from the start again.
  const page = await dp.bucket.list({ prefix: dp.key(""), limit: 1000 });
  if (page.objects.length) await dp.bucket.delete(page.objects.map((o) => o.key));
  counts.objects += page.objects.length;
  return !page.truncated;
}

registerJobHandler("location_migration", step);

/** The schema's value lists, for apps/ (which takes nothing from db/ but types, test/architecture.test.ts). */
export { LOCATIONS } from "../../db/resolver";
