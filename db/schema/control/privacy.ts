import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Privacy requests (F3, GDPR art. 15–22). Call data (callers, agents): CCR is the tenant's
 * processor — the request belongs to the tenant (`tenantId` set), whose admins decide and act.
 * User accounts: CCR is controller — operators handle them (`tenantId` null, subject `user`).
 *
 * The subject is never stored in clear here: a caller is its per-tenant keyed phone hash (the
 * one the suppression list and `calls.phone_hash` use) plus a masked number for display; an agent
 * is its agent id; a user is its user id. Free text (note, reasons) is written by the tenant's
 * staff and shown back to them only.
 */
export const PRIVACY_KINDS = [
  "access",
  "rectification",
  "erasure",
  "restriction",
  "objection",
  "portability",
  "consent_withdrawal",
] as const;
export type PrivacyKind = (typeof PRIVACY_KINDS)[number];
export const PRIVACY_STATUSES = [
  "received",
  "identity_check",
  "in_progress",
  "extended",
  "completed",
  "rejected",
] as const;
export type PrivacyStatus = (typeof PRIVACY_STATUSES)[number];
/** Statuses in which the deadline runs (reminders, overdue flag). */
export const OPEN_PRIVACY_STATUSES = ["received", "identity_check", "in_progress", "extended"] as const;
export const PRIVACY_SUBJECT_TYPES = ["caller", "agent", "user"] as const;
export type PrivacySubjectType = (typeof PRIVACY_SUBJECT_TYPES)[number];
export const PRIVACY_CHANNELS = ["email", "letter", "phone", "web_form", "in_person", "other"] as const;
export const IDENTITY_METHODS = [
  "id_document",
  "account_match",
  "callback_known_number",
  "signed_letter",
  "other",
] as const;

export const privacyRequests = sqliteTable(
  "privacy_requests",
  {
    id: text("id").primaryKey(),
    /** Null for a user-account request handled by operators (CCR controller). */
    tenantId: text("tenant_id"),
    kind: text("kind", { enum: PRIVACY_KINDS }).notNull(),
    status: text("status", { enum: PRIVACY_STATUSES }).notNull(),
    subjectType: text("subject_type", { enum: PRIVACY_SUBJECT_TYPES }).notNull(),
    /** Keyed phone hash (caller), agent id (agent) or user id (user). */
    subjectRef: text("subject_ref").notNull(),
    /**
     * A caller's number, AES-GCM under the platform key bound to the tenant (as `calls.phone_enc`):
     * what the suppression list and restrictions are made from, so they can follow a backup into
     * another organisation. Null for agents and users. Never shown.
     */
    subjectEnc: text("subject_enc"),
    /** Masked number, agent id or masked e-mail: enough to recognise, nothing more. */
    subjectLabel: text("subject_label").notNull(),
    channel: text("channel", { enum: PRIVACY_CHANNELS }).notNull().default("other"),
    note: text("note"),
    /** When the request reached the controller; the deadline runs from here. */
    receivedAt: integer("received_at").notNull(),
    /** Deadline: one month after receipt, plus the extension. */
    dueAt: integer("due_at").notNull(),
    originalDueAt: integer("original_due_at").notNull(),
    extensionMonths: integer("extension_months").notNull().default(0),
    extensionReason: text("extension_reason"),
    extendedAt: integer("extended_at"),
    identityMethod: text("identity_method", { enum: IDENTITY_METHODS }),
    identityNote: text("identity_note"),
    identityVerifiedBy: text("identity_verified_by"),
    identityVerifiedAt: integer("identity_verified_at"),
    /** The durable job executing it (export, erasure, resume after a lift). */
    jobId: text("job_id"),
    executedAt: integer("executed_at"),
    executedBy: text("executed_by"),
    completedAt: integer("completed_at"),
    /** Outcome (JSON, counts and ids only): deleted, vetoed, fields changed… */
    result: text("result", { mode: "json" }).$type<Record<string, unknown>>(),
    rejectionReason: text("rejection_reason"),
    /** Restriction lifted, objection or consent withdrawal withdrawn. */
    liftedAt: integer("lifted_at"),
    liftedBy: text("lifted_by"),
    /** The access/portability ZIP (tenant's R2 bucket; control bucket for user accounts). */
    exportKey: text("export_key"),
    exportSize: integer("export_size"),
    exportSha256: text("export_sha256"),
    exportExpiresAt: integer("export_expires_at"),
    /** Deadline reminders sent: "near" (7 days before) then "overdue" (weekly). */
    reminderStage: text("reminder_stage", { enum: ["near", "overdue"] }),
    remindedAt: integer("reminded_at"),
    createdBy: text("created_by"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("privacy_requests_tenant_created_idx").on(t.tenantId, t.createdAt, t.id),
    index("privacy_requests_status_due_idx").on(t.status, t.dueAt),
    index("privacy_requests_subject_idx").on(t.tenantId, t.subjectType, t.subjectRef),
  ],
);
export type PrivacyRequest = typeof privacyRequests.$inferSelect;
