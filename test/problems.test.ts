import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { redact } from "../core/content/redaction";
import { type Lang, langModule } from "../core/scoring/engine/compile";
import { call, E, loginCookie, makeTenant } from "./helpers";

const isProblem = async (res: Response, status: number, type?: string) => {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = (await res.json()) as {
    type: string;
    title: string;
    status: number;
    detail: string;
    requestId: string;
  };
  expect(body.status).toBe(status);
  expect(body.title).toBeTruthy();
  expect(body.detail).toBeTruthy();
  expect(body.requestId).toBe(res.headers.get("x-request-id"));
  if (type) expect(body.type).toBe(`https://callcenterrate.com/problems/${type}`);
  return body;
};

describe("API errors are RFC 9457 problem documents (E2, I6)", () => {
  it("unknown route → 404 before auth", async () => {
    await isProblem(await call("/api/v1/nope"), 404, "not-found");
    await isProblem(await call("/api/v1/agents/x/y/z"), 404, "not-found");
  });

  it("no credentials → 401", async () => {
    await isProblem(await call("/api/v1/agents"), 401, "unauthenticated");
  });

  it("malformed JSON, wrong types, missing fields → 400 with pointers; nothing written", async () => {
    const t = await makeTenant();
    const malformed = await call("/api/v1/agents", {
      method: "POST",
      key: t.key,
      headers: { "content-type": "application/json" },
      body: '{"name": "x",',
    });
    await isProblem(malformed, 400, "malformed-json");
    const wrong = await isProblem(
      await call("/api/v1/agents", { method: "POST", key: t.key, json: { name: 42 } }),
      400,
      "validation-failed",
    );
    expect((wrong as unknown as { errors: { pointer: string }[] }).errors[0].pointer).toBe("/name");
    await isProblem(await call("/api/v1/agents", { method: "POST", key: t.key, json: [] }), 400);
    await isProblem(await call("/api/v1/agents?limit=0", { key: t.key }), 400);
    await isProblem(await call("/api/v1/agents?limit=201", { key: t.key }), 400);
    await isProblem(await call("/api/v1/agents?cursor=garbage", { key: t.key }), 400);
    const list = (await (await call("/api/v1/agents", { key: t.key })).json()) as { data: unknown[] };
    expect(list.data).toEqual([]);
  });

  it("an oversized JSON body → 413", async () => {
    const t = await makeTenant();
    const res = await call("/api/v1/agents", {
      method: "POST",
      key: t.key,
      json: { name: "x".repeat(1_100_000) },
    });
    await isProblem(res, 413, "payload-too-large");
  });

  it("pagination: limit bounds, cursor pages, no duplicates", async () => {
    const t = await makeTenant();
    for (let i = 0; i < 5; i++)
      await call("/api/v1/agents", { method: "POST", key: t.key, json: { name: `Agent ${i}`, team: "A" } });
    const p1 = (await (await call("/api/v1/agents?limit=2", { key: t.key })).json()) as {
      data: { id: string }[];
      nextCursor: string;
    };
    expect(p1.data).toHaveLength(2);
    const p2 = (await (
      await call(`/api/v1/agents?limit=2&cursor=${p1.nextCursor}`, { key: t.key })
    ).json()) as typeof p1;
    const p3 = (await (
      await call(`/api/v1/agents?limit=2&cursor=${p2.nextCursor}`, { key: t.key })
    ).json()) as typeof p1;
    expect(p3.data).toHaveLength(1);
    expect(p3.nextCursor).toBeNull();
    const ids = [...p1.data, ...p2.data, ...p3.data].map((a) => a.id);
    expect(new Set(ids).size).toBe(5);
  });

  it("Idempotency-Key: replay gives the stored response, another body → 409", async () => {
    const t = await makeTenant();
    const send = (name: string) =>
      call("/api/v1/agents", {
        method: "POST",
        key: t.key,
        json: { name, externalId: `ext-${name}` },
        headers: { "idempotency-key": "op-123" },
      });
    const a = await send("Zoé");
    expect(a.status).toBe(201);
    const b = await send("Zoé");
    expect(b.status).toBe(201);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect(await b.json()).toEqual(await a.json());
    await isProblem(await send("Other"), 409, "idempotency-conflict");
    const list = (await (await call("/api/v1/agents", { key: t.key })).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(1);
  });

  it("ETag on reads: If-None-Match → 304", async () => {
    const t = await makeTenant();
    const r1 = await call("/api/v1/tenant", { key: t.key });
    const etag = r1.headers.get("etag")!;
    expect(etag).toBeTruthy();
    const r2 = await call("/api/v1/tenant", { key: t.key, headers: { "if-none-match": etag } });
    expect(r2.status).toBe(304);
  });

  it("conflicts and unknown ids", async () => {
    const t = await makeTenant();
    await call("/api/v1/agents", { method: "POST", key: t.key, json: { name: "A", externalId: "dup" } });
    await isProblem(
      await call("/api/v1/agents", { method: "POST", key: t.key, json: { name: "B", externalId: "dup" } }),
      409,
      "conflict",
    );
    await isProblem(await call("/api/v1/agents/agt_doesnotexist", { key: t.key }), 404, "not-found");
  });
});

describe("security headers and CSRF (I3)", () => {
  it("pages carry CSP with a nonce, HSTS, nosniff, frame-ancestors, Referrer-Policy, no-store", async () => {
    const res = await call("/login");
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    expect(await res.text()).toContain(`nonce="${nonce}"`);
    expect(res.headers.get("strict-transport-security")).toContain("max-age=");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const api = await call("/api/v1/nope");
    expect(api.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("a cross-site form post is refused with 403 and changes nothing", async () => {
    const t = await makeTenant();
    const res = await call("/login", {
      method: "POST",
      form: { email: t.users.owner.email, password: "x" },
      headers: { origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/autre site|another site/);
    const noOrigin = await call("/logout", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "",
    });
    expect(noOrigin.status).toBe(403);
  });

  it("/healthz answers ok", async () => {
    const res = await call("/healthz");
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("the OpenAPI 3.1 document describes the API and its problem schema", async () => {
    const doc = (await (await call("/api/v1/openapi.json")).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/members", "/api-keys", "/agents/{agentId}", "/settings/location"]),
    );
    expect(doc.components.schemas.Problem).toBeTruthy();
    expect(doc.components.securitySchemes.bearer).toBeTruthy();
    const page = await call("/api/docs");
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("/api/v1/agents/{agentId}");
    expect(html).not.toContain("<script");
  });
});

describe("prototype keys in user text (issue 12 point 5)", () => {
  /** Words an object-literal lookup table would answer with Object.prototype's members. */
  const KEYS = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"];
  const say = KEYS.join(" ");

  it("a transcript saying 'constructor' is ingested by POST /calls, PUT …/transcript and imports", async () => {
    const t = await makeTenant();
    const formats = {
      text: `Agent: Bonjour, ${say}\nClient: ${say} merci`,
      vtt: `WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Agent>${say} &constructor;\n\n00:00:03.000 --> 00:00:04.000\n<v Client>${say}`,
      json: { segments: [{ speaker: "agent", start: 0, end: 1, text: say }] },
    };
    for (const [format, content] of Object.entries(formats)) {
      const res = await call("/api/v1/calls", {
        method: "POST",
        key: t.key,
        json: { externalId: `P-${format}`, transcript: { format, content } },
      });
      expect(res.status, format).toBe(201);
      const { id } = (await res.json()) as { id: string };
      const stored = await (await call(`/api/v1/calls/${id}/transcript`, { key: t.key })).text();
      expect(stored).toContain("constructor");
      // An unknown entity stays text; it never becomes Object.prototype.constructor's source.
      expect(stored).not.toContain("native code");
    }
    const bare = (await (
      await call("/api/v1/calls", { method: "POST", key: t.key, json: { externalId: "P-put" } })
    ).json()) as { id: string };
    const put = await call(`/api/v1/calls/${bare.id}/transcript`, {
      method: "PUT",
      key: t.key,
      body: `Agent: ${say}\nClient: ${say}`,
      headers: { "content-type": "text/plain" },
    });
    expect(put.status).toBe(200);
    const ndjson = JSON.stringify({
      externalId: "P-nd",
      transcript: { format: "text", content: `Agent: ${say}` },
    });
    const nd = await call("/api/v1/imports", {
      method: "POST",
      key: t.key,
      body: ndjson,
      headers: { "content-type": "application/x-ndjson" },
    });
    expect(((await nd.json()) as { summary: { created: number } }).summary.created).toBe(1);
    const list = (await (await call("/api/v1/calls", { key: t.key })).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(5);
  });

  it("redaction's number words and the engine's language modules are not found on Object.prototype", () => {
    expect(redact(`${say} quatre neuf sept zéro`).text).toContain("constructor");
    // A stored language is data: an unknown one gets a real module, never Object.prototype.constructor.
    expect(langModule("constructor" as Lang).lex.size).toBeGreaterThan(0);
  });

  it("a ZIP entry whose extension is 'constructor' is an unknown file (415), not a format", async () => {
    const t = await makeTenant();
    const enc = new TextEncoder();
    const zip = zipSync({ "a.constructor": enc.encode("Agent: hi"), "b.__proto__": enc.encode("Agent: hi") });
    const res = await call("/api/v1/imports", {
      method: "POST",
      key: t.key,
      body: zip,
      headers: { "content-type": "application/zip" },
    });
    const body = (await res.json()) as { items: { error?: { status: number } }[] };
    expect(body.items.map((i) => i.error?.status)).toEqual([415, 415]);
  });
});

describe("dates are bounded to 1970–2100 and views tolerate a bad stored one (issue 12 point 4)", () => {
  const PAST_JS = 8_640_000_000_000_001; // one millisecond past the JavaScript Date range
  const OUT = [
    PAST_JS,
    -1,
    4_102_444_800_000,
    "2100-01-01T00:00:00Z",
    "1969-12-31T23:59:59Z",
    "9999-12-31T23:59:59Z",
  ];

  it("every date and epoch input refuses a value outside the range with a 400 problem; nothing is stored", async () => {
    const t = await makeTenant();
    for (const v of OUT) {
      await isProblem(
        await call("/api/v1/calls", {
          method: "POST",
          key: t.key,
          json: { externalId: `D-${v}`, startedAt: v },
        }),
        400,
        "validation-failed",
      );
      await isProblem(
        await call("/api/v1/api-keys", {
          method: "POST",
          key: t.key,
          json: { name: "k", scopes: ["calls:read"], expiresAt: v },
        }),
        400,
        "validation-failed",
      );
      await isProblem(
        await call("/api/v1/privacy-requests", {
          method: "POST",
          key: t.key,
          json: { kind: "access", subject: { type: "caller", phone: "+33612345678" }, receivedAt: v },
        }),
        400,
        "validation-failed",
      );
      const q = encodeURIComponent(String(v));
      for (const path of ["/calls", "/agent-stats", "/audit-log"])
        await isProblem(await call(`/api/v1${path}?from=${q}`, { key: t.key }), 400, "validation-failed");
    }
    // In range still works, in both notations.
    for (const v of ["2099-12-31T23:59:59Z", 0, Date.UTC(2026, 0, 1)])
      expect(
        (
          await call("/api/v1/calls", {
            method: "POST",
            key: t.key,
            json: { externalId: `OK-${v}`, startedAt: v },
          })
        ).status,
      ).toBe(201);
    const list = (await (await call("/api/v1/calls", { key: t.key })).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(3);
    const keys = (await (await call("/api/v1/api-keys", { key: t.key })).json()) as { data: unknown[] };
    expect(keys.data).toHaveLength(1);
  });

  it("a stored start or expiry past the Date range shows as no date: lists, the call and the pages still answer", async () => {
    const t = await makeTenant();
    const made = (await (
      await call("/api/v1/calls", { method: "POST", key: t.key, json: { externalId: "legacy" } })
    ).json()) as { id: string };
    // Rows written before the bounds (or restored from an old backup) can still hold such values.
    await E.DATA_EU_1.prepare("update calls set started_at = ? where id = ?").bind(PAST_JS, made.id).run();
    await E.CONTROL_DB.prepare("update api_keys set expires_at = ? where id = ?")
      .bind(PAST_JS, t.keyId)
      .run();
    const list = await call("/api/v1/calls", { key: t.key });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { data: { startedAt: string | null }[] }).data[0].startedAt).toBeNull();
    const one = await call(`/api/v1/calls/${made.id}`, { key: t.key });
    expect(((await one.json()) as { startedAt: string | null }).startedAt).toBeNull();
    expect((await call("/api/v1/api-keys", { key: t.key })).status).toBe(200);
    const cookie = await loginCookie(t.users.owner.email);
    for (const path of ["/calls", `/calls/${made.id}`, "/api-keys"]) {
      const page = await call(path, { cookie });
      expect(page.status, path).toBe(200);
      expect(await page.text()).toContain("—");
    }
  });
});

describe("bad input on reports and deep JSON are 4xx, never 500 (issue 12 point 9)", () => {
  const BAD_DAYS = ["2026-02-30", "2026-13-45", "0000-01-01", "2100-01-01", "9999-99-99", "yesterday"];

  it("/api/v1/reports/summary and /reports/kpis: a bad day is a 400 problem naming the field", async () => {
    const t = await makeTenant();
    for (const bad of BAD_DAYS) {
      for (const [from, to] of [
        [bad, "2026-01-31"],
        ["2026-01-01", bad],
      ]) {
        const p = (await isProblem(
          await call(`/api/v1/reports/summary?from=${from}&to=${to}`, { key: t.key }),
          400,
          "validation-failed",
        )) as unknown as { errors: { pointer: string }[] };
        expect(p.errors[0].pointer).toBe(from === bad ? "/from" : "/to");
        await isProblem(await call(`/api/v1/reports/kpis?from=${from}&to=${to}`, { key: t.key }), 400);
      }
    }
  });

  it("the portal's /reports, /reports/print and exports: a bad day is a readable page in the user's language", async () => {
    const t = await makeTenant();
    const cookie = await loginCookie(t.users.owner.email);
    for (const bad of BAD_DAYS)
      for (const path of ["/reports", "/reports/print", "/reports/export.csv", "/reports/export.xlsx"]) {
        for (const q of [`from=${bad}&to=2026-01-31`, `to=${bad}`]) {
          const res = await call(`${path}?${q}`, { cookie });
          expect(res.status, `${path}?${q}`).toBe(400);
          expect(res.headers.get("content-type")).toContain("text/html");
          const html = await res.text();
          expect(html).toMatch(/YYYY-MM-DD|calendar day|jour/i);
        }
      }
    const fr = await call("/reports/print?from=2026-02-30&to=2026-03-01", {
      cookie,
      headers: { "accept-language": "fr" },
    });
    expect(fr.status).toBe(400);
  });

  it("a transcript nested 3,000 levels deep is a 4xx problem on POST /calls, PUT …/transcript and imports", async () => {
    const t = await makeTenant();
    const deepArr = `${"[".repeat(3000)}${"]".repeat(3000)}`;
    const deepObj = `${'{"a":'.repeat(3000)}1${"}".repeat(3000)}`;
    const bare = (await (
      await call("/api/v1/calls", { method: "POST", key: t.key, json: { externalId: "deep-put" } })
    ).json()) as { id: string };
    for (const deep of [deepArr, deepObj]) {
      const post = await call("/api/v1/calls", {
        method: "POST",
        key: t.key,
        headers: { "content-type": "application/json" },
        body: `{"externalId":"deep","transcript":{"format":"json","content":{"segments":[{"speaker":"agent","start":0,"end":1,"text":"hi","x":${deep}}]}}}`,
      });
      await isProblem(post, 400);
      const put = await call(`/api/v1/calls/${bare.id}/transcript`, {
        method: "PUT",
        key: t.key,
        headers: { "content-type": "application/json" },
        body: deep,
      });
      expect(put.status).toBeGreaterThanOrEqual(400);
      expect(put.status).toBeLessThan(500);
      expect(put.headers.get("content-type")).toBe("application/problem+json");
      const nd = await call("/api/v1/imports", {
        method: "POST",
        key: t.key,
        headers: { "content-type": "application/x-ndjson" },
        body: `{"externalId":"deep-nd","transcript":{"format":"json","content":${deep}}}`,
      });
      expect(nd.status).toBe(200);
      const items = ((await nd.json()) as { items: { result: string; error?: { status: number } }[] }).items;
      expect(items.map((i) => [i.result, i.error?.status])).toEqual([["error", 400]]);
    }
    const list = (await (await call("/api/v1/calls", { key: t.key })).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(1);
  });
});

describe("the OpenAPI document types errors (issue 12 point 16)", () => {
  type Op = {
    operationId?: string;
    responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  };
  const PROBLEM = { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } };

  it("every error response is the problem schema as application/problem+json; every operation has a unique operationId", async () => {
    const doc = (await (await call("/api/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, Op>>;
    };
    const ids: string[] = [];
    let errors = 0;
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z]+[A-Za-z0-9]*$/);
        ids.push(op.operationId!);
        expect(op.responses.default?.content, `${method} ${path} default`).toEqual(PROBLEM);
        for (const [status, r] of Object.entries(op.responses))
          if (Number(status) >= 400) {
            errors++;
            expect(r.content, `${method} ${path} ${status}`).toEqual(PROBLEM);
          }
      }
    expect(new Set(ids).size).toBe(ids.length);
    expect(errors).toBeGreaterThan(600);
    // Stable: derived from the method and the path template.
    expect(doc.paths["/calls/{callId}"].get.operationId).toBe("getCallsByCallId");
    expect(doc.paths["/calls/{callId}/transcript"].put.operationId).toBe("putCallsTranscript");
    expect(doc.paths["/api-keys"].post.operationId).toBe("postApiKeys");
  });
});

describe("a unique constraint hit by an update is a 409 problem, not a 500 (found by test/hostile-input)", () => {
  it("PUT /agents/{id} with another agent's externalId → 409 conflict; both agents unchanged", async () => {
    const t = await makeTenant();
    const make = async (externalId: string) =>
      (await (
        await call("/api/v1/agents", { method: "POST", key: t.key, json: { name: externalId, externalId } })
      ).json()) as { id: string };
    const a = await make("A-1");
    const b = await make("B-1");
    await isProblem(
      await call(`/api/v1/agents/${b.id}`, {
        method: "PUT",
        key: t.key,
        json: { name: "B", externalId: "A-1" },
      }),
      409,
      "conflict",
    );
    const list = (await (await call("/api/v1/agents", { key: t.key })).json()) as {
      data: { id: string; externalId: string }[];
    };
    expect(list.data.map((x) => [x.id, x.externalId]).sort()).toEqual(
      [
        [a.id, "A-1"],
        [b.id, "B-1"],
      ].sort(),
    );
  });
});
