import { sendMeterEvent } from "../core/billing/metering";
import { resumeQuotaHeld } from "../core/calls/holds";
import { hashRecordingJob } from "../core/calls/recording";
import { flushReadsStep } from "../core/platform/audit-reads";
import { type JobMessage, runJobStep } from "../core/platform/jobs";
import "./job-handlers";
import {
  analyzeStep,
  deadLetterStep,
  failFromMessage,
  type PipelineMessage,
  transcribeStep,
} from "../core/calls/pipeline";
import { tenantById } from "../core/identity/tenants";
import { rebuildDirty } from "../core/insights/kpis";
import { sendScheduledReport } from "../core/insights/reports";
import { deliverWebhook } from "../core/integrations/webhooks";
import { keepDeadLetter } from "../core/ops/health";
import { deliverMail } from "../core/platform/mail";
import { RetryableError } from "../core/providers/errors";
import { ProviderError } from "../core/providers/speech/types";
import { runScheduledSampling } from "../core/quality/review-queue";

/**
 * Queue consumers, dispatched on the queue name. Messages carry ids only (never personal data);
 * every handler is idempotent, because delivery is at-least-once. A failing message is retried
 * with backoff (max_retries in wrangler.toml) and then lands in the dead-letter queue.
 */
export type QueueMessage = JobMessage | PipelineMessage;

const RETRY_BASE_S = 10;
/** Exponential backoff: 10 s, 20 s, 40 s … capped at 15 min. */
export const retryDelaySeconds = (attempts: number) =>
  Math.min(900, RETRY_BASE_S * 2 ** Math.max(0, attempts - 1));

export async function handleQueue(
  batch: MessageBatch<QueueMessage>,
  env: Env,
  _ctx: ExecutionContext,
): Promise<void> {
  const queue = batch.queue.replace(/-(preview|staging)$/, "");
  // Pipeline messages are independent calls (each step is idempotent on the call's runId): they
  // run side by side, so the analysis Worker's round trips overlap. Other queues stay in order.
  if (isPipeline(queue)) {
    await Promise.all(batch.messages.map((m) => handleOne(queue, batch.queue, m, env)));
    return;
  }
  for (const msg of batch.messages) await handleOne(queue, batch.queue, msg, env);
}

async function handleOne(queue: string, queueName: string, msg: Message<QueueMessage>, env: Env) {
  const batch = { queue: queueName };
  try {
    if (queue === "ccr-jobs") await handleJob(env, msg.body as JobMessage);
    else if (queue === "ccr-transcribe") await transcribeStep(env, msg.body as PipelineMessage);
    else if (queue === "ccr-analyze") await analyzeStep(env, msg.body as PipelineMessage);
    else if (queue === "ccr-pipeline-dlq") {
      await deadLetterStep(env, msg.body as PipelineMessage);
      await keepDeadLetter(env, queue, msg.body, msg.attempts);
    } else if (queue === "ccr-jobs-dlq") {
      deadLetter(batch.queue, msg);
      await keepDeadLetter(env, queue, msg.body, msg.attempts);
    } else throw new Error(`no consumer for queue ${batch.queue}`);
    msg.ack();
  } catch (err) {
    // A pipeline error that retrying cannot fix fails the call at once (it keeps its data).
    if (
      isPipeline(queue) &&
      !(err instanceof RetryableError) &&
      !(err instanceof ProviderError && err.retryable)
    ) {
      await failFromMessage(env, msg.body as PipelineMessage, err).catch(() => msg.retry());
      msg.ack();
      return;
    }
    console.error(
      JSON.stringify({
        level: "error",
        msg: "queue message failed",
        queue: batch.queue,
        id: msg.id,
        attempts: msg.attempts,
        error: String(err),
      }),
    );
    msg.retry({ delaySeconds: retryDelaySeconds(msg.attempts) });
  }
}

const isPipeline = (q: string) => q === "ccr-transcribe" || q === "ccr-analyze";

async function handleJob(env: Env, body: JobMessage): Promise<void> {
  switch (body.type) {
    case "mail.send":
      await deliverMail(env, body.id);
      return;
    case "recording.hash": {
      const tenant = await tenantById(env, body.tenantId);
      if (tenant) await hashRecordingJob(env, tenant, body.callId);
      return;
    }
    case "webhook.deliver":
      await deliverWebhook(env, body.deliveryId);
      return;
    case "kpi.rollup": {
      const tenant = await tenantById(env, body.tenantId);
      if (tenant && !tenant.writeLock) await rebuildDirty(env, tenant);
      return;
    }
    case "report.send":
      await sendScheduledReport(env, body.scheduleId);
      return;
    case "review.sample": {
      const tenant = await tenantById(env, body.tenantId);
      if (tenant) await runScheduledSampling(env, tenant);
      return;
    }
    case "job.step":
      await runJobStep(env, body);
      return;
    case "audit.reads.flush":
      await flushReadsStep(env);
      return;
    case "billing.meter":
      await sendMeterEvent(env, body.id);
      return;
    case "billing.resume":
      await resumeQuotaHeld(env, body.tenantId);
      return;
    default:
      throw new Error(`unknown job type ${(body as { type: string }).type}`);
  }
}

/** Dead letters are logged for operators (queue health, H2); the message is acknowledged. */
function deadLetter(queue: string, m: Message<QueueMessage>) {
  const msg = m as unknown as Message<JobMessage>;
  console.error(
    JSON.stringify({
      level: "error",
      msg: "dead letter",
      queue,
      id: msg.id,
      type: msg.body?.type,
      ref:
        msg.body && "id" in msg.body
          ? msg.body.id
          : msg.body && "deliveryId" in msg.body
            ? msg.body.deliveryId
            : msg.body && "jobId" in msg.body
              ? msg.body.jobId
              : msg.body && "scheduleId" in msg.body
                ? msg.body.scheduleId
                : msg.body && "callId" in msg.body
                  ? msg.body.callId
                  : msg.body && "tenantId" in msg.body
                    ? msg.body.tenantId
                    : null,
    }),
  );
}
