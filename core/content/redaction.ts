import type { Transcript } from "./transcripts/model";

/**
 * Redaction (C12): before a transcript is stored, indexed or sent to an LLM, sensitive values are
 * replaced by typed placeholders — `[CARD]`, `[CVV]`, `[EXPIRY]`, `[IBAN]`, `[NIR]`, `[EMAIL]`,
 * `[CUSTOM:<name>]`. Pure: no I/O. Text only: audio redaction is out of scope.
 *
 * - Card numbers: 13–19 digits, typed (spaces/dashes) or spoken as words the way speech-to-text
 *   writes them ("quatre neuf sept un…", "quarante-neuf", "four nine seven one", "oh"), Luhn-checked.
 * - CVV and expiry have no checksum, so they are redacted only in context ("cryptogramme", "code de
 *   sécurité", "CVV", "date d'expiration", "valid until"…), in the same segment or in the next two
 *   (the agent asks, the customer answers) — use `redactTexts`/`redactTranscript` for that.
 * - IBAN (mod-97 and the country's length), French NIR (key = 97 − number mod 97, 2A/2B handled),
 *   e-mail addresses typed or spoken ("jean point dupont arobase gmail point com").
 * - Tenant patterns: regexes checked for safety (length, no backreferences, no nested quantifiers).
 *
 * Not redacted here on purpose: phone numbers (call metadata, normalised and hashed in
 * `core/calls/phone.ts`), times, amounts, dates outside an expiry context, short numbers.
 *
 * Idempotent: placeholders are never matched again, and `redactTexts` repeats its pass until
 * nothing changes, so redacting a redacted text changes nothing.
 *
 * Known limits: IBAN and NIR are recognised typed, not spoken; a 17+ digit read-out (a long
 * reference) may have a 15/16-digit end that passes Luhn by chance (1 in 10 per try) and be
 * redacted as a card — we prefer that to missing a card followed by its expiry; CVV/expiry
 * context also fires on "votre abonnement expire le 12 mars 2025" (a date in an expiry context).
 */

export type RedactionType = "CARD" | "CVV" | "EXPIRY" | "IBAN" | "NIR" | "EMAIL";
export interface TenantPattern {
  name: string;
  pattern: string;
}
export interface RedactOptions {
  /**
   * Narrows spoken-number vocabulary ("oh" is zero only outside French); without it both
   * French and English are recognised. Context phrases are always bilingual.
   */
  locale?: "fr" | "en";
  tenantPatterns?: TenantPattern[];
}
/** Replacements by placeholder name: `{ CARD: 1, EMAIL: 2, "CUSTOM:policy": 1 }`; zero counts are absent. */
export type RedactionCounts = Record<string, number>;

interface Span {
  start: number;
  end: number;
  type: string;
}

// ---------------------------------------------------------------------------------------------
// Checksums

/** Luhn (ISO/IEC 7812) over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/**
 * ISO 13616 length of each country's IBAN (countries outside this list are not recognised).
 * Tables looked up with text from a transcript are Maps: an object literal would answer
 * "constructor" or "toString" with Object.prototype's members.
 */
// biome-ignore format: a lookup table reads better compact
const IBAN_LENGTHS = new Map<string, number>(Object.entries({
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, BY: 28, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22, GE: 22,
  GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30,
  KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27, MT: 31,
  MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24, SC: 31, SE: 24,
  SI: 19, SK: 24, SM: 27, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
}));

/** IBAN without separators (any case): known country, its length, mod 97 = 1. */
export function ibanValid(iban: string): boolean {
  const s = iban.replace(/[\s-]/g, "").toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(s) || IBAN_LENGTHS.get(s.slice(0, 2)) !== s.length) return false;
  const r = s.slice(4) + s.slice(0, 4);
  let m = 0;
  for (let i = 0; i < r.length; i++) {
    const c = r.charCodeAt(i);
    m = c >= 65 ? (m * 100 + (c - 55)) % 97 : (m * 10 + (c - 48)) % 97;
  }
  return m === 1;
}

const NIR_SHAPE = /^[12]\d{2}(?:0[1-9]|1[0-2]|[2-9]\d)(?:\d{2}|2[AB])\d{6}\d{2}$/;

/**
 * French NIR with its key (15 characters, separators removed): sex 1|2, year, month (01–12, or
 * 20–99 for unknown months), department (2A/2B for Corsica), commune, order, key. Corsica counts
 * as 19 (2A) and 18 (2B) in the key computation.
 */
export function nirValid(nir: string): boolean {
  const s = nir.replace(/[\s.-]/g, "").toUpperCase();
  if (!NIR_SHAPE.test(s)) return false;
  const body = s.slice(0, 5) + s.slice(5, 7).replace("2A", "19").replace("2B", "18") + s.slice(7, 13);
  return 97 - (Number(body) % 97) === Number(s.slice(13));
}

// ---------------------------------------------------------------------------------------------
// Tenant patterns

export class RedactionPatternError extends Error {
  readonly patternName: string;
  constructor(patternName: string, reason: string) {
    super(`tenant redaction pattern "${patternName}": ${reason}`);
    this.name = "RedactionPatternError";
    this.patternName = patternName;
  }
}

export interface CompiledTenantPattern {
  name: string;
  re: RegExp;
}

export const MAX_TENANT_PATTERNS = 50;
export const MAX_TENANT_PATTERN_LENGTH = 200;

/** `{n}`, `{n,}`, `{n,m}` at i → its length and largest count (Infinity when unbounded). */
function braceQuantifier(p: string, i: number): { len: number; max: number } | null {
  const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i, i + 24));
  if (!m) return null;
  const max = m[2] === undefined ? Number(m[1]) : m[3] === "" ? Number.POSITIVE_INFINITY : Number(m[3]);
  return { len: m[0].length, max };
}

/**
 * Why a pattern could backtrack catastrophically, or null. Refuses backreferences and a
 * repeating quantifier on a group that already contains a quantifier — `(a+)+`, `(\d*)*`,
 * `(a?){2,}`. Overlapping alternatives under a quantifier (`(a|aa)+`) are not detected.
 */
function unsafeReason(p: string): string | null {
  const stack: { quantified: boolean }[] = [{ quantified: false }];
  let closed: { quantified: boolean } | null = null; // the group that just closed, if any
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    if (c === "\\") {
      const n = p[i + 1] ?? "";
      if (/[1-9]/.test(n) || (n === "k" && p[i + 2] === "<")) return "backreferences are not allowed";
      i += 2;
      if ("pPu".includes(n) && p[i] === "{") i = p.indexOf("}", i) + 1 || p.length;
      closed = null;
      continue;
    }
    if (c === "[") {
      i++;
      while (i < p.length && p[i] !== "]") i += p[i] === "\\" ? 2 : 1;
      i++;
      closed = null;
      continue;
    }
    if (c === "(") {
      stack.push({ quantified: false });
      i++;
      if (p[i] === "?") {
        i++;
        if (p[i] === "<" && p[i + 1] !== "=" && p[i + 1] !== "!") i = p.indexOf(">", i) + 1 || p.length;
        else i += p[i] === "<" ? 2 : 1;
      }
      closed = null;
      continue;
    }
    if (c === ")") {
      const g = stack.length > 1 ? stack.pop()! : { quantified: false };
      if (g.quantified) stack[stack.length - 1].quantified = true;
      closed = g;
      i++;
      continue;
    }
    let q: { len: number; max: number } | null = null;
    if (c === "*" || c === "+") q = { len: 1, max: Number.POSITIVE_INFINITY };
    else if (c === "?") q = { len: 1, max: 1 };
    else if (c === "{") q = braceQuantifier(p, i);
    if (q) {
      if (q.max > 1 && closed?.quantified) return "nested quantifiers such as (a+)+ are not allowed";
      stack[stack.length - 1].quantified = true;
      i += q.len;
      if (p[i] === "?") i++; // lazy
      closed = null;
      continue;
    }
    closed = null;
    i++;
  }
  return null;
}

/**
 * Check and compile a tenant's patterns (at settings time, and before each use). Throws a
 * `RedactionPatternError` naming the pattern and the reason. Patterns run with the `u` flag.
 */
export function compileTenantPatterns(patterns: TenantPattern[] = []): CompiledTenantPattern[] {
  if (patterns.length > MAX_TENANT_PATTERNS)
    throw new RedactionPatternError("*", `at most ${MAX_TENANT_PATTERNS} patterns per tenant`);
  const names = new Set<string>();
  return patterns.map(({ name, pattern }) => {
    if (typeof name !== "string" || !/^[A-Za-z0-9_-]{1,40}$/.test(name))
      throw new RedactionPatternError(String(name), "the name must be 1–40 letters, digits, _ or -");
    if (names.has(name)) throw new RedactionPatternError(name, "the name is used twice");
    names.add(name);
    if (typeof pattern !== "string" || pattern.length === 0)
      throw new RedactionPatternError(name, "the pattern is empty");
    if (pattern.length > MAX_TENANT_PATTERN_LENGTH)
      throw new RedactionPatternError(
        name,
        `the pattern is longer than ${MAX_TENANT_PATTERN_LENGTH} characters`,
      );
    const unsafe = unsafeReason(pattern);
    if (unsafe) throw new RedactionPatternError(name, unsafe);
    let re: RegExp;
    try {
      re = new RegExp(pattern, "gu");
    } catch (e) {
      throw new RedactionPatternError(
        name,
        `not a valid regular expression (${e instanceof Error ? e.message : e})`,
      );
    }
    if (new RegExp(pattern, "u").test(""))
      throw new RedactionPatternError(name, "the pattern matches the empty string");
    return { name, re };
  });
}

// ---------------------------------------------------------------------------------------------
// Spoken and typed numbers

type NumKind = "zero" | "unit" | "teen" | "tens" | "hundred" | "thousand";
type NumWord = [NumKind, number];

// Maps, not object literals: the words come from transcripts ("constructor" must not find Object).
// biome-ignore format: a lookup table reads better compact
const FR_NUMBERS = new Map<string, NumWord>(Object.entries({
  zero: ["zero", 0], un: ["unit", 1], une: ["unit", 1], deux: ["unit", 2], trois: ["unit", 3],
  quatre: ["unit", 4], cinq: ["unit", 5], six: ["unit", 6], sept: ["unit", 7], huit: ["unit", 8],
  neuf: ["unit", 9], dix: ["teen", 10], onze: ["teen", 11], douze: ["teen", 12], treize: ["teen", 13],
  quatorze: ["teen", 14], quinze: ["teen", 15], seize: ["teen", 16], vingt: ["tens", 20],
  vingts: ["tens", 20], trente: ["tens", 30], quarante: ["tens", 40], cinquante: ["tens", 50],
  soixante: ["tens", 60], septante: ["tens", 70], huitante: ["tens", 80], octante: ["tens", 80],
  nonante: ["tens", 90], cent: ["hundred", 100], cents: ["hundred", 100], mille: ["thousand", 1000],
} satisfies Record<string, NumWord>));
// biome-ignore format: a lookup table reads better compact
const EN_NUMBERS = new Map<string, NumWord>(Object.entries({
  zero: ["zero", 0], nought: ["zero", 0], one: ["unit", 1], two: ["unit", 2], three: ["unit", 3],
  four: ["unit", 4], five: ["unit", 5], six: ["unit", 6], seven: ["unit", 7], eight: ["unit", 8],
  nine: ["unit", 9], ten: ["teen", 10], eleven: ["teen", 11], twelve: ["teen", 12], thirteen: ["teen", 13],
  fourteen: ["teen", 14], fifteen: ["teen", 15], sixteen: ["teen", 16], seventeen: ["teen", 17],
  eighteen: ["teen", 18], nineteen: ["teen", 19], twenty: ["tens", 20], thirty: ["tens", 30],
  forty: ["tens", 40], fourty: ["tens", 40], fifty: ["tens", 50], sixty: ["tens", 60], seventy: ["tens", 70],
  eighty: ["tens", 80], ninety: ["tens", 90], hundred: ["hundred", 100], thousand: ["thousand", 1000],
} satisfies Record<string, NumWord>));
/** Hesitations inside a read-out ("quatre neuf euh sept") do not end it. */
const FILLERS = new Set(["euh", "heu", "hum", "hmm", "um", "umm", "uh", "er", "erm"]);
const MONTHS = new Set(
  "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre january february march april may june july august september october november december".split(
    " ",
  ),
);

function fold(s: string): string {
  const lower = s.toLowerCase();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII fast path
  return /^[\x00-\x7f]*$/.test(lower) ? lower : lower.normalize("NFD").replace(/\p{M}/gu, "");
}

function numberWord(w: string, locale: RedactOptions["locale"]): NumWord | undefined {
  if (w === "oh") return locale === "fr" ? undefined : ["zero", 0];
  return (
    (locale !== "en" ? FR_NUMBERS.get(w) : undefined) ?? (locale !== "fr" ? EN_NUMBERS.get(w) : undefined)
  );
}

/** A number being read out: one "piece" of a run, e.g. "quatre-vingt-douze" → 92, "4970" → 4970. */
interface Piece {
  start: number;
  end: number;
  digits: string;
  /** One word that is also an article or interjection ("un", "une", "oh"): may not belong to the number. */
  article: boolean;
  /** A comma or period separates it from the previous piece: "1 2 3, 12 rue…" may be two things. */
  punctBefore: boolean;
}

/**
 * Composes number words into one number, following French and English grammar:
 * "quatre mille neuf cent soixante-dix" → 4970, "soixante et onze" → 71, "forty nine" → 49,
 * "quatre-vingt-dix-sept" → 97. A word that cannot continue the number (a unit after a unit:
 * "quatre neuf") starts the next one, which is how digit-by-digit read-outs come apart.
 */
class NumberBuilder {
  th = -1;
  h = -1;
  below = 0;
  kind: "none" | "unit" | "teen" | "tens" | "tensunit" | "tensteen" = "none";
  last = "";
  words = 0;
  start: number;
  end: number;

  constructor(start: number) {
    this.start = start;
    this.end = start;
  }

  /** Adds the word if the grammar allows; false means "this word starts a new number". */
  add([kind, v]: NumWord, word: string, end: number): boolean {
    const empty = this.words === 0;
    const ok = empty ? this.first(kind, v) : this.extend(kind, v);
    if (ok) {
      this.words++;
      this.last = word;
      this.end = end;
    }
    return ok;
  }

  private first(kind: NumKind, v: number): boolean {
    if (kind === "zero") return false;
    if (kind === "hundred") this.h = 1;
    else if (kind === "thousand") this.th = 1;
    else {
      this.below = v;
      this.kind = kind;
    }
    return true;
  }

  private extend(kind: NumKind, v: number): boolean {
    const hasScale = this.h >= 0 || this.th >= 0;
    switch (kind) {
      case "zero":
        return false;
      case "unit":
        if (this.kind === "tens") {
          this.below += v;
          this.kind = "tensunit";
          return true;
        }
        if ((this.kind === "teen" || this.kind === "tensteen") && this.last === "dix" && v >= 7) {
          this.below += v; // dix-sept, soixante-dix-huit, quatre-vingt-dix-neuf
          return true;
        }
        if (this.kind === "none" && hasScale) {
          this.below = v;
          this.kind = "unit";
          return true;
        }
        return false;
      case "teen":
        if (this.kind === "tens" && (this.below === 60 || this.below === 80)) {
          this.below += v; // soixante-dix, quatre-vingt-douze
          this.kind = "tensteen";
          return true;
        }
        if (this.kind === "none" && hasScale) {
          this.below = v;
          this.kind = "teen";
          return true;
        }
        return false;
      case "tens":
        if (v === 20 && this.kind === "unit" && this.below === 4) {
          this.below = 80; // quatre-vingt(s)
          this.kind = "tens";
          return true;
        }
        if (this.kind === "none" && hasScale) {
          this.below = v;
          this.kind = "tens";
          return true;
        }
        return false;
      case "hundred":
        if (this.h < 0 && this.kind !== "none" && this.below >= 1) {
          this.h = this.below; // deux cents, nineteen hundred
          this.below = 0;
          this.kind = "none";
          return true;
        }
        if (this.h < 0 && this.kind === "none" && this.th >= 0) {
          this.h = 1; // mille cent
          return true;
        }
        return false;
      case "thousand":
        if (this.th < 0) {
          this.th = (this.h >= 0 ? this.h * 100 : 0) + this.below || 1;
          this.h = -1;
          this.below = 0;
          this.kind = "none";
          return true;
        }
        return false;
    }
  }

  /** "et"/"and" may join: "vingt et un", "soixante et onze", "one hundred and five". */
  acceptsConnector(connector: string, next: NumWord | undefined, nextWord: string): boolean {
    if (!next) return false;
    if (connector === "et")
      return (
        this.kind === "tens" &&
        this.below <= 60 &&
        (nextWord === "un" || nextWord === "une" || (nextWord === "onze" && this.below === 60))
      );
    return (
      (this.h >= 0 || this.th >= 0) && this.kind === "none" && ["unit", "teen", "tens"].includes(next[0])
    );
  }

  piece(firstWord: string, punctBefore: boolean): Piece {
    const value = (this.th >= 0 ? this.th * 1000 : 0) + (this.h >= 0 ? this.h * 100 : 0) + this.below;
    return {
      start: this.start,
      end: this.end,
      digits: String(value),
      article: this.words === 1 && (firstWord === "un" || firstWord === "une"),
      punctBefore,
    };
  }
}

interface Token {
  start: number;
  end: number;
  raw: string;
  digit: boolean;
  word: string; // folded
}

const TOKEN = /[0-9]+|\p{L}+/gu;

/**
 * What may separate two parts of one read-out: spaces, a hyphen, a comma, a slash or a period
 * (speech-to-text punctuates pauses). "49,99" and "1.5" are decimals, not two numbers.
 */
function gapJoins(gap: string, prevDigit: boolean, nextDigit: boolean): boolean {
  if (gap.length > 4) return false;
  if (prevDigit && nextDigit && (gap === "," || gap === ".")) return false;
  return /^\s*(?:[,.\-–—/]\s*)?$/.test(gap);
}

const overlaps = (spans: Span[], start: number, end: number) =>
  spans.some((s) => s.start < end && start < s.end);

interface NumberScan {
  /** Runs of pieces: numbers read out one after the other. */
  runs: Piece[][];
  /** Month names (for "mars 2027"), as token indexes into `tokens`. */
  months: number[];
  tokens: Token[];
}

function scanNumbers(text: string, blocked: Span[], locale: RedactOptions["locale"]): NumberScan {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    const digit = m[0].charCodeAt(0) < 58;
    tokens.push({
      start: m.index,
      end: m.index + m[0].length,
      raw: m[0],
      digit,
      word: digit ? m[0] : fold(m[0]),
    });
  }
  const runs: Piece[][] = [];
  const months: number[] = [];
  let run: Piece[] = [];
  let b: NumberBuilder | null = null;
  let bFirst = "";
  let bPunct = false;
  let punct = false; // punctuation since the last piece
  let prev: Token | null = null; // last token that belonged to the run
  let repeat = 1; // "double five" → 55
  let repeatStart = -1;

  const flush = () => {
    if (b && b.words > 0) run.push(b.piece(bFirst, bPunct));
    b = null;
  };
  const endRun = () => {
    flush();
    if (run.length) runs.push(run);
    run = [];
    prev = null;
    repeat = 1;
    punct = false;
  };
  const push = (p: Piece) => {
    if (repeat > 1 && p.digits.length === 1) {
      p.digits = p.digits.repeat(repeat);
      p.start = repeatStart;
      p.article = false;
    }
    repeat = 1;
    p.punctBefore = punct;
    punct = false;
    run.push(p);
  };

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (blocked.length && overlaps(blocked, t.start, t.end)) {
      endRun();
      continue;
    }
    if (prev) {
      const gap = text.slice(prev.end, t.start);
      if (!gapJoins(gap, prev.digit, t.digit)) endRun();
      else if (/[,.;]/.test(gap)) punct = true;
    }
    if (t.digit) {
      flush();
      push({ start: t.start, end: t.end, digits: t.raw, article: false, punctBefore: false });
      prev = t;
      continue;
    }
    const nw = numberWord(t.word, locale);
    if (nw) {
      if (nw[0] === "zero") {
        flush();
        push({ start: t.start, end: t.end, digits: "0", article: t.word === "oh", punctBefore: false });
      } else if (repeat > 1 && nw[0] === "unit") {
        flush();
        push({ start: t.start, end: t.end, digits: String(nw[1]), article: false, punctBefore: false });
      } else {
        const cur: NumberBuilder | null = b;
        // A number does not continue across punctuation: "quarante, neuf" is 40 then 9.
        if (!cur || punct || !cur.add(nw, t.word, t.end)) {
          flush();
          b = new NumberBuilder(t.start);
          bFirst = t.word;
          bPunct = punct;
          punct = false;
          b.add(nw, t.word, t.end);
        }
      }
      prev = t;
      continue;
    }
    const next = tokens[i + 1];
    const cur: NumberBuilder | null = b;
    if (
      (t.word === "et" || t.word === "and") &&
      cur &&
      next &&
      !next.digit &&
      gapJoins(text.slice(t.end, next.start), false, false) &&
      cur.acceptsConnector(t.word, numberWord(next.word, locale), next.word)
    ) {
      prev = t;
      continue;
    }
    if (prev && FILLERS.has(t.word)) {
      flush();
      prev = t;
      continue;
    }
    if (t.word === "double" || t.word === "triple") {
      flush();
      repeat = t.word === "double" ? 2 : 3;
      repeatStart = t.start;
      prev = t;
      continue;
    }
    endRun();
    if (MONTHS.has(t.word) && !(t.word === "may" && locale === "fr")) months.push(i);
  }
  endRun();
  return { runs, months, tokens };
}

const digitsOf = (p: Piece[], from: number, to: number) => {
  let s = "";
  for (let k = from; k < to; k++) s += p[k].digits;
  return s;
};

const isCard = (digits: string) =>
  digits.length >= 13 && digits.length <= 19 && digits[0] !== "0" && luhnValid(digits);

/** Pieces [s, j) whose digits count exactly `len`; -1 if the count jumps over it. */
function endFor(p: Piece[], s: number, to: number, len: number): number {
  let n = 0;
  for (let j = s; j < to; j++) {
    n += p[j].digits.length;
    if (n === len) return j + 1;
    if (n > len) return -1;
  }
  return -1;
}
function startFor(p: Piece[], from: number, to: number, len: number): number {
  let n = 0;
  for (let i = to - 1; i >= from; i--) {
    n += p[i].digits.length;
    if (n === len) return i;
    if (n > len) return -1;
  }
  return -1;
}

/**
 * Card numbers in the run p[from, to): the whole run when it has 13–19 digits and passes Luhn
 * (optionally without a leading "un"/"oh"); when the run is longer than a card (a card followed
 * by its expiry, say), a 16- or 15-digit card at either end. Only piece boundaries are
 * considered, so a typed order number "1234 5678 9012 3456" is one candidate, not ten.
 * Leftover pieces go to `rest` (they may be a CVV or an expiry).
 */
function findCards(p: Piece[], from: number, to: number, cards: Span[], rest: [number, number][]): void {
  if (from >= to) return;
  const all = digitsOf(p, from, to);
  if (all.length < 13) {
    rest.push([from, to]);
    return;
  }
  const card = (i: number, j: number) => cards.push({ start: p[i].start, end: p[j - 1].end, type: "CARD" });
  if (isCard(all)) {
    card(from, to);
    return;
  }
  if (p[from].article && to - from > 1 && isCard(digitsOf(p, from + 1, to))) {
    rest.push([from, from + 1]);
    card(from + 1, to);
    return;
  }
  if (all.length <= 16) {
    rest.push([from, to]);
    return;
  }
  for (const len of [16, 15]) {
    for (const s of p[from].article ? [from, from + 1] : [from]) {
      const j = endFor(p, s, to, len);
      if (j > 0 && isCard(digitsOf(p, s, j))) {
        if (s > from) rest.push([from, s]);
        card(s, j);
        findCards(p, j, to, cards, rest);
        return;
      }
    }
    const i = startFor(p, from, to, len);
    if (i > from && isCard(digitsOf(p, i, to))) {
      card(i, to);
      findCards(p, from, i, cards, rest);
      return;
    }
  }
  rest.push([from, to]);
}

// ---------------------------------------------------------------------------------------------
// IBAN, NIR, e-mail

const IBAN_START = /(?<![\p{L}\p{N}])[A-Za-z]{2}\d{2}/gu;
const SEPARATOR = /[ \u00a0\u202f-]/;
const ALNUM = /[A-Za-z0-9]/;

function findIbans(text: string, out: Span[]): void {
  IBAN_START.lastIndex = 0;
  for (let m = IBAN_START.exec(text); m; m = IBAN_START.exec(text)) {
    const len = IBAN_LENGTHS.get(m[0].slice(0, 2).toUpperCase());
    if (!len) continue;
    // Walk `len` alphanumerics, allowing one separator between them ("FR76 3000 6000 …").
    let n = 0;
    let j = m.index;
    let compact = "";
    while (j < text.length && n < len) {
      const c = text[j];
      if (ALNUM.test(c)) {
        compact += c;
        n++;
        j++;
      } else if (SEPARATOR.test(c) && n > 0 && ALNUM.test(text[j + 1] ?? "")) j++;
      else break;
    }
    if (n !== len || /[\p{L}\p{N}]/u.test(text[j] ?? "")) continue;
    if (ibanValid(compact)) {
      out.push({ start: m.index, end: j, type: "IBAN" });
      IBAN_START.lastIndex = j;
    }
  }
}

const NIR_CANDIDATE = /(?<![\p{L}\p{N}])[12](?:[ .\u00a0\u202f-]?[0-9ABab]){14}(?![\p{L}\p{N}])/gu;

function findNirs(text: string, out: Span[]): void {
  NIR_CANDIDATE.lastIndex = 0;
  for (let m = NIR_CANDIDATE.exec(text); m; m = NIR_CANDIDATE.exec(text))
    if (nirValid(m[0])) out.push({ start: m.index, end: m.index + m[0].length, type: "NIR" });
}

/** "@" typed, or said: "arobase" (fr), "at" (en). */
const AT = /@|(?<![\p{L}\p{N}])(?:arobase|arrobase|arobas|at)(?![\p{L}\p{N}])/giu;
const LOCAL_CHAR = /[\p{L}\p{N}_%+-]/u;
const DOMAIN_CHAR = /[\p{L}\p{N}-]/u;
const SPOKEN_LOCAL_SEPARATORS = new Set(["point", "dot", "tiret", "underscore", "dash", "hyphen", "bas"]);
/** Top-level domains recognised in spoken addresses ("gmail point com"); typed ones take any. */
const SPOKEN_TLDS = new Set(
  "com fr net org eu io be ch lu ca uk co de es it nl info biz me us gouv edu gov pro re".split(" "),
);

/** Words before a spoken "at" that make it a preposition. */
const AT_NOT_LOCAL = new Set(
  "work works worked working am is are was were be been me him her us them you it look looking stay staying live lives living arrive arrived arriving meet meeting here there home office job intern".split(
    " ",
  ),
);

function wordBack(text: string, end: number, chars: RegExp): number {
  let i = end;
  while (i > 0 && chars.test(text[i - 1])) i--;
  return i;
}
function wordForward(text: string, start: number, chars: RegExp): number {
  let i = start;
  while (i < text.length && chars.test(text[i])) i++;
  return i;
}
const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);

function findEmails(text: string, out: Span[]): void {
  AT.lastIndex = 0;
  for (let m = AT.exec(text); m; m = AT.exec(text)) {
    const typedAt = m[0] === "@";
    // Local part: the word before, and words joined to it by "." or a spoken separator.
    let e = m.index;
    while (e > 0 && isSpace(text[e - 1])) e--;
    if (!typedAt && e === m.index) continue;
    let start = wordBack(text, e, LOCAL_CHAR);
    if (start === e) continue;
    for (let guard = 0; guard < 8; guard++) {
      if (text[start - 1] === "." && LOCAL_CHAR.test(text[start - 2] ?? "")) {
        start = wordBack(text, start - 1, LOCAL_CHAR);
        continue;
      }
      let k = start;
      while (k > 0 && isSpace(text[k - 1])) k--;
      if (k === start) break;
      const sepStart = wordBack(text, k, /\p{L}/u);
      if (sepStart === k || !SPOKEN_LOCAL_SEPARATORS.has(fold(text.slice(sepStart, k)))) break;
      let k2 = sepStart;
      while (k2 > 0 && isSpace(text[k2 - 1])) k2--;
      if (k2 === sepStart) break;
      let w = wordBack(text, k2, LOCAL_CHAR);
      if (w === k2) break;
      if (fold(text.slice(w, k2)) === "tiret" && fold(text.slice(sepStart, k)) === "bas") {
        // "tiret bas" is one separator (underscore): the local word is before "tiret".
        let k3 = w;
        while (k3 > 0 && isSpace(text[k3 - 1])) k3--;
        const w2 = wordBack(text, k3, LOCAL_CHAR);
        if (k3 === w || w2 === k3) break;
        w = w2;
      }
      start = w;
    }
    // Domain: labels joined by "." or "point"/"dot", ending with a top-level domain.
    let p = m.index + m[0].length;
    let spoken = !typedAt;
    while (isSpace(text[p])) {
      p++;
      spoken = true;
    }
    const labels: { end: number; word: string }[] = [];
    let q = wordForward(text, p, DOMAIN_CHAR);
    if (q === p) continue;
    labels.push({ end: q, word: text.slice(p, q) });
    while (labels.length < 6) {
      if (text[q] === "." && DOMAIN_CHAR.test(text[q + 1] ?? "")) {
        const r = wordForward(text, q + 1, DOMAIN_CHAR);
        labels.push({ end: r, word: text.slice(q + 1, r) });
        q = r;
        continue;
      }
      const sep = /^\s+(?:point|dot)\s+(?=[\p{L}\p{N}])/iu.exec(text.slice(q, q + 16));
      if (!sep) break;
      spoken = true;
      const r = wordForward(text, q + sep[0].length, DOMAIN_CHAR);
      labels.push({ end: r, word: text.slice(q + sep[0].length, r) });
      q = r;
    }
    let last = -1;
    for (let k = labels.length - 1; k >= 1 && last < 0; k--) {
      const tld = fold(labels[k].word);
      if (spoken ? SPOKEN_TLDS.has(tld) : /^\p{L}{2,24}$/u.test(tld)) last = k;
    }
    if (last < 0) continue;
    // "I work at google dot com" is a workplace, not an address.
    if (
      m[0].toLowerCase() === "at" &&
      start === wordBack(text, e, LOCAL_CHAR) &&
      AT_NOT_LOCAL.has(fold(text.slice(start, e)))
    )
      continue;
    out.push({ start, end: labels[last].end, type: "EMAIL" });
    AT.lastIndex = labels[last].end;
  }
}

// ---------------------------------------------------------------------------------------------
// CVV and expiry, by context

const CVV_CONTEXT =
  /(?<![\p{L}\p{N}])(?:cryptogrammes?(?:\s+visuels?)?|crypto|code\s+(?:de\s+)?s[ée]curit[ée]|code\s+(?:qui\s+est\s+)?au\s+dos|(?:(?:trois|3|quatre|4)\s+)?(?:derniers\s+)?chiffres\s+(?:(?:qui\s+sont|situ[ée]s|inscrits|not[ée]s)\s+)?(?:au|du)\s+dos|cvv2?|cvc2?|security\s+code|card\s+verification(?:\s+(?:code|value|number))?|(?:(?:three|3|four|4)\s+)?digits\s+on\s+the\s+back|code\s+on\s+the\s+back)(?![\p{L}\p{N}])/giu;
const EXPIRY_CONTEXT =
  /(?<![\p{L}\p{N}])(?:expir\p{L}*|date\s+de\s+(?:fin\s+de\s+)?validit[ée]|fin\s+de\s+validit[ée]|valable\s+jusqu|valide\s+jusqu|valid\s+(?:until|thru|through|till)|good\s+(?:thru|through)|exp\.?\s+date)/giu;
/** Numbers followed by a unit are amounts, times or durations, never a CVV. */
const UNIT_AFTER =
  /^\s*(?:€|\$|%|(?:euros?|eur|dollars?|cents?|centimes?|pour\s*cent|percent|h|heures?|hours?|minutes?|mins?|mn|secondes?|seconds?|ans?|years?|jours?|days?|mois|months?|semaines?|weeks?|km|kg|fois|times|go|mo|gb|mb)(?![\p{L}\p{N}]))/iu;

const PLACEHOLDER = /\[(CARD|CVV|EXPIRY|IBAN|NIR|EMAIL|CUSTOM:[A-Za-z0-9_-]{1,40})\]/g;

/** Same-segment window after a context phrase, and how far into the following segments we look. */
const SAME_SEGMENT_AFTER = 150;
const SAME_SEGMENT_BEFORE = 40;
const NEXT_SEGMENT_CHARS = 200;
const NEXT_SEGMENTS = 2;

interface Candidate {
  start: number;
  end: number;
  /** `[CVV]`/`[EXPIRY]`… already there (second pass): a context phrase is satisfied by it. */
  placeholder?: string;
  cvv: boolean;
  expiry: boolean;
  claimed?: boolean;
  /** The run split at its punctuation ("7 3 9, 12 rue des Lilas"): one part may be the answer. */
  chunks?: Candidate[];
}

function runCandidate(text: string, run: Piece[]): Candidate {
  const start = run[0].start;
  const end = run[run.length - 1].end;
  const n = run.reduce((a, x) => a + x.digits.length, 0);
  const amount =
    UNIT_AFTER.test(text.slice(end, end + 16)) || /[€$£]\s*$/.test(text.slice(Math.max(0, start - 3), start));
  return { start, end, cvv: (n === 3 || n === 4) && !amount, expiry: !amount && expiryShaped(run) };
}

function expiryShaped(p: Piece[]): boolean {
  const all = p.map((x) => x.digits).join("");
  const first = Number(p[0].digits);
  const rest = all.slice(p[0].digits.length);
  const year4 = (y: string) => y.startsWith("20") || y.startsWith("19");
  if (
    p[0].digits.length <= 2 &&
    first >= 1 &&
    first <= 12 &&
    (rest.length === 2 || (rest.length === 4 && year4(rest)))
  )
    return true; // 03/27, 3 2027, douze vingt-six
  const mm = Number(all.slice(0, 2));
  if (all.length === 4 && mm >= 1 && mm <= 12) return true; // 0327, zéro trois deux sept
  return all.length === 6 && mm >= 1 && mm <= 12 && year4(all.slice(2)); // 032027
}

interface SegScan {
  text: string;
  spans: Span[];
  candidates: Candidate[];
  hits: { start: number; end: number; type: "CVV" | "EXPIRY" }[];
}

function scanSegment(text: string, locale: RedactOptions["locale"]): SegScan {
  const spans: Span[] = [];
  const existing: Span[] = [];
  PLACEHOLDER.lastIndex = 0;
  for (let m = PLACEHOLDER.exec(text); m; m = PLACEHOLDER.exec(text))
    existing.push({ start: m.index, end: m.index + m[0].length, type: m[1] });

  // Checksummed or shaped values first; each detector skips what an earlier one took.
  const found: Span[] = [];
  if (/\d/.test(text)) {
    findIbans(text, found);
    findNirs(text, found);
  }
  findEmails(text, found);
  for (const s of found)
    if (!overlaps(existing, s.start, s.end) && !overlaps(spans, s.start, s.end)) spans.push(s);

  const blocked = existing.concat(spans);
  const { runs, months, tokens } = scanNumbers(text, blocked, locale);
  const candidates: Candidate[] = existing.map((s) => ({
    ...s,
    placeholder: s.type,
    cvv: false,
    expiry: false,
  }));
  const leftovers: Piece[][] = [];
  for (const run of runs) {
    const rest: [number, number][] = [];
    findCards(run, 0, run.length, spans, rest);
    for (const [i, j] of rest) leftovers.push(run.slice(i, j));
  }
  const byStart = new Map(leftovers.map((p) => [p[0].start, p]));
  for (const mi of months) {
    // "mars 2027", "March of 27", "juin deux mille vingt-huit"
    let k = mi + 1;
    if (tokens[k] && ["de", "of", "the"].includes(tokens[k].word)) k++;
    const next = tokens[k];
    if (!next || next.start - tokens[k - 1].end > 4) continue;
    const run = byStart.get(next.start);
    if (!run) continue;
    const all = run.map((x) => x.digits).join("");
    const take =
      all.length === 2 || all.length === 4 ? run.length : [2, 4].includes(run[0].digits.length) ? 1 : 0;
    if (!take) continue;
    candidates.push({ start: tokens[mi].start, end: run[take - 1].end, cvv: false, expiry: true });
    byStart.delete(next.start);
    if (take < run.length) byStart.set(run[take].start, run.slice(take));
  }
  for (const run of byStart.values()) {
    const c = runCandidate(text, run);
    const chunks: Piece[][] = [];
    for (const piece of run)
      if (piece.punctBefore || !chunks.length) chunks.push([piece]);
      else chunks[chunks.length - 1].push(piece);
    if (chunks.length > 1) c.chunks = chunks.map((ch) => runCandidate(text, ch));
    candidates.push(c);
  }
  candidates.sort((a, b) => a.start - b.start);

  const hits: SegScan["hits"] = [];
  for (const [re, type] of [
    [CVV_CONTEXT, "CVV"],
    [EXPIRY_CONTEXT, "EXPIRY"],
  ] as const) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const end = m.index + m[0].length;
      if (!overlaps(blocked, m.index, end)) hits.push({ start: m.index, end, type });
    }
  }
  return { text, spans, candidates, hits };
}

/** The candidate a context phrase points at: after it in its segment, just before it, or in the next segments. */
function resolveContext(segs: SegScan[]): void {
  for (const type of ["EXPIRY", "CVV"] as const) {
    for (let i = 0; i < segs.length; i++) {
      for (const hit of segs[i].hits) {
        if (hit.type !== type) continue;
        const here = segs[i].candidates;
        const windows: [number, Candidate[]][] = [
          [i, here.filter((c) => c.start >= hit.end && c.start <= hit.end + SAME_SEGMENT_AFTER)],
          [i, here.filter((c) => c.end <= hit.start && c.end >= hit.start - SAME_SEGMENT_BEFORE).reverse()],
        ];
        for (let k = 1; k <= NEXT_SEGMENTS && i + k < segs.length; k++)
          windows.push([i + k, segs[i + k].candidates.filter((c) => c.start <= NEXT_SEGMENT_CHARS)]);
        search: for (const [s, list] of windows)
          for (const c of list) {
            if (c.placeholder === type) break search; // redacted by an earlier pass
            if (c.placeholder) continue;
            const fits = (x: Candidate) => !x.claimed && (type === "CVV" ? x.cvv : x.expiry);
            // The whole run, else its first fitting part; claiming either makes the whole unavailable.
            const pick = fits(c) ? c : c.chunks?.find(fits);
            if (!pick) continue;
            c.claimed = true;
            pick.claimed = true;
            if (pick === c) for (const ch of c.chunks ?? []) ch.claimed = true;
            segs[s].spans.push({ start: pick.start, end: pick.end, type });
            break search;
          }
      }
    }
  }
}

function applyTenantPatterns(seg: SegScan, patterns: CompiledTenantPattern[]): void {
  if (!patterns.length) return;
  const taken = seg.spans.slice();
  PLACEHOLDER.lastIndex = 0;
  for (let m = PLACEHOLDER.exec(seg.text); m; m = PLACEHOLDER.exec(seg.text))
    taken.push({ start: m.index, end: m.index + m[0].length, type: m[1] });
  for (const { name, re } of patterns) {
    re.lastIndex = 0;
    for (let m = re.exec(seg.text); m; m = re.exec(seg.text)) {
      const end = m.index + m[0].length;
      if (end === m.index) {
        re.lastIndex++; // cannot happen (empty matches are refused at compile time); belt and braces
        continue;
      }
      if (overlaps(taken, m.index, end)) continue;
      const s = { start: m.index, end, type: `CUSTOM:${name}` };
      seg.spans.push(s);
      taken.push(s);
    }
  }
}

function render(seg: SegScan, counts: RedactionCounts): string {
  if (!seg.spans.length) return seg.text;
  const spans = seg.spans.sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const s of spans) {
    if (s.start < at) continue; // cannot happen: every detector skips taken spans
    out += `${seg.text.slice(at, s.start)}[${s.type}]`;
    at = s.end;
    counts[s.type] = (counts[s.type] ?? 0) + 1;
  }
  return out + seg.text.slice(at);
}

// ---------------------------------------------------------------------------------------------
// Public API

const MAX_PASSES = 6;

/**
 * Redact consecutive texts (a conversation's turns, in order) so that a context phrase in one
 * ("quel est le cryptogramme ?") redacts the answer in the next ("c'est 1 2 3").
 */
export function redactTexts(
  texts: string[],
  opts: RedactOptions = {},
): { texts: string[]; counts: RedactionCounts } {
  const patterns = compileTenantPatterns(opts.tenantPatterns);
  const counts: RedactionCounts = {};
  let current = texts;
  // Passes until nothing changes, so the result is a fixpoint and redacting again is a no-op.
  // A second pass can find more: a tenant placeholder splits a run of digits and uncovers a card,
  // a shorter text brings an answer within a context window. Each pass replaces unredacted
  // characters, so this ends; almost every transcript needs one pass, or two when it had values.
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const segs = current.map((t) => scanSegment(t, opts.locale));
    resolveContext(segs);
    let changed = false;
    current = segs.map((s) => {
      applyTenantPatterns(s, patterns);
      if (s.spans.length) changed = true;
      return render(s, counts);
    });
    if (!changed) break;
  }
  return { texts: current, counts };
}

/** Redact one text (context phrases work within it). */
export function redact(text: string, opts: RedactOptions = {}): { text: string; counts: RedactionCounts } {
  const r = redactTexts([text], opts);
  return { text: r.texts[0], counts: r.counts };
}

/**
 * Redact every segment of a transcript, in time order, with context across segments. Ids,
 * times and speakers are unchanged; `wordCount` keeps the count of what was said (a card read
 * out as sixteen words is still sixteen words of speech). `locale` defaults to the transcript's
 * language.
 */
export function redactTranscript(
  t: Transcript,
  opts: RedactOptions = {},
): { transcript: Transcript; counts: RedactionCounts } {
  const { texts, counts } = redactTexts(
    t.segments.map((s) => s.text),
    { ...opts, locale: opts.locale ?? t.language },
  );
  return { transcript: { ...t, segments: t.segments.map((s, i) => ({ ...s, text: texts[i] })) }, counts };
}
