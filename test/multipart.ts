import { BASE, call } from "./helpers";

/**
 * Sends a multipart form the way a browser does: encoded up front, so it carries its
 * Content-Length (the portal refuses an upload without one) and a same-site Origin.
 */
export async function postMultipart(path: string, cookie: string, fields: Record<string, string | File>) {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  const encoded = new Request("http://x/", { method: "POST", body: fd });
  const body = new Uint8Array(await encoded.arrayBuffer());
  return call(path, {
    method: "POST",
    cookie,
    body,
    headers: {
      origin: BASE,
      "content-type": encoded.headers.get("content-type") ?? "",
      "content-length": String(body.length),
    },
  });
}
