import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { hashPassword } from "../core/identity/password";
import { newTotpSecret, TOTP_PERIOD, totpCode } from "../core/identity/totp";
import { exportAudit, PLATFORM_CHAIN } from "../core/platform/audit";
import { encryptString, newId } from "../core/platform/crypto";
import { controlDb } from "../db/client";
import { auditLog, operators } from "../db/schema/control";
import { call, E, loginCookie, makeTenant, PASSWORD } from "./helpers";

const location = (r: Response) => r.headers.get("location") ?? "";
/** Console pages in English (no saved language for operators: the browser's decides). */
const get = (path: string, cookie: string) => call(path, { cookie, headers: { "accept-language": "en" } });
const randomIp = () => `192.0.2.${1 + Math.floor(Math.random() * 250)}`;

/** A fresh operator row (TOTP mandatory, secret encrypted as the service expects). */
async function makeOperator() {
  const id = newId("op");
  const secret = newTotpSecret();
  const email = `ops.${id}@ccr.test`;
  await controlDb(E)
    .insert(operators)
    .values({
      id,
      email,
      name: "Olive Operator",
      passwordHash: await hashPassword(PASSWORD),
      totpSecretEnc: await encryptString(E.ENCRYPTION_KEY, secret, `operator:${id}`),
      totpLastStep: null,
      disabledAt: null,
      createdAt: Date.now(),
    });
  return { id, email, secret };
}

function opsLogin(form: { email: string; password: string; code: string }, ip = randomIp()) {
  return call("/ops/login", {
    method: "POST",
    form,
    headers: { "cf-connecting-ip": ip, "accept-language": "en" },
  });
}

/** A code that is valid for none of the steps the server accepts (now ± 1). */
function wrongCode(secret: string): string {
  const valid = new Set([-1, 0, 1].map((d) => totpCode(secret, Date.now() + d * TOTP_PERIOD * 1000)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, "0");
    if (!valid.has(code)) return code;
  }
}

async function signedIn() {
  const op = await makeOperator();
  const r = await opsLogin({ email: op.email, password: PASSWORD, code: totpCode(op.secret) });
  expect(r.status).toBe(303);
  const cookie = r.headers
    .getSetCookie()
    .find((s) => s.startsWith("__Host-ccr_ops="))
    ?.split(";")[0];
  expect(cookie).toBeTruthy();
  return { op, cookie: cookie!, res: r };
}

async function platformActions(operatorId: string) {
  const rows = await controlDb(E)
    .select({ action: auditLog.action, actorType: auditLog.actorType })
    .from(auditLog)
    .where(and(eq(auditLog.chain, PLATFORM_CHAIN), eq(auditLog.actorId, operatorId)));
  return rows;
}

describe("operator console", () => {
  it("the sign-in page speaks French and English, and the console asks to sign in", async () => {
    const fr = await call("/ops/login", { headers: { cookie: "lang=fr" } });
    expect(fr.status).toBe(200);
    const frHtml = await fr.text();
    expect(frHtml).toContain("Console opérateur");
    expect(frHtml).toContain("Code de votre application");
    const en = await call("/ops/login", { headers: { "accept-language": "en" } });
    expect(await en.text()).toContain("Code from your authenticator app");
    for (const path of ["/ops", "/ops/audit"]) {
      const r = await call(path);
      expect(r.status).toBe(302);
      expect(location(r)).toBe(`/ops/login?next=${encodeURIComponent(path)}`);
    }
  });

  it("sign-in needs the password and the current TOTP code; a wrong code or password fails", async () => {
    const op = await makeOperator();
    const badCode = await opsLogin({ email: op.email, password: PASSWORD, code: wrongCode(op.secret) });
    expect(badCode.status).toBe(401);
    expect(badCode.headers.getSetCookie().some((s) => s.startsWith("__Host-ccr_ops="))).toBe(false);
    const html = await badCode.text();
    expect(html).toContain("E-mail or password is incorrect.");
    expect(html).toContain(`value="${op.email}"`);

    const badPw = await opsLogin({
      email: op.email,
      password: "not the password",
      code: totpCode(op.secret),
    });
    expect(badPw.status).toBe(401);

    const ok = await opsLogin({ email: op.email, password: PASSWORD, code: totpCode(op.secret) });
    expect(ok.status).toBe(303);
    expect(location(ok)).toBe("/ops");
    const set = ok.headers.getSetCookie().find((s) => s.startsWith("__Host-ccr_ops="));
    expect(set).toMatch(/HttpOnly; Secure; SameSite=Lax/);

    // The same code cannot be replayed.
    const replay = await opsLogin({ email: op.email, password: PASSWORD, code: totpCode(op.secret) });
    expect(replay.status).toBe(401);
  });

  it("lists tenants (control-plane facts only) and audits every page view in the platform chain", async () => {
    const t = await makeTenant({ location: "us" });
    const { op, cookie } = await signedIn();
    const res = await get("/ops", cookie);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(t.tenant.name);
    expect(html).toContain(t.tenant.id);
    expect(html).toContain("United States");
    expect(html).toContain('action="/ops/logout"');
    expect(html).toContain("Olive Operator");

    const audit = await get("/ops/audit", cookie);
    expect(audit.status).toBe(200);
    const auditHtml = await audit.text();
    expect(auditHtml).toContain("Integrity verified");
    expect(auditHtml).toContain("operator.view_tenants");

    const actions = (await platformActions(op.id)).map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining(["operator.login", "operator.view_tenants", "operator.view_platform_audit"]),
    );
    const { rows } = await exportAudit(E, PLATFORM_CHAIN, { limit: 5, order: "desc" });
    expect(rows[0]).toMatchObject({
      action: "operator.view_platform_audit",
      actorType: "operator",
      actorId: op.id,
      tenantId: null,
    });
  });

  it("realms stay apart: a tenant session does not open /ops, an operator session does not open /members", async () => {
    const t = await makeTenant();
    const user = await loginCookie(t.users.owner.email);
    const asUser = await call("/ops", { cookie: user });
    expect(asUser.status).toBe(302);
    expect(location(asUser)).toMatch(/^\/ops\/login/);
    // Even presented under the operator cookie's name, a user token is refused.
    const userToken = user.slice(user.indexOf("=") + 1);
    expect((await call("/ops", { cookie: `__Host-ccr_ops=${userToken}` })).status).toBe(302);

    const { cookie } = await signedIn();
    const asOp = await call("/members", { cookie });
    expect(asOp.status).toBe(302);
    expect(location(asOp)).toMatch(/^\/login/);
    const opToken = cookie.slice(cookie.indexOf("=") + 1);
    const swapped = await call("/members", { cookie: `__Host-ccr_session=${opToken}` });
    expect(swapped.status).toBe(302);
    expect(location(swapped)).toMatch(/^\/login/);
  });

  it("sign-out ends the operator session and is audited", async () => {
    const { op, cookie } = await signedIn();
    expect((await call("/ops", { cookie })).status).toBe(200);
    const out = await call("/ops/logout", { method: "POST", cookie, form: {} });
    expect(out.status).toBe(303);
    expect(location(out)).toBe("/ops/login");
    expect(out.headers.getSetCookie().join("\n")).toContain("__Host-ccr_ops=; Path=/; Max-Age=0");
    const after = await call("/ops", { cookie });
    expect(after.status).toBe(302);
    expect((await platformActions(op.id)).map((r) => r.action)).toContain("operator.logout");
  });
});
