import type { Tenant } from "../../db/schema/control";
import type { Role } from "./rbac";

export type Actor =
  | { type: "user"; id: string; role: Role; sessionId: string; agentId: string | null; email: string }
  | { type: "api_key"; id: string; scopes: string[] }
  | { type: "operator"; id: string; sessionId: string; email: string }
  | { type: "system"; id: null };

/** What every service receives: who acts, for which tenant, from where. Tenant never from input. */
export interface Ctx {
  env: Env;
  tenant: Tenant;
  actor: Actor;
  requestId: string;
  ip: string | null;
  userAgent: string | null;
}

/** Context for work outside a tenant (sign-up, login, operator console). */
export interface PlatformCtx {
  env: Env;
  requestId: string;
  ip: string | null;
  userAgent: string | null;
  actor?: Actor;
}

export function actorId(a: Actor): string | null {
  return a.type === "system" ? null : a.id;
}
