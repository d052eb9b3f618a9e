import type { Lang } from "./compile";

/** Texts the engine writes (rationales, summary labels, recommendations), in the call's language. */

type Metric =
  | "silencePct"
  | "longestSilenceS"
  | "agentTalkRatio"
  | "overtalkCount"
  | "interruptions"
  | "agentWpm"
  | "holdCount"
  | "durationS";

const METRIC_NAMES: Record<Lang, Record<Metric, string>> = {
  fr: {
    silencePct: "part de silence (%)",
    longestSilenceS: "plus long silence (s)",
    agentTalkRatio: "part de parole du conseiller",
    overtalkCount: "chevauchements de parole",
    interruptions: "interruptions",
    agentWpm: "débit du conseiller (mots/min)",
    holdCount: "mises en attente",
    durationS: "durée de l'appel (s)",
  },
  en: {
    silencePct: "silence share (%)",
    longestSilenceS: "longest silence (s)",
    agentTalkRatio: "agent talk ratio",
    overtalkCount: "overtalk",
    interruptions: "interruptions",
    agentWpm: "agent speaking rate (wpm)",
    holdCount: "holds",
    durationS: "call duration (s)",
  },
};

const FORMATS: Record<Lang, Intl.NumberFormat> = {
  fr: new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 2 }),
  en: new Intl.NumberFormat("en-GB", { maximumFractionDigits: 2 }),
};
const fmt = (lang: Lang, v: number) => FORMATS[lang].format(v);
const q = (lang: Lang, s: string) => (lang === "fr" ? `« ${s} »` : `"${s}"`);

export const MSG = {
  llm: (l: Lang) =>
    l === "fr"
      ? "Question ouverte : seul un fournisseur LLM peut en juger ; le moteur intégré ne l'évalue pas."
      : "Open question: only an LLM provider can judge it; the built-in engine does not evaluate it.",
  speakerSilent: (l: Lang, who: string) =>
    l === "fr"
      ? `${who === "customer" ? "Le client" : who === "agent" ? "Le conseiller" : "Personne"} ne parle pas dans la transcription.`
      : `${who === "customer" ? "The customer" : who === "agent" ? "The agent" : "Nobody"} does not speak in the transcript.`,
  found: (l: Lang, phrase: string, n: number) =>
    l === "fr"
      ? `Formule attendue trouvée : ${q(l, phrase)}${n > 1 ? ` (${n} formules distinctes)` : ""}.`
      : `Expected phrase found: ${q(l, phrase)}${n > 1 ? ` (${n} distinct phrases)` : ""}.`,
  notFound: (l: Lang, withinS: number | undefined, fromEnd: boolean) =>
    l === "fr"
      ? `Aucune des formules attendues${withinS ? (fromEnd ? ` dans les ${withinS} dernières secondes` : ` dans les ${withinS} premières secondes`) : ""}.`
      : `None of the expected phrases${withinS ? (fromEnd ? ` in the last ${withinS} seconds` : ` in the first ${withinS} seconds`) : ""}.`,
  noCompanyName: (l: Lang) =>
    l === "fr"
      ? "Formule trouvée, mais le nom de l'entreprise n'est pas configuré : impossible de vérifier qu'il est cité."
      : "Phrase found, but the company name is not configured: cannot check that it was said.",
  companyMissing: (l: Lang, name: string) =>
    l === "fr"
      ? `Formule trouvée mais sans le nom de l'entreprise (${q(l, name)}).`
      : `Phrase found but without the company name (${q(l, name)}).`,
  foundUnsure: (l: Lang, phrase: string) =>
    l === "fr"
      ? `Peut-être : ${q(l, phrase)} — sans majuscules dans la transcription, le prénom n'est pas confirmé : incertain.`
      : `Perhaps: ${q(l, phrase)} — without capitals in the transcript the first name is not confirmed: uncertain.`,
  companyApprox: (l: Lang, name: string) =>
    l === "fr"
      ? `Formule trouvée ; le nom de l'entreprise (${q(l, name)}) n'est reconnu qu'approximativement : incertain.`
      : `Phrase found; the company name (${q(l, name)}) is only approximately recognised: uncertain.`,
  absentOk: (l: Lang) => (l === "fr" ? "Aucune formule proscrite." : "None of the listed phrases was said."),
  absentKo: (l: Lang, phrase: string, n: number) =>
    l === "fr"
      ? `Formule proscrite : ${q(l, phrase)}${n > 1 ? ` (${n} occurrences)` : ""}.`
      : `Listed phrase said: ${q(l, phrase)}${n > 1 ? ` (${n} occurrences)` : ""}.`,
  forbiddenOk: (l: Lang) => (l === "fr" ? "Aucun mot interdit." : "No forbidden word."),
  forbiddenKo: (l: Lang, word: string, n: number) =>
    l === "fr"
      ? `Mot ou formule interdit : ${q(l, word)}${n > 1 ? ` (${n} occurrences)` : ""}.`
      : `Forbidden word or phrase: ${q(l, word)}${n > 1 ? ` (${n} occurrences)` : ""}.`,
  metric: (l: Lang, m: Metric, value: number, op: string, threshold: number, ok: boolean) =>
    l === "fr"
      ? `${METRIC_NAMES.fr[m]} = ${fmt(l, value)} (attendu ${op} ${fmt(l, threshold)}) : ${ok ? "conforme" : "non conforme"}.`
      : `${METRIC_NAMES.en[m]} = ${fmt(l, value)} (expected ${op} ${fmt(l, threshold)}): ${ok ? "met" : "not met"}.`,
  metricUndefined: (l: Lang, m: Metric) =>
    l === "fr"
      ? `${METRIC_NAMES.fr[m]} : non mesurable sur cet appel.`
      : `${METRIC_NAMES.en[m]}: cannot be measured on this call.`,
  metricEstimated: (l: Lang, m: Metric) =>
    l === "fr"
      ? `${METRIC_NAMES.fr[m]} : horodatage estimé (transcription sans temps), non mesurable.`
      : `${METRIC_NAMES.en[m]}: timing was estimated (transcript without times), cannot be measured.`,
  noHold: (l: Lang) => (l === "fr" ? "Aucune mise en attente dans l'appel." : "No hold in the call."),
  holdsOk: (l: Lang, n: number) =>
    l === "fr"
      ? n > 1
        ? `Les ${n} mises en attente ont été demandées puis remerciées.`
        : "La mise en attente a été demandée puis remerciée."
      : n > 1
        ? `All ${n} holds were asked for and thanked.`
        : "The hold was asked for and thanked.",
  holdKo: (l: Lang, at: number, permission: boolean, thanks: boolean) => {
    const m = Math.floor(at / 60);
    const t = `${m}:${String(Math.floor(at % 60)).padStart(2, "0")}`;
    if (l === "fr")
      return `Mise en attente à ${t} ${!permission && !thanks ? "sans demande ni remerciement" : !permission ? "sans demande de permission" : "sans remerciement au retour"}.`;
    return `Hold at ${t} ${!permission && !thanks ? "neither asked for nor thanked" : !permission ? "not asked for" : "not thanked afterwards"}.`;
  },
  emptyCall: (l: Lang) => (l === "fr" ? "Transcription vide." : "Empty transcript."),
  scale: (l: Lang, answer: number) => (l === "fr" ? ` Note : ${answer}/5.` : ` Rating: ${answer}/5.`),
  // Summary
  reasonUnknown: (l: Lang) => (l === "fr" ? "Motif non identifié." : "Reason not identified."),
  noActions: (l: Lang) =>
    l === "fr" ? "Aucune action du conseiller identifiée." : "No agent action identified.",
  outcomeResolved: (l: Lang) => (l === "fr" ? "Résolu pendant l'appel." : "Resolved during the call."),
  outcomeFollowUp: (l: Lang) =>
    l === "fr"
      ? "Suivi prévu : la demande reste à finaliser."
      : "Follow-up planned: the request is still open.",
  outcomeUnresolved: (l: Lang) =>
    l === "fr"
      ? "Non résolu : le client reste insatisfait."
      : "Not resolved: the customer remains dissatisfied.",
  outcomeUnknown: (l: Lang) =>
    l === "fr" ? "Issue incertaine (aucun signal de clôture)." : "Outcome unclear (no closing cue).",
  outcomeEmpty: (l: Lang) => (l === "fr" ? "Aucun échange." : "No conversation."),
};

/** Recommendation for a failed criterion, by check kind (and metric). */
export function recommendForCriterion(
  l: Lang,
  label: string,
  check:
    | { kind: "phrase_present" }
    | { kind: "phrase_absent" }
    | { kind: "forbidden_words" }
    | { kind: "metric_threshold"; metric: Metric; op: string }
    | { kind: "llm" },
  example?: string,
): string {
  const L = q(l, label);
  switch (check.kind) {
    case "phrase_present":
      return l === "fr" ? `${L} : à faire à chaque appel.` : `${L}: do it on every call.`;
    case "phrase_absent":
    case "forbidden_words":
      return l === "fr"
        ? `${L} : éviter ces formulations${example ? ` (par ex. ${q(l, example)})` : ""} et reformuler positivement.`
        : `${L}: avoid this wording${example ? ` (e.g. ${q(l, example)})` : ""} and rephrase positively.`;
    case "metric_threshold":
      return metricAdvice(l, check.metric, check.op);
    case "llm":
      return L;
  }
}

function metricAdvice(l: Lang, m: Metric, op: string): string {
  const tooHigh = op === "<=" || op === "<";
  const fr: Record<Metric, string> = {
    silencePct: "Réduire les silences : annoncer ce que vous faites pendant les recherches.",
    longestSilenceS:
      "Éviter les longs silences : commenter vos vérifications ou proposer une mise en attente.",
    agentTalkRatio: tooHigh
      ? "Laisser davantage parler le client : poser des questions ouvertes et écouter."
      : "Prendre davantage la main sur l'échange : guider le client vers la solution.",
    overtalkCount: "Laisser le client finir ses phrases avant de répondre.",
    interruptions: "Ne pas couper la parole au client : attendre la fin de sa phrase.",
    agentWpm: tooHigh
      ? "Ralentir le débit de parole pour rester compréhensible."
      : "Parler avec un peu plus d'allant.",
    holdCount: "Limiter les mises en attente ; proposer un rappel si la recherche est longue.",
    durationS: tooHigh
      ? "Maîtriser la durée de l'appel : aller à l'essentiel."
      : "Prendre le temps de traiter complètement la demande.",
  };
  const en: Record<Metric, string> = {
    silencePct: "Reduce dead air: tell the customer what you are doing while you search.",
    longestSilenceS: "Avoid long silences: narrate your checks or offer a hold.",
    agentTalkRatio: tooHigh
      ? "Let the customer talk more: ask open questions and listen."
      : "Take more control of the call: guide the customer towards the solution.",
    overtalkCount: "Let the customer finish before answering.",
    interruptions: "Do not interrupt the customer: wait until they finish.",
    agentWpm: tooHigh ? "Slow down so the customer can follow." : "Speak with a little more pace.",
    holdCount: "Limit holds; offer a callback when the search takes long.",
    durationS: tooHigh ? "Keep the call focused." : "Take the time to handle the request completely.",
  };
  return (l === "fr" ? fr : en)[m];
}

/** Recommendation for an irritant type (default types; a tenant type gets a generic one). */
export function recommendForIrritant(l: Lang, type: string, speaker: "agent" | "customer"): string {
  const fr: Record<string, string> = {
    repeat_contact: "Traiter la demande de bout en bout dès ce contact pour éviter un nouvel appel.",
    long_wait: "Annoncer le temps d'attente et proposer un rappel.",
    transfer_loop:
      "Limiter les transferts : vérifier le bon service et transmettre le contexte avant de transférer.",
    unresolved:
      "Vérifier avec le client que sa demande est résolue avant de conclure, sinon fixer une prochaine étape.",
    churn_threat: "Reconnaître l'insatisfaction et proposer une solution concrète avant toute résiliation.",
    escalation_request: "Désamorcer : reformuler, s'excuser et proposer une solution avant l'escalade.",
    billing_dispute: "Expliquer la facture ligne à ligne et engager la régularisation si elle est due.",
    rudeness_agent: "Rester courtois en toutes circonstances, sans ironie ni reproche.",
    rudeness_customer: "Garder son calme face à l'agressivité et recadrer poliment l'échange.",
  };
  const en: Record<string, string> = {
    repeat_contact: "Own the request end to end on this contact so the customer does not have to call again.",
    long_wait: "Announce the expected wait and offer a callback.",
    transfer_loop: "Limit transfers: check the right team and pass on the context before transferring.",
    unresolved: "Confirm with the customer that the issue is solved before closing, or agree a next step.",
    churn_threat: "Acknowledge the frustration and offer a concrete solution before any cancellation.",
    escalation_request: "De-escalate: rephrase, apologise and offer a solution before escalating.",
    billing_dispute: "Walk through the bill line by line and correct it if it is wrong.",
    rudeness_agent: "Stay courteous at all times, without sarcasm or blame.",
    rudeness_customer: "Stay calm with an aggressive customer and politely reframe the conversation.",
  };
  const key = type === "rudeness" ? `rudeness_${speaker}` : type;
  const table = l === "fr" ? fr : en;
  return (
    (Object.hasOwn(table, key) ? table[key] : undefined) ??
    (l === "fr"
      ? `Traiter le point d'irritation ${q(l, type)} relevé dans l'appel.`
      : `Address the ${q(l, type)} pain point raised in the call.`)
  );
}
