import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { deliverWebhook, verifySignature } from "../core/integrations/webhooks";
import type { JobMessage } from "../core/platform/jobs";
import { controlDb } from "../db/client";
import { tenants, users, webhookDeliveries, webhookEndpoints } from "../db/schema/control";
import { call, E, followOnce, loginCookie, makeTenant, type TestTenant } from "./helpers";

/**
 * Settings pages of the portal (D6): webhooks (create with the secret shown once, edit, rotate,
 * test event signed with the new secret — outbound fetch mocked and the request asserted —,
 * delivery log and "deliver again", delete), providers (refused where the location forbids them,
 * keys write-only) and redaction patterns; readable errors keep the input; French and English.
 */
const HOOK = "https://hooks.example.com/ccr";
const post = (path: string, cookie: string, form: Record<string, string>) =>
  call(path, { method: "POST", cookie, form });

let sent: JobMessage[];
beforeEach(() => {
  sent = [];
  vi.spyOn(E.JOBS_QUEUE, "send").mockImplementation(async (m: unknown) => {
    sent.push(m as JobMessage);
    return undefined as never;
  });
});
afterEach(() => vi.restoreAllMocks());

const secretOf = (html: string) => /data-secret="">(whsec_[^<]+)</.exec(html)?.[1];

describe("portal: webhooks (D6, E4)", () => {
  it("creates an endpoint showing the secret once, rotates it, sends a signed test event, redelivers, deletes", async () => {
    const t = await makeTenant();
    const cookie = await loginCookie(t.users.admin.email);
    const empty = await (await call("/webhooks", { cookie })).text();
    expect(empty).toContain("No endpoint yet.");
    for (const e of ["call.analyzed", "call.failed", "review.disputed"])
      expect(empty).toContain(`name="event_${e}"`);

    // Refusals in words, input kept.
    const noEvents = await post("/webhooks", cookie, { url: HOOK, description: "CRM" });
    expect(noEvents.status).toBe(400);
    const noEventsHtml = await noEvents.text();
    expect(noEventsHtml).toContain("Choose at least one event.");
    expect(noEventsHtml).toContain(`value="${HOOK}"`);
    const privateUrl = await post("/webhooks", cookie, {
      url: "https://10.0.0.8/hook",
      "event_call.analyzed": "on",
    });
    expect(privateUrl.status).toBe(400);
    expect(await privateUrl.text()).toContain("This address cannot receive webhooks");

    const created = await post("/webhooks", cookie, {
      url: HOOK,
      "event_call.analyzed": "on",
      description: "CRM",
    });
    // Post → redirect → get to the endpoint's page, the secret carried there once.
    expect(created.status).toBe(303);
    const createdHtml = await (await followOnce(created, cookie)).text();
    const secret = secretOf(createdHtml);
    expect(secret).toMatch(/^whsec_/);
    expect(createdHtml).toContain("it is shown only once");
    const ep = await controlDb(E).query.webhookEndpoints.findFirst({
      where: eq(webhookEndpoints.tenantId, t.tenant.id),
    });
    expect(ep?.url).toBe(HOOK);
    // Never shown again.
    const list = await (await call("/webhooks", { cookie })).text();
    expect(list).not.toContain(secret);
    const detail = await (await call(`/webhooks/${ep?.id}`, { cookie })).text();
    expect(detail).not.toContain(secret);
    expect(detail).toContain('name="event_call.analyzed" value="on" checked=""');

    // Edit: add an event.
    const saved = await post(`/webhooks/${ep?.id}`, cookie, {
      url: HOOK,
      "event_call.analyzed": "on",
      "event_call.failed": "on",
      description: "CRM",
      active: "on",
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe(`/webhooks/${ep?.id}?done=webhook_saved`);
    const row = await controlDb(E).query.webhookEndpoints.findFirst({
      where: eq(webhookEndpoints.id, ep!.id),
    });
    expect(row?.events.sort()).toEqual(["call.analyzed", "call.failed"]);

    // Rotate: a new secret, shown once, different.
    const rotated = await post(`/webhooks/${ep?.id}/rotate`, cookie, {});
    expect(rotated.status).toBe(303);
    expect(rotated.headers.get("location")).toBe(`/webhooks/${ep?.id}`);
    const newSecret = secretOf(await (await followOnce(rotated, cookie)).text());
    expect(newSecret).toMatch(/^whsec_/);
    expect(newSecret).not.toBe(secret);

    // Test event: queued, then delivered (fetch mocked) and signed with the new secret.
    const tested = await post(`/webhooks/${ep?.id}/test`, cookie, {});
    expect(tested.status).toBe(303);
    expect(tested.headers.get("location")).toBe(`/webhooks/${ep?.id}?done=webhook_test`);
    const job = sent.find((m) => (m as { type: string }).type === "webhook.deliver") as {
      deliveryId: string;
    };
    expect(job).toBeDefined();
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("ok"));
    expect(await deliverWebhook(E, job.deliveryId)).toBe("succeeded");
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    const [url, init] = fetchSpy.mock.calls[0] as [string, { headers: Record<string, string>; body: string }];
    expect(url).toBe(HOOK);
    expect(JSON.parse(init.body).type).toBe("webhook.test");
    expect(await verifySignature(newSecret!, init.headers, init.body)).toBe(true);
    expect(await verifySignature(secret!, init.headers, init.body)).toBe(false);
    const logged = await (await call(`/webhooks/${ep?.id}?done=webhook_test`, { cookie })).text();
    expect(logged).toContain("A test event has been queued");
    expect(logged).toContain("webhook.test");
    expect(logged).toContain("Delivered");

    // A failed delivery can be delivered again.
    await controlDb(E)
      .update(webhookDeliveries)
      .set({ status: "failed", lastStatusCode: 500 })
      .where(eq(webhookDeliveries.id, job.deliveryId));
    sent.length = 0;
    const again = await post(`/webhooks/${ep?.id}/deliveries/${job.deliveryId}/redeliver`, cookie, {});
    expect(again.status).toBe(303);
    expect(again.headers.get("location")).toBe(`/webhooks/${ep?.id}?done=webhook_redelivered`);
    expect(sent).toEqual([{ type: "webhook.deliver", deliveryId: job.deliveryId }]);
    const d = await controlDb(E).query.webhookDeliveries.findFirst({
      where: eq(webhookDeliveries.id, job.deliveryId),
    });
    expect(d?.status).toBe("pending");

    // Delete.
    const gone = await post(`/webhooks/${ep?.id}/delete`, cookie, {});
    expect(gone.status).toBe(303);
    expect(await (await call("/webhooks?done=webhook_deleted", { cookie })).text()).toContain(
      "The endpoint and its delivery log have been deleted.",
    );
    expect((await call(`/webhooks/${ep?.id}`, { cookie })).status).toBe(404);
  });
});

describe("portal: providers and redaction (D6, C11, C12)", () => {
  let t: TestTenant;
  let cookie: string;
  beforeEach(async () => {
    t = await makeTenant();
    cookie = await loginCookie(t.users.owner.email);
  });

  it("refuses a provider the location forbids, keeping the choice; stores a key without ever showing it", async () => {
    const page = await (await call("/settings/processing", { cookie })).text();
    expect(page).toContain("<h1>Providers and redaction</h1>");
    expect(page).toMatch(/value="anthropic"[^>]*>Anthropic — not available for your location/);
    const refused = await post("/settings/processing/providers", cookie, {
      speechProvider: "deepgram",
      analysisProvider: "anthropic",
    });
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain(
      "This provider cannot process data of your location with the current processing scope.",
    );
    expect(html).toMatch(/<option value="anthropic" selected="">/);
    expect(html).toMatch(/<option value="deepgram" selected="">/);
    let row = await controlDb(E).query.tenants.findFirst({ where: eq(tenants.id, t.tenant.id) });
    expect(row?.analysisProvider).toBe("builtin");

    const KEY = "sk-test-abcdef0123456789";
    const ok = await post("/settings/processing/providers", cookie, {
      speechProvider: "deepgram",
      analysisProvider: "openai",
      key_openai: KEY,
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get("location")).toBe("/settings/processing?done=providers");
    row = await controlDb(E).query.tenants.findFirst({ where: eq(tenants.id, t.tenant.id) });
    expect(row).toMatchObject({ speechProvider: "deepgram", analysisProvider: "openai" });
    expect(row?.providerKeysEnc).not.toContain(KEY);
    const after = await (await call("/settings/processing?done=providers", { cookie })).text();
    expect(after).toContain("The provider settings have been saved.");
    expect(after).not.toContain(KEY);
    expect(after).toContain('id="remove-openai"');
    // Remove the key.
    await post("/settings/processing/providers", cookie, {
      speechProvider: "deepgram",
      analysisProvider: "openai",
      remove_openai: "on",
    });
    expect(await (await call("/settings/processing", { cookie })).text()).not.toContain('id="remove-openai"');
    // A supervisor may not open it.
    const sup = await loginCookie(t.users.supervisor.email);
    expect((await call("/settings/processing", { cookie: sup })).status).toBe(403);
    // The settings page links to it.
    expect(await (await call("/settings", { cookie })).text()).toContain('href="/settings/processing"');
  });

  it("saves redaction patterns; refuses bad names and unsafe patterns in words, keeping the input", async () => {
    const ok = await post("/settings/processing/redaction", cookie, {
      name_0: "contract",
      pattern_0: "CT-\\d{8}",
      name_1: "",
      pattern_1: "",
    });
    expect(ok.status).toBe(303);
    let row = await controlDb(E).query.tenants.findFirst({ where: eq(tenants.id, t.tenant.id) });
    expect(row?.redactionPatterns).toEqual([{ name: "contract", pattern: "CT-\\d{8}" }]);
    const shown = await (await call("/settings/processing", { cookie })).text();
    expect(shown).toContain('value="contract"');
    expect(shown).toContain('value="CT-\\d{8}"');

    const badName = await post("/settings/processing/redaction", cookie, {
      name_0: "contract",
      pattern_0: "CT-\\d{8}",
      name_1: "bad name!",
      pattern_1: "X\\d+",
    });
    expect(badName.status).toBe(400);
    const badNameHtml = await badName.text();
    expect(badNameHtml).toContain("The name “bad name!” is not valid");
    expect(badNameHtml).toContain('value="X\\d+"');
    const unsafe = await post("/settings/processing/redaction", cookie, {
      name_0: "loop",
      pattern_0: "(a+)+$",
    });
    expect(unsafe.status).toBe(400);
    expect(await unsafe.text()).toContain("The pattern “loop” is refused");
    row = await controlDb(E).query.tenants.findFirst({ where: eq(tenants.id, t.tenant.id) });
    expect(row?.redactionPatterns).toEqual([{ name: "contract", pattern: "CT-\\d{8}" }]);
  });

  it("speaks French", async () => {
    await controlDb(E).update(users).set({ locale: "fr" }).where(eq(users.id, t.users.owner.id));
    const fr = await loginCookie(t.users.owner.email);
    const hooks = await (await call("/webhooks", { cookie: fr })).text();
    expect(hooks).toContain("Nouveau point de réception");
    const proc = await (await call("/settings/processing", { cookie: fr })).text();
    expect(proc).toContain("<h1>Fournisseurs et masquage</h1>");
    const refused = await post("/settings/processing/providers", fr, {
      speechProvider: "none",
      analysisProvider: "anthropic",
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("indisponible pour votre localisation");
  });
});
