import { and, eq, inArray, isNull } from "drizzle-orm";
import { unzipSync } from "fflate";
import { dataPlane } from "../../db/resolver";
import { calls } from "../../db/schema/data";
import { auditCtx } from "../platform/audit";
import type { Ctx } from "../platform/context";
import { sha256Hex } from "../platform/crypto";
import { ApiError, errorCodes, normalizeError } from "../platform/errors";
import { canonical, createCallSchema, createCalls } from "./service";

/**
 * Bulk import (B2): many calls in one request, a result per item, idempotent on each call's
 * externalId (a re-sent file answers `existing` for what is already there). Two containers:
 * - NDJSON (`application/x-ndjson`): one `POST /calls` body per line, read as a stream.
 * - ZIP (`application/zip`): transcript files (`.json`, `.vtt`, `.srt`, `.txt`), each a call whose
 *   externalId is the file name without extension, and optionally `calls.ndjson` with metadata
 *   lines that name their transcript with `"transcriptFile": "<name>"`.
 * Audio does not travel in imports: recordings are uploaded per call (streamed, hashed).
 */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;
export const MAX_IMPORT_ITEMS = 500;
const MAX_ENTRY_BYTES = 5 * 1024 * 1024;
const MAX_TOTAL_UNZIPPED = 100 * 1024 * 1024;

export interface ImportItemResult {
  item: string;
  externalId: string | null;
  result: "created" | "existing" | "error";
  id?: string;
  status?: string;
  /**
   * English `title`/`detail` for the API; `code` (an ApiError's code, or the job's own:
   * `malformed_json`, `line_too_large`…) with `params`, and `messageKey` when the error has its own
   * message, for readers that translate (README "Bulk import" lists the codes).
   */
  error?: {
    status: number;
    title: string;
    detail: string;
    code?: string;
    params?: Record<string, string | number>;
    messageKey?: string;
    errors?: { pointer: string; detail: string }[];
  };
}

/**
 * Calls without externalId already created from the same bodies (a re-sent import): found by the
 * hash of their canonical creation body, as `createCall` stores it — one read per 90 bodies.
 */
async function existingByContent(ctx: Ctx, hashes: string[]) {
  const dp = dataPlane(ctx.env, ctx.tenant);
  const found = new Map<string, { id: string; status: string }>();
  const unique = [...new Set(hashes)];
  for (let k = 0; k < unique.length; k += 90) {
    const rows = await dp.db
      .select({ id: calls.id, status: calls.status, createHash: calls.createHash })
      .from(calls)
      .where(
        and(
          eq(calls.tenantId, ctx.tenant.id),
          inArray(calls.createHash, unique.slice(k, k + 90)),
          isNull(calls.externalId),
        ),
      );
    for (const r of rows)
      if (!found.has(r.createHash!)) found.set(r.createHash!, { id: r.id, status: r.status });
  }
  return found;
}

const externalIdOf = (body: unknown) =>
  body && typeof body === "object" && typeof (body as { externalId?: unknown }).externalId === "string"
    ? (body as { externalId: string }).externalId
    : null;

/** One call of an import: created, found existing (by externalId or content), or an error. */
export async function importOne(ctx: Ctx, item: string, body: unknown): Promise<ImportItemResult> {
  return (await importMany(ctx, [{ item, body }]))[0];
}

/**
 * Calls of an import created together (`createCalls`: one batch of reads and writes), each with
 * its own result; a body seen twice in the batch (same externalId, or same content without one)
 * is one call. Every failure is the item's, a server-side one included (logged, answered 500).
 */
export async function importMany(
  ctx: Ctx,
  list: { item: string; body: unknown; key?: string }[],
): Promise<ImportItemResult[]> {
  const out: ImportItemResult[] = new Array(list.length);
  // Only a valid body is hashed (an invalid one fails in createCalls with its field errors).
  const byContent = list.flatMap((x, i) =>
    externalIdOf(x.body) === null && createCallSchema.safeParse(x.body).success ? [i] : [],
  );
  const hashes = new Map<number, string>();
  await Promise.all(byContent.map(async (i) => hashes.set(i, await sha256Hex(canonical(list[i].body)))));
  const found = await existingByContent(ctx, [...hashes.values()]);
  const create: number[] = [];
  const again: number[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < list.length; i++) {
    const h = hashes.get(i);
    const same = h ? found.get(h) : undefined;
    if (same) out[i] = { item: list[i].item, externalId: null, result: "existing", ...same };
    else if (h && seen.has(h)) again.push(i);
    else {
      if (h) seen.add(h);
      create.push(i);
    }
  }
  const rs = await createCalls(
    ctx,
    create.map((i) => list[i].body),
    { importKeys: create.map((i) => list[i].key ?? null) },
  );
  create.forEach((i, k) => {
    const r = rs[k];
    const { item, body } = list[i];
    out[i] =
      "error" in r
        ? itemError(ctx, item, externalIdOf(body), r.error)
        : {
            item,
            externalId: externalIdOf(body),
            result: r.created ? "created" : "existing",
            id: r.call.id,
            status: r.call.status,
          };
  });
  if (again.length) {
    const rs2 = await importMany(
      ctx,
      again.map((i) => list[i]),
    );
    again.forEach((i, k) => {
      out[i] = rs2[k];
    });
  }
  return out;
}

function itemError(ctx: Ctx, item: string, externalId: string | null, err: unknown): ImportItemResult {
  const e = normalizeError(err);
  if (e.status >= 500) {
    console.error(
      JSON.stringify({
        level: "error",
        msg: "import item failed",
        requestId: ctx.requestId,
        item,
        error: String(err),
      }),
    );
    return {
      item,
      externalId,
      result: "error",
      error: {
        status: 500,
        title: "Internal error",
        detail: `This item could not be imported (request ${ctx.requestId}); import it again`,
        code: "internal",
        params: { requestId: ctx.requestId },
      },
    };
  }
  // The failing fields by name: "durationS: Too small…", not only "The request has invalid fields".
  const fields = e.errors?.length ? e.errors.map((f) => `${f.pointer.replace(/^\//, "")}: ${f.detail}`) : [];
  return {
    item,
    externalId,
    result: "error",
    error: {
      status: e.status,
      title: errorCodes[e.code].title,
      detail:
        fields.length && !fields.some((f) => e.message.includes(f))
          ? `${e.message} (${fields.join("; ")})`
          : e.message,
      code: e.code,
      ...(e.params ? { params: e.params } : {}),
      ...(e.messageKey ? { messageKey: e.messageKey } : {}),
      ...(e.errors?.length ? { errors: e.errors } : {}),
    },
  };
}

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let nl = buf.indexOf("\n");
    while (nl >= 0) {
      yield buf.slice(0, nl).replace(/\r$/, "");
      buf = buf.slice(nl + 1);
      nl = buf.indexOf("\n");
    }
    if (buf.length > MAX_ENTRY_BYTES)
      throw new ApiError("payload_too_large", "An NDJSON line is larger than 5 MB");
  }
  if (buf.trim()) yield buf;
}

export async function importNdjson(ctx: Ctx, body: ReadableStream<Uint8Array>): Promise<ImportItemResult[]> {
  const out: ImportItemResult[] = [];
  let n = 0;
  for await (const line of lines(body)) {
    n++;
    if (!line.trim()) continue;
    if (out.length >= MAX_IMPORT_ITEMS)
      throw new ApiError(
        "payload_too_large",
        `At most ${MAX_IMPORT_ITEMS} calls per import; split the file (stopped before line ${n})`,
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      out.push({
        item: `line ${n}`,
        externalId: null,
        result: "error",
        error: { status: 400, title: "Malformed JSON", detail: `line ${n} is not valid JSON` },
      });
      continue;
    }
    out.push(await importOne(ctx, `line ${n}`, parsed));
  }
  await auditCtx(ctx, "calls.imported", "import", undefined, importSummary(out));
  return out;
}

/** A Map: the extension is the uploader's text, and an object would answer "constructor". */
export const FORMAT_BY_EXT = new Map<string, "json" | "vtt" | "srt" | "text">([
  ["json", "json"],
  ["vtt", "vtt"],
  ["srt", "srt"],
  ["txt", "text"],
]);

export async function importZip(ctx: Ctx, bytes: Uint8Array): Promise<ImportItemResult[]> {
  let total = 0;
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        if (f.name.endsWith("/") || f.name.startsWith("__MACOSX/")) return false;
        if (f.originalSize > MAX_ENTRY_BYTES)
          throw new ApiError("payload_too_large", `${f.name} is larger than 5 MB uncompressed`);
        total += f.originalSize;
        if (total > MAX_TOTAL_UNZIPPED)
          throw new ApiError("payload_too_large", "The archive expands beyond 100 MB");
        return true;
      },
    });
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw new ApiError("unprocessable", "The body is not a readable ZIP archive");
  }
  const dec = new TextDecoder("utf-8");
  const text = (name: string) => dec.decode(files[name]).replace(/^\uFEFF/, "");
  const out: ImportItemResult[] = [];
  const used = new Set<string>();
  const manifest = Object.keys(files).find((n) => n.split("/").pop() === "calls.ndjson");
  if (manifest) {
    used.add(manifest);
    const rows = text(manifest).split(/\r?\n/);
    for (let i = 0; i < rows.length; i++) {
      if (!rows[i].trim()) continue;
      let meta: Record<string, unknown>;
      try {
        meta = JSON.parse(rows[i]);
      } catch {
        out.push({
          item: `calls.ndjson line ${i + 1}`,
          externalId: null,
          result: "error",
          error: {
            status: 400,
            title: "Malformed JSON",
            detail: `calls.ndjson line ${i + 1} is not valid JSON`,
          },
        });
        continue;
      }
      const ref = typeof meta.transcriptFile === "string" ? meta.transcriptFile : null;
      const { transcriptFile: _ignored, ...rest } = meta;
      if (ref) {
        const name = Object.keys(files).find((n) => n === ref || n.endsWith(`/${ref}`));
        const format = FORMAT_BY_EXT.get(ref.split(".").pop()?.toLowerCase() ?? "");
        if (!name || !format) {
          out.push({
            item: `calls.ndjson line ${i + 1}`,
            externalId: (rest.externalId as string) ?? null,
            result: "error",
            error: {
              status: 422,
              title: "Unprocessable content",
              detail: `transcriptFile ${ref} is not in the archive or has an unknown extension`,
            },
          });
          continue;
        }
        used.add(name);
        rest.transcript = { format, content: format === "json" ? safeJson(text(name)) : text(name) };
      }
      out.push(await importOne(ctx, `calls.ndjson line ${i + 1}`, rest));
      if (out.length > MAX_IMPORT_ITEMS)
        throw new ApiError("payload_too_large", `At most ${MAX_IMPORT_ITEMS} calls per import`);
    }
  }
  for (const name of Object.keys(files).sort()) {
    if (used.has(name)) continue;
    const base = name.split("/").pop() ?? name;
    const ext = base.split(".").pop()?.toLowerCase() ?? "";
    const format = FORMAT_BY_EXT.get(ext);
    if (!format) {
      out.push({
        item: `file ${name}`,
        externalId: null,
        result: "error",
        error: {
          status: 415,
          title: "Unsupported media type",
          detail: `${name}: only .json, .vtt, .srt and .txt transcripts are imported`,
        },
      });
      continue;
    }
    const externalId = base.slice(0, -(ext.length + 1));
    out.push(
      await importOne(ctx, `file ${name}`, {
        externalId,
        transcript: { format, content: format === "json" ? safeJson(text(name)) : text(name) },
      }),
    );
    if (out.length > MAX_IMPORT_ITEMS)
      throw new ApiError("payload_too_large", `At most ${MAX_IMPORT_ITEMS} calls per import`);
  }
  await auditCtx(ctx, "calls.imported", "import", undefined, importSummary(out));
  return out;
}

export function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s; // the transcript parser reports it as malformed, naming the file's item
  }
}

/** Counts per result, as the audit entry and the API answer give them. */
export function importSummary(r: ImportItemResult[]) {
  return {
    created: r.filter((x) => x.result === "created").length,
    existing: r.filter((x) => x.result === "existing").length,
    errors: r.filter((x) => x.result === "error").length,
  };
}
