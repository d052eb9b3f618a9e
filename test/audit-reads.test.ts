import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createCall } from "../core/calls/service";
import { flushReads, recordRead } from "../core/platform/audit-reads";
import { handleScheduled } from "../workers/scheduled";
import { makeWav } from "./fixtures";
import { call, E, loginCookie, makeTenant, type TestTenant } from "./helpers";

/**
 * Audit truth for reads (I2, issue 12 #12): transcript and analysis reads, call-page views and
 * report exports leave entries, without one chain append per read; the call page's player never
 * preloads, so opening a page is not a listen.
 */
const HOUR = 3_600_000;
const TEXT = "Conseiller: Bonjour, que puis-je faire pour vous ?\nClient: Ma facture est fausse.";

interface Entry {
  action: string;
  actor_type: string;
  actor_id: string;
  target_id: string | null;
  meta: string | null;
  seq: number;
}
const entries = async (t: TestTenant, action?: string) =>
  (
    await E.CONTROL_DB.prepare(
      `select action, actor_type, actor_id, target_id, meta, seq from audit_log where chain = ? ${action ? "and action = ?" : ""} order by seq`,
    )
      .bind(...(action ? [`t:${t.tenant.id}`, action] : [`t:${t.tenant.id}`]))
      .all<Entry>()
  ).results;
const pending = async (t: TestTenant) =>
  (
    await E.CONTROL_DB.prepare("select count(*) as n from audit_reads where tenant_id = ?")
      .bind(t.tenant.id)
      .first<{ n: number }>()
  )?.n ?? 0;
const meta = (e: Entry) => JSON.parse(e.meta ?? "{}") as Record<string, string | number>;

async function newCall(t: TestTenant, externalId: string) {
  const r = await call("/api/v1/calls", {
    method: "POST",
    key: t.key,
    json: { externalId, transcript: { format: "text", content: TEXT } },
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { id: string }).id;
}

describe("read audit", () => {
  it("API transcript reads: counted, then one chain entry per key, action and hour with the ids", async () => {
    const t = await makeTenant();
    const a = await newCall(t, "read-a");
    const b = await newCall(t, "read-b");
    const tipBefore = (await entries(t)).at(-1)?.seq ?? 0;
    for (const id of [a, a, b, a]) {
      const r = await call(`/api/v1/calls/${id}/transcript`, { key: t.key });
      expect(r.status).toBe(200);
    }
    // Reads do not queue on the audit chain: nothing appended yet, the counts wait in audit_reads.
    expect((await entries(t)).at(-1)?.seq ?? 0).toBe(tipBefore);
    expect(await pending(t)).toBe(2);
    // Not before the hour is over…
    expect((await flushReads(E, Date.now())).entries).toBe(0);
    // …then one entry for this key's transcript reads of that hour.
    await flushReads(E, Date.now() + HOUR + 61_000, 1000);
    const [read] = await entries(t, "transcript.read");
    expect(read).toMatchObject({ actor_type: "api_key", actor_id: t.keyId, target_id: null });
    expect(meta(read)).toMatchObject({ reads: 4, callCount: 2 });
    expect(String(meta(read).callIds).split(" ").sort()).toEqual([a, b].sort());
    expect(await pending(t)).toBe(0);
    expect((await flushReads(E, Date.now() + HOUR + 61_000, 1000)).entries).toBe(0);
    expect(await entries(t, "transcript.read")).toHaveLength(1);
  });

  it("a reader of many calls gets one entry per 20 of them; the 10-minute cron writes them", async () => {
    const t = await makeTenant();
    const past = Date.now() - 2 * HOUR;
    const ids = Array.from({ length: 25 }, (_, i) => `cal_${String(i).padStart(20, "0")}`);
    for (const id of ids) await recordRead(t.ctx, "analysis.read", id, past);
    await recordRead(t.ctx, "analysis.read", ids[0], past + 1);
    const ctx = createExecutionContext();
    await handleScheduled(
      createScheduledController({ cron: "*/10 * * * *", scheduledTime: Date.now() }),
      E,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const written = await entries(t, "analysis.read");
    expect(written.map((e) => meta(e).callCount)).toEqual([20, 5]);
    expect(written.reduce((n, e) => n + Number(meta(e).reads), 0)).toBe(26);
    expect(written.flatMap((e) => String(meta(e).callIds).split(" ")).sort()).toEqual(ids);
    expect(written.every((e) => String(meta(e).callIds).length <= 500)).toBe(true);
    expect(await pending(t)).toBe(0);
  });

  it("the analysis API read is recorded", async () => {
    const t = await makeTenant();
    const id = await newCall(t, "read-analysis");
    const end = Date.now() + 15_000;
    let r: Response;
    for (;;) {
      r = await call(`/api/v1/calls/${id}/analysis`, { key: t.key });
      if (r.status === 200 || Date.now() > end) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    expect(r.status).toBe(200);
    const row = await E.CONTROL_DB.prepare(
      "select count from audit_reads where tenant_id = ? and action = 'analysis.read' and target_id = ?",
    )
      .bind(t.tenant.id, id)
      .first<{ count: number }>();
    expect(row?.count).toBe(1);
  });

  it("a call page view is audited once per person, call and day; the player never preloads, so no listen is logged", async () => {
    const t = await makeTenant();
    const { call: c } = await createCall(t.ctx, { externalId: "view-1" });
    const wav = makeWav(1);
    const put = await call(`/api/v1/calls/${c.id}/recording`, {
      method: "PUT",
      key: t.key,
      body: wav,
      headers: { "content-type": "audio/wav", "content-length": String(wav.byteLength) },
    });
    expect(put.status).toBe(200);
    const sup = await loginCookie(t.users.supervisor.email);
    const admin = await loginCookie(t.users.admin.email);
    const exportsBefore = await E.CONTROL_DB.prepare(
      "select count(*) as n from abuse_events where tenant_id = ? and kind = 'mass_export'",
    )
      .bind(t.tenant.id)
      .first<{ n: number }>();
    for (const cookie of [sup, sup, sup, admin]) {
      const page = await call(`/calls/${c.id}`, { cookie });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain(`<audio controls="" preload="none" src="/calls/${c.id}/recording"`);
    }
    const views = await entries(t, "call.viewed");
    expect(views.map((v) => [v.actor_id, v.target_id])).toEqual([
      [t.users.supervisor.id, c.id],
      [t.users.admin.id, c.id],
    ]);
    // Opening the page fetched no audio: nothing played, nothing counted towards mass export.
    expect(await entries(t, "recording.played")).toEqual([]);
    const exportsAfter = await E.CONTROL_DB.prepare(
      "select count(*) as n from abuse_events where tenant_id = ? and kind = 'mass_export'",
    )
      .bind(t.tenant.id)
      .first<{ n: number }>();
    expect(exportsAfter?.n).toBe(exportsBefore?.n);
    // Another tenant's call: 404, and no entry.
    const other = await makeTenant();
    expect(
      (await call(`/calls/${c.id}`, { cookie: await loginCookie(other.users.admin.email) })).status,
    ).toBe(404);
    expect(await entries(other, "call.viewed")).toEqual([]);
    // Past days' marks are dropped by the flush; the entries stay.
    await flushReads(E, Date.now() + 86_400_000 + 61_000, 1000);
    expect(await pending(t)).toBe(0);
    expect(await entries(t, "call.viewed")).toHaveLength(2);
  });

  it("report exports (API CSV/XLSX, portal CSV/XLSX/print) are audited with what was exported", async () => {
    const t = await makeTenant();
    const q = "from=2026-01-01&to=2026-01-31&groupBy=team";
    expect((await call(`/api/v1/reports/summary?${q}&format=csv`, { key: t.key })).status).toBe(200);
    expect((await call(`/api/v1/reports/summary?${q}&format=json`, { key: t.key })).status).toBe(200);
    const cookie = await loginCookie(t.users.supervisor.email);
    for (const path of ["/reports/export.csv", "/reports/export.xlsx", "/reports/print"])
      expect((await call(`${path}?${q}`, { cookie })).status).toBe(200);
    const exported = await entries(t, "report.exported");
    expect(exported.map((e) => [e.actor_type, meta(e).format])).toEqual([
      ["api_key", "csv"],
      ["user", "csv"],
      ["user", "xlsx"],
      ["user", "print"],
    ]);
    expect(meta(exported[0])).toMatchObject({ groupBy: "team", from: "2026-01-01", to: "2026-01-31" });
  });
});
