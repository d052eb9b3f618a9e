import type { LangModule, ModP, TenantP } from "./compile";
import type { IrritantRule, Severity } from "./lang/types";
import { type Hit, isNegated, numberValue } from "./lexicon";
import { calibration, hasCalibration, model, predict } from "./model";
import { evidence, type PSeg } from "./prepare";
import { stem, type Tokens, tokenSet } from "./text";
import { type Evidence, IRRITANT_TYPES, type Irritant } from "./types";

/**
 * Irritants (C6). Lexicon patterns per type (`lang/fr.ts`, `lang/en.ts`), looked for in the speech
 * of whoever can voice them — mostly the customer, so the agent reformulating a threat is never
 * one — with negation ("je ne vais pas résilier"), exceptions ("cancel my order"), insults only
 * when aimed at someone, and two structural rules:
 * - transfer loop: the agent announces transfers at two moments ≥ 45 s apart;
 * - unresolved: the customer's last turns stay negative and no resolution cue (after the opening)
 *   or follow-up promise closes the call.
 * Severity: the pattern's base, raised by numbers (40 minutes, third call), emphasis ("!",
 * capitals, an intensifier just before, a very negative turn) and repetition (the same irritant in
 * 2+ turns), lowered by a polite register (a softener such as "un peu", "a bit" in the turn, when
 * there is no emphasis) and by questions ("can I cancel?").
 */

const LEVEL: Record<Severity, number> = { low: 0, medium: 1, high: 2 };
const SEV: Severity[] = ["low", "medium", "high"];

/** Who an insult can be aimed at: the other side (pronouns, "bande de", "espèce de", "what a"). */
// "ya" is added as is: the tokenizer reads it as French "(il) y a", and "a" would aim every clause.
const ADDRESSEE = new Set([
  ...tokenSet("vous tu te toi you yall bande espèce sale quel quelle what such"),
  "ya",
]);
/** A possessive aims an insult only at people ("your staff are useless", not "your app is useless"). */
const POSSESSIVES = tokenSet("vos votre ton ta tes your");
const PEOPLE = tokenSet(
  "people staff team teams agents agent colleagues colleague lot guys company firm employees staffs manager managers gens équipe équipes collègues conseillers conseiller conseillère employés personnel société boîte techniciens technicien service",
);
/**
 * Words that judge rather than name ("useless", "a joke", "pathetic"): an insult only when said
 * of a person ("you are useless", "vous êtes nuls"), never of a thing or the situation ("what a
 * joke", "this is pathetic", "votre appli est nulle") — frustration is no rudeness.
 */
const JUDGEMENTS = tokenSet(
  "useless joke pathetic hopeless disgrace incompetent clueless amateur amateurs incompétent incompétente incompétents incapable incapables minable minables nuls",
);
const PERSONAL = new Set([...tokenSet("vous tu toi you yall"), "ya"]);
const SELF = tokenSet("suis am feel sens trouve");
const MINUTES = new Map<string, number>();
for (const [w, m] of [
  ["minute", 1],
  ["minutes", 1],
  ["heure", 60],
  ["heures", 60],
  ["hour", 60],
  ["hours", 60],
  ["jour", 1440],
  ["jours", 1440],
  ["day", 1440],
  ["days", 1440],
  ["semaine", 10080],
  ["semaines", 10080],
  ["week", 10080],
  ["weeks", 10080],
  ["mois", 43200],
  ["month", 43200],
  ["months", 43200],
] as [string, number][])
  MINUTES.set(stem(w), m);
const DEMI = tokenSet("demi half");
const COUNTED = new Set(["repeat_contact", "transfer_loop", "billing_dispute"]);

/** A number in the hit (value, and the wait it describes in minutes when a unit follows). */
function numbersIn(tok: Tokens, s: number, e: number): { n: number | null; minutes: number | null } {
  let n: number | null = null;
  let minutes: number | null = null;
  for (let i = s; i < e; i++) {
    const t = tok.t[i];
    let v = numberValue(t);
    if (v === null && /^\d+e$/.test(t)) v = Number.parseInt(t, 10);
    if (DEMI.has(t)) v = 0.5;
    if (v === null) continue;
    if (n === null) n = v;
    const unit = MINUTES.get(tok.t[i + 1]) ?? MINUTES.get(tok.t[i + 2]);
    if (unit !== undefined) minutes = v * unit;
  }
  return { n, minutes };
}

function aimed(tok: Tokens, s: number): boolean {
  const clause = tok.c[s];
  const judgement = JUDGEMENTS.has(tok.t[s]);
  let size = 0;
  let addressee = false;
  let personal = false;
  for (let i = 0; i < tok.t.length; i++) {
    if (tok.c[i] !== clause) continue;
    size++;
    const t = tok.t[i];
    if (PERSONAL.has(t)) personal = true;
    if (ADDRESSEE.has(t) || (POSSESSIVES.has(t) && PEOPLE.has(tok.t[i + 1] ?? ""))) addressee = true;
  }
  for (let i = s - 1; i >= 0 && i >= s - 3 && tok.c[i] === clause; i--) if (SELF.has(tok.t[i])) return false;
  if (judgement) return personal || (addressee && !/^(what|such|quel|quelle)$/.test(tok.t[s - 2] ?? ""));
  return addressee || size <= 3;
}

const AUXILIARIES = tokenSet("ai as a avons avez ont avais avait avions aviez avaient eu été have has had");
const PAST_SUBJECTS = tokenSet("i we");
const ALREADY = tokenSet("déjà already just");
const CANCEL_VERB = /^(resili|cancel|annul|termin|clotur)/;
const ENGLISH_PAST = /^(cancell?ed|terminated)$/;

/**
 * A cancellation reported as done ("j'ai résilié en février", "I cancelled it in March") is a
 * fact the customer reports — often the ground of a billing dispute — not a threat to leave.
 */
function pastCancellation(tok: Tokens, s: number): boolean {
  const t = tok.t[s];
  if (!CANCEL_VERB.test(t)) return false;
  let i = s - 1;
  if (i >= 0 && ALREADY.has(tok.t[i])) i--;
  if (i < 0) return false;
  if (AUXILIARIES.has(tok.t[i])) return true;
  return ENGLISH_PAST.test(t) && PAST_SUBJECTS.has(tok.t[i]);
}

/** Words of a passive after "should have" / "auriez dû" ("you should have been told": the company's fault). */
const PASSIVE = tokenSet("been être été");
/**
 * The agent's reproach is no reproach in the passive ("you should have been called", "vous auriez
 * dû être prévenu": an apology for the company), and "fermez la" is no "shut up" when a noun
 * follows ("fermez la valve").
 */
function passiveOrObject(tok: Tokens, s: number, e: number, reproach: boolean): boolean {
  if (reproach) for (let i = s; i < e + 1 && i < tok.t.length; i++) if (PASSIVE.has(tok.t[i])) return true;
  return tok.t[e - 1] === "la" && e < tok.t.length && tok.c[e] === tok.c[e - 1];
}

const WILL = tokenSet("will would could might going va sera serait serais vais pourrais");
function futureQuestion(tok: Tokens, s: number): boolean {
  for (let i = s - 1; i >= 0 && i >= s - 4 && tok.c[i] === tok.c[s]; i--) if (WILL.has(tok.t[i])) return true;
  return false;
}

/** "Again", "another", "encore": the customer's reply to a transfer that it is one more. */
const AGAIN = tokenSet("again another yet encore autre énième re-transfert");

/** Relatives, neighbours, friends: who a customer quotes ("ma fille m'a dit : change d'opérateur"). */
const THIRD_PARTIES = tokenSet(
  "fille fils mari femme voisin voisine ami amie copain copine frère soeur mère père maman papa beau-frère belle-soeur collègue daughter son husband wife neighbour neighbor friend mate brother sister mum mom mother dad father colleague",
);
const SAYS = tokenSet(
  "dit disait dis conseillé conseille suggéré trouve trouvait pense pensait says said told tells reckons reckoned suggested thinks thought",
);
const QUOTE_ENDS = tokenSet("mais but moi myself");
/** How far back a quotation reaches (tokens), and how close the speaker is to its verb. */
const QUOTE_REACH = 14;

/**
 * Is the match inside what the customer quotes a relative or a neighbour saying ("ma fille, elle
 * m'a dit : c'est sûrement une erreur, il faut que tu contestes", "my neighbour said they're
 * crooks")? Their words are not the customer's irritant. The quote ends at "mais moi", "but".
 */
function quotedThirdParty(tok: Tokens, s: number): boolean {
  for (let j = s - 1; j >= 0 && j >= s - QUOTE_REACH; j--) {
    const t = tok.t[j];
    if (QUOTE_ENDS.has(t)) return false;
    if (!SAYS.has(t)) continue;
    for (let k = j - 1; k >= 0 && k >= j - 4; k--) if (THIRD_PARTIES.has(tok.t[k])) return true;
  }
  return false;
}

const FEES = tokenSet(
  "frais pénalité pénalités indemnité indemnités fee fees charge charges penalty penalties cost costs",
);
function feeNamed(tok: Tokens, s: number, e: number): boolean {
  if (tok.t[s - 1] === "de" && FEES.has(tok.t[s - 2] ?? "")) return true;
  return FEES.has(tok.t[e] ?? "");
}

function thirdPartySubject(tok: Tokens, s: number): boolean {
  for (let i = s - 1; i >= 0 && i >= s - 3 && tok.c[i] === tok.c[s]; i--)
    if (THIRD_PARTIES.has(tok.t[i])) return true;
  return false;
}

/** "if", "si", "au cas où", "whether": what might happen is no irritant voiced. */
const HYPOTHETICAL = tokenSet(
  "if si whether cas suppose supposing imagine worried afraid scared feared fearing hoping peur crainte craignais",
);
const HYPOTHETICAL_TYPES = new Set(["unresolved", "repeat_contact", "long_wait", "transfer_loop"]);

/**
 * Is the match said of what might happen ("if nobody comes, who do I ring?", "si jamais ça
 * recommence, je rappelle ?")? A hypothetical, in the clause just before the match, is no
 * irritant the customer lives; churn and escalation keep their conditionals ("if it's not fixed
 * I'm leaving" is a threat).
 */
function hypothetical(tok: Tokens, s: number): boolean {
  for (let i = s - 1; i >= 0 && i >= s - 4 && tok.c[i] === tok.c[s]; i--)
    if (HYPOTHETICAL.has(tok.t[i])) return true;
  return false;
}

/** A contact still to come ("I'll ring back tomorrow", "je vous rappellerai") is no repeat contact. */
const FUTURE = tokenSet("will shall gonna going vais va faudra devrai pourrai");
const FUTURE_VERB = /^(rappellerai|rappelerai|reappellerai|appellerai|recontacterai|ecrirai|renverrai)$/;
function futureContact(tok: Tokens, s: number): boolean {
  if (FUTURE_VERB.test(tok.t[s])) return true;
  for (let i = s - 1; i >= 0 && i >= s - 3 && tok.c[i] === tok.c[s]; i--)
    if (FUTURE.has(tok.t[i])) return true;
  return false;
}

const CALL_VERB = /^(appel|rappel|telephon|call|rang|rung|ring|phon)/;
const CALLER_OTHER = tokenSet("vous you they ils your");
const DETERMINERS = tokenSet("de du mon ma le un une nouveau nouvel son au par ce mes les my new the a");

/**
 * A repeat contact is the customer's own: "ça fait trois fois que vous m'appelez", "you've called
 * me twice" (the company calling) and "j'ai changé de téléphone" (the noun) are not.
 */
function notCustomersContact(tok: Tokens, s: number, e: number): boolean {
  let verbs = 0;
  let others = 0;
  for (let i = s; i < e; i++) {
    const t = tok.t[i];
    if (!CALL_VERB.test(t)) continue;
    verbs++;
    const prev = tok.t[i - 1] ?? "";
    const next = tok.t[i + 1] ?? "";
    if (t.startsWith("telephon") && DETERMINERS.has(prev)) others++;
    else if ((prev === "me" || prev === "nous") && CALLER_OTHER.has(tok.t[i - 2] ?? "")) others++;
    else if ((next === "me" || next === "us") && CALLER_OTHER.has(tok.t[i - 1] ?? "")) others++;
    else if (
      (next === "me" || next === "us") &&
      AUXILIARIES.has(prev) &&
      CALLER_OTHER.has(tok.t[i - 2] ?? "")
    )
      others++;
  }
  return verbs > 0 && others === verbs;
}

/**
 * What the customer waits for when it is not the contact itself — a tow truck, a technician, a
 * parcel, a refund, an answer to an e-mail — is a delay (`unresolved` when it lasts), not a long
 * wait in the queue: unless the clause also speaks of the line, the hold or reaching someone.
 */
const AWAITED = tokenSet(
  "dépanneuse dépanneur technicien technicienne réparateur plombier livreur livraison colis commande remboursement courrier mail mails email emails lettre réponse engineer technician plumber courier parcel package delivery refund tow truck email emails emailed mailed wrote written letter letters reply replacement remplacement écrit envoyé",
);
const CONTACT_WAIT = tokenSet(
  "ligne téléphone telephone attente standard musique conseiller conseillère quelqu'un joindre hold queue line phone music agent someone somebody human switchboard through",
);
function awaitedNotContact(tok: Tokens, s: number): boolean {
  let awaited = false;
  for (let i = 0; i < tok.t.length; i++) {
    if (tok.c[i] !== tok.c[s]) continue;
    if (CONTACT_WAIT.has(tok.t[i])) return false;
    if (AWAITED.has(tok.t[i])) awaited = true;
  }
  return awaited;
}

/** Things a system sends ("it keeps sending me a code"): no person passing the customer on. */
const SENT_THINGS = tokenSet(
  "code codes sms text texts email emails link links notification notifications message messages letter letters bill bills invoice invoices reminder reminders mail mails courrier courriers facture factures",
);

/**
 * Does an irritant pattern hit count, whoever said it: not negated (unless the pattern carries its
 * own negation), no exception word right after it, an insult aimed at someone, and a counted
 * number of at least two ("the first time I called" is no repeat contact).
 */
export function validIrritantHit(tok: Tokens, h: Hit<ModP>, hits: Hit<ModP>[], postVerbal = false): boolean {
  const pl = h.p.payload as Extract<ModP, { g: "irr" }>;
  const r = pl.r;
  // French also negates after the verb, without "ne" in speech ("je conteste pas").
  if (r.neg !== false && isNegated(tok, h.s, h.e, h.p.literals, postVerbal)) return false;
  if (pl.unless)
    for (let i = h.e; i < tok.t.length && i < h.e + 3 && tok.c[i] === tok.c[h.s]; i++)
      if (pl.unless.has(tok.t[i])) return false;
  if (r.insult && !aimed(tok, h.s)) return false;
  // "Pas mal" is "quite a lot", no negation: "ça m'aide pas mal".
  if (tok.t[h.e - 1] === "pas" && tok.t[h.e] === "mal") return false;
  if (r.type === "rudeness" && passiveOrObject(tok, h.s, h.e, r.who === "agent")) return false;
  // "Will I be charged twice if I switch now?": a question about what would happen, no dispute.
  if (r.type === "billing_dispute" && tok.questions.has(tok.c[h.s]) && futureQuestion(tok, h.s)) return false;
  if (r.type === "churn_threat" && pastCancellation(tok, h.s)) return false;
  // "Frais de résiliation", "cancellation fee": a fee named, no threat.
  if (r.type === "churn_threat" && feeNamed(tok, h.s, h.e)) return false;
  // "My friend switched to you from BT", "ma voisine est partie chez Free": someone else's move.
  if (r.type === "churn_threat" && thirdPartySubject(tok, h.s)) return false;
  if (r.who !== "agent" && quotedThirdParty(tok, h.s)) return false;
  if (HYPOTHETICAL_TYPES.has(r.type) && r.who !== "agent" && hypothetical(tok, h.s)) return false;
  if (r.type === "repeat_contact" && notCustomersContact(tok, h.s, h.e)) return false;
  if (r.type === "repeat_contact" && futureContact(tok, h.s)) return false;
  // "No better off than when I rang": the start of this call, no earlier contact.
  if (r.type === "repeat_contact" && (tok.t[h.s - 1] === "than" || tok.t[h.s - 1] === "qu'au")) return false;
  // "logged in", "logged on": signing in, not logging a complaint.
  if (r.type === "repeat_contact")
    for (let i = h.s; i < h.e; i++)
      if (/^log/.test(tok.t[i]) && /^(in|on|into|out|back)$/.test(tok.t[i + 1] ?? "")) return false;
  if (r.type === "long_wait" && !r.arrival && awaitedNotContact(tok, h.s)) return false;
  if (r.type === "transfer_loop") {
    // "il se passe que…" (happens), "it keeps sending me a code" (a system, a thing sent).
    if (tok.t[h.s - 1] === "se" && tok.t[h.s].startsWith("pass")) return false;
    // "mot de passe" (password): no one passed on.
    for (let i = h.s; i < h.e; i++)
      if (tok.t[i] === "passe" && tok.t[i - 1] === "de" && tok.t[i - 2] === "mot") return false;
    for (let i = h.e; i < tok.t.length && i < h.e + 2; i++) if (SENT_THINGS.has(tok.t[i])) return false;
  }
  // "Ma facture est fausse ?", "is that charge right?": asking to understand a bill is no dispute.
  // The question mark ends the sentence, so the clause after the match counts too ("do I lose the
  // month I've already paid for, and can I still share it?").
  if (r.type === "billing_dispute" && r.sev !== "high" && askedAbout(tok, h.s, h.e)) return false;
  // "My bill went up and I just wanted to know why", "prices have gone up, I'm not disputing that":
  // asking to understand or accepting a rise is no dispute (the weak, context patterns only).
  if (
    r.type === "billing_dispute" &&
    r.sev !== "high" &&
    (r.ctx || r.sev === "low" || riseIn(tok, h.s, h.e)) &&
    ACCEPTS_OR_ASKS.test(tok.t.join(" "))
  )
    return false;
  if (r.maxWords !== undefined && tok.words > r.maxWords) return false;
  if (r.ctx && !hasCategory(hits, r.ctx)) return false;
  // Only a pattern that counts (`#n`, `#o`) is about a count: elsewhere "un" is an article
  // ("je paie encore pour un abonnement résilié"), not "once".
  if (
    COUNTED.has(r.type) &&
    h.p.steps.some((st) => st.k === "num" || st.k === "ord" || (st.k === "alt" && st.num))
  ) {
    const { n } = numbersIn(tok, h.s, h.e);
    if (n !== null && n < 2) return false;
  }
  return true;
}

/** Words of a price rise ("gone up", "a augmenté", "doubled"). */
const RISE = tokenSet(
  "up augmenté augmente augmentée doublé doublée explosé grimpé increased increase doubled tripled risen rose hiked jumped",
);
function riseIn(tok: Tokens, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (RISE.has(tok.t[i])) return true;
  return false;
}
const ACCEPTS_OR_ASKS =
  /(?:^| )(?:(?:want|wanted|like|wanting|wondering) (?:to )?(?:know|understand) (?:why|what|how)|just (?:want|wanted|like) to (?:know|understand|check)|(?:can|could) you (?:explain|tell me why)|not disputing|not contesting|not complaining|fair enough|(?:voudrai|voulai|veux|veut|aimerai|souhaite|souhaiterai) (?:juste |simplement |bien )?comprendre|(?:pouvez|pourriez) vou (?:me )?expliquer|je conteste pa|ne conteste pa|je comprend que|ce est normal|je ne me plain pa)(?: |$)/;

/** A question in the clauses of the match or the one right after ("ma facture, alors, elle est fausse ?"). */
function askedAbout(tok: Tokens, s: number, e: number): boolean {
  for (let c = tok.c[s]; c <= tok.c[Math.max(s, e - 1)] + 1; c++) if (tok.questions.has(c)) return true;
  return false;
}

/** Does the turn carry a keyword of the category with a weight ≥ 0.45 (not negated)? */
function hasCategory(hits: Hit<ModP>[], id: string): boolean {
  return hits.some((x) => {
    const pl = x.p.payload;
    return pl.g === "cat" && pl.id === id && pl.w >= 0.45;
  });
}

/**
 * A neutral reason for leaving, in the customer's words: moving (abroad, house, away), a death, a
 * retirement home, selling the house or the car, no longer needing it, a change of employer.
 * Token sequences on the normalised text (no diacritics, stems), language-independent.
 */
const NEUTRAL_LEAVING =
  /(?:^| )(?:demenag\w*|(?:moving|move|moved|relocat\w*) (?:abroad|away|overseas|house|out|back|in with)|emigrat\w*|expatri\w*|(?:pass|passed) away|died|decede|dece|veuf|veuve|widow\w*|maison de retraite|ehpad|care home|nursing home|retirement home|(?:sold|selling|sell|vendu|vend|vendre) (?:the|my|our|la|ma|notre|le|mon) (?:house|home|flat|car|maison|appartement|voiture)|(?:no longer|not) (?:need|use|using|needing) (?:it|the|them|this)|plu besoin|(?:partir|pars|part|installer|installe) a le etranger|(?:vivre|habiter|installer) a le etranger|new job|nouvel employeur|mon employeur|my employer|(?:rentre|rentrer|retourne|retourner|repars|repart|repartir) (?:au|en|a|dans) (?:\S+ ){0,3}definitivement|(?:moving|going|gone) back (?:home|to)|retir\w* (?:to|abroad))(?: |$)/;
function neutralLeaving(tok: Tokens): boolean {
  return NEUTRAL_LEAVING.test(tok.t.join(" "));
}

/** The customer's opening: their first two turns of four words or more (where a problem is stated). */
function openingTurns(psegs: PSeg[]): Set<number> {
  const out = new Set<number>();
  for (const p of psegs) {
    if (p.seg.speaker !== "customer" || p.tok.words < 4) continue;
    out.add(p.idx);
    if (out.size >= 2) break;
  }
  return out;
}

const SINCE = tokenSet("depuis since ago already déjà");
/** A delay in the turn: a duration of a day or more, or "depuis / since / ago / already" with a number. */
function delaySaid(tok: Tokens): boolean {
  for (let i = 0; i < tok.t.length; i++) {
    const unit = MINUTES.get(tok.t[i]);
    if (unit !== undefined && unit >= 1440) return true;
    if (SINCE.has(tok.t[i])) return true;
  }
  return false;
}

/** Closing cues: who voiced a resolution (after the opening), and the agent's follow-up promises. */
export interface Resolution {
  customer: boolean;
  agent: boolean;
  pending: boolean;
  notice: boolean;
}

interface Found {
  type: string;
  speaker: "agent" | "customer";
  level: number;
  segs: Map<number, { p: PSeg; ev: Evidence; level: number }>;
  first: number;
  how: How;
}

/** How a finding was reached (the verifier's features, `irritantFeatures`). */
interface How {
  /** Highest base severity of the patterns (0 low … 2 high). */
  base: number;
  /** Which kinds of evidence: a plain pattern, a conditional one (cancellation + dissatisfied), a counted one, a structural rule. */
  plain: boolean;
  cond: boolean;
  counted: boolean;
  struct: boolean;
  question: boolean;
  polite: boolean;
  emphatic: boolean;
  patterns: Set<string>;
}
type HowHit = Partial<Omit<How, "patterns">> & { pattern?: string };

/** The verifier's features of each irritant found (read by `withConfidence`; never in the output). */
const FEATURES = new WeakMap<Irritant, Map<string, number>>();

export interface IrritantContext {
  sentimentEnd: number | null;
  customerSegments: number;
}

export function detectIrritants(
  psegs: PSeg[],
  mod: LangModule,
  ctx: IrritantContext,
): { irritants: Irritant[]; resolution: Resolution; agentRudeness: { p: PSeg; s: number; e: number }[] } {
  const found = new Map<string, Found>();
  const add = (
    type: string,
    speaker: "agent" | "customer",
    p: PSeg,
    level: number,
    s?: number,
    e?: number,
    hh: HowHit = {},
  ) => {
    const key = `${type}|${speaker}`;
    let f = found.get(key);
    if (!f) {
      f = {
        type,
        speaker,
        level,
        segs: new Map(),
        first: p.seg.startS,
        how: {
          base: 0,
          plain: false,
          cond: false,
          counted: false,
          struct: false,
          question: false,
          polite: false,
          emphatic: false,
          patterns: new Set(),
        },
      };
      found.set(key, f);
    }
    const how = f.how;
    how.base = Math.max(how.base, hh.base ?? level);
    if (hh.cond) how.cond = true;
    else if (hh.counted) how.counted = true;
    else if (hh.struct) how.struct = true;
    else how.plain = true;
    if (hh.question) how.question = true;
    if (hh.polite) how.polite = true;
    if (hh.emphatic) how.emphatic = true;
    if (hh.pattern) how.patterns.add(hh.pattern);
    const prev = f.segs.get(p.idx);
    if (!prev) f.segs.set(p.idx, { p, ev: evidence(p, s, e), level });
    else if (level > prev.level) f.segs.set(p.idx, { p, ev: evidence(p, s, e), level });
    if (level > f.level) f.level = level;
  };

  const resolution: Resolution = { customer: false, agent: false, pending: false, notice: false };
  const agentRudeness: { p: PSeg; s: number; e: number }[] = [];
  /** Hits that count only with enough of them (`minCount`) or in a dissatisfied call (`cond`). */
  const deferred: {
    r: IrritantRule;
    sp: "agent" | "customer";
    p: PSeg;
    level: number;
    s: number;
    e: number;
    hh: HowHit;
  }[] = [];
  const transfers: PSeg[] = [];

  for (const p of psegs) {
    const { tok } = p;
    const sp = p.seg.speaker;
    let softened = false;
    for (const h of p.hits) {
      const pl = h.p.payload;
      if (pl.g === "dim") softened = true;
      else if (
        pl.g === "res" &&
        p.late &&
        sp !== "unknown" &&
        !(pl.agentOnly && sp !== "agent") &&
        !isNegated(tok, h.s, h.e, h.p.literals, true)
      )
        resolution[sp] = true;
      else if (pl.g === "fup" && sp === "agent" && !isNegated(tok, h.s, h.e, h.p.literals)) {
        if (pl.pending) resolution.pending = true;
        else resolution.notice = true;
      } else if (pl.g === "xfer" && sp === "agent" && !isNegated(tok, h.s, h.e, h.p.literals)) {
        if (transfers[transfers.length - 1] !== p) transfers.push(p);
      }
    }
    for (const h of p.hits) {
      const pl = h.p.payload;
      if (pl.g !== "irr") continue;
      const r: IrritantRule = pl.r;
      const who = r.who ?? "customer";
      if (sp === "unknown") continue;
      if (who !== "any" && who !== sp) continue;
      if (r.end && !p.end) continue;
      if (!validIrritantHit(tok, h, p.hits, mod.lang === "fr")) continue;
      let level = LEVEL[r.sev];
      const { n, minutes } = numbersIn(tok, h.s, h.e);
      if (COUNTED.has(r.type) && n !== null && r.type !== "billing_dispute")
        level = n >= 3 ? 2 : Math.max(level, 1);
      if (r.type === "long_wait" && minutes !== null)
        level = minutes >= 1440 ? (minutes >= 20160 ? 2 : 1) : minutes >= 30 ? 2 : minutes >= 10 ? 1 : 0;
      let emphatic = tok.emphatic || (p.sentiment !== null && p.sentiment <= -0.8);
      for (let k = h.s - 1; !emphatic && k >= 0 && k >= h.s - 3 && tok.c[k] === tok.c[h.s]; k--)
        if (mod.intensifiers.has(tok.t[k])) emphatic = true;
      if (emphatic) level++;
      else if (softened) level--;
      if (
        sp === "customer" &&
        tok.questions.has(tok.c[h.s]) &&
        (r.type === "churn_threat" || r.type === "escalation_request")
      )
        level--;
      const lvl = Math.max(0, Math.min(2, level));
      const hh: HowHit = {
        base: LEVEL[r.sev],
        question: tok.questions.has(tok.c[h.s]),
        polite: softened && !emphatic,
        emphatic,
        pattern: r.p,
      };
      if (r.cond || r.minCount || (r.type === "unresolved" && !r.end && sp === "customer"))
        deferred.push({ r, sp, p, level: lvl, s: h.s, e: h.e, hh });
      else add(r.type, sp, p, lvl, h.s, h.e, hh);
      if (r.type === "rudeness" && sp === "agent") agentRudeness.push({ p, s: h.s, e: h.e });
    }
    for (const h of p.thits) {
      const pl = h.p.payload as TenantP;
      if (pl.g !== "irr" || sp === "unknown") continue;
      if (isNegated(tok, h.s, h.e, h.p.literals)) continue;
      add(pl.type, sp, p, LEVEL[pl.severity], h.s, h.e);
    }
  }

  // Structural transfer loop: transfers announced at two moments at least 45 s apart.
  const moments: PSeg[] = [];
  for (const p of transfers)
    if (!moments.length || p.seg.startS - moments[moments.length - 1].seg.startS >= 45) moments.push(p);
  if (moments.length >= 2)
    for (const p of moments)
      add("transfer_loop", "agent", p, moments.length >= 3 ? 1 : 0, undefined, undefined, { struct: true });

  // The customer's reply to a transfer announced by the agent that complains of it being one more
  // ("another transfer?", "encore ?", "not again"): a loop even when only one transfer is heard.
  for (const t of transfers) {
    const q = psegs.find((p) => p.idx > t.idx && p.seg.speaker === "customer");
    if (!q || q.idx > t.idx + 2 || q.tok.words > 25) continue;
    const again = q.tok.t.some((w) => AGAIN.has(w));
    if (again && ((q.tok.questions.size > 0 && q.tok.words <= 8) || (q.sentiment ?? 0) < 0 || q.tok.emphatic))
      add("transfer_loop", "customer", q, 1, undefined, undefined, { struct: true });
  }

  // Counted patterns: a loop is told by at least two redirections ("billing sent me to tech, tech
  // sent me back to billing"); a single transfer the customer accepts is none.
  const counted = new Map<string, typeof deferred>();
  for (const d of deferred)
    if (d.r.minCount) {
      const k = `${d.r.type}|${d.sp}`;
      counted.set(k, [...(counted.get(k) ?? []), d]);
    }
  for (const list of counted.values()) {
    // Overlapping matches are one place ("on m'a transféré" matches at "on" and at "m'a").
    const sorted = [...list].sort((a, b) => a.p.idx - b.p.idx || a.s - b.s);
    let places = 0;
    let lastIdx = -1;
    let lastEnd = -1;
    for (const d of sorted) {
      if (d.p.idx === lastIdx && d.s < lastEnd) {
        lastEnd = Math.max(lastEnd, d.e);
        continue;
      }
      places++;
      lastIdx = d.p.idx;
      lastEnd = d.e;
    }
    if (places >= (list[0].r.minCount ?? 1))
      for (const d of list) add(d.r.type, d.sp, d.p, d.level, d.s, d.e, { ...d.hh, counted: true });
  }
  // A problem that persists ("still not working", "rien du tout") said where the customer states
  // the problem, on a first contact, is the problem statement — unresolved once the customer has
  // been in contact before (a repeat contact), after a delay said in the turn ("depuis trois
  // semaines", "for two weeks"), or later in the call (past their opening turns).
  const opening = openingTurns(psegs);
  const contacted = found.has("repeat_contact|customer");
  for (const d of deferred)
    if (d.r.type === "unresolved" && !d.r.cond && !d.r.minCount)
      if (contacted || !opening.has(d.p.idx) || delaySaid(d.p.tok))
        add(d.r.type, d.sp, d.p, d.level, d.s, d.e, d.hh);

  // Conditional patterns: a cancellation is a threat only when the customer is dissatisfied — with
  // the service, not with the queue they just waited in — and gives no neutral reason for leaving
  // (moving abroad, a death, no longer needed).
  const dissatisfied =
    [...found.values()].some(
      (f) => f.speaker === "customer" && f.type !== "churn_threat" && f.type !== "long_wait",
    ) || psegs.some((p) => p.seg.speaker === "customer" && (p.sentiment ?? 0) <= -0.4);
  const neutralReason = psegs.some((p) => p.seg.speaker === "customer" && neutralLeaving(p.tok));
  for (const d of deferred)
    if (d.r.cond === "dissatisfied" && dissatisfied && !neutralReason)
      add(d.r.type, d.sp, d.p, d.level, d.s, d.e, { ...d.hh, cond: true });

  // Structural unresolved: the customer ends negative, nothing resolves or schedules a follow-up.
  if (
    !found.has("unresolved|customer") &&
    !resolution.customer &&
    !resolution.agent &&
    !resolution.pending &&
    ctx.customerSegments >= 3 &&
    ctx.sentimentEnd !== null &&
    ctx.sentimentEnd <= -0.25
  ) {
    const last = psegs
      .filter((p) => p.seg.speaker === "customer" && p.end && (p.sentiment ?? 0) < 0)
      .slice(-2);
    for (const p of last)
      add("unresolved", "customer", p, ctx.sentimentEnd <= -0.5 ? 1 : 0, undefined, undefined, {
        struct: true,
      });
  }

  const out: (Irritant & { first: number; lvl: number; f: Found })[] = [];
  for (const f of found.values()) {
    const n = f.segs.size;
    const lvl = Math.min(2, n >= 3 ? 2 : n >= 2 ? f.level + 1 : f.level);
    const ev = [...f.segs.values()].sort((a, b) => a.p.seg.startS - b.p.seg.startS).slice(0, 5);
    out.push({
      type: f.type,
      severity: SEV[lvl],
      speaker: f.speaker,
      evidence: ev.map((x) => x.ev),
      first: f.first,
      lvl,
      f,
    });
  }
  out.sort((a, b) => b.lvl - a.lvl || a.first - b.first);
  const t0 = psegs.length ? psegs[0].seg.startS : 0;
  const span = Math.max(1, (psegs.length ? psegs[psegs.length - 1].seg.endS : 0) - t0);
  const customerTypes = new Set(
    [...found.values()].filter((f) => f.speaker === "customer").map((f) => f.type),
  );
  const irritants = out.map(({ first: _f, lvl: _l, f, ...i }) => {
    FEATURES.set(i, verifierFeatures(f, mod.lang, (f.first - t0) / span, opening, customerTypes));
    return i;
  });
  return { irritants, resolution, agentRudeness };
}

/**
 * The verifier's features of a finding: its type and side, how many turns voice it, how it was
 * reached (plain pattern, conditional, counted, structural), the patterns' base severity, where
 * in the call (position, opening, closing part), the register of its turns (question, polite,
 * emphatic, very negative) and the other irritants of the call.
 */
function verifierFeatures(
  f: Found,
  lang: string,
  pos: number,
  opening: Set<number>,
  customerTypes: Set<string>,
): Map<string, number> {
  const x = new Map<string, number>();
  const h = f.how;
  const n = Math.min(3, f.segs.size);
  const key = `${f.type}@${f.speaker}`;
  x.set(`type:${key}`, 1);
  x.set(`lang:${lang}`, 1);
  x.set(`turns:${n}`, 1);
  if (n >= 2) x.set(`type:${key}:several`, 1);
  x.set(`base:${h.base}`, 1);
  if (h.plain) x.set("how:plain", 1);
  if (h.cond && !h.plain) x.set("how:onlyCond", 1);
  if (h.counted) x.set("how:counted", 1);
  if (h.struct && !h.plain) x.set("how:onlyStruct", 1);
  if (h.patterns.size >= 2) x.set("patterns:2+", 1);
  if (h.question) x.set("question", 1);
  if (h.polite) x.set("polite", 1);
  if (h.emphatic) x.set("emphatic", 1);
  x.set("pos", Math.round(Math.max(0, Math.min(1, pos)) * 100) / 100);
  let minSent = 0;
  let inOpening = false;
  let inClosing = false;
  for (const { p } of f.segs.values()) {
    if (p.sentiment !== null && p.sentiment < minSent) minSent = p.sentiment;
    if (opening.has(p.idx)) inOpening = true;
    if (p.end) inClosing = true;
  }
  if (inOpening) x.set("opening", 1);
  if (inClosing) x.set("closing", 1);
  if (minSent <= -0.4) x.set("veryNegative", 1);
  const others = [...customerTypes].filter((t) => t !== f.type).length;
  x.set("otherTypes", Math.min(3, others) / 3);
  return x;
}

/** The verifier's features of an irritant returned by `detectIrritants` (training, confidence). */
export function irritantFeatures(i: Irritant): Map<string, number> | undefined {
  return FEATURES.get(i);
}

export type { ModP };

const DEFAULT_TYPES = new Set<string>(IRRITANT_TYPES);

/** An irritant below this confidence is returned `uncertain`: shown, never counted as found. */
export const IRRITANT_UNCERTAIN_BELOW = 0.5;

/**
 * Confidences of the irritants found: the probability that the irritant is really there, from the
 * verifier (`irritant` in model-data.ts, trained by scripts/train/irritants.ts on how the finding
 * was reached — `verifierFeatures`), else the per type and side Platt calibration on the turns
 * voicing it. Those below 0.5 are returned `uncertain`. Tenant irritants keep none.
 */
export function withConfidence(irritants: Irritant[]): Irritant[] {
  const verifier = model("irritant");
  return irritants.map((i) => {
    const x = verifier && DEFAULT_TYPES.has(i.type) ? FEATURES.get(i) : undefined;
    if (verifier && x) {
      const p = predict(verifier, x)[verifier.classes.indexOf("right")];
      const confidence = Math.min(0.99, Math.round(p * 100) / 100);
      return { ...i, confidence, ...(confidence < IRRITANT_UNCERTAIN_BELOW ? { uncertain: true } : {}) };
    }
    const key = `irritant:${i.type}@${i.speaker}`;
    if (!hasCalibration(key)) return i;
    const confidence = calibration(key)(Math.min(3, i.evidence.length), true);
    return { ...i, confidence, ...(confidence < IRRITANT_UNCERTAIN_BELOW ? { uncertain: true } : {}) };
  });
}
