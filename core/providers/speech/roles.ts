import type { SpeakerRole } from "../../transcripts/model";
import { fold } from "../../transcripts/speakers";
import type { RolesMethod } from "./types";

/**
 * Agent or customer (C2), for diarised segments that only carry a speaker label and/or a channel:
 *
 * 1. by channel, when the recording is stereo with one side per channel and the agent's channel
 *    is known;
 * 2. else by the greeting: within the first 30 s, the speaker who says an agent's phrase
 *    ("bienvenue", "à votre écoute", "how can I help", "thank you for calling"…) or the company
 *    name is the agent — the phrases weigh more than the name, which a customer may also say;
 * 3. else by order: the first speaker is the agent on an inbound call, and the customer (who
 *    answers "allô ?") on an outbound one.
 *
 * A speaker is the pair (channel, label), so speaker 0 of the left channel and speaker 0 of the
 * right are two people. Every other speaker is a customer — except, with three speakers or more
 * (a transfer), one who opens with an agent's phrase, who is a second agent. Segments with
 * neither label nor channel cannot be told apart and stay as they are. Segments that already
 * have a role keep it.
 */
export interface RoleSegment {
  speaker: SpeakerRole;
  speakerLabel?: string;
  channel?: number;
  startS: number;
  text: string;
}

export interface RolesOptions {
  companyName?: string | null;
  /** 0-based channel of the agent in a stereo-per-side recording. */
  agentChannel?: number;
  direction?: "inbound" | "outbound";
}

export const GREETING_WINDOW_S = 30;

/** Folded (lower case, no accents, straight apostrophes) phrases only an agent says when answering. */
const AGENT_PHRASES = [
  // French
  "bienvenue",
  "a votre ecoute",
  "je vous ecoute",
  "que puis-je faire pour vous",
  "que puis je faire pour vous",
  "en quoi puis-je vous aider",
  "en quoi puis je vous aider",
  "comment puis-je vous aider",
  "comment puis je vous aider",
  "qu'est-ce que je peux faire pour vous",
  "merci d'avoir appele",
  "merci de votre appel",
  "vous etes bien chez",
  "vous etes bien au",
  // English
  "how can i help",
  "how may i help",
  "how can i assist",
  "how may i assist",
  "what can i do for you",
  "thank you for calling",
  "thanks for calling",
  "welcome to",
  "you've reached",
  "you have reached",
];

const norm = (s: string) =>
  ` ${fold(s)
    .replace(/[’`]/g, "'")
    .replace(/[^\p{L}\p{N}'-]+/gu, " ")
    .trim()} `;

const NORMALISED_PHRASES = AGENT_PHRASES.map((p) => norm(p));

function saysAgentPhrase(text: string): boolean {
  const t = norm(text);
  return NORMALISED_PHRASES.some((p) => t.includes(p));
}

/** The company name, or all its words of 3+ letters (STT writes "assurance horizon" for "Assurances Horizon"). */
function companyMatcher(name: string | null | undefined): ((text: string) => boolean) | null {
  const n = name ? norm(name) : "";
  if (!n.trim()) return null;
  const words = n
    .trim()
    .split(" ")
    .filter((w) => w.length >= 3)
    .map((w) => w.replace(/s$/, ""));
  return (text) => {
    const t = norm(text);
    if (t.includes(n)) return true;
    return words.length > 0 && words.every((w) => new RegExp(` ${escapeRe(w)}s? `).test(t));
  };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const keyOf = (s: RoleSegment): string | null =>
  s.speakerLabel === undefined && s.channel === undefined
    ? null
    : `${s.channel ?? ""}|${s.speakerLabel ?? ""}`;

export function resolveRolesDetailed<T extends RoleSegment>(
  segments: T[],
  opts: RolesOptions = {},
): { segments: T[]; method: RolesMethod } {
  const open = segments.filter((s) => s.speaker === "unknown");
  if (open.length === 0) return { segments, method: "given" };

  // 1. Channel.
  if (opts.agentChannel !== undefined && open.some((s) => s.channel !== undefined)) {
    return {
      segments: segments.map((s) =>
        s.speaker !== "unknown" || s.channel === undefined
          ? s
          : { ...s, speaker: s.channel === opts.agentChannel ? "agent" : "customer" },
      ),
      method: "channel",
    };
  }

  const ordered = open
    .map((s, i) => ({ s, i, key: keyOf(s) }))
    .filter((x): x is { s: T; i: number; key: string } => x.key !== null)
    .sort((a, b) => a.s.startS - b.s.startS || a.i - b.i);
  if (ordered.length === 0) return { segments, method: "unresolved" };
  const keys = [...new Set(ordered.map((x) => x.key))];

  // 2. Greeting in the first 30 s: phrase 2 points, company name 1; ties go to the earlier speaker.
  const company = companyMatcher(opts.companyName);
  const score = new Map<string, { points: number; firstAt: number }>();
  for (const { s, key } of ordered) {
    if (s.startS >= GREETING_WINDOW_S) break;
    const points = (saysAgentPhrase(s.text) ? 2 : 0) + (company?.(s.text) ? 1 : 0);
    if (!points) continue;
    const cur = score.get(key);
    if (cur) cur.points += points;
    else score.set(key, { points, firstAt: s.startS });
  }
  let agent: string | null = null;
  let method: RolesMethod = "greeting";
  for (const [key, v] of score) {
    const best = agent ? score.get(agent)! : null;
    if (!best || v.points > best.points || (v.points === best.points && v.firstAt < best.firstAt))
      agent = key;
  }

  // 3. Order.
  if (agent === null) {
    method = "first_speaker";
    if (opts.direction === "outbound")
      agent = keys[1] ?? null; // the first voice is the customer answering
    else agent = keys[0];
  }

  const agents = new Set<string>(agent === null ? [] : [agent]);
  if (keys.length >= 3) {
    // A transfer: a third voice that opens like an agent ("service résiliation, bonjour, je vous écoute").
    for (const key of keys) {
      if (agents.has(key)) continue;
      const firstTwo = ordered.filter((x) => x.key === key).slice(0, 2);
      if (firstTwo.some((x) => saysAgentPhrase(x.s.text))) agents.add(key);
    }
  }

  return {
    segments: segments.map((s) => {
      if (s.speaker !== "unknown") return s;
      const key = keyOf(s);
      if (key === null) return s;
      return { ...s, speaker: agents.has(key) ? "agent" : "customer" };
    }),
    method,
  };
}

/** Segments with `speaker` set to agent/customer (see `resolveRolesDetailed` for the rules). */
export function resolveRoles<T extends RoleSegment>(segments: T[], opts: RolesOptions = {}): T[] {
  return resolveRolesDetailed(segments, opts).segments;
}
