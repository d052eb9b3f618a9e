import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { clientChecksum } from "../../../core/calls/recording";
import {
  abortFileUpload,
  completeFileUpload,
  createFileUpload,
  getFileUpload,
  MAX_MULTIPART_BYTES,
  MAX_PARTS,
  MIN_PART_BYTES,
  maxUploadBytes,
  parseDeclaration,
  putFilePart,
} from "../../../core/calls/uploads";
import type { AppEnv } from "../../types";
import { apiRoute, json, problem } from "../openapi";
import { binary, streamedBody } from "./bodies";

/** What a client declares when it opens a multipart upload (recording or import file). */
export const UploadDeclarationSchema = z
  .object({
    size: z
      .number()
      .int()
      .min(1)
      .max(MAX_MULTIPART_BYTES)
      .openapi({ description: "Total bytes of the file" }),
    partSize: z.number().int().min(MIN_PART_BYTES).optional().openapi({
      description: "Bytes of every part but the last (≥ 5 MiB, ≤ one request's limit; default 16 MiB)",
    }),
  })
  .strict()
  .openapi("UploadDeclaration");

export const UploadSchema = z
  .object({
    uploadId: z.string(),
    purpose: z.enum(["recording", "import"]),
    status: z.enum(["open", "completed", "aborted"]),
    size: z.number().nullable().openapi({ description: "Declared total size (null: not declared)" }),
    partSize: z.number().openapi({ description: "Exact size of every part but the last" }),
    parts: z.number().nullable().openapi({ description: "Number of parts the declared size makes" }),
    lastPartSize: z.number().nullable().openapi({ description: "Exact size of the last part" }),
    minPartSize: z.number(),
    maxParts: z.number(),
    maxSize: z.number(),
    expiresAt: z
      .string()
      .nullable()
      .openapi({ description: "An upload still open then is aborted and its parts discarded (24 h)" }),
  })
  .openapi("Upload");

const UploadParam = z.object({
  uploadId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "uploadId", in: "path" } }),
});
const PartParam = UploadParam.extend({
  partNumber: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PARTS)
    .openapi({ param: { name: "partNumber", in: "path" } }),
});

/**
 * Multipart uploads of files for `POST /imports` (B2): NDJSON or ZIP, up to 5 GB, in parts of the
 * declared size. A part of another size is refused from its Content-Length (400, naming the
 * expected size); a part cut off by the client is not kept (400) and can be sent again.
 */
export function registerUploads(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("calls:write", {
      method: "post",
      path: "/uploads",
      tags: ["Imports"],
      summary: "Start a multipart upload of an import file, declaring its size (and part size)",
      description:
        "Every part but the last is exactly `partSize` bytes, the last `lastPartSize`. An upload not completed within 24 hours is aborted and its parts discarded.",
      request: {
        body: { required: true, content: { "application/json": { schema: UploadDeclarationSchema } } },
      },
      responses: {
        201: json(UploadSchema, "Created"),
        400: problem("Size or part size missing or out of range"),
      },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      return c.json(await createFileUpload(ctx, parseDeclaration(c.req.valid("json"), true)!), 201);
    },
  );

  api.openapi(
    apiRoute("calls:read", {
      method: "get",
      path: "/uploads/{uploadId}",
      tags: ["Imports"],
      summary: "An import file upload: its plan and status",
      request: { params: UploadParam },
      responses: { 200: json(UploadSchema) },
    }),
    async (c) => c.json(await getFileUpload(c.get("ctx"), c.req.valid("param").uploadId), 200),
  );

  api.openapi(
    apiRoute("calls:write", {
      method: "put",
      path: "/uploads/{uploadId}/parts/{partNumber}",
      tags: ["Imports"],
      summary: "Upload one part of exactly the planned size; hashed as it arrives",
      request: { params: PartParam, body: binary("The part's bytes") },
      responses: {
        200: json(z.object({ partNumber: z.number(), size: z.number(), sha256: z.string() })),
        400: problem("Wrong size for this part (the expected size is named), or cut off by the client"),
        409: problem("The upload is completed, aborted or expired"),
        411: problem("No Content-Length"),
        413: problem("Larger than one request's limit"),
      },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const p = c.req.valid("param");
      const { body, contentLength } = streamedBody(c, maxUploadBytes(c.env));
      return c.json(
        await putFilePart(ctx, p.uploadId, p.partNumber, {
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
      path: "/uploads/{uploadId}/complete",
      tags: ["Imports"],
      summary: "Assemble the parts into the file; then `POST /imports` with the uploadId",
      request: { params: UploadParam },
      responses: {
        200: json(UploadSchema),
        409: problem("A part is missing, or the upload is not open"),
        422: problem("The parts do not make the declared size"),
      },
    }),
    async (c) => c.json(await completeFileUpload(c.get("ctx"), c.req.valid("param").uploadId), 200),
  );

  api.openapi(
    apiRoute("calls:write", {
      method: "delete",
      path: "/uploads/{uploadId}",
      tags: ["Imports"],
      summary: "Abort an upload (its parts are discarded)",
      request: { params: UploadParam },
      responses: { 204: { description: "Aborted" }, 409: problem("Not open") },
    }),
    async (c) => {
      await abortFileUpload(c.get("ctx"), c.req.valid("param").uploadId);
      return c.body(null, 204);
    },
  );
}
