import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import "../workers/job-handlers";
import { getJob, runJobStep } from "../core/jobs";
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

    // A second restore into the now non-empty tenant is refused.
    const again = await call("/api/v1/backups/restore", {
      method: "POST",
      key: dst.key,
      body: zip,
      headers: { "content-type": "application/zip", "content-length": String(zip.byteLength) },
    });
    expect(again.status).toBe(409);
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
