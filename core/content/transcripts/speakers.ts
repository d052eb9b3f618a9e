import type { SpeakerRole } from "./model";

/**
 * Speaker labels → our roles. Only role words decide a role; anything else (`spk_0`, `0`, `A`,
 * `Marie`) is "unknown" with its label kept, and role resolution from channels, first speaker
 * or greeting (C2) happens later, outside the parser.
 */
const AGENT_WORDS = new Set([
  "agent",
  "conseiller",
  "conseillere",
  "advisor",
  "adviser",
  "rep",
  "representative",
  "operator",
  "operateur",
  "operatrice",
]);
const CUSTOMER_WORDS = new Set(["client", "cliente", "customer", "caller", "appelant", "appelante"]);

/** Lower case without diacritics: "Conseillère" → "conseillere". */
export function fold(s: string): string {
  const lower = s.toLowerCase();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII fast path
  return /^[\x00-\x7f]*$/.test(lower) ? lower : lower.normalize("NFD").replace(/\p{M}/gu, "");
}

export function roleOf(word: string): SpeakerRole {
  const w = fold(word);
  if (AGENT_WORDS.has(w)) return "agent";
  if (CUSTOMER_WORDS.has(w)) return "customer";
  return "unknown";
}

/**
 * `"Agent"` → agent; `"Conseillère Julie"` → agent, label kept; `"spk_0"`, `0`, `"A"` →
 * unknown, label kept; `"unknown"` (our own export) → unknown without label.
 */
export function mapSpeaker(raw: unknown): { speaker: SpeakerRole; speakerLabel?: string } {
  if (raw === undefined || raw === null) return { speaker: "unknown" };
  const label = String(raw).trim().replace(/\s+/g, " ");
  if (!label || fold(label) === "unknown") return { speaker: "unknown" };
  const whole = roleOf(label);
  if (whole !== "unknown") return { speaker: whole };
  const first = label.split(/[\s_:-]/)[0];
  const role = roleOf(first);
  return role !== "unknown"
    ? { speaker: role, speakerLabel: label }
    : { speaker: "unknown", speakerLabel: label };
}

/** Labels that are clearly speaker ids rather than words: `spk_0`, `Speaker 2`, `SPEAKER_01`, `A`, `3`. */
export function looksLikeSpeakerId(label: string): boolean {
  return /^(?:(?:spk|speaker|sp|locuteur|intervenant)[ _-]?\d{1,3}|[A-Z]|\d{1,2})$/i.test(label.trim());
}

/**
 * The key that identifies one voice of a transcript: its label, its channel, or both (speaker 0
 * of the left channel and speaker 0 of the right are two people). Null when the segment carries
 * neither (it cannot be told apart from the others). Used by the role resolver and by the
 * speaker correction (`PUT /calls/{id}/speakers`).
 */
export function speakerKey(s: { speakerLabel?: string; channel?: number }): string | null {
  if (s.speakerLabel !== undefined && s.channel !== undefined)
    return `channel:${s.channel}/${s.speakerLabel}`;
  if (s.speakerLabel !== undefined) return s.speakerLabel;
  if (s.channel !== undefined) return `channel:${s.channel}`;
  return null;
}
