import { afterEach, describe, expect, it, vi } from "vitest";
import {
  checkOutboundUrl,
  MAX_REDIRECTS,
  OutboundError,
  outboundFetch,
  readJson,
} from "../core/platform/outbound";

/**
 * The outbound-fetch guard (core/platform/outbound.ts): which URLs may be called, and how the
 * call is made (manual redirects re-checked, one timeout, typed errors). The network is the fetch
 * spy; what we send is asserted.
 */
afterEach(() => vi.restoreAllMocks());

const PROD = { ENVIRONMENT: "production" };
const refusedIn = (url: string, environment = "production") => {
  const r = checkOutboundUrl(url, environment);
  return r.ok ? null : r.reason;
};

describe("checkOutboundUrl", () => {
  it.each([
    // IPv4 loopback in every notation the WHATWG parser accepts
    ["https://127.0.0.1/", /loopback/],
    ["https://127.1/", /loopback/],
    ["https://2130706433/", /loopback/],
    ["https://0x7f000001/", /loopback/],
    ["https://0x7f.0.0.1/", /loopback/],
    ["https://0177.0.0.1/", /loopback/],
    ["https://0177.1/", /loopback/],
    ["https://127.0.0.1./", /loopback/],
    ["https://%31%32%37.0.0.1/", /loopback/],
    ["https://１２７.０.０.１/", /loopback/],
    ["https://127。0。0。1/", /loopback/],
    ["https://0/", /unspecified/],
    // private, CGNAT, link-local and cloud metadata
    ["https://10.1.2.3/", /private/],
    ["https://012.1.2.3/", /private/],
    ["https://0xa9fea9fe/", /link-local/],
    ["https://169.254.169.254/latest/meta-data/", /link-local/],
    ["https://100.100.100.200/", /carrier-grade NAT/],
    ["https://192.168.0.1/", /private/],
    // IPv6, mapped, compatible, NAT64, 6to4
    ["https://[::1]/", /loopback/],
    ["https://[0:0:0:0:0:0:0:1]/", /loopback/],
    ["https://[::ffff:127.0.0.1]/", /loopback/],
    ["https://[::ffff:7f00:1]/", /loopback/],
    ["https://[0:0:0:0:0:ffff:a9fe:a9fe]/", /link-local/],
    ["https://[::127.0.0.1]/", /loopback/],
    ["https://[::10.0.0.1]/", /private/],
    ["https://[::8.8.8.8]/", /reserved/],
    ["https://[64:ff9b::a9fe:a9fe]/", /link-local/],
    ["https://[2002:7f00:1::]/", /loopback/],
    ["https://[fd00:ec2::254]/", /unique local/],
    ["https://[fe80::1]/", /link-local/],
    // names that are local by definition
    ["https://localhost/", /local or internal/],
    ["https://LOCALHOST./", /local or internal/],
    ["https://app.localhost/", /local or internal/],
    ["https://metadata.google.internal/computeMetadata/v1/", /local or internal/],
    ["https://metadata/", /fully qualified/],
    ["https://169.254.169.254.nip.io/", /resolves to a private/],
    // scheme, port, credentials
    ["http://example.com/", /only https/],
    ["https://example.com:22/", /port/],
    ["https://user:pw@example.com/", /credentials/],
    ["gopher://example.com/", /only https/],
  ])("refuses %s in production", (url, why) => {
    expect(refusedIn(url)).toMatch(why);
  });

  it("accepts public https targets, normalised; http only in development and test; loopback only in development", () => {
    expect(checkOutboundUrl("https://IdP.Example.COM/x#frag", "production")).toEqual({
      ok: true,
      url: "https://idp.example.com/x",
    });
    for (const url of ["https://8.8.8.8/", "https://[2606:4700:4700::1111]/", "https://example.com:8443/"])
      expect(refusedIn(url), url).toBeNull();
    expect(refusedIn("http://example.com/", "test")).toBeNull();
    // The local mock issuer of `npm run dev` and the browser tests.
    expect(refusedIn("http://127.0.0.1:8899/dns-query", "development")).toBeNull();
    expect(refusedIn("http://localhost:8899/", "development")).toBeNull();
    expect(refusedIn("http://127.0.0.1:8899/", "test")).toMatch(/loopback|port/);
    expect(refusedIn("http://10.0.0.1/", "development")).toMatch(/private/);
  });
});

describe("outboundFetch", () => {
  const spy = (answer: (url: string, init: RequestInit) => Response | Promise<Response>) =>
    vi
      .spyOn(globalThis, "fetch")
      .mockImplementation(async (input, init) => answer(String(input), init ?? {}));

  it("a refused URL is never fetched: OutboundError('refused')", async () => {
    const f = spy(() => new Response("no"));
    const err = await outboundFetch(PROD, "https://0x7f.1/").catch((e) => e);
    expect(err).toBeInstanceOf(OutboundError);
    expect(err).toMatchObject({ kind: "refused", status: 422 });
    expect(f).not.toHaveBeenCalled();
  });

  it("follows a redirect only after checking it; a redirect to a private target stops there", async () => {
    const f = spy((url) =>
      url === "https://a.example.com/start"
        ? new Response(null, { status: 302, headers: { location: "https://b.example.com/next" } })
        : url === "https://b.example.com/next"
          ? new Response(null, { status: 307, headers: { location: "http://[::ffff:169.254.169.254]/" } })
          : new Response("should not be reached"),
    );
    const err = await outboundFetch({ ENVIRONMENT: "test" }, "https://a.example.com/start").catch((e) => e);
    expect(err).toMatchObject({
      kind: "refused",
      reason: expect.stringMatching(/^redirect refused: .*link-local/),
    });
    expect(f.mock.calls.map((c) => String(c[0]))).toEqual([
      "https://a.example.com/start",
      "https://b.example.com/next",
    ]);
    for (const c of f.mock.calls) expect((c[1] as RequestInit).redirect).toBe("manual");
  });

  it("at most MAX_REDIRECTS hops; credentials do not follow to another origin; a relative hop keeps them", async () => {
    let n = 0;
    const f = spy(
      () => new Response(null, { status: 302, headers: { location: `https://h${++n}.example.com/` } }),
    );
    const err = await outboundFetch(PROD, "https://h0.example.com/", {
      headers: { authorization: "Bearer secret" },
    }).catch((e) => e);
    expect(err).toMatchObject({ kind: "redirect" });
    expect(f).toHaveBeenCalledTimes(MAX_REDIRECTS + 1);
    expect(new Headers((f.mock.calls[1][1] as RequestInit).headers).get("authorization")).toBeNull();

    f.mockReset();
    f.mockImplementation(async (input) =>
      String(input).endsWith("/old")
        ? new Response(null, { status: 301, headers: { location: "/new" } })
        : Response.json({ ok: true }),
    );
    const res = await outboundFetch(PROD, "https://same.example.com/old", {
      headers: { authorization: "Bearer secret" },
    });
    expect(await res.json()).toEqual({ ok: true });
    expect(String(f.mock.calls[1][0])).toBe("https://same.example.com/new");
    expect(new Headers((f.mock.calls[1][1] as RequestInit).headers).get("authorization")).toBe(
      "Bearer secret",
    );
  });

  it("a POST does not follow redirects by default: the 3xx is the caller's answer", async () => {
    const f = spy(
      () => new Response(null, { status: 302, headers: { location: "https://elsewhere.example.com/" } }),
    );
    const res = await outboundFetch(PROD, "https://hooks.example.com/in", { method: "POST", body: "{}" });
    expect(res.status).toBe(302);
    expect(f).toHaveBeenCalledTimes(1);
  });

  it("timeouts and network errors are typed, with a readable reason", async () => {
    spy(() => {
      throw new DOMException("The operation timed out.", "TimeoutError");
    });
    await expect(outboundFetch(PROD, "https://slow.example.com/", { timeoutMs: 2000 })).rejects.toMatchObject(
      {
        kind: "timeout",
        reason: "timeout after 2 s",
      },
    );
    vi.restoreAllMocks();
    spy(() => {
      throw new TypeError("Network connection lost.");
    });
    await expect(outboundFetch(PROD, "https://down.example.com/")).rejects.toMatchObject({
      kind: "network",
      reason: expect.stringContaining("Network connection lost"),
    });
  });

  it("readJson bounds the body and refuses what is not JSON", async () => {
    await expect(readJson(new Response('{"a":1}'))).resolves.toEqual({ a: 1 });
    await expect(readJson(new Response("x".repeat(2000)), 1000)).rejects.toMatchObject({ kind: "response" });
    await expect(readJson(new Response("<html>"))).rejects.toMatchObject({
      kind: "response",
      reason: "the answer is not JSON",
    });
  });
});
