import { controlDb } from "../../db/client";
import { connectionLog } from "../../db/schema/control";
import { newId } from "../platform/crypto";

/** Connection log (A7, art. 3.2/4.4): sign-ins, failures, sign-outs, API key use. */
export async function logConnection(
  env: Env,
  e: {
    tenantId: string | null;
    subjectType: "user" | "operator" | "api_key" | "unknown";
    subjectId: string | null;
    event: string;
    ip: string | null;
    userAgent: string | null;
  },
): Promise<void> {
  await controlDb(env)
    .insert(connectionLog)
    .values({ id: newId("cx"), ...e, userAgent: e.userAgent?.slice(0, 300) ?? null, ts: Date.now() });
}

import { and, desc, eq, lt, or } from "drizzle-orm";
import type { Ctx } from "../platform/context";
import { decodeCursor, encodeCursor, page } from "../platform/pagination";

/** The tenant's connection log, newest first (admins; D6 audit page, A7). */
export async function listConnections(ctx: Ctx, q: { limit: number; cursor?: string }) {
  const conds = [eq(connectionLog.tenantId, ctx.tenant.id)];
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    conds.push(
      or(
        lt(connectionLog.ts, Number(c.sortValue)),
        and(eq(connectionLog.ts, Number(c.sortValue)), lt(connectionLog.id, c.id)),
      )!,
    );
  }
  const rows = await controlDb(ctx.env)
    .select()
    .from(connectionLog)
    .where(and(...conds))
    .orderBy(desc(connectionLog.ts), desc(connectionLog.id))
    .limit(q.limit + 1);
  return page(rows, q.limit, (r) => encodeCursor(r.ts, r.id));
}
