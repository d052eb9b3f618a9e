import { zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApiKey } from "../core/identity/api-keys";
import { SCOPE_NAMES } from "../core/platform/rbac";
import { makeWav } from "./fixtures";
import { call, E, makeTenant, type TestTenant } from "./helpers";

/**
 * Schema-driven hostile input (issue 12, "make the classes impossible"). The test reads the API's
 * own OpenAPI document and, for every operation, sends boundary and hostile values derived from
 * each parameter's and body property's schema: out-of-range numbers and dates, huge strings,
 * deep JSON, prototype keys, control characters, wrong types. Whatever the route, the answer is
 * never a 5xx, an error is always a problem document, and a refused request changes nothing (a
 * control call, the tenant and the call list read the same afterwards; the lists above the
 * operation still answer). A new route is covered the day it is declared.
 */

interface Schema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
  example?: unknown;
  description?: string;
  additionalProperties?: boolean | Schema;
}
interface Param {
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  method: string;
  path: string;
  parameters?: Param[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: Schema }> };
}
interface Case {
  what: string;
  url: string;
  contentType?: string;
  body?: string | Uint8Array;
}
interface Failure {
  op: string;
  what: string;
  status: number;
  detail: string;
}

let doc: { paths: Record<string, Record<string, Omit<Operation, "method" | "path">>> };
let schemas: Record<string, Schema> = {};
const resolve = (s: Schema | undefined): Schema => {
  let x = s ?? {};
  for (let i = 0; x.$ref && i < 10; i++) x = schemas[x.$ref.split("/").pop() ?? ""] ?? {};
  return x;
};
const typeOf = (s: Schema) => (Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type);
const nullable = (s: Schema) => Array.isArray(s.type) && s.type.includes("null");

// ---- Values ------------------------------------------------------------------------------------

const DAY_RE = /^\^?\\d\{4\}-\\d\{2\}-\\d\{2\}\$?$/;
const looksLikeDay = (s: Schema) =>
  s.format === "date" ||
  (s.pattern !== undefined && DAY_RE.test(s.pattern)) ||
  (typeof s.example === "string" && /^\d{4}-\d{2}-\d{2}$/.test(s.example)) ||
  /YYYY-MM-DD/.test(s.description ?? "");

/** Valid values for properties whose schema is a plain string but whose meaning is not. */
const BY_NAME: Record<string, unknown> = {
  email: "hostile@example.test",
  url: "https://example.com/hook",
  phone: "+33612345678",
  customerPhone: "+33612345678",
  domain: "example.com",
  issuer: "https://login.example.com",
};

/** A plausible valid value, so that the one hostile property is what the server judges. */
function sample(raw: Schema | undefined, depth = 0, name?: string): unknown {
  const s = resolve(raw);
  if (name && Object.hasOwn(BY_NAME, name) && typeOf(s) === "string") return BY_NAME[name];
  if (s.example !== undefined) return s.example;
  if (s.default !== undefined) return s.default;
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return s.enum[0];
  const alts = s.anyOf ?? s.oneOf;
  if (alts?.length) return sample(alts.find((a) => resolve(a).type !== "null") ?? alts[0], depth);
  if (s.allOf?.length) return sample(s.allOf[0], depth);
  switch (typeOf(s)) {
    case "string": {
      if (s.format === "date-time") return "2026-03-02T10:00:00Z";
      if (looksLikeDay(s)) return "2026-03-02";
      if (s.format === "email") return "hostile@example.test";
      if (s.format === "uri" || s.format === "url") return "https://example.com/hook";
      if (s.pattern) {
        const re = new RegExp(s.pattern);
        const found = ["FR", "2026-03", "ab", "a", "12", "2026-03-02", "AB12"].find((c) => re.test(c));
        if (found) return found;
      }
      const min = s.minLength ?? 0;
      return "sample value".padEnd(min, "x").slice(0, s.maxLength ?? 200);
    }
    case "integer":
    case "number":
      return Math.min(Math.max(1, s.minimum ?? 1), s.maximum ?? 1);
    case "boolean":
      return false;
    case "array":
      return Array.from({ length: s.minItems ?? 0 }, () => sample(s.items, depth + 1));
    default: {
      if (!s.properties || depth > 4) return {};
      const out: Record<string, unknown> = {};
      for (const k of s.required ?? []) out[k] = sample(s.properties[k], depth + 1, k);
      return out;
    }
  }
}

const HUGE = "x".repeat(100_000);
const CONTROL = "a\u0000b\r\nc\u001b[31m\u202e\u0007\ud800z";
const PROTO = ["__proto__", "constructor", "toString", "hasOwnProperty"];
const DEEP_ARRAY = JSON.parse(`${"[".repeat(3000)}${"]".repeat(3000)}`) as unknown;
const deepObject = () => JSON.parse(`${'{"a":'.repeat(3000)}1${"}".repeat(3000)}`) as unknown;
const protoObject = (v: unknown) =>
  JSON.parse(`{"__proto__":${JSON.stringify(v)},"constructor":{"prototype":1}}`);
const OUT_OF_RANGE_INSTANTS = [
  "2100-01-01T00:00:00Z",
  "1969-12-31T23:59:59Z",
  "9999-12-31T23:59:59.999Z",
  "2026-02-30T10:00:00Z",
  "+275760-09-13T00:00:00.001Z",
];
const BAD_DAYS = ["2026-02-30", "0000-01-01", "2100-01-01", "9999-99-99"];
const WRONG_TYPES: unknown[] = [null, true, 12, "text", [], {}];

/** Boundary and hostile values for one schema, most telling first (the caller keeps a few). */
function hostile(raw: Schema | undefined, where: "body" | "query"): unknown[] {
  const s = resolve(raw);
  const alts = s.anyOf ?? s.oneOf;
  if (alts?.length) return interleave(alts.map((a) => hostile(a, where)));
  const out: unknown[] = [];
  switch (typeOf(s)) {
    case "string":
      if (s.format === "date-time") out.push(...OUT_OF_RANGE_INSTANTS);
      if (looksLikeDay(s)) out.push(...BAD_DAYS);
      if (s.enum) out.push("constructor", `${String(s.enum[0])}\u0000`);
      out.push(...PROTO.slice(0, 2), CONTROL, "");
      if (s.maxLength !== undefined) out.push("y".repeat(s.maxLength + 1));
      out.push(where === "query" ? "q".repeat(8000) : HUGE, "%", "%zz%FF");
      break;
    case "integer":
    case "number":
      out.push(8_640_000_000_000_001, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1);
      if (s.minimum !== undefined) out.push(s.minimum - 1);
      if (s.maximum !== undefined) out.push(s.maximum + 1);
      if (where === "query") out.push("NaN", "Infinity", "0x10", "1e400", "");
      else out.push("12", "constructor");
      break;
    case "boolean":
      out.push("true", 1, "constructor");
      break;
    case "array":
      out.push(
        Array.from({ length: (s.maxItems ?? 1000) + 1 }, () => sample(s.items)),
        [hostile(s.items, where)[0]],
        DEEP_ARRAY,
        "constructor",
      );
      break;
    default:
      out.push(
        deepObject(),
        protoObject(sample(typeof s.additionalProperties === "object" ? s.additionalProperties : {})),
      );
      if (s.properties) out.push({ ...(sample(s) as object), unknownKey: CONTROL });
  }
  if (where === "body") out.push(...WRONG_TYPES.filter((v) => typeof v !== typeOf(s)).slice(0, 3));
  if (!nullable(s) && where === "body") out.push(null);
  return out;
}

function interleave<T>(lists: T[][]): T[] {
  const out: T[] = [];
  for (let i = 0; lists.some((l) => i < l.length); i++)
    for (const l of lists) if (i < l.length) out.push(l[i]);
  return [...new Set(out)];
}
const take = <T>(xs: T[], n: number) => xs.slice(0, n);
const enc = (v: unknown) => {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  // Raw percent signs stay raw: a malformed escape is part of what is sent.
  if (/%/.test(s)) return s.replace(/[^%A-Za-z0-9]/g, (ch) => encodeURIComponent(ch));
  return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ""));
};

/** A JSON body with `value` at `path` (a copy of the base). */
function setAt(base: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  if (Array.isArray(base)) {
    const list = [...base];
    list[Number(path[0])] = setAt(list[Number(path[0])], path.slice(1), value);
    return list;
  }
  const copy = (base && typeof base === "object" ? { ...(base as object) } : {}) as Record<string, unknown>;
  copy[path[0]] = setAt(copy[path[0]], path.slice(1), value);
  return copy;
}

/** The schema a value would have (for free-form bodies, described by an example only). */
function schemaOf(v: unknown): Schema {
  if (Array.isArray(v)) return { type: "array", items: schemaOf(v[0]) };
  if (v === null) return { type: "null" };
  if (typeof v === "object") return { type: "object" };
  return { type: typeof v === "number" ? "number" : typeof v };
}

/** Property paths of a value, following objects and first array items, three levels deep. */
function valuePaths(v: unknown, prefix: string[] = []): [string[], Schema][] {
  if (!v || typeof v !== "object" || prefix.length >= 6) return [];
  const entries: [string, unknown][] = Array.isArray(v) ? (v.length ? [["0", v[0]]] : []) : Object.entries(v);
  return entries.flatMap(([k, x]) => {
    const path = [...prefix, k];
    return [[path, schemaOf(x)] as [string[], Schema], ...valuePaths(x, path)];
  });
}

/** Property paths of an object schema, two levels deep. */
function propertyPaths(raw: Schema | undefined, prefix: string[] = []): [string[], Schema][] {
  const s = resolve(raw);
  const alts = s.anyOf ?? s.oneOf;
  const target = alts?.length ? resolve(alts.find((a) => resolve(a).properties) ?? alts[0]) : s;
  const out: [string[], Schema][] = [];
  for (const [k, v] of Object.entries(target.properties ?? {})) {
    out.push([[...prefix, k], v]);
    if (prefix.length === 0) out.push(...propertyPaths(v, [k]));
  }
  return out;
}

// ---- Cases -------------------------------------------------------------------------------------

/** A valid body of each non-JSON media type the API reads. */
const BODY_BY_TYPE: Record<string, () => string | Uint8Array> = {
  "application/json": () =>
    JSON.stringify({ segments: [{ speaker: "agent", start: 0, end: 1, text: "Bonjour" }] }),
  "text/vtt": () => "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n<v Agent>Bonjour\n",
  "application/x-subrip": () => "1\n00:00:00,000 --> 00:00:01,000\nAgent: Bonjour\n",
  "text/plain": () => "Agent: Bonjour\nClient: Merci",
  "application/x-ndjson": () => JSON.stringify({ externalId: "hostile-nd", durationS: 1 }),
  "application/zip": () => zipSync({ "z.txt": new TextEncoder().encode("Agent: Bonjour") }),
  "application/octet-stream": () => makeWav(1),
};

const PATH_VALUES = [
  "constructor",
  "__proto__",
  "%00%0d%0a",
  "..%2F..%2Fx",
  "i".repeat(5000),
  "%E2%80%AE%zz",
];
const PER_FIELD = 7;

function casesFor(op: Operation, ids: Map<string, string>, bases: Map<string, unknown>): Case[] {
  const params = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === "path");
  const query = params.filter((p) => p.in === "query");
  const fill = (overrides: Record<string, string> = {}) =>
    op.path.replace(
      /\{(\w+)\}/g,
      (_m, name: string) => overrides[name] ?? ids.get(name) ?? "xx_nothere00000",
    );
  const requiredQuery = query
    .filter((p) => p.required)
    .map((p) => `${p.name}=${enc(sample(p.schema))}`)
    .join("&");
  const url = (path: string, extra = "") => {
    const qs = [requiredQuery, extra].filter(Boolean).join("&");
    return `/api/v1${path}${qs ? `?${qs}` : ""}`;
  };
  const content = op.requestBody?.content ?? {};
  const jsonSchema = content["application/json"]?.schema;
  const isJson = "application/json" in content && Object.keys(content).length === 1;
  const given = bases.get(`${op.method.toUpperCase()} ${op.path}`);
  const baseBody = isJson ? (given ?? sample(jsonSchema)) : undefined;
  const jsonCase = (what: string, value: unknown, path = fill()): Case => ({
    what,
    url: url(path),
    contentType: "application/json",
    body: JSON.stringify(value),
  });
  const firstType = Object.keys(content)[0];
  const base = (): Partial<Case> =>
    isJson
      ? { contentType: "application/json", body: JSON.stringify(baseBody) }
      : op.requestBody
        ? { contentType: firstType, body: BODY_BY_TYPE[firstType]?.() ?? "x" }
        : {};
  // The request as a client would send it, then with stray prototype-named parameters.
  const out: Case[] = [
    { what: "plain", url: url(fill()), ...base() },
    { what: "stray query parameters", url: url(fill(), "__proto__=1&constructor=1&%zz=%FF"), ...base() },
  ];

  for (const p of pathParams)
    for (const v of PATH_VALUES)
      out.push({ what: `path ${p.name}=${v.slice(0, 20)}`, url: url(fill({ [p.name]: v })), ...base() });
  for (const p of query)
    for (const v of take(hostile(p.schema, "query"), PER_FIELD + 3))
      out.push({
        what: `query ${p.name}=${String(v).slice(0, 30)}`,
        url: url(fill(), `${p.name}=${enc(v)}`),
        ...base(),
      });
  if (query.length)
    out.push({
      what: "query with prototype names",
      url: url(fill(), "__proto__=1&constructor=1&limit=1&limit=2"),
      ...base(),
    });

  if (isJson) {
    const paths = resolve(jsonSchema).properties ? propertyPaths(jsonSchema) : valuePaths(baseBody);
    for (const [path, schema] of paths)
      for (const v of take(hostile(schema, "body"), PER_FIELD))
        out.push(
          jsonCase(`body /${path.join("/")}=${JSON.stringify(v)?.slice(0, 30)}`, setAt(baseBody, path, v)),
        );
    for (const [what, v] of [
      ["body nested 3,000 levels (arrays)", DEEP_ARRAY],
      ["body nested 3,000 levels (objects)", deepObject()],
      ["body with prototype keys", protoObject(baseBody)],
      ["body is an array", [baseBody]],
      ["body is a string", "constructor"],
      ["body is null", null],
    ] as const)
      out.push(jsonCase(what, v));
    out.push({
      what: "body is malformed JSON",
      url: url(fill()),
      contentType: "application/json",
      body: '{"a":',
    });
  } else if (op.requestBody) {
    for (const ct of Object.keys(content)) {
      const bodies: [string, string | Uint8Array][] = [
        ["empty", ""],
        ["control characters", CONTROL.replace(/[\ud800-\udfff]/g, "")],
        ["nested JSON", `${'{"a":'.repeat(3000)}1${"}".repeat(3000)}`],
        ["prototype keys", '{"__proto__":{"x":1},"constructor":{"prototype":{"x":1}},"segments":[]}'],
        ["a WAV header only", new Uint8Array([82, 73, 70, 70, 4, 0, 0, 0, 87, 65, 86, 69])],
        [
          "out-of-range dates",
          '{"externalId":"h","startedAt":8640000000000001}\n{"startedAt":"9999-12-31T23:59:59Z"}',
        ],
        [
          "bad timestamps",
          "WEBVTT\n\n99:99:99.999 --> 00:00:00.000\n<v constructor>constructor &constructor;",
        ],
        [
          "a ZIP of odd names",
          zipSync({
            "__proto__.json": new TextEncoder().encode("[[[[]]]]"),
            "../x.constructor": new Uint8Array(1),
          }),
        ],
      ];
      for (const [what, body] of bodies)
        out.push({ what: `${ct} body: ${what}`, url: url(fill()), contentType: ct, body });
    }
    out.push({
      what: "wrong content type",
      url: url(fill()),
      contentType: "application/x-constructor",
      body: "{}",
    });
  }
  if (op.requestBody?.required)
    out.push({ what: "no body", url: url(fill()), ...(isJson ? { contentType: "application/json" } : {}) });
  return out;
}

// ---- Running -----------------------------------------------------------------------------------

/** Runs last: they end things (the contract, the data's location, whole sets of calls). */
const TERMINAL = /contract-end|\/restore$|^\/settings\/location$|^\/calls\/delete$|^\/settings\/legal-hold$/;
const order = (op: Operation) => (TERMINAL.test(op.path) ? 2 : op.method === "delete" ? 1 : 0);

async function freshKey(t: TestTenant, name: string) {
  return (await createApiKey(t.ctx, { name, scopes: [...SCOPE_NAMES] })).key;
}

async function send(key: string, c: Case, method: string): Promise<Response> {
  const headers: Record<string, string> = {};
  if (c.contentType) headers["content-type"] = c.contentType;
  return call(c.url, { method: method.toUpperCase(), key, headers, body: c.body });
}

/** What a refused request must leave as it was. */
async function snapshot(key: string, controlId: string): Promise<string> {
  const parts = await Promise.all(
    ["/api/v1/tenant", "/api/v1/calls?limit=200", `/api/v1/calls/${controlId}`].map(async (p) => {
      const res = await call(p, { key });
      return `${p} ${res.status} ${await res.text()}`;
    }),
  );
  return parts.join("\n");
}

describe("hostile input on every OpenAPI operation (issue 12)", () => {
  let t: TestTenant;
  let controlId: string;
  const ids = new Map<string, string>();
  /** Bodies for operations whose schema is free-form (a rubric's content): a real one to start from. */
  const bases = new Map<string, unknown>();

  beforeAll(async () => {
    t = await makeTenant();
    doc = (await (await call("/api/v1/openapi.json")).json()) as typeof doc;
    // The outside world stays out of it: outbound calls get a plain 404.
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("not found", { status: 404 }));
    schemas = (doc as unknown as { components: { schemas: Record<string, Schema> } }).components.schemas;
    const post = async (path: string, json: unknown) => {
      const res = await call(`/api/v1${path}`, { method: "POST", key: t.key, json });
      expect(res.status, `seed ${path}`).toBeLessThan(300);
      return (await res.json()) as Record<string, unknown>;
    };
    // What path parameters point at: a call with a transcript (its analysis runs for real), a key
    // that may be revoked, and one of each thing the API manages.
    const target = await post("/calls", {
      externalId: "hostile-target",
      agent: { externalId: "HZ-1", name: "Hostile Agent", team: "Nord" },
      transcript: {
        format: "text",
        content: "Agent: Bonjour, que puis-je faire ?\nClient: Ma facture est fausse.",
      },
    });
    ids.set("callId", String(target.id));
    for (let i = 0; i < 200; i++) {
      const c = (await (await call(`/api/v1/calls/${target.id}`, { key: t.key })).json()) as {
        status: string;
      };
      if (c.status === "done" || c.status === "failed") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    controlId = String((await post("/calls", { externalId: "hostile-control", durationS: 60 })).id);
    ids.set("keyId", (await createApiKey(t.ctx, { name: "victim", scopes: ["calls:read"] })).id);
    await post("/support/tickets", { subject: "Hostile ticket", body: "hello" });
    await post("/reports/schedules", { frequency: "weekly", recipients: [t.users.owner.id] });
    await post("/privacy-requests", { kind: "access", subject: { type: "caller", phone: "+33612345678" } });
    await post("/members", { email: `invitee.${t.tenant.id}@example.test`, role: "viewer" });
    ids.set(
      "webhookId",
      String((await post("/webhooks", { url: "https://example.com/hook", events: ["call.analyzed"] })).id),
    );
    const ticket = await post("/support/tickets", { subject: "Hostile ticket 2", body: "hello" });
    ids.set("ticketId", String((ticket.ticket as { id: string }).id));
    ids.set("messageId", String(ticket.messageId));
    const grantBody = sample(
      doc.paths["/support/tickets/{ticketId}/grants"].post.requestBody?.content["application/json"].schema,
    );
    ids.set("grantId", String((await post(`/support/tickets/${ids.get("ticketId")}/grants`, grantBody)).id));
    // An objection is possible only while a sub-processor change is announced; its id then comes along.
    const objection = await call("/api/v1/subprocessors/sub_brevo/objections", {
      method: "POST",
      key: t.key,
      json: { reason: "hostile" },
    });
    if (objection.status === 201)
      ids.set("objectionId", String(((await objection.json()) as { id: string }).id));
    ids.set("uploadId", String((await post(`/calls/${target.id}/recording/uploads`, {})).uploadId));
    const review = await call(`/api/v1/calls/${target.id}/reviews/mine`, {
      method: "PUT",
      key: t.key,
      json: {},
    });
    ids.set("reviewId", String(((await review.json()) as { id: string }).id));
    const rubric = (await (await call("/api/v1/rubrics", { key: t.key })).json()) as {
      data: { id: string }[];
    };
    const { content } = (await (
      await call(`/api/v1/rubrics/${rubric.data[0].id}`, { key: t.key })
    ).json()) as {
      content: unknown;
    };
    bases.set("POST /rubrics", { name: "Hostile rubric", content });
    bases.set("POST /rubrics/{rubricId}/versions", { content });
    bases.set("POST /rubrics/dry-run", { callId: target.id, content });
    // Every other id: the first item of the collection above the parameter, when there is one.
    for (const path of Object.keys(doc.paths))
      for (const m of path.matchAll(/\{(\w+)\}/g)) {
        if (ids.has(m[1])) continue;
        const collection = path
          .slice(0, m.index - 1)
          .replace(/\{(\w+)\}/g, (_x, n: string) => ids.get(n) ?? "none");
        if (!doc.paths[path.slice(0, m.index - 1)]?.get) continue;
        const res = await call(`/api/v1${collection}`, { key: t.key });
        if (res.status !== 200) continue;
        const body = (await res.json()) as { data?: Record<string, unknown>[] } | Record<string, unknown>[];
        const first = (Array.isArray(body) ? body : (body.data ?? []))[0];
        const id = first?.[m[1]] ?? first?.id;
        if (id !== undefined) ids.set(m[1], String(id));
      }
    // Background jobs stay out of it: queued work is not run (a job would change data under
    // the control reads).
    for (const q of [E.JOBS_QUEUE, E.ANALYZE_QUEUE, E.TRANSCRIBE_QUEUE]) {
      vi.spyOn(q, "send").mockResolvedValue(undefined as never);
      vi.spyOn(q, "sendBatch").mockResolvedValue(undefined as never);
    }
  }, 120_000);

  afterAll(() => {
    vi.restoreAllMocks();
  });

  it("never answers 5xx, always a problem document, and a refused request changes nothing", async () => {
    const ops: Operation[] = Object.entries(doc.paths)
      .flatMap(([path, byMethod]) => Object.entries(byMethod).map(([method, o]) => ({ ...o, method, path })))
      .sort((a, b) => order(a) - order(b));
    expect(ops.length).toBeGreaterThan(100);
    const failures: Failure[] = [];
    let sent = 0;
    for (const op of ops) {
      const name = `${op.method.toUpperCase()} ${op.path}`;
      const key = await freshKey(t, name);
      const cases = casesFor(op, ids, bases);
      const before = await snapshot(key, controlId);
      let accepted = false;
      // A few at a time: quick, and still one tenant's ordinary concurrency.
      for (let i = 0; i < cases.length; i += 4) {
        await Promise.all(
          cases.slice(i, i + 4).map(async (c) => {
            const res = await send(key, c, op.method);
            sent++;
            const text = await res.text();
            if (res.status < 400) {
              accepted = true;
              return;
            }
            const fail = (detail: string) =>
              failures.push({ op: name, what: c.what, status: res.status, detail });
            if (res.status >= 500) return fail(text.slice(0, 200));
            if (res.headers.get("content-type") !== "application/problem+json")
              return fail(`content-type ${res.headers.get("content-type")}`);
            const p = JSON.parse(text) as { status?: unknown; type?: unknown; title?: unknown };
            if (p.status !== res.status || typeof p.type !== "string" || typeof p.title !== "string")
              fail(`not a problem document: ${text.slice(0, 120)}`);
          }),
        );
      }
      // The lists above the operation still answer (a stored value must not break them)…
      const prefixes = Object.keys(doc.paths).filter(
        (p) => doc.paths[p].get && !p.includes("{") && (op.path === p || op.path.startsWith(`${p}/`)),
      );
      for (const p of prefixes) {
        const res = await call(`/api/v1${p}`, { key });
        if (res.status >= 500)
          failures.push({ op: name, what: `then GET ${p}`, status: res.status, detail: "" });
      }
      // …and when every case was refused, nothing around it changed.
      const after = await snapshot(key, controlId);
      if (!accepted && after !== before)
        failures.push({
          op: name,
          what: "data changed although every case was refused",
          status: 0,
          detail: after.slice(0, 300),
        });
      if (accepted && order(op) === 0 && !after.includes(`/api/v1/calls/${controlId} 200`))
        failures.push({ op: name, what: "the control call is gone", status: 0, detail: after.slice(0, 300) });
    }
    console.log(`hostile input: ${ops.length} operations, ${sent} requests, ${failures.length} failures`);
    expect(failures).toEqual([]);
  }, 600_000);
});
