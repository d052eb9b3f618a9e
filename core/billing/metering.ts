import { and, eq, gt, lt } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { stripeEvents, type UsageRecord, usageRecords } from "../../db/schema/control";
import { newId } from "../platform/crypto";
import { enqueueJob } from "../platform/jobs";
import { currentPeriod, getAccount, isLiveStatus, usageKeyOf } from "./account";
import { stripeConfig } from "./config";
import { stripeApi } from "./stripe";

/**
 * Metering of analysed minutes (G3). When an analysis is committed, the call's minutes — its
 * transcript's duration rounded up to the minute — go into the usage ledger once per (tenant, call):
 * the row's key is a keyed hash of the pair, so a reprocess or a message delivered twice finds the
 * row and adds nothing. With a live Stripe subscription the row is `pending` and a `billing.meter`
 * job sends it to Stripe as a meter event whose `identifier` is the row id (Stripe drops a second
 * event with the same identifier); the row becomes `sent` once Stripe accepted it.
 */
export const billedMinutes = (seconds: number) => Math.max(1, Math.ceil(Math.max(0, seconds) / 60));

export async function recordAnalysedMinutes(
  env: Env,
  tenantId: string,
  callId: string,
  seconds: number,
  now = Date.now(),
): Promise<UsageRecord | null> {
  const usageKey = await usageKeyOf(env, tenantId, callId);
  const acct = await getAccount(env, tenantId);
  const period = currentPeriod(acct, now);
  const metered = Boolean(
    stripeConfig(env) && acct?.stripeCustomerId && isLiveStatus(acct.subscriptionStatus),
  );
  const [row] = await controlDb(env)
    .insert(usageRecords)
    .values({
      id: newId("use"),
      tenantId,
      usageKey,
      seconds: Math.round(Math.max(0, seconds)),
      minutes: billedMinutes(seconds),
      occurredAt: now,
      periodStart: period.start,
      periodEnd: period.end,
      meterStatus: metered ? "pending" : "local",
    })
    .onConflictDoNothing()
    .returning();
  if (row && metered) await enqueueJob(env, { type: "billing.meter", id: row.id });
  return row ?? null;
}

/** Stripe accepts meter events up to 35 days old; older ones are reported, never sent. */
const MAX_EVENT_AGE_MS = 35 * 86_400_000 - 3_600_000;

interface StripeLikeError {
  statusCode?: number;
  code?: string;
  type?: string;
}

/** The `billing.meter` job: send one usage row as a meter event. Idempotent; throws to retry. */
export async function sendMeterEvent(
  env: Env,
  usageId: string,
  now = Date.now(),
): Promise<"sent" | "skipped" | "local" | "failed"> {
  const db = controlDb(env);
  const row = await db.query.usageRecords.findFirst({ where: eq(usageRecords.id, usageId) });
  if (row?.meterStatus !== "pending") return "skipped";
  const cfg = stripeConfig(env);
  const acct = await getAccount(env, row.tenantId);
  const mark = (patch: Partial<UsageRecord>) =>
    db
      .update(usageRecords)
      .set(patch)
      .where(and(eq(usageRecords.id, row.id), eq(usageRecords.meterStatus, "pending")));
  if (!cfg || !acct?.stripeCustomerId) {
    await mark({ meterStatus: "local" });
    return "local";
  }
  if (now - row.occurredAt > MAX_EVENT_AGE_MS) {
    await mark({ meterStatus: "failed", meterError: "older_than_35_days" });
    return "failed";
  }
  const stripe = stripeApi(env, cfg);
  try {
    await stripe.billing.meterEvents.create(
      {
        event_name: cfg.meterEventName,
        identifier: row.id,
        timestamp: Math.floor(row.occurredAt / 1000),
        payload: { stripe_customer_id: acct.stripeCustomerId, value: String(row.minutes) },
      },
      { idempotencyKey: `ccr-meter-${row.id}` },
    );
  } catch (err) {
    const e = err as StripeLikeError;
    // Refused for good (bad customer, meter missing…): recorded for operators, not retried forever.
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500 && e.statusCode !== 429) {
      await mark({
        meterStatus: "failed",
        meterError: (e.code ?? e.type ?? `http_${e.statusCode}`).slice(0, 100),
      });
      return "failed";
    }
    throw err;
  }
  await mark({ meterStatus: "sent", meterSentAt: now });
  return "sent";
}

/**
 * The 10-minute cron: rows still `pending` after 15 minutes (a job lost between the ledger insert
 * and the queue send) are sent again; the meter event identifier keeps Stripe from counting twice.
 */
export async function resendPendingMeterEvents(env: Env, now: number): Promise<number> {
  const rows = await controlDb(env)
    .select({ id: usageRecords.id })
    .from(usageRecords)
    .where(
      and(
        eq(usageRecords.meterStatus, "pending"),
        lt(usageRecords.occurredAt, now - 15 * 60_000),
        gt(usageRecords.occurredAt, now - MAX_EVENT_AGE_MS),
      ),
    )
    .limit(100);
  for (const r of rows) await enqueueJob(env, { type: "billing.meter", id: r.id });
  return rows.length;
}

/** Webhook event ids are kept 90 days (Stripe retries for 3 days); billing records themselves stay. */
export async function purgeStripeEvents(env: Env, now: number): Promise<void> {
  await controlDb(env)
    .delete(stripeEvents)
    .where(lt(stripeEvents.receivedAt, now - 90 * 86_400_000));
}
