import { and, eq } from "drizzle-orm";
import { dataPlane } from "../../db/resolver";
import { type Call, calls } from "../../db/schema/data";
import type { Transcript, TranscriptFormat } from "../content/transcripts/model";
import type { Ctx } from "../platform/context";
import { randomBytes } from "../platform/crypto";
import { ApiError } from "../platform/errors";

/**
 * Where a call's transcript lives: the redacted segment model as JSON in the tenant's bucket, its
 * text in the `calls_fts` index, its counts on the call row. Parsing and redaction come before
 * (calls/transcript.ts); nothing unredacted reaches this module.
 */

/** A parsed and redacted transcript, ready to store. */
export interface PreparedTranscript {
  format: TranscriptFormat;
  transcript: Transcript;
  redactions: Record<string, number>;
}

/** R2 key of a call's redacted transcript (our segment model, JSON). */
export const transcriptKey = (ctx: Ctx, callId: string) =>
  dataPlane(ctx.env, ctx.tenant).key("calls", callId, "transcript.json");

/** A random positive 52-bit rowid for `calls_fts` (exact in a JS number), also used by backup restore. */
export function newFtsId(): number {
  const b = randomBytes(7);
  // 52 bits: exact in a JS number, positive as a SQLite integer.
  return (
    (b[0] & 0x0f) * 2 ** 48 +
    b[1] * 2 ** 40 +
    b[2] * 2 ** 32 +
    b[3] * 2 ** 24 +
    b[4] * 2 ** 16 +
    b[5] * 2 ** 8 +
    b[6]
  );
}

/** The redacted transcript's object in R2 (our segment model, JSON). */
export async function putTranscriptObject(ctx: Ctx, callId: string, p: PreparedTranscript) {
  await dataPlane(ctx.env, ctx.tenant).bucket.put(transcriptKey(ctx, callId), JSON.stringify(p.transcript), {
    httpMetadata: { contentType: "application/json" },
  });
}

/** The text indexed for search: the segments' redacted text. */
export const ftsBody = (p: PreparedTranscript) => p.transcript.segments.map((s) => s.text).join("\n");

/**
 * The columns a transcript sets on its call; duration and language only where the call has none.
 * A new call is inserted with them (one write), an existing one updated by `commitTranscript`.
 */
export function transcriptColumns(
  p: PreparedTranscript,
  ftsId: number,
  call: Pick<Call, "durationS" | "language">,
) {
  return {
    txFormat: p.format,
    txSegments: p.transcript.segments.length,
    txWords: p.transcript.wordCount,
    txRedactions: p.redactions,
    txRoleSource: p.transcript.roles?.source ?? null,
    ftsId,
    durationS: call.durationS ?? (p.transcript.durationS || null),
    language: call.language ?? p.transcript.language ?? null,
  } satisfies Partial<Call>;
}

/** Store in R2, replace the FTS entry, update the call row. */
export async function commitTranscript(ctx: Ctx, call: Call, p: PreparedTranscript): Promise<Call> {
  const dp = dataPlane(ctx.env, ctx.tenant);
  await putTranscriptObject(ctx, call.id, p);
  const ftsId = newFtsId();
  const now = Date.now();
  await dp.d1.batch([
    ...(call.ftsId !== null ? [dp.d1.prepare("delete from calls_fts where rowid = ?").bind(call.ftsId)] : []),
    dp.d1.prepare("insert into calls_fts(rowid, body) values (?, ?)").bind(ftsId, ftsBody(p)),
    dp.d1
      .prepare(
        `update calls set tx_format = ?, tx_segments = ?, tx_words = ?, tx_redactions = ?, tx_role_source = ?,
           fts_id = ?, duration_s = coalesce(duration_s, ?), language = coalesce(language, ?), updated_at = ?
         where tenant_id = ? and id = ?`,
      )
      .bind(
        p.format,
        p.transcript.segments.length,
        p.transcript.wordCount,
        JSON.stringify(p.redactions),
        p.transcript.roles?.source ?? null,
        ftsId,
        p.transcript.durationS || null,
        p.transcript.language ?? null,
        now,
        ctx.tenant.id,
        call.id,
      ),
  ]);
  const updated = await dp.db.query.calls.findFirst({
    where: and(eq(calls.id, call.id), eq(calls.tenantId, ctx.tenant.id)),
  });
  if (!updated) throw new ApiError("not_found", "Call not found");
  return updated;
}

export function readTranscript(ctx: Ctx, call: Call): Promise<Transcript | null> {
  return readTranscriptFor(ctx.env, ctx.tenant, call);
}

/** For queue consumers (no request context). */
export async function readTranscriptFor(
  env: Env,
  tenant: Ctx["tenant"],
  call: Call,
): Promise<Transcript | null> {
  if (!call.txFormat) return null;
  const dp = dataPlane(env, tenant);
  const obj = await dp.bucket.get(dp.key("calls", call.id, "transcript.json"));
  return obj ? ((await obj.json()) as Transcript) : null;
}
