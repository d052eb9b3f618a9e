import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { type DataPlane, dataPlane } from "../../db/resolver";
import {
  apiKeys,
  type Job,
  jobs,
  memberships,
  ssoConfigs,
  supportMessages,
  supportTickets,
  users,
  webhookEndpoints,
} from "../../db/schema/control";
import { recordAbuseEvent } from "../identity/abuse";
import { tenantById } from "../identity/tenants";
import { appendAudit, auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId } from "../platform/crypto";
import { ApiError, notFound } from "../platform/errors";
import type { ZipEntry } from "../platform/exports/zip";
import { JobFailure, jobView, registerJobHandler, type StepOutcome, startJob } from "../platform/jobs";
import {
  BackupRefused,
  type VerifiedBackup,
  verifyBackup,
  verifyBackupContent,
  writeSignedBackup,
} from "./backup-archive";
import { assertEmptyForRestore, exportOrder, type RestoreParams, restoreStep } from "./backup-restore";
import { tenantTables } from "./location-migration";

/**
 * Tenant backup and restore (I7).
 *
 * Export (`tenant_export` job): one signed ZIP (core/governance/backup-archive.ts) in the tenant's own
 * bucket (its location) holding every data-plane row of the tenant (`tables/<table>/<n>.ndjson`,
 * all columns, parents before the rows that hang off them), every stored object (`objects/<path
 * under the tenant's prefix>`: recordings stored as they are, JSON deflated) and the tenant's
 * control-plane facts (`control/*.json`: settings, members, SSO without its secret, support
 * tickets), then the manifest of every entry's size, CRC-32 and SHA-256 and its HMAC signature.
 * Exports of exports are not included.
 *
 * Restore: the upload is verified before anything is written (signature, directory, every
 * entry's bytes; 422 otherwise), then the `tenant_restore` job (core/governance/backup-restore.ts) writes it
 * into an *empty* tenant (no calls, no agents) in bounded steps, rewriting tenant ids, object keys
 * and keyed phone hashes for the target, leaving out what was erased or has expired since. Ids
 * are kept, so a restore goes to a data plane that does not hold the source's rows any more
 * (another location or shard, or after the source was deleted); otherwise it fails cleanly (`ids
 * already present`).
 *
 * Control-plane facts, restored as the person (or key) who started the restore, within what they
 * may do themselves:
 * - members: a platform account with the same e-mail gets its membership back (agent links
 *   kept: agent ids are preserved); anyone else is invited by e-mail. A role the restorer could
 *   not give by hand (an admin giving "owner") is skipped, with the reason in the job's result.
 * - webhook endpoints: re-created (URL checked again) with a NEW signing secret, *disabled*. The
 *   secret is never written anywhere readable: the admin rotates it (`POST
 *   /webhooks/{id}/rotate-secret`, shown once), gives it to the receiver, then enables the
 *   endpoint — until then nothing is sent with a secret nobody holds.
 * - API keys are NOT restored: only their hashes exist, and copying a hash into another tenant
 *   would make one leaked secret open two organisations. The export lists names and scopes only.
 * - support tickets are NOT restored: they are a conversation with the platform about the source
 *   organisation, which keeps them (an operator would otherwise see every thread twice); the
 *   export keeps them as read-only history in `control/support.json`.
 */

const ROWS_PER_FILE = 500;
/** Object prefixes (under the tenant's) that are not part of a backup. */
const SKIPPED_PREFIXES = ["exports/", "backups/", "privacy/"];

const backupKey = (dp: DataPlane, jobId: string) => dp.key("backups", `${jobId}.zip`);
const uploadKey = (dp: DataPlane, id: string) => dp.key("backups", "uploads", `${id}.zip`);

// ---- Export ------------------------------------------------------------------------------------

export async function startBackup(ctx: Ctx) {
  const { job } = await startJob(ctx.env, {
    tenantId: ctx.tenant.id,
    kind: "tenant_export",
    params: {},
    createdBy: ctx.actor.type === "system" ? null : ctx.actor.id,
  });
  await auditCtx(ctx, "backup.export_started", "job", job.id);
  await recordAbuseEvent(ctx.env, ctx.tenant.id, "mass_export");
  return jobView(job);
}

export async function listBackups(ctx: Ctx) {
  const rows = await controlDb(ctx.env)
    .select()
    .from(jobs)
    .where(and(eq(jobs.tenantId, ctx.tenant.id), inArray(jobs.kind, ["tenant_export", "tenant_restore"])))
    .orderBy(desc(jobs.createdAt))
    .limit(20);
  return rows.map(jobView);
}

export async function downloadBackup(ctx: Ctx, jobId: string) {
  const job = await controlDb(ctx.env).query.jobs.findFirst({
    where: and(eq(jobs.id, jobId), eq(jobs.tenantId, ctx.tenant.id), eq(jobs.kind, "tenant_export")),
  });
  if (!job) throw notFound("Backup");
  if (job.status !== "done") throw new ApiError("conflict", "The backup is not ready yet");
  const obj = await dataPlane(ctx.env, ctx.tenant).bucket.get(
    backupKey(dataPlane(ctx.env, ctx.tenant), job.id),
  );
  if (!obj) throw new ApiError("gone", "This backup has been deleted");
  await auditCtx(ctx, "backup.downloaded", "job", job.id, { size: obj.size });
  await recordAbuseEvent(ctx.env, ctx.tenant.id, "mass_export");
  return {
    body: obj.body,
    size: obj.size,
    name: `callcenterrate-backup-${ctx.tenant.id}-${new Date(job.createdAt).toISOString().slice(0, 10)}.zip`,
  };
}

async function* backupEntries(env: Env, tenantId: string, dp: DataPlane): AsyncGenerator<ZipEntry> {
  const tenant = (await tenantById(env, tenantId))!;
  const db = controlDb(env);
  yield {
    name: "control/tenant.json",
    data: JSON.stringify(
      {
        name: tenant.name,
        defaultLocale: tenant.defaultLocale,
        processingScope: tenant.processingScope,
        redactionPatterns: tenant.redactionPatterns,
        retention: tenant.retention,
        retentionAcknowledgedAt: tenant.retentionAcknowledgedAt,
        speechProvider: tenant.speechProvider,
        analysisProvider: tenant.analysisProvider,
        statsOptOut: tenant.statsOptOut,
        requireMfa: tenant.requireMfa,
      },
      null,
      2,
    ),
  };
  const members = await db
    .select({
      email: users.email,
      firstName: users.firstName,
      lastName: users.lastName,
      role: memberships.role,
      agentId: memberships.agentId,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.tenantId, tenantId));
  yield { name: "control/members.json", data: JSON.stringify(members, null, 2) };
  const sso = await db.query.ssoConfigs.findFirst({ where: eq(ssoConfigs.tenantId, tenantId) });
  if (sso)
    yield { name: "control/sso.json", data: JSON.stringify({ ...sso, clientSecretEnc: undefined }, null, 2) };
  const hooks = await db
    .select({
      url: webhookEndpoints.url,
      events: webhookEndpoints.events,
      description: webhookEndpoints.description,
      active: webhookEndpoints.active,
    })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.tenantId, tenantId));
  yield { name: "control/webhooks.json", data: JSON.stringify(hooks, null, 2) };
  // For the record only (no hash): keys are not restored.
  const keys = await db
    .select({
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      scopes: apiKeys.scopes,
      expiresAt: apiKeys.expiresAt,
    })
    .from(apiKeys)
    .where(and(eq(apiKeys.tenantId, tenantId), isNull(apiKeys.revokedAt)));
  yield { name: "control/api-keys.json", data: JSON.stringify(keys, null, 2) };
  const tickets = await db.select().from(supportTickets).where(eq(supportTickets.tenantId, tenantId));
  const messages = await db.select().from(supportMessages).where(eq(supportMessages.tenantId, tenantId));
  yield { name: "control/support.json", data: JSON.stringify({ tickets, messages }, null, 2) };

  const counts: Record<string, number> = {};
  for (const table of exportOrder(await tenantTables(dp.d1))) {
    let after = 0;
    let n = 0;
    for (;;) {
      const rows = (
        await dp.d1
          .prepare(
            `select rowid as "__rowid", * from "${table}" where tenant_id = ? and rowid > ? order by rowid limit ?`,
          )
          .bind(tenantId, after, ROWS_PER_FILE)
          .all<Record<string, unknown>>()
      ).results;
      if (!rows.length) break;
      after = rows.at(-1)!.__rowid as number;
      counts[table] = (counts[table] ?? 0) + rows.length;
      yield {
        name: `tables/${table}/${String(++n).padStart(5, "0")}.ndjson`,
        data: rows.map(({ __rowid: _, ...r }) => JSON.stringify(r)).join("\n"),
      };
      if (rows.length < ROWS_PER_FILE) break;
    }
  }
  const prefix = dp.key("");
  let cursor: string | undefined;
  let objects = 0;
  do {
    const page = await dp.bucket.list({ prefix, cursor, limit: 500 });
    for (const o of page.objects) {
      const rel = o.key.slice(prefix.length);
      if (rel === "manifest.json" || SKIPPED_PREFIXES.some((p) => rel.startsWith(p))) continue;
      const obj = await dp.bucket.get(o.key);
      if (!obj) continue;
      objects++;
      // Audio is stored as it is (already compressed; the restore streams it by ranged reads).
      yield { name: `objects/${rel}`, data: obj.body, compress: rel.endsWith(".json") };
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  yield { name: "summary.json", data: JSON.stringify({ rows: counts, objects }, null, 2) };
}

async function exportStep(env: Env, job: Job): Promise<StepOutcome> {
  const tenant = job.tenantId ? await tenantById(env, job.tenantId) : null;
  if (!tenant) throw new JobFailure("tenant not found");
  const dp = dataPlane(env, tenant);
  const out = await writeSignedBackup(
    env,
    dp.bucket,
    backupKey(dp, job.id),
    { tenantId: tenant.id, location: tenant.location },
    backupEntries(env, tenant.id, dp),
    { level: 1 },
  );
  await appendAudit(env, {
    tenantId: tenant.id,
    actor: { type: "system", id: null },
    action: "backup.export_done",
    targetType: "job",
    targetId: job.id,
    meta: { size: out.size, entries: out.entries },
  });
  return { progress: {}, result: { size: out.size, sha256: out.sha256 ?? null, entries: out.entries } };
}

// ---- Restore -----------------------------------------------------------------------------------

/**
 * Store an uploaded backup ZIP in the tenant's bucket, verify it (signature, directory, then
 * every entry's size, CRC-32 and SHA-256, streamed: the upload is bounded by MAX_UPLOAD_BYTES) and
 * start the restore job. An archive that does not verify is deleted and refused (422).
 */
export async function startRestore(ctx: Ctx, body: ReadableStream<Uint8Array>, length: number) {
  await assertEmptyForRestore(ctx.env, ctx.tenant);
  const dp = dataPlane(ctx.env, ctx.tenant);
  const id = newId("upl");
  const key = uploadKey(dp, id);
  const fixed = new FixedLengthStream(length);
  const [put] = await Promise.all([
    dp.bucket.put(key, fixed.readable, { httpMetadata: { contentType: "application/zip" } }),
    body.pipeTo(fixed.writable),
  ]);
  if (!put) throw new ApiError("internal", "upload not stored");
  let verified: VerifiedBackup;
  try {
    verified = await verifyBackup(ctx.env, dp.bucket, key);
    await verifyBackupContent(dp.bucket, key, verified);
  } catch (err) {
    await dp.bucket.delete(key);
    if (!(err instanceof BackupRefused)) throw err;
    await auditCtx(ctx, "backup.restore_refused", "tenant", ctx.tenant.id, {
      reason: err.message.slice(0, 300),
    });
    throw new ApiError("unprocessable", `This backup cannot be restored: ${err.message}`, {
      messageKey: "backup.error.unverified",
    });
  }
  const params: RestoreParams = {
    uploadId: id,
    etag: verified.dir.etag,
    source: { tenantId: verified.manifest.tenantId, location: verified.manifest.location },
    // The restore re-creates members and webhooks as this actor, within its own rights.
    actor: ctx.actor,
  };
  const { job } = await startJob(ctx.env, {
    tenantId: ctx.tenant.id,
    kind: "tenant_restore",
    params: params as unknown as Record<string, unknown>,
    createdBy: ctx.actor.type === "system" ? null : ctx.actor.id,
  });
  await auditCtx(ctx, "backup.restore_started", "job", job.id, {
    size: length,
    sourceTenantId: params.source.tenantId,
    sourceLocation: params.source.location,
  });
  return jobView(job);
}

registerJobHandler("tenant_export", exportStep);
registerJobHandler("tenant_restore", restoreStep);
