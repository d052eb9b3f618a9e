import { describe, expect, it } from "vitest";
import {
  type AudioFormat,
  id3v2Length,
  OGG_TAIL_BYTES,
  probeAudio,
  readDuration,
  readOggDuration,
  SNIFF_BYTES,
  sniffAudio,
  sniffStream,
} from "../core/content/audio";

// ---------------------------------------------------------------------------------------------
// Fixtures, built byte by byte from the format specifications (no binary files in the repo).

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const le16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const be32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const be16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const le64 = (v: number) => [...le32(v % 2 ** 32), ...le32(Math.floor(v / 2 ** 32))];
const be64 = (v: number) => [...be32(Math.floor(v / 2 ** 32)), ...be32(v % 2 ** 32)];

function bytes(...parts: (number[] | Uint8Array)[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function random(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(b.subarray(o, Math.min(n, o + 65536)));
  return b;
}

const riffChunk = (id: string, body: number[] | Uint8Array) =>
  bytes(ascii(id), le32(body.length), body, body.length & 1 ? [0] : []);

function wav(opts: {
  rate?: number;
  channels?: number;
  bits?: number;
  seconds?: number;
  extensible?: boolean;
  list?: boolean;
  dataSize?: number;
}): Uint8Array {
  const { rate = 8000, channels = 1, bits = 16, seconds = 3.5 } = opts;
  const block = (channels * bits) / 8;
  const fmtBody = [
    ...le16(1),
    ...le16(channels),
    ...le32(rate),
    ...le32(rate * block),
    ...le16(block),
    ...le16(bits),
  ];
  // WAVE_FORMAT_EXTENSIBLE: tag 0xFFFE, cbSize 22, valid bits, channel mask, KSDATAFORMAT_SUBTYPE_PCM
  const fmt = opts.extensible
    ? riffChunk("fmt ", [
        ...le16(0xfffe),
        ...fmtBody.slice(2),
        ...le16(22),
        ...le16(bits),
        ...le32(4),
        ...[1, 0, 0, 0, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71],
      ])
    : riffChunk("fmt ", fmtBody);
  const list = opts.list
    ? riffChunk("LIST", [...ascii("INFO"), ...riffChunk("ISFT", [...ascii("Lavf60.3.100"), 0])])
    : new Uint8Array(0);
  const samples = Math.round(seconds * rate) * block;
  const header = bytes(fmt, list, ascii("data"), le32(opts.dataSize ?? samples));
  return bytes(
    ascii("RIFF"),
    le32(4 + header.length + samples),
    ascii("WAVE"),
    header,
    new Uint8Array(samples),
  );
}

// MPEG-1 layer III, 128 kbit/s, 44.1 kHz: 144 × 128000 / 44100 = 417.96 bytes per frame, so an
// encoder sets the padding bit on the frames that bring the running total back to the average.
function mpegHeader(pad: number, { mono = false, bitrateIndex = 9 } = {}): number[] {
  return [0xff, 0xfb, (bitrateIndex << 4) | (0 << 2) | (pad << 1), mono ? 0xc0 : 0x00];
}

function mp3Frames(count: number, first?: (frame: Uint8Array) => void): Uint8Array {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const len = Math.floor(((i + 1) * 144 * 128000) / 44100) - Math.floor((i * 144 * 128000) / 44100);
    const f = new Uint8Array(len);
    f.set(mpegHeader(len - 417));
    if (i === 0 && first) first(f);
    frames.push(f);
  }
  return bytes(...frames);
}

// MPEG-2 layer III, 64 kbit/s, 22.05 kHz: 72 × 64000 / 22050 = 208.98 bytes, 576 samples per frame.
function mpeg2Frames(count: number): Uint8Array {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const len = Math.floor(((i + 1) * 72 * 64000) / 22050) - Math.floor((i * 72 * 64000) / 22050);
    const f = new Uint8Array(len);
    f.set([0xff, 0xf3, (8 << 4) | (0 << 2) | ((len - 208) << 1), 0x00]);
    frames.push(f);
  }
  return bytes(...frames);
}

const syncsafe = (n: number) => [(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f];

function id3(size: number): Uint8Array {
  const body = new Uint8Array(size); // a TIT2 frame, then padding
  body.set([...ascii("TIT2"), ...be32(11), 0, 0, 3, ...ascii("Call 4711")]);
  return bytes(ascii("ID3"), [4, 0, 0], syncsafe(size), body);
}

function flac({ rate = 16000, total = 116000 } = {}): Uint8Array {
  const bps = 15; // 16-bit
  const info = [
    ...be16(4096),
    ...be16(4096),
    0,
    0,
    0,
    0,
    0,
    0,
    (rate >> 12) & 0xff,
    (rate >> 4) & 0xff,
    ((rate & 0xf) << 4) | (0 << 1) | ((bps >> 4) & 1),
    ((bps & 0xf) << 4) | (Math.floor(total / 2 ** 32) & 0xf),
    ...be32(total % 2 ** 32),
    ...new Array(16).fill(0), // MD5
  ];
  return bytes(ascii("fLaC"), [0x80, 0, 0, 34], info, [0xff, 0xf8, 0x69, 0x08], new Uint8Array(2000));
}

function oggPage(serial: number, seq: number, granule: number, payload: Uint8Array, flags = 0): Uint8Array {
  const lacing: number[] = [];
  let left = payload.length;
  while (left >= 255) {
    lacing.push(255);
    left -= 255;
  }
  lacing.push(left);
  const g = granule < 0 ? [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff] : le64(granule);
  return bytes(
    ascii("OggS"),
    [0, flags],
    g,
    le32(serial),
    le32(seq),
    le32(0),
    [lacing.length],
    lacing,
    payload,
  );
}

const opusHead = (preSkip: number) =>
  bytes(ascii("OpusHead"), [1, 1], le16(preSkip), le32(16000), le16(0), [0]);

function opusFile(seconds: number, preSkip = 312): Uint8Array {
  const serial = 0x1234abcd;
  const pages = [
    oggPage(serial, 0, 0, opusHead(preSkip), 2),
    oggPage(serial, 1, 0, bytes(ascii("OpusTags"), le32(0), le32(0))),
  ];
  const perPage = 48000; // one second of 48 kHz granule per page
  for (let s = 1; s <= Math.ceil(seconds); s++) {
    const granule = Math.min(s, seconds) * perPage + preSkip;
    pages.push(oggPage(serial, s + 1, granule, new Uint8Array(3000), s === Math.ceil(seconds) ? 4 : 0));
  }
  return bytes(...pages);
}

const box = (type: string, ...body: (number[] | Uint8Array)[]) => {
  const b = bytes(...body);
  return bytes(be32(8 + b.length), ascii(type), b);
};

const ftyp = (major: string, ...compat: string[]) => box("ftyp", ascii(major), be32(0), ...compat.map(ascii));

function mvhd(version: 0 | 1, timescale: number, duration: number): Uint8Array {
  const times = version === 1 ? [...be64(0), ...be64(0)] : [...be32(0), ...be32(0)];
  const dur = version === 1 ? be64(duration) : be32(duration);
  return box("mvhd", [version, 0, 0, 0], times, be32(timescale), dur, new Uint8Array(80));
}

/** An EBML element with a one-byte size (bodies < 127 bytes) or an 8-byte size. */
function el(id: number[], ...body: (number[] | Uint8Array)[]): Uint8Array {
  const b = bytes(...body);
  const size = b.length < 127 ? [0x80 | b.length] : [0x01, 0, 0, 0, ...be32(b.length)];
  return bytes(id, size, b);
}

function f64(v: number): number[] {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v);
  return Array.from(new Uint8Array(dv.buffer));
}

function f32(v: number): number[] {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, v);
  return Array.from(new Uint8Array(dv.buffer));
}

function webm({ docType = "webm", duration = [] as number[] } = {}): Uint8Array {
  const header = el(
    [0x1a, 0x45, 0xdf, 0xa3],
    el([0x42, 0x86], [1]),
    el([0x42, 0xf7], [1]),
    el([0x42, 0xf2], [4]),
    el([0x42, 0xf3], [8]),
    el([0x42, 0x82], ascii(docType)),
    el([0x42, 0x87], [4]),
    el([0x42, 0x85], [2]),
  );
  const info = el(
    [0x15, 0x49, 0xa9, 0x66],
    el([0x2a, 0xd7, 0xb1], [0x0f, 0x42, 0x40]),
    el([0x4d, 0x80], ascii("Chrome")),
    duration.length ? el([0x44, 0x89], duration) : [],
  );
  const seekHead = el([0x11, 0x4d, 0x9b, 0x74], new Uint8Array(40));
  const voidEl = el([0xec], new Uint8Array(200));
  const cluster = el([0x1f, 0x43, 0xb6, 0x75], el([0xe7], [0]), new Uint8Array(300));
  // Segment of unknown size, as MediaRecorder writes it.
  return bytes(
    header,
    [0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    seekHead,
    voidEl,
    info,
    cluster,
  );
}

const headOf = (file: Uint8Array) => file.subarray(0, SNIFF_BYTES);

// ---------------------------------------------------------------------------------------------

describe("sniffAudio", () => {
  it("recognises each supported container from its magic bytes", () => {
    const cases: [Uint8Array, AudioFormat, string][] = [
      [wav({}), "wav", "audio/wav"],
      [mp3Frames(10), "mp3", "audio/mpeg"],
      [bytes(id3(300), mp3Frames(3)), "mp3", "audio/mpeg"],
      [mpeg2Frames(5), "mp3", "audio/mpeg"],
      [flac(), "flac", "audio/flac"],
      [opusFile(2), "ogg", "audio/ogg"],
      [
        bytes(ftyp("M4A ", "M4A ", "mp42", "isom"), box("free"), box("mdat", new Uint8Array(50))),
        "m4a",
        "audio/mp4",
      ],
      [bytes(ftyp("3gp5", "isom")), "m4a", "audio/mp4"],
      [webm(), "webm", "audio/webm"],
    ];
    for (const [file, format, mime] of cases)
      expect(sniffAudio(headOf(file)), format).toEqual({ format, mime });
  });

  it("accepts an MP3 on its ID3v2 header alone, however large the tag", () => {
    const file = bytes(id3(200_000), mp3Frames(5));
    expect(sniffAudio(file.subarray(0, 10))).toEqual({ format: "mp3", mime: "audio/mpeg" });
    expect(sniffAudio(headOf(file))?.format).toBe("mp3");
  });

  it("sees FLAC behind an ID3v2 tag", () => {
    expect(sniffAudio(bytes(id3(100), flac()))?.format).toBe("flac");
  });

  it("accepts Vorbis in Ogg but not Theora video", () => {
    const vorbis = bytes(
      [1],
      ascii("vorbis"),
      le32(0),
      [2],
      le32(44100),
      le32(0),
      le32(128000),
      le32(0),
      [0xb8, 1],
    );
    expect(sniffAudio(oggPage(7, 0, 0, vorbis, 2))?.format).toBe("ogg");
    const theora = bytes([0x80], ascii("theora"), new Uint8Array(35));
    expect(sniffAudio(oggPage(7, 0, 0, theora, 2))).toBeNull();
  });

  it("rejects Matroska (not WebM), QuickTime and video-only brands", () => {
    expect(sniffAudio(webm({ docType: "matroska" }))).toBeNull();
    expect(sniffAudio(bytes(ftyp("qt  ", "qt  "), box("mdat")))).toBeNull();
    expect(sniffAudio(bytes(ftyp("avif", "avif", "mif1"), box("meta")))).toBeNull();
  });

  it("rejects documents, images, archives, text and scraps", () => {
    const pdf = bytes(ascii("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"));
    const png = bytes(
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
      be32(13),
      ascii("IHDR"),
      new Uint8Array(17),
    );
    const zip = bytes([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0], new Uint8Array(40));
    const text = new TextEncoder().encode("Agent: Bonjour, service client, que puis-je faire pour vous ?\n");
    const id3Text = new TextEncoder().encode("ID3 tags are metadata for MP3 files");
    for (const b of [pdf, png, zip, text, id3Text, new Uint8Array(0)]) expect(sniffAudio(b)).toBeNull();
    for (let i = 0; i < 200; i++) expect(sniffAudio(random(3))).toBeNull();
  });

  it("does not take 0xFFFB followed by reserved or inconsistent fields for MPEG audio", () => {
    const tail = new Uint8Array(500);
    // bitrate index 15 (bad), sample-rate index 3 (reserved), emphasis 2 (reserved)
    expect(sniffAudio(bytes([0xff, 0xfb, 0xf0, 0x00], tail))).toBeNull();
    expect(sniffAudio(bytes([0xff, 0xfb, 0x9c, 0x00], tail))).toBeNull();
    expect(sniffAudio(bytes([0xff, 0xfb, 0x90, 0x02], tail))).toBeNull();
    // version 01 (reserved), layer 00 (reserved; also what ADTS AAC looks like), free format
    expect(sniffAudio(bytes([0xff, 0xeb, 0x90, 0x00], tail))).toBeNull();
    expect(sniffAudio(bytes([0xff, 0xf1, 0x50, 0x80], tail))).toBeNull();
    expect(sniffAudio(bytes([0xff, 0xfb, 0x00, 0x00], tail))).toBeNull();
    // a valid header whose successor, 417 bytes on, is not a frame: chance, not audio
    expect(sniffAudio(bytes(mpegHeader(0), random(413), [0, 0, 0, 0], tail))).toBeNull();
    // random bytes starting 0xFFFB: only a (rare) valid pair of headers would pass
    let accepted = 0;
    for (let i = 0; i < 500; i++) {
      const b = random(2000);
      b[0] = 0xff;
      b[1] = 0xfb;
      if (sniffAudio(b)) accepted++;
    }
    expect(accepted).toBeLessThan(5);
  });
});

describe("readDuration", () => {
  it("WAV: PCM 8 kHz mono 16-bit, 3.5 s", () => {
    const file = wav({ seconds: 3.5 });
    expect(readDuration("wav", headOf(file), file.length)).toBe(3.5);
    expect(probeAudio(headOf(file), file.length)).toEqual({
      format: "wav",
      mime: "audio/wav",
      durationSec: 3.5,
    });
  });

  it("WAV: skips a LIST chunk before data, and reads WAVE_FORMAT_EXTENSIBLE", () => {
    const list = wav({ seconds: 2.25, list: true });
    expect(readDuration("wav", headOf(list), list.length)).toBe(2.25);
    const ext = wav({ rate: 48000, channels: 2, bits: 24, seconds: 1.5, extensible: true, list: true });
    expect(sniffAudio(headOf(ext))?.format).toBe("wav");
    expect(readDuration("wav", headOf(ext), ext.length)).toBe(1.5);
  });

  it("WAV: a streamed header (size 0xFFFFFFFF) or a truncated upload is measured by what was received", () => {
    const streamed = wav({ seconds: 2, dataSize: 0xffffffff });
    expect(readDuration("wav", headOf(streamed), streamed.length)).toBe(2);
    const full = wav({ seconds: 4 });
    const truncated = full.subarray(0, 44 + 16000 * 1.5);
    expect(readDuration("wav", headOf(truncated), truncated.length)).toBe(1.5);
  });

  it("WAV: compressed formats use the fact chunk", () => {
    // IMA ADPCM 8 kHz mono: 4 bits per sample, blocks of 256 bytes = 505 samples
    const fmt = riffChunk("fmt ", [
      ...le16(0x11),
      ...le16(1),
      ...le32(8000),
      ...le32(4055),
      ...le16(256),
      ...le16(4),
      ...le16(2),
      ...le16(505),
    ]);
    const data = new Uint8Array(256 * 32);
    const file = bytes(
      ascii("RIFF"),
      le32(0),
      ascii("WAVE"),
      fmt,
      riffChunk("fact", le32(505 * 32)),
      riffChunk("data", data),
    );
    expect(readDuration("wav", headOf(file), file.length)).toBeCloseTo((505 * 32) / 8000, 6);
  });

  it("MP3: CBR estimate from the first frame's bitrate, with and without an ID3v2 tag", () => {
    const frames = mp3Frames(300);
    const expected = (300 * 1152) / 44100; // 7.837 s
    expect(readDuration("mp3", headOf(frames), frames.length)).toBeCloseTo(expected, 3);
    const tagged = bytes(id3(5000), frames);
    expect(id3v2Length(tagged)).toBe(5010);
    expect(readDuration("mp3", headOf(tagged), tagged.length)).toBeCloseTo(expected, 3);
    const mpeg2 = mpeg2Frames(200);
    expect(readDuration("mp3", headOf(mpeg2), mpeg2.length)).toBeCloseTo((200 * 576) / 22050, 3);
  });

  it("MP3: Xing/Info frame count wins over the file size (VBR)", () => {
    const file = bytes(
      id3(1000),
      mp3Frames(20, (f) => f.set([...ascii("Xing"), ...be32(0x3), ...be32(1000), ...be32(418_000)], 36)),
    );
    // The file holds 20 frames, the header says 1000: a VBR file's size says nothing reliable.
    expect(readDuration("mp3", headOf(file), file.length)).toBeCloseTo((1000 * 1152) / 44100, 6);
    const info = mp3Frames(20, (f) => f.set([...ascii("Info"), ...be32(0x1), ...be32(777)], 36));
    expect(readDuration("mp3", headOf(info), info.length)).toBeCloseTo((777 * 1152) / 44100, 6);
  });

  it("MP3: VBRI frame count", () => {
    const file = mp3Frames(20, (f) =>
      f.set([...ascii("VBRI"), ...be16(1), ...be16(0), ...be16(75), ...be32(1_000_000), ...be32(2500)], 36),
    );
    expect(readDuration("mp3", headOf(file), file.length)).toBeCloseTo((2500 * 1152) / 44100, 6);
  });

  it("MP3: a tag larger than the head gives null, and a read behind the tag gives the duration", () => {
    const file = bytes(id3(100_000), mp3Frames(300));
    const head = headOf(file);
    expect(readDuration("mp3", head, file.length)).toBeNull();
    const at = id3v2Length(head);
    expect(at).toBe(100_010);
    const behind = file.subarray(at, at + SNIFF_BYTES); // an R2 range read
    expect(readDuration("mp3", behind, file.length - at)).toBeCloseTo((300 * 1152) / 44100, 3);
  });

  it("FLAC: STREAMINFO total samples / sample rate", () => {
    const file = flac({ rate: 16000, total: 116000 });
    expect(readDuration("flac", headOf(file), file.length)).toBe(7.25);
    expect(readDuration("flac", bytes(id3(50), file), file.length + 60)).toBe(7.25);
    expect(readDuration("flac", flac({ total: 0 }), 3000)).toBeNull(); // 0 = unknown
  });

  it("Ogg Opus: from a tail read (granule − pre-skip), or from the head when it is the whole file", () => {
    const file = opusFile(30);
    expect(file.length).toBeGreaterThan(SNIFF_BYTES);
    expect(readDuration("ogg", headOf(file), file.length)).toBeNull();
    expect(readOggDuration(headOf(file), file.subarray(Math.max(0, file.length - OGG_TAIL_BYTES)))).toBe(30);
    const small = opusFile(2.5);
    expect(small.length).toBeLessThan(SNIFF_BYTES);
    expect(readDuration("ogg", small, small.length)).toBe(2.5);
  });

  it("M4A: mvhd (version 0 and 1) when moov is in the head", () => {
    const v0 = bytes(
      ftyp("M4A ", "M4A ", "isom"),
      box("moov", mvhd(0, 44100, 441000), box("trak")),
      box("mdat", new Uint8Array(100)),
    );
    expect(readDuration("m4a", headOf(v0), v0.length)).toBe(10);
    const v1 = bytes(ftyp("mp42", "mp42", "isom"), box("free"), box("moov", mvhd(1, 1000, 61_500)));
    expect(readDuration("m4a", v1, v1.length)).toBe(61.5);
    // moov after a large mdat (no faststart): not in the head
    const late = bytes(
      ftyp("M4A "),
      box("mdat", new Uint8Array(SNIFF_BYTES)),
      box("moov", mvhd(0, 1000, 5000)),
    );
    expect(readDuration("m4a", headOf(late), late.length)).toBeNull();
  });

  it("WebM: Segment Info Duration × TimestampScale; null when the recorder wrote none", () => {
    expect(readDuration("webm", webm({ duration: f64(12345) }), 10_000)).toBeCloseTo(12.345, 9);
    expect(readDuration("webm", webm({ duration: f32(2500) }), 10_000)).toBe(2.5);
    expect(readDuration("webm", webm(), 10_000)).toBeNull();
  });

  it("never throws on truncated or corrupted headers", () => {
    const files: [AudioFormat, Uint8Array][] = [
      ["wav", wav({ seconds: 0.5, list: true, extensible: true })],
      [
        "mp3",
        bytes(
          id3(40),
          mp3Frames(4, (f) => f.set([...ascii("Xing"), ...be32(0xf), ...be32(9)], 36)),
        ),
      ],
      ["flac", flac()],
      ["ogg", opusFile(1)],
      ["m4a", bytes(ftyp("M4A "), box("moov", mvhd(1, 1000, 5000)))],
      ["webm", webm({ duration: f64(1000) })],
    ];
    const formats: AudioFormat[] = ["wav", "mp3", "flac", "ogg", "m4a", "webm"];
    for (const [, file] of files) {
      const prefix = file.subarray(0, 600);
      for (let len = 0; len <= prefix.length; len += 7) {
        for (const f of formats) {
          const d = readDuration(f, prefix.subarray(0, len), file.length);
          expect(d === null || (Number.isFinite(d) && d > 0)).toBe(true);
        }
        sniffAudio(prefix.subarray(0, len));
      }
      for (let i = 0; i < 100; i++) {
        const bad = prefix.slice();
        for (let k = 0; k < 6; k++) bad[(Math.random() * bad.length) | 0] = (Math.random() * 256) | 0;
        for (const f of formats) {
          const d = readDuration(f, bad, bad.length);
          expect(d === null || (Number.isFinite(d) && d > 0)).toBe(true);
        }
        expect(() => sniffAudio(bad)).not.toThrow();
        expect(() => readOggDuration(bad, bad)).not.toThrow();
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------

function streamOf(data: Uint8Array, chunk: number, log?: { pulls: number; cancelled?: unknown }) {
  let o = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (log) log.pulls++;
      if (o >= data.length) return c.close();
      c.enqueue(data.slice(o, o + chunk));
      o += chunk;
    },
    cancel(reason) {
      if (log) log.cancelled = reason;
    },
  });
}

async function drain(s: ReadableStream<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const r = s.getReader();
  for (;;) {
    const { done, value } = await r.read();
    if (done) return out;
    out.push(value);
  }
}

describe("sniffStream", () => {
  const input = bytes(wav({ seconds: 0.1 }).subarray(0, 44), random(20_000));

  it("returns the head and re-yields the input byte for byte (1-byte chunks)", async () => {
    const { head, rest } = await sniffStream(streamOf(input, 1));
    expect(head).toEqual(input.subarray(0, SNIFF_BYTES));
    expect(sniffAudio(head)?.format).toBe("wav");
    const chunks = await drain(rest);
    expect(chunks.every((c) => c.length === 1)).toBe(true);
    expect(bytes(...chunks)).toEqual(input);
  });

  it("one big chunk passes through as that one chunk", async () => {
    const { head, rest } = await sniffStream(streamOf(input, input.length));
    expect(head).toEqual(input.subarray(0, SNIFF_BYTES));
    const chunks = await drain(rest);
    expect(chunks.length).toBe(1);
    expect(chunks[0]).toEqual(input);
  });

  it("keeps the source's chunking and reads no further than the head before it is consumed", async () => {
    const log = { pulls: 0 };
    const { head, rest } = await sniffStream(streamOf(input, 7000, log), 10_000);
    expect(head.length).toBe(10_000);
    expect(log.pulls).toBeLessThanOrEqual(3); // 2 chunks for the head, at most one read ahead
    const chunks = await drain(rest);
    expect(chunks.map((c) => c.length)).toEqual([7000, 7000, 6044]);
    expect(bytes(...chunks)).toEqual(input);
  });

  it("handles bodies shorter than the head, and empty bodies", async () => {
    const short = input.subarray(0, 100);
    const a = await sniffStream(streamOf(short, 30));
    expect(a.head).toEqual(short);
    expect(bytes(...(await drain(a.rest)))).toEqual(short);
    const b = await sniffStream(streamOf(new Uint8Array(0), 10));
    expect(b.head.length).toBe(0);
    expect(sniffAudio(b.head)).toBeNull();
    expect(await drain(b.rest)).toEqual([]);
  });

  it("cancelling the rest cancels the upload", async () => {
    const log: { pulls: number; cancelled?: unknown } = { pulls: 0 };
    const { rest } = await sniffStream(streamOf(input, 1000, log), 16);
    await rest.cancel("not audio");
    expect(log.cancelled).toBe("not audio");
  });
});
