import { and, eq } from "drizzle-orm";
import { dataPlane, shardDatabases } from "../../db/resolver";
import type { Tenant } from "../../db/schema/control";
import { analyses, type Call, callLabels, calls } from "../../db/schema/data";
import { markQuotaHeld, quotaBlocks } from "../billing/account";
import { recordAnalysedMinutes } from "../billing/metering";
import { tenantById } from "../identity/tenants";
import { markKpiDirty } from "../insights/kpis";
import { emitEvent } from "../integrations/webhooks";
import { appendAudit, SYSTEM_ACTOR } from "../platform/audit";
import { newId, randomToken } from "../platform/crypto";
import { providerObjected } from "../policy/objections";
import {
  type CallSubjects,
  holdReasonOf,
  type PrivacyFlags,
  privacyFlags,
  privacyFlagsMany,
} from "../policy/privacy-guard";
import { decideProcessing, type HoldReason } from "../policy/processing";
import { ProviderError } from "../providers/errors";
import { defaultRubricVersion, getRubricVersion, localeOf } from "../rubrics/service";
import { coverageOf } from "../scoring/engine/score";
import type { AnalysisResult } from "../scoring/engine/types";
import { callLanguage, judgeInLanguage } from "../scoring/rubric-language";
import { analyzeBuiltin, analyzeWithTenantLlm } from "./llm";
import { transcribeRecording } from "./speech";
import { readTranscriptFor } from "./transcript-store";

/**
 * The call pipeline (C1): received → transcribing → analyzing → done (or failed with a reason,
 * or held by the policy). Queue messages carry ids only: `{ tenantId, callId, runId }`. A run id is
 * drawn each time a call is (re)started; a message whose run id is not the call's current one is
 * stale and dropped, and an analysis is unique on (call, run) — so a message delivered twice
 * gives one analysis. Provider failures throw a retryable error (the queue retries with backoff);
 * after the last retry the message reaches the dead-letter queue, whose consumer marks the call
 * failed (it keeps its recording and can be reprocessed).
 */
export interface PipelineMessage {
  step: "transcribe" | "analyze";
  tenantId: string;
  callId: string;
  runId: string;
}

/**
 * The holds that apply before any provider is chosen, through the one policy function: objection,
 * consent withdrawal, erasure (suppression list) and restriction (F3), then the analysed-minutes
 * quota (G3). A call already billed (`id` given, a reprocess) is never held for quota.
 */
export async function admissionHold(
  env: Env,
  tenant: Tenant,
  call: CallSubjects & { id?: string },
  dp = dataPlane(env, tenant),
): Promise<HoldReason | null> {
  const flags = await privacyFlags(env, tenant, call, dp);
  const quotaExceeded = holdReasonOf(flags) ? false : await quotaBlocks(env, tenant.id, call.id);
  const held = decideHold(tenant, flags, quotaExceeded);
  if (held === "quota_exceeded") await markQuotaHeld(env, tenant.id);
  return held;
}

/**
 * The same for new calls created together (a bulk import's batch): privacy read once for all of
 * them, and the quota once (a new call is never billed yet, so the answer is the tenant's).
 */
export async function admissionHolds(
  env: Env,
  tenant: Tenant,
  list: CallSubjects[],
  dp = dataPlane(env, tenant),
): Promise<(HoldReason | null)[]> {
  const flags = await privacyFlagsMany(env, tenant, list, dp);
  // Read only if some call is not held for privacy already, as for one call.
  const quota = flags.some((f) => !holdReasonOf(f)) ? await quotaBlocks(env, tenant.id) : false;
  const out: (HoldReason | null)[] = [];
  for (const f of flags) {
    const quotaExceeded = holdReasonOf(f) ? false : quota;
    out.push(decideHold(tenant, f, quotaExceeded));
  }
  if (out.includes("quota_exceeded")) await markQuotaHeld(env, tenant.id);
  return out;
}

function decideHold(tenant: Tenant, flags: PrivacyFlags, quotaExceeded: boolean): HoldReason | null {
  const d = decideProcessing({ tenant, provider: "builtin", ...flags, quotaExceeded });
  return d.allowed ? null : d.holdReason;
}

/** Starts (or restarts) processing of a call that has a transcript or a stored recording. */
export async function startProcessing(env: Env, tenant: Tenant, call: Call): Promise<Call["status"]> {
  const dp = dataPlane(env, tenant);
  const runId = randomToken(8);
  const next = call.txFormat ? "analyzing" : call.recStatus === "stored" ? "transcribing" : null;
  if (!next) return call.status;
  // Held before anything is queued: nothing reaches a provider, and it resumes when the reason ends.
  const held = await admissionHold(env, tenant, call, dp);
  if (held) {
    await dp.db
      .update(calls)
      .set({ status: "held", holdReason: held, runId, failureReason: null, updatedAt: Date.now() })
      .where(and(eq(calls.id, call.id), eq(calls.tenantId, tenant.id)));
    return "held";
  }
  await dp.db
    .update(calls)
    .set({ status: next, runId, attempts: 0, failureReason: null, holdReason: null, updatedAt: Date.now() })
    .where(and(eq(calls.id, call.id), eq(calls.tenantId, tenant.id)));
  const msg: PipelineMessage = {
    step: next === "analyzing" ? "analyze" : "transcribe",
    tenantId: tenant.id,
    callId: call.id,
    runId,
  };
  try {
    await (next === "analyzing" ? env.ANALYZE_QUEUE : env.TRANSCRIBE_QUEUE).send(msg);
  } catch (err) {
    // The status is written: the stalled-call sweep below sends the message once it is due.
    console.error(
      JSON.stringify({
        level: "error",
        msg: "pipeline message not sent; the stalled-call sweep will send it",
        callId: call.id,
        step: msg.step,
        error: String(err),
      }),
    );
  }
  return next;
}

/**
 * A call analysing or transcribing that has not changed for this long has lost its message: the
 * queue refused it after the row was written (`createCalls`, `startProcessing`), or it was dropped.
 * Longer than any honest wait: retries are 4 × 15–30 s, and a step runs at most 15 minutes.
 */
export const STALLED_AFTER_MS = 30 * 60_000;
const SWEEP_PAGE = 200;
const SWEEP_PAGES = 5;

/**
 * Every ten minutes (workers/scheduled.ts): stalled calls of active, unlocked tenants get their
 * message again, with their current run id — a message that was only late finds the analysis of
 * that run already there and adds nothing (`analyzeStep`). The row's `updated_at` moves first
 * (compare-and-set), so two sweeps do not both send, and a queue still down is tried again
 * `STALLED_AFTER_MS` later. Returns the number of messages sent.
 */
export async function sweepStalledCalls(
  env: Env,
  now: number,
  stalledMs = STALLED_AFTER_MS,
): Promise<number> {
  let sent = 0;
  const tenantCache = new Map<string, Promise<Tenant | null>>();
  const tenantOf = (id: string) => {
    const known = tenantCache.get(id);
    if (known) return known;
    const t = tenantById(env, id);
    tenantCache.set(id, t);
    return t;
  };
  for (const s of shardDatabases(env)) {
    const msgs: PipelineMessage[] = [];
    let after = { at: -1, id: "" };
    for (let page = 0; page < SWEEP_PAGES; page++) {
      const rows = (
        await s.d1
          .prepare(
            `select id, tenant_id, status, run_id, updated_at from calls
             where status in ('analyzing', 'transcribing') and updated_at < ?
               and (updated_at > ? or (updated_at = ? and id > ?))
             order by updated_at, id limit ?`,
          )
          .bind(now - stalledMs, after.at, after.at, after.id, SWEEP_PAGE)
          .all<{ id: string; tenant_id: string; status: string; run_id: string | null; updated_at: number }>()
      ).results;
      for (const r of rows) {
        const tenant = await tenantOf(r.tenant_id);
        // A move or the contract end owns the data (its own messages come back); a suspended
        // tenant's calls wait until it is active again; rows left on a shard the tenant left are not its.
        if (tenant?.status !== "active" || tenant.writeLock) continue;
        if (tenant.location !== s.location || tenant.shard !== s.shard) continue;
        const runId = r.run_id ?? randomToken(8);
        const moved = await s.d1
          .prepare(
            "update calls set run_id = ?, updated_at = ? where id = ? and tenant_id = ? and status = ? and updated_at = ?",
          )
          .bind(runId, now, r.id, r.tenant_id, r.status, r.updated_at)
          .run();
        if (!moved.meta.changes) continue;
        msgs.push({
          step: r.status === "analyzing" ? "analyze" : "transcribe",
          tenantId: r.tenant_id,
          callId: r.id,
          runId,
        });
      }
      if (rows.length < SWEEP_PAGE) break;
      const last = rows[rows.length - 1];
      after = { at: last.updated_at, id: last.id };
    }
    for (const step of ["analyze", "transcribe"] as const) {
      const queue = step === "analyze" ? env.ANALYZE_QUEUE : env.TRANSCRIBE_QUEUE;
      const list = msgs.filter((m) => m.step === step);
      for (let k = 0; k < list.length; k += 100) {
        try {
          await queue.sendBatch(list.slice(k, k + 100).map((body) => ({ body })));
          sent += Math.min(100, list.length - k);
        } catch (err) {
          // Still down: these calls are tried again at the next threshold.
          console.error(
            JSON.stringify({ level: "error", msg: "stalled calls not re-queued", step, error: String(err) }),
          );
        }
      }
    }
    if (msgs.length)
      console.log(
        JSON.stringify({ level: "info", msg: "stalled calls re-queued", shard: s.shard, count: msgs.length }),
      );
  }
  return sent;
}

async function load(env: Env, msg: PipelineMessage) {
  const tenant = await tenantById(env, msg.tenantId);
  if (!tenant) return null;
  if (tenant.writeLock) {
    // A location move (or the contract-end deletion) owns the data: come back later. Sent anew
    // rather than retried, so a long move does not exhaust the retries into the dead-letter queue.
    await (msg.step === "analyze" ? env.ANALYZE_QUEUE : env.TRANSCRIBE_QUEUE).send(msg, {
      delaySeconds: 120,
    });
    return null;
  }
  const dp = dataPlane(env, tenant);
  const call = await dp.db.query.calls.findFirst({
    where: and(eq(calls.id, msg.callId), eq(calls.tenantId, tenant.id)),
  });
  if (!call || call.runId !== msg.runId) return null; // deleted, or a newer run replaced this one
  return { tenant, call, dp };
}

async function setStatus(env: Env, tenant: Tenant, call: Call, patch: Partial<Call>) {
  await dataPlane(env, tenant)
    .db.update(calls)
    .set({ ...patch, updatedAt: Date.now() })
    .where(and(eq(calls.id, call.id), eq(calls.tenantId, tenant.id), eq(calls.runId, call.runId ?? "")));
}

/** Speech-to-text step. Without a configured provider the call fails with a clear reason. */
export async function transcribeStep(env: Env, msg: PipelineMessage): Promise<void> {
  const loaded = await load(env, msg);
  if (loaded?.call.status !== "transcribing") return;
  const { tenant, call } = loaded;
  if (call.txFormat) {
    await startProcessing(env, tenant, call);
    return;
  }
  if (tenant.speechProvider === "none") {
    await fail(
      env,
      tenant,
      call,
      "No speech-to-text provider is configured for this organisation: import a transcript, or choose a provider in the settings",
    );
    return;
  }
  const decision = decideProcessing({
    tenant,
    provider: tenant.speechProvider,
    ...(await privacyFlags(env, tenant, call)),
    subprocessorObjected: await providerObjected(env, tenant.id, tenant.speechProvider),
    quotaExceeded: await quotaBlocks(env, tenant.id, call.id),
  });
  if (!decision.allowed) {
    await setStatus(env, tenant, call, { status: "held", holdReason: decision.holdReason });
    if (decision.holdReason === "quota_exceeded") await markQuotaHeld(env, tenant.id);
    return;
  }
  await transcribeRecording(env, tenant, call, decision.endpoint);
  const after = await dataPlane(env, tenant).db.query.calls.findFirst({
    where: and(eq(calls.id, call.id), eq(calls.tenantId, tenant.id)),
  });
  if (after?.txFormat) await startProcessing(env, tenant, after);
}

/** Analysis step: the built-in engine (default) or the tenant's LLM provider. */
export async function analyzeStep(env: Env, msg: PipelineMessage): Promise<void> {
  const loaded = await load(env, msg);
  if (loaded?.call.status !== "analyzing") return;
  const { tenant, call, dp } = loaded;
  const existing = await dp.db.query.analyses.findFirst({
    where: and(eq(analyses.callId, call.id), eq(analyses.runId, msg.runId)),
  });
  if (existing) {
    // Delivered twice. The first delivery may have stopped between the analysis and the usage
    // ledger: recording the minutes again is a no-op when they are there (G3).
    const tx = await readTranscriptFor(env, tenant, call);
    if (tx) await recordAnalysedMinutes(env, tenant.id, call.id, tx.durationS);
    return;
  }
  const decision = decideProcessing({
    tenant,
    provider: tenant.analysisProvider,
    ...(await privacyFlags(env, tenant, call, dp)),
    subprocessorObjected: await providerObjected(env, tenant.id, tenant.analysisProvider),
    quotaExceeded: await quotaBlocks(env, tenant.id, call.id),
  });
  if (!decision.allowed) {
    await setStatus(env, tenant, call, { status: "held", holdReason: decision.holdReason });
    if (decision.holdReason === "quota_exceeded") await markQuotaHeld(env, tenant.id);
    return;
  }
  const transcript = await readTranscriptFor(env, tenant, call);
  if (!transcript) {
    await fail(env, tenant, call, "The transcript is missing");
    return;
  }
  let rubric: Awaited<ReturnType<typeof defaultRubricVersion>>;
  try {
    rubric = call.rubricId
      ? await getRubricVersion(env, tenant, call.rubricId)
      : await defaultRubricVersion(env, tenant);
  } catch {
    await fail(env, tenant, call, "The rubric named by the call does not exist");
    return;
  }
  // The grid in the call's language; criteria without phrases in it come back not_evaluated.
  const judging = judgeInLanguage(rubric, callLanguage(call, transcript, localeOf(tenant)));
  const input = {
    transcript,
    call: { durationS: call.durationS, language: judging.full.language, companyName: tenant.name },
    rubric: judging.rubric,
  };
  let result: AnalysisResult;
  let usage: { inputTokens?: number; outputTokens?: number } = {};
  if (tenant.analysisProvider === "builtin") {
    result = judging.complete(await analyzeBuiltin(env, input));
  } else {
    const r = await analyzeWithTenantLlm(env, tenant, decision.endpoint, input);
    result = judging.complete(r.result);
    usage = r.usage;
  }
  await storeAnalysis(env, tenant, call, msg.runId, result, usage, transcript.durationS);
}

export async function storeAnalysis(
  env: Env,
  tenant: Tenant,
  call: Call,
  runId: string,
  result: AnalysisResult,
  usage: { inputTokens?: number; outputTokens?: number } = {},
  /** The analysed transcript's duration: its minutes are metered once the analysis is committed (G3). */
  billedSeconds?: number,
) {
  const dp = dataPlane(env, tenant);
  const id = newId("ana");
  const key = dp.key("calls", call.id, `analysis-${id}.json`);
  await dp.bucket.put(key, JSON.stringify(result), { httpMetadata: { contentType: "application/json" } });
  const inserted = await dp.db
    .insert(analyses)
    .values({
      id,
      tenantId: tenant.id,
      callId: call.id,
      runId,
      rubricId: result.rubric.id,
      rubricVersion: result.rubric.version,
      engine: result.engine,
      language: result.language,
      score: result.score,
      evaluatedWeightPct: result.evaluatedWeightPct,
      passed: result.passed,
      criticalFail: result.criticalFail,
      needsReview: result.needsReview,
      resultKey: key,
      inputTokens: usage.inputTokens ?? null,
      outputTokens: usage.outputTokens ?? null,
      createdAt: Date.now(),
    })
    .onConflictDoNothing()
    .returning();
  if (!inserted.length) {
    await dp.bucket.delete(key); // a concurrent delivery won
    return;
  }
  // Before the call shows `done`, so a stop in between is caught up by the redelivery.
  if (billedSeconds !== undefined) await recordAnalysedMinutes(env, tenant.id, call.id, billedSeconds);
  // Uncertain findings are shown with the analysis but never filtered or counted on (KPIs, B6).
  const labels = [
    ...result.irritants
      .filter((i) => !i.uncertain)
      .map((i) => ({
        kind: "irritant" as const,
        label: i.type,
        weight: { low: 1, medium: 2, high: 3 }[i.severity],
      })),
    ...result.categories
      .filter((c) => !c.uncertain)
      .map((c) => ({
        kind: "category" as const,
        label: c.id,
        weight: Math.round(c.confidence * 100),
      })),
  ];
  const unique = [...new Map(labels.map((l) => [`${l.kind}:${l.label}`, l])).values()];
  await dp.db.batch([
    dp.db.delete(callLabels).where(and(eq(callLabels.callId, call.id), eq(callLabels.tenantId, tenant.id))),
    ...unique.map((l) =>
      dp.db
        .insert(callLabels)
        .values({ tenantId: tenant.id, callId: call.id, startedAt: call.startedAt, ...l }),
    ),
    dp.db
      .update(calls)
      .set({
        status: "done",
        score: result.score,
        evaluatedWeightPct: result.evaluatedWeightPct,
        uncertainCount: uncertainTotal(result),
        passed: result.passed,
        criticalFail: result.criticalFail,
        analysisId: id,
        silencePct: result.metrics.silencePct,
        sentimentEnd: result.metrics.sentimentEnd,
        language: call.language ?? result.language,
        updatedAt: Date.now(),
      })
      .where(and(eq(calls.id, call.id), eq(calls.tenantId, tenant.id))),
  ] as never);
  await markKpiDirty(env, tenant, [call.startedAt]);
  await emitEvent(
    env,
    tenant.id,
    "call.analyzed",
    {
      callId: call.id,
      externalId: call.externalId,
      analysisId: id,
      score: result.score,
      evaluatedWeightPct: result.evaluatedWeightPct,
      uncertainCount: uncertainTotal(result),
      passed: result.passed,
      criticalFail: result.criticalFail,
      rubric: result.rubric,
      needsReview: result.needsReview,
      agentId: call.agentId,
      language: result.language,
    },
    { eventId: `msg_${id}` },
  );
}

export async function fail(env: Env, tenant: Tenant, call: Call, reason: string) {
  await setStatus(env, tenant, call, { status: "failed", failureReason: reason.slice(0, 500) });
  await appendAudit(env, {
    tenantId: tenant.id,
    actor: SYSTEM_ACTOR,
    action: "call.failed",
    targetType: "call",
    targetId: call.id,
    result: "failure",
  });
  await emitEvent(
    env,
    tenant.id,
    "call.failed",
    { callId: call.id, externalId: call.externalId, reason: reason.slice(0, 500) },
    { eventId: `msg_${call.id}_${call.runId ?? "none"}_failed` },
  );
}

/** Dead letter: every retry failed. */
export async function deadLetterStep(env: Env, msg: PipelineMessage): Promise<void> {
  const loaded = await load(env, msg);
  if (!loaded || loaded.call.status === "done" || loaded.call.status === "failed") return;
  const what = msg.step === "transcribe" ? "transcription" : "analysis";
  await fail(
    env,
    loaded.tenant,
    loaded.call,
    `The ${what} kept failing after every retry; the call keeps its data and can be reprocessed`,
  );
}

/** A non-retryable error in a step: the call fails with the error's message as the reason. */
export async function failFromMessage(env: Env, msg: PipelineMessage, err: unknown): Promise<void> {
  const loaded = await load(env, msg);
  if (!loaded) return;
  console.error(
    JSON.stringify({
      level: "error",
      msg: "pipeline step failed",
      callId: msg.callId,
      step: msg.step,
      error: String(err),
    }),
  );
  // The reason is shown to the tenant and sent in webhooks: our words only, never a provider's body.
  const reason =
    err instanceof ProviderError && err.status !== undefined
      ? `${err.provider} could not process the call (HTTP ${err.status}); it can be reprocessed`
      : err instanceof Error
        ? err.message
        : String(err);
  await fail(env, loaded.tenant, loaded.call, reason);
}

/** How many criteria, irritants and categories the analysis returned as uncertain. */
function uncertainTotal(result: AnalysisResult): number {
  const u = coverageOf(result).uncertain;
  return u.criteria.length + u.irritants.length + u.categories.length;
}
