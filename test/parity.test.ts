import { describe, expect, it } from "vitest";
import { buildApi } from "../apps/api";
import { buildApp } from "../apps/app";
import { ruleOf } from "../apps/middleware/access";

/**
 * API parity (E5): everything the portal does with tenant data, the API does too. Every portal
 * route (page or action) is listed here with the API operations that do the same; the test fails
 * when a portal route is added without an entry, or when an operation named here is missing from
 * the OpenAPI document.
 */
const PARITY: Record<string, string[]> = {
  "POST /settings/reviews": ["PUT /settings/reviews"],
  "GET /dashboard": ["GET /reports/kpis"],
  "GET /reports": ["GET /reports/summary", "GET /reports/schedules"],
  "GET /reports/export.csv": ["GET /reports/summary"],
  "GET /reports/export.xlsx": ["GET /reports/summary"],
  "GET /reports/print": ["GET /reports/summary"],
  "POST /reports/schedules": ["POST /reports/schedules"],
  "POST /reports/schedules/:scheduleId/delete": ["DELETE /reports/schedules/{scheduleId}"],
  "POST /calls/:callId/review": ["PUT /calls/{callId}/reviews/mine", "GET /calls/{callId}/reviews"],
  "POST /reviews/:reviewId/dispute": ["POST /reviews/{reviewId}/dispute"],
  "POST /reviews/:reviewId/resolve": ["POST /reviews/{reviewId}/resolve"],
  "GET /review-queue": ["GET /review-queue", "GET /review-queue/progress", "GET /review-queue/rule"],
  "POST /review-queue/rule": ["PUT /review-queue/rule"],
  "POST /review-queue/rule/delete": ["DELETE /review-queue/rule"],
  "POST /review-queue/assign": ["POST /review-queue/assign"],
  "POST /review-queue/next": ["POST /review-queue/next"],
  "POST /review-queue/:itemId/reassign": ["POST /review-queue/{itemId}/reassign"],
  "GET /calibration": ["GET /calibration-sessions"],
  "GET /calibration/new": ["GET /review-queue", "GET /rubrics"],
  "POST /calibration": ["POST /calibration-sessions"],
  "GET /calibration/:sessionId": ["GET /calibration-sessions/{sessionId}"],
  "GET /calibration/:sessionId/calls/:callId": [
    "GET /calibration-sessions/{sessionId}",
    "GET /calls/{callId}",
  ],
  "POST /calibration/:sessionId/calls/:callId": [
    "POST /calibration-sessions/{sessionId}/calls/{callId}/answers",
  ],
  "GET /calibration/:sessionId/results": ["GET /calibration-sessions/{sessionId}/results"],
  "POST /calibration/:sessionId/close": ["POST /calibration-sessions/{sessionId}/close"],
  "GET /rubrics": ["GET /rubrics", "GET /rubric-templates"],
  "POST /rubrics": ["POST /rubrics"],
  "GET /rubrics/:rubricId": ["GET /rubrics/{rubricId}", "GET /rubrics/{rubricId}/versions"],
  "GET /rubrics/:rubricId/versions/:version": ["GET /rubrics/{rubricId}/versions/{version}"],
  "POST /rubrics/:rubricId/edit": ["POST /rubrics/{rubricId}/versions", "POST /rubrics/dry-run"],
  "POST /rubrics/:rubricId/settings": ["PATCH /rubrics/{rubricId}"],
  "GET /agents": ["GET /agents"],
  "POST /agents": ["POST /agents"],
  "GET /agents/leaderboard": ["GET /agent-stats"],
  "GET /agents/teams": ["GET /agent-stats"],
  "GET /agents/:agentId": ["GET /agents/{agentId}", "GET /agents/{agentId}/timeline"],
  "POST /agents/:agentId": ["PUT /agents/{agentId}"],
  "POST /agents/:agentId/member": ["PUT /members/{memberId}/agent"],
  "GET /me": ["GET /agents/{agentId}/timeline", "GET /calls"],
  "GET /webhooks": ["GET /webhooks"],
  "POST /webhooks": ["POST /webhooks"],
  "GET /webhooks/:webhookId": ["GET /webhooks/{webhookId}", "GET /webhooks/{webhookId}/deliveries"],
  "POST /webhooks/:webhookId": ["PATCH /webhooks/{webhookId}"],
  "POST /webhooks/:webhookId/rotate": ["POST /webhooks/{webhookId}/rotate-secret"],
  "POST /webhooks/:webhookId/test": ["POST /webhooks/{webhookId}/test"],
  "POST /webhooks/:webhookId/delete": ["DELETE /webhooks/{webhookId}"],
  "POST /webhooks/:webhookId/deliveries/:deliveryId/redeliver": [
    "POST /webhooks/deliveries/{deliveryId}/redeliver",
  ],
  "GET /settings/processing": ["GET /settings/providers", "GET /settings/redaction"],
  "POST /settings/processing/providers": ["PUT /settings/providers"],
  "POST /settings/processing/redaction": ["PUT /settings/redaction"],
  "GET /billing": [
    "GET /billing",
    "GET /billing/plans",
    "GET /billing/invoices",
    "GET /billing/subscription-history",
  ],
  "POST /billing/checkout": ["POST /billing/checkout-sessions"],
  "POST /billing/portal": ["POST /billing/portal-sessions"],
  "POST /billing/quota": ["PUT /billing/settings"],
  "POST /billing/contact": ["PUT /billing/settings"],
  "GET /": ["GET /tenant"],
  "GET /members": ["GET /members", "GET /members/invitations"],
  "POST /members/invite": ["POST /members"],
  "POST /members/:memberId/role": ["PATCH /members/{memberId}"],
  "POST /members/:memberId/remove": ["DELETE /members/{memberId}"],
  "POST /members/invitations/:invitationId/revoke": ["DELETE /members/invitations/{invitationId}"],
  "GET /api-keys": ["GET /api-keys"],
  "POST /api-keys": ["POST /api-keys"],
  "POST /api-keys/:keyId/revoke": ["DELETE /api-keys/{keyId}"],
  "GET /settings": ["GET /settings/location", "GET /settings/security", "GET /settings/time-zone"],
  "POST /settings/location": ["PUT /settings/location"],
  "POST /settings/security": ["PUT /settings/security"],
  "POST /settings/time-zone": ["PUT /settings/time-zone"],
  "GET /recording-notices": ["GET /recording-notices"],
  "GET /governance": [
    "GET /settings/retention",
    "GET /settings/retention/runs",
    "GET /settings/location/migration",
    "GET /tenant/contract-end",
  ],
  "POST /governance/retention": ["PUT /settings/retention"],
  "POST /governance/legal-hold": ["PUT /settings/legal-hold"],
  "POST /governance/legal-hold/lift": ["DELETE /settings/legal-hold"],
  "POST /governance/retention/run": ["POST /settings/retention/runs"],
  "POST /governance/location": ["PUT /settings/location"],
  "POST /governance/contract-end": ["POST /tenant/contract-end"],
  "POST /governance/contract-end/delete-now": ["POST /tenant/contract-end/delete-now"],
  "POST /governance/contract-end/cancel": ["DELETE /tenant/contract-end"],
  "GET /governance/contract-end/exports/:part": ["GET /tenant/contract-end/exports/{part}"],
  "GET /audit": ["GET /audit-log", "GET /audit-log/verify", "GET /connection-log"],
  "GET /calls": ["GET /calls"],
  "GET /calls/upload": ["POST /calls"],
  "POST /calls/new": ["POST /calls"],
  "GET /calls/:callId": [
    "GET /calls/{callId}",
    "GET /calls/{callId}/analysis",
    "GET /calls/{callId}/transcript",
  ],
  "GET /calls/:callId/recording": ["GET /calls/{callId}/recording"],
  "PUT /calls/:callId/recording": ["PUT /calls/{callId}/recording"],
  "POST /calls/:callId/recording/uploads": ["POST /calls/{callId}/recording/uploads"],
  "PUT /calls/:callId/recording/uploads/:uploadId/parts/:partNumber": [
    "PUT /calls/{callId}/recording/uploads/{uploadId}/parts/{partNumber}",
  ],
  "POST /calls/:callId/recording/uploads/:uploadId/complete": [
    "POST /calls/{callId}/recording/uploads/{uploadId}/complete",
  ],
  "DELETE /calls/:callId/recording/uploads/:uploadId": [
    "DELETE /calls/{callId}/recording/uploads/{uploadId}",
  ],
  "POST /calls/import": ["POST /imports"],
  "GET /imports": ["GET /imports"],
  "POST /imports": ["POST /uploads", "POST /imports"],
  "GET /imports/:importId": ["GET /imports/{importId}"],
  "POST /calls/:callId/transcript": ["PUT /calls/{callId}/transcript"],
  "POST /calls/:callId/reprocess": ["POST /calls/{callId}/reprocess"],
  "POST /calls/:callId/speakers": ["PUT /calls/{callId}/speakers"],
  "POST /calls/:callId/legal-hold": ["PUT /calls/{callId}/legal-hold"],
  "POST /calls/:callId/legal-hold/lift": ["DELETE /calls/{callId}/legal-hold"],
  "POST /calls/:callId/delete": ["DELETE /calls/{callId}"],
  "GET /benchmarks": ["GET /benchmarks", "GET /settings/statistics"],
  "POST /benchmarks/participation": ["PUT /settings/statistics"],
  "GET /privacy": ["GET /privacy-requests"],
  "POST /privacy": ["POST /privacy-requests"],
  "GET /privacy/:privacyRequestId": ["GET /privacy-requests/{privacyRequestId}"],
  "POST /privacy/:privacyRequestId/actions": ["POST /privacy-requests/{privacyRequestId}/actions"],
  "GET /privacy/:privacyRequestId/export": ["GET /privacy-requests/{privacyRequestId}/export"],
  "GET /support": ["GET /support/tickets"],
  "POST /support": ["POST /support/tickets"],
  "GET /support/:ticketId": ["GET /support/tickets/{ticketId}"],
  "POST /support/:ticketId/messages": [
    "POST /support/tickets/{ticketId}/messages",
    "POST /support/tickets/{ticketId}/messages/{messageId}/attachments",
  ],
  "POST /support/:ticketId/status": ["PUT /support/tickets/{ticketId}/status"],
  "GET /support/:ticketId/attachments/:attachmentId": [
    "GET /support/tickets/{ticketId}/attachments/{attachmentId}",
  ],
  "POST /support/:ticketId/grants": ["POST /support/tickets/{ticketId}/grants"],
  "POST /support/:ticketId/grants/:grantId/revoke": ["DELETE /support/tickets/{ticketId}/grants/{grantId}"],
  "GET /security": [
    "GET /settings/sso",
    "GET /settings/abuse-alerts",
    "GET /security/alerts",
    "GET /security/breaches",
  ],
  "POST /security/sso": ["PUT /settings/sso"],
  "POST /security/sso/verify": ["POST /settings/sso/verify-domain"],
  "POST /security/password-login": ["PUT /settings/security"],
  "POST /security/abuse": ["PUT /settings/abuse-alerts"],
  "POST /security/alerts/:alertId/acknowledge": ["POST /security/alerts/{alertId}/acknowledge"],
  "GET /security/backups/:jobId/download": ["GET /backups/{jobId}/download"],
  "POST /security/backups": ["POST /backups"],
  "POST /security/backups/restore": ["POST /backups/restore"],
};

/**
 * Portal routes that are not about tenant data: the signed-in person's own account (profile,
 * password, sessions, second factor, account deletion). An API key acts for the organisation, not
 * for a person, so these have no API operation on purpose.
 */
const PERSONAL = /^(GET|POST) \/account(\/|$)/;
/** Other portal-only routes, each with the reason it has no API operation. */
const PORTAL_ONLY: Record<string, string> = {
  "GET /notices":
    "a person's own in-app notices (reviews of their calls, disputes, their jobs); an API key is no person",
  "POST /notices/read": "a person marks their own notices read",
  "POST /legal/privacy/accept":
    "a person acknowledges the privacy policy they have read (F4); recorded per user, not an act on tenant data",
};

function portalRoutes(): string[] {
  const out = new Set<string>();
  for (const r of buildApp().routes) {
    if (r.path.endsWith("*")) continue;
    if (ruleOf(r.handler)?.kind === "portal") out.add(`${r.method} ${r.path}`);
  }
  return [...out];
}

describe("API parity (E5)", () => {
  it("every portal page and action has its operations in the OpenAPI document", () => {
    const doc = buildApi().document() as unknown as { paths: Record<string, Record<string, unknown>> };
    const ops = new Set(
      Object.entries(doc.paths).flatMap(([p, byMethod]) =>
        Object.keys(byMethod).map((m) => `${m.toUpperCase()} ${p}`),
      ),
    );
    const routes = portalRoutes().filter((r) => !PERSONAL.test(r) && !PORTAL_ONLY[r]);
    const unmapped = routes.filter((r) => !PARITY[r]);
    expect(unmapped, "portal routes without an API mapping: add them to PARITY").toEqual([]);
    const missing = routes.flatMap((r) => PARITY[r].filter((op) => !ops.has(op)).map((op) => `${r} → ${op}`));
    expect(missing, "API operations missing from the OpenAPI document").toEqual([]);
    // Entries for routes that no longer exist would hide a gap: keep the table exact.
    const stale = Object.keys(PARITY).filter((k) => !routes.includes(k));
    expect(stale).toEqual([]);
    expect(routes.length).toBeGreaterThan(50);
  });
});
