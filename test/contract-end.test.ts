import { eq } from "drizzle-orm";
import { strFromU8, unzipSync } from "fflate";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import "../workers/job-handlers";
import { getBreach } from "../core/ops/breaches";
import { keepDeadLetter } from "../core/ops/health";
import { addAttachment, createTicket, grantSupportAccess, supportListCalls } from "../core/ops/support";
import { newId } from "../core/platform/crypto";
import { getJob, runJobStep } from "../core/platform/jobs";
import { controlDb } from "../db/client";
import { dataPlane } from "../db/resolver";
import {
  abuseEvents,
  abuseSettings,
  apiKeyNetworks,
  auditLog,
  breaches,
  breachNotifications,
  deadLetters,
  jobs,
  mailOutbox,
  memberships,
  reviewSamplingRules,
  securityAlerts,
  ssoConfigs,
  ssoStates,
  supportAccessLog,
  supportTickets,
  tenants,
  users,
} from "../db/schema/control";
import { makeWav } from "./fixtures";
import { call, E, makeTenant, type TestTenant } from "./helpers";

type Json = Record<string, unknown>;
beforeEach(() => {
  vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
});
afterEach(() => vi.restoreAllMocks());

async function drive(jobId: string, max = 200) {
  for (let i = 0; i < max; i++) {
    const j = await getJob(E, jobId);
    if (!j || (j.status !== "running" && j.status !== "queued")) return j;
    const before = j.steps;
    await runJobStep(E, { jobId, step: j.steps });
    const after = await getJob(E, jobId);
    if (after && after.steps === before + 1 && (after.progress as { _wakeAt?: number })._wakeAt) return after; // waiting
  }
  return getJob(E, jobId);
}

async function analysedCall(t: TestTenant, ext: string, wav: Uint8Array) {
  const res = await call("/api/v1/calls", {
    method: "POST",
    key: t.key,
    json: {
      externalId: ext,
      transcript: { format: "text", content: "Agent: Bonjour.\nCustomer: Ma facture est fausse." },
    },
  });
  const { id } = (await res.json()) as { id: string };
  await call(`/api/v1/calls/${id}/recording`, {
    method: "PUT",
    key: t.key,
    body: wav,
    headers: { "content-type": "audio/wav", "content-length": String(wav.byteLength) },
  });
  for (let i = 0; i < 200; i++) {
    const c = (await (await call(`/api/v1/calls/${id}`, { key: t.key })).json()) as Json;
    if (c.status === "done") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return id;
}

const post = (t: TestTenant, path: string, json?: unknown) =>
  call(`/api/v1/tenant/contract-end${path}`, { method: "POST", key: t.key, ...(json ? { json } : {}) });

describe("contract end (F7)", () => {
  it("export, download, delete now: nothing left, billing/audit kept, certificate mailed", async () => {
    const t = await makeTenant();
    const wav = makeWav(1);
    const a = await analysedCall(t, "CE-1", wav);
    const b = await analysedCall(t, "CE-2", wav);

    expect((await post(t, "", { export: true, confirmName: "wrong" })).status).toBe(400);
    expect((await post(t, "", { export: "yes", confirmName: t.tenant.name })).status).toBe(400);
    const start = await post(t, "", { export: true, confirmName: t.tenant.name });
    expect(start.status).toBe(202);
    const view = (await start.json()) as { status: string; job: { id: string }; deletionDueAt: string };
    expect(view.status).toBe("exporting");
    expect(Date.parse(view.deletionDueAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect((await post(t, "", { export: true, confirmName: t.tenant.name })).status).toBe(409);
    // Deleting before the export is done is refused.
    expect((await post(t, "/delete-now")).status).toBe(409);

    const waiting = await drive(view.job.id);
    expect((waiting!.progress as { phase: string }).phase).toBe("wait");
    const st = (await (await call("/api/v1/tenant/contract-end", { key: t.key })).json()) as {
      status: string;
      exports: { url: string; calls: number; sha256: string }[];
    };
    expect(st.status).toBe("awaiting_deletion");
    expect(st.exports).toHaveLength(1);
    expect(st.exports[0].calls).toBe(2);
    const zipRes = await call(st.exports[0].url, { key: t.key });
    expect(zipRes.status).toBe(200);
    expect(zipRes.headers.get("content-type")).toBe("application/zip");
    const files = unzipSync(new Uint8Array(await zipRes.arrayBuffer()));
    for (const id of [a, b]) {
      expect(JSON.parse(strFromU8(files[`calls/${id}/call.json`])).id).toBe(id);
      expect(strFromU8(files[`calls/${id}/transcript.json`])).toContain("facture");
      expect(JSON.parse(strFromU8(files[`calls/${id}/analysis-1.json`]))).toHaveProperty("criteria");
      expect(files[`calls/${id}/recording.wav`]).toEqual(wav);
    }
    expect(strFromU8(files["README.txt"])).toContain("CallCenterRate");
    expect((await call("/api/v1/tenant/contract-end/exports/9", { key: t.key })).status).toBe(404);

    expect((await post(t, "/delete-now")).status).toBe(200);
    const done = await drive(view.job.id);
    expect(done?.status).toBe("done");

    // Nothing of the tenant is left in its data plane, D1 or R2.
    const dp = dataPlane(E, t.tenant);
    for (const table of [
      "calls",
      "analyses",
      "call_labels",
      "agents",
      "rubrics",
      "rubric_versions",
      "tenant_meta",
    ]) {
      const r = await dp.d1
        .prepare(`select count(*) as n from ${table} where tenant_id = ?`)
        .bind(t.tenant.id)
        .first<{ n: number }>();
      expect(r?.n, table).toBe(0);
    }
    expect((await dp.bucket.list({ prefix: `t/${t.tenant.id}/` })).objects).toEqual([]);
    // Keys, memberships and users only of this tenant are gone; the tenant row stays, closed.
    expect((await call("/api/v1/calls", { key: t.key })).status).toBe(401);
    const db = controlDb(E);
    expect(await db.select().from(memberships).where(eq(memberships.tenantId, t.tenant.id))).toEqual([]);
    expect(await db.select().from(users).where(eq(users.id, t.users.owner.id))).toEqual([]);
    const tn = await db.query.tenants.findFirst({ where: eq(tenants.id, t.tenant.id) });
    expect(tn?.status).toBe("closed");
    // The certificate: in the control bucket, its digest in the audit log and in the mail.
    const r = done?.result as { certificateKey: string; sha256: string };
    const cert = await E.CONTROL_BUCKET.get(r.certificateKey);
    const text = await cert!.text();
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))]
      .map((x) => x.toString(16).padStart(2, "0"))
      .join("");
    expect(digest).toBe(r.sha256);
    expect(JSON.parse(text)).toMatchObject({ tenant: { id: t.tenant.id }, exported: 1 });
    const audit = await db.select().from(auditLog).where(eq(auditLog.tenantId, t.tenant.id));
    expect(audit.map((x) => x.action)).toEqual(
      expect.arrayContaining(["tenant.contract_end_requested", "tenant.deleted"]),
    );
    const mail = await db.select().from(mailOutbox).where(eq(mailOutbox.to, t.users.owner.email));
    expect(mail.find((m) => m.kind === "contract.certificate")?.text).toContain(r.sha256);
  }, 60_000);

  it("without delete-now, deletion waits for the 30-day deadline; cancel works only before it", async () => {
    const t = await makeTenant();
    const start = await post(t, "", { export: false, confirmName: t.tenant.name });
    const { job } = (await start.json()) as { job: { id: string } };
    const w = await drive(job.id);
    expect((w!.progress as { phase: string }).phase).toBe("wait");
    expect((w!.progress as { _wakeAt: number })._wakeAt).toBeGreaterThan(Date.now());
    // Still waiting at the next step.
    await runJobStep(E, { jobId: job.id, step: w!.steps });
    expect(((await getJob(E, job.id))!.progress as { phase: string }).phase).toBe("wait");
    // Cancel → active again.
    expect((await call("/api/v1/tenant/contract-end", { method: "DELETE", key: t.key })).status).toBe(200);
    expect((await controlDb(E).query.tenants.findFirst({ where: eq(tenants.id, t.tenant.id) }))?.status).toBe(
      "active",
    );
    // A second request; its deadline passes (injected by moving it) → deletion starts; cancel refused.
    const again = await post(t, "", { export: false, confirmName: t.tenant.name });
    const j2 = ((await again.json()) as { job: { id: string } }).job.id;
    const row = (await getJob(E, j2))!;
    await controlDb(E)
      .update(jobs)
      .set({ params: { ...row.params, dueAt: Date.now() - 1 } })
      .where(eq(jobs.id, j2));
    await runJobStep(E, { jobId: j2, step: row.steps });
    expect(((await getJob(E, j2))!.progress as { phase: string }).phase).toBe("delete");
    expect((await call("/api/v1/tenant/contract-end", { method: "DELETE", key: t.key })).status).toBe(409);
    // Data writes are refused once deletion owns the data.
    const w2 = await call("/api/v1/calls", { method: "POST", key: t.key, json: { externalId: "late" } });
    expect(w2.status).toBe(409);
  });

  it("support, single sign-on, abuse and dead-letter rows go; breach notifications lose the tenant id", async () => {
    const t = await makeTenant({ location: "us" });
    const other = await makeTenant();
    const db = controlDb(E);
    const now = Date.now();
    // Support: a ticket, a message with an attachment (data plane + R2), a grant and an operator read.
    const { ticket, messageId } = await createTicket(t.ctx, {
      subject: "Scores look off",
      body: "Since Monday.",
    });
    const att = await addAttachment(t.ctx, ticket.id, messageId, {
      name: "shot.png",
      type: "image/png",
      bytes: new Uint8Array([1, 2, 3]),
    });
    await grantSupportAccess(t.ctx, ticket.id, { hours: 2, scope: "all_calls" });
    const op = {
      id: newId("op"),
      name: "Sam",
      email: "sam@ccr.test",
      sessionId: "s",
      ip: null,
      userAgent: null,
    };
    await supportListCalls(E, op, ticket.id);
    const keep = await createTicket(other.ctx, { subject: "Other tenant", body: "Stays." });
    expect(
      await db.select().from(supportAccessLog).where(eq(supportAccessLog.tenantId, t.tenant.id)),
    ).toHaveLength(1);
    const dp = dataPlane(E, t.tenant);
    expect((await dp.bucket.list({ prefix: `t/${t.tenant.id}/support/` })).objects).toHaveLength(1);
    // Single sign-on, abuse detection, breach register, dead letters.
    await db.insert(ssoConfigs).values({
      tenantId: t.tenant.id,
      provider: "oidc",
      issuer: "https://idp.example.test",
      clientId: "client",
      clientSecretEnc: null,
      domain: `${t.tenant.id}.example.test`,
      verificationToken: "ccr-verify-x",
      domainVerifiedAt: now,
      enabled: true,
      createdAt: now,
      updatedAt: now,
    });
    await db.insert(ssoStates).values({
      stateHash: newId("st"),
      tenantId: t.tenant.id,
      codeVerifier: "v",
      nonce: "n",
      expiresAt: now + 600_000,
      createdAt: now,
    });
    await db
      .insert(abuseSettings)
      .values({ tenantId: t.tenant.id, thresholds: { mass_export: 5 }, updatedAt: now });
    await db.insert(reviewSamplingRules).values({
      tenantId: t.tenant.id,
      perAgent: 3,
      criticalFail: true,
      irritants: false,
      disputed: false,
      random: false,
      reviewers: [t.users.supervisor.id],
      nextRunAt: now,
      createdAt: now,
      updatedAt: now,
    });
    await db
      .insert(abuseEvents)
      .values({ id: newId("abe"), tenantId: t.tenant.id, kind: "mass_export", at: now });
    await db.insert(securityAlerts).values({
      id: newId("sal"),
      tenantId: t.tenant.id,
      kind: "mass_export",
      dedupeKey: newId("dk"),
      detail: { count: 6 },
      createdAt: now,
    });
    await db
      .insert(apiKeyNetworks)
      .values({ keyId: t.keyId, network: "203.0.113.0/24", tenantId: t.tenant.id, firstSeenAt: now });
    const breachId = newId("brc");
    await db.insert(breaches).values({
      id: breachId,
      title: "Test incident",
      description: "d",
      occurredAt: now - 7_200_000,
      discoveredAt: now - 3_600_000,
      dataCategories: "metadata",
      consequences: "low",
      measures: "fixed",
      contact: "dpo@ccr.test",
      createdBy: op.id,
      createdAt: now,
      updatedAt: now,
    });
    for (const tn of [t, other])
      await db
        .insert(breachNotifications)
        .values({ id: newId("brn"), breachId, tenantId: tn.tenant.id, recipients: 2, notifiedAt: now });
    await keepDeadLetter(E, "ccr-pipeline-dlq", { type: "analyze", tenantId: t.tenant.id, callId: "c1" }, 3);
    await keepDeadLetter(
      E,
      "ccr-pipeline-dlq",
      { type: "analyze", tenantId: other.tenant.id, callId: "c2" },
      3,
    );

    const start = await post(t, "", { export: false, confirmName: t.tenant.name });
    const { job } = (await start.json()) as { job: { id: string } };
    // A dead step of the tenant's own job refers to it too.
    await keepDeadLetter(E, "ccr-jobs-dlq", { type: "job.step", jobId: job.id, step: 0 }, 3);
    expect((await post(t, "/delete-now")).status).toBe(200);
    const done = await drive(job.id);
    expect(done?.status).toBe("done");

    for (const table of [
      "support_tickets",
      "support_messages",
      "support_grants",
      "support_access_log",
      "sso_configs",
      "sso_states",
      "abuse_settings",
      "abuse_events",
      "review_sampling_rules",
      "security_alerts",
      "api_key_networks",
      "breach_notifications",
    ]) {
      const r = await E.CONTROL_DB.prepare(`select count(*) as n from ${table} where tenant_id = ?`)
        .bind(t.tenant.id)
        .first<{ n: number }>();
      expect(r?.n, table).toBe(0);
    }
    // Attachments: the data-plane row and the file are gone.
    const row = await dp.d1
      .prepare("select count(*) as n from support_attachments where tenant_id = ?")
      .bind(t.tenant.id)
      .first<{ n: number }>();
    expect(row?.n).toBe(0);
    expect(await dp.bucket.get(`t/${t.tenant.id}/support/${ticket.id}/${att.id}`)).toBeNull();
    expect((await dp.bucket.list({ prefix: `t/${t.tenant.id}/` })).objects).toEqual([]);
    // Dead letters: none mentions the tenant or its jobs; the other tenant's stays.
    const letters = await db.select().from(deadLetters);
    expect(
      letters.filter((l) => JSON.stringify(l.body).includes(t.tenant.id) || l.body.jobId === job.id),
    ).toEqual([]);
    expect(letters.some((l) => l.body.tenantId === other.tenant.id)).toBe(true);
    // The breach stays in the register, with both notifications; the ended tenant's is anonymous.
    const b = await getBreach(E, breachId);
    expect(b.notifications).toHaveLength(2);
    expect(b.notifications.find((n) => n.tenantName === null)).toMatchObject({
      tenantId: null,
      recipients: 2,
    });
    expect(b.notifications.find((n) => n.tenantId === other.tenant.id)).toBeTruthy();
    expect(
      JSON.stringify(
        await db.select().from(breachNotifications).where(eq(breachNotifications.breachId, breachId)),
      ),
    ).not.toContain(t.tenant.id);
    // The other tenant's ticket is untouched.
    expect(await db.select().from(supportTickets).where(eq(supportTickets.id, keep.ticket.id))).toHaveLength(
      1,
    );
    // The certificate names the stores.
    const cert = (done!.result as { certificate: { deleted: { supportTickets: number; stores: string[] } } })
      .certificate;
    expect(cert.deleted.supportTickets).toBe(1);
    expect(cert.deleted.stores.join(" ")).toContain("Single sign-on");
  }, 60_000);

  it("refused under legal hold, and for roles other than owner", async () => {
    const t = await makeTenant();
    await call("/api/v1/settings/legal-hold", { method: "PUT", key: t.key, json: { reason: "Court order" } });
    expect((await post(t, "", { export: false, confirmName: t.tenant.name })).status).toBe(409);
  });
});
