import { describe, expect, it } from "vitest";
import { call, loginCookie, makeTenant } from "./helpers";

/**
 * Review of the newest routes (transfers, time zones, uploads, imports, recording notices):
 * hostile input is a problem document in the API and a readable page in the portal, never a 500.
 */
describe("newest routes under hostile input (review)", () => {
  it("API: malformed JSON, wrong types, prototype keys, huge values and unknown ids are 4xx problems", async () => {
    const t = await makeTenant();
    const cases: [string, string, unknown, number][] = [
      ["PUT", "/api/v1/settings/location", "{oops", 400],
      ["PUT", "/api/v1/settings/location", { location: "constructor" }, 400],
      ["PUT", "/api/v1/settings/location", { processingScope: "international", confirmName: 12 }, 400],
      ["PUT", "/api/v1/settings/time-zone", { timeZone: { constructor: 1 } }, 400],
      ["PUT", "/api/v1/settings/time-zone", { timeZone: "__proto__" }, 400],
      ["PUT", "/api/v1/settings/time-zone", { timeZone: "x".repeat(10_000) }, 400],
      ["POST", "/api/v1/uploads", { size: 1e300 }, 400],
      ["POST", "/api/v1/uploads", { size: 10, constructor: {} }, 400],
      ["POST", "/api/v1/uploads", [], 400],
      ["POST", "/api/v1/uploads", "{oops", 400],
      ["GET", "/api/v1/uploads/__proto__", undefined, 404],
      ["POST", "/api/v1/uploads/constructor/complete", undefined, 404],
      ["DELETE", "/api/v1/uploads/constructor", undefined, 404],
      ["POST", "/api/v1/imports", { uploadId: "constructor" }, 404],
      ["POST", "/api/v1/imports", '{"uploadId":"upl_x","__proto__":{"polluted":1}}', 400],
      ["POST", "/api/v1/imports", "{oops", 400],
      ["GET", "/api/v1/imports/constructor", undefined, 404],
      ["GET", "/api/v1/imports/imp_x?cursor=1e400", undefined, 404],
      ["GET", "/api/v1/recording-notices?lang=__proto__", undefined, 400],
    ];
    for (const [method, path, body, status] of cases) {
      const res = await call(path, {
        method,
        key: t.key,
        ...(typeof body === "string"
          ? { body, headers: { "content-type": "application/json" } }
          : body === undefined
            ? {}
            : { json: body }),
      });
      expect([method, path, res.status]).toEqual([method, path, status]);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    const part = await call("/api/v1/uploads/upl_x/parts/0", {
      method: "PUT",
      key: t.key,
      body: new Uint8Array(1),
      headers: { "content-type": "application/octet-stream" },
    });
    expect(part.status).toBe(400);
    expect({} as Record<string, unknown>).not.toHaveProperty("polluted"); // no prototype pollution
  });

  it("portal: unknown ids and odd query values are readable pages", async () => {
    const t = await makeTenant();
    const admin = await loginCookie(t.users.admin.email);
    for (const [path, status] of [
      ["/imports/constructor", 404],
      ["/imports/imp_x?cursor=abc&result=__proto__", 404],
      ["/recording-notices?lang=constructor", 200],
      ["/notices?x=__proto__", 200],
    ] as const) {
      const res = await call(path, { cookie: admin });
      expect([path, res.status]).toEqual([path, status]);
      expect(res.headers.get("content-type")).toContain("text/html");
    }
    const post = await call("/settings/time-zone", {
      method: "POST",
      cookie: admin,
      form: { timeZone: "constructor" },
    });
    expect(post.status).toBe(400);
    const scope = await call("/settings/location", {
      method: "POST",
      cookie: admin,
      form: { processingScope: "__proto__" },
    });
    expect(scope.status).toBe(400);
  });
});
