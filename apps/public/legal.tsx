import type { Context, Hono } from "hono";
import { formatDateTime, type Locale } from "../../core/platform/i18n";
import {
  acceptPolicy,
  currentPolicy,
  getPolicyVersion,
  listPolicyVersions,
} from "../../core/privacy/policy-versions";
import { ANNOUNCE_DAYS, listSubprocessors } from "../../core/privacy/subprocessors";
import type { PolicyVersion } from "../../db/schema/control";
import { access } from "../middleware/access";
import type { AppEnv } from "../types";
import { Head, trOr } from "../ui/common";
import { readForm, safeNext } from "../ui/forms";
import { page, tr } from "../ui/layout";

type C = Context<AppEnv>;
const loc = (c: C): Locale => c.get("locale") ?? "fr";
// Public pages have no organisation: the signed-in user's, else UTC, always named.
const date = (c: C, ms: number) => formatDateTime(loc(c), ms, c.get("ctx")?.tenant?.timeZone ?? "UTC");

/** Operator text: blank lines separate paragraphs, a line starting with "#" is a heading. Escaped by JSX. */
function PolicyText({ text }: { text: string }) {
  return (
    <article>
      {text
        .split(/\r?\n\s*\r?\n/)
        .map((b) => b.trim())
        .filter(Boolean)
        .map((b) => (b.startsWith("#") ? <h2>{b.replace(/^#+\s*/, "")}</h2> : <p>{b}</p>))}
    </article>
  );
}

function History({ c, versions, current }: { c: C; versions: PolicyVersion[]; current: string | null }) {
  const _ = tr(c);
  const now = Date.now();
  return (
    <section>
      <h2>{_("legal.privacy.history")}</h2>
      <table>
        <Head
          cols={[
            _("legal.privacy.col.version"),
            _("legal.privacy.col.effective"),
            _("legal.privacy.col.kind"),
          ]}
        />
        <tbody>
          {versions.map((v) => (
            <tr>
              <td>
                <a href={`/legal/privacy/versions/${v.id}`}>{v.version}</a>
                {v.id === current ? <span class="muted"> ({_("legal.privacy.current")})</span> : null}
                {v.effectiveAt > now ? <span class="muted"> ({_("legal.privacy.upcoming")})</span> : null}
              </td>
              <td>{date(c, v.effectiveAt)}</td>
              <td>{_(v.substantial ? "legal.privacy.kind.substantial" : "legal.privacy.kind.minor")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

async function policyPage(c: C, shown: PolicyVersion | null) {
  const _ = tr(c);
  const [current, versions] = await Promise.all([currentPolicy(c.env), listPolicyVersions(c.env)]);
  const v = shown ?? current;
  const isCurrent = v !== null && v.id === current?.id;
  return page(
    c,
    { title: _("legal.privacy.title") },
    <>
      {v === null ? (
        <p>{_("legal.privacy.none")}</p>
      ) : (
        <>
          <p class="muted">
            {_(isCurrent ? "legal.privacy.in_force" : "legal.privacy.effective_on", {
              version: v.version,
              date: date(c, v.effectiveAt),
            })}
          </p>
          {isCurrent ? null : (
            <p class="notice" role="status">
              {_("legal.privacy.old_notice")} <a href="/legal/privacy">{_("legal.privacy.back")}</a>
            </p>
          )}
          <PolicyText text={loc(c) === "fr" ? v.bodyFr : v.bodyEn} />
        </>
      )}
      <p>
        <a href="/legal/subprocessors">{_("legal.privacy.see_subprocessors")}</a>
      </p>
      <section aria-labelledby="deletion-h">
        <h2 id="deletion-h">{_("legal.deletion.title")}</h2>
        <p>{_("legal.deletion.body")}</p>
      </section>
      {versions.length ? <History c={c} versions={versions} current={current?.id ?? null} /> : null}
    </>,
  );
}

/**
 * The banner asking an owner/admin to acknowledge a substantial policy change (F4). The data comes
 * from `pendingPolicyFor(env, userId)`; the form posts to /legal/privacy/accept and comes back.
 */
export function PolicyBanner({ c, version, back = "/" }: { c: C; version: PolicyVersion; back?: string }) {
  const _ = tr(c);
  return (
    <div class="notice" role="status">
      {_("legal.banner.text", { version: version.version })}{" "}
      <a href={`/legal/privacy/versions/${version.id}`}>{_("legal.banner.read")}</a>{" "}
      <form method="post" action="/legal/privacy/accept" class="inline">
        <input type="hidden" name="versionId" value={version.id} />
        <input type="hidden" name="next" value={back} />
        <button type="submit">{_("legal.banner.accept")}</button>
      </form>
    </div>
  );
}

/** Public legal pages (F4, F5) and the acknowledgement of a policy version. */
/** The registry stores category codes; an operator's own wording (no code) is shown as typed. */
function dataCategories(c: Context<AppEnv>, codes: string): string {
  return codes
    .split(",")
    .map((code) => code.trim())
    .filter(Boolean)
    .map((code) => trOr(c, `legal.category.${code}`, code))
    .join(", ");
}

export function registerLegal(app: Hono<AppEnv>) {
  const pub = access({ kind: "public" });

  app.get("/legal/privacy", pub, (c) => policyPage(c, null));

  app.get("/legal/privacy/versions/:versionId", pub, async (c) =>
    policyPage(c, await getPolicyVersion(c.env, c.req.param("versionId"))),
  );

  app.post("/legal/privacy/accept", access({ kind: "portal", perm: null }), async (c) => {
    const f = await readForm(c);
    await acceptPolicy(c.get("ctx"), f.versionId ?? "");
    return c.redirect(safeNext(c, f.next, "/"), 303);
  });

  app.get("/legal/subprocessors", pub, async (c) => {
    const _ = tr(c);
    const rows = await listSubprocessors(c.env);
    const now = Date.now();
    return page(
      c,
      { title: _("legal.subprocessors.title") },
      <>
        <p>{_("legal.subprocessors.intro", { days: ANNOUNCE_DAYS })}</p>
        <p class="muted">{_("legal.subprocessors.provider_note")}</p>
        <table>
          <Head
            cols={[
              _("legal.subprocessors.col.name"),
              _("legal.subprocessors.col.purpose"),
              _("legal.subprocessors.col.data"),
              _("legal.subprocessors.col.location"),
              _("legal.subprocessors.col.transfer"),
              _("legal.subprocessors.col.effective"),
            ]}
          />
          <tbody>
            {rows.map((s) => (
              <tr>
                <td>{s.name}</td>
                <td>{loc(c) === "fr" ? s.purposeFr : s.purposeEn}</td>
                <td>{dataCategories(c, s.dataCategories)}</td>
                <td>{s.location}</td>
                <td>{s.transferMechanism}</td>
                <td>
                  {date(c, s.effectiveAt)}
                  {s.effectiveAt > now ? (
                    <span class="muted"> ({_("legal.subprocessors.upcoming")})</span>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </>,
    );
  });
}
