import type { SpeakerRole } from "./model";
import { looksLikeSpeakerId, mapSpeaker } from "./speakers";

/**
 * The text of a WebVTT cue or SRT block → one or more speaker turns. Speakers come from
 * `<v Name>` voice spans (VTT), a `Name:` prefix or a `[Name]` prefix. A cue in which two people
 * speak becomes two turns with the cue's timing (overlap is allowed).
 */
export interface CueTurn {
  speaker: SpeakerRole;
  speakerLabel?: string;
  text: string;
}

const VOICE = /<v(?:\.[^\s>]*)?(?:[ \t]+([^>]*))?>/g;
/** `Name: text`. The label is letters/digits/space/._'- and starts with a letter or digit. */
const NAME_PREFIX = /^\s*([\p{L}\p{N}][\p{L}\p{N} ._'’-]{0,39}?)([ \t]*):(?:\s+(.*)|$)/u;
/** `[Name] text`, and WhisperX's `[SPEAKER_00]: text` (the colon is not speech). */
const BRACKET_PREFIX = /^\s*\[([^\][]{1,40})\][ \t]*(?::[ \t]*)?(.*)$/;
const DIALOGUE_DASH = /^\s*[-–—]\s+/;

/**
 * Whether `label` in `label: text` names a speaker. Role words always do; otherwise we accept
 * speaker ids (`spk_0`, `A`) and short capitalised names (`Marie`, `Jean-Paul B.`), but only
 * when written `Name:` without a space before the colon — French typography puts a space
 * there ("Attention : …"), and such a line is speech, not a speaker change.
 */
function isSpeakerLabel(label: string, spaceBeforeColon: boolean): boolean {
  if (mapSpeaker(label).speaker !== "unknown") return true;
  if (spaceBeforeColon) return false;
  if (looksLikeSpeakerId(label)) return true;
  const words = label.trim().split(/\s+/);
  return words.length <= 3 && /^\p{Lu}/u.test(label.trim());
}

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  lrm: "",
  rlm: "",
};

/** Markup that is not speech: tags (`<i>`, `<c.x>`, `<00:00:01.000>`), SSA overrides (`{\an8}`), entities. */
export function stripMarkup(s: string): string {
  return s
    .replace(/<[^>]*>/g, "")
    .replace(/\{\\[^}]*\}/g, "")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
      if (e[0] === "#") {
        const code = e[1] === "x" || e[1] === "X" ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : "";
      }
      // Own keys only: "&constructor;" is text, not Object.prototype.constructor.
      const k = e.toLowerCase();
      return Object.hasOwn(ENTITIES, k) ? ENTITIES[k] : all;
    });
}

export function cueTurns(lines: string[], opts: { voiceTags: boolean }): CueTurn[] {
  const parts: { label?: string; text: string[] }[] = [];
  const current = () => {
    if (parts.length === 0) parts.push({ text: [] });
    return parts[parts.length - 1];
  };
  for (const raw of lines) {
    // Split the line at voice tags: "<v A>Hi</v> <v B>Hello" has two speakers.
    const pieces: { label?: string; text: string }[] = [];
    if (opts.voiceTags) {
      VOICE.lastIndex = 0;
      let last = 0;
      let label: string | undefined;
      for (let m = VOICE.exec(raw); m; m = VOICE.exec(raw)) {
        if (m.index > last || label !== undefined) pieces.push({ label, text: raw.slice(last, m.index) });
        label = (m[1] ?? "").trim();
        last = m.index + m[0].length;
      }
      pieces.push({ label, text: raw.slice(last) });
    } else pieces.push({ text: raw });

    for (const p of pieces) {
      if (p.label !== undefined) {
        const label = p.label || undefined;
        // Consecutive lines of one voice ("<v Julie>…" twice) stay one turn.
        if (parts.length && parts[parts.length - 1].label === label) current().text.push(p.text);
        else parts.push({ label, text: [p.text] });
        continue;
      }
      let text = p.text.replace(DIALOGUE_DASH, "");
      const bracket = BRACKET_PREFIX.exec(stripMarkup(text));
      if (bracket) {
        const label = bracket[1].trim();
        if (bracket[2].trim() || mapSpeaker(label).speaker !== "unknown" || looksLikeSpeakerId(label)) {
          parts.push({ label, text: [bracket[2]] });
          continue;
        }
        continue; // "[Musique]", "[rires]": a sound description, not speech
      }
      const plain = stripMarkup(text);
      const named = NAME_PREFIX.exec(plain);
      if (named && isSpeakerLabel(named[1], named[2].length > 0)) {
        parts.push({ label: named[1].trim(), text: [named[3] ?? ""] });
        continue;
      }
      text = plain;
      current().text.push(text);
    }
  }
  const turns: CueTurn[] = [];
  for (const p of parts) {
    const text = stripMarkup(p.text.join(" ")).replace(/\s+/g, " ").trim();
    if (!text) continue;
    const who = mapSpeaker(p.label);
    const t: CueTurn = { speaker: who.speaker, text };
    if (who.speakerLabel) t.speakerLabel = who.speakerLabel;
    turns.push(t);
  }
  return turns;
}
