import type { RoleResolution, SpeakerRole, Transcript } from "../../content/transcripts/model";
import { fold, speakerKey } from "../../content/transcripts/speakers";
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

/**
 * Phrases only an agent says when answering, as written (they are folded — lower case, no
 * accents, straight apostrophes — before matching, and shown as written in the reason).
 */
const AGENT_PHRASES = [
  // French
  "bienvenue",
  "à votre écoute",
  "je vous écoute",
  "que puis-je faire pour vous",
  "que puis je faire pour vous",
  "en quoi puis-je vous aider",
  "en quoi puis je vous aider",
  "comment puis-je vous aider",
  "comment puis je vous aider",
  "qu'est-ce que je peux faire pour vous",
  "merci d'avoir appelé",
  "merci de votre appel",
  "vous êtes bien chez",
  "vous êtes bien au",
  // English
  "how can I help",
  "how may I help",
  "how can I assist",
  "how may I assist",
  "what can I do for you",
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

const NORMALISED_PHRASES = AGENT_PHRASES.map((p) => [norm(p), p] as const);

/** The agent phrase said in `text` (as written in our list), or null. */
function agentPhraseIn(text: string): string | null {
  const t = norm(text);
  for (const [folded, shown] of NORMALISED_PHRASES) if (t.includes(folded)) return shown;
  return null;
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

const keyOf = (s: RoleSegment): string | null => speakerKey(s);

export interface RolesOutcome<T> {
  segments: T[];
  method: RolesMethod;
  /** The reason, as stored with the transcript (`method` is its `source`). */
  resolution: RoleResolution;
}

export function resolveRolesDetailed<T extends RoleSegment>(
  segments: T[],
  opts: RolesOptions = {},
): RolesOutcome<T> {
  const done = (out: T[], resolution: RoleResolution): RolesOutcome<T> => ({
    segments: out,
    method: resolution.source as RolesMethod,
    resolution,
  });
  const open = segments.filter((s) => s.speaker === "unknown");
  if (open.length === 0) return done(segments, { source: "given" });
  const assign = (isAgent: (key: string, s: T) => boolean) =>
    segments.map((s) => {
      if (s.speaker !== "unknown") return s;
      const key = keyOf(s);
      if (key === null) return s;
      return { ...s, speaker: isAgent(key, s) ? "agent" : "customer" } as T;
    });

  // 0. The source named one side (`<v Agent>` next to `<v Marie>`): the other voices are the other side.
  const givenAgent = segments.some((s) => s.speaker === "agent");
  const givenCustomer = segments.some((s) => s.speaker === "customer");
  if (givenAgent !== givenCustomer && open.some((s) => keyOf(s) !== null))
    return done(
      assign(() => givenCustomer),
      { source: "given" },
    );

  // 1. Channel.
  if (opts.agentChannel !== undefined && open.some((s) => s.channel !== undefined)) {
    return done(
      segments.map((s) =>
        s.speaker !== "unknown" || s.channel === undefined
          ? s
          : { ...s, speaker: s.channel === opts.agentChannel ? "agent" : "customer" },
      ),
      { source: "channel", agentChannel: opts.agentChannel },
    );
  }

  const ordered = open
    .map((s, i) => ({ s, i, key: keyOf(s) }))
    .filter((x): x is { s: T; i: number; key: string } => x.key !== null)
    .sort((a, b) => a.s.startS - b.s.startS || a.i - b.i);
  if (ordered.length === 0) return done(segments, { source: "unresolved" });
  const keys = [...new Set(ordered.map((x) => x.key))];

  // 2. Greeting in the first 30 s: phrase 2 points, company name 1; ties go to the earlier speaker.
  const company = companyMatcher(opts.companyName);
  const score = new Map<string, { points: number; firstAt: number; phrase: string }>();
  for (const { s, key } of ordered) {
    if (s.startS >= GREETING_WINDOW_S) break;
    const phrase = agentPhraseIn(s.text);
    const named = company?.(s.text) ?? false;
    const points = (phrase ? 2 : 0) + (named ? 1 : 0);
    if (!points) continue;
    const cur = score.get(key);
    if (cur) {
      // The reason names the strongest evidence: a phrase over the company's name.
      if (phrase && cur.phrase === opts.companyName) cur.phrase = phrase;
      cur.points += points;
    } else score.set(key, { points, firstAt: s.startS, phrase: phrase ?? (opts.companyName as string) });
  }
  let agent: string | null = null;
  for (const [key, v] of score) {
    const best = agent ? score.get(agent)! : null;
    if (!best || v.points > best.points || (v.points === best.points && v.firstAt < best.firstAt))
      agent = key;
  }
  let resolution: RoleResolution;
  if (agent !== null) {
    const won = score.get(agent)!;
    resolution = { source: "greeting", agent, phrase: won.phrase, atS: won.firstAt };
  } else {
    // 3. Order: the first voice answers an inbound call; on an outbound one the customer answers.
    const direction = opts.direction ?? "inbound";
    agent = direction === "outbound" ? (keys[1] ?? null) : keys[0];
    resolution = { source: "first_speaker", direction, ...(agent !== null ? { agent } : {}) };
  }

  const agents = new Set<string>(agent === null ? [] : [agent]);
  if (keys.length >= 3) {
    // A transfer: a third voice that opens like an agent ("service résiliation, bonjour, je vous écoute").
    for (const key of keys) {
      if (agents.has(key)) continue;
      const firstTwo = ordered.filter((x) => x.key === key).slice(0, 2);
      if (firstTwo.some((x) => agentPhraseIn(x.s.text) !== null)) agents.add(key);
    }
  }
  return done(
    assign((key) => agents.has(key)),
    resolution,
  );
}

/** Segments with `speaker` set to agent/customer (see `resolveRolesDetailed` for the rules). */
export function resolveRoles<T extends RoleSegment>(segments: T[], opts: RolesOptions = {}): T[] {
  return resolveRolesDetailed(segments, opts).segments;
}

/**
 * The resolver on a whole transcript, whatever its source (import, upload, speech-to-text): the
 * segments get their roles and the transcript records how (`roles`). A transcript that already
 * records a resolution (a speech-to-text result, a manual correction read back) keeps it.
 */
export function resolveTranscriptRoles(t: Transcript, opts: RolesOptions = {}): Transcript {
  if (t.roles) return t;
  const r = resolveRolesDetailed(t.segments, opts);
  return { ...t, segments: r.segments, roles: r.resolution };
}
