import { eq } from "drizzle-orm";
import { unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { newId, randomBytes, sha256Hex } from "../core/platform/crypto";
import { MIN_PART_SIZE, writeZipToR2 } from "../core/platform/exports/zip";
import { controlDb } from "../db/client";
import { auditLog, memberships, users } from "../db/schema/control";
import { call, E, loginCookie, makeTenant } from "./helpers";
import { operatorCookie } from "./ops-helpers";

const location = (r: Response) => r.headers.get("location") ?? "";

describe("portal page /privacy (tenant admins)", () => {
  it("records a request, shows the deadline, walks the identity check and readable errors", async () => {
    const t = await makeTenant();
    const cookie = await loginCookie(t.users.admin.email);
    const page = await call("/privacy", { cookie });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('action="/privacy"');
    expect(html).toContain('href="/privacy"'); // in the header navigation

    const bad = await call("/privacy", {
      method: "POST",
      cookie,
      form: { kind: "access", subjectType: "caller", phone: "12", channel: "email" },
    });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml, badHtml.slice(badHtml.indexOf("<main"), badHtml.indexOf("<main") + 600)).toContain(
      "This phone number is not valid.",
    );

    const created = await call("/privacy", {
      method: "POST",
      cookie,
      form: {
        kind: "objection",
        subjectType: "caller",
        phone: "06 12 34 56 78",
        channel: "letter",
        receivedAt: "2026-01-31",
      },
    });
    expect(created.status).toBe(303);
    const url = location(created);
    expect(url).toMatch(/^\/privacy\/prq_\w+\?ok=created$/);
    const detail = await (await call(url, { cookie })).text();
    expect(detail).toContain("The request was recorded.");
    expect(detail).toContain("+33 6••••••78");
    expect(detail).toContain("28 Feb 2026"); // 31 January + 1 month
    const id = url.split("/")[2].split("?")[0];

    const early = await call(`/privacy/${id}/actions`, {
      method: "POST",
      cookie,
      form: { action: "reject" },
    });
    expect(early.status).toBe(400);
    const verify = await call(`/privacy/${id}/actions`, {
      method: "POST",
      cookie,
      form: { action: "verify_identity", method: "signed_letter" },
    });
    expect(verify.status).toBe(303);
    const exec = await call(`/privacy/${id}/actions`, {
      method: "POST",
      cookie,
      form: { action: "execute" },
    });
    expect(exec.status).toBe(303);
    const done = await (await call(`/privacy/${id}`, { cookie })).text();
    expect(done).toContain("Completed");
    expect(done).toContain('value="lift"');
    const again = await call(`/privacy/${id}/actions`, {
      method: "POST",
      cookie,
      form: { action: "execute" },
    });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("not possible in the request");

    // A download link that is not one we signed: the request's page with the reason, not a bare error;
    // an unknown request stays a 404.
    const forged = await call(`/privacy/${id}/export?expires=1&signature=${"0".repeat(64)}`, { cookie });
    expect(forged.status).toBe(403);
    const forgedHtml = await forged.text();
    expect(forgedHtml).toContain("This download link is not valid.");
    expect(forgedHtml).toContain(`action="/privacy/${id}/actions"`);
    expect((await call("/privacy/prq_nothere/export", { cookie })).status).toBe(404);

    // Another tenant's admin: 404; a supervisor: 403.
    const other = await makeTenant();
    expect(
      (await call(`/privacy/${id}`, { cookie: await loginCookie(other.users.owner.email) })).status,
    ).toBe(404);
    expect(
      (await call(`/privacy/${id}`, { cookie: await loginCookie(t.users.supervisor.email) })).status,
    ).toBe(403);
  });
});

describe("operator console: users' own account requests (CCR controller)", () => {
  it("access gives a ZIP of the account; erasure deletes it (refused for a sole owner); all audited", async () => {
    const t = await makeTenant();
    const op = await operatorCookie(undefined, { "accept-language": "en" });
    const get = (path: string) => call(path, { cookie: op.cookie, headers: { "accept-language": "en" } });
    const post = (path: string, form: Record<string, string>) =>
      call(path, { method: "POST", cookie: op.cookie, form, headers: { "accept-language": "en" } });
    expect((await get("/ops/privacy")).status).toBe(200);
    const unknown = await post("/ops/privacy", { email: "nobody@example.test", kind: "access" });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("There is no account with this e-mail address.");

    const viewer = t.users.viewer;
    // What the person typed in their profile is text, never a formula, in account.csv.
    await controlDb(E)
      .update(users)
      .set({ jobTitle: '=HYPERLINK("https://evil.example")', company: "+1+1" })
      .where(eq(users.id, viewer.id));
    const created = await post("/ops/privacy", { email: viewer.email, kind: "access", channel: "email" });
    expect(created.status).toBe(303);
    const url = location(created).split("?")[0];
    const id = url.split("/")[3];
    await post(`${url}/actions`, { action: "verify_identity", method: "account_match" });
    expect((await post(`${url}/actions`, { action: "execute" })).status).toBe(303);
    const page = await (await get(url)).text();
    const link = /href="(\/ops\/privacy\/prq_\w+\/export\?expires=\d+&amp;signature=[0-9a-f]+)"/.exec(
      page,
    )?.[1];
    expect(link).toBeTruthy();
    const zip = await get(link!.replaceAll("&amp;", "&"));
    expect(zip.status).toBe(200);
    const tampered = await get(
      link!.replaceAll("&amp;", "&").replace(/signature=\w+/, `signature=${"0".repeat(64)}`),
    );
    expect(tampered.status).toBe(403);
    const tamperedHtml = await tampered.text();
    expect(tamperedHtml).toContain("This download link is not valid.");
    expect(tamperedHtml).toContain(`href="/ops/privacy/${id}/export?`); // the page, with its own link again
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(
      ["account.csv", "account.json", "connection-log.json", "memberships.json", "sessions.json"].sort(),
    );
    const accountCsv = new TextDecoder().decode(files["account.csv"]);
    expect(accountCsv).toContain(`jobTitle,"'=HYPERLINK(""https://evil.example"")"\r\n`);
    expect(accountCsv).toContain("company,'+1+1\r\n");
    const account = JSON.parse(new TextDecoder().decode(files["account.json"]));
    expect(account).toMatchObject({ email: viewer.email, firstName: "viewer" });
    expect(JSON.stringify(account)).not.toContain("passwordHash");
    // A tenant user cannot reach the console, and a tenant admin does not see account requests.
    expect((await call(url, { cookie: await loginCookie(t.users.owner.email) })).status).toBe(302);
    expect((await call(`/api/v1/privacy-requests/${id}`, { key: t.key })).status).toBe(404);

    // Erasure: the sole owner is refused; an ordinary member is deleted.
    const owner = await post("/ops/privacy", { email: t.users.owner.email, kind: "erasure" });
    const ownerUrl = location(owner).split("?")[0];
    await post(`${ownerUrl}/actions`, { action: "verify_identity", method: "id_document" });
    const refused = await post(`${ownerUrl}/actions`, { action: "execute" });
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain("only owner of an organisation");
    const er = await post("/ops/privacy", { email: viewer.email, kind: "erasure" });
    const erUrl = location(er).split("?")[0];
    await post(`${erUrl}/actions`, { action: "verify_identity", method: "id_document" });
    expect((await post(`${erUrl}/actions`, { action: "execute" })).status).toBe(303);
    expect(await controlDb(E).query.users.findFirst({ where: eq(users.id, viewer.id) })).toBeUndefined();
    expect(
      await controlDb(E).query.memberships.findFirst({ where: eq(memberships.userId, viewer.id) }),
    ).toBeUndefined();
    // The earlier access export of the same person is gone with the account.
    expect((await E.CONTROL_BUCKET.list({ prefix: `privacy-exports/${id}` })).objects).toEqual([]);
    const audited = await controlDb(E).select().from(auditLog).where(eq(auditLog.targetId, id));
    expect(audited.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        "privacy_request.created",
        "privacy_request.executed",
        "privacy_request.export_downloaded",
      ]),
    );
    expect(audited.every((a) => a.actorType === "operator" && a.actorId === op.id)).toBe(true);
  });
});

describe("writeZipToR2 (core/platform/exports/zip.ts)", () => {
  it("a small archive is one put; text deflated, bytes stored; SHA-256 of the object", async () => {
    const key = `test/zip/${newId("z")}.zip`;
    const json = JSON.stringify({ hello: "world".repeat(1000) });
    async function* entries() {
      yield { name: "a.json", data: json };
      yield { name: "dir/b.bin", data: new Uint8Array([1, 2, 3]), compress: false };
      yield {
        name: "c.txt",
        data: new Blob(["streamed ", "text"]).stream() as ReadableStream<Uint8Array>,
        compress: true,
      };
    }
    const r = await writeZipToR2(E.CONTROL_BUCKET, key, entries());
    expect(r.entries).toBe(3);
    const obj = await E.CONTROL_BUCKET.get(key);
    const bytes = new Uint8Array(await obj!.arrayBuffer());
    expect(bytes.byteLength).toBe(r.size);
    expect(r.size).toBeLessThan(json.length); // deflated
    expect(r.sha256).toBe(await sha256Hex(bytes));
    expect(obj!.httpMetadata?.contentType).toBe("application/zip");
    const files = unzipSync(bytes);
    expect(new TextDecoder().decode(files["a.json"])).toBe(json);
    expect([...files["dir/b.bin"]]).toEqual([1, 2, 3]);
    expect(new TextDecoder().decode(files["c.txt"])).toBe("streamed text");
  });

  it("a large archive goes up as a multipart upload in equal parts; duplicate names are refused", async () => {
    const key = `test/zip/${newId("z")}.zip`;
    // Incompressible audio-like bytes, streamed in chunks: 2.2 parts.
    const chunk = new Uint8Array(512 * 1024);
    for (let i = 0; i < chunk.byteLength; i += 65_536) chunk.set(randomBytes(65_536), i);
    const chunks = Math.ceil((MIN_PART_SIZE * 2.2) / chunk.byteLength);
    let sent = 0;
    const audio = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent++ < chunks) c.enqueue(chunk);
        else c.close();
      },
    });
    const r = await writeZipToR2(E.CONTROL_BUCKET, key, [
      { name: "readme.txt", data: "hello" },
      { name: "recording.wav", data: audio },
    ]);
    expect(r.size).toBeGreaterThan(MIN_PART_SIZE * 2);
    const obj = await E.CONTROL_BUCKET.get(key);
    const bytes = new Uint8Array(await obj!.arrayBuffer());
    expect(r.sha256).toBe(await sha256Hex(bytes));
    const files = unzipSync(bytes);
    expect(files["recording.wav"].byteLength).toBe(chunks * chunk.byteLength);
    expect(files["recording.wav"].subarray(0, 16)).toEqual(chunk.subarray(0, 16));
    await expect(
      writeZipToR2(E.CONTROL_BUCKET, `${key}.dup`, [
        { name: "x", data: "1" },
        { name: "x", data: "2" },
      ]),
    ).rejects.toThrow(/duplicate/);
    expect(await E.CONTROL_BUCKET.head(`${key}.dup`)).toBeNull();
  });
});
