import type { Hono } from "hono";
import { MAX_TENANT_PATTERNS } from "../../../core/content/redaction";
import {
  getProviderSettings,
  getRedactionSettings,
  updateProviderSettings,
  updateRedactionSettings,
} from "../../../core/governance/settings";
import { ApiError } from "../../../core/platform/errors";
import { decideProcessing, type ProviderId } from "../../../core/policy/processing";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import {
  doneUrl,
  formError,
  Head,
  invalid,
  orErrorPage,
  type PortalContext,
  portalPage,
  userCtx,
} from "../../ui/common";
import { type Form, readForm } from "../../ui/forms";
import { tr } from "../../ui/layout";

/**
 * /settings/processing (D6, C11, C12): which providers transcribe and analyse the tenant's calls —
 * refused when the data location and processing scope forbid one (the one policy function,
 * core/policy/processing.ts) — the tenant's own provider keys (write-only: never shown back), and the
 * tenant's redaction patterns applied with the built-in ones before anything is stored or sent.
 */

const SPEECH = ["none", "deepgram", "openai", "assemblyai"] as const;
const ANALYSIS = ["builtin", "openai", "anthropic"] as const;
const KEYS = ["deepgram", "openai", "assemblyai", "anthropic"] as const;
/** Blank rows offered after the tenant's patterns (more after saving). */
const BLANK_ROWS = 3;
const NAME_RE = /^[A-Za-z0-9_-]{1,40}$/;

interface State {
  error?: string | null;
  providers?: Form;
  patterns?: { name: string; pattern: string }[];
}

async function processingPage(c: PortalContext, state: State = {}, status = 200) {
  const _ = tr(c);
  const { ctx } = userCtx(c);
  const current = await getProviderSettings(ctx);
  const p = state.providers ?? {
    speechProvider: current.speechProvider,
    analysisProvider: current.analysisProvider,
  };
  const allowed = (id: string) =>
    id === "none" || decideProcessing({ tenant: ctx.tenant, provider: id as ProviderId }).allowed;
  const option = (id: string, value: string | undefined) => (
    <option value={id} selected={value === id}>
      {_(`portal.providers.name.${id}` as never)}
      {allowed(id) ? "" : ` — ${_("portal.providers.not_here")}`}
    </option>
  );
  const patterns = state.patterns ?? getRedactionSettings(ctx).patterns;
  const rows = [...patterns, ...Array.from({ length: BLANK_ROWS }, () => ({ name: "", pattern: "" }))].slice(
    0,
    MAX_TENANT_PATTERNS,
  );
  return portalPage(
    c,
    { title: _("portal.processing.title"), error: state.error },
    <>
      <p>
        <a href="/settings">{_("portal.processing.back")}</a>
      </p>
      <section aria-labelledby="providers-h">
        <h2 id="providers-h">{_("portal.providers.title")}</h2>
        <p class="muted">
          {_("portal.providers.intro", {
            location: _(`settings.location.value.${ctx.tenant.location}`),
            scope: _(`settings.scope.${ctx.tenant.processingScope}`),
          })}
        </p>
        <form method="post" action="/settings/processing/providers" class="stack">
          <label for="speechProvider">
            {_("portal.providers.speech")}
            <select id="speechProvider" name="speechProvider">
              {SPEECH.map((id) => option(id, p.speechProvider))}
            </select>
          </label>
          <label for="analysisProvider">
            {_("portal.providers.analysis")}
            <select id="analysisProvider" name="analysisProvider">
              {ANALYSIS.map((id) => option(id, p.analysisProvider))}
            </select>
          </label>
          <fieldset>
            <legend>{_("portal.providers.keys")}</legend>
            <p class="muted">{_("portal.providers.keys_help")}</p>
            {KEYS.map((k) => (
              <div class="stack">
                <label for={`key-${k}`}>
                  {_("portal.providers.key_of", { provider: _(`portal.providers.name.${k}` as never) })}
                  <input
                    id={`key-${k}`}
                    name={`key_${k}`}
                    type="password"
                    autocomplete="off"
                    maxlength={500}
                    aria-describedby={`key-${k}-state`}
                  />
                  <span id={`key-${k}-state`} class="muted">
                    {current.keysSet.includes(k)
                      ? _("portal.providers.key_set")
                      : _("portal.providers.key_unset")}
                  </span>
                </label>
                {current.keysSet.includes(k) ? (
                  <p>
                    <input type="checkbox" id={`remove-${k}`} name={`remove_${k}`} value="on" />{" "}
                    <label for={`remove-${k}`} class="inline">
                      {_("portal.providers.key_remove")}
                    </label>
                  </p>
                ) : null}
              </div>
            ))}
          </fieldset>
          <button type="submit">{_("portal.providers.submit")}</button>
        </form>
      </section>

      <section aria-labelledby="redaction-h">
        <h2 id="redaction-h">{_("portal.redaction.title")}</h2>
        <p class="muted">{_("portal.redaction.intro")}</p>
        <form method="post" action="/settings/processing/redaction">
          <table>
            <Head cols={[_("portal.redaction.name"), _("portal.redaction.pattern")]} />
            <tbody>
              {rows.map((r, i) => (
                <tr>
                  <td>
                    <label for={`pn-${i}`} class="skip">
                      {_("portal.redaction.name_n", { n: i + 1 })}
                    </label>
                    <input id={`pn-${i}`} name={`name_${i}`} value={r.name} maxlength={40} size={16} />
                  </td>
                  <td>
                    <label for={`pp-${i}`} class="skip">
                      {_("portal.redaction.pattern_n", { n: i + 1 })}
                    </label>
                    <input id={`pp-${i}`} name={`pattern_${i}`} value={r.pattern} maxlength={500} size={40} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="muted">{_("portal.redaction.help", { max: MAX_TENANT_PATTERNS })}</p>
          <button type="submit">{_("portal.redaction.submit")}</button>
        </form>
      </section>
    </>,
    status,
  );
}

function patternsOf(f: Form) {
  const out: { name: string; pattern: string }[] = [];
  for (let i = 0; i < MAX_TENANT_PATTERNS + BLANK_ROWS; i++) {
    const name = (f[`name_${i}`] ?? "").trim();
    const pattern = f[`pattern_${i}`] ?? "";
    if (!name && !pattern.trim()) continue;
    out.push({ name, pattern });
  }
  return out;
}

export function registerProcessing(app: Hono<AppEnv>) {
  const manage = access({ kind: "portal", perm: "settings:manage" });

  app.get("/settings/processing", manage, (c) => processingPage(c));

  app.post("/settings/processing/providers", manage, async (c) => {
    const f = await readForm(c);
    const speech = SPEECH.find((s) => s === f.speechProvider);
    const analysis = ANALYSIS.find((s) => s === f.analysisProvider);
    try {
      if (!speech) throw invalid("portal.providers.error.choice", "/speechProvider");
      if (!analysis) throw invalid("portal.providers.error.choice", "/analysisProvider");
      const keys: Partial<Record<(typeof KEYS)[number], string>> = {};
      for (const k of KEYS) {
        const v = (f[`key_${k}`] ?? "").trim();
        if (f[`remove_${k}`] === "on") keys[k] = "";
        else if (v) keys[k] = v;
      }
      await updateProviderSettings(userCtx(c).ctx, {
        speechProvider: speech,
        analysisProvider: analysis,
        ...(Object.keys(keys).length ? { keys } : {}),
      });
      return c.redirect(doneUrl("/settings/processing", "providers"), 303);
    } catch (err) {
      const { message, status } = formError(c, err);
      // The choice is kept; typed keys are not echoed back into the page.
      return processingPage(
        c,
        {
          error: message,
          providers: { speechProvider: f.speechProvider ?? "", analysisProvider: f.analysisProvider ?? "" },
        },
        status,
      );
    }
  });

  app.post("/settings/processing/redaction", manage, async (c) => {
    const f = await readForm(c);
    const patterns = patternsOf(f);
    return orErrorPage(
      c,
      async () => {
        const seen = new Set<string>();
        for (const [i, p] of patterns.entries()) {
          if (!NAME_RE.test(p.name))
            throw new ApiError("validation_failed", "invalid name", {
              errors: [{ pointer: `/patterns/${i}/name`, detail: "invalid" }],
              messageKey: "portal.redaction.error.name",
              params: { name: p.name || "—" },
            });
          if (seen.has(p.name))
            throw new ApiError("validation_failed", "name used twice", {
              errors: [{ pointer: `/patterns/${i}/name`, detail: "duplicate" }],
              messageKey: "portal.redaction.error.duplicate",
              params: { name: p.name },
            });
          seen.add(p.name);
        }
        if (patterns.length > MAX_TENANT_PATTERNS)
          throw invalid("portal.redaction.error.too_many", "/patterns");
        try {
          await updateRedactionSettings(userCtx(c).ctx, { patterns });
        } catch (err) {
          // The service names the refused pattern by its pointer (/patterns/<i>/pattern).
          const ptr = err instanceof ApiError ? err.errors?.[0]?.pointer : undefined;
          const i = ptr ? Number(/^\/patterns\/(\d+)/.exec(ptr)?.[1]) : Number.NaN;
          if (err instanceof ApiError && err.code === "validation_failed")
            throw new ApiError("validation_failed", err.message, {
              errors: err.errors,
              messageKey: "portal.redaction.error.pattern",
              params: { name: patterns[i]?.name ?? "—" },
            });
          throw err;
        }
        return c.redirect(doneUrl("/settings/processing", "redaction"), 303);
      },
      (error, status) => processingPage(c, { error, patterns }, status),
    );
  });
}
