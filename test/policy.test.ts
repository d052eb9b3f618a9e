import { describe, expect, it } from "vitest";
import { decideProcessing } from "../core/policy/processing";

const eu = { location: "eu" as const, processingScope: "in_region" as const };
const euIntl = { location: "eu" as const, processingScope: "international" as const };
const us = { location: "us" as const, processingScope: "in_region" as const };

describe("processing policy (Shape, F2, C11)", () => {
  it("in_region EU tenants use EU endpoints and may not use Anthropic", () => {
    expect(decideProcessing({ tenant: eu, provider: "openai" })).toMatchObject({
      allowed: true,
      endpoint: "https://eu.api.openai.com/v1",
      inRegion: true,
    });
    expect(decideProcessing({ tenant: eu, provider: "deepgram" })).toMatchObject({
      allowed: true,
      endpoint: "https://api.eu.deepgram.com",
    });
    expect(decideProcessing({ tenant: eu, provider: "assemblyai" })).toMatchObject({
      allowed: true,
      endpoint: "https://api.eu.assemblyai.com",
    });
    expect(decideProcessing({ tenant: eu, provider: "anthropic" })).toMatchObject({
      allowed: false,
      holdReason: "processing_scope",
    });
    expect(decideProcessing({ tenant: eu, provider: "builtin" })).toMatchObject({ allowed: true });
  });

  it("international scope allows a transfer, flagged as not in region", () => {
    expect(decideProcessing({ tenant: euIntl, provider: "anthropic" })).toMatchObject({
      allowed: true,
      inRegion: false,
    });
    expect(decideProcessing({ tenant: euIntl, provider: "openai" })).toMatchObject({
      allowed: true,
      inRegion: true,
    });
  });

  it("US tenants use US endpoints", () => {
    expect(decideProcessing({ tenant: us, provider: "openai" })).toMatchObject({
      endpoint: "https://api.openai.com/v1",
    });
    expect(decideProcessing({ tenant: us, provider: "anthropic" })).toMatchObject({
      allowed: true,
      inRegion: true,
    });
  });

  it("restriction, objection and quota hold the call, in that order of precedence", () => {
    expect(
      decideProcessing({ tenant: us, provider: "builtin", restricted: true, callerObjected: true }),
    ).toMatchObject({ holdReason: "restricted" });
    expect(
      decideProcessing({ tenant: us, provider: "builtin", callerObjected: true, quotaExceeded: true }),
    ).toMatchObject({ holdReason: "objection" });
    expect(decideProcessing({ tenant: us, provider: "openai", quotaExceeded: true })).toMatchObject({
      holdReason: "quota_exceeded",
    });
  });
});
