import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { changeMemberRole, removeMember } from "../core/identity/members";
import { deleteAccount } from "../core/identity/profile";
import { signUp } from "../core/identity/signup";
import type { PlatformCtx } from "../core/platform/context";
import { t as tr } from "../core/platform/i18n";
import { controlDb } from "../db/client";
import { emailTokens, memberships, sessions, tenants, users } from "../db/schema/control";
import { tenantMeta } from "../db/schema/data";
import { asRole, call, E, lastMailTo, linkToken, loginCookie, makeTenant, PASSWORD } from "./helpers";

const db = () => controlDb(E);
const uniq = () => `${Date.now()}${Math.floor(Math.random() * 1e6)}`;

async function signup(email: string, extra: Record<string, string> = {}) {
  return call("/signup", {
    method: "POST",
    form: {
      email,
      password: "a long enough passphrase",
      firstName: "Ada",
      lastName: "Lovelace",
      company: "Acme Calls",
      ...extra,
    },
  });
}

describe("account lifecycle (A1)", () => {
  it("sign-up → verification mail → verify → login → logout", async () => {
    const email = `ada.${uniq()}@example.test`;
    const res = await signup(email, { phone: "+33 6 12 34 56 78", jobTitle: "QA lead" });
    // Post → redirect → get: a reload of the answer signs up nobody again.
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/signup?sent=1");
    expect(await (await call("/signup?sent=1")).text()).toContain("Consultez votre messagerie");

    const user = await db().query.users.findFirst({ where: eq(users.email, email) });
    expect(user).toMatchObject({
      firstName: "Ada",
      lastName: "Lovelace",
      company: "Acme Calls",
      jobTitle: "QA lead",
      emailVerifiedAt: null,
    });
    expect(user!.passwordHash).toMatch(/^pbkdf2-sha256\$600000\$/);
    const m = await db().query.memberships.findFirst({ where: eq(memberships.userId, user!.id) });
    expect(m!.role).toBe("owner");
    const tenant = await db().query.tenants.findFirst({ where: eq(tenants.id, m!.tenantId) });
    expect(tenant).toMatchObject({
      name: "Acme Calls",
      location: "eu",
      processingScope: "in_region",
      shard: "DATA_EU_1",
    });

    // Before verification, login is refused (and the link is sent again).
    const early = await call("/login", {
      method: "POST",
      form: { email, password: "a long enough passphrase" },
    });
    expect(early.status).toBe(403);

    const mail = await lastMailTo(email);
    expect(mail.kind).toBe("verify_email");
    const token = linkToken(mail.text, "/verify-email");
    const v = await call(`/verify-email?token=${token}`);
    expect(v.status).toBe(303);
    // Single use.
    expect((await call(`/verify-email?token=${token}`)).status).toBe(400);

    const cookie = await loginCookie(email, "a long enough passphrase");
    const home = await call("/", { cookie });
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Acme Calls");

    const out = await call("/logout", { method: "POST", form: {}, cookie });
    expect(out.status).toBe(303);
    expect(out.headers.getSetCookie().join()).toContain("__Host-ccr_session=;");
    const after = await call("/", { cookie });
    expect(after.status).toBe(302);
  });

  it("a us sign-up provisions the us data plane (when the owner verifies the address)", async () => {
    const email = `us.${uniq()}@example.test`;
    await signup(email, { location: "us" });
    const user = await db().query.users.findFirst({ where: eq(users.email, email) });
    const m = await db().query.memberships.findFirst({ where: eq(memberships.userId, user!.id) });
    const t = await db().query.tenants.findFirst({ where: eq(tenants.id, m!.tenantId) });
    expect(t).toMatchObject({ location: "us", shard: "DATA_US_1" });
    const token = linkToken((await lastMailTo(email)).text, "/verify-email");
    expect((await call(`/verify-email?token=${token}`)).status).toBe(303);
    const usRow = await E.DATA_US_1.prepare("select * from tenant_meta where tenant_id = ?")
      .bind(t!.id)
      .first();
    const euRow = await E.DATA_EU_1.prepare("select * from tenant_meta where tenant_id = ?")
      .bind(t!.id)
      .first();
    expect(usRow).toMatchObject({ location: "us" });
    expect(euRow).toBeNull();
    expect(await E.BLOB_US.head(`t/${t!.id}/manifest.json`)).not.toBeNull();
    expect(await E.BLOB_EU.head(`t/${t!.id}/manifest.json`)).toBeNull();
    void tenantMeta;
  });

  it("sign-up with an existing address answers the same and mails the owner instead", async () => {
    const t = await makeTenant();
    const before = (await db().select().from(users)).length;
    const res = await signup(t.users.owner.email);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/signup?sent=1");
    expect((await db().select().from(users)).length).toBe(before);
    expect((await lastMailTo(t.users.owner.email)).kind).toBe("signup_exists");
  });

  it("sign-up does the same expensive work for a new and a registered address, so timing tells nothing", async () => {
    const t = await makeTenant();
    const input = (email: string) => ({
      email,
      password: "a long enough passphrase",
      firstName: "Ada",
      lastName: "Lovelace",
      company: "Timing Co",
      location: "eu" as const,
      locale: "fr" as const,
    });
    const registered = await workOf((env) => signUp(ctxOf(env), input(t.users.owner.email)));
    const fresh = await workOf((env) => signUp(ctxOf(env), input(`new.${uniq()}@example.test`)));
    expect(fresh.result.userId).toBeTruthy();
    expect(registered.result.userId).toBeNull();
    // One PBKDF2 hash, one lookup, one batch — and no data-plane, R2 or queue access — on both paths.
    expect(registered.ops).toEqual({ pbkdf2: 1, "CONTROL_DB.query": 1, "CONTROL_DB.batch": 1 });
    expect(fresh.ops).toEqual(registered.ops);
    // The new account is complete all the same: owner, verification mail, first audit entry.
    const user = await db().query.users.findFirst({ where: eq(users.id, fresh.result.userId!) });
    expect(user?.passwordHash).toMatch(/^pbkdf2-sha256\$600000\$/);
    expect((await lastMailTo(user!.email)).kind).toBe("verify_email");
    const created = await E.CONTROL_DB.prepare("select action, seq from audit_log where chain = ?")
      .bind(`t:${fresh.result.tenantId}`)
      .all<{ action: string; seq: number }>();
    expect(created.results).toEqual([{ action: "tenant.created", seq: 1 }]);
    // Written to the address's owner in their own language (en), not the form's (fr).
    const exists = await lastMailTo(t.users.owner.email);
    expect(exists.kind).toBe("signup_exists");
    expect(exists.locale).toBe("en");
    expect(exists.subject).toBe(tr("en", "mail.signup_exists.subject"));
  });

  it("refuses short, common and malformed input with readable messages and keeps the fields", async () => {
    const short = await signup(`s.${uniq()}@example.test`, { password: "short" });
    expect(short.status).toBe(400);
    const html = await short.text();
    expect(html).toContain("au moins 8 caractères");
    expect(html).toContain("Acme Calls"); // entered values kept
    const common = await signup(`c.${uniq()}@example.test`, { password: "password123" });
    expect(await common.text()).toContain("trop courant");
    const bad = await signup("not-an-email");
    expect(bad.status).toBe(400);
    const en = await call("/signup", {
      method: "POST",
      headers: { "accept-language": "en-GB,en;q=0.9" },
      form: {
        email: `e.${uniq()}@example.test`,
        password: "azertyuiop",
        firstName: "A",
        lastName: "B",
        company: "C",
      },
    });
    expect(await en.text()).toContain("too common");
  });

  it("password reset: same answer for unknown addresses, single-use expiring token, ends all sessions", async () => {
    const t = await makeTenant();
    const email = t.users.supervisor.email;
    const cookie = await loginCookie(email);
    const unknown = await call("/forgot-password", {
      method: "POST",
      form: { email: `nobody.${uniq()}@example.test` },
    });
    const known = await call("/forgot-password", { method: "POST", form: { email } });
    expect(unknown.status).toBe(known.status);
    const strip = (s: string) => s.replace(/nonce="[^"]+"/g, "");
    expect(strip(await unknown.text())).toBe(strip(await known.text()));

    const token = linkToken((await lastMailTo(email)).text, "/reset-password");
    const weak = await call("/reset-password", { method: "POST", form: { token, password: "123" } });
    expect(weak.status).toBe(400);
    const ok = await call("/reset-password", {
      method: "POST",
      form: { token, password: "brand new passphrase" },
    });
    expect(ok.status).toBe(303);
    expect((await call("/", { cookie })).status).toBe(302); // old session ended
    const again = await call("/reset-password", {
      method: "POST",
      form: { token, password: "another passphrase!" },
    });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("invalide ou a expiré");
    await loginCookie(email, "brand new passphrase");
    expect((await lastMailTo(email)).kind).toBe("password_changed");

    // Expired token.
    await call("/forgot-password", { method: "POST", form: { email } });
    const t2 = linkToken((await lastMailTo(email)).text, "/reset-password");
    await db()
      .update(emailTokens)
      .set({ expiresAt: Date.now() - 1 })
      .where(eq(emailTokens.userId, t.users.supervisor.id));
    expect(
      (await call("/reset-password", { method: "POST", form: { token: t2, password: "yet another phrase" } }))
        .status,
    ).toBe(400);
  });

  it("password reset: a change or a reset ends every outstanding link; two links never both work", async () => {
    const t = await makeTenant();
    const email = t.users.agent.email;
    const ask = async () => {
      await call("/forgot-password", { method: "POST", form: { email } });
      return linkToken((await lastMailTo(email)).text, "/reset-password");
    };
    const reset = (token: string, password: string) =>
      call("/reset-password", { method: "POST", form: { token, password } });
    const first = await ask();
    const second = await ask();
    expect(second).not.toBe(first);
    expect((await reset(second, "second link passphrase")).status).toBe(303);
    // The older link died with the reset.
    const stale = await reset(first, "first link passphrase");
    expect(stale.status).toBe(400);
    await loginCookie(email, "second link passphrase");

    // A password change while signed in ends the links mailed before it.
    const pending = await ask();
    const cookie = await loginCookie(email, "second link passphrase");
    const changed = await call("/account/password", {
      method: "POST",
      cookie,
      form: { currentPassword: "second link passphrase", newPassword: "changed while signed in" },
    });
    expect(changed.status).toBe(303);
    expect((await reset(pending, "attacker passphrase!")).status).toBe(400);
    await loginCookie(email, "changed while signed in");

    // Two links used at the same instant: exactly one wins.
    const a = await ask();
    const b = await ask();
    const results = await Promise.all([reset(a, "race passphrase one"), reset(b, "race passphrase two")]);
    expect(results.map((r) => r.status).sort()).toEqual([303, 400]);
  });

  it("invitations: a new person joins with the invited role; an existing user proves their password", async () => {
    const t = await makeTenant();
    const ownerKey = t.key;
    const newcomer = `new.${uniq()}@example.test`;
    const inv = await call("/api/v1/members", {
      method: "POST",
      key: ownerKey,
      json: { email: newcomer, role: "supervisor" },
    });
    expect(inv.status).toBe(201);
    const mail = await lastMailTo(newcomer);
    expect(mail.subject).toContain(t.tenant.name);
    const token = linkToken(mail.text, "/invitations/accept");
    const page = await call(`/invitations/accept?token=${token}`);
    expect(await page.text()).toContain(newcomer);
    const accept = await call("/invitations/accept", {
      method: "POST",
      form: { token, password: "welcome aboard friend", firstName: "Nina", lastName: "Nouvelle" },
    });
    expect(accept.status).toBe(303);
    expect(accept.headers.getSetCookie().some((c) => c.startsWith("__Host-ccr_session="))).toBe(true);
    const members = (await (await call("/api/v1/members", { key: ownerKey })).json()) as {
      data: { email: string; role: string }[];
    };
    expect(members.data.find((m) => m.email === newcomer)?.role).toBe("supervisor");
    // Token is single use.
    expect(
      (
        await call("/invitations/accept", {
          method: "POST",
          form: { token, password: "welcome aboard friend" },
        })
      ).status,
    ).toBe(400);

    // Existing user of another tenant joins with their password.
    const other = await makeTenant();
    await call("/api/v1/members", {
      method: "POST",
      key: ownerKey,
      json: { email: other.users.viewer.email, role: "viewer" },
    });
    const tok2 = linkToken((await lastMailTo(other.users.viewer.email)).text, "/invitations/accept");
    const wrong = await call("/invitations/accept", {
      method: "POST",
      form: { token: tok2, password: "not the password" },
    });
    expect(wrong.status).toBe(401);
    const right = await call("/invitations/accept", {
      method: "POST",
      form: { token: tok2, password: PASSWORD },
    });
    expect(right.status).toBe(303);
    // Already a member → 409.
    const dup = await call("/api/v1/members", {
      method: "POST",
      key: ownerKey,
      json: { email: newcomer, role: "viewer" },
    });
    expect(dup.status).toBe(409);
  });

  it("members: role change, last-owner protection, removal ends the member's sessions", async () => {
    const t = await makeTenant();
    const viewerCookie = await loginCookie(t.users.viewer.email);
    const ch = await call(`/api/v1/members/${t.users.viewer.membershipId}`, {
      method: "PATCH",
      key: t.key,
      json: { role: "supervisor" },
    });
    expect(ch.status).toBe(200);
    expect(((await ch.json()) as { role: string }).role).toBe("supervisor");
    // An admin-scoped key acts as an administrator: it cannot change owners.
    const viaKey = await call(`/api/v1/members/${t.users.owner.membershipId}`, {
      method: "PATCH",
      key: t.key,
      json: { role: "admin" },
    });
    expect(viaKey.status).toBe(403);
    await expect(changeMemberRole(t.ctx, t.users.owner.membershipId, "admin")).rejects.toMatchObject({
      status: 409,
    });
    const rm = await call(`/api/v1/members/${t.users.viewer.membershipId}`, { method: "DELETE", key: t.key });
    expect(rm.status).toBe(204);
    expect((await call("/", { cookie: viewerCookie })).status).toBe(302);
    await expect(removeMember(t.ctx, t.users.owner.membershipId)).rejects.toMatchObject({ status: 409 });
    const badRole = await call(`/api/v1/members/${t.users.agent.membershipId}`, {
      method: "PATCH",
      key: t.key,
      json: { role: "god" },
    });
    expect(badRole.status).toBe(400);
  });

  it("an admin cannot make owners nor touch an owner", async () => {
    const t = await makeTenant();
    const adminCookie = await loginCookie(t.users.admin.email);
    const adminCtx = asRole(t, "admin");
    await expect(changeMemberRole(adminCtx, t.users.viewer.membershipId, "owner")).rejects.toMatchObject({
      status: 403,
    });
    await expect(changeMemberRole(adminCtx, t.users.owner.membershipId, "viewer")).rejects.toMatchObject({
      status: 403,
    });
    expect(adminCookie).toBeTruthy();
  });

  it("account deletion removes the person's data; the sole owner must hand over first", async () => {
    const t = await makeTenant();
    const ownerCtx = t.ctx;
    await expect(deleteAccount(ownerCtx, PASSWORD)).rejects.toMatchObject({ status: 409 });
    const cookie = await loginCookie(t.users.agent.email);
    const agentCtx = asRole(t, "agent");
    await expect(deleteAccount(agentCtx, "wrong password")).rejects.toMatchObject({ status: 400 });
    await deleteAccount(agentCtx, PASSWORD);
    expect(await db().query.users.findFirst({ where: eq(users.id, t.users.agent.id) })).toBeUndefined();
    expect(
      await db().query.memberships.findFirst({ where: eq(memberships.userId, t.users.agent.id) }),
    ).toBeUndefined();
    expect((await db().select().from(sessions).where(eq(sessions.subjectId, t.users.agent.id))).length).toBe(
      0,
    );
    expect((await call("/", { cookie })).status).toBe(302);
  });
});

const ctxOf = (env: Env): PlatformCtx => ({
  env,
  requestId: "req_signup",
  ip: "203.0.113.9",
  userAgent: "test",
});

/**
 * Runs `fn` against the test environment with every D1 database, R2 bucket and queue wrapped to
 * count its round trips, and Web Crypto's deriveBits (PBKDF2) counted: the expensive operations.
 */
async function workOf<T>(fn: (env: Env) => Promise<T>): Promise<{ result: T; ops: Record<string, number> }> {
  const ops: Record<string, number> = {};
  const count = (k: string) => {
    ops[k] = (ops[k] ?? 0) + 1;
  };
  const real = new WeakMap<object, D1PreparedStatement>();
  const statement = (name: string, st: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(st, {
      get(target, prop) {
        if (prop === "bind") return (...args: unknown[]) => statement(name, target.bind(...args));
        const v = Reflect.get(target, prop, target);
        if (typeof v !== "function") return v;
        if (["first", "all", "run", "raw"].includes(String(prop)))
          return (...args: unknown[]) => {
            count(`${name}.query`);
            return v.apply(target, args);
          };
        return v.bind(target);
      },
    });
    real.set(proxy, st);
    return proxy;
  };
  const wrap = (name: string, v: unknown): unknown => {
    if (!v || typeof v !== "object") return v;
    const o = v as Record<string, unknown>;
    if (typeof o.prepare === "function" && typeof o.batch === "function") {
      const d1 = v as D1Database;
      return new Proxy(d1, {
        get(target, prop) {
          if (prop === "prepare") return (q: string) => statement(name, target.prepare(q));
          if (prop === "batch")
            return (sts: D1PreparedStatement[]) => {
              count(`${name}.batch`);
              return target.batch(sts.map((s) => real.get(s) ?? s));
            };
          if (prop === "exec")
            return (q: string) => {
              count(`${name}.exec`);
              return target.exec(q);
            };
          const x = Reflect.get(target, prop, target);
          return typeof x === "function" ? x.bind(target) : x;
        },
      });
    }
    const r2 = typeof o.put === "function" && typeof o.head === "function";
    const queue = typeof o.send === "function" && typeof o.sendBatch === "function";
    if (r2 || queue)
      return new Proxy(o, {
        get(target, prop) {
          const x = Reflect.get(target, prop, target);
          if (typeof x !== "function") return x;
          return (...args: unknown[]) => {
            count(`${name}.${String(prop)}`);
            return (x as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    return v;
  };
  const env = Object.fromEntries(Object.entries(E).map(([k, v]) => [k, wrap(k, v)])) as unknown as Env;
  const derive = vi.spyOn(crypto.subtle, "deriveBits");
  try {
    const result = await fn(env);
    if (derive.mock.calls.length) ops.pbkdf2 = derive.mock.calls.length;
    return { result, ops };
  } finally {
    derive.mockRestore();
  }
}
