import { afterAll, beforeAll, expect, inject, it, vi } from "vitest";
import { getJob, runJobStep } from "../../core/platform/jobs";
import { call, E, makeTenant } from "../../test/helpers";
import "../../workers/job-handlers";
// @ts-expect-error plain JS module shared with the Node benchmarks
import { transcript } from "../lib/text.mjs";

/**
 * P9 measured inside workerd (vitest's pool: the same runtime and D1/R2 simulations as
 * `wrangler dev`), for machines where `wrangler dev` cannot start (it needs Node ≥ 22). One NDJSON
 * import of N calls with P2's ~150-segment transcripts: upload through `/uploads`, the POST timed,
 * then the `call_import` job's steps run one after another as the `ccr-jobs` consumer runs them
 * (the queue is stubbed so the clock measures the job, and the analysis queue too: analysis is
 * P2's concern). Run: `npx vitest run --config bench/workerd/vitest.config.ts`.
 */
const N = (inject as (k: string) => number)("p9Calls") || 300;
const PART = 16 * 1024 * 1024;

beforeAll(() => {
  vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
  vi.spyOn(E.ANALYZE_QUEUE, "send").mockResolvedValue(undefined as never);
  vi.spyOn(E.ANALYZE_QUEUE, "sendBatch").mockResolvedValue(undefined as never);
  vi.spyOn(E.TRANSCRIBE_QUEUE, "send").mockResolvedValue(undefined as never);
});
afterAll(() => vi.restoreAllMocks());

it(`P9: ${N} NDJSON calls through one import`, { timeout: 30 * 60_000 }, async () => {
  const t = await makeTenant();
  const lines = Array.from({ length: N }, (_, i) => {
    const tr = transcript(9000 + i);
    return JSON.stringify({
      externalId: `p9-${i}`,
      language: tr.language,
      agent: { externalId: `P9-AG-${i % 25}`, team: `Team ${i % 5}` },
      transcript: { format: "json", content: { segments: tr.segments } },
    });
  });
  const file = new TextEncoder().encode(`${lines.join("\n")}\n`);
  const segments = transcript(9000).segments.length;
  const up = (await (
    await call("/api/v1/uploads", { method: "POST", key: t.key, json: { size: file.length, partSize: PART } })
  ).json()) as { uploadId: string; parts: number };
  for (let n = 1; n <= up.parts; n++) {
    const part = file.subarray((n - 1) * PART, Math.min(file.length, n * PART));
    const r = await call(`/api/v1/uploads/${up.uploadId}/parts/${n}`, {
      method: "PUT",
      key: t.key,
      body: part,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(r.status).toBe(200);
  }
  expect((await call(`/api/v1/uploads/${up.uploadId}/complete`, { method: "POST", key: t.key })).status).toBe(
    200,
  );
  const t0 = performance.now();
  const post = await call("/api/v1/imports", { method: "POST", key: t.key, json: { uploadId: up.uploadId } });
  const postMs = performance.now() - t0;
  expect(post.status).toBe(202);
  const { id } = (await post.json()) as { id: string };
  const row = await E.DATA_EU_1.prepare("select job_id from imports where id = ?")
    .bind(id)
    .first<{ job_id: string }>();
  const t1 = performance.now();
  let steps = 0;
  for (;;) {
    const j = await getJob(E, row!.job_id);
    if (!j || (j.status !== "running" && j.status !== "queued")) break;
    await runJobStep(E, { jobId: j.id, step: j.steps });
    steps++;
  }
  const jobMs = performance.now() - t1;
  const imp = (await (await call(`/api/v1/imports/${id}?limit=1`, { key: t.key })).json()) as {
    status: string;
    created: number;
    errors: number;
  };
  const counts = await E.DATA_EU_1.prepare(
    "select count(*) as calls, count(distinct external_id) as distinct_ids from calls where tenant_id = ?",
  )
    .bind(t.tenant.id)
    .first<{ calls: number; distinct_ids: number }>();
  const perCall = jobMs / N;
  console.log(
    JSON.stringify({
      bench: "P9",
      calls: N,
      segmentsPerCall: segments,
      fileMB: +(file.length / 1024 / 1024).toFixed(1),
      postMs: Math.round(postMs),
      jobS: +(jobMs / 1000).toFixed(1),
      steps,
      perCallMs: +perCall.toFixed(1),
      projected10kS: Math.round((perCall * 10_000) / 1000),
      status: imp.status,
      created: imp.created,
      errors: imp.errors,
      lost: N - counts!.distinct_ids,
      twice: counts!.calls - counts!.distinct_ids,
    }),
  );
  expect(imp).toMatchObject({ status: "done", created: N, errors: 0 });
});
