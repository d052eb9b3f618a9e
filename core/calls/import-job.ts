import { and, asc, desc, eq, gt, sql } from "drizzle-orm";
import { type DataPlane, dataPlane, shardDatabases } from "../../db/resolver";
import type { Job } from "../../db/schema/control";
import { type ImportItemRow, type ImportRow, importItems, imports } from "../../db/schema/data";
import { tenantById } from "../identity/tenants";
import { auditCtx } from "../platform/audit";
import type { Actor, Ctx } from "../platform/context";
import { ApiError, notFound } from "../platform/errors";
import {
  type CdEntry,
  readZipDirectory,
  readZipEntryBytes,
  ZipFormatError,
} from "../platform/exports/zip-read";
import {
  getJob,
  JobFailure,
  registerJobHandler,
  runJobStep,
  type StepOutcome,
  sendNextStep,
  startJob,
} from "../platform/jobs";
import { FORMAT_BY_EXT, type ImportItemResult, importMany, safeJson } from "./imports";

import { findUpload } from "./uploads";

/**
 * Bulk import as a durable job (B2, issue 17 point 4). The file (NDJSON or ZIP, up to 10,000
 * calls) was uploaded through `/uploads` into R2; `POST /imports` records the import and starts a
 * `call_import` job, answering at once. The job:
 * 1. scans the file — NDJSON by ranged reads in 8 MB windows, noting each line's offset; ZIP
 *    through its central directory — into `import_items` rows (ids and offsets, never content).
 *    Limits are checked here, before any call exists: more than 10,000 items fails the import
 *    with nothing created. A line or entry over 5 MB is an item in error, not the whole file's.
 * 2. creates the calls, 50 items a batch, batches back to back for up to 10 s a step: one ranged
 *    read covers a batch's NDJSON lines; a ZIP
 *    entry is read through the directory with its declared size and CRC-32 checked. Every
 *    failure is the item's result. A re-sent import finds the existing calls (externalId, or the
 *    content for calls without one); a step run twice re-does only items still pending.
 * The file is deleted when the import ends (it holds unredacted transcripts).
 */
export const MAX_JOB_ITEMS = 10_000;
const MAX_LINE_BYTES = 5 * 1024 * 1024;
const SCAN_WINDOW = 8 * 1024 * 1024;
const MAX_MANIFEST_BYTES = 32 * 1024 * 1024;
/** Items created together (`importMany`: one batch of reads and writes). */
const ITEMS_PER_BATCH = 50;
/**
 * A step runs batches back to back for up to 10 s and 400 items, then hands over to the next
 * message: fewer queue hops (each waits up to the consumer's batch timeout, 1 s locally), and
 * ~450 binding calls a step (one R2 put per call), within Workers' 1,000 per invocation.
 */
const STEP_BUDGET_MS = 10_000;
const MAX_BATCHES_PER_STEP = 8;
/** `Prefer: wait=N` is honoured for imports this small. */
export const MAX_WAIT_ITEMS = 50;
const INSERT_ROWS = 10; // 10 columns × 10 rows: under D1's 100 bound parameters

type Source =
  | { kind: "line"; offset: number; length: number }
  | { kind: "entry"; entry: number }
  | { kind: "manifest"; line: number; entry: number | null };

interface Progress {
  phase: "scan" | "create";
  /** NDJSON scan: next byte and line number; `skip` while inside an over-long line. */
  offset?: number;
  line?: number;
  skip?: boolean;
  seq?: number;
}

const view = (r: ImportRow) => ({
  id: r.id,
  status: r.status,
  format: r.format,
  name: r.name,
  size: r.size,
  uploadId: r.uploadId,
  total: r.total,
  processed: r.processed,
  created: r.created,
  existing: r.existing,
  errors: r.errors,
  error: r.error,
  /** Machine-readable reason of a failed import (README "Bulk import"); null on old rows. */
  errorCode: r.errorCode ?? null,
  errorParams: r.errorParams ?? null,
  createdAt: new Date(r.createdAt).toISOString(),
  updatedAt: new Date(r.updatedAt).toISOString(),
  finishedAt: r.finishedAt ? new Date(r.finishedAt).toISOString() : null,
});
export type ImportView = ReturnType<typeof view>;

const itemView = (r: ImportItemRow) => ({
  seq: r.seq,
  item: r.item,
  result: r.result,
  externalId: r.externalId,
  id: r.callId,
  status: r.callStatus,
  error: r.error ?? null,
});

/** `POST /imports` with an upload id: the import (created once per upload) and whether it is new. */
export async function startImport(
  ctx: Ctx,
  input: { uploadId: string; name?: string },
  opts: { enqueue?: boolean } = {},
): Promise<{ imp: ImportRow; created: boolean }> {
  const { dp, u } = await findUpload(ctx, input.uploadId, "import");
  const id = `imp_${u.id.replace(/^upl_/, "")}`;
  const existing = await getImportRow(dp, ctx.tenant.id, id);
  if (existing) return { imp: existing, created: false };
  if (u.status !== "completed")
    throw new ApiError(
      "conflict",
      `This upload is ${u.status}; complete it first (POST /uploads/{uploadId}/complete)`,
    );
  const head = await dp.bucket.get(u.objectKey, { range: { offset: 0, length: 4 } });
  if (!head) throw new ApiError("gone", "The uploaded file is gone (an import is started within 24 hours)");
  const magic = new Uint8Array(await head.arrayBuffer());
  const format = magic[0] === 0x50 && magic[1] === 0x4b ? "zip" : "ndjson";
  const now = Date.now();
  const { job } = await startJob(
    ctx.env,
    {
      tenantId: ctx.tenant.id,
      kind: "call_import",
      params: { importId: id, actor: ctx.actor },
      progress: { phase: "scan", offset: 0, line: 0, seq: 0 } satisfies Progress,
      dedupeKey: `import:${ctx.tenant.id}:${id}`,
      createdBy: ctx.actor.type === "system" ? null : ctx.actor.id,
      enqueue: opts.enqueue,
    },
    now,
  );
  const [row] = await dp.db
    .insert(imports)
    .values({
      id,
      tenantId: ctx.tenant.id,
      jobId: job.id,
      status: "queued",
      format,
      uploadId: u.id,
      name: input.name?.slice(0, 200) ?? null,
      objectKey: u.objectKey,
      size: (await dp.bucket.head(u.objectKey))?.size ?? u.size ?? 0,
      createdBy: ctx.actor.type === "system" ? null : ctx.actor.id,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning();
  await auditCtx(ctx, "import.started", "import", id, { format });
  return { imp: row ?? (await getImportRow(dp, ctx.tenant.id, id))!, created: !!row };
}

async function getImportRow(dp: DataPlane, tenantId: string, id: string) {
  return (
    (await dp.db.query.imports.findFirst({
      where: and(eq(imports.id, id), eq(imports.tenantId, tenantId)),
    })) ?? null
  );
}

export async function getImport(ctx: Ctx, id: string): Promise<ImportView> {
  const row = await getImportRow(dataPlane(ctx.env, ctx.tenant), ctx.tenant.id, id);
  if (!row) throw notFound("Import");
  return view(row);
}

/** The tenant's latest imports (newest first). */
export async function listImports(ctx: Ctx, limit = 20): Promise<ImportView[]> {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const rows = await dp.db
    .select()
    .from(imports)
    .where(eq(imports.tenantId, ctx.tenant.id))
    .orderBy(desc(imports.createdAt))
    .limit(limit);
  return rows.map(view);
}

/** `Prefer: wait=N` (RFC 7240) → N seconds, at most 60; null without it. */
export function preferWait(header: string | null | undefined): number | null {
  const m = /(?:^|[,;\s])wait\s*=\s*(\d{1,4})\b/i.exec(header ?? "");
  return m ? Math.min(60, Number(m[1])) : null;
}

/** Per-item results in file order, `limit` at a time after `cursor` (a seq), optionally one result. */
export async function listImportItems(
  ctx: Ctx,
  id: string,
  q: { limit: number; cursor?: string; result?: ImportItemRow["result"] },
) {
  const dp = dataPlane(ctx.env, ctx.tenant);
  if (!(await getImportRow(dp, ctx.tenant.id, id))) throw notFound("Import");
  const after = Number(q.cursor ?? 0);
  if (!Number.isSafeInteger(after) || after < 0) throw new ApiError("validation_failed", "Invalid cursor");
  const rows = await dp.db
    .select()
    .from(importItems)
    .where(
      and(
        eq(importItems.importId, id),
        eq(importItems.tenantId, ctx.tenant.id),
        gt(importItems.seq, after),
        ...(q.result ? [eq(importItems.result, q.result)] : []),
      ),
    )
    .orderBy(asc(importItems.seq))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  return { data: page.map(itemView), nextCursor: rows.length > q.limit ? String(page.at(-1)!.seq) : null };
}

/**
 * `Prefer: wait=N`: run the job's steps in this request until it ends, N seconds pass, or the scan
 * finds more than 50 items; then the queue carries on. The import as it stands is returned.
 */
export async function runImportInline(ctx: Ctx, imp: ImportRow, seconds: number): Promise<ImportRow> {
  const until = Date.now() + seconds * 1000;
  const dp = dataPlane(ctx.env, ctx.tenant);
  // A file larger than one scan window holds more than 50 calls of any size worth waiting for.
  if (imp.size > SCAN_WINDOW) {
    await sendNextStep(ctx.env, imp.jobId);
    return imp;
  }
  try {
    for (;;) {
      const job = await getJob(ctx.env, imp.jobId);
      if (!job || job.status === "done" || job.status === "failed") break;
      const cur = (await getImportRow(dp, ctx.tenant.id, imp.id))!;
      if (Date.now() > until || (cur.total !== null && cur.total > MAX_WAIT_ITEMS)) break;
      const r = await runJobStep(ctx.env, { jobId: job.id, step: job.steps }, Date.now, {
        enqueueNext: false,
      });
      if (r === "finished" || r === "failed" || r === "gone") break;
    }
  } finally {
    await sendNextStep(ctx.env, imp.jobId);
  }
  return (await getImportRow(dp, ctx.tenant.id, imp.id))!;
}

// ---- The job ---------------------------------------------------------------------------------

interface StepState {
  env: Env;
  job: Job;
  ctx: Ctx;
  dp: DataPlane;
  imp: ImportRow;
  p: Progress;
}

async function importStep(env: Env, job: Job): Promise<StepOutcome> {
  const tenant = job.tenantId ? await tenantById(env, job.tenantId) : null;
  if (!tenant) throw new JobFailure("The tenant is gone");
  const params = job.params as { importId: string; actor?: Actor };
  const dp = dataPlane(env, tenant);
  const imp = await getImportRow(dp, tenant.id, params.importId);
  if (!imp) throw new JobFailure("The import is gone");
  const p = job.progress as unknown as Progress;
  // Data being moved or deleted: wait for the lock to go rather than write into a moving tenant.
  if (tenant.writeLock) return { progress: { ...p }, delaySeconds: 60 };
  const ctx: Ctx = {
    env,
    tenant,
    actor: params.actor ?? { type: "system", id: null },
    requestId: `import:${imp.id}`,
    ip: null,
    userAgent: null,
  };
  const s: StepState = { env, job, ctx, dp, imp, p };
  try {
    if (p.phase === "scan") return imp.format === "zip" ? await scanZip(s) : await scanNdjson(s);
    return await createStep(s);
  } catch (e) {
    if (e instanceof ImportFailure) return finish(s, e);
    throw e;
  }
}
registerJobHandler("call_import", importStep);

/**
 * The whole import cannot go on (over the limits, unreadable file); nothing more is created. The
 * English message is the API's; the code and params let the portal word it in the user's language.
 */
class ImportFailure extends Error {
  constructor(
    message: string,
    readonly code: ImportFailureCode,
    readonly params: Record<string, string | number> = {},
  ) {
    super(message);
  }
}
export type ImportFailureCode =
  | "over_limit"
  | "file_gone"
  | "not_a_zip"
  | "manifest_unreadable"
  | "archive_changed";
type ItemError = NonNullable<ImportItemResult["error"]>;

/** An item's refusal: English title and detail for the API, a code and params for translation. */
const itemError = (
  status: number,
  title: string,
  detail: string,
  code: string,
  params: Record<string, string | number>,
): ItemError => ({ status, title, detail, code, params });

const lineTooLarge = (line: number) =>
  itemError(413, "Payload too large", `line ${line} is larger than 5 MB`, "line_too_large", {
    line,
    maxMb: 5,
  });
const fileTooLarge = (file: string) =>
  itemError(413, "Payload too large", `${file} is larger than 5 MB uncompressed`, "file_too_large", {
    file,
    maxMb: 5,
  });
const unsupportedFile = (file: string) =>
  itemError(
    415,
    "Unsupported media type",
    `${file}: only .json, .vtt, .srt and .txt transcripts are imported`,
    "unsupported_file",
    { file },
  );

async function setImport(s: StepState, set: Partial<ImportRow>) {
  await s.dp.db
    .update(imports)
    .set({ ...set, updatedAt: Date.now() })
    .where(eq(imports.id, s.imp.id));
}

async function insertItems(dp: DataPlane, rows: (typeof importItems.$inferInsert)[]) {
  for (let i = 0; i < rows.length; i += INSERT_ROWS)
    await dp.db
      .insert(importItems)
      .values(rows.slice(i, i + INSERT_ROWS))
      .onConflictDoNothing();
}

const pending = (s: StepState, seq: number, item: string, source: Source) => ({
  tenantId: s.imp.tenantId,
  importId: s.imp.id,
  seq,
  item,
  result: "pending" as const,
  source: source as unknown as Record<string, unknown>,
});
const failed = (s: StepState, seq: number, item: string, error: ItemError) => ({
  tenantId: s.imp.tenantId,
  importId: s.imp.id,
  seq,
  item,
  result: "error" as const,
  error,
});

function overLimit(n: number): never {
  throw new ImportFailure(
    `The file holds more than ${MAX_JOB_ITEMS} calls (found ${n} before stopping); split it. Nothing was imported.`,
    "over_limit",
    { max: MAX_JOB_ITEMS, found: n },
  );
}

/** One 8 MB window of the NDJSON file: each complete line becomes an item. */
async function scanNdjson(s: StepState): Promise<StepOutcome> {
  const p = { offset: 0, line: 0, seq: 0, skip: false, ...s.p };
  if (p.seq === 0 && p.offset === 0) await setImport(s, { status: "scanning" });
  const obj = await s.dp.bucket.get(s.imp.objectKey, { range: { offset: p.offset, length: SCAN_WINDOW } });
  if (!obj) throw new ImportFailure("The uploaded file is gone", "file_gone");
  const buf = new Uint8Array(await obj.arrayBuffer());
  const last = p.offset + buf.length >= s.imp.size;
  const rows: (typeof importItems.$inferInsert)[] = [];
  let at = 0;
  for (;;) {
    let nl = buf.indexOf(0x0a, at);
    if (nl < 0 && !last) {
      // An incomplete line: the next window starts at it — unless it is already too long.
      if (!p.skip && buf.length - at <= MAX_LINE_BYTES) break;
      if (!p.skip) {
        p.line++;
        p.seq++;
        rows.push(failed(s, p.seq, `line ${p.line}`, lineTooLarge(p.line)));
        p.skip = true;
      }
      at = buf.length;
      break;
    }
    if (nl < 0) nl = buf.length;
    const start = p.offset + at;
    const length = nl - at;
    at = nl + 1;
    if (p.skip) {
      p.skip = false; // the end of the over-long line, already counted
    } else {
      p.line++;
      const blank = buf.subarray(start - p.offset, start - p.offset + length).every((b) => b <= 0x20);
      if (!blank) {
        p.seq++;
        if (p.seq > MAX_JOB_ITEMS) overLimit(p.seq);
        rows.push(
          length > MAX_LINE_BYTES
            ? failed(s, p.seq, `line ${p.line}`, lineTooLarge(p.line))
            : pending(s, p.seq, `line ${p.line}`, { kind: "line", offset: start, length }),
        );
      }
    }
    if (at >= buf.length) break;
  }
  await insertItems(s.dp, rows);
  const offset = p.offset + Math.min(at, buf.length);
  if (last && offset >= s.imp.size) return startCreating(s, p.seq);
  return { progress: { ...p, phase: "scan", offset } };
}

const isSkipped = (name: string) =>
  name.endsWith("/") || name.startsWith("__MACOSX/") || name.split("/").pop()?.startsWith(".");

/** The ZIP's central directory → items: manifest lines (`calls.ndjson`) and transcript files. */
async function scanZip(s: StepState): Promise<StepOutcome> {
  let dir: Awaited<ReturnType<typeof readZipDirectory>>;
  try {
    dir = await readZipDirectory(s.dp.bucket, s.imp.objectKey);
  } catch (e) {
    if (e instanceof ZipFormatError)
      throw new ImportFailure(`The file is not a readable ZIP archive: ${e.message}`, "not_a_zip");
    throw e;
  }
  const entries = dir.entries.map((e, i) => ({ e, i })).filter(({ e }) => !isSkipped(e.name));
  const manifest = entries.find(({ e }) => e.name.split("/").pop() === "calls.ndjson");
  const rows: (typeof importItems.$inferInsert)[] = [];
  const used = new Set<number>();
  let seq = 0;
  if (manifest) {
    used.add(manifest.i);
    const text = await manifestText(s, dir, manifest.e);
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i].trim()) continue;
      if (++seq > MAX_JOB_ITEMS) overLimit(seq);
      const ref = /"transcriptFile"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(lines[i])?.[1];
      const target = ref ? entries.find(({ e }) => e.name === ref || e.name.endsWith(`/${ref}`)) : undefined;
      if (target) used.add(target.i);
      rows.push(
        pending(s, seq, `calls.ndjson line ${i + 1}`, {
          kind: "manifest",
          line: i,
          entry: target?.i ?? null,
        }),
      );
    }
  }
  for (const { e, i } of [...entries].sort((a, b) => (a.e.name < b.e.name ? -1 : 1))) {
    if (used.has(i)) continue;
    if (++seq > MAX_JOB_ITEMS) overLimit(seq);
    const ext = e.name.split(".").pop()?.toLowerCase() ?? "";
    rows.push(
      !FORMAT_BY_EXT.has(ext)
        ? failed(s, seq, `file ${e.name}`, unsupportedFile(e.name))
        : e.size > MAX_LINE_BYTES
          ? failed(s, seq, `file ${e.name}`, fileTooLarge(e.name))
          : pending(s, seq, `file ${e.name}`, { kind: "entry", entry: i }),
    );
  }
  await setImport(s, { status: "scanning" });
  await insertItems(s.dp, rows);
  return startCreating(s, seq);
}

async function manifestText(s: StepState, dir: Awaited<ReturnType<typeof readZipDirectory>>, e: CdEntry) {
  try {
    const bytes = await readZipEntryBytes(s.dp.bucket, s.imp.objectKey, dir, e, MAX_MANIFEST_BYTES);
    return new TextDecoder()
      .decode(bytes)
      .replace(/^\uFEFF/, "")
      .replace(/\r/g, "");
  } catch (err) {
    if (err instanceof ZipFormatError)
      throw new ImportFailure(`calls.ndjson cannot be read: ${err.message}`, "manifest_unreadable");
    throw err;
  }
}

async function startCreating(s: StepState, total: number): Promise<StepOutcome> {
  await setImport(s, { status: "running", total });
  await refreshCounts(s);
  return { progress: { phase: "create", seq: 0 } };
}

/** Counters from the items themselves: exact whatever step ran twice. */
async function refreshCounts(s: StepState) {
  const rows = await s.dp.db
    .select({ result: importItems.result, n: sql<number>`count(*)` })
    .from(importItems)
    .where(eq(importItems.importId, s.imp.id))
    .groupBy(importItems.result);
  const by = new Map(rows.map((r) => [r.result, Number(r.n)]));
  const created = by.get("created") ?? 0;
  const existing = by.get("existing") ?? 0;
  const errors = by.get("error") ?? 0;
  await setImport(s, { created, existing, errors, processed: created + existing + errors });
  return { created, existing, errors };
}

/** Pending items become calls (or errors), a batch at a time; the import ends when none is left. */
async function createStep(s: StepState): Promise<StepOutcome> {
  const start = Date.now();
  let last = 0;
  for (let n = 0; n < MAX_BATCHES_PER_STEP && Date.now() - start < STEP_BUDGET_MS; n++) {
    const seq = await createBatch(s);
    if (seq === null) return finish(s, null);
    last = seq;
  }
  return { progress: { phase: "create", seq: last } };
}

/** The next 50 pending items become calls (or errors); the last seq done, null when none was left. */
async function createBatch(s: StepState): Promise<number | null> {
  const items = await s.dp.db
    .select()
    .from(importItems)
    .where(and(eq(importItems.importId, s.imp.id), eq(importItems.result, "pending")))
    .orderBy(asc(importItems.seq))
    .limit(ITEMS_PER_BATCH);
  if (!items.length) return null;
  const bodies = await (s.imp.format === "zip" ? zipBodies(s, items) : ndjsonBodies(s, items));
  const results: ImportItemResult[] = new Array(items.length);
  const ok: number[] = [];
  bodies.forEach((b, i) => {
    if (b.ok) ok.push(i);
    else results[i] = { item: items[i].item, externalId: null, result: "error", error: b.error };
  });
  const created = await importMany(
    s.ctx,
    // The item's key makes its creation idempotent across deliveries of this step (calls.import_key).
    ok.map((i) => ({
      item: items[i].item,
      body: (bodies[i] as { value: unknown }).value,
      key: `${s.imp.id}:${items[i].seq}`,
    })),
  );
  ok.forEach((i, k) => {
    results[i] = created[k];
  });
  // The first result recorded stays: a concurrent delivery of this step may find as "existing"
  // the calls this one created.
  await s.dp.d1.batch(
    items.map((it, i) =>
      s.dp.d1
        .prepare(
          "update import_items set result = ?, external_id = ?, call_id = ?, call_status = ?, error = ?, source = null where import_id = ? and seq = ? and result = 'pending'",
        )
        .bind(
          results[i].result,
          results[i].externalId,
          results[i].id ?? null,
          results[i].status ?? null,
          results[i].error ? JSON.stringify(results[i].error) : null,
          s.imp.id,
          it.seq,
        ),
    ),
  );
  await refreshCounts(s);
  return items.at(-1)!.seq;
}

type Body = { ok: true; value: unknown } | { ok: false; error: ImportItemResult["error"] };

/** `line`: 1-based, of the NDJSON file or (with `file`) of the ZIP's calls.ndjson. */
const malformed = (what: string, line: number, file?: string): Body => ({
  ok: false,
  error: itemError(400, "Malformed JSON", `${what} is not valid JSON`, "malformed_json", {
    line,
    ...(file ? { file } : {}),
  }),
});

/** One ranged read covers the step's lines (they are consecutive in the file). */
async function ndjsonBodies(s: StepState, items: ImportItemRow[]): Promise<Body[]> {
  const src = items.map((it) => it.source as unknown as Extract<Source, { kind: "line" }>);
  const from = src[0].offset;
  const to = Math.max(...src.map((x) => x.offset + x.length));
  const obj = await s.dp.bucket.get(s.imp.objectKey, {
    range: { offset: from, length: Math.max(1, to - from) },
  });
  if (!obj) throw new ImportFailure("The uploaded file is gone", "file_gone");
  const buf = new Uint8Array(await obj.arrayBuffer());
  const dec = new TextDecoder();
  return src.map((x, i) => {
    const text = dec.decode(buf.subarray(x.offset - from, x.offset - from + x.length)).replace(/\r$/, "");
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch {
      // The item is "line N" (the scan names it so; the source keeps only offsets).
      return malformed(items[i].item, Number(items[i].item.replace(/^line /, "")));
    }
  });
}

/** Entries through the central directory, each checked against its declared size and CRC-32. */
async function zipBodies(s: StepState, items: ImportItemRow[]): Promise<Body[]> {
  let dir: Awaited<ReturnType<typeof readZipDirectory>>;
  try {
    dir = await readZipDirectory(s.dp.bucket, s.imp.objectKey);
  } catch (e) {
    if (e instanceof ZipFormatError)
      throw new ImportFailure(`The archive changed or is unreadable: ${e.message}`, "archive_changed");
    throw e;
  }
  const srcs = items.map((it) => it.source as unknown as Source);
  const manifestEntry = dir.entries.find((e) => e.name.split("/").pop() === "calls.ndjson");
  const manifest =
    srcs.some((x) => x.kind === "manifest") && manifestEntry
      ? (await manifestText(s, dir, manifestEntry)).split("\n")
      : [];
  const transcript = async (
    e: CdEntry,
  ): Promise<{ format: string; content: unknown } | ImportItemResult["error"]> => {
    const ext = e.name.split(".").pop()?.toLowerCase() ?? "";
    const format = FORMAT_BY_EXT.get(ext);
    if (!format) return unsupportedFile(e.name);
    try {
      const text = new TextDecoder()
        .decode(await readZipEntryBytes(s.dp.bucket, s.imp.objectKey, dir, e, MAX_LINE_BYTES))
        .replace(/^\uFEFF/, "");
      return { format, content: format === "json" ? safeJson(text) : text };
    } catch (err) {
      if (err instanceof ZipFormatError)
        return itemError(422, "Unprocessable content", `${e.name}: ${err.message}`, "unreadable_entry", {
          file: e.name,
        });
      throw err;
    }
  };
  const out: Body[] = [];
  for (let i = 0; i < items.length; i++) {
    const x = srcs[i];
    if (x.kind === "entry") {
      const e = dir.entries[x.entry];
      const t = await transcript(e);
      if (!t || "status" in t) out.push({ ok: false, error: t });
      else
        out.push({
          ok: true,
          value: {
            externalId: e.name
              .split("/")
              .pop()!
              .replace(/\.[^.]+$/, ""),
            transcript: t,
          },
        });
      continue;
    }
    if (x.kind !== "manifest") continue;
    let meta: Record<string, unknown>;
    try {
      meta = JSON.parse(manifest[x.line] ?? "");
      if (!meta || typeof meta !== "object" || Array.isArray(meta)) throw new Error("not an object");
    } catch {
      out.push(malformed(items[i].item, x.line + 1, "calls.ndjson"));
      continue;
    }
    const { transcriptFile, ...rest } = meta;
    if (typeof transcriptFile === "string") {
      if (x.entry === null) {
        out.push({
          ok: false,
          error: itemError(
            422,
            "Unprocessable content",
            `transcriptFile ${transcriptFile} is not in the archive`,
            "transcript_file_missing",
            { file: transcriptFile },
          ),
        });
        continue;
      }
      const t = await transcript(dir.entries[x.entry]);
      if (!t || "status" in t) {
        out.push({ ok: false, error: t });
        continue;
      }
      rest.transcript = t;
    }
    out.push({ ok: true, value: rest });
  }
  return out;
}

/** The import ends: counters final, the file deleted (it holds unredacted transcripts). */
async function finish(s: StepState, failure: ImportFailure | null): Promise<StepOutcome> {
  const error = failure?.message ?? null;
  if (error)
    await s.dp.d1
      .prepare("delete from import_items where import_id = ? and result = 'pending'")
      .bind(s.imp.id)
      .run();
  const counts = await refreshCounts(s);
  await s.dp.bucket.delete(s.imp.objectKey);
  const now = Date.now();
  await setImport(s, {
    status: error ? "failed" : "done",
    error,
    errorCode: failure?.code ?? null,
    errorParams: failure?.params ?? null,
    finishedAt: now,
  });
  await auditCtx(s.ctx, "calls.imported", "import", s.imp.id, {
    ...counts,
    ...(error ? { failed: true } : {}),
  });
  return {
    progress: { phase: "create" },
    result: { importId: s.imp.id, ...counts, error, errorCode: failure?.code ?? null },
  };
}

const KEEP_FINISHED_MS = 30 * 24 * 3600_000;

/** Daily: imports ended more than 30 days ago go, with their items (bounded per run and shard). */
export async function purgeOldImports(env: Env, now: number): Promise<number> {
  let n = 0;
  for (const { d1 } of shardDatabases(env)) {
    const old = await d1
      .prepare("select id from imports where finished_at is not null and finished_at < ? limit 200")
      .bind(now - KEEP_FINISHED_MS)
      .all<{ id: string }>();
    for (const { id } of old.results) {
      await d1.batch([
        d1.prepare("delete from import_items where import_id = ?").bind(id),
        d1.prepare("delete from imports where id = ?").bind(id),
      ]);
      n++;
    }
  }
  return n;
}
