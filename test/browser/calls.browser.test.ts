import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { go, launchBrowser, newPage as newPageWith } from "./lib";

/**
 * Calls in a real browser (Debian's Chromium through playwright-core) against `wrangler dev`
 * with the dev seed: the seeded supervisor drops two recordings on the upload page (each with
 * its own progress bar), finds them in the list, adds a transcript to one through the form on
 * its page, sees that the player fetched no audio before play, plays it and seeks by clicking a
 * timestamp; no console error anywhere.
 */
const base = inject("baseUrl" as never) as string;
let browser: Browser;
const consoleErrors: string[] = [];

const newPage = () => newPageWith(browser, consoleErrors);

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** A PCM WAV (8 kHz mono 16-bit) of a quiet tone, `seconds` long. */
function wav(seconds: number, freq: number): Buffer {
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
    b.writeInt16LE(Math.round(3000 * Math.sin((2 * Math.PI * freq * i) / rate)), 44 + i * 2);
  return b;
}

const TRANSCRIPT = `WEBVTT

s1
00:00:00.000 --> 00:00:03.000
<v Agent>Bonjour, Assurances Horizon, Sophie à votre écoute.

s2
00:00:03.500 --> 00:00:08.000
<v Client>Bonjour, je rappelle pour mon sinistre dégât des eaux.

s3
00:00:08.500 --> 00:00:14.000
<v Agent>Je retrouve votre dossier, un instant s'il vous plaît.
`;

describe("calls in Chromium", () => {
  it("uploads two recordings with a progress bar each, lists them, plays one and seeks from its transcript", async () => {
    const page = await newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel("E-mail").fill("supervisor@horizon.example");
    await page.getByLabel("Mot de passe").fill("ccr-demo-2026!");
    await go(page, page.getByRole("button", { name: "Se connecter" }));
    await go(page, page.getByRole("link", { name: "Appels", exact: true }));
    expect(await page.locator("h1").textContent()).toBe("Appels");

    await page.goto(`${base}/calls/upload`);
    const section = page.locator("#audio-upload");
    await section.waitFor({ state: "visible" });
    const stamp = Date.now();
    const names = [`e2e-${stamp}-a`, `e2e-${stamp}-b`];
    await page.getByLabel("Identifiant du conseiller dans vos systèmes").first().fill("E2E-1");
    await page.getByLabel("Nom du conseiller (s'il est nouveau)").first().fill("Camille E2E");
    await page.getByLabel("Utiliser le nom de chaque fichier").check();
    await section.locator("input[type=file]").setInputFiles([
      { name: `${names[0]}.wav`, mimeType: "audio/wav", buffer: wav(14, 440) },
      { name: `${names[1]}.wav`, mimeType: "audio/wav", buffer: wav(6, 660) },
    ]);
    const rows = section.locator("li.upload-row");
    await expect.poll(() => rows.count()).toBe(2);
    await page.waitForFunction(
      () => document.querySelectorAll("li.upload-row[data-state=done]").length === 2,
      undefined,
      { timeout: 30_000 },
    );
    for (let i = 0; i < 2; i++) {
      const row = rows.nth(i);
      expect(await row.locator("progress").evaluate((p: HTMLProgressElement) => p.value / p.max)).toBe(1);
      expect(await row.locator("output").textContent()).toContain("Envoyé.");
    }
    expect(await section.locator("[data-summary]").textContent()).toContain("2 fichier(s) envoyé(s) sur 2");
    const first = await rows.nth(0).locator("output a").getAttribute("href");
    expect(first).toMatch(/^\/calls\/cal_/);

    await page.goto(`${base}/calls`);
    const list = await page.locator("main").textContent();
    expect(list).toContain(names[0]);
    expect(list).toContain(names[1]);
    expect(list).toContain("Camille E2E");

    // The call's page: no transcript yet, so the form is open; import one through it.
    await page.goto(`${base}${first}`);
    await page.locator("input[name=file]").setInputFiles({
      name: "transcription.vtt",
      mimeType: "text/vtt",
      buffer: Buffer.from(TRANSCRIPT),
    });
    // Every request for the audio, with its Range.
    const fetched: string[] = [];
    page.on("request", (r) => {
      if (new URL(r.url()).pathname.endsWith("/recording")) fetched.push(r.headers().range ?? "whole");
    });
    await go(page, page.getByRole("button", { name: "Envoyer la transcription" }));
    expect(await page.getByRole("status").textContent()).toContain("La transcription a été importée.");
    expect(await page.locator("p[data-start]").count()).toBe(3);

    // Opening the page is not a listen: the player preloads nothing (a fetch from byte 0 would be
    // audited as recording.played and counted towards the mass-export alert).
    const audio = page.locator("audio[data-player]");
    expect(await audio.getAttribute("preload")).toBe("none");
    await page.waitForTimeout(1500);
    expect(fetched).toEqual([]);
    expect(await audio.evaluate((a: HTMLAudioElement) => a.readyState)).toBe(0);

    // A click on a timestamp seeks there and plays: now the audio is fetched.
    await page.locator("#s3 button[data-seek]").click();
    await page.waitForFunction(
      () => {
        const a = document.querySelector("audio");
        return !!a && a.readyState >= 1 && Number.isFinite(a.duration);
      },
      undefined,
      { timeout: 15_000 },
    );
    expect(fetched.length).toBeGreaterThan(0);
    expect(await audio.evaluate((a: HTMLAudioElement) => a.duration)).toBeCloseTo(14, 0);
    await expect
      .poll(() => audio.evaluate((a: HTMLAudioElement) => a.currentTime), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(8.5);
    await audio.evaluate((a: HTMLAudioElement) => a.pause());
    expect(await page.locator("#s3").getAttribute("class")).toContain("playing");
    expect(await page.locator("#s3").getAttribute("aria-current")).toBe("true");
    await page.locator("#s2 button[data-seek]").click();
    await expect.poll(() => audio.evaluate((a: HTMLAudioElement) => a.currentTime)).toBeLessThan(8.5);
    expect(await page.locator("#s2").getAttribute("aria-current")).toBe("true");
    expect(await page.locator("#s3").getAttribute("aria-current")).toBeNull();
  });

  it("no page logged a console error", () => {
    expect(consoleErrors).toEqual([]);
  });
});
