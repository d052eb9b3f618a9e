import { describe, expect, it } from "vitest";
import { analyze } from "../core/scoring/engine";
import { tokenize } from "../core/scoring/engine/text";
import { rubricVersionSchema } from "../core/scoring/rubric-model";
import { TEMPLATES, templateById } from "../core/scoring/templates";
import { CORPUS, runCall } from "./corpus/check";
import { transcriptOf } from "./corpus/types";

const versions = TEMPLATES.flatMap((t) =>
  (["fr", "en"] as const).map((l) => [`${t.id}/${l}`, t, l] as const),
);

describe("rubric templates (C4)", () => {
  it("ship general, sales, technical support and collections, in French and English", () => {
    expect(TEMPLATES.map((t) => t.id)).toEqual(["general", "sales", "technical_support", "collections"]);
    for (const t of TEMPLATES) {
      expect(t.name.fr).toBeTruthy();
      expect(t.name.en).toBeTruthy();
      expect(t.versions.fr.language).toBe("fr");
      expect(t.versions.en.language).toBe("en");
    }
    expect(templateById("sales")?.name.en).toBe("Sales");
  });

  it.each(versions)("%s validates and follows the template rules", (_name, t, l) => {
    const v = t.versions[l];
    const parsed = rubricVersionSchema.parse(v);
    expect(parsed).toEqual(v); // nothing left to defaults: the stored content is the validated one
    const all = v.sections.flatMap((s) => s.criteria);
    expect(v.sections.length).toBeGreaterThanOrEqual(3);
    expect(v.sections.length).toBeLessThanOrEqual(5);
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(all.length).toBeLessThanOrEqual(20);
    expect(all.reduce((s, c) => s + c.weight, 0)).toBe(100);
    expect(all.some((c) => c.critical)).toBe(true);
    expect(all.some((c) => c.answerType === "scale_1_5")).toBe(true);
    const llm = all.filter((c) => c.check.kind === "llm").length;
    expect(llm).toBeGreaterThanOrEqual(1);
    expect(llm).toBeLessThanOrEqual(2);
    // Every phrase means something to the matcher.
    for (const c of all) {
      const phrases =
        c.check.kind === "phrase_present" || c.check.kind === "phrase_absent"
          ? c.check.phrases
          : c.check.kind === "forbidden_words"
            ? c.check.words
            : [];
      for (const p of phrases) expect(tokenize(p).t.length, `${c.id}: ${p}`).toBeGreaterThan(0);
    }
  });

  it("French and English versions share criterion ids (stable across languages)", () => {
    for (const t of TEMPLATES) {
      const ids = (l: "fr" | "en") => t.versions[l].sections.flatMap((s) => s.criteria.map((c) => c.id));
      expect(ids("fr")).toEqual(ids("en"));
    }
  });

  it("collections: the disclosure is critical, and a call without it fails", () => {
    const v = templateById("collections")!.versions.fr;
    const disclosure = v.sections.flatMap((s) => s.criteria).find((c) => c.id === "disclosure")!;
    expect(disclosure.critical).toBe(true);
    const call = CORPUS.find((c) => c.id === "fr-collections-hostile")!;
    const r = analyze({
      transcript: transcriptOf(call),
      call: { companyName: call.companyName },
      rubric: { ...v, rubricId: "collections", version: 1 },
    });
    expect(r.criteria.find((c) => c.id === "disclosure")?.result).toBe("fail");
    expect(r).toMatchObject({ criticalFail: true, score: 0, passed: false });
    const ok = CORPUS.find((c) => c.id === "en-collections-compliant")!;
    const r2 = analyze({
      transcript: transcriptOf(ok),
      call: { companyName: ok.companyName },
      rubric: { ...templateById("collections")!.versions.en, rubricId: "collections", version: 1 },
    });
    expect(r2.criteria.find((c) => c.id === "disclosure")?.result).toBe("pass");
    expect(r2.criteria.find((c) => c.id === "commitment")?.result).toBe("not_evaluated");
    expect(r2.criticalFail).toBe(false);
  });

  it("every template runs on every corpus call without error and reports its llm criteria not evaluated", () => {
    for (const [, t, l] of versions)
      for (const call of CORPUS.filter((c) => c.language === l)) {
        const r = analyze({
          transcript: transcriptOf(call),
          call: { companyName: call.companyName },
          rubric: { ...t.versions[l], rubricId: t.id, version: 1 },
        });
        for (const c of r.criteria.filter(
          (x) => x.id === "solution" || x.id === "objections" || x.id.includes("quality"),
        ))
          expect(c.result).toBe("not_evaluated");
        if (r.score !== null) {
          expect(r.score).toBeGreaterThanOrEqual(0);
          expect(r.score).toBeLessThanOrEqual(100);
        }
      }
    expect(runCall(CORPUS[0]).engine).toBe("builtin");
  });
});
