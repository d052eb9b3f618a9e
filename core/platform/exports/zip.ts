import { Zip, ZipDeflate, ZipPassThrough } from "fflate";

/**
 * Streams a ZIP archive into an R2 object with flat memory, whatever the total size: entries are
 * pulled one at a time from an async iterable; text and JSON are deflated (`ZipDeflate`), audio
 * and other already-compressed bodies are stored as they are (`ZipPassThrough`, the default for
 * streams). The archive's bytes are cut into parts of a fixed size (≥ 5 MiB, R2's minimum for
 * every part but the last, which must all be the same size) and sent as an R2 multipart upload;
 * an archive smaller than one part is a single `put`. At most one part (plus one input chunk's
 * output) is held in memory.
 *
 * Used by privacy exports (F3) and reusable for the whole-tenant export at contract end (F7).
 *
 * Limits (fflate writes no ZIP64 records): each entry and the whole archive must stay below
 * 4 GiB, and at most 65 535 entries. Above that, split the export into several archives.
 */
export interface ZipEntry {
  /** Path inside the archive (forward slashes). */
  name: string;
  data: Uint8Array | string | ReadableStream<Uint8Array>;
  /** Deflate this entry. Default: true for strings and byte arrays, false for streams. */
  compress?: boolean;
}

export interface ZipToR2Options {
  /** Bytes per multipart part (default and minimum 5 MiB). */
  partSize?: number;
  /** Content type of the object (default application/zip). */
  contentType?: string;
  /** Custom metadata stored with the object. */
  customMetadata?: Record<string, string>;
  /** Modification time written in every entry (default: now). */
  mtime?: Date | number;
  /** Compute the archive's SHA-256 while writing (default true). */
  sha256?: boolean;
  /** Deflate level 0–9 (default 6). */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
  /**
   * Called once each entry is written, with its uncompressed size, CRC-32 and SHA-256 (computed
   * on the way, so a generator of entries can list the previous ones in a later entry, e.g. a
   * signed manifest).
   */
  onEntry?: (entry: WrittenEntry) => void;
}

export interface WrittenEntry {
  name: string;
  size: number;
  crc32: number;
  sha256: string;
}

export interface ZipToR2Result {
  key: string;
  size: number;
  sha256?: string;
  entries: number;
}

export const MIN_PART_SIZE = 5 * 1024 * 1024;
const MAX_ENTRIES = 65_535;
const MAX_ZIP32 = 0xffff_ffff;
/** Input is fed to the compressor in slices of this size, so a large array never doubles memory. */
const FEED = 64 * 1024;

const enc = new TextEncoder();

/** Buffers the archive's output and ships it to R2 one fixed-size part at a time. */
class PartSink {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private upload: R2MultipartUpload | null = null;
  private parts: R2UploadedPart[] = [];
  size = 0;
  private digest: DigestStream | null;
  private digestWriter: WritableStreamDefaultWriter<ArrayBufferView> | null;

  constructor(
    private bucket: R2Bucket,
    private key: string,
    private partSize: number,
    private putOptions: R2PutOptions & R2MultipartOptions,
    withSha: boolean,
  ) {
    this.digest = withSha ? new crypto.DigestStream("SHA-256") : null;
    this.digestWriter = this.digest ? this.digest.getWriter() : null;
  }

  /** Called synchronously by fflate: only buffer here; `drain` does the I/O. */
  push(chunk: Uint8Array) {
    if (!chunk.byteLength) return;
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    this.size += chunk.byteLength;
    if (this.size > MAX_ZIP32) throw new Error("zip: archive exceeds 4 GiB (no ZIP64); split the export");
  }

  /** Ships every full part buffered so far. */
  async drain() {
    while (this.buffered >= this.partSize) await this.ship(this.take(this.partSize));
  }

  /** Last part (or the whole object when it fits one part). Returns the SHA-256 hex if asked. */
  async finish(): Promise<string | undefined> {
    const rest = this.take(this.buffered);
    if (!this.upload) {
      await this.hash(rest);
      await this.bucket.put(this.key, rest, this.putOptions);
    } else {
      if (rest.byteLength) await this.ship(rest);
      await this.upload.complete(this.parts);
    }
    if (!this.digest || !this.digestWriter) return undefined;
    await this.digestWriter.close();
    return hex(await this.digest.digest);
  }

  async abort() {
    await this.upload?.abort().catch(() => undefined);
  }

  private take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const head = this.chunks[0];
      const want = n - off;
      if (head.byteLength <= want) {
        out.set(head, off);
        off += head.byteLength;
        this.chunks.shift();
      } else {
        out.set(head.subarray(0, want), off);
        this.chunks[0] = head.subarray(want);
        off += want;
      }
    }
    this.buffered -= n;
    return out;
  }

  private async hash(bytes: Uint8Array) {
    if (this.digestWriter && bytes.byteLength) await this.digestWriter.write(bytes);
  }

  private async ship(part: Uint8Array) {
    await this.hash(part);
    this.upload ??= await this.bucket.createMultipartUpload(this.key, this.putOptions);
    this.parts.push(await this.upload.uploadPart(this.parts.length + 1, part));
  }
}

const hex = (b: ArrayBuffer) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");

/** SHA-256 of an entry's uncompressed bytes, fed slice by slice (or nothing when not asked). */
class EntryDigest {
  private stream = new crypto.DigestStream("SHA-256");
  private writer = this.stream.getWriter();
  write(bytes: Uint8Array) {
    return bytes.byteLength ? this.writer.write(bytes) : undefined;
  }
  async hex(): Promise<string> {
    await this.writer.close();
    return hex(await this.stream.digest);
  }
}

/** Feed one entry's bytes to its zip stream, draining complete parts between slices. */
async function feed(
  file: ZipDeflate | ZipPassThrough,
  data: ZipEntry["data"],
  sink: PartSink,
  failed: () => Error | null,
  digest: EntryDigest | null,
) {
  const check = () => {
    const e = failed();
    if (e) throw e;
  };
  if (data instanceof ReadableStream) {
    const reader = data.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (let i = 0; i < value.byteLength; i += FEED) {
          await digest?.write(value.subarray(i, i + FEED));
          file.push(value.subarray(i, i + FEED), false);
          check();
          await sink.drain();
        }
      }
    } finally {
      reader.releaseLock();
    }
    file.push(new Uint8Array(0), true);
  } else {
    const bytes = typeof data === "string" ? enc.encode(data) : data;
    if (bytes.byteLength === 0) file.push(bytes, true);
    for (let i = 0; i < bytes.byteLength; i += FEED) {
      await digest?.write(bytes.subarray(i, i + FEED));
      file.push(bytes.subarray(i, i + FEED), i + FEED >= bytes.byteLength);
      check();
      await sink.drain();
    }
  }
  check();
  await sink.drain();
}

export async function writeZipToR2(
  bucket: R2Bucket,
  key: string,
  entries: AsyncIterable<ZipEntry> | Iterable<ZipEntry>,
  opts: ZipToR2Options = {},
): Promise<ZipToR2Result> {
  const partSize = Math.max(MIN_PART_SIZE, opts.partSize ?? MIN_PART_SIZE);
  const sink = new PartSink(
    bucket,
    key,
    partSize,
    {
      httpMetadata: { contentType: opts.contentType ?? "application/zip" },
      customMetadata: opts.customMetadata,
    },
    opts.sha256 !== false,
  );
  let error: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) error ??= err;
    else
      try {
        sink.push(chunk);
      } catch (e) {
        error ??= e as Error;
      }
  });
  const failed = () => error;
  const mtime = opts.mtime ?? Date.now();
  const names = new Set<string>();
  let count = 0;
  try {
    for await (const entry of entries) {
      const name = entry.name.replace(/^\/+/, "");
      if (!name || names.has(name)) throw new Error(`zip: empty or duplicate entry name "${entry.name}"`);
      if (++count > MAX_ENTRIES) throw new Error("zip: more than 65535 entries (no ZIP64)");
      names.add(name);
      const compress = entry.compress ?? !(entry.data instanceof ReadableStream);
      const file = compress ? new ZipDeflate(name, { level: opts.level ?? 6 }) : new ZipPassThrough(name);
      file.mtime = mtime;
      zip.add(file);
      const digest = opts.onEntry ? new EntryDigest() : null;
      await feed(file, entry.data, sink, failed, digest);
      if (digest)
        opts.onEntry?.({ name, size: file.size, crc32: file.crc >>> 0, sha256: await digest.hex() });
    }
    zip.end();
    if (error) throw error;
    await sink.drain();
    const sha256 = await sink.finish();
    return { key, size: sink.size, ...(sha256 ? { sha256 } : {}), entries: count };
  } catch (err) {
    zip.terminate();
    await sink.abort();
    throw err;
  }
}
