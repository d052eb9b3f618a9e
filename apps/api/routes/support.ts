import { type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  addAttachment,
  addMessage,
  createTicket,
  getTicket,
  grantSupportAccess,
  listTickets,
  MAX_ATTACHMENT_BYTES,
  MAX_GRANT_HOURS,
  readAttachment,
  revokeSupportAccess,
  setTicketStatusByTenant,
  TICKET_PRIORITIES,
  TICKET_STATUSES,
} from "../../../core/ops/support";
import { ApiError } from "../../../core/platform/errors";
import type { AppEnv } from "../../types";
import { apiRoute, IdParam, json, jsonBody, listOf, listQuery } from "../openapi";

const TAGS = ["Support"];

const Ticket = z
  .object({
    id: z.string(),
    subject: z.string(),
    status: z.enum(TICKET_STATUSES),
    priority: z.enum(TICKET_PRIORITIES),
    createdBy: z.string(),
    waitingOn: z.enum(["customer", "support"]),
    lastMessageAt: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("SupportTicket");

export const Grant = z
  .object({
    id: z.string(),
    ticketId: z.string(),
    scope: z.enum(["all_calls", "listed_calls"]),
    callIds: z.array(z.string()),
    includeRecordings: z.boolean(),
    grantedBy: z.string(),
    expiresAt: z.string(),
    revokedAt: z.string().nullable(),
    active: z.boolean(),
    createdAt: z.string(),
  })
  .openapi("SupportGrant");

const TicketDetail = Ticket.extend({
  messages: z.array(
    z.object({
      id: z.string(),
      authorType: z.enum(["user", "api_key", "operator"]),
      authorName: z.string(),
      body: z.string(),
      createdAt: z.string(),
      attachments: z.array(
        z.object({ id: z.string(), fileName: z.string(), contentType: z.string(), size: z.number().int() }),
      ),
    }),
  ),
  grants: z.array(Grant),
  accessLog: z
    .array(
      z.object({
        operatorName: z.string(),
        what: z.enum(["call_list", "call", "transcript", "recording"]),
        callId: z.string().nullable(),
        at: z.string(),
      }),
    )
    .openapi({ description: "Every read of call content by an operator under a grant" }),
}).openapi("SupportTicketDetail");

const ticketParam = IdParam("ticketId");

/** Support tickets (H1) and support access grants (H2). */
export function registerSupport(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("support:use", {
      method: "post",
      path: "/support/tickets",
      tags: TAGS,
      summary: "Open a support ticket with its first message",
      request: {
        body: jsonBody(
          z
            .object({
              subject: z.string().min(3).max(200),
              body: z.string().min(1).max(10_000),
              priority: z.enum(TICKET_PRIORITIES).optional(),
            })
            .strict(),
        ),
      },
      responses: { 201: json(z.object({ ticket: Ticket, messageId: z.string() }), "Created") },
    }),
    async (c) => c.json(await createTicket(c.get("ctx"), c.req.valid("json")), 201),
  );
  api.openapi(
    apiRoute("support:use", {
      method: "get",
      path: "/support/tickets",
      tags: TAGS,
      summary: "List tickets (admins and keys: all of the organisation's; others: their own)",
      request: { query: z.object({ ...listQuery, status: z.enum(TICKET_STATUSES).optional() }) },
      responses: { 200: json(listOf(Ticket)) },
    }),
    async (c) => c.json(await listTickets(c.get("ctx"), c.req.valid("query")), 200),
  );
  api.openapi(
    apiRoute("support:use", {
      method: "get",
      path: "/support/tickets/{ticketId}",
      tags: TAGS,
      summary: "A ticket with its messages, grants and the log of operator reads",
      request: { params: ticketParam },
      responses: { 200: json(TicketDetail) },
    }),
    async (c) => c.json(await getTicket(c.get("ctx"), c.req.valid("param").ticketId), 200),
  );
  api.openapi(
    apiRoute("support:use", {
      method: "post",
      path: "/support/tickets/{ticketId}/messages",
      tags: TAGS,
      summary: "Add a message to a ticket (reopens it)",
      request: {
        params: ticketParam,
        body: jsonBody(z.object({ body: z.string().min(1).max(10_000) }).strict()),
      },
      responses: { 201: json(z.object({ id: z.string() }), "Created") },
    }),
    async (c) =>
      c.json(await addMessage(c.get("ctx"), c.req.valid("param").ticketId, c.req.valid("json")), 201),
  );
  api.openapi(
    apiRoute("support:use", {
      method: "put",
      path: "/support/tickets/{ticketId}/status",
      tags: TAGS,
      summary: "Close or reopen a ticket",
      request: {
        params: ticketParam,
        body: jsonBody(z.object({ status: z.enum(["open", "closed"]) }).strict()),
      },
      responses: { 200: json(Ticket) },
    }),
    async (c) =>
      c.json(
        await setTicketStatusByTenant(
          c.get("ctx"),
          c.req.valid("param").ticketId,
          c.req.valid("json").status,
        ),
        200,
      ),
  );
  api.openapi(
    apiRoute("support:use", {
      method: "post",
      path: "/support/tickets/{ticketId}/messages/{messageId}/attachments",
      tags: TAGS,
      summary: `Attach a file (raw body, at most ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MB) to a message; stored in your data location`,
      request: {
        params: z.object({
          ticketId: z
            .string()
            .min(1)
            .max(64)
            .openapi({ param: { name: "ticketId", in: "path" } }),
          messageId: z
            .string()
            .min(1)
            .max(64)
            .openapi({ param: { name: "messageId", in: "path" } }),
        }),
        query: z.object({ fileName: z.string().min(1).max(200).optional() }),
        body: {
          required: true,
          content: { "application/octet-stream": { schema: z.any().openapi({ format: "binary" }) } },
        },
      },
      responses: {
        201: json(
          z.object({ id: z.string(), fileName: z.string(), contentType: z.string(), size: z.number().int() }),
          "Stored",
        ),
      },
    }),
    async (c) => {
      const len = Number(c.req.header("content-length") ?? Number.NaN);
      if (!Number.isFinite(len)) throw new ApiError("length_required", "Send Content-Length");
      if (len > MAX_ATTACHMENT_BYTES)
        throw new ApiError("payload_too_large", `Attachments are limited to ${MAX_ATTACHMENT_BYTES} bytes`);
      const { ticketId, messageId } = c.req.valid("param");
      const bytes = new Uint8Array(await c.req.arrayBuffer());
      const out = await addAttachment(c.get("ctx"), ticketId, messageId, {
        name: c.req.valid("query").fileName ?? "file",
        type: c.req.header("content-type") ?? "application/octet-stream",
        bytes,
      });
      return c.json(out, 201);
    },
  );
  api.openapi(
    apiRoute("support:use", {
      method: "get",
      path: "/support/tickets/{ticketId}/attachments/{attachmentId}",
      tags: TAGS,
      summary: "Download an attachment",
      request: {
        params: z.object({
          ticketId: z
            .string()
            .min(1)
            .max(64)
            .openapi({ param: { name: "ticketId", in: "path" } }),
          attachmentId: z
            .string()
            .min(1)
            .max(64)
            .openapi({ param: { name: "attachmentId", in: "path" } }),
        }),
      },
      responses: {
        200: { description: "The file", content: { "application/octet-stream": { schema: z.any() } } },
      },
    }),
    async (c) => {
      const { ticketId, attachmentId } = c.req.valid("param");
      const f = await readAttachment(c.get("ctx"), ticketId, attachmentId);
      return new Response(f.body, { headers: f.headers }) as never;
    },
  );
  api.openapi(
    apiRoute("support:grant", {
      method: "post",
      path: "/support/tickets/{ticketId}/grants",
      tags: TAGS,
      summary: `Let operators read call content for this ticket, for 1–${MAX_GRANT_HOURS} hours (every read is logged)`,
      request: {
        params: ticketParam,
        body: jsonBody(
          z
            .object({
              hours: z.number().int().min(1).max(MAX_GRANT_HOURS),
              scope: z.enum(["all_calls", "listed_calls"]),
              callIds: z.array(z.string()).max(50).optional(),
              includeRecordings: z.boolean().optional(),
            })
            .strict(),
        ),
      },
      responses: { 201: json(Grant, "Granted") },
    }),
    async (c) =>
      c.json(await grantSupportAccess(c.get("ctx"), c.req.valid("param").ticketId, c.req.valid("json")), 201),
  );
  api.openapi(
    apiRoute("support:grant", {
      method: "delete",
      path: "/support/tickets/{ticketId}/grants/{grantId}",
      tags: TAGS,
      summary: "Revoke a support access grant (effective at once)",
      request: {
        params: z.object({
          ticketId: z
            .string()
            .min(1)
            .max(64)
            .openapi({ param: { name: "ticketId", in: "path" } }),
          grantId: z
            .string()
            .min(1)
            .max(64)
            .openapi({ param: { name: "grantId", in: "path" } }),
        }),
      },
      responses: { 200: json(Grant) },
    }),
    async (c) => {
      const { ticketId, grantId } = c.req.valid("param");
      return c.json(await revokeSupportAccess(c.get("ctx"), ticketId, grantId), 200);
    },
  );
}
