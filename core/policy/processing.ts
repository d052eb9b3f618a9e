import type { Location } from "../../db/resolver";

/**
 * The one processing policy (SPEC "Shape"): may this tenant's call be processed, and by which
 * provider endpoint? The pipeline asks before every provider call. Later features (quota,
 * objection, restriction) add inputs and rules here, not elsewhere.
 */
export type ProviderId = "builtin" | "deepgram" | "openai" | "assemblyai" | "anthropic";
export type ProcessingScope = "in_region" | "international";
export type HoldReason =
  | "processing_scope"
  | "objection"
  | "restricted"
  | "quota_exceeded"
  | "subprocessor_objection";

interface ProviderRegion {
  /** Base URL of the endpoint that processes within this location, if the provider offers one. */
  endpoint: string;
}

/** Where each provider can process. Absent location = no in-region processing offered. */
export const PROVIDER_REGIONS: Record<
  ProviderId,
  Partial<Record<Location, ProviderRegion>> & { default?: ProviderRegion }
> = {
  builtin: { eu: { endpoint: "builtin:" }, us: { endpoint: "builtin:" } },
  deepgram: { eu: { endpoint: "https://api.eu.deepgram.com" }, us: { endpoint: "https://api.deepgram.com" } },
  openai: { eu: { endpoint: "https://eu.api.openai.com/v1" }, us: { endpoint: "https://api.openai.com/v1" } },
  assemblyai: {
    eu: { endpoint: "https://api.eu.assemblyai.com" },
    us: { endpoint: "https://api.assemblyai.com" },
  },
  // Anthropic's API offers no EU processing: in_region EU tenants may not use it.
  anthropic: {
    us: { endpoint: "https://api.anthropic.com" },
    default: { endpoint: "https://api.anthropic.com" },
  },
};

export interface PolicyInput {
  tenant: { location: Location; processingScope: ProcessingScope };
  provider: ProviderId;
  /** Filled by later features; each, when true, holds the call. */
  callerObjected?: boolean;
  restricted?: boolean;
  quotaExceeded?: boolean;
  /** The tenant objected to this provider's sub-processor entry and an operator has not resolved it (F5). */
  subprocessorObjected?: boolean;
}

export type PolicyDecision =
  | { allowed: true; provider: ProviderId; endpoint: string; inRegion: boolean }
  | { allowed: false; holdReason: HoldReason; detail: string };

export function decideProcessing(input: PolicyInput): PolicyDecision {
  const { tenant, provider } = input;
  if (input.restricted)
    return { allowed: false, holdReason: "restricted", detail: "processing restricted for this person" };
  if (input.callerObjected)
    return { allowed: false, holdReason: "objection", detail: "the caller objected to automated processing" };
  if (input.subprocessorObjected && provider !== "builtin")
    return {
      allowed: false,
      holdReason: "subprocessor_objection",
      detail: `the organisation objected to ${provider} as a sub-processor; an operator must resolve it first`,
    };
  if (input.quotaExceeded)
    return { allowed: false, holdReason: "quota_exceeded", detail: "analysed-minutes quota reached" };

  const regions = PROVIDER_REGIONS[provider];
  const local = regions[tenant.location];
  if (local) return { allowed: true, provider, endpoint: local.endpoint, inRegion: true };
  if (tenant.processingScope === "international") {
    const other = regions.default ?? Object.values(regions).find(Boolean);
    if (other)
      return { allowed: true, provider, endpoint: (other as ProviderRegion).endpoint, inRegion: false };
  }
  return {
    allowed: false,
    holdReason: "processing_scope",
    detail: `${provider} offers no processing in ${tenant.location}; the tenant allows in-region processing only`,
  };
}
