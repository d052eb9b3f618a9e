/**
 * Text normalisation and tokenisation for the built-in engine. Every piece of text — transcript
 * segments, rubric phrases, lexicon patterns — goes through `tokenize`, so matching is a
 * comparison of equal token strings and the same folding rules apply on both sides.
 *
 * A token is:
 * - lower case, without diacritics (`Réglé` → `regle`, `œ` → `oe`);
 * - French elisions expanded (`j'appelle` → `je appelle`, `qu'il` → `que il`, `l'a` → `le a`);
 * - English contractions expanded (`don't` → `do not`, `I've` → `i have`, `it's` → `it is`,
 *   possessive `'s` dropped);
 * - hyphenated words split (`peut-être` → `peut etre`) except `e-mail` → `email`;
 * - ordinals canonical (`3e`, `3ème`, `troisième`, `third`, `3rd` → `3e`);
 * - lightly stemmed (`stem`): a final plural `s`/`x` and a feminine `ee` are dropped, which is
 *   the cheap inflection tolerance (`factures` ≈ `facture`, `désolée` ≈ `désolé`).
 * A redaction placeholder (`[CARD]`, `[CUSTOM:name]`) is one opaque token `\u0001card` that no
 * word can match — only a phrase that is itself a placeholder.
 *
 * Character offsets (`s`, `e`) point into the original text, for evidence quotes.
 */

export interface Tokens {
  /** Stemmed tokens. */
  t: string[];
  /** Start / end character offsets of the source word in the original text. */
  s: number[];
  e: number[];
  /** Clause index of each token (punctuation . , ; : ! ? … and spaced dashes start a new clause). */
  c: number[];
  /** Clauses that end with a question mark. */
  questions: Set<number>;
  /** Words as `countWords` counts them (runs of letters/digits joined by ' or -). */
  words: number;
  /** An exclamation mark, or two or more words in capitals (shouting), occurs. */
  emphatic: boolean;
  /** The lexicons' word ids of `t` (`lexicon.ts`, filled on the first scan) and the table size then. */
  ids?: number[];
  idv?: number;
}

export const PLACEHOLDER = "\u0001";

// ---------------------------------------------------------------------------------------------
// Character folding. The whole text is folded at once (lower case, marks stripped); when that keeps
// its length — always, in practice: "é" → "e", "İ" → "i" — offsets stay aligned with the original.
// Otherwise a per-character path folds with the same rules.

const MARKS = /\p{M}/gu;
const LETTER = /[\p{L}\p{N}]/u;
/** Per UTF-16 code unit: 0 unknown, 1 word character, 2 not. */
const WORD_CODE = new Uint8Array(65536);
for (let c = 0; c < 128; c++)
  WORD_CODE[c] = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) ? 1 : 2;

function isWordCode(c: number): boolean {
  let k = WORD_CODE[c];
  if (k === 0) {
    // Lone surrogates (emoji halves) are not letters.
    k = c >= 0xd800 && c <= 0xdfff ? 2 : LETTER.test(String.fromCharCode(c)) ? 1 : 2;
    WORD_CODE[c] = k;
  }
  return k === 1;
}

/** The text folded with its length kept, or null. */
function foldText(text: string): string | null {
  lastLower = null;
  const f = text.toLowerCase();
  // Character by character when every non-ASCII character folds to exactly one (é → e): the same
  // result as decomposing the whole text (marks only ever reorder among themselves, and go).
  let out: string | null = null;
  let from = 0;
  for (let i = 0; i < f.length; i++) {
    const c = f.charCodeAt(i);
    if (c < 128) continue;
    let k = FOLD_CODE[c];
    if (k === 0) {
      k = foldCode(c);
      FOLD_CODE[c] = k;
    }
    if (k === 0xffff) return foldWhole(text, f);
    if (k !== c) {
      out = out === null ? f.slice(0, i) : out + f.slice(from, i);
      out += String.fromCharCode(k);
      from = i + 1;
    }
  }
  const r = out === null ? f : out + f.slice(from);
  if (r.length !== text.length) return null;
  lastLower = f;
  return r;
}

/**
 * The lower-case text of the last `foldText` that folded character by character (else null): a
 * flat string whose codes, through FOLD_CODE above 127, are the folded text's.
 */
let lastLower: string | null = null;

function foldWhole(text: string, f: string): string | null {
  const r = f.normalize("NFD").replace(MARKS, "");
  return r.length === text.length ? r : null;
}

/** Per UTF-16 code unit (lower case): what it folds to, 0xffff when not exactly one character (0: not known yet). */
const FOLD_CODE = new Uint16Array(65536);
function foldCode(c: number): number {
  if (c >= 0xd800 && c <= 0xdfff) return 0xffff;
  const d = String.fromCharCode(c).normalize("NFD").replace(MARKS, "");
  return d.length === 1 && d.charCodeAt(0) !== 0xffff ? d.charCodeAt(0) : 0xffff;
}

/** Folding of one character (fallback path). */
function foldChar(ch: string): string {
  return ch.toLowerCase().normalize("NFD").replace(MARKS, "");
}

/** Ligatures that folding keeps, spelled out inside a word. */
function unligature(w: string): string {
  for (let i = 0; i < w.length; i++)
    if (w.charCodeAt(i) > 127) return w.replace(/œ/g, "oe").replace(/æ/g, "ae").replace(/ß/g, "ss");
  return w;
}

function isApostrophe(c: number): boolean {
  return c === 39 || c === 0x2019 || c === 0x2018 || c === 0x02bc || c === 96 || c === 0xb4;
}
function isHyphen(c: number): boolean {
  return c === 45 || c === 0x2010 || c === 0x2011;
}
/** Clause-breaking punctuation: . , ; : ! ? … ¿ ¡ and the dashes – — */
function isClauseBreak(c: number): boolean {
  return (
    c === 46 ||
    c === 44 ||
    c === 59 ||
    c === 58 ||
    c === 33 ||
    c === 63 ||
    c === 0x2026 ||
    c === 0x2013 ||
    c === 0x2014 ||
    c === 0xbf ||
    c === 0xa1
  );
}

// ---------------------------------------------------------------------------------------------
// Word-level rules (Maps: a word like "constructor" must not find Object.prototype).

/** French elided words: the part before the apostrophe → the full word. */
const ELISION = new Map(
  Object.entries({
    j: "je",
    l: "le",
    d: "de",
    m: "me",
    t: "te",
    s: "se",
    n: "ne",
    c: "ce",
    qu: "que",
    jusqu: "jusque",
    lorsqu: "lorsque",
    puisqu: "puisque",
    quoiqu: "quoique",
    presqu: "presque",
    quelqu: "quelque",
  }),
);
/** English `n't` stems whose base is not the stem itself. */
const NT_BASE = new Map(Object.entries({ ca: "can", wo: "will", sha: "shall", ai: "is" }));
const EN_SUFFIX = new Map(Object.entries({ re: "are", ve: "have", ll: "will", d: "would", m: "am" }));
/** Words after which `'s` means "is" (otherwise it is a possessive and dropped). */
const S_IS = new Set(
  "it that what there here he she who where how when everything nothing something this everyone someone nobody".split(
    " ",
  ),
);
/** Whole-word rewrites (after folding). */
const WORD_MAP = new Map<string, string[]>(
  Object.entries({
    cannot: ["can", "not"],
    gonna: ["going", "to"],
    wanna: ["want", "to"],
    gotta: ["got", "to"],
    okay: ["ok"],
    okey: ["ok"],
    ya: ["il", "y", "a"],
    courriel: ["email"],
    mail: ["email"],
    mails: ["email"],
    emails: ["email"],
  }),
);
/**
 * Hesitation sounds (ASR writes them): no token at all, so they neither break a pattern ("i want
 * to um cancel") nor count as a word in a negation window. They still count as spoken words.
 */
const HESITATIONS = new Set(
  "euh euhh euuh heu heuu hum humm hmm hm um umm uh uhh uhm er erm ehm em".split(" "),
);
const ORDINAL_WORDS = new Map(
  Object.entries({
    premier: 1,
    premiere: 1,
    first: 1,
    deuxieme: 2,
    second: 2,
    seconde: 2,
    troisieme: 3,
    third: 3,
    quatrieme: 4,
    fourth: 4,
    cinquieme: 5,
    fifth: 5,
    sixieme: 6,
    sixth: 6,
    septieme: 7,
    seventh: 7,
    huitieme: 8,
    eighth: 8,
    neuvieme: 9,
    ninth: 9,
    dixieme: 10,
    tenth: 10,
    enieme: 99,
    nieme: 99,
    umpteenth: 99,
  }),
);
const DIGIT_ORDINAL = /^(\d+)(?:e|eme|er|ere|nd|rd|th|st)$/;

/**
 * Light stemming: drop a final plural `s` (not `ss`) on words of 4+ letters, a final `x` on
 * words of 5+ letters, then a feminine `ee` → `e`. Applied identically to text and patterns, so
 * its only effect is tolerance: plural and feminine forms meet their base form.
 */
export function stem(w: string): string {
  let n = w.length;
  if (n >= 4) {
    const last = w.charCodeAt(n - 1);
    if ((last === 115 && w.charCodeAt(n - 2) !== 115) || (last === 120 && n >= 5)) {
      w = w.slice(0, -1);
      n--;
    }
  }
  if (n >= 4 && w.charCodeAt(n - 1) === 101 && w.charCodeAt(n - 2) === 101) w = w.slice(0, -1);
  return w;
}

/**
 * What folded pieces become, cached per isolate (the same words come back in every call): one
 * lookup per word instead of the rules below, and every occurrence of a word is the same string.
 * Bounded: emptied when full.
 */
const PIECES = new Map<string, string | string[]>();
const PIECES_MAX = 50_000;
const NOTHING: string[] = [];

/** Emit the tokens of one folded piece (no apostrophes or hyphens left in it). */
function emitPiece(piece: string, out: string[]): void {
  let r = PIECES.get(piece);
  if (r === undefined) {
    r = pieceTokens(piece);
    if (PIECES.size >= PIECES_MAX) PIECES.clear();
    PIECES.set(piece, r);
  }
  if (typeof r === "string") out.push(r);
  else for (let k = 0; k < r.length; k++) out.push(r[k]);
}

function pieceTokens(piece: string): string | string[] {
  if (HESITATIONS.has(piece)) return NOTHING;
  const mapped = WORD_MAP.get(piece);
  if (mapped) return mapped;
  const ord = ORDINAL_WORDS.get(piece);
  if (ord !== undefined) return `${ord}e`;
  const c0 = piece.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) {
    const d = DIGIT_ORDINAL.exec(piece);
    if (d) return `${Number(d[1])}e`;
  }
  return piece ? stem(piece) : NOTHING;
}

/**
 * One raw word, split at its apostrophes and hyphens into folded parts: `parts[k]` and
 * `parts[k+1]` are joined by `seps[k]` ("'" or "-").
 */
function emitWord(parts: string[], seps: string[], out: string[]): void {
  let cur = parts[0];
  for (let k = 0; k < seps.length; k++) {
    const next = parts[k + 1];
    if (seps[k] === "-") {
      if (cur === "e" && next === "mail") {
        cur = "email";
        continue;
      }
      if (cur) emitPiece(cur, out);
      cur = next;
      continue;
    }
    // Apostrophe.
    const el = ELISION.get(cur);
    if (el !== undefined) {
      out.push(el);
      cur = next;
      continue;
    }
    if (next === "t" && cur.length > 1 && cur.endsWith("n")) {
      const base = cur.slice(0, -1);
      out.push(NT_BASE.get(base) ?? base, "not");
      cur = "";
      continue;
    }
    const suf = EN_SUFFIX.get(next);
    if (suf !== undefined) {
      if (cur) emitPiece(cur, out);
      out.push(suf);
      cur = "";
      continue;
    }
    if (next === "s") {
      if (cur === "let") out.push("let", "us");
      else if (S_IS.has(cur)) out.push(cur, "is");
      else if (cur) emitPiece(cur, out);
      cur = "";
      continue;
    }
    cur = cur + next; // aujourd'hui → aujourdhui, o'clock → oclock
  }
  if (cur) emitPiece(cur, out);
}

/**
 * Contractions written without their apostrophe (ASR output, quick typing): "dont" → "do not",
 * "jai" → "je ai", "cest" → "ce est". Each becomes exactly what its apostrophe form gives. Only
 * forms that are no other word; left out: "dont" (French "dont", decided by the next word in
 * `contextual`), "were", "ill", "id", "well", "hell", "shell", "wed", "lets", "tes", "tas", "ma",
 * "nest". "its" always reads "it is" (in speech the possessive rarely precedes a pattern word).
 */
const UNAPOSTROPHED =
  "it's isn't aren't wasn't weren't doesn't didn't haven't hasn't hadn't can't won't wouldn't couldn't shouldn't mustn't needn't ain't " +
  "i'm i've you're you've you'll you'd they're they've they'll they'd we've it'll it'd that's that'll what's there's here's who's " +
  "where's how's she's should've could've would've might've " +
  "j'ai j'avais j'aurai j'aurais j'étais j'appelle j'appelais j'attends j'attendais j'arrive j'essaie j'espère j'habite j'en j'y " +
  "j'suis j'sais j'peux j'veux j'crois j'pense j'comprends j'sens c'est c'était qu'il qu'ils qu'on l'ai s'il d'accord n'importe " +
  "j'te j'vous j'me he's s'est s'ils quelqu'un jusqu'à " +
  // Elided articles and "de" glued to the call-centre words they most often precede.
  "l'attente l'appel l'adresse l'agence l'abonnement l'application l'appli l'argent l'erreur l'envoi l'offre l'heure " +
  "l'autre l'instant l'ordre l'accès l'assurance l'achat l'article l'avance l'écran l'électricité l'eau l'état " +
  "d'attente d'avoir d'abord d'ailleurs d'ici d'un d'une d'autres d'habitude d'appel d'être d'aider d'erreur d'heure " +
  "d'argent d'euros d'abonnement m'avez m'avait m'avaient m'ont";
for (const form of UNAPOSTROPHED.split(" ")) {
  const raw = form.normalize("NFD").replace(MARKS, "");
  const parts: string[] = [];
  const seps: string[] = [];
  let cur = "";
  for (const ch of raw) {
    if (ch === "'" || ch === "-") {
      parts.push(cur);
      seps.push(ch);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  const toks: string[] = [];
  emitWord(parts, seps, toks);
  WORD_MAP.set(parts.join(""), toks);
}
/** Spoken forms: "chuis", "chais" (je suis, je sais), "ptet" (peut-être). */
for (const [w, as] of [
  ["chuis", "jsuis"],
  ["chais", "jsais"],
]) {
  const toks = WORD_MAP.get(as);
  if (toks) WORD_MAP.set(w, toks);
}
WORD_MAP.set("ptet", ["peut", "etre"]);
WORD_MAP.set("ptetre", ["peut", "etre"]);

// A word without apostrophe or hyphen (most words) is looked up by its folded characters in an
// open-addressing table, per isolate: no string is cut from the text nor hashed again for a word
// seen before. Bounded: emptied when half full.
const FNV_BASIS = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;
const WT_SIZE = 1 << 15;
const WT_MASK = WT_SIZE - 1;
/** The folded word (before ligatures are spelled out), its hash, its tokens, whether one is a number word. */
const WT_KEY: (string | undefined)[] = new Array(WT_SIZE).fill(undefined);
const WT_HASH = new Int32Array(WT_SIZE);
const WT_TOKS: (string | string[])[] = new Array(WT_SIZE).fill(NOTHING);
const WT_NUM = new Uint8Array(WT_SIZE);
let wtCount = 0;

/** Emit the tokens of the simple word folded[a, b) of hash h; its flags (F_NUM, F_CTX). */
function emitWordAt(lower: string, folded: string, a: number, b: number, h: number, out: string[]): number {
  const len = b - a;
  let slot = h & WT_MASK;
  for (;;) {
    const key = WT_KEY[slot];
    if (key === undefined) break;
    if (WT_HASH[slot] === h && key.length === len) {
      let k = 0;
      for (; k < len; k++) {
        const fc = lower.charCodeAt(a + k);
        if (key.charCodeAt(k) !== (fc < 128 ? fc : FOLD_CODE[fc])) break;
      }
      if (k === len) {
        const r = WT_TOKS[slot];
        if (typeof r === "string") out.push(r);
        else for (let j = 0; j < r.length; j++) out.push(r[j]);
        return WT_NUM[slot];
      }
    }
    slot = (slot + 1) & WT_MASK;
  }
  const raw = folded.slice(a, b);
  const r = pieceTokens(unligature(raw));
  const flags = tokenFlags(r);
  if (wtCount >= WT_SIZE >> 1) {
    WT_KEY.fill(undefined);
    wtCount = 0;
    slot = h & WT_MASK;
  }
  WT_KEY[slot] = raw;
  WT_HASH[slot] = h;
  WT_TOKS[slot] = r;
  WT_NUM[slot] = flags;
  wtCount++;
  if (typeof r === "string") out.push(r);
  else for (let j = 0; j < r.length; j++) out.push(r[j]);
  return flags;
}

const F_NUM = 1;
const F_CTX = 2;
function tokenFlags(r: string | string[]): number {
  let f = 0;
  if (typeof r === "string") return (NUM.has(r) ? F_NUM : 0) | (CTX.has(r) ? F_CTX : 0);
  for (const x of r) f |= (NUM.has(x) ? F_NUM : 0) | (CTX.has(x) ? F_CTX : 0);
  return f;
}

const PLACEHOLDER_BODY = /^[A-Za-z][A-Za-z0-9_]*(?::[^[\]]{1,60})?$/;

/** Tokenise `text` (see the module comment). Linear in the text length. */
export function tokenize(text: string): Tokens {
  const t: string[] = [];
  const s: number[] = [];
  const e: number[] = [];
  const c: number[] = [];
  const questions = new Set<number>();
  let clause = 0;
  let words = 0;
  let emphatic = false;
  let caps = 0;
  let numbers = false;
  let ctx = false;
  const n = text.length;
  const folded = foldText(text);
  const lower = lastLower;
  let i = 0;
  while (i < n) {
    const code = text.charCodeAt(i);
    if (code === 91 /* [ */) {
      const j = text.indexOf("]", i + 1);
      if (j > i + 1 && j - i <= 80) {
        const body = text.slice(i + 1, j);
        if (PLACEHOLDER_BODY.test(body)) {
          t.push(PLACEHOLDER + body.split(":")[0].toLowerCase());
          s.push(i);
          e.push(j + 1);
          c.push(clause);
          words++;
          i = j + 1;
          continue;
        }
      }
      i++;
      continue;
    }
    if (!isWordCode(code)) {
      if (isClauseBreak(code)) {
        if (code === 63 || code === 0xbf) questions.add(clause);
        if (code === 33) emphatic = true;
        clause++;
      } else if (code === 32 && i + 2 < n && text.charCodeAt(i + 2) === 32) {
        const d = text.charCodeAt(i + 1);
        if (d === 45 || d === 0x2013) clause++; // " - " between words acts like a dash
      }
      i++;
      continue;
    }
    // A word: letters/digits, with single apostrophes or hyphens between them.
    const start = i;
    let parts: string[] | null = null;
    let seps: string[] | null = null;
    let partStart = i;
    let upper = 0;
    let letters = 0;
    let h = FNV_BASIS;
    while (i < n) {
      const cc = text.charCodeAt(i);
      if (isWordCode(cc)) {
        if (cc >= 65 && cc <= 90) upper++;
        letters++;
        if (lower !== null) {
          const fc = lower.charCodeAt(i);
          h = Math.imul(h ^ (fc < 128 ? fc : FOLD_CODE[fc]), FNV_PRIME);
        }
        i++;
        continue;
      }
      if ((isApostrophe(cc) || isHyphen(cc)) && i + 1 < n && isWordCode(text.charCodeAt(i + 1))) {
        if (parts === null || seps === null) {
          parts = [];
          seps = [];
        }
        parts.push(foldedSlice(text, folded, partStart, i));
        seps.push(isHyphen(cc) ? "-" : "'");
        i++;
        partStart = i;
        continue;
      }
      break;
    }
    words++;
    if (letters >= 4 && upper === letters) caps++;
    const before = t.length;
    if ((parts === null || seps === null) && folded !== null && lower !== null) {
      const f = emitWordAt(lower, folded, start, i, h, t);
      if (f & F_NUM) numbers = true;
      if (f & F_CTX) ctx = true;
    } else {
      const last = foldedSlice(text, folded, partStart, i);
      if (parts === null || seps === null) emitPiece(last, t);
      else {
        parts.push(last);
        emitWord(parts, seps, t);
      }
      for (let k = before; k < t.length; k++) {
        if (NUM.has(t[k])) numbers = true;
        if (CTX.has(t[k])) ctx = true;
      }
    }
    for (let k = before; k < t.length; k++) {
      s.push(start);
      e.push(i);
      c.push(clause);
    }
  }
  if (caps >= 2) emphatic = true;
  if (ctx) contextual(t, s, e, c);
  if (numbers) composeNumbers(t, s, e, c);
  return { t, s, e, c, questions, words, emphatic };
}

// ---------------------------------------------------------------------------------------------
// Numbers written in words ("quarante-huit heures", "thirty-five minutes", "four hundred and
// twelve pounds") become one token of digits ("48", "35", "412"), the same as "48" written so —
// numbers are how durations, counts and amounts are said, and ASR writes them either way.
// "un", "une", "one" alone stay words (they are mostly articles); inside a number they count.

const NUM = new Map<string, number>(
  Object.entries({
    un: 1,
    une: 1,
    deux: 2,
    trois: 3,
    quatre: 4,
    cinq: 5,
    six: 6,
    sept: 7,
    huit: 8,
    neuf: 9,
    dix: 10,
    onze: 11,
    douze: 12,
    treize: 13,
    quatorze: 14,
    quinze: 15,
    seize: 16,
    vingt: 20,
    vingts: 20,
    trente: 30,
    quarante: 40,
    cinquante: 50,
    soixante: 60,
    septante: 70,
    huitante: 80,
    octante: 80,
    nonante: 90,
    cent: 100,
    cents: 100,
    mille: 1000,
    one: 1,
    two: 2,
    three: 3,
    four: 4,
    five: 5,
    six_: 6,
    seven: 7,
    eight: 8,
    nine: 9,
    ten: 10,
    eleven: 11,
    twelve: 12,
    thirteen: 13,
    fourteen: 14,
    fifteen: 15,
    sixteen: 16,
    seventeen: 17,
    eighteen: 18,
    nineteen: 19,
    twenty: 20,
    thirty: 30,
    forty: 40,
    fifty: 50,
    sixty: 60,
    seventy: 70,
    eighty: 80,
    ninety: 90,
    hundred: 100,
    thousand: 1000,
  }).map(([k, v]) => [stem(k.replace(/_$/, "")), v]),
);
const SINGLE_WORDS = new Set(["un", "une", "one"]);
const JOINERS = new Set(["et", "and"]);

/** Can `v` continue a number whose last word was `last` ("vingt" + "cinq", "hundred" + "and" + "two")? */
function continues(last: number, v: number, prevWasFour: boolean): boolean {
  if (v >= 100) return last < 100 || last % 100 !== 0 || v > last;
  if (last >= 100) return true;
  if (v === 20 && prevWasFour) return true; // quatre-vingt(s)
  if (last >= 20 && last % 10 === 0 && v < 10) return true;
  if ((last === 60 || last === 80) && v >= 10 && v < 20) return true; // soixante-dix, quatre-vingt-onze
  return last === 10 && v < 10; // dix-sept
}

function composeNumbers(t: string[], s: number[], e: number[], c: number[]): void {
  let any = false;
  for (let i = 0; i < t.length && !any; i++) any = NUM.has(t[i]);
  if (!any) return;
  let w = 0;
  for (let i = 0; i < t.length; ) {
    const v0 = NUM.get(t[i]);
    if (v0 === undefined) {
      t[w] = t[i];
      s[w] = s[i];
      e[w] = e[i];
      c[w] = c[i];
      w++;
      i++;
      continue;
    }
    let total = 0;
    let current = v0;
    let last = v0;
    let j = i + 1;
    for (;;) {
      let k = j;
      if (k < t.length && JOINERS.has(t[k]) && c[k] === c[i]) k++;
      const v = k < t.length && c[k] === c[i] ? NUM.get(t[k]) : undefined;
      if (v === undefined || !continues(last, v, last === 4)) break;
      // "et"/"and" only join "vingt et un", "soixante et onze", "hundred and two".
      if (k > j && !(last >= 100 || (last >= 20 && (v === 1 || v === 11)))) break;
      if (v === 20 && last === 4) current += 76;
      else if (v === 100) current = (current === 0 ? 1 : current) * 100;
      else if (v >= 1000) {
        total += (current === 0 ? 1 : current) * v;
        current = 0;
      } else current += v;
      last = v === 20 && last === 4 ? 80 : v;
      j = k + 1;
    }
    const n = j - i;
    t[w] = n === 1 && SINGLE_WORDS.has(t[i]) ? t[i] : String(total + current);
    s[w] = s[i];
    e[w] = e[j - 1];
    c[w] = c[i];
    w++;
    i = j;
  }
  t.length = w;
  s.length = w;
  e.length = w;
  c.length = w;
}

// ---------------------------------------------------------------------------------------------
// Contractions that only the next (or previous) word decides, as ASR writes them — apostrophe
// dropped ("dont") or turned into a space ("j ai", "c est", "qu il", "don t", "i m"):
// - "dont" is "do not" unless a French clause follows ("la facture dont je parle");
// - a lone French elided word before a vowel or h is the full word ("j ai" → "je ai", "l adresse"
//   → "le adresse"; "j" before any word: "j suis"); "c pas", "c bon" → "ce est pas", "ce est bon";
// - "y a", "y avait" without "il" → "il y a" (spoken French drops it); "ma dit" → "me a dit"
//   (after a subject or before a participle); "aujourd hui" → "aujourdhui";
// - English split contractions: "don t" → "do not", "i m" → "i am", "it s" → "it is",
//   "you re" / "i ve" / "i ll" / "i d" → are / have / will / would.
// Runs only on segments holding one of these tokens (flag set per word at tokenisation).

/** French words that follow the relative "dont" (pronouns, determiners), stemmed. */
const DONT_FR_NEXT = new Set(
  "je j tu il elle on nous vous ils elles le la les l un une des du de d ce c cet cette ces mon ma mes ton ta tes son sa ses notre votre nos vos leur leurs plusieurs certains quelques deux trois moi lui eux personne tout tous chacun aucun"
    .split(" ")
    .map(stem),
);
const ELIDED_ALONE = new Map(
  Object.entries({
    j: "je",
    l: "le",
    m: "me",
    t: "te",
    s: "se",
    n: "ne",
    c: "ce",
    d: "de",
    qu: "que",
    jusqu: "jusque",
    lorsqu: "lorsque",
    puisqu: "puisque",
    presqu: "presque",
    quelqu: "quelque",
  }),
);
/** "c" + one of these is "c'est" ("c pas normal", "c bon"). */
const C_EST_NEXT = new Set(
  "pas plus bon bien vrai normal sur quoi ca tout fini juste ok bizarre dingue grave".split(" ").map(stem),
);
const Y_A_NEXT = new Set(["a", "avait", "aura", "aurait"]);
/** Before "y a", the subject is there or the "y" belongs to another verb. */
const Y_A_PREV = new Set("il ne n on je j tu vous nous elle elles ils en me te se".split(" ").map(stem));
/** English words before a split "n t" and what they become. */
const NT_SPLIT = new Map(
  Object.entries({
    don: "do",
    doesn: "does",
    didn: "did",
    isn: "is",
    wasn: "was",
    aren: "are",
    weren: "were",
    haven: "have",
    hasn: "has",
    hadn: "had",
    can: "can",
    won: "will",
    wouldn: "would",
    couldn: "could",
    shouldn: "should",
    ain: "is",
    mustn: "must",
  }),
);
const EN_PRONOUN = new Set("i you we they he she it that there who".split(" "));
/**
 * "ma" is "m'a" (→ "me a") after a subject ("on ma dit", "il ma passé") or before a past
 * participle that is no noun ("le technique ma renvoyé"); else the possessive ("ma facture").
 */
const MA_SUBJECT = new Set("on il elle qui ca cela personne".split(" "));
const MA_PARTICIPLE = new Set(
  "dit fait mis pris passe renvoye transfere propose raccroche repondu promis assure envoye appele rappele conseille explique oriente redirige donne confirme indique annonce bloque coupe debite rembourse raconte affirme jure certifie parle ecrit".split(
    " ",
  ),
);
const CTX = new Set(["dont", "y", "t", "re", "ve", "ll", "ma", "aujourd", ...ELIDED_ALONE.keys()]);

function isVowelStart(w: string): boolean {
  const k = w.charCodeAt(0);
  return k === 97 || k === 101 || k === 105 || k === 111 || k === 117 || k === 121 || k === 104;
}

/** Insertions of one `contextual` pass: token index → the tokens it becomes (reused). */
const INS = new Map<number, string[]>();

function contextual(t: string[], s: number[], e: number[], c: number[]): void {
  const n = t.length;
  /** Insertions: token index → the tokens it becomes. */
  const ins = INS;
  if (ins.size) ins.clear();
  for (let i = 0; i < n; i++) {
    const w = t[i];
    if (!CTX.has(w)) continue;
    const next = i + 1 < n && c[i + 1] === c[i] ? t[i + 1] : null;
    const prev = i > 0 && c[i - 1] === c[i] ? t[i - 1] : null;
    if (w === "dont") {
      if (next === null || !DONT_FR_NEXT.has(next)) ins.set(i, ["do", "not"]);
      continue;
    }
    if (w === "t" && prev !== null && NT_SPLIT.has(prev)) {
      t[i - 1] = NT_SPLIT.get(prev) as string;
      t[i] = "not";
      continue;
    }
    if (prev !== null && EN_PRONOUN.has(prev)) {
      const suf = EN_SUFFIX.get(w);
      if (suf !== undefined && (w !== "m" || prev === "i")) {
        t[i] = suf;
        continue;
      }
      if (w === "s" && S_IS.has(prev)) {
        t[i] = "is";
        continue;
      }
    }
    if (w === "aujourd") {
      // "aujourd hui" (apostrophe turned into a space) is "aujourd'hui".
      if (next === "hui") {
        t[i] = "aujourdhui";
        e[i] = e[i + 1];
        ins.set(i + 1, []);
      }
      continue;
    }
    if (w === "ma") {
      if ((prev !== null && MA_SUBJECT.has(prev)) || (next !== null && MA_PARTICIPLE.has(next)))
        ins.set(i, ["me", "a"]);
      continue;
    }
    if (w === "y") {
      if (next !== null && Y_A_NEXT.has(next) && (prev === null || !Y_A_PREV.has(prev)))
        ins.set(i, ["il", "y"]);
      continue;
    }
    const full = ELIDED_ALONE.get(w);
    if (full === undefined || next === null) continue;
    if (w === "c" && C_EST_NEXT.has(next)) ins.set(i, ["ce", "est"]);
    else if (isVowelStart(next) || (w === "j" && next.length > 1)) t[i] = full;
  }
  if (ins.size === 0) return;
  const t2: string[] = [];
  const s2: number[] = [];
  const e2: number[] = [];
  const c2: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = ins.get(i);
    const k = r === undefined ? 1 : r.length;
    for (let j = 0; j < k; j++) {
      t2.push(r === undefined ? t[i] : r[j]);
      s2.push(s[i]);
      e2.push(e[i]);
      c2.push(c[i]);
    }
  }
  for (const [a, b] of [
    [t, t2],
    [s, s2],
    [e, e2],
    [c, c2],
  ] as [unknown[], unknown[]][]) {
    a.length = 0;
    for (let j = 0; j < b.length; j++) a.push(b[j]);
  }
}

function foldedSlice(text: string, folded: string | null, a: number, b: number): string {
  if (folded !== null) return unligature(folded.slice(a, b));
  let out = "";
  for (let i = a; i < b; i++) out += foldChar(text[i]);
  return unligature(out);
}

/** The stemmed tokens of a phrase (patterns, rubric phrases, company names). */
export function phraseTokens(phrase: string): string[] {
  return tokenize(phrase).t;
}

/** Stemmed form of each word of a space-separated list (for token sets). */
export function tokenSet(words: string): Set<string> {
  const set = new Set<string>();
  for (const w of words.split(/\s+/)) if (w) for (const tok of phraseTokens(w)) set.add(tok);
  return set;
}

/** At most `max` characters of `text` around [from, to), with … where cut. */
export function quoteAround(text: string, from = 0, to = 0, max = 200): string {
  const clean = text.trim();
  if (clean.length <= max) return clean;
  // Offsets refer to the untrimmed text; trimming the start shifts them.
  const lead = text.length - text.trimStart().length;
  const a = Math.min(clean.length, Math.max(0, from - lead));
  const b = Math.min(clean.length, Math.max(a, to - lead));
  const room = max - 2; // room for two ellipses
  // Some context before the match, and its end inside the window when it fits.
  let start = a - 40;
  if (b > start + room - 20) start = Math.min(a, b - room + 20);
  start = Math.max(0, start);
  let end = Math.min(clean.length, start + room);
  if (end - start < room) start = Math.max(0, end - room);
  if (start === 0) end = Math.min(clean.length, max - 1);
  else if (end === clean.length) start = Math.max(0, end - (max - 1));
  let q = clean.slice(start, end);
  if (start > 0) q = `…${q}`;
  if (end < clean.length) q = `${q}…`;
  return q;
}

/** The sentence of `text` containing offset `at` (split on . ! ? … followed by a space). */
export function sentenceAt(text: string, at: number): { from: number; to: number } {
  let from = 0;
  for (let i = Math.min(at, text.length) - 1; i > 0; i--) {
    const ch = text.charCodeAt(i - 1);
    if ((ch === 46 || ch === 33 || ch === 63 || ch === 0x2026) && text.charCodeAt(i) === 32) {
      from = i + 1;
      break;
    }
  }
  let to = text.length;
  for (let i = Math.max(at, from); i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 46 || ch === 33 || ch === 63 || ch === 0x2026) {
      if (i + 1 >= text.length || text.charCodeAt(i + 1) === 32) {
        to = i + 1;
        break;
      }
    }
  }
  return { from, to };
}
