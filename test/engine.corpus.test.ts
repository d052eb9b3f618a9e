import { describe, expect, it } from "vitest";
import { CALLS_EN } from "./corpus/calls-en";
import { CALLS_FR } from "./corpus/calls-fr";
import { CORPUS, check, runCall } from "./corpus/check";

/**
 * The built-in engine against realistic calls (test/corpus): every call's expectations — irritants
 * found and not found, categories, key criteria of the general template, sentiment direction,
 * metrics sanity, outcome — must hold. A failing expectation is fixed in the engine, never by
 * weakening the expectation.
 */
describe("built-in engine corpus", () => {
  it("has at least 30 calls, 12+ French and 12+ English, across the six domains", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(30);
    expect(CORPUS.filter((c) => c.language === "fr").length).toBeGreaterThanOrEqual(12);
    expect(CORPUS.filter((c) => c.language === "en").length).toBeGreaterThanOrEqual(12);
    expect(new Set(CORPUS.map((c) => c.domain))).toEqual(
      new Set(["insurance", "telecom", "energy", "ecommerce", "bank", "collections"]),
    );
    expect(new Set(CORPUS.map((c) => c.id)).size).toBe(CORPUS.length);
    expect(CALLS_FR.length + CALLS_EN.length).toBeLessThan(CORPUS.length); // the second batch is there too
  });

  it.each(CORPUS.map((c) => [c.id, c] as const))("%s", (_id, call) => {
    const result = runCall(call);
    const { failures } = check(call, result);
    expect(failures).toEqual([]);
  });

  it("is deterministic: the same call gives the same analysis", () => {
    for (const call of CORPUS.slice(0, 8)) expect(runCall(call)).toEqual(runCall(call));
  });
});
