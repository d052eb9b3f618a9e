import { and, desc, eq, isNotNull } from "drizzle-orm";
import { z } from "zod";
import { dataPlane } from "../../db/resolver";
import { calls } from "../../db/schema/data";
import { analyzeBuiltin } from "../calls/llm";
import { findCall } from "../calls/service";
import { readTranscript } from "../calls/transcript-store";
import type { Ctx } from "../platform/context";
import { ApiError, forbidden } from "../platform/errors";
import { type Permission, roleAllows, scopesAllow } from "../platform/rbac";
import { callScope } from "../policy/call-scope";
import { holdReasonOf, privacyFlags } from "../policy/privacy-guard";
import { localeOf } from "../rubrics/service";
import type { AnalysisResult } from "../scoring/engine/types";
import { callLanguage, judgeInLanguage, parseGridInput } from "../scoring/rubric-language";

/**
 * Dry run of a rubric (D4): the built-in engine on one stored call's transcript with content
 * that is not saved (the editor's draft). Nothing is written — no analysis row, no R2 object, no
 * call update, no webhook — so a supervisor can try a grid on real calls before publishing it.
 * The engine is the deterministic built-in one whatever the tenant's provider: nothing leaves the
 * platform, and the same draft on the same call always gives the same answer.
 */
export const dryRunSchema = z.object({
  callId: z.string().trim().min(1).max(64),
  content: z.unknown(),
  /** For the result's `rubric.id`; a draft of an existing rubric names it. */
  rubricId: z.string().max(64).optional(),
});

export interface DryRunResult extends AnalysisResult {
  callId: string;
  dryRun: true;
}

function may(ctx: Ctx, perm: Permission): boolean {
  if (ctx.actor.type === "user") return roleAllows(ctx.actor.role, perm);
  if (ctx.actor.type === "api_key") return scopesAllow(ctx.actor.scopes, perm);
  return false;
}

/** Zod issues of a rubric's content as a validation error (the API's problem `errors[]`). */
export function rubricContentError(issues: z.core.$ZodIssue[]): ApiError {
  return new ApiError("validation_failed", issues[0]?.message ?? "invalid rubric", {
    errors: issues.map((i) => ({ pointer: `/content/${i.path.join("/")}`, detail: i.message })),
  });
}

export async function dryRunRubric(ctx: Ctx, raw: z.input<typeof dryRunSchema>): Promise<DryRunResult> {
  const input = dryRunSchema.parse(raw);
  // The result quotes the transcript: whoever runs it must be allowed to read analyses too
  // (a `rubrics:write`-only API key must not read calls through this door).
  if (!may(ctx, "analyses:read")) throw forbidden("Reading call analyses is not allowed for this key");
  const parsed = parseGridInput(input.content);
  if (!parsed.success) throw rubricContentError(parsed.error.issues);
  const call = await findCall(ctx, input.callId); // tenant and agent scope; else 404
  const held = holdReasonOf(await privacyFlags(ctx.env, ctx.tenant, call));
  if (held)
    throw new ApiError("conflict", "Processing of this call is restricted or objected to", {
      messageKey: "portal.rubric.error.dry_run_held",
    });
  const transcript = call.txPurgedAt ? null : await readTranscript(ctx, call);
  if (!transcript?.segments?.length)
    throw new ApiError("conflict", "This call has no stored transcript to run the rubric on", {
      messageKey: "portal.rubric.error.no_transcript",
    });
  // The chosen call's language, as the pipeline would pick it.
  const judging = judgeInLanguage(
    { ...parsed.data, rubricId: input.rubricId ?? "draft", version: 0 },
    callLanguage(call, transcript, localeOf(ctx.tenant)),
  );
  const result = await analyzeBuiltin(ctx.env, {
    transcript,
    call: { durationS: call.durationS, language: judging.full.language, companyName: ctx.tenant.name },
    rubric: judging.rubric,
  });
  return { ...judging.complete(result), callId: call.id, dryRun: true };
}

/** Recent calls of the tenant with a transcript and an analysis, to pick one for a dry run. */
export async function dryRunCandidates(ctx: Ctx, limit = 25) {
  const dp = dataPlane(ctx.env, ctx.tenant);
  return dp.db
    .select({
      id: calls.id,
      externalId: calls.externalId,
      startedAt: calls.startedAt,
      score: calls.score,
    })
    .from(calls)
    .where(and(callScope(ctx), eq(calls.status, "done"), isNotNull(calls.txFormat)))
    .orderBy(desc(calls.startedAt), desc(calls.id))
    .limit(limit);
}
