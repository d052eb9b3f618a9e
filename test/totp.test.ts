import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { confirmTotpEnrollment, startTotpEnrollment } from "../core/identity/mfa";
import { TOTP_PERIOD, totpCode, verifyTotp } from "../core/identity/totp";
import { controlDb } from "../db/client";
import { tenants, users } from "../db/schema/control";
import { asRole, call, E, makeTenant, PASSWORD } from "./helpers";

async function enroll(t: Awaited<ReturnType<typeof makeTenant>>, role: "owner" | "viewer" = "viewer") {
  const ctx = asRole(t, role);
  const { secret, uri } = await startTotpEnrollment(ctx);
  expect(uri).toMatch(/^otpauth:\/\/totp\/CallCenterRate:/);
  // A code from the previous step, so the login below can use the current one (codes are single-use).
  const { recoveryCodes } = await confirmTotpEnrollment(
    ctx,
    totpCode(secret, Date.now() - TOTP_PERIOD * 1000),
  );
  return { secret, recoveryCodes };
}

async function passwordStep(email: string) {
  const r = await call("/login", { method: "POST", form: { email, password: PASSWORD } });
  expect(r.status).toBe(303);
  expect(r.headers.get("location")).toMatch(/^\/login\/totp/);
  expect(r.headers.getSetCookie().some((c) => c.startsWith("__Host-ccr_session="))).toBe(false);
  return r.headers
    .getSetCookie()
    .find((c) => c.startsWith("__Host-ccr_mfa="))!
    .split(";")[0];
}

describe("TOTP second factor (A4)", () => {
  it("RFC 6238 test vector (SHA-1, 59 s → 94287082, 8 digits; our 6-digit form is its last 6)", () => {
    const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // "12345678901234567890"
    expect(totpCode(secret, 59_000)).toBe("287082");
    expect(totpCode(secret, 1_111_111_109_000)).toBe("081804");
    expect(verifyTotp(secret, "287082", null, 59_000)).toBe(1);
    expect(verifyTotp(secret, "287082", 1, 59_000)).toBeNull(); // same step again refused
  });

  it("login asks for the code; a code works once; recovery codes work once", async () => {
    const t = await makeTenant();
    const { secret, recoveryCodes } = await enroll(t);
    expect(recoveryCodes).toHaveLength(10);
    const mfa = await passwordStep(t.users.viewer.email);
    const bad = await call("/login/totp", { method: "POST", form: { code: "000000" }, cookie: mfa });
    expect(bad.status).toBe(401);
    const code = totpCode(secret);
    const ok = await call("/login/totp", { method: "POST", form: { code }, cookie: mfa });
    expect(ok.status).toBe(303);
    const session = ok.headers
      .getSetCookie()
      .find((c) => c.startsWith("__Host-ccr_session="))!
      .split(";")[0];
    expect((await call("/", { cookie: session })).status).toBe(200);
    // The pending token is not a session.
    expect((await call("/", { cookie: `__Host-ccr_session=${mfa.split("=")[1]}` })).status).toBe(302);

    // Replay of the same code in a new login is refused.
    const mfa2 = await passwordStep(t.users.viewer.email);
    expect((await call("/login/totp", { method: "POST", form: { code }, cookie: mfa2 })).status).toBe(401);
    // A recovery code works, once.
    const rc = recoveryCodes[0];
    expect((await call("/login/totp", { method: "POST", form: { code: rc }, cookie: mfa2 })).status).toBe(
      303,
    );
    const mfa3 = await passwordStep(t.users.viewer.email);
    expect((await call("/login/totp", { method: "POST", form: { code: rc }, cookie: mfa3 })).status).toBe(
      401,
    );
    const user = await controlDb(E).query.users.findFirst({ where: eq(users.id, t.users.viewer.id) });
    expect(user!.totpSecretEnc).toMatch(/^v1\./);
    expect(user!.totpSecretEnc).not.toContain(secret);
  });

  it("when the tenant requires it, an owner without TOTP is sent to set it up", async () => {
    const t = await makeTenant();
    await controlDb(E).update(tenants).set({ requireMfa: true }).where(eq(tenants.id, t.tenant.id));
    const r = await call("/login", {
      method: "POST",
      form: { email: t.users.owner.email, password: PASSWORD },
    });
    const cookie = r.headers
      .getSetCookie()
      .find((c) => c.startsWith("__Host-ccr_session="))!
      .split(";")[0];
    const home = await call("/", { cookie });
    expect(home.status).toBe(302);
    expect(home.headers.get("location")).toBe("/account/totp?required=1");
    // A viewer is not concerned.
    const v = await call("/login", {
      method: "POST",
      form: { email: t.users.viewer.email, password: PASSWORD },
    });
    const vc = v.headers
      .getSetCookie()
      .find((c) => c.startsWith("__Host-ccr_session="))!
      .split(";")[0];
    expect((await call("/", { cookie: vc })).status).toBe(200);
    // Once enrolled, the owner gets in.
    const { secret } = await enroll(t, "owner");
    const mfa = await passwordStep(t.users.owner.email);
    const ok = await call("/login/totp", { method: "POST", form: { code: totpCode(secret) }, cookie: mfa });
    const oc = ok.headers
      .getSetCookie()
      .find((c) => c.startsWith("__Host-ccr_session="))!
      .split(";")[0];
    expect((await call("/", { cookie: oc })).status).toBe(200);
  });
});
