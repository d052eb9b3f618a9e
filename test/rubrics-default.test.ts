import type { D1Migration } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getAnalysis } from "../core/calls/analyses";
import { createCall } from "../core/calls/service";
import { isUniqueViolation } from "../core/platform/errors";
import { defaultRubricVersion } from "../core/rubrics/service";
import { TEMPLATES } from "../core/scoring/templates";
import { dataPlane } from "../db/resolver";
import { analyses, calls, rubrics, rubricVersions } from "../db/schema/data";
import { call, E, makeTenant, type TestTenant } from "./helpers";

/**
 * One default grid per tenant (issue 16 point 1): parallel first requests create exactly one row
 * (a unique partial index + insert-or-ignore), and the data migration merges the copies that
 * parallel analyses left behind, with analyses and calls moved to the surviving grid.
 */
const tenantRubrics = (t: TestTenant) =>
  dataPlane(E, t.tenant).db.select().from(rubrics).where(eq(rubrics.tenantId, t.tenant.id));

describe("default rubric", () => {
  it("parallel first requests and analyses create exactly one default grid", async () => {
    const t = await makeTenant();
    const viaApi = Array.from({ length: 6 }, () => call("/api/v1/rubrics", { key: t.key }));
    const direct = Array.from({ length: 6 }, () => defaultRubricVersion(E, t.tenant));
    const [responses, versions] = await Promise.all([Promise.all(viaApi), Promise.all(direct)]);
    expect(responses.map((r) => r.status)).toEqual(Array(6).fill(200));
    const rows = await tenantRubrics(t);
    expect(rows).toHaveLength(1);
    expect(rows[0].isDefault).toBe(true);
    expect(new Set(versions.map((v) => v.rubricId))).toEqual(new Set([rows[0].id]));
    const vs = await dataPlane(E, t.tenant)
      .db.select()
      .from(rubricVersions)
      .where(eq(rubricVersions.tenantId, t.tenant.id));
    expect(vs).toHaveLength(1);
  });

  it("the database refuses a second default for a tenant", async () => {
    const t = await makeTenant();
    const first = await defaultRubricVersion(E, t.tenant);
    const dp = dataPlane(E, t.tenant);
    const now = Date.now();
    const second = dp.db.insert(rubrics).values({
      id: "rub_second_default",
      tenantId: t.tenant.id,
      name: "Another",
      isDefault: true,
      latestVersion: 1,
      createdAt: now,
      updatedAt: now,
    });
    const err = await second.then(
      () => null,
      (e: unknown) => e,
    );
    expect(isUniqueViolation(err)).toBe(true);
    expect((await tenantRubrics(t)).map((r) => r.id)).toEqual([first.rubricId]);
  });

  it("the migration merges seeded copies; analyses, calls and reviews keep a surviving version", async () => {
    const t = await makeTenant();
    const dp = dataPlane(E, t.tenant);
    const tpl = TEMPLATES[0];
    const base = Date.now() - 60_000;
    const grid = (
      id: string,
      o: { isDefault?: boolean; latest?: number; by?: string | null; at?: number },
    ) => [
      dp.db.insert(rubrics).values({
        id,
        tenantId: t.tenant.id,
        name: tpl.name.en,
        templateId: tpl.id,
        isDefault: o.isDefault ?? false,
        latestVersion: o.latest ?? 1,
        createdAt: o.at ?? base,
        updatedAt: o.at ?? base,
      }),
      ...Array.from({ length: o.latest ?? 1 }, (_, i) =>
        dp.db.insert(rubricVersions).values({
          rubricId: id,
          tenantId: t.tenant.id,
          version: i + 1,
          content: tpl.versions.en,
          createdBy: i === 0 ? (o.by ?? null) : t.users.admin.id,
          createdAt: o.at ?? base,
        }),
      ),
    ];
    await dp.db.batch([
      // Copies left by parallel analyses, all in the same second; the last one is the default.
      ...grid("rub_copy_a", { at: base }),
      ...grid("rub_copy_b", { at: base }),
      ...grid("rub_copy_c", { at: base, isDefault: true }),
      // Someone edited this copy (version 2): a grid of its own now, not a duplicate.
      ...grid("rub_copy_edited", { at: base, latest: 2 }),
      // A person created this one from the same template: theirs, never merged.
      ...grid("rub_by_person", { at: base, by: t.users.admin.id }),
    ] as never);
    // A call that named a copy, waiting for audio (no analysis runs), then its analysis row.
    const created = await createCall(t.ctx, { externalId: "MERGE-1", rubricId: "rub_copy_a" });
    const callId = created.call.id;
    await dp.db.update(calls).set({ status: "done", analysisId: "ana_merge_1" }).where(eq(calls.id, callId));
    const resultKey = dp.key("analyses", "ana_merge_1.json");
    await dp.bucket.put(
      resultKey,
      JSON.stringify({
        rubric: { id: "rub_copy_a", version: 1 },
        criteria: [],
        irritants: [],
        categories: [],
        evaluatedWeightPct: 100,
        engine: "builtin",
      }),
    );
    await dp.db.insert(analyses).values({
      id: "ana_merge_1",
      tenantId: t.tenant.id,
      callId,
      runId: "run_merge_1",
      rubricId: "rub_copy_a",
      rubricVersion: 1,
      engine: "builtin",
      evaluatedWeightPct: 100,
      criticalFail: false,
      needsReview: false,
      resultKey,
      createdAt: base,
    });

    const migration = (env as unknown as { TEST_DATA_MIGRATIONS: D1Migration[] }).TEST_DATA_MIGRATIONS.find(
      (m) => m.name.includes("merge_default_rubrics"),
    );
    expect(migration).toBeDefined();
    const db = E[t.tenant.shard as "DATA_EU_1"];
    await db.batch((migration as D1Migration).queries.map((q) => db.prepare(q)));

    const left = (await tenantRubrics(t)).map((r) => [r.id, r.isDefault]).sort();
    expect(left).toEqual([
      ["rub_by_person", false],
      ["rub_copy_c", true],
      ["rub_copy_edited", false],
    ]);
    const an = await dp.db.query.analyses.findFirst({ where: eq(analyses.id, "ana_merge_1") });
    expect([an?.rubricId, an?.rubricVersion]).toEqual(["rub_copy_c", 1]);
    const c = await dp.db.query.calls.findFirst({ where: eq(calls.id, callId) });
    expect(c?.rubricId).toBe("rub_copy_c");
    const orphans = await dp.db
      .select()
      .from(rubricVersions)
      .where(and(eq(rubricVersions.tenantId, t.tenant.id), eq(rubricVersions.rubricId, "rub_copy_a")));
    expect(orphans).toHaveLength(0);
    // What reviews read: the analysis names the surviving grid even though its stored result
    // (written before the merge) names the removed copy.
    const shown = await getAnalysis(t.ctx, callId);
    expect(shown.rubric).toEqual({ id: "rub_copy_c", version: 1 });
    // The survivor is the default the next analysis uses: no new grid appears.
    expect((await defaultRubricVersion(E, t.tenant)).rubricId).toBe("rub_copy_c");
  });
});
