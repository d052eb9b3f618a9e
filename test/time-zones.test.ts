import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { rebuildDirty } from "../core/insights/kpis";
import { controlDb } from "../db/client";
import { mailOutbox, tenants, users } from "../db/schema/control";
import { call, E, loginCookie, makeTenant, type TestTenant } from "./helpers";
import { operatorCookie } from "./ops-helpers";

/**
 * Time zones (issue 16 point 2): an organisation has a zone (chosen at sign-up, default from the
 * location, editable by admins, checked by Intl), its pages, exports and mails show dates in it
 * with its name; operators' pages are in UTC for real; the tenant's breach notice carries every
 * GDPR art. 33(3) fact.
 */
const uniq = () => `${Date.now()}${Math.random().toString(36).slice(2, 8)}`;
const signUp = (extra: Record<string, string>, lang = "en") =>
  call("/signup", {
    method: "POST",
    headers: { "accept-language": lang },
    form: {
      email: `tz.${uniq()}@example.test`,
      password: "a long enough passphrase",
      firstName: "Ada",
      lastName: "Lovelace",
      company: `Zone ${uniq()}`,
      ...extra,
    },
  });
const tenantOf = async (company: string) =>
  (await controlDb(E).select().from(tenants).where(eq(tenants.name, company)))[0];

async function inZone(zone: string, locale: "en" | "fr" = "en"): Promise<TestTenant> {
  const t = await makeTenant({ location: zone === "America/New_York" ? "us" : "eu" });
  await controlDb(E).update(tenants).set({ timeZone: zone }).where(eq(tenants.id, t.tenant.id));
  await controlDb(E).update(users).set({ locale }).where(eq(users.id, t.users.admin.id));
  t.tenant.timeZone = zone;
  return t;
}

const BREACH = {
  title: "Misdirected export",
  description: "An export link was sent to the wrong address.",
  occurredAt: "2026-03-01T08:00",
  discoveredAt: "2026-03-01T10:30",
  dataCategories: "call metadata, masked phone numbers",
  approxSubjects: "120",
  approxRecords: "340",
  consequences: "Low: numbers were masked.",
  measures: "Link revoked; recipient confirmed deletion.",
  contact: "dpo@callcenterrate.example",
};

describe("time zones", () => {
  it("sign-up: the zone defaults from the location, a chosen one is kept, an unknown one is refused in the user's language", async () => {
    const cases: [Record<string, string>, string][] = [
      [{ location: "us" }, "America/New_York"],
      [{ location: "eu", timeZone: "" }, "Europe/Paris"],
      [{ location: "us", timeZone: "America/Los_Angeles" }, "America/Los_Angeles"],
    ];
    for (const [extra, zone] of cases) {
      const company = `Zone ${uniq()}`;
      const res = await signUp({ ...extra, company });
      expect(res.status).toBe(303);
      expect((await tenantOf(company))?.timeZone).toBe(zone);
    }
    const form = await (await call("/signup", { headers: { "accept-language": "fr" } })).text();
    expect(form).toContain("Fuseau horaire");
    expect(form).toContain('<option value="America/New_York">');
    for (const [lang, words] of [
      ["en", "This time zone is unknown"],
      ["fr", "Ce fuseau horaire est inconnu"],
    ]) {
      const company = `Zone ${uniq()}`;
      const bad = await signUp({ location: "eu", timeZone: "Mars/Olympus_Mons", company }, lang);
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain(words);
      expect(await tenantOf(company)).toBeUndefined();
    }
  });

  it("settings: an admin changes the zone (page and API); an unknown zone is a localized page or a problem", async () => {
    const t = await makeTenant();
    const admin = await loginCookie(t.users.admin.email);
    const page = await (await call("/settings", { cookie: admin })).text();
    expect(page).toContain("Dates are shown in Europe/Paris.");
    const ok = await call("/settings/time-zone", {
      method: "POST",
      cookie: admin,
      form: { timeZone: "Asia/Tokyo" },
    });
    expect(ok.status).toBe(303);
    const [row] = await controlDb(E).select().from(tenants).where(eq(tenants.id, t.tenant.id));
    expect(row.timeZone).toBe("Asia/Tokyo");

    await controlDb(E).update(users).set({ locale: "fr" }).where(eq(users.id, t.users.admin.id));
    const bad = await call("/settings/time-zone", {
      method: "POST",
      cookie: admin,
      form: { timeZone: "Paris" },
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Ce fuseau horaire est inconnu");

    const supervisor = await loginCookie(t.users.supervisor.email);
    const denied = await call("/settings/time-zone", {
      method: "POST",
      cookie: supervisor,
      form: { timeZone: "UTC" },
    });
    expect(denied.status).toBe(403);

    const api = await call("/api/v1/settings/time-zone", {
      method: "PUT",
      key: t.key,
      json: { timeZone: "Not/A_Zone" },
    });
    expect(api.status).toBe(400);
    expect(api.headers.get("content-type")).toContain("application/problem+json");
    const problem = await api.json<{ errors: { pointer: string }[] }>();
    expect(problem.errors[0].pointer).toBe("/timeZone");
    const good = await call("/api/v1/settings/time-zone", {
      method: "PUT",
      key: t.key,
      json: { timeZone: "America/New_York" },
    });
    expect(await good.json()).toEqual({ timeZone: "America/New_York" });
    const [after] = await controlDb(E).select().from(tenants).where(eq(tenants.id, t.tenant.id));
    expect(after.timeZone).toBe("America/New_York");
  });

  it("a zone is stored by its IANA name: another spelling is canonicalised, a bare UTC offset refused (review)", async () => {
    const t = await makeTenant();
    const put = (timeZone: string) =>
      call("/api/v1/settings/time-zone", { method: "PUT", key: t.key, json: { timeZone } });
    // Intl takes "europe/paris"; stored as is, the settings picker would preselect nothing (its
    // first choice, UTC, would then be saved by the next submit) and pages would print it so.
    const lower = await put("europe/paris");
    expect(lower.status).toBe(200);
    expect(await lower.json()).toEqual({ timeZone: "Europe/Paris" });
    const [row] = await controlDb(E).select().from(tenants).where(eq(tenants.id, t.tenant.id));
    expect(row.timeZone).toBe("Europe/Paris");
    // An offset has no daylight saving time: half of the year's dates would be an hour off.
    for (const offset of ["+01:00", "-05:00"]) {
      const r = await put(offset);
      expect(r.status).toBe(400);
      expect(r.headers.get("content-type")).toContain("application/problem+json");
    }
  });

  it("a new zone re-buckets the daily figures already rolled up into the new zone's days (review)", async () => {
    const t = await makeTenant(); // Europe/Paris
    const res = await call("/api/v1/calls", {
      method: "POST",
      key: t.key,
      json: {
        externalId: "TZ-1",
        startedAt: "2026-11-10T23:30:00Z", // 11 November in Paris, 10 November in New York
        transcript: { format: "text", content: "Agent: Bonjour.\nClient: Ma facture est fausse." },
      },
    });
    expect(res.status).toBe(201);
    const rollUp = async () => {
      const [row] = await controlDb(E).select().from(tenants).where(eq(tenants.id, t.tenant.id));
      for (let i = 0; i < 20 && (await rebuildDirty(E, row)) > 0; i++);
      const days = await E.DATA_EU_1.prepare(
        "select day, calls from kpi_daily where tenant_id = ? and dim = 'all' order by day",
      )
        .bind(t.tenant.id)
        .all<{ day: string; calls: number }>();
      return days.results;
    };
    // The call is counted once its analysis is stored (the pipeline marks its day).
    let before: { day: string; calls: number }[] = [];
    for (let i = 0; i < 300 && !before.length; i++) {
      before = await rollUp();
      if (!before.length) await new Promise((r) => setTimeout(r, 50));
    }
    expect(before).toEqual([{ day: "2026-11-11", calls: 1 }]);
    const put = await call("/api/v1/settings/time-zone", {
      method: "PUT",
      key: t.key,
      json: { timeZone: "America/New_York" },
    });
    expect(put.status).toBe(200);
    expect(await rollUp()).toEqual([{ day: "2026-11-10", calls: 1 }]);
  });

  it("breaches: the register is in UTC for real; the tenant's notice and mail are in its zone with every art. 33(3) fact", async () => {
    const ny = await inZone("America/New_York", "en");
    const paris = await inZone("Europe/Paris", "fr");
    const op = await operatorCookie();
    const res = await call("/ops/breaches", {
      method: "POST",
      cookie: op.cookie,
      form: { ...BREACH, tenantIds: `${ny.tenant.id}\n${paris.tenant.id}` },
    });
    expect(res.status).toBe(303);
    const detail = await (
      await call(res.headers.get("location") ?? "", {
        cookie: op.cookie,
        headers: { "accept-language": "en" },
      })
    ).text();
    // 08:00 UTC is shown as 08:00 UTC, not 09:00 (Paris time) under a "(UTC)" label.
    expect(detail).toContain("1 Mar 2026, 08:00 (UTC)");
    expect(detail).toContain("1 Mar 2026, 10:30 (UTC)");
    expect(detail).not.toContain("09:00");

    // New York is UTC−5 on 1 March 2026 (daylight saving starts on the 8th).
    const [mail] = await controlDb(E)
      .select()
      .from(mailOutbox)
      .where(eq(mailOutbox.to, ny.users.admin.email));
    expect(mail.text).toContain("1 Mar 2026, 03:00 (America/New_York)");

    const nyPage = await (
      await call("/security", { cookie: await loginCookie(ny.users.admin.email) })
    ).text();
    expect(nyPage).toContain("1 Mar 2026, 03:00 (America/New_York)");
    expect(nyPage).toContain("1 Mar 2026, 05:30 (America/New_York)");
    for (const label of [
      "Nature of the breach",
      "Categories of data concerned",
      "Approximate number of people concerned",
      "Approximate number of records concerned",
      "Likely consequences",
      "Measures taken or proposed",
      "Contact point for more information",
    ])
      expect(nyPage).toContain(label);
    for (const fact of [BREACH.dataCategories, "120", "340", BREACH.consequences, BREACH.contact])
      expect(nyPage).toContain(fact);

    const frPage = await (
      await call("/security", { cookie: await loginCookie(paris.users.admin.email) })
    ).text();
    expect(frPage).toContain("1 mars 2026, 09:00 (Europe/Paris)");
    for (const label of [
      "Nature de la violation",
      "Catégories de données concernées",
      "Conséquences probables",
    ])
      expect(frPage).toContain(label);
  });

  it("a report export names the zone its days are in", async () => {
    const t = await inZone("America/New_York");
    const admin = await loginCookie(t.users.admin.email);
    const csv = await call("/reports/export.csv?groupBy=day&from=2026-03-01&to=2026-03-07", {
      cookie: admin,
    });
    expect(csv.status).toBe(200);
    expect((await csv.text()).split("\r\n")[0]).toContain("Day (America/New_York)");
  });
});
