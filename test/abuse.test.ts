import { and, eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { createCall } from "../core/calls/service";
import { requestContractEnd } from "../core/governance/contract-end";
import { KEY_FAILURE_LIMIT } from "../core/identity/abuse";
import { controlDb } from "../db/client";
import { dataPlane } from "../db/resolver";
import { jobs, mailOutbox, securityAlerts } from "../db/schema/control";
import { makeWav } from "./fixtures";
import { call, E, loginCookie, makeTenant, type TestTenant } from "./helpers";
import { operatorCookie } from "./ops-helpers";

const alertsOf = (t: TestTenant) =>
  controlDb(E).select().from(securityAlerts).where(eq(securityAlerts.tenantId, t.tenant.id));
const mailsTo = (to: string, kind: string) =>
  controlDb(E)
    .select()
    .from(mailOutbox)
    .where(and(eq(mailOutbox.to, to), eq(mailOutbox.kind, kind)));

async function thresholds(t: TestTenant, th: Record<string, number>) {
  const r = await call("/api/v1/settings/abuse-alerts", {
    method: "PUT",
    key: t.key,
    json: { thresholds: th, windowMinutes: 60 },
  });
  expect(r.status).toBe(200);
}

describe("abuse alerts (I5)", () => {
  it("mass deletion: the tenant's threshold is reached → one alert, admins and operators mailed", async () => {
    const t = await makeTenant();
    const quiet = await makeTenant();
    const op = await operatorCookie();
    await thresholds(t, { mass_deletion: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await createCall(t.ctx, { externalId: `del-${i}` })).call.id);
    const del = await call("/api/v1/calls/delete", {
      method: "POST",
      key: t.key,
      json: { ids: ids.slice(0, 3) },
    });
    expect(del.status).toBe(200);
    const [alert] = await alertsOf(t);
    expect(alert).toMatchObject({
      kind: "mass_deletion",
      detail: { count: 3, threshold: 3, windowMinutes: 60 },
    });
    const [toAdmin] = await mailsTo(t.users.admin.email, "security.alert.mass_deletion");
    expect(toAdmin.text).toContain("3 calls were deleted");
    expect(await mailsTo(t.users.owner.email, "security.alert.mass_deletion")).toHaveLength(1);
    expect(await mailsTo(t.users.viewer.email, "security.alert.mass_deletion")).toEqual([]);
    expect(await mailsTo(op.email, "security.alert.mass_deletion")).toHaveLength(1);
    // One more deletion in the same window: no second alert.
    await call("/api/v1/calls/delete", { method: "POST", key: t.key, json: { ids: [ids[3]] } });
    expect(await alertsOf(t)).toHaveLength(1);
    // Another tenant with the default threshold (200) deleting 3 calls: nothing.
    const qids: string[] = [];
    for (let i = 0; i < 3; i++) qids.push((await createCall(quiet.ctx, { externalId: `q-${i}` })).call.id);
    await call("/api/v1/calls/delete", { method: "POST", key: quiet.key, json: { ids: qids } });
    expect(await alertsOf(quiet)).toEqual([]);
    // The API lists it; an admin acknowledges it in the portal; operators see it in the console.
    const list = await (await call("/api/v1/security/alerts", { key: t.key })).json<{
      data: { id: string; kind: string }[];
    }>();
    expect(list.data.map((a) => a.kind)).toEqual(["mass_deletion"]);
    const cookie = await loginCookie(t.users.admin.email);
    const ack = await call(`/security/alerts/${alert.id}/acknowledge`, { method: "POST", cookie, form: {} });
    expect(ack.status).toBe(303);
    expect((await alertsOf(t))[0].acknowledgedAt).not.toBeNull();
    const console_ = await call("/ops/alerts", { cookie: op.cookie });
    expect(console_.status).toBe(200);
    expect(await console_.text()).toContain(t.tenant.name);
  });

  it("mass export: transcript downloads through the API past the threshold", async () => {
    const t = await makeTenant();
    await thresholds(t, { mass_export: 2 });
    const { call: c } = await createCall(t.ctx, {
      externalId: "exp-1",
      transcript: { format: "text", content: "Agent: Bonjour.\nClient: Bonjour, une question." },
    });
    expect((await call(`/api/v1/calls/${c.id}/transcript`, { key: t.key })).status).toBe(200);
    expect(await alertsOf(t)).toEqual([]);
    expect((await call(`/api/v1/calls/${c.id}/transcript`, { key: t.key })).status).toBe(200);
    const [alert] = await alertsOf(t);
    expect(alert.kind).toBe("mass_export");
    expect(await mailsTo(t.users.owner.email, "security.alert.mass_export")).toHaveLength(1);
  });

  it("mass export: recording playback in the portal counts once per whole download, not per seek", async () => {
    const t = await makeTenant();
    await thresholds(t, { mass_export: 2 });
    const { call: c } = await createCall(t.ctx, { externalId: "play-1" });
    const wav = makeWav(1);
    const put = await call(`/api/v1/calls/${c.id}/recording`, {
      method: "PUT",
      key: t.key,
      body: wav,
      headers: { "content-type": "audio/wav", "content-length": String(wav.byteLength) },
    });
    expect(put.status).toBe(200);
    const cookie = await loginCookie(t.users.supervisor.email);
    const play = (range?: string) =>
      call(`/calls/${c.id}/recording`, { cookie, headers: range ? { range } : {} });
    expect((await play("bytes=0-")).status).toBe(206);
    expect((await play("bytes=1000-")).status).toBe(206); // seeking
    expect((await play("bytes=2000-3000")).status).toBe(206);
    expect(await alertsOf(t)).toEqual([]);
    expect((await play()).status).toBe(200);
    const [alert] = await alertsOf(t);
    expect(alert).toMatchObject({ kind: "mass_export", detail: { count: 2 } });
  });

  it("mass export: downloads of contract-end export volumes count", async () => {
    vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const t = await makeTenant();
    await thresholds(t, { mass_export: 2 });
    await requestContractEnd(t.ctx, { export: true, confirmName: t.tenant.name });
    // A finished volume (the export step itself is tested in contract-end.test.ts).
    const dp = dataPlane(E, t.tenant);
    const key = `t/${t.tenant.id}/exports/contract-end/x/part-0001.zip`;
    await dp.bucket.put(key, "zip");
    const [job] = await controlDb(E).select().from(jobs).where(eq(jobs.tenantId, t.tenant.id));
    await controlDb(E)
      .update(jobs)
      .set({ progress: { ...job.progress, phase: "wait", volumes: [{ key, size: 3, calls: 1 }] } })
      .where(eq(jobs.id, job.id));
    const get = () => call("/api/v1/tenant/contract-end/exports/1", { key: t.key });
    expect((await get()).status).toBe(200);
    expect(await alertsOf(t)).toEqual([]);
    expect((await get()).status).toBe(200);
    expect((await alertsOf(t))[0]).toMatchObject({ kind: "mass_export" });
    vi.restoreAllMocks();
  });

  it("failed API-key authentications: 429 + Retry-After per address at the limit, one operator alert, valid keys unaffected", async () => {
    const t = await makeTenant();
    const op = await operatorCookie();
    const ip = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const guess = (key: string, from = ip) =>
      call("/api/v1/tenant", { key, headers: { "cf-connecting-ip": from } });
    const random = () => `ccr_live_${crypto.randomUUID().replaceAll("-", "").slice(0, 32)}`;
    const statuses: number[] = [];
    for (let i = 0; i < KEY_FAILURE_LIMIT + 5; i++) statuses.push((await guess(random())).status);
    expect(statuses.slice(0, KEY_FAILURE_LIMIT - 1).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(KEY_FAILURE_LIMIT - 1).every((s) => s === 429)).toBe(true);
    const blocked = await guess("garbage");
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(blocked.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(blocked.headers.get("content-type")).toBe("application/problem+json");
    // A valid key from the same address (a shared NAT) still works; another address is not blocked.
    expect((await guess(t.key)).status).toBe(200);
    expect((await guess(random(), "198.51.100.77")).status).toBe(401);

    // One platform alert (no tenant) for this address, mailed to the operators and audited.
    const alerts = (
      await controlDb(E).select().from(securityAlerts).where(eq(securityAlerts.kind, "key_failures"))
    ).filter((a) => a.detail.ip === ip);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({
      tenantId: null,
      detail: { count: KEY_FAILURE_LIMIT, windowSeconds: 60 },
    });
    const [mail] = await mailsTo(op.email, "security.alert.key_failures");
    expect(mail.text).toContain(ip);
    const audited = await E.CONTROL_DB.prepare(
      "select count(*) as n from audit_log where chain = 'platform' and action = 'security.alert_key_failures' and target_id = ?",
    )
      .bind(alerts[0].id)
      .first<{ n: number }>();
    expect(audited?.n).toBe(1);
    const page = await (
      await call("/ops/alerts", { cookie: op.cookie, headers: { "accept-language": "en" } })
    ).text();
    expect(page).toContain("Failed API-key authentications");
    expect(page).toContain(`ip=${ip}`);
  });

  it("many failed logins on the tenant's accounts", async () => {
    const t = await makeTenant();
    await thresholds(t, { failed_logins: 3 });
    for (const [i, role] of (["viewer", "agent", "supervisor"] as const).entries()) {
      const r = await call("/login", {
        method: "POST",
        form: { email: t.users[role].email, password: "wrong password here" },
        headers: { "cf-connecting-ip": `198.51.100.${40 + i}` },
      });
      expect(r.status).toBe(401);
    }
    const [alert] = await alertsOf(t);
    expect(alert).toMatchObject({ kind: "failed_logins", detail: { count: 3 } });
    expect(await mailsTo(t.users.admin.email, "security.alert.failed_logins")).toHaveLength(1);
  });

  it("an API key used from a new network (not its first one, not the same /24)", async () => {
    const t = await makeTenant();
    const from = (ip: string) => call("/api/v1/agents", { key: t.key, headers: { "cf-connecting-ip": ip } });
    expect((await from("203.0.113.7")).status).toBe(200);
    expect((await from("203.0.113.99")).status).toBe(200); // same /24
    expect(await alertsOf(t)).toEqual([]);
    expect((await from("192.0.2.55")).status).toBe(200);
    const [alert] = await alertsOf(t);
    expect(alert).toMatchObject({
      kind: "new_network",
      detail: { apiKeyId: t.keyId, network: "192.0.2.0/24" },
    });
    const [mail] = await mailsTo(t.users.owner.email, "security.alert.new_network");
    expect(mail.text).toContain("192.0.2.0/24");
    expect((await from("2001:db8:1:2::5")).status).toBe(200);
    expect(await alertsOf(t)).toHaveLength(2);
  });

  it("thresholds are validated and per tenant; the security page shows them", async () => {
    const t = await makeTenant();
    const bad = await call("/api/v1/settings/abuse-alerts", {
      method: "PUT",
      key: t.key,
      json: { thresholds: { failed_logins: 1 } },
    });
    expect(bad.status).toBe(400);
    const cookie = await loginCookie(t.users.owner.email);
    const saved = await call("/security/abuse", {
      method: "POST",
      cookie,
      form: { mass_export: "50", mass_deletion: "10", failed_logins: "5", windowMinutes: "30" },
    });
    expect(saved.status).toBe(303);
    const got = await (await call("/api/v1/settings/abuse-alerts", { key: t.key })).json();
    expect(got).toEqual({
      thresholds: { mass_export: 50, mass_deletion: 10, failed_logins: 5 },
      windowMinutes: 30,
    });
    expect((await call("/security", { cookie: await loginCookie(t.users.supervisor.email) })).status).toBe(
      403,
    );
  });
});
