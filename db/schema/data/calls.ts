import { sql } from "drizzle-orm";
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const CALL_STATUSES = ["received", "transcribing", "analyzing", "done", "failed", "held"] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/**
 * One call (B3). D1 keeps what lists filter, sort and aggregate; bodies (recording, transcript,
 * provider responses) live in R2 under `t/<tenant>/calls/<call>/…` (P8 budget: ≤ 6 KB a call,
 * FTS included). The caller's number is never stored in clear: AES-GCM ciphertext for display
 * (masked) and export, a per-tenant keyed hash for lookups and the suppression list.
 */
export const calls = sqliteTable(
  "calls",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    /** The tenant's own call id; creation is idempotent on it. */
    externalId: text("external_id"),
    /** SHA-256 of the canonical creation body: same externalId + other body → 409. */
    createHash: text("create_hash").notNull(),
    /**
     * `<import id>:<item seq>` for a call a bulk import created (core/calls/import-job.ts): unique per
     * tenant, so two deliveries of one import step cannot create an item twice, with or without
     * externalId. Null for calls created otherwise.
     */
    importKey: text("import_key"),
    status: text("status", { enum: CALL_STATUSES }).notNull(),
    holdReason: text("hold_reason"),
    failureReason: text("failure_reason"),
    direction: text("direction", { enum: ["inbound", "outbound"] }),
    startedAt: integer("started_at").notNull(),
    durationS: real("duration_s"),
    agentId: text("agent_id"),
    /** Copied from the agent at creation so team filters need no join. */
    team: text("team"),
    queue: text("queue"),
    campaign: text("campaign"),
    language: text("language"),
    phoneHash: text("phone_hash"),
    phoneEnc: text("phone_enc"),
    phoneMasked: text("phone_masked"),
    tags: text("tags", { mode: "json" }).$type<string[]>(),
    rubricId: text("rubric_id"),
    /** R2 key of the current recording (versioned: a replacement is written beside, then swapped). */
    recKey: text("rec_key"),
    recStatus: text("rec_status", { enum: ["none", "uploading", "verifying", "stored"] })
      .notNull()
      .default("none"),
    recFormat: text("rec_format"),
    recMime: text("rec_mime"),
    recSize: integer("rec_size"),
    recSha256: text("rec_sha256"),
    recDurationS: real("rec_duration_s"),
    /** The duration is an estimate (a VBR MP3 without Xing/VBRI header). */
    recDurationEstimated: integer("rec_duration_estimated", { mode: "boolean" }),
    recUploadedAt: integer("rec_uploaded_at"),
    txFormat: text("tx_format"),
    txSegments: integer("tx_segments"),
    txWords: integer("tx_words"),
    /** Counts of redacted items by type (JSON), for the privacy officer. */
    txRedactions: text("tx_redactions", { mode: "json" }).$type<Record<string, number>>(),
    /** How agent and customer were told apart: `RoleSource` of core/content/transcripts/model.ts. */
    txRoleSource: text("tx_role_source", {
      enum: ["given", "channel", "greeting", "first_speaker", "manual", "unresolved"],
    }),
    /** Row id of the call's transcript in `calls_fts` (random 52-bit; stable, unlike SQLite's rowid). */
    ftsId: integer("fts_id"),
    score: real("score"),
    /** Beside the score (issue 14): the share of the grid it was judged on, and the uncertain findings. */
    evaluatedWeightPct: real("evaluated_weight_pct"),
    uncertainCount: integer("uncertain_count"),
    /** From the current analysis, for dashboards (D1): silence % and end sentiment. */
    silencePct: real("silence_pct"),
    sentimentEnd: real("sentiment_end"),
    /** The latest final (or resolved) human review's score (C10); shown apart from `score`. */
    reviewedScore: real("reviewed_score"),
    passed: integer("passed", { mode: "boolean" }),
    criticalFail: integer("critical_fail", { mode: "boolean" }),
    /** The analysis shown for the call (latest done). */
    analysisId: text("analysis_id"),
    /** The pipeline run in progress or last finished; stale queue messages carry another id. */
    runId: text("run_id"),
    attempts: integer("attempts").notNull().default(0),
    /** Legal hold on this call (F1): kept past retention and erasure while set, with a reason. */
    legalHoldReason: text("legal_hold_reason"),
    legalHoldAt: integer("legal_hold_at"),
    /** When retention removed the recording, the transcript, the analyses (F1); the row stays until all have. */
    recPurgedAt: integer("rec_purged_at"),
    txPurgedAt: integer("tx_purged_at"),
    anPurgedAt: integer("an_purged_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("calls_tenant_external_idx").on(t.tenantId, t.externalId),
    uniqueIndex("calls_tenant_import_key_idx").on(t.tenantId, t.importKey),
    index("calls_tenant_started_idx").on(t.tenantId, t.startedAt, t.id),
    // Each filter's index ends with (started_at, id): the list's order, so a page reads limit + 1 rows.
    index("calls_tenant_agent_started_idx").on(t.tenantId, t.agentId, t.startedAt, t.id),
    index("calls_tenant_team_started_idx").on(t.tenantId, t.team, t.startedAt, t.id),
    index("calls_tenant_status_started_idx").on(t.tenantId, t.status, t.startedAt, t.id),
    index("calls_tenant_phone_idx").on(t.tenantId, t.phoneHash),
    /** A re-sent import finds a call without externalId by its content (core/calls/imports.ts). */
    index("calls_tenant_create_hash_idx").on(t.tenantId, t.createHash),
    index("calls_tenant_score_idx").on(t.tenantId, t.score),
    uniqueIndex("calls_fts_id_idx").on(t.ftsId),
    // Retention (F1): partial indexes hold only what is still to purge, so a daily run reads
    // expired rows once and never rescans what it already removed.
    index("calls_rec_live_idx").on(t.tenantId, t.startedAt).where(sql`rec_key is not null`),
    index("calls_tx_live_idx").on(t.tenantId, t.startedAt).where(sql`tx_format is not null`),
    index("calls_an_live_idx").on(t.tenantId, t.startedAt).where(sql`analysis_id is not null`),
    /** Calls whose pipeline message may be lost: the ten-minute sweep (core/calls/pipeline.ts). */
    index("calls_stalled_idx").on(t.updatedAt, t.id).where(sql`status in ('analyzing', 'transcribing')`),
  ],
);

export type Call = typeof calls.$inferSelect;

/**
 * Multipart uploads into R2 (B1, B2): a call's recording (`purpose: "recording"`, `call_id` set) or
 * a bulk-import file (`purpose: "import"`, no call). Creating one declares the total size and the
 * part size, so a part of the wrong size is refused before it is read; parts are hashed as they
 * arrive. An upload left open past `expires_at` (24 h) is aborted by the 10-minute sweep, since R2
 * would keep its parts — partial recordings — for 7 days.
 */
export const recordingUploads = sqliteTable(
  "recording_uploads",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    purpose: text("purpose", { enum: ["recording", "import"] })
      .notNull()
      .default("recording"),
    callId: text("call_id"),
    r2UploadId: text("r2_upload_id").notNull(),
    objectKey: text("object_key").notNull(),
    status: text("status", { enum: ["open", "completed", "aborted"] }).notNull(),
    /** Declared total size and part size (null on uploads created before they were declared). */
    size: integer("size"),
    partSize: integer("part_size"),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at"),
  },
  (t) => [
    index("rec_uploads_call_idx").on(t.tenantId, t.callId),
    index("rec_uploads_open_idx").on(t.status, t.expiresAt),
  ],
);

export type RecordingUpload = typeof recordingUploads.$inferSelect;

export const recordingUploadParts = sqliteTable(
  "recording_upload_parts",
  {
    uploadId: text("upload_id").notNull(),
    partNumber: integer("part_number").notNull(),
    etag: text("etag").notNull(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    /** First bytes of part 1, base64, to check the format before completion. */
    head: text("head"),
  },
  (t) => [uniqueIndex("rec_upload_parts_pk").on(t.uploadId, t.partNumber)],
);
