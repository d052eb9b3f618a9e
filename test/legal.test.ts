import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createApiKey } from "../core/identity/api-keys";
import { acceptPolicy, pendingPolicyFor, publishPolicyVersion } from "../core/privacy/policy-versions";
import { addSubprocessor, effectiveSubprocessors, objectToSubprocessor } from "../core/privacy/subprocessors";
import { controlDb } from "../db/client";
import { policyAcceptances, policyVersions, tenants } from "../db/schema/control";
import { asRole, call, E, lastMailTo, loginCookie, makeTenant, type TestTenant } from "./helpers";
import { operatorCookie } from "./ops-helpers";

const DAY = 86_400_000;
const en = { "accept-language": "en" };
const fr = { "accept-language": "fr" };
const location = (r: Response) => r.headers.get("location") ?? "";

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function setProviders(t: TestTenant, speech: string, analysis: string) {
  await controlDb(E)
    .update(tenants)
    .set({ speechProvider: speech as never, analysisProvider: analysis as never })
    .where(eq(tenants.id, t.tenant.id));
  t.tenant = { ...t.tenant, speechProvider: speech as never, analysisProvider: analysis as never };
  t.ctx = { ...t.ctx, tenant: t.tenant };
}

describe("privacy policy versions (F4)", () => {
  it("an operator publishes a substantial version: public in FR and EN, admins mailed, banner until accepted", async () => {
    const t = await makeTenant();
    const op = await operatorCookie();
    const label = `v-${Date.now()}`;
    const res = await call("/ops/legal/policies", {
      method: "POST",
      cookie: op.cookie,
      form: {
        version: label,
        effectiveAt: isoDay(Date.now() - DAY),
        substantial: "on",
        bodyFr: "# Objet\n\nNous traitons vos données <b>avec soin</b>.",
        bodyEn: "# Purpose\n\nWe process your data with care.",
      },
    });
    expect(res.status).toBe(303);
    expect(location(res)).toMatch(/^\/ops\/legal\?done=published&mailed=\d+/);
    const [version] = await controlDb(E)
      .select()
      .from(policyVersions)
      .where(eq(policyVersions.version, label));
    expect(version.substantial).toBe(true);
    expect(version.publishedBy).toBe(op.id);

    const pageEn = await (await call("/legal/privacy", { headers: en })).text();
    expect(pageEn).toContain("We process your data with care.");
    expect(pageEn).toContain(`Version ${label}, in force since`);
    const pageFr = await call("/legal/privacy", { headers: fr });
    expect(pageFr.status).toBe(200);
    const htmlFr = await pageFr.text();
    expect(htmlFr).toContain("Politique de confidentialité");
    // Operator text is escaped, never interpreted.
    expect(htmlFr).toContain("&lt;b&gt;avec soin&lt;/b&gt;");

    for (const role of ["owner", "admin"] as const) {
      const mail = await lastMailTo(t.users[role].email);
      expect(mail?.kind).toBe("policy_version");
      expect(mail?.text).toContain(`/legal/privacy/versions/${version.id}`);
    }
    expect((await lastMailTo(t.users.viewer.email))?.kind).not.toBe("policy_version");

    expect((await pendingPolicyFor(E, t.users.owner.id))?.id).toBe(version.id);
    expect(await pendingPolicyFor(E, t.users.viewer.id)).toBeNull();

    // The portal acknowledgement: recorded once, then the banner is gone.
    const cookie = await loginCookie(t.users.owner.email);
    const home = await (await call("/", { cookie })).text();
    expect(home).toContain(`/legal/privacy/versions/${version.id}`);
    const viewerHome = await (await call("/", { cookie: await loginCookie(t.users.viewer.email) })).text();
    expect(viewerHome).not.toContain(`/legal/privacy/versions/${version.id}`);
    for (let i = 0; i < 2; i++) {
      const r = await call("/legal/privacy/accept", {
        method: "POST",
        cookie,
        form: { versionId: version.id, next: "/calls" },
      });
      expect(r.status).toBe(303);
      expect(location(r)).toBe("/calls");
    }
    const rows = await controlDb(E)
      .select()
      .from(policyAcceptances)
      .where(eq(policyAcceptances.userId, t.users.owner.id));
    expect(rows.map((r) => r.versionId)).toEqual([version.id]);
    expect(rows[0].tenantId).toBe(t.tenant.id);
    expect(await pendingPolicyFor(E, t.users.owner.id)).toBeNull();
    expect(await (await call("/", { cookie })).text()).not.toContain(`/legal/privacy/versions/${version.id}`);
    expect((await pendingPolicyFor(E, t.users.admin.id))?.id).toBe(version.id);
    expect(await acceptPolicy(asRole(t, "admin"), version.id)).toBe(true);
    expect(await acceptPolicy(asRole(t, "admin"), version.id)).toBe(false);

    // API list (tenant:read).
    const api = await call("/api/v1/policy-versions", { key: t.key });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { data: { id: string; publishedBy?: string }[] };
    expect(body.data.some((v) => v.id === version.id)).toBe(true);
    expect(body.data[0].publishedBy).toBeUndefined();
  });

  it("keeps the history: a newer version becomes current, the old one stays readable", async () => {
    const older = await publishPolicyVersion(E, "op_test", {
      version: "hist-1",
      effectiveAt: Date.now() - 10 * DAY,
      substantial: false,
      bodyFr: "Ancien texte.",
      bodyEn: "Old text.",
    });
    const newer = await publishPolicyVersion(E, "op_test", {
      version: "hist-2",
      effectiveAt: Date.now() - 1000,
      substantial: false,
      bodyFr: "Nouveau texte.",
      bodyEn: "New text.",
    });
    expect(older.mailed).toBe(0);
    const future = await publishPolicyVersion(E, "op_test", {
      version: "hist-3",
      effectiveAt: Date.now() + 10 * DAY,
      substantial: false,
      bodyFr: "Texte futur.",
      bodyEn: "Future text.",
    });
    const current = await (await call("/legal/privacy", { headers: en })).text();
    expect(current).toContain("New text.");
    expect(current).not.toContain("Future text.");
    expect(current).toContain(`/legal/privacy/versions/${older.version.id}`);
    expect(current).toContain(`/legal/privacy/versions/${future.version.id}`);

    const old = await call(`/legal/privacy/versions/${older.version.id}`, { headers: en });
    expect(old.status).toBe(200);
    const oldHtml = await old.text();
    expect(oldHtml).toContain("Old text.");
    expect(oldHtml).toContain("This is not the version in force.");
    expect(newer.version.id).not.toBe(older.version.id);

    expect((await call("/legal/privacy/versions/pol_nope", { headers: en })).status).toBe(404);
  });

  it("only operators publish: a tenant owner is sent to the operator sign-in", async () => {
    const t = await makeTenant();
    const cookie = await loginCookie(t.users.owner.email);
    const before = await controlDb(E).select().from(policyVersions);
    const res = await call("/ops/legal/policies", {
      method: "POST",
      cookie,
      form: { version: "evil", effectiveAt: isoDay(Date.now()), bodyFr: "x", bodyEn: "x", substantial: "on" },
    });
    expect(res.status).toBe(302);
    expect(location(res)).toMatch(/^\/ops\/login/);
    expect(await controlDb(E).select().from(policyVersions)).toHaveLength(before.length);
    const page = await call("/ops/legal", { cookie });
    expect(location(page)).toMatch(/^\/ops\/login/);
  });
});

describe("sub-processors (F5)", () => {
  it("public page lists the seeded registry in FR and EN", async () => {
    const pEn = await (await call("/legal/subprocessors", { headers: en })).text();
    for (const name of ["Cloudflare", "Deepgram", "OpenAI", "AssemblyAI", "Anthropic", "Brevo", "Stripe"])
      expect(pEn).toContain(name);
    expect(pEn).toContain("Transcription of recordings");
    const pFr = await (await call("/legal/subprocessors", { headers: fr })).text();
    expect(pFr).toContain("Sous-traitants");
    expect(pFr).toContain("Transcription des enregistrements");
    // Data categories in the page's language, not the registry's codes (issue 16 point 4).
    expect(pFr).toContain("enregistrements, transcriptions</td>");
    expect(pFr).toContain("données de compte (nom, e-mail)");
    expect(pFr).not.toMatch(/<td>[^<]*\baudio\b[^<]*<\/td>/);
    expect(pEn).toContain("recordings, transcripts</td>");
  });

  it("the effective list depends on the tenant's location and chosen providers", async () => {
    const eu = await makeTenant({ location: "eu" });
    const us = await makeTenant({ location: "us" });
    const list = async (t: TestTenant) => {
      const r = await call("/api/v1/subprocessors", { key: t.key });
      expect(r.status).toBe(200);
      const body = (await r.json()) as { data: { id: string; endpoint: string; status: string }[] };
      return new Map(body.data.map((d) => [d.id, d]));
    };
    const base = await list(eu);
    expect(base.get("sub_cloudflare")?.endpoint).toBe("eu");
    expect(base.has("sub_brevo")).toBe(true);
    expect(base.has("sub_deepgram")).toBe(false);
    expect(base.has("sub_openai")).toBe(false);

    await setProviders(eu, "deepgram", "anthropic");
    await setProviders(us, "deepgram", "anthropic");
    const euList = await list(eu);
    const usList = await list(us);
    expect(euList.get("sub_deepgram")?.endpoint).toBe("https://api.eu.deepgram.com");
    expect(usList.get("sub_deepgram")?.endpoint).toBe("https://api.deepgram.com");
    expect(usList.get("sub_cloudflare")?.endpoint).toBe("us");
    // Anthropic has no EU processing: an in-region EU tenant's data never goes there.
    expect(euList.has("sub_anthropic")).toBe(false);
    expect(usList.get("sub_anthropic")?.endpoint).toBe("https://api.anthropic.com");
    expect(euList.get("sub_deepgram")?.status).toBe("active");

    await setProviders(eu, "assemblyai", "openai");
    const again = await list(eu);
    expect(again.has("sub_deepgram")).toBe(false);
    expect(again.get("sub_assemblyai")?.endpoint).toBe("https://api.eu.assemblyai.com");
    expect(again.get("sub_openai")?.endpoint).toBe("https://eu.api.openai.com/v1");
  });

  it("an objection to an upcoming entry blocks it for that tenant only, until an operator resolves it", async () => {
    const a = await makeTenant();
    const b = await makeTenant();
    const op = await operatorCookie();
    const name = `NewCo ${Date.now()}`;
    const added = await call("/ops/legal/subprocessors", {
      method: "POST",
      cookie: op.cookie,
      form: {
        name,
        purposeFr: "Sauvegarde",
        purposeEn: "Backups",
        dataCategories: "audio",
        location: "EU (Paris)",
        transferMechanism: "EU",
        providerKey: "",
        effectiveAt: isoDay(Date.now() + 31 * DAY),
      },
    });
    expect(added.status).toBe(303);
    const announced = await lastMailTo(a.users.admin.email);
    expect(announced?.kind).toBe("subprocessor_announced");
    expect(announced?.text).toContain(name);

    const listA = (await effectiveSubprocessors(a.ctx)).find((s) => s.name === name)!;
    expect(listA.status).toBe("upcoming");
    expect(listA.blockedByObjection).toBe(false);

    const r = await call(`/api/v1/subprocessors/${listA.id}/objections`, {
      method: "POST",
      key: a.key,
      json: { reason: "Our customers require French hosting only" },
    });
    expect(r.status).toBe(201);
    const objection = (await r.json()) as { id: string; status: string; subprocessorId: string };
    expect(objection.status).toBe("open");
    expect(objection.subprocessorId).toBe(listA.id);

    const nowA = (await effectiveSubprocessors(a.ctx)).find((s) => s.id === listA.id)!;
    const nowB = (await effectiveSubprocessors(b.ctx)).find((s) => s.id === listA.id)!;
    expect(nowA.blockedByObjection).toBe(true);
    expect(nowA.objectionId).toBe(objection.id);
    expect(nowB.blockedByObjection).toBe(false);

    // The objection is A's: B cannot read it.
    expect((await call(`/api/v1/subprocessor-objections/${objection.id}`, { key: a.key })).status).toBe(200);
    const other = await call(`/api/v1/subprocessor-objections/${objection.id}`, { key: b.key });
    expect(other.status).toBe(404);
    expect(other.headers.get("content-type")).toBe("application/problem+json");

    // An entry already in force cannot be objected to here; an unknown one is not found.
    const inForce = await call("/api/v1/subprocessors/sub_cloudflare/objections", {
      method: "POST",
      key: a.key,
      json: { reason: "x" },
    });
    expect(inForce.status).toBe(409);
    const unknown = await call("/api/v1/subprocessors/sub_nope/objections", {
      method: "POST",
      key: a.key,
      json: { reason: "x" },
    });
    expect(unknown.status).toBe(404);

    // The operator sees and resolves it; the entry then applies to A as well.
    const page = await (await call("/ops/legal", { cookie: op.cookie, headers: en })).text();
    expect(page).toContain("Our customers require French hosting only");
    const resolved = await call(`/ops/legal/objections/${objection.id}/resolve`, {
      method: "POST",
      cookie: op.cookie,
      form: { resolution: "Data stays in the EU; explained by phone" },
    });
    expect(resolved.status).toBe(303);
    const afterA = (await effectiveSubprocessors(a.ctx)).find((s) => s.id === listA.id)!;
    expect(afterA.blockedByObjection).toBe(false);
    const read = (await (
      await call(`/api/v1/subprocessor-objections/${objection.id}`, { key: a.key })
    ).json()) as { status: string; resolution: string };
    expect(read).toMatchObject({
      status: "resolved",
      resolution: "Data stays in the EU; explained by phone",
    });
  });

  it("refuses an announcement less than 30 days ahead, and objections without settings:manage or to entries not concerning the tenant", async () => {
    await expect(
      addSubprocessor(E, {
        name: "Too soon",
        purposeFr: "x",
        purposeEn: "x",
        dataCategories: "audio",
        location: "EU",
        transferMechanism: "EU",
        providerKey: null,
        effectiveAt: Date.now() + 5 * DAY,
      }),
    ).rejects.toMatchObject({ code: "validation_failed" });

    const t = await makeTenant();
    const entry = await addSubprocessor(E, {
      name: "Later",
      purposeFr: "x",
      purposeEn: "x",
      dataCategories: "audio",
      location: "EU",
      transferMechanism: "EU",
      providerKey: "deepgram",
      effectiveAt: Date.now() + 40 * DAY,
    });
    // Deepgram not chosen: the entry does not concern this tenant.
    await expect(objectToSubprocessor(t.ctx, entry.id, "no")).rejects.toMatchObject({ code: "not_found" });
    await setProviders(t, "deepgram", "builtin");
    const path = `/api/v1/subprocessors/${entry.id}/objections`;
    const anon = await call(path, { method: "POST", json: { reason: "x" } });
    expect(anon.status).toBe(401);
    const readOnly = await createApiKey(t.ctx, { name: "ro", scopes: ["calls:read"] });
    const denied = await call(path, { method: "POST", key: readOnly.key, json: { reason: "x" } });
    expect(denied.status).toBe(403);
    expect((await effectiveSubprocessors(t.ctx)).find((s) => s.id === entry.id)?.blockedByObjection).toBe(
      false,
    );
    const ok = await call(path, { method: "POST", key: t.key, json: { reason: "x" } });
    expect(ok.status).toBe(201);
    expect((await effectiveSubprocessors(t.ctx)).find((s) => s.id === entry.id)?.blockedByObjection).toBe(
      true,
    );
  });
});
