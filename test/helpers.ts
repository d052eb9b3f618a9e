import { env, exports } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { createApiKey } from "../core/identity/api-keys";
import { hashPassword } from "../core/identity/password";
import { provisionDataPlane } from "../core/identity/signup";
import { newTenant } from "../core/identity/tenants";
import type { Ctx } from "../core/platform/context";
import { newId } from "../core/platform/crypto";
import { ROLES, type Role, SCOPE_NAMES } from "../core/platform/rbac";
import { controlDb } from "../db/client";
import { mailOutbox, memberships, type Tenant, tenants, users } from "../db/schema/control";

export const E = env as unknown as Env;
export const BASE = "http://127.0.0.1:8787";
export const PASSWORD = "correct horse battery staple";
let hashed: Promise<string> | undefined;

/** Requests go through the real Worker entry (exports.default.fetch), with a same-origin Origin on forms. */
export function call(
  path: string,
  init: RequestInit & { cookie?: string; key?: string; json?: unknown; form?: Record<string, string> } = {},
) {
  const headers = new Headers(init.headers);
  if (init.cookie) headers.set("cookie", init.cookie);
  if (init.key) headers.set("authorization", `Bearer ${init.key}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  if (init.form) {
    headers.set("content-type", "application/x-www-form-urlencoded");
    body = new URLSearchParams(init.form).toString();
    if (!headers.has("origin")) headers.set("origin", BASE);
  }
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", "203.0.113.7");
  return (exports as unknown as { default: Fetcher }).default.fetch(
    new Request(BASE + path, { ...init, headers, body, redirect: "manual" }),
  );
}

export interface TestUser {
  id: string;
  email: string;
  membershipId: string;
  role: Role;
}
export interface TestTenant {
  tenant: Tenant;
  users: Record<Role, TestUser>;
  key: string;
  keyId: string;
  ctx: Ctx;
}

/** A fresh tenant with one verified user per role and an all-scopes API key. */
export async function makeTenant(
  opts: { location?: "eu" | "us"; requireMfa?: boolean } = {},
): Promise<TestTenant> {
  hashed ??= hashPassword(PASSWORD);
  const passwordHash = await hashed;
  const now = Date.now();
  const location = opts.location ?? "eu";
  const tenant = newTenant(E, {
    // base 36: a 13-digit timestamp can pass the Luhn check and be redacted as a card number
    name: `Test ${location} ${now.toString(36)}`,
    location,
    defaultLocale: "en",
    // one clock for every test tenant (the US default zone has its own tests)
    timeZone: "Europe/Paris",
    requireMfa: opts.requireMfa,
    now,
  });
  const db = controlDb(E);
  await db.insert(tenants).values(tenant);
  await provisionDataPlane(E, tenant);
  const out = {} as Record<Role, TestUser>;
  for (const role of ROLES) {
    const id = newId("usr");
    const email = `${role}.${id}@example.test`;
    const membershipId = newId("mem");
    await db.batch([
      db.insert(users).values({
        id,
        email,
        passwordHash,
        firstName: role,
        lastName: "Tester",
        emailVerifiedAt: now,
        locale: "en",
        createdAt: now,
        updatedAt: now,
      }),
      db
        .insert(memberships)
        .values({ id: membershipId, tenantId: tenant.id, userId: id, role, createdAt: now }),
    ]);
    out[role] = { id, email, membershipId, role };
  }
  const ctx: Ctx = {
    env: E,
    tenant,
    actor: {
      type: "user",
      id: out.owner.id,
      role: "owner",
      sessionId: "test",
      agentId: null,
      email: out.owner.email,
    },
    requestId: "test",
    ip: null,
    userAgent: null,
  };
  const k = await createApiKey(ctx, { name: "all", scopes: [...SCOPE_NAMES] });
  return { tenant, users: out, key: k.key, keyId: k.id, ctx };
}

/** Signs in through the portal form; returns the session cookie pair ("name=value"). */
export async function loginCookie(
  email: string,
  password = PASSWORD,
  ip = `198.51.100.${Math.floor(Math.random() * 250)}`,
): Promise<string> {
  const res = await call("/login", {
    method: "POST",
    form: { email, password },
    headers: { "cf-connecting-ip": ip },
  });
  const set = res.headers.getSetCookie().find((s) => s.startsWith("__Host-ccr_session="));
  if (!set) throw new Error(`login failed for ${email}: ${res.status} ${await res.text()}`);
  return set.split(";")[0];
}

/** The session cookie plus the one-time cookie a post → redirect answer set (apps/portal/once.ts). */
export function withOnce(res: Response, cookie: string): string {
  const once = res.headers.getSetCookie().find((s) => s.startsWith("__Secure-ccr_once="));
  return once ? `${cookie}; ${once.split(";")[0]}` : cookie;
}

/** Follows a post → redirect → get answer as a browser would, with its one-time cookie. */
export async function followOnce(res: Response, cookie: string): Promise<Response> {
  const to = res.headers.get("location");
  if (res.status !== 303 || !to) throw new Error(`expected a 303, got ${res.status}`);
  return call(to, { cookie: withOnce(res, cookie) });
}

export async function lastMailTo(to: string) {
  const rows = await controlDb(E).select().from(mailOutbox).where(eq(mailOutbox.to, to));
  return rows.sort((a, b) => b.createdAt - a.createdAt)[0];
}

export function linkToken(text: string, path: string): string {
  const m = new RegExp(`${path.replace(/[/?]/g, "\\$&")}\\?token=([a-z2-7]+)`).exec(text);
  if (!m) throw new Error(`no ${path} link in mail`);
  return m[1];
}

/** The service context of one of the tenant's users (for calling services directly). */
export function asRole(t: TestTenant, role: Role): Ctx {
  const u = t.users[role];
  return {
    ...t.ctx,
    actor: { type: "user", id: u.id, role, sessionId: "test", agentId: null, email: u.email },
  };
}

/** Polls `probe` until it returns something truthy (queues and jobs run on their own); fails after `ms`. */
export async function waitFor<T>(
  probe: () => Promise<T | null | undefined>,
  ms = 30_000,
  every = 100,
  why: () => string = () => "timed out",
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(why());
    await new Promise((r) => setTimeout(r, every));
  }
}

/**
 * Today (YYYY-MM-DD) in a tenant's time zone — what the product's day and week parameters mean.
 * UTC's date is a day behind Paris between 22:00/23:00 and midnight UTC.
 */
export function tenantToday(timeZone = "Europe/Paris", ms = Date.now()): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(ms);
}
