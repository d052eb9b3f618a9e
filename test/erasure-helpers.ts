import { expect } from "vitest";
import "../workers/job-handlers";
import { startRetentionRun } from "../core/governance/retention-purge";
import { getJob, runJobStep } from "../core/platform/jobs";
import { call, E, type TestTenant } from "./helpers";

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are read field by field in assertions
type Json = Record<string, any>;

/**
 * A privacy request about an agent taken through the API to its end: recorded, identity
 * verified, executed; resolves with the completed request (its `export` for an access request).
 */
export async function agentRequest(t: TestTenant, kind: string, agentId: string): Promise<Json> {
  const send = async (path: string, json: unknown, status: number) => {
    const res = await call(`/api/v1${path}`, { key: t.key, method: "POST", json });
    const text = await res.text();
    expect(res.status, text).toBe(status);
    return JSON.parse(text) as Json;
  };
  const r = await send("/privacy-requests", { kind, subject: { type: "agent", agentId } }, 201);
  await send(
    `/privacy-requests/${r.id}/actions`,
    { action: "verify_identity", method: "callback_known_number" },
    200,
  );
  await send(`/privacy-requests/${r.id}/actions`, { action: "execute" }, 200);
  for (let i = 0; i < 200; i++) {
    const now = (await (await call(`/api/v1/privacy-requests/${r.id}`, { key: t.key })).json()) as Json;
    if (now.status === "completed") return now;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`${kind} request not completed`);
}

/** A retention run of the tenant, stepped by hand to its end (it must end "done"). */
export async function runRetention(t: TestTenant, now = Date.now()): Promise<void> {
  const { job } = await startRetentionRun(E, t.tenant, now);
  for (let i = 0; i < 1000; i++) {
    const j = await getJob(E, job.id);
    if (!j || j.status === "done" || j.status === "failed") break;
    await runJobStep(E, { jobId: job.id, step: j.steps });
  }
  expect((await getJob(E, job.id))?.status).toBe("done");
}
