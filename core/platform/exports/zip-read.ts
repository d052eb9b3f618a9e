import { Inflate } from "fflate";

/**
 * Random-access reading of a ZIP stored in R2, with flat memory: the central directory (found
 * from the end-of-central-directory record) says where each entry is, and one entry is streamed
 * with a ranged read — inflated on the way when deflated — through a check of its declared size
 * and CRC-32 (and, when the caller knows it, its SHA-256). A lying entry (more or fewer bytes
 * than declared, another CRC) errors the stream; nothing trusts the local headers' sizes.
 *
 * Only what `writeZipToR2` produces is accepted: ZIP32 (no ZIP64), one disk, methods 0 (stored)
 * and 8 (deflate), no encryption, names without `..`, backslashes or a leading slash, each name
 * once, entries in archive order and not overlapping.
 */

export class ZipFormatError extends Error {}

export interface CdEntry {
  name: string;
  method: 0 | 8;
  crc32: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  nameLength: number;
}

export interface ZipDirectory {
  entries: CdEntry[];
  /** ETag of the object read: every later read is made against this version only. */
  etag: string;
  size: number;
}

const EOCD_SIG = 0x06054b50;
const CD_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;
/** 65 535 entries with 200-byte names: the largest directory `writeZipToR2` can write. */
const MAX_CD_BYTES = 16 * 1024 * 1024;

// ---- CRC-32 (IEEE 802.3, as ZIP uses) ---------------------------------------------------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Running CRC-32: start with `crc32Update(0, …)`, feed chunks, the result is the CRC. */
export function crc32Update(crc: number, bytes: Uint8Array): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

// ---- Directory -------------------------------------------------------------------------------

async function readRange(bucket: R2Bucket, key: string, etag: string | null, offset: number, length: number) {
  const obj = await bucket.get(key, {
    range: { offset, length },
    ...(etag ? { onlyIf: { etagMatches: etag } } : {}),
  });
  if (!obj) throw new ZipFormatError("the archive is gone");
  if (!("body" in obj)) throw new ZipFormatError("the archive changed while it was being read");
  return { bytes: new Uint8Array(await obj.arrayBuffer()), etag: obj.etag };
}

function findEocd(tail: Uint8Array): number {
  const v = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  for (let i = tail.length - EOCD_MIN; i >= 0; i--)
    if (v.getUint32(i, true) === EOCD_SIG && i + EOCD_MIN + v.getUint16(i + 20, true) === tail.length)
      return i;
  throw new ZipFormatError("not a ZIP archive (no end of central directory)");
}

function safeName(name: string): boolean {
  return (
    name.length > 0 &&
    !name.startsWith("/") &&
    !name.includes("\\") &&
    !name.includes("\0") &&
    !name.split("/").some((p) => p === ".." || p === ".")
  );
}

function parseDirectory(cd: Uint8Array, count: number, cdOffset: number): CdEntry[] {
  const v = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const dec = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  const out: CdEntry[] = [];
  const names = new Set<string>();
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > cd.length || v.getUint32(at, true) !== CD_SIG)
      throw new ZipFormatError("damaged central directory");
    const flags = v.getUint16(at + 8, true);
    const method = v.getUint16(at + 10, true);
    const nameLength = v.getUint16(at + 28, true);
    const extra = v.getUint16(at + 30, true);
    const comment = v.getUint16(at + 32, true);
    if (flags & 0x1) throw new ZipFormatError("encrypted entries are not accepted");
    if (method !== 0 && method !== 8) throw new ZipFormatError(`compression method ${method} not accepted`);
    let name: string;
    try {
      name = dec.decode(cd.subarray(at + 46, at + 46 + nameLength));
    } catch {
      throw new ZipFormatError("an entry name is not UTF-8");
    }
    if (!safeName(name) || names.has(name))
      throw new ZipFormatError(`unsafe or repeated entry name "${name}"`);
    names.add(name);
    const e: CdEntry = {
      name,
      method,
      crc32: v.getUint32(at + 16, true),
      compressedSize: v.getUint32(at + 20, true),
      size: v.getUint32(at + 24, true),
      localOffset: v.getUint32(at + 42, true),
      nameLength,
    };
    if (e.compressedSize === 0xffffffff || e.size === 0xffffffff || e.localOffset === 0xffffffff)
      throw new ZipFormatError("ZIP64 archives are not accepted");
    if (method === 0 && e.compressedSize !== e.size)
      throw new ZipFormatError(`entry "${name}": sizes disagree`);
    const prev = out.at(-1);
    if (prev && e.localOffset < prev.localOffset + 30 + prev.nameLength + prev.compressedSize)
      throw new ZipFormatError(`entry "${name}" overlaps the one before`);
    out.push(e);
    at += 46 + nameLength + extra + comment;
  }
  const last = out.at(-1);
  if (last && last.localOffset + 30 + last.nameLength + last.compressedSize > cdOffset)
    throw new ZipFormatError("an entry runs into the central directory");
  if (at !== cd.length) throw new ZipFormatError("damaged central directory");
  return out;
}

/** The archive's entries as its central directory lists them. */
export async function readZipDirectory(bucket: R2Bucket, key: string): Promise<ZipDirectory> {
  const head = await bucket.head(key);
  if (!head) throw new ZipFormatError("the archive is gone");
  if (head.size < EOCD_MIN) throw new ZipFormatError("not a ZIP archive");
  const tailLength = Math.min(head.size, EOCD_MIN + MAX_COMMENT);
  const { bytes: tail, etag } = await readRange(bucket, key, head.etag, head.size - tailLength, tailLength);
  const at = findEocd(tail);
  const v = new DataView(tail.buffer, tail.byteOffset + at, EOCD_MIN);
  if (v.getUint16(4, true) !== 0 || v.getUint16(6, true) !== 0)
    throw new ZipFormatError("multi-disk archives are not accepted");
  const count = v.getUint16(10, true);
  const cdSize = v.getUint32(12, true);
  const cdOffset = v.getUint32(16, true);
  if (count !== v.getUint16(8, true)) throw new ZipFormatError("damaged end of central directory");
  const eocdOffset = head.size - tailLength + at;
  if (cdOffset + cdSize !== eocdOffset)
    throw new ZipFormatError("the central directory is not where declared");
  if (cdSize > MAX_CD_BYTES) throw new ZipFormatError("central directory too large");
  const cd = cdSize ? (await readRange(bucket, key, etag, cdOffset, cdSize)).bytes : new Uint8Array(0);
  return { entries: parseDirectory(cd, count, cdOffset), etag, size: head.size };
}

// ---- Entries ---------------------------------------------------------------------------------

export interface EntryExpectation {
  /** Hex SHA-256 of the uncompressed bytes, when known (e.g. from a signed manifest). */
  sha256?: string;
}

/** Checks size, CRC-32 and (optionally) SHA-256 of the bytes passing through; errors on any lie. */
function checkStream(e: CdEntry, want: EntryExpectation): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  let crc = 0;
  const digest = want.sha256 ? new crypto.DigestStream("SHA-256") : null;
  const writer = digest?.getWriter();
  const lie = (what: string) =>
    new ZipFormatError(`entry "${e.name}": ${what} does not match its declaration`);
  return new TransformStream({
    async transform(chunk, ctl) {
      seen += chunk.byteLength;
      if (seen > e.size) throw lie("size");
      crc = crc32Update(crc, chunk);
      if (writer && chunk.byteLength) await writer.write(chunk);
      ctl.enqueue(chunk);
    },
    async flush() {
      if (seen !== e.size) throw lie("size");
      if (crc !== e.crc32) throw lie("CRC-32");
      if (writer && digest) {
        await writer.close();
        const got = [...new Uint8Array(await digest.digest)]
          .map((b) => b.toString(16).padStart(2, "0"))
          .join("");
        if (got !== want.sha256) throw lie("SHA-256");
      }
    },
  });
}

/** Streaming inflate; stops at once when the output would exceed the declared size (zip bomb). */
function inflateStream(e: CdEntry): TransformStream<Uint8Array, Uint8Array> {
  let out = 0;
  let inf: Inflate;
  let pending: Uint8Array[] = [];
  return new TransformStream({
    start() {
      inf = new Inflate((chunk) => {
        out += chunk.byteLength;
        if (out > e.size) throw new ZipFormatError(`entry "${e.name}": size does not match its declaration`);
        pending.push(chunk);
      });
    },
    transform(chunk, ctl) {
      try {
        inf.push(chunk, false);
      } catch (err) {
        throw err instanceof ZipFormatError ? err : new ZipFormatError(`entry "${e.name}": bad deflate data`);
      }
      for (const p of pending) ctl.enqueue(p);
      pending = [];
    },
    flush(ctl) {
      try {
        inf.push(new Uint8Array(0), true);
      } catch (err) {
        throw err instanceof ZipFormatError ? err : new ZipFormatError(`entry "${e.name}": bad deflate data`);
      }
      for (const p of pending) ctl.enqueue(p);
      pending = [];
    },
  });
}

/** Checks an entry's local header against the directory; returns the length of its extra field. */
function localExtra(lh: Uint8Array, e: CdEntry): number {
  const v = new DataView(lh.buffer, lh.byteOffset, lh.byteLength);
  if (lh.length < 30 || v.getUint32(0, true) !== LOCAL_SIG)
    throw new ZipFormatError(`entry "${e.name}": no local header`);
  const nameLength = v.getUint16(26, true);
  if (v.getUint16(8, true) !== e.method || nameLength !== e.nameLength)
    throw new ZipFormatError(`entry "${e.name}": local header disagrees with the directory`);
  if (new TextDecoder().decode(lh.subarray(30, 30 + nameLength)) !== e.name)
    throw new ZipFormatError(`entry "${e.name}": local header names another file`);
  return v.getUint16(28, true);
}

/** The stored bytes of an entry → its checked, uncompressed bytes. */
const decoded = (raw: ReadableStream<Uint8Array>, e: CdEntry, want: EntryExpectation) =>
  (e.method === 8 ? raw.pipeThrough(inflateStream(e)) : raw).pipeThrough(checkStream(e, want));

/**
 * One entry's uncompressed bytes as a stream, read from the archive version `dir.etag` only.
 * The stream errors (ZipFormatError) if the entry's bytes disagree with the directory.
 */
export async function openZipEntry(
  bucket: R2Bucket,
  key: string,
  dir: Pick<ZipDirectory, "etag">,
  e: CdEntry,
  want: EntryExpectation = {},
): Promise<ReadableStream<Uint8Array>> {
  const { bytes: lh } = await readRange(bucket, key, dir.etag, e.localOffset, 30 + e.nameLength);
  const start = e.localOffset + 30 + e.nameLength + localExtra(lh, e);
  let raw: ReadableStream<Uint8Array>;
  if (e.compressedSize === 0) raw = new Blob([]).stream();
  else {
    const obj = await bucket.get(key, {
      range: { offset: start, length: e.compressedSize },
      onlyIf: { etagMatches: dir.etag },
    });
    if (!obj || !("body" in obj)) throw new ZipFormatError("the archive changed while it was being read");
    raw = obj.body;
  }
  return decoded(raw, e, want);
}

/** Sequential reads from one stream: exact byte counts, skips, and bounded sub-streams. */
class ByteReader {
  pos = 0;
  private chunk: Uint8Array = new Uint8Array(0);
  constructor(private reader: ReadableStreamDefaultReader<Uint8Array>) {}

  private async fill(): Promise<void> {
    const { value, done } = await this.reader.read();
    if (done) throw new ZipFormatError("the archive ends early");
    this.chunk = value;
  }

  /** The next n bytes (at most n of the current chunk at a time). */
  private async next(n: number): Promise<Uint8Array> {
    if (!this.chunk.length) await this.fill();
    const out = this.chunk.subarray(0, n);
    this.chunk = this.chunk.subarray(out.length);
    this.pos += out.length;
    return out;
  }

  async read(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    for (let at = 0; at < n; ) {
      const part = await this.next(n - at);
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  async skipTo(offset: number): Promise<void> {
    if (offset < this.pos) throw new ZipFormatError("entries out of order");
    while (this.pos < offset) await this.next(offset - this.pos);
  }

  /** The next n bytes as a stream. */
  take(n: number): ReadableStream<Uint8Array> {
    let left = n;
    return new ReadableStream({
      pull: async (ctl) => {
        if (left === 0) return ctl.close();
        const part = await this.next(left);
        left -= part.length;
        ctl.enqueue(part.slice());
      },
    });
  }

  cancel() {
    return this.reader.cancel().catch(() => undefined);
  }
}

/**
 * Check entries (in archive order) with ONE sequential read of the archive — a request can
 * verify a whole upload without a subrequest per entry. Each entry's local header is matched
 * against the directory and its bytes against size, CRC-32 and (when given) SHA-256.
 */
export async function verifyZipEntries(
  bucket: R2Bucket,
  key: string,
  dir: Pick<ZipDirectory, "etag">,
  entries: CdEntry[],
  wants: EntryExpectation[] = [],
): Promise<void> {
  if (!entries.length) return;
  const obj = await bucket.get(key, { onlyIf: { etagMatches: dir.etag } });
  if (!obj || !("body" in obj)) throw new ZipFormatError("the archive changed while it was being read");
  const r = new ByteReader(obj.body.getReader());
  try {
    for (const [i, e] of entries.entries()) {
      await r.skipTo(e.localOffset);
      const lh = await r.read(30 + e.nameLength);
      await r.skipTo(r.pos + localExtra(lh, e));
      const reader = decoded(r.take(e.compressedSize), e, wants[i] ?? {}).getReader();
      while (!(await reader.read()).done);
    }
  } finally {
    await r.cancel();
  }
}

/** Read an entry fully — only for entries the caller has bounded (`maxBytes`) — checked. */
export async function readZipEntryBytes(
  bucket: R2Bucket,
  key: string,
  dir: Pick<ZipDirectory, "etag">,
  e: CdEntry,
  maxBytes: number,
  want: EntryExpectation = {},
): Promise<Uint8Array> {
  if (e.size > maxBytes) throw new ZipFormatError(`entry "${e.name}" is larger than ${maxBytes} bytes`);
  return new Uint8Array(await new Response(await openZipEntry(bucket, key, dir, e, want)).arrayBuffer());
}

/** Stream an entry to nowhere, checking it (size, CRC-32, SHA-256 when given). */
export async function verifyZipEntry(
  bucket: R2Bucket,
  key: string,
  dir: Pick<ZipDirectory, "etag">,
  e: CdEntry,
  want: EntryExpectation = {},
): Promise<void> {
  const reader = (await openZipEntry(bucket, key, dir, e, want)).getReader();
  for (;;) if ((await reader.read()).done) return;
}
