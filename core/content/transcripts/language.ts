/** Word counting and a small FR/EN language guess — enough to pick the rubric and lexicons. */

const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;

/** Words are runs of Unicode letters/digits; "aujourd'hui", "peut-être" and "don't" count once. */
export function countWords(text: string): number {
  let n = 0;
  WORD.lastIndex = 0;
  while (WORD.exec(text)) n++;
  return n;
}

// Frequent function words that do not exist (or are rare) in the other language. Ambiguous
// ones ("a", "on", "en", "me", "six") are left out on purpose.
const FR = new Set(
  "le la les de des du je vous est pas merci bonjour et un une que qui pour avec ce il elle nous mais oui non votre vos mon ma mes au aux sur dans ne ça ca suis avez êtes etes madame monsieur c j l d qu très tres bien alors voilà voila cette été".split(
    " ",
  ),
);
const EN = new Set(
  "the you is to and thank thanks hello i it of that this your my for with can yes no are be have do what please will we hi how there they was would could just okay".split(
    " ",
  ),
);

/** Words looked at: enough to decide, bounded so a 10-hour transcript costs nothing. */
const SAMPLE_WORDS = 5_000;
/** Below this many stop words the text is "too short" to say. */
const MIN_HITS = 5;

export function guessLanguage(texts: Iterable<string>): "fr" | "en" | undefined {
  let fr = 0;
  let en = 0;
  let seen = 0;
  const letters = /\p{L}+/gu;
  outer: for (const t of texts) {
    letters.lastIndex = 0;
    for (let m = letters.exec(t); m; m = letters.exec(t)) {
      const w = m[0].toLowerCase();
      if (FR.has(w)) fr++;
      else if (EN.has(w)) en++;
      if (++seen >= SAMPLE_WORDS) break outer;
    }
  }
  if (fr + en < MIN_HITS) return undefined;
  if (fr >= en * 1.5 && fr > en) return "fr";
  if (en >= fr * 1.5 && en > fr) return "en";
  return undefined;
}
