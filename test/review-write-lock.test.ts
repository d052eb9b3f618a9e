import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { MIN_PART_BYTES } from "../core/calls/uploads";
import { controlDb } from "../db/client";
import { tenants } from "../db/schema/control";
import { call, E, makeTenant, type TestTenant } from "./helpers";

/**
 * Review: while a job owns a tenant's call data (a location move, the contract-end deletion),
 * every write to the data plane is refused with 409 tenant-locked — including the multipart
 * uploads (rows and R2 parts in the source location, which the move then deletes or leaves
 * behind) and the review queue (its items live in the data plane too).
 */
const lock = (t: TestTenant, writeLock: "location_migration" | null) =>
  controlDb(E).update(tenants).set({ writeLock }).where(eq(tenants.id, t.tenant.id));

async function expectLocked(res: Response) {
  expect(res.status).toBe(409);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(((await res.json()) as { type: string }).type).toContain("tenant-locked");
}

describe("writes refused while the data moves (review)", () => {
  it("multipart uploads: opening, parts, completing and aborting wait for the move", async () => {
    const t = await makeTenant();
    const open = await call("/api/v1/uploads", { method: "POST", key: t.key, json: { size: 10 } });
    expect(open.status).toBe(201);
    const { uploadId } = (await open.json()) as { uploadId: string };
    await lock(t, "location_migration");
    await expectLocked(
      await call("/api/v1/uploads", { method: "POST", key: t.key, json: { size: MIN_PART_BYTES } }),
    );
    await expectLocked(
      await call(`/api/v1/uploads/${uploadId}/parts/1`, {
        method: "PUT",
        key: t.key,
        body: new Uint8Array(10),
        headers: { "content-type": "application/octet-stream" },
      }),
    );
    await expectLocked(await call(`/api/v1/uploads/${uploadId}/complete`, { method: "POST", key: t.key }));
    await expectLocked(await call(`/api/v1/uploads/${uploadId}`, { method: "DELETE", key: t.key }));
    // Reads go on.
    expect((await call(`/api/v1/uploads/${uploadId}`, { key: t.key })).status).toBe(200);
    await lock(t, null);
    expect((await call(`/api/v1/uploads/${uploadId}`, { method: "DELETE", key: t.key })).status).toBe(204);
  });

  it("the review queue's writes wait for the move too", async () => {
    const t = await makeTenant();
    await lock(t, "location_migration");
    await expectLocked(await call("/api/v1/review-queue/assign", { method: "POST", key: t.key, json: {} }));
    await expectLocked(await call("/api/v1/review-queue/next", { method: "POST", key: t.key, json: {} }));
  });
});
