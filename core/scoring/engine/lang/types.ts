import type { DEFAULT_CATEGORIES, IRRITANT_TYPES } from "../types";

export type Severity = "low" | "medium" | "high";
export type IrritantType = (typeof IRRITANT_TYPES)[number];
export type Category = (typeof DEFAULT_CATEGORIES)[number];
export type BuiltinList = "profanity" | "jargon" | "negative_phrasing";

/**
 * Paraphrase families of the agent's conduct: the other words a rubric phrase can be said in. A
 * criterion whose phrases belong to a family also passes on the family's phrasings (criteria.ts).
 */
export const FAMILY_IDS = [
  "greeting",
  "self_intro",
  "identification",
  "rephrasing",
  "more_help",
  "closing",
  "hold_permission",
  "hold_thanks",
  "timeframe",
  "commitment",
  "outbound",
] as const;
export type FamilyId = (typeof FAMILY_IDS)[number];
/**
 * `nameAfter` / `nameBefore`: a first name must follow / precede the match ("c'est Thomas",
 * "Sinead speaking"); `strong`: a timeframe that is a commitment by itself ("sous 48 heures").
 */
export type FamilySlot = "nameAfter" | "nameBefore" | "strong";
export type FamilyPatterns = Partial<Record<FamilyId, (string | [string, FamilySlot])[]>>;

/**
 * One irritant pattern (syntax in `lexicon.ts`).
 * - `who`: whose speech it is looked for in (default customer). The agent reformulating a
 *   customer's threat ("vous dites que vous voulez résilier ?") is therefore never a threat.
 * - `end`: only counts in the last part of the call (an issue left unresolved at the close).
 * - `neg: false`: the pattern carries its own negation ("toujours pas réglé") — no negation check.
 * - `ctx`: the turn must also carry a keyword of that category (weight ≥ 0.45).
 * - `insult`: a word that insults only when aimed at someone ("vous êtes incompétents", not
 *   "je suis incapable de me connecter").
 */
export interface IrritantRule {
  type: IrritantType;
  p: string;
  sev: Severity;
  who?: "customer" | "agent" | "any";
  end?: boolean;
  neg?: false;
  insult?: boolean;
  /** Only in a turn that also speaks of this category ("way too high" about a bill). */
  ctx?: Category;
  /** Words that, right after the match (same clause, 3 words), cancel it ("cancel my order" is no churn). */
  unless?: string;
  /** Only in a turn of at most this many words: a curt brush-off ("Up to you.") is rude, the words in a sentence are not. */
  maxWords?: number;
  /**
   * `dissatisfied`: counts only in a call where the customer is dissatisfied (another irritant, or
   * a clearly negative turn) — a cancellation for a neutral reason (moving abroad) is no threat.
   * `afterContact`: a problem that persists counts once the customer has been in contact before
   * (a repeat contact in the call) or after their opening turns — the problem statement itself,
   * on a first contact, is no unresolved issue.
   */
  cond?: "dissatisfied" | "afterContact";
  /** Counts when said in at least this many places of the customer's speech (a loop is two redirections). */
  minCount?: number;
  /** A long wait told by what has not arrived (the team corpus's convention): no check that the clause is about the contact. */
  arrival?: true;
}

/** A category keyword: pattern and weight (strength added when it fires in customer speech). */
/**
 * `neg`: whether a negation cancels the keyword (default: complaint and sales words yes, topic
 * words no — "I haven't got my refund" is about a refund; an intent such as "je veux résilier" is
 * cancelled by "je ne veux pas résilier").
 */
export type CategoryRule = [Category, string, number] | [Category, string, number, { neg: boolean }];

export interface LangData {
  /** Words and phrases with a polarity in [−3, 3]; longer phrases win over the words inside them. */
  sentiment: [string, number][];
  /** Words that strengthen the next sentiment word (×1.5). */
  intensifiers: string;
  /** Phrases that soften the next sentiment word (×0.6) and mark polite irritation. */
  diminishers: string[];
  /** Positive interjections that turn negative in a sarcastic context ("génial, encore une coupure"). */
  sarcasmPositive: string;
  /** Contexts that make those interjections sarcastic. */
  sarcasmCues: string[];
  irritants: IrritantRule[];
  /** Agent phrases announcing a transfer (two transfers in one call = a transfer loop). */
  agentTransfers: string[];
  /** Agent phrases announcing a hold (a hold when a silence of ≥ 10 s follows). */
  holds: string[];
  /** Cues that the issue is resolved; `"agent"` ones only count in the agent's speech ("j'ai remboursé"). */
  resolution: (string | [string, "agent"])[];
  /**
   * Agent promises of a follow-up: `pending` leaves the issue open (callback, ticket, technician,
   * investigation), `notice` only informs (confirmation e-mail, SMS, tracking number).
   */
  followUp: [string, "pending" | "notice"][];
  /** Agent action phrases, with a weight (specific actions outrank "je vais"). */
  actions: [string, number][];
  /** Customer request phrases (the reason for the call). */
  requests: string[];
  categories: CategoryRule[];
  /**
   * A caller who dialled the wrong company ("wrong number", "je me suis trompé de numéro"): in a
   * short call, the convention makes it an information request (categories.ts).
   */
  wrongNumber: string[];
  lists: Record<BuiltinList, string[]>;
  families: FamilyPatterns;
}
