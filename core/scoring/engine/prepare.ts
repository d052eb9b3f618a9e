import type { Segment } from "../../content/transcripts/model";
import type { CompiledRubric, LangModule, ModP, RubP, TenantP } from "./compile";
import type { Hit, Lexicon } from "./lexicon";
import { quoteAround, type Tokens, tokenize } from "./text";
import type { Evidence } from "./types";

/** A segment tokenised once and scanned once per lexicon (module, rubric, tenant). */
export interface PSeg {
  seg: Segment;
  idx: number;
  tok: Tokens;
  hits: Hit<ModP>[];
  rhits: Hit<RubP>[];
  thits: Hit<TenantP>[];
  /** Customer segments only (never computed for agent speech). */
  sentiment: number | null;
  /** In the closing part of the call (last 40 % of the conversation, or its speaker's last 2 turns). */
  end: boolean;
  /** After the opening (past the first 30 % of the conversation): where a resolution can happen. */
  late: boolean;
  /** The language module the segment was scanned with. */
  mod: LangModule;
}

export function prepare(
  segments: Segment[],
  mod: LangModule,
  rubric: CompiledRubric | null,
  tenant: Lexicon<TenantP> | null,
  t0: number,
  tEnd: number,
): PSeg[] {
  const closeFrom = t0 + 0.6 * (tEnd - t0);
  const lateFrom = t0 + 0.3 * (tEnd - t0);
  const out: PSeg[] = segments.map((seg, idx) => {
    const tok = tokenize(seg.text);
    return {
      seg,
      idx,
      tok,
      // The agent's conduct families only in the speech of who can be an agent.
      hits: seg.speaker === "customer" ? mod.lex.scan(tok) : mod.fam.scan(tok, mod.lex.scan(tok)),
      rhits: rubric?.lex.size ? rubric.lex.scan(tok) : [],
      thits: tenant ? tenant.scan(tok) : [],
      sentiment: null,
      end: seg.startS >= closeFrom,
      late: seg.startS >= lateFrom,
      mod,
    };
  });
  // A speaker's last two turns are in the closing part too (short calls, long last turns).
  const seen: Record<string, number> = {};
  for (let i = out.length - 1; i >= 0; i--) {
    const k = out[i].seg.speaker;
    seen[k] = (seen[k] ?? 0) + 1;
    if (seen[k] <= 2) out[i].end = true;
  }
  return out;
}

/** Evidence for a segment, the quote centred on token range [s, e) when given. */
export function evidence(p: PSeg, s?: number, e?: number): Evidence {
  const from = s !== undefined && p.tok.s.length > s ? p.tok.s[s] : 0;
  const to = e !== undefined && e > 0 && p.tok.e.length >= e ? p.tok.e[e - 1] : from;
  return {
    segmentId: p.seg.id,
    startS: p.seg.startS,
    endS: p.seg.endS,
    quote: quoteAround(p.seg.text, from, to),
  };
}

/** The text a hit matched (original characters). */
export function hitText(p: PSeg, s: number, e: number): string {
  return p.seg.text.slice(p.tok.s[s], p.tok.e[e - 1]);
}
