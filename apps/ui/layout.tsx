import type { Context } from "hono";
import type { Child } from "hono/jsx";
import { type Locale, type MessageKey, t } from "../../core/platform/i18n";
import type { AppEnv } from "../types";

/** Styles shared by every page (inline, nonce'd: one request per page, nothing render-blocking). */
const CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--bg:#fff;--accent:#0b57d0;--err:#b3261e;--ok:#146c2e;--line:#d0d7de}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}header{display:flex;gap:1rem;align-items:center;justify-content:space-between;padding:.6rem 1rem;border-bottom:1px solid var(--line)}
header nav a{margin-right:1rem}main{max-width:60rem;margin:1.5rem auto;padding:0 1rem}
form.stack{display:grid;gap:.8rem;max-width:26rem}label{display:grid;gap:.2rem;font-weight:500}
input,select,button{font:inherit;padding:.45rem .6rem;border:1px solid var(--line);border-radius:6px}
button{background:var(--accent);color:#fff;border-color:var(--accent);cursor:pointer}button.secondary{background:#fff;color:var(--accent)}
button.danger{background:var(--err);border-color:var(--err)}:focus-visible{outline:3px solid #f4b400;outline-offset:2px}
.error{color:var(--err);border:1px solid var(--err);padding:.6rem;border-radius:6px}.notice{color:var(--ok);border:1px solid var(--ok);padding:.6rem;border-radius:6px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem;border-bottom:1px solid var(--line)}
.muted{color:var(--muted)}code,.secret{font-family:ui-monospace,monospace;background:#f6f8fa;padding:.1rem .3rem;border-radius:4px;word-break:break-all}
.inline{display:inline}.skip{position:absolute;left:-9999px}.skip:focus{left:1rem;top:1rem}
`;

export interface PageOpts {
  title: string;
  /** Shown when signed in. */
  nav?: { userName: string; links: { href: string; label: string }[] };
  error?: string | null;
  notice?: string | null;
}

export function tr(c: Context<AppEnv>) {
  const locale = c.get("locale") ?? "fr";
  return (key: MessageKey, params?: Record<string, string | number>) => t(locale, key, params);
}

/** A page's error (read out at once) and notice (read out politely), each shown when there is one. */
export function Alerts({ error, notice }: { error?: string | null; notice?: string | null }) {
  return (
    <>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {notice ? (
        <p class="notice" role="status">
          {notice}
        </p>
      ) : null}
    </>
  );
}

export function LangSwitch({ locale, back }: { locale: Locale; back: string }) {
  const other: Locale = locale === "fr" ? "en" : "fr";
  return (
    <form method="post" action="/lang" class="inline">
      <input type="hidden" name="lang" value={other} />
      <input type="hidden" name="back" value={back} />
      <button type="submit" class="secondary" lang={other}>
        {t(other, `lang.${other}`)}
      </button>
    </form>
  );
}

export function page(c: Context<AppEnv>, opts: PageOpts, body: Child, status = 200) {
  const locale = c.get("locale") ?? "fr";
  const nonce = c.get("secureHeadersNonce");
  const back = new URL(c.req.url).pathname;
  return c.html(
    "<!doctype html>" +
      (
        <html lang={locale}>
          <head>
            <meta charset="utf-8" />
            <meta name="viewport" content="width=device-width, initial-scale=1" />
            <link rel="icon" href="data:," />
            <title>{`${opts.title} · CallCenterRate`}</title>
            <style nonce={nonce}>{CSS}</style>
          </head>
          <body>
            <a class="skip" href="#main">
              {t(locale, "nav.skip")}
            </a>
            <header>
              <strong>
                <a href="/">CallCenterRate</a>
              </strong>
              {opts.nav ? (
                <nav aria-label={t(locale, "nav.main")}>
                  {opts.nav.links.map((l) => (
                    <a href={l.href}>{l.label}</a>
                  ))}
                </nav>
              ) : null}
              <div>
                {opts.nav ? <span class="muted">{opts.nav.userName} </span> : null}
                {opts.nav ? (
                  <form method="post" action="/logout" class="inline">
                    <button type="submit" class="secondary">
                      {t(locale, "nav.logout")}
                    </button>
                  </form>
                ) : null}{" "}
                <LangSwitch locale={locale} back={back} />
              </div>
            </header>
            <main id="main">
              <h1>{opts.title}</h1>
              <Alerts error={opts.error} notice={opts.notice} />
              {body}
            </main>
          </body>
        </html>
      ).toString(),
    status as 200,
  );
}
