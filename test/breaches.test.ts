import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { controlDb } from "../db/client";
import { auditLog, breaches, breachNotifications, mailOutbox, users } from "../db/schema/control";
import { call, E, makeTenant } from "./helpers";
import { operatorCookie } from "./ops-helpers";

const mailsTo = (to: string) => controlDb(E).select().from(mailOutbox).where(eq(mailOutbox.to, to));

describe("breach register (I9)", () => {
  it("an operator records a breach: each affected tenant's admins are mailed the art. 33(3) facts; times are kept", async () => {
    const a = await makeTenant();
    const b = await makeTenant();
    const spared = await makeTenant();
    await controlDb(E).update(users).set({ locale: "fr" }).where(eq(users.id, b.users.owner.id));
    const op = await operatorCookie();
    const title = `Misdirected export ${Date.now()}`;
    const before = Date.now();
    const res = await call("/ops/breaches", {
      method: "POST",
      cookie: op.cookie,
      form: {
        title,
        description: "An export link was sent to the wrong address.",
        occurredAt: "2026-03-01T08:00",
        discoveredAt: "2026-03-01T10:30",
        dataCategories: "call metadata, masked phone numbers",
        approxSubjects: "120",
        approxRecords: "340",
        consequences: "Low: numbers were masked.",
        measures: "Link revoked; recipient confirmed deletion.",
        contact: "dpo@callcenterrate.example",
        tenantIds: `${a.tenant.id}\n${b.tenant.id}`,
      },
    });
    expect(res.status).toBe(303);
    const breachId = (res.headers.get("location") ?? "").split("/").at(-1)!;
    const [row] = await controlDb(E).select().from(breaches).where(eq(breaches.id, breachId));
    expect(row.occurredAt).toBe(Date.parse("2026-03-01T08:00:00Z"));

    const [mailA] = await mailsTo(a.users.admin.email);
    expect(mailA.kind).toBe("breach.notification");
    expect(mailA.subject).toContain(title);
    for (const fact of [
      "An export link was sent to the wrong address.", // nature (a)
      "call metadata, masked phone numbers", // categories (a)
      "120", // people (a)
      "340", // records (a)
      "dpo@callcenterrate.example", // contact point (b)
      "Low: numbers were masked.", // consequences (c)
      "Link revoked; recipient confirmed deletion.", // measures (d)
      "72 hours",
    ])
      expect(mailA.text).toContain(fact);
    expect((await mailsTo(a.users.owner.email)).length).toBe(1);
    expect(await mailsTo(a.users.supervisor.email)).toEqual([]);
    expect(await mailsTo(spared.users.admin.email)).toEqual([]);
    const [mailB] = await mailsTo(b.users.owner.email);
    expect(mailB.locale).toBe("fr");
    expect(mailB.text).toContain("72 heures");

    const notes = await controlDb(E)
      .select()
      .from(breachNotifications)
      .where(eq(breachNotifications.breachId, breachId));
    expect(notes.map((n) => n.tenantId).sort()).toEqual([a.tenant.id, b.tenant.id].sort());
    for (const n of notes) {
      expect(n.recipients).toBe(2);
      expect(n.notifiedAt).toBeGreaterThanOrEqual(before);
    }
    const audit = await controlDb(E)
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, a.tenant.id), eq(auditLog.action, "breach.notified")));
    expect(audit).toHaveLength(1);

    // Adding the same tenant again sends nothing; a new one is notified.
    await call(`/ops/breaches/${breachId}/tenants`, {
      method: "POST",
      cookie: op.cookie,
      form: { tenantIds: `${a.tenant.id} ${spared.tenant.id}` },
    });
    expect((await mailsTo(a.users.admin.email)).length).toBe(1);
    expect((await mailsTo(spared.users.admin.email)).length).toBe(1);

    const detail = await (
      await call(`/ops/breaches/${breachId}`, { cookie: op.cookie, headers: { "accept-language": "en" } })
    ).text();
    expect(detail).toContain(spared.tenant.name);
    expect(detail).toContain("Admins e-mailed");

    // The tenant's API lists the breach it was told about.
    const api = await call("/api/v1/security/breaches", { key: a.key });
    expect(api.status).toBe(200);
    const list = await api.json<{ data: { id: string; measures: string; notifiedAt: string }[] }>();
    expect(list.data.map((x) => x.id)).toContain(breachId);
  });

  it("an unknown tenant id or dates in the wrong order are refused without notifying anyone", async () => {
    const a = await makeTenant();
    const op = await operatorCookie();
    const base = {
      title: "Bad one",
      description: "x",
      occurredAt: "2026-03-02T08:00",
      discoveredAt: "2026-03-01T08:00",
      dataCategories: "x",
      consequences: "x",
      measures: "x",
      contact: "dpo@x.example",
      tenantIds: a.tenant.id,
    };
    const wrongOrder = await call("/ops/breaches", { method: "POST", cookie: op.cookie, form: base });
    expect(wrongOrder.status).toBe(400);
    const unknown = await call("/ops/breaches", {
      method: "POST",
      cookie: op.cookie,
      form: { ...base, discoveredAt: "2026-03-03T08:00", tenantIds: `${a.tenant.id} ten_nope` },
    });
    expect(unknown.status).toBe(400);
    expect(await mailsTo(a.users.admin.email)).toEqual([]);
  });
});
