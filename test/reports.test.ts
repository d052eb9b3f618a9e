import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { and, eq } from "drizzle-orm";
import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it, vi } from "vitest";
import { enqueueDueReports, sendScheduledReport } from "../core/insights/reports";
import { controlDb } from "../db/client";
import { mailOutbox, reportSchedules } from "../db/schema/control";
import { handleScheduled } from "../workers/scheduled";
import { call, E, loginCookie, makeTenant, type TestTenant, waitFor } from "./helpers";

async function seed(t: TestTenant) {
  const teams = ["Nord", "Nord", "Sud", '=HYPERLINK("http://x")'];
  for (const [i, team] of teams.entries()) {
    const res = await call("/api/v1/calls", {
      method: "POST",
      key: t.key,
      json: {
        externalId: `RP-${i}`,
        startedAt: `2026-11-1${i}T10:00:00Z`,
        agent: { externalId: `a-${i}`, name: `Agent ${i}`, team },
        transcript: {
          format: "text",
          content:
            "Agent: Bonjour, que puis-je faire ?\nClient: Ma facture est fausse.\nAgent: Je corrige, bonne journée.",
        },
      },
    });
    expect(res.status).toBe(201);
  }
  await waitFor(async () => {
    const k = (await (
      await call("/api/v1/reports/kpis?from=2026-11-09&to=2026-11-14", { key: t.key })
    ).json()) as {
      totals: { analysed: number };
      pendingDays: number;
    };
    return k.totals.analysed === 4 && k.pendingDays === 0 ? k : null;
  });
}

type Report = {
  rows: { key: string; label: string; team: string | null; figures: { calls: number } }[];
  totals: { calls: number };
};

describe("reports (D5)", () => {
  it("per team, agent and day; CSV (formulas defused) and XLSX; printable page", async () => {
    const t = await makeTenant();
    await seed(t);
    const base = "/api/v1/reports/summary?from=2026-11-09&to=2026-11-14";
    const team = (await (await call(`${base}&groupBy=team`, { key: t.key })).json()) as Report;
    expect(Object.fromEntries(team.rows.map((r) => [r.key, r.figures.calls]))).toMatchObject({
      Nord: 2,
      Sud: 1,
    });
    expect(team.totals.calls).toBe(4);
    const agent = (await (await call(`${base}&groupBy=agent&team=Nord`, { key: t.key })).json()) as Report;
    expect(agent.rows.map((r) => r.label).sort()).toEqual(["Agent 0", "Agent 1"]);
    const day = (await (await call(`${base}&groupBy=day`, { key: t.key })).json()) as Report;
    expect(day.rows.map((r) => r.key)).toEqual(["2026-11-10", "2026-11-11", "2026-11-12", "2026-11-13"]);

    const csv = await call(`${base}&groupBy=team&format=csv`, { key: t.key });
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const text = (await csv.text()).replace("\uFEFF", "");
    const lines = text.trim().split("\r\n");
    expect(lines[0]).toMatch(/^Équipe,Appels|^Team,Calls/);
    expect(lines.find((l) => l.startsWith("Nord,"))?.split(",")[1]).toBe("2");
    // A team name that a spreadsheet would run as a formula is written as text.
    expect(lines.some((l) => l.startsWith(`"'=HYPERLINK(""http://x"")"`))).toBe(true);

    const xlsx = await call(`${base}&groupBy=team&format=xlsx`, { key: t.key });
    expect(xlsx.headers.get("content-type")).toBe(
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    );
    const files = unzipSync(new Uint8Array(await xlsx.arrayBuffer()));
    const sheet = strFromU8(files["xl/worksheets/sheet1.xml"]);
    const shared = files["xl/sharedStrings.xml"] ? strFromU8(files["xl/sharedStrings.xml"]) : sheet;
    expect(shared).toContain("Nord");

    expect((await call(`/api/v1/reports/summary?from=2026-11-14&to=2026-11-09`, { key: t.key })).status).toBe(
      400,
    );
    expect(
      (await call(`/api/v1/reports/summary?from=2026-11-09&to=2026-11-14&groupBy=colour`, { key: t.key }))
        .status,
    ).toBe(400);

    const sup = await loginCookie(t.users.supervisor.email);
    const page = await (
      await call("/reports?from=2026-11-09&to=2026-11-14&groupBy=team", { cookie: sup })
    ).text();
    expect(page).toContain('data-row="Nord"');
    const pcsv = await call("/reports/export.csv?from=2026-11-09&to=2026-11-14&groupBy=agent", {
      cookie: sup,
    });
    expect(await pcsv.text()).toContain("Agent 2");
    const print = await (await call("/reports/print?from=2026-11-09&to=2026-11-14", { cookie: sup })).text();
    expect(print).toContain("@media print");
    expect(print).toContain('data-row="Sud"');
  }, 60_000);

  it("scheduled report mails: the cron enqueues, the consumer mails once", async () => {
    const t = await makeTenant();
    await seed(t);
    const created = await call("/api/v1/reports/schedules", {
      method: "POST",
      key: t.key,
      json: { frequency: "weekly", recipients: [t.users.supervisor.id] },
    });
    expect(created.status).toBe(201);
    const s = (await created.json()) as { id: string; nextRunAt: string };
    expect(new Date(s.nextRunAt).getUTCDay()).toBe(1); // a Monday
    expect(
      (
        await call("/api/v1/reports/schedules", {
          method: "POST",
          key: t.key,
          json: { frequency: "weekly", recipients: ["usr_nobody"] },
        })
      ).status,
    ).toBe(400);
    const send = vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    const due = Date.parse(s.nextRunAt) + 1000;
    await enqueueDueReports(E, due);
    expect(send).toHaveBeenCalledWith({ type: "report.send", scheduleId: s.id });
    send.mockRestore();
    expect(await sendScheduledReport(E, s.id, due)).toBe("sent");
    expect(await sendScheduledReport(E, s.id, due)).toBe("skipped"); // delivered twice
    const mails = await controlDb(E)
      .select()
      .from(mailOutbox)
      .where(and(eq(mailOutbox.to, t.users.supervisor.email), eq(mailOutbox.kind, "report.scheduled")));
    expect(mails).toHaveLength(1);
    const row = await controlDb(E).query.reportSchedules.findFirst({ where: eq(reportSchedules.id, s.id) });
    expect(row!.nextRunAt).toBeGreaterThan(due);
    expect((await call(`/api/v1/reports/schedules/${s.id}`, { method: "DELETE", key: t.key })).status).toBe(
      204,
    );
  }, 60_000);

  it("a schedule goes out at 06:00 in the tenant's zone, and a change of zone (API or page) moves its pending run (DST-aware)", async () => {
    const t = await makeTenant(); // Europe/Paris
    const local = (ms: number, timeZone: string) =>
      new Intl.DateTimeFormat("en-GB", {
        timeZone,
        weekday: "short",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      }).format(ms);
    const create = async (frequency: "weekly" | "monthly") => {
      const res = await call("/api/v1/reports/schedules", {
        method: "POST",
        key: t.key,
        json: { frequency, recipients: [t.users.supervisor.id] },
      });
      expect(res.status).toBe(201);
      return (await res.json()) as { id: string; nextRunAt: string };
    };
    const weekly = await create("weekly");
    const monthly = await create("monthly");
    expect(local(Date.parse(weekly.nextRunAt), "Europe/Paris")).toMatch(/^Mon \d\d, 06:00$/);
    expect(local(Date.parse(monthly.nextRunAt), "Europe/Paris")).toMatch(/^\w{3} 01, 06:00$/);

    // Pending runs in spring 2027, when Paris (CET until 28 March) and New York (EDT from 14 March)
    // are 5 hours apart instead of 6: Monday 22 March and Thursday 1 April, 06:00 in Paris.
    const setNext = (id: string, iso: string) =>
      controlDb(E)
        .update(reportSchedules)
        .set({ nextRunAt: Date.parse(iso) })
        .where(eq(reportSchedules.id, id));
    await setNext(weekly.id, "2027-03-22T05:00:00Z");
    await setNext(monthly.id, "2027-04-01T04:00:00Z");
    const nextOf = async (id: string) =>
      new Date(
        (await controlDb(E).query.reportSchedules.findFirst({ where: eq(reportSchedules.id, id) }))!
          .nextRunAt,
      ).toISOString();

    const put = await call("/api/v1/settings/time-zone", {
      method: "PUT",
      key: t.key,
      json: { timeZone: "America/New_York" },
    });
    expect(put.status).toBe(200);
    expect(await nextOf(weekly.id)).toBe("2027-03-22T10:00:00.000Z"); // 06:00 EDT, same Monday
    expect(await nextOf(monthly.id)).toBe("2027-04-01T10:00:00.000Z");

    // Not sent at the old hour; sent by the ten-minute cron once it is 06:00 in New York.
    const send = vi.spyOn(E.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
    await enqueueDueReports(E, Date.parse("2027-03-22T09:59:00Z"));
    expect(send).not.toHaveBeenCalledWith({ type: "report.send", scheduleId: weekly.id });
    const ctx = createExecutionContext();
    await handleScheduled(
      createScheduledController({ cron: "*/10 * * * *", scheduledTime: Date.parse("2027-03-22T10:00:00Z") }),
      E,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(send).toHaveBeenCalledWith({ type: "report.send", scheduleId: weekly.id });
    expect(send).not.toHaveBeenCalledWith({ type: "report.send", scheduleId: monthly.id });
    send.mockRestore();

    // The settings page goes through the same core function: back to Paris, back to 06:00 there.
    const admin = await loginCookie(t.users.admin.email);
    const page = await call("/settings/time-zone", {
      method: "POST",
      cookie: admin,
      form: { timeZone: "Europe/Paris" },
    });
    expect(page.status).toBe(303);
    expect(await nextOf(weekly.id)).toBe("2027-03-22T05:00:00.000Z");
    expect(await nextOf(monthly.id)).toBe("2027-04-01T04:00:00.000Z");
  }, 60_000);
});
