// Bench-only Worker for P5 (see wrangler.toml next to this file).
//
//   POST /rebuild?tenant=<id>           → rebuilds every dirty day (the product's rebuildDirty)
//   GET  /kpis?tenant=<id>&<query…>     → getKpis() with each D1 statement: SQL, params, meta.duration

import { tenantById } from "../../core/identity/tenants";
import { getKpis, rebuildDirty } from "../../core/insights/kpis";
import type { Ctx } from "../../core/platform/context";

interface Entry {
  sql: string;
  params: unknown[];
  durationMs: number | null;
  rows: number;
}

const META = new WeakMap<object, { inner: D1PreparedStatement; sql: string; params: unknown[] }>();

function recording(db: D1Database, log: Entry[]): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "batch")
        return async (stmts: D1PreparedStatement[]) => {
          const metas = stmts.map((s) => META.get(s));
          const out = await target.batch(stmts.map((s, i) => metas[i]?.inner ?? s));
          for (const [i, r] of out.entries())
            log.push({
              sql: metas[i]?.sql ?? "?",
              params: metas[i]?.params ?? [],
              durationMs: r.meta?.duration ?? null,
              rows: r.results?.length ?? 0,
            });
          return out;
        };
      if (prop === "prepare")
        return (sql: string) => {
          const wrap = (s: D1PreparedStatement, params: unknown[]): D1PreparedStatement => {
            const proxy: D1PreparedStatement = new Proxy(s, {
              get(st, p) {
                if (p === "bind") return (...a: unknown[]) => wrap(st.bind(...a), a);
                if (p === "all" || p === "run")
                  return async () => {
                    const r = await (st as unknown as { all(): Promise<D1Result> }).all();
                    log.push({
                      sql,
                      params,
                      durationMs: r.meta?.duration ?? null,
                      rows: r.results?.length ?? 0,
                    });
                    return r;
                  };
                if (p === "first")
                  return async (col?: string) => {
                    const r = await st.all<Record<string, unknown>>();
                    log.push({
                      sql,
                      params,
                      durationMs: r.meta?.duration ?? null,
                      rows: r.results?.length ?? 0,
                    });
                    const row = r.results[0];
                    return row ? (col ? row[col] : row) : null;
                  };
                const v = Reflect.get(st, p);
                return typeof v === "function" ? v.bind(st) : v;
              },
            });
            META.set(proxy, { inner: s, sql, params });
            return proxy;
          };
          return wrap(target.prepare(sql), []);
        };
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    const url = new URL(req.url);
    try {
      if (url.pathname === "/") return new Response("ok");
      const tenant = await tenantById(env, url.searchParams.get("tenant") ?? "");
      if (!tenant) return Response.json({ error: "no tenant" }, { status: 404 });
      if (url.pathname === "/rebuild") {
        let days = 0;
        for (;;) {
          const n = await rebuildDirty(
            { ...env, JOBS_QUEUE: { send: async () => {} } as unknown as Queue },
            tenant,
          );
          days += n;
          if (n === 0) break;
        }
        return Response.json({ days });
      }
      if (url.pathname === "/kpis") {
        const log: Entry[] = [];
        const q = Object.fromEntries([...url.searchParams].filter(([k]) => k !== "tenant" && k !== "repeat"));
        const ctx: Ctx = {
          env: { ...env, DATA_EU_1: recording(env.DATA_EU_1, log) },
          tenant,
          actor: { type: "api_key", id: "bench", scopes: ["admin"] },
          requestId: "bench",
          ip: null,
          userAgent: null,
        };
        const kpis = await getKpis(ctx, q);
        // Wall time of the whole computation through the D1 binding, repeated (workerd's clock
        // moves on I/O, so a loop of queries measures them; D1's meta.duration is whole ms locally).
        const repeat = Math.min(200, Number(url.searchParams.get("repeat") ?? 0) || 0);
        let wallMs: number | null = null;
        if (repeat > 0) {
          const plain: Ctx = { ...ctx, env };
          const t0 = Date.now();
          for (let i = 0; i < repeat; i++) await getKpis(plain, q);
          wallMs = (Date.now() - t0) / repeat;
        }
        return Response.json({
          totals: kpis.totals,
          source: kpis.source,
          days: kpis.series.length,
          statements: log,
          wallMs,
        });
      }
      return new Response("not found", { status: 404 });
    } catch (e) {
      return Response.json({ error: String(e) }, { status: 500 });
    }
  },
};
