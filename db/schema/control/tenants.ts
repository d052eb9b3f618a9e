import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** A client company. Its call data lives in the data plane named by `location` + `shard`. */
export const tenants = sqliteTable(
  "tenants",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** Where the tenant's call data is stored: "eu" (default) or "us". */
    location: text("location", { enum: ["eu", "us"] })
      .notNull()
      .default("eu"),
    /** D1 binding name of the data-plane shard holding the tenant's rows. */
    shard: text("shard").notNull(),
    /** Which processing may leave the location: in_region (default) or international (SCCs). */
    processingScope: text("processing_scope", { enum: ["in_region", "international"] })
      .notNull()
      .default("in_region"),
    requireMfa: integer("require_mfa", { mode: "boolean" }).notNull().default(false),
    passwordLoginEnabled: integer("password_login_enabled", { mode: "boolean" }).notNull().default(true),
    defaultLocale: text("default_locale", { enum: ["fr", "en"] })
      .notNull()
      .default("fr"),
    /** Tenant-defined redaction patterns (C12): `[{ name, pattern }]`, validated when saved. */
    redactionPatterns: text("redaction_patterns", { mode: "json" })
      .$type<{ name: string; pattern: string }[]>()
      .notNull()
      .default([]),
    /** Speech-to-text provider for recordings (C2, C11); "none": audio calls wait for a transcript. */
    speechProvider: text("speech_provider", { enum: ["none", "deepgram", "openai", "assemblyai"] })
      .notNull()
      .default("none"),
    /** Analysis provider (C3): the built-in engine (default) or an LLM. */
    analysisProvider: text("analysis_provider", { enum: ["builtin", "openai", "anthropic"] })
      .notNull()
      .default("builtin"),
    /** The tenant's own provider API keys, AES-GCM encrypted JSON (else the platform's keys). */
    providerKeysEnc: text("provider_keys_enc"),
    /** Retention per data category in days (F1); null = the CNIL default (core/governance/retention.ts). */
    retention: text("retention", { mode: "json" })
      .$type<Partial<Record<string, number>>>()
      .notNull()
      .default({}),
    /** When an admin acknowledged retention values above the CNIL guidance. */
    retentionAcknowledgedAt: integer("retention_acknowledged_at"),
    /** A legal hold on the whole tenant wins over retention and erasure (F1); null = none. */
    legalHoldReason: text("legal_hold_reason"),
    legalHoldAt: integer("legal_hold_at"),
    /**
     * Set while a job owns the tenant's data (a location migration, the contract-end deletion):
     * writes to call data are refused with 409 `tenant-locked` until it clears.
     */
    writeLock: text("write_lock", { enum: ["location_migration", "contract_end"] }),
    /** The tenant opted out of the anonymised statistics (F6). */
    statsOptOut: integer("stats_opt_out", { mode: "boolean" }).notNull().default(false),
    /** Contract end (F7): when the tenant's data is deleted at the latest (30 days after the request). */
    deletionDueAt: integer("deletion_due_at"),
    /** Days an agent has to dispute a final review (C10). */
    disputeWindowDays: integer("dispute_window_days").notNull().default(7),
    /** IANA time zone of the tenant's days (dashboards, reports). */
    timeZone: text("time_zone").notNull().default("Europe/Paris"),
    status: text("status", { enum: ["active", "suspended", "ending", "closed"] })
      .notNull()
      .default("active"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("tenants_location_idx").on(t.location, t.shard)],
);

export type Tenant = typeof tenants.$inferSelect;
