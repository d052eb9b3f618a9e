// Bench-only bare Worker (P4 peer): the cheapest possible upload into R2.
//   PUT    /put/<key>                         body → env.BUCKET.put(key, request.body)
//   PUT    /put-js/<key>, /put-digest/<key>   diagnostics: through a JS TransformStream (+ SHA-256)
//   PUT    /put-tee/<key>                     diagnostic: native tee into a DigestStream and R2
//   PUT    /put-then-hash/<key>               diagnostic: bare put, then read back into a DigestStream
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
    // Diagnostics (where does a streamed upload's time go?): the body through a JS
    // TransformStream into a FixedLengthStream, optionally tapping each chunk into a
    // crypto.DigestStream as it passes (the shape of a hashing upload).
    if ((op === "put-js" || op === "put-digest") && request.method === "PUT") {
      const length = Number(request.headers.get("content-length"));
      const digest = op === "put-digest" ? new crypto.DigestStream("SHA-256") : null;
      const writer = digest?.getWriter();
      const tap = new TransformStream({
        async transform(chunk, controller) {
          if (writer) await writer.write(chunk);
          controller.enqueue(chunk);
        },
        async flush() {
          await writer?.close();
        },
      });
      const fixed = new FixedLengthStream(length);
      const piped = request.body.pipeThrough(tap).pipeTo(fixed.writable);
      const [obj] = await Promise.all([env.BUCKET.put(key, fixed.readable), piped]);
      const sha256 = digest
        ? [...new Uint8Array(await digest.digest)].map((b) => b.toString(16).padStart(2, "0")).join("")
        : null;
      return Response.json({ size: obj.size, sha256 });
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
    // Diagnostic: hashing without a JS hop per chunk — the body tee'd natively into a
    // DigestStream and (through a FixedLengthStream) into R2.
    if (op === "put-tee" && request.method === "PUT") {
      const length = Number(request.headers.get("content-length"));
      const [toR2, toHash] = request.body.tee();
      const digest = new crypto.DigestStream("SHA-256");
      const fixed = new FixedLengthStream(length);
      const [obj] = await Promise.all([
        env.BUCKET.put(key, fixed.readable),
        toR2.pipeTo(fixed.writable),
        toHash.pipeTo(digest),
      ]);
      const sha256 = [...new Uint8Array(await digest.digest)]
        .map((b) => b.toString(16).padStart(2, "0"))
        .join("");
      return Response.json({ size: obj.size, sha256 });
    }
    // Diagnostic: store first (a bare pipe), then hash the stored object by reading it back
    // natively into a DigestStream — no chunk of the upload passes through JS.
    if (op === "put-then-hash" && request.method === "PUT") {
      const obj = await env.BUCKET.put(key, request.body);
      const digest = new crypto.DigestStream("SHA-256");
      await (await env.BUCKET.get(key)).body.pipeTo(digest);
      const sha256 = [...new Uint8Array(await digest.digest)]
        .map((b) => b.toString(16).padStart(2, "0"))
        .join("");
      return Response.json({ size: obj.size, sha256 });
    }
    return new Response("not found", { status: 404 });
  },
};
