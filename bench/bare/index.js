// Bench-only bare Worker (P4 peer): the cheapest possible upload into R2.
//   PUT    /put/<key>                         body → env.BUCKET.put(key, request.body)
//   POST   /mpu/<key>                         → { uploadId }
//   PUT    /mpu/<key>/<uploadId>/<partNumber> body → uploadPart(partNumber, request.body)
//   POST   /mpu/<key>/<uploadId>/complete     { parts: [{ partNumber, etag }] } → { size }
//   DELETE /obj/<key>
// The request bodies carry Content-Length, so R2 accepts the stream as is (known length).

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
    const [op, key, uploadId, part] = parts;
    if (parts.length === 0) return Response.json({ ok: true });
    if (op === "put" && request.method === "PUT") {
      const obj = await env.BUCKET.put(key, request.body);
      return Response.json({ size: obj.size });
    }
    if (op === "mpu" && request.method === "POST" && parts.length === 2) {
      const mpu = await env.BUCKET.createMultipartUpload(key);
      return Response.json({ uploadId: mpu.uploadId });
    }
    if (op === "mpu" && request.method === "PUT" && parts.length === 4) {
      const p = await env.BUCKET.resumeMultipartUpload(key, uploadId).uploadPart(Number(part), request.body);
      return Response.json({ partNumber: p.partNumber, etag: p.etag });
    }
    if (op === "mpu" && request.method === "POST" && part === "complete") {
      const { parts: list } = await request.json();
      const obj = await env.BUCKET.resumeMultipartUpload(key, uploadId).complete(list);
      return Response.json({ size: obj.size });
    }
    if (op === "obj" && request.method === "DELETE") {
      await env.BUCKET.delete(key);
      return new Response(null, { status: 204 });
    }
    return new Response("not found", { status: 404 });
  },
};
