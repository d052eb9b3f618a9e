import { MAX_TRANSCRIPT_BYTES, type TranscriptFormat } from "../../../../core/calls/transcript";
import { parseTranscript, TranscriptError } from "../../../../core/content/transcripts/parse";
import { ApiError } from "../../../../core/platform/errors";
import type { MessageKey } from "../../../../core/platform/i18n";
import { formError, type PortalContext } from "../../../ui/common";
import type { Form } from "../../../ui/forms";
import { tr } from "../../../ui/layout";

/**
 * A transcript file sent by a portal form (B2): multipart, ≤ 5 MB plus the fields around it
 * (checked from Content-Length before the body is read), UTF-8, the format from the extension.
 * Shared by the upload page (a new call) and a call's page (its transcript).
 */
/** A Map: the extension is the uploader's text, and an object would answer "constructor". */
const EXTENSIONS = new Map<string, TranscriptFormat>(
  Object.entries({ json: "json", vtt: "vtt", srt: "srt", txt: "text" }),
);
/** Room for the multipart envelope and the metadata fields around a 5 MB transcript. */
const FORM_OVERHEAD = 64 * 1024;

export interface TranscriptFile {
  fileName: string;
  format: TranscriptFormat;
  text: string;
}

/**
 * Reads the form. `values` (the text fields) is filled as soon as they are parsed, so a page
 * re-rendered after an error keeps what the user typed.
 */
export async function readTranscriptForm(c: PortalContext, values: Form): Promise<TranscriptFile> {
  const len = c.req.header("content-length");
  if (len === undefined || !/^\d+$/.test(len))
    throw new ApiError("length_required", "Send Content-Length", {
      messageKey: "calls.upload.error.length_required",
    });
  if (Number(len) > MAX_TRANSCRIPT_BYTES + FORM_OVERHEAD)
    throw new ApiError("payload_too_large", "transcript too large", {
      messageKey: "calls.import.error.too_large",
    });
  if (!(c.req.header("content-type") ?? "").startsWith("multipart/form-data"))
    throw new ApiError("unsupported_media_type", "multipart/form-data only");
  const form = await c.req.parseBody();
  for (const [k, v] of Object.entries(form)) if (typeof v === "string") values[k] = v;
  const file = form.file;
  if (!(file instanceof File) || !file.name || file.size === 0)
    throw new ApiError("validation_failed", "no file", {
      errors: [{ pointer: "/file", detail: "required" }],
      messageKey: "calls.import.error.no_file",
    });
  const format = EXTENSIONS.get(file.name.split(".").pop()?.toLowerCase() ?? "");
  if (!format)
    throw new ApiError("unsupported_media_type", "unknown extension", {
      messageKey: "calls.import.error.extension",
    });
  if (file.size > MAX_TRANSCRIPT_BYTES)
    throw new ApiError("payload_too_large", "transcript too large", {
      messageKey: "calls.import.error.too_large",
    });
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await file.arrayBuffer());
  } catch {
    throw new ApiError("unprocessable", "not UTF-8", { messageKey: "calls.import.error.encoding" });
  }
  return { fileName: file.name, format, text };
}

/**
 * Why a transcript was refused, for the page: where (line, or segment for JSON) and what, in the
 * user's language, with the parser's own words as the detail. The services report parse errors
 * as English problems; on failure only, the file is parsed again (pure) to learn the code.
 */
export function explainTranscriptFailure(
  c: PortalContext,
  err: unknown,
  file: TranscriptFile | null,
): { message: string; detail: string | null; status: number } {
  const _ = tr(c);
  if (
    file &&
    err instanceof ApiError &&
    ["unprocessable", "payload_too_large", "malformed_json"].includes(err.code) &&
    !err.messageKey
  ) {
    try {
      parseTranscript(file.format, file.text);
    } catch (e) {
      if (e instanceof TranscriptError) {
        const problem = _(`calls.import.problem.${e.code}` as MessageKey);
        const message =
          e.line !== undefined
            ? _("calls.import.error.at_line", { file: file.fileName, line: e.line, problem })
            : e.segment !== undefined
              ? _("calls.import.error.at_segment", { file: file.fileName, segment: e.segment + 1, problem })
              : _("calls.import.error.in_file", { file: file.fileName, problem });
        return { message, detail: e.message, status: err.status };
      }
    }
  }
  const { message, status } = formError(c, err);
  return {
    message: file ? _("calls.import.error.with_file", { file: file.fileName, message }) : message,
    detail: null,
    status,
  };
}
