import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { JobFailure, registerJobHandler, runJobStep, startJob } from "../core/platform/jobs";
import { controlDb } from "../db/client";
import { mailOutbox, memberships, notices, users } from "../db/schema/control";
import { call, E, loginCookie, makeTenant, type TestTenant } from "./helpers";

afterEach(() => vi.restoreAllMocks());

type Json = Record<string, unknown>;
const form = (path: string, cookie: string, body: Record<string, string>) =>
  call(path, { method: "POST", cookie, form: body });
const text = async (path: string, cookie: string) =>
  (await (await call(path, { cookie })).text()).replaceAll("&#39;", "'");
const mailsTo = (t: TestTenant, to: string, kind: string) =>
  controlDb(E)
    .select()
    .from(mailOutbox)
    .where(and(eq(mailOutbox.tenantId, t.tenant.id), eq(mailOutbox.to, to), eq(mailOutbox.kind, kind)));
const noticesOf = (userId: string) => controlDb(E).select().from(notices).where(eq(notices.userId, userId));

async function analysedCall(t: TestTenant) {
  const res = await call("/api/v1/calls", {
    method: "POST",
    key: t.key,
    json: {
      externalId: "N-1",
      agent: { externalId: "ag-n", name: "Alice Martin" },
      transcript: {
        format: "text",
        content:
          "Agent: Bonjour, service client, Alice à l'appareil.\nClient: Ma facture est fausse.\nAgent: Je vous rembourse aujourd'hui. Bonne journée.",
      },
    },
  });
  const { id } = (await res.json()) as { id: string };
  for (let i = 0; i < 300; i++) {
    const c = (await (await call(`/api/v1/calls/${id}`, { key: t.key })).json()) as Json;
    if (c.status === "done") return { id, agentId: c.agentId as string };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("call not analysed");
}

describe("promises kept: notices and mails (issue 16 point 4)", () => {
  it("finalising a review tells the agent (notice + mail); a dispute tells the supervisors; FR and EN", async () => {
    const t = await makeTenant();
    const { id, agentId } = await analysedCall(t);
    await controlDb(E)
      .update(memberships)
      .set({ agentId })
      .where(eq(memberships.id, t.users.agent.membershipId));
    const sup = await loginCookie(t.users.supervisor.email);
    expect((await form(`/calls/${id}/review`, sup, { finalize: "on" })).status).toBe(303);

    const [n] = await noticesOf(t.users.agent.id);
    expect(n).toMatchObject({ kind: "review_final", link: `/calls/${id}` });
    const [mail] = await mailsTo(t, t.users.agent.email, "notice.review_final");
    expect(mail.subject).toBe("CallCenterRate: a review of your call was finalised");
    expect(mail.text).toContain(new URL(`/calls/${id}`, E.APP_URL).href);

    const agent = await loginCookie(t.users.agent.email);
    const home = await text("/notices", agent);
    expect(home).toContain("Notices (1 new)");
    expect(home).toContain(`A review of your call ${id} was finalised`);
    expect(home).toContain(`href="/calls/${id}"`);
    expect((await form("/notices/read", agent, {})).status).toBe(303);
    const read = await text("/notices", agent);
    expect(read).not.toContain("1 new");
    await controlDb(E).update(users).set({ locale: "fr" }).where(eq(users.id, t.users.agent.id));
    expect(await text("/notices", agent)).toContain(`Une évaluation de votre appel ${id} a été finalisée`);

    const reviews = (await (await call(`/api/v1/calls/${id}/reviews`, { key: t.key })).json()) as {
      data: { id: string }[];
    };
    expect(
      (await form(`/reviews/${reviews.data[0].id}/dispute`, agent, { reason: "I did it", callId: id }))
        .status,
    ).toBe(303);
    expect((await noticesOf(t.users.supervisor.id)).map((x) => x.kind)).toEqual(["review_disputed"]);
    const [supMail] = await mailsTo(t, t.users.supervisor.email, "notice.review_disputed");
    expect(supMail.text).toContain(`disputed the review of call ${id}`);
    expect(await noticesOf(t.users.admin.id)).toEqual([]);
  }, 60_000);

  it("a tenant without supervisors: a dispute goes to the admins, and without admins to the owner (review)", async () => {
    const t = await makeTenant();
    const { id, agentId } = await analysedCall(t);
    await controlDb(E)
      .update(memberships)
      .set({ agentId })
      .where(eq(memberships.id, t.users.agent.membershipId));
    const admin = await loginCookie(t.users.admin.email);
    expect((await form(`/calls/${id}/review`, admin, { finalize: "on" })).status).toBe(303);
    // The organisation has no supervisor at all.
    await controlDb(E).delete(memberships).where(eq(memberships.id, t.users.supervisor.membershipId));
    const agent = await loginCookie(t.users.agent.email);
    const reviewId = async () =>
      (
        (await (await call(`/api/v1/calls/${id}/reviews`, { key: t.key })).json()) as {
          data: { id: string; status: string }[];
        }
      ).data[0];
    const r = await reviewId();
    expect((await form(`/reviews/${r.id}/dispute`, agent, { reason: "I did it", callId: id })).status).toBe(
      303,
    );
    expect((await reviewId()).status).toBe("disputed");
    expect((await noticesOf(t.users.admin.id)).map((x) => x.kind)).toEqual(["review_disputed"]);
    expect(await mailsTo(t, t.users.admin.email, "notice.review_disputed")).toHaveLength(1);
    expect(await noticesOf(t.users.owner.id)).toEqual([]);

    // Neither supervisors nor admins: the owner hears it.
    const t2 = await makeTenant();
    const c2 = await analysedCall(t2);
    await controlDb(E)
      .update(memberships)
      .set({ agentId: c2.agentId })
      .where(eq(memberships.id, t2.users.agent.membershipId));
    const owner = await loginCookie(t2.users.owner.email);
    expect((await form(`/calls/${c2.id}/review`, owner, { finalize: "on" })).status).toBe(303);
    for (const m of [t2.users.supervisor.membershipId, t2.users.admin.membershipId])
      await controlDb(E).delete(memberships).where(eq(memberships.id, m));
    const reviews2 = (await (await call(`/api/v1/calls/${c2.id}/reviews`, { key: t2.key })).json()) as {
      data: { id: string }[];
    };
    const agent2 = await loginCookie(t2.users.agent.email);
    expect(
      (await form(`/reviews/${reviews2.data[0].id}/dispute`, agent2, { reason: "Not me", callId: c2.id }))
        .status,
    ).toBe(303);
    expect((await noticesOf(t2.users.owner.id)).map((x) => x.kind)).toEqual(["review_disputed"]);
    expect(await mailsTo(t2, t2.users.owner.email, "notice.review_disputed")).toHaveLength(1);
  }, 60_000);

  it("whoever started a long job hears when it ends, done or failed; a daily purge tells nobody", async () => {
    vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const t = await makeTenant();
    registerJobHandler("tenant_export", async () => ({ progress: {}, result: { ok: true } }));
    registerJobHandler("privacy_export", async () => {
      throw new JobFailure("the subject's data could not be read");
    });
    registerJobHandler("retention_purge", async () => ({ progress: {}, result: { counts: {} } }));
    // Started through the owner's API key: the key's creator is told.
    const done = await startJob(E, { tenantId: t.tenant.id, kind: "tenant_export", createdBy: t.keyId });
    expect(await runJobStep(E, { jobId: done.job.id, step: 0 })).toBe("finished");
    const failed = await startJob(E, {
      tenantId: t.tenant.id,
      kind: "privacy_export",
      createdBy: t.users.admin.id,
    });
    expect(await runJobStep(E, { jobId: failed.job.id, step: 0 })).toBe("failed");
    const purge = await startJob(E, {
      tenantId: t.tenant.id,
      kind: "retention_purge",
      createdBy: t.users.admin.id,
    });
    expect(await runJobStep(E, { jobId: purge.job.id, step: 0 })).toBe("finished");

    expect((await noticesOf(t.users.owner.id)).map((n) => n.kind)).toEqual(["job_done"]);
    expect((await noticesOf(t.users.admin.id)).map((n) => n.kind)).toEqual(["job_failed"]);
    const [ok] = await mailsTo(t, t.users.owner.email, "notice.job_done");
    expect(ok.subject).toBe("CallCenterRate: The export of your organisation's data finished");
    expect(ok.text).toContain(new URL("/security", E.APP_URL).href);
    const [ko] = await mailsTo(t, t.users.admin.email, "notice.job_failed");
    expect(ko.text).toContain("The export for a privacy request");
  });

  it("a step delivered twice: the delivery that loses tells nobody the job failed (review)", async () => {
    vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const t = await makeTenant();
    // Two deliveries of step 0 run side by side: the first finishes the export, the second then
    // fails (its copy of the data is gone) — after the job was saved as done.
    let release!: () => void;
    const firstSaved = new Promise<void>((r) => {
      release = r;
    });
    let calls = 0;
    registerJobHandler("tenant_export", async () => {
      if (++calls === 1) return { progress: {}, result: { ok: true } };
      await firstSaved;
      throw new JobFailure("the export's files are gone");
    });
    const { job } = await startJob(E, { tenantId: t.tenant.id, kind: "tenant_export", createdBy: t.keyId });
    const first = runJobStep(E, { jobId: job.id, step: 0 });
    const second = runJobStep(E, { jobId: job.id, step: 0 });
    expect(await first).toBe("finished");
    release();
    expect(await second).toBe("stale");
    const row = await controlDb(E).query.jobs.findFirst({ where: (j, { eq }) => eq(j.id, job.id) });
    expect(row?.status).toBe("done");
    expect((await noticesOf(t.users.owner.id)).map((n) => n.kind)).toEqual(["job_done"]);
    expect(await mailsTo(t, t.users.owner.email, "notice.job_failed")).toHaveLength(0);
  });
});
