import { CORPUS } from "../../test/corpus/check";
import { type CorpusCall, transcriptOf } from "../../test/corpus/types";
import type { LabelledCall, Sentiment } from "./corpus";

/**
 * The team's corpus (test/corpus) in the labelled-call format. Its calls state expectations, not
 * full labels, so what they do not state stays unknown (see `LabelledCall`): the irritant types
 * judged are the expected and the excluded ones; the primary category is the expected one when
 * there is exactly one; criteria of the general template map back to the corpus labels where the
 * call states them; sentiment only from `start_negative`, `end_positive`, `end_negative`.
 * Speakers `unknown` (spk_9) are kept as they are: such turns are never labelled.
 */
const DOMAIN: Record<CorpusCall["domain"], string> = {
  insurance: "insurance",
  telecom: "telecom",
  energy: "energy",
  ecommerce: "ecommerce",
  bank: "banking",
  collections: "collections",
};

function convert(call: CorpusCall, n: number): LabelledCall {
  const e = call.expect;
  const t = transcriptOf(call);
  const want = (e.irritants ?? []).map((x) => (typeof x === "string" ? { type: x } : x));
  const excluded = (e.noIrritants ?? []).map((x) => x.split("@")[0]);
  const c = e.criteria ?? {};
  const criteria: LabelledCall["labels"]["criteria"] = {};
  const bool = (v: string | undefined) => (v === "pass" ? true : v === "fail" ? false : undefined);
  if (bool(c.greeting) !== undefined) criteria.greeting_with_company = bool(c.greeting);
  if (bool(c.identification) !== undefined) criteria.customer_identified = bool(c.identification);
  if (bool(c.rephrasing) !== undefined) criteria.rephrasing = bool(c.rephrasing);
  if (c.closing === "fail" || c.more_help === "fail") criteria.closing = false;
  else if (c.closing === "pass" && c.more_help === "pass") criteria.closing = true;
  const sentiment: { start?: Sentiment; end?: Sentiment } = {};
  for (const s of e.sentiment ?? []) {
    if (s === "start_negative") sentiment.start = "negative";
    if (s === "end_positive") sentiment.end = "positive";
    if (s === "end_negative") sentiment.end = "negative";
  }
  const cats = e.categories ?? [];
  return {
    id: `team-${String(n + 1).padStart(3, "0")}`,
    language: call.language,
    domain: DOMAIN[call.domain],
    company: call.companyName,
    segments: t.segments.map((s) => ({
      id: s.id,
      speaker: s.speaker as "agent" | "customer",
      start: s.startS,
      end: s.endS,
      text: s.text,
    })),
    labels: {
      irritants: want.map((w) => ({
        type: w.type,
        segments: [],
        ...(w.speaker === "agent" ? { speaker: "agent" as const } : {}),
      })),
      categories: { primary: cats.length === 1 ? cats[0] : null, secondary: cats.length === 1 ? [] : cats },
      criteria,
      sentiment,
      notes: `${call.id}: ${call.title}`,
      judgedIrritants: [...new Set([...want.map((w) => w.type), ...excluded])],
      judgedCategories: [...new Set([...cats, ...(e.noCategories ?? [])])],
    },
  };
}

export function teamCorpus(): LabelledCall[] {
  // A call without turns (the empty-transcript case) is no labelled call.
  return CORPUS.map(convert).filter((c) => c.segments.length > 0);
}
