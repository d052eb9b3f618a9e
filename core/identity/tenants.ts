import { eq } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { type Location, shardForNewTenant } from "../../db/resolver";
import { type Tenant, tenants } from "../../db/schema/control";
import { newId } from "../platform/crypto";
import { defaultTimeZone, type Locale } from "../platform/i18n";

/** For queue consumers and cron: the tenant a message names (messages carry ids only). */
export async function tenantById(env: Env, id: string): Promise<Tenant | null> {
  return (await controlDb(env).query.tenants.findFirst({ where: eq(tenants.id, id) })) ?? null;
}

/** A new tenant's row with every setting at its default (sign-up; tests build theirs the same way). */
export function newTenant(
  env: Env,
  opts: {
    name: string;
    location: Location;
    defaultLocale: Locale;
    /** IANA zone, already checked; absent → the location's usual one. */
    timeZone?: string;
    requireMfa?: boolean;
    now?: number;
  },
): Tenant {
  const now = opts.now ?? Date.now();
  return {
    id: newId("ten"),
    name: opts.name,
    location: opts.location,
    shard: shardForNewTenant(env, opts.location),
    processingScope: "in_region",
    requireMfa: opts.requireMfa ?? false,
    passwordLoginEnabled: true,
    defaultLocale: opts.defaultLocale,
    redactionPatterns: [],
    speechProvider: "none",
    analysisProvider: "builtin",
    providerKeysEnc: null,
    retention: {},
    retentionAcknowledgedAt: null,
    legalHoldReason: null,
    legalHoldAt: null,
    writeLock: null,
    statsOptOut: false,
    deletionDueAt: null,
    disputeWindowDays: 7,
    timeZone: opts.timeZone ?? defaultTimeZone(opts.location),
    status: "active",
    createdAt: now,
    updatedAt: now,
  };
}
