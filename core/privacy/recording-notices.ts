import { getRetention } from "../governance/retention";
import type { Ctx } from "../platform/context";
import { type Locale, t } from "../platform/i18n";

const PROVIDER_NAMES: Record<string, string> = {
  deepgram: "Deepgram",
  openai: "OpenAI",
  assemblyai: "AssemblyAI",
  anthropic: "Anthropic",
};

/**
 * The two notice templates (issue 16 point 7) in `lang`, filled with the organisation's own
 * settings as they are now: retention per category, data location, speech and analysis
 * providers, dispute window. Nothing here is stored; the text follows the settings.
 */
export function noticeTexts(ctx: Ctx, lang: Locale) {
  const tn = ctx.tenant;
  const org = tn.name;
  const provider = (p: string, none: "recnotices.provider.none" | "recnotices.provider.builtin") =>
    PROVIDER_NAMES[p] ?? t(lang, none, { org });
  const r = getRetention(ctx).categories;
  const params = {
    org,
    speech: provider(tn.speechProvider, "recnotices.provider.none"),
    analysis: provider(tn.analysisProvider, "recnotices.provider.builtin"),
    location: t(lang, `settings.location.value.${tn.location}`),
    recordings: r.recordings.days,
    transcripts: r.transcripts.days,
    analyses: r.analyses.days,
    disputeDays: tn.disputeWindowDays,
    contact: t(lang, "recnotices.contact"),
  };
  return {
    caller: t(lang, "recnotices.caller.text", params),
    agents: t(lang, "recnotices.agents.text", params),
  };
}

/** Notice languages: both templates exist in each. */
export const NOTICE_LANGUAGES = ["fr", "en"] as const;
