import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { limiter } from "../core/identity/rate-limiter";
import { sha256Hex } from "../core/platform/crypto";
import { controlDb } from "../db/client";
import { apiKeys, connectionLog } from "../db/schema/control";
import { call, E, makeTenant } from "./helpers";

describe("API keys (A6)", () => {
  it("create shows the key once, stores only its hash; the key works; scopes restrict; revocation is immediate", async () => {
    const t = await makeTenant();
    const res = await call("/api/v1/api-keys", {
      method: "POST",
      key: t.key,
      json: { name: "BI export", scopes: ["agents:read"] },
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; key: string; prefix: string; scopes: string[] };
    expect(created.key).toMatch(/^ccr_live_[a-z2-7]{32}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    const row = await controlDb(E).query.apiKeys.findFirst({ where: eq(apiKeys.id, created.id) });
    expect(row!.keyHash).toBe(await sha256Hex(created.key));
    expect(JSON.stringify(row)).not.toContain(created.key);
    // Never shown again.
    const got = (await (await call(`/api/v1/api-keys/${created.id}`, { key: t.key })).json()) as Record<
      string,
      unknown
    >;
    expect(got.key).toBeUndefined();
    const list = await (await call("/api/v1/api-keys", { key: t.key })).text();
    expect(list).not.toContain(created.key);

    // Works within its scope…
    const agents = await call("/api/v1/agents", { key: created.key });
    expect(agents.status).toBe(200);
    // …not beyond it.
    const post = await call("/api/v1/agents", { method: "POST", key: created.key, json: { name: "X" } });
    expect(post.status).toBe(403);
    expect(post.headers.get("content-type")).toBe("application/problem+json");
    expect((await call("/api/v1/members", { key: created.key })).status).toBe(403);

    // Last use recorded, and logged as a connection.
    const used = await controlDb(E).query.apiKeys.findFirst({ where: eq(apiKeys.id, created.id) });
    expect(used!.lastUsedAt).toBeGreaterThan(Date.now() - 60_000);
    expect(used!.lastUsedIp).toBe("203.0.113.7");
    const conns = await controlDb(E)
      .select()
      .from(connectionLog)
      .where(eq(connectionLog.subjectId, created.id));
    expect(conns.some((c) => c.event === "api_key_use" && c.ip === "203.0.113.7")).toBe(true);

    const del = await call(`/api/v1/api-keys/${created.id}`, { method: "DELETE", key: t.key });
    expect(del.status).toBe(204);
    const after = await call("/api/v1/agents", { key: created.key });
    expect(after.status).toBe(401);
    expect(after.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("expired keys and malformed keys are refused; expiry must be in the future", async () => {
    const t = await makeTenant();
    const past = await call("/api/v1/api-keys", {
      method: "POST",
      key: t.key,
      json: { name: "x", scopes: ["calls:read"], expiresAt: Date.now() - 1000 },
    });
    expect(past.status).toBe(400);
    const r = await call("/api/v1/api-keys", {
      method: "POST",
      key: t.key,
      json: {
        name: "short-lived",
        scopes: ["calls:read"],
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      },
    });
    const k = (await r.json()) as { id: string; key: string };
    expect((await call("/api/v1/tenant", { key: k.key })).status).toBe(200);
    await controlDb(E)
      .update(apiKeys)
      .set({ expiresAt: Date.now() - 1 })
      .where(eq(apiKeys.id, k.id));
    expect((await call("/api/v1/tenant", { key: k.key })).status).toBe(401);
    expect((await call("/api/v1/tenant", { key: "ccr_live_short" })).status).toBe(401);
    expect((await call("/api/v1/tenant", { headers: { authorization: "Basic abc" } })).status).toBe(401);
    const badScope = await call("/api/v1/api-keys", {
      method: "POST",
      key: t.key,
      json: { name: "x", scopes: ["everything"] },
    });
    expect(badScope.status).toBe(400);
  });

  it("a key sees only its own tenant", async () => {
    const a = await makeTenant();
    const b = await makeTenant({ location: "us" });
    const ta = (await (await call("/api/v1/tenant", { key: a.key })).json()) as { id: string };
    const tb = (await (await call("/api/v1/tenant", { key: b.key })).json()) as { id: string };
    expect(ta.id).toBe(a.tenant.id);
    expect(tb.id).toBe(b.tenant.id);
    expect((await call(`/api/v1/api-keys/${b.keyId}`, { key: a.key })).status).toBe(404);
    expect((await call(`/api/v1/api-keys/${b.keyId}`, { method: "DELETE", key: a.key })).status).toBe(404);
  });

  it("rate limit headers on every call; the 601st request in a minute → 429 with Retry-After", async () => {
    const t = await makeTenant();
    const first = await call("/api/v1/tenant", { key: t.key });
    expect(first.headers.get("ratelimit-limit")).toBe("600");
    const remaining = Number(first.headers.get("ratelimit-remaining"));
    expect(remaining).toBeLessThan(600);
    // Spend the rest of the window through the limiter itself (one DO per key), then ask once more.
    const stub = limiter(E, `api:${t.keyId}`);
    let last = await stub.hit(600, 60_000);
    while (last.allowed) last = await stub.hit(600, 60_000);
    const res = await call("/api/v1/tenant", { key: t.key });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(res.headers.get("ratelimit-remaining")).toBe("0");
  });
});
