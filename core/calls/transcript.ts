import { z } from "zod";
import type { Ctx } from "../context";
import { ApiError } from "../errors";
import { redactTranscript } from "../redaction";
import type { Transcript } from "../transcripts/model";
import { TRANSCRIPT_FORMATS, type TranscriptFormat } from "../transcripts/model";
import { parseTranscript, TranscriptError } from "../transcripts/parse";
import { commitTranscript, type PreparedTranscript } from "./transcript-store";

export { TRANSCRIPT_FORMATS, type TranscriptFormat };
/** A transcript body above this is refused (413) — a 10-hour call is about 1 MB of text. */
export const MAX_TRANSCRIPT_BYTES = 5 * 1024 * 1024;

export const transcriptInputSchema = z.object({
  format: z.enum(TRANSCRIPT_FORMATS),
  content: z.union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())]),
});

/**
 * Parse then redact (C12) — nothing is stored, indexed or sent before redaction. Parse errors
 * become 422 problems naming the line or segment.
 */
export async function prepareTranscript(
  ctx: Ctx,
  input: z.infer<typeof transcriptInputSchema>,
): Promise<PreparedTranscript> {
  let parsed: Transcript;
  try {
    parsed = parseTranscript(input.format, input.content);
  } catch (e) {
    if (e instanceof TranscriptError) {
      const where =
        e.line !== undefined ? `line ${e.line}` : e.segment !== undefined ? `segment ${e.segment}` : "";
      throw new ApiError(e.code === "too_large" ? "payload_too_large" : "unprocessable", e.message, {
        errors: [
          { pointer: where ? `/transcript/${where.replace(" ", "/")}` : "/transcript", detail: e.message },
        ],
      });
    }
    throw e;
  }
  const { transcript, counts } = redactTranscript(parsed, {
    locale: parsed.language,
    tenantPatterns: ctx.tenant.redactionPatterns ?? [],
  });
  return { format: input.format, transcript, redactions: counts };
}

/** Parse and redact, then store: the two halves every way in (import, upload, speech-to-text) uses. */
export const storeTranscript = { prepare: prepareTranscript, commit: commitTranscript };
