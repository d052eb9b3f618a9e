import { Hono } from "hono";
import { describe, expect, it, vi } from "vitest";
import { postRedirectGet } from "../apps/middleware/prg";
import type { AppEnv } from "../apps/types";
import { E } from "./helpers";

/** A form post answered with a page is caught whoever forgets post → redirect → get (I7 #17). */
function app() {
  const a = new Hono<AppEnv>();
  a.use("*", postRedirectGet());
  a.post("/things", (c) => c.html("<p>created</p>"));
  a.post("/things/preview", (c) => {
    c.set("postRendersPage", "preview; nothing stored");
    return c.html("<p>preview</p>");
  });
  a.post("/things/bad", (c) => c.html("<p>invalid</p>", 400));
  a.post("/things/ok", (c) => c.redirect("/things", 303));
  a.post("/things/json", (c) => c.json({ id: 1 }, 201));
  a.onError((err, c) => c.text(err.message, 500));
  return a;
}
const post = (path: string, env: Env = E) => app().request(path, { method: "POST" }, env);

describe("post → redirect → get guard", () => {
  it("a successful page answer to a form post fails in development and tests", async () => {
    const r = await post("/things");
    expect(r.status).toBe(500);
    expect(await r.text()).toContain("POST /things answered 200 with a page");
  });

  it("redirects, error pages, JSON and declared previews pass", async () => {
    expect((await post("/things/ok")).status).toBe(303);
    expect((await post("/things/bad")).status).toBe(400);
    expect((await post("/things/json")).status).toBe(201);
    expect((await post("/things/preview")).status).toBe(200);
  });

  it("in production the answer is kept (the change is made) and the mistake logged", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const r = await post("/things", { ...E, ENVIRONMENT: "production" } as Env);
    expect(r.status).toBe(200);
    expect(String(log.mock.calls[0]?.[0])).toContain("post → redirect → get");
    log.mockRestore();
  });
});
