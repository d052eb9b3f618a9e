import { and, eq } from "drizzle-orm";
import { dataPlane } from "../../db/resolver";
import { analyses } from "../../db/schema/data";
import type { Ctx } from "../platform/context";
import { ApiError } from "../platform/errors";
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
    createdAt: new Date(row.createdAt).toISOString(),
  };
}
