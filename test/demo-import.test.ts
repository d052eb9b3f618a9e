import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";
// @ts-expect-error plain JS module shared with scripts/dev.mjs
import { demoCallsNdjson } from "../scripts/demo-calls.mjs";
// @ts-expect-error plain JS module shared with scripts/dev.mjs
import { importDemoCalls } from "../scripts/demo-import.mjs";
import { BASE, E, makeTenant } from "./helpers";
import "../workers/job-handlers";

/**
 * The dev seed's demo calls (scripts/dev.mjs step 5) go through the bulk import path of a customer
 * (B2, issue 17): multipart upload, `POST /imports {uploadId}`, the `call_import` job. Run here with
 * the Worker's own fetch on the seed's real NDJSON (the demo tenant's 40 calls).
 */
const workerFetch = (path: string, init: RequestInit) =>
  (exports as unknown as { default: Fetcher }).default.fetch(new Request(`${BASE}${path}`, init));

it("loads the demo calls through an upload and the import job, once", { timeout: 120_000 }, async () => {
  const t = await makeTenant();
  const ndjson: string = demoCallsNdjson("ten_demo_eu");
  const lines = ndjson.split("\n").filter((l) => l.trim());
  expect(lines.length).toBe(40);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const r = await importDemoCalls({ fetch: workerFetch, apiKey: t.key, ndjson, sleep });
  expect(r).toMatchObject({ created: 40, existing: 0, errors: 0, total: 40, failed: [] });

  // Created by an import job: its row holds the counts, its job ran to the end, its upload is used.
  const imp = await E.DATA_EU_1.prepare(
    "select id, status, format, total, created, existing, errors, upload_id, job_id from imports where tenant_id = ?",
  )
    .bind(t.tenant.id)
    .all<Record<string, unknown>>();
  expect(imp.results).toHaveLength(1);
  expect(imp.results[0]).toMatchObject({
    id: r.importId,
    status: "done",
    format: "ndjson",
    total: 40,
    created: 40,
    existing: 0,
    errors: 0,
  });
  const job = await E.CONTROL_DB.prepare("select kind, status from jobs where id = ?")
    .bind(imp.results[0].job_id)
    .first();
  expect(job).toEqual({ kind: "call_import", status: "done" });
  const items = await E.DATA_EU_1.prepare(
    "select count(*) as n, count(distinct call_id) as calls from import_items where import_id = ? and result = 'created'",
  )
    .bind(r.importId)
    .first<{ n: number; calls: number }>();
  expect(items).toEqual({ n: 40, calls: 40 });
  const calls = await E.DATA_EU_1.prepare(
    "select count(*) as n, count(distinct external_id) as ids, sum(external_id like 'demo-%') as demo from calls where tenant_id = ?",
  )
    .bind(t.tenant.id)
    .first<{ n: number; ids: number; demo: number }>();
  expect(calls).toEqual({ n: 40, ids: 40, demo: 40 });

  // Re-running the seed finds the calls and imports nothing.
  expect(await importDemoCalls({ fetch: workerFetch, apiKey: t.key, ndjson, sleep })).toBeNull();
  const after = await E.DATA_EU_1.prepare("select count(*) as n from imports where tenant_id = ?")
    .bind(t.tenant.id)
    .first<{ n: number }>();
  expect(after!.n).toBe(1);
});
