import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { totpCode } from "../core/identity/totp";
import { appendAudit, SYSTEM_ACTOR } from "../core/platform/audit";
import type { Role } from "../core/platform/rbac";
import { controlDb } from "../db/client";
import { apiKeys, auditLog, invitations, memberships, tenants, users } from "../db/schema/control";
import { call, E, followOnce, lastMailTo, loginCookie, makeTenant, PASSWORD, withOnce } from "./helpers";

const db = () => controlDb(E);
const RECOVERY_CODE = /<code>[a-z2-7]{5}-[a-z2-7]{5}<\/code>/g;
const sessionIdOf = (cookie: string) => cookie.slice(cookie.indexOf("=") + 1).split(".")[0];
const location = (r: Response) => r.headers.get("location") ?? "";
const newSessionCookie = (r: Response) =>
  r.headers
    .getSetCookie()
    .find((s) => s.startsWith("__Host-ccr_session="))
    ?.split(";")[0];

/** A user with no saved language, so the `lang` cookie or Accept-Language decides. */
async function clearLocale(userIds: string[]) {
  for (const id of userIds) await db().update(users).set({ locale: null }).where(eq(users.id, id));
}

async function get(path: string, cookie: string, lang?: "fr" | "en") {
  const headers: Record<string, string> = {};
  if (lang === "en") headers["accept-language"] = "en-GB,en;q=0.9";
  return call(path, { cookie: lang === "fr" ? `${cookie}; lang=fr` : cookie, headers });
}

const post = (path: string, cookie: string, form: Record<string, string> = {}) =>
  call(path, { method: "POST", cookie, form });

describe("portal pages: rendering, languages and access", () => {
  const pages: { path: string; allowed: Role; denied: Role | null; en: string; fr: string }[] = [
    { path: "/account", allowed: "viewer", denied: null, en: "Active sessions", fr: "Sessions actives" },
    {
      path: "/account/totp",
      allowed: "agent",
      denied: null,
      en: "Set up two-factor authentication",
      fr: "Activer la double authentification",
    },
    {
      path: "/members",
      allowed: "owner",
      denied: "supervisor",
      en: "Invite someone",
      fr: "Inviter une personne",
    },
    { path: "/api-keys", allowed: "admin", denied: "agent", en: "Create a key", fr: "Créer une clé" },
    {
      path: "/settings",
      allowed: "owner",
      denied: "viewer",
      en: "Processing scope",
      fr: "Périmètre de traitement",
    },
    {
      path: "/audit",
      allowed: "admin",
      denied: "supervisor",
      en: "Connection log",
      fr: "Journal des connexions",
    },
  ];

  it("each page renders in French and English for an allowed role, is 403 without the permission, and asks to sign in without a session", async () => {
    const t = await makeTenant();
    await clearLocale(Object.values(t.users).map((u) => u.id));
    const cookies = new Map<Role, string>();
    const cookieOf = async (role: Role) => {
      if (!cookies.has(role)) cookies.set(role, await loginCookie(t.users[role].email));
      return cookies.get(role)!;
    };
    for (const p of pages) {
      const ok = await cookieOf(p.allowed);
      const fr = await get(p.path, ok, "fr");
      expect(fr.status, `${p.path} fr`).toBe(200);
      const frHtml = await fr.text();
      expect(frHtml).toContain('<html lang="fr">');
      expect(frHtml, p.path).toContain(p.fr);
      expect(fr.headers.get("cache-control")).toBe("no-store");
      const en = await get(p.path, ok, "en");
      expect(en.status).toBe(200);
      const enHtml = await en.text();
      expect(enHtml).toContain('<html lang="en">');
      expect(enHtml, p.path).toContain(p.en);
      if (p.denied) {
        const denied = await get(p.path, await cookieOf(p.denied), "en");
        expect(denied.status, `${p.path} as ${p.denied}`).toBe(403);
        expect(await denied.text()).toContain("Your role does not allow this");
      }
      const anon = await call(p.path);
      expect(anon.status).toBe(302);
      expect(location(anon)).toBe(`/login?next=${encodeURIComponent(p.path)}`);
    }
  });

  it("the navigation only links to what the role may open", async () => {
    const t = await makeTenant();
    const html = await (await get("/account", await loginCookie(t.users.agent.email))).text();
    expect(html).toContain('href="/account"');
    expect(html).not.toContain('href="/members"');
    expect(html).not.toContain('href="/audit"');
  });
});

describe("/account", () => {
  it("saves the profile (language included) and shows a readable error with the entered values", async () => {
    const t = await makeTenant();
    const u = t.users.viewer;
    const cookie = await loginCookie(u.email);
    const r = await post("/account/profile", cookie, {
      firstName: "Ada",
      lastName: "Lovelace",
      phone: "+33 1 23 45 67 89",
      company: "Analytical Engines",
      jobTitle: "",
      locale: "fr",
    });
    expect(r.status).toBe(303);
    expect(location(r)).toBe("/account?done=profile");
    const row = await db().query.users.findFirst({ where: eq(users.id, u.id) });
    expect(row).toMatchObject({
      firstName: "Ada",
      lastName: "Lovelace",
      company: "Analytical Engines",
      jobTitle: null,
      locale: "fr",
    });
    // The saved language now wins over the browser's.
    const after = await get("/account?done=profile", cookie, "en");
    const html = await after.text();
    expect(html).toContain("Votre profil a été enregistré.");
    expect(html).toContain('value="Ada"');

    const bad = await post("/account/profile", cookie, { firstName: " ", lastName: "Byron", locale: "fr" });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain("Renseignez les champs obligatoires : Prénom.");
    expect(badHtml).toContain('value="Byron"');
    expect((await db().query.users.findFirst({ where: eq(users.id, u.id) }))?.lastName).toBe("Lovelace");
  });

  it("changing the password ends every other session, and the new cookie works", async () => {
    const t = await makeTenant();
    const email = t.users.supervisor.email;
    const a = await loginCookie(email);
    const b = await loginCookie(email);

    const wrong = await post("/account/password", a, {
      currentPassword: "not my password",
      newPassword: "another long passphrase",
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("The current password is incorrect.");
    expect((await get("/account", b)).status).toBe(200);

    const weak = await post("/account/password", a, { currentPassword: PASSWORD, newPassword: "short" });
    expect(weak.status).toBe(400);
    expect(await weak.text()).toContain("at least 8 characters");

    const r = await post("/account/password", a, {
      currentPassword: PASSWORD,
      newPassword: "a brand new passphrase 42",
    });
    expect(r.status).toBe(303);
    expect(location(r)).toBe("/account?done=password");
    const fresh = newSessionCookie(r);
    expect(fresh).toBeTruthy();
    expect(r.headers.getSetCookie().join("\n")).toMatch(/HttpOnly; Secure; SameSite=Lax/);
    for (const old of [a, b]) {
      const res = await get("/account", old);
      expect(res.status).toBe(302);
      expect(location(res)).toMatch(/^\/login/);
    }
    const ok = await get("/account?done=password", fresh!);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("Your password has been changed.");
    await loginCookie(email, "a brand new passphrase 42");
    expect((await lastMailTo(email))?.kind).toBe("password_changed");
  });

  it("lists the user's sessions and ends one of them, never someone else's", async () => {
    const t = await makeTenant();
    const a = await loginCookie(t.users.owner.email);
    const b = await loginCookie(t.users.owner.email);
    const other = await loginCookie(t.users.admin.email);

    const html = await (await get("/account", a)).text();
    expect(html).toContain(sessionIdOf(a));
    expect(html).toContain(sessionIdOf(b));
    expect(html).not.toContain(sessionIdOf(other));
    expect(html).toContain("This session");

    const foreign = await post("/account/sessions/end", a, { sessionId: sessionIdOf(other) });
    expect(foreign.status).toBe(404);
    expect(await foreign.text()).toContain("Not found.");
    expect((await get("/account", other)).status).toBe(200);

    const r = await post("/account/sessions/end", a, { sessionId: sessionIdOf(b) });
    expect(r.status).toBe(303);
    expect(location(r)).toBe("/account?done=session_ended");
    expect((await get("/account", b)).status).toBe(302);
    expect((await get("/account", a)).status).toBe(200);

    // Ending the current session signs this browser out.
    const self = await post("/account/sessions/end", a, { sessionId: sessionIdOf(a) });
    expect(self.status).toBe(303);
    expect(location(self)).toBe("/login");
    expect(self.headers.getSetCookie().join("\n")).toContain("__Host-ccr_session=; Path=/; Max-Age=0");
    expect((await get("/account", a)).status).toBe(302);
  });

  it("deletes the account after the password, and refuses for the sole owner", async () => {
    const t = await makeTenant();
    const viewer = await loginCookie(t.users.viewer.email);
    const wrong = await post("/account/delete", viewer, { password: "nope nope nope" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("The current password is incorrect.");

    const r = await post("/account/delete", viewer, { password: PASSWORD });
    expect(r.status).toBe(303);
    expect(location(r)).toBe("/login");
    expect(r.headers.getSetCookie().join("\n")).toContain("__Host-ccr_session=; Path=/; Max-Age=0");
    expect(await db().query.users.findFirst({ where: eq(users.id, t.users.viewer.id) })).toBeUndefined();
    expect((await get("/account", viewer)).status).toBe(302);

    const owner = await loginCookie(t.users.owner.email);
    const sole = await post("/account/delete", owner, { password: PASSWORD });
    expect(sole.status).toBe(409);
    expect(await sole.text()).toContain(`You are the only owner of ${t.tenant.name}.`);
    expect(await db().query.users.findFirst({ where: eq(users.id, t.users.owner.id) })).toBeDefined();
  });
});

describe("/account/totp", () => {
  it("sets up TOTP (secret, code, recovery codes once) and turns it off with the password", async () => {
    const t = await makeTenant();
    const u = t.users.admin;
    const cookie = await loginCookie(u.email);
    const start = await post("/account/totp/start", cookie);
    expect(start.status).toBe(303);
    expect(location(start)).toBe("/account/totp");
    const html = await (await get("/account/totp", cookie)).text();
    expect(html).toContain("otpauth://totp/");
    const secret = /secret=([A-Z2-7]+)/.exec(html)?.[1];
    expect(secret).toBeTruthy();
    // Shown grouped for reading aloud / typing.
    expect(html).toContain(secret!.match(/.{1,4}/g)!.join(" "));

    const good = totpCode(secret!);
    const wrongCode = String((Number(good) + 500_000) % 1_000_000).padStart(6, "0");
    const bad = await post("/account/totp/confirm", cookie, { code: wrongCode });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain("The code is incorrect or has already been used.");
    expect(badHtml).toContain(`secret=${secret}`);

    const ok = await post("/account/totp/confirm", cookie, { code: good });
    expect(ok.status).toBe(303);
    expect(location(ok)).toBe("/account/totp?done=totp_enabled");
    const okHtml = await (await followOnce(ok, cookie)).text();
    expect(okHtml.match(RECOVERY_CODE)).toHaveLength(10);
    expect(okHtml).toContain("They are shown only now");
    expect((await db().query.users.findFirst({ where: eq(users.id, u.id) }))?.totpEnabledAt).not.toBeNull();

    const page = await (await get("/account/totp", cookie)).text();
    expect(page).toContain("Turn off two-factor authentication");
    expect(page).not.toMatch(/<code>[a-z2-7]{5}-[a-z2-7]{5}<\/code>/);

    const wrongPw = await post("/account/totp/disable", cookie, { password: "wrong password!" });
    expect(wrongPw.status).toBe(400);
    expect(await wrongPw.text()).toContain("The current password is incorrect.");
    const off = await post("/account/totp/disable", cookie, { password: PASSWORD });
    expect(off.status).toBe(303);
    expect(location(off)).toBe("/account/totp?done=totp_disabled");
    expect((await db().query.users.findFirst({ where: eq(users.id, u.id) }))?.totpEnabledAt).toBeNull();
  });

  it("sends owners and admins of a tenant that requires MFA to the set-up, with the reason", async () => {
    const t = await makeTenant({ requireMfa: true });
    const admin = await loginCookie(t.users.admin.email);
    for (const path of ["/members", "/account"]) {
      const r = await get(path, admin);
      expect(r.status).toBe(302);
      expect(location(r)).toBe("/account/totp?required=1");
    }
    const page = await get("/account/totp?required=1", admin);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Your organisation requires a second factor for administrators.");
    // Roles the rule does not cover are not redirected.
    expect((await get("/account", await loginCookie(t.users.viewer.email))).status).toBe(200);
  });
});

describe("/members", () => {
  it("changes a role, removes a member, invites and revokes; errors are readable", async () => {
    const t = await makeTenant();
    const owner = await loginCookie(t.users.owner.email);
    const page = await (await get("/members", owner)).text();
    expect(page).toContain(t.users.viewer.email);
    expect(page).toContain(`action="/members/${t.users.viewer.membershipId}/role"`);

    const role = await post(`/members/${t.users.viewer.membershipId}/role`, owner, { role: "supervisor" });
    expect(role.status).toBe(303);
    expect(location(role)).toBe("/members?done=role_changed");
    const m = await db().query.memberships.findFirst({
      where: eq(memberships.id, t.users.viewer.membershipId),
    });
    expect(m?.role).toBe("supervisor");

    const lastOwner = await post(`/members/${t.users.owner.membershipId}/role`, owner, { role: "admin" });
    expect(lastOwner.status).toBe(409);
    expect(await lastOwner.text()).toContain("An organisation needs at least one owner.");

    const removed = await post(`/members/${t.users.agent.membershipId}/remove`, owner);
    expect(removed.status).toBe(303);
    expect(
      await db().query.memberships.findFirst({ where: eq(memberships.id, t.users.agent.membershipId) }),
    ).toBeUndefined();

    const email = `new.${Date.now()}@example.test`;
    const inv = await post("/members/invite", owner, { email, role: "agent" });
    expect(inv.status).toBe(303);
    expect(location(inv)).toBe("/members?done=invited");
    expect((await lastMailTo(email))?.kind).toBe("invitation");
    const row = await db().query.invitations.findFirst({
      where: and(eq(invitations.tenantId, t.tenant.id), eq(invitations.email, email)),
    });
    expect(row?.role).toBe("agent");
    expect(await (await get("/members?done=invited", owner)).text()).toContain(email);

    const dup = await post("/members/invite", owner, { email: t.users.admin.email, role: "viewer" });
    expect(dup.status).toBe(409);
    const dupHtml = await dup.text();
    expect(dupHtml).toContain("This person is already a member.");
    expect(dupHtml).toContain(`value="${t.users.admin.email}"`);

    const badEmail = await post("/members/invite", owner, { email: "not-an-address", role: "viewer" });
    expect(badEmail.status).toBe(400);
    expect(await badEmail.text()).toContain("Enter a valid e-mail address.");

    const revoke = await post(`/members/invitations/${row!.id}/revoke`, owner);
    expect(revoke.status).toBe(303);
    expect(
      (await db().query.invitations.findFirst({ where: eq(invitations.id, row!.id) }))?.revokedAt,
    ).not.toBeNull();
    expect(await (await get("/members", owner)).text()).not.toContain(email);
  });

  it("an admin cannot hand out the owner role; a supervisor cannot manage; other tenants' members are 404", async () => {
    const t = await makeTenant();
    const other = await makeTenant();
    const admin = await loginCookie(t.users.admin.email);
    const page = await (await get("/members", admin)).text();
    expect(page).not.toContain('<option value="owner"');

    const r = await post(`/members/${t.users.viewer.membershipId}/role`, admin, { role: "owner" });
    expect(r.status).toBe(403);
    expect(await r.text()).toContain("You cannot give this role.");
    const m = await db().query.memberships.findFirst({
      where: eq(memberships.id, t.users.viewer.membershipId),
    });
    expect(m?.role).toBe("viewer");

    const foreign = await post(`/members/${other.users.viewer.membershipId}/remove`, admin);
    expect(foreign.status).toBe(404);
    expect(
      await db().query.memberships.findFirst({ where: eq(memberships.id, other.users.viewer.membershipId) }),
    ).toBeDefined();

    const sup = await post("/members/invite", await loginCookie(t.users.supervisor.email), {
      email: "x@example.test",
      role: "viewer",
    });
    expect(sup.status).toBe(403);
  });
});

describe("/api-keys", () => {
  it("shows a new key once, the key works on the API, and revocation stops it at once", async () => {
    const t = await makeTenant();
    const admin = await loginCookie(t.users.admin.email);
    const r = await post("/api-keys", admin, {
      name: "CRM export",
      "scope_calls:read": "calls:read",
      "scope_agents:read": "agents:read",
    });
    // Post → redirect → get; the key travels in a one-time cookie: sealed, HttpOnly, scoped to the page.
    expect(r.status).toBe(303);
    expect(location(r)).toBe("/api-keys");
    const sealed = r.headers.getSetCookie().find((c) => c.startsWith("__Secure-ccr_once="))!;
    expect(sealed).toMatch(/; Max-Age=300;/);
    expect(sealed).toMatch(/; Path=\/api-keys;/);
    for (const flag of ["HttpOnly", "Secure", "SameSite=Strict"]) expect(sealed).toContain(`; ${flag}`);
    expect(sealed).not.toMatch(/ccr_live_/);
    // Another session of the same person, or a tampered cookie, opens nothing.
    const elsewhere = await get("/api-keys", withOnce(r, await loginCookie(t.users.admin.email)));
    expect(await elsewhere.text()).not.toMatch(/ccr_live_[a-z2-7]{32}/);
    const tampered = `${admin}; ${sealed.split(";")[0].slice(0, -4)}AAAA`;
    expect(await (await get("/api-keys", tampered)).text()).not.toMatch(/ccr_live_[a-z2-7]{32}/);
    const shown = await followOnce(r, admin);
    const html = await shown.text();
    const key = /ccr_live_[a-z2-7]{32}/.exec(html)?.[0];
    expect(key).toBeTruthy();
    expect(html).toContain("it is shown only once");
    // Read once: the same answer clears it.
    expect(shown.headers.getSetCookie().join("\n")).toMatch(
      /__Secure-ccr_once=; Max-Age=0; .*Path=\/api-keys/,
    );

    const api = await call("/api/v1/tenant", { key });
    expect(api.status).toBe(200);
    expect(((await api.json()) as { id: string }).id).toBe(t.tenant.id);

    const list = await (await get("/api-keys", admin)).text();
    expect(list).not.toContain(key!);
    expect(list.match(/<td>CRM export<\/td>/g)).toHaveLength(1);
    expect(list).toContain("CRM export");
    expect(list).toContain(key!.slice(0, 13));
    expect(list).toContain("calls:read, agents:read");
    expect(list).toMatch(/from 203\.0\.113\.7/);

    const row = await db().query.apiKeys.findFirst({
      where: and(eq(apiKeys.tenantId, t.tenant.id), eq(apiKeys.name, "CRM export")),
    });
    expect(row?.scopes.sort()).toEqual(["agents:read", "calls:read"]);
    const rev = await post(`/api-keys/${row!.id}/revoke`, admin);
    expect(rev.status).toBe(303);
    expect(location(rev)).toBe("/api-keys?done=key_revoked");
    expect((await call("/api/v1/tenant", { key })).status).toBe(401);
    expect(await (await get("/api-keys?done=key_revoked", admin)).text()).toContain(
      "The API key has been revoked.",
    );
  });

  it("refuses a key without scopes or with a past expiry, keeping what was typed; another tenant's key is 404", async () => {
    const t = await makeTenant();
    const other = await makeTenant();
    const owner = await loginCookie(t.users.owner.email);
    const none = await post("/api-keys", owner, { name: "BI tool" });
    expect(none.status).toBe(400);
    const noneHtml = await none.text();
    expect(noneHtml).toContain("Choose at least one scope.");
    expect(noneHtml).toContain('value="BI tool"');

    const past = await post("/api-keys", owner, {
      name: "Old",
      scope_admin: "admin",
      expiresAt: "2001-01-01",
    });
    expect(past.status).toBe(400);
    expect(await past.text()).toContain("The expiry date must be a valid date in the future.");

    // Dates are bounded to 1970–2100 (issue 12): a far-future day is refused readably.
    const far = await post("/api-keys", owner, {
      name: "Far",
      "scope_calls:write": "calls:write",
      expiresAt: "2999-12-31",
    });
    expect(far.status).toBe(400);
    expect(await far.text()).toContain("Dates must be calendar days (YYYY-MM-DD) between 1970 and 2099.");

    const future = await post("/api-keys", owner, {
      name: "Dated",
      "scope_calls:write": "calls:write",
      expiresAt: "2099-12-31",
    });
    expect(future.status).toBe(303);
    const dated = await db().query.apiKeys.findFirst({
      where: and(eq(apiKeys.tenantId, t.tenant.id), eq(apiKeys.name, "Dated")),
    });
    expect(dated?.expiresAt).toBe(Date.parse("2099-12-31T23:59:59.999Z"));

    const foreign = await post(`/api-keys/${other.keyId}/revoke`, owner);
    expect(foreign.status).toBe(404);
    expect((await call("/api/v1/tenant", { key: other.key })).status).toBe(200);
  });
});

describe("/settings", () => {
  it("saves the processing scope and the MFA requirement; a bad value is refused readably", async () => {
    const t = await makeTenant();
    const owner = await loginCookie(t.users.owner.email);
    const page = await (await get("/settings", owner)).text();
    expect(page).toContain("European Union");
    expect(page).toContain("migration job");

    const bad = await post("/settings/location", owner, { processingScope: "mars" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Choose a processing scope from the list.");

    const r = await post("/settings/location", owner, {
      processingScope: "international",
      location: "us",
      confirmName: t.tenant.name,
    });
    expect(r.status).toBe(303);
    expect(location(r)).toBe("/settings?done=location");
    let row = await db().query.tenants.findFirst({ where: eq(tenants.id, t.tenant.id) });
    expect(row).toMatchObject({ processingScope: "international", location: "eu" });
    const after = await (await get("/settings?done=location", owner)).text();
    expect(after).toContain("The processing scope has been saved.");
    expect(after).toMatch(/value="international" checked/);

    const sec = await post("/settings/security", owner, { requireMfa: "on" });
    expect(sec.status).toBe(303);
    row = await db().query.tenants.findFirst({ where: eq(tenants.id, t.tenant.id) });
    expect(row?.requireMfa).toBe(true);
    // The owner has no second factor yet: from now on the portal asks for it first.
    const next = await get("/settings?done=security", owner);
    expect(next.status).toBe(302);
    expect(location(next)).toBe("/account/totp?required=1");
  });
});

describe("/audit", () => {
  it("lists the tenant's chain newest first with a next page, its verification and the connection log", async () => {
    const t = await makeTenant();
    for (let i = 0; i < 55; i++)
      await appendAudit(E, {
        tenantId: t.tenant.id,
        actor: SYSTEM_ACTOR,
        action: "test.bulk_event",
        meta: { n: i },
      });
    const admin = await loginCookie(t.users.admin.email);
    const res = await get("/audit", admin);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("Integrity verified: the 57 entries");
    expect(html).toContain("test.bulk_event");
    expect(html).not.toContain("api_key.created"); // the oldest entry is on the second page
    expect(html).toContain("Sign-in");
    const next = /href="(\/audit\?cursor=\d+)"/.exec(html)?.[1];
    expect(next).toBeTruthy();
    const page2 = await (await get(next!, admin)).text();
    expect(page2).toContain("api_key.created");
    expect(page2).toContain("Back to the newest");

    const bad = await get("/audit?cursor=abc", admin);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("The request is invalid.");
  });

  it("shows a failed verification when an entry was altered", async () => {
    const t = await makeTenant();
    await appendAudit(E, { tenantId: t.tenant.id, actor: SYSTEM_ACTOR, action: "test.original" });
    await db().update(auditLog).set({ action: "test.forged" }).where(eq(auditLog.action, "test.original"));
    const html = await (await get("/audit", await loginCookie(t.users.owner.email))).text();
    expect(html).toContain("Integrity check failed at entry 2");
  });
});
