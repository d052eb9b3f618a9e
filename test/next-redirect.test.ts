import { createExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildApp } from "../apps/app";
import { sameOriginPath } from "../apps/ui/forms";
import { BASE, call, E, makeTenant, PASSWORD } from "./helpers";

/**
 * Where the portal goes after a form (issue 12, points 6 and 9): `next=` after sign-in and
 * `back=` after the language switch are parsed against APP_URL and followed only on its origin;
 * CR/LF in them is a fallback, not a 500 that still carries the new session cookie.
 */
const HOSTILE = [
  "/\t/evil.example",
  "/\\evil.example",
  "\\\\evil.example",
  "/\\/evil.example",
  "//evil.example",
  " //evil.example",
  "https://evil.example/",
  "https:evil.example",
  "http://127.0.0.1:8787@evil.example/",
  "javascript:alert(1)",
  "/\r\n/evil.example",
  "/calls\r\nSet-Cookie: __Host-ccr_session=forged",
  "/%0d%0aSet-Cookie:x",
];
const CONTROL = /[\r\n\t]/;

/** A Location that stays here: relative, same origin once resolved, no header injection. */
function expectHere(location: string | null, input: string) {
  expect(location, input).toBeTruthy();
  expect(location!.startsWith("/") && !location!.startsWith("//"), `${input} → ${location}`).toBe(true);
  expect(new URL(location!, BASE).origin, input).toBe(BASE);
  if (CONTROL.test(input)) expect(location, input).toBe("/");
}

describe("next= and back= stay on APP_URL's origin", () => {
  it("sameOriginPath: hostile forms fall back, same-origin paths are kept as parsed", () => {
    for (const raw of HOSTILE) expectHere(sameOriginPath(raw, BASE), raw);
    for (const raw of ["/\t/evil.example", "//evil.example", "https://evil.example/", "/\r\n/x"])
      expect(sameOriginPath(raw, BASE, "/home"), raw).toBe("/home");
    expect(sameOriginPath("/calls?status=done#top", BASE)).toBe("/calls?status=done#top");
    expect(sameOriginPath(`${BASE}/support`, BASE)).toBe("/support");
    expect(sameOriginPath("/a/../support", BASE)).toBe("/support");
  });

  it("after a password sign-in: a 303 to a path here, with the session cookie, whatever next= says", async () => {
    const t = await makeTenant();
    for (const next of HOSTILE) {
      const res = await call(`/login?next=${encodeURIComponent(next)}`, {
        method: "POST",
        form: { email: t.users.viewer.email, password: PASSWORD },
      });
      expect(res.status, next).toBe(303);
      expectHere(res.headers.get("location"), next);
      expect(
        res.headers.getSetCookie().some((c) => c.startsWith("__Host-ccr_session=")),
        next,
      ).toBe(true);
    }
    const ok = await call(`/login?next=${encodeURIComponent("/calls?status=done")}`, {
      method: "POST",
      form: { email: t.users.viewer.email, password: PASSWORD },
    });
    expect(ok.headers.get("location")).toBe("/calls?status=done");
  });

  it("the language switch's back= is held to the same rule", async () => {
    for (const back of HOSTILE) {
      const res = await call("/lang", { method: "POST", form: { lang: "en", back } });
      expect(res.status, back).toBe(303);
      expectHere(res.headers.get("location"), back);
    }
    const ok = await call("/lang", { method: "POST", form: { lang: "en", back: "/login?next=%2Fcalls" } });
    expect(ok.headers.get("location")).toBe("/login?next=%2Fcalls");
  });

  it("a 5xx never carries a Set-Cookie set before the failure", async () => {
    const app = buildApp();
    app.get("/__test/fails-after-cookie", (c) => {
      c.header("Set-Cookie", "__Host-ccr_session=half-done; Path=/; Secure; HttpOnly", { append: true });
      throw new Error("failed after the cookie");
    });
    const res = await app.fetch(
      new Request(`${BASE}/__test/fails-after-cookie`),
      E,
      createExecutionContext(),
    );
    expect(res.status).toBe(500);
    expect(res.headers.getSetCookie()).toEqual([]);
  });
});
