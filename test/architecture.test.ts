import { describe, expect, it } from "vitest";

/**
 * Issue 13: the house rules, read from the sources. core/ is a stack of bounded contexts, each
 * importing only itself and the ones below it (LAYERS, bottom first; every context's README.md says
 * what it owns); apps/ holds thin routes over core/ and never queries the database itself; only
 * db/resolver.ts knows the data-plane bindings; a dynamic import is a deliberate, listed exception.
 */
const LAYERS = [
  "platform",
  "content",
  "scoring",
  "providers",
  "identity",
  "policy",
  "rubrics",
  "agents",
  "billing",
  "insights",
  "integrations",
  "calls",
  "quality",
  "governance",
  "privacy",
  "ops",
] as const;

/** What apps/ may take from db/: types only (`import type`), and only from these modules. */
const APPS_DB_TYPES = ["db/schema/control", "db/schema/data"];

/** Every dynamic import, by file and specifier, with why it is not a static import. */
const DYNAMIC_IMPORTS: Record<string, { why: string }> = {
  "core/identity/sso-issuer.ts -> jose/jwks/local": {
    why: "the JWKS verifier is only needed when an SSO login comes back; kept out of every other request's cold start",
  },
  "core/identity/sso-issuer.ts -> jose/jwt/verify": {
    why: "as above: loaded with the JWKS verifier when an SSO login is checked",
  },
};

/** Binding names of the data plane (wrangler.toml): only db/resolver.ts maps a location to them. */
const DATA_PLANE_BINDING = /\b(DATA_(EU|US)_\d+|BLOB_(EU|US))\b/;

interface Import {
  from: string;
  spec: string;
  /** Repository path the relative specifier resolves to; null for a package. */
  to: string | null;
  typeOnly: boolean;
  dynamic: boolean;
}

/** Comments out, so an example in a comment is not an import (same rule as test/outbound-fetch.test.ts). */
function stripComments(src: string): string {
  return src.replace(/(^|[\s;{}(),])\/\*[\s\S]*?\*\//g, "$1").replace(/(^|\s)\/\/.*$/gm, "$1");
}

const IMPORT_RE =
  /\b(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|\bimport\s+["']([^"']+)["']/g;

function resolve(from: string, spec: string, files: Set<string>): string | null {
  if (!spec.startsWith(".")) return null;
  const parts = from.split("/").slice(0, -1);
  for (const p of spec.replace(/\?.*$/, "").split("/")) {
    if (p === "..") parts.pop();
    else if (p !== ".") parts.push(p);
  }
  const base = parts.join("/");
  for (const s of ["", ".ts", ".tsx", "/index.ts", "/index.tsx"]) if (files.has(base + s)) return base + s;
  return base;
}

/** Every import of every source, resolved to repository paths. */
function importsOf(sources: Record<string, string>): Import[] {
  const files = new Set(Object.keys(sources));
  const out: Import[] = [];
  for (const [from, src] of Object.entries(sources))
    for (const m of stripComments(src).matchAll(IMPORT_RE)) {
      const spec = m[4] ?? m[5] ?? m[6];
      // `import { type A, type B } from` is as erased as `import type { A, B } from`.
      const names = m[3] ?? "";
      const allTypes =
        /^\{[^}]*\}$/.test(names.trim()) &&
        names
          .replace(/[{}\s]/g, "")
          .split(",")
          .filter(Boolean)
          .every((n) => n.startsWith("type"));
      out.push({
        from,
        spec,
        to: resolve(from, spec, files),
        typeOnly: Boolean(m[2]) || allTypes,
        dynamic: Boolean(m[5]),
      });
    }
  return out;
}

const contextOf = (p: string) => (p.startsWith("core/") ? p.split("/")[1] : null);
const rank = (c: string) => LAYERS.indexOf(c as (typeof LAYERS)[number]);

/** A core/ file outside every context, or a context importing one above it. */
function layerViolations(imports: Import[], files: string[]): string[] {
  const bad = files
    .filter((f) => f.startsWith("core/") && rank(contextOf(f) ?? "") < 0)
    .map((f) => `${f}: in no context`);
  for (const i of imports) {
    const a = contextOf(i.from);
    const b = i.to && contextOf(i.to);
    if (!a || !b || rank(a) < 0 || rank(b) < 0) continue;
    if (rank(b) > rank(a)) bad.push(`${i.from} (${a}) imports ${i.to} (${b}, above it)`);
  }
  return bad;
}

/** Contexts that are pure functions: no database, no drizzle. */
const PURE = ["content", "scoring"];

/** A pure context reaching the database. */
function purityViolations(imports: Import[]): string[] {
  return imports
    .filter((i) => PURE.includes(contextOf(i.from) ?? ""))
    .filter((i) => i.spec === "drizzle-orm" || i.spec.startsWith("drizzle-orm/") || i.to?.startsWith("db/"))
    .map((i) => `${i.from} imports ${i.spec}`);
}

/** apps/ importing drizzle, or a db/ value, or a db/ type from outside APPS_DB_TYPES. */
function appsViolations(imports: Import[]): string[] {
  return imports
    .filter((i) => i.from.startsWith("apps/"))
    .filter(
      (i) =>
        i.spec === "drizzle-orm" ||
        i.spec.startsWith("drizzle-orm/") ||
        (i.to?.startsWith("db/") &&
          !(i.typeOnly && APPS_DB_TYPES.some((t) => i.to === `${t}/index.ts` || i.to === `${t}.ts`))),
    )
    .map((i) => `${i.from} imports ${i.spec}${i.typeOnly ? " (types)" : ""}`);
}

/**
 * The operator console and the page kit taking something from the portal: what both apps show
 * (tables, pager, audit pieces) lives in apps/ui, so neither reaches into the portal's pages.
 */
function portalReachViolations(imports: Import[]): string[] {
  return imports
    .filter((i) => i.from.startsWith("apps/ops/") || i.from.startsWith("apps/ui/"))
    .filter((i) => i.to?.startsWith("apps/portal/"))
    .map((i) => `${i.from} imports ${i.to}`);
}

/** A dynamic import off DYNAMIC_IMPORTS. */
function dynamicViolations(imports: Import[]): string[] {
  return imports
    .filter((i) => i.dynamic && !DYNAMIC_IMPORTS[`${i.from} -> ${i.to ?? i.spec}`])
    .map((i) => `${i.from} -> ${i.to ?? i.spec}`);
}

/** A module other than db/resolver.ts naming a data-plane binding. */
function bindingViolations(sources: Record<string, string>): string[] {
  return Object.entries(sources)
    .filter(([p]) => p !== "db/resolver.ts" && !p.endsWith(".test.ts"))
    .filter(([, src]) => DATA_PLANE_BINDING.test(stripComments(src)))
    .map(([p]) => p);
}

/** Import circles (strongly connected components of more than one file) among files under `prefix`. */
function cycles(imports: Import[], prefix: string): string[][] {
  const g = new Map<string, string[]>();
  for (const i of imports)
    if (i.from.startsWith(prefix) && i.to?.startsWith(prefix) && !i.typeOnly) {
      g.set(i.from, [...(g.get(i.from) ?? []), i.to]);
      if (!g.has(i.to)) g.set(i.to, []);
    }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const c: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        c.push(w);
      } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return out;
}

const raw = import.meta.glob(
  ["../apps/**/*.{ts,tsx}", "../core/**/*.ts", "../workers/**/*.ts", "../db/**/*.ts", "!../**/*.test.ts"],
  { query: "?raw", import: "default", eager: true },
) as Record<string, string>;
const sources = Object.fromEntries(Object.entries(raw).map(([p, s]) => [p.replace(/^\.\.\//, ""), s]));
const imports = importsOf(sources);

describe("architecture (issue 13)", () => {
  it("reads the whole tree", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(200);
    expect(imports.length).toBeGreaterThan(1000);
  });

  it("every core/ file lives in a context, and no context imports one above it", () => {
    expect(layerViolations(imports, Object.keys(sources))).toEqual([]);
  });

  it("no import circle in core/ or apps/", () => {
    expect(cycles(imports, "core/")).toEqual([]);
    expect(cycles(imports, "apps/")).toEqual([]);
  });

  it("content/ and scoring/ stay pure: no db/, no drizzle", () => {
    expect(purityViolations(imports)).toEqual([]);
  });

  it("apps/ imports neither drizzle-orm nor db/ values", () => {
    expect(appsViolations(imports)).toEqual([]);
  });

  it("apps/ops/ and apps/ui/ import nothing from apps/portal/", () => {
    expect(portalReachViolations(imports)).toEqual([]);
  });

  it("only db/resolver.ts names a data-plane binding", () => {
    expect(bindingViolations(sources)).toEqual([]);
  });

  it("every dynamic import is on the allow-list, and every entry still exists", () => {
    expect(dynamicViolations(imports)).toEqual([]);
    const present = new Set(imports.filter((i) => i.dynamic).map((i) => `${i.from} -> ${i.to ?? i.spec}`));
    expect(Object.keys(DYNAMIC_IMPORTS).filter((k) => !present.has(k))).toEqual([]);
  });

  it("each rule fails on a tree that breaks it", () => {
    const bad: Record<string, string> = {
      "core/platform/a.ts": 'import { b } from "../calls/b";\nexport const a = await import("../ops/c");',
      "core/calls/b.ts": 'import { a } from "../platform/a";\n// import { x } from "../ops/c";',
      "core/ops/c.ts": 'export const c = "DATA_EU_1";',
      "core/scoring/s.ts":
        'import { sql } from "drizzle-orm";\nimport type { Call } from "../../db/schema/data";',
      "core/loose.ts": "export const x = 1;",
      "apps/page.tsx":
        'import { eq } from "drizzle-orm";\nimport { calls } from "../db/schema/data";\nimport type { Call } from "../db/schema/data";\nimport type { Loc } from "../db/resolver";\nimport { type A, type B } from "../db/schema/control";',
      "apps/ops/console.tsx":
        'import { Pager } from "../portal/pages/audit";\nimport { Head } from "../ui/common";',
      "db/schema/data/index.ts": "",
      "db/schema/control/index.ts": "",
      "db/resolver.ts": 'const x = "DATA_EU_1";',
    };
    const i = importsOf(bad);
    expect(layerViolations(i, Object.keys(bad))).toEqual([
      "core/loose.ts: in no context",
      "core/platform/a.ts (platform) imports core/calls/b.ts (calls, above it)",
      "core/platform/a.ts (platform) imports core/ops/c.ts (ops, above it)",
    ]);
    expect(cycles(i, "core/")).toEqual([["core/calls/b.ts", "core/platform/a.ts"]]);
    expect(appsViolations(i)).toEqual([
      "apps/page.tsx imports drizzle-orm",
      "apps/page.tsx imports ../db/schema/data",
      "apps/page.tsx imports ../db/resolver (types)",
    ]);
    expect(portalReachViolations(i)).toEqual(["apps/ops/console.tsx imports apps/portal/pages/audit"]);
    expect(dynamicViolations(i)).toEqual(["core/platform/a.ts -> core/ops/c.ts"]);
    expect(bindingViolations(bad)).toEqual(["core/ops/c.ts"]);
    expect(purityViolations(i)).toEqual([
      "core/scoring/s.ts imports drizzle-orm",
      "core/scoring/s.ts imports ../../db/schema/data",
    ]);
  });
});
