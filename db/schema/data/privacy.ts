import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * The per-tenant suppression list (F3): keyed phone hashes (`calls.phone_hash`, per-tenant HMAC)
 * of callers who objected, withdrew consent or had their data erased. Every new call and every
 * provider call checks it; a match holds the call (`held`, holdReason `objection`). One row per
 * reason, so withdrawing an objection does not lift the suppression an erasure put there.
 */
export const privacySuppressions = sqliteTable(
  "privacy_suppressions",
  {
    tenantId: text("tenant_id").notNull(),
    phoneHash: text("phone_hash").notNull(),
    /**
     * The number itself, AES-GCM as in `calls.phone_enc` (same key and binding): a keyed hash
     * is per tenant, so a restore into another organisation re-keys the entry from this (a hash
     * alone could not follow and would silently stop matching). Null for entries made before it.
     */
    phoneEnc: text("phone_enc"),
    reason: text("reason", { enum: ["objection", "consent_withdrawal", "erasure"] }).notNull(),
    /** The privacy request that put it there. */
    requestId: text("request_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.phoneHash, t.reason] })],
);

/**
 * Restrictions of processing by subject (GDPR art. 18) and agents' objections: a caller (keyed
 * phone hash) or an agent (agent id). `restriction` keeps the data but excludes the calls from
 * processing, lists, dashboards and exports; `objection` / `consent_withdrawal` of an agent only
 * stops automated processing of the agent's calls.
 */
export const privacyRestrictions = sqliteTable(
  "privacy_restrictions",
  {
    tenantId: text("tenant_id").notNull(),
    subjectType: text("subject_type", { enum: ["caller", "agent"] }).notNull(),
    subjectRef: text("subject_ref").notNull(),
    /** A caller's number, AES-GCM as in `calls.phone_enc` (re-keying on restore); null for agents. */
    subjectEnc: text("subject_enc"),
    kind: text("kind", { enum: ["restriction", "objection", "consent_withdrawal"] }).notNull(),
    requestId: text("request_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.subjectType, t.subjectRef, t.kind] })],
);
