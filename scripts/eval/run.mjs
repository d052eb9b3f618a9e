#!/usr/bin/env node
// Evaluation of the analysis against labelled calls (issue 14): `npm run eval -- <dir> [options]`.
// A benchmark, not a test: it prints figures and never gates `npm test`. See core/scoring/engine/README.md
// ("Evaluation") for what is counted and scripts/eval/rubric.ts for the grid and its mapping.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const HELP = `npm run eval -- <dir> [options]

Scores the built-in engine (default), the running platform (--api) or an LLM provider (--llm)
against the labelled calls of <dir> (format of ../shared/corpus-dev). A <dir> holding Banking77's
train.csv (../shared/datasets/banking77) is scored as one customer utterance per row.

  --split all|check|dev   check: files whose number ends in 0 or 5; dev: the others (default all)
  --lang fr|en            only calls of that language
  --only id,id            only these calls
  --api <baseUrl>         through the platform's API (needs --key <API key> with calls:write,
                          calls:read, rubrics:write): creates the evaluation grid as a rubric,
                          uploads each call with its transcript, waits for its analysis
  --key <k>               API key for --api
  --llm openai|anthropic  an LLM provider; key in CCR_EVAL_LLM_KEY, endpoint in
                          CCR_EVAL_LLM_ENDPOINT (default the provider's), model in CCR_EVAL_LLM_MODEL
  --errors                list what each call got wrong
  --json <file>           also write the report as JSON
`;

function parseArgs(argv) {
  const o = { split: "all", errors: false };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--help" || a === "-h") o.help = true;
    else if (a === "--split") o.split = val();
    else if (a === "--lang") o.lang = val();
    else if (a === "--only") o.only = new Set(val().split(","));
    else if (a === "--api") o.api = val().replace(/\/+$/, "");
    else if (a === "--key") o.key = val();
    else if (a === "--llm") o.llm = val();
    else if (a === "--errors") o.errors = true;
    else if (a === "--json") o.json = val();
    else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
    else rest.push(a);
  }
  if (!["all", "check", "dev"].includes(o.split)) throw new Error("--split is all, check or dev");
  if (o.api && !o.key) throw new Error("--api needs --key <API key>");
  if (o.llm && !["openai", "anthropic"].includes(o.llm)) throw new Error("--llm is openai or anthropic");
  o.dir = rest[0];
  return o;
}

async function bundle(entry, name) {
  const outdir = path.join(root, ".wrangler", "eval-out");
  mkdirSync(outdir, { recursive: true });
  const outfile = path.join(outdir, `${name}.mjs`);
  await build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    outfile,
    logLevel: "error",
  });
  return import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
}

function loadCalls(dir, o, inCheckSplit) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort();
  const calls = [];
  for (const f of files) {
    const c = JSON.parse(readFileSync(path.join(dir, f), "utf8"));
    if (!c || !Array.isArray(c.segments) || !c.labels) continue;
    if (o.split === "check" && !inCheckSplit(c.id)) continue;
    if (o.split === "dev" && inCheckSplit(c.id)) continue;
    if (o.lang && c.language !== o.lang) continue;
    if (o.only && !o.only.has(c.id)) continue;
    calls.push(c);
  }
  return calls;
}

async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

// ---- through the platform ----------------------------------------------------------------------

async function api(o, method, p, body) {
  const res = await fetch(`${o.api}/api/v1${p}`, {
    method,
    headers: { authorization: `Bearer ${o.key}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, text };
}

async function viaApi(o, calls, eng) {
  const rubricIds = {};
  for (const lang of new Set(calls.map((c) => c.language))) {
    const { rubricId: _r, version: _v, ...content } = eng.EVAL_RUBRICS[lang];
    const r = await api(o, "POST", "/rubrics", { name: `Evaluation grid (${lang})`, content });
    if (r.status !== 201 && r.status !== 200)
      throw new Error(`creating the evaluation rubric failed: ${r.status} ${r.text.slice(0, 300)}`);
    rubricIds[lang] = r.json.id;
  }
  const run = createHash("sha256").update(String(Date.now())).digest("hex").slice(0, 8);
  return pool(calls, 4, async (call) => {
    try {
      const created = await api(o, "POST", "/calls", {
        externalId: `eval-${call.id}-${run}`,
        language: call.language,
        rubricId: rubricIds[call.language],
        transcript: { format: "json", content: eng.transcriptJson(call) },
      });
      if (created.status !== 201 && created.status !== 200)
        throw new Error(`POST /calls ${created.status}: ${created.text.slice(0, 200)}`);
      const id = created.json.id;
      const deadline = Date.now() + 180_000;
      for (;;) {
        const c = await api(o, "GET", `/calls/${id}`);
        if (c.json?.status === "done") break;
        if (c.json?.status === "failed" || c.json?.status === "held")
          throw new Error(`call ${c.json.status}: ${c.json.failureReason ?? c.json.holdReason ?? ""}`);
        if (Date.now() > deadline) throw new Error(`no analysis after 180 s (status ${c.json?.status})`);
        await new Promise((r) => setTimeout(r, 1000));
      }
      const a = await api(o, "GET", `/calls/${id}/analysis`);
      if (a.status !== 200) throw new Error(`GET analysis ${a.status}`);
      return { call, result: a.json };
    } catch (e) {
      return { call, result: null, error: e instanceof Error ? e.message : String(e) };
    }
  });
}

// ---- Banking77 (PolyAI, CC BY 4.0): one customer utterance per row --------------------------------

function banking77(o, eng) {
  const rows = eng.parseBanking77(readFileSync(path.join(path.resolve(o.dir), "train.csv"), "utf8"));
  const scored = rows.map((row, i) => ({
    intent: row.intent,
    result: eng.runBuiltin(eng.utteranceCall(row.text, i)),
  }));
  const report = eng.scoreBanking77(scored);
  process.stdout.write(
    `${eng.formatBanking77(report, "built-in engine on Banking77 train.csv (PolyAI, CC BY 4.0)")}\n`,
  );
  if (o.json) writeFileSync(o.json, `${JSON.stringify(report, null, 1)}\n`);
}

// ---- main ----------------------------------------------------------------------------------------

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.help || !o.dir) {
    process.stdout.write(HELP);
    process.exit(o.help ? 0 : 2);
  }
  const eng = await bundle("scripts/eval/entry.ts", "eval-entry");
  if (existsSync(path.join(path.resolve(o.dir), "train.csv"))) return banking77(o, eng);
  const calls = loadCalls(path.resolve(o.dir), o, eng.inCheckSplit);
  if (calls.length === 0) throw new Error(`no labelled call in ${o.dir} for these options`);
  let items;
  let who = "built-in engine";
  if (o.api) {
    who = `platform ${o.api}`;
    items = await viaApi(o, calls, eng);
  } else if (o.llm) {
    const apiKey = process.env.CCR_EVAL_LLM_KEY;
    if (!apiKey) throw new Error("--llm needs CCR_EVAL_LLM_KEY");
    const endpoint =
      process.env.CCR_EVAL_LLM_ENDPOINT ??
      (o.llm === "openai" ? "https://api.openai.com/v1" : "https://api.anthropic.com");
    const llm = await bundle("scripts/eval/llm-entry.ts", "eval-llm");
    who = `LLM ${o.llm}`;
    items = await pool(calls, 2, async (call) => {
      try {
        const modelId = process.env.CCR_EVAL_LLM_MODEL;
        return {
          call,
          result: await llm.runLlm(call, {
            provider: o.llm,
            apiKey,
            endpoint,
            ...(modelId ? { modelId } : {}),
          }),
        };
      } catch (e) {
        return { call, result: null, error: e instanceof Error ? e.message : String(e) };
      }
    });
  } else {
    items = calls.map((call) => {
      try {
        return { call, result: eng.runBuiltin(call) };
      } catch (e) {
        return { call, result: null, error: e instanceof Error ? e.stack : String(e) };
      }
    });
  }
  const report = eng.score(items);
  const title = `${who} on ${path.basename(path.resolve(o.dir))} (split ${o.split}${o.lang ? `, ${o.lang}` : ""})`;
  process.stdout.write(`${eng.formatReport(report, title, { errors: o.errors })}\n`);
  if (o.json) writeFileSync(o.json, `${JSON.stringify({ title, ...report }, null, 1)}\n`);
}

main().catch((e) => {
  process.stderr.write(`eval: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
