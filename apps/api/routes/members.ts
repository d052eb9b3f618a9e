import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { inviteMember, listInvitations, revokeInvitation } from "../../../core/identity/invitations";
import { changeMemberRole, listMembers, removeMember } from "../../../core/identity/members";
import { ROLES } from "../../../core/platform/rbac";
import type { AppEnv } from "../../types";
import { apiRoute, IdParam, json, jsonBody, problem } from "../openapi";

const Member = z
  .object({
    id: z.string(),
    userId: z.string(),
    email: z.string(),
    firstName: z.string(),
    lastName: z.string(),
    role: z.enum(ROLES),
    mfaEnabled: z.boolean(),
    createdAt: z.number().int(),
  })
  .openapi("Member");
const Invitation = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.enum(ROLES),
    expiresAt: z.number().int(),
    createdAt: z.number().int(),
  })
  .openapi("Invitation");

export function registerMembers(api: OpenAPIHono<AppEnv>) {
  api.openapi(
    apiRoute("members:read", {
      method: "get",
      path: "/members",
      tags: ["Members"],
      summary: "List the tenant's members",
      responses: { 200: json(z.object({ data: z.array(Member), nextCursor: z.null() })) },
    }),
    async (c) => c.json({ data: await listMembers(c.get("ctx")), nextCursor: null }, 200),
  );

  api.openapi(
    apiRoute("members:manage", {
      method: "post",
      path: "/members",
      tags: ["Members"],
      summary: "Invite someone by e-mail with a role",
      request: { body: jsonBody(z.object({ email: z.string().max(254), role: z.enum(ROLES) })) },
      responses: {
        201: json(z.object({ id: z.string(), expiresAt: z.number().int() }), "Invitation sent"),
        409: problem("Already a member"),
      },
    }),
    async (c) => c.json(await inviteMember(c.get("ctx"), c.req.valid("json")), 201),
  );

  api.openapi(
    apiRoute("members:read", {
      method: "get",
      path: "/members/invitations",
      tags: ["Members"],
      summary: "Pending invitations",
      responses: { 200: json(z.object({ data: z.array(Invitation), nextCursor: z.null() })) },
    }),
    async (c) => c.json({ data: await listInvitations(c.get("ctx")), nextCursor: null }, 200),
  );

  api.openapi(
    apiRoute("members:manage", {
      method: "delete",
      path: "/members/invitations/{invitationId}",
      tags: ["Members"],
      summary: "Revoke a pending invitation",
      request: { params: IdParam("invitationId") },
      responses: { 204: { description: "Revoked" } },
    }),
    async (c) => {
      await revokeInvitation(c.get("ctx"), c.req.valid("param").invitationId);
      return c.body(null, 204);
    },
  );

  api.openapi(
    apiRoute("members:manage", {
      method: "patch",
      path: "/members/{memberId}",
      tags: ["Members"],
      summary: "Change a member's role",
      request: { params: IdParam("memberId"), body: jsonBody(z.object({ role: z.enum(ROLES) })) },
      responses: { 200: json(Member), 409: problem("Last owner") },
    }),
    async (c) => {
      const ctx = c.get("ctx");
      const id = c.req.valid("param").memberId;
      await changeMemberRole(ctx, id, c.req.valid("json").role);
      const m = (await listMembers(ctx)).find((x) => x.id === id)!;
      return c.json(m, 200);
    },
  );

  api.openapi(
    apiRoute("members:manage", {
      method: "delete",
      path: "/members/{memberId}",
      tags: ["Members"],
      summary: "Remove a member (their sessions in this tenant end)",
      request: { params: IdParam("memberId") },
      responses: { 204: { description: "Removed" }, 409: problem("Last owner") },
    }),
    async (c) => {
      await removeMember(c.get("ctx"), c.req.valid("param").memberId);
      return c.body(null, 204);
    },
  );
}
