import { and, asc, desc, eq, gte, inArray, lt, lte, or, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { dataPlane } from "../../db/resolver";
import {
  CALIBRATION_TABLES,
  CALL_STATUSES,
  type Call,
  calls,
  REVIEW_TABLES,
  recordingUploads,
} from "../../db/schema/data";
import { findOrCreateAgent, getAgent } from "../agents/service";
import { recordAbuseEvent } from "../identity/abuse";
import { markKpiDirty } from "../insights/kpis";
import { auditCtx, auditCtxMany } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId, randomToken, sha256Hex } from "../platform/crypto";
import { instantQuery, instantSchema, isoOrNull } from "../platform/dates";
import { ApiError, notFound } from "../platform/errors";
import { decodeCursor, encodeCursor } from "../platform/pagination";
import { callScope } from "../policy/call-scope";
import { restrictedCallsExclusion } from "../policy/privacy-guard";
import type { HoldReason } from "../policy/processing";
import { getRubricVersion } from "../rubrics/service";
import { defaultCountryFor, protectPhone } from "./phone";
import { admissionHolds, type PipelineMessage, startProcessing } from "./pipeline";
import {
  prepareTranscript,
  storeTranscript,
  type TranscriptFormat,
  transcriptInputSchema,
} from "./transcript";
import { commitTranscript, type PreparedTranscript, transcriptKey } from "./transcript-store";

export const createCallSchema = z
  .object({
    externalId: z.string().trim().min(1).max(200).optional(),
    startedAt: instantSchema.optional(),
    durationS: z.number().min(0).max(86_400).optional(),
    direction: z.enum(["inbound", "outbound"]).optional(),
    agentId: z.string().min(1).max(64).optional(),
    agent: z
      .object({
        externalId: z.string().trim().min(1).max(200),
        name: z.string().trim().min(1).max(200).optional(),
        team: z.string().trim().min(1).max(100).optional(),
      })
      .optional(),
    queue: z.string().trim().min(1).max(200).optional(),
    campaign: z.string().trim().min(1).max(200).optional(),
    language: z.enum(["fr", "en"]).optional(),
    customerPhone: z.string().trim().min(3).max(40).optional(),
    phoneCountry: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .optional(),
    tags: z.array(z.string().trim().min(1).max(50)).max(20).optional(),
    rubricId: z.string().min(1).max(64).optional(),
    transcript: transcriptInputSchema.optional(),
  })
  .strict()
  .refine((v) => !(v.agentId && v.agent), { message: "give agentId or agent, not both", path: ["agent"] });
export type CreateCallInput = z.input<typeof createCallSchema>;

export interface CallView {
  id: string;
  externalId: string | null;
  status: Call["status"];
  holdReason: string | null;
  failureReason: string | null;
  direction: Call["direction"];
  /** Null only when the stored value is not a representable date (written before dates were bounded). */
  startedAt: string | null;
  durationS: number | null;
  agentId: string | null;
  team: string | null;
  queue: string | null;
  campaign: string | null;
  language: string | null;
  customerPhone: string | null;
  tags: string[];
  rubricId: string | null;
  recording: {
    status: Call["recStatus"];
    format: string | null;
    mimeType: string | null;
    size: number | null;
    sha256: string | null;
    durationS: number | null;
    /** `durationS` is an estimate (a VBR MP3 without Xing/VBRI header). */
    durationEstimated: boolean;
  } | null;
  transcript: {
    format: string | null;
    segments: number | null;
    words: number | null;
    redactions: Record<string, number>;
    /** How agent and customer were told apart (null for transcripts stored before it was recorded). */
    roleSource: Call["txRoleSource"];
  } | null;
  score: number | null;
  /** Beside the automatic score: the share of the grid it rests on (%), and the uncertain findings. */
  evaluatedWeightPct: number | null;
  uncertainCount: number | null;
  legalHold: { reason: string; since: string } | null;
  purged: { recordingAt: string | null; transcriptAt: string | null; analysesAt: string | null };
  createdAt: string;
  updatedAt: string;
}

/** Stored instants through `isoOrNull`: one unrepresentable value must not fail the whole list. */
const iso = isoOrNull;

export function callView(c: Call): CallView {
  return {
    id: c.id,
    externalId: c.externalId,
    status: c.status,
    holdReason: c.holdReason,
    failureReason: c.failureReason,
    direction: c.direction,
    startedAt: iso(c.startedAt),
    durationS: c.durationS,
    agentId: c.agentId,
    team: c.team,
    queue: c.queue,
    campaign: c.campaign,
    language: c.language,
    customerPhone: c.phoneMasked,
    tags: c.tags ?? [],
    rubricId: c.rubricId,
    recording:
      c.recStatus === "none"
        ? null
        : {
            status: c.recStatus,
            format: c.recFormat,
            mimeType: c.recMime,
            size: c.recSize,
            sha256: c.recSha256,
            durationS: c.recDurationS,
            durationEstimated: c.recDurationEstimated === true,
          },
    transcript: c.txFormat
      ? {
          format: c.txFormat,
          segments: c.txSegments,
          words: c.txWords,
          redactions: c.txRedactions ?? {},
          roleSource: c.txRoleSource ?? null,
        }
      : null,
    score: c.score,
    evaluatedWeightPct: c.evaluatedWeightPct,
    uncertainCount: c.uncertainCount,
    legalHold:
      c.legalHoldReason && c.legalHoldAt
        ? { reason: c.legalHoldReason, since: new Date(c.legalHoldAt).toISOString() }
        : null,
    purged: {
      recordingAt: iso(c.recPurgedAt),
      transcriptAt: iso(c.txPurgedAt),
      analysesAt: iso(c.anPurgedAt),
    },
    createdAt: new Date(c.createdAt).toISOString(),
    updatedAt: new Date(c.updatedAt).toISOString(),
  };
}

/** Canonical JSON (sorted keys) so the same body always hashes the same. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v);
}

export async function findCall(ctx: Ctx, id: string): Promise<Call> {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const c = await dp.db.query.calls.findFirst({ where: and(eq(calls.id, id), callScope(ctx)) });
  if (!c) throw notFound("Call");
  return c;
}

export async function getCall(ctx: Ctx, id: string): Promise<CallView> {
  return callView(await findCall(ctx, id));
}

/**
 * Create a call from metadata, optionally with its transcript (B2, B3). Idempotent on the
 * tenant's externalId: the same body returns the existing call (`created: false`), another body
 * is a 409. The transcript is parsed, redacted, stored in R2 and indexed before the answer.
 */
export async function createCall(
  ctx: Ctx,
  raw: CreateCallInput,
): Promise<{ call: CallView; created: boolean }> {
  const [r] = await createCalls(ctx, [raw]);
  if ("error" in r) throw r.error;
  return r;
}

/** One call of `createCalls`: created or found, or what `createCall` would have thrown. */
export type CreateOutcome = { call: CallView; created: boolean } | { error: unknown };

/** A new call checked and built, not written yet. */
interface Draft {
  i: number;
  row: Call;
  prepared: PreparedTranscript | null;
}

/** R2 writes of one batch in flight together. */
const STORE_PARALLEL = 8;

/**
 * Many calls created with the rules of `createCall` (which is this with one), each failing alone —
 * a bulk import's batch (P9). What one call would read once per call is read once per batch: the
 * existing externalIds, the agents, the privacy requests and the quota; the transcripts go to R2
 * side by side; the rows and their search entries are written in one D1 batch, the analysis
 * messages sent together and the audit entries appended together. Should that batch fail, each
 * call is written on its own so that only the failing one fails. An externalId given twice is
 * created once: the second body is compared with the first once it is written.
 *
 * `importKeys[i]` (a bulk import's `<import id>:<item seq>`) makes the i-th creation idempotent
 * even without externalId: a call already holding that key is the answer (`created: false`), and
 * the unique index `calls_tenant_import_key_idx` refuses a second row for it when two deliveries of
 * the same import step race, the loser answering with the winner's call.
 */
export async function createCalls(
  ctx: Ctx,
  raws: unknown[],
  opts: { importKeys?: (string | null)[] } = {},
): Promise<CreateOutcome[]> {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const out: CreateOutcome[] = new Array(raws.length);
  const parsed = raws.map((r) => createCallSchema.safeParse(r));
  const keyOf = (i: number) => opts.importKeys?.[i] ?? null;
  const hashes = await Promise.all(raws.map((r, i) => (parsed[i].success ? sha256Hex(canonical(r)) : "")));
  const existing = await callsByExternalId(
    ctx,
    parsed.flatMap((p) => (p.success && p.data.externalId ? [p.data.externalId] : [])),
  );
  const imported = await callsByImportKey(
    ctx,
    raws.flatMap((_, i) => (parsed[i].success && keyOf(i) ? [keyOf(i)!] : [])),
  );
  const fresh: number[] = [];
  const again: number[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < raws.length; i++) {
    const p = parsed[i];
    if (!p.success) {
      out[i] = { error: p.error };
      continue;
    }
    const ext = p.data.externalId;
    const found = ext ? existing.get(ext) : undefined;
    const same = keyOf(i) ? imported.get(keyOf(i)!) : undefined;
    if (same && !found) out[i] = { call: callView(same), created: false };
    else if (found) out[i] = outcome(() => sameOrConflict(found, hashes[i]));
    else if (ext && seen.has(ext)) again.push(i);
    else {
      if (ext) seen.add(ext);
      fresh.push(i);
    }
  }
  const agents = new Map<string, Promise<{ id: string; team: string | null }>>();
  const drafts: Draft[] = [];
  await Promise.all(
    fresh.map(async (i) => {
      try {
        const input = parsed[i].data!;
        drafts.push({ i, ...(await draftCall(ctx, input, hashes[i], agents, keyOf(i))) });
      } catch (e) {
        out[i] = { error: e };
      }
    }),
  );
  drafts.sort((x, y) => x.i - y.i);
  const holds = await admissionHolds(
    ctx.env,
    ctx.tenant,
    drafts.map((d) => d.row),
    dp,
  );
  for (const [k, d] of drafts.entries()) admit(d, holds[k]);
  for (const [i, r] of await writeCalls(ctx, drafts)) out[i] = r;
  if (again.length) {
    const rs = await createCalls(
      ctx,
      again.map((i) => raws[i]),
      { importKeys: again.map(keyOf) },
    );
    again.forEach((i, k) => {
      out[i] = rs[k];
    });
  }
  return out;
}

function outcome(f: () => { call: CallView; created: boolean }): CreateOutcome {
  try {
    return f();
  } catch (e) {
    return { error: e };
  }
}

/** The tenant's calls with these externalIds, one read per 90 ids. */
async function callsByExternalId(ctx: Ctx, ids: string[]): Promise<Map<string, Call>> {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const unique = [...new Set(ids)];
  const found = new Map<string, Call>();
  for (let k = 0; k < unique.length; k += 90) {
    const rows = await dp.db
      .select()
      .from(calls)
      .where(and(eq(calls.tenantId, ctx.tenant.id), inArray(calls.externalId, unique.slice(k, k + 90))));
    for (const r of rows) found.set(r.externalId!, r);
  }
  return found;
}

/** The tenant's calls holding these import keys (`<import id>:<item seq>`), one read per 90. */
async function callsByImportKey(ctx: Ctx, keys: string[]): Promise<Map<string, Call>> {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const unique = [...new Set(keys)];
  const found = new Map<string, Call>();
  for (let k = 0; k < unique.length; k += 90) {
    const rows = await dp.db
      .select()
      .from(calls)
      .where(and(eq(calls.tenantId, ctx.tenant.id), inArray(calls.importKey, unique.slice(k, k + 90))));
    for (const r of rows) found.set(r.importKey!, r);
  }
  return found;
}

/** The new call's row (agent found or created, phone protected) and its parsed, redacted transcript. */
async function draftCall(
  ctx: Ctx,
  input: z.output<typeof createCallSchema>,
  createHash: string,
  agents: Map<string, Promise<{ id: string; team: string | null }>>,
  importKey: string | null = null,
): Promise<Omit<Draft, "i">> {
  // One lookup per agent in a batch (calls of one agent share it).
  const agentOf = (key: string, f: () => Promise<{ id: string; team: string | null }>) => {
    const known = agents.get(key);
    if (known) return known;
    const a = f();
    agents.set(key, a);
    return a;
  };
  let agent: { id: string; team: string | null } | null = null;
  if (input.agentId) {
    const id = input.agentId;
    agent = await agentOf(`id:${id}`, () =>
      getAgent(ctx, id).catch(() => {
        throw new ApiError("validation_failed", "unknown agentId", {
          errors: [{ pointer: "/agentId", detail: "no such agent" }],
        });
      }),
    );
  } else if (input.agent) {
    const ref = input.agent;
    agent = await agentOf(`ext:${ref.externalId}`, () => findOrCreateAgent(ctx, ref));
  }
  const phone = input.customerPhone
    ? await protectPhone(
        ctx.env,
        ctx.tenant.id,
        input.customerPhone,
        (input.phoneCountry as never) ?? defaultCountryFor(ctx.tenant.location),
      )
    : null;
  // Parse and redact before anything is written, so a bad transcript leaves nothing behind.
  const prepared = input.transcript
    ? await storeTranscript.prepare(ctx, input.transcript, { direction: input.direction ?? null })
    : null;
  const now = Date.now();
  const row: Call = {
    id: newId("cal"),
    tenantId: ctx.tenant.id,
    externalId: input.externalId ?? null,
    createHash,
    importKey,
    status: "received",
    holdReason: null,
    failureReason: null,
    direction: input.direction ?? null,
    startedAt: input.startedAt ?? now,
    durationS: input.durationS ?? null,
    agentId: agent?.id ?? null,
    team: agent?.team ?? null,
    queue: input.queue ?? null,
    campaign: input.campaign ?? null,
    language: input.language ?? null,
    phoneHash: phone?.phoneHash ?? null,
    phoneEnc: phone?.phoneEnc ?? null,
    phoneMasked: phone?.phoneMasked ?? null,
    tags: input.tags ?? [],
    rubricId: input.rubricId ?? null,
    recKey: null,
    recStatus: "none",
    recFormat: null,
    recMime: null,
    recSize: null,
    recSha256: null,
    recDurationS: null,
    recDurationEstimated: null,
    recUploadedAt: null,
    txFormat: null,
    txSegments: null,
    txWords: null,
    txRedactions: null,
    txRoleSource: null,
    ftsId: null,
    score: null,
    evaluatedWeightPct: null,
    uncertainCount: null,
    silencePct: null,
    sentimentEnd: null,
    reviewedScore: null,
    passed: null,
    criticalFail: null,
    analysisId: null,
    runId: null,
    attempts: 0,
    legalHoldReason: null,
    legalHoldAt: null,
    recPurgedAt: null,
    txPurgedAt: null,
    anPurgedAt: null,
    createdAt: now,
    updatedAt: now,
  };
  return { row, prepared };
}

/**
 * The status a new call starts in: held (F3 privacy, G3 quota — checked before anything is queued,
 * even a call without transcript), else analysing when it has a transcript (with a fresh run id,
 * as `startProcessing` draws), else received.
 */
function admit(d: Draft, hold: HoldReason | null) {
  const tx = d.prepared ? storeTranscript.columns(d.prepared, storeTranscript.newFtsId(), d.row) : {};
  d.row = {
    ...d.row,
    ...tx,
    status: hold ? "held" : d.prepared ? "analyzing" : "received",
    holdReason: hold,
    runId: d.prepared ? randomToken(8) : null,
  };
}

/**
 * Transcripts to R2 (side by side), then every row and search entry in one D1 batch, then the
 * analysis messages and the audit entries. A row that lost a race on its externalId is the other
 * call's (its object removed); a batch that fails is retried call by call.
 */
async function writeCalls(ctx: Ctx, all: Draft[]): Promise<Map<number, CreateOutcome>> {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const res = new Map<number, CreateOutcome>();
  const drafts: Draft[] = [];
  for (let k = 0; k < all.length; k += STORE_PARALLEL) {
    const part = all.slice(k, k + STORE_PARALLEL);
    const stored = await Promise.allSettled(
      part.map((d) => (d.prepared ? storeTranscript.store(ctx, d.row.id, d.prepared) : null)),
    );
    part.forEach((d, j) => {
      const s = stored[j];
      if (s.status === "rejected") res.set(d.i, { error: s.reason });
      else drafts.push(d);
    });
  }
  if (!drafts.length) return res;
  const statements = drafts.flatMap((d) => {
    const insert = dp.db
      .insert(calls)
      .values(d.row)
      .onConflictDoNothing()
      .returning({ id: calls.id })
      .toSQL();
    return [
      dp.d1.prepare(insert.sql).bind(...insert.params),
      // Only where the row went in (it may have lost a race on its externalId).
      ...(d.prepared
        ? [
            dp.d1
              .prepare(
                "insert into calls_fts(rowid, body) select ?, ? where exists (select 1 from calls where id = ?)",
              )
              .bind(d.row.ftsId, storeTranscript.ftsBody(d.prepared), d.row.id),
          ]
        : []),
    ];
  });
  let results: D1Result[];
  try {
    results = await dp.d1.batch(statements);
  } catch (e) {
    if (drafts.length > 1) {
      for (const d of drafts) for (const [i, r] of await writeCalls(ctx, [d])) res.set(i, r);
      return res;
    }
    await dropObjects(ctx, drafts);
    res.set(drafts[0].i, { error: e });
    return res;
  }
  const written: Draft[] = [];
  let at = 0;
  const lost: Draft[] = [];
  for (const d of drafts) {
    const inserted = results[at].results.length > 0;
    at += d.prepared ? 2 : 1;
    if (inserted) written.push(d);
    else lost.push(d);
  }
  if (lost.length) {
    await dropObjects(ctx, lost);
    const winners = await callsByExternalId(
      ctx,
      lost.flatMap((d) => (d.row.externalId ? [d.row.externalId] : [])),
    );
    // Lost on its import key: the same item of the same import, created by another delivery.
    const sameItem = await callsByImportKey(
      ctx,
      lost.flatMap((d) => (!d.row.externalId && d.row.importKey ? [d.row.importKey] : [])),
    );
    for (const d of lost) {
      const w = d.row.externalId ? winners.get(d.row.externalId) : undefined;
      const item = d.row.importKey ? sameItem.get(d.row.importKey) : undefined;
      res.set(
        d.i,
        w
          ? outcome(() => sameOrConflict(w, d.row.createHash!))
          : item
            ? { call: callView(item), created: false }
            : { error: new ApiError("internal", "call could not be created") },
      );
    }
  }
  await queueAnalyses(
    ctx,
    written.filter((d) => d.row.status === "analyzing"),
  );
  await auditCtxMany(
    ctx,
    written.map((d) => ({
      action: "call.created",
      targetType: "call",
      targetId: d.row.id,
      meta: { segments: d.prepared?.transcript.segments.length ?? 0 },
    })),
  );
  for (const d of written) res.set(d.i, { call: callView(d.row), created: true });
  return res;
}

async function dropObjects(ctx: Ctx, drafts: Draft[]) {
  const keys = drafts.filter((d) => d.prepared).map((d) => transcriptKey(ctx, d.row.id));
  if (keys.length) await dataPlane(ctx.env, ctx.tenant).bucket.delete(keys);
}

/**
 * One message per call to analyse: sent alone for one call, 100 a batch for more. The rows are
 * written already: should the queue refuse, the calls stay `analyzing` and the ten-minute sweep
 * (`sweepStalledCalls`, core/calls/pipeline.ts) sends their message once they are stalled — the
 * creation still succeeds (a retry by the client would only find them `existing`).
 */
async function queueAnalyses(ctx: Ctx, drafts: Draft[]) {
  const msgs: PipelineMessage[] = drafts.map((d) => ({
    step: "analyze",
    tenantId: ctx.tenant.id,
    callId: d.row.id,
    runId: d.row.runId!,
  }));
  for (let k = 0; k < msgs.length; k += 100) {
    const part = msgs.slice(k, k + 100);
    try {
      if (part.length === 1) await ctx.env.ANALYZE_QUEUE.send(part[0]);
      else await ctx.env.ANALYZE_QUEUE.sendBatch(part.map((body) => ({ body })));
    } catch (err) {
      console.error(
        JSON.stringify({
          level: "error",
          msg: "analysis messages not sent; the stalled-call sweep will send them",
          requestId: ctx.requestId,
          calls: part.length,
          error: String(err),
        }),
      );
    }
  }
}

function sameOrConflict(existing: Call, createHash: string) {
  if (existing.createHash !== createHash)
    throw new ApiError(
      "conflict",
      `A call with this externalId already exists with different data (id ${existing.id})`,
    );
  return { call: callView(existing), created: false };
}

// ---- Search and list (B6) ---------------------------------------------------------------

const SORTS = { startedAt: calls.startedAt, durationS: calls.durationS, score: calls.score } as const;

export const listCallsSchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
  from: instantQuery.optional(),
  to: instantQuery.optional(),
  agentId: z.string().max(64).optional(),
  team: z.string().max(100).optional(),
  status: z.enum(CALL_STATUSES).optional(),
  minScore: z.coerce.number().min(0).max(100).optional(),
  maxScore: z.coerce.number().min(0).max(100).optional(),
  q: z.string().trim().min(1).max(200).optional(),
  category: z.string().trim().min(1).max(60).optional(),
  irritant: z.string().trim().min(1).max(60).optional(),
  sort: z
    .enum(["startedAt", "-startedAt", "durationS", "-durationS", "score", "-score"])
    .default("-startedAt"),
});
export type ListCallsInput = z.input<typeof listCallsSchema>;

/** User text → an FTS5 query of quoted terms (AND): no operator injection, diacritics folded by the tokenizer. */
export function ftsQuery(q: string): string | null {
  const terms = q
    .normalize("NFKC")
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0)
    .slice(0, 10);
  return terms.length ? terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(" ") : null;
}

export async function listCalls(ctx: Ctx, raw: ListCallsInput) {
  const q = listCallsSchema.parse(raw);
  const dp = dataPlane(ctx.env, ctx.tenant);
  const conds: SQL[] = [callScope(ctx, { viaFts: Boolean(q.q) })];
  // Restricted calls (GDPR art. 18, F3) are kept but shown in no list.
  const restricted = await restrictedCallsExclusion(ctx.env, ctx.tenant);
  if (restricted) conds.push(restricted);
  if (q.from !== undefined) conds.push(gte(calls.startedAt, q.from));
  if (q.to !== undefined) conds.push(lt(calls.startedAt, q.to));
  if (q.agentId) conds.push(eq(calls.agentId, q.agentId));
  if (q.team) conds.push(eq(calls.team, q.team));
  if (q.status) conds.push(eq(calls.status, q.status));
  if (q.minScore !== undefined) conds.push(gte(calls.score, q.minScore));
  if (q.maxScore !== undefined) conds.push(lte(calls.score, q.maxScore));
  if (q.category)
    conds.push(
      sql`${calls.id} in (select call_id from call_labels where tenant_id = ${ctx.tenant.id} and kind = 'category' and label = ${q.category})`,
    );
  if (q.irritant)
    conds.push(
      sql`${calls.id} in (select call_id from call_labels where tenant_id = ${ctx.tenant.id} and kind = 'irritant' and label = ${q.irritant})`,
    );
  if (q.q) {
    const fq = ftsQuery(q.q);
    if (!fq) return { data: [], nextCursor: null };
    conds.push(sql`${calls.ftsId} in (select rowid from calls_fts where calls_fts match ${fq})`);
  }
  const descending = q.sort.startsWith("-");
  const key = q.sort.replace("-", "") as keyof typeof SORTS;
  const col = SORTS[key];
  // startedAt is never null; duration and score may be (they sort last in both directions).
  const nullable = key !== "startedAt";
  const dir = descending ? desc : asc;
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    const v = c.sortValue === "" ? null : Number(c.sortValue);
    if (v === null || Number.isNaN(v)) {
      if (!nullable)
        throw new ApiError("validation_failed", "invalid cursor", {
          errors: [{ pointer: "/cursor", detail: "invalid" }],
        });
      conds.push(and(sql`${col} is null`, descending ? lte(calls.id, c.id) : gte(calls.id, c.id))!);
    } else {
      // The cursor names the first row of the next page (the extra row each page reads anyway), and
      // a row-value comparison from it is an index range: a page reads exactly limit + 1 rows (P8).
      const after = descending
        ? sql`(${col}, ${calls.id}) <= (${v}, ${c.id})`
        : sql`(${col}, ${calls.id}) >= (${v}, ${c.id})`;
      conds.push(nullable ? or(after, sql`${col} is null`)! : after);
    }
  }
  const order = nullable ? [sql`${col} is null`, dir(col), dir(calls.id)] : [dir(col), dir(calls.id)];
  const rows = await dp.db
    .select()
    .from(calls)
    .where(and(...conds))
    .orderBy(...order)
    .limit(q.limit + 1);
  const more = rows.length > q.limit;
  const data = more ? rows.slice(0, q.limit) : rows;
  const next = more ? rows[q.limit] : null;
  return {
    data: data.map(callView),
    nextCursor: next ? encodeCursor((next[key] as number | null) ?? "", next.id) : null,
  };
}

// ---- Deletion (B7) -----------------------------------------------------------------------

/**
 * Rules that may forbid deleting a call (legal hold, F1) register here; deletion asks each.
 * A veto returns the reason.
 */
export type DeletionVeto = (ctx: Ctx, call: Call) => Promise<string | null>;
const vetoes: DeletionVeto[] = [];
export function registerDeletionVeto(v: DeletionVeto) {
  vetoes.push(v);
}

/**
 * Delete calls everywhere (B7): every R2 object under the call's prefix (recording versions,
 * transcript, uploads in progress), the FTS entry, upload rows and the call row. Audited one
 * entry per call. Calls the actor cannot see are reported as not found, never deleted.
 */
export async function deleteCalls(
  ctx: Ctx,
  ids: string[],
): Promise<{ deleted: string[]; notFound: string[]; vetoed: { id: string; reason: string }[] }> {
  const unique = [...new Set(ids)];
  if (unique.length > 100) throw new ApiError("validation_failed", "at most 100 ids per request");
  const dp = dataPlane(ctx.env, ctx.tenant);
  const found = unique.length
    ? await dp.db
        .select()
        .from(calls)
        .where(and(inArray(calls.id, unique), callScope(ctx)))
    : [];
  const out = {
    deleted: [] as string[],
    notFound: unique.filter((id) => !found.some((c) => c.id === id)),
    vetoed: [] as { id: string; reason: string }[],
  };
  for (const call of found) {
    // A legal hold on the tenant wins over deletion (F1); later rules (call-level holds) register vetoes.
    let reason: string | null = ctx.tenant.legalHoldReason
      ? `legal hold: ${ctx.tenant.legalHoldReason}`
      : call.legalHoldReason
        ? `legal hold: ${call.legalHoldReason}`
        : null;
    for (const v of vetoes) reason ??= await v(ctx, call);
    if (reason) {
      out.vetoed.push({ id: call.id, reason });
      continue;
    }
    const uploads = await dp.db.select().from(recordingUploads).where(eq(recordingUploads.callId, call.id));
    for (const u of uploads.filter((x) => x.status === "open"))
      await dp.bucket
        .resumeMultipartUpload(u.objectKey, u.r2UploadId)
        .abort()
        .catch(() => undefined); // already gone
    await purgeCallObjects(dp.bucket, dp.key("calls", call.id, ""));
    const stmts = [
      ...(call.ftsId !== null
        ? [dp.d1.prepare("delete from calls_fts where rowid = ?").bind(call.ftsId)]
        : []),
      ...(uploads.length
        ? [
            dp.d1
              .prepare(
                `delete from recording_upload_parts where upload_id in (${uploads.map(() => "?").join(",")})`,
              )
              .bind(...uploads.map((u) => u.id)),
          ]
        : []),
      dp.d1
        .prepare("delete from recording_uploads where tenant_id = ? and call_id = ?")
        .bind(ctx.tenant.id, call.id),
      // Analyses and labels are call data too (their R2 bodies went with the call's prefix).
      dp.d1
        .prepare("delete from call_labels where tenant_id = ? and call_id = ?")
        .bind(ctx.tenant.id, call.id),
      dp.d1.prepare("delete from analyses where tenant_id = ? and call_id = ?").bind(ctx.tenant.id, call.id),
      // Calibration answers and reviews judge the call's agent (core/quality): they go with it.
      ...[...CALIBRATION_TABLES, ...REVIEW_TABLES].map((table) =>
        dp.d1
          .prepare(`delete from ${table} where tenant_id = ? and call_id = ?`)
          .bind(ctx.tenant.id, call.id),
      ),
      dp.d1.prepare("delete from calls where tenant_id = ? and id = ?").bind(ctx.tenant.id, call.id),
    ];
    await dp.d1.batch(stmts);
    out.deleted.push(call.id);
    await markKpiDirty(ctx.env, ctx.tenant, [call.startedAt]);
    await auditCtx(ctx, "call.deleted", "call", call.id);
  }
  if (out.deleted.length) await recordAbuseEvent(ctx.env, ctx.tenant.id, "mass_deletion", out.deleted.length);
  return out;
}

async function purgeCallObjects(bucket: R2Bucket, prefix: string) {
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor, limit: 1000 });
    if (page.objects.length) await bucket.delete(page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
}

/** POST …/reprocess (C1): a failed or held call runs again from what it has (transcript or recording). */
export async function reprocessCall(
  ctx: Ctx,
  id: string,
  opts: { rubricId?: string } = {},
): Promise<CallView> {
  const call = await findCall(ctx, id);
  if (!call.txFormat && call.recStatus !== "stored")
    throw new ApiError("conflict", "This call has neither a transcript nor a stored recording to process");
  const dp = dataPlane(ctx.env, ctx.tenant);
  if (opts.rubricId) {
    await getRubricVersion(ctx.env, ctx.tenant, opts.rubricId);
    await dp.db
      .update(calls)
      .set({ rubricId: opts.rubricId })
      .where(and(eq(calls.id, id), eq(calls.tenantId, ctx.tenant.id)));
    call.rubricId = opts.rubricId;
  }
  const status = await startProcessing(ctx.env, ctx.tenant, call);
  await auditCtx(ctx, "call.reprocessed", "call", id, { rubricId: opts.rubricId ?? null });
  return callView({ ...call, status });
}

/** PUT …/transcript: replace the call's transcript (B2). */
export async function putTranscript(
  ctx: Ctx,
  call: Call,
  format: TranscriptFormat,
  content: string,
): Promise<Call> {
  // JSON stays text here: the parser names the line of a syntax error.
  const prepared = await prepareTranscript(ctx, { format, content }, { direction: call.direction });
  const updated = await commitTranscript(ctx, call, prepared);
  await auditCtx(ctx, "call.transcript_replaced", "call", call.id, { format });
  return { ...updated, status: await startProcessing(ctx.env, ctx.tenant, updated) };
}

/** The schema's value lists, for apps/ (which takes nothing from db/ but types, test/architecture.test.ts). */
export { CALL_STATUSES } from "../../db/schema/data";
