// The dev seed's demo calls go in the way a customer's bulk import does (B2, issue 17): the NDJSON
// file is uploaded through the multipart upload API (`POST /api/v1/uploads`, one `PUT` per part,
// `POST …/complete`), then `POST /api/v1/imports {uploadId}` starts the `call_import` job, and
// `GET /api/v1/imports/{id}` is polled until the job ends. So the demo calls are created by the same
// job code as a 10,000-call file. Used by scripts/dev.mjs, and by test/demo-import.test.ts with the
// Worker's own fetch.

const PART_SIZE = 8 * 1024 * 1024;

/**
 * Imports `ndjson` for the tenant of `apiKey` unless it already has a call. Returns `null` when it
 * had some, else the import's counts, its failed items and how long it took.
 * `fetch(path, init)` reaches the API (a base URL already applied); `sleep(ms)` waits between polls.
 */
export async function importDemoCalls({ fetch, apiKey, ndjson, sleep, timeoutMs = 10 * 60_000 }) {
  const auth = { authorization: `Bearer ${apiKey}` };
  const json = async (res, what) => {
    if (!res.ok) throw new Error(`${what} → ${res.status} ${(await res.text()).slice(0, 1000)}`);
    return res.json();
  };
  const probe = await fetch("/api/v1/calls?limit=1", { headers: auth });
  if (probe.status === 401)
    throw new Error(
      "its API key is not in this local state (seeded by an older scripts/seed.mjs); `npm run dev -- --reset` reseeds",
    );
  if ((await json(probe, "GET /api/v1/calls")).data?.length) return null;

  const t0 = Date.now();
  const bytes = new TextEncoder().encode(ndjson);
  const up = await json(
    await fetch("/api/v1/uploads", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ size: bytes.length, partSize: PART_SIZE }),
    }),
    "POST /api/v1/uploads",
  );
  for (let n = 1; n <= up.parts; n++)
    await json(
      await fetch(`/api/v1/uploads/${up.uploadId}/parts/${n}`, {
        method: "PUT",
        headers: { ...auth, "content-type": "application/octet-stream" },
        body: bytes.subarray((n - 1) * PART_SIZE, Math.min(bytes.length, n * PART_SIZE)),
      }),
      `PUT /api/v1/uploads/…/parts/${n}`,
    );
  await json(
    await fetch(`/api/v1/uploads/${up.uploadId}/complete`, { method: "POST", headers: auth }),
    "POST /api/v1/uploads/…/complete",
  );
  // A demo tenant's file is small: the job's steps run inside this request (`Prefer: wait`); the
  // queue carries on if they do not finish in time, and the polling below waits for it.
  let imp = await json(
    await fetch("/api/v1/imports", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json", prefer: "wait=30" },
      body: JSON.stringify({ uploadId: up.uploadId, name: "Demo calls (dev seed)" }),
    }),
    "POST /api/v1/imports",
  );
  const failed = [];
  for (;;) {
    if (imp.status === "done" || imp.status === "failed") break;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`import ${imp.id} still ${imp.status} after ${timeoutMs / 1000} s`);
    await sleep(1000);
    imp = await json(
      await fetch(`/api/v1/imports/${imp.id}?limit=1`, { headers: auth }),
      "GET /api/v1/imports",
    );
  }
  if (imp.status === "failed") throw new Error(`import ${imp.id} failed: ${imp.error}`);
  for (let cursor = ""; imp.errors; ) {
    const page = await json(
      await fetch(`/api/v1/imports/${imp.id}?result=error&limit=1000${cursor}`, { headers: auth }),
      "GET /api/v1/imports/…?result=error",
    );
    failed.push(...page.items.data);
    if (!page.items.nextCursor) break;
    cursor = `&cursor=${page.items.nextCursor}`;
  }
  return {
    importId: imp.id,
    created: imp.created,
    existing: imp.existing,
    errors: imp.errors,
    failed,
    total: imp.total,
    seconds: (Date.now() - t0) / 1000,
  };
}
