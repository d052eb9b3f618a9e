import { decodeBase64, encodeHexLowerCase } from "@oslojs/encoding";
import { and, eq } from "drizzle-orm";
import { dataPlane } from "../../db/resolver";
import { type Call, calls } from "../../db/schema/data";
import {
  AUDIO_MIME,
  type AudioFormat,
  bytesReader,
  MIN_AUDIO_S,
  probeStored,
  type RangeReader,
  SNIFF_BYTES,
  type StoredAudio,
  sniffAudio,
  sniffStream,
} from "../content/audio";
import { recordAbuseEvent } from "../identity/abuse";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId, randomToken } from "../platform/crypto";
import { ApiError, notFound } from "../platform/errors";
import { enqueueJob } from "../platform/jobs";
import { startProcessing } from "./pipeline";
import {
  abortMultipart,
  assemble,
  assertPartFits,
  clientAborted,
  completeParts,
  hashingPipe,
  MAX_MULTIPART_BYTES,
  openMultipart,
  openUpload,
  otherPartsBytes,
  planParts,
  setUploadStatus,
  streamPart,
  type UploadDeclaration,
  uploadView,
} from "./uploads";

/**
 * Recordings (B1, B5). The body is streamed into the tenant's bucket — never held whole: the
 * first bytes are sniffed for the format (magic bytes), then every chunk passes through a
 * SHA-256 digest on its way to R2. Object keys come from tenant and call ids only (plus a random
 * version so a replacement never destroys the current recording before it is complete).
 */
export { MAX_MULTIPART_BYTES, MIN_PART_BYTES, maxUploadBytes, PART_BYTES } from "./uploads";

/** A client checksum from `Content-Digest: sha-256=:<b64>:` or `X-Checksum-SHA256: <hex|b64>`. */
export function clientChecksum(headers: Headers): string | null {
  const cd = headers.get("content-digest");
  const m = cd ? /sha-256=:([A-Za-z0-9+/=]+):/i.exec(cd) : null;
  const raw = m?.[1] ?? headers.get("x-checksum-sha256");
  if (!raw) return null;
  if (/^[0-9a-f]{64}$/i.test(raw)) return raw.toLowerCase();
  try {
    const bytes = decodeBase64(raw);
    if (bytes.length !== 32) throw new Error();
    return encodeHexLowerCase(bytes);
  } catch {
    throw new ApiError(
      "validation_failed",
      "The checksum header is not a SHA-256 value (hex, or base64 in Content-Digest)",
    );
  }
}

async function sniffOrReject(body: ReadableStream<Uint8Array>) {
  const { head, rest } = await sniffStream(body, SNIFF_BYTES);
  const kind = sniffAudio(head);
  if (!kind) {
    await rest.cancel().catch(() => undefined);
    throw new ApiError(
      "unsupported_media_type",
      "The file is not a supported audio format (WAV, MP3, OGG/Opus, FLAC, M4A/AAC, WebM), judged by its content, not its name",
    );
  }
  return { head, rest, kind };
}

/** Ranged reads of a stored object (duration at the end of the file: Ogg, MP4 with `moov` last). */
function storedReader(bucket: R2Bucket, key: string, size: number): RangeReader {
  return async (offset, length) => {
    const n = Math.min(length, size - offset);
    if (n <= 0) return new Uint8Array(0);
    const obj = await bucket.get(key, { range: { offset, length: n } });
    return obj ? new Uint8Array(await obj.arrayBuffer()) : new Uint8Array(0);
  };
}

/** A body that is only an audio header (or a few frames) is no recording (I, issue 12 point 15). */
function refuseWithoutAudio(probe: StoredAudio, kept: boolean): void {
  if (probe.audioS !== null && probe.audioS < MIN_AUDIO_S)
    throw new ApiError(
      "unprocessable",
      `The file holds no audio to speak of (${probe.audioS.toFixed(2)} s: only an audio header, or less than ${MIN_AUDIO_S} s); ${kept ? "it was discarded" : "nothing was kept"}`,
      { messageKey: "calls.upload.error.no_audio", params: { seconds: MIN_AUDIO_S } },
    );
}

/** Duration and audio content of what was stored; a file without audio is deleted and refused. */
async function probeOrDelete(
  bucket: R2Bucket,
  key: string,
  format: AudioFormat,
  head: Uint8Array,
  size: number,
): Promise<StoredAudio> {
  const probe = await probeStored(format, head, size, storedReader(bucket, key, size));
  try {
    refuseWithoutAudio(probe, true);
  } catch (e) {
    await bucket.delete(key);
    throw e;
  }
  return probe;
}

/** Single-request upload (≤ MAX_UPLOAD_BYTES). Size and length were checked before reading. */
export async function putRecording(
  ctx: Ctx,
  call: Call,
  req: { body: ReadableStream<Uint8Array>; contentLength: number; checksum: string | null; replace: boolean },
): Promise<Call> {
  if (call.recStatus !== "none" && !req.replace)
    throw new ApiError("conflict", "This call already has a recording; send ?replace=true to replace it");
  const dp = dataPlane(ctx.env, ctx.tenant);
  const { head, rest, kind } = await sniffOrReject(req.body);
  if (req.contentLength <= head.byteLength) {
    // The whole body is in hand: a header without audio is refused before anything is written.
    try {
      refuseWithoutAudio(await probeStored(kind.format, head, req.contentLength, bytesReader(head)), false);
    } catch (e) {
      await rest.cancel().catch(() => undefined);
      throw e;
    }
  }
  const key = dp.key("calls", call.id, `recording-${randomToken(6)}`);
  const pipe = hashingPipe(rest, req.contentLength);
  const [put, hashed] = await Promise.all([
    dp.bucket.put(key, pipe.readable, {
      httpMetadata: { contentType: kind.mime },
      customMetadata: { callId: call.id },
    }),
    pipe.done(),
  ]).catch(async (e) => {
    await dp.bucket.delete(key).catch(() => undefined);
    if (pipe.received() < req.contentLength)
      throw clientAborted(
        ctx,
        { callId: call.id, received: pipe.received(), expected: req.contentLength },
        "nothing was kept",
      );
    throw new ApiError(
      "bad_request",
      `The upload did not complete (${(e as Error).message}); nothing was kept`,
    );
  });
  if (req.checksum && req.checksum !== hashed.sha256) {
    await dp.bucket.delete(key);
    throw new ApiError(
      "unprocessable",
      `Checksum mismatch: received ${hashed.sha256}, expected ${req.checksum}; the upload was discarded`,
    );
  }
  const size = put?.size ?? hashed.bytes;
  const probe = await probeOrDelete(dp.bucket, key, kind.format, head, size);
  return finishRecording(ctx, call, {
    key,
    size,
    sha256: hashed.sha256,
    format: kind.format,
    mime: kind.mime,
    durationS: probe.durationS,
    durationEstimated: probe.estimated,
    status: "stored",
  });
}

async function finishRecording(
  ctx: Ctx,
  call: Call,
  r: {
    key: string;
    size: number;
    sha256: string | null;
    format: string;
    mime: string;
    durationS: number | null;
    durationEstimated: boolean;
    status: Call["recStatus"];
  },
): Promise<Call> {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const now = Date.now();
  const [updated] = await dp.db
    .update(calls)
    .set({
      recKey: r.key,
      recStatus: r.status,
      recFormat: r.format,
      recMime: r.mime,
      recSize: r.size,
      recSha256: r.sha256,
      recDurationS: r.durationS,
      recDurationEstimated: r.durationEstimated,
      recUploadedAt: now,
      durationS: call.durationS ?? r.durationS,
      updatedAt: now,
    })
    .where(and(eq(calls.id, call.id), eq(calls.tenantId, ctx.tenant.id)))
    .returning();
  if (!updated) {
    await dp.bucket.delete(r.key);
    throw notFound("Call");
  }
  // The previous version goes only once the new one is recorded.
  if (call.recKey && call.recKey !== r.key) await dp.bucket.delete(call.recKey);
  // A stored recording of a call without a transcript goes to speech-to-text.
  if (r.status === "stored" && !updated.txFormat)
    updated.status = await startProcessing(ctx.env, ctx.tenant, updated);
  await auditCtx(ctx, call.recKey ? "recording.replaced" : "recording.uploaded", "call", call.id, {
    size: r.size,
    format: r.format,
  });
  return updated;
}

/** What a `Range` header asks of a body of `size` bytes (RFC 9110 §14). */
export type RangeAnswer =
  /** 200 with the whole body: no header, another unit, a malformed or backwards range, several ranges. */
  | { kind: "full" }
  /** 206 with bytes offset … offset + length − 1. */
  | { kind: "part"; offset: number; length: number }
  /** 416, with a Content-Range that names the size: a valid range selecting none of the body. */
  | { kind: "unsatisfiable" };

const RANGE_UNIT = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=(.*)$/;

/**
 * RFC 9110 §14.1–14.2: a range the server does not understand is ignored, never an error — an
 * unknown unit, bad syntax, or `first > last` (`bytes=500-100` is invalid, not empty) answer the
 * whole body. A valid range that selects nothing is 416: `first ≥ size`, or a zero-length suffix
 * (`bytes=-0`). Several ranges are answered with the whole body (the RFC lets a server ignore
 * Range; players only ever ask one). The last position is clamped to the end of the body; a
 * suffix longer than the body selects all of it.
 */
export function parseRange(header: string | null | undefined, size: number): RangeAnswer {
  const m = header ? RANGE_UNIT.exec(header) : null;
  if (!m || m[1].toLowerCase() !== "bytes") return { kind: "full" };
  const specs = m[2]
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  if (specs.length !== 1) return { kind: "full" };
  const spec = specs[0];
  const suffix = /^-(\d+)$/.exec(spec);
  if (suffix) {
    const n = Number(suffix[1]);
    if (n === 0 || size === 0) return { kind: "unsatisfiable" };
    const offset = Math.max(0, size - n);
    return { kind: "part", offset, length: size - offset };
  }
  const r = /^(\d+)-(\d*)$/.exec(spec);
  if (!r) return { kind: "full" };
  const first = Number(r[1]);
  const last = r[2] === "" ? Number.POSITIVE_INFINITY : Number(r[2]);
  if (last < first) return { kind: "full" };
  if (first >= size) return { kind: "unsatisfiable" };
  return { kind: "part", offset: first, length: Math.min(last, size - 1) - first + 1 };
}

/** `<call id>.<extension of its format>`: never a name the uploader chose. */
export function recordingFileName(call: Pick<Call, "id" | "recMime">): string {
  const format = Object.entries(AUDIO_MIME).find(([, mime]) => mime === call.recMime)?.[0] ?? "audio";
  return `${call.id.replace(/[^\w-]/g, "_")}.${format}`;
}

/**
 * GET …/recording with Range (B5), for the API, the portal's player and support reads. A listen
 * — the response starts at byte 0, whole or a player's first range — is audited and counts
 * towards the mass-export alert (I5); a seek does not. Counting what is served, not what the
 * header says, means a range the server ignores (and answers whole) still counts.
 */
export async function getRecording(ctx: Ctx, call: Call, headers: Headers): Promise<Response> {
  if (!call.recKey || call.recStatus === "none" || call.recStatus === "uploading")
    throw notFound("Recording");
  const dp = dataPlane(ctx.env, ctx.tenant);
  const size = call.recSize ?? (await dp.bucket.head(call.recKey))?.size;
  if (size === undefined) throw notFound("Recording");
  const asked = parseRange(headers.get("range"), size);
  if (asked.kind === "unsatisfiable")
    return new Response(null, { status: 416, headers: { "Content-Range": `bytes */${size}` } });
  const obj = await dp.bucket.get(
    call.recKey,
    asked.kind === "part" ? { range: { offset: asked.offset, length: asked.length } } : undefined,
  );
  if (!obj) throw notFound("Recording");
  if (asked.kind === "full" || asked.offset === 0) {
    const bytes = asked.kind === "full" ? "full" : `0-${asked.length - 1}`;
    await auditCtx(ctx, "recording.played", "call", call.id, { bytes });
    await recordAbuseEvent(ctx.env, ctx.tenant.id, "mass_export");
  }
  const h = new Headers({
    "Content-Type": call.recMime ?? "application/octet-stream",
    "Content-Disposition": `inline; filename="${recordingFileName(call)}"`,
    "Accept-Ranges": "bytes",
    ETag: obj.httpEtag,
    "Cache-Control": "private, no-store",
  });
  if (asked.kind === "part") {
    h.set("Content-Range", `bytes ${asked.offset}-${asked.offset + asked.length - 1}/${obj.size}`);
    h.set("Content-Length", String(asked.length));
    return new Response(obj.body, { status: 206, headers: h });
  }
  h.set("Content-Length", String(obj.size));
  return new Response(obj.body, { status: 200, headers: h });
}

// ---- Multipart (beyond the single-request limit, up to 5 GB; see ./uploads.ts) -------------

/**
 * Opens a multipart upload of the call's recording. `size` (and optionally `partSize`) declare the
 * file, so each part's exact size is known and a wrong one is refused at once; an upload opened
 * without a declaration (older clients) takes parts of any size R2 accepts.
 */
export async function createUpload(ctx: Ctx, call: Call, replace: boolean, declared?: UploadDeclaration) {
  if (call.recStatus !== "none" && !replace)
    throw new ApiError("conflict", "This call already has a recording; send ?replace=true to replace it");
  const dp = dataPlane(ctx.env, ctx.tenant);
  const u = await openMultipart(ctx, {
    id: newId("upl"),
    purpose: "recording",
    key: dp.key("calls", call.id, `recording-${randomToken(6)}`),
    callId: call.id,
    plan: declared ? planParts(ctx.env, declared) : undefined,
    customMetadata: { callId: call.id },
  });
  return uploadView(u);
}

/** One part: hashed as it streams; part 1 is sniffed so a wrong file fails at once. */
export async function putPart(
  ctx: Ctx,
  call: Call,
  uploadId: string,
  partNumber: number,
  req: { body: ReadableStream<Uint8Array>; contentLength: number; checksum: string | null },
) {
  const { dp, u } = await openUpload(ctx, uploadId, "recording", call.id);
  assertPartFits(u, partNumber, req.contentLength);
  if (u.size === null && (await otherPartsBytes(dp, u, partNumber)) + req.contentLength > MAX_MULTIPART_BYTES)
    throw new ApiError("payload_too_large", "A recording is limited to 5 GB");
  let body = req.body;
  let head: string | null = null;
  if (partNumber === 1) {
    const s = await sniffOrReject(body);
    body = s.rest;
    head = btoa(String.fromCharCode(...s.head.subarray(0, Math.min(s.head.length, SNIFF_BYTES))));
  }
  return streamPart(ctx, dp, u, partNumber, { ...req, body, head });
}

/** Completes the object; the whole-object hash is computed by a `jobs` message (ids only). */
export async function completeUpload(ctx: Ctx, call: Call, uploadId: string): Promise<Call> {
  const { dp, u } = await openUpload(ctx, uploadId, "recording", call.id);
  const parts = await completeParts(dp, u);
  const head = Uint8Array.from(atob(parts[0].head ?? ""), (ch) => ch.charCodeAt(0));
  const kind = sniffAudio(head)!;
  const obj = await assemble(dp, u, parts);
  let probe: StoredAudio;
  try {
    probe = await probeOrDelete(dp.bucket, u.objectKey, kind.format, head, obj.size);
  } catch (e) {
    await setUploadStatus(dp, u.id, "aborted");
    throw e;
  }
  await setUploadStatus(dp, u.id, "completed");
  const updated = await finishRecording(ctx, call, {
    key: u.objectKey,
    size: obj.size,
    sha256: null,
    format: kind.format,
    mime: kind.mime,
    durationS: probe.durationS,
    durationEstimated: probe.estimated,
    status: "verifying",
  });
  await enqueueJob(ctx.env, { type: "recording.hash", tenantId: ctx.tenant.id, callId: call.id });
  return updated;
}

export async function abortUpload(ctx: Ctx, call: Call, uploadId: string): Promise<void> {
  const { dp, u } = await openUpload(ctx, uploadId, "recording", call.id);
  await abortMultipart(dp, u);
  await auditCtx(ctx, "recording.upload_aborted", "call", call.id);
}

/**
 * Job: hash a completed multipart object end to end (streamed through DigestStream) and mark
 * the recording stored. Idempotent: a second delivery finds it stored and does nothing.
 */
export async function hashRecordingJob(
  env: Env,
  tenant: Ctx["tenant"],
  callId: string,
): Promise<"hashed" | "skipped"> {
  const dp = dataPlane(env, tenant);
  const call = await dp.db.query.calls.findFirst({
    where: and(eq(calls.id, callId), eq(calls.tenantId, tenant.id)),
  });
  if (!call?.recKey || call.recStatus !== "verifying") return "skipped";
  const obj = await dp.bucket.get(call.recKey);
  if (!obj) return "skipped";
  const digest = new crypto.DigestStream("SHA-256");
  await obj.body.pipeTo(digest);
  const hex = encodeHexLowerCase(new Uint8Array(await digest.digest));
  const [updated] = await dp.db
    .update(calls)
    .set({ recSha256: hex, recStatus: "stored", updatedAt: Date.now() })
    .where(and(eq(calls.id, callId), eq(calls.tenantId, tenant.id), eq(calls.recKey, call.recKey)))
    .returning();
  if (updated && !updated.txFormat) await startProcessing(env, tenant, updated);
  return "hashed";
}
