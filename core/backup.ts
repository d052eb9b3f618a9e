import { and, desc, eq, inArray, isNull } from "drizzle-orm";
import { Unzip, UnzipInflate } from "fflate";
import { controlDb } from "../db/client";
import { type DataPlane, dataPlane } from "../db/resolver";
import {
  apiKeys,
  type Job,
  jobs,
  memberships,
  ssoConfigs,
  supportMessages,
  supportTickets,
  tenants,
  users,
  webhookEndpoints,
} from "../db/schema/control";
import { auditCtx, emailSchema, inviteMember } from "./accounts";
import { appendAudit } from "./audit";
import type { Ctx } from "./context";
import { newId, randomBytes } from "./crypto";
import { ApiError, notFound } from "./errors";
import { writeZipToR2, type ZipEntry } from "./exports/zip";
import { JobFailure, jobView, registerJobHandler, type StepOutcome, startJob } from "./jobs";
import { tenantTables } from "./location-migration";
import { assignableRoles, ROLES, type Role } from "./rbac";
import { tenantById } from "./tenants";
import { createEndpoint, updateEndpoint } from "./webhooks";

/**
 * Tenant backup and restore (I7).
 *
 * Export (`tenant_export` job): one ZIP in the tenant's own bucket (its location) holding every
 * data-plane row of the tenant (`tables/<table>/<n>.ndjson`, all columns), every stored object
 * (`objects/<path under the tenant's prefix>`: recordings, transcripts, analyses, provider
 * responses, attachments) and the tenant's control-plane facts (`control/*.json`: settings,
 * members, SSO without its secret, support tickets). Exports of exports are not included.
 *
 * Restore (`tenant_restore` job): a ZIP uploaded to an *empty* tenant (no calls, no agents) is
 * read as a stream; rows are inserted with the tenant id rewritten (also inside object keys),
 * objects are written under the new tenant's prefix, the full-text index is rebuilt from the
 * transcripts, and the settings are applied. Ids are kept, so a restore goes to a data plane that
 * does not hold the source's rows any more (another location or shard, or after the source was
 * deleted); otherwise it fails cleanly (`ids already present`) without touching anything else.
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

export const BACKUP_FORMAT = "ccr-tenant-backup";
const ROWS_PER_FILE = 500;
const ROWS_PER_INSERT = 50;
/** Object prefixes (under the tenant's) that are not part of a backup. */
const SKIPPED_PREFIXES = ["exports/", "backups/"];

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
  await (await import("./abuse")).recordAbuseEvent(ctx.env, ctx.tenant.id, "mass_export");
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
  await (await import("./abuse")).recordAbuseEvent(ctx.env, ctx.tenant.id, "mass_export");
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
    name: "manifest.json",
    data: JSON.stringify(
      {
        format: BACKUP_FORMAT,
        version: 1,
        tenantId,
        location: tenant.location,
        createdAt: new Date().toISOString(),
      },
      null,
      2,
    ),
  };
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
  for (const table of await tenantTables(dp.d1)) {
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
      // Deflated even for audio: the streaming reader of the restore needs sized entries.
      yield { name: `objects/${rel}`, data: obj.body, compress: true };
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  yield { name: "summary.json", data: JSON.stringify({ rows: counts, objects }, null, 2) };
}

async function exportStep(env: Env, job: Job): Promise<StepOutcome> {
  const tenant = job.tenantId ? await tenantById(env, job.tenantId) : null;
  if (!tenant) throw new JobFailure("tenant not found");
  const dp = dataPlane(env, tenant);
  const out = await writeZipToR2(dp.bucket, backupKey(dp, job.id), backupEntries(env, tenant.id, dp), {
    level: 1,
  });
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

/** Store an uploaded backup ZIP in the tenant's bucket and start the restore job. */
export async function startRestore(ctx: Ctx, body: ReadableStream<Uint8Array>, length: number) {
  await assertEmpty(ctx.env, ctx.tenant.id);
  const dp = dataPlane(ctx.env, ctx.tenant);
  const id = newId("upl");
  const fixed = new FixedLengthStream(length);
  const [put] = await Promise.all([
    dp.bucket.put(uploadKey(dp, id), fixed.readable, { httpMetadata: { contentType: "application/zip" } }),
    body.pipeTo(fixed.writable),
  ]);
  if (!put) throw new ApiError("internal", "upload not stored");
  const { job } = await startJob(ctx.env, {
    tenantId: ctx.tenant.id,
    kind: "tenant_restore",
    // The restore re-creates members and webhooks as this actor, within its own rights.
    params: { uploadId: id, actor: ctx.actor },
    createdBy: ctx.actor.type === "system" ? null : ctx.actor.id,
  });
  await auditCtx(ctx, "backup.restore_started", "job", job.id, { size: length });
  return jobView(job);
}

async function assertEmpty(env: Env, tenantId: string) {
  const tenant = await tenantById(env, tenantId);
  if (!tenant) throw notFound("Tenant");
  const dp = dataPlane(env, tenant);
  const r = await dp.d1
    .prepare(
      "select (select count(*) from calls where tenant_id = ?1) + (select count(*) from agents where tenant_id = ?1) as n",
    )
    .bind(tenantId)
    .first<{ n: number }>();
  if ((r?.n ?? 0) > 0)
    throw new ApiError(
      "conflict",
      "A backup is restored only into an empty organisation (no calls, no agents)",
      {
        messageKey: "backup.error.not_empty",
      },
    );
}

/** Reads a ZIP stream entry by entry (each entry is held once, decompressed, then released). */
async function* readZip(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<{ name: string; data: Uint8Array }> {
  const ready: { name: string; data: Uint8Array }[] = [];
  let failure: Error | null = null;
  const unzip = new Unzip((file) => {
    const parts: Uint8Array[] = [];
    file.ondata = (err, chunk, final) => {
      if (err) {
        failure ??= err;
        return;
      }
      parts.push(chunk);
      if (final) {
        const size = parts.reduce((s, p) => s + p.length, 0);
        const data = new Uint8Array(size);
        let at = 0;
        for (const p of parts) {
          data.set(p, at);
          at += p.length;
        }
        ready.push({ name: file.name, data });
      }
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  const reader = body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    unzip.push(value ?? new Uint8Array(0), done);
    if (failure) throw new JobFailure(`the file is not a readable backup: ${String(failure)}`);
    while (ready.length) yield ready.shift()!;
    if (done) break;
  }
}

function newFtsId(): number {
  const b = randomBytes(7);
  return (
    (b[0] & 0x0f) * 2 ** 48 +
    b[1] * 2 ** 40 +
    b[2] * 2 ** 32 +
    b[3] * 2 ** 24 +
    b[4] * 2 ** 16 +
    b[5] * 2 ** 8 +
    b[6]
  );
}

async function restoreStep(env: Env, job: Job): Promise<StepOutcome> {
  const tenant = job.tenantId ? await tenantById(env, job.tenantId) : null;
  if (!tenant) throw new JobFailure("tenant not found");
  const dp = dataPlane(env, tenant);
  const { uploadId } = job.params as { uploadId: string };
  const zip = await dp.bucket.get(uploadKey(dp, uploadId));
  if (!zip) throw new JobFailure("the uploaded backup is gone");
  try {
    await assertEmpty(env, tenant.id);
  } catch (err) {
    throw new JobFailure((err as Error).message);
  }
  const tables = await tenantTables(dp.d1);
  // The provisioning defaults (e.g. the starter rubric) give way to the backup's.
  for (const t of tables) await dp.d1.prepare(`delete from "${t}" where tenant_id = ?`).bind(tenant.id).run();
  const columns = new Map<string, Set<string>>();
  for (const t of tables)
    columns.set(
      t,
      new Set(
        (
          await dp.d1.prepare("select name from pragma_table_info(?)").bind(t).all<{ name: string }>()
        ).results.map((c) => c.name),
      ),
    );
  let source: string | null = null;
  let settings: Record<string, unknown> | null = null;
  let members: ExportedMember[] = [];
  let hooks: ExportedWebhook[] = [];
  let tickets = 0;
  const rows: Record<string, number> = {};
  let objects = 0;
  const rewrite = (s: string) => (source ? s.split(source).join(tenant.id) : s);
  const dec = new TextDecoder();
  for await (const entry of readZip(zip.body)) {
    if (entry.name === "manifest.json") {
      const m = JSON.parse(dec.decode(entry.data)) as { format?: string; tenantId?: string };
      if (m.format !== BACKUP_FORMAT || !m.tenantId) throw new JobFailure("not a CallCenterRate backup");
      source = m.tenantId;
      continue;
    }
    if (!source) throw new JobFailure("the backup's manifest must come first");
    if (entry.name === "control/tenant.json") {
      settings = JSON.parse(dec.decode(entry.data));
      continue;
    }
    if (entry.name === "control/members.json") {
      members = JSON.parse(dec.decode(entry.data));
      continue;
    }
    if (entry.name === "control/webhooks.json") {
      hooks = JSON.parse(dec.decode(entry.data));
      continue;
    }
    if (entry.name === "control/support.json") {
      tickets = (JSON.parse(dec.decode(entry.data)) as { tickets?: unknown[] }).tickets?.length ?? 0;
      continue;
    }
    const tm = /^tables\/([a-z0-9_]+)\/\d+\.ndjson$/.exec(entry.name);
    if (tm) {
      const table = tm[1];
      const cols = columns.get(table);
      if (!cols) continue; // a table this version no longer has
      const list = rewrite(dec.decode(entry.data))
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      for (let i = 0; i < list.length; i += ROWS_PER_INSERT) {
        const chunk = list.slice(i, i + ROWS_PER_INSERT).map((r) => {
          const o = Object.fromEntries(Object.entries(r).filter(([k]) => cols.has(k)));
          if (table === "calls") o.fts_id = null; // rebuilt below
          return o;
        });
        const names = Object.keys(chunk[0]);
        try {
          await dp.d1
            .prepare(
              `insert into "${table}" (${names.map((c) => `"${c}"`).join(",")})
               select ${names.map((c) => `json_extract(value, '$."${c}"')`).join(",")} from json_each(?)`,
            )
            .bind(JSON.stringify(chunk))
            .run();
        } catch (err) {
          if (/UNIQUE|PRIMARY KEY/i.test(String(err)))
            throw new JobFailure(
              `ids already present in this data plane (${table}): restore into a tenant in another location or shard, or after the source is deleted`,
            );
          throw err;
        }
        rows[table] = (rows[table] ?? 0) + chunk.length;
      }
      continue;
    }
    if (entry.name.startsWith("objects/")) {
      const rel = entry.name.slice("objects/".length);
      if (!rel || rel.includes("..")) continue;
      await dp.bucket.put(dp.key(...rel.split("/")), entry.data);
      objects++;
    }
  }
  if (!source) throw new JobFailure("not a CallCenterRate backup");
  // Full-text index from the restored transcripts.
  const withTx = (
    await dp.d1
      .prepare("select id from calls where tenant_id = ? and tx_format is not null")
      .bind(tenant.id)
      .all<{ id: string }>()
  ).results;
  for (const { id } of withTx) {
    const obj = await dp.bucket.get(dp.key("calls", id, "transcript.json"));
    if (!obj) continue;
    const tx = (await obj.json()) as { segments?: { text: string }[] };
    const fts = newFtsId();
    await dp.d1.batch([
      dp.d1
        .prepare("insert into calls_fts(rowid, body) values (?, ?)")
        .bind(fts, (tx.segments ?? []).map((s) => s.text).join("\n")),
      dp.d1.prepare("update calls set fts_id = ? where tenant_id = ? and id = ?").bind(fts, tenant.id, id),
    ]);
  }
  if (settings) {
    const s = settings as Partial<typeof tenant>;
    await controlDb(env)
      .update(tenants)
      .set({
        redactionPatterns: s.redactionPatterns ?? tenant.redactionPatterns,
        retention: s.retention ?? tenant.retention,
        retentionAcknowledgedAt: s.retentionAcknowledgedAt ?? tenant.retentionAcknowledgedAt,
        speechProvider: s.speechProvider ?? tenant.speechProvider,
        analysisProvider: s.analysisProvider ?? tenant.analysisProvider,
        statsOptOut: s.statsOptOut ?? tenant.statsOptOut,
        updatedAt: Date.now(),
      })
      .where(eq(tenants.id, tenant.id));
  }
  const { actor } = job.params as { actor?: Ctx["actor"] };
  const ctx: Ctx = {
    env,
    tenant: (await tenantById(env, tenant.id)) ?? tenant,
    actor: actor ?? { type: "system", id: null },
    requestId: `restore:${job.id}`,
    ip: null,
    userAgent: null,
  };
  const people = await restoreMembers(ctx, Array.isArray(members) ? members : []);
  const webhooks = await restoreWebhooks(ctx, Array.isArray(hooks) ? hooks : []);
  await dp.bucket.delete(uploadKey(dp, uploadId));
  await appendAudit(env, {
    tenantId: tenant.id,
    actor: { type: "system", id: null },
    action: "backup.restored",
    targetType: "job",
    targetId: job.id,
    meta: { sourceTenantId: source, objects, calls: rows.calls ?? 0 },
  });
  return {
    progress: {},
    result: {
      sourceTenantId: source,
      rows,
      objects,
      ftsIndexed: withTx.length,
      members: people,
      webhooks,
      notRestored: {
        apiKeys: "create new keys: only hashes are stored, and a hash must never serve two organisations",
        supportTickets: `${tickets} kept with the source organisation; read-only copy in control/support.json`,
      },
    },
  };
}

interface ExportedMember {
  email?: unknown;
  role?: unknown;
  agentId?: unknown;
}
interface ExportedWebhook {
  url?: unknown;
  events?: unknown;
  description?: unknown;
}
const MAX_RESTORED = 500;

function restorerRole(ctx: Ctx): Role {
  if (ctx.actor.type === "user") return ctx.actor.role;
  if (ctx.actor.type === "api_key" && ctx.actor.scopes.includes("admin")) return "admin";
  return "viewer";
}

/** Memberships for existing accounts, invitations for the others; never more than the restorer may give. */
async function restoreMembers(ctx: Ctx, list: ExportedMember[]) {
  const db = controlDb(ctx.env);
  const allowed = assignableRoles(restorerRole(ctx));
  const out = { memberships: 0, invitations: 0, skipped: [] as { email: string; reason: string }[] };
  for (const m of list.slice(0, MAX_RESTORED)) {
    const parsed = emailSchema.safeParse(m.email);
    const email = parsed.success ? parsed.data : String(m.email ?? "").slice(0, 254);
    const role = m.role as Role;
    if (!parsed.success || !ROLES.includes(role)) {
      out.skipped.push({ email, reason: "invalid" });
      continue;
    }
    if (!allowed.includes(role)) {
      out.skipped.push({ email, reason: `role ${role} not assignable by the restorer` });
      continue;
    }
    const user = await db.query.users.findFirst({ where: eq(users.email, email) });
    if (user) {
      const already = await db.query.memberships.findFirst({
        where: and(eq(memberships.tenantId, ctx.tenant.id), eq(memberships.userId, user.id)),
      });
      if (already) {
        out.skipped.push({ email, reason: "already a member" });
        continue;
      }
      const id = newId("mem");
      await db.insert(memberships).values({
        id,
        tenantId: ctx.tenant.id,
        userId: user.id,
        role,
        agentId: role === "agent" && typeof m.agentId === "string" ? m.agentId : null,
        createdAt: Date.now(),
      });
      await auditCtx(ctx, "member.restored", "membership", id, { role });
      out.memberships++;
      continue;
    }
    try {
      await inviteMember(ctx, { email, role });
      out.invitations++;
    } catch (err) {
      out.skipped.push({ email, reason: err instanceof ApiError ? err.message : "invitation failed" });
    }
  }
  return out;
}

/** Endpoints re-created disabled, with a new secret nobody has seen (rotate, then enable). */
async function restoreWebhooks(ctx: Ctx, list: ExportedWebhook[]) {
  const out = { restoredDisabled: 0, skipped: [] as { url: string; reason: string }[] };
  for (const h of list.slice(0, MAX_RESTORED)) {
    try {
      const created = await createEndpoint(ctx, {
        url: String(h.url ?? ""),
        events: h.events as never,
        description: typeof h.description === "string" ? h.description : undefined,
      });
      await updateEndpoint(ctx, created.id, { active: false });
      out.restoredDisabled++;
    } catch (err) {
      out.skipped.push({
        url: String(h.url ?? "").slice(0, 200),
        reason: err instanceof ApiError ? err.message : "invalid endpoint",
      });
    }
  }
  return out;
}

registerJobHandler("tenant_export", exportStep);
registerJobHandler("tenant_restore", restoreStep);
