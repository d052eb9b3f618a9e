// Bench-only Worker for P7 (see wrangler.toml next to this file).
//
//   POST /seed?tenant=<id>&after=<callId>&limit=<n>  → puts a small recording and transcript object
//        for each of the next n calls (by id) that have them; { last, put }
//   POST /start?tenant=<id>                           → starts a retention run now; { jobId }
//   POST /steps?job=<id>&max=<n>                      → runs up to n steps; per-step counts
//   GET  /left?tenant=<id>                            → rows and objects left for the tenant

import { getJob, runJobStep } from "../../core/platform/jobs";
import "../../core/governance/retention-purge";
import { startRetentionRun } from "../../core/governance/retention-purge";
import { tenantById } from "../../core/identity/tenants";

interface Counts {
  d1Statements: number;
  d1Calls: number;
  r2Ops: number;
  queueSends: number;
}

/** An env whose D1 and R2 bindings count what a step does; the jobs queue only records sends. */
function counted(env: Env, c: Counts): Env {
  const d1 = (db: D1Database): D1Database =>
    new Proxy(db, {
      get(target, prop) {
        if (prop === "prepare")
          return (sql: string) => {
            const wrap = (s: D1PreparedStatement): D1PreparedStatement =>
              new Proxy(s, {
                get(st, p) {
                  if (p === "bind") return (...a: unknown[]) => wrap(st.bind(...a));
                  if (p === "run" || p === "all" || p === "first" || p === "raw")
                    return (...a: unknown[]) => {
                      c.d1Statements++;
                      c.d1Calls++;
                      return (st as unknown as Record<string, (...x: unknown[]) => unknown>)[p as string](
                        ...a,
                      );
                    };
                  const v = Reflect.get(st, p);
                  return typeof v === "function" ? v.bind(st) : v;
                },
              });
            return wrap(target.prepare(sql));
          };
        if (prop === "batch")
          return (stmts: D1PreparedStatement[]) => {
            c.d1Statements += stmts.length;
            c.d1Calls++;
            return target.batch(stmts);
          };
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
  const r2 = (b: R2Bucket): R2Bucket =>
    new Proxy(b, {
      get(target, prop) {
        const v = Reflect.get(target, prop);
        if (typeof v !== "function") return v;
        return (...a: unknown[]) => {
          if (["get", "put", "delete", "list", "head", "createMultipartUpload"].includes(prop as string))
            c.r2Ops++;
          return v.apply(target, a);
        };
      },
    });
  return {
    ...env,
    CONTROL_DB: d1(env.CONTROL_DB),
    DATA_EU_1: d1(env.DATA_EU_1),
    DATA_US_1: d1(env.DATA_US_1),
    BLOB_EU: r2(env.BLOB_EU),
    BLOB_US: r2(env.BLOB_US),
    CONTROL_BUCKET: r2(env.CONTROL_BUCKET),
    JOBS_QUEUE: {
      send: async () => {
        c.queueSends++;
      },
      sendBatch: async () => {
        c.queueSends++;
      },
    } as unknown as Queue,
  } as Env;
}

export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    const url = new URL(req.url);
    const q = (k: string) => url.searchParams.get(k) ?? "";
    try {
      if (url.pathname === "/") return new Response("ok");
      if (url.pathname === "/seed") {
        const rows = (
          await env.DATA_EU_1.prepare(
            "select id, rec_key, tx_format from calls where tenant_id = ? and id > ? order by id limit ?",
          )
            .bind(q("tenant"), q("after"), Number(q("limit") || 500))
            .all<{ id: string; rec_key: string | null; tx_format: string | null }>()
        ).results;
        const keys = rows.flatMap((r) => [
          ...(r.rec_key ? [r.rec_key] : []),
          ...(r.tx_format ? [`t/${q("tenant")}/calls/${r.id}/transcript.json`] : []),
        ]);
        for (let i = 0; i < keys.length; i += 50)
          await Promise.all(keys.slice(i, i + 50).map((k) => env.BLOB_EU.put(k, "x".repeat(64))));
        return Response.json({ last: rows.at(-1)?.id ?? null, put: keys.length });
      }
      if (url.pathname === "/start") {
        const tenant = await tenantById(env, q("tenant"));
        if (!tenant) return Response.json({ error: "no tenant" }, { status: 404 });
        const { job } = await startRetentionRun(
          counted(env, { d1Statements: 0, d1Calls: 0, r2Ops: 0, queueSends: 0 }),
          tenant,
          Date.now(),
        );
        return Response.json({ jobId: job.id });
      }
      if (url.pathname === "/steps") {
        const max = Number(q("max") || 50);
        const steps = [];
        for (let i = 0; i < max; i++) {
          const job = await getJob(env, q("job"));
          if (!job || job.status === "done" || job.status === "failed") break;
          const c: Counts = { d1Statements: 0, d1Calls: 0, r2Ops: 0, queueSends: 0 };
          const t0 = performance.now();
          const outcome = await runJobStep(counted(env, c), { jobId: job.id, step: job.steps });
          steps.push({
            step: job.steps,
            phase: (job.progress as { phase: string }).phase,
            outcome,
            ...c,
            ms: performance.now() - t0,
          });
        }
        const job = await getJob(env, q("job"));
        return Response.json({ steps, status: job?.status, progress: job?.progress, result: job?.result });
      }
      if (url.pathname === "/left") {
        const rows = await env.DATA_EU_1.prepare("select count(*) as n from calls where tenant_id = ?")
          .bind(q("tenant"))
          .first<{ n: number }>();
        const objs = await env.BLOB_EU.list({ prefix: `t/${q("tenant")}/calls/`, limit: 1000 });
        return Response.json({ rows: rows?.n ?? 0, objects: objs.objects.length, truncated: objs.truncated });
      }
      return new Response("not found", { status: 404 });
    } catch (e) {
      return Response.json({ error: String(e) }, { status: 500 });
    }
  },
};
