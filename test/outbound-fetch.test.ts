import { describe, expect, it } from "vitest";

/**
 * Issue 12, "make the class impossible": only the outbound-fetch guard and a listed set of
 * fixed-host clients call the global `fetch`. Every other outbound call — to any URL a tenant can
 * influence — goes through `outboundFetch` (core/platform/outbound.ts). A new `fetch(` anywhere
 * in apps/, core/, workers/ or db/ fails here until it is either moved behind the guard or added
 * to the list below with the reason it calls a host nobody but us chooses.
 */
const ALLOWED: Record<string, { sites: number; why: string }> = {
  "core/platform/outbound.ts": { sites: 1, why: "the guard itself" },
  "core/providers/http.ts": {
    sites: 1,
    why: "speech and LLM providers at the fixed endpoints decideProcessing picks (core/policy/processing.ts)",
  },
  "core/platform/mail.ts": { sites: 1, why: "the mail provider, Brevo, at BREVO_URL" },
  "workers/stripe/index.ts": { sites: 1, why: "the Stripe SDK's HTTP client (api.stripe.com)" },
  "apps/portal/assets/upload.ts": { sites: 2, why: "browser code: same-origin calls to our own API" },
};

/** Comments out (block comments that start a line or follow punctuation; line comments after a space). */
function stripComments(src: string): string {
  return src.replace(/(^|[\s;{}(),])\/\*[\s\S]*?\*\//g, "$1").replace(/(^|\s)\/\/.*$/gm, "$1");
}

/**
 * Where a source uses the global fetch: a bare `fetch(` call, `globalThis.fetch` / `self.fetch`
 * (called or passed on), or a bare `fetch` handed around as a value. A method *named* fetch (the
 * Worker's handler, `async fetch(request) {`) and calls on objects (`app.fetch`, a service
 * binding's `env.LLM.fetch`) are not the global.
 */
function fetchSites(src: string): string[] {
  const code = stripComments(src);
  const sites: string[] = [];
  const line = (i: number) => code.slice(code.lastIndexOf("\n", i) + 1, code.indexOf("\n", i)).trim();
  for (const m of code.matchAll(/\b(?:globalThis|self|window)\s*(?:\.\s*fetch\b|\[\s*["'`]fetch["'`]\s*\])/g))
    sites.push(line(m.index));
  // Not inside a word, a property access, a string ("fetch") or a header name (sec-fetch-site).
  for (const m of code.matchAll(/(?<![\w$.'"`-])fetch(?![\w$'"`-])/g)) {
    const before = code.slice(0, m.index).trimEnd();
    const after = code.slice(m.index + 5);
    if (/\btypeof$/.test(before)) continue; // a type
    if (/^\s*:/.test(after) || /^\s*\?\s*:/.test(after)) continue; // an object key or a property type
    if (/^\s*\(/.test(after) && isMethodDefinition(before, after)) continue;
    sites.push(line(m.index));
  }
  return sites;
}

/** `fetch(…) {` or `fetch(…): T {` after `async`, `{`, `,`, `}` or `;`: a method named fetch. */
function isMethodDefinition(before: string, after: string): boolean {
  if (!/(\basync|[{},;]|^)$/.test(before)) return false;
  let depth = 0;
  let i = after.indexOf("(");
  for (; i < after.length; i++) {
    if (after[i] === "(") depth++;
    else if (after[i] === ")" && --depth === 0) break;
  }
  return /^\s*(:[^;{]*)?\{/.test(after.slice(i + 1));
}

describe("who calls the global fetch", () => {
  it("the scanner finds calls, references and aliases, and ignores comments, methods named fetch and other objects' fetch", () => {
    const src = [
      "const a = await fetch(url);",
      "const b = globalThis.fetch(url, init);",
      "const c = globalThis['fetch'];",
      "client(fetch);",
      "const d = ok ? fetch(u) : null;",
      "// fetch(commented)",
      "/* fetch(block) */",
      "const e = await env.LLM.fetch(req);",
      "export default { async fetch(request: Request): Promise<Response> { return app.fetch(request); } };",
      "class W { fetch(request, env, ctx) { return x; } }",
      "type F = typeof fetch;",
      "const o = { fetch: opts.fetch };",
    ].join("\n");
    expect(fetchSites(src)).toEqual([
      "const b = globalThis.fetch(url, init);",
      "const c = globalThis['fetch'];",
      "const a = await fetch(url);",
      "client(fetch);",
      "const d = ok ? fetch(u) : null;",
    ]);
  });

  it("only the guard and the listed fixed-host clients call it", () => {
    const sources = import.meta.glob(
      [
        "../apps/**/*.{ts,tsx,js,mjs}",
        "../core/**/*.{ts,tsx,js,mjs}",
        "../workers/**/*.{ts,tsx,js,mjs}",
        "../db/**/*.ts",
      ],
      { query: "?raw", import: "default", eager: true },
    ) as Record<string, string>;
    expect(Object.keys(sources).length).toBeGreaterThan(100);
    const found: Record<string, string[]> = {};
    for (const [path, src] of Object.entries(sources)) {
      if (/\.test\.tsx?$/.test(path)) continue;
      const sites = fetchSites(src);
      if (sites.length) found[path.replace(/^\.\.\//, "")] = sites;
    }
    const unexpected = Object.entries(found)
      .filter(([path, sites]) => ALLOWED[path]?.sites !== sites.length)
      .map(([path, sites]) => `${path}: ${sites.join(" | ")}`);
    expect(unexpected).toEqual([]);
    // The list stays short and true: an entry whose call went away is removed.
    expect(Object.keys(ALLOWED).filter((p) => !found[p])).toEqual([]);
  });
});
