import { and, eq } from "drizzle-orm";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import "../workers/job-handlers";
import { phoneHash } from "../core/calls/phone";
import { writeSignedBackup } from "../core/governance/backup-archive";
import { RESTORE_LIMITS, restoreStep, TABLE_RULES } from "../core/governance/backup-restore";
import { tenantTables } from "../core/governance/location-migration";
import { decryptString, sha256Hex } from "../core/platform/crypto";
import type { ZipEntry } from "../core/platform/exports/zip";
import {
  crc32Update,
  readZipDirectory,
  verifyZipEntries,
  verifyZipEntry,
} from "../core/platform/exports/zip-read";
import { getJob, runJobStep } from "../core/platform/jobs";
import { saveReview } from "../core/quality/reviews";
import { controlDb } from "../db/client";
import { dataPlane } from "../db/resolver";
import {
  apiKeys,
  invitations,
  mailOutbox,
  memberships,
  supportTickets,
  users,
  webhookEndpoints,
} from "../db/schema/control";
import { analyses, calls, privacyRestrictions, privacySuppressions } from "../db/schema/data";
import { makeWav } from "./fixtures";
import { asRole, call, E, loginCookie, makeTenant, type TestTenant } from "./helpers";
import { postMultipart } from "./multipart";

type Json = Record<string, unknown>;
beforeEach(() => {
  vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
});
afterEach(() => vi.restoreAllMocks());

async function drive(jobId: string, steps = 20) {
  for (let i = 0; i < steps; i++) {
    const j = await getJob(E, jobId);
    if (!j || (j.status !== "running" && j.status !== "queued")) return j;
    await runJobStep(E, { jobId, step: j.steps });
  }
  return getJob(E, jobId);
}

async function analysedCall(t: TestTenant, ext: string, text: string, wav?: Uint8Array) {
  const res = await call("/api/v1/calls", {
    method: "POST",
    key: t.key,
    json: { externalId: ext, agentId: undefined, transcript: { format: "text", content: text } },
  });
  const { id } = (await res.json()) as { id: string };
  if (wav)
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

const get = async (t: TestTenant, path: string) => {
  const r = await call(`/api/v1${path}`, { key: t.key });
  expect(r.status, path).toBe(200);
  return r;
};
/** A resource as the API shows it, minus what legitimately differs after a restore. */
const strip = (o: Json) => {
  const { updatedAt: _u, ...rest } = o;
  return rest;
};

describe("backup and restore (I7)", () => {
  it("export → restore into an empty tenant elsewhere → the same agents, grids, calls, transcripts, analyses, recordings", async () => {
    const src = await makeTenant({ location: "eu" });
    const agent = await (
      await call("/api/v1/agents", {
        method: "POST",
        key: src.key,
        json: { name: "Alice Martin", externalId: "A-1" },
      })
    ).json<{ id: string }>();
    const wav = makeWav(1);
    const a = await analysedCall(
      src,
      "BK-1",
      "Agent: Bonjour, service client.\nCustomer: Ma facture est fausse, je veux résilier.",
      wav,
    );
    const b = await analysedCall(src, "BK-2", "Agent: Bonjour.\nCustomer: Ma livraison est en retard.");
    const hook = await (
      await call("/api/v1/webhooks", {
        method: "POST",
        key: src.key,
        json: { url: "https://hooks.example.com/ccr", events: ["call.analyzed"], description: "CRM" },
      })
    ).json<{ id: string; secret: string }>();
    await call("/api/v1/support/tickets", {
      method: "POST",
      key: src.key,
      json: { subject: "A question", body: "About scores." },
    });

    const start = await call("/api/v1/backups", { method: "POST", key: src.key });
    expect(start.status).toBe(202);
    const job = await drive((await start.json<{ id: string }>()).id);
    expect(job?.status).toBe("done");
    // The ZIP lives in the tenant's own location.
    const stored = await E.BLOB_EU.list({ prefix: `t/${src.tenant.id}/backups/` });
    expect(stored.objects.map((o) => o.key)).toEqual([`t/${src.tenant.id}/backups/${job!.id}.zip`]);
    const dl = await get(src, `/backups/${job!.id}/download`);
    const zip = new Uint8Array(await dl.arrayBuffer());

    // Restore into an empty tenant in the other location.
    const dst = await makeTenant({ location: "us" });
    const up = await call("/api/v1/backups/restore", {
      method: "POST",
      key: dst.key,
      body: zip,
      headers: { "content-type": "application/zip", "content-length": String(zip.byteLength) },
    });
    expect(up.status).toBe(202);
    const restore = await drive((await up.json<{ id: string }>()).id);
    expect(restore?.status, String(restore?.error)).toBe("done");

    // Compare what the API shows for both tenants.
    const list = async (t: TestTenant) =>
      ((await (await get(t, "/calls?limit=50")).json()) as { data: Json[] }).data.map(strip);
    expect(await list(dst)).toEqual(await list(src));
    for (const id of [a, b]) {
      expect(await (await get(dst, `/calls/${id}/analysis`)).json()).toEqual(
        await (await get(src, `/calls/${id}/analysis`)).json(),
      );
      expect(await (await get(dst, `/calls/${id}/transcript`)).json()).toEqual(
        await (await get(src, `/calls/${id}/transcript`)).json(),
      );
    }
    const rec = new Uint8Array(await (await get(dst, `/calls/${a}/recording`)).arrayBuffer());
    expect(rec).toEqual(wav);
    expect(await (await get(dst, `/agents/${agent.id}`)).json()).toEqual(
      await (await get(src, `/agents/${agent.id}`)).json(),
    );
    const rubrics = async (t: TestTenant) =>
      ((await (await get(t, "/rubrics")).json()) as { data: Json[] }).data.map(strip);
    expect(await rubrics(dst)).toEqual(await rubrics(src));
    // The full-text index was rebuilt: search finds the restored call.
    const found = (await (await get(dst, "/calls?q=livraison")).json()) as { data: { id: string }[] };
    expect(found.data.map((c) => c.id)).toEqual([b]);
    // Stored in the destination's location only.
    expect(
      (await E.BLOB_US.list({ prefix: `t/${dst.tenant.id}/calls/${a}/` })).objects.length,
    ).toBeGreaterThan(0);
    expect((await E.BLOB_EU.list({ prefix: `t/${dst.tenant.id}/` })).objects).toEqual([]);

    // Members: every account of the source exists on the platform, so each gets a membership
    // back — except the owner: the restore ran with an admin key, which cannot give "owner".
    const result = restore!.result as {
      members: { memberships: number; invitations: number; skipped: { email: string; reason: string }[] };
      webhooks: { restoredDisabled: number };
    };
    expect(result.members).toMatchObject({ memberships: 4, invitations: 0 });
    expect(result.members.skipped).toEqual([
      { email: src.users.owner.email, reason: expect.stringContaining("owner") },
    ]);
    const db = controlDb(E);
    const roleIn = async (t: TestTenant, userId: string) =>
      (
        await db.query.memberships.findFirst({
          where: and(eq(memberships.tenantId, t.tenant.id), eq(memberships.userId, userId)),
        })
      )?.role;
    for (const role of ["admin", "supervisor", "agent", "viewer"] as const)
      expect(await roleIn(dst, src.users[role].id)).toBe(role);
    expect(await roleIn(dst, src.users.owner.id)).toBeUndefined();
    // Webhooks: same URL, events and description; a new id and secret; disabled until rotated.
    const hooksOf = (t: TestTenant) =>
      db.select().from(webhookEndpoints).where(eq(webhookEndpoints.tenantId, t.tenant.id));
    const [restored] = await hooksOf(dst);
    const [original] = await hooksOf(src);
    expect(result.webhooks.restoredDisabled).toBe(1);
    expect(restored).toMatchObject({
      url: original.url,
      events: original.events,
      description: "CRM",
      active: false,
    });
    expect(restored.id).not.toBe(hook.id);
    expect(restored.secretEnc).not.toBe(original.secretEnc);
    const rotated = await call(`/api/v1/webhooks/${restored.id}/rotate-secret`, {
      method: "POST",
      key: dst.key,
    });
    expect((await rotated.json<{ secret: string }>()).secret).toMatch(/^whsec_/);
    // API keys and support tickets are not restored.
    expect(await db.select().from(apiKeys).where(eq(apiKeys.tenantId, dst.tenant.id))).toHaveLength(1); // its own
    expect(await db.select().from(supportTickets).where(eq(supportTickets.tenantId, dst.tenant.id))).toEqual(
      [],
    );

    // A second restore into the now non-empty tenant is refused.
    const again = await call("/api/v1/backups/restore", {
      method: "POST",
      key: dst.key,
      body: zip,
      headers: { "content-type": "application/zip", "content-length": String(zip.byteLength) },
    });
    expect(again.status).toBe(409);
  });

  it("members unknown on the platform are invited; bad entries and unsafe webhook URLs are skipped with a reason", async () => {
    const known = await makeTenant();
    const dst = await makeTenant();
    const stranger = `new.${Date.now()}@example.test`;
    const zip = await signedArchive(gone(), [
      json("control/members.json", [
        { email: known.users.viewer.email, role: "supervisor" },
        { email: stranger, role: "agent" },
        { email: "not-an-address", role: "viewer" },
        { email: `x.${Date.now()}@example.test`, role: "superuser" },
      ]),
      json("control/webhooks.json", [
        { url: "https://hooks.example.com/a", events: ["call.failed"], description: null, active: true },
        { url: "http://127.0.0.1/internal", events: ["call.failed"], description: null, active: true },
      ]),
      json("control/support.json", { tickets: [{}, {}], messages: [] }),
    ]);
    const job = await restored(dst, zip);
    const r = job.result as {
      members: { memberships: number; invitations: number; skipped: { reason: string }[] };
      webhooks: { restoredDisabled: number; skipped: { url: string; reason: string }[] };
      notRestored: { supportTickets: string; apiKeys: string };
    };
    expect(r.members).toMatchObject({ memberships: 1, invitations: 1 });
    expect(r.members.skipped.map((x) => x.reason)).toEqual(["invalid", "invalid"]);
    expect(r.webhooks.restoredDisabled).toBe(1);
    expect(r.webhooks.skipped).toEqual([
      { url: "http://127.0.0.1/internal", reason: expect.stringContaining("refused") },
    ]);
    expect(r.notRestored.supportTickets).toMatch(/^2 kept/);
    const db = controlDb(E);
    const inv = await db.select().from(invitations).where(eq(invitations.tenantId, dst.tenant.id));
    expect(inv.map((i) => [i.email, i.role])).toEqual([[stranger, "agent"]]);
    const mail = await db.select().from(mailOutbox).where(eq(mailOutbox.to, stranger));
    expect(mail.map((m) => m.kind)).toEqual(["invitation"]);
  });

  it("a file that is not a backup is refused at once (422, nothing kept); another tenant's backup is 404", async () => {
    const t = await makeTenant();
    const other = await makeTenant();
    const up = await upload(t, new TextEncoder().encode("not a zip at all"));
    expect(up.status).toBe(422);
    expect(up.headers.get("content-type")).toContain("application/problem+json");
    expect((await up.json<{ detail: string }>()).detail).toMatch(/not a readable backup/);
    expect((await E.BLOB_EU.list({ prefix: `t/${t.tenant.id}/backups/` })).objects).toEqual([]);
    const start = await call("/api/v1/backups", { method: "POST", key: other.key });
    const id = (await start.json<{ id: string }>()).id;
    expect((await call(`/api/v1/backups/${id}/download`, { key: t.key })).status).toBe(404);
  });
});

// ---- Helpers for crafted archives -----------------------------------------------------------------

const NUMBER = "+33612345678";
const OTHER_NUMBER = "+33698765432";
const json = (name: string, value: unknown): ZipEntry => ({ name, data: JSON.stringify(value) });
const ndjson = (table: string, rows: Json[]): ZipEntry => ({
  name: `tables/${table}/00001.ndjson`,
  data: rows.map((r) => JSON.stringify(r)).join("\n"),
});
/** A source organisation that no longer exists (the usual restore after a loss). */
const gone = () => ({ tenantId: `ten_gone${crypto.randomUUID().slice(0, 8)}`, location: "eu" });

/**
 * A signed archive, made with the platform's own signer — what only the platform (or someone
 * holding its key) can make: the rewriting of the restore must hold even then.
 */
async function signedArchive(source: { tenantId: string; location: string }, entries: ZipEntry[]) {
  const key = `scratch/${crypto.randomUUID()}.zip`;
  await writeSignedBackup(E, E.CONTROL_BUCKET, key, source, entries);
  const bytes = new Uint8Array(await (await E.CONTROL_BUCKET.get(key))!.arrayBuffer());
  await E.CONTROL_BUCKET.delete(key);
  return bytes;
}

const upload = (t: TestTenant, zip: Uint8Array) =>
  call("/api/v1/backups/restore", {
    method: "POST",
    key: t.key,
    body: zip,
    headers: { "content-type": "application/zip", "content-length": String(zip.byteLength) },
  });

/** Upload, then drive the restore job to its end; it must succeed. */
async function restored(t: TestTenant, zip: Uint8Array) {
  const up = await upload(t, zip);
  expect(up.status, await up.clone().text()).toBe(202);
  const job = await drive((await up.json<{ id: string }>()).id, 200);
  expect(job?.status, String(job?.error)).toBe("done");
  return job!;
}

async function backupOf(t: TestTenant): Promise<Uint8Array> {
  const start = await call("/api/v1/backups", { method: "POST", key: t.key });
  const job = await drive((await start.json<{ id: string }>()).id);
  expect(job?.status, String(job?.error)).toBe("done");
  return new Uint8Array(await (await get(t, `/backups/${job!.id}/download`)).arrayBuffer());
}

const callRow = (source: string, id: string, extra: Json = {}): Json => ({
  id,
  tenant_id: source,
  create_hash: "h",
  status: "done",
  started_at: Date.now() - 3_600_000,
  rec_status: "none",
  attempts: 0,
  created_at: Date.now() - 3_600_000,
  updated_at: Date.now() - 3_600_000,
  ...extra,
});

async function executedPrivacy(t: TestTenant, body: Json) {
  const r = await (await call("/api/v1/privacy-requests", { method: "POST", key: t.key, json: body })).json<{
    id: string;
  }>();
  const act = (b: Json) =>
    call(`/api/v1/privacy-requests/${r.id}/actions`, { method: "POST", key: t.key, json: b });
  expect((await act({ action: "verify_identity", method: "callback_known_number" })).status).toBe(200);
  const ex = await act({ action: "execute" });
  expect(ex.status, await ex.clone().text()).toBe(200);
  const view = await ex.json<{ execution: { jobId: string | null } }>();
  if (view.execution.jobId) expect((await drive(view.execution.jobId))?.status).toBe("done");
  return r.id;
}

async function newCall(t: TestTenant, body: Json) {
  const r = await call("/api/v1/calls", { method: "POST", key: t.key, json: body });
  expect(r.status, await r.clone().text()).toBe(201);
  return r.json<Json & { id: string; status: string }>();
}

describe("restore: the archive never says whose a row is or where an object goes (issue 12)", () => {
  it("a row carrying another tenant's tenant_id lands in the target, never in that tenant", async () => {
    const victim = await makeTenant();
    const dst = await makeTenant(); // same location and data plane as the victim
    const src = gone();
    const now = Date.now();
    const planted = `agt_planted${now}`;
    const zip = await signedArchive(src, [
      ndjson("agents", [
        {
          id: planted,
          tenant_id: victim.tenant.id,
          external_id: "X-1",
          name: "Planted",
          created_at: now,
          updated_at: now,
        },
      ]),
      ndjson("privacy_restrictions", [
        // An agent restriction (not re-keyed) addressed to the victim.
        {
          tenant_id: victim.tenant.id,
          subject_type: "agent",
          subject_ref: planted,
          kind: "restriction",
          request_id: "prq_x",
          created_at: now,
        },
      ]),
    ]);
    const job = await restored(dst, zip);
    expect(job.result).toMatchObject({ rows: { agents: 1, privacy_restrictions: 1 } });
    const dp = dataPlane(E, dst.tenant);
    const rows = await dp.d1
      .prepare(
        "select tenant_id from agents where id = ? union all select tenant_id from privacy_restrictions where subject_ref = ?",
      )
      .bind(planted, planted)
      .all<{ tenant_id: string }>();
    expect(rows.results.map((r) => r.tenant_id)).toEqual([dst.tenant.id, dst.tenant.id]);
    expect((await call(`/api/v1/agents/${planted}`, { key: victim.key })).status).toBe(404);
    expect((await call(`/api/v1/agents/${planted}`, { key: dst.key })).status).toBe(200);
  });

  it("an object key under another tenant's prefix is never restored: the key is rebuilt from ids, the victim's recording stays unreachable", async () => {
    const victim = await makeTenant();
    const wav = makeWav(1);
    const vCall = await analysedCall(victim, "V-1", "Agent: Bonjour.\nCustomer: Ma facture est fausse.", wav);
    const vRow = (await dataPlane(E, victim.tenant).db.query.calls.findFirst({
      where: eq(calls.id, vCall),
    }))!;
    expect(vRow.recKey).toMatch(new RegExp(`^t/${victim.tenant.id}/`));
    const vAnalysis = (await dataPlane(E, victim.tenant).db.query.analyses.findFirst({
      where: eq(analyses.callId, vCall),
    }))!;

    const dst = await makeTenant();
    const src = gone();
    const stolen = `cal_stolen${Date.now()}`;
    const own = `cal_own${Date.now()}`;
    const zip = await signedArchive(src, [
      ndjson("calls", [
        // Points at the victim's recording…
        callRow(src.tenantId, stolen, {
          rec_key: vRow.recKey,
          rec_status: "stored",
          rec_mime: "audio/wav",
          rec_size: wav.byteLength,
          analysis_id: "ana_stolen",
        }),
        // …and the source's own prefix, but another call's folder.
        callRow(src.tenantId, own, {
          rec_key: `t/${src.tenantId}/calls/${stolen}/recording-abc`,
          rec_status: "stored",
          rec_mime: "audio/wav",
        }),
      ]),
      ndjson("analyses", [
        {
          id: "ana_stolen",
          tenant_id: src.tenantId,
          call_id: stolen,
          run_id: "run_1",
          rubric_id: "rub_1",
          rubric_version: 1,
          engine: "builtin",
          evaluated_weight_pct: 100,
          critical_fail: 0,
          needs_review: 0,
          result_key: vAnalysis.resultKey,
          created_at: Date.now(),
        },
      ]),
    ]);
    const job = await restored(dst, zip);
    expect(job.result).toMatchObject({ leftOut: { refusedKeys: 2 } });
    // The recording of the victim is not served to the restorer.
    const rec = await call(`/api/v1/calls/${stolen}/recording`, { key: dst.key });
    expect(rec.status).toBe(404);
    expect((await call(`/api/v1/calls/${own}/recording`, { key: dst.key })).status).toBe(404);
    const dp = dataPlane(E, dst.tenant);
    const restoredRows = await dp.db.select().from(calls).where(eq(calls.tenantId, dst.tenant.id));
    expect(restoredRows.map((c) => [c.id, c.recKey, c.recStatus]).sort()).toEqual(
      [
        [own, null, "none"],
        [stolen, null, "none"],
      ].sort(),
    );
    // The analysis row's key is rebuilt under the target from its ids.
    const an = await dp.db.query.analyses.findFirst({ where: eq(analyses.id, "ana_stolen") });
    expect(an?.resultKey).toBe(`t/${dst.tenant.id}/calls/${stolen}/analysis-ana_stolen.json`);
    expect((await call(`/api/v1/calls/${stolen}/analysis`, { key: dst.key })).status).not.toBe(200);
    // The victim still has its own.
    expect(new Uint8Array(await (await get(victim, `/calls/${vCall}/recording`)).arrayBuffer())).toEqual(wav);
  });

  it("every data-plane table has a restore rule (a new table is a decision, not a silent copy)", async () => {
    const tables = await tenantTables(E.DATA_EU_1 as unknown as D1Database);
    expect(tables.filter((t) => !(t in TABLE_RULES))).toEqual([]);
  });
});

describe("restore: bounded, resumable steps (issue 12)", () => {
  it("a restore cut into many small steps, each run twice as after a crash, gives the same data; no step nears 1,000 statements", async () => {
    const src = await makeTenant({ location: "eu" });
    await call("/api/v1/agents", {
      method: "POST",
      key: src.key,
      json: { name: "Alice", externalId: "A-1" },
    });
    const wav = makeWav(1);
    const a = await analysedCall(src, "ST-1", "Agent: Bonjour.\nCustomer: Ma facture est fausse.", wav);
    const b = await analysedCall(src, "ST-2", "Agent: Bonjour.\nCustomer: Ma livraison est en retard.");
    const zip = await backupOf(src);

    const dst = await makeTenant({ location: "us" });
    const up = await upload(dst, zip);
    expect(up.status).toBe(202);
    const jobId = (await up.json<{ id: string }>()).id;
    const saved = { ...RESTORE_LIMITS };
    Object.assign(RESTORE_LIMITS, { d1: 3, r2: 2, bytes: 1 });
    const prepares = [vi.spyOn(E.DATA_US_1, "prepare"), vi.spyOn(E.CONTROL_DB, "prepare")];
    let steps = 0;
    let most = 0;
    try {
      for (; steps < 200; steps++) {
        const j = await getJob(E, jobId);
        if (!j || (j.status !== "running" && j.status !== "queued")) break;
        for (const p of prepares) p.mockClear();
        // A run whose progress is never saved (killed before the save), then the real one.
        await restoreStep(E, j).catch(() => undefined);
        await runJobStep(E, { jobId, step: j.steps });
        most = Math.max(
          most,
          prepares.reduce((n, p) => n + p.mock.calls.length, 0),
        );
      }
    } finally {
      Object.assign(RESTORE_LIMITS, saved);
    }
    const job = await getJob(E, jobId);
    expect(job?.status, String(job?.error)).toBe("done");
    expect(steps).toBeGreaterThan(10);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThan(300);
    const list = async (t: TestTenant) =>
      ((await (await get(t, "/calls?limit=50")).json()) as { data: Json[] }).data.map(strip);
    expect(await list(dst)).toEqual(await list(src));
    for (const id of [a, b])
      expect(await (await get(dst, `/calls/${id}/transcript`)).json()).toEqual(
        await (await get(src, `/calls/${id}/transcript`)).json(),
      );
    expect(new Uint8Array(await (await get(dst, `/calls/${a}/recording`)).arrayBuffer())).toEqual(wav);
    const found = (await (await get(dst, "/calls?q=livraison")).json()) as { data: { id: string }[] };
    expect(found.data.map((c) => c.id)).toEqual([b]);
    expect(job!.result).toMatchObject({ rows: { agents: 1, calls: 2 }, ftsIndexed: 2 });
  });
});

describe("restore: signed archives only (issue 12)", () => {
  it("an unsigned archive, a forged signature, a changed row and a changed manifest are each refused with 422; nothing is kept", async () => {
    const dst = await makeTenant();
    const src = gone();
    const now = Date.now();
    const agentRow = {
      id: `agt_s${now}`,
      tenant_id: src.tenantId,
      name: "Alice",
      created_at: now,
      updated_at: now,
    };
    const good = await signedArchive(src, [ndjson("agents", [agentRow])]);
    const files = unzipSync(good);
    const detailOf = async (zip: Uint8Array) => {
      const r = await upload(dst, zip);
      expect(r.status).toBe(422);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
      return (await r.json<{ detail: string }>()).detail;
    };
    // Unsigned (the old format: a manifest first, no signature).
    expect(
      await detailOf(
        zipSync({
          "manifest.json": strToU8(
            JSON.stringify({ format: "ccr-tenant-backup", version: 1, tenantId: src.tenantId }),
          ),
          "tables/agents/00001.ndjson": strToU8(JSON.stringify(agentRow)),
        }),
      ),
    ).toMatch(/not signed/);
    // A forged signature.
    expect(
      await detailOf(zipSync({ ...files, "manifest.sig": strToU8(JSON.stringify({ mac: "0".repeat(64) })) })),
    ).toMatch(/signature does not verify/);
    // A changed row (the directory's CRC no longer matches the signed manifest).
    const changed = strToU8(JSON.stringify({ ...agentRow, name: "Mallory" }));
    expect(await detailOf(zipSync({ ...files, "tables/agents/00001.ndjson": changed }))).toMatch(
      /does not match the signed manifest/,
    );
    // The manifest made to agree with the changed row: the signature breaks.
    const m = JSON.parse(strFromU8(files["manifest.json"])) as { entries: Json[] };
    m.entries[0] = {
      ...m.entries[0],
      size: changed.length,
      crc32: crc32Update(0, changed),
      sha256: await sha256Hex(changed),
    };
    expect(
      await detailOf(
        zipSync({
          ...files,
          "tables/agents/00001.ndjson": changed,
          "manifest.json": strToU8(JSON.stringify(m)),
        }),
      ),
    ).toMatch(/signature does not verify/);
    // Claiming another source breaks it too.
    const claimed = JSON.parse(strFromU8(files["manifest.json"])) as Json;
    expect(
      await detailOf(
        zipSync({
          ...files,
          "manifest.json": strToU8(JSON.stringify({ ...claimed, tenantId: dst.tenant.id })),
        }),
      ),
    ).toMatch(/signature does not verify/);
    // Nothing was kept, nothing restored; the refusals are audited; the original still restores.
    expect((await E.BLOB_EU.list({ prefix: `t/${dst.tenant.id}/backups/` })).objects).toEqual([]);
    expect((await call(`/api/v1/agents/${agentRow.id}`, { key: dst.key })).status).toBe(404);
    const refusals = await dst.ctx.env.CONTROL_DB.prepare(
      "select count(*) as n from audit_log where tenant_id = ? and action = 'backup.restore_refused'",
    )
      .bind(dst.tenant.id)
      .first<{ n: number }>();
    expect(refusals?.n).toBe(5);
    await restored(dst, good);
    expect((await call(`/api/v1/agents/${agentRow.id}`, { key: dst.key })).status).toBe(200);
  });

  it("a lying entry (its bytes changed under an unchanged directory) is refused with 422", async () => {
    const dst = await makeTenant();
    const src = gone();
    const payload = new Uint8Array(70_000).map((_, i) => (i * 7) % 251);
    const zip = await signedArchive(src, [
      { name: "objects/calls/cal_x/recording-abc", data: new Blob([payload]).stream(), compress: false },
    ]);
    // Flip one byte inside the stored entry's data; the directory and manifest stay as signed.
    const at = indexOf(zip, payload.subarray(0, 64)) + 30_000;
    const lying = zip.slice();
    lying[at] ^= 0xff;
    const r = await upload(dst, lying);
    expect(r.status).toBe(422);
    expect((await r.json<{ detail: string }>()).detail).toMatch(/recording-abc.*CRC-32 does not match/);
  });
});

describe("restore from the portal (issue 12)", () => {
  it("a file that was changed is refused with a readable page, in English and in French", async () => {
    const t = await makeTenant();
    const src = gone();
    const now = Date.now();
    const row = {
      id: `agt_p${now}`,
      tenant_id: src.tenantId,
      name: "Alice",
      created_at: now,
      updated_at: now,
    };
    const files = unzipSync(await signedArchive(src, [ndjson("agents", [row])]));
    const tampered = zipSync({
      ...files,
      "tables/agents/00001.ndjson": strToU8(JSON.stringify({ ...row, name: "Eve" })),
    });
    const cookie = await loginCookie(t.users.admin.email);
    const post = () =>
      postMultipart("/security/backups/restore", cookie, {
        file: new File([tampered], "backup.zip", { type: "application/zip" }),
      });
    const en = await post();
    expect(en.status).toBe(422);
    expect(await en.text()).toContain(
      "it is not a backup made by CallCenterRate, or it was changed after it was made",
    );
    await controlDb(E).update(users).set({ locale: "fr" }).where(eq(users.id, t.users.admin.id));
    const fr = await post();
    expect(fr.status).toBe(422);
    expect(await fr.text()).toContain("ce n&#39;est pas une sauvegarde faite par CallCenterRate");
    expect((await call(`/api/v1/agents/${row.id}`, { key: t.key })).status).toBe(404);
  });
});

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error("not found");
}

describe("ZIP reader: declared size and CRC are checked while streaming", () => {
  const text = strToU8("hello backup ".repeat(5000));
  async function stored(zip: Uint8Array) {
    const key = `scratch/${crypto.randomUUID()}.zip`;
    await E.CONTROL_BUCKET.put(key, zip);
    return key;
  }
  /** Patch the central-directory record of the only entry (offsets per APPNOTE 4.3.12). */
  function patchCd(zip: Uint8Array, field: "crc" | "size", value: number) {
    const out = zip.slice();
    const v = new DataView(out.buffer);
    const cd = v.getUint32(out.length - 22 + 16, true);
    v.setUint32(cd + (field === "crc" ? 16 : 24), value >>> 0, true);
    return out;
  }
  /** Both readers: the ranged one (restore job) and the sequential one (upload check) agree. */
  const readAll = async (key: string) => {
    const dir = await readZipDirectory(E.CONTROL_BUCKET, key);
    const ranged = await verifyZipEntry(E.CONTROL_BUCKET, key, dir, dir.entries[0]).catch((e: Error) => e);
    const sequential = await verifyZipEntries(E.CONTROL_BUCKET, key, dir, dir.entries).catch((e: Error) => e);
    expect(String(sequential)).toBe(String(ranged));
    if (ranged instanceof Error) throw ranged;
  };

  it("a true entry reads; a deflated entry inflating to more or fewer bytes than declared, or with another CRC, errors", async () => {
    const zip = zipSync({ "a.txt": text }, { level: 6 });
    await expect(readAll(await stored(zip))).resolves.toBeUndefined();
    await expect(readAll(await stored(patchCd(zip, "size", text.length - 1)))).rejects.toThrow(
      /size does not match/,
    );
    await expect(readAll(await stored(patchCd(zip, "size", text.length + 1)))).rejects.toThrow(
      /size does not match/,
    );
    await expect(readAll(await stored(patchCd(zip, "crc", crc32Update(0, text) ^ 1)))).rejects.toThrow(
      /CRC-32 does not match/,
    );
  });

  it("unsafe names and overlapping entries are refused", async () => {
    const bad = zipSync({ "../evil.txt": strToU8("x") });
    await expect(readZipDirectory(E.CONTROL_BUCKET, await stored(bad))).rejects.toThrow(/unsafe/);
    const two = zipSync({ "a.txt": text, "b.txt": text }, { level: 0 });
    // Point the second entry at the first one's bytes.
    const out = two.slice();
    const v = new DataView(out.buffer);
    const cd = v.getUint32(out.length - 22 + 16, true);
    const second = cd + 46 + v.getUint16(cd + 28, true);
    v.setUint32(second + 42, 0, true);
    await expect(readZipDirectory(E.CONTROL_BUCKET, await stored(out))).rejects.toThrow(/overlaps/);
  });
});

describe("restore: privacy follows the backup; erasures and retention are re-applied (issue 12)", () => {
  it("a restored objection still matches in the other organisation; caller restrictions and phone hashes are re-keyed", async () => {
    const src = await makeTenant({ location: "eu" });
    const c = await newCall(src, {
      customerPhone: NUMBER,
      transcript: { format: "text", content: "Agent: Bonjour." },
    });
    await executedPrivacy(src, { kind: "objection", subject: { type: "caller", phone: NUMBER } });
    await executedPrivacy(src, { kind: "restriction", subject: { type: "caller", phone: OTHER_NUMBER } });
    const zip = await backupOf(src);

    const dst = await makeTenant({ location: "us" });
    await restored(dst, zip);
    const dp = dataPlane(E, dst.tenant);
    const hash = await phoneHash(E, dst.tenant.id, NUMBER);
    const row = (await dp.db.query.calls.findFirst({ where: eq(calls.id, c.id) }))!;
    expect(row).toMatchObject({ tenantId: dst.tenant.id, phoneHash: hash });
    expect(await decryptString(E.ENCRYPTION_KEY, row.phoneEnc!, `phone:${dst.tenant.id}`)).toBe(NUMBER);
    const sup = await dp.db
      .select()
      .from(privacySuppressions)
      .where(eq(privacySuppressions.tenantId, dst.tenant.id));
    expect(sup.map((x) => [x.phoneHash, x.reason])).toEqual([[hash, "objection"]]);
    const res = await dp.db
      .select()
      .from(privacyRestrictions)
      .where(eq(privacyRestrictions.tenantId, dst.tenant.id));
    expect(res.map((x) => [x.subjectRef, x.kind])).toEqual([
      [await phoneHash(E, dst.tenant.id, OTHER_NUMBER), "restriction"],
    ]);
    // The person's next call in the new organisation is held, as it would have been in the old.
    expect(
      await newCall(dst, {
        customerPhone: NUMBER,
        transcript: { format: "text", content: "Customer: Allô." },
      }),
    ).toMatchObject({
      status: "held",
      holdReason: "objection",
    });
  });

  it("a call erased after the backup is not brought back (and its number stays suppressed); expired data is not either", async () => {
    const src = await makeTenant({ location: "eu" });
    const day = 86_400_000;
    const erased = await newCall(src, {
      customerPhone: NUMBER,
      transcript: { format: "text", content: "Agent: Bonjour." },
    });
    const kept = await newCall(src, {
      customerPhone: OTHER_NUMBER,
      transcript: { format: "text", content: "Agent: Bonjour." },
    });
    // Default retention: recordings and transcripts 6 months, analyses 12 months.
    const ancient = await newCall(src, {
      startedAt: Date.now() - 400 * day,
      transcript: { format: "text", content: "Agent: Bonjour.\nCustomer: Une vieille facture." },
    });
    const old = await newCall(src, {
      startedAt: Date.now() - 250 * day,
      transcript: { format: "text", content: "Agent: Bonjour.\nCustomer: Ma livraison est en retard." },
    });
    for (const id of [kept.id, ancient.id, old.id])
      for (let i = 0; i < 200; i++) {
        if (((await (await get(src, `/calls/${id}`)).json()) as Json).status === "done") break;
        await new Promise((r) => setTimeout(r, 50));
      }
    const zip = await backupOf(src);
    // After the backup, the caller asks for erasure in the source organisation.
    await executedPrivacy(src, { kind: "erasure", subject: { type: "caller", phone: NUMBER } });
    expect((await call(`/api/v1/calls/${erased.id}`, { key: src.key })).status).toBe(404);

    const dst = await makeTenant({ location: "us" });
    const job = await restored(dst, zip);
    expect(job.result).toMatchObject({
      leftOut: { erased: { calls: 1 }, expired: { calls: 1, transcripts: 1 } },
    });
    expect((await call(`/api/v1/calls/${erased.id}`, { key: dst.key })).status).toBe(404);
    expect((await call(`/api/v1/calls/${ancient.id}`, { key: dst.key })).status).toBe(404);
    expect((await call(`/api/v1/calls/${kept.id}`, { key: dst.key })).status).toBe(200);
    // The 250-day-old call: its transcript expired (not restored, not searchable), its analysis not.
    expect((await call(`/api/v1/calls/${old.id}`, { key: dst.key })).status).toBe(200);
    expect((await call(`/api/v1/calls/${old.id}/transcript`, { key: dst.key })).status).toBe(404);
    expect((await call(`/api/v1/calls/${old.id}/analysis`, { key: dst.key })).status).toBe(200);
    expect(
      (await E.BLOB_US.list({ prefix: `t/${dst.tenant.id}/calls/${old.id}/transcript` })).objects,
    ).toEqual([]);
    expect((await E.BLOB_US.list({ prefix: `t/${dst.tenant.id}/calls/${erased.id}/` })).objects).toEqual([]);
    // The erased number is on the target's suppression list.
    expect(await newCall(dst, { customerPhone: NUMBER })).toMatchObject({
      status: "held",
      holdReason: "objection",
    });
    // The restored counts are audited in the target.
    const audit = await E.CONTROL_DB.prepare(
      "select meta from audit_log where tenant_id = ? and action = 'backup.restored'",
    )
      .bind(dst.tenant.id)
      .first<{ meta: string }>();
    expect(JSON.parse(audit!.meta)).toMatchObject({
      calls: 2,
      erasedCalls: 1,
      expiredCalls: 1,
      sourceTenantId: src.tenant.id,
    });
  });
  it("a review of an analysis that expired is not restored either: nothing names an analysis the target lacks (review)", async () => {
    const src = await makeTenant({ location: "eu" });
    const day = 86_400_000;
    const c = await newCall(src, {
      startedAt: Date.now() - 5 * day,
      transcript: { format: "text", content: "Agent: Bonjour.\nCustomer: Ma facture est fausse." },
    });
    for (let i = 0; i < 200; i++) {
      if (((await (await get(src, `/calls/${c.id}`)).json()) as Json).status === "done") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await saveReview(asRole(src, "supervisor"), c.id, { overrides: {}, finalize: true, comment: "ok" });
    // Evaluations kept 2 days (set after the call was reviewed: the source's own purge has not run).
    const put = await call("/api/v1/settings/retention", {
      method: "PUT",
      key: src.key,
      json: { analyses: 2 },
    });
    expect(put.status).toBe(200);
    const zip = await backupOf(src);

    const dst = await makeTenant({ location: "us" });
    await restored(dst, zip);
    expect((await call(`/api/v1/calls/${c.id}`, { key: dst.key })).status).toBe(200);
    expect((await call(`/api/v1/calls/${c.id}/analysis`, { key: dst.key })).status).not.toBe(200);
    const dp = dataPlane(E, dst.tenant);
    const reviews = await dp.d1
      .prepare("select analysis_id from reviews where tenant_id = ?")
      .bind(dst.tenant.id)
      .all<{ analysis_id: string }>();
    expect(reviews.results).toEqual([]);
    const row = await dp.db.query.calls.findFirst({ where: eq(calls.id, c.id) });
    expect(row).toMatchObject({ analysisId: null, reviewedScore: null });
  });
});
