import { type RedactOptions, redact, redactTexts } from "../../content/redaction";
import type { SpeechProviderId } from "./types";

/**
 * The provider's raw response, safe to keep (C12, F1): every transcript text in it goes through
 * the same redaction as our transcript, and word-level entries lose their text (a card read out
 * digit by digit is sixteen separate words, which no per-word check could recognise) while keeping
 * their timings, speaker and confidence.
 *
 * - arrays of utterances/segments/sentences (objects with `transcript` or `text`) are redacted
 *   together, in order, so "quel est le cryptogramme ?" redacts the answer in the next one;
 * - other strings under a text key (`transcript`, `text`, `summary`…) are redacted one by one;
 * - `words` arrays: `word`, `punctuated_word` and `text` become "".
 *
 * Pure; returns a copy. Idempotent: redacting a redacted response changes nothing.
 */
const TEXT_KEYS = new Set(["transcript", "text", "summary", "short", "snippet", "headline", "gist"]);
const WORD_TEXT_KEYS = ["word", "punctuated_word", "text"];
const WORD_ARRAY_KEYS = new Set(["words"]);

type Json = unknown;

// `_provider`: one walker fits the three documented shapes; the parameter is there for a provider
// whose shape would need its own keys.
export function redactRaw(_provider: SpeechProviderId, raw: Json, opts: RedactOptions = {}): Json {
  return walk(raw, opts);
}

function walk(v: Json, opts: RedactOptions, key?: string): Json {
  if (Array.isArray(v)) {
    if (key !== undefined && WORD_ARRAY_KEYS.has(key)) return v.map(blankWord);
    const textKey = sequenceTextKey(v);
    if (textKey) {
      const { texts } = redactTexts(
        v.map((x) => (x as Record<string, string>)[textKey]),
        opts,
      );
      return v.map((x, i) => ({ ...(walk(x, opts) as Record<string, Json>), [textKey]: texts[i] }));
    }
    return v.map((x) => walk(x, opts));
  }
  if (v && typeof v === "object") {
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v as Record<string, Json>)) {
      out[k] = typeof x === "string" && TEXT_KEYS.has(k) ? redact(x, opts).text : walk(x, opts, k);
    }
    return out;
  }
  return v;
}

/** The text key of an array of objects that each carry one (`utterances`, `segments`, `sentences`). */
function sequenceTextKey(arr: Json[]): "transcript" | "text" | null {
  if (arr.length === 0 || !arr.every((x) => x && typeof x === "object" && !Array.isArray(x))) return null;
  for (const k of ["transcript", "text"] as const)
    if (arr.every((x) => typeof (x as Record<string, unknown>)[k] === "string")) return k;
  return null;
}

function blankWord(w: Json): Json {
  if (!w || typeof w !== "object" || Array.isArray(w)) return w;
  const out = { ...(w as Record<string, Json>) };
  for (const k of WORD_TEXT_KEYS) if (typeof out[k] === "string") out[k] = "";
  return out;
}
