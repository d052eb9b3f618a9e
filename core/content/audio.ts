/**
 * Audio uploads (SPEC B1): what a file is, from its magic bytes, and how long it lasts, from its
 * container header — both from the first bytes of the file only, so an upload is checked before
 * it is streamed into R2 and never buffered whole.
 *
 * Pure: no I/O. Parsers never throw on malformed or truncated input; they return null. Every read
 * is bounds-checked against the bytes actually present (a `head` is usually a prefix of the file).
 */

export type AudioFormat = "wav" | "mp3" | "ogg" | "flac" | "m4a" | "webm";

export interface SniffResult {
  format: AudioFormat;
  mime: string;
}

export const AUDIO_MIME: Readonly<Record<AudioFormat, string>> = {
  wav: "audio/wav",
  mp3: "audio/mpeg",
  ogg: "audio/ogg",
  flac: "audio/flac",
  m4a: "audio/mp4",
  webm: "audio/webm",
};

/**
 * How many bytes from the front of a file to hand to `sniffAudio` / `readDuration`.
 *
 * Recognition needs few: 12 for WAV/M4A, 8 for FLAC, ~40 for an Ogg first page or the EBML
 * header, 10 for an ID3v2 header (an MP3 with a tag is accepted on the tag header alone, since a
 * tag may hold megabytes of cover art), and for a bare MP3 one frame + 4 bytes (≤ 1,732) so the
 * next frame header can confirm the first. Durations need more: WAV chunks before `data`
 * (LIST/bext), an ID3v2 tag plus the first MPEG frame (Xing/VBRI), a faststart M4A `moov`, the
 * WebM Segment Info. 16 KiB covers these in ordinary files and costs nothing next to the upload.
 * When an ID3v2 tag is larger than the head, read `SNIFF_BYTES` at offset `id3v2Length(head)`
 * and call `readDuration("mp3", thoseBytes, totalSize - id3v2Length(head))`.
 */
export const SNIFF_BYTES = 16 * 1024;

/**
 * An Ogg page is at most 65,307 bytes, so the last page header (whose granule position gives
 * the duration) is always inside this many bytes from the end: see `readOggDuration`.
 */
export const OGG_TAIL_BYTES = 65_536;

// ---------------------------------------------------------------------------------------------
// Byte helpers (no allocation; out-of-range reads are prevented by the callers' length checks)

function is(b: Uint8Array, o: number, tag: string): boolean {
  if (o < 0 || o + tag.length > b.byteLength) return false;
  for (let i = 0; i < tag.length; i++) if (b[o + i] !== tag.charCodeAt(i)) return false;
  return true;
}

const u16le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32le = (b: Uint8Array, o: number) =>
  (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16)) + b[o + 3] * 0x1000000;
const u32be = (b: Uint8Array, o: number) =>
  b[o] * 0x1000000 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
/** 64-bit values as numbers; NaN beyond 2^53 (no real audio file gets there). */
function u64(hi: number, lo: number): number {
  return hi > 0x1fffff ? Number.NaN : hi * 0x100000000 + lo;
}
const u64le = (b: Uint8Array, o: number) => u64(u32le(b, o + 4), u32le(b, o));
const u64be = (b: Uint8Array, o: number) => u64(u32be(b, o), u32be(b, o + 4));

// ---------------------------------------------------------------------------------------------
// ID3v2

/** Size of an ID3v2 tag starting at `o` (header + body + footer), or 0 if there is none. */
function id3At(b: Uint8Array, o: number): number {
  if (o + 10 > b.byteLength || b[o] !== 0x49 || b[o + 1] !== 0x44 || b[o + 2] !== 0x33) return 0;
  const major = b[o + 3];
  if (major < 2 || major > 4 || b[o + 4] === 0xff) return 0;
  if ((b[o + 6] | b[o + 7] | b[o + 8] | b[o + 9]) & 0x80) return 0; // sizes are syncsafe
  const size = (b[o + 6] << 21) | (b[o + 7] << 14) | (b[o + 8] << 7) | b[o + 9];
  return 10 + size + (major === 4 && b[o + 5] & 0x10 ? 10 : 0);
}

/**
 * Byte length of the ID3v2 tag(s) at the start of the file (0 if none): where the audio begins.
 * Reads only the 10-byte tag headers, so it is exact even when the tag is larger than `head`
 * (consecutive tags are followed only while their headers are inside `head`).
 */
export function id3v2Length(head: Uint8Array): number {
  let o = 0;
  for (let s = id3At(head, 0); s > 0; s = id3At(head, o)) o += s;
  return o;
}

// ---------------------------------------------------------------------------------------------
// MPEG audio frames (layers II and III; MPEG-1, 2 and 2.5)

// kbit/s by bitrate index 1..14 (0 = free format and 15 = bad are rejected).
const BR_V1_L2 = [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384];
const BR_V1_L3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BR_V2_L23 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const SR_V1 = [44100, 48000, 32000];

interface MpegFrame {
  /** 1 = MPEG-1, 2 = MPEG-2, 2.5 = MPEG-2.5 */
  version: number;
  layer: 2 | 3;
  bitrate: number; // bit/s
  sampleRate: number;
  samples: number; // per frame
  length: number; // bytes, header included
  mono: boolean;
}

/** Parses a 4-byte frame header at `o`; null if absent or any field holds a reserved value. */
function mpegAt(b: Uint8Array, o: number): MpegFrame | null {
  if (o + 4 > b.byteLength || b[o] !== 0xff || (b[o + 1] & 0xe0) !== 0xe0) return null;
  const v = (b[o + 1] >> 3) & 3; // 0 = 2.5, 1 = reserved, 2 = 2, 3 = 1
  const l = (b[o + 1] >> 1) & 3; // 1 = III, 2 = II, 3 = I, 0 = reserved
  const bi = b[o + 2] >> 4;
  const si = (b[o + 2] >> 2) & 3;
  if (v === 1 || (l !== 1 && l !== 2) || bi === 0 || bi === 15 || si === 3 || (b[o + 3] & 3) === 2)
    return null;
  const layer = l === 1 ? 3 : 2;
  const version = v === 3 ? 1 : v === 2 ? 2 : 2.5;
  const bitrate = 1000 * (version === 1 ? (layer === 3 ? BR_V1_L3 : BR_V1_L2) : BR_V2_L23)[bi];
  const sampleRate = SR_V1[si] / (version === 1 ? 1 : version === 2 ? 2 : 4);
  const samples = layer === 3 && version !== 1 ? 576 : 1152;
  const pad = (b[o + 2] >> 1) & 1;
  const length = Math.floor(((samples / 8) * bitrate) / sampleRate) + pad;
  return { version, layer, bitrate, sampleRate, samples, length, mono: b[o + 3] >> 6 === 3 };
}

/**
 * The first frame at or after `from` (only at `from` unless `scan`) whose successor, when it lies
 * inside `b`, is a frame of the same version, layer and sample rate — two headers in a row are
 * what tells audio from bytes that happen to start with 0xFFFB.
 */
function firstFrame(b: Uint8Array, from: number, scan: boolean): { at: number; f: MpegFrame } | null {
  const last = scan ? b.byteLength - 4 : from;
  for (let o = from; o <= last; o++) {
    if (b[o] !== 0xff) continue;
    const f = mpegAt(b, o);
    if (!f) continue;
    const next = o + f.length;
    if (next + 4 > b.byteLength) return { at: o, f };
    const g = mpegAt(b, next);
    if (g && g.version === f.version && g.layer === f.layer && g.sampleRate === f.sampleRate)
      return { at: o, f };
  }
  return null;
}

interface Mp3Info {
  seconds: number | null;
  /** A VBR file without Xing/VBRI: the duration is the average bitrate of the frames seen. */
  estimated: boolean;
  /** Seconds the bytes after the headers hold (a truncated file holds less than it declares). */
  audioS: number | null;
}

/** `b` starts at the file's first byte (or right after its ID3v2 tag); `totalSize` counts the same bytes. */
function mp3Info(b: Uint8Array, totalSize: number): Mp3Info {
  const first = firstFrame(b, id3v2Length(b), true);
  if (!first) return { seconds: null, estimated: false, audioS: b.byteLength >= totalSize ? 0 : null };
  const { at, f } = first;
  const present = (audioStart: number, bitrate: number) =>
    totalSize > audioStart ? ((totalSize - audioStart) * 8) / bitrate : 0;
  // Xing/Info (LAME, ffmpeg) sits right after the side information; VBRI (Fraunhofer) at +36.
  // Either is a frame of its own that carries no audio.
  const x = at + 4 + (f.version === 1 ? (f.mono ? 17 : 32) : f.mono ? 9 : 17);
  const xing = is(b, x, "Xing");
  let frames = 0;
  let bytes = 0;
  if (xing || is(b, x, "Info")) {
    const flags = u32be(b, x + 4);
    if (flags & 1 && x + 12 <= b.byteLength) frames = u32be(b, x + 8);
    if (flags & 2 && x + 16 <= b.byteLength) bytes = u32be(b, x + (flags & 1 ? 12 : 8));
    if (frames === 0 && xing) return { seconds: null, estimated: false, audioS: null }; // VBR, no count
  } else if (is(b, at + 36, "VBRI") && at + 54 <= b.byteLength) {
    bytes = u32be(b, at + 46);
    frames = u32be(b, at + 50);
  }
  if (frames > 0) {
    const seconds = (frames * f.samples) / f.sampleRate;
    const bitrate = bytes > 0 ? (bytes * 8) / seconds : f.bitrate;
    return { seconds, estimated: false, audioS: Math.min(seconds, present(at + f.length, bitrate)) };
  }
  // No header: walk the frames we have. One bitrate throughout is CBR (every byte after the tag
  // is audio at that rate); varying bitrates without a header are VBR, estimated from their mean.
  let o = at;
  let n = 0;
  let seen = 0;
  let vbr = false;
  for (let g = mpegAt(b, o); g && o + g.length <= b.byteLength; g = mpegAt(b, o)) {
    if (g.bitrate !== f.bitrate) vbr = true;
    seen += g.length;
    n++;
    o += g.length;
  }
  const bitrate = vbr && n > 0 ? (seen * 8 * f.sampleRate) / (n * f.samples) : f.bitrate;
  const seconds = present(at, bitrate);
  return { seconds: seconds > 0 ? seconds : null, estimated: vbr, audioS: seconds };
}

function mp3Duration(b: Uint8Array, totalSize: number): number | null {
  return mp3Info(b, totalSize).seconds;
}

// ---------------------------------------------------------------------------------------------
// WAV (RIFF / RF64 / BW64)

const isRiffWave = (b: Uint8Array) =>
  (is(b, 0, "RIFF") || is(b, 0, "RF64") || is(b, 0, "BW64")) && is(b, 8, "WAVE");

function wavDuration(b: Uint8Array, totalSize: number): number | null {
  if (!isRiffWave(b)) return null;
  const n = b.byteLength;
  let tag = -1;
  let sampleRate = 0;
  let byteRate = 0;
  let factSamples = 0;
  let ds64Data = Number.NaN;
  let dataStart = -1;
  let dataSize = 0;
  // Chunks are word-aligned; `fmt ` (and `fact`, `ds64`) precede `data`, other chunks (LIST,
  // bext, JUNK…) may sit anywhere and are skipped by their size.
  for (let o = 12; o + 8 <= n; ) {
    const size = u32le(b, o + 4);
    const body = o + 8;
    if (is(b, o, "fmt ")) {
      if (size < 16 || body + 16 > n) return null;
      tag = u16le(b, body);
      sampleRate = u32le(b, body + 4);
      byteRate = u32le(b, body + 8) || sampleRate * u16le(b, body + 12);
      // WAVE_FORMAT_EXTENSIBLE: the real format code opens the SubFormat GUID.
      if (tag === 0xfffe && size >= 40 && body + 26 <= n) tag = u16le(b, body + 24);
    } else if (is(b, o, "fact") && body + 4 <= n) {
      factSamples = u32le(b, body);
    } else if (is(b, o, "ds64") && body + 24 <= n) {
      ds64Data = u64le(b, body + 8);
    } else if (is(b, o, "data")) {
      dataStart = body;
      dataSize = size;
      break;
    }
    o = body + size + (size & 1);
  }
  if (tag < 0 || dataStart < 0) return null;
  if (dataSize === 0xffffffff && ds64Data >= 0) dataSize = ds64Data; // RF64
  const available = Math.max(0, totalSize - dataStart);
  // Streaming writers leave 0 or 0xFFFFFFFF; a truncated upload holds less than announced.
  if (dataSize === 0 || dataSize === 0xffffffff || dataSize > available) dataSize = available;
  // Compressed formats (ADPCM, GSM…) state an average byte rate; their `fact` count is exact.
  const pcmLike = tag === 1 || tag === 3 || tag === 6 || tag === 7;
  if (!pcmLike && factSamples > 0 && sampleRate > 0) return factSamples / sampleRate;
  return byteRate > 0 ? dataSize / byteRate : null;
}

// ---------------------------------------------------------------------------------------------
// FLAC

function flacDuration(b: Uint8Array): number | null {
  const o = id3v2Length(b); // some taggers prepend ID3v2 to FLAC
  if (!is(b, o, "fLaC") || (b[o + 4] & 0x7f) !== 0 || o + 8 + 18 > b.byteLength) return null;
  const s = o + 8; // STREAMINFO body
  const sampleRate = (b[s + 10] << 12) | (b[s + 11] << 4) | (b[s + 12] >> 4);
  const total = (b[s + 13] & 0x0f) * 0x100000000 + u32be(b, s + 14); // 0 = unknown
  return sampleRate > 0 && total > 0 ? total / sampleRate : null;
}

// ---------------------------------------------------------------------------------------------
// Ogg (Opus, Vorbis, FLAC, Speex)

interface OggStream {
  codec: "opus" | "vorbis" | "flac" | "speex";
  serial: number;
  /** rate of the granule position (48 kHz for Opus whatever the input rate) */
  rate: number;
  preSkip: number;
}

/** The codec of the first logical stream, from the first page's first packet. */
function oggFirst(b: Uint8Array): OggStream | null {
  if (!is(b, 0, "OggS") || b.byteLength < 27 || b[4] !== 0) return null;
  const p = 27 + b[26];
  const serial = u32le(b, 14);
  const n = b.byteLength;
  if (is(b, p, "OpusHead") && p + 12 <= n)
    return { codec: "opus", serial, rate: 48000, preSkip: u16le(b, p + 10) };
  if (b[p] === 1 && is(b, p + 1, "vorbis") && p + 16 <= n)
    return { codec: "vorbis", serial, rate: u32le(b, p + 12), preSkip: 0 };
  if (b[p] === 0x7f && is(b, p + 1, "FLAC") && is(b, p + 9, "fLaC") && p + 30 <= n) {
    const s = p + 17;
    return {
      codec: "flac",
      serial,
      rate: (b[s + 10] << 12) | (b[s + 11] << 4) | (b[s + 12] >> 4),
      preSkip: 0,
    };
  }
  if (is(b, p, "Speex   ") && p + 40 <= n)
    return { codec: "speex", serial, rate: u32le(b, p + 36), preSkip: 0 };
  return null;
}

/**
 * Ogg duration needs the last page's granule position, which no header carries: give the first
 * bytes of the file (`head`) and its last `OGG_TAIL_BYTES` (`tail`, e.g. an R2 suffix range read
 * after the upload). Null if either does not parse.
 */
export function readOggDuration(head: Uint8Array, tail: Uint8Array): number | null {
  const samples = oggSamples(head, tail);
  return samples !== null && samples.samples > 0 ? samples.samples / samples.rate : null;
}

/** Samples up to the last page of `tail` (granule − pre-skip; ≤ 0 for a header-only file), or null. */
function oggSamples(head: Uint8Array, tail: Uint8Array): { samples: number; rate: number } | null {
  try {
    const s = oggFirst(head);
    if (!s || !(s.rate > 0)) return null;
    for (let o = tail.byteLength - 27; o >= 0; o--) {
      if (tail[o] !== 0x4f || !is(tail, o, "OggS") || tail[o + 4] !== 0 || u32le(tail, o + 14) !== s.serial)
        continue;
      const hi = u32le(tail, o + 10);
      const lo = u32le(tail, o + 6);
      if (hi === 0xffffffff && lo === 0xffffffff) continue; // no packet ends on this page
      return { samples: u64(hi, lo) - s.preSkip, rate: s.rate };
    }
    return null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// ISO BMFF (M4A / MP4 audio)

const AUDIO_BRANDS = ["M4A ", "M4B ", "mp42", "mp41", "isom", "iso2", "dash"];

function hasAudioBrand(b: Uint8Array): boolean {
  const size = u32be(b, 0);
  if (size < 16 && size !== 0 && size !== 1) return false;
  const end = Math.min(size === 0 || size === 1 ? b.byteLength : size, b.byteLength);
  for (let o = 8; o + 4 <= end; o += o === 8 ? 8 : 4) {
    // o = 8: major brand; o = 12 is minor_version (skipped); 16…: compatible brands
    for (const brand of AUDIO_BRANDS) if (is(b, o, brand)) return true;
  }
  return false;
}

/** Walks boxes in [from, end) and returns the body offset of the first `type`, with its end. */
function findBox(b: Uint8Array, from: number, end: number, type: string): [number, number] | null {
  for (let o = from; o + 8 <= end; ) {
    let size = u32be(b, o);
    let hdr = 8;
    if (size === 1) {
      if (o + 16 > end) return null;
      size = u64be(b, o + 8);
      hdr = 16;
    } else if (size === 0) size = end - o; // box runs to the end of the file
    if (!(size >= hdr)) return null;
    if (is(b, o + 4, type)) return [o + hdr, Math.min(o + size, end)];
    o += size;
  }
  return null;
}

function m4aDuration(b: Uint8Array): number | null {
  // moov is inside the head only for "faststart" files (moov before mdat); otherwise null.
  const moov = findBox(b, 0, b.byteLength, "moov");
  const mvhd = moov && findBox(b, moov[0], moov[1], "mvhd");
  if (!mvhd) return null;
  const o = mvhd[0];
  const v1 = b[o] === 1;
  if (o + (v1 ? 32 : 20) > mvhd[1]) return null;
  const timescale = u32be(b, o + (v1 ? 20 : 12));
  const duration = v1 ? u64be(b, o + 24) : u32be(b, o + 16);
  // all ones = unknown; 0 = fragmented file (duration lives in the fragments)
  if (timescale === 0 || duration === 0 || duration === 0xffffffff) return null;
  return duration / timescale;
}

// ---------------------------------------------------------------------------------------------
// EBML (WebM)

/** Length in bytes of the variable-size integer whose first byte is `first` (0 if invalid). */
const vlen = (first: number) => (first === 0 ? 0 : Math.clz32(first) - 23);

/** Element ID at `o` (marker bit kept, as IDs are written) or -1. */
function ebmlId(b: Uint8Array, o: number): number {
  const len = vlen(b[o]);
  if (len === 0 || len > 4 || o + len > b.byteLength) return -1;
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 256 + b[o + i];
  return v;
}

/** Data size at `o` (marker removed); -2 if invalid or truncated, -1 for "unknown size". */
function ebmlSize(b: Uint8Array, o: number): number {
  const len = vlen(b[o]);
  if (len === 0 || o + len > b.byteLength) return -2;
  let v = b[o] & (0xff >> len);
  let ones = v === 0xff >> len;
  for (let i = 1; i < len; i++) {
    v = v * 256 + b[o + i];
    ones &&= b[o + i] === 0xff;
  }
  return ones ? -1 : v;
}

/**
 * Iterates the children of an element in [from, end): calls `visit(id, bodyStart, bodyEnd)`
 * until it returns true (stop); returns false on malformed data. Unknown sizes end the walk.
 */
function ebmlChildren(
  b: Uint8Array,
  from: number,
  end: number,
  visit: (id: number, start: number, size: number) => boolean,
): boolean {
  for (let o = from; o < end; ) {
    const id = ebmlId(b, o);
    if (id < 0) return false;
    const so = o + vlen(b[o]);
    const size = ebmlSize(b, so);
    if (size === -2) return false;
    const start = so + vlen(b[so]);
    if (visit(id, start, size) || size < 0) return true;
    o = start + size;
  }
  return true;
}

const EBML = 0x1a45dfa3;
const DOC_TYPE = 0x4282;
const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const TIMESTAMP_SCALE = 0x2ad7b1;
const DURATION = 0x4489;
const CLUSTER = 0x1f43b675;

/** End of the EBML header when its DocType is "webm" (a Matroska file is not WebM), else -1. */
function webmHeaderEnd(b: Uint8Array): number {
  if (ebmlId(b, 0) !== EBML) return -1;
  const size = ebmlSize(b, 4);
  if (size < 0) return -1;
  const start = 4 + vlen(b[4]);
  let webm = false;
  ebmlChildren(b, start, Math.min(start + size, b.byteLength), (id, s, len) => {
    if (id !== DOC_TYPE) return false;
    // strings may be NUL-padded
    webm = len >= 4 && is(b, s, "webm") && s + len <= b.byteLength;
    for (let i = s + 4; webm && i < s + len; i++) webm = b[i] === 0;
    return true;
  });
  return webm ? start + size : -1;
}

function uint(b: Uint8Array, o: number, len: number): number {
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 256 + b[o + i];
  return v;
}

function webmDuration(b: Uint8Array): number | null {
  const seg = webmHeaderEnd(b);
  if (seg < 0 || ebmlId(b, seg) !== SEGMENT) return null;
  const so = seg + 4;
  const segSize = ebmlSize(b, so);
  if (segSize === -2) return null;
  const segStart = so + vlen(b[so]);
  const segEnd = segSize < 0 ? b.byteLength : Math.min(segStart + segSize, b.byteLength);
  let scale = 1_000_000; // default TimestampScale: 1 ms
  let duration = Number.NaN;
  ebmlChildren(b, segStart, segEnd, (id, s, len) => {
    if (id === CLUSTER) return true; // Info always precedes the clusters
    if (id !== INFO) return false;
    ebmlChildren(b, s, Math.min(s + len, b.byteLength), (cid, cs, clen) => {
      if (cs + clen > b.byteLength) return true;
      if (cid === TIMESTAMP_SCALE && clen >= 1 && clen <= 8) scale = uint(b, cs, clen);
      else if (cid === DURATION && (clen === 4 || clen === 8)) {
        const dv = new DataView(b.buffer, b.byteOffset + cs, clen);
        duration = clen === 4 ? dv.getFloat32(0) : dv.getFloat64(0);
      }
      return false;
    });
    return true;
  });
  // Browsers' MediaRecorder writes no Duration: null, as promised.
  return (duration * scale) / 1e9;
}

// ---------------------------------------------------------------------------------------------
// Public API

function result(format: AudioFormat): SniffResult {
  return { format, mime: AUDIO_MIME[format] };
}

/**
 * Recognises an audio container from its first bytes (`SNIFF_BYTES` is plenty; fewer work for
 * most formats). Null for anything else (PDF, PNG, ZIP, text, empty, Ogg video, Matroska, MOV…).
 */
export function sniffAudio(head: Uint8Array): SniffResult | null {
  const b = head;
  if (b.byteLength < 4) return null;
  if (isRiffWave(b)) return result("wav");
  if (is(b, 0, "fLaC")) return b.byteLength >= 8 && (b[4] & 0x7f) === 0 ? result("flac") : null;
  if (is(b, 0, "OggS")) return oggFirst(b) ? result("ogg") : null;
  if (is(b, 4, "ftyp")) return hasAudioBrand(b) ? result("m4a") : null;
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3)
    return webmHeaderEnd(b) >= 0 ? result("webm") : null;
  const tag = id3v2Length(b);
  if (tag > 0) return is(b, tag, "fLaC") ? result("flac") : result("mp3");
  return firstFrame(b, 0, false) ? result("mp3") : null;
}

/**
 * Duration in seconds from the container header, or null when the header does not say (or is
 * malformed, or lies beyond `head`). `head` is the file's first bytes (`SNIFF_BYTES`); `totalSize`
 * the whole file's size in bytes (WAV streams with no data size, truncated WAVs, CBR MP3s).
 *
 * - wav: data size / byte rate (`fact` sample count for compressed formats); RF64 via `ds64`.
 * - mp3: Xing/Info or VBRI frame count × samples per frame / sample rate, else a CBR estimate
 *   from the first frame's bitrate over (totalSize − ID3v2 tag). Accurate to a frame (~26 ms).
 * - flac: STREAMINFO total samples / sample rate.
 * - m4a: `mvhd` when `moov` is in `head`; webm: Segment Info Duration when present.
 * - ogg: null unless `head` is the whole file; see `readOggDuration` for the tail read.
 */
export function readDuration(format: AudioFormat, head: Uint8Array, totalSize: number): number | null {
  try {
    let d: number | null = null;
    switch (format) {
      case "wav":
        d = wavDuration(head, totalSize);
        break;
      case "mp3":
        d = mp3Duration(head, totalSize);
        break;
      case "flac":
        d = flacDuration(head);
        break;
      case "ogg":
        d = head.byteLength >= totalSize ? readOggDuration(head, head) : null;
        break;
      case "m4a":
        d = m4aDuration(head);
        break;
      case "webm":
        d = webmDuration(head);
        break;
    }
    return d !== null && Number.isFinite(d) && d > 0 ? d : null;
  } catch {
    return null;
  }
}

/** `sniffAudio` and `readDuration` in one call. */
export function probeAudio(
  head: Uint8Array,
  totalSize: number,
): (SniffResult & { durationSec: number | null }) | null {
  const s = sniffAudio(head);
  return s && { ...s, durationSec: readDuration(s.format, head, totalSize) };
}

const EMPTY = new Uint8Array(0);

/**
 * Reads the first `need` bytes of `stream` (fewer if it ends first) and returns them as `head`,
 * with `rest`: a stream yielding the whole input again — the chunks already read, unchanged, then
 * the remaining chunks as the source delivers them. Nothing beyond the head is buffered; `rest`
 * pulls from the source only when its consumer reads (backpressure is preserved), and
 * cancelling `rest` cancels the source (do so when the head is rejected).
 *
 * `head` is a copy, so it stays valid whatever the consumer of `rest` does with the chunks.
 * `rest` has no known length: for `R2Bucket.put`, pipe it through a `FixedLengthStream`.
 */
export async function sniffStream(
  stream: ReadableStream<Uint8Array>,
  need: number = SNIFF_BYTES,
): Promise<{ head: Uint8Array; rest: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let have = 0;
  let ended = false;
  while (have < need) {
    const r = await reader.read();
    if (r.done) {
      ended = true;
      break;
    }
    chunks.push(r.value);
    have += r.value.byteLength;
  }
  const head = new Uint8Array(Math.min(have, need));
  for (let i = 0, o = 0; o < head.byteLength; i++) {
    const c = chunks[i];
    const take = Math.min(c.byteLength, head.byteLength - o);
    head.set(take === c.byteLength ? c : c.subarray(0, take), o);
    o += take;
  }
  let next = 0;
  const rest = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (next < chunks.length) {
          controller.enqueue(chunks[next]);
          chunks[next++] = EMPTY; // drop our reference once handed on
          return;
        }
        const r = ended ? null : await reader.read();
        if (!r || r.done) controller.close();
        else controller.enqueue(r.value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { head, rest };
}

// ---------------------------------------------------------------------------------------------
// After storing: the whole file is in R2, and ranged reads reach the answers at its end

/** A recording holding less audio than this is refused: it is a header, or a few frames. */
export const MIN_AUDIO_S = 0.5;

/** Bytes `[offset, offset + length)` of the stored file (fewer at its end); e.g. an R2 ranged get. */
export type RangeReader = (offset: number, length: number) => Promise<Uint8Array>;

export interface StoredAudio {
  /** Seconds, as the container says or as measured; null when it cannot be told. */
  durationS: number | null;
  /** True for a VBR MP3 without Xing/VBRI: the mean bitrate of its first frames gave the duration. */
  estimated: boolean;
  /**
   * Seconds of audio the bytes actually hold, when it can be told: 0 for a file that is only a
   * header (a 12-byte `RIFF…WAVE`, a WAV without data, an Ogg with its header pages only…), less
   * than `durationS` for a truncated file. Compare with `MIN_AUDIO_S`.
   */
  audioS: number | null;
}

/** A reader over bytes already in memory (a body shorter than the head). */
export const bytesReader =
  (b: Uint8Array): RangeReader =>
  async (offset, length) =>
    b.subarray(offset, Math.min(b.byteLength, offset + length));

/**
 * Duration and audio content of a stored file: `head` is its first bytes (`SNIFF_BYTES`), `read`
 * reaches the rest without reading it whole — the Ogg's last page (a suffix of `OGG_TAIL_BYTES`),
 * the MP4 box headers up to a `moov` written after `mdat` (ffmpeg's default) and `moov`'s first
 * bytes, the first frames behind an ID3v2 tag larger than the head. At most a few reads.
 */
export async function probeStored(
  format: AudioFormat,
  head: Uint8Array,
  totalSize: number,
  read: RangeReader,
): Promise<StoredAudio> {
  const whole = head.byteLength >= totalSize;
  const out = (durationS: number | null, audioS: number | null, estimated = false): StoredAudio => {
    const d = durationS !== null && Number.isFinite(durationS) && durationS > 0 ? durationS : null;
    const a = audioS !== null && Number.isFinite(audioS) ? Math.max(0, audioS) : null;
    return { durationS: d, estimated: d !== null && estimated, audioS: a };
  };
  try {
    switch (format) {
      case "wav": {
        // What the data chunk holds of what it announces; no data chunk in the whole file: none.
        const d = wavDuration(head, totalSize);
        return out(d, d !== null && Number.isFinite(d) ? d : whole ? 0 : null);
      }
      case "mp3": {
        const tag = id3v2Length(head);
        const b = tag + 4 > head.byteLength ? await read(tag, SNIFF_BYTES) : head.subarray(tag);
        const m = mp3Info(b, totalSize - tag);
        return out(m.seconds, m.audioS, m.estimated);
      }
      case "flac": {
        const d = flacDuration(head);
        const end = flacMetadataEnd(head);
        return out(d, end !== null && totalSize <= end ? 0 : d);
      }
      case "ogg": {
        const tail = whole
          ? head
          : await read(Math.max(0, totalSize - OGG_TAIL_BYTES), Math.min(totalSize, OGG_TAIL_BYTES));
        const s = oggSamples(head, tail);
        return out(s && s.samples / s.rate, s ? s.samples / s.rate : null);
      }
      case "m4a":
        return await m4aStored(head, totalSize, read);
      case "webm": {
        const d = webmDuration(head);
        return out(d, whole && !hasCluster(head) ? 0 : d);
      }
    }
  } catch {
    return { durationS: null, estimated: false, audioS: null };
  }
}

/** End of the FLAC metadata blocks (where frames begin), when all their headers are in `b`. */
function flacMetadataEnd(b: Uint8Array): number | null {
  let o = id3v2Length(b) + 4;
  for (let i = 0; i < 128 && o + 4 <= b.byteLength; i++) {
    const last = b[o] & 0x80;
    o += 4 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]);
    if (last) return o;
  }
  return null;
}

/** Whether a WebM holds a Cluster (audio) after its Info, within `b`. */
function hasCluster(b: Uint8Array): boolean {
  for (let o = 0; o + 4 <= b.byteLength; o++)
    if (b[o] === 0x1f && b[o + 1] === 0x43 && b[o + 2] === 0xb6 && b[o + 3] === 0x75) return true;
  return false;
}

/**
 * MP4/M4A: walk the top-level boxes (their headers only, by ranged reads past the head) to `moov`
 * and read its first bytes for `mvhd`; `mdat`'s size says whether any audio is there.
 */
async function m4aStored(head: Uint8Array, totalSize: number, read: RangeReader): Promise<StoredAudio> {
  const at = async (o: number, n: number) =>
    o + n <= head.byteLength ? head.subarray(o, o + n) : read(o, n);
  let duration: number | null = null;
  let mdat: number | null = null;
  let o = 0;
  for (let i = 0; o + 8 <= totalSize && i < 64; i++) {
    const h = await at(o, 16);
    if (h.byteLength < 8) break;
    let size = u32be(h, 0);
    let hdr = 8;
    if (size === 1) {
      if (h.byteLength < 16) break;
      size = u64be(h, 8);
      hdr = 16;
    } else if (size === 0) size = totalSize - o; // runs to the end of the file
    if (!(size >= hdr)) break;
    if (is(h, 4, "mdat")) mdat = (mdat ?? 0) + Math.min(size, totalSize - o) - hdr;
    else if (is(h, 4, "moov")) {
      // mvhd opens moov in every writer we know; 64 KiB leaves room for anything before it.
      const body = await at(o + hdr, Math.min(size - hdr, 64 * 1024));
      const box = new Uint8Array(8 + body.byteLength);
      box.set([0, 0, 0, 0], 0);
      new DataView(box.buffer).setUint32(0, box.byteLength);
      box.set([0x6d, 0x6f, 0x6f, 0x76], 4); // "moov"
      box.set(body, 8);
      duration = m4aDuration(box);
    }
    o += size;
  }
  const d = duration !== null && Number.isFinite(duration) && duration > 0 ? duration : null;
  // "No audio" only when every box was walked: no mdat at all, or an empty one.
  const walked = o >= totalSize;
  const noAudio = (mdat !== null && mdat <= 0) || (mdat === null && walked);
  return { durationS: d, estimated: false, audioS: noAudio ? 0 : d };
}
