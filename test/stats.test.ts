import "../workers/job-handlers";
import { and, eq, inArray } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { METRICS, readTenantAggs } from "../core/insights/stats/aggregate";
import { startStatsBuild, statsBuildStep } from "../core/insights/stats/build";
import { newId } from "../core/platform/crypto";
import { getJob, resumeStalledJobs, runJobStep } from "../core/platform/jobs";
import { controlDb } from "../db/client";
import { dataPlane } from "../db/resolver";
import { jobs, platformStats, statsContributions, tenants } from "../db/schema/control";
import { daily } from "../workers/scheduled";
import { call, E, loginCookie, makeTenant, type TestTenant } from "./helpers";

/**
 * Anonymised statistics (F6). Each test builds statistics "as of" its own instant in the past and
 * puts its calls in the months that build covers, so the tenants other tests create (which have
 * no calls then) contribute nothing to it.
 */

afterEach(() => vi.restoreAllMocks());

const DAY = 86_400_000;
const utc = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);

interface CallSpec {
  score: number | null;
  passed: boolean | null;
  critical?: boolean;
  durationS?: number;
  language?: string | null;
  labels?: string[];
}

/** Analysed calls inserted straight into the tenant's data plane (what the pipeline leaves in D1). */
async function insertCalls(t: TestTenant, month: string, specs: CallSpec[]) {
  const dp = dataPlane(E, t.tenant);
  const [y, m] = month.split("-").map(Number);
  const stmts: D1PreparedStatement[] = [];
  specs.forEach((s, i) => {
    const id = newId("cal");
    const startedAt = utc(y, m, 2) + (i % 25) * DAY + 3_600_000;
    stmts.push(
      dp.d1
        .prepare(
          `insert into calls (id, tenant_id, create_hash, status, started_at, duration_s, language, score,
             passed, critical_fail, analysis_id, created_at, updated_at)
           values (?, ?, 'h', 'done', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .bind(
          id,
          t.tenant.id,
          startedAt,
          s.durationS ?? 300,
          s.language === undefined ? "fr" : s.language,
          s.score,
          s.passed === null ? null : s.passed ? 1 : 0,
          s.critical ? 1 : 0,
          newId("ana"),
          startedAt,
          startedAt,
        ),
    );
    for (const l of s.labels ?? []) {
      const [kind, label] = l.split(".");
      stmts.push(
        dp.d1
          .prepare(
            "insert into call_labels (tenant_id, call_id, kind, label, weight, started_at) values (?, ?, ?, ?, 2, ?)",
          )
          .bind(t.tenant.id, id, kind, label, startedAt),
      );
    }
  });
  for (let i = 0; i < stmts.length; i += 200) await dp.d1.batch(stmts.slice(i, i + 200));
}

/** n calls all scored `score`, `passes` of them passed, `longWait` of them with that irritant. */
function calls(
  n: number,
  o: {
    score: number;
    passes?: number;
    longWait?: number;
    critical?: number;
    language?: string;
    durationS?: number;
  },
): CallSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    score: o.score,
    passed: i < (o.passes ?? n),
    critical: i < (o.critical ?? 0),
    durationS: o.durationS,
    language: o.language,
    labels: [
      ...(i < (o.longWait ?? 0) ? ["irritant.long_wait"] : []),
      ...(i % 2 === 0 ? ["category.billing"] : []),
    ],
  }));
}

type StepMsg = { type: "job.step"; jobId: string; step: number };

/**
 * Runs a build to the end, feeding each step the message the previous one sent (the queue is
 * spied: nothing reaches the real consumer). Disturbances: `before` runs before a delivery (it
 * may run the step's handler itself: a run killed before saving); `duplicate` delivers a step a
 * second time; `loseSend` makes the n-th send fail (the Worker killed while sending the next
 * step): the queue redelivers the step, which is stale, and the stalled-job sweep resends it.
 */
async function runBuild(
  asOf: number,
  opts: {
    dedupeKey: string;
    tenantsPerStep?: number;
    before?: (msg: StepMsg, n: number) => Promise<void>;
    duplicate?: (n: number) => boolean;
    loseSend?: number;
  },
) {
  const queue: StepMsg[] = [];
  let sends = 0;
  vi.spyOn(E.JOBS_QUEUE, "send").mockImplementation(async (m) => {
    sends++;
    if (sends === opts.loseSend) throw new Error("killed while sending");
    queue.push(m as StepMsg);
    return undefined as never;
  });
  const { job } = await startStatsBuild(E, asOf, opts);
  const stats = { delivered: 0, stale: 0, swept: 0 };
  for (let n = 1; ; n++) {
    if (n > 200) throw new Error("the build does not end");
    let i = queue.findIndex((m) => m.jobId === job.id);
    if (i < 0) {
      // Nothing in flight: the 10-minute sweep finds the idle job and sends its step again.
      stats.swept += await resumeStalledJobs(E, Date.now() + 16 * 60_000);
      i = queue.findIndex((m) => m.jobId === job.id);
      expect(i, "a step to run").toBeGreaterThanOrEqual(0);
    }
    const [msg] = queue.splice(i, 1);
    expect(msg).toMatchObject({ type: "job.step", jobId: job.id });
    await opts.before?.(msg, n);
    let outcome: string;
    try {
      outcome = await runJobStep(E, msg);
    } catch (err) {
      if (String(err).includes("killed while sending")) {
        // The queue redelivers the message: its step was saved, so the copy is stale.
        expect(await runJobStep(E, msg)).toBe("stale");
        stats.stale++;
        continue;
      }
      throw err;
    }
    stats.delivered++;
    if (opts.duplicate?.(n)) {
      expect(await runJobStep(E, msg)).toBe(outcome === "finished" ? "gone" : "stale");
      stats.stale++;
    }
    if (outcome === "finished") break;
    expect(outcome).toBe("ran");
  }
  vi.mocked(E.JOBS_QUEUE.send).mockRestore();
  return { job: (await getJob(E, job.id))!, stats };
}

const rowsOf = (periods: string[]) =>
  controlDb(E)
    .select()
    .from(platformStats)
    .where(inArray(platformStats.period, periods))
    .orderBy(platformStats.period, platformStats.dimension, platformStats.bucket, platformStats.metric);

const row = (rows: Awaited<ReturnType<typeof rowsOf>>, period: string, metric: string, bucket = "all") =>
  rows.find((r) => r.period === period && r.bucket === bucket && r.metric === metric);

describe("statistics build (F6)", () => {
  it("publishes quartiles for ≥ 5 tenants and ≥ 100 calls; withholds smaller groups; no ids, no text", async () => {
    // Six tenants in January 2024: 20 calls each, average scores 50…100, 3 in French, 3 in English.
    const ts: TestTenant[] = [];
    for (let i = 0; i < 6; i++) {
      const t = await makeTenant();
      ts.push(t);
      await insertCalls(
        t,
        "2024-01",
        calls(20, {
          score: 50 + 10 * i,
          passes: 10 + i,
          longWait: 5,
          critical: i === 0 ? 4 : 0,
          language: i < 3 ? "fr" : "en",
          durationS: 200 + 20 * i,
        }),
      );
    }
    // A tenant-defined irritant type is the tenant's own text: it never leaves its data plane.
    await insertCalls(ts[0], "2024-01", [
      { score: 50, passed: false, labels: ["irritant.projet_confidentiel_durand"] },
    ]);
    const asOf = utc(2024, 2, 1);
    const { job } = await runBuild(asOf, { dedupeKey: "test:publish" });
    expect(job.status).toBe("done");
    expect(job.result).toMatchObject({ asOf, contributed: 6 });

    const rows = await rowsOf(["2024-01", "30d", "2023-12", "2023-11"]);
    expect(rows.length).toBeGreaterThan(0);
    const score = row(rows, "2024-01", "avg_score");
    // Tenant averages 50.95 (the extra call), 60, 70, 80, 90, 100.
    expect(score).toMatchObject({ tenants: 6, calls: 121, median: 75, dimension: "all" });
    expect(score!.p25).toBeCloseTo(62.5, 1);
    expect(score!.p75).toBeCloseTo(87.5, 1);
    expect(score!.builtAt).toBe(asOf);
    expect(row(rows, "2024-01", "irritant.long_wait")!.median).toBeCloseTo(0.25, 2);
    expect(row(rows, "2024-01", "calls")).toMatchObject({ median: 20, tenants: 6 });
    // Language groups have 3 tenants each: nothing published for them.
    expect(rows.filter((r) => r.dimension === "language")).toEqual([]);
    // The January calls (2nd to 21st) also fall in the rolling 30 days before 1 February.
    expect(row(rows, "30d", "avg_score")).toMatchObject({ median: 75, builtAt: asOf });
    // Months without data publish nothing.
    expect(rows.filter((r) => r.period === "2023-12" || r.period === "2023-11")).toEqual([]);

    // Every published row: platform vocabulary only, thresholds met, no tenant id anywhere.
    const ids = ts.map((t) => t.tenant.id);
    for (const r of rows) {
      expect(r.tenants).toBeGreaterThanOrEqual(5);
      expect(r.calls).toBeGreaterThanOrEqual(100);
      expect(["all"]).toContain(r.dimension);
      expect(METRICS as readonly string[]).toContain(r.metric);
      const text = JSON.stringify(r);
      for (const id of ids) expect(text).not.toContain(id);
      expect(text).not.toContain("projet_confidentiel");
    }
    // The contributions are gone once published.
    expect(
      await controlDb(E).select().from(statsContributions).where(eq(statsContributions.jobId, job.id)),
    ).toEqual([]);

    // Benchmarks API: the tenant's own value next to the platform quartiles, same period.
    const res = await call("/api/v1/benchmarks?period=2024-01", { key: ts[5].key });
    expect(res.status).toBe(200);
    const b = (await res.json()) as {
      window: { from: string; to: string };
      contributing: boolean;
      groups: {
        bucket: string;
        available: boolean;
        reason: string | null;
        metrics: {
          metric: string;
          own: { value: number | null; calls: number };
          platform: { median: number; p25: number; tenants: number } | null;
          available: boolean;
          reason: string | null;
        }[];
      }[];
    };
    expect(b.window).toEqual({ from: "2024-01-01T00:00:00.000Z", to: "2024-02-01T00:00:00.000Z" });
    expect(b.contributing).toBe(true);
    expect(b.groups).toHaveLength(1);
    const m = (name: string) => b.groups[0].metrics.find((x) => x.metric === name)!;
    expect(m("avg_score")).toMatchObject({
      own: { value: 100, calls: 20 },
      platform: { median: 75, tenants: 6 },
      available: true,
      reason: null,
    });
    expect(m("pass_rate").own.value).toBeCloseTo(0.75, 4);
    expect(m("critical_fail_rate").own.value).toBe(0);
    expect(m("avg_duration_s").own.value).toBe(300);
    // Per language: the groups exist (the tenant has English calls) but are withheld, and say so.
    const lang = (await (
      await call("/api/v1/benchmarks?period=2024-01&dimension=language", { key: ts[5].key })
    ).json()) as typeof b;
    expect(lang.groups.map((g) => [g.bucket, g.available, g.reason])).toEqual([
      ["en", false, "below_threshold"],
    ]);
    expect(lang.groups[0].metrics.find((x) => x.metric === "avg_score")!.own.value).toBe(100);
    // A month no build covered.
    const old = (await (
      await call("/api/v1/benchmarks?period=2019-01", { key: ts[5].key })
    ).json()) as typeof b;
    expect(old.groups[0]).toMatchObject({ available: false, reason: "not_built" });

    // The portal page shows the platform median next to the tenant's own value.
    const html = await (
      await call("/benchmarks?period=2024-01", { cookie: await loginCookie(ts[5].users.viewer.email) })
    ).text();
    expect(html).toContain("Platform median");
    expect(html).toMatch(/<strong>75<\/strong>/);
    expect(html).toContain("6 organisations, 121 calls");
    expect(html).not.toContain('action="/benchmarks/participation"'); // viewers do not see the opt-out
  });

  it("withholds a group of 4 tenants, and a group of 6 tenants with fewer than 100 calls", async () => {
    const ts: TestTenant[] = [];
    for (let i = 0; i < 6; i++) ts.push(await makeTenant());
    // May 2023: 4 tenants × 30 calls (120 calls, too few tenants).
    for (let i = 0; i < 4; i++) await insertCalls(ts[i], "2023-05", calls(30, { score: 60 + i }));
    // April 2023: 6 tenants × 15 calls (90 calls, too few calls).
    for (let i = 0; i < 6; i++) await insertCalls(ts[i], "2023-04", calls(15, { score: 60 + i }));
    // March 2023: 6 tenants × 17 calls (102 calls): published, the control.
    for (let i = 0; i < 6; i++) await insertCalls(ts[i], "2023-03", calls(17, { score: 60 + i }));
    const { job } = await runBuild(utc(2023, 6, 10), { dedupeKey: "test:thresholds" });
    const rows = await rowsOf(["2023-05", "2023-04", "2023-03"]);
    expect(rows.filter((r) => r.period === "2023-05")).toEqual([]);
    expect(rows.filter((r) => r.period === "2023-04")).toEqual([]);
    expect(row(rows, "2023-03", "avg_score")).toMatchObject({ tenants: 6, calls: 102, median: 62.5 });
    expect((job.result as { suppressed: number }).suppressed).toBeGreaterThan(0);

    const res = (await (await call("/api/v1/benchmarks?period=2023-05", { key: ts[0].key })).json()) as {
      groups: { available: boolean; reason: string; metrics: { available: boolean; reason: string }[] }[];
    };
    expect(res.groups[0]).toMatchObject({ available: false, reason: "below_threshold" });
    expect(res.groups[0].metrics.every((x) => !x.available && x.reason === "below_threshold")).toBe(true);
  });

  it("an opted-out tenant is not counted: its values change nothing, even when it opts out mid-build", async () => {
    const ts: TestTenant[] = [];
    for (let i = 0; i < 6; i++) {
      const t = await makeTenant();
      ts.push(t);
      await insertCalls(t, "2021-05", calls(20, { score: 60 + 5 * i, longWait: i }));
    }
    const outlier = await makeTenant();
    await controlDb(E).update(tenants).set({ statsOptOut: true }).where(eq(tenants.id, outlier.tenant.id));
    await insertCalls(outlier, "2021-05", calls(200, { score: 0, passes: 0, critical: 200, longWait: 200 }));
    const asOf = utc(2021, 6, 10);
    const periods = ["30d", "2021-05", "2021-04", "2021-03"];

    let sawOutlier = false;
    await runBuild(asOf, {
      dedupeKey: "test:optout-1",
      tenantsPerStep: 3,
      before: async () => {
        const c = await controlDb(E)
          .select()
          .from(statsContributions)
          .where(eq(statsContributions.tenantId, outlier.tenant.id));
        if (c.length) sawOutlier = true;
      },
    });
    expect(sawOutlier).toBe(false);
    const first = await rowsOf(periods);
    expect(row(first, "2021-05", "avg_score")).toMatchObject({ tenants: 6, calls: 120, median: 72.5 });
    expect(row(first, "2021-05", "critical_fail_rate")!.median).toBe(0);

    // More extreme data for the opted-out tenant: the published figures do not move.
    await insertCalls(outlier, "2021-05", calls(300, { score: 0, passes: 0, critical: 300 }));
    await runBuild(asOf, { dedupeKey: "test:optout-2" });
    expect(await rowsOf(periods)).toEqual(first);

    // A tenant that opts out after its contribution was collected is dropped at publication.
    const late = await makeTenant();
    await insertCalls(late, "2021-05", calls(200, { score: 0, passes: 0, critical: 200 }));
    let optedOut = false;
    await runBuild(asOf, {
      dedupeKey: "test:optout-3",
      tenantsPerStep: 100,
      before: async (msg) => {
        const job = await getJob(E, msg.jobId);
        if (optedOut || (job!.progress as { phase?: string }).phase !== "publish") return;
        const mine = await controlDb(E)
          .select()
          .from(statsContributions)
          .where(
            and(eq(statsContributions.jobId, msg.jobId), eq(statsContributions.tenantId, late.tenant.id)),
          );
        expect(mine).toHaveLength(1); // collected…
        const put = await call("/api/v1/settings/statistics", {
          method: "PUT",
          key: late.key,
          json: { optOut: true },
        });
        expect(put.status).toBe(200);
        optedOut = true;
      },
    });
    expect(optedOut).toBe(true);
    expect(await rowsOf(periods)).toEqual(first);
    // …and it still reads the benchmarks, marked as not contributing.
    const b = (await (await call("/api/v1/benchmarks?period=2021-05", { key: late.key })).json()) as {
      contributing: boolean;
      groups: { metrics: { metric: string; platform: { median: number } | null }[] }[];
    };
    expect(b.contributing).toBe(false);
    expect(b.groups[0].metrics.find((x) => x.metric === "avg_score")!.platform!.median).toBe(72.5);
  });

  it("is idempotent: steps delivered twice, a step killed before saving, a lost next-step message", async () => {
    for (let i = 0; i < 7; i++) {
      const t = await makeTenant();
      await insertCalls(
        t,
        "2020-05",
        calls(16 + i, { score: 55 + 4 * i, passes: 8 + i, longWait: i, language: i % 2 ? "en" : "fr" }),
      );
    }
    const asOf = utc(2020, 6, 10);
    const periods = ["30d", "2020-05", "2020-04", "2020-03"];
    const clean = await runBuild(asOf, { dedupeKey: "test:idem-clean", tenantsPerStep: 2 });
    const expected = await rowsOf(periods);
    expect(expected.length).toBeGreaterThan(10);
    expect(clean.job.result).toMatchObject({ contributed: 7 });
    expect(clean.stats).toMatchObject({ stale: 0, swept: 0 });

    const disturbed = await runBuild(asOf, {
      dedupeKey: "test:idem-disturbed",
      tenantsPerStep: 2,
      // Every step first runs to its side effects and dies before saving; then runs again.
      before: async (msg) => {
        await statsBuildStep(E, (await getJob(E, msg.jobId))!);
      },
      // Every third step is delivered twice.
      duplicate: (n) => n % 3 === 0,
      // The third send (the message of step 2) is lost.
      loseSend: 3,
    });
    expect(disturbed.stats.stale).toBeGreaterThanOrEqual(3);
    expect(disturbed.stats.swept).toBeGreaterThanOrEqual(1);
    expect(disturbed.job.status).toBe("done");
    expect(disturbed.job.result).toEqual(clean.job.result);
    expect(await rowsOf(periods)).toEqual(expected);
    expect(
      await controlDb(E)
        .select()
        .from(statsContributions)
        .where(eq(statsContributions.jobId, disturbed.job.id)),
    ).toEqual([]);
  });

  it("the daily cron only starts the job (one per day) and enqueues its first step", async () => {
    const t = await makeTenant();
    await insertCalls(t, "2025-01", calls(20, { score: 70 }));
    const send = vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const now = utc(2025, 2, 3) + 3 * 3_600_000 + 15 * 60_000;
    await daily(E, now);
    await daily(E, now + 60_000); // a retried cron the same day
    const started = await controlDb(E).select().from(jobs).where(eq(jobs.dedupeKey, "stats:2025-02-03"));
    expect(started).toHaveLength(1);
    expect(started[0]).toMatchObject({ kind: "stats_build", status: "queued", steps: 0, tenantId: null });
    expect(started[0].params).toEqual({ asOf: now });
    // (The same cron also starts each tenant's retention run: only this job's messages count here.)
    const stepMessages = send.mock.calls.filter(
      (c) => (c[0] as { type: string; jobId?: string }).jobId === started[0].id,
    );
    expect(stepMessages).toEqual([[{ type: "job.step", jobId: started[0].id, step: 0 }]]);
    // Nothing computed by the cron itself.
    expect(
      await controlDb(E).select().from(statsContributions).where(eq(statsContributions.jobId, started[0].id)),
    ).toEqual([]);
    expect(await rowsOf(["30d", "2025-01"])).toEqual([]);
  });
});

describe("statistics settings and benchmarks API (F6)", () => {
  it("owners and admins opt out (audited); viewers, agents and narrow keys cannot; bad input is a 400 problem", async () => {
    const t = await makeTenant();
    expect(await (await call("/api/v1/settings/statistics", { key: t.key })).json()).toEqual({
      optOut: false,
    });
    const put = (json: unknown, key = t.key) =>
      call("/api/v1/settings/statistics", { method: "PUT", key, json });
    const out = await put({ optOut: true });
    expect(out.status).toBe(200);
    expect(await out.json()).toEqual({ optOut: true });
    const audit = (await (await call("/api/v1/audit-log", { key: t.key })).json()) as {
      data: { action: string; meta: string | null }[];
    };
    const entry = audit.data.find((a) => a.action === "settings.statistics_changed");
    expect(JSON.parse(entry!.meta!)).toMatchObject({ optOut: true });

    for (const bad of [{ optOut: "yes" }, {}, { optOut: true, tenantId: "x" }]) {
      const res = await put(bad);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    const raw = await call("/api/v1/settings/statistics", {
      method: "PUT",
      key: t.key,
      body: "{nope",
      headers: { "content-type": "application/json" },
    });
    expect(raw.status).toBe(400);
    for (const q of ["period=2024-13", "period=last-week", "dimension=agent", "bucket=FR!", "bucket=fr"]) {
      const res = await call(`/api/v1/benchmarks?${q}`, { key: t.key });
      expect(res.status, q).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }

    // A key limited to analyses reads benchmarks but cannot change the setting.
    const keyRes = await call("/api/v1/api-keys", {
      method: "POST",
      key: t.key,
      json: { name: "bi", scopes: ["analyses:read"] },
    });
    const bi = ((await keyRes.json()) as { key: string }).key;
    expect((await call("/api/v1/benchmarks", { key: bi })).status).toBe(200);
    expect((await put({ optOut: false }, bi)).status).toBe(403);

    // Portal: a viewer may not post the form; an agent may not even open the page.
    const viewer = await loginCookie(t.users.viewer.email);
    const post = await call("/benchmarks/participation", { method: "POST", cookie: viewer, form: {} });
    expect(post.status).toBe(403);
    // A cross-site form post is refused before anything changes.
    const owner = await loginCookie(t.users.owner.email);
    const csrf = await call("/benchmarks/participation", {
      method: "POST",
      cookie: owner,
      form: {},
      headers: { origin: "https://evil.example" },
    });
    expect(csrf.status).toBe(403);
    // A tenant with no call at all, by language: no group, and the page says so.
    const none = await (
      await call("/benchmarks?dimension=language&period=2019-02", { cookie: owner })
    ).text();
    expect(none).toContain("Neither your organisation nor the platform has figures");
    expect((await call("/benchmarks", { cookie: await loginCookie(t.users.agent.email) })).status).toBe(403);
    expect(
      ((await (await call("/api/v1/settings/statistics", { key: t.key })).json()) as { optOut: boolean })
        .optOut,
    ).toBe(true);

    // An admin opts back in through the page (the unticked box), and sees the form.
    const admin = await loginCookie(t.users.admin.email);
    const back = await call("/benchmarks/participation", { method: "POST", cookie: admin, form: {} });
    expect(back.status).toBe(303);
    expect(back.headers.get("location")).toBe("/benchmarks?done=in");
    const page = await (await call("/benchmarks?done=in", { cookie: admin })).text();
    expect(page).toContain('action="/benchmarks/participation"');
    expect(page).toContain("takes part in the anonymised statistics again");
    expect(page).toContain("How these statistics are built");
    expect(
      ((await (await call("/api/v1/settings/statistics", { key: t.key })).json()) as { optOut: boolean })
        .optOut,
    ).toBe(false);
    const bad = await call("/benchmarks?period=yesterday", { cookie: admin });
    expect(bad.status).toBe(400);
  });
});

describe("restricted people in the statistics (F3 × F6)", () => {
  it("a restricted agent's calls are left out of the tenant's figures", async () => {
    const t = await makeTenant();
    await insertCalls(t, "2025-01", calls(12, { score: 90 }));
    const dp = dataPlane(E, t.tenant);
    await dp.d1
      .prepare(
        "update calls set agent_id = 'agt_restricted' where tenant_id = ? and rowid in (select rowid from calls where tenant_id = ? limit 2)",
      )
      .bind(t.tenant.id, t.tenant.id)
      .run();
    const w = [{ period: "2025-01", from: utc(2025, 1, 1), to: utc(2025, 2, 1) }];
    const before = await readTenantAggs(dp, w);
    await dp.d1
      .prepare(
        "insert into privacy_restrictions (tenant_id, subject_type, subject_ref, kind, request_id, created_at) values (?, 'agent', 'agt_restricted', 'restriction', 'prq_x', ?)",
      )
      .bind(t.tenant.id, Date.now())
      .run();
    const after = await readTenantAggs(dp, w);
    const count = (a: Awaited<ReturnType<typeof readTenantAggs>>) =>
      Object.values(a["2025-01"] ?? {}).reduce((n, x) => n + x.calls, 0);
    expect(count(before)).toBe(12);
    expect(count(after)).toBe(10);
  });
});
