import type { ModP } from "./compile";
import type { FamilyId, FamilySlot } from "./lang/types";
import type { Hit } from "./lexicon";
import type { PSeg } from "./prepare";
import { tokenSet } from "./text";

/**
 * Paraphrase families of the agent's conduct (`lang/families-*.ts`): a rubric phrase that belongs
 * to a family ("je m'appelle" is a self-introduction) lets its criterion pass on the family's
 * other phrasings ("je suis Karim", "Karim à l'appareil", "you're speaking with Sam"). This is how
 * a criterion agrees with its evidence when the agent says it in other words.
 *
 * Some families need more than the words:
 * - a self-introduction by name ("c'est Thomas") needs a first name next to the cue: a word that
 *   is not a common word of either language, capitalised when the transcript has capitals (ASR
 *   output in lower case cannot tell, so the common-word list and word endings decide), and not a
 *   word of the company name;
 * - a timeframe counts for a next step when it is a bounded delay by itself ("sous 48 heures",
 *   "by 5 p.m.") or when the same turn commits to something ("je vous rappelle demain");
 * - a rephrasing is no reading back of a number ("so that's 0 7 7…, is that right?").
 */

/** Common words that can follow "je suis", "c'est", "this is", "I'm"… and are no first name. */
const NOT_NAMES = tokenSet(`
  le la les un une des du de d au aux en à a y ce cet cette ces mon ma mes ton ta tes son sa ses notre votre nos vos leur leurs
  je tu il elle on nous vous ils elles me te se moi toi lui eux ça cela ceci
  qui que quoi dont où quand comment pourquoi combien quel quelle quels quelles
  et ou mais donc or ni car si sinon alors puis ensuite aussi encore déjà toujours jamais plus moins très trop assez bien mal
  oui non ok okay d'accord voilà voici bon bah ben euh heu hum ah oh eh
  pas rien tout tous toute toutes même autre autres seul seule juste vraiment exactement tellement sûr sûre
  désolé désolée navré navrée ravi ravie content contente heureux heureuse certain certaine
  là ici là-bas dedans dehors ensemble
  noté parfait parfaite possible impossible normal normale vrai vraie exact exacte clair claire compliqué compliquée
  entendu compris réglé fait fini prêt prête disponible joignable là-dessus
  madame monsieur mademoiselle messieurs dames mme mr mrs ms miss sir madam
  service client clients conseiller conseillère agent équipe support standard accueil
  appel appelle suis est sont était serai sera
  the a an this that these those it its it's is was are be been am
  i you he she we they me him her us them my your his our their mine yours
  and or but so then also too very really just quite rather pretty
  sorry afraid happy glad pleased delighted calling ringing phoning speaking talking here there
  not no yes yeah yep sure right correct fine great good ok okay lovely perfect brilliant
  all about for with to from at on in of by as up down out over off
  what who how why when where which
  going gonna trying looking checking able unable back now still already
  customer support service team agent advisor adviser department
  mister
`);
/** Endings of common words (adjectives, participles, adverbs), on the word as written. */
const COMMON_ENDINGS =
  /(?:é|ée|és|ées|able|ible|ique|eux|euse|ment|tion|sion|if|ive|ant|ing|ed|ly|ful|less|ous)$/;

export interface FamilyContext {
  /** Tokens of the company name (never a first name). */
  companyTokens: Set<string>;
  /** The agent's first name when known (`call.agentName`). */
  agentName: string | null;
  /** Per segment and family set: the hits already worked out in this call. */
  cache?: Map<PSeg, Map<string, Hit<ModP>[]>>;
}

/** Is token i of the segment a first name? */
function nameAt(p: PSeg, i: number, ctx: FamilyContext): boolean {
  const t = p.tok.t[i];
  if (t === undefined || t.length < 2 || NOT_NAMES.has(t) || ctx.companyTokens.has(t)) return false;
  if (ctx.agentName && t === ctx.agentName) return true;
  if (!/^[a-z]+$/.test(t)) return false;
  const text = p.seg.text;
  const cased = text !== text.toLowerCase();
  if (cased) {
    const c = text.charCodeAt(p.tok.s[i]);
    return c >= 65 && c <= 90;
  }
  // Lower-case transcript: no capitals to tell; common word endings are no names.
  const word = text.slice(p.tok.s[i], p.tok.e[i]).toLowerCase();
  return t.length >= 3 && !COMMON_ENDINGS.test(word);
}

/** Is the name slot of a match [s, e) satisfied (a first name right after / before it)? */
export function slotSatisfied(p: PSeg, s: number, e: number, slot: FamilySlot, ctx: FamilyContext): boolean {
  if (slot === "nameAfter") return e < p.tok.t.length && p.tok.c[e] === p.tok.c[e - 1] && nameAt(p, e, ctx);
  if (slot === "nameBefore") return s > 0 && p.tok.c[s - 1] === p.tok.c[s] && nameAt(p, s - 1, ctx);
  return true;
}

/** Does a family hit count (its slot satisfied), in this segment? */
export function validFamilyHit(p: PSeg, h: Hit<ModP>, ctx: FamilyContext): boolean {
  const pl = h.p.payload;
  if (pl.g !== "fam") return false;
  if (pl.slot === "nameAfter" || pl.slot === "nameBefore") return slotSatisfied(p, h.s, h.e, pl.slot, ctx);
  if (pl.f === "rephrasing") return !readingBack(p, h);
  return true;
}

/** Three or more numbers or single letters after the cue: reading back a number, not a need. */
function readingBack(p: PSeg, h: Hit<ModP>): boolean {
  let spelled = 0;
  let words = 0;
  for (let i = h.e; i < p.tok.t.length && p.tok.c[i] <= p.tok.c[h.e - 1] + 1; i++) {
    const t = p.tok.t[i];
    words++;
    if (t.length === 1 || /^\d/.test(t) || NUMBERISH.has(t)) spelled++;
  }
  return spelled >= 3 && spelled * 2 >= words;
}
const NUMBERISH = tokenSet(
  "zéro un une deux trois quatre cinq six sept huit neuf dix zero oh one two three four five six seven eight nine ten double triple",
);

/** The family hits of a segment that count, for the families asked (computed once per segment and call). */
export function familyHits(p: PSeg, fams: Set<FamilyId>, ctx: FamilyContext): Hit<ModP>[] {
  let perSeg = ctx.cache?.get(p);
  if (!perSeg) {
    perSeg = new Map();
    ctx.cache?.set(p, perSeg);
  }
  const key = [...fams].join(",");
  const known = perSeg.get(key);
  if (known) return known;
  const out = computeFamilyHits(p, fams, ctx);
  perSeg.set(key, out);
  return out;
}

function computeFamilyHits(p: PSeg, fams: Set<FamilyId>, ctx: FamilyContext): Hit<ModP>[] {
  const out: Hit<ModP>[] = [];
  let timeframe = false;
  let strong = false;
  let commitment = false;
  for (const h of p.hits) {
    const pl = h.p.payload;
    if (pl.g !== "fam") continue;
    if (pl.f === "commitment") commitment = true;
    if (pl.f === "timeframe") {
      timeframe = true;
      if (pl.slot === "strong") strong = true;
    }
    if (fams.has(pl.f) && pl.f !== "commitment" && validFamilyHit(p, h, ctx)) out.push(h);
  }
  // A timeframe is a next step only when bounded by itself or committed to in the same turn.
  if (timeframe && fams.has("timeframe") && !strong && !commitment)
    return out.filter((h) => (h.p.payload as Extract<ModP, { g: "fam" }>).f !== "timeframe");
  return out;
}

/** Hold etiquette: a criterion whose phrases are all about asking before a hold or thanking after. */
export function isHoldCriterion(fams: Set<FamilyId>): boolean {
  if (!fams.has("hold_permission") && !fams.has("hold_thanks")) return false;
  for (const f of fams) if (f !== "hold_permission" && f !== "hold_thanks") return false;
  return true;
}

/**
 * A first name found without capitals to confirm it (lower-case ASR): the common-word list and
 * word endings decided, so the criterion it would pass is reported uncertain.
 */
export function weakFamilyHit(p: PSeg, h: Hit<ModP>): boolean {
  const pl = h.p.payload;
  return pl.g === "fam" && weakSlot(p, pl.slot);
}

export function weakSlot(p: PSeg, slot: FamilySlot | null): boolean {
  return (slot === "nameAfter" || slot === "nameBefore") && p.seg.text === p.seg.text.toLowerCase();
}
