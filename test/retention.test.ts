import { describe, expect, it } from "vitest";
import { call, makeTenant } from "./helpers";

type R = {
  categories: Record<
    string,
    { days: number; guidanceDays: number; floorDays: number; aboveGuidance: boolean }
  >;
  billingYears: number;
  acknowledgedAboveGuidanceAt: string | null;
  legalHold: { reason: string } | null;
};

describe("retention settings (F1)", () => {
  it("defaults follow CNIL guidance; billing fixed at 10 years", async () => {
    const t = await makeTenant();
    const r = (await (await call("/api/v1/settings/retention", { key: t.key })).json()) as R;
    expect(r.categories.recordings).toMatchObject({ days: 183, guidanceDays: 183, aboveGuidance: false });
    expect(r.categories.transcripts.days).toBe(183);
    expect(r.categories.analyses.days).toBe(366);
    expect(r.categories.connectionLogs).toMatchObject({ days: 366, floorDays: 183 });
    expect(r.categories.supportTickets).toMatchObject({ days: 732, guidanceDays: 732, floorDays: 1 });
    expect(r.billingYears).toBe(10);
    expect(r.legalHold).toBeNull();
  });

  it("lower values are accepted; above the guidance needs an acknowledgement; security logs have a floor", async () => {
    const t = await makeTenant();
    const put = (json: unknown) => call("/api/v1/settings/retention", { method: "PUT", key: t.key, json });
    const lower = await put({ recordings: 30, transcripts: 90 });
    expect(lower.status).toBe(200);
    expect(((await lower.json()) as R).categories.recordings.days).toBe(30);
    const above = await put({ recordings: 400 });
    expect(above.status).toBe(400);
    expect(((await above.json()) as { errors: { pointer: string }[] }).errors[0].pointer).toBe(
      "/acknowledgeAboveGuidance",
    );
    const ack = await put({ recordings: 400, acknowledgeAboveGuidance: true });
    expect(ack.status).toBe(200);
    const a = (await ack.json()) as R;
    expect(a.categories.recordings).toMatchObject({ days: 400, aboveGuidance: true });
    expect(a.acknowledgedAboveGuidanceAt).not.toBeNull();
    const floor = await put({ connectionLogs: 30 });
    expect(floor.status).toBe(400);
    expect(((await floor.json()) as { errors: { pointer: string }[] }).errors[0].pointer).toBe(
      "/connectionLogs",
    );
    expect((await put({ billing: 1 })).status).toBe(400);
    expect((await put({ recordings: 0 })).status).toBe(400);
    const still = (await (await call("/api/v1/settings/retention", { key: t.key })).json()) as R;
    expect(still.categories.connectionLogs.days).toBe(366);
  });

  it("a legal hold needs a reason, is audited, and can be lifted", async () => {
    const t = await makeTenant();
    const set = await call("/api/v1/settings/legal-hold", {
      method: "PUT",
      key: t.key,
      json: { reason: "Litige prud'homal 2026-118" },
    });
    expect(set.status).toBe(200);
    expect(((await set.json()) as R).legalHold?.reason).toBe("Litige prud'homal 2026-118");
    expect(
      (await call("/api/v1/settings/legal-hold", { method: "PUT", key: t.key, json: { reason: "" } })).status,
    ).toBe(400);
    const lifted = await call("/api/v1/settings/legal-hold", { method: "DELETE", key: t.key });
    expect(((await lifted.json()) as R).legalHold).toBeNull();
    const audit = (await (await call("/api/v1/audit-log", { key: t.key })).json()) as {
      data: { action: string }[];
    };
    expect(audit.data.map((a) => a.action)).toEqual(
      expect.arrayContaining(["settings.legal_hold_set", "settings.legal_hold_lifted"]),
    );
  });
});

describe("legal hold wins over deletion (F1, B7)", () => {
  it("calls of a tenant under legal hold cannot be deleted; lifting the hold allows it", async () => {
    const t = await makeTenant();
    const c = (await (
      await call("/api/v1/calls", { method: "POST", key: t.key, json: { externalId: "H-1" } })
    ).json()) as { id: string };
    await call("/api/v1/settings/legal-hold", {
      method: "PUT",
      key: t.key,
      json: { reason: "Contrôle CNIL" },
    });
    const refused = await call(`/api/v1/calls/${c.id}`, { method: "DELETE", key: t.key });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { detail: string }).detail).toContain("legal hold: Contrôle CNIL");
    const bulk = (await (
      await call("/api/v1/calls/delete", { method: "POST", key: t.key, json: { ids: [c.id] } })
    ).json()) as {
      vetoed: { id: string }[];
    };
    expect(bulk.vetoed.map((v) => v.id)).toEqual([c.id]);
    expect((await call(`/api/v1/calls/${c.id}`, { key: t.key })).status).toBe(200);
    await call("/api/v1/settings/legal-hold", { method: "DELETE", key: t.key });
    expect((await call(`/api/v1/calls/${c.id}`, { method: "DELETE", key: t.key })).status).toBe(204);
  });
});
