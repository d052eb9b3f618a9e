import { type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  actionSchema,
  actOnPrivacyRequest,
  createPrivacyRequest,
  createRequestSchema,
  downloadExport,
  getPrivacyRequest,
  IDENTITY_METHODS,
  listPrivacyRequests,
  PRIVACY_CHANNELS,
  PRIVACY_KINDS,
  PRIVACY_STATUSES,
} from "../../../core/privacy/requests";
import type { AppEnv } from "../../types";
import { apiRoute, IdParam, json, jsonBody, listOf, listQuery, problem } from "../openapi";

const TAGS = ["Privacy requests"];
const ID = "privacyRequestId";

const PrivacyRequest = z
  .object({
    id: z.string().openapi({ example: "prq_k3j5…" }),
    kind: z.enum(PRIVACY_KINDS),
    status: z.enum(PRIVACY_STATUSES),
    subject: z.object({
      type: z.enum(["caller", "agent", "user"]),
      label: z.string().openapi({ description: "Masked number or agent id — never the number in clear" }),
      agentId: z.string().nullable(),
    }),
    channel: z.enum(PRIVACY_CHANNELS),
    note: z.string().nullable(),
    receivedAt: z.string(),
    dueAt: z.string().openapi({ description: "One month after receipt, plus any extension" }),
    originalDueAt: z.string(),
    overdue: z.boolean(),
    extension: z.object({ months: z.number().int(), reason: z.string(), at: z.string() }).nullable(),
    identity: z
      .object({
        method: z.string(),
        note: z.string().nullable(),
        verifiedBy: z.string().nullable(),
        verifiedAt: z.string(),
      })
      .nullable(),
    execution: z.object({
      jobId: z.string().nullable(),
      executedAt: z.string().nullable(),
      executedBy: z.string().nullable(),
      completedAt: z.string().nullable(),
      result: z.record(z.string(), z.unknown()).nullable(),
    }),
    rejectionReason: z.string().nullable(),
    lifted: z.object({ at: z.string(), by: z.string().nullable() }).nullable(),
    export: z
      .object({
        size: z.number().int().nullable(),
        sha256: z.string().nullable(),
        expiresAt: z.string(),
        downloadUrl: z.string().nullable().openapi({
          description: "Signed link valid 24 hours; the request still needs this tenant's credentials",
        }),
      })
      .nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("PrivacyRequest");

// Bodies are validated by the service schemas (core/privacy/requests.ts); documented here.
const CreateInput = createRequestSchema as never;
const ActionInput = actionSchema as never;
const ACTIONS_DOC = `One of: start_identity_check { note? }; verify_identity { method: ${IDENTITY_METHODS.join("|")}, note? }; extend { months: 1|2, reason }; execute { rectification? } (rectification: agent { name?, team? }, phone, calls[] { id, language?, direction?, queue?, campaign?, tags? }); reject { reason }; lift { reason? } (restriction, objection, consent withdrawal).`;

const conflict = problem("Not possible in the request's current state");

/**
 * Privacy requests of callers and agents (F3): the tenant records them, verifies the person,
 * and executes them here; exports download through an expiring signed link.
 */
export function registerPrivacy(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("privacy:manage", {
      method: "get",
      path: "/privacy-requests",
      tags: TAGS,
      summary: "List privacy requests, newest first",
      request: {
        query: z.object({
          ...listQuery,
          status: z.enum(PRIVACY_STATUSES).optional(),
          kind: z.enum(PRIVACY_KINDS).optional(),
          open: z
            .enum(["true", "false"])
            .optional()
            .openapi({ description: "Only requests whose deadline runs" }),
        }),
      },
      responses: { 200: json(listOf(PrivacyRequest)) },
    }),
    async (c) => c.json(await listPrivacyRequests(c.get("ctx"), c.req.valid("query") as never), 200),
  );
  api.openapi(
    apiRoute("privacy:manage", {
      method: "post",
      path: "/privacy-requests",
      tags: TAGS,
      summary: "Record a privacy request (deadline: one month from receivedAt)",
      description:
        "Subject: a caller by phone number (matched by the tenant's keyed hash, never stored in clear) or an agent by id. User-account requests go to the platform's operators.",
      request: { body: jsonBody(CreateInput) },
      responses: { 201: json(PrivacyRequest, "Created") },
    }),
    async (c) => c.json(await createPrivacyRequest(c.get("ctx"), c.req.valid("json") as never), 201),
  );
  api.openapi(
    apiRoute("privacy:manage", {
      method: "get",
      path: `/privacy-requests/{${ID}}`,
      tags: TAGS,
      summary: "Get a privacy request",
      request: { params: IdParam(ID) },
      responses: { 200: json(PrivacyRequest) },
    }),
    async (c) => c.json(await getPrivacyRequest(c.get("ctx"), c.req.valid("param")[ID]), 200),
  );
  api.openapi(
    apiRoute("privacy:manage", {
      method: "post",
      path: `/privacy-requests/{${ID}}/actions`,
      tags: TAGS,
      summary: "Act on a request: identity check, extension, execution, rejection, lift",
      description: ACTIONS_DOC,
      request: { params: IdParam(ID), body: jsonBody(ActionInput) },
      responses: { 200: json(PrivacyRequest), 409: conflict },
    }),
    async (c) =>
      c.json(
        await actOnPrivacyRequest(c.get("ctx"), c.req.valid("param")[ID], c.req.valid("json") as never),
        200,
      ),
  );
  api.openapi(
    apiRoute("privacy:manage", {
      method: "get",
      path: `/privacy-requests/{${ID}}/export`,
      tags: TAGS,
      summary: "Download the access/portability ZIP through its signed, expiring link",
      request: {
        params: IdParam(ID),
        query: z.object({
          expires: z.string().max(20).optional(),
          signature: z.string().max(128).optional(),
        }),
      },
      responses: {
        200: { description: "The ZIP", content: { "application/zip": { schema: z.any() } } },
        410: problem("The link or the export has expired"),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const file = await downloadExport(c.get("ctx"), c.req.valid("param")[ID], q.expires, q.signature);
      return new Response(file.body, { status: 200, headers: file.headers }) as never;
    },
  );
}
