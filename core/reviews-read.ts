import type { Ctx } from "./context";

/** A reviewed (human) score per agent over a period: the mean of final reviews and how many. */
export interface ReviewedScore {
  avg: number;
  n: number;
}

/**
 * Reviewed scores by agent for calls started in [from, to) (D3: "reviewed and automatic scores
 * shown apart"). PLACEHOLDER: human reviews (C10) are being built by the lead; until their table
 * exists there is no reviewed score anywhere, so this returns an empty map — it never invents
 * or copies automatic numbers. Callers show "—" for an agent missing from the map. The reviews
 * feature replaces the body (same signature) when it lands.
 */
export async function reviewedScoresByAgent(
  _ctx: Ctx,
  _from: number,
  _to: number,
): Promise<Map<string, ReviewedScore>> {
  return new Map();
}
