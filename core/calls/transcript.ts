import { z } from "zod";
import { redactTranscript } from "../content/redaction";
import type { RoleResolution, Transcript } from "../content/transcripts/model";
import { TRANSCRIPT_FORMATS, type TranscriptFormat } from "../content/transcripts/model";
import { effectiveFormat, parseTranscript, TranscriptError } from "../content/transcripts/parse";
import type { Ctx } from "../platform/context";
import { ApiError } from "../platform/errors";
import { jsonValueTooDeep, MAX_JSON_DEPTH } from "../platform/json-depth";
import { resolveTranscriptRoles } from "../providers/speech/roles";
import {
  commitTranscript,
  ftsBody,
  newFtsId,
  type PreparedTranscript,
  putTranscriptObject,
  transcriptColumns,
} from "./transcript-store";

export { TRANSCRIPT_FORMATS, type TranscriptFormat };
/** A transcript body above this is refused (413) — a 10-hour call is about 1 MB of text. */
export const MAX_TRANSCRIPT_BYTES = 5 * 1024 * 1024;

export const transcriptInputSchema = z.object({
  format: z.enum(TRANSCRIPT_FORMATS),
  content: z
    .union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())])
    .refine((v) => typeof v === "string" || !jsonValueTooDeep(v), {
      message: `nested deeper than ${MAX_JSON_DEPTH} levels`,
    }),
  /** Stereo with one side per channel: the 0-based channel of the agent (roles by channel). */
  agentChannel: z.number().int().min(0).max(255).optional(),
});

/** What the role resolver needs to know about the call (C2). */
export interface RoleContext {
  direction?: "inbound" | "outbound" | null;
  /** A resolution already made (speech-to-text output): kept as it is. */
  roles?: RoleResolution;
}

/**
 * Parse then redact (C12) — nothing is stored, indexed or sent before redaction. Parse errors
 * become 422 problems naming the line or segment.
 */
export async function prepareTranscript(
  ctx: Ctx,
  input: z.infer<typeof transcriptInputSchema>,
  call: RoleContext = {},
): Promise<PreparedTranscript> {
  let parsed: Transcript;
  // SRT or WebVTT sent as plain text is stored as what it is.
  const format = effectiveFormat(input.format, input.content);
  try {
    parsed = parseTranscript(format, input.content);
  } catch (e) {
    if (e instanceof TranscriptError) {
      // The failing field of a JSON document, else its line (text formats) or segment.
      const pointer =
        e.field !== undefined
          ? `/transcript/content${e.field}`
          : e.line !== undefined
            ? `/transcript/line/${e.line}`
            : e.segment !== undefined
              ? `/transcript/segment/${e.segment}`
              : "/transcript";
      throw new ApiError(e.code === "too_large" ? "payload_too_large" : "unprocessable", e.message, {
        errors: [{ pointer, detail: e.message }],
      });
    }
    throw e;
  }
  // Roles for every transcript, whatever its source (B2): explicit ones are kept, the others come
  // from the channel, the greeting or the order of the voices.
  parsed = call.roles
    ? { ...parsed, roles: call.roles }
    : resolveTranscriptRoles(parsed, {
        companyName: ctx.tenant.name,
        ...(input.agentChannel !== undefined ? { agentChannel: input.agentChannel } : {}),
        ...(call.direction ? { direction: call.direction } : {}),
      });
  const { transcript, counts } = redactTranscript(parsed, {
    locale: parsed.language,
    tenantPatterns: ctx.tenant.redactionPatterns ?? [],
  });
  return { format, transcript, redactions: counts };
}

/** Parse and redact, then store: the two halves every way in (import, upload, speech-to-text) uses. */
export const storeTranscript = {
  prepare: prepareTranscript,
  commit: commitTranscript,
  store: putTranscriptObject,
  columns: transcriptColumns,
  ftsBody,
  newFtsId,
};
