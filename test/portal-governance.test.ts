import { eq } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { controlDb } from "../db/client";
import { jobs, tenants, users } from "../db/schema/control";
import { call, E, loginCookie, makeTenant } from "./helpers";

afterEach(() => vi.restoreAllMocks());

const form = (path: string, cookie: string, body: Record<string, string>) =>
  call(path, { method: "POST", cookie, form: body });

describe("portal: data governance page (D6, F1, F2)", () => {
  it("shows retention, legal hold, runs and location; saves retention with the acknowledgement rule", async () => {
    vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const t = await makeTenant();
    const cookie = await loginCookie(t.users.admin.email);
    const page = await call("/governance", { cookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("Retention");
    expect(html).toContain('name="recordings"');
    expect(html).toContain("CNIL guidance: 183 days");
    expect(html).toContain('name="supportTickets"');
    expect(html).toContain("Platform default (no CNIL figure): 732 days");
    expect(html).toContain("D1 Time Travel");

    // Above the guidance without the box: a readable error, nothing saved.
    const refused = await form("/governance/retention", cookie, { recordings: "400" });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("explicit acknowledgement");
    let row = await controlDb(E).query.tenants.findFirst({ where: eq(tenants.id, t.tenant.id) });
    expect(row?.retention).toEqual({});
    // Not a number: a readable error.
    const nan = await form("/governance/retention", cookie, { recordings: "ten" });
    expect(nan.status).toBe(400);
    expect(await nan.text()).toContain("whole number of days");
    // Below the security-log floor: refused.
    const floor = await form("/governance/retention", cookie, { connectionLogs: "30" });
    expect(floor.status).toBe(400);
    const ok = await form("/governance/retention", cookie, {
      recordings: "400",
      acknowledgeAboveGuidance: "on",
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/governance?done=retention");
    row = await controlDb(E).query.tenants.findFirst({ where: eq(tenants.id, t.tenant.id) });
    expect(row?.retention).toMatchObject({ recordings: 400 });

    // Legal hold: a reason is required; set; lift.
    expect((await form("/governance/legal-hold", cookie, { reason: " " })).status).toBe(400);
    expect((await form("/governance/legal-hold", cookie, { reason: "Dispute 7" })).status).toBe(303);
    expect(await (await call("/governance", { cookie })).text()).toContain("Dispute 7");
    expect((await form("/governance/legal-hold/lift", cookie, {})).status).toBe(303);

    // Run now → a job in the runs table.
    expect((await form("/governance/retention/run", cookie, {})).status).toBe(303);
    const runs = await controlDb(E).select().from(jobs).where(eq(jobs.tenantId, t.tenant.id));
    expect(runs.map((j) => j.kind)).toContain("retention_purge");
  });

  it("starts a location move only with the confirmation; speaks French", async () => {
    vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const t = await makeTenant();
    const cookie = await loginCookie(t.users.owner.email);
    const noConfirm = await form("/governance/location", cookie, { location: "us" });
    expect(noConfirm.status).toBe(400);
    expect(await noConfirm.text()).toContain("Tick the box");
    const bad = await form("/governance/location", cookie, { location: "mars", confirm: "on" });
    expect(bad.status).toBe(400);
    const ok = await form("/governance/location", cookie, {
      location: "us",
      confirm: "on",
      confirmName: t.tenant.name,
    });
    expect(ok.status).toBe(303);
    expect(await (await call("/governance", { cookie })).text()).toContain("A move is in progress");
    await controlDb(E).update(users).set({ locale: "fr" }).where(eq(users.id, t.users.owner.id));
    const html = await (await call("/governance", { cookie })).text();
    expect(html).toContain("Dernier transfert");
    expect(html).toContain("Un transfert est en cours");
  });

  it("refuses cross-site posts and roles without settings:manage", async () => {
    const t = await makeTenant();
    const admin = await loginCookie(t.users.admin.email);
    const csrf = await call("/governance/legal-hold", {
      method: "POST",
      cookie: admin,
      form: { reason: "x" },
      headers: { origin: "https://evil.example" },
    });
    expect(csrf.status).toBe(403);
    const sup = await loginCookie(t.users.supervisor.email);
    expect((await call("/governance", { cookie: sup })).status).toBe(403);
  });

  it("a call's legal hold from its page: shown, deletion refused with the reason, lifted", async () => {
    const t = await makeTenant();
    const created = await call("/api/v1/calls", { method: "POST", key: t.key, json: { externalId: "PH-1" } });
    const { id } = (await created.json()) as { id: string };
    const cookie = await loginCookie(t.users.admin.email);
    expect((await form(`/calls/${id}/legal-hold`, cookie, { reason: "" })).status).toBe(400);
    const set = await form(`/calls/${id}/legal-hold`, cookie, { reason: "Claim 9" });
    expect(set.status).toBe(303);
    const page = await (await call(`/calls/${id}?done=legal_hold_set`, { cookie })).text();
    expect(page).toContain("Claim 9");
    expect(page).toContain("The call is under legal hold.");
    const del = await form(`/calls/${id}/delete`, cookie, {});
    expect(del.status).toBe(409);
    expect(await del.text()).toContain("Claim 9");
    expect((await form(`/calls/${id}/legal-hold/lift`, cookie, {})).status).toBe(303);
    expect((await form(`/calls/${id}/delete`, cookie, {})).status).toBe(303);
    const other = await makeTenant();
    const otherCookie = await loginCookie(other.users.admin.email);
    expect((await form(`/calls/${id}/legal-hold`, otherCookie, { reason: "x" })).status).toBe(404);
  });

  it("contract end from the page: owner only, name confirmation, status and cancel", async () => {
    vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const t = await makeTenant();
    const admin = await loginCookie(t.users.admin.email);
    expect(await (await call("/governance", { cookie: admin })).text()).not.toContain("End of contract");
    expect((await form("/governance/contract-end", admin, { confirmName: t.tenant.name })).status).toBe(403);
    const owner = await loginCookie(t.users.owner.email);
    expect(await (await call("/governance", { cookie: owner })).text()).toContain("End of contract");
    const wrong = await form("/governance/contract-end", owner, { confirmName: "nope", export: "on" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("exact name");
    const ok = await form("/governance/contract-end", owner, { confirmName: t.tenant.name, export: "on" });
    expect(ok.status).toBe(303);
    const page = await (await call("/governance?done=contract_end", { cookie: owner })).text();
    expect(page).toContain("Your export is being prepared");
    expect((await call("/governance/contract-end/exports/1", { cookie: owner })).status).toBe(404);
    expect((await form("/governance/contract-end/cancel", owner, {})).status).toBe(303);
    const row = await controlDb(E).query.tenants.findFirst({ where: eq(tenants.id, t.tenant.id) });
    expect(row?.status).toBe("active");
  });

  it("the public privacy page states how deletion works, D1 Time Travel included, in both languages", async () => {
    const en = await (await call("/legal/privacy", { headers: { "accept-language": "en" } })).text();
    expect(en).toContain("D1 Time Travel");
    expect(en).toContain("up to 30 days");
    const fr = await (await call("/legal/privacy", { headers: { "accept-language": "fr" } })).text();
    expect(fr).toContain("30 jours au plus");
  });
});
