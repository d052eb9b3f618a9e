import { describe, expect, it } from "vitest";
import { call, makeTenant, PASSWORD } from "./helpers";

const login = (email: string, password: string, ip: string) =>
  call("/login", { method: "POST", form: { email, password }, headers: { "cf-connecting-ip": ip } });

describe("login throttling (A3)", () => {
  it("10 failures for one account in a minute → 429 with Retry-After, even with the right password", async () => {
    const t = await makeTenant();
    const email = t.users.viewer.email;
    for (let i = 0; i < 10; i++) {
      const r = await login(email, "wrong password", `192.0.2.${i + 1}`); // many IPs, one account
      expect(r.status).toBe(401);
    }
    const blocked = await login(email, PASSWORD, "192.0.2.200");
    expect(blocked.status).toBe(429);
    const retry = Number(blocked.headers.get("retry-after"));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    expect(await blocked.text()).toMatch(/Trop de tentatives|Too many attempts/);
    // Another account from another IP is not affected.
    const other = await login(t.users.agent.email, PASSWORD, "192.0.2.201");
    expect(other.status).toBe(303);
  });

  it("10 failures from one IP across accounts → that IP gets 429", async () => {
    const t = await makeTenant();
    const ip = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    for (let i = 0; i < 10; i++) await login(`ghost${i}.${Date.now()}@example.test`, "nope nope nope", ip);
    expect((await login(t.users.owner.email, PASSWORD, ip)).status).toBe(429);
    expect((await login(t.users.owner.email, PASSWORD, "198.19.0.1")).status).toBe(303);
  });

  it("unknown account and wrong password give the same answer", async () => {
    const t = await makeTenant();
    const a = await login(`nobody.${Date.now()}@example.test`, "whatever pass", "203.0.113.50");
    const b = await login(t.users.owner.email, "whatever pass", "203.0.113.51");
    expect(a.status).toBe(b.status);
    const strip = (s: string) => s.replace(/nonce="[^"]+"/g, "").replace(/value="[^"]*"/g, "");
    expect(strip(await a.text())).toBe(strip(await b.text()));
  });
});
