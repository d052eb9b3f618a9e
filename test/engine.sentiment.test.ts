import { describe, expect, it } from "vitest";
import { computeMetrics, findings } from "../core/scoring/engine";
import { turns } from "./corpus/build";

type Sp = "A" | "C";

/** The cue kinds the start / end windows of a call see (`sentimentFeatures`). */
function cues(rows: [Sp, string][], lang: "fr" | "en", side: "start" | "end" = "end"): string[] {
  const f = findings({ transcript: turns(rows, lang), call: { language: lang } }).features;
  const x = side === "start" ? f.sentimentStart : f.sentimentEnd;
  return [...x.keys()]
    .filter((k) => k.startsWith("cue:"))
    .map((k) => k.slice(4))
    .sort();
}
const one = (text: string, lang: "fr" | "en") =>
  cues(
    [
      ["A", lang === "fr" ? "Bonjour, je vous écoute." : "Hello, how can I help?"],
      ["C", text],
      ["A", lang === "fr" ? "D'accord." : "Okay."],
      ["C", lang === "fr" ? "Oui." : "Yes."],
    ],
    lang,
  );

describe("sentiment cue families (customer words, by kind)", () => {
  it("a problem stated calmly is a problem, not an emotion", () => {
    for (const x of [
      one("My internet keeps cutting out and I've been charged twice this month.", "en"),
      one("bonjour ma box est en panne et j'ai été prélevée deux fois", "fr"),
    ]) {
      expect(x).toContain("problem");
      expect(x.filter((k) => k !== "problem" && k !== "ritual")).toEqual([]);
    }
  });

  it("irritation, polite irritation, stress and sarcasm have their own kinds", () => {
    expect(one("Honestly I'm fed up, this is ridiculous.", "en")).toContain("anger");
    expect(one("I don't want to be rude, but I've been waiting for ages.", "en")).toContain("anger");
    expect(one("écoutez je ne veux pas être désagréable mais ça fait une heure", "fr")).toContain("anger");
    expect(one("c'est plate, je suis tanné", "fr")).toContain("anger");
    expect(one("I'm really worried, I don't know what to do.", "en")).toContain("stress");
    expect(one("je suis inquiète, ça m'angoisse", "fr")).toContain("stress");
    expect(one("génial merci pour rien", "fr")).toContain("sarcasm");
  });

  it("ritual thanks are not praise; praise and relief are", () => {
    expect(one("ok thanks bye", "en")).toEqual(["ritual"]);
    expect(one("Brilliant, thank you so much, you've been really helpful.", "en")).toContain("praise");
    expect(one("Oh that's a relief.", "en")).toContain("relief");
    expect(one("ouf, super, merci", "fr")).toEqual(["praise", "relief", "ritual"]);
  });

  it("a negated praise is irritation, a negated worry nothing", () => {
    expect(one("I'm not satisfied with that.", "en")).toContain("anger");
    expect(one("I'm not worried about it.", "en")).not.toContain("stress");
  });

  it("never reads the agent's speech (EU AI Act art. 5(1)(f))", () => {
    const calm: [Sp, string][] = [
      ["A", "Hello, how can I help?"],
      ["C", "I'd like to change my delivery date."],
      ["A", "Sure, done."],
      ["C", "Thanks, bye."],
    ];
    const loud: [Sp, string][] = calm.map(([sp, t]) =>
      sp === "A" ? [sp, `${t} I'm furious, this is ridiculous, thanks for nothing!`] : [sp, t],
    );
    const a = findings({ transcript: turns(calm, "en"), call: { language: "en" } }).features;
    const b = findings({ transcript: turns(loud, "en"), call: { language: "en" } }).features;
    expect([...b.sentimentStart]).toEqual([...a.sentimentStart]);
    expect([...b.sentimentEnd]).toEqual([...a.sentimentEnd]);
  });
});

describe("learned start / end sentiment", () => {
  it("an angry opening is negative, real gratitude at the end positive", () => {
    const m = computeMetrics({
      transcript: turns(
        [
          ["A", "Good morning, Brightline, how can I help?"],
          [
            "C",
            "This is the third time I'm calling, I'm fed up, it's ridiculous, nobody ever fixes anything!",
          ],
          ["A", "I'm sorry. Can I take your account number?"],
          ["C", "It's four four one two."],
          ["A", "Thanks. I've found the fault and fixed it, it should work now."],
          ["C", "Oh it's working. Brilliant, thank you so much, you've been really helpful."],
          ["A", "Anything else?"],
          ["C", "No, that's all, thanks a lot, bye."],
        ],
        "en",
      ),
      call: { language: "en" },
    });
    expect(m.sentimentStart).toBeLessThan(-0.15);
    expect(m.sentimentEnd).toBeGreaterThan(0.15);
  });
});
