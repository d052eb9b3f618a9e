// HTTP on loopback for the benchmarks: small JSON requests, a fixed-concurrency load generator
// (P3) and streamed uploads of generated bodies (P4). node:http with keep-alive agents: cheap on
// the client side, which shares the 2 cores with workerd.

import { createHash, randomBytes } from "node:crypto";
import http from "node:http";
import { quantile } from "./common.mjs";

/** One request; resolves `{ status, headers, text, json() }`. `body` is a string, Buffer or object (JSON). */
export function request(url, { method = "GET", headers = {}, body, agent, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    let payload = body;
    const h = { ...headers };
    if (body !== undefined && typeof body !== "string" && !Buffer.isBuffer(body)) {
      payload = JSON.stringify(body);
      h["content-type"] ??= "application/json";
    }
    if (payload !== undefined) h["content-length"] = Buffer.byteLength(payload);
    const req = http.request(
      url,
      { method, headers: h, agent: agent ?? false, timeout: timeoutMs },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: res.statusCode,
            headers: res.headers,
            text,
            json: () => JSON.parse(text),
          });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${url}`)));
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/**
 * Fixed-concurrency closed-loop load: `concurrency` workers on `concurrency` keep-alive
 * connections, each sending the next request as soon as the previous answer has been read.
 * `warmupMs` of untimed requests first, then `durationMs` measured. Every loop is bounded by
 * time and by `maxRequests`. Returns req/s, latency quantiles (ms) and status counts.
 */
export async function load({
  url,
  headersFor = () => ({}),
  concurrency = 10,
  warmupMs = 2000,
  durationMs = 10_000,
  maxRequests = 200_000,
}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  const target = new URL(url);
  const latencies = [];
  const statuses = new Map();
  let sent = 0;
  let measuredDone = 0;
  let errors = 0;
  let firstError = null;
  const tStart = performance.now();
  const tMeasure = tStart + warmupMs;
  const tEnd = tMeasure + durationMs;
  const one = (i) =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: "GET",
          agent,
          headers: headersFor(i),
        },
        (res) => {
          res.on("data", () => {});
          res.on("end", () => {
            const t1 = performance.now();
            if (t0 >= tMeasure && t1 <= tEnd) {
              latencies.push(t1 - t0);
              measuredDone++;
              statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
            }
            resolve();
          });
        },
      );
      req.on("error", (e) => {
        errors++;
        firstError ??= e.message;
        resolve();
      });
      req.end();
    });
  const worker = async () => {
    while (performance.now() < tEnd && sent < maxRequests) await one(sent++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    rps: measuredDone / (durationMs / 1000),
    requests: measuredDone,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    max: latencies[latencies.length - 1],
    statuses: Object.fromEntries(statuses),
    errors,
    firstError,
  };
}

// ---- Generated audio bodies ------------------------------------------------------------------

const CHUNK = 1024 * 1024;
let BLOCK;

/** 44-byte PCM WAV header (mono, 16 kHz, 16-bit) for a file of `total` bytes. */
export function wavHeader(total) {
  const h = Buffer.alloc(44);
  h.write("RIFF", 0, "ascii");
  h.writeUInt32LE(total - 8, 4);
  h.write("WAVE", 8, "ascii");
  h.write("fmt ", 12, "ascii");
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20); // PCM
  h.writeUInt16LE(1, 22); // mono
  h.writeUInt32LE(16_000, 24);
  h.writeUInt32LE(32_000, 28); // byte rate
  h.writeUInt16LE(2, 32); // block align
  h.writeUInt16LE(16, 34);
  h.write("data", 36, "ascii");
  h.writeUInt32LE(total - 44, 40);
  return h;
}

/**
 * The bytes of a generated WAV file of `total` bytes, from `start` to `end` (exclusive), as
 * 1 MiB chunks made on the fly: header, then a random 1 MiB block stamped with the chunk's
 * index (so no two MiB are equal). Nothing but the current chunk is held.
 */
export function* wavChunks(total, start = 0, end = total) {
  BLOCK ??= randomBytes(CHUNK);
  let off = start;
  while (off < end) {
    const idx = Math.floor(off / CHUNK);
    const chunkStart = idx * CHUNK;
    const chunk = Buffer.from(BLOCK);
    chunk.writeUInt32LE(idx, 0);
    if (idx === 0) wavHeader(total).copy(chunk, 0);
    const from = off - chunkStart;
    const to = Math.min(CHUNK, end - chunkStart);
    yield chunk.subarray(from, to);
    off = chunkStart + to;
  }
}

/** SHA-256 (hex) of `wavChunks(total, start, end)`, computed before the timed upload. */
export function wavSha256(total, start = 0, end = total) {
  const h = createHash("sha256");
  for (const c of wavChunks(total, start, end)) h.update(c);
  return h.digest("hex");
}

/**
 * Streams `wavChunks(total, start, end)` as the body of one request (Content-Length set, write
 * backpressure respected). Resolves `{ status, text, json(), ms }` (ms: first byte sent → last
 * byte of the answer read).
 */
export function streamUpload(
  url,
  { method = "PUT", headers = {}, total, start = 0, end = total, timeoutMs = 300_000 },
) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(
      url,
      {
        method,
        agent: false,
        timeout: timeoutMs,
        headers: { ...headers, "content-length": String(end - start), "content-type": "audio/wav" },
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode, text, json: () => JSON.parse(text), ms: performance.now() - t0 });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${url}`)));
    req.on("error", reject);
    const gen = wavChunks(total, start, end);
    const pump = () => {
      for (;;) {
        const n = gen.next();
        if (n.done) {
          req.end();
          return;
        }
        if (!req.write(n.value)) {
          req.once("drain", pump);
          return;
        }
      }
    };
    pump();
  });
}
