import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { buildApp } from "../apps/app";
import { type AccessRule, ruleOf } from "../apps/middleware/access";
import { createAgent } from "../core/agents/service";
import { startImport } from "../core/calls/import-job";
import { createUpload } from "../core/calls/recording";
import { createCall, findCall } from "../core/calls/service";
import { completeFileUpload, createFileUpload, putFilePart } from "../core/calls/uploads";
import { startRetentionRun } from "../core/governance/retention-purge";
import { createApiKey } from "../core/identity/api-keys";
import { inviteMember } from "../core/identity/invitations";
import { createSchedule } from "../core/insights/reports";
import { createEndpoint, emitEvent } from "../core/integrations/webhooks";
import { addAttachment, createTicket, grantSupportAccess } from "../core/ops/support";
import { newId } from "../core/platform/crypto";
import {
  PERMISSIONS,
  type Permission,
  ROLES,
  type Role,
  roleAllows,
  SCOPE_NAMES,
  SCOPES,
} from "../core/platform/rbac";
import { publishPolicyVersion } from "../core/privacy/policy-versions";
import { createPrivacyRequest } from "../core/privacy/requests";
import { addSubprocessor, objectToSubprocessor } from "../core/privacy/subprocessors";
import { listRubrics } from "../core/rubrics/service";
import { controlDb } from "../db/client";
import { dataPlane } from "../db/resolver";
import { securityAlerts, tenants } from "../db/schema/control";
import { calibrationCalls, calibrationSessions, reviewQueue, reviews } from "../db/schema/data";
import { call, loginCookie, makeTenant, type TestTenant } from "./helpers";

/**
 * The cross-tenant and role sweep (A5, I1). It walks every route the app registers — API, portal,
 * ops, public — and for each one checks the rule its `access()` middleware declares:
 * no credentials → 401 (API) or a redirect to the login page (portal, ops); a role or key scope
 * without the permission → 403; another tenant's id in the path → 404. A route without a rule
 * fails the sweep, so routes added later are covered without anyone remembering.
 */

// Routes anyone may call. Adding a public route means adding it here, on purpose.
const PUBLIC = new Set([
  "GET /healthz",
  "GET /api/v1/openapi.json",
  "GET /api/docs",
  "GET /login",
  "POST /login",
  "GET /login/totp",
  "POST /login/totp",
  "POST /logout",
  "GET /signup",
  "POST /signup",
  "GET /verify-email",
  "GET /forgot-password",
  "POST /forgot-password",
  "GET /reset-password",
  "POST /reset-password",
  "GET /invitations/accept",
  "POST /invitations/accept",
  "POST /lang",
  "GET /ops/login",
  "POST /ops/login",
  "GET /login/sso",
  "POST /login/sso",
  "GET /sso/callback",
  "GET /static/player.js",
  "GET /static/upload.js",
  "GET /static/rubric-editor.js",
  "GET /legal/privacy",
  "GET /legal/privacy/versions/:versionId",
  "GET /legal/subprocessors",
  "POST /webhooks/stripe",
]);

interface Route {
  method: string;
  path: string;
  rule: AccessRule | undefined;
}

function routes(): Route[] {
  const app = buildApp();
  const byKey = new Map<string, Route>();
  for (const r of app.routes) {
    if (r.path.endsWith("*")) continue; // app-wide middleware
    const key = `${r.method} ${r.path}`;
    const entry = byKey.get(key) ?? { method: r.method, path: r.path, rule: undefined };
    entry.rule ??= ruleOf(r.handler);
    byKey.set(key, entry);
  }
  return [...byKey.values()];
}

/** Ids of tenant B's objects, by path parameter name. A new parameter needs an entry here. */
async function fixturesOf(b: TestTenant): Promise<Record<string, string>> {
  const agent = await createAgent(b.ctx, { name: "B agent", externalId: "b-1" });
  const inv = await inviteMember(b.ctx, { email: `x${Date.now()}@example.test`, role: "viewer" });
  const { call } = await createCall(b.ctx, { externalId: "b-call" });
  const upload = await createUpload(b.ctx, await findCall(b.ctx, call.id), false);
  const file = new TextEncoder().encode('{"externalId":"b-import"}\n');
  const fileUpload = await createFileUpload(b.ctx, { size: file.length });
  await putFilePart(b.ctx, fileUpload.uploadId, 1, {
    body: new Blob([file]).stream(),
    contentLength: file.length,
    checksum: null,
  });
  await completeFileUpload(b.ctx, fileUpload.uploadId);
  const sendImport = vi.spyOn(b.ctx.env.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
  const { imp } = await startImport(b.ctx, { uploadId: fileUpload.uploadId });
  sendImport.mockRestore();
  const rubrics = await listRubrics(b.ctx);
  const webhook = await createEndpoint(b.ctx, {
    url: "https://hooks.example.com/b",
    events: ["call.failed"],
  });
  // The delivery's job is not sent: no consumer may try to reach the (fictitious) URL.
  const send = vi.spyOn(b.ctx.env.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
  const { deliveryIds } = await emitEvent(b.ctx.env, b.tenant.id, "call.failed", { callId: call.id });
  send.mockRestore();
  const policy = await publishPolicyVersion(b.ctx.env, "op_sweep", {
    version: "sweep",
    effectiveAt: Date.now(),
    substantial: false,
    bodyFr: "x",
    bodyEn: "x",
  });
  // An announced sub-processor that concerns B (its speech provider) and not A: A gets 404.
  await controlDb(b.ctx.env)
    .update(tenants)
    .set({ speechProvider: "assemblyai" })
    .where(eq(tenants.id, b.tenant.id));
  const bAssembly = { ...b.ctx, tenant: { ...b.tenant, speechProvider: "assemblyai" as const } };
  const sub = await addSubprocessor(b.ctx.env, {
    name: "Sweep Co",
    purposeFr: "x",
    purposeEn: "x",
    dataCategories: "audio",
    location: "EU",
    transferMechanism: "EU",
    providerKey: "assemblyai",
    effectiveAt: Date.now() + 40 * 86_400_000,
  });
  const objection = await objectToSubprocessor(bAssembly, sub.id, "sweep");
  const jobSend = vi.spyOn(b.ctx.env.JOBS_QUEUE, "send").mockResolvedValue(undefined as never);
  const { job } = await startRetentionRun(b.ctx.env, b.tenant, Date.now());
  jobSend.mockRestore();
  const privacy = await createPrivacyRequest(b.ctx, {
    kind: "access",
    subject: { type: "caller", phone: "+33612345678" },
  });
  const reviewId = `rev_sweep_${b.tenant.id}`;
  await dataPlane(b.ctx.env, b.tenant).db.insert(reviews).values({
    id: reviewId,
    tenantId: b.tenant.id,
    callId: call.id,
    analysisId: "ana_sweep",
    reviewerId: b.users.supervisor.id,
    status: "disputed",
    createdAt: Date.now(),
    updatedAt: Date.now(),
  });
  const queueItemId = `rq_sweep_${b.tenant.id}`;
  await dataPlane(b.ctx.env, b.tenant).db.insert(reviewQueue).values({
    id: queueItemId,
    tenantId: b.tenant.id,
    week: "2026-W10",
    callId: call.id,
    agentId: agent.id,
    reviewerId: b.users.supervisor.id,
    reason: "random",
    assignedAt: Date.now(),
  });
  const sessionId = `cal_sweep_${b.tenant.id}`;
  const cdb = dataPlane(b.ctx.env, b.tenant).db;
  await cdb.insert(calibrationSessions).values({
    id: sessionId,
    tenantId: b.tenant.id,
    title: "sweep",
    rubricId: "rub_sweep",
    rubricVersion: 1,
    createdBy: b.users.supervisor.id,
    createdAt: Date.now(),
    updatedAt: Date.now(),
  });
  await cdb
    .insert(calibrationCalls)
    .values({ tenantId: b.tenant.id, sessionId, callId: call.id, position: 0 });
  const schedule = await createSchedule(b.ctx, { frequency: "weekly" });
  const ticket = await createTicket(b.ctx, { subject: "sweep ticket", body: "x" });
  const attachment = await addAttachment(b.ctx, ticket.ticket.id, ticket.messageId, {
    name: "a.txt",
    type: "text/plain",
    bytes: new Uint8Array([1]),
  });
  const alertId = newId("alr");
  await controlDb(b.ctx.env).insert(securityAlerts).values({
    id: alertId,
    tenantId: b.tenant.id,
    kind: "mass_export",
    dedupeKey: alertId,
    detail: {},
    createdAt: Date.now(),
  });
  const grant = await grantSupportAccess(b.ctx, ticket.ticket.id, { hours: 1, scope: "all_calls" });
  return {
    scheduleId: schedule.id,
    reviewId,
    breachId: "brc_sweep",
    deadLetterId: "dlq_sweep",
    tenantId: b.tenant.id,
    alertId,
    ticketId: ticket.ticket.id,
    messageId: ticket.messageId,
    attachmentId: attachment.id,
    grantId: grant.id,
    jobId: job.id,
    part: "1",
    privacyRequestId: privacy.id,
    versionId: policy.version.id,
    subprocessorId: sub.id,
    objectionId: objection.id,
    webhookId: webhook.id,
    deliveryId: deliveryIds[0],
    rubricId: rubrics[0].id,
    version: "1",
    callId: call.id,
    uploadId: upload.uploadId,
    importId: imp.id,
    itemId: queueItemId,
    sessionId,
    partNumber: "1",
    memberId: b.users.viewer.membershipId,
    keyId: b.keyId,
    agentId: agent.id,
    invitationId: inv.id,
  };
}

/** Valid bodies for mutating routes, so a 404 comes from the lookup and not from validation. */
const JSON_BODIES: Record<string, unknown> = {
  "PUT /api/v1/calls/:callId/legal-hold": { reason: "sweep" },
  "POST /api/v1/review-queue/:itemId/reassign": { reviewerId: "usr_sweep" },
  "POST /api/v1/calibration-sessions/:sessionId/calls/:callId/answers": { answers: {} },
  "POST /api/v1/calibration-sessions/:sessionId/close": { version: 1 },
  "POST /api/v1/reviews/:reviewId/dispute": { reason: "sweep" },
  "POST /api/v1/reports/schedules": { frequency: "weekly" },
  "POST /api/v1/reviews/:reviewId/resolve": { resolution: "sweep", version: 1 },
  "POST /api/v1/tenant/contract-end": { export: false, confirmName: "not the name" },
  "PATCH /api/v1/members/:memberId": { role: "viewer" },
  "PUT /api/v1/members/:memberId/agent": { agentId: null },
  "PUT /api/v1/agents/:agentId": { name: "x" },
  "POST /api/v1/members": { email: "sweep@example.test", role: "viewer" },
  "POST /api/v1/api-keys": { name: "x", scopes: ["calls:read"] },
  "POST /api/v1/agents": { name: "x" },
  "PUT /api/v1/settings/location": {},
  "PUT /api/v1/settings/security": {},
  "PUT /api/v1/settings/redaction": { patterns: [] },
  "PUT /api/v1/settings/providers": {},
  "PUT /api/v1/settings/statistics": { optOut: false },
  "PATCH /api/v1/rubrics/:rubricId": { name: "x" },
  "POST /api/v1/rubrics": { templateId: "general", language: "fr" },
  "POST /api/v1/rubrics/:rubricId/versions": { content: {} },
  "POST /api/v1/calls": { externalId: "sweep" },
  "POST /api/v1/calls/delete": { ids: ["cal_x"] },
  "POST /api/v1/webhooks": { url: "https://hooks.example.com/sweep", events: ["call.analyzed"] },
  "PATCH /api/v1/webhooks/:webhookId": { active: false },
  "POST /api/v1/subprocessors/:subprocessorId/objections": { reason: "sweep" },
  "POST /api/v1/privacy-requests": { kind: "access", subject: { type: "caller", phone: "+33612345678" } },
  "POST /api/v1/privacy-requests/:privacyRequestId/actions": { action: "reject", reason: "sweep" },
  "PUT /api/v1/billing/settings": { overQuota: "hold" },
  "POST /api/v1/billing/checkout-sessions": { plan: "starter" },
  "POST /api/v1/support/tickets": { subject: "sweep", body: "sweep" },
  "POST /api/v1/support/tickets/:ticketId/messages": { body: "sweep" },
  "PUT /api/v1/support/tickets/:ticketId/status": { status: "closed" },
  "POST /api/v1/support/tickets/:ticketId/grants": { hours: 1, scope: "all_calls" },
};
const FORM_BODIES: Record<string, Record<string, string>> = {
  "POST /members/:memberId/role": { role: "viewer" },
  "POST /calls/:callId/legal-hold": { reason: "sweep" },
  "POST /reviews/:reviewId/dispute": { reason: "sweep", callId: "x" },
  "POST /reviews/:reviewId/resolve": { resolution: "sweep", version: "1", callId: "x" },
  "POST /governance/contract-end": { confirmName: "not the name" },
  "POST /ops/legal/objections/:objectionId/resolve": { resolution: "sweep" },
  "POST /benchmarks/participation": { optOut: "on" },
  "POST /agents/:agentId": { name: "sweep" },
  "POST /rubrics/:rubricId/settings": { name: "sweep" },
  "POST /privacy/:privacyRequestId/actions": { action: "reject", reason: "sweep" },
  "POST /ops/privacy/:privacyRequestId/actions": { action: "reject", reason: "sweep" },
  "POST /billing/checkout": { plan: "starter" },
  "POST /billing/quota": { overQuota: "hold" },
  "POST /ops/billing/:tenantId/plan": { plan: "starter" },
  "POST /support/:ticketId/messages": { body: "sweep" },
  "POST /support/:ticketId/status": { status: "closed" },
  "POST /support/:ticketId/grants": { hours: "1" },
};

function fillPath(path: string, ids: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (_, name: string) => {
    const v = ids[name];
    if (!v)
      throw new Error(`sweep: no fixture for path parameter :${name} (${path}) — add one in fixturesOf()`);
    return v;
  });
}

function roleWithout(perm: Permission | null): Role | undefined {
  if (!perm) return undefined;
  return ROLES.find((r) => !(PERMISSIONS[perm] as readonly Role[]).includes(r));
}
function scopeWithout(perm: Permission): string | undefined {
  return SCOPE_NAMES.find((s) => !(SCOPES[s] as readonly Permission[]).includes(perm));
}

describe("route sweep", () => {
  it("every registered route declares an access rule, and public routes are exactly the allow-list", () => {
    const all = routes();
    const missing = all.filter((r) => !r.rule).map((r) => `${r.method} ${r.path}`);
    expect(missing, "routes without an access() rule").toEqual([]);
    const pub = all.filter((r) => r.rule?.kind === "public").map((r) => `${r.method} ${r.path}`);
    expect(new Set(pub)).toEqual(PUBLIC);
    expect(all.length).toBeGreaterThan(30);
  });

  it("no credentials → 401/redirect, wrong role or scope → 403, other tenant's id → 404", async () => {
    const a = await makeTenant();
    const b = await makeTenant();
    const ids = await fixturesOf(b);
    const cookies: Partial<Record<Role, string>> = {};
    const cookieOf = async (role: Role) => (cookies[role] ??= await loginCookie(a.users[role].email));
    const scopedKeys = new Map<string, string>();
    const keyWith = async (scope: string) => {
      if (!scopedKeys.has(scope))
        scopedKeys.set(scope, (await createApiKey(a.ctx, { name: scope, scopes: [scope as never] })).key);
      return scopedKeys.get(scope)!;
    };
    const failures: string[] = [];
    const check = (label: string, cond: boolean) => {
      if (!cond) failures.push(label);
    };

    for (const r of routes()) {
      const rule = r.rule!;
      const id = `${r.method} ${r.path}`;
      const path = fillPath(r.path, ids);
      const json = JSON_BODIES[id];
      const form = FORM_BODIES[id] ?? (r.method === "GET" ? undefined : {});
      if (rule.kind === "api") {
        const init = {
          method: r.method,
          ...(json !== undefined ? { json } : r.method === "GET" ? {} : { json: {} }),
        };
        const anon = await call(path, init);
        check(
          `${id}: no key → 401 (got ${anon.status})`,
          anon.status === 401 && anon.headers.get("content-type") === "application/problem+json",
        );
        const scope = scopeWithout(rule.perm);
        if (scope) {
          const res = await call(path, { ...init, key: await keyWith(scope) });
          check(`${id}: scope ${scope} → 403 (got ${res.status})`, res.status === 403);
        }
        if (r.path.includes(":")) {
          const res = await call(path, { ...init, key: a.key });
          check(`${id}: other tenant's id → 404 (got ${res.status})`, res.status === 404);
        }
      } else if (rule.kind === "portal") {
        const anon = await call(path, { method: r.method, form });
        check(
          `${id}: no session → redirect to /login (got ${anon.status})`,
          anon.status === 302 && (anon.headers.get("location") ?? "").startsWith("/login"),
        );
        const role = roleWithout(rule.perm);
        if (role) {
          const res = await call(path, { method: r.method, form, cookie: await cookieOf(role) });
          check(`${id}: role ${role} → 403 (got ${res.status})`, res.status === 403);
        }
        if (r.path.includes(":")) {
          // A role that holds the permission (owners hold all but the agent's own actions).
          const holder =
            (rule.perm ? ROLES.find((x) => roleAllows(x, rule.perm as Permission)) : "owner") ?? "owner";
          const res = await call(path, { method: r.method, form, cookie: await cookieOf(holder) });
          check(`${id}: other tenant's id → 404 (got ${res.status})`, res.status === 404);
        }
      } else if (rule.kind === "ops") {
        const anon = await call(path, { method: r.method, form });
        check(
          `${id}: no operator session → /ops/login (got ${anon.status})`,
          anon.status === 302 && (anon.headers.get("location") ?? "").startsWith("/ops/login"),
        );
        const asUser = await call(path, { method: r.method, form, cookie: await cookieOf("owner") });
        check(`${id}: tenant owner session → /ops/login (got ${asUser.status})`, asUser.status === 302);
      } else if (rule.kind === "dev") {
        const res = await call(path, { method: r.method, form, cookie: await cookieOf("owner") });
        check(`${id}: dev route outside development → 404 (got ${res.status})`, res.status === 404);
      }
    }
    expect(failures).toEqual([]);
  });
});
