import { eq } from "drizzle-orm";
import { controlDb } from "../../db/client";
import { operators, tenants } from "../../db/schema/control";
import { appendAudit } from "../platform/audit";
import type { PlatformCtx } from "../platform/context";
import { ApiError } from "../platform/errors";
import { emailSchema } from "./account-base";
import { logConnection } from "./connection-log";
import { checkSecondFactor } from "./login";
import { verifyPasswordOrBurn } from "./password";
import { createSession } from "./session";
import { assertNotThrottled, recordFailure } from "./throttle";

/**
 * Operators (A9): the platform's own staff, a realm apart. Password and TOTP are checked in one
 * step (TOTP is mandatory, so there is no password-only state). Sessions use another cookie and
 * never authenticate tenant routes. Operators have no route to call content.
 */
export async function operatorLogin(pctx: PlatformCtx, email: string, password: string, code: string) {
  const { env, ip, userAgent } = pctx;
  const account = emailSchema.safeParse(email).data ?? email.slice(0, 254).toLowerCase();
  await assertNotThrottled(env, "ops", account, ip);
  const db = controlDb(env);
  const op = await db.query.operators.findFirst({ where: eq(operators.email, account) });
  const passOk = await verifyPasswordOrBurn(op?.passwordHash, password);
  const second =
    op && passOk
      ? await checkSecondFactor(env, "operator", op.id, op.totpSecretEnc, op.totpLastStep, code)
      : null;
  if (!op || !passOk || !second || op.disabledAt) {
    await recordFailure(env, "ops", account, ip);
    await logConnection(env, {
      tenantId: null,
      subjectType: "operator",
      subjectId: op?.id ?? null,
      event: "login_failure",
      ip,
      userAgent,
    });
    await appendAudit(env, {
      tenantId: null,
      actor: { type: "system", id: null },
      action: "operator.login",
      result: "failure",
      ip,
      userAgent,
    });
    throw new ApiError("unauthenticated", "invalid credentials", { messageKey: "error.invalid_credentials" });
  }
  if (second.step !== null)
    await db.update(operators).set({ totpLastStep: second.step }).where(eq(operators.id, op.id));
  const { token, session } = await createSession(env, {
    realm: "operator",
    subjectId: op.id,
    tenantId: null,
    ip,
    userAgent,
  });
  await logConnection(env, {
    tenantId: null,
    subjectType: "operator",
    subjectId: op.id,
    event: "login_success",
    ip,
    userAgent,
  });
  await appendAudit(env, {
    tenantId: null,
    actor: { type: "operator", id: op.id, sessionId: session.id, email: op.email },
    action: "operator.login",
    ip,
    userAgent,
  });
  return { token, expiresAt: session.expiresAt, operator: op };
}

/** Tenant list for the console: control-plane facts only, no call content. */
export async function listTenantsForOperator(env: Env) {
  return controlDb(env)
    .select({
      id: tenants.id,
      name: tenants.name,
      location: tenants.location,
      shard: tenants.shard,
      status: tenants.status,
      createdAt: tenants.createdAt,
    })
    .from(tenants)
    .orderBy(tenants.name);
}

/** An operator who may act now (exists, not disabled). */
export async function activeOperator(env: Env, id: string) {
  const op = await controlDb(env).query.operators.findFirst({ where: eq(operators.id, id) });
  return op && !op.disabledAt ? op : null;
}
