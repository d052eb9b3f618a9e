import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { go, launchBrowser, login, newPage as newPageWith } from "./lib";

/**
 * The quality journey in Chromium against `wrangler dev` with the dev seed (issue #6):
 * dashboard → filter → call detail → evidence click (scroll + audio position) → supervisor
 * override → agent dispute → supervisor resolution; governance settings; a report exported and
 * its rows checked; the language switch; no console error; the JavaScript each page ships.
 */
const base = inject("baseUrl" as never) as string;
const KEY = "ccr_live_eudemo22222222222222222222222222";
let browser: Browser;
const consoleErrors: string[] = [];
const jsBytes = new Map<string, number>();

const newPage = (locale = "fr-FR") => newPageWith(browser, consoleErrors, locale);

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  // Reported for bench/README.md ("JavaScript shipped per page").
  console.log(`JS bytes per page: ${JSON.stringify(Object.fromEntries(jsBytes))}`);
});

function wav(seconds: number): Buffer {
  const rate = 8000;
  const n = Math.round(seconds * rate);
  const b = Buffer.alloc(44 + n * 2);
  b.write("RIFF", 0, "ascii");
  b.writeUInt32LE(36 + n * 2, 4);
  b.write("WAVE", 8, "ascii");
  b.write("fmt ", 12, "ascii");
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write("data", 36, "ascii");
  b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++)
    b.writeInt16LE(Math.round(2000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return b;
}

const TRANSCRIPT = `WEBVTT

s1
00:00:00.000 --> 00:00:04.000
<v Agent>Bonjour, Assurances Horizon, Karim à votre écoute, que puis-je faire pour vous ?

s2
00:00:04.500 --> 00:00:10.000
<v Client>Bonjour, c'est la troisième fois que j'appelle pour mon remboursement, j'ai attendu vingt minutes.

s3
00:00:10.500 --> 00:00:16.000
<v Agent>Je suis désolé pour l'attente. Je regarde votre dossier tout de suite.

s4
00:00:16.500 --> 00:00:22.000
<v Agent>Le remboursement part aujourd'hui, vous le recevrez sous trois jours.

s5
00:00:22.500 --> 00:00:28.000
<v Client>Merci beaucoup.

s6
00:00:28.500 --> 00:00:34.000
<v Agent>Je vous en prie. Puis-je faire autre chose pour vous ? Bonne journée.
`;

async function api(path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${KEY}`);
  return fetch(`${base}/api/v1${path}`, { ...init, headers });
}

/** A call of agent HZ-1001 (the seeded agent user's) with a recording and a timed transcript. */
async function seededCall(): Promise<string> {
  const res = await api("/calls", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      externalId: `E2E-Q-${Date.now()}`,
      agent: { externalId: "HZ-1001" },
      transcript: { format: "vtt", content: TRANSCRIPT },
    }),
  });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  const audio = wav(35);
  const up = await api(`/calls/${id}/recording`, {
    method: "PUT",
    headers: { "content-type": "audio/wav", "content-length": String(audio.byteLength) },
    body: new Uint8Array(audio),
  });
  expect(up.status).toBeLessThan(300);
  for (let i = 0; i < 200; i++) {
    const c = (await (await api(`/calls/${id}`)).json()) as { status: string };
    if (c.status === "done") return id;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error("the call was not analysed in time");
}

async function measureJs(page: Page, name: string) {
  const bytes = await page.evaluate(() =>
    performance
      .getEntriesByType("resource")
      .filter((e) => (e as PerformanceResourceTiming).initiatorType === "script")
      .reduce((a, e) => a + ((e as PerformanceResourceTiming).decodedBodySize || 0), 0),
  );
  const inline = await page.evaluate(() =>
    [...document.querySelectorAll("script:not([src])")].reduce((a, s) => a + (s.textContent?.length ?? 0), 0),
  );
  jsBytes.set(name, bytes + inline);
}

describe("quality journey in Chromium", () => {
  it("dashboard → filter → evidence → override → dispute → resolution", async () => {
    const callId = await seededCall();
    const sup = await newPage();
    await login(sup, base, "supervisor@horizon.example");
    await go(sup, sup.getByRole("link", { name: "Tableau de bord" }));
    expect(await sup.locator("h1").textContent()).toBe("Tableau de bord");
    expect(await sup.locator("svg[data-chart=chart-score]").count()).toBe(1);
    await measureJs(sup, "/dashboard");
    // Filter on a team: the URL and the form keep it.
    const team = sup.locator("select[name=team]");
    const firstTeam = await team.locator("option").nth(1).getAttribute("value");
    if (firstTeam) {
      await team.selectOption(firstTeam);
      await go(sup, sup.getByRole("button", { name: "Appliquer" }));
      expect(new URL(sup.url()).searchParams.get("team")).toBe(firstTeam);
    }

    // The call: click an evidence quote → its segment is marked and in view, the audio is there.
    await sup.goto(`${base}/calls/${callId}`);
    await measureJs(sup, "/calls/:id");
    // The audio is there but not fetched: the player never preloads (opening a page is no listen).
    expect(await sup.locator("audio").getAttribute("preload")).toBe("none");
    const buttons = sup.locator("button[data-evidence]");
    expect(await buttons.count()).toBeGreaterThan(0);
    const seeks = await buttons.evaluateAll((bs) => bs.map((b) => Number(b.getAttribute("data-seek"))));
    const pick = seeks.findIndex((s) => s > 4);
    const target = buttons.nth(Math.max(pick, 0));
    const seek = seeks[Math.max(pick, 0)];
    const segment = await target.getAttribute("data-segment");
    await sup.evaluate(() => window.scrollTo(0, 0));
    await target.click();
    await sup.waitForFunction(() => {
      const a = document.querySelector("audio");
      return !!a && a.readyState >= 1;
    });
    await expect
      .poll(() => sup.locator("audio").evaluate((a: HTMLAudioElement) => a.currentTime))
      .toBeGreaterThanOrEqual(seek - 0.01);
    await sup.locator("audio").evaluate((a: HTMLAudioElement) => a.pause());
    const seg = sup.locator(`[id="${segment}"]`);
    expect(await seg.getAttribute("class")).toContain("evidence-focus");
    const inView = await seg.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    });
    expect(inView).toBe(true);

    // Supervisor override with a comment, finalised.
    await sup.locator("details:has(form[data-review-form]) > summary").click();
    const override = sup.locator("form[data-review-form] select").first();
    const ai = await sup.locator("form[data-review-form] .override").first().getAttribute("data-override");
    await override.selectOption("na");
    await sup
      .locator(`form[data-review-form] input[name="o.${ai}.comment"]`)
      .fill("Pas applicable à ce dossier");
    await sup.locator("#review-final").check();
    await go(sup, sup.getByRole("button", { name: "Enregistrer la revue" }));
    expect(await sup.getByRole("status").textContent()).toContain("Revue rendue définitive.");
    expect(await sup.locator("li[data-status=final]").count()).toBe(1);

    // The agent (linked to HZ-1001) disputes it.
    const agent = await newPage();
    await login(agent, base, "agent@horizon.example");
    await agent.goto(`${base}/calls/${callId}`);
    await agent
      .locator("textarea[name=reason]")
      .fill("Le critère s'appliquait bien : j'ai reformulé la demande.");
    await go(agent, agent.getByRole("button", { name: "Contester cette revue" }));
    expect(await agent.getByRole("status").textContent()).toContain("transmise");

    // The supervisor resolves it.
    await sup.goto(`${base}/calls/${callId}`);
    await sup.locator("textarea[name=resolution]").fill("Réécouté : vous avez raison, corrigé.");
    await go(sup, sup.getByRole("button", { name: "Trancher la contestation" }));
    expect(await sup.getByRole("status").textContent()).toContain("La contestation est tranchée.");
    expect(await sup.locator("li[data-status=resolved]").count()).toBe(1);
  });

  it("governance settings, a report exported and checked, the language switch", async () => {
    const admin = await newPage();
    await login(admin, base, "owner@horizon.example");
    await admin.goto(`${base}/governance`);
    await measureJs(admin, "/governance");
    await admin.locator("#ret-recordings").fill("200");
    await go(admin, admin.getByRole("button", { name: "Enregistrer les durées" }));
    expect(await admin.getByRole("alert").textContent()).toContain("CNIL");
    expect(await admin.locator("#ret-recordings").inputValue()).toBe("200"); // nothing typed is lost
    await admin.locator("#ack").check();
    await go(admin, admin.getByRole("button", { name: "Enregistrer les durées" }));
    expect(await admin.getByRole("status").textContent()).toContain("Durées de conservation enregistrées.");
    expect(await admin.locator("#ret-recordings").inputValue()).toBe("200");
    expect(await admin.locator("#loc-target").count()).toBe(1);

    await admin.goto(`${base}/reports?groupBy=team`);
    await measureJs(admin, "/reports");
    const rows = await admin.locator("table[data-report] tbody tr").count();
    const href = await admin.getByRole("link", { name: "Exporter en CSV" }).getAttribute("href");
    const csv = await admin.request.get(`${base}${href}`);
    expect(csv.status()).toBe(200);
    const lines = (await csv.text()).replace("\uFEFF", "").trim().split("\r\n");
    expect(lines[0].startsWith("Équipe,Appels")).toBe(true);
    expect(lines.length - 1).toBe(rows);

    // Language switch: the same page in English.
    await go(admin, admin.locator("form[action='/lang'] button"));
    expect(await admin.locator("html").getAttribute("lang")).toBe("en");
    expect(await admin.locator("h1").textContent()).toBe("Reports");
    // And back: the choice is saved on the account, which other journeys use in French.
    await go(admin, admin.locator("form[action='/lang'] button"));
    expect(await admin.locator("html").getAttribute("lang")).toBe("fr");
  });

  it("no page logged a console error", () => {
    expect(consoleErrors).toEqual([]);
  });
});
