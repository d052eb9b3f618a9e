import { deriveKeyB64, hmacHex, sha256Hex, timingSafeEqual } from "../platform/crypto";
import { type WrittenEntry, writeZipToR2, type ZipEntry, type ZipToR2Options } from "../platform/exports/zip";
import {
  type CdEntry,
  readZipDirectory,
  readZipEntryBytes,
  verifyZipEntries,
  type ZipDirectory,
  ZipFormatError,
} from "../platform/exports/zip-read";

/**
 * Signed tenant backups (I7, issue 12).
 *
 * A backup ZIP ends with two entries: `manifest.json` — the source tenant and location, and every
 * other entry in archive order with its size, CRC-32 and SHA-256 — and `manifest.sig`, an
 * HMAC-SHA256 over (format, version, tenant, location, SHA-256 of the manifest) with a key derived
 * from the platform's HMAC_KEY for this purpose only (label `backup-signature-v1`). Only the
 * platform can make one; changing, adding, removing or reordering any entry, or claiming another
 * source, breaks it. An archive is accepted only when the signature verifies, the central
 * directory lists exactly the manifest's entries (same names, sizes and CRCs, same order), and
 * every entry's bytes match their size, CRC-32 and SHA-256 (`verifyBackupContent`).
 *
 * The signature proves where an archive comes from, not that its rows are safe to insert as they
 * are: the restore still rewrites every tenant id and object key and re-keys every keyed hash.
 */

export const BACKUP_FORMAT = "ccr-tenant-backup";
export const BACKUP_VERSION = 2;
export const MANIFEST_ENTRY = "manifest.json";
export const SIGNATURE_ENTRY = "manifest.sig";
const SIGNATURE_LABEL = "backup-signature-v1";
const MAX_MANIFEST_BYTES = 32 * 1024 * 1024;
const MAX_SIGNATURE_BYTES = 4096;

export interface BackupSource {
  tenantId: string;
  location: string;
}

export interface BackupManifest extends BackupSource {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  createdAt: string;
  entries: WrittenEntry[];
}

/** A backup whose signature and directory were checked: what the restore reads from. */
export interface VerifiedBackup {
  dir: ZipDirectory;
  manifest: BackupManifest;
  /** Directory entries of the content (without the manifest and signature), in order. */
  content: CdEntry[];
}

/** The archive is not a backup this platform made, or it was altered (the API answers 422). */
export class BackupRefused extends Error {}

const signingKey = (env: Pick<Env, "HMAC_KEY">) => deriveKeyB64(env.HMAC_KEY, SIGNATURE_LABEL);

const macInput = (src: BackupSource, manifestSha256: string) =>
  [`${BACKUP_FORMAT}/v${BACKUP_VERSION}`, src.tenantId, src.location, manifestSha256].join("\n");

async function signature(env: Pick<Env, "HMAC_KEY">, src: BackupSource, manifestBytes: Uint8Array) {
  return hmacHex(await signingKey(env), macInput(src, await sha256Hex(manifestBytes)));
}

/** The entries, then the manifest listing them and its signature (digests come from the writer). */
async function* withSignature(
  env: Pick<Env, "HMAC_KEY">,
  src: BackupSource,
  entries: AsyncIterable<ZipEntry> | Iterable<ZipEntry>,
  written: WrittenEntry[],
): AsyncGenerator<ZipEntry> {
  for await (const e of entries) {
    if (e.name === MANIFEST_ENTRY || e.name === SIGNATURE_ENTRY)
      throw new Error(`reserved entry name ${e.name}`);
    yield e;
  }
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    tenantId: src.tenantId,
    location: src.location,
    createdAt: new Date().toISOString(),
    entries: [...written],
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  yield { name: MANIFEST_ENTRY, data: bytes };
  const mac = await signature(env, src, bytes);
  yield { name: SIGNATURE_ENTRY, data: JSON.stringify({ alg: "HMAC-SHA256", key: SIGNATURE_LABEL, mac }) };
}

/** Write a signed backup ZIP of these entries for `src` into the bucket (streamed, flat memory). */
export function writeSignedBackup(
  env: Pick<Env, "HMAC_KEY">,
  bucket: R2Bucket,
  key: string,
  src: BackupSource,
  entries: AsyncIterable<ZipEntry> | Iterable<ZipEntry>,
  opts: Omit<ZipToR2Options, "onEntry"> = {},
) {
  const written: WrittenEntry[] = [];
  return writeZipToR2(bucket, key, withSignature(env, src, entries, written), {
    ...opts,
    onEntry: (e) => written.push(e),
  });
}

const refused = (detail: string) => new BackupRefused(detail);

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw refused(`${what} is not valid JSON`);
  }
}

function checkManifestShape(m: unknown): asserts m is BackupManifest {
  const o = m as Partial<BackupManifest> | null;
  if (!o || o.format !== BACKUP_FORMAT) throw refused("not a CallCenterRate backup");
  if (o.version !== BACKUP_VERSION) throw refused(`unsupported backup version ${String(o.version)}`);
  if (typeof o.tenantId !== "string" || typeof o.location !== "string" || !Array.isArray(o.entries))
    throw refused("the manifest is incomplete");
}

/** The central directory must list exactly the signed entries: same names, sizes, CRCs, order. */
function checkDirectoryMatches(content: CdEntry[], m: BackupManifest) {
  if (content.length !== m.entries.length)
    throw refused(`the archive holds ${content.length} entries, its manifest lists ${m.entries.length}`);
  content.forEach((e, i) => {
    const s = m.entries[i];
    if (e.name !== s.name || e.size !== s.size || e.crc32 !== s.crc32)
      throw refused(`entry "${e.name}" does not match the signed manifest`);
  });
}

/**
 * Check the signature and the directory (cheap: reads the end of the archive, the manifest and
 * the signature). Throws BackupRefused with the reason.
 */
export async function verifyBackup(
  env: Pick<Env, "HMAC_KEY">,
  bucket: R2Bucket,
  key: string,
): Promise<VerifiedBackup> {
  try {
    const dir = await readZipDirectory(bucket, key);
    const n = dir.entries.length;
    const sigEntry = dir.entries[n - 1];
    const manEntry = dir.entries[n - 2];
    if (n < 2 || sigEntry.name !== SIGNATURE_ENTRY || manEntry.name !== MANIFEST_ENTRY)
      throw refused("the archive is not signed (no manifest.json and manifest.sig at its end)");
    const sig = parseJson(
      await readZipEntryBytes(bucket, key, dir, sigEntry, MAX_SIGNATURE_BYTES),
      "manifest.sig",
    );
    const mac = (sig as { mac?: unknown } | null)?.mac;
    if (typeof mac !== "string") throw refused("the archive's signature is missing");
    const bytes = await readZipEntryBytes(bucket, key, dir, manEntry, MAX_MANIFEST_BYTES);
    const manifest = parseJson(bytes, "manifest.json");
    checkManifestShape(manifest);
    if (!timingSafeEqual(mac, await signature(env, manifest, bytes)))
      throw refused(
        "the archive's signature does not verify: it was not made by this platform, or it was altered",
      );
    const content = dir.entries.slice(0, n - 2);
    checkDirectoryMatches(content, manifest);
    return { dir, manifest, content };
  } catch (err) {
    if (err instanceof ZipFormatError) throw refused(`the file is not a readable backup: ${err.message}`);
    throw err;
  }
}

/**
 * Stream the whole archive once and check every entry's size, CRC-32 and signed SHA-256 (flat
 * memory, one R2 read whatever the number of entries).
 */
export async function verifyBackupContent(bucket: R2Bucket, key: string, v: VerifiedBackup): Promise<void> {
  const wants = v.manifest.entries.map((m) => ({ sha256: m.sha256 }));
  try {
    await verifyZipEntries(bucket, key, v.dir, v.content, wants);
  } catch (err) {
    if (err instanceof ZipFormatError) throw refused(err.message);
    throw err;
  }
}
