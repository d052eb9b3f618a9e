/** Messages of the `jobs` queue: ids only, never personal data (SPEC "Shape"). */
export type JobMessage =
  | { type: "mail.send"; id: string }
  | { type: "recording.hash"; tenantId: string; callId: string }
  | { type: "webhook.deliver"; deliveryId: string };

export async function enqueueJob(env: Env, msg: JobMessage): Promise<void> {
  await env.JOBS_QUEUE.send(msg);
}
