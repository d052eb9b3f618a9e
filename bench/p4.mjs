// P4 Recording upload: a 90 MB WAV in one `PUT /api/v1/calls/{id}/recording` and a 200 MB one
// through the multipart API (16 MiB parts), against a bench-only bare Worker that pipes the
// body straight into R2 (bench/bare/), both under `wrangler dev` in the same run. Bodies are
// generated on the fly (bench/lib/http.mjs); the workerd processes' RSS is sampled every 100 ms.

import { rmSync } from "node:fs";
import path from "node:path";
import {
  environmentNote,
  fmt,
  fmtBytes,
  log,
  median,
  pct,
  prepareState,
  root,
  sleep,
  table,
} from "./lib/common.mjs";
import { createTenant } from "./lib/d1.mjs";
import { request, streamUpload, wavSha256 } from "./lib/http.mjs";
import { inspect } from "./lib/inspector.mjs";
import { cpuMs, machineCpu, rssBytes, startPlatform, startWorker } from "./lib/platform.mjs";

const PORT = 8795;
const BARE_PORT = 8796;
const STATE = ".wrangler/bench-state-p4";
const BARE_STATE = ".wrangler/bench-state-p4-bare";
const TENANT = "ten_bench_p4";
const PUT_BYTES = 90_000_000;
const MPU_BYTES = 200_000_000;
const PART_BYTES = 16 * 1024 * 1024;
const REPS = Number(process.env.BENCH_P4_REPS ?? 3);
const MIN_RATIO = 0.7;
/** "Flat": the isolate never holds the file. Peak RSS growth must stay under a quarter of it. */
const MAX_MEMORY_SHARE = 0.25;
const MB = 1e6;

function partRanges(total) {
  const out = [];
  for (let s = 0, n = 1; s < total; s += PART_BYTES, n++)
    out.push({ n, start: s, end: Math.min(total, s + PART_BYTES) });
  return out;
}

/**
 * Samples every 100 ms until stop(): the RSS of `pids` (runtime and proxy workerd) and, through
 * the inspector, the Worker isolate's heap (JS heap used + ArrayBuffer backing stores). Returns
 * the growth of each over the value just before (peak − base).
 */
async function sampler(pids, isolate) {
  const base = pids.map((p) => rssBytes(p) ?? 0);
  const peak = [...base];
  const heapOf = (h) => h.used + h.backing;
  const heapBase = isolate ? heapOf(await isolate.heap()) : 0;
  let heapPeak = heapBase;
  let busy = false;
  const timer = setInterval(() => {
    pids.forEach((p, k) => {
      const v = rssBytes(p) ?? 0;
      if (v > peak[k]) peak[k] = v;
    });
    if (isolate && !busy) {
      busy = true;
      isolate
        .heap()
        .then((h) => {
          heapPeak = Math.max(heapPeak, heapOf(h));
        })
        .catch(() => {})
        .finally(() => {
          busy = false;
        });
    }
  }, 100);
  return {
    async stop() {
      clearInterval(timer);
      if (isolate) heapPeak = Math.max(heapPeak, heapOf(await isolate.heap()));
      return { delta: peak.map((v, k) => v - base[k]), heap: heapPeak - heapBase, heapBase };
    },
  };
}

async function json(res, what) {
  if (res.status < 200 || res.status >= 300)
    throw new Error(`${what}: ${res.status} ${res.text.slice(0, 400)}`);
  return res.json();
}

export async function p4() {
  for (const d of [STATE, BARE_STATE]) rmSync(path.join(root, d), { recursive: true, force: true });
  await prepareState(STATE);
  const [key] = createTenant(STATE, { id: TENANT, name: "Bench P4", keys: 1 });
  const auth = { authorization: `Bearer ${key}` };
  log("hashing the generated files (outside the timed uploads)…");
  const putSha = wavSha256(PUT_BYTES);
  const parts = partRanges(MPU_BYTES).map((p) => ({ ...p, sha: wavSha256(MPU_BYTES, p.start, p.end) }));
  const mpuSha = wavSha256(MPU_BYTES);

  const api = await startPlatform({ name: "p4-platform", stateDir: STATE, port: PORT });
  let bare;
  let insp;
  let warmup;
  let heapSpan;
  const results = [];
  try {
    bare = await startWorker({
      name: "p4-bare",
      config: path.join(root, "bench", "bare", "wrangler.toml"),
      stateDir: BARE_STATE,
      port: BARE_PORT,
    });
    const procs = { api: api.processes(), bare: bare.processes() };
    insp = { api: await inspect(PORT + 1000), bare: await inspect(BARE_PORT + 1000) };

    const newCall = async (externalId) =>
      (
        await json(
          await request(`${api.url}/api/v1/calls`, { method: "POST", headers: auth, body: { externalId } }),
          "create call",
        )
      ).id;

    const bareVariant = async (route, rep) => {
      const t0 = performance.now();
      const res = await streamUpload(`${bare.url}/${route}/p4-${route}-${rep}`, { total: PUT_BYTES });
      const ms = performance.now() - t0;
      const out = await json(res, `bare ${route}`);
      if (out.size !== PUT_BYTES || (out.sha256 && out.sha256 !== putSha))
        throw new Error(`bare ${route} stored ${JSON.stringify(out)}`);
      return {
        ms,
        bytes: PUT_BYTES,
        cleanup: () => request(`${bare.url}/obj/p4-${route}-${rep}`, { method: "DELETE" }),
      };
    };
    const uploads = {
      "api:put": async (rep) => {
        const id = await newCall(`P4-PUT-${rep}`);
        const t0 = performance.now();
        const res = await streamUpload(`${api.url}/api/v1/calls/${id}/recording`, {
          headers: { ...auth, "x-checksum-sha256": putSha },
          total: PUT_BYTES,
        });
        const ms = performance.now() - t0;
        const call = await json(res, "PUT recording");
        if (call.recording?.sha256 !== putSha || call.recording?.size !== PUT_BYTES)
          throw new Error(
            `PUT recording stored ${JSON.stringify(call.recording)}; expected ${PUT_BYTES} B, sha256 ${putSha}`,
          );
        return {
          ms,
          bytes: PUT_BYTES,
          cleanup: () => request(`${api.url}/api/v1/calls/${id}`, { method: "DELETE", headers: auth }),
        };
      },
      "bare:put": async (rep) => {
        const t0 = performance.now();
        const res = await streamUpload(`${bare.url}/put/p4-put-${rep}`, { total: PUT_BYTES });
        const ms = performance.now() - t0;
        const out = await json(res, "bare PUT");
        if (out.size !== PUT_BYTES) throw new Error(`bare PUT stored ${out.size} B`);
        return {
          ms,
          bytes: PUT_BYTES,
          cleanup: () => request(`${bare.url}/obj/p4-put-${rep}`, { method: "DELETE" }),
        };
      },
      // Diagnostics on the bare Worker: the body through a JS TransformStream (+ a DigestStream tap).
      "bare:put-js": async (rep) => bareVariant("put-js", rep),
      "bare:put-digest": async (rep) => bareVariant("put-digest", rep),
      "bare:put-tee": async (rep) => bareVariant("put-tee", rep),
      "bare:put-then-hash": async (rep) => bareVariant("put-then-hash", rep),
      "api:mpu": async (rep) => {
        const id = await newCall(`P4-MPU-${rep}`);
        const t0 = performance.now();
        const up = await json(
          await request(`${api.url}/api/v1/calls/${id}/recording/uploads`, { method: "POST", headers: auth }),
          "create upload",
        );
        for (const p of parts) {
          const res = await streamUpload(
            `${api.url}/api/v1/calls/${id}/recording/uploads/${up.uploadId}/parts/${p.n}`,
            {
              headers: { ...auth, "x-checksum-sha256": p.sha },
              total: MPU_BYTES,
              start: p.start,
              end: p.end,
            },
          );
          const out = await json(res, `part ${p.n}`);
          if (out.sha256 !== p.sha) throw new Error(`part ${p.n}: sha256 ${out.sha256}, expected ${p.sha}`);
        }
        const done = await json(
          await request(`${api.url}/api/v1/calls/${id}/recording/uploads/${up.uploadId}/complete`, {
            method: "POST",
            headers: auth,
          }),
          "complete",
        );
        const ms = performance.now() - t0;
        if (done.recording?.size !== MPU_BYTES)
          throw new Error(`multipart stored ${JSON.stringify(done.recording)}`);
        return {
          ms,
          bytes: MPU_BYTES,
          // The whole-object SHA-256 is a queue job after completion: wait for it (not timed in
          // the upload) and check it, sampling memory meanwhile.
          after: async () => {
            const s = await sampler([procs.api.runtime, procs.api.proxy], insp.api);
            const h0 = performance.now();
            let rec;
            for (let k = 0; k < 600; k++) {
              rec = (
                await json(await request(`${api.url}/api/v1/calls/${id}`, { headers: auth }), "get call")
              ).recording;
              if (rec?.status === "stored") break;
              await sleep(200);
            }
            const mem = await s.stop();
            if (rec?.status !== "stored") return { hashMs: null, hashOk: false, mem, rec };
            return { hashMs: performance.now() - h0, hashOk: rec.sha256 === mpuSha, mem, rec };
          },
          cleanup: () => request(`${api.url}/api/v1/calls/${id}`, { method: "DELETE", headers: auth }),
        };
      },
      "bare:mpu": async (rep) => {
        const k = `p4-mpu-${rep}`;
        const t0 = performance.now();
        const up = await json(await request(`${bare.url}/mpu/${k}`, { method: "POST" }), "bare create");
        const etags = [];
        for (const p of parts) {
          const res = await streamUpload(`${bare.url}/mpu/${k}/${encodeURIComponent(up.uploadId)}/${p.n}`, {
            total: MPU_BYTES,
            start: p.start,
            end: p.end,
          });
          etags.push(await json(res, `bare part ${p.n}`));
        }
        const done = await json(
          await request(`${bare.url}/mpu/${k}/${encodeURIComponent(up.uploadId)}/complete`, {
            method: "POST",
            body: { parts: etags },
          }),
          "bare complete",
        );
        const ms = performance.now() - t0;
        if (done.size !== MPU_BYTES) throw new Error(`bare multipart stored ${done.size} B`);
        return { ms, bytes: MPU_BYTES, cleanup: () => request(`${bare.url}/obj/${k}`, { method: "DELETE" }) };
      },
    };

    // Untimed warm-up on each side: one PUT of the same size (JIT, allocator, disk cache). The
    // first large body a workerd sees grows its RSS once (its allocator keeps the pages); that
    // growth is reported apart from the timed runs.
    const warm = {};
    for (const who of ["bare", "api"]) {
      for (const kind of ["put", "mpu"]) {
        const p = procs[who];
        const s = await sampler([p.runtime, p.proxy], insp[who]);
        const r = await uploads[`${who}:${kind}`](0);
        warm[`${who}:${kind}`] = await s.stop();
        if (r.after) await r.after();
        await r.cleanup?.();
        const d = warm[`${who}:${kind}`].delta;
        log(
          `warm-up ${who} ${kind}: isolate heap +${fmtBytes(warm[`${who}:${kind}`].heap)}; RSS +${fmtBytes(d[0])} runtime, +${fmtBytes(d[1])} proxy`,
        );
      }
    }
    warmup = warm;

    const heapOf = async (who) => {
      const h = await insp[who].heap();
      return h.used + h.backing;
    };
    heapSpan = { api: { start: await heapOf("api") }, bare: { start: await heapOf("bare") } };
    const deadline = Date.now() + 8 * 60_000;
    for (let rep = 1; rep <= REPS && Date.now() < deadline; rep++) {
      // Alternate who goes first so that drift (disk cache, background load) favours neither.
      const order = rep % 2 ? ["bare", "api"] : ["api", "bare"];
      const plan = [
        ...order.map((who) => [who, "put"]),
        ["bare", "put-js"],
        ["bare", "put-digest"],
        ["bare", "put-tee"],
        ["bare", "put-then-hash"],
        ...order.map((who) => [who, "mpu"]),
      ];
      for (const [who, kind] of plan) {
        const p = procs[who];
        await sleep(500); // let RSS settle after the previous upload
        const ours = [
          api.pid,
          ...procs.api.all.map((x) => x.pid),
          bare.pid,
          ...procs.bare.all.map((x) => x.pid),
        ];
        const cpu0 = { m: machineCpu(), ours: ours.map(cpuMs), self: process.cpuUsage() };
        const s = await sampler([p.runtime, p.proxy], insp[who]);
        const r = await uploads[`${who}:${kind}`](rep);
        const mem = await s.stop();
        const self = process.cpuUsage(cpu0.self);
        const m = machineCpu();
        const oursMs =
          ours.reduce((sum, pid, k) => sum + ((cpuMs(pid) ?? 0) - (cpu0.ours[k] ?? 0)), 0) +
          (self.user + self.system) / 1000;
        const others = Math.max(0, (m.busy - cpu0.m.busy - oursMs) / (m.total - cpu0.m.total));
        const after = r.after ? await r.after() : null;
        await r.cleanup?.();
        // What the isolate still holds 2 s later: near zero when the peak was garbage awaiting
        // collection; the file's size if it kept the chunks.
        await sleep(2000);
        const h = await insp[who].heap();
        mem.retained = h.used + h.backing - mem.heapBase;
        const mbps = r.bytes / MB / (r.ms / 1000);
        log(
          `rep ${rep} ${who} ${kind}: ${fmt(mbps)} MB/s (${fmt(r.ms / 1000, 2)} s); isolate heap +${fmtBytes(mem.heap)} (2 s later ${fmtBytes(mem.retained)}); RSS +${fmtBytes(mem.delta[0])} runtime, +${fmtBytes(mem.delta[1])} proxy; other load ${pct(others)}` +
            (after
              ? `; hash job ${after.hashMs === null ? "did not finish" : `${fmt(after.hashMs / 1000, 1)} s, ${after.hashOk ? "sha256 ok" : "sha256 WRONG"}, RSS +${fmtBytes(after.mem.delta[0])}`}`
              : ""),
        );
        results.push({ rep, who, kind, mbps, ms: r.ms, bytes: r.bytes, mem, after, others });
      }
    }
    heapSpan.api.end = await heapOf("api");
    heapSpan.bare.end = await heapOf("bare");
  } finally {
    insp?.api.close();
    insp?.bare.close();
    await bare?.stop();
    await api.stop();
    for (const d of [STATE, BARE_STATE]) rmSync(path.join(root, d), { recursive: true, force: true });
  }

  const pick = (who, kind) => results.filter((x) => x.who === who && x.kind === kind);
  const rows = [];
  const verdicts = [];
  for (const kind of ["put", "mpu"]) {
    const a = pick("api", kind);
    const b = pick("bare", kind);
    const am = median(a.map((x) => x.mbps));
    const bm = median(b.map((x) => x.mbps));
    const ratio = am / bm;
    const size = kind === "put" ? PUT_BYTES : MPU_BYTES;
    // Memory: growth of the Worker isolate's heap (JS + ArrayBuffers) per upload, median of the
    // timed runs (one late garbage collection can lift a single run), max shown; and what it still
    // holds 2 s later. The runtime workerd's RSS (simulators included) is shown beside it.
    const heap = (xs) => xs.map((x) => x.mem.heap);
    const rss = (xs) => xs.map((x) => x.mem.delta[0]);
    const memA = median(heap(a));
    const memAMax = Math.max(...heap(a));
    const keptA = Math.max(0, median(a.map((x) => x.mem.retained)));
    const memOk = memA <= size * MAX_MEMORY_SHARE && keptA <= size * MAX_MEMORY_SHARE;
    const ok = ratio >= MIN_RATIO && memOk;
    verdicts.push({ kind, ok, ratio, am, bm, memA, memAMax, keptA, memOk });
    const what = kind === "put" ? "90 MB, one PUT" : "200 MB, multipart (16 MiB parts)";
    rows.push([
      what,
      `${fmt(bm)} (${b.map((x) => fmt(x.mbps, 0)).join(", ")})`,
      `${fmt(am)} (${a.map((x) => fmt(x.mbps, 0)).join(", ")})`,
      `**${pct(ratio)}**`,
      `+${fmtBytes(median(heap(b)))} / **+${fmtBytes(memA)}** (max +${fmtBytes(memAMax)})`,
      fmtBytes(keptA),
      `+${fmtBytes(median(rss(b)))} / +${fmtBytes(median(rss(a)))} (max +${fmtBytes(Math.max(...rss(a)))})`,
      ok ? "pass" : `**FAIL**${ratio < MIN_RATIO ? " (throughput)" : ""}${memOk ? "" : " (memory)"}`,
    ]);
  }
  const pass = verdicts.every((v) => v.ok) && results.filter((x) => x.after).every((x) => x.after.hashOk);
  const hash = results.filter((x) => x.after);
  const summary = verdicts
    .map(
      (v) =>
        `${v.kind === "put" ? "90 MB PUT" : "200 MB multipart"} ${fmt(v.am)} MB/s vs bare ${fmt(v.bm)} MB/s = ${pct(v.ratio)} (≥ 70%), ` +
        `isolate heap +${fmtBytes(v.memA)} (max +${fmtBytes(v.memAMax)}, ${fmtBytes(v.keptA)} kept): ${v.ok ? "pass" : "FAIL"}`,
    )
    .join("; ");

  const md = [
    "Generated WAV files (44-byte PCM header, then pseudo-random bytes made on the fly; the client holds one " +
      "1 MiB chunk at a time) streamed from Node `http` with Content-Length over loopback. The product: " +
      "`PUT /api/v1/calls/{id}/recording` with `X-Checksum-SHA256`, and `POST …/recording/uploads` + one `PUT …/parts/{n}` " +
      "per 16 MiB part (each with its checksum) + `POST …/complete`, timed from the first request to the last answer. " +
      "The peer: `bench/bare/` — `env.BUCKET.put(key, request.body)`, and the same multipart sequence with " +
      `\`uploadPart(n, request.body)\`. Each under its own \`wrangler dev\`; ${REPS} repetitions alternating who goes ` +
      "first; MB/s = 10^6 bytes/s, medians (each run in brackets). Memory, sampled every 100 ms, peak minus the value " +
      "just before the upload: the Worker isolate's heap (JS heap used + ArrayBuffer backing stores, " +
      "`Runtime.getHeapUsage` over the inspector port of `wrangler dev`) — median (max) of the runs, and what it still " +
      "holds 2 s after the upload (median; negative counts as 0); and the RSS of the workerd process running the Worker " +
      "(`/proc/<pid>/status`, which also holds the local R2 simulator and allocator slack) — median (max). Verdict: " +
      `ratio ≥ 70%, and isolate heap growth and heap kept 2 s later (medians) both ≤ ${pct(MAX_MEMORY_SHARE)} of the file.`,
    "",
    table(
      [
        "Upload",
        "Bare pipe MB/s",
        "Product MB/s",
        "Ratio",
        "Isolate heap growth: bare / product",
        "Product heap kept 2 s later",
        "workerd RSS growth: bare / product",
        "Result",
      ],
      rows,
      "lrrrrrrl",
    ),
  ];
  const diag = ["put", "put-js", "put-digest", "put-tee", "put-then-hash"].map((k) => ({
    k,
    mbps: median(pick("bare", k).map((x) => x.mbps)),
    mem: median(pick("bare", k).map((x) => x.mem.heap)),
    memMax: Math.max(...pick("bare", k).map((x) => x.mem.heap)),
  }));
  const memCell = (d) => `+${fmtBytes(d.mem)} (max +${fmtBytes(d.memMax)})`;
  md.push(
    "",
    "Where the time goes (90 MB single PUT, medians; the diagnostics run on the bare Worker):",
    "",
    table(
      ["Path", "MB/s", "vs bare pipe", "Isolate heap growth (max)"],
      [
        ["`put(key, request.body)` (bare pipe)", fmt(diag[0].mbps), "100%", memCell(diag[0])],
        [
          "body → JS `TransformStream` → `FixedLengthStream` → `put`",
          fmt(diag[1].mbps),
          pct(diag[1].mbps / diag[0].mbps),
          memCell(diag[1]),
        ],
        [
          "same, each chunk also written to a `crypto.DigestStream`",
          fmt(diag[2].mbps),
          pct(diag[2].mbps / diag[0].mbps),
          memCell(diag[2]),
        ],
        [
          "`request.body.tee()`: one branch → `DigestStream`, the other → `FixedLengthStream` → `put` (no JS per chunk)",
          fmt(diag[3].mbps),
          pct(diag[3].mbps / diag[0].mbps),
          memCell(diag[3]),
        ],
        [
          "`put(key, request.body)`, then `get(key).body.pipeTo(DigestStream)` (hash read back, no JS per chunk)",
          fmt(diag[4].mbps),
          pct(diag[4].mbps / diag[0].mbps),
          memCell(diag[4]),
        ],
        [
          "the product's `PUT …/recording` (sniff, hash, checks, D1, audit)",
          fmt(verdicts[0].am),
          pct(verdicts[0].ratio),
          `+${fmtBytes(verdicts[0].memA)} (max +${fmtBytes(verdicts[0].memAMax)})`,
        ],
      ],
      "lrrr",
    ),
  );
  if (hash.length)
    md.push(
      "",
      `Multipart whole-object SHA-256 (queue job after \`complete\`, not in the upload time): ${hash
        .map((x) =>
          x.after.hashMs === null ? "did not finish in 120 s" : `${fmt(x.after.hashMs / 1000, 1)} s`,
        )
        .join(", ")}; ` +
        `${hash.every((x) => x.after.hashOk) ? "every digest matched the client's" : "**a digest did not match the client's**"}; ` +
        `runtime RSS growth meanwhile ≤ +${fmtBytes(Math.max(...hash.map((x) => x.after.mem.delta[0])))}.`,
    );
  if (warmup)
    md.push(
      "",
      "Untimed warm-up (one upload of each kind on each side, before the timed runs), runtime workerd RSS growth: " +
        `bare +${fmtBytes(warmup["bare:put"].delta[0])} (PUT) / +${fmtBytes(warmup["bare:mpu"].delta[0])} (multipart), ` +
        `product +${fmtBytes(warmup["api:put"].delta[0])} / +${fmtBytes(warmup["api:mpu"].delta[0])}. The first large ` +
        "body a fresh workerd receives grows its heap once (pages kept by its allocator; the local R2 simulator runs in " +
        "the same process); the timed runs show the steady state.",
    );
  if (heapSpan?.api.end !== undefined) {
    const n = results.filter((x) => x.who === "api").length;
    md.push(
      "",
      `Isolate heap over the timed runs: the product's ${fmtBytes(heapSpan.api.start)} before, ` +
        `${fmtBytes(heapSpan.api.end)} after its ${n} uploads (${fmtBytes((n / 2) * (PUT_BYTES + MPU_BYTES))} in all); the ` +
        `bare Worker's ${fmtBytes(heapSpan.bare.start)} → ${fmtBytes(heapSpan.bare.end)} (its diagnostic paths hand chunks ` +
        "to JS too). The heap does not add up the uploads, so the peaks are most likely chunks awaiting garbage " +
        "collection rather than files kept; but workerd does not let the inspector force a collection, so this cannot " +
        "be told apart from holding one file for a while. Either way the product's isolate reaches several tens of MiB " +
        "during one upload where the bare pipe, which never hands a chunk to JS, stays at a few KiB.",
    );
  }
  md.push(
    "",
    `Other load (CPU used outside this benchmark during the uploads, 2 cores = 100%): median ${pct(median(results.map((x) => x.others)))}, ` +
      `max ${pct(Math.max(...results.map((x) => x.others)))}.`,
  );
  md.push("", `Measured ${environmentNote()}.`);
  return { pass, summary, markdown: md.join("\n") };
}
