import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Bulk imports (B2): one NDJSON or ZIP file, up to 10,000 calls, worked through by a durable job
 * (`jobs` kind `call_import`). The file lives in R2 under `t/<tenant>/imports/<id>/` only while
 * the job runs (it holds unredacted transcripts); the rows keep the outcome for 30 days (then the daily cron removes them).
 */
export const IMPORT_STATUSES = ["queued", "scanning", "running", "done", "failed"] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

export const imports = sqliteTable(
  "imports",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    jobId: text("job_id").notNull(),
    status: text("status", { enum: IMPORT_STATUSES }).notNull(),
    format: text("format", { enum: ["ndjson", "zip"] }).notNull(),
    /**
     * The multipart upload it came from: the import's id is derived from it, so a second
     * `POST /imports` with the same upload is this import.
     */
    uploadId: text("upload_id"),
    /** The file's name as the uploader gave it (display only; never a storage key). */
    name: text("name"),
    objectKey: text("object_key").notNull(),
    size: integer("size").notNull(),
    /** Items found by the scan (null until it finishes). */
    total: integer("total"),
    processed: integer("processed").notNull().default(0),
    created: integer("created").notNull().default(0),
    existing: integer("existing").notNull().default(0),
    errors: integer("errors").notNull().default(0),
    /** Why the whole import failed (over the limits, unreadable file); items fail one by one. */
    error: text("error"),
    /**
     * The failure as a stable code and its values (`over_limit` `{ max, found }`…), so each reader
     * words it in its own language; `error` keeps the English text (the API's, and the only one
     * of rows failed before the code existed).
     */
    errorCode: text("error_code"),
    errorParams: text("error_params", { mode: "json" }).$type<Record<string, string | number>>(),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [
    index("imports_tenant_created_idx").on(t.tenantId, t.createdAt),
    index("imports_finished_idx").on(t.finishedAt),
  ],
);
export type ImportRow = typeof imports.$inferSelect;

/** One item of an import: an NDJSON line, a ZIP entry or a `calls.ndjson` line of a ZIP. */
export const importItems = sqliteTable(
  "import_items",
  {
    tenantId: text("tenant_id").notNull(),
    importId: text("import_id").notNull(),
    /** 1-based order in the file. */
    seq: integer("seq").notNull(),
    /** "line 12", "file transcripts/A-1.vtt", "calls.ndjson line 3". */
    item: text("item").notNull(),
    result: text("result", { enum: ["pending", "created", "existing", "error"] }).notNull(),
    /**
     * Where the item is in the file (ids and offsets only, never content): NDJSON
     * `{ offset, length }`; ZIP `{ entry: {…central directory…}, line? }`. Cleared when done.
     */
    source: text("source", { mode: "json" }).$type<Record<string, unknown>>(),
    externalId: text("external_id"),
    callId: text("call_id"),
    callStatus: text("call_status"),
    error: text("error", { mode: "json" }).$type<{
      status: number;
      title: string;
      detail: string;
      /** Stable code (`malformed_json`, an ApiError's code…) and its values; absent on old rows. */
      code?: string;
      params?: Record<string, string | number>;
      /** An ApiError's i18n key, when it has its own message. */
      messageKey?: string;
      errors?: { pointer: string; detail: string }[];
    }>(),
  },
  (t) => [
    primaryKey({ columns: [t.importId, t.seq] }),
    index("import_items_result_idx").on(t.importId, t.result, t.seq),
    index("import_items_tenant_idx").on(t.tenantId),
  ],
);
export type ImportItemRow = typeof importItems.$inferSelect;
