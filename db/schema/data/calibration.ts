import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { ReviewOverride } from "./reviews";

export const CALIBRATION_STATUSES = ["open", "closed"] as const;
export type CalibrationStatus = (typeof CALIBRATION_STATUSES)[number];

/** A reviewer's answer to one criterion in a calibration: the review model's values, comment optional. */
export type CalibrationAnswer = Omit<ReviewOverride, "comment"> & { comment?: string };
/** The agreed (reference) answer per criterion, recorded when the session is closed. */
export type AgreedAnswers = Record<string, ReviewOverride["result"]>;

/**
 * Calibration sessions (C10): several reviewers score the same calls against one grid version,
 * blind, then compare. `version` guards concurrent closes (compare-and-set); answers are final
 * once submitted (see core/quality/calibration.ts).
 */
export const calibrationSessions = sqliteTable(
  "calibration_sessions",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    title: text("title").notNull(),
    rubricId: text("rubric_id").notNull(),
    rubricVersion: integer("rubric_version").notNull(),
    status: text("status", { enum: CALIBRATION_STATUSES }).notNull().default("open"),
    /** The user (or API key) that created it: may close it, with the tenant's owners and admins. */
    createdBy: text("created_by").notNull(),
    version: integer("version").notNull().default(1),
    closedAt: integer("closed_at"),
    closedBy: text("closed_by"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("calibration_sessions_list_idx").on(t.tenantId, t.createdAt, t.id)],
);
export type CalibrationSession = typeof calibrationSessions.$inferSelect;

/** The calls of a session, in order; `agreed` is the reference answer set at close (null: none). */
export const calibrationCalls = sqliteTable(
  "calibration_calls",
  {
    tenantId: text("tenant_id").notNull(),
    sessionId: text("session_id").notNull(),
    callId: text("call_id").notNull(),
    position: integer("position").notNull(),
    agreed: text("agreed", { mode: "json" }).$type<AgreedAnswers>(),
  },
  (t) => [
    primaryKey({ columns: [t.sessionId, t.callId] }),
    index("calibration_calls_call_idx").on(t.tenantId, t.callId),
  ],
);

/** Who takes part (members who may review). */
export const calibrationParticipants = sqliteTable(
  "calibration_participants",
  {
    tenantId: text("tenant_id").notNull(),
    sessionId: text("session_id").notNull(),
    reviewerId: text("reviewer_id").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.sessionId, t.reviewerId] }),
    index("calibration_participants_reviewer_idx").on(t.tenantId, t.reviewerId),
  ],
);

/**
 * One participant's submitted answers for one call of a session: one row, written once (the
 * primary key refuses a second submission). Personal data of the reviewer, about the call's agent.
 */
export const calibrationAnswers = sqliteTable(
  "calibration_answers",
  {
    tenantId: text("tenant_id").notNull(),
    sessionId: text("session_id").notNull(),
    callId: text("call_id").notNull(),
    reviewerId: text("reviewer_id").notNull(),
    answers: text("answers", { mode: "json" }).$type<Record<string, CalibrationAnswer>>().notNull(),
    /** The call's score under the grid with these answers (same rule as the engine and reviews). */
    score: real("score"),
    submittedAt: integer("submitted_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.sessionId, t.callId, t.reviewerId] }),
    index("calibration_answers_call_idx").on(t.tenantId, t.callId),
    index("calibration_answers_reviewer_idx").on(t.tenantId, t.reviewerId),
  ],
);
export type CalibrationAnswerRow = typeof calibrationAnswers.$inferSelect;

/** Tables holding rows per call of a session: deleted with the call (deletion, retention, erasure). */
export const CALIBRATION_TABLES = ["calibration_answers", "calibration_calls"] as const;
