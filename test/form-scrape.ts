/**
 * The fields a browser would submit for one form of a page (inputs, checked boxes, textareas,
 * selected options), read from the server's HTML — so a test posts what the page really renders.
 * Enough for our own server-rendered markup; not a general HTML parser.
 */
const decode = (s: string) =>
  s
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&#x27;", "'")
    .replaceAll("&amp;", "&");

const attr = (tag: string, name: string): string | undefined => {
  const m = new RegExp(`\\s${name}(?:="([^"]*)")?(?=[\\s>/])`).exec(tag);
  return m ? decode(m[1] ?? "") : undefined;
};

/** The form whose opening tag contains `marker`, as submitted fields (submit buttons left out). */
export function formFields(html: string, marker: string): Record<string, string> {
  const start = html.indexOf(marker);
  if (start < 0) throw new Error(`no form with ${marker}`);
  const open = html.lastIndexOf("<form", start);
  const body = html.slice(open, html.indexOf("</form>", start));
  const out: Record<string, string> = {};
  for (const m of body.matchAll(/<input\b[^>]*>/g)) {
    const tag = m[0];
    const name = attr(tag, "name");
    if (!name) continue;
    const type = attr(tag, "type") ?? "text";
    if ((type === "checkbox" || type === "radio") && attr(tag, "checked") === undefined) continue;
    if (type === "submit") continue;
    out[name] = attr(tag, "value") ?? (type === "checkbox" ? "on" : "");
  }
  for (const m of body.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g)) {
    const name = attr(`<x${m[1]}>`, "name");
    if (name) out[name] = decode(m[2]);
  }
  for (const m of body.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
    const name = attr(`<x${m[1]}>`, "name");
    if (!name) continue;
    const options = [...m[2].matchAll(/<option\b[^>]*>/g)].map((o) => o[0]);
    const chosen = options.find((o) => attr(o, "selected") !== undefined) ?? options[0];
    out[name] = chosen ? (attr(chosen, "value") ?? "") : "";
  }
  return out;
}
