import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ApiError } from "../../../core/platform/errors";
import type { AppEnv } from "../../types";

export const binary = (description: string) => ({
  required: true,
  description,
  content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } },
});

/** Body size rules for streamed bodies: a length is required (411) and checked before reading (413). */
export function streamedBody(c: Context<AppEnv>, max: number) {
  const len = c.req.header("content-length");
  if (len === undefined || !/^\d+$/.test(len))
    throw new ApiError(
      "length_required",
      "Send Content-Length (use the multipart upload API for streams of unknown size)",
    );
  const n = Number(len);
  if (n > max)
    throw new ApiError(
      "payload_too_large",
      `The body is ${n} bytes; the limit of one request is ${max} bytes`,
    );
  if (n === 0 || !c.req.raw.body) throw new ApiError("bad_request", "The body is empty");
  return { body: c.req.raw.body, contentLength: n };
}
