import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { buildApp } from "../apps/app";
import { ruleOf } from "../apps/middleware/access";
import { createCall } from "../core/calls/service";
import { controlDb } from "../db/client";
import { auditLog, supportGrants } from "../db/schema/control";
import { asRole, call, E, lastMailTo, loginCookie, makeTenant, type TestTenant } from "./helpers";
import { operatorCookie } from "./ops-helpers";

/** A sentence no page may show an operator without a grant. */
const SECRET_WORDS = "zebracorn marmalade";
const TEXT = `Agent: Bonjour, que puis-je faire pour vous ?\nClient: Ma facture parle de ${SECRET_WORDS}.\nAgent: Je regarde cela tout de suite.`;

async function callWithTranscript(t: TestTenant, externalId: string) {
  const { call: c } = await createCall(t.ctx, {
    externalId,
    transcript: { format: "text", content: TEXT },
  });
  return c.id;
}

async function openTicket(t: TestTenant, key = t.key) {
  const r = await call("/api/v1/support/tickets", {
    method: "POST",
    key,
    json: { subject: "Scores look wrong", body: "Call scores dropped since Monday." },
  });
  expect(r.status).toBe(201);
  return (await r.json()) as { ticket: { id: string; status: string }; messageId: string };
}

describe("support tickets (H1)", () => {
  it("a user opens a ticket, attaches a file stored in the tenant's location, an operator answers by mail", async () => {
    const t = await makeTenant({ location: "us" });
    const cookie = await loginCookie(t.users.agent.email);
    const created = await call("/support", {
      method: "POST",
      cookie,
      form: { subject: "Cannot see my call", body: "The call of 9am is missing.", priority: "high" },
    });
    expect(created.status).toBe(303);
    const ticketId = /\/support\/(tkt_[^?]+)/.exec(created.headers.get("location") ?? "")![1];
    // A message with an attachment through the portal (multipart form).
    const fd = new FormData();
    fd.set("body", "Here is a screenshot.");
    fd.set("file", new File([new Uint8Array([137, 80, 78, 71, 1, 2, 3])], "shot.png", { type: "image/png" }));
    const sent = await call(`/support/${ticketId}/messages`, {
      method: "POST",
      cookie,
      body: fd,
      headers: { origin: "http://127.0.0.1:8787" },
    });
    expect(sent.status).toBe(303);
    const detail = await (await call(`/api/v1/support/tickets/${ticketId}`, { key: t.key })).json<{
      messages: { body: string; attachments: { id: string; fileName: string; size: number }[] }[];
      priority: string;
    }>();
    expect(detail.priority).toBe("high");
    expect(detail.messages).toHaveLength(2);
    const att = detail.messages[1].attachments[0];
    expect(att).toMatchObject({ fileName: "shot.png", size: 7 });
    // Stored in the US bucket, under the tenant's prefix; not in the EU one.
    const listed = await E.BLOB_US.list({ prefix: `t/${t.tenant.id}/support/${ticketId}/` });
    expect(listed.objects).toHaveLength(1);
    expect((await E.BLOB_EU.list({ prefix: `t/${t.tenant.id}/` })).objects).toHaveLength(0);
    const dl = await call(`/support/${ticketId}/attachments/${att.id}`, { cookie });
    expect(dl.status).toBe(200);
    expect(new Uint8Array(await dl.arrayBuffer())).toEqual(new Uint8Array([137, 80, 78, 71, 1, 2, 3]));

    // Another agent of the tenant does not see it; the admin does.
    const supervisor = await loginCookie(t.users.supervisor.email);
    expect((await call(`/support/${ticketId}`, { cookie: supervisor })).status).toBe(404);
    const admin = await loginCookie(t.users.admin.email);
    expect((await call(`/support/${ticketId}`, { cookie: admin })).status).toBe(200);

    // The operator queue lists it, waiting on support; the operator's reply is mailed to the agent.
    const op = await operatorCookie("Sam Support");
    const queue = await call("/ops/support", { cookie: op.cookie });
    expect(await queue.text()).toContain("Cannot see my call");
    const reply = await call(`/ops/support/${ticketId}/reply`, {
      method: "POST",
      cookie: op.cookie,
      form: { body: "Fixed, please check.", status: "waiting_on_customer" },
    });
    expect(reply.status).toBe(303);
    const mail = await lastMailTo(t.users.agent.email);
    expect(mail.kind).toBe("support.reply");
    expect(mail.text).toContain(`/support/${ticketId}`);
    const list = await (await call("/api/v1/support/tickets", { key: t.key })).json<{
      data: { id: string; status: string; waitingOn: string }[];
    }>();
    expect(list.data.find((x) => x.id === ticketId)).toMatchObject({
      status: "waiting_on_customer",
      waitingOn: "customer",
    });
    // The operator reads the attachment (sent to support on purpose), audited on the platform chain.
    expect((await call(`/ops/support/${ticketId}/attachments/${att.id}`, { cookie: op.cookie })).status).toBe(
      200,
    );
  });

  it("API: bad bodies are 400, a closed ticket refuses messages (409), attachments over 10 MB are 413", async () => {
    const t = await makeTenant();
    expect(
      (await call("/api/v1/support/tickets", { method: "POST", key: t.key, json: { subject: "x" } })).status,
    ).toBe(400);
    const { ticket, messageId } = await openTicket(t);
    const big = await call(
      `/api/v1/support/tickets/${ticket.id}/messages/${messageId}/attachments?fileName=big.bin`,
      { method: "POST", key: t.key, headers: { "content-length": String(11 * 1024 * 1024) }, body: "x" },
    );
    expect(big.status).toBe(413);
    const closed = await call(`/api/v1/support/tickets/${ticket.id}/status`, {
      method: "PUT",
      key: t.key,
      json: { status: "closed" },
    });
    expect(closed.status).toBe(200);
    const msg = await call(`/api/v1/support/tickets/${ticket.id}/messages`, {
      method: "POST",
      key: t.key,
      json: { body: "hello?" },
    });
    expect(msg.status).toBe(409);
  });
});

describe("support access grants (H2)", () => {
  it("grant → operator reads (logged, shown to the tenant, audited) → expiry → 404; revocation → 404", async () => {
    const t = await makeTenant();
    const callId = await callWithTranscript(t, "grant-1");
    const { ticket } = await openTicket(t);
    const op = await operatorCookie("Gina Grant");
    const callPage = `/ops/support/${ticket.id}/calls/${callId}`;

    expect((await call(callPage, { cookie: op.cookie })).status).toBe(404);
    expect((await call(`/ops/support/${ticket.id}/calls`, { cookie: op.cookie })).status).toBe(404);

    // A supervisor may not grant; an admin may (portal form), for one hour.
    const sup = await loginCookie(t.users.supervisor.email);
    expect(
      (await call(`/support/${ticket.id}/grants`, { method: "POST", cookie: sup, form: { hours: "1" } }))
        .status,
    ).toBe(403);
    const admin = await loginCookie(t.users.admin.email);
    const g = await call(`/support/${ticket.id}/grants`, {
      method: "POST",
      cookie: admin,
      form: { hours: "1" },
    });
    expect(g.status).toBe(303);

    const list = await call(`/ops/support/${ticket.id}/calls`, { cookie: op.cookie });
    expect(list.status).toBe(200);
    expect(await list.text()).toContain(callId);
    const read = await call(callPage, { cookie: op.cookie });
    expect(read.status).toBe(200);
    expect(await read.text()).toContain(SECRET_WORDS);
    // Recordings were not included: 404 even with the grant.
    expect((await call(`${callPage}/recording`, { cookie: op.cookie })).status).toBe(404);

    // The tenant sees each read on the ticket, and in its own audit chain.
    const detail = await (await call(`/api/v1/support/tickets/${ticket.id}`, { key: t.key })).json<{
      accessLog: { operatorName: string; what: string; callId: string | null }[];
      grants: { id: string; active: boolean }[];
    }>();
    expect(detail.accessLog.map((r) => r.what).sort()).toEqual(["call", "call_list", "transcript"]);
    expect(detail.accessLog.every((r) => r.operatorName === "Gina Grant")).toBe(true);
    const page = await (await call(`/support/${ticket.id}`, { cookie: admin })).text();
    expect(page).toContain("Gina Grant");
    const audits = await controlDb(E).select().from(auditLog).where(eq(auditLog.tenantId, t.tenant.id));
    const reads = audits.filter((a) => a.action.startsWith("support.read_"));
    expect(reads.map((a) => a.action).sort()).toEqual([
      "support.read_call",
      "support.read_call_list",
      "support.read_transcript",
    ]);
    expect(reads.every((a) => a.actorType === "operator" && a.actorId === op.id)).toBe(true);
    expect(audits.some((a) => a.action === "support.access_granted")).toBe(true);

    // Expiry: the same page is 404, and nothing more is logged.
    const grantId = detail.grants[0].id;
    await controlDb(E)
      .update(supportGrants)
      .set({ expiresAt: Date.now() - 1 })
      .where(eq(supportGrants.id, grantId));
    expect((await call(callPage, { cookie: op.cookie })).status).toBe(404);
    const after = await (await call(`/api/v1/support/tickets/${ticket.id}`, { key: t.key })).json<{
      accessLog: unknown[];
      grants: { active: boolean }[];
    }>();
    expect(after.accessLog).toHaveLength(3);
    expect(after.grants[0].active).toBe(false);

    // A new grant through the API, revoked: 404 at once.
    const g2 = await call(`/api/v1/support/tickets/${ticket.id}/grants`, {
      method: "POST",
      key: t.key,
      json: { hours: 2, scope: "all_calls" },
    });
    expect(g2.status).toBe(201);
    const grant2 = await g2.json<{ id: string; active: boolean }>();
    expect(grant2.active).toBe(true);
    expect((await call(callPage, { cookie: op.cookie })).status).toBe(200);
    const rv = await call(`/api/v1/support/tickets/${ticket.id}/grants/${grant2.id}`, {
      method: "DELETE",
      key: t.key,
    });
    expect(rv.status).toBe(200);
    expect((await call(callPage, { cookie: op.cookie })).status).toBe(404);
  });

  it("a grant for listed calls opens only those; another tenant's call cannot be listed", async () => {
    const t = await makeTenant();
    const other = await makeTenant();
    const shared = await callWithTranscript(t, "listed-1");
    const hidden = await callWithTranscript(t, "listed-2");
    const foreign = await callWithTranscript(other, "foreign-1");
    const { ticket } = await openTicket(t);
    const bad = await call(`/api/v1/support/tickets/${ticket.id}/grants`, {
      method: "POST",
      key: t.key,
      json: { hours: 1, scope: "listed_calls", callIds: [foreign] },
    });
    expect(bad.status).toBe(404);
    const ok = await call(`/api/v1/support/tickets/${ticket.id}/grants`, {
      method: "POST",
      key: t.key,
      json: { hours: 1, scope: "listed_calls", callIds: [shared], includeRecordings: true },
    });
    expect(ok.status).toBe(201);
    const op = await operatorCookie();
    expect((await call(`/ops/support/${ticket.id}/calls/${shared}`, { cookie: op.cookie })).status).toBe(200);
    expect((await call(`/ops/support/${ticket.id}/calls/${hidden}`, { cookie: op.cookie })).status).toBe(404);
    // A grant of tenant T never opens another tenant's call, even by its id.
    expect((await call(`/ops/support/${ticket.id}/calls/${foreign}`, { cookie: op.cookie })).status).toBe(
      404,
    );
    const list = await (await call(`/ops/support/${ticket.id}/calls`, { cookie: op.cookie })).text();
    expect(list).toContain(shared);
    expect(list).not.toContain(hidden);
  });

  it("without a grant, no operator page shows call content", async () => {
    const t = await makeTenant();
    const callId = await callWithTranscript(t, "nogrant-1");
    const { ticket, messageId } = await openTicket(t);
    const op = await operatorCookie();
    const ids: Record<string, string> = {
      ticketId: ticket.id,
      callId,
      attachmentId: "att_none",
      messageId,
      privacyRequestId: "prq_none",
      breachId: "brc_none",
      objectionId: "obj_none",
      alertId: "alr_none",
      tenantId: t.tenant.id,
      jobId: "job_none",
      deliveryId: "dlv_none",
    };
    const pages = buildApp()
      .routes.filter((r) => r.method === "GET" && ruleOf(r.handler)?.kind === "ops")
      .map((r) => r.path);
    const seen: string[] = [];
    for (const path of new Set(pages)) {
      const url = path.replace(/:(\w+)/g, (_, n: string) => ids[n] ?? "x");
      const res = await call(url, { cookie: op.cookie });
      const body = await res.text();
      seen.push(`${url} ${res.status}`);
      expect(body, url).not.toContain(SECRET_WORDS);
      if (url.includes(callId)) expect(res.status, url).toBe(404);
    }
    expect(seen.some((s) => s.includes(`/calls/${callId}`))).toBe(true);
    // The tenant's audit has no operator read.
    const audits = await controlDb(E).select().from(auditLog).where(eq(auditLog.tenantId, t.tenant.id));
    expect(audits.filter((a) => a.action.startsWith("support.read_"))).toEqual([]);
    expect(asRole(t, "viewer").tenant.id).toBe(t.tenant.id);
  });
});
