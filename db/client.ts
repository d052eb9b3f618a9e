import { drizzle } from "drizzle-orm/d1";
import * as control from "./schema/control";

export type ControlDb = ReturnType<typeof controlDb>;

/** The control plane (one D1, EU): tenants, users, sessions, keys, audit, mail. */
export function controlDb(env: Pick<Env, "CONTROL_DB">) {
  return drizzle(env.CONTROL_DB, { schema: control });
}

export { control };
