import type { Hono } from "hono";
import { raw } from "hono/html";
import { listAgents } from "../../../../core/agents/service";
import {
  abortUpload,
  clientChecksum,
  completeUpload,
  createUpload,
  MAX_MULTIPART_BYTES,
  maxUploadBytes,
  putPart,
  putRecording,
} from "../../../../core/calls/recording";
import { type CreateCallInput, createCall, findCall } from "../../../../core/calls/service";
import { parseDeclaration } from "../../../../core/calls/uploads";
import { ApiError } from "../../../../core/platform/errors";
import type { MessageKey } from "../../../../core/platform/i18n";
import type { Call } from "../../../../db/schema/data";
import { access } from "../../../middleware/access";
import { assetUrl } from "../../../public/static";
import type { AppEnv } from "../../../types";
import { type PortalContext, portalPage, userCtx } from "../../../ui/common";
import type { Form } from "../../../ui/forms";
import { tr } from "../../../ui/layout";
import { bytes, jsonFailure, requireSameOrigin, sizedBody } from "./shared";
import { explainTranscriptFailure, readTranscriptForm, type TranscriptFile } from "./transcript-file";

/**
 * Uploads from the portal (B1, B2): `/calls/upload` takes recordings by drag and drop or a file
 * input — each file a call, sent by ./assets/upload.ts straight to the routes below (raw body,
 * streamed into R2, never buffered; files above the single-request limit in parts through the
 * portal's multipart routes, up to 5 GB) — and a transcript file through an ordinary form that
 * works without JavaScript. The routes the script calls answer `{ message }` in the user's
 * language on failure, never a problem document.
 */

/** The JSON of `POST /calls/new` is a handful of short fields. */
const MAX_META_BYTES = 16 * 1024;

const UPLOAD_CSS = `
.dropzone{border:2px dashed var(--line);border-radius:8px;padding:1.2rem;display:grid;gap:.5rem;justify-items:start}
.dropzone.over{border-color:var(--accent);background:#eef4ff}
ul.uploads{list-style:none;padding:0;display:grid;gap:.4rem}ul.uploads li{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
ul.uploads progress{width:12rem}ul.uploads .error-text{color:var(--err)}
fieldset{border:1px solid var(--line);border-radius:6px}section+section{margin-top:2rem}
`;

interface UploadState {
  importError?: string | null;
  importDetail?: string | null;
  values?: Form;
}

function MetaFields({
  c,
  values,
  withExternalId,
}: {
  c: PortalContext;
  values: Form;
  withExternalId: boolean;
}) {
  const _ = tr(c);
  return (
    <>
      {withExternalId ? (
        <label>
          {_("calls.upload.external_id")}
          <input name="externalId" maxlength={200} autocomplete="off" value={values.externalId ?? ""} />
        </label>
      ) : null}
      <label>
        {_("calls.upload.agent_external_id")}
        <input
          name="agentExternalId"
          list="calls-agent-ids"
          maxlength={200}
          autocomplete="off"
          value={values.agentExternalId ?? ""}
        />
      </label>
      <label>
        {_("calls.upload.agent_name")}
        <input name="agentName" maxlength={200} autocomplete="off" value={values.agentName ?? ""} />
      </label>
      <label>
        {_("calls.upload.team")}
        <input name="team" maxlength={100} autocomplete="off" value={values.team ?? ""} />
      </label>
      <label>
        {_("calls.upload.queue")}
        <input name="queue" maxlength={200} autocomplete="off" value={values.queue ?? ""} />
      </label>
      <label>
        {_("calls.upload.language")}
        <select name="language">
          <option value="">{_("calls.upload.language_unset")}</option>
          <option value="fr" selected={values.language === "fr"}>
            {_("lang.fr")}
          </option>
          <option value="en" selected={values.language === "en"}>
            {_("lang.en")}
          </option>
        </select>
      </label>
    </>
  );
}

async function uploadPage(c: PortalContext, state: UploadState = {}, status = 200) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const locale = c.get("locale") ?? "fr";
  const values = state.values ?? {};
  const agents = (await listAgents(ctx, { limit: 200 })).data.filter((a) => a.externalId);
  const single = maxUploadBytes(c.env);
  const msg = (key: MessageKey) => _(key);
  return portalPage(
    c,
    { title: _("calls.upload.title") },
    <>
      <style nonce={c.get("secureHeadersNonce")}>{raw(UPLOAD_CSS)}</style>
      <p>
        <a href="/calls">{_("calls.back")}</a>
      </p>
      <datalist id="calls-agent-ids">
        {agents.map((a) => (
          <option value={a.externalId ?? ""}>{a.team ? `${a.name} (${a.team})` : a.name}</option>
        ))}
      </datalist>

      <noscript>
        <p class="notice">{_("calls.upload.nojs")}</p>
      </noscript>
      <section
        id="audio-upload"
        aria-labelledby="audio-h"
        hidden
        data-max-single={String(single)}
        data-max-total={String(MAX_MULTIPART_BYTES)}
        data-msg-waiting={msg("calls.upload.js.waiting")}
        data-msg-creating={msg("calls.upload.js.creating")}
        data-msg-sending={msg("calls.upload.js.sending")}
        data-msg-done={msg("calls.upload.js.done")}
        data-msg-open={msg("calls.upload.js.open")}
        data-msg-failed={msg("calls.upload.js.failed")}
        data-msg-network={msg("calls.upload.js.network")}
        data-msg-refused={msg("calls.upload.js.refused")}
        data-msg-empty={msg("calls.upload.error.empty")}
        data-msg-too-large={msg("calls.upload.js.too_large")}
        data-msg-discarded={msg("calls.upload.js.discarded")}
        data-msg-progress-label={msg("calls.upload.js.progress_label")}
        data-msg-summary={msg("calls.upload.js.summary")}
      >
        <h2 id="audio-h">{_("calls.upload.audio.title")}</h2>
        <p>{_("calls.upload.audio.intro")}</p>
        <p class="muted">{_("calls.upload.limits", { single: bytes(locale, single) })}</p>
        <form class="stack" aria-labelledby="audio-h">
          <fieldset>
            <legend>{_("calls.upload.shared")}</legend>
            <div class="stack">
              <MetaFields c={c} values={{}} withExternalId={false} />
              <div>
                <input type="checkbox" id="use-file-name" name="useFileName" value="1" />{" "}
                <label for="use-file-name" class="inline">
                  {_("calls.upload.use_file_name")}
                </label>
              </div>
            </div>
          </fieldset>
          <div class="dropzone" data-dropzone>
            <strong>{_("calls.upload.drop")}</strong>
            <label>
              {_("calls.upload.choose")}
              <input
                type="file"
                name="files"
                multiple
                accept="audio/*,.wav,.mp3,.ogg,.opus,.oga,.flac,.m4a,.aac,.mp4,.webm"
              />
            </label>
          </div>
        </form>
        <ul class="uploads" data-list aria-label={_("calls.upload.list")} />
        <p data-summary role="status" />
      </section>

      <section aria-labelledby="import-h">
        <h2 id="import-h">{_("calls.import.title")}</h2>
        <p>{_("calls.import.intro")}</p>
        <p>
          <a href="/imports">{_("imports.title")}</a>
        </p>
        {state.importError ? (
          <div class="error" role="alert">
            <p>{state.importError}</p>
            {state.importDetail ? (
              <p class="muted">
                {_("calls.import.detail")} <code>{state.importDetail}</code>
              </p>
            ) : null}
          </div>
        ) : null}
        <form method="post" action="/calls/import" enctype="multipart/form-data" class="stack">
          <label>
            {_("calls.import.file")}
            <input type="file" name="file" required accept=".json,.vtt,.srt,.txt" />
          </label>
          <MetaFields c={c} values={values} withExternalId={true} />
          <button type="submit">{_("calls.import.submit")}</button>
        </form>
      </section>
      <script type="module" src={assetUrl("upload.js")} nonce={c.get("secureHeadersNonce")} />
    </>,
    status,
  );
}

/** The page's shared fields → the call's metadata. A team needs an agent (it is the agent's). */
function metaInput(v: Record<string, unknown>): CreateCallInput {
  const s = (k: string) => {
    const x = v[k];
    return typeof x === "string" && x.trim() ? x.trim() : undefined;
  };
  const input: CreateCallInput = {};
  const externalId = s("externalId");
  if (externalId) input.externalId = externalId;
  const agentExternalId = s("agentExternalId");
  if (agentExternalId)
    input.agent = {
      externalId: agentExternalId,
      ...(s("agentName") ? { name: s("agentName") } : {}),
      ...(s("team") ? { team: s("team") } : {}),
    };
  else if (s("team") || s("agentName"))
    throw new ApiError("validation_failed", "team or agent name without agent id", {
      errors: [{ pointer: "/agentExternalId", detail: "required with team or agentName" }],
      messageKey: "calls.upload.error.agent_required",
    });
  const queue = s("queue");
  if (queue) input.queue = queue;
  const language = s("language");
  if (language === "fr" || language === "en") input.language = language;
  return input;
}

/** An idempotency clash on the call id, said plainly (the generic conflict message is vaguer). */
function externalIdConflict(err: unknown): unknown {
  return err instanceof ApiError && err.code === "conflict"
    ? new ApiError("conflict", err.message, { messageKey: "calls.upload.error.external_id_conflict" })
    : err;
}

const recordingJson = (call: Call) => ({
  id: call.id,
  url: `/calls/${encodeURIComponent(call.id)}`,
  recording: {
    status: call.recStatus,
    format: call.recFormat,
    size: call.recSize,
    durationS: call.recDurationS,
  },
});

function partNumberOf(v: string | undefined): number {
  const n = Number(v);
  if (!/^\d+$/.test(v ?? "") || n < 1 || n > 10_000)
    throw new ApiError("validation_failed", "part numbers are 1–10000", {
      errors: [{ pointer: "/partNumber", detail: "1–10000" }],
    });
  return n;
}

export function registerCallUploads(app: Hono<AppEnv>) {
  const write = access({ kind: "portal", perm: "calls:write" });

  app.get("/calls/upload", write, (c) => uploadPage(c));

  /** Creates one call for a file about to be uploaded (the script's first step). JSON or form. */
  app.post("/calls/new", write, async (c) => {
    try {
      requireSameOrigin(c);
      const len = Number(c.req.header("content-length") ?? "0");
      if (len > MAX_META_BYTES) throw new ApiError("payload_too_large", "metadata too large");
      const ct = c.req.header("content-type") ?? "";
      let body: Record<string, unknown>;
      if (ct.startsWith("application/json")) {
        try {
          body = (await c.req.json()) as Record<string, unknown>;
        } catch {
          throw new ApiError("malformed_json", "not JSON");
        }
        if (!body || typeof body !== "object" || Array.isArray(body)) body = {};
      } else body = ct ? ((await c.req.parseBody()) as Record<string, unknown>) : {};
      const r = await createCall(userCtx(c).ctx, metaInput(body)).catch((e) => {
        throw externalIdConflict(e);
      });
      return c.json(
        { id: r.call.id, created: r.created, url: `/calls/${encodeURIComponent(r.call.id)}` },
        r.created ? 201 : 200,
      );
    } catch (err) {
      return jsonFailure(c, err);
    }
  });

  /**
   * The recording as the raw body (B1): same rules as the API — Content-Length required (411)
   * and checked before reading (413 above the single-request limit); streamed into R2 with its
   * format sniffed and its SHA-256 computed on the way.
   */
  app.put("/calls/:callId/recording", write, async (c) => {
    try {
      requireSameOrigin(c);
      const { ctx } = userCtx(c);
      const call = await findCall(ctx, c.req.param("callId"));
      const { body, contentLength } = sizedBody(c, maxUploadBytes(c.env));
      const updated = await putRecording(ctx, call, {
        body,
        contentLength,
        checksum: clientChecksum(c.req.raw.headers),
        replace: c.req.query("replace") === "true",
      });
      return c.json(recordingJson(updated), 200);
    } catch (err) {
      return jsonFailure(c, err);
    }
  });

  // Multipart (files above the single-request limit, up to 5 GB): the API's steps, portal auth.
  app.post("/calls/:callId/recording/uploads", write, async (c) => {
    try {
      requireSameOrigin(c);
      const { ctx } = userCtx(c);
      const call = await findCall(ctx, c.req.param("callId"));
      // The page declares the file's size, so a part of the wrong size is refused at once.
      const raw = (c.req.header("content-type") ?? "").startsWith("application/json")
        ? await c.req.json().catch(() => {
            throw new ApiError("malformed_json", "not JSON");
          })
        : undefined;
      const declared = parseDeclaration(raw, false);
      return c.json(await createUpload(ctx, call, c.req.query("replace") === "true", declared), 201);
    } catch (err) {
      return jsonFailure(c, err);
    }
  });

  app.put("/calls/:callId/recording/uploads/:uploadId/parts/:partNumber", write, async (c) => {
    try {
      requireSameOrigin(c);
      const { ctx } = userCtx(c);
      const call = await findCall(ctx, c.req.param("callId"));
      const partNumber = partNumberOf(c.req.param("partNumber"));
      const { body, contentLength } = sizedBody(c, maxUploadBytes(c.env));
      return c.json(
        await putPart(ctx, call, c.req.param("uploadId"), partNumber, {
          body,
          contentLength,
          checksum: clientChecksum(c.req.raw.headers),
        }),
        200,
      );
    } catch (err) {
      return jsonFailure(c, err);
    }
  });

  app.post("/calls/:callId/recording/uploads/:uploadId/complete", write, async (c) => {
    try {
      requireSameOrigin(c);
      const { ctx } = userCtx(c);
      const call = await findCall(ctx, c.req.param("callId"));
      return c.json(recordingJson(await completeUpload(ctx, call, c.req.param("uploadId"))), 200);
    } catch (err) {
      return jsonFailure(c, err);
    }
  });

  app.delete("/calls/:callId/recording/uploads/:uploadId", write, async (c) => {
    try {
      requireSameOrigin(c);
      const { ctx } = userCtx(c);
      await abortUpload(ctx, await findCall(ctx, c.req.param("callId")), c.req.param("uploadId"));
      return c.json({ aborted: true }, 200);
    } catch (err) {
      return jsonFailure(c, err);
    }
  });

  /**
   * A transcript file → a new call (B2). A form post (multipart, ≤ 5 MB + fields) so it works
   * without JavaScript; the format comes from the extension; parse errors name the line (or the
   * JSON segment) in the user's language.
   */
  app.post("/calls/import", write, async (c) => {
    const values: Form = {};
    let file: TranscriptFile | null = null;
    try {
      file = await readTranscriptForm(c, values);
      const r = await createCall(userCtx(c).ctx, {
        ...metaInput(values),
        transcript: { format: file.format, content: file.text },
      }).catch((e) => {
        throw externalIdConflict(e);
      });
      return c.redirect(
        `/calls/${encodeURIComponent(r.call.id)}?done=${r.created ? "transcript_imported" : "transcript_existing"}`,
        303,
      );
    } catch (err) {
      const p = explainTranscriptFailure(c, err, file);
      return uploadPage(c, { importError: p.message, importDetail: p.detail, values }, p.status);
    }
  });
}
