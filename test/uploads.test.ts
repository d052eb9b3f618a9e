import { describe, expect, it, vi } from "vitest";
import { MIN_PART_BYTES, sweepAbandonedUploads, UPLOAD_TTL_MS } from "../core/calls/uploads";
import { sha256Hex } from "../core/platform/crypto";
import { makeWav } from "./fixtures";
import { call, E, makeTenant, type TestTenant } from "./helpers";

/**
 * Multipart uploads (B1, B2; issue 17 point 5) against the R2 simulation: the declared plan, a
 * part of the wrong size refused from its Content-Length, a client that goes away mid-part, and
 * the sweep that aborts uploads left open past 24 h.
 */

type Upload = {
  uploadId: string;
  status: string;
  size: number | null;
  partSize: number;
  parts: number | null;
  lastPartSize: number | null;
  expiresAt: string;
};

const put = (t: TestTenant, path: string, body: BodyInit, headers: Record<string, string> = {}) =>
  call(path, {
    method: "PUT",
    key: t.key,
    body,
    headers: { "content-type": "application/octet-stream", ...headers },
  });

async function startFile(t: TestTenant, decl: unknown) {
  return call("/api/v1/uploads", { method: "POST", key: t.key, json: decl });
}

function bytesOf(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/**
 * A body that ends after `sent` bytes of a longer declared Content-Length: what the Worker sees
 * when the client goes away mid-body (a dropped connection ends the request stream short).
 */
function cutOff(sent: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      c.enqueue(sent);
      c.close();
    },
  });
}

describe("multipart uploads: declared size and part size (17.5)", () => {
  it("an import file: plan from the declaration, exact parts, assembled object of the declared size", async () => {
    const t = await makeTenant();
    const size = MIN_PART_BYTES + 1000;
    const res = await startFile(t, { size, partSize: MIN_PART_BYTES });
    expect(res.status).toBe(201);
    const u = (await res.json()) as Upload;
    expect(u).toMatchObject({ status: "open", size, partSize: MIN_PART_BYTES, parts: 2, lastPartSize: 1000 });
    expect(Date.parse(u.expiresAt) - Date.now()).toBeGreaterThan(UPLOAD_TTL_MS - 60_000);
    const file = bytesOf(size);
    const p1 = file.slice(0, MIN_PART_BYTES);
    const r1 = await put(t, `/api/v1/uploads/${u.uploadId}/parts/1`, p1, {
      "x-checksum-sha256": await sha256Hex(p1),
    });
    expect(r1.status).toBe(200);
    expect((await put(t, `/api/v1/uploads/${u.uploadId}/parts/2`, file.slice(MIN_PART_BYTES))).status).toBe(
      200,
    );
    const done = await call(`/api/v1/uploads/${u.uploadId}/complete`, { method: "POST", key: t.key });
    expect(done.status).toBe(200);
    expect(((await done.json()) as Upload).status).toBe("completed");
    const obj = await E.BLOB_EU.get(`t/${t.tenant.id}/imports/${u.uploadId}/file`);
    expect(new Uint8Array(await obj!.arrayBuffer())).toEqual(file);
  });

  it("a part of the wrong size is refused before it is read, naming the expected size (problem+json)", async () => {
    const t = await makeTenant();
    const u = (await (await startFile(t, { size: MIN_PART_BYTES + 10 })).json()) as Upload;
    expect(u).toMatchObject({ partSize: 16 * 1024 * 1024, parts: 1, lastPartSize: MIN_PART_BYTES + 10 });
    const res = await put(t, `/api/v1/uploads/${u.uploadId}/parts/1`, bytesOf(MIN_PART_BYTES));
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const p = (await res.json()) as { detail: string; errors: { pointer: string; detail: string }[] };
    expect(p.detail).toContain(`exactly ${MIN_PART_BYTES + 10} bytes`);
    expect(p.detail).toContain(`this one is ${MIN_PART_BYTES}`);
    expect(p.errors).toEqual([{ pointer: "/content-length", detail: `expected ${MIN_PART_BYTES + 10}` }]);
    // A part past the plan is refused too.
    const extra = await put(t, `/api/v1/uploads/${u.uploadId}/parts/2`, bytesOf(10));
    expect(extra.status).toBe(400);
    expect(((await extra.json()) as { detail: string }).detail).toContain("there is no part 2");
    // Nothing reached R2's part list: completion names the missing part.
    const done = await call(`/api/v1/uploads/${u.uploadId}/complete`, { method: "POST", key: t.key });
    expect(done.status).toBe(409);
    expect(((await done.json()) as { detail: string }).detail).toContain("Part 1 is missing");
  });

  it("a declaration is required for import files and checked field by field", async () => {
    const t = await makeTenant();
    const none = await startFile(t, {});
    expect(none.status, "none").toBe(400);
    expect(((await none.json()) as { errors: { pointer: string }[] }).errors.map((e) => e.pointer)).toContain(
      "/size",
    );
    const small = await startFile(t, { size: 10, partSize: 1024 });
    expect(small.status, "small").toBe(400);
    expect(((await small.json()) as { errors: { pointer: string }[] }).errors[0].pointer).toBe("/partSize");
    // A part must fit in one request (100 MB here).
    const huge = await startFile(t, { size: 300 * 1024 ** 2, partSize: 150 * 1024 ** 2 });
    expect(huge.status, "huge").toBe(400);
    expect(((await huge.json()) as { detail: string }).detail).toContain(
      "partSize is at most 104857600 bytes",
    );
  });

  it("a recording upload declared by size refuses a short first part; undeclared ones still work", async () => {
    const t = await makeTenant();
    const c = (await (await call("/api/v1/calls", { method: "POST", key: t.key, json: {} })).json()) as {
      id: string;
    };
    const wav = makeWav(400); // 6.4 MB
    const up = await call(`/api/v1/calls/${c.id}/recording/uploads`, {
      method: "POST",
      key: t.key,
      json: { size: wav.length, partSize: MIN_PART_BYTES },
    });
    expect(up.status).toBe(201);
    const u = (await up.json()) as Upload;
    expect(u).toMatchObject({ size: wav.length, parts: 2, lastPartSize: wav.length - MIN_PART_BYTES });
    const base = `/api/v1/calls/${c.id}/recording/uploads/${u.uploadId}`;
    const wrong = await put(t, `${base}/parts/1`, wav.slice(0, MIN_PART_BYTES + 1));
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { detail: string }).detail).toContain(`exactly ${MIN_PART_BYTES} bytes`);
    expect((await put(t, `${base}/parts/1`, wav.slice(0, MIN_PART_BYTES))).status).toBe(200);
    expect((await put(t, `${base}/parts/2`, wav.slice(MIN_PART_BYTES))).status).toBe(200);
    const done = await call(`${base}/complete`, { method: "POST", key: t.key });
    expect(done.status).toBe(200);
    expect(((await done.json()) as { recording: { size: number } }).recording.size).toBe(wav.length);
    // `{}` (what older clients send) opens an undeclared upload.
    const c2 = (await (await call("/api/v1/calls", { method: "POST", key: t.key, json: {} })).json()) as {
      id: string;
    };
    const legacy = await call(`/api/v1/calls/${c2.id}/recording/uploads`, {
      method: "POST",
      key: t.key,
      json: {},
    });
    expect(legacy.status).toBe(201);
    expect(await legacy.json()).toMatchObject({ size: null, parts: null, partSize: 16 * 1024 * 1024 });
  });
});

describe("multipart uploads: client aborts and abandoned uploads (17.5)", () => {
  it("a part cut off by the client is an aborted part: 400, logged at info, nothing kept, sent again fine", async () => {
    const t = await makeTenant();
    const size = MIN_PART_BYTES + 100;
    const u = (await (await startFile(t, { size, partSize: MIN_PART_BYTES })).json()) as Upload;
    const file = bytesOf(size, 7);
    const info = vi.spyOn(console, "log");
    const errors = vi.spyOn(console, "error");
    const res = await put(t, `/api/v1/uploads/${u.uploadId}/parts/1`, cutOff(file.slice(0, 1024 * 1024)), {
      "content-length": String(MIN_PART_BYTES),
    });
    expect(res.status).toBe(400);
    const p = (await res.json()) as { detail: string };
    expect(p.detail).toContain(`cut off after ${1024 * 1024} of ${MIN_PART_BYTES} bytes`);
    const logged = info.mock.calls
      .map((a) => String(a[0]))
      .find((l) => l.includes("upload aborted by the client"));
    expect(JSON.parse(logged!)).toMatchObject({ level: "info", uploadId: u.uploadId, part: 1 });
    expect(errors.mock.calls.map((a) => String(a[0])).join("\n")).not.toContain("unhandled");
    info.mockRestore();
    errors.mockRestore();
    const parts = await E.DATA_EU_1.prepare(
      "select count(*) as n from recording_upload_parts where upload_id = ?",
    )
      .bind(u.uploadId)
      .first<{ n: number }>();
    expect(parts!.n).toBe(0);
    // The upload stays open: the part is sent again and the file completes.
    expect(
      (await put(t, `/api/v1/uploads/${u.uploadId}/parts/1`, file.slice(0, MIN_PART_BYTES))).status,
    ).toBe(200);
    expect((await put(t, `/api/v1/uploads/${u.uploadId}/parts/2`, file.slice(MIN_PART_BYTES))).status).toBe(
      200,
    );
    expect(
      (await call(`/api/v1/uploads/${u.uploadId}/complete`, { method: "POST", key: t.key })).status,
    ).toBe(200);
  });

  it("a single-request recording cut off by the client: 400, the partial object removed, the call unchanged", async () => {
    const t = await makeTenant();
    const c = (await (await call("/api/v1/calls", { method: "POST", key: t.key, json: {} })).json()) as {
      id: string;
    };
    const wav = makeWav(10);
    const res = await put(t, `/api/v1/calls/${c.id}/recording`, cutOff(wav.slice(0, 64 * 1024)), {
      "content-length": String(wav.length),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toContain("nothing was kept");
    expect((await E.BLOB_EU.list({ prefix: `t/${t.tenant.id}/calls/${c.id}/` })).objects).toHaveLength(0);
    const after = (await (await call(`/api/v1/calls/${c.id}`, { key: t.key })).json()) as {
      recording: unknown;
    };
    expect(after.recording).toBeNull();
  });

  it("the 10-minute sweep aborts uploads open past 24 h: R2's parts are dropped, the rows end", async () => {
    const t = await makeTenant();
    const size = MIN_PART_BYTES + 10;
    const old = (await (await startFile(t, { size, partSize: MIN_PART_BYTES })).json()) as Upload;
    const fresh = (await (await startFile(t, { size, partSize: MIN_PART_BYTES })).json()) as Upload;
    expect((await put(t, `/api/v1/uploads/${old.uploadId}/parts/1`, bytesOf(MIN_PART_BYTES))).status).toBe(
      200,
    );
    const row = (id: string) =>
      E.DATA_EU_1.prepare("select status, r2_upload_id, object_key from recording_uploads where id = ?")
        .bind(id)
        .first<{ status: string; r2_upload_id: string; object_key: string }>();
    const before = (await row(old.uploadId))!;
    // Make `old` 25 hours old; `fresh` stays within its day.
    await E.DATA_EU_1.prepare("update recording_uploads set expires_at = ? where id = ?")
      .bind(Date.now() - 3600_000, old.uploadId)
      .run();
    expect(await sweepAbandonedUploads(E, Date.now())).toBeGreaterThanOrEqual(1);
    expect((await row(old.uploadId))!.status).toBe("aborted");
    expect((await row(fresh.uploadId))!.status).toBe("open");
    const parts = await E.DATA_EU_1.prepare(
      "select count(*) as n from recording_upload_parts where upload_id = ?",
    )
      .bind(old.uploadId)
      .first<{ n: number }>();
    expect(parts!.n).toBe(0);
    // At R2 the multipart upload is gone: its parts can no longer be assembled.
    const mpu = E.BLOB_EU.resumeMultipartUpload(before.object_key, before.r2_upload_id);
    await expect(mpu.complete([])).rejects.toThrow();
    expect(await E.BLOB_EU.head(before.object_key)).toBeNull();
    // The API says so.
    const late = await put(t, `/api/v1/uploads/${old.uploadId}/parts/2`, bytesOf(10));
    expect(late.status).toBe(409);
    expect(((await late.json()) as { detail: string }).detail).toContain("aborted");
  });

  it("an import file completed but never imported is removed by the sweep after its 24 h", async () => {
    const t = await makeTenant();
    const u = (await (await startFile(t, { size: 100 })).json()) as Upload;
    expect((await put(t, `/api/v1/uploads/${u.uploadId}/parts/1`, bytesOf(100))).status).toBe(200);
    expect(
      (await call(`/api/v1/uploads/${u.uploadId}/complete`, { method: "POST", key: t.key })).status,
    ).toBe(200);
    const key = `t/${t.tenant.id}/imports/${u.uploadId}/file`;
    expect(await E.BLOB_EU.head(key)).not.toBeNull();
    await sweepAbandonedUploads(E, Date.now());
    expect(await E.BLOB_EU.head(key)).not.toBeNull(); // still within its day
    await sweepAbandonedUploads(E, Date.now() + UPLOAD_TTL_MS + 60_000);
    expect(await E.BLOB_EU.head(key)).toBeNull();
    const row = await E.DATA_EU_1.prepare("select status from recording_uploads where id = ?")
      .bind(u.uploadId)
      .first<{ status: string }>();
    expect(row!.status).toBe("aborted");
  });
});
