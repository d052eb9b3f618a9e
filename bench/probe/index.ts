// Bench-only Worker for P8 "GET /api/v1/calls reads ≤ limit + 1 rows". D1's meta.rows_read is
// not exposed by the HTTP API, and `wrangler d1 execute --local` drops it from its output, so
// this Worker calls the product's own listCalls() (the exact SQL drizzle builds, with its
// parameters) through a D1 binding wrapped to record every statement and its meta. Never
// deployed; see wrangler.toml next to this file.
//
//   GET /list?tenant=<id>&<listCalls query…>  →  { data, nextCursor, statements: [...] }

import { listCalls } from "../../core/calls/service";

interface Entry {
  sql: string;
  params: unknown[];
  rowsRead: number | null;
  rowsWritten: number | null;
  results: number;
  plan?: string[];
}

type Stmt = D1PreparedStatement;
const INNER = Symbol("inner");

function record(log: Entry[], sql: string, params: unknown[], r: D1Result) {
  log.push({
    sql,
    params,
    rowsRead: r.meta?.rows_read ?? null,
    rowsWritten: r.meta?.rows_written ?? null,
    results: r.results?.length ?? 0,
  });
}

/** A statement that behaves like D1's and logs its meta. `raw()` runs it once more to get one. */
function wrapStatement(stmt: Stmt, sql: string, params: unknown[], log: Entry[]): Stmt {
  const w = {
    [INNER]: stmt,
    bind: (...p: unknown[]) => wrapStatement(stmt.bind(...p), sql, p, log),
    async all() {
      const r = await stmt.all();
      record(log, sql, params, r);
      return r;
    },
    async run() {
      const r = await stmt.run();
      record(log, sql, params, r);
      return r;
    },
    async first(col?: string) {
      const r = await stmt.all<Record<string, unknown>>();
      record(log, sql, params, r);
      const row = r.results[0];
      if (!row) return null;
      return col ? (row[col] ?? null) : row;
    },
    async raw(opts?: { columnNames?: boolean }) {
      // drizzle reads selects with raw() (arrays, no meta): measure with all(), answer with raw().
      const r = await stmt.all();
      record(log, sql, params, r);
      return opts?.columnNames ? stmt.raw({ columnNames: true }) : stmt.raw();
    },
  };
  return w as unknown as Stmt;
}

function wrapD1(d1: D1Database, log: Entry[]): D1Database {
  return new Proxy(d1, {
    get(target, prop) {
      if (prop === "prepare") return (sql: string) => wrapStatement(target.prepare(sql), sql, [], log);
      if (prop === "batch")
        return async (stmts: Stmt[]) => {
          const res = await target.batch(stmts.map((s) => (s as unknown as { [INNER]: Stmt })[INNER] ?? s));
          for (const [i, r] of res.entries()) record(log, `(batch #${i})`, [], r);
          return res;
        };
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

interface ProbeEnv {
  CONTROL_DB: D1Database;
  DATA_EU_1: D1Database;
  [k: string]: unknown;
}

export default {
  async fetch(request: Request, env: ProbeEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/") return Response.json({ ok: true });
    if (url.pathname !== "/list") return new Response("not found", { status: 404 });
    const tenantId = url.searchParams.get("tenant") ?? "";
    const tenant = await env.CONTROL_DB.prepare(
      "select id, name, location, shard, status from tenants where id = ?",
    )
      .bind(tenantId)
      .first();
    if (!tenant) return Response.json({ error: `no tenant ${tenantId}` }, { status: 404 });
    const query = Object.fromEntries([...url.searchParams].filter(([k]) => k !== "tenant"));
    const log: Entry[] = [];
    const wrapped = { ...env, DATA_EU_1: wrapD1(env.DATA_EU_1, log) };
    const ctx = {
      env: wrapped,
      tenant,
      actor: { type: "api_key", id: "key_bench_probe", scopes: ["calls:read"] },
      requestId: "bench-probe",
      ip: null,
      userAgent: "ccr-bench-probe",
    };
    try {
      const out = await listCalls(ctx as never, query as never);
      for (const e of log) {
        if (!/^\s*select/i.test(e.sql)) continue;
        const plan = await env.DATA_EU_1.prepare(`explain query plan ${e.sql}`)
          .bind(...e.params)
          .all<{ detail: string }>();
        e.plan = plan.results.map((p) => p.detail);
      }
      return Response.json({ data: out.data.length, nextCursor: out.nextCursor, statements: log });
    } catch (e) {
      return Response.json({ error: (e as Error).message, statements: log }, { status: 500 });
    }
  },
};
