import { enqueueQuotaResumes } from "../core/billing/account";
import { purgeStripeEvents, resendPendingMeterEvents } from "../core/billing/metering";
import { purgeOldImports } from "../core/calls/import-job";
import { sweepStalledCalls } from "../core/calls/pipeline";
import { sweepAbandonedUploads } from "../core/calls/uploads";
import { startRetentionRuns } from "../core/governance/retention-purge";
import { purgeEmailTokens } from "../core/identity/account-base";
import { deleteExpiredSessions } from "../core/identity/session";
import { recheckSsoSessions } from "../core/identity/sso-recheck";
import { sweepDirtyKpis } from "../core/insights/kpis";
import { enqueueDueReports } from "../core/insights/reports";
import { startStatsBuild } from "../core/insights/stats/build";
import { writeDayHeads } from "../core/platform/audit";
import { flushReadsStep } from "../core/platform/audit-reads";
import { purgeIdempotencyKeys } from "../core/platform/idempotency";
import { resumeStalledJobs } from "../core/platform/jobs";
import { privacyDaily } from "../core/privacy/requests";
import { enqueueDueSampling } from "../core/quality/review-queue";

/**
 * Cron handlers only find work and do small, bounded housekeeping; anything large is enqueued.
 * Daily (03:15 UTC): expired sessions, used or expired e-mail tokens and idempotency records
 * removed; yesterday's audit day heads written to R2; the anonymised statistics build (F6)
 * started as a durable job (one per UTC day); retention runs started (F1); privacy-request deadline
 * reminders (F3); review-queue sampling of the week just ended (Mondays, core/quality/review-queue.ts).
 * Every 10 minutes: stalled jobs resumed, dirty KPI days rebuilt, due report schedules and stalled
 * calls (pipeline message lost) enqueued, SSO sessions rechecked, reads flushed, uploads swept.
 */
export const DAILY = "15 3 * * *";
export const EVERY_10_MIN = "*/10 * * * *";

export async function handleScheduled(
  controller: ScheduledController,
  env: Env,
  _ctx: ExecutionContext,
): Promise<void> {
  switch (controller.cron) {
    case DAILY:
      await daily(env, controller.scheduledTime);
      return;
    case EVERY_10_MIN:
      await resumeStalledJobs(env, controller.scheduledTime);
      await sweepDirtyKpis(env, controller.scheduledTime);
      // Calls whose pipeline message was lost (the queue refused it after the row was written).
      await sweepStalledCalls(env, controller.scheduledTime);
      // Scheduled reports are due at 06:00 in each tenant's zone: found within ten minutes of it.
      await enqueueDueReports(env, controller.scheduledTime);
      await resendPendingMeterEvents(env, controller.scheduledTime);
      // SSO sessions: the identity provider still vouches for the person, or the session ends.
      await recheckSsoSessions(env, controller.scheduledTime);
      // Reads of the hour that ended go into the audit chains (core/platform/audit-reads.ts).
      await flushReadsStep(env, controller.scheduledTime);
      // Multipart uploads open past 24 h are aborted: R2 would keep their parts for 7 days.
      await sweepAbandonedUploads(env, controller.scheduledTime);
      return;
    default:
      console.error(JSON.stringify({ level: "error", msg: "unknown cron", cron: controller.cron }));
  }
}

export async function daily(env: Env, now: number): Promise<void> {
  await deleteExpiredSessions(env, now);
  await purgeEmailTokens(env, now);
  await purgeIdempotencyKeys(env, now);
  await startRetentionRuns(env, now);
  // Bulk imports' outcomes are kept 30 days after they end.
  await purgeOldImports(env, now);
  // Review queue (C10): once a week, each tenant's rule samples the week that has just ended.
  await enqueueDueSampling(env, now);
  await startStatsBuild(env, now);
  // Privacy requests (F3): deadline reminders to tenant admins, expired export ZIPs removed.
  await privacyDaily(env, now);
  // Billing (G3): calls held for quota resume when a new period starts; old webhook event ids go.
  await enqueueQuotaResumes(env);
  await purgeStripeEvents(env, now);
  const yesterday = new Date(now - 86_400_000).toISOString().slice(0, 10);
  let after: string | undefined;
  do {
    const r = await writeDayHeads(env, yesterday, { afterChain: after, maxChains: 200 });
    after = r.next ?? undefined;
    if (r.conflicts.length)
      console.error(
        JSON.stringify({ level: "error", msg: "audit head conflict", day: yesterday, chains: r.conflicts }),
      );
  } while (after);
}
