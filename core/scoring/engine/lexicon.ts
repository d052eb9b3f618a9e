import { PLACEHOLDER, phraseTokens, stem, type Tokens, tokenSet } from "./text";

/**
 * Phrase matching on token sequences. Patterns are compiled once (per module or per rubric) into
 * steps and indexed by their first token (or first two), so scanning a segment costs one array
 * slot per token (words are ids shared by every lexicon, computed once per segment) plus the few
 * candidate patterns that start there and whose required words all occur in the segment — no
 * regular expression per word, and a cost that grows with what can match, not with the lexicon.
 *
 * Pattern syntax (internal lexicons; rubric phrases are literal, see `literal`):
 * - words separated by spaces, written naturally (accents, apostrophes: `j'attends`);
 * - `a|b|c` alternatives at one position; `_` joins words inside an alternative (`on_m'a|je`);
 * - `word~` a prefix (`transf~` matches transfert, transférer, transféré…), 3+ letters;
 * - `(word)` optional; `*` skips 0–3 tokens, `**` 0–6 tokens; `#n` a number (digits or words),
 *   `#o` an ordinal (`3e`, `troisième`, `third`).
 * A pattern starts with a word (or alternatives of words), `#n` or `#o`.
 */

interface Alt {
  toks: string[];
  /** The last token is a prefix. */
  prefix: boolean;
}
type Step =
  /** `alts` for indexing; matching uses `one` (single exact words, O(1)) and `rest` (the others). */
  | { k: "alt"; alts: Alt[]; opt: boolean; one: Set<string>; rest: Alt[]; num?: boolean }
  | { k: "fill" }
  | { k: "gap"; max: number }
  | { k: "num" }
  | { k: "ord" };

export interface Compiled<P> {
  steps: Step[];
  payload: P;
  /** Every literal token of the pattern (negation words that belong to the pattern are not a negation). */
  literals: Set<string>;
  /** A rough specificity: the number of literal steps (longer patterns win ties). */
  len: number;
}

export interface Hit<P> {
  p: Compiled<P>;
  /** Token range [s, e). */
  s: number;
  e: number;
}

const NUMBERS: [string, number][] = [
  ["un", 1],
  ["une", 1],
  ["deux", 2],
  ["trois", 3],
  ["quatre", 4],
  ["cinq", 5],
  ["six", 6],
  ["sept", 7],
  ["huit", 8],
  ["neuf", 9],
  ["dix", 10],
  ["onze", 11],
  ["douze", 12],
  ["quinze", 15],
  ["vingt", 20],
  ["trente", 30],
  ["quarante", 40],
  ["cinquante", 50],
  ["soixante", 60],
  ["cent", 100],
  ["plusieurs", 3],
  ["quelques", 3],
  ["nombreuses", 5],
  ["dizaine", 10],
  ["douzaine", 12],
  ["vingtaine", 20],
  ["trentaine", 30],
  ["quarantaine", 40],
  ["cinquantaine", 50],
  ["centaine", 100],
  ["one", 1],
  ["two", 2],
  ["three", 3],
  ["four", 4],
  ["five", 5],
  ["seven", 7],
  ["eight", 8],
  ["nine", 9],
  ["ten", 10],
  ["eleven", 11],
  ["twelve", 12],
  ["fifteen", 15],
  ["twenty", 20],
  ["thirty", 30],
  ["forty", 40],
  ["fifty", 50],
  ["sixty", 60],
  ["hundred", 100],
  ["several", 3],
  ["many", 5],
  ["multiple", 3],
  ["few", 2],
  ["couple", 2],
  ["dozen", 12],
  // Belgian / Swiss French tens, English teens and tens (irr3).
  ["septante", 70],
  ["huitante", 80],
  ["octante", 80],
  ["nonante", 90],
  ["treize", 13],
  ["quatorze", 14],
  ["seize", 16],
  ["thirteen", 13],
  ["fourteen", 14],
  ["sixteen", 16],
  ["seventeen", 17],
  ["eighteen", 18],
  ["nineteen", 19],
  ["seventy", 70],
  ["eighty", 80],
  ["ninety", 90],
];
/** Number words (stemmed, like text tokens) → value; vague quantities get a typical value. */
export const NUMBER_WORDS = new Map<string, number>(NUMBERS.map(([w, v]) => [stem(w), v]));

/** The numeric value of a (stemmed) token, or null. */
export function numberValue(tok: string): number | null {
  const c = tok.charCodeAt(0);
  if (c >= 48 && c <= 57) {
    const v = Number.parseInt(tok, 10);
    return Number.isFinite(v) ? v : null;
  }
  return NUMBER_WORDS.get(tok) ?? null;
}
function isOrdinal(tok: string): boolean {
  const n = tok.length;
  return n >= 2 && tok.charCodeAt(n - 1) === 101 && tok.charCodeAt(0) >= 48 && tok.charCodeAt(0) <= 57;
}

function altStep(alts: Alt[], opt: boolean, num = false): Step {
  const one = new Set<string>();
  const rest: Alt[] = [];
  for (const a of alts) {
    if (!a.prefix && a.toks.length === 1) one.add(a.toks[0]);
    else rest.push(a);
  }
  return num ? { k: "alt", alts, opt, one, rest, num } : { k: "alt", alts, opt, one, rest };
}

function compileAlt(raw: string): Alt | null {
  let prefix = false;
  let text = raw;
  if (text.endsWith("~")) {
    prefix = true;
    text = text.slice(0, -1);
  }
  if (prefix) {
    // A prefix is folded but not stemmed (stemming could cut the prefix itself).
    const toks = phraseTokens(text.replaceAll("_", " "));
    if (toks.length === 0) return null;
    const last = text.split(/[\s_'’-]+/).pop() ?? "";
    const folded = last.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
    toks[toks.length - 1] = folded;
    return { toks, prefix: true };
  }
  const toks = phraseTokens(text.replaceAll("_", " "));
  return toks.length ? { toks, prefix: false } : null;
}

const NE_TOKEN = "ne";

/** Compile one pattern of the internal syntax. Throws on a pattern that cannot match. */
export function compilePattern<P>(pattern: string, payload: P): Compiled<P> {
  const steps: Step[] = [];
  const literals = new Set<string>();
  let len = 0;
  for (let part of pattern.trim().split(/\s+/)) {
    if (part === "*") steps.push({ k: "gap", max: 3 });
    else if (part === "**") steps.push({ k: "gap", max: 6 });
    else if (part === "#n") steps.push({ k: "num" });
    else if (part === "#o") steps.push({ k: "ord" });
    else {
      let opt = false;
      if (part.startsWith("(") && part.endsWith(")")) {
        opt = true;
        part = part.slice(1, -1);
      }
      // `#n` among alternatives ("twice|#n") is a number at that position, like a `#n` step.
      const parts = part.split("|");
      const num = parts.length > 1 && parts.includes("#n");
      const alts = parts
        .filter((x) => !(num && x === "#n"))
        .map(compileAlt)
        .filter((a): a is Alt => a !== null);
      if (alts.length === 0) continue;
      if (num) {
        if (steps.length === 0) throw new Error(`a pattern cannot start with "…|#n": ${pattern}`);
        for (const a of alts) for (const tok of a.toks) literals.add(tok);
        steps.push(altStep(alts, opt, true));
        if (!opt) len++;
        continue;
      }
      // A single non-optional alternative of several tokens becomes several steps (plain words).
      if (!opt && alts.length === 1 && !alts[0].prefix && alts[0].toks.length > 1) {
        for (const tok of alts[0].toks) {
          const optional = steps.length > 0 && tok === NE_TOKEN;
          steps.push(altStep([{ toks: [tok], prefix: false }], optional));
          literals.add(tok);
          if (!optional) len++;
        }
        continue;
      }
      for (const a of alts) for (const tok of a.toks) literals.add(tok);
      // Spoken French drops the "ne" of a negation ("c'est pas mon problème"): never required.
      if (steps.length > 0 && alts.length === 1 && alts[0].toks.length === 1 && alts[0].toks[0] === NE_TOKEN)
        opt = true;
      steps.push(altStep(alts, opt));
      if (!opt) len++;
    }
  }
  const first = steps[0];
  if (!first || first.k === "gap" || (first.k === "alt" && first.opt))
    throw new Error(`pattern must start with a word, a number or an ordinal: ${pattern}`);
  // Trailing gaps match nothing useful.
  while (steps.length && steps[steps.length - 1].k === "gap") steps.pop();
  return { steps, payload, literals, len };
}

/**
 * Words a speaker slips into a phrase without changing it: "je suis (vraiment) désolé",
 * "I'm (so) sorry", "je (vous) comprends (bien)". Rubric and tenant phrases tolerate one of them
 * between any two of their words.
 */
const FILLERS = tokenSet(
  "vraiment très sincèrement tellement bien tout vous euh heu hum ben bon bah genre really so very truly terribly extremely just sincerely deeply completely totally um uh er like",
);
/** Two-word fillers of speech ("so just to make sure, you know, I've got this right"): first word → second. */
const FILLER_PAIRS = new Map(
  [
    ["you", "know"],
    ["i", "mean"],
    ["en", "fait"],
    ["tu", "sais"],
    ["vous", "savez"],
  ].map(([a, b]) => [stem(a), stem(b)]),
);

/**
 * Fillers of speech that ASR keeps ("like", "genre", "you know", "en fait"): skipped between the
 * words of any pattern, and not counted as a word of a negation window. (Hesitations — euh, um —
 * give no token at all, `text.ts`.) A pattern that has the word itself matches it first.
 */
const SOFT_FILLERS = tokenSet("like genre bah ben hein");

/** How many tokens at i are a filler of speech (0, 1, or 2 for "you know"). */
function softFiller(toks: string[], i: number, end: number): number {
  const w = toks[i];
  if (SOFT_FILLERS.has(w)) return 1;
  const pair = FILLER_PAIRS.get(w);
  return pair !== undefined && i + 1 < end && toks[i + 1] === pair ? 2 : 0;
}

/**
 * A rubric phrase or tenant phrase: plain words only, no syntax. Between two of its words, one
 * filler word is tolerated (`loose` = false, rubric phrases: precise), or any two words (`loose`,
 * tenant lexicons: "colis abîmé" also finds "colis arrivé abîmé").
 */
export function literal<P>(phrase: string, payload: P, loose = false): Compiled<P> | null {
  const toks = phraseTokens(phrase);
  if (toks.length === 0) return null;
  const steps: Step[] = [];
  toks.forEach((tok, i) => {
    if (i > 0) steps.push(loose ? { k: "gap", max: 2 } : { k: "fill" });
    steps.push(altStep([{ toks: [tok], prefix: false }], false));
  });
  return { steps, payload, literals: new Set(toks), len: toks.length };
}

function altMatches(a: Alt, toks: string[], i: number, end: number): number {
  const n = a.toks.length;
  if (i + n > end) return -1;
  for (let k = 0; k < n - 1; k++) if (toks[i + k] !== a.toks[k]) return -1;
  const last = a.toks[n - 1];
  const tok = toks[i + n - 1];
  if (a.prefix ? tok.startsWith(last) && tok.charCodeAt(0) !== 1 : tok === last) return i + n;
  return -1;
}

/** Match steps[si…] at token i; returns the end index or -1 (backtracks over gaps/options). */
function matchFrom(steps: Step[], si: number, toks: string[], i: number, end: number): number {
  if (si === steps.length) return i;
  const st = steps[si];
  switch (st.k) {
    case "alt": {
      if (st.num && i < end && numberValue(toks[i]) !== null) {
        const r = matchFrom(steps, si + 1, toks, i + 1, end);
        if (r >= 0) return r;
      }
      if (i < end && st.one.has(toks[i])) {
        const r = matchFrom(steps, si + 1, toks, i + 1, end);
        if (r >= 0) return r;
      }
      for (const a of st.rest) {
        const j = altMatches(a, toks, i, end);
        if (j >= 0) {
          const r = matchFrom(steps, si + 1, toks, j, end);
          if (r >= 0) return r;
        }
      }
      if (st.opt) {
        const r = matchFrom(steps, si + 1, toks, i, end);
        if (r >= 0) return r;
      }
      // A filler of speech between two words of a pattern ("i like rang last week") is skipped.
      if (si > 0 && i < end) {
        const w = softFiller(toks, i, end);
        if (w > 0) return matchFrom(steps, si, toks, i + w, end);
      }
      return -1;
    }
    case "gap": {
      for (let skip = 0; skip <= st.max && i + skip <= end; skip++) {
        // A gap never crosses a placeholder.
        if (skip > 0 && toks[i + skip - 1].charCodeAt(0) === 1) return -1;
        const r = matchFrom(steps, si + 1, toks, i + skip, end);
        if (r >= 0) return r;
      }
      return -1;
    }
    case "fill": {
      const r = matchFrom(steps, si + 1, toks, i, end);
      if (r >= 0) return r;
      if (i >= end) return -1;
      if (FILLERS.has(toks[i])) {
        const r1 = matchFrom(steps, si + 1, toks, i + 1, end);
        if (r1 >= 0) return r1;
      }
      const pair = FILLER_PAIRS.get(toks[i]);
      return pair !== undefined && i + 1 < end && toks[i + 1] === pair
        ? matchFrom(steps, si + 1, toks, i + 2, end)
        : -1;
    }
    case "num":
      return i < end && numberValue(toks[i]) !== null ? matchFrom(steps, si + 1, toks, i + 1, end) : -1;
    case "ord":
      return i < end && isOrdinal(toks[i]) ? matchFrom(steps, si + 1, toks, i + 1, end) : -1;
  }
}

/**
 * A set of compiled patterns. Index: by the first two words when a pattern's start is two fixed
 * words (most patterns start with a very common word — "je", "vous", "i", "you" — and would
 * otherwise be tried at each of its occurrences), else by the first word, else by the first three
 * letters of a prefix, plus the patterns that start with a number or an ordinal.
 */
export class Lexicon<P> {
  private readonly exact = new Map<string, Compiled<P>[]>();
  private readonly pairs = new Map<string, Map<string, Compiled<P>[]>>();
  private readonly prefix = new Map<string, Compiled<P>[]>();
  private readonly numStart: Compiled<P>[] = [];
  /** Patterns that start with a number then a fixed word ("#n minutes"), by that word. */
  private readonly numThen = new Map<string, Compiled<P>[]>();
  private readonly ordStart: Compiled<P>[] = [];
  size = 0;

  add(c: Compiled<P> | null): void {
    if (!c) return;
    const first = c.steps[0];
    this.size++;
    this.ix = null;
    if (first.k === "num") {
      const next = c.steps[1];
      if (next?.k === "alt" && !next.opt && next.alts.every((a) => !a.prefix || a.toks.length > 1))
        for (const a of next.alts) push(this.numThen, a.toks[0], c);
      else this.numStart.push(c);
    }
    if (first.k === "ord") this.ordStart.push(c);
    if (first.k !== "alt") return;
    const second = c.steps[1];
    const third = c.steps[2];
    const fixed = (st: Step | undefined): st is Extract<Step, { k: "alt" }> =>
      st !== undefined &&
      st.k === "alt" &&
      !st.num &&
      st.alts.every((a) => !(a.prefix && a.toks.length === 1));
    // The exact second words that can follow a one-word start, or null when not fixed. An
    // optional second word (the "ne" spoken French drops) gives both ways in: it, or the third.
    // A filler slot (rubric phrases: "je suis (vraiment) désolé") gives the third word or a filler.
    const nexts = fixed(second)
      ? !second.opt
        ? second.alts.map((a) => a.toks[0])
        : fixed(third) && !third.opt
          ? [...second.alts.map((a) => a.toks[0]), ...third.alts.map((a) => a.toks[0])]
          : null
      : second?.k === "fill" && fixed(third) && !third.opt
        ? [...third.alts.map((a) => a.toks[0]), ...FILLERS, ...FILLER_PAIRS.keys()]
        : null;
    // Group the start's alternatives by head word: a head is pair-indexed only if all its paths are.
    const byHead = new Map<string, [string, string][] | null>();
    for (const a of first.alts) {
      const head = a.toks[0];
      if (a.prefix && a.toks.length === 1) {
        if (head.length < 3) throw new Error(`prefix too short: ${head}`);
        push(this.prefix, head.slice(0, 3), c);
        continue;
      }
      const pairs: [string, string][] | null =
        a.toks.length >= 2
          ? a.prefix && a.toks.length === 2
            ? null
            : [[head, a.toks[1]]]
          : nexts
            ? nexts.map((n) => [head, n] as [string, string])
            : null;
      const prev = byHead.get(head);
      byHead.set(head, prev === undefined ? pairs : prev && pairs ? [...prev, ...pairs] : null);
    }
    for (const [head, pairs] of byHead) {
      if (!pairs) {
        push(this.exact, head, c);
        continue;
      }
      let m = this.pairs.get(head);
      if (!m) {
        m = new Map();
        this.pairs.set(head, m);
      }
      for (const [, n] of pairs) push(m, n, c);
    }
  }

  addPattern(pattern: string, payload: P): void {
    this.add(compilePattern(pattern, payload));
  }

  // -------------------------------------------------------------------------------------------
  // The scan index, built from the maps above on the first scan after an `add` (once per
  // isolate for the language lexicons). Words are ids (`WORDS`, shared by every lexicon), so a
  // segment costs one `Map` lookup per token whatever the number of lexicons; what can start at
  // a word is an array slot, and each candidate carries the words it needs further on, checked
  // against the words present in the segment before any matching is tried.

  private ix: ScanIndex<P> | null = null;

  private index(): ScanIndex<P> {
    if (this.ix) return this.ix;
    const all: Compiled<P>[] = [];
    const seen = new Set<Compiled<P>>();
    const collect = (l: Compiled<P>[]) => {
      for (const c of l)
        if (!seen.has(c)) {
          seen.add(c);
          all.push(c);
        }
    };
    for (const l of this.exact.values()) collect(l);
    for (const m of this.pairs.values()) for (const l of m.values()) collect(l);
    for (const l of this.prefix.values()) collect(l);
    collect(this.numStart);
    for (const l of this.numThen.values()) collect(l);
    collect(this.ordStart);
    // Every word the index refers to gets an id first.
    for (const c of all)
      for (const st of c.steps) if (st.k === "alt") for (const a of st.alts) wordId(a.toks[0]);
    for (const m of this.pairs.values()) for (const w of m.keys()) wordId(w);
    for (const w of this.numThen.keys()) wordId(w);
    for (const w of NUMBER_WORDS.keys()) wordId(w);
    const cands = new Map<Compiled<P>, Cand<P>>();
    for (const c of all) cands.set(c, { c, req: requirements(c) });
    const list = (l: Compiled<P>[] | undefined): Cand<P>[] | null =>
      l ? l.map((c) => cands.get(c) as Cand<P>) : null;
    // One slot per word known now; a word that gets an id later belongs to no pattern here.
    const info: TokInfo<P>[] = new Array(WORDS.size).fill(NO_INFO);
    const own = (w: string): TokInfo<P> => {
      const id = wordId(w);
      let x = info[id];
      if (x === NO_INFO) {
        x = { exact: null, pairs: null, prefix: null, num: false, after: null };
        info[id] = x;
      }
      return x;
    };
    for (const [w, l] of this.exact) own(w).exact = list(l);
    for (const [w, m] of this.pairs) {
      const pm = new Map<number, Cand<P>[]>();
      for (const [n, l] of m) pm.set(wordId(n), list(l) as Cand<P>[]);
      own(w).pairs = pm;
    }
    for (const [w, l] of this.numThen) own(w).after = list(l);
    for (const w of NUMBER_WORDS.keys()) own(w).num = true;
    const prefix = new Map<number, Map<number, Cand<P>[]>>();
    for (const [p, l] of this.prefix) {
      const k = (p.charCodeAt(0) << 16) | p.charCodeAt(1);
      let m = prefix.get(k);
      if (!m) {
        m = new Map();
        prefix.set(k, m);
      }
      m.set(p.charCodeAt(2), list(l) as Cand<P>[]);
    }
    if (this.prefix.size)
      for (const [w, id] of WORDS)
        if (w.length >= 3 && id < info.length) {
          const l = this.prefix.get(w.slice(0, 3));
          if (l) own(w).prefix = list(l);
        }
    this.ix = {
      info,
      prefix: prefix.size ? prefix : null,
      numStart: list(this.numStart) as Cand<P>[],
      ordStart: list(this.ordStart) as Cand<P>[],
      numbers: this.numStart.length > 0 || this.numThen.size > 0,
    };
    return this.ix;
  }

  /** Every match in `tok` (all patterns at every start; overlapping matches are all reported). */
  scan(tok: Tokens, out: Hit<P>[] = []): Hit<P>[] {
    const ix = this.ix ?? this.index();
    const toks = tok.t;
    const n = toks.length;
    if (n === 0) return out;
    const ids = present(tok);
    const { info, prefix, numStart, ordStart, numbers } = ix;
    const known = info.length;
    const stamp = PRESENT;
    const gen = presentGen;
    for (let i = 0; i < n; i++) {
      const w = toks[i];
      const id = ids[i];
      const x = id >= 0 && id < known ? info[id] : null;
      if (x !== null) {
        if (x.exact !== null) tryAll(x.exact, toks, i, n, out, stamp, gen);
        if (x.pairs !== null && i + 1 < n) {
          const pr = x.pairs.get(ids[i + 1]);
          if (pr !== undefined) tryAll(pr, toks, i, n, out, stamp, gen);
        }
        if (x.prefix !== null) tryAll(x.prefix, toks, i, n, out, stamp, gen);
      } else if (prefix !== null && w.length >= 3) {
        const pr = prefix.get((w.charCodeAt(0) << 16) | w.charCodeAt(1))?.get(w.charCodeAt(2));
        if (pr !== undefined) tryAll(pr, toks, i, n, out, stamp, gen);
      }
      const c0 = w.charCodeAt(0);
      const digit = c0 >= 48 && c0 <= 57;
      if (numbers && (digit || (x !== null && x.num))) {
        tryAll(numStart, toks, i, n, out, stamp, gen);
        if (i + 1 < n) {
          const next = ids[i + 1];
          const then = next >= 0 && next < known ? info[next].after : null;
          if (then !== null) tryAll(then, toks, i, n, out, stamp, gen);
        }
      }
      if (digit && ordStart.length > 0 && isOrdinal(w)) tryAll(ordStart, toks, i, n, out, stamp, gen);
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Word ids: every word some pattern refers to, numbered once per isolate (a word that no pattern
// uses has none: the table only grows with the lexicons, never with the text scanned).

const WORDS = new Map<string, number>();

function wordId(w: string): number {
  let id = WORDS.get(w);
  if (id === undefined) {
    id = WORDS.size;
    WORDS.set(w, id);
  }
  return id;
}

/** PRESENT[id] === presentGen: the word is in the segment last passed to `present`. */
let PRESENT = new Uint32Array(1024);
let presentGen = 0;
let presentOf: Tokens | null = null;

/**
 * The word ids of a segment's tokens (-1: no pattern's word), computed once per segment (and
 * again only if a lexicon compiled since has new words), and its words marked in PRESENT.
 */
function present(tok: Tokens): number[] {
  let ids = tok.ids;
  const fresh = ids === undefined || tok.idv !== WORDS.size;
  if (!fresh && presentOf === tok) return ids as number[];
  if (PRESENT.length < WORDS.size) {
    PRESENT = new Uint32Array(Math.max(WORDS.size, PRESENT.length * 2));
    presentGen = 0;
  }
  if (presentGen === 0xffffffff) {
    PRESENT.fill(0);
    presentGen = 0;
  }
  const gen = ++presentGen;
  const t = tok.t;
  if (fresh) {
    ids = [];
    for (let i = 0; i < t.length; i++) {
      const id = WORDS.get(t[i]);
      ids.push(id === undefined ? -1 : id);
      if (id !== undefined) PRESENT[id] = gen;
    }
    tok.ids = ids;
    tok.idv = WORDS.size;
  } else {
    const known = ids as number[];
    for (let i = 0; i < known.length; i++) if (known[i] >= 0) PRESENT[known[i]] = gen;
  }
  presentOf = tok;
  return ids as number[];
}

/** What can start at one word (a word of some pattern, or a number word). */
interface TokInfo<P> {
  exact: Cand<P>[] | null;
  /** By the next word's id. */
  pairs: Map<number, Cand<P>[]> | null;
  /** The patterns whose start is a prefix of this word. */
  prefix: Cand<P>[] | null;
  /** A number word. */
  num: boolean;
  /** Patterns "#n <this word> …". */
  after: Cand<P>[] | null;
}

/** The slot of a word that starts nothing in a lexicon (shared). */
const NO_INFO: TokInfo<never> = Object.freeze({
  exact: null,
  pairs: null,
  prefix: null,
  num: false,
  after: null,
});

/**
 * A candidate pattern and what it needs: groups of word ids `[count, id…, count, id…]`, one
 * group per required position (a fixed word, or fixed alternatives), one word of each group
 * present in the segment — a necessary condition, so skipping a candidate that fails it changes
 * nothing but the time.
 */
interface Cand<P> {
  c: Compiled<P>;
  req: Int32Array | null;
}

interface ScanIndex<P> {
  /** By word id (the ids known when the index was built). */
  info: TokInfo<P>[];
  /** Prefix starts of words without a slot: first two char codes → third → patterns. */
  prefix: Map<number, Map<number, Cand<P>[]>> | null;
  numStart: Cand<P>[];
  ordStart: Cand<P>[];
  numbers: boolean;
}

/** The required word groups of a pattern past its first step (which the index already ensures). */
function requirements<P>(c: Compiled<P>): Int32Array | null {
  const out: number[] = [];
  for (let k = 1; k < c.steps.length; k++) {
    const st = c.steps[k];
    if (st.k !== "alt" || st.opt || st.num) continue;
    if (st.alts.some((a) => a.prefix && a.toks.length === 1)) continue;
    const ids = [...new Set(st.alts.map((a) => wordId(a.toks[0])))];
    out.push(ids.length, ...ids);
  }
  return out.length ? Int32Array.from(out) : null;
}

function push<P>(m: Map<string, Compiled<P>[]>, k: string, c: Compiled<P>): void {
  const l = m.get(k);
  if (l) {
    if (!l.includes(c)) l.push(c);
  } else m.set(k, [c]);
}

function tryAll<P>(
  l: Cand<P>[],
  toks: string[],
  i: number,
  n: number,
  out: Hit<P>[],
  stamp: Uint32Array,
  gen: number,
): void {
  for (let j = 0; j < l.length; j++) {
    const { c, req } = l[j];
    if (req !== null) {
      let ok = true;
      for (let k = 0; k < req.length && ok; ) {
        const cnt = req[k++];
        ok = false;
        for (let m = 0; m < cnt; m++) if (stamp[req[k + m]] === gen) ok = true;
        k += cnt;
      }
      if (!ok) continue;
    }
    const e = matchFrom(c.steps, 0, toks, i, n);
    if (e > i) out.push({ p: c, s: i, e });
  }
}

// ---------------------------------------------------------------------------------------------
// Negation.

/** Words that negate what follows them (FR and EN), stemmed. */
export const NEGATORS = tokenSet(
  "ne n pas plus jamais rien aucun aucune aucunement sans ni nullement point not no never nothing none without nor neither hardly barely",
);
/** Inside a match (skipped by a gap) only unambiguous negators count: "plus de 40 minutes" is "more than". */
const GAP_NEGATORS = tokenSet("ne pas jamais aucun aucune not never");
/** French post-verbal negators (what follows a verb: "ça marche pas", "ça marche plus"). */
const POST_NEGATORS = tokenSet("pas plus jamais rien point not");
/** Words that end the reach of a negation even without punctuation. */
const BARRIERS = tokenSet(
  "mais but sinon otherwise alors so donc parce because car puisque since et and or ou si if quand when que that",
);
/** A pattern that starts with a subject carries its own negation ("je ne vais pas…"), never before it. */
const SUBJECTS = tokenSet("je i on we nous il elle they vous you");
const NE = stem("ne");
const PLUS = stem("plus");

/**
 * Is the match [s, e) negated? A negator in the three tokens before it (same clause, no barrier
 * word in between; "plus" only after a "ne"), a negator skipped inside it by a gap (a negator that
 * is a literal of the pattern is the pattern's own, not a negation), or — with `after` — a
 * post-verbal negator in the two tokens after it.
 */
export function isNegated(tok: Tokens, s: number, e: number, literals: Set<string>, after = false): boolean {
  const t = tok.t;
  const clause = tok.c[s];
  if (!SUBJECTS.has(t[s])) {
    // Three words before the match, fillers of speech not counted ("i dont like want to").
    for (let i = s - 1, n = 0; i >= 0 && n < 3; i--) {
      if (tok.c[i] !== clause || BARRIERS.has(t[i])) break;
      if (SOFT_FILLERS.has(t[i])) continue;
      n++;
      if (NEGATORS.has(t[i])) {
        if (t[i] !== PLUS) return true;
        // "plus" negates only with a "ne" before it ("je n'en veux plus"), else it means "more".
        for (let k = i - 1; k >= 0 && k >= i - 4 && tok.c[k] === clause; k--) if (t[k] === NE) return true;
      }
    }
  }
  for (let i = s + 1; i < e; i++) if (GAP_NEGATORS.has(t[i]) && !literals.has(t[i])) return true;
  if (after) {
    for (let i = e; i < t.length && i < e + 2; i++) {
      if (tok.c[i] !== clause) break;
      if (POST_NEGATORS.has(t[i]) && !literals.has(t[i])) return true;
    }
  }
  return false;
}

export { PLACEHOLDER };
