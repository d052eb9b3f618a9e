import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import * as data from "./schema/data";

/**
 * The one way to a tenant's call data. A location (eu, us) lists its D1 shards and its R2 bucket
 * in the DATA_LOCATIONS variable; a tenant row names its location and shard. Nothing else in
 * the code base reads a DATA_* or BLOB_* binding (a test greps for it).
 */
export const LOCATIONS = ["eu", "us"] as const;
export type Location = (typeof LOCATIONS)[number];

const locationsSchema = z.record(
  z.enum(LOCATIONS),
  z.object({
    shards: z.array(z.string().regex(/^DATA_[A-Z0-9_]+$/)).min(1),
    bucket: z.string().regex(/^BLOB_[A-Z0-9_]+$/),
  }),
);
export type LocationConfig = z.infer<typeof locationsSchema>;

let cached: { raw: string; parsed: LocationConfig } | undefined;
export function locationConfig(env: Pick<Env, "DATA_LOCATIONS">): LocationConfig {
  if (cached?.raw === env.DATA_LOCATIONS) return cached.parsed;
  const parsed = locationsSchema.parse(JSON.parse(env.DATA_LOCATIONS));
  cached = { raw: env.DATA_LOCATIONS, parsed };
  return parsed;
}

export interface TenantPlacement {
  id: string;
  location: Location;
  shard: string;
}

export type DataDb = ReturnType<typeof drizzle<typeof data>>;

export interface DataPlane {
  tenantId: string;
  location: Location;
  shard: string;
  db: DataDb;
  /** Raw D1 handle for FTS and batch statements drizzle does not model. */
  d1: D1Database;
  /**
   * The location's bucket, confined to the tenant: every key (and list prefix) must lie under
   * `t/<tenant>/`, otherwise the call throws `ForeignObjectKeyError` — a key read from a row or an
   * archive can never reach another tenant's objects. The raw binding is not handed out.
   */
  bucket: R2Bucket;
  /** Object keys are always built under the tenant's prefix from ids only, never file names. */
  key(...parts: string[]): string;
}

function binding<T>(env: Env, name: string): T {
  const b = (env as unknown as Record<string, unknown>)[name];
  if (!b) throw new Error(`data-plane binding ${name} is not configured`);
  return b as T;
}

/** Raised when a data-plane bucket call names a key outside the tenant's prefix (a bug or an attack). */
export class ForeignObjectKeyError extends Error {
  constructor(tenantId: string, key: unknown) {
    super(`object key outside tenant ${tenantId}'s prefix refused: ${String(key).slice(0, 200)}`);
  }
}

export const tenantPrefix = (tenantId: string) => `t/${tenantId}/`;

/**
 * The bucket as a service sees it: the R2 API restricted to `t/<tenant>/`. Checked on every
 * call that names a key (get, head, put, delete, multipart create and resume) and on list
 * (a prefix is required and must lie inside; so must `startAfter`). The data buckets hold no
 * platform-level objects: platform files (audit day heads, certificates, user-account exports)
 * live in CONTROL_BUCKET, which is not a data-plane binding.
 */
export function tenantBucket(raw: R2Bucket, tenantId: string): R2Bucket {
  const prefix = tenantPrefix(tenantId);
  const own = (key: unknown): string => {
    if (typeof key !== "string" || !key.startsWith(prefix) || key.length === prefix.length)
      throw new ForeignObjectKeyError(tenantId, key);
    return key;
  };
  const ownPrefix = (p: unknown): string => {
    if (typeof p !== "string" || !p.startsWith(prefix)) throw new ForeignObjectKeyError(tenantId, p);
    return p;
  };
  const bucket: Pick<
    R2Bucket,
    "head" | "get" | "put" | "delete" | "list" | "createMultipartUpload" | "resumeMultipartUpload"
  > = {
    head: (key) => raw.head(own(key)),
    get: ((key: string, options?: R2GetOptions) => raw.get(own(key), options)) as R2Bucket["get"],
    put: ((key: string, value: Parameters<R2Bucket["put"]>[1], options?: R2PutOptions) =>
      raw.put(own(key), value, options)) as R2Bucket["put"],
    delete: (keys) => raw.delete(Array.isArray(keys) ? keys.map(own) : own(keys)),
    list: (options) => {
      ownPrefix(options?.prefix);
      if (options?.startAfter !== undefined) ownPrefix(options.startAfter);
      return raw.list(options);
    },
    createMultipartUpload: (key, options) => raw.createMultipartUpload(own(key), options),
    resumeMultipartUpload: (key, uploadId) => raw.resumeMultipartUpload(own(key), uploadId),
  };
  return Object.freeze(bucket) as R2Bucket;
}

/** Resolve a tenant (from the session or key — never from input) to its data plane. */
export function dataPlane(env: Env, tenant: TenantPlacement): DataPlane {
  const cfg = locationConfig(env)[tenant.location];
  if (!cfg) throw new Error(`location ${tenant.location} is not configured`);
  if (!cfg.shards.includes(tenant.shard))
    throw new Error(`shard ${tenant.shard} is not in location ${tenant.location}`);
  const d1 = binding<D1Database>(env, tenant.shard);
  return {
    tenantId: tenant.id,
    location: tenant.location,
    shard: tenant.shard,
    db: drizzle(d1, { schema: data }),
    d1,
    bucket: tenantBucket(binding<R2Bucket>(env, cfg.bucket), tenant.id),
    key: (...parts) => [`t`, tenant.id, ...parts].join("/"),
  };
}

/**
 * Pick the shard for a new tenant in a location. Today: the location's last listed shard
 * (operators append a shard when the previous fills up; a large tenant can be pinned to its own
 * shard by an operator later).
 */
export function shardForNewTenant(env: Pick<Env, "DATA_LOCATIONS">, location: Location): string {
  const cfg = locationConfig(env)[location];
  if (!cfg) throw new Error(`location ${location} is not configured`);
  return cfg.shards[cfg.shards.length - 1];
}

export { data };

/**
 * Maintenance only (the 10-minute sweep of dirty KPI days): each configured shard's D1, with no
 * tenant. It answers which tenants have work; the work itself goes through `dataPlane(tenant)`.
 */
export function shardDatabases(env: Env): { location: Location; shard: string; d1: D1Database }[] {
  const out: { location: Location; shard: string; d1: D1Database }[] = [];
  for (const [location, cfg] of Object.entries(locationConfig(env)) as [Location, { shards: string[] }][])
    for (const shard of cfg.shards) out.push({ location, shard, d1: binding<D1Database>(env, shard) });
  return out;
}
