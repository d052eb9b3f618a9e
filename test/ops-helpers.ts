import { expect } from "vitest";
import { hashPassword } from "../core/identity/password";
import { newTotpSecret, totpCode } from "../core/identity/totp";
import { encryptString, newId } from "../core/platform/crypto";
import { controlDb } from "../db/client";
import { operators } from "../db/schema/control";
import { call, E, PASSWORD } from "./helpers";

/** A fresh operator signed in through /ops/login (password + TOTP); returns its id and cookie. */
export async function operatorCookie(
  name = "Olive Operator",
  headers: Record<string, string> = {},
): Promise<{ id: string; cookie: string; email: string }> {
  const id = newId("op");
  const secret = newTotpSecret();
  const email = `ops.${id}@ccr.test`;
  await controlDb(E)
    .insert(operators)
    .values({
      id,
      email,
      name,
      passwordHash: await hashPassword(PASSWORD),
      totpSecretEnc: await encryptString(E.ENCRYPTION_KEY, secret, `operator:${id}`),
      totpLastStep: null,
      disabledAt: null,
      createdAt: Date.now(),
    });
  const r = await call("/ops/login", {
    method: "POST",
    form: { email, password: PASSWORD, code: totpCode(secret) },
    headers: { "cf-connecting-ip": `192.0.2.${1 + Math.floor(Math.random() * 250)}`, ...headers },
  });
  expect(r.status).toBe(303);
  const cookie = r.headers
    .getSetCookie()
    .find((s) => s.startsWith("__Host-ccr_ops="))
    ?.split(";")[0];
  return { id, email, cookie: cookie! };
}
