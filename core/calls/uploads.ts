import { encodeHexLowerCase } from "@oslojs/encoding";
import { and, asc, eq, inArray, lt } from "drizzle-orm";
import { z } from "zod";
import { type DataPlane, dataPlane, shardDatabases } from "../../db/resolver";
import { type RecordingUpload, recordingUploadParts, recordingUploads } from "../../db/schema/data";
import { tenantById } from "../identity/tenants";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId } from "../platform/crypto";
import { ApiError, fromZod, notFound } from "../platform/errors";

/**
 * Multipart uploads into R2 (B1, B2): a call's recording or a bulk-import file, beyond the
 * single-request limit. Creating one declares the total size and the part size; R2 wants every
 * part but the last of one size, so each part's exact size is known in advance and a part of
 * another size is refused from its Content-Length, before a byte is read. Parts stream through a
 * SHA-256 digest into R2. A client that goes away mid-part ends with an aborted part (logged at
 * info, nothing kept: R2 drops an incomplete part), never a 500; the upload stays open so the
 * part can be sent again. An upload left open past its 24 h is aborted by the 10-minute sweep,
 * because R2 would otherwise keep its parts (partial recordings) for 7 days.
 */
export const MAX_MULTIPART_BYTES = 5 * 1024 ** 3;
export const MIN_PART_BYTES = 5 * 1024 ** 2;
export const PART_BYTES = 16 * 1024 ** 2;
export const MAX_PARTS = 10_000;
export const UPLOAD_TTL_MS = 24 * 3600_000;

export type UploadPurpose = RecordingUpload["purpose"];

export function maxUploadBytes(env: Env): number {
  return Number(env.MAX_UPLOAD_BYTES) || 100 * 1024 * 1024;
}

/** What a client declares when it opens an upload. */
export const uploadDeclarationSchema = z
  .object({
    /** Total bytes of the file. */
    size: z.number().int().min(1).max(MAX_MULTIPART_BYTES),
    /** Bytes of every part but the last (≥ 5 MiB, ≤ the single-request limit; default 16 MiB). */
    partSize: z.number().int().min(MIN_PART_BYTES).optional(),
  })
  .strict();
export type UploadDeclaration = z.infer<typeof uploadDeclarationSchema>;

/**
 * The declaration of a request body: `undefined` for an empty body (a recording upload from an
 * older client, which then takes parts of any size R2 accepts); field errors name the field.
 */
export function parseDeclaration(raw: unknown, required: boolean): UploadDeclaration | undefined {
  const empty = raw === undefined || raw === null || (typeof raw === "object" && !Object.keys(raw).length);
  if (empty && !required) return undefined;
  const r = uploadDeclarationSchema.safeParse(raw ?? {});
  if (!r.success) {
    const e = fromZod(r.error);
    throw new ApiError(
      "validation_failed",
      `Declare the upload: ${e.errors?.map((f) => `${f.pointer.slice(1) || "body"}: ${f.detail}`).join("; ")}`,
      { errors: e.errors },
    );
  }
  return r.data;
}

export interface PartPlan {
  size: number;
  partSize: number;
  parts: number;
  lastPartSize: number;
}

/** The parts a declared size makes; refuses a plan R2 or the request limit cannot take. */
export function planParts(env: Env, d: UploadDeclaration): PartPlan {
  const partSize = d.partSize ?? PART_BYTES;
  const single = maxUploadBytes(env);
  if (partSize > single)
    throw new ApiError("validation_failed", `partSize is at most ${single} bytes (one request)`, {
      errors: [{ pointer: "/partSize", detail: `at most ${single}` }],
    });
  const parts = Math.ceil(d.size / partSize);
  // Unreachable at today's limits (5 GiB in 5 MiB parts is 1,024): kept so raising the size
  // limit cannot silently plan more parts than R2 takes.
  if (parts > MAX_PARTS)
    throw new ApiError(
      "validation_failed",
      `${d.size} bytes in parts of ${partSize} make ${parts} parts; at most ${MAX_PARTS}: choose a larger partSize`,
      { errors: [{ pointer: "/partSize", detail: `at least ${Math.ceil(d.size / MAX_PARTS)}` }] },
    );
  return { size: d.size, partSize, parts, lastPartSize: d.size - (parts - 1) * partSize };
}

/** The exact size of part n, or null when the upload declared nothing (created before sizes were). */
export function expectedPartSize(u: RecordingUpload, n: number): number | null {
  if (u.size === null || u.partSize === null) return null;
  const parts = Math.ceil(u.size / u.partSize);
  return n < parts ? u.partSize : u.size - (parts - 1) * u.partSize;
}

/** Refuses, from its Content-Length alone, a part this upload cannot take. */
export function assertPartFits(u: RecordingUpload, n: number, contentLength: number): void {
  if (u.size === null || u.partSize === null) return;
  const parts = Math.ceil(u.size / u.partSize);
  if (n > parts)
    throw new ApiError("validation_failed", `This upload has ${parts} parts; there is no part ${n}`, {
      errors: [{ pointer: "/partNumber", detail: `1–${parts}` }],
    });
  const want = expectedPartSize(u, n)!;
  if (contentLength !== want)
    throw new ApiError(
      "validation_failed",
      `Part ${n} must be exactly ${want} bytes (${n < parts ? "the declared partSize" : "the rest of the declared size"}); this one is ${contentLength}`,
      {
        errors: [{ pointer: "/content-length", detail: `expected ${want}` }],
        messageKey: "uploads.error.part_size",
        params: { part: n, expected: want, received: contentLength },
      },
    );
}

export function uploadView(u: RecordingUpload) {
  const plan =
    u.size !== null && u.partSize !== null
      ? { size: u.size, partSize: u.partSize, parts: Math.ceil(u.size / u.partSize) }
      : { size: null, partSize: u.partSize ?? PART_BYTES, parts: null };
  return {
    uploadId: u.id,
    purpose: u.purpose,
    status: u.status,
    ...plan,
    lastPartSize: plan.parts ? expectedPartSize(u, plan.parts) : null,
    minPartSize: MIN_PART_BYTES,
    maxParts: MAX_PARTS,
    maxSize: MAX_MULTIPART_BYTES,
    expiresAt: u.expiresAt ? new Date(u.expiresAt).toISOString() : null,
  };
}
export type UploadView = ReturnType<typeof uploadView>;

/** Opens the R2 multipart upload and its row. */
export async function openMultipart(
  ctx: Ctx,
  o: {
    id: string;
    purpose: UploadPurpose;
    key: string;
    callId?: string;
    plan?: PartPlan;
    customMetadata?: Record<string, string>;
  },
): Promise<RecordingUpload> {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const mpu = await dp.bucket.createMultipartUpload(o.key, { customMetadata: o.customMetadata });
  const now = Date.now();
  const [row] = await dp.db
    .insert(recordingUploads)
    .values({
      id: o.id,
      tenantId: ctx.tenant.id,
      purpose: o.purpose,
      callId: o.callId ?? null,
      r2UploadId: mpu.uploadId,
      objectKey: o.key,
      status: "open",
      size: o.plan?.size ?? null,
      partSize: o.plan?.partSize ?? null,
      createdAt: now,
      expiresAt: now + UPLOAD_TTL_MS,
    })
    .returning();
  return row;
}

/** The tenant's upload of this purpose (and call); 404 for anyone else's. */
export async function findUpload(
  ctx: Ctx,
  id: string,
  purpose: UploadPurpose,
  callId?: string,
): Promise<{ dp: DataPlane; u: RecordingUpload }> {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const u = await dp.db.query.recordingUploads.findFirst({
    where: and(
      eq(recordingUploads.id, id),
      eq(recordingUploads.tenantId, ctx.tenant.id),
      eq(recordingUploads.purpose, purpose),
      ...(callId ? [eq(recordingUploads.callId, callId)] : []),
    ),
  });
  if (!u) throw notFound("Upload");
  return { dp, u };
}

export async function openUpload(ctx: Ctx, id: string, purpose: UploadPurpose, callId?: string) {
  const found = await findUpload(ctx, id, purpose, callId);
  if (found.u.status !== "open") throw new ApiError("conflict", `This upload is ${found.u.status}`);
  if (found.u.expiresAt !== null && found.u.expiresAt < Date.now())
    throw new ApiError(
      "conflict",
      "This upload expired (uploads are completed within 24 hours); start a new one",
    );
  return found;
}

/**
 * Pipes `input` into a FixedLengthStream (R2 needs a known length) while hashing it. One pump, no
 * TransformStream: each chunk goes to the native digest without waiting for it (hashing is far
 * faster than the network) and to R2 with its backpressure — so nothing accumulates.
 */
export function hashingPipe(input: ReadableStream<Uint8Array>, length: number) {
  const digest = new crypto.DigestStream("SHA-256");
  const hashWriter = digest.getWriter();
  const fixed = new FixedLengthStream(length);
  const out = fixed.writable.getWriter();
  let seen = 0;
  const pump = (async () => {
    const reader = input.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += value.byteLength;
        if (seen > length) throw new Error(`the body is longer than its Content-Length (${length})`);
        hashWriter.write(value).catch(() => undefined); // an error surfaces at close()
        await out.write(value);
      }
      if (seen < length) throw new Error(`the body ended after ${seen} of ${length} bytes`);
      await Promise.all([hashWriter.close(), out.close()]);
    } catch (e) {
      await Promise.all([out.abort(e).catch(() => undefined), hashWriter.abort(e).catch(() => undefined)]);
      throw e;
    }
  })();
  // Observed here too, so a failure is never an unhandled rejection (the digest rejects as well
  // when aborted, and nobody awaits it after the pump failed).
  pump.catch(() => undefined);
  digest.digest.catch(() => undefined);
  const done = async () => {
    await pump;
    const buf = new Uint8Array(await digest.digest);
    return { sha256: encodeHexLowerCase(buf), bytes: seen };
  };
  return { readable: fixed.readable, done, received: () => seen };
}

/**
 * The client did not send the whole body (it went away, or sent less than its Content-Length):
 * an aborted upload, logged at info and answered 400 — the caller has removed what was written.
 */
export function clientAborted(
  ctx: Ctx,
  what: { uploadId?: string; callId?: string; part?: number; received: number; expected: number },
  kept: string,
): ApiError {
  console.log(
    JSON.stringify({
      level: "info",
      msg: "upload aborted by the client",
      requestId: ctx.requestId,
      tenantId: ctx.tenant.id,
      ...what,
    }),
  );
  return new ApiError(
    "bad_request",
    `The upload was cut off after ${what.received} of ${what.expected} bytes; ${kept}`,
    { messageKey: "uploads.error.aborted", params: { received: what.received, expected: what.expected } },
  );
}

/**
 * Streams one part into R2, hashed. A body cut short is a client abort (400, nothing kept); an
 * R2 failure with the whole body received is the server's (500).
 */
export async function streamPart(
  ctx: Ctx,
  dp: DataPlane,
  u: RecordingUpload,
  n: number,
  req: {
    body: ReadableStream<Uint8Array>;
    contentLength: number;
    checksum: string | null;
    head?: string | null;
  },
) {
  assertPartFits(u, n, req.contentLength);
  const pipe = hashingPipe(req.body, req.contentLength);
  const mpu = dp.bucket.resumeMultipartUpload(u.objectKey, u.r2UploadId);
  let part: R2UploadedPart;
  let hashed: { sha256: string; bytes: number };
  try {
    [part, hashed] = await Promise.all([mpu.uploadPart(n, pipe.readable), pipe.done()]);
  } catch (e) {
    if (pipe.received() < req.contentLength)
      throw clientAborted(
        ctx,
        {
          uploadId: u.id,
          callId: u.callId ?? undefined,
          part: n,
          received: pipe.received(),
          expected: req.contentLength,
        },
        `part ${n} was not kept; send it again`,
      );
    throw e;
  }
  if (req.checksum && req.checksum !== hashed.sha256)
    throw new ApiError(
      "unprocessable",
      `Checksum mismatch on part ${n}: received ${hashed.sha256}; send the part again`,
    );
  const values = { etag: part.etag, size: hashed.bytes, sha256: hashed.sha256, head: req.head ?? null };
  await dp.db
    .insert(recordingUploadParts)
    .values({ uploadId: u.id, partNumber: n, ...values })
    .onConflictDoUpdate({
      target: [recordingUploadParts.uploadId, recordingUploadParts.partNumber],
      set: values,
    });
  return { partNumber: n, size: hashed.bytes, sha256: hashed.sha256 };
}

/** Bytes stored by the other parts: an undeclared upload is bounded by their sum. */
export async function otherPartsBytes(dp: DataPlane, u: RecordingUpload, n: number): Promise<number> {
  const rows = await dp.db.select().from(recordingUploadParts).where(eq(recordingUploadParts.uploadId, u.id));
  return rows.filter((p) => p.partNumber !== n).reduce((s, p) => s + p.size, 0);
}

/** Parts 1…n, every one there (and, when declared, exactly the declared count). */
export async function completeParts(dp: DataPlane, u: RecordingUpload) {
  const parts = await dp.db
    .select()
    .from(recordingUploadParts)
    .where(eq(recordingUploadParts.uploadId, u.id))
    .orderBy(asc(recordingUploadParts.partNumber));
  const want = u.size !== null && u.partSize !== null ? Math.ceil(u.size / u.partSize) : parts.length;
  for (let i = 0; i < Math.max(want, 1); i++)
    if (parts[i]?.partNumber !== i + 1)
      throw new ApiError("conflict", `Part ${i + 1} is missing (${parts.length} of ${want} received)`);
  if (parts.length > want) throw new ApiError("conflict", `Only ${want} parts were declared`);
  return parts;
}

/** Assembles the object from its parts. */
export async function assemble(
  dp: DataPlane,
  u: RecordingUpload,
  parts: { partNumber: number; etag: string }[],
) {
  const mpu = dp.bucket.resumeMultipartUpload(u.objectKey, u.r2UploadId);
  try {
    return await mpu.complete(parts.map((p) => ({ partNumber: p.partNumber, etag: p.etag })));
  } catch (e) {
    throw new ApiError("unprocessable", `The parts could not be assembled: ${(e as Error).message}`);
  }
}

export async function setUploadStatus(dp: DataPlane, id: string, status: RecordingUpload["status"]) {
  await dp.db.update(recordingUploads).set({ status }).where(eq(recordingUploads.id, id));
}

/** Ends an upload: R2 drops its parts, the row says aborted, the part rows go. */
export async function abortMultipart(
  dp: DataPlane,
  u: Pick<RecordingUpload, "id" | "objectKey" | "r2UploadId">,
) {
  await dp.bucket
    .resumeMultipartUpload(u.objectKey, u.r2UploadId)
    .abort()
    .catch(() => undefined); // already gone at R2 (completed elsewhere, or expired): the row still ends
  await dp.d1.batch([
    dp.d1.prepare("update recording_uploads set status = 'aborted' where id = ?").bind(u.id),
    dp.d1.prepare("delete from recording_upload_parts where upload_id = ?").bind(u.id),
  ]);
}

// ---- Bulk-import files (B2): the generic `/uploads` API ------------------------------------------

/** R2 key of an import file: under the tenant, from ids only. */
export const importFileKey = (dp: DataPlane, uploadId: string) => dp.key("imports", uploadId, "file");

export async function createFileUpload(ctx: Ctx, d: UploadDeclaration): Promise<UploadView> {
  const plan = planParts(ctx.env, d);
  const dp = dataPlane(ctx.env, ctx.tenant);
  const id = newId("upl");
  const u = await openMultipart(ctx, { id, purpose: "import", key: importFileKey(dp, id), plan });
  await auditCtx(ctx, "upload.started", "upload", id, { purpose: "import", size: d.size });
  return uploadView(u);
}

/**
 * An import file small enough for one request (the portal's form): stored at once, as a completed
 * upload, so `startImport` takes it like a multipart one.
 */
export async function storeImportFile(ctx: Ctx, file: Blob): Promise<UploadView> {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const id = newId("upl");
  const key = importFileKey(dp, id);
  await dp.bucket.put(key, file);
  const now = Date.now();
  const [row] = await dp.db
    .insert(recordingUploads)
    .values({
      id,
      tenantId: ctx.tenant.id,
      purpose: "import",
      callId: null,
      r2UploadId: "",
      objectKey: key,
      status: "completed",
      size: file.size,
      partSize: Math.max(file.size, 1),
      createdAt: now,
      expiresAt: now + UPLOAD_TTL_MS,
    })
    .returning();
  await auditCtx(ctx, "upload.started", "upload", id, { purpose: "import", size: file.size });
  return uploadView(row);
}

export async function getFileUpload(ctx: Ctx, id: string): Promise<UploadView> {
  return uploadView((await findUpload(ctx, id, "import")).u);
}

export async function putFilePart(
  ctx: Ctx,
  id: string,
  n: number,
  req: { body: ReadableStream<Uint8Array>; contentLength: number; checksum: string | null },
) {
  const { dp, u } = await openUpload(ctx, id, "import");
  return streamPart(ctx, dp, u, n, req);
}

export async function completeFileUpload(ctx: Ctx, id: string): Promise<UploadView> {
  const { dp, u } = await openUpload(ctx, id, "import");
  const obj = await assemble(dp, u, await completeParts(dp, u));
  if (u.size !== null && obj.size !== u.size) {
    await abortMultipart(dp, u);
    await dp.bucket.delete(u.objectKey);
    throw new ApiError(
      "unprocessable",
      `The parts make ${obj.size} bytes, not the declared ${u.size}; nothing was kept`,
    );
  }
  await setUploadStatus(dp, u.id, "completed");
  return uploadView({ ...u, status: "completed" });
}

export async function abortFileUpload(ctx: Ctx, id: string): Promise<void> {
  const { dp, u } = await openUpload(ctx, id, "import");
  await abortMultipart(dp, u);
  await auditCtx(ctx, "upload.aborted", "upload", id, { purpose: "import" });
}

// ---- Sweep ---------------------------------------------------------------------------------

const SWEEP_BATCH = 50;

/**
 * Cron (every 10 minutes): uploads left open past their 24 h are aborted — R2 would keep their
 * parts for 7 days. Bounded per run (50 per shard); the next run takes the rest.
 */
export async function sweepAbandonedUploads(env: Env, now: number): Promise<number> {
  let aborted = 0;
  for (const { d1 } of shardDatabases(env)) {
    const rows = await d1
      .prepare(
        "select id, tenant_id from recording_uploads where status = 'open' and expires_at < ? order by expires_at limit ?",
      )
      .bind(now, SWEEP_BATCH)
      .all<{ id: string; tenant_id: string }>();
    const byTenant = new Map<string, string[]>();
    for (const r of rows.results) byTenant.set(r.tenant_id, [...(byTenant.get(r.tenant_id) ?? []), r.id]);
    for (const [tenantId, ids] of byTenant) {
      const tenant = await tenantById(env, tenantId);
      if (!tenant) {
        await d1
          .prepare(
            `update recording_uploads set status = 'aborted' where id in (${ids.map(() => "?").join(",")})`,
          )
          .bind(...ids)
          .run();
        continue;
      }
      const dp = dataPlane(env, tenant);
      const open = await dp.db
        .select()
        .from(recordingUploads)
        .where(
          and(
            eq(recordingUploads.tenantId, tenant.id),
            inArray(recordingUploads.id, ids),
            eq(recordingUploads.status, "open"),
            lt(recordingUploads.expiresAt, now),
          ),
        );
      for (const u of open) {
        await abortMultipart(dp, u);
        aborted++;
      }
    }
  }
  aborted += await sweepUnusedImportFiles(env, now);
  if (aborted)
    console.log(JSON.stringify({ level: "info", msg: "abandoned uploads aborted", count: aborted }));
  return aborted;
}

/** Import files completed but never imported within their 24 h: the file goes, the upload ends. */
async function sweepUnusedImportFiles(env: Env, now: number): Promise<number> {
  let n = 0;
  for (const { d1 } of shardDatabases(env)) {
    const rows = await d1
      .prepare(
        `select id, tenant_id from recording_uploads u where purpose = 'import' and status = 'completed'
         and expires_at < ? and not exists (select 1 from imports i where i.upload_id = u.id) limit ?`,
      )
      .bind(now, SWEEP_BATCH)
      .all<{ id: string; tenant_id: string }>();
    for (const r of rows.results) {
      const tenant = await tenantById(env, r.tenant_id);
      if (tenant) {
        const dp = dataPlane(env, tenant);
        await dp.bucket.delete(importFileKey(dp, r.id));
      }
      await d1.prepare("update recording_uploads set status = 'aborted' where id = ?").bind(r.id).run();
      n++;
    }
  }
  return n;
}
