#!/usr/bin/env node
// Issue 13.2: the codemod that puts core/ into its bounded contexts (and the page kit into apps/ui).
//
//   node scripts/arch/move.mjs          apply scripts/arch/moves.json, print what it did
//   node scripts/arch/move.mjs --dry    print only
//
// Re-runnable on purpose: branches written against the old flat layout are merged first, then this
// runs again and moves what they added. Each step is idempotent:
//   1. every listed source that still exists is `git mv`d to its target (a folder file by file, so
//      files added later to an old folder follow it);
//   2. every relative specifier (import/export … from, import "…", import("…"), vi.mock/importActual,
//      require) in apps/ core/ db/ workers/ test/ scripts/ bench/ is resolved as it was meant (from
//      the importer's place before the move, also when the import was written against the old
//      layout after the move) and rewritten to point at the target's final place;
//   3. repository paths written out in text (comments, test allow-lists: `core/kpis.ts`) that name an
//      old place that no longer exists are rewritten too.
//   4. the imports of every touched file are sorted again (Biome's organizeImports, nothing else).
// A second run finds nothing to move and every specifier already right, and prints "nothing to do".
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const dry = process.argv.includes("--dry");
const { moves, contexts } = JSON.parse(fs.readFileSync(path.join(root, "scripts/arch/moves.json"), "utf8"));
const entries = Object.entries(moves); // [old, new], repository-relative

const SCAN = ["apps", "core", "db", "workers", "test", "scripts", "bench"];
const SKIP_DIRS = new Set(["node_modules", ".wrangler", "migrations"]);
const CODE = /\.(ts|tsx|mts|js|mjs|cjs)$/;
/** Sources whose specifiers are data, not imports (synthetic trees the architecture test checks). */
const KEEP = new Set(["test/architecture.test.ts"]);
const TEXT = /\.(ts|tsx|mts|js|mjs|cjs|md)$/;

const abs = (r) => path.join(root, r);
const isFile = (r) => fs.existsSync(abs(r)) && fs.statSync(abs(r)).isFile();
const isDir = (r) => fs.existsSync(abs(r)) && fs.statSync(abs(r)).isDirectory();

function walk(dirRel, out = []) {
  if (!isDir(dirRel)) return out;
  for (const e of fs.readdirSync(abs(dirRel), { withFileTypes: true })) {
    const r = `${dirRel}/${e.name}`;
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && !(dirRel === "scripts" && e.name === "arch")) walk(r, out);
    } else out.push(r);
  }
  return out;
}

/** Where a path ends up: a listed file, or anything under a listed folder; else where it is. */
function finalOf(p) {
  for (const [from, to] of entries) {
    if (p === from) return to;
    if (p.startsWith(`${from}/`)) return to + p.slice(from.length);
  }
  return p;
}
/** Where a path was before the move (for specifiers written against the old layout). */
function originOf(p) {
  for (const [from, to] of entries) {
    if (p === to) return from;
    if (p.startsWith(`${to}/`)) return from + p.slice(to.length);
  }
  return p;
}

// ---- 1. the plan: every file's final place, and every specifier's target, before anything moves
const files = SCAN.flatMap((d) => walk(d));
const finalFiles = new Set(files.map(finalOf));
const SUFFIXES = ["", ".ts", ".tsx", "/index.ts", "/index.tsx"];

function candidates(fromFile, spec) {
  const bare = spec.replace(/\?.*$/, "");
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), bare));
  const list = SUFFIXES.map((s) => ({ path: base + s, suffix: s }));
  if (/\.js$/.test(base)) list.push({ path: base.replace(/\.js$/, ".ts"), suffix: "js" });
  return list;
}

/** The final place of what `spec` in `file` means, and how it was written (suffix); null when unknown. */
function resolveSpec(file, spec) {
  for (const c of candidates(file, spec))
    if (isFile(c.path)) return { target: finalOf(c.path), suffix: c.suffix };
  for (const from of new Set([originOf(file), file]))
    for (const c of candidates(from, spec)) {
      const f = finalOf(c.path);
      if (finalFiles.has(f)) return { target: f, suffix: c.suffix };
    }
  return null;
}

const SPEC_RE =
  /(\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|\bvi\.(?:mock|doMock|unmock|importActual|importMock)\s*\(\s*|\brequire\s*\(\s*)(["'])(\.{1,2}\/[^"'\n]*)\2/g;

function specFor(fromFinal, target, suffix, spec) {
  let t = target;
  if (suffix === ".ts" || suffix === ".tsx") t = t.replace(/\.tsx?$/, "");
  else if (suffix === "/index.ts" || suffix === "/index.tsx") t = t.replace(/\/index\.tsx?$/, "");
  else if (suffix === "js") t = t.replace(/\.ts$/, ".js");
  let r = path.posix.relative(path.posix.dirname(fromFinal), t);
  if (!r.startsWith(".")) r = `./${r}`;
  const q = spec.match(/\?.*$/);
  return q ? r + q[0] : r;
}

// ---- 1b. merge conflicts made only of imports. Merging this layout into a branch that added an import
// conflicts on the whole import block (every line was rewritten here). Both sides are kept, each
// binding once: from the side whose specifier resolves from the file's current place (written for the
// new layout), else the incoming side; step 2 below then rewrites what was written for the old layout.
// A conflict with anything but imports in it is left to a person (listed at the end).
const HUNK_RE = /^<<<<<<< [^\n]*\n([\s\S]*?)^=======\n([\s\S]*?)^>>>>>>> [^\n]*\n/gm;
const STMT_RE =
  /\bimport\s+(type\s+)?(\{[^}]*\}|[\w$]+|\*\s+as\s+[\w$]+)\s*from\s*(["'])([^"']+)\3;?|\bimport\s*(["'])([^"']+)\5;?/g;
const fresh = (file, spec) => !spec.startsWith(".") || candidates(file, spec).some((c) => isFile(c.path));
function importsOnly(text) {
  return text.replace(STMT_RE, "").trim() === "";
}
function mergeImportHunk(file, ours, theirs) {
  const chosen = new Map(); // binding -> { spec, type, fresh }
  const units = [];
  for (const side of [theirs, ours])
    for (const m of side.matchAll(STMT_RE)) {
      const [, type, clause, , spec, , bare] = m;
      if (bare) {
        if (!units.includes(`import "${bare}";`)) units.push(`import "${bare}";`);
        continue;
      }
      const names = clause.startsWith("{")
        ? clause
            .slice(1, -1)
            .split(",")
            .map((n) => n.trim())
            .filter(Boolean)
        : [clause];
      for (const n of names) {
        const key = n.replace(/^type\s+/, "").replace(/^.*\s+as\s+/, "");
        const prev = chosen.get(key);
        const f = fresh(file, spec);
        if (!prev || (!prev.fresh && f))
          chosen.set(key, { spec, type: Boolean(type), braces: clause.startsWith("{"), n, fresh: f });
      }
    }
  const groups = new Map();
  for (const v of chosen.values()) {
    const k = `${v.type}|${v.braces}|${v.spec}`;
    groups.set(k, [...(groups.get(k) ?? []), v]);
  }
  for (const vs of groups.values()) {
    const { type, braces, spec } = vs[0];
    const clause = braces ? `{ ${vs.map((v) => v.n).join(", ")} }` : vs[0].n;
    for (const c of braces ? [clause] : vs.map((v) => v.n))
      units.push(`import ${type ? "type " : ""}${c} from "${spec}";`);
  }
  return `${units.join("\n")}\n`;
}
const leftConflicts = [];
const mergedConflicts = [];
for (const file of files.filter((f) => CODE.test(f))) {
  const src = fs.readFileSync(abs(file), "utf8");
  if (!src.includes("<<<<<<< ")) continue;
  let left = false;
  const out = src.replace(HUNK_RE, (m, a, b) => {
    const ours = a.split(/^\|\|\|\|\|\|\| /m)[0]; // diff3 style: the base section is dropped
    if (!importsOnly(ours) || !importsOnly(b)) {
      left = true;
      return m;
    }
    return mergeImportHunk(file, ours, b);
  });
  if (left) leftConflicts.push(file);
  if (out !== src) {
    mergedConflicts.push(file);
    if (!dry) fs.writeFileSync(abs(file), out);
  }
}

const edits = new Map(); // current path -> new source
const unresolved = [];
for (const file of files.filter((f) => CODE.test(f) && !KEEP.has(f))) {
  const src = fs.readFileSync(abs(file), "utf8");
  const fromFinal = finalOf(file);
  const out = src.replace(SPEC_RE, (m, head, q, spec) => {
    const r = resolveSpec(file, spec);
    if (!r) {
      if (!spec.includes("*")) unresolved.push(`${file}: ${spec}`);
      return m;
    }
    const next = specFor(fromFinal, r.target, r.suffix, spec);
    return next === spec ? m : `${head}${q}${next}${q}`;
  });
  if (out !== src) edits.set(file, out);
}

// ---- 2. the moves
const moved = [];
const movedFrom = new Set();
function gitMv(from, to) {
  moved.push(`${from} -> ${to}`);
  movedFrom.add(from);
  if (dry) return;
  fs.mkdirSync(path.dirname(abs(to)), { recursive: true });
  try {
    execFileSync("git", ["mv", from, to], { cwd: root, stdio: "pipe" });
  } catch {
    fs.renameSync(abs(from), abs(to)); // not tracked yet (a file added but not committed)
  }
}
const conflicts = [];
for (const [from] of entries) {
  const sources = isFile(from) ? [from] : walk(from);
  for (const f of sources) {
    const t = finalOf(f);
    if (isFile(t)) conflicts.push(`${f} and ${t} both exist: merge them by hand`);
    else gitMv(f, t);
  }
  if (!dry && isDir(from)) removeEmpty(from);
}
function removeEmpty(d) {
  for (const e of fs.readdirSync(abs(d), { withFileTypes: true }))
    if (e.isDirectory()) removeEmpty(`${d}/${e.name}`);
  if (fs.readdirSync(abs(d)).length === 0) fs.rmdirSync(abs(d));
}
for (const d of new Set(entries.map(([f]) => path.posix.dirname(f))))
  if (!dry && isDir(d) && d !== "core" && d !== "apps") removeEmpty(d);

// ---- 3. the specifier edits, written at the files' final places
const rewritten = [];
for (const [f, src] of edits) {
  const at = movedFrom.has(f) ? finalOf(f) : f;
  rewritten.push(at);
  if (!dry) fs.writeFileSync(abs(at), src);
}

// ---- 4. repository paths written out in text (comments, allow-lists, READMEs)
// Root-relative: at a word start, or after a lone "./" (bench/ hands esbuild such paths in strings).
const PATH_RE = /(?:(?<![\w.@/-])|(?<=(?<![\w.])\.\/))((?:core|apps)\/[\w./-]*[\w])/g;
function finalText(token) {
  if (finalOf(token) !== token && !isFile(token) && !isDir(token)) return finalOf(token);
  for (const ext of [".ts", ".tsx"]) {
    const f = token + ext;
    if (finalOf(f) !== f && !isFile(f) && !isDir(token) && !isFile(token))
      return finalOf(f).slice(0, -ext.length);
  }
  return token;
}
const textFiles = [...SCAN.flatMap((d) => walk(d)).filter((f) => TEXT.test(f)), "README.md"].filter(isFile);
const retexted = [];
for (const f of textFiles) {
  const src = fs.readFileSync(abs(f), "utf8");
  const out = src.replace(PATH_RE, (_m, token) => finalText(token));
  if (out !== src) {
    retexted.push(f);
    if (!dry) fs.writeFileSync(abs(f), out);
  }
}

// ---- 5. imports sorted again (a renamed specifier can land out of Biome's order); nothing else is touched
const touched = [...new Set([...rewritten, ...retexted])].filter((f) => CODE.test(f) && isFile(f));
if (!dry && touched.length)
  try {
    execFileSync(
      "npx",
      ["biome", "check", "--write", "--formatter-enabled=false", "--linter-enabled=false", ...touched],
      {
        cwd: root,
        stdio: "pipe",
      },
    );
  } catch (e) {
    console.log(`biome could not sort every import (run \`npx biome check --write\`):\n${e.stdout ?? e}`);
  }

// ---- report
const loose = fs
  .readdirSync(abs("core"))
  .filter((n) => !contexts.includes(n) && n !== "README.md")
  .map((n) => `core/${n}`);
const say = (title, list) => list.length && console.log(`${title} (${list.length}):\n  ${list.join("\n  ")}`);
say("moved", moved);
say("import specifiers rewritten in", rewritten);
say("paths in text rewritten in", retexted);
say("CONFLICT", conflicts);
say("merge conflicts of import blocks resolved in", mergedConflicts);
say("merge conflicts left for a person (not only imports)", leftConflicts);
say("unresolved relative specifiers (left as they are)", unresolved);
say("outside every context (add them to scripts/arch/moves.json)", loose);
if (!moved.length && !rewritten.length && !retexted.length && !mergedConflicts.length)
  console.log("nothing to do");
if (conflicts.length || loose.length || leftConflicts.length) process.exitCode = 1;
