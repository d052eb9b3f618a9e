import { describe, expect, it } from "vitest";
import { bytesReader, MIN_AUDIO_S, probeStored, type RangeReader, sniffAudio } from "../core/content/audio";
import { makeWav } from "./fixtures";
import ffprobe from "./fixtures/audio/durations.json";
import { BASE, call, E, loginCookie, makeTenant, type TestTenant } from "./helpers";

/**
 * Durations of the containers real tools write (B1): tiny samples made by ffmpeg
 * (test/fixtures/audio/make.sh), each checked against ffprobe's value recorded beside them.
 */
const inline = import.meta.glob<string>("./fixtures/audio/*.{wav,mp3,flac,ogg,m4a,webm}", {
  query: "?inline",
  import: "default",
  eager: true,
});
function sample(name: string): Uint8Array {
  const url = inline[`./fixtures/audio/${name}`];
  if (!url) throw new Error(`no fixture ${name}`);
  return Uint8Array.from(atob(url.slice(url.indexOf(",") + 1)), (c) => c.charCodeAt(0));
}
const FILES = Object.keys(ffprobe) as (keyof typeof ffprobe)[];

/**
 * How far from ffprobe each may be. Ogg Opus: ffprobe's format duration counts the 312-sample
 * pre-skip (6.5 ms) that a player drops; we report the playable length. A VBR MP3 without
 * Xing/VBRI is an estimate on both sides (ffprobe's too): within 10%, and flagged.
 */
const tolerance = (f: string) =>
  f === "sine-vbr-noxing.mp3" ? 0.1 * ffprobe[f] : f.endsWith("opus.ogg") ? 0.01 : 0.002;

async function newCall(t: TestTenant): Promise<string> {
  const r = await call("/api/v1/calls", { method: "POST", key: t.key, json: {} });
  return ((await r.json()) as { id: string }).id;
}
const putRecording = (t: TestTenant, id: string, body: Uint8Array) =>
  call(`/api/v1/calls/${id}/recording`, {
    method: "PUT",
    key: t.key,
    body,
    headers: { "content-type": "application/octet-stream" },
  });

describe("container durations against ffprobe (B1)", () => {
  it("every sample uploaded through the API gets ffprobe's duration; only the header-less VBR MP3 is flagged as estimated", async () => {
    const t = await makeTenant();
    for (const f of FILES) {
      const id = await newCall(t);
      const r = await putRecording(t, id, sample(f));
      expect(r.status, `${f}: ${await r.clone().text()}`).toBe(200);
      const rec = (
        (await r.json()) as { recording: { durationS: number; durationEstimated: boolean; format: string } }
      ).recording;
      expect(
        Math.abs(rec.durationS - ffprobe[f]),
        `${f}: ${rec.durationS} vs ffprobe ${ffprobe[f]}`,
      ).toBeLessThanOrEqual(tolerance(f));
      expect(rec.durationEstimated, f).toBe(f === "sine-vbr-noxing.mp3");
      expect(rec.format).toBe(f.split(".").pop() === "mp3" ? "mp3" : sniffAudio(sample(f))!.format);
    }
  });

  it("reads the answers at the end of a stored object by ranged reads, never the whole file", async () => {
    // A bigger object than a head: the moov-last M4A with a 1 MiB `free` box before its moov
    // (valid ISO BMFF), and the Ogg files, probed with only their first 512 bytes in hand.
    const m4a = sample("sine-moov-last.m4a");
    const moovAt = findTopBox(m4a, "moov");
    const free = new Uint8Array(1024 * 1024);
    new DataView(free.buffer).setUint32(0, free.byteLength);
    free.set([0x66, 0x72, 0x65, 0x65], 4); // "free"
    const padded = new Uint8Array(m4a.byteLength + free.byteLength);
    padded.set(m4a.subarray(0, moovAt), 0);
    padded.set(free, moovAt);
    padded.set(m4a.subarray(moovAt), moovAt + free.byteLength);
    const cases: [string, Uint8Array, number][] = [
      ["sine-moov-last.m4a + free", padded, ffprobe["sine-moov-last.m4a"]],
      ["sine-opus.ogg", sample("sine-opus.ogg"), 1.5],
      ["sine-vorbis.ogg", sample("sine-vorbis.ogg"), ffprobe["sine-vorbis.ogg"]],
    ];
    for (const [name, bytes, want] of cases) {
      const key = `t/test-probe/${crypto.randomUUID()}`;
      await E.BLOB_EU.put(key, bytes);
      let read = 0;
      const reader: RangeReader = async (offset, length) => {
        const obj = await E.BLOB_EU.get(key, {
          range: { offset, length: Math.min(length, bytes.byteLength - offset) },
        });
        const b = new Uint8Array(await obj!.arrayBuffer());
        read += b.byteLength;
        return b;
      };
      const head = bytes.subarray(0, 512);
      const p = await probeStored(sniffAudio(head)!.format, head, bytes.byteLength, reader);
      expect(Math.abs((p.durationS ?? 0) - want), name).toBeLessThanOrEqual(0.002);
      // An Ogg's last page is within its last 64 KiB (these files are smaller: read once, whole);
      // the M4A costs its box headers and moov's first bytes.
      expect(read, name).toBeLessThanOrEqual(Math.min(bytes.byteLength, 64 * 1024));
      if (name.includes("free")) expect(read).toBeLessThan(20 * 1024);
    }
  });
});

describe("a recording without audio is refused (issue 12, point 15)", () => {
  const riff12 = new Uint8Array([0x52, 0x49, 0x46, 0x46, 4, 0, 0, 0, 0x57, 0x41, 0x56, 0x45]);
  const wav44 = makeWav(0);
  const mp3k = sample("sine-cbr.mp3").subarray(0, 1024);

  it("a 12-byte RIFF…WAVE, a 44-byte WAV without data and the first kilobyte of an MP3 → 422, nothing stored", async () => {
    expect(wav44.byteLength).toBe(44);
    const t = await makeTenant();
    for (const [name, body] of [
      ["riff12", riff12],
      ["wav44", wav44],
      ["mp3 1 KiB", mp3k],
    ] as const) {
      const id = await newCall(t);
      const r = await putRecording(t, id, body);
      expect(r.status, name).toBe(422);
      const p = (await r.json()) as { detail: string };
      expect(p.detail, name).toContain("only an audio header");
      expect((await E.BLOB_EU.list({ prefix: `t/${t.tenant.id}/calls/${id}/` })).objects, name).toHaveLength(
        0,
      );
      const view = (await (await call(`/api/v1/calls/${id}`, { key: t.key })).json()) as {
        recording: unknown;
      };
      expect(view.recording, name).toBeNull();
    }
    // A second of audio is accepted.
    expect((await putRecording(t, await newCall(t), makeWav(1))).status).toBe(200);
    // The portal's upload script gets the reason in the user's language.
    const cookie = await loginCookie(t.users.supervisor.email);
    const portal = await call(`/calls/${await newCall(t)}/recording`, {
      method: "PUT",
      cookie,
      body: wav44,
      headers: { origin: BASE, "content-type": "audio/wav" },
    });
    expect(portal.status).toBe(422);
    expect(((await portal.json()) as { message: string }).message).toBe(
      "This file holds no audio: it is only an audio header, or less than 0.5 s of sound. Nothing was kept.",
    );
  });

  it("measures what the bytes hold, not what the header announces: a truncated file, an Ogg with only its header pages", async () => {
    const ogg = sample("sine-opus.ogg");
    const headerPages = ogg.subarray(0, oggPageEnd(ogg, 2));
    const p = await probeStored("ogg", headerPages, headerPages.byteLength, bytesReader(headerPages));
    expect(p.audioS).toBe(0);
    const full = await probeStored("ogg", ogg, ogg.byteLength, bytesReader(ogg));
    expect(full.audioS).toBeGreaterThan(MIN_AUDIO_S);
    // The MP3's Info header announces 1.656 s; its first kilobyte holds about a third of a second.
    const cut = await probeStored("mp3", mp3k, mp3k.byteLength, bytesReader(mp3k));
    expect(cut.durationS).toBeCloseTo(1.656, 3);
    expect(cut.audioS).toBeLessThan(MIN_AUDIO_S);
  });

  it("a multipart upload whose assembled file holds no audio is refused at completion and removed", async () => {
    const t = await makeTenant();
    const id = await newCall(t);
    const up = await call(`/api/v1/calls/${id}/recording/uploads`, {
      method: "POST",
      key: t.key,
      json: { size: wav44.byteLength },
    });
    expect(up.status).toBe(201);
    const { uploadId } = (await up.json()) as { uploadId: string };
    const part = await call(`/api/v1/calls/${id}/recording/uploads/${uploadId}/parts/1`, {
      method: "PUT",
      key: t.key,
      body: wav44,
    });
    expect(part.status).toBe(200);
    const done = await call(`/api/v1/calls/${id}/recording/uploads/${uploadId}/complete`, {
      method: "POST",
      key: t.key,
    });
    expect(done.status).toBe(422);
    expect((await E.BLOB_EU.list({ prefix: `t/${t.tenant.id}/calls/${id}/` })).objects).toHaveLength(0);
  });
});

function findTopBox(b: Uint8Array, type: string): number {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let o = 0; o + 8 <= b.byteLength; o += v.getUint32(o))
    if (String.fromCharCode(...b.subarray(o + 4, o + 8)) === type) return o;
  throw new Error(`no ${type} box`);
}

/** End offset of the n-th Ogg page (1-based). */
function oggPageEnd(b: Uint8Array, n: number): number {
  let o = 0;
  for (let i = 0; i < n; i++) {
    const segs = b[o + 26];
    let len = 27 + segs;
    for (let s = 0; s < segs; s++) len += b[o + 27 + s];
    o += len;
  }
  return o;
}
