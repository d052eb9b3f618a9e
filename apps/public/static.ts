import type { Hono } from "hono";
import { access } from "../middleware/access";
import { PLAYER_JS } from "../portal/assets/player";
import { RUBRIC_EDITOR_JS } from "../portal/assets/rubric-editor";
import { UPLOAD_JS } from "../portal/assets/upload";
import type { AppEnv } from "../types";

/**
 * The portal's few scripts (progressive enhancement: the audio player, the upload page). The
 * Worker has no asset pipeline, so each module is a string bundled with the code; the pages link
 * them as `/static/<name>?v=<hash of the content>` (`assetUrl`), so a response for the current
 * hash can be cached for a year and a new deployment changes the URL. A request without the
 * current hash (an old page, a hand-typed URL) still gets the script, cached briefly.
 * Same-origin scripts satisfy the CSP (`script-src 'self'`) without nonces or inline code.
 */
const ASSETS = {
  "player.js": PLAYER_JS,
  "upload.js": UPLOAD_JS,
  "rubric-editor.js": RUBRIC_EDITOR_JS,
} as const;
export type AssetName = keyof typeof ASSETS;

/** FNV-1a, 32-bit, twice with different offsets: a cache key, not a security measure. */
function contentHash(s: string): string {
  const run = (seed: number) => {
    let h = seed >>> 0;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    return h.toString(16).padStart(8, "0");
  };
  return run(0x811c9dc5) + run(0x2166136b);
}

const HASHES = Object.fromEntries(
  Object.entries(ASSETS).map(([name, body]) => [name, contentHash(body)]),
) as Record<AssetName, string>;

export const IMMUTABLE = "public, max-age=31536000, immutable";
const SHORT = "public, max-age=300";

/** The URL a page links: changes whenever the script changes. */
export function assetUrl(name: AssetName): string {
  return `/static/${name}?v=${HASHES[name]}`;
}

export function registerStatic(app: Hono<AppEnv>) {
  for (const name of Object.keys(ASSETS) as AssetName[]) {
    const hash = HASHES[name];
    const etag = `"${hash}"`;
    app.get(`/static/${name}`, access({ kind: "public" }), (c) => {
      const headers = {
        "Content-Type": "text/javascript; charset=utf-8",
        "Cache-Control": c.req.query("v") === hash ? IMMUTABLE : SHORT,
        ETag: etag,
      };
      const inm = c.req.header("if-none-match");
      if (inm?.split(",").some((t) => t.trim().replace(/^W\//, "") === etag))
        return c.body(null, 304, headers);
      return c.body(ASSETS[name], 200, headers);
    });
  }
}
