import { eq } from "drizzle-orm";
import { strToU8, zipSync } from "fflate";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { purgeOldImports } from "../core/calls/import-job";
import { tenantChain, verifyAuditChain } from "../core/platform/audit";
import { getJob, runJobStep } from "../core/platform/jobs";
import { controlDb } from "../db/client";
import { users } from "../db/schema/control";
import { call, E, loginCookie, makeTenant, type TestTenant } from "./helpers";
import { postMultipart } from "./multipart";
import "../workers/job-handlers";

/**
 * Bulk import as a durable job (B2, issue 17 point 4): the file goes up through `/uploads`, then
 * `POST /imports {uploadId}` answers 202 at once; the `call_import` job scans it (limits first),
 * then creates the calls a chunk per step, each failure the item's. The queue is stubbed and the
 * steps driven here, one at a time, as the consumer would.
 */

type Imp = {
  id: string;
  status: string;
  format: string;
  total: number | null;
  processed: number;
  created: number;
  existing: number;
  errors: number;
  error: string | null;
  errorCode: string | null;
  errorParams: Record<string, string | number> | null;
  items: {
    data: {
      seq: number;
      item: string;
      result: string;
      externalId: string | null;
      id: string | null;
      error: {
        status: number;
        detail: string;
        code?: string;
        params?: Record<string, string | number>;
      } | null;
    }[];
    nextCursor: string | null;
  };
};

beforeEach(() => {
  vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
});
afterEach(() => vi.restoreAllMocks());

/** One-part upload of `bytes` through the API; returns the upload id. */
async function upload(t: TestTenant, bytes: Uint8Array): Promise<string> {
  const up = await call("/api/v1/uploads", { method: "POST", key: t.key, json: { size: bytes.length } });
  expect(up.status).toBe(201);
  const { uploadId } = (await up.json()) as { uploadId: string };
  const part = await call(`/api/v1/uploads/${uploadId}/parts/1`, {
    method: "PUT",
    key: t.key,
    body: bytes,
    headers: { "content-type": "application/octet-stream" },
  });
  expect(part.status).toBe(200);
  expect((await call(`/api/v1/uploads/${uploadId}/complete`, { method: "POST", key: t.key })).status).toBe(
    200,
  );
  return uploadId;
}

const startImport = (t: TestTenant, uploadId: string, headers: Record<string, string> = {}) =>
  call("/api/v1/imports", { method: "POST", key: t.key, json: { uploadId }, headers });

async function drive(jobIdOf: string, t: TestTenant, max = 2000) {
  const row = await E.DATA_EU_1.prepare("select job_id from imports where id = ?")
    .bind(jobIdOf)
    .first<{ job_id: string }>();
  for (let i = 0; i < max; i++) {
    const j = await getJob(E, row!.job_id);
    if (!j || (j.status !== "running" && j.status !== "queued")) break;
    await runJobStep(E, { jobId: j.id, step: j.steps });
  }
  const res = await call(`/api/v1/imports/${jobIdOf}?limit=1000`, { key: t.key });
  expect(res.status).toBe(200);
  return (await res.json()) as Imp;
}

const countCalls = async (t: TestTenant) =>
  (await E.DATA_EU_1.prepare("select count(*) as n from calls where tenant_id = ?")
    .bind(t.tenant.id)
    .first<{ n: number }>())!.n;

const line = (o: unknown) => JSON.stringify(o);
const tx = (i: number) => ({
  format: "text",
  content: `Agent: Bonjour, service client, à votre écoute (${i}).\nClient: Je voudrais modifier mon adresse.`,
});

describe("bulk import job: NDJSON (17.4)", () => {
  it("202 at once; a result per line, failures per item (malformed, invalid field), paging; file removed", async () => {
    const t = await makeTenant();
    const lines = [
      ...Array.from({ length: 12 }, (_, i) => line({ externalId: `J-${i + 1}`, transcript: tx(i) })),
      "{not json",
      line({ externalId: "J-BAD", durationS: -5 }),
      "",
      line({ transcript: tx(99) }), // no externalId: found again by its content
    ];
    const uploadId = await upload(t, strToU8(lines.join("\n")));
    const started = Date.now();
    const res = await startImport(t, uploadId);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(202);
    const imp = (await res.json()) as Imp;
    expect(imp).toMatchObject({ status: "queued", format: "ndjson", total: null, created: 0 });
    expect(res.headers.get("location")).toBe(`/api/v1/imports/${imp.id}`);
    expect(await countCalls(t)).toBe(0); // nothing done in the request
    const done = await drive(imp.id, t);
    expect(done).toMatchObject({
      status: "done",
      total: 15,
      processed: 15,
      created: 13,
      existing: 0,
      errors: 2,
    });
    const bySeq = new Map(done.items.data.map((x) => [x.item, x]));
    expect(bySeq.get("line 13")).toMatchObject({
      result: "error",
      error: {
        status: 400,
        detail: "line 13 is not valid JSON",
        code: "malformed_json",
        params: { line: 13 },
      },
    });
    expect(bySeq.get("line 14")?.error?.detail).toContain("durationS");
    expect(bySeq.get("line 14")?.error?.code).toBe("validation_failed");
    expect(bySeq.get("line 16")).toMatchObject({ result: "created", externalId: null });
    expect(bySeq.has("line 15")).toBe(false); // a blank line is no item
    // Paging through the items, and only the errors.
    const p1 = (await (await call(`/api/v1/imports/${imp.id}?limit=10`, { key: t.key })).json()) as Imp;
    expect(p1.items.data.map((x) => x.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const p2 = (await (
      await call(`/api/v1/imports/${imp.id}?limit=10&cursor=${p1.items.nextCursor}`, { key: t.key })
    ).json()) as Imp;
    expect(p2.items.data.map((x) => x.seq)).toEqual([11, 12, 13, 14, 15]);
    expect(p2.items.nextCursor).toBeNull();
    const errs = (await (await call(`/api/v1/imports/${imp.id}?result=error`, { key: t.key })).json()) as Imp;
    expect(errs.items.data.map((x) => x.item)).toEqual(["line 13", "line 14"]);
    // The file (unredacted transcripts) is gone once the import ended.
    expect((await E.BLOB_EU.list({ prefix: `t/${t.tenant.id}/imports/` })).objects).toHaveLength(0);

    // The same upload again is the same import; the same file re-sent finds every call.
    const again = await startImport(t, uploadId);
    expect(((await again.json()) as Imp).id).toBe(imp.id);
    const resent = (await (await startImport(t, await upload(t, strToU8(lines.join("\n"))))).json()) as Imp;
    expect(resent.id).not.toBe(imp.id);
    expect(await drive(resent.id, t)).toMatchObject({ status: "done", created: 0, existing: 13, errors: 2 });
    expect(await countCalls(t)).toBe(13);
  });

  it("an import's rows are kept 30 days after it ends, then purged with its items", async () => {
    const t = await makeTenant();
    const imp = (await (
      await startImport(t, await upload(t, strToU8(line({ externalId: "K-1" }))))
    ).json()) as Imp;
    await drive(imp.id, t);
    const items = () =>
      E.DATA_EU_1.prepare("select count(*) as n from import_items where import_id = ?")
        .bind(imp.id)
        .first<{ n: number }>();
    expect((await items())!.n).toBe(1);
    await purgeOldImports(E, Date.now() + 29 * 24 * 3600_000);
    expect((await call(`/api/v1/imports/${imp.id}`, { key: t.key })).status).toBe(200);
    await purgeOldImports(E, Date.now() + 31 * 24 * 3600_000);
    expect((await call(`/api/v1/imports/${imp.id}`, { key: t.key })).status).toBe(404);
    expect((await items())!.n).toBe(0);
  });

  it("over 10,000 items: the import fails before any call is created", async () => {
    const t = await makeTenant();
    const body = Array.from({ length: 10_001 }, (_, i) => line({ externalId: `L-${i}` })).join("\n");
    const imp = (await (await startImport(t, await upload(t, strToU8(body)))).json()) as Imp;
    const done = await drive(imp.id, t);
    expect(done.status).toBe("failed");
    expect(done.error).toContain("more than 10000 calls");
    expect(done).toMatchObject({ errorCode: "over_limit", errorParams: { max: 10_000, found: 10_001 } });
    expect(done.created).toBe(0);
    expect(await countCalls(t)).toBe(0);
  });

  it("Prefer: wait=N answers 200 with a small import done; unknown or open uploads are refused", async () => {
    const t = await makeTenant();
    const body = [1, 2, 3].map((i) => line({ externalId: `W-${i}`, transcript: tx(i) })).join("\n");
    const res = await startImport(t, await upload(t, strToU8(body)), { prefer: "wait=20" });
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toBe("wait=20");
    expect(await res.json()).toMatchObject({ status: "done", total: 3, created: 3, errors: 0 });
    const unknown = await startImport(t, "upl_nope");
    expect(unknown.status).toBe(404);
    const open = (await (
      await call("/api/v1/uploads", { method: "POST", key: t.key, json: { size: 10 } })
    ).json()) as { uploadId: string };
    const notDone = await startImport(t, open.uploadId);
    expect(notDone.status).toBe(409);
    expect(notDone.headers.get("content-type")).toContain("application/problem+json");
  });
});

/** Patch the CRC-32 of entry `name` in both the local header and the central directory. */
function lieAboutCrc(zip: Uint8Array, name: string): Uint8Array {
  const out = zip.slice();
  const v = new DataView(out.buffer);
  const n = strToU8(name);
  for (let i = 0; i + 46 < out.length; i++) {
    const sig = v.getUint32(i, true);
    const at = sig === 0x04034b50 ? 14 : sig === 0x02014b50 ? 16 : -1;
    const nameAt = sig === 0x04034b50 ? 30 : 46;
    if (at < 0) continue;
    if (out.subarray(i + nameAt, i + nameAt + n.length).every((b, k) => b === n[k]))
      v.setUint32(i + at, v.getUint32(i + at, true) ^ 0xff, true);
  }
  return out;
}

/** What one tenant holds: calls (and distinct externalIds), search entries, transcript objects. */
async function holdings(t: TestTenant) {
  const c = (await E.DATA_EU_1.prepare(
    `select count(*) as calls, count(distinct external_id) as ids,
       (select count(*) from calls_fts where rowid in (select fts_id from calls where tenant_id = ?1)) as fts
     from calls where tenant_id = ?1`,
  )
    .bind(t.tenant.id)
    .first<{ calls: number; ids: number; fts: number }>())!;
  const objects = (await E.BLOB_EU.list({ prefix: `t/${t.tenant.id}/calls/` })).objects.length;
  return { ...c, objects };
}

/** A real D1 failure at a chosen place: a trigger that aborts (dropped after the test). */
async function withTrigger<T>(name: string, ddl: string, f: () => Promise<T>): Promise<T> {
  await E.DATA_EU_1.prepare(`create trigger ${name} ${ddl}`).run();
  try {
    return await f();
  } finally {
    await E.DATA_EU_1.prepare(`drop trigger if exists ${name}`).run();
  }
}

describe("bulk import job: a step's calls created together (P9)", () => {
  it("one batch: repeats, a conflict, an unknown agent and a failing write fail alone; the rest is created once", async () => {
    const t = await makeTenant();
    const lines = [
      line({ externalId: "B-1", transcript: tx(1) }),
      line({ externalId: "B-1", transcript: tx(1) }), // the same body again in the same batch
      line({ externalId: "B-1", transcript: tx(2) }), // same externalId, other data
      line({ externalId: "B-2", agentId: "agt_nobody" }),
      line({ externalId: "boom", transcript: tx(3) }), // its row cannot be written (trigger)
      line({ transcript: tx(4) }),
      line({ transcript: tx(4) }), // no externalId: the same content twice is one call
      line({ externalId: "B-3", agent: { externalId: "AG-1", team: "T" } }),
      line({ externalId: "B-4", agent: { externalId: "AG-1", team: "T" }, transcript: tx(5) }),
    ];
    const done = await withTrigger(
      "p9_boom",
      "before insert on calls when new.external_id = 'boom' begin select raise(abort, 'no room for boom'); end",
      async () => {
        const imp = (await (await startImport(t, await upload(t, strToU8(lines.join("\n"))))).json()) as Imp;
        return drive(imp.id, t);
      },
    );
    expect(done).toMatchObject({ status: "done", total: 9, created: 4, existing: 2, errors: 3 });
    const r = done.items.data;
    expect(r.map((x) => x.result)).toEqual([
      "created",
      "existing",
      "error",
      "error",
      "error",
      "created",
      "existing",
      "created",
      "created",
    ]);
    expect(r[1].id).toBe(r[0].id);
    expect(r[6].id).toBe(r[5].id);
    expect(r[2].error).toMatchObject({ status: 409 });
    expect(r[3].error?.detail).toContain("agentId");
    expect(r[4].error).toMatchObject({ status: 500 });
    // One agent for both calls that name it.
    const agents = await E.DATA_EU_1.prepare("select count(*) as n from agents where tenant_id = ?")
      .bind(t.tenant.id)
      .first<{ n: number }>();
    expect(agents!.n).toBe(1);
    // Nothing left of the failed write: no row, no search entry, no transcript object.
    expect(await holdings(t)).toEqual({ calls: 4, ids: 3, fts: 3, objects: 3 });
    // One audit entry per created call, appended together, and the chain still verifies.
    const audit = await E.CONTROL_DB.prepare(
      "select count(*) as n from audit_log where tenant_id = ? and action = 'call.created'",
    )
      .bind(t.tenant.id)
      .first<{ n: number }>();
    expect(audit!.n).toBe(4);
    expect(await verifyAuditChain(E, tenantChain(t.tenant.id))).toMatchObject({ ok: true });
  });

  it("a step delivered twice at once, and one that failed after writing its calls, delivered again: none twice", async () => {
    const t = await makeTenant();
    const stepper = async (lines: string[]) => {
      const imp = (await (await startImport(t, await upload(t, strToU8(lines.join("\n"))))).json()) as Imp;
      const { job_id } = (await E.DATA_EU_1.prepare("select job_id from imports where id = ?")
        .bind(imp.id)
        .first<{ job_id: string }>())!;
      const step = async () => {
        const j = (await getJob(E, job_id))!;
        return runJobStep(E, { jobId: j.id, step: j.steps });
      };
      expect(await step()).toBe("ran"); // the scan
      return { id: imp.id, step };
    };
    // 60 items (two batches of one step) delivered twice at once: both race to write the same calls.
    const a = await stepper(
      Array.from({ length: 60 }, (_, i) => line({ externalId: `R-${i}`, transcript: tx(i) })),
    );
    expect((await Promise.all([a.step(), a.step()])).sort()).toEqual(["finished", "stale"]);
    const doneA = await drive(a.id, t);
    expect(doneA).toMatchObject({ status: "done", total: 60, processed: 60, errors: 0 });
    expect(doneA.created + doneA.existing).toBe(60);
    expect(new Set(doneA.items.data.map((x) => x.id)).size).toBe(60);
    expect(await holdings(t)).toEqual({ calls: 60, ids: 60, fts: 60, objects: 60 });

    // Another import's step writes its 10 calls, then cannot record their results…
    const b = await stepper(
      Array.from({ length: 10 }, (_, i) => line({ externalId: `S-${i}`, transcript: tx(i) })),
    );
    await withTrigger(
      "p9_lost_results",
      "before update on import_items begin select raise(abort, 'results lost'); end",
      async () => {
        await expect(b.step()).rejects.toThrow(/results lost/);
      },
    );
    expect(await holdings(t)).toEqual({ calls: 70, ids: 70, fts: 70, objects: 70 });
    // …and delivered again, it finds them.
    const doneB = await drive(b.id, t);
    expect(doneB).toMatchObject({ status: "done", total: 10, created: 0, existing: 10, errors: 0 });
    expect(await holdings(t)).toEqual({ calls: 70, ids: 70, fts: 70, objects: 70 });
  });
});

describe("bulk import job: calls without externalId are created once per item (review)", () => {
  it("the same step delivered twice at once, or again after it lost its results: one call per item, enforced by D1", async () => {
    const t = await makeTenant();
    const stepper = async (lines: string[]) => {
      const imp = (await (await startImport(t, await upload(t, strToU8(lines.join("\n"))))).json()) as Imp;
      const { job_id } = (await E.DATA_EU_1.prepare("select job_id from imports where id = ?")
        .bind(imp.id)
        .first<{ job_id: string }>())!;
      const step = async () => {
        const j = (await getJob(E, job_id))!;
        return runJobStep(E, { jobId: j.id, step: j.steps });
      };
      expect(await step()).toBe("ran"); // the scan
      return { id: imp.id, step };
    };
    // 60 items with no externalId (there is no unique key but the item), half with a transcript.
    const lines = Array.from({ length: 60 }, (_, i) =>
      line(i % 2 ? { transcript: tx(100 + i), tags: [`n${i}`] } : { durationS: 60 + i, tags: [`n${i}`] }),
    );
    const a = await stepper(lines);
    const twice = await Promise.all([a.step(), a.step()]);
    expect(twice.sort()).toEqual(["finished", "stale"]);
    const doneA = await drive(a.id, t);
    expect(doneA).toMatchObject({ status: "done", total: 60, processed: 60, errors: 0 });
    expect(doneA.created + doneA.existing).toBe(60);
    expect(new Set(doneA.items.data.map((x) => x.id)).size).toBe(60);
    expect(await countCalls(t)).toBe(60);
    const objects = (await E.BLOB_EU.list({ prefix: `t/${t.tenant.id}/calls/` })).objects.length;
    expect(objects).toBe(30); // the losing delivery's transcripts removed

    // D1 itself refuses a second call for the same item of the same import, whatever the code does.
    const row = (await E.DATA_EU_1.prepare(
      "select import_key from calls where tenant_id = ? and import_key is not null limit 1",
    )
      .bind(t.tenant.id)
      .first<{ import_key: string }>())!;
    expect(row.import_key).toMatch(new RegExp(`^${a.id}:\\d+$`));
    await expect(
      E.DATA_EU_1.prepare(
        "insert into calls (id, tenant_id, create_hash, status, started_at, import_key, created_at, updated_at) values ('cal_dup', ?, 'x', 'received', 0, ?, 0, 0)",
      )
        .bind(t.tenant.id, row.import_key)
        .run(),
    ).rejects.toThrow(/UNIQUE/);

    // Another import whose step writes its calls, then cannot record their results, then runs
    // again twice at once: still one call per item.
    const more = Array.from({ length: 10 }, (_, i) => line({ transcript: tx(300 + i) }));
    const b = await stepper(more);
    await withTrigger(
      "noext_lost_results",
      "before update on import_items begin select raise(abort, 'results lost'); end",
      async () => {
        await expect(b.step()).rejects.toThrow(/results lost/);
      },
    );
    expect(await countCalls(t)).toBe(70);
    await Promise.all([b.step(), b.step()]);
    const doneB = await drive(b.id, t);
    expect(doneB).toMatchObject({ status: "done", total: 10, created: 0, existing: 10, errors: 0 });
    expect(await countCalls(t)).toBe(70);
  });
});

describe("bulk import job: ZIP through its central directory (17.4)", () => {
  it("manifest + transcript files; a CRC that lies and an over-limit entry fail alone", async () => {
    const t = await makeTenant();
    const vtt =
      "WEBVTT\n\n00:00.000 --> 00:02.000\n<v Agent>Bonjour, à votre écoute.\n\n00:02.000 --> 00:04.000\n<v Client>Bonjour.\n";
    const zip = zipSync({
      "calls.ndjson": strToU8(
        [
          line({ externalId: "Z-1", direction: "inbound", transcriptFile: "z1.vtt" }),
          line({ externalId: "Z-2", transcriptFile: "missing.vtt" }),
        ].join("\n"),
      ),
      "z1.vtt": strToU8(vtt),
      "Z-3.txt": strToU8("Agent: Bonjour\nClient: Merci"),
      "Z-4.txt": strToU8("Agent: Bonjour, vous êtes bien chez nous\nClient: Au revoir"),
      "big.txt": strToU8(`Agent: ${"a".repeat(5 * 1024 * 1024)}`),
      "notes.pdf": strToU8("%PDF-1.4"),
    });
    const imp = (await (await startImport(t, await upload(t, lieAboutCrc(zip, "Z-4.txt")))).json()) as Imp;
    expect(imp.format).toBe("zip");
    const done = await drive(imp.id, t);
    expect(done).toMatchObject({ status: "done", total: 6, created: 2, errors: 4 });
    const by = new Map(done.items.data.map((x) => [x.item, x]));
    expect(by.get("calls.ndjson line 1")).toMatchObject({ result: "created", externalId: "Z-1" });
    expect(by.get("calls.ndjson line 2")?.error?.detail).toContain("missing.vtt is not in the archive");
    expect(by.get("calls.ndjson line 2")?.error).toMatchObject({
      code: "transcript_file_missing",
      params: { file: "missing.vtt" },
    });
    expect(by.get("file Z-3.txt")).toMatchObject({ result: "created", externalId: "Z-3" });
    expect(by.get("file Z-4.txt")).toMatchObject({ result: "error", error: { status: 422 } });
    expect(by.get("file Z-4.txt")?.error?.detail).toMatch(/CRC/i);
    expect(by.get("file Z-4.txt")?.error?.code).toBe("unreadable_entry");
    expect(by.get("file big.txt")).toMatchObject({
      result: "error",
      error: { status: 413, code: "file_too_large", params: { file: "big.txt", maxMb: 5 } },
    });
    expect(by.get("file notes.pdf")).toMatchObject({
      result: "error",
      error: { status: 415, code: "unsupported_file", params: { file: "notes.pdf" } },
    });
    const z1 = await call(`/api/v1/calls/${by.get("calls.ndjson line 1")?.id}/transcript`, { key: t.key });
    expect(z1.status).toBe(200);
  });

  it("a file that is not a readable archive fails the import with a reason, nothing created", async () => {
    const t = await makeTenant();
    const junk = new Uint8Array(2000);
    junk.set([0x50, 0x4b, 0x03, 0x04]);
    const imp = (await (await startImport(t, await upload(t, junk))).json()) as Imp;
    const done = await drive(imp.id, t);
    expect(done.status).toBe("failed");
    expect(done.error).toContain("not a readable ZIP archive");
    expect(done.errorCode).toBe("not_a_zip");
    expect(await countCalls(t)).toBe(0);
  });
});

describe("bulk import job: the portal (17.4)", () => {
  const postFile = (cookie: string, file: File) => postMultipart("/imports", cookie, { file });

  it("a form starts the import; its page refreshes itself while it runs and shows progress and items, FR and EN", async () => {
    const t = await makeTenant();
    const cookie = await loginCookie(t.users.admin.email);
    const body = [line({ externalId: "P-1", transcript: tx(1) }), "{oops", line({ externalId: "P-2" })].join(
      "\n",
    );
    const res = await postFile(cookie, new File([body], "lot-1.ndjson", { type: "application/x-ndjson" }));
    expect(res.status).toBe(303);
    const url = res.headers.get("location")!;
    expect(url).toMatch(/^\/imports\/imp_/);
    const running = await call(url, { cookie });
    expect(running.status).toBe(200);
    expect(running.headers.get("refresh")).toBe("5");
    const en = await running.text();
    expect(en).toContain("Waiting");
    expect(en).toContain("lot-1.ndjson");
    expect(en).toContain("refreshes every 5 seconds until the import ends");
    await drive(url.split("/").pop()!, t);
    await controlDb(E).update(users).set({ locale: "fr" }).where(eq(users.id, t.users.admin.id));
    const done = await call(url, { cookie });
    expect(done.headers.get("refresh")).toBeNull();
    const fr = await done.text();
    expect(fr).toContain("Terminé");
    expect(fr).toContain("3 éléments sur 3");
    expect(fr).toContain("2 créés, 0 déjà présents, 1 en erreur");
    expect(fr).toContain("La ligne 2 n’est pas du JSON valide.");
    expect(fr).not.toContain("is not valid JSON");
    const list = await (await call("/imports", { cookie })).text();
    expect(list).toContain("lot-1.ndjson");
    // No file: a readable message, in the user's language.
    const none = await postFile(cookie, new File([], "", { type: "application/octet-stream" }));
    expect(none.status).toBe(400);
    expect(await none.text()).toContain("Choisissez un fichier NDJSON ou ZIP.");
  });

  it("an agent, limited to their own calls, does not see the tenant's imports (review)", async () => {
    const t = await makeTenant();
    const admin = await loginCookie(t.users.admin.email);
    const body = line({ externalId: "OTHER-AGENT-CALL", transcript: tx(1) });
    const res = await postFile(admin, new File([body], "team-b.ndjson", { type: "application/x-ndjson" }));
    expect(res.status).toBe(303);
    const url = res.headers.get("location")!;
    await drive(url.split("/").pop()!, t);
    const agent = await loginCookie(t.users.agent.email);
    for (const path of ["/imports", url, `${url}?result=error`]) {
      const r = await call(path, { cookie: agent });
      expect(r.status).toBe(403);
      const html = await r.text();
      expect(html).not.toContain("OTHER-AGENT-CALL");
      expect(html).not.toContain("team-b.ndjson");
    }
    // Whoever may import still follows them.
    const supervisor = await loginCookie(t.users.supervisor.email);
    expect(await (await call(url, { cookie: supervisor })).text()).toContain("OTHER-AGENT-CALL");
  });
});

describe("bulk import job: its messages in the user's language (review)", () => {
  const postFile = (cookie: string, body: string, name: string) =>
    postMultipart("/imports", cookie, { file: new File([body], name, { type: "application/x-ndjson" }) });

  /** A French-speaking admin's session. */
  async function frenchAdmin(t: TestTenant) {
    await controlDb(E).update(users).set({ locale: "fr" }).where(eq(users.id, t.users.admin.id));
    return loginCookie(t.users.admin.email);
  }

  async function importThroughPortal(t: TestTenant, cookie: string, body: string, name: string) {
    const res = await postFile(cookie, body, name);
    expect(res.status).toBe(303);
    const url = res.headers.get("location")!;
    const api = await drive(url.split("/").pop()!, t);
    return { url, api };
  }

  it("a French user reads a malformed line, an invalid field and an over-limit file in French; the API keeps English and the code", async () => {
    const t = await makeTenant();
    const cookie = await frenchAdmin(t);
    const body = [
      line({ externalId: "M-1", transcript: tx(1) }),
      "{oops",
      line({ externalId: "M-3", durationS: -5 }),
    ];
    const { url, api } = await importThroughPortal(t, cookie, body.join("\n"), "lot.ndjson");
    const by = new Map(api.items.data.map((x) => [x.item, x]));
    expect(by.get("line 2")?.error).toMatchObject({
      detail: "line 2 is not valid JSON",
      code: "malformed_json",
      params: { line: 2 },
    });
    expect(by.get("line 3")?.error).toMatchObject({ code: "validation_failed" });
    const page = await (await call(url, { cookie })).text();
    expect(page).toContain("La ligne 2 n’est pas du JSON valide.");
    expect(page).toContain("Champs invalides : durationS.");
    expect(page).toContain("<td>ligne 2</td>");
    expect(page).not.toContain("is not valid JSON");
    expect(page).not.toContain("Malformed JSON");

    const big = Array.from({ length: 10_001 }, (_, i) => line({ externalId: `O-${i}` })).join("\n");
    const over = await importThroughPortal(t, cookie, big, "trop.ndjson");
    expect(over.api).toMatchObject({ status: "failed", errorCode: "over_limit" });
    expect(over.api.error).toContain("more than 10000 calls"); // the API's text stays English
    const failed = await (await call(over.url, { cookie })).text();
    expect(failed).toMatch(
      /L’import a échoué.*Le fichier contient plus de 10\s000 appels \(10\s001 trouvés avant l’arrêt\) : découpez-le\. Rien n’a été importé\./su,
    );
    expect(failed).not.toContain("more than 10000 calls");
    // The same pages in English for an English-speaking user.
    await controlDb(E).update(users).set({ locale: "en" }).where(eq(users.id, t.users.admin.id));
    expect(await (await call(url, { cookie })).text()).toContain("Line 2 is not valid JSON.");
    expect(await (await call(over.url, { cookie })).text()).toMatch(/more than 10,000 calls \(10,001 found/);
  });

  it("rows stored before codes existed show their stored text; an unknown code is named as refused", async () => {
    const t = await makeTenant();
    const cookie = await frenchAdmin(t);
    const body = ["{oops", line({ externalId: "R-2", transcript: tx(2) }), "{again"].join("\n");
    const { url, api } = await importThroughPortal(t, cookie, body, "ancien.ndjson");
    // As the job wrote them before this change: English title and detail only.
    await E.DATA_EU_1.prepare("update import_items set error = ? where import_id = ? and seq = 1")
      .bind(
        JSON.stringify({ status: 400, title: "Malformed JSON", detail: "line 1 is not valid JSON" }),
        api.id,
      )
      .run();
    await E.DATA_EU_1.prepare("update import_items set error = ? where import_id = ? and seq = 3")
      .bind(
        JSON.stringify({
          status: 409,
          title: "Conflict",
          detail: "Key reused",
          code: "idempotency_conflict",
        }),
        api.id,
      )
      .run();
    const page = await (await call(url, { cookie })).text();
    expect(page).toContain("Malformed JSON: line 1 is not valid JSON");
    expect(page).toContain("Cet élément a été refusé : idempotency_conflict.");
    // An import failed before codes existed: its stored reason.
    await E.DATA_EU_1.prepare(
      "update imports set status = 'failed', error = ?, error_code = null where id = ?",
    )
      .bind("The file holds more than 10000 calls (found 10001 before stopping); split it.", api.id)
      .run();
    const failed = await (await call(url, { cookie })).text();
    expect(failed).toContain(
      "L’import a échoué : The file holds more than 10000 calls (found 10001 before stopping)",
    );
  });
});
