import { describe, expect, it, vi } from "vitest";
import { createAgent } from "../core/agents/service";
import { dataPlane, ForeignObjectKeyError, shardForNewTenant } from "../db/resolver";
import { call, E, makeTenant } from "./helpers";

describe("data location routing (Shape, F2)", () => {
  it("a us tenant's rows and objects land only in the us D1 and bucket; an eu tenant's only in eu", async () => {
    const us = await makeTenant({ location: "us" });
    const eu = await makeTenant({ location: "eu" });
    const res = await call("/api/v1/agents", {
      method: "POST",
      key: us.key,
      json: { name: "Jo Smith", externalId: "US-1", team: "Billing" },
    });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const euAgent = await createAgent(eu.ctx, { name: "Léa Martin", externalId: "EU-1" });

    const inUs = await E.DATA_US_1.prepare("select tenant_id from agents where id = ?").bind(id).first();
    const inEu = await E.DATA_EU_1.prepare("select tenant_id from agents where id = ?").bind(id).first();
    expect(inUs).toEqual({ tenant_id: us.tenant.id });
    expect(inEu).toBeNull();
    expect(
      await E.DATA_US_1.prepare("select 1 from agents where id = ?").bind(euAgent.id).first(),
    ).toBeNull();
    expect(
      await E.DATA_EU_1.prepare("select 1 from agents where id = ?").bind(euAgent.id).first(),
    ).not.toBeNull();

    // Objects: write through the resolver, find them only in the location's bucket.
    const dpUs = dataPlane(E, us.tenant);
    await dpUs.bucket.put(dpUs.key("probe.txt"), "us data");
    expect(await (await E.BLOB_US.get(`t/${us.tenant.id}/probe.txt`))!.text()).toBe("us data");
    expect(await E.BLOB_EU.get(`t/${us.tenant.id}/probe.txt`)).toBeNull();
    expect((await E.BLOB_US.list({ prefix: `t/${us.tenant.id}/` })).objects.map((o) => o.key).sort()).toEqual(
      [`t/${us.tenant.id}/manifest.json`, `t/${us.tenant.id}/probe.txt`],
    );
    expect((await E.BLOB_EU.list({ prefix: `t/${us.tenant.id}/` })).objects).toHaveLength(0);

    // The API reads through the same path.
    const got = await call(`/api/v1/agents/${id}`, { key: us.key });
    expect(((await got.json()) as { team: string }).team).toBe("Billing");
    expect((await call(`/api/v1/agents/${id}`, { key: eu.key })).status).toBe(404);
  });

  it("the data plane's bucket refuses every key and prefix outside t/<tenant>/ (get, head, put, delete, list, multipart)", async () => {
    const a = await makeTenant({ location: "eu" });
    const b = await makeTenant({ location: "eu" });
    // B's recording, in the same physical bucket as A's objects.
    const theirs = `t/${b.tenant.id}/calls/cal_x/recording-abc`;
    await E.BLOB_EU.put(theirs, "b's audio");
    const bucket = dataPlane(E, a.tenant).bucket;
    const foreign = [
      theirs,
      `t/${a.tenant.id}`, // the prefix without its slash would also match t/<a.id>…-longer ids
      `t/${a.tenant.id}x/calls/y`,
      `../t/${b.tenant.id}/x`,
      "platform/secret.json",
      "",
    ];
    for (const key of foreign) {
      await expect(async () => bucket.get(key), key).rejects.toThrow(ForeignObjectKeyError);
      await expect(async () => bucket.head(key), key).rejects.toThrow(ForeignObjectKeyError);
      await expect(async () => bucket.put(key, "x"), key).rejects.toThrow(ForeignObjectKeyError);
      await expect(async () => bucket.delete(key), key).rejects.toThrow(ForeignObjectKeyError);
      await expect(async () => bucket.createMultipartUpload(key), key).rejects.toThrow(ForeignObjectKeyError);
      expect(() => bucket.resumeMultipartUpload(key, "upload-id"), key).toThrow(ForeignObjectKeyError);
    }
    // One foreign key in a batch delete refuses the whole batch.
    const mine = `t/${a.tenant.id}/probe.txt`;
    await bucket.put(mine, "a's");
    await expect(async () => bucket.delete([mine, theirs])).rejects.toThrow(ForeignObjectKeyError);
    expect(await E.BLOB_EU.head(mine)).not.toBeNull();
    // list: a prefix is required and must lie inside; so must startAfter.
    await expect(async () => bucket.list()).rejects.toThrow(ForeignObjectKeyError);
    await expect(async () => bucket.list({ prefix: "t/" })).rejects.toThrow(ForeignObjectKeyError);
    await expect(async () => bucket.list({ prefix: `t/${b.tenant.id}/` })).rejects.toThrow(
      ForeignObjectKeyError,
    );
    await expect(async () =>
      bucket.list({ prefix: `t/${a.tenant.id}/`, startAfter: `t/${b.tenant.id}/` }),
    ).rejects.toThrow(ForeignObjectKeyError);
    // B's object is untouched; A's own keys work as before.
    expect(await (await E.BLOB_EU.get(theirs))!.text()).toBe("b's audio");
    expect(await (await bucket.get(mine))!.text()).toBe("a's");
    expect((await bucket.head(mine))?.size).toBe(3);
    expect((await bucket.list({ prefix: `t/${a.tenant.id}/` })).objects.map((o) => o.key)).toContain(mine);
    const mpu = await bucket.createMultipartUpload(`t/${a.tenant.id}/big.bin`);
    await bucket.resumeMultipartUpload(mpu.key, mpu.uploadId).abort();
    await bucket.delete(mine);
    expect(await E.BLOB_EU.head(mine)).toBeNull();
  });

  it("the resolver refuses a shard that is not in the tenant's location", () => {
    expect(() => dataPlane(E, { id: "ten_x", location: "us", shard: "DATA_EU_1" })).toThrow(
      /not in location us/,
    );
    expect(shardForNewTenant(E, "eu")).toBe("DATA_EU_1");
    expect(shardForNewTenant(E, "us")).toBe("DATA_US_1");
  });

  it("a location lists several shards: new tenants go to the newest, existing tenants stay on theirs", () => {
    const env = {
      ...E,
      DATA_LOCATIONS: JSON.stringify({
        eu: { shards: ["DATA_EU_1", "DATA_US_1"], bucket: "BLOB_EU" },
        us: { shards: ["DATA_US_1"], bucket: "BLOB_US" },
      }),
    } as Env;
    expect(shardForNewTenant(env, "eu")).toBe("DATA_US_1");
    expect(dataPlane(env, { id: "ten_old", location: "eu", shard: "DATA_EU_1" }).d1).toBe(E.DATA_EU_1);
  });

  it("tenant settings hold the location and the processing scope (in_region by default)", async () => {
    const t = await makeTenant({ location: "us" });
    const r = (await (await call("/api/v1/settings/location", { key: t.key })).json()) as Record<
      string,
      string
    >;
    expect(r).toMatchObject({ location: "us", processingScope: "in_region" });
    const put = await call("/api/v1/settings/location", {
      method: "PUT",
      key: t.key,
      json: { processingScope: "international" },
    });
    expect(((await put.json()) as Record<string, string>).processingScope).toBe("international");
    // A different location starts the migration job (tested in governance.test.ts); the
    // location itself changes only at the job's switch step.
    const send = vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const move = await call("/api/v1/settings/location", {
      method: "PUT",
      key: t.key,
      json: { location: "eu" },
    });
    expect(move.status).toBe(202);
    expect(send).toHaveBeenCalledWith(expect.objectContaining({ type: "job.step" }));
    const again = (await (await call("/api/v1/settings/location", { key: t.key })).json()) as Record<
      string,
      string
    >;
    expect(again.location).toBe("us");
  });
});
