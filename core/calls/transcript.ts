import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { dataPlane } from "../../db/resolver";
import { type Call, calls } from "../../db/schema/data";
import { auditCtx } from "../accounts";
import type { Ctx } from "../context";
import { randomBytes } from "../crypto";
import { ApiError } from "../errors";
import { jsonValueTooDeep, MAX_JSON_DEPTH } from "../json-depth";
import { startProcessing } from "../pipeline";
import { resolveTranscriptRoles } from "../providers/speech/roles";
import { redactTranscript } from "../redaction";
import type { RoleResolution, Transcript } from "../transcripts/model";
import { TRANSCRIPT_FORMATS, type TranscriptFormat } from "../transcripts/model";
import { effectiveFormat, parseTranscript, TranscriptError } from "../transcripts/parse";

export { TRANSCRIPT_FORMATS, type TranscriptFormat };
/** A transcript body above this is refused (413) — a 10-hour call is about 1 MB of text. */
export const MAX_TRANSCRIPT_BYTES = 5 * 1024 * 1024;

export const transcriptInputSchema = z.object({
  format: z.enum(TRANSCRIPT_FORMATS),
  content: z
    .union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())])
    .refine((v) => typeof v === "string" || !jsonValueTooDeep(v), {
      message: `nested deeper than ${MAX_JSON_DEPTH} levels`,
    }),
  /** Stereo with one side per channel: the 0-based channel of the agent (roles by channel). */
  agentChannel: z.number().int().min(0).max(255).optional(),
});

/** What the role resolver needs to know about the call (C2). */
export interface RoleContext {
  direction?: "inbound" | "outbound" | null;
  /** A resolution already made (speech-to-text output): kept as it is. */
  roles?: RoleResolution;
}

export interface PreparedTranscript {
  format: TranscriptFormat;
  transcript: Transcript;
  redactions: Record<string, number>;
}

/** R2 key of a call's redacted transcript (our segment model, JSON). */
export const transcriptKey = (ctx: Ctx, callId: string) =>
  dataPlane(ctx.env, ctx.tenant).key("calls", callId, "transcript.json");

/**
 * Parse then redact (C12) — nothing is stored, indexed or sent before redaction. Parse errors
 * become 422 problems naming the line or segment.
 */
async function prepare(
  ctx: Ctx,
  input: z.infer<typeof transcriptInputSchema>,
  call: RoleContext = {},
): Promise<PreparedTranscript> {
  let parsed: Transcript;
  // SRT or WebVTT sent as plain text is stored as what it is.
  const format = effectiveFormat(input.format, input.content);
  try {
    parsed = parseTranscript(format, input.content);
  } catch (e) {
    if (e instanceof TranscriptError) {
      // The failing field of a JSON document, else its line (text formats) or segment.
      const pointer =
        e.field !== undefined
          ? `/transcript/content${e.field}`
          : e.line !== undefined
            ? `/transcript/line/${e.line}`
            : e.segment !== undefined
              ? `/transcript/segment/${e.segment}`
              : "/transcript";
      throw new ApiError(e.code === "too_large" ? "payload_too_large" : "unprocessable", e.message, {
        errors: [{ pointer, detail: e.message }],
      });
    }
    throw e;
  }
  // Roles for every transcript, whatever its source (B2): explicit ones are kept, the others come
  // from the channel, the greeting or the order of the voices.
  parsed = call.roles
    ? { ...parsed, roles: call.roles }
    : resolveTranscriptRoles(parsed, {
        companyName: ctx.tenant.name,
        ...(input.agentChannel !== undefined ? { agentChannel: input.agentChannel } : {}),
        ...(call.direction ? { direction: call.direction } : {}),
      });
  const { transcript, counts } = redactTranscript(parsed, {
    locale: parsed.language,
    tenantPatterns: ctx.tenant.redactionPatterns ?? [],
  });
  return { format, transcript, redactions: counts };
}

function newFtsId(): number {
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
async function store(ctx: Ctx, callId: string, p: PreparedTranscript) {
  await dataPlane(ctx.env, ctx.tenant).bucket.put(transcriptKey(ctx, callId), JSON.stringify(p.transcript), {
    httpMetadata: { contentType: "application/json" },
  });
}

/** The text indexed for search: the segments' redacted text. */
const ftsBody = (p: PreparedTranscript) => p.transcript.segments.map((s) => s.text).join("\n");

/**
 * The columns a transcript sets on its call; duration and language only where the call has none.
 * A new call is inserted with them (one write), an existing one updated by `commit`.
 */
function columns(p: PreparedTranscript, ftsId: number, call: Pick<Call, "durationS" | "language">) {
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
async function commit(ctx: Ctx, call: Call, p: PreparedTranscript): Promise<Call> {
  const dp = dataPlane(ctx.env, ctx.tenant);
  await store(ctx, call.id, p);
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

export const storeTranscript = { prepare, commit, store, columns, ftsBody, newFtsId };

/** PUT …/transcript: replace the call's transcript (B2). */
export async function putTranscript(
  ctx: Ctx,
  call: Call,
  format: TranscriptFormat,
  content: string,
): Promise<Call> {
  // JSON stays text here: the parser names the line of a syntax error.
  const prepared = await prepare(ctx, { format, content }, { direction: call.direction });
  const updated = await commit(ctx, call, prepared);
  await auditCtx(ctx, "call.transcript_replaced", "call", call.id, { format });
  return { ...updated, status: await startProcessing(ctx.env, ctx.tenant, updated) };
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
