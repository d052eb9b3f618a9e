import { type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  getImport,
  listImportItems,
  listImports,
  MAX_JOB_ITEMS,
  MAX_WAIT_ITEMS,
  preferWait,
  runImportInline,
  startImport,
} from "../../../core/calls/import-job";
import {
  type ImportItemResult,
  importNdjson,
  importSummary,
  importZip,
  MAX_IMPORT_BYTES,
  MAX_IMPORT_ITEMS,
} from "../../../core/calls/imports";
import {
  abortUpload,
  clientChecksum,
  completeUpload,
  createUpload,
  getRecording,
  maxUploadBytes,
  putPart,
  putRecording,
} from "../../../core/calls/recording";
import {
  callView,
  createCall,
  createCallSchema,
  deleteCalls,
  findCall,
  getCall,
  listCalls,
  listCallsSchema,
  putTranscript,
} from "../../../core/calls/service";
import { correctSpeakers, getSpeakers } from "../../../core/calls/speakers";
import { MAX_TRANSCRIPT_BYTES, type TranscriptFormat } from "../../../core/calls/transcript";
import { readTranscript } from "../../../core/calls/transcript-store";
import { parseDeclaration } from "../../../core/calls/uploads";
import { formatFromContentType, TRANSCRIPT_MEDIA_TYPES } from "../../../core/content/transcripts/parse";
import { recordAbuseEvent } from "../../../core/identity/abuse";
import { recordRead } from "../../../core/platform/audit-reads";
import { ApiError } from "../../../core/platform/errors";
import type { AppEnv } from "../../types";
import { apiRoute, IdParam, json, jsonBody, listOf, problem } from "../openapi";
import { binary, streamedBody } from "./bodies";
import { UploadDeclarationSchema, UploadSchema } from "./uploads";

const CallSchema = z
  .object({
    id: z.string(),
    externalId: z.string().nullable(),
    status: z.enum(["received", "transcribing", "analyzing", "done", "failed", "held"]),
    holdReason: z.string().nullable(),
    failureReason: z.string().nullable(),
    direction: z.enum(["inbound", "outbound"]).nullable(),
    startedAt: z
      .string()
      .nullable()
      .openapi({ description: "ISO 8601; null only for a stored value that is not a representable date" }),
    durationS: z.number().nullable(),
    agentId: z.string().nullable(),
    team: z.string().nullable(),
    queue: z.string().nullable(),
    campaign: z.string().nullable(),
    language: z.string().nullable(),
    customerPhone: z.string().nullable().openapi({ description: "Masked; the number is stored encrypted" }),
    tags: z.array(z.string()),
    rubricId: z.string().nullable(),
    recording: z
      .object({
        status: z.string(),
        format: z.string().nullable(),
        mimeType: z.string().nullable(),
        size: z.number().nullable(),
        sha256: z.string().nullable(),
        durationS: z.number().nullable(),
        durationEstimated: z
          .boolean()
          .openapi({ description: "The duration is an estimate (a VBR MP3 without a Xing/VBRI header)" }),
      })
      .nullable(),
    transcript: z
      .object({
        format: z.string().nullable(),
        segments: z.number().nullable(),
        words: z.number().nullable(),
        redactions: z.record(z.string(), z.number()),
        roleSource: z
          .enum(["given", "channel", "greeting", "first_speaker", "manual", "unresolved"])
          .nullable()
          .openapi({
            description:
              "How agent and customer were told apart: named by the source, by channel, by the greeting, by the first speaker, corrected by a person, or unresolved (no speaker labels)",
          }),
      })
      .nullable(),
    score: z.number().nullable(),
    evaluatedWeightPct: z
      .number()
      .nullable()
      .openapi({ description: "Share of the grid's weight the automatic score was judged on (%)" }),
    uncertainCount: z
      .number()
      .nullable()
      .openapi({ description: "Criteria, irritants and categories the engine returned as uncertain" }),
    legalHold: z
      .object({ reason: z.string(), since: z.string() })
      .nullable()
      .openapi({ description: "A legal hold on this call: kept past retention and erasure (F1)" }),
    purged: z
      .object({
        recordingAt: z.string().nullable(),
        transcriptAt: z.string().nullable(),
        analysesAt: z.string().nullable(),
      })
      .openapi({ description: "When retention removed each part of the call (F1); null = still kept" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Call");

const CallId = IdParam("callId");
const replaceQuery = z.object({ replace: z.enum(["true", "false"]).optional() });

export function registerCalls(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("calls:write", {
      method: "post",
      path: "/calls",
      tags: ["Calls"],
      summary:
        "Create a call from metadata, optionally with its transcript inline (idempotent on externalId)",
      request: { body: jsonBody(createCallSchema as never) },
      responses: {
        201: json(z.object({ id: z.string(), status: z.string() }).passthrough(), "Created"),
        200: json(CallSchema, "A call with this externalId and the same body already exists"),
        409: problem("Same externalId, different body"),
        422: problem("The transcript could not be parsed (the line or segment is named)"),
      },
    }),
    async (c) => {
      const r = await createCall(c.get("ctx"), (await c.req.json()) as never);
      return c.json(r.call, r.created ? 201 : 200);
    },
  );

  api.openapi(
    apiRoute("calls:read", {
      method: "get",
      path: "/calls",
      tags: ["Calls"],
      summary: "Search and list calls (B6): filters, full-text `q` over transcripts, sort, cursor",
      request: { query: listCallsSchema as never },
      responses: { 200: json(listOf(CallSchema)) },
    }),
    async (c) => c.json(await listCalls(c.get("ctx"), c.req.query() as never), 200),
  );

  api.openapi(
    apiRoute("calls:read", {
      method: "get",
      path: "/calls/{callId}",
      tags: ["Calls"],
      summary: "Get a call",
      request: { params: CallId },
      responses: { 200: json(CallSchema) },
    }),
    async (c) => c.json(await getCall(c.get("ctx"), c.req.valid("param").callId), 200),
  );

  api.openapi(
    apiRoute("calls:delete", {
      method: "delete",
      path: "/calls/{callId}",
      tags: ["Calls"],
      summary: "Delete a call everywhere: recording, transcript, index entries, derived rows (B7)",
      request: { params: CallId },
      responses: {
        204: { description: "Deleted" },
        409: problem("Deletion refused (e.g. legal hold)"),
      },
    }),
    async (c) => {
      const id = c.req.valid("param").callId;
      const r = await deleteCalls(c.get("ctx"), [id]);
      if (r.notFound.length) throw new ApiError("not_found", "Call not found");
      if (r.vetoed.length) throw new ApiError("conflict", `Deletion refused: ${r.vetoed[0].reason}`);
      return c.body(null, 204);
    },
  );

  api.openapi(
    apiRoute("calls:delete", {
      method: "post",
      path: "/calls/delete",
      tags: ["Calls"],
      summary: "Delete several calls (at most 100 ids); the result says what happened to each",
      request: { body: jsonBody(z.object({ ids: z.array(z.string().min(1).max(64)).min(1).max(100) })) },
      responses: {
        200: json(
          z.object({
            deleted: z.array(z.string()),
            notFound: z.array(z.string()),
            vetoed: z.array(z.object({ id: z.string(), reason: z.string() })),
          }),
        ),
      },
    }),
    async (c) => c.json(await deleteCalls(c.get("ctx"), c.req.valid("json").ids), 200),
  );

  // ---- Recording ----
  api.openapi(
    apiRoute("calls:write", {
      method: "put",
      path: "/calls/{callId}/recording",
      tags: ["Recordings"],
      summary: "Upload the recording as the raw body (≤ 100 MB; larger files use the multipart API)",
      description:
        "Streamed into the bucket of the tenant's data location. Format checked by content (415), size by Content-Length before reading (411/413). Optional `Content-Digest: sha-256=:<base64>:` or `X-Checksum-SHA256: <hex>` → 422 on mismatch.",
      request: {
        params: CallId,
        query: replaceQuery,
        body: binary("WAV, MP3, OGG/Opus, FLAC, M4A/AAC or WebM"),
      },
      responses: {
        200: json(CallSchema),
        409: problem("Already has a recording (use ?replace=true)"),
        411: problem("Content-Length missing"),
        413: problem("Too large for one request"),
        415: problem("Not a supported audio format"),
        422: problem("Checksum mismatch"),
      },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const { body, contentLength } = streamedBody(c, maxUploadBytes(c.env));
      const call = await findCall(ctx, c.req.valid("param").callId);
      const updated = await putRecording(ctx, call, {
        body,
        contentLength,
        checksum: clientChecksum(c.req.raw.headers),
        replace: c.req.query("replace") === "true",
      });
      return c.json(callView(updated), 200);
    },
  );

  api.openapi(
    apiRoute("calls:read", {
      method: "get",
      path: "/calls/{callId}/recording",
      tags: ["Recordings"],
      summary: "Play or download the recording (supports Range: 206 + Content-Range)",
      request: { params: CallId },
      responses: {
        200: {
          description: "The audio",
          content: { "audio/*": { schema: z.string().openapi({ format: "binary" }) } },
        },
        206: { description: "A byte range of the audio" },
        416: { description: "Range not satisfiable" },
      },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      // Audited, and counted towards the mass-export alert (I5), inside getRecording.
      const call = await findCall(ctx, c.req.valid("param").callId);
      return getRecording(ctx, call, c.req.raw.headers) as never;
    },
  );

  const UploadId = z.object({
    callId: z
      .string()
      .min(1)
      .max(64)
      .openapi({ param: { name: "callId", in: "path" } }),
    uploadId: z
      .string()
      .min(1)
      .max(64)
      .openapi({ param: { name: "uploadId", in: "path" } }),
  });

  api.openapi(
    apiRoute("calls:write", {
      method: "post",
      path: "/calls/{callId}/recording/uploads",
      tags: ["Recordings"],
      summary: "Start a multipart upload (files above 100 MB, up to 5 GB), declaring its size",
      description:
        "Declare `size` (and optionally `partSize`): every part but the last must then be exactly `partSize` bytes and the last `lastPartSize`; a part of another size is refused at once, naming the expected size. Without a body the parts may be of any size R2 accepts. An upload not completed within 24 hours is aborted and its parts discarded.",
      request: {
        params: CallId,
        query: replaceQuery,
        body: {
          required: false,
          content: { "application/json": { schema: UploadDeclarationSchema.partial() } },
        },
      },
      responses: { 201: json(UploadSchema, "Created") },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const call = await findCall(ctx, c.req.valid("param").callId);
      const declared = parseDeclaration(c.req.valid("json"), false);
      return c.json(await createUpload(ctx, call, c.req.query("replace") === "true", declared), 201);
    },
  );

  api.openapi(
    apiRoute("calls:write", {
      method: "put",
      path: "/calls/{callId}/recording/uploads/{uploadId}/parts/{partNumber}",
      tags: ["Recordings"],
      summary: "Upload one part (of the declared size; all but the last ≥ 5 MiB); hashed as it arrives",
      request: {
        params: UploadId.extend({
          partNumber: z.coerce
            .number()
            .int()
            .min(1)
            .max(10_000)
            .openapi({ param: { name: "partNumber", in: "path" } }),
        }),
        body: binary("The part's bytes"),
      },
      responses: { 200: json(z.object({ partNumber: z.number(), size: z.number(), sha256: z.string() })) },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const p = c.req.valid("param");
      const { body, contentLength } = streamedBody(c, maxUploadBytes(c.env));
      const call = await findCall(ctx, p.callId);
      return c.json(
        await putPart(ctx, call, p.uploadId, p.partNumber, {
          body,
          contentLength,
          checksum: clientChecksum(c.req.raw.headers),
        }),
        200,
      );
    },
  );

  api.openapi(
    apiRoute("calls:write", {
      method: "post",
      path: "/calls/{callId}/recording/uploads/{uploadId}/complete",
      tags: ["Recordings"],
      summary: "Assemble the parts; the whole object's SHA-256 is computed by a background job",
      request: { params: UploadId },
      responses: { 200: json(CallSchema) },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const p = c.req.valid("param");
      const call = await findCall(ctx, p.callId);
      return c.json(callView(await completeUpload(ctx, call, p.uploadId)), 200);
    },
  );

  api.openapi(
    apiRoute("calls:write", {
      method: "delete",
      path: "/calls/{callId}/recording/uploads/{uploadId}",
      tags: ["Recordings"],
      summary: "Abort a multipart upload (its parts are discarded)",
      request: { params: UploadId },
      responses: { 204: { description: "Aborted" } },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const p = c.req.valid("param");
      await abortUpload(ctx, await findCall(ctx, p.callId), p.uploadId);
      return c.body(null, 204);
    },
  );

  // ---- Transcript ----
  api.openapi(
    apiRoute("calls:write", {
      method: "put",
      path: "/calls/{callId}/transcript",
      tags: ["Transcripts"],
      summary: "Replace the transcript; the format comes from Content-Type",
      description:
        "`application/json`: our segments, WhisperX / faster-whisper, OpenAI `diarized_json`, Deepgram, AssemblyAI, AWS Transcribe and Transcribe Call Analytics output (recognised by shape); `text/vtt`; `application/x-subrip` or `text/srt`; `text/plain` with `Agent:` / `Client:`, `SPEAKER_00:` / `[SPEAKER_00]:` or name prefixes (an SRT or WebVTT body sent as text/plain is read as such). Speaker roles are resolved and the transcript redacted before it is stored or indexed.",
      request: {
        params: CallId,
        // Plain schema objects, not zod: the library would answer an undeclared Content-Type with a
        // bare "Unsupported Media Type"; the handler's 415 names the accepted types instead.
        body: {
          required: true,
          content: {
            "application/json": { schema: { type: "object" } },
            "text/vtt": { schema: { type: "string" } },
            "application/x-subrip": { schema: { type: "string" } },
            "text/srt": { schema: { type: "string" } },
            "text/plain": { schema: { type: "string" } },
          },
        },
      },
      responses: {
        200: json(CallSchema),
        415: problem("Unknown Content-Type"),
        422: problem("Parse error"),
      },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const format = formatFromContentType(c.req.header("content-type") ?? "") as TranscriptFormat | null;
      if (!format)
        throw new ApiError(
          "unsupported_media_type",
          `${c.req.header("content-type") ? `Content-Type ${c.req.header("content-type")} is not a transcript format` : "No Content-Type"}; send the transcript as one of ${TRANSCRIPT_MEDIA_TYPES.join(", ")} (SRT and WebVTT sent as text/plain are recognised)`,
          {
            errors: [
              { pointer: "/headers/content-type", detail: `one of ${TRANSCRIPT_MEDIA_TYPES.join(", ")}` },
            ],
          },
        );
      const { contentLength } = streamedBody(c, MAX_TRANSCRIPT_BYTES);
      void contentLength;
      const call = await findCall(ctx, c.req.valid("param").callId);
      return c.json(callView(await putTranscript(ctx, call, format, await c.req.text())), 200);
    },
  );

  api.openapi(
    apiRoute("calls:read", {
      method: "get",
      path: "/calls/{callId}/transcript",
      tags: ["Transcripts"],
      summary: "The redacted transcript as segments (ids, speaker, start, end, text)",
      request: { params: CallId },
      responses: { 200: json(z.any()), 404: problem("No transcript yet") },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const call = await findCall(ctx, c.req.valid("param").callId);
      const t = await readTranscript(ctx, call);
      if (!t) throw new ApiError("not_found", "This call has no transcript yet");
      await recordRead(ctx, "transcript.read", call.id); // audited per key and hour (core/platform/audit-reads.ts)
      await recordAbuseEvent(ctx.env, ctx.tenant.id, "mass_export");
      return c.json(t, 200);
    },
  );

  const SpeakersSchema = z
    .object({
      roles: z
        .object({
          source: z.enum(["given", "channel", "greeting", "first_speaker", "manual", "unresolved"]),
          agent: z.string().optional().openapi({ description: "The voice taken for the agent" }),
          phrase: z.string().optional().openapi({ description: "greeting: what the agent said" }),
          atS: z.number().optional(),
          direction: z.enum(["inbound", "outbound"]).optional(),
          agentChannel: z.number().optional(),
          by: z.string().optional().openapi({ description: "manual: who corrected the roles" }),
          at: z.number().optional(),
        })
        .nullable(),
      speakers: z.array(
        z.object({
          key: z.string(),
          label: z.string().nullable(),
          channel: z.number().nullable(),
          role: z.enum(["agent", "customer", "unknown"]),
          segments: z.number(),
          firstAtS: z.number(),
        }),
      ),
    })
    .openapi("Speakers");

  api.openapi(
    apiRoute("calls:read", {
      method: "get",
      path: "/calls/{callId}/speakers",
      tags: ["Transcripts"],
      summary: "The voices of the transcript, their roles and how they were resolved",
      request: { params: CallId },
      responses: { 200: json(SpeakersSchema), 404: json(z.any(), "No transcript yet") },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      return c.json(await getSpeakers(ctx, await findCall(ctx, c.req.valid("param").callId)), 200);
    },
  );

  api.openapi(
    apiRoute("calls:write", {
      method: "put",
      path: "/calls/{callId}/speakers",
      tags: ["Transcripts"],
      summary:
        "Correct the roles: swap agent and customer, or assign a role per voice; the call is analysed again",
      description:
        '`{"swap": true}` or `{"roles": {"SPEAKER_00": "customer", "SPEAKER_01": "agent"}}` (keys from `GET …/speakers`). Reviews and their overrides are kept; no minutes are billed again.',
      request: {
        params: CallId,
        body: jsonBody(
          z
            .object({
              swap: z.literal(true).optional(),
              roles: z.record(z.string(), z.enum(["agent", "customer"])).optional(),
            })
            .openapi("SpeakersCorrection"),
        ),
      },
      responses: {
        200: json(CallSchema),
        409: json(z.any(), "No transcript"),
        422: json(z.any(), "Unknown voice"),
      },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const call = await findCall(ctx, c.req.valid("param").callId);
      return c.json(callView(await correctSpeakers(ctx, call, c.req.valid("json"))), 200);
    },
  );
}

/** An item's refusal: English `title`/`detail`, and the code and values to word it otherwise. */
const ImportItemError = z
  .object({
    status: z.number(),
    title: z.string(),
    detail: z.string(),
    code: z.string().optional().openapi({
      description:
        'Stable code (README "Bulk import"): malformed_json, line_too_large, file_too_large, unsupported_file, unreadable_entry, transcript_file_missing, internal, or the refusal\'s problem code (validation_failed…); absent on results stored before codes',
      example: "malformed_json",
    }),
    params: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .optional()
      .openapi({ description: "The code's values", example: { line: 12 } }),
    messageKey: z.string().optional().openapi({ description: "The refusal's own message key, if any" }),
    errors: z.array(z.object({ pointer: z.string(), detail: z.string() })).optional(),
  })
  .openapi("ImportItemError");

const ImportResult = z
  .object({
    summary: z.object({ created: z.number(), existing: z.number(), errors: z.number() }),
    items: z.array(
      z.object({
        item: z.string(),
        externalId: z.string().nullable(),
        result: z.enum(["created", "existing", "error"]),
        id: z.string().optional(),
        status: z.string().optional(),
        error: ImportItemError.optional(),
      }),
    ),
  })
  .openapi("ImportResult");

const ImportSchema = z
  .object({
    id: z.string(),
    status: z.enum(["queued", "scanning", "running", "done", "failed"]),
    format: z.enum(["ndjson", "zip"]),
    name: z.string().nullable(),
    size: z.number(),
    uploadId: z.string().nullable(),
    total: z.number().nullable().openapi({ description: "Items found in the file (null until scanned)" }),
    processed: z.number(),
    created: z.number(),
    existing: z.number(),
    errors: z.number(),
    error: z
      .string()
      .nullable()
      .openapi({ description: "Why the whole import failed (over the limits, unreadable), in English" }),
    errorCode: z
      .enum(["over_limit", "file_gone", "not_a_zip", "manifest_unreadable", "archive_changed"])
      .nullable()
      .openapi({ description: "The failure's stable code (null when not failed, or failed before codes)" }),
    errorParams: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .nullable()
      .openapi({ description: "The code's values", example: { max: 10000, found: 10001 } }),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi("Import");

const ImportItemSchema = z
  .object({
    seq: z.number(),
    item: z.string().openapi({ example: "line 12" }),
    result: z.enum(["pending", "created", "existing", "error"]),
    externalId: z.string().nullable(),
    id: z.string().nullable().openapi({ description: "The call's id" }),
    status: z.string().nullable(),
    error: ImportItemError.nullable(),
  })
  .openapi("ImportItem");

const ImportRequest = z
  .object({
    uploadId: z.string().min(1).max(64).openapi({ description: "A completed upload (`POST /uploads`)" }),
    name: z.string().max(200).optional().openapi({ description: "The file's name, for display" }),
  })
  .strict()
  .openapi("ImportRequest");

const NDJSON_TYPES = [
  "application/x-ndjson",
  "application/ndjson",
  "application/jsonl",
  "application/x-jsonlines",
];

export function registerImports(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("calls:write", {
      method: "post",
      path: "/imports",
      tags: ["Imports"],
      summary: "Bulk import: a job over an uploaded file (JSON `{uploadId}`), or a small file in the body",
      description: `With \`application/json\` \`{ "uploadId": … }\` (a completed upload, NDJSON or ZIP, up to ${MAX_JOB_ITEMS} calls): answers 202 at once with the import; follow it with \`GET /imports/{importId}\`. The same upload sent again is the same import. \`Prefer: wait=N\` (N ≤ 60 s) waits for imports of at most ${MAX_WAIT_ITEMS} items and answers 200 when done. With an NDJSON or ZIP body (at most ${MAX_IMPORT_ITEMS} calls and ${MAX_IMPORT_BYTES / 1024 / 1024} MB): imported in the request, 200 with a result per item. Idempotent on each call's externalId (or, without one, its content).`,
      request: {
        body: {
          required: false,
          content: {
            "application/json": { schema: ImportRequest },
            "application/x-ndjson": { schema: z.string() },
            "application/zip": { schema: z.string().openapi({ format: "binary" }) },
          },
        },
      },
      responses: {
        200: json(
          z.union([ImportSchema, ImportResult]),
          "Done: the import (with Prefer: wait), or the per-item results of a body import",
        ),
        202: json(ImportSchema, "Accepted: the import runs as a job"),
        409: problem("The upload is not completed"),
        410: problem("The uploaded file is gone"),
        413: problem("Too large or too many items"),
        415: problem("Not JSON, NDJSON nor ZIP"),
      },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const ct = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
      if (ct === "application/json") {
        const wait = preferWait(c.req.header("prefer"));
        const { imp, created } = await startImport(
          ctx,
          c.req.valid("json") as z.infer<typeof ImportRequest>,
          {
            enqueue: wait === null,
          },
        );
        const now = wait !== null && created ? await runImportInline(ctx, imp, wait) : imp;
        if (wait !== null) c.header("Preference-Applied", `wait=${wait}`);
        c.header("Location", `/api/v1/imports/${now.id}`);
        const done = now.status === "done" || now.status === "failed";
        return c.json(await getImport(ctx, now.id), done ? 200 : 202);
      }
      const { body } = streamedBody(c, MAX_IMPORT_BYTES);
      let items: ImportItemResult[];
      if (NDJSON_TYPES.includes(ct)) items = await importNdjson(ctx, body);
      else if (ct === "application/zip" || ct === "application/x-zip-compressed")
        items = await importZip(ctx, new Uint8Array(await c.req.arrayBuffer()));
      else
        throw new ApiError(
          "unsupported_media_type",
          "Send application/json ({ uploadId }), application/x-ndjson or application/zip",
        );
      return c.json({ summary: importSummary(items), items }, 200);
    },
  );

  api.openapi(
    apiRoute("calls:read", {
      method: "get",
      path: "/imports",
      tags: ["Imports"],
      summary: "The latest imports (newest first)",
      responses: { 200: json(z.object({ data: z.array(ImportSchema) })) },
    }),
    async (c) => c.json({ data: await listImports(c.get("ctx"), 50) }, 200),
  );

  api.openapi(
    apiRoute("calls:read", {
      method: "get",
      path: "/imports/{importId}",
      tags: ["Imports"],
      summary: "An import: status, progress and its per-item results, a page at a time",
      request: {
        params: IdParam("importId"),
        query: z.object({
          limit: z.coerce
            .number()
            .int()
            .min(1)
            .max(1000)
            .default(100)
            .openapi({ description: "1–1000, default 100" }),
          cursor: z
            .string()
            .max(20)
            .optional()
            .openapi({ description: "items.nextCursor of the previous page" }),
          result: z.enum(["pending", "created", "existing", "error"]).optional(),
        }),
      },
      responses: {
        200: json(
          ImportSchema.extend({
            items: z.object({ data: z.array(ImportItemSchema), nextCursor: z.string().nullable() }),
          }),
        ),
      },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const id = c.req.valid("param").importId;
      const q = c.req.valid("query");
      const imp = await getImport(ctx, id);
      return c.json({ ...imp, items: await listImportItems(ctx, id, q) }, 200);
    },
  );
}
