import type { Hono } from "hono";
import {
  getImport,
  type ImportView,
  listImportItems,
  listImports,
  startImport,
} from "../../../core/calls/import-job";
import { storeImportFile } from "../../../core/calls/uploads";
import { ApiError } from "../../../core/platform/errors";
import type { MessageKey } from "../../../core/platform/i18n";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import {
  fmtDate,
  Head,
  orErrorPage,
  type PortalContext,
  portalPage,
  TableOrNone,
  userCtx,
} from "../../ui/common";
import { tr } from "../../ui/layout";
import { bytes } from "./calls/shared";

/**
 * /imports (B2, issue 17 point 4): bulk imports in the portal. A plain form sends a file of up to
 * 20 MB (larger ones go through the API's multipart upload); the import runs as a job and its
 * page refreshes itself (a `Refresh` header: no script needed) until it ends, with the per-item
 * results a page at a time.
 */
const MAX_FORM_FILE = 20 * 1024 * 1024;
const FORM_OVERHEAD = 64 * 1024;
const ITEMS_PAGE = 100;

/**
 * Imports are followed by whoever may import: an agent holds calls:read only for their own calls,
 * and an import lists every call of the file (external ids, file names, per-item errors).
 */
const importers = access({ kind: "portal", perm: "calls:write" });

function progressText(c: PortalContext, i: ImportView) {
  const _ = tr(c);
  return i.total === null
    ? _("imports.progress_unknown")
    : _("imports.progress", { processed: i.processed, total: i.total });
}

type Translate = ReturnType<typeof tr>;
type Params = Record<string, string | number>;
type ItemError = NonNullable<Awaited<ReturnType<typeof listImportItems>>["data"][number]["error"]>;

/**
 * `key` in the user's language, or null when the table has no such string (`t` answers the key)
 * or `params` lack one of its placeholders (a code stored without the values its string needs).
 */
function known(_: Translate, key: string, params: Params = {}): string | null {
  const tpl = _(key as MessageKey);
  if (tpl === key) return null;
  const names = [...tpl.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  return names.every((n) => n in params) ? _(key as MessageKey, params) : null;
}

/** Numbers as the user's language writes them ("10 000" in French). */
function localized(c: PortalContext, params: Params = {}): Params {
  const nf = new Intl.NumberFormat(c.get("locale") === "en" ? "en-GB" : "fr-FR");
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => [k, typeof v === "number" ? nf.format(v) : v]),
  );
}

/** Why the import failed, from its code; rows failed before codes existed keep their stored text. */
function failureText(c: PortalContext, imp: ImportView): string {
  const _ = tr(c);
  const text = imp.errorCode
    ? known(_, `imports.failure.${imp.errorCode}`, localized(c, imp.errorParams ?? {}))
    : null;
  return _("imports.failed", { error: text ?? imp.error ?? "" });
}

/** The job's names for items ("line 12", "file a.vtt", "calls.ndjson line 3") in the user's words. */
function itemLabel(_: Translate, item: string): string {
  const m = /^(?:(calls\.ndjson )?line (\d+)|file (.+))$/s.exec(item);
  if (!m) return item;
  if (m[3] !== undefined) return _("imports.item.label.file", { file: m[3] });
  return _(m[1] ? "imports.item.label.manifest_line" : "imports.item.label.line", { line: m[2] });
}

/**
 * An item's error in the user's language: the job's codes and the usual ApiError codes have their
 * string, an ApiError with its own message its `messageKey`; any other code is named as refused.
 * Rows stored before codes existed show their English title and detail, as they were.
 */
function itemErrorText(c: PortalContext, e: ItemError): string {
  const _ = tr(c);
  if (!e.code) return `${e.title}: ${e.detail}`;
  const params = localized(c, e.params);
  if (e.messageKey) {
    const own = known(_, e.messageKey, params);
    if (own) return own;
  }
  if (e.code === "validation_failed" && e.errors?.length)
    return _("imports.item.validation_failed", {
      fields: e.errors.map((f) => f.pointer.replace(/^\//, "")).join(", "),
    });
  const key =
    e.code === "malformed_json" && params.file !== undefined
      ? "imports.item.malformed_json_in_file"
      : `imports.item.${e.code}`;
  return known(_, key, params) ?? _("imports.item.refused", { code: e.code });
}

async function listPage(c: PortalContext, error: string | null = null, status = 200) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const rows = await listImports(ctx, 20);
  const max = bytes(c.get("locale") ?? "fr", MAX_FORM_FILE);
  return portalPage(
    c,
    { title: _("imports.title"), error },
    <>
      <p>{_("imports.intro")}</p>
      <form method="post" action="/imports" enctype="multipart/form-data" class="stack">
        <label>
          {_("imports.file", { max })}
          <input type="file" name="file" required accept=".ndjson,.jsonl,.zip,application/zip" />
        </label>
        <button type="submit">{_("imports.submit")}</button>
      </form>
      <section aria-labelledby="latest-h">
        <h2 id="latest-h">{_("imports.latest")}</h2>
        <TableOrNone
          none={_("imports.none")}
          cols={[
            _("imports.col.file"),
            _("imports.col.status"),
            _("imports.col.progress"),
            _("imports.col.started"),
          ]}
          rows={rows.map((i) => (
            <tr>
              <td>
                <a href={`/imports/${encodeURIComponent(i.id)}`}>{i.name ?? i.id}</a>
              </td>
              <td>{_(`imports.status.${i.status}`)}</td>
              <td>{progressText(c, i)}</td>
              <td>{fmtDate(c, Date.parse(i.createdAt))}</td>
            </tr>
          ))}
        />
      </section>
    </>,
    status,
  );
}

async function importPage(c: PortalContext, id: string) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const imp = await getImport(ctx, id);
  const only = c.req.query("result") === "error" ? ("error" as const) : undefined;
  const cursor = c.req.query("cursor");
  const items = await listImportItems(ctx, id, {
    limit: ITEMS_PAGE,
    cursor: cursor && /^\d{1,9}$/.test(cursor) ? cursor : undefined,
    result: only,
  });
  const running = imp.status !== "done" && imp.status !== "failed";
  // The page follows the job by itself, without JavaScript, while there is something to follow.
  if (running) c.header("Refresh", "5");
  const base = `/imports/${encodeURIComponent(id)}`;
  return portalPage(
    c,
    {
      title: `${_("imports.title")} — ${imp.name ?? imp.id}`,
      error: imp.status === "failed" ? failureText(c, imp) : null,
    },
    <>
      <p>
        <a href="/imports">{_("imports.back")}</a>
      </p>
      <p role="status">
        <strong>{_(`imports.status.${imp.status}`)}</strong> — {progressText(c, imp)}
        {imp.total ? (
          <>
            {" "}
            <progress max={imp.total} value={imp.processed} />
          </>
        ) : null}
      </p>
      <p>{_("imports.counts", { created: imp.created, existing: imp.existing, errors: imp.errors })}</p>
      {running ? <p class="muted">{_("imports.refreshing")}</p> : null}
      <section aria-labelledby="items-h">
        <h2 id="items-h">{_("imports.items")}</h2>
        <p>
          {only ? (
            <a href={base}>{_("imports.all_items")}</a>
          ) : (
            <a href={`${base}?result=error`}>{_("imports.only_errors")}</a>
          )}
        </p>
        <table>
          <Head
            cols={[
              _("imports.col.item"),
              _("imports.col.result"),
              _("imports.col.call"),
              _("imports.col.detail"),
            ]}
          />
          <tbody>
            {items.data.map((x) => (
              <tr>
                <td>{itemLabel(_, x.item)}</td>
                <td>{_(`imports.result.${x.result}`)}</td>
                <td>
                  {x.id ? (
                    <a href={`/calls/${encodeURIComponent(x.id)}`}>
                      {x.externalId ?? _("imports.open_call")}
                    </a>
                  ) : (
                    (x.externalId ?? "")
                  )}
                </td>
                <td>{x.error ? itemErrorText(c, x.error) : ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {items.nextCursor ? (
          <p>
            <a href={`${base}?${only ? "result=error&" : ""}cursor=${items.nextCursor}`}>
              {_("imports.next")}
            </a>
          </p>
        ) : null}
      </section>
    </>,
  );
}

export function registerImportPages(app: Hono<AppEnv>) {
  app.get("/imports", importers, (c) => listPage(c));

  app.post("/imports", importers, async (c) => {
    return orErrorPage(
      c,
      async () => {
        const len = c.req.header("content-length");
        const max = bytes(c.get("locale") ?? "fr", MAX_FORM_FILE);
        const tooLarge = new ApiError("payload_too_large", "import file too large", {
          messageKey: "imports.error.too_large",
          params: { max },
        });
        if (len === undefined || !/^\d+$/.test(len))
          throw new ApiError("length_required", "Send Content-Length", {
            messageKey: "calls.upload.error.length_required",
          });
        if (Number(len) > MAX_FORM_FILE + FORM_OVERHEAD) throw tooLarge;
        if (!(c.req.header("content-type") ?? "").startsWith("multipart/form-data"))
          throw new ApiError("unsupported_media_type", "multipart/form-data only", {
            messageKey: "imports.error.no_file",
          });
        const file = (await c.req.parseBody()).file;
        if (!(file instanceof File) || file.size === 0)
          throw new ApiError("validation_failed", "no file", {
            errors: [{ pointer: "/file", detail: "required" }],
            messageKey: "imports.error.no_file",
          });
        if (file.size > MAX_FORM_FILE) throw tooLarge;
        const { ctx } = userCtx(c);
        const up = await storeImportFile(ctx, file);
        const { imp } = await startImport(ctx, { uploadId: up.uploadId, name: file.name || undefined });
        return c.redirect(`/imports/${encodeURIComponent(imp.id)}`, 303);
      },
      (error, status) => listPage(c, error, status),
    );
  });

  app.get("/imports/:importId", importers, async (c) => {
    try {
      return await importPage(c, c.req.param("importId"));
    } catch (err) {
      if (err instanceof ApiError && err.code === "not_found")
        return portalPage(
          c,
          { title: tr(c)("imports.title"), error: tr(c)("imports.error.not_found") },
          <p>
            <a href="/imports">{tr(c)("imports.back")}</a>
          </p>,
          404,
        );
      throw err;
    }
  });
}
