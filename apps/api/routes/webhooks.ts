import { type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  redeliver,
  rotateSecret,
  sendTestEvent,
  updateEndpoint,
  WEBHOOK_EVENTS,
} from "../../../core/integrations/webhooks";
import type { AppEnv } from "../../types";
import { apiRoute, IdParam, json, jsonBody, listOf, listQuery, problem } from "../openapi";

const TAGS = ["Webhooks"];

const Endpoint = z
  .object({
    id: z.string(),
    url: z.string().openapi({ example: "https://hooks.example.com/ccr" }),
    events: z.array(z.string()),
    description: z.string().nullable(),
    active: z.boolean(),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
  })
  .openapi("WebhookEndpoint");
const EndpointWithSecret = Endpoint.extend({
  secret: z.string().openapi({
    description: "Signing secret (`whsec_` + base64). Shown only in this response.",
    example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  }),
}).openapi("WebhookEndpointWithSecret");

const url = z.string().min(1).max(2048).openapi({
  description:
    "https (http on development machines only), port 443 or 8443, public host: private, loopback, link-local and internal targets are refused",
});
const events = z
  .array(z.enum(WEBHOOK_EVENTS))
  .min(1)
  .max(WEBHOOK_EVENTS.length * 2);
const description = z.string().max(500).nullable().optional();

const EndpointInput = z.object({ url, events, description }).openapi("WebhookEndpointInput");
const EndpointPatch = z
  .object({ url: url.optional(), events: events.optional(), active: z.boolean().optional(), description })
  .openapi("WebhookEndpointPatch");

const Delivery = z
  .object({
    id: z.string(),
    endpointId: z.string(),
    eventId: z.string().openapi({ description: "The `webhook-id` header, the same on every attempt" }),
    eventType: z.string(),
    status: z.enum(["pending", "succeeded", "failed"]),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable().openapi({ description: "At most 500 characters" }),
    payload: z.unknown().openapi({ description: "The body sent: `{ type, timestamp, data }`" }),
    createdAt: z.number().int(),
    updatedAt: z.number().int(),
    deliveredAt: z.number().int().nullable(),
  })
  .openapi("WebhookDelivery");

const conflict = problem("Endpoint disabled, delivery not failed, or endpoint limit reached");

/** Outgoing webhooks (E4): endpoints, their signing secret, the delivery log. */
export function registerWebhooks(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/webhooks",
      tags: TAGS,
      summary: "List webhook endpoints (never the secret)",
      responses: { 200: json(z.object({ data: z.array(Endpoint), nextCursor: z.null() })) },
    }),
    async (c) => c.json({ data: await listEndpoints(c.get("ctx")), nextCursor: null }, 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "post",
      path: "/webhooks",
      tags: TAGS,
      summary: "Create an endpoint — the `secret` is shown only in this response",
      description: `Events: ${WEBHOOK_EVENTS.join(", ")}. Requests are signed per Standard Webhooks (\`webhook-id\`, \`webhook-timestamp\`, \`webhook-signature: v1,<base64 HMAC-SHA256>\` over \`id.timestamp.body\`).`,
      request: { body: jsonBody(EndpointInput) },
      responses: { 201: json(EndpointWithSecret, "Created"), 409: conflict },
    }),
    async (c) => c.json(await createEndpoint(c.get("ctx"), c.req.valid("json")), 201),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/webhooks/{webhookId}",
      tags: TAGS,
      summary: "Get an endpoint",
      request: { params: IdParam("webhookId") },
      responses: { 200: json(Endpoint) },
    }),
    async (c) => c.json(await getEndpoint(c.get("ctx"), c.req.valid("param").webhookId), 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "patch",
      path: "/webhooks/{webhookId}",
      tags: TAGS,
      summary: "Change an endpoint's URL, events, description, or turn it on or off",
      request: { params: IdParam("webhookId"), body: jsonBody(EndpointPatch) },
      responses: { 200: json(Endpoint) },
    }),
    async (c) =>
      c.json(await updateEndpoint(c.get("ctx"), c.req.valid("param").webhookId, c.req.valid("json")), 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "delete",
      path: "/webhooks/{webhookId}",
      tags: TAGS,
      summary: "Delete an endpoint and its delivery log",
      request: { params: IdParam("webhookId") },
      responses: { 204: { description: "Deleted" } },
    }),
    async (c) => {
      await deleteEndpoint(c.get("ctx"), c.req.valid("param").webhookId);
      return c.body(null, 204);
    },
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "post",
      path: "/webhooks/{webhookId}/rotate-secret",
      tags: TAGS,
      summary: "Replace the signing secret (effective at once) — the new one is shown only here",
      request: { params: IdParam("webhookId") },
      responses: { 200: json(EndpointWithSecret) },
    }),
    async (c) => c.json(await rotateSecret(c.get("ctx"), c.req.valid("param").webhookId), 200),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "post",
      path: "/webhooks/{webhookId}/test",
      tags: TAGS,
      summary: "Send a `webhook.test` event to this endpoint only",
      request: { params: IdParam("webhookId") },
      responses: { 202: json(Delivery, "Queued"), 409: conflict },
    }),
    async (c) => c.json(await sendTestEvent(c.get("ctx"), c.req.valid("param").webhookId), 202),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "get",
      path: "/webhooks/{webhookId}/deliveries",
      tags: TAGS,
      summary: "An endpoint's delivery log, newest first",
      request: { params: IdParam("webhookId"), query: z.object(listQuery) },
      responses: { 200: json(listOf(Delivery)) },
    }),
    async (c) =>
      c.json(
        await listDeliveries(c.get("ctx"), {
          endpointId: c.req.valid("param").webhookId,
          ...c.req.valid("query"),
        }),
        200,
      ),
  );
  api.openapi(
    apiRoute("settings:manage", {
      method: "post",
      path: "/webhooks/deliveries/{deliveryId}/redeliver",
      tags: TAGS,
      summary: "Queue a failed delivery again (same webhook-id, same body)",
      request: { params: IdParam("deliveryId") },
      responses: { 202: json(Delivery, "Queued"), 409: conflict },
    }),
    async (c) => c.json(await redeliver(c.get("ctx"), c.req.valid("param").deliveryId), 202),
  );
}
