// The Worker isolate's own memory, through the DevTools protocol that `wrangler dev` exposes on
// its inspector port (loopback): `Runtime.getHeapUsage` gives the JS heap in use and the bytes
// held by ArrayBuffers (request chunks included) — what "the isolate holds the file" is about,
// unlike the process RSS, which also counts the local R2/D1 simulators and allocator slack.

import WebSocket from "ws";

/**
 * `{ heap() → { used, backing, total }, close() }` for the Worker behind `inspectorPort`. (workerd
 * does not answer `HeapProfiler.collectGarbage`, so a garbage collection cannot be forced.)
 */
export async function inspect(inspectorPort) {
  const list = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = list.find((t) => t.webSocketDebuggerUrl) ?? list[0];
  if (!target) throw new Error(`no inspector target on port ${inspectorPort}`);
  // wrangler's inspector proxy accepts loopback origins only.
  const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { Origin: "http://127.0.0.1" } });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let seq = 0;
  const pending = new Map();
  ws.on("message", (m) => {
    const msg = JSON.parse(String(m));
    const p = msg.id !== undefined ? pending.get(msg.id) : undefined;
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(new Error(`${msg.error.message} (${msg.error.code})`));
    else p.resolve(msg.result);
  });
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`inspector ${method}: no answer in 10 s`));
      }, 10_000);
      pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return {
    async heap() {
      const r = await call("Runtime.getHeapUsage");
      return { used: r.usedSize ?? 0, backing: r.backingStorageSize ?? 0, total: r.totalSize ?? 0 };
    },
    close: () => ws.close(),
  };
}
