import type { Criterion, RubricVersionContent } from "../rubric-model";
import { EN } from "./lang/en";
import { FR } from "./lang/fr";
import type {
  BuiltinList,
  Category,
  FamilyId,
  FamilySlot,
  IrritantRule,
  LangData,
  Severity,
} from "./lang/types";
import { Lexicon, literal } from "./lexicon";
import { phraseTokens, tokenize, tokenSet } from "./text";

export type Lang = "fr" | "en";

/** What a module-lexicon match means. One lexicon per language holds every group. */
export type ModP =
  | { g: "sent"; v: number; selfNeg: boolean }
  | { g: "dim" }
  | { g: "sarc" }
  | { g: "irr"; r: IrritantRule; unless: Set<string> | null }
  | { g: "xfer" }
  | { g: "hold" }
  | { g: "res"; agentOnly: boolean }
  | { g: "fup"; pending: boolean }
  | { g: "act"; w: number }
  | { g: "req" }
  | { g: "cat"; id: Category; w: number; neg: boolean }
  | { g: "wrong" }
  | { g: "list"; list: BuiltinList }
  | { g: "fam"; f: FamilyId; slot: FamilySlot | null };

export interface LangModule {
  lang: Lang;
  lex: Lexicon<ModP>;
  /** The agent's paraphrase families (`families.ts`): scanned in the agent's speech only. */
  fam: Lexicon<ModP>;
  intensifiers: Set<string>;
  sarcasmPositive: Set<string>;
}

/** Negation words, for "does this phrase carry its own negation". */
const NEG_WORDS = tokenSet(
  "ne pas plus jamais rien aucun aucune personne sans not no never nothing nobody none without",
);

function build(lang: Lang, d: LangData): LangModule {
  const lex = new Lexicon<ModP>();
  for (const [p, v] of d.sentiment) {
    const toks = phraseTokens(p.replace(/[|_~*#()]/g, " "));
    lex.addPattern(p, { g: "sent", v, selfNeg: toks.some((t) => NEG_WORDS.has(t)) });
  }
  for (const p of d.diminishers) lex.addPattern(p, { g: "dim" });
  for (const p of d.sarcasmCues) lex.addPattern(p, { g: "sarc" });
  for (const r of d.irritants)
    lex.addPattern(r.p, { g: "irr", r, unless: r.unless ? tokenSet(r.unless) : null });
  for (const p of d.agentTransfers) lex.addPattern(p, { g: "xfer" });
  for (const p of d.holds) lex.addPattern(p, { g: "hold" });
  for (const r of d.resolution)
    if (typeof r === "string") lex.addPattern(r, { g: "res", agentOnly: false });
    else lex.addPattern(r[0], { g: "res", agentOnly: true });
  for (const [p, kind] of d.followUp) lex.addPattern(p, { g: "fup", pending: kind === "pending" });
  for (const [p, w] of d.actions) lex.addPattern(p, { g: "act", w });
  for (const p of d.requests) lex.addPattern(p, { g: "req" });
  // Topic words count even negated ("I haven't got my refund" is about a refund); complaint and
  // sales words, which judge or express intent, are checked for negation ("je ne suis pas
  // mécontent", "je n'ai jamais souscrit").
  for (const c of d.categories)
    lex.addPattern(c[1], {
      g: "cat",
      id: c[0],
      w: c[2],
      neg: c[3]?.neg ?? (c[0] === "complaint" || c[0] === "sales"),
    });
  for (const p of d.wrongNumber) lex.addPattern(p, { g: "wrong" });
  for (const list of Object.keys(d.lists) as BuiltinList[])
    for (const p of d.lists[list]) lex.addPattern(p, { g: "list", list });
  const fam = new Lexicon<ModP>();
  for (const [f, patterns] of Object.entries(d.families) as [FamilyId, (string | [string, FamilySlot])[]][])
    for (const x of patterns)
      if (typeof x === "string") fam.addPattern(x, { g: "fam", f, slot: null });
      else fam.addPattern(x[0], { g: "fam", f, slot: x[1] });
  return {
    lang,
    lex,
    fam,
    intensifiers: tokenSet(d.intensifiers),
    sarcasmPositive: tokenSet(d.sarcasmPositive),
  };
}

/** A Map: a stored language is data, and an object would answer "constructor" with Object. */
const MODULES = new Map<Lang, LangModule>();

/** The compiled lexicons of a language, built once per isolate. */
export function langModule(lang: Lang): LangModule {
  let m = MODULES.get(lang);
  if (!m) {
    m = build(lang, lang === "fr" ? FR : EN);
    MODULES.set(lang, m);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Rubric lexicon: the phrases and words of every criterion, compiled once per rubric version.

/** `ci` = criterion index in the flattened criteria list, `pi` = phrase index. */
export interface RubP {
  ci: number;
  pi: number;
}

export interface CompiledRubric {
  criteria: { c: Criterion; sectionId: string }[];
  lex: Lexicon<RubP>;
  totalWeight: number;
  /** Per criterion: the paraphrase families its phrases belong to (`families.ts`). */
  fams: Set<FamilyId>[];
  /** Per criterion and phrase: the families of that phrase. */
  phraseFams: Set<FamilyId>[][];
  /**
   * Per criterion and phrase: a first name the phrase needs next to it, when the phrase is only
   * the cue of a self-introduction ("this is", "ici", "speaking"): "this is about your bill" is none.
   */
  phraseSlots: (FamilySlot | null)[][];
}

/** The name slot of a phrase that is exactly a self-introduction cue ("this is" → a name after). */
function slotOf(phrase: string): FamilySlot | null {
  const tok = tokenize(phrase);
  const n = tok.t.length;
  if (n === 0) return null;
  let slot: FamilySlot | null = null;
  for (const lang of ["fr", "en"] as Lang[])
    for (const h of langModule(lang).fam.scan(tok)) {
      const pl = h.p.payload;
      if (pl.g !== "fam" || h.s !== 0 || h.e !== n) continue;
      // A phrase that is also a plain phrase of some family ("bonjour") needs nothing next to it.
      if (pl.slot !== "nameAfter" && pl.slot !== "nameBefore") return null;
      slot = pl.slot;
    }
  return slot;
}

/**
 * The families a phrase belongs to, whatever its language: a family pattern of either language
 * covers the whole phrase ("je m'appelle", "thank you for holding").
 */
function familiesOf(phrase: string): Set<FamilyId> {
  const out = new Set<FamilyId>();
  const tok = tokenize(phrase);
  const n = tok.t.length;
  if (n === 0) return out;
  const slotted = new Set<FamilyId>();
  for (const lang of ["fr", "en"] as Lang[])
    for (const h of langModule(lang).fam.scan(tok)) {
      const pl = h.p.payload;
      if (pl.g !== "fam" || h.s !== 0 || h.e !== n) continue;
      if (pl.slot === "nameAfter" || pl.slot === "nameBefore") slotted.add(pl.f);
      else out.add(pl.f);
    }
  // A cue that needs a name ("this is") makes a family only when it is nothing else ("bonjour" greets).
  if (out.size === 0) for (const f of slotted) out.add(f);
  return out;
}

/**
 * A criterion's families: those of its phrases, except where a phrase belongs to several
 * ("thank you for calling" greets and closes): such a phrase does not decide.
 */
function criterionFamilies(perPhrase: Set<FamilyId>[]): Set<FamilyId> {
  const out = new Set<FamilyId>();
  for (const fs of perPhrase) if (fs.size === 1) for (const f of fs) out.add(f);
  return out;
}

const RUBRICS = new WeakMap<object, CompiledRubric>();
/** Rubric versions parsed afresh for each call (a queue consumer) are found by content. */
const BY_CONTENT = new Map<string, CompiledRubric>();
const BY_CONTENT_MAX = 64;

export function compileRubric(rubric: RubricVersionContent): CompiledRubric {
  const hit = RUBRICS.get(rubric);
  if (hit) return hit;
  const key = JSON.stringify(rubric.sections);
  const known = BY_CONTENT.get(key);
  if (known) {
    RUBRICS.set(rubric, known);
    return known;
  }
  const criteria = rubric.sections.flatMap((s) => s.criteria.map((c) => ({ c, sectionId: s.id })));
  const lex = new Lexicon<RubP>();
  criteria.forEach(({ c }, ci) => {
    const ch = c.check;
    const phrases =
      ch.kind === "phrase_present" || ch.kind === "phrase_absent"
        ? ch.phrases
        : ch.kind === "forbidden_words"
          ? (ch.words ?? [])
          : [];
    phrases.forEach((p, pi) => {
      lex.add(literal(p, { ci, pi }));
    });
  });
  const phraseFams = criteria.map(({ c }) =>
    c.check.kind === "phrase_present" ? c.check.phrases.map(familiesOf) : [],
  );
  const compiled = {
    criteria,
    lex,
    totalWeight: criteria.reduce((s, x) => s + x.c.weight, 0),
    fams: phraseFams.map(criterionFamilies),
    phraseFams,
    phraseSlots: criteria.map(({ c }) =>
      c.check.kind === "phrase_present" ? c.check.phrases.map(slotOf) : [],
    ),
  };
  RUBRICS.set(rubric, compiled);
  if (BY_CONTENT.size >= BY_CONTENT_MAX) BY_CONTENT.delete(BY_CONTENT.keys().next().value as string);
  BY_CONTENT.set(key, compiled);
  return compiled;
}

// ---------------------------------------------------------------------------------------------
// Tenant lexicons (irritants and categories), compiled once per tenant object.

export type TenantP = { g: "irr"; type: string; severity: Severity } | { g: "cat"; id: string };

export interface TenantInput {
  irritants?: { type: string; phrases: string[]; severity?: Severity }[];
  categories?: { id: string; phrases: string[] }[];
}

const TENANTS = new WeakMap<object, Lexicon<TenantP>>();

export function compileTenant(t: TenantInput | undefined): Lexicon<TenantP> | null {
  if (!t || (!t.irritants?.length && !t.categories?.length)) return null;
  const cached = TENANTS.get(t);
  if (cached) return cached;
  const lex = new Lexicon<TenantP>();
  for (const irr of t.irritants ?? [])
    for (const p of irr.phrases ?? [])
      lex.add(literal<TenantP>(p, { g: "irr", type: irr.type, severity: irr.severity ?? "medium" }, true));
  for (const cat of t.categories ?? [])
    for (const p of cat.phrases ?? []) lex.add(literal<TenantP>(p, { g: "cat", id: cat.id }, true));
  TENANTS.set(t, lex);
  return lex;
}
