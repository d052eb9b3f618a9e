import type { Segment } from "../../content/transcripts/model";

/**
 * Conversation timing (C8), from segment times only:
 * - talk time per role is the union of that role's segments (a role's own overlaps count once);
 * - silence is every stretch of the call (0 → duration) where no segment of anyone runs, counted
 *   when it lasts ≥ 3 s — leading and trailing stretches included; `silencePct` is its share of
 *   the duration, `longestSilenceS` the longest counted stretch (0 when none);
 * - overtalk counts each segment that overlaps an earlier-starting segment of another speaker by
 *   ≥ 1 s;
 * - an interruption is a segment that starts while another speaker's segment runs, that segment
 *   ending 0.3–1.5 s later (it was cut off) while the newcomer keeps talking past it.
 * Speakers are told apart by role, and by label or channel among "unknown" ones.
 */

export const SILENCE_MIN_S = 3;
export const OVERTALK_MIN_S = 1;
export const HOLD_SILENCE_MIN_S = 10;
const CUT_MIN_S = 0.3;
const CUT_MAX_S = 1.5;

export interface Gap {
  start: number;
  end: number;
  /** Index of the last segment that ended at or before the gap (−1 for a leading gap). */
  before: number;
}

export interface Timing {
  durationS: number;
  agentTalkS: number;
  customerTalkS: number;
  agentTalkRatio: number | null;
  silencePct: number;
  longestSilenceS: number;
  /** Counted silences (≥ 3 s), in time order. */
  silences: Gap[];
  /** [earlier segment index, later segment index] per overtalk. */
  overtalk: [number, number][];
  /** [cut-off segment index, interrupting segment index]. */
  interruptions: [number, number][];
  /** Earliest segment start and latest end (0, 0 when empty). */
  t0: number;
  tEnd: number;
}

function speakerKey(s: Segment): string {
  if (s.speaker !== "unknown") return s.speaker;
  return `?${s.speakerLabel ?? (s.channel !== undefined ? `ch${s.channel}` : "")}`;
}

/** Total length of the union of intervals (sorted by start). */
function unionLength(iv: [number, number][]): number {
  let total = 0;
  let cs = -1;
  let ce = -1;
  for (const [s, e] of iv) {
    if (s > ce) {
      if (ce > cs) total += ce - cs;
      cs = s;
      ce = e;
    } else if (e > ce) ce = e;
  }
  if (ce > cs) total += ce - cs;
  return total;
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function computeTiming(segs: Segment[], callDurationS: number | null | undefined): Timing {
  const n = segs.length;
  let tEnd = 0;
  let t0 = n ? Number.POSITIVE_INFINITY : 0;
  for (const s of segs) {
    if (s.endS > tEnd) tEnd = s.endS;
    if (s.startS < t0) t0 = s.startS;
  }
  const durationS = callDurationS != null && callDurationS > 0 ? callDurationS : tEnd;

  const agent: [number, number][] = [];
  const customer: [number, number][] = [];
  for (const s of segs) {
    if (s.speaker === "agent") agent.push([s.startS, s.endS]);
    else if (s.speaker === "customer") customer.push([s.startS, s.endS]);
  }
  const agentTalkS = unionLength(agent);
  const customerTalkS = unionLength(customer);
  const talk = agentTalkS + customerTalkS;

  // Silences: walk the merged speech of everyone. Segments are sorted by start (transcript invariant),
  // but sort defensively by start without reordering the indices we report.
  const order = segs.map((_, i) => i);
  let sorted = true;
  for (let i = 1; i < n; i++) if (segs[i].startS < segs[i - 1].startS) sorted = false;
  if (!sorted) order.sort((a, b) => segs[a].startS - segs[b].startS || a - b);
  const silences: Gap[] = [];
  let cursor = 0;
  let lastIdx = -1;
  let lastEnd = 0;
  for (const i of order) {
    const s = segs[i];
    if (s.startS - cursor >= SILENCE_MIN_S) silences.push({ start: cursor, end: s.startS, before: lastIdx });
    if (s.endS > cursor) cursor = s.endS;
    if (s.endS >= lastEnd) {
      lastEnd = s.endS;
      lastIdx = i;
    }
  }
  if (durationS - cursor >= SILENCE_MIN_S) silences.push({ start: cursor, end: durationS, before: lastIdx });
  let silent = 0;
  let longest = 0;
  for (const g of silences) {
    const len = g.end - g.start;
    silent += len;
    if (len > longest) longest = len;
  }

  // Overtalk and interruptions: sweep with the set of segments still running.
  const overtalk: [number, number][] = [];
  const interruptions: [number, number][] = [];
  let active: number[] = [];
  for (const j of order) {
    const b = segs[j];
    active = active.filter((i) => segs[i].endS > b.startS);
    let over = false;
    let cut = false;
    const kb = speakerKey(b);
    for (const i of active) {
      const a = segs[i];
      if (speakerKey(a) === kb) continue;
      const overlap = Math.min(a.endS, b.endS) - b.startS;
      if (!over && overlap >= OVERTALK_MIN_S) {
        overtalk.push([i, j]);
        over = true;
      }
      const remaining = a.endS - b.startS;
      if (!cut && a.startS < b.startS && remaining > CUT_MIN_S && remaining <= CUT_MAX_S && b.endS > a.endS) {
        interruptions.push([i, j]);
        cut = true;
      }
    }
    active.push(j);
  }

  return {
    durationS: r3(durationS),
    agentTalkS: r1(agentTalkS),
    customerTalkS: r1(customerTalkS),
    agentTalkRatio: talk > 0 ? r3(agentTalkS / talk) : null,
    silencePct: durationS > 0 ? Math.min(100, r1((silent / durationS) * 100)) : 0,
    longestSilenceS: r1(longest),
    silences,
    overtalk,
    interruptions,
    t0: n ? t0 : 0,
    tEnd,
  };
}
