import { and, eq } from "drizzle-orm";
import { strToU8, zipSync } from "fflate";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import "../workers/job-handlers";
import { getJob, runJobStep } from "../core/jobs";
import { controlDb } from "../db/client";
import {
  apiKeys,
  invitations,
  mailOutbox,
  memberships,
  supportTickets,
  webhookEndpoints,
} from "../db/schema/control";
import { makeWav } from "./fixtures";
import { call, E, makeTenant, type TestTenant } from "./helpers";

type Json = Record<string, unknown>;
beforeEach(() => {
  vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
});
afterEach(() => vi.restoreAllMocks());

async function drive(jobId: string) {
  for (let i = 0; i < 20; i++) {
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
    const zip = zipSync({
      "manifest.json": strToU8(
        JSON.stringify({ format: "ccr-tenant-backup", version: 1, tenantId: "ten_gone" }),
      ),
      "control/members.json": strToU8(
        JSON.stringify([
          { email: known.users.viewer.email, role: "supervisor" },
          { email: stranger, role: "agent" },
          { email: "not-an-address", role: "viewer" },
          { email: `x.${Date.now()}@example.test`, role: "superuser" },
        ]),
      ),
      "control/webhooks.json": strToU8(
        JSON.stringify([
          { url: "https://hooks.example.com/a", events: ["call.failed"], description: null, active: true },
          { url: "http://127.0.0.1/internal", events: ["call.failed"], description: null, active: true },
        ]),
      ),
      "control/support.json": strToU8(JSON.stringify({ tickets: [{}, {}], messages: [] })),
    });
    const up = await call("/api/v1/backups/restore", {
      method: "POST",
      key: dst.key,
      body: zip,
      headers: { "content-type": "application/zip", "content-length": String(zip.byteLength) },
    });
    const job = await drive((await up.json<{ id: string }>()).id);
    expect(job?.status, String(job?.error)).toBe("done");
    const r = job!.result as {
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

  it("a file that is not a backup fails the restore job; another tenant's backup is 404", async () => {
    const t = await makeTenant();
    const other = await makeTenant();
    const bogus = new TextEncoder().encode("not a zip at all");
    const up = await call("/api/v1/backups/restore", {
      method: "POST",
      key: t.key,
      body: bogus,
      headers: { "content-type": "application/zip", "content-length": String(bogus.byteLength) },
    });
    expect(up.status).toBe(202);
    const job = await drive((await up.json<{ id: string }>()).id);
    expect(job?.status).toBe("failed");
    const start = await call("/api/v1/backups", { method: "POST", key: other.key });
    const id = (await start.json<{ id: string }>()).id;
    expect((await call(`/api/v1/backups/${id}/download`, { key: t.key })).status).toBe(404);
  });
});
