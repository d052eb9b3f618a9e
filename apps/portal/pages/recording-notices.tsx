import type { Hono } from "hono";
import { isLocale, type Locale } from "../../../core/platform/i18n";
import { noticeTexts } from "../../../core/privacy/recording-notices";
import { access } from "../../middleware/access";
import type { AppEnv } from "../../types";
import { portalPage, userCtx } from "../../ui/common";
import { tr } from "../../ui/layout";

function Notice(props: { id: string; title: string; text: string; hint: string }) {
  return (
    <section aria-labelledby={`${props.id}-h`}>
      <h2 id={`${props.id}-h`}>{props.title}</h2>
      <textarea id={props.id} readonly rows={14} aria-describedby={`${props.id}-hint`}>
        {props.text}
      </textarea>
      <p id={`${props.id}-hint`} class="muted">
        {props.hint}
      </p>
    </section>
  );
}

/** /notices: the caller and agent notice templates, in French or English, ready to copy. */
export function registerRecordingNotices(app: Hono<AppEnv>) {
  const manage = access({ kind: "portal", perm: "settings:manage" });
  app.get("/recording-notices", manage, (c) => {
    const _ = tr(c);
    const q = c.req.query("lang");
    const lang: Locale = isLocale(q) ? q : (c.get("locale") ?? "fr");
    const texts = noticeTexts(userCtx(c).ctx, lang);
    return portalPage(
      c,
      { title: _("recnotices.title") },
      <>
        <p>{_("recnotices.intro")}</p>
        <form method="get" action="/recording-notices" class="inline">
          <label for="notices-lang">{_("recnotices.language")}</label>{" "}
          <select id="notices-lang" name="lang">
            <option value="fr" selected={lang === "fr"}>
              Français
            </option>
            <option value="en" selected={lang === "en"}>
              English
            </option>
          </select>{" "}
          <button type="submit">{_("recnotices.show")}</button>
        </form>
        <Notice
          id="notice-caller"
          title={_("recnotices.caller.title")}
          text={texts.caller}
          hint={_("recnotices.copy_hint")}
        />
        <Notice
          id="notice-agents"
          title={_("recnotices.agents.title")}
          text={texts.agents}
          hint={_("recnotices.copy_hint")}
        />
      </>,
    );
  });
}
