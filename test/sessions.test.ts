import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { changePassword } from "../core/identity/passwords-reset";
import { SESSION_POLICY, validateSessionToken } from "../core/identity/session";
import { sha256Hex } from "../core/platform/crypto";
import { controlDb } from "../db/client";
import { sessions, users } from "../db/schema/control";
import { asRole, call, E, loginCookie, makeTenant, PASSWORD } from "./helpers";

const UA =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

describe("sessions (A2)", () => {
  it("sets a __Host- cookie: Secure, HttpOnly, SameSite=Lax, Path=/; stores only a hash of the secret, with IP and agent", async () => {
    const t = await makeTenant();
    const res = await call("/login", {
      method: "POST",
      form: { email: t.users.viewer.email, password: PASSWORD },
      headers: { "user-agent": UA, "cf-connecting-ip": "192.0.2.44" },
    });
    expect(res.status).toBe(303);
    const set = res.headers.getSetCookie().find((c) => c.startsWith("__Host-ccr_session="))!;
    expect(set).toMatch(/; Path=\/;/);
    expect(set).toContain("HttpOnly");
    expect(set).toContain("Secure");
    expect(set).toContain("SameSite=Lax");
    expect(set).not.toMatch(/Domain=/i);
    const token = set.split(";")[0].split("=")[1];
    const [id, secret] = token.split(".");
    const row = await controlDb(E).query.sessions.findFirst({ where: eq(sessions.id, id) });
    expect(row!.secretHash).toBe(await sha256Hex(secret));
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(row).toMatchObject({
      ip: "192.0.2.44",
      browser: "Chrome",
      os: "Windows",
      userAgent: UA,
      tenantId: t.tenant.id,
    });
  });

  it("a wrong secret with a valid id is refused", async () => {
    const t = await makeTenant();
    const cookie = await loginCookie(t.users.viewer.email);
    const [name, token] = cookie.split("=");
    const forged = `${name}=${token.split(".")[0]}.${"a".repeat(32)}`;
    expect((await call("/", { cookie: forged })).status).toBe(302);
    expect((await call("/", { cookie })).status).toBe(200);
  });

  it("rotates the id at login: the session the browser had before is ended", async () => {
    const t = await makeTenant();
    const first = await loginCookie(t.users.viewer.email);
    const res = await call("/login", {
      method: "POST",
      form: { email: t.users.viewer.email, password: PASSWORD },
      cookie: first,
    });
    const second = res.headers
      .getSetCookie()
      .find((c) => c.startsWith("__Host-ccr_session="))!
      .split(";")[0];
    expect(second).not.toBe(first);
    expect((await call("/", { cookie: first })).status).toBe(302);
    expect((await call("/", { cookie: second })).status).toBe(200);
  });

  it("slides on activity, expires after idle time and at the absolute cap", async () => {
    const t = await makeTenant();
    const cookie = await loginCookie(t.users.viewer.email);
    const token = cookie.split("=")[1];
    const id = token.split(".")[0];
    const db = controlDb(E);
    const now = Date.now();
    const { idleMs, absoluteMs } = SESSION_POLICY.user;
    // Activity 2 days ago: still valid, and the expiry slides forward from now.
    await db
      .update(sessions)
      .set({ lastActivityAt: now - 2 * 86_400_000, expiresAt: now + idleMs - 2 * 86_400_000 })
      .where(eq(sessions.id, id));
    const s = await validateSessionToken(E, token, "user", now);
    expect(s!.expiresAt).toBe(now + idleMs);
    // Idle past the timeout.
    await db
      .update(sessions)
      .set({ expiresAt: now - 1 })
      .where(eq(sessions.id, id));
    expect((await call("/", { cookie })).status).toBe(302);
    expect(await db.query.sessions.findFirst({ where: eq(sessions.id, id) })).toBeUndefined();
    // Absolute cap: active but created too long ago.
    const c2 = await loginCookie(t.users.viewer.email);
    const id2 = c2.split("=")[1].split(".")[0];
    await db
      .update(sessions)
      .set({ createdAt: now - absoluteMs - 1 })
      .where(eq(sessions.id, id2));
    expect((await call("/", { cookie: c2 })).status).toBe(302);
  });

  it("a user session never opens operator pages, and an unknown realm token is refused", async () => {
    const t = await makeTenant();
    const cookie = await loginCookie(t.users.owner.email);
    const token = cookie.split("=")[1];
    expect(await validateSessionToken(E, token, "operator")).toBeNull();
    const opsCookie = `__Host-ccr_ops=${token}`;
    const res = await call("/ops", { cookie: opsCookie });
    expect([302, 404]).toContain(res.status);
  });

  it("ends every session on password change and on disable", async () => {
    const t = await makeTenant();
    const a = await loginCookie(t.users.supervisor.email);
    const b = await loginCookie(t.users.supervisor.email);
    const ctx = asRole(t, "supervisor");
    const r = await changePassword(ctx, PASSWORD, "a different passphrase");
    expect((await call("/", { cookie: a })).status).toBe(302);
    expect((await call("/", { cookie: b })).status).toBe(302);
    expect(r.kind).toBe("session");
    expect((await call("/", { cookie: `__Host-ccr_session=${r.token}` })).status).toBe(200);
    // Disabled account: its live session stops working at once.
    await controlDb(E)
      .update(users)
      .set({ disabledAt: Date.now() })
      .where(eq(users.id, t.users.supervisor.id));
    expect((await call("/", { cookie: `__Host-ccr_session=${r.token}` })).status).toBe(302);
  });
});
