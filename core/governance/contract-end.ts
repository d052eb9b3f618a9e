import { and, desc, eq, inArray, notInArray, sql } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { type DataPlane, dataPlane } from "../../db/resolver";
import {
  abuseEvents,
  abuseSettings,
  apiKeyNetworks,
  apiKeys,
  breachNotifications,
  deadLetters,
  emailTokens,
  invitations,
  type Job,
  jobs,
  memberships,
  notices,
  recoveryCodes,
  reviewSamplingRules,
  securityAlerts,
  sessions,
  ssoConfigs,
  ssoStates,
  supportAccessLog,
  supportGrants,
  supportMessages,
  supportTickets,
  tenants,
  users,
  webhookDeliveries,
  webhookEndpoints,
} from "../../db/schema/control";
import { type Call, calls } from "../../db/schema/data";
import { callView } from "../calls/service";
import { recordAbuseEvent } from "../identity/abuse";
import { tenantById } from "../identity/tenants";
import { appendAudit, auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { newId, sha256Hex } from "../platform/crypto";
import { ApiError } from "../platform/errors";
import { writeZipToR2, type ZipEntry } from "../platform/exports/zip";
import { t } from "../platform/i18n";
import {
  enqueueJob,
  JobFailure,
  jobView,
  registerJobHandler,
  type StepOutcome,
  startJob,
} from "../platform/jobs";
import { sendMail } from "../platform/mail";
import { tenantTables, type WipeState, wipe } from "./location-migration";
import { BILLING_RETENTION_YEARS, effectiveRetention } from "./retention";
import { checkConfirmName } from "./transfers";

/**
 * Contract end (F7, GDPR art. 28(3)(g)): at the tenant's choice, export then delete, or delete.
 * A durable job:
 *
 *   export (optional: ZIP volumes of 50 calls each, JSON + transcripts + recordings)
 *   → wait (until the owner asks for deletion, or 30 days after the request at the latest)
 *   → delete (write lock; every data-plane row, FTS entry and object — support attachments
 *     included, rows and files; then in the control plane: API keys, webhooks, invitations,
 *     memberships, sessions, support tickets with their messages, grants and access log, SSO
 *     configuration and sign-in states, abuse thresholds, counters and alerts, dead letters that
 *     refer to the tenant; users left without an organisation)
 *   → certificate (a JSON document with what was deleted and what is kept, its SHA-256, stored
 *     in the control bucket and mailed to the owner who asked)
 *
 * Kept: the tenant row (closed), billing records (10 years; they hold minutes, never call ids),
 * the audit and connection logs until their own retention ends (security logs: legal floor).
 * The breach register is the operator's own record (GDPR art. 33(5)): an incident stays whole,
 * and the tenant's notification row stays as evidence that the duty to notify was met (when, how
 * many admins) but its tenant id is replaced by a random pseudonym, so it no longer points to the
 * ended customer and the tenant's breach list is empty.
 */
export const GRACE_DAYS = 30;
const CALLS_PER_VOLUME = 50;
const DAY = 86_400_000;
const MAX_WAIT_S = 43_200; // Queues' longest delay: 12 hours

type Phase = "export" | "wait" | "delete" | "control" | "certificate";
interface Progress {
  phase: Phase;
  /** Export: the last call rowid written, volumes made. */
  after?: number;
  volumes: { key: string; size: number; sha256?: string; calls: number }[];
  wipe?: WipeState;
  tables?: string[];
  deleted: {
    rows: number;
    objects: number;
    users: number;
    apiKeys: number;
    webhooks: number;
    memberships: number;
    supportTickets?: number;
    breachNotificationsAnonymised?: number;
  };
  deleteNow?: boolean;
  [k: string]: unknown;
}

const exportPrefix = (dp: DataPlane, jobId: string) => dp.key("exports", "contract-end", jobId, "");

// ---- Requests --------------------------------------------------------------------------------

export async function requestContractEnd(
  ctx: Ctx,
  input: { export: boolean; confirmName: string },
  now = Date.now(),
) {
  checkConfirmName(ctx, input.confirmName, "contract.error.name");
  if (ctx.tenant.legalHoldReason)
    throw new ApiError("conflict", `The organisation is under legal hold: ${ctx.tenant.legalHoldReason}`, {
      messageKey: "contract.error.hold",
    });
  if (ctx.tenant.writeLock)
    throw new ApiError("tenant_locked", "Another job holds the data; wait until it ends", {
      messageKey: `error.tenant_locked.${ctx.tenant.writeLock}`,
      headers: { "Retry-After": "300" },
    });
  const running = await current(ctx);
  if (running && (running.status === "queued" || running.status === "running"))
    throw new ApiError("conflict", "A contract end is already in progress");
  // Who receives the certificate: the owners (the accounts are deleted with the tenant, so the
  // addresses are kept in the job until the certificate is sent, then removed).
  const owners = await controlDb(ctx.env)
    .select({ email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, ctx.tenant.id), eq(memberships.role, "owner")));
  const notify = [
    ...new Set([...(ctx.actor.type === "user" ? [ctx.actor.email] : []), ...owners.map((o) => o.email)]),
  ];
  const due = now + GRACE_DAYS * DAY;
  await controlDb(ctx.env)
    .update(tenants)
    .set({ status: "ending", deletionDueAt: due, updatedAt: now })
    .where(eq(tenants.id, ctx.tenant.id));
  const progress: Progress = {
    phase: input.export ? "export" : "wait",
    volumes: [],
    deleted: { rows: 0, objects: 0, users: 0, apiKeys: 0, webhooks: 0, memberships: 0 },
  };
  const { job } = await startJob(
    ctx.env,
    {
      tenantId: ctx.tenant.id,
      kind: "contract_end",
      params: {
        export: input.export,
        requestedAt: now,
        dueAt: due,
        notify,
        locale: ctx.tenant.defaultLocale,
      },
      progress,
      createdBy: ctx.actor.type === "system" ? null : ctx.actor.id,
    },
    now,
  );
  await auditCtx(ctx, "tenant.contract_end_requested", "job", job.id, { withExport: input.export });
  return contractEndView(ctx, job);
}

async function current(ctx: Ctx): Promise<Job | null> {
  const rows = await controlDb(ctx.env)
    .select()
    .from(jobs)
    .where(and(eq(jobs.tenantId, ctx.tenant.id), eq(jobs.kind, "contract_end")))
    .orderBy(desc(jobs.createdAt))
    .limit(1);
  return rows[0] ?? null;
}

export function contractEndView(_ctx: Ctx, job: Job | null) {
  if (!job) return { status: "none" as const, job: null, deletionDueAt: null, exports: [] };
  const p = job.progress as Progress;
  const params = job.params as { dueAt: number };
  const status =
    job.status === "cancelled"
      ? ("cancelled" as const)
      : job.status === "done"
        ? ("closed" as const)
        : job.status === "failed"
          ? ("failed" as const)
          : p.phase === "export"
            ? ("exporting" as const)
            : p.phase === "wait"
              ? ("awaiting_deletion" as const)
              : ("deleting" as const);
  return {
    status,
    job: jobView(job),
    deletionDueAt: new Date(params.dueAt).toISOString(),
    exports: (p.volumes ?? []).map((v, i) => ({
      part: i + 1,
      size: v.size,
      sha256: v.sha256 ?? null,
      calls: v.calls,
      url: `/api/v1/tenant/contract-end/exports/${i + 1}`,
    })),
  };
}

export async function getContractEnd(ctx: Ctx) {
  return contractEndView(ctx, await current(ctx));
}

/** The owner asks for deletion now (after downloading the export), instead of at the deadline. */
export async function deleteNow(ctx: Ctx) {
  const job = await current(ctx);
  if (!job || (job.status !== "queued" && job.status !== "running"))
    throw new ApiError("conflict", "No contract end is in progress");
  const p = job.progress as Progress;
  if (p.phase === "export") throw new ApiError("conflict", "The export is not finished yet");
  if (p.phase !== "wait") return contractEndView(ctx, job);
  // Wake the job at once: the waiting step sees the flag.
  const saved = await controlDb(ctx.env)
    .update(jobs)
    .set({ progress: { ...p, deleteNow: true }, updatedAt: Date.now() })
    .where(and(eq(jobs.id, job.id), eq(jobs.steps, job.steps)))
    .returning();
  if (!saved.length) throw new ApiError("conflict", "The job moved on; try again");
  await enqueueJob(ctx.env, { type: "job.step", jobId: job.id, step: job.steps });
  await auditCtx(ctx, "tenant.contract_end_delete_now", "job", job.id);
  return contractEndView(ctx, saved[0]);
}

/** Cancel before deletion starts: the tenant is active again, exports stay until their retention. */
export async function cancelContractEnd(ctx: Ctx) {
  const job = await current(ctx);
  if (!job || (job.status !== "queued" && job.status !== "running"))
    throw new ApiError("conflict", "No contract end is in progress");
  const p = job.progress as Progress;
  if (p.phase !== "export" && p.phase !== "wait")
    throw new ApiError("conflict", "Deletion has started; it cannot be cancelled");
  const saved = await controlDb(ctx.env)
    .update(jobs)
    .set({ status: "cancelled", finishedAt: Date.now(), updatedAt: Date.now() })
    .where(and(eq(jobs.id, job.id), eq(jobs.steps, job.steps)))
    .returning();
  if (!saved.length) throw new ApiError("conflict", "The job moved on; try again");
  await controlDb(ctx.env)
    .update(tenants)
    .set({ status: "active", deletionDueAt: null, updatedAt: Date.now() })
    .where(eq(tenants.id, ctx.tenant.id));
  await auditCtx(ctx, "tenant.contract_end_cancelled", "job", job.id);
  return contractEndView(ctx, saved[0]);
}

/** Stream one export volume (owner only; the route checks the permission). */
export async function readExportVolume(ctx: Ctx, part: number) {
  const job = await current(ctx);
  const v = job ? (job.progress as Progress).volumes?.[part - 1] : undefined;
  if (!job || !v) throw new ApiError("not_found", "No such export volume");
  const obj = await dataPlane(ctx.env, ctx.tenant).bucket.get(v.key);
  if (!obj) throw new ApiError("gone", "This export has been deleted");
  await auditCtx(ctx, "tenant.export_downloaded", "job", job.id, { part });
  await recordAbuseEvent(ctx.env, ctx.tenant.id, "mass_export");
  return { body: obj.body, size: obj.size, name: `callcenterrate-export-${ctx.tenant.id}-part${part}.zip` };
}

// ---- Steps -----------------------------------------------------------------------------------

async function step(env: Env, job: Job): Promise<StepOutcome> {
  const p = structuredClone(job.progress) as Progress;
  const params = job.params as {
    export: boolean;
    requestedAt: number;
    dueAt: number;
    notify: string | null;
    locale: "fr" | "en";
  };
  const tenant = job.tenantId ? await tenantById(env, job.tenantId) : null;
  if (!tenant) throw new JobFailure("tenant not found");
  const dp = dataPlane(env, tenant);
  switch (p.phase) {
    case "export": {
      if (tenant.writeLock === "location_migration") return { progress: p, delaySeconds: 600 };
      const rows = await dp.d1
        .prepare("select rowid as r, id from calls where tenant_id = ? and rowid > ? order by rowid limit ?")
        .bind(tenant.id, p.after ?? 0, CALLS_PER_VOLUME)
        .all<{ r: number; id: string }>();
      const list = rows.results;
      if (list.length) {
        const n = p.volumes.length + 1;
        const key = `${exportPrefix(dp, job.id)}part-${String(n).padStart(4, "0")}.zip`;
        const full = await dp.db
          .select()
          .from(calls)
          .where(
            and(
              eq(calls.tenantId, tenant.id),
              inArray(
                calls.id,
                list.map((x) => x.id),
              ),
            ),
          );
        const out = await writeZipToR2(dp.bucket, key, volumeEntries(dp, tenant.id, full, n === 1));
        p.volumes.push({ key, size: out.size, sha256: out.sha256, calls: full.length });
        p.after = list[list.length - 1].r;
      }
      if (list.length < CALLS_PER_VOLUME) p.phase = "wait";
      return { progress: p };
    }
    case "wait": {
      const now = Date.now();
      if (!p.deleteNow && now < params.dueAt)
        return { progress: p, delaySeconds: Math.min(MAX_WAIT_S, Math.ceil((params.dueAt - now) / 1000)) };
      await controlDb(env)
        .update(tenants)
        .set({ writeLock: "contract_end", updatedAt: now })
        .where(eq(tenants.id, tenant.id));
      p.tables = await tenantTables(dp.d1);
      p.wipe = { stage: "fts", after: 0 };
      p.phase = "delete";
      return { progress: p };
    }
    case "delete": {
      const counts = { rows: 0, objects: 0 };
      const done = await wipe(dp, tenant.id, p.tables ?? [], p.wipe ?? { stage: "fts" }, counts);
      p.deleted.rows += counts.rows;
      p.deleted.objects += counts.objects;
      if (done) p.phase = "control";
      return { progress: p };
    }
    case "control": {
      Object.assign(p.deleted, await deleteControlRows(env, tenant.id));
      p.phase = "certificate";
      return { progress: p };
    }
    case "certificate": {
      const retention = effectiveRetention(tenant);
      const now = Date.now();
      const cert = {
        kind: "CallCenterRate deletion certificate",
        tenant: { id: tenant.id, name: tenant.name, location: tenant.location },
        requestedAt: new Date(params.requestedAt).toISOString(),
        completedAt: new Date(now).toISOString(),
        exported: params.export ? p.volumes.length : 0,
        deleted: {
          callDataRows: p.deleted.rows,
          storedObjects: p.deleted.objects,
          userAccounts: p.deleted.users,
          memberships: p.deleted.memberships,
          apiKeys: p.deleted.apiKeys,
          webhookEndpoints: p.deleted.webhooks,
          supportTickets: p.deleted.supportTickets ?? 0,
          stores: [
            "D1 data plane (all tables, full-text index)",
            "R2 (recordings, transcripts, analyses, provider responses, exports, support attachments)",
            "Support tickets, messages, support-access grants and their read log",
            "Single sign-on configuration and domain verification",
            "Abuse-alert thresholds, counters and alerts; API key networks",
            "Dead letters referring to the organisation",
          ],
        },
        kept: {
          billingRecords: `${BILLING_RETENTION_YEARS} years (legal obligation; minutes, no call identifiers)`,
          auditLogDays: retention.auditLog,
          connectionLogDays: retention.connectionLogs,
          backups: "D1 Time Travel keeps deleted rows for at most 30 days",
          breachNotifications: `${p.deleted.breachNotificationsAnonymised ?? 0} kept in the breach register without the organisation's identifier`,
        },
      };
      const body = JSON.stringify(cert, null, 2);
      const digest = await sha256Hex(body);
      const certKey = `certificates/${tenant.id}/${job.id}.json`;
      await env.CONTROL_BUCKET.put(certKey, body, {
        httpMetadata: { contentType: "application/json" },
        customMetadata: { sha256: digest },
      });
      await controlDb(env)
        .update(tenants)
        .set({ status: "closed", updatedAt: now })
        .where(eq(tenants.id, tenant.id));
      await appendAudit(env, {
        tenantId: tenant.id,
        actor: { type: "system", id: null },
        action: "tenant.deleted",
        targetType: "job",
        targetId: job.id,
        meta: { rows: p.deleted.rows, objects: p.deleted.objects, digest },
      });
      for (const to of params.notify ?? [])
        await sendMail(env, {
          to,
          tenantId: null,
          kind: "contract.certificate",
          locale: params.locale,
          subject: t(params.locale, "contract.mail.subject", { tenant: tenant.name }),
          text: t(params.locale, "contract.mail.body", { tenant: tenant.name, digest, certificate: body }),
        });
      await controlDb(env)
        .update(jobs)
        .set({ params: { ...params, notify: [] } })
        .where(eq(jobs.id, job.id));
      return { progress: p, result: { certificateKey: certKey, sha256: digest, certificate: cert } };
    }
  }
}

/** The entries of one export volume, streamed (recordings are never held in memory). */
async function* volumeEntries(
  dp: DataPlane,
  tenantId: string,
  list: Call[],
  first: boolean,
): AsyncGenerator<ZipEntry> {
  if (first) {
    yield { name: "README.txt", data: README };
    const agents = await dp.d1.prepare("select * from agents where tenant_id = ?").bind(tenantId).all();
    yield { name: "agents.json", data: JSON.stringify(agents.results, null, 2) };
    const rubrics = await dp.d1
      .prepare("select * from rubric_versions where tenant_id = ?")
      .bind(tenantId)
      .all();
    yield { name: "rubrics.json", data: JSON.stringify(rubrics.results, null, 2) };
  }
  for (const c of list) {
    yield { name: `calls/${c.id}/call.json`, data: JSON.stringify(callView(c), null, 2) };
    const tx = await dp.bucket.get(dp.key("calls", c.id, "transcript.json"));
    if (tx) yield { name: `calls/${c.id}/transcript.json`, data: await tx.text() };
    const an = await dp.d1
      .prepare("select result_key from analyses where tenant_id = ? and call_id = ? order by created_at")
      .bind(tenantId, c.id)
      .all<{ result_key: string }>();
    for (const [i, a] of an.results.entries()) {
      const o = await dp.bucket.get(a.result_key);
      if (o) yield { name: `calls/${c.id}/analysis-${i + 1}.json`, data: await o.text() };
    }
    if (c.recKey) {
      const rec = await dp.bucket.get(c.recKey);
      if (rec)
        yield { name: `calls/${c.id}/recording.${c.recFormat ?? "bin"}`, data: rec.body, compress: false };
    }
  }
}

const README = `CallCenterRate — export of your organisation's data at the end of the contract.
calls/<id>/call.json        the call's metadata (caller number masked)
calls/<id>/transcript.json  the redacted transcript (segments, speakers, times)
calls/<id>/analysis-N.json  each analysis (criteria, evidence, irritants, categories, summary)
calls/<id>/recording.*      the recording as uploaded
agents.json, rubrics.json   (first volume) your agents and quality grids
Export de vos données en fin de contrat : mêmes fichiers, format JSON.
`;

/** Control-plane rows of the tenant that go at contract end. Users only of this tenant go too. */
async function deleteControlRows(env: Env, tenantId: string) {
  const db = controlDb(env);
  const members = await db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(eq(memberships.tenantId, tenantId));
  const ids = members.map((m) => m.userId);
  const elsewhere = ids.length
    ? await db
        .select({ userId: memberships.userId })
        .from(memberships)
        .where(and(inArray(memberships.userId, ids), notInArray(memberships.tenantId, [tenantId])))
    : [];
  const only = ids.filter((id) => !elsewhere.some((e) => e.userId === id));
  const endpoints = await db
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.tenantId, tenantId));
  const tickets = await db
    .select({ id: supportTickets.id })
    .from(supportTickets)
    .where(eq(supportTickets.tenantId, tenantId));
  // Dead letters hold queue messages (ids only): the tenant's own, its jobs' steps, its webhook
  // deliveries and mails. They go first, while the rows they point to can still be matched.
  const letters = db.delete(deadLetters).where(
    sql`json_extract(${deadLetters.body}, '$.tenantId') = ${tenantId}
        or json_extract(${deadLetters.body}, '$.jobId') in (select id from jobs where tenant_id = ${tenantId})
        or json_extract(${deadLetters.body}, '$.deliveryId') in (select id from webhook_deliveries where tenant_id = ${tenantId})
        or (json_extract(${deadLetters.body}, '$.type') = 'mail.send'
          and json_extract(${deadLetters.body}, '$.id') in (select id from mail_outbox where tenant_id = ${tenantId}))`,
  );
  // One pseudonym for all of this tenant's notifications (at most one per breach, so the unique
  // (breach, tenant) index holds), random: it cannot be traced back to the tenant id.
  const pseudonym = newId("ended");
  const res = await db.batch([
    letters,
    db.delete(webhookDeliveries).where(eq(webhookDeliveries.tenantId, tenantId)),
    db.delete(webhookEndpoints).where(eq(webhookEndpoints.tenantId, tenantId)),
    db.delete(apiKeyNetworks).where(eq(apiKeyNetworks.tenantId, tenantId)),
    db.delete(apiKeys).where(eq(apiKeys.tenantId, tenantId)),
    db.delete(invitations).where(eq(invitations.tenantId, tenantId)),
    db.delete(memberships).where(eq(memberships.tenantId, tenantId)),
    db.delete(sessions).where(eq(sessions.tenantId, tenantId)),
    db.delete(supportAccessLog).where(eq(supportAccessLog.tenantId, tenantId)),
    db.delete(supportGrants).where(eq(supportGrants.tenantId, tenantId)),
    db.delete(supportMessages).where(eq(supportMessages.tenantId, tenantId)),
    db.delete(supportTickets).where(eq(supportTickets.tenantId, tenantId)),
    db.delete(ssoStates).where(eq(ssoStates.tenantId, tenantId)),
    db.delete(ssoConfigs).where(eq(ssoConfigs.tenantId, tenantId)),
    db.delete(abuseSettings).where(eq(abuseSettings.tenantId, tenantId)),
    db.delete(reviewSamplingRules).where(eq(reviewSamplingRules.tenantId, tenantId)),
    db.delete(abuseEvents).where(eq(abuseEvents.tenantId, tenantId)),
    db.delete(securityAlerts).where(eq(securityAlerts.tenantId, tenantId)),
    db.delete(notices).where(eq(notices.tenantId, tenantId)),
    db
      .update(breachNotifications)
      .set({ tenantId: pseudonym })
      .where(eq(breachNotifications.tenantId, tenantId)),
  ]);
  let users_ = 0;
  for (let i = 0; i < only.length; i += 90) {
    const chunk = only.slice(i, i + 90);
    const r = await db.batch([
      db.delete(sessions).where(and(eq(sessions.realm, "user"), inArray(sessions.subjectId, chunk))),
      db
        .delete(recoveryCodes)
        .where(and(eq(recoveryCodes.realm, "user"), inArray(recoveryCodes.subjectId, chunk))),
      db.delete(emailTokens).where(inArray(emailTokens.userId, chunk)),
      db.delete(users).where(inArray(users.id, chunk)),
    ]);
    users_ += r[3].meta.changes ?? 0;
  }
  return {
    apiKeys: res[4].meta.changes ?? 0,
    webhooks: endpoints.length,
    memberships: res[6].meta.changes ?? 0,
    supportTickets: tickets.length,
    breachNotificationsAnonymised: res[17].meta.changes ?? 0,
    users: users_,
  };
}

registerJobHandler("contract_end", step);
