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
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import { fmtDate, formError, Head, type PortalContext, portalPage, userCtx } from "../../ui/common";
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
        {rows.length ? (
          <table>
            <Head
              cols={[
                _("imports.col.file"),
                _("imports.col.status"),
                _("imports.col.progress"),
                _("imports.col.started"),
              ]}
            />
            <tbody>
              {rows.map((i) => (
                <tr>
                  <td>
                    <a href={`/imports/${encodeURIComponent(i.id)}`}>{i.name ?? i.id}</a>
                  </td>
                  <td>{_(`imports.status.${i.status}`)}</td>
                  <td>{progressText(c, i)}</td>
                  <td>{fmtDate(c, Date.parse(i.createdAt))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">{_("imports.none")}</p>
        )}
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
      error: imp.status === "failed" ? _("imports.failed", { error: imp.error ?? "" }) : null,
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
                <td>{x.item}</td>
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
                <td>{x.error ? `${x.error.title}: ${x.error.detail}` : ""}</td>
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
    try {
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
    } catch (err) {
      const e = formError(c, err);
      return listPage(c, e.message, e.status);
    }
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
