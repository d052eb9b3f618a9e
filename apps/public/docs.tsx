import type { Context } from "hono";
import type { AppEnv } from "../types";

/**
 * /api/docs: the OpenAPI document rendered on the server, no script. Hosted viewers (Scalar,
 * Swagger UI) load their JavaScript from a CDN, which our CSP and our privacy stance refuse, and
 * bundling them would cost more than the whole Worker's budget (P6). This page is enough to read
 * the contract; the JSON at /api/v1/openapi.json feeds any client generator.
 */
type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  required?: string[];
  anyOf?: Schema[];
  description?: string;
};
type Operation = {
  summary?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; schema?: Schema; description?: string }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string }>;
};
type Doc = {
  info: { title: string; description?: string; version: string };
  paths: Record<string, Record<string, Operation>>;
};

function typeOf(s: Schema | undefined): string {
  if (!s) return "";
  if (s.$ref) return s.$ref.split("/").pop() ?? "";
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (s.anyOf) return s.anyOf.map(typeOf).join(" | ");
  if (s.type === "array") return `${typeOf(s.items)}[]`;
  if (s.type === "object" && s.properties)
    return `{ ${Object.entries(s.properties)
      .map(([k, v]) => `${k}${s.required?.includes(k) ? "" : "?"}: ${typeOf(v)}`)
      .join("; ")} }`;
  return Array.isArray(s.type) ? s.type.join(" | ") : (s.type ?? "any");
}

export function renderDocs(c: Context<AppEnv>, doc: Doc) {
  const nonce = c.get("secureHeadersNonce");
  const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
  );
  const tags = [...new Set(ops.map((o) => o.op.tags?.[0] ?? "Other"))];
  return c.html(
    "<!doctype html>" +
      (
        <html lang="en">
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <link rel="icon" href="data:," />
            <title>{`${doc.info.title} ${doc.info.version}`}</title>
            <style
              nonce={nonce}
            >{`body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
code,pre{font-family:ui-monospace,monospace;background:#f6f8fa;border-radius:4px;padding:.1rem .3rem}pre{padding:.6rem;white-space:pre-wrap}
section{border-top:1px solid #d0d7de;padding:.5rem 0}.m{font-weight:700;display:inline-block;min-width:4.5rem}`}</style>
          </head>
          <body>
            <h1>{doc.info.title}</h1>
            <p>{doc.info.description}</p>
            <p>
              <a href="/api/v1/openapi.json">openapi.json</a> (OpenAPI 3.1)
            </p>
            <nav aria-label="Tags">
              {tags.map((t) => (
                <a href={`#${encodeURIComponent(t)}`}>{t} </a>
              ))}
            </nav>
            {tags.map((tag) => (
              <>
                <h2 id={encodeURIComponent(tag)}>{tag}</h2>
                {ops
                  .filter((o) => (o.op.tags?.[0] ?? "Other") === tag)
                  .map(({ path, method, op }) => (
                    <section>
                      <h3>
                        <span class="m">{method}</span> <code>/api/v1{path}</code>
                      </h3>
                      <p>{op.summary}</p>
                      {op.parameters?.length ? (
                        <ul>
                          {op.parameters.map((p) => (
                            <li>
                              <code>{p.name}</code> ({p.in}
                              {p.required ? ", required" : ""}): {typeOf(p.schema)} {p.description ?? ""}
                            </li>
                          ))}
                        </ul>
                      ) : null}
                      {op.requestBody ? (
                        <pre>{typeOf(Object.values(op.requestBody.content)[0]?.schema)}</pre>
                      ) : null}
                      <ul>
                        {Object.entries(op.responses).map(([code, r]) => (
                          <li>
                            <code>{code}</code> {r.description}
                          </li>
                        ))}
                      </ul>
                    </section>
                  ))}
              </>
            ))}
          </body>
        </html>
      ).toString(),
  );
}
