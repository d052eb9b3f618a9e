import { and, eq } from "drizzle-orm";
import { dataPlane } from "../../db/resolver";
import { analyses } from "../../db/schema/data";
import type { Ctx } from "../platform/context";
import { ApiError } from "../platform/errors";
import { coverageOf } from "../scoring/engine/score";
import type { AnalysisResult } from "../scoring/engine/types";
import { findCall } from "./service";

/** The analysis shown for a call (its latest), read from R2; 409 until one exists. */
export async function getAnalysis(ctx: Ctx, callId: string) {
  const call = await findCall(ctx, callId);
  if (!call.analysisId)
    throw new ApiError(
      "analysis_not_ready",
      `This call has no analysis yet (status ${call.status}${call.failureReason ? `: ${call.failureReason}` : ""})`,
    );
  const dp = dataPlane(ctx.env, ctx.tenant);
  const row = await dp.db.query.analyses.findFirst({
    where: and(eq(analyses.id, call.analysisId), eq(analyses.tenantId, ctx.tenant.id)),
  });
  const obj = row ? await dp.bucket.get(row.resultKey) : null;
  if (!row || !obj) throw new ApiError("analysis_not_ready", "The analysis is not available");
  const result = (await obj.json()) as AnalysisResult;
  return {
    id: row.id,
    callId: call.id,
    status: "done" as const,
    automatic: true as const,
    ...result,
    // Derived when read, so analyses stored before it (and any provider's) carry it too.
    coverage: coverageOf(result),
    // D1 names the grid, not the stored result: merged duplicate grids (data migration 0016) move
    // the row to the surviving rubric while the R2 object still names the removed copy.
    rubric: { id: row.rubricId, version: row.rubricVersion },
    createdAt: new Date(row.createdAt).toISOString(),
  };
}
