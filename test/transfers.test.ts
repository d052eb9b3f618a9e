import { and, eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import "../workers/job-handlers";
import { createApiKey } from "../core/identity/api-keys";
import { getJob, runJobStep } from "../core/platform/jobs";
import { controlDb } from "../db/client";
import { auditLog, jobs, mailOutbox, tenants, users } from "../db/schema/control";
import { call, E, loginCookie, makeTenant, type TestTenant } from "./helpers";

afterEach(() => vi.restoreAllMocks());

const put = (key: string, json: unknown) => call("/api/v1/settings/location", { method: "PUT", key, json });
const form = (path: string, cookie: string, body: Record<string, string>) =>
  call(path, { method: "POST", cookie, form: body });

/** A key created by the tenant's admin (not an owner). */
async function adminKey(t: TestTenant) {
  const ctx = {
    ...t.ctx,
    actor: {
      type: "user" as const,
      id: t.users.admin.id,
      role: "admin" as const,
      sessionId: "test",
      agentId: null,
      email: t.users.admin.email,
    },
  };
  return (await createApiKey(ctx, { name: "admin's", scopes: ["admin"] })).key;
}

const mails = (t: TestTenant) =>
  controlDb(E)
    .select()
    .from(mailOutbox)
    .where(and(eq(mailOutbox.tenantId, t.tenant.id), eq(mailOutbox.kind, "transfer.confirmed")));
/** The audit entries of an action, their meta parsed (stored as JSON text). */
const audits = async (t: TestTenant, action: string) =>
  (
    await controlDb(E)
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenant.id), eq(auditLog.action, action)))
  ).map((a) => ({ ...a, meta: JSON.parse(String(a.meta ?? "{}")) as Record<string, unknown> }));

/** A page's text with the entities the renderer writes decoded. */
const page = async (path: string, cookie: string) =>
  (await (await call(path, { cookie })).text()).replaceAll("&#39;", "'").replaceAll("&quot;", '"');
const body = async (res: Response) => (await res.text()).replaceAll("&#39;", "'");

/** The shared explanation, as a page renders it. */
const notice = (html: string) => /<section[^>]*id="transfer"[\s\S]*?<\/section>/.exec(html)?.[0] ?? "";

describe("transfers outside the EU (issue 16 point 3)", () => {
  it("API: moving EU data to the US needs an owner's key and the organisation's name; owners and admins are mailed", async () => {
    vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const t = await makeTenant();
    const missing = await put(t.key, { location: "us" });
    expect(missing.status).toBe(400);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
    expect(((await missing.json()) as { errors: { pointer: string }[] }).errors[0].pointer).toBe(
      "/confirmName",
    );
    expect((await put(t.key, { location: "us", confirmName: "Someone else" })).status).toBe(400);

    const byAdmin = await put(await adminKey(t), { location: "us", confirmName: t.tenant.name });
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.headers.get("content-type")).toBe("application/problem+json");
    expect(((await byAdmin.json()) as { detail: string }).detail).toMatch(/owner/);
    expect(await audits(t, "tenant.transfer_refused")).toHaveLength(1);
    expect(await mails(t)).toHaveLength(0);

    const ok = await put(t.key, { location: "us", confirmName: ` ${t.tenant.name} ` });
    expect(ok.status).toBe(202);
    const [entry] = await audits(t, "tenant.transfer_confirmed");
    expect(entry.meta).toMatchObject({ kind: "location_us", subprocessors: "Cloudflare, Inc." });
    const sent = await mails(t);
    expect(sent.map((m) => m.to).sort()).toEqual([t.users.admin.email, t.users.owner.email].sort());
    expect(sent[0].subject).toContain("transfer outside the EU confirmed");
    expect(sent[0].text).toContain("standard contractual clauses");
    expect(sent[0].text).toContain(`${E.APP_URL.replace(/\/$/, "")}/governance`);
  });

  it("API: opening international processing of EU data is a transfer; returning, or a US tenant, is not", async () => {
    const t = await makeTenant();
    expect((await put(t.key, { processingScope: "international" })).status).toBe(400);
    expect(
      (await put(await adminKey(t), { processingScope: "international", confirmName: t.tenant.name })).status,
    ).toBe(403);
    const ok = await put(t.key, { processingScope: "international", confirmName: t.tenant.name });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { processingScope: string }).processingScope).toBe("international");
    expect((await audits(t, "tenant.transfer_confirmed"))[0].meta).toMatchObject({ kind: "international" });
    expect(await mails(t)).toHaveLength(2);
    // Back in region: an admin setting, no confirmation.
    expect((await put(await adminKey(t), { processingScope: "in_region" })).status).toBe(200);

    const us = await makeTenant({ location: "us" });
    expect((await put(us.key, { processingScope: "international" })).status).toBe(200);
    expect(await mails(us)).toHaveLength(0);
  });

  it("portal: /settings and /governance show the same explanation, in English and French", async () => {
    const t = await makeTenant();
    const cookie = await loginCookie(t.users.owner.email);
    const settings = await page("/settings", cookie);
    const governance = await page("/governance", cookie);
    const en = notice(settings);
    expect(en).toContain("articles 44 to 46 of the GDPR");
    expect(en).toContain("standard contractual clauses");
    expect(en).toContain("Cloudflare, Inc.");
    expect(en).toContain("What stays in the EU: accounts");
    expect(en).toContain("Anthropic, PBC"); // selectable once international
    expect(notice(governance)).toBe(en);
    expect(settings).not.toContain("requested from support");
    expect(settings).toContain(`type the organisation's name: ${t.tenant.name}`);
    expect(governance).toContain('name="confirmName"');

    await controlDb(E).update(users).set({ locale: "fr" }).where(eq(users.id, t.users.owner.id));
    const fr = notice(await page("/settings", cookie));
    expect(fr).toContain("articles 44 à 46 du RGPD");
    expect(fr).toContain("clauses contractuelles types");
    expect(fr).toContain("Ce qui reste dans l'UE");
    expect(notice(await page("/governance", cookie))).toBe(fr);
  });

  it("portal: an admin is refused in words, the owner must type the name, then it is saved", async () => {
    vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const t = await makeTenant();
    const admin = await loginCookie(t.users.admin.email);
    const adminPage = await page("/settings", admin);
    expect(adminPage).toContain("Only an owner of the organisation can confirm");
    expect(adminPage).not.toContain('name="confirmName"');
    const refused = await form("/settings/location", admin, {
      processingScope: "international",
      confirmName: t.tenant.name,
    });
    expect(refused.status).toBe(403);
    expect(await body(refused)).toContain("Only an owner of the organisation can confirm");
    const move = await form("/governance/location", admin, {
      location: "us",
      confirm: "on",
      confirmName: t.tenant.name,
    });
    expect(move.status).toBe(403);

    const owner = await loginCookie(t.users.owner.email);
    const noName = await form("/settings/location", owner, { processingScope: "international" });
    expect(noName.status).toBe(400);
    expect(await body(noName)).toContain("Type the organisation's exact name to confirm the transfer.");
    const row = await controlDb(E).query.tenants.findFirst({ where: eq(tenants.id, t.tenant.id) });
    expect(row?.processingScope).toBe("in_region");
    const ok = await form("/settings/location", owner, {
      processingScope: "international",
      confirmName: t.tenant.name,
    });
    expect(ok.status).toBe(303);
    const moved = await form("/governance/location", owner, {
      location: "us",
      confirm: "on",
      confirmName: t.tenant.name,
    });
    expect(moved.status).toBe(303);
    expect((await audits(t, "tenant.transfer_confirmed")).map((a) => a.meta)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "international" }),
        expect.objectContaining({ kind: "location_us" }),
      ]),
    );
  });

  it("a move into the EU never brings international processing along without the owner (review)", async () => {
    vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const runMove = async (t: TestTenant) => {
      const [job] = await controlDb(E)
        .select()
        .from(jobs)
        .where(and(eq(jobs.tenantId, t.tenant.id), eq(jobs.kind, "location_migration")));
      for (let i = 0; i < 200; i++) {
        const j = await getJob(E, job.id);
        if (!j || j.status === "done" || j.status === "failed") break;
        await runJobStep(E, { jobId: job.id, step: j.steps });
      }
      return controlDb(E).query.tenants.findFirst({ where: eq(tenants.id, t.tenant.id) });
    };
    const us = await makeTenant({ location: "us" });
    const admin = await adminKey(us);
    expect((await put(admin, { processingScope: "international" })).status).toBe(200);
    // Asked outright: EU data processed outside the EU is a transfer, whatever the location before.
    const explicit = await put(admin, { location: "eu", processingScope: "international" });
    expect(explicit.status).toBe(403);
    expect(await audits(us, "tenant.transfer_refused")).toHaveLength(1);
    // Not asked: the move needs no owner, and lands in region.
    expect((await put(admin, { location: "eu" })).status).toBe(202);
    expect(await runMove(us)).toMatchObject({ location: "eu", processingScope: "in_region" });
    expect(await mails(us)).toHaveLength(0);

    // Nor can the scope be opened while a move runs (the tenant is still "us" until the switch).
    const other = await makeTenant({ location: "us" });
    const otherAdmin = await adminKey(other);
    expect((await put(otherAdmin, { location: "eu" })).status).toBe(202);
    const during = await put(otherAdmin, { processingScope: "international" });
    expect(during.status).toBe(409);
    expect(during.headers.get("content-type")).toBe("application/problem+json");
    expect(await runMove(other)).toMatchObject({ location: "eu", processingScope: "in_region" });
  });

  it("the same move confirmed twice (a double submit, a client retry) is recorded and mailed once (review)", async () => {
    vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const t = await makeTenant();
    const first = await put(t.key, { location: "us", confirmName: t.tenant.name });
    const again = await put(t.key, { location: "us", confirmName: t.tenant.name });
    expect([first.status, again.status]).toEqual([202, 202]);
    const [a, b] = (await Promise.all([first.json(), again.json()])) as { migration: { id: string } }[];
    expect(b.migration.id).toBe(a.migration.id);
    expect(await audits(t, "tenant.transfer_confirmed")).toHaveLength(1);
    expect(await mails(t)).toHaveLength(2); // the owner and the admin, once each
  });

  it("the mail names a confirming key in each reader's language (review)", async () => {
    vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const t = await makeTenant();
    await controlDb(E).update(users).set({ locale: "fr" }).where(eq(users.id, t.users.admin.id));
    expect((await put(t.key, { location: "us", confirmName: t.tenant.name })).status).toBe(202);
    const sent = await mails(t);
    const fr = sent.find((m) => m.to === t.users.admin.email)!;
    const en = sent.find((m) => m.to === t.users.owner.email)!;
    expect(fr.text).toContain(`La clé d'API ${t.keyId} (au nom de son créateur, un propriétaire) a confirmé`);
    expect(fr.text).not.toContain(`API key ${t.keyId}`);
    expect(en.text).toContain(`The API key ${t.keyId} (acting for its creator, an owner) confirmed`);
  });

  it("a key of an owner whose account is disabled no longer confirms a transfer (review)", async () => {
    vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const t = await makeTenant();
    await controlDb(E).update(users).set({ disabledAt: Date.now() }).where(eq(users.id, t.users.owner.id));
    const res = await put(t.key, { location: "us", confirmName: t.tenant.name });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await mails(t)).toHaveLength(0);
  });
});
