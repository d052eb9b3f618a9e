import { describe, expect, it } from "vitest";
import { computeScore, findings } from "../core/scoring/engine";
import { compilePattern, Lexicon } from "../core/scoring/engine/lexicon";
import { tokenize } from "../core/scoring/engine/text";
import type { AnalysisResult } from "../core/scoring/engine/types";
import type { Criterion } from "../core/scoring/rubric-model";
import { TEMPLATES } from "../core/scoring/templates";
import { criterion, rubricOf, run, segs, turns } from "./corpus/build";

/**
 * Issue 14: criteria that agree with their evidence (the agent says it in other words), phrasings
 * the lexicons never listed (numbers in words, spoken French without "ne", ASR lower case), and
 * findings the engine is unsure of returned as `uncertain` rather than asserted.
 */

const general = (lang: "fr" | "en") => {
  const t = TEMPLATES.find((x) => x.id === "general");
  if (!t) throw new Error("no general template");
  return { ...t.versions[lang], rubricId: `general-${lang}`, version: 1 };
};
const crit = (r: AnalysisResult, id: string) => {
  const c = r.criteria.find((x) => x.id === id);
  if (!c) throw new Error(`no criterion ${id}`);
  return c;
};
const opening = (lang: "fr" | "en", agent: string, company = "Crédit Rhodanien") =>
  run(
    turns(
      [
        ["A", agent],
        [
          "C",
          lang === "fr" ? "Bonjour, j'ai une question sur ma carte." : "Hi, I have a question about my card.",
        ],
      ],
      lang,
    ),
    { rubric: general(lang), call: { companyName: company } },
  );

describe("self-introduction and greeting in other words (C4)", () => {
  it.each([
    ["fr", "Crédit Rhodanien, bonjour, je suis Karim, que puis-je pour vous ?"],
    ["fr", "Crédit Rhodanien bonjour, Karim à l'appareil."],
    ["fr", "Bonjour, Crédit Rhodanien, c'est Thomas, je vous écoute."],
    ["en", "Good morning, Crédit Rhodanien, you're speaking with Sam."],
    ["en", "Hello, Crédit Rhodanien, Sinead speaking, how can I help?"],
  ] as const)("%s: %s → the agent introduced themself", (lang, text) => {
    const c = crit(opening(lang, text), "agent_name");
    expect(c.result).toBe("pass");
    expect(c.evidence.map((e) => e.segmentId)).toEqual(["s1"]);
  });

  it("no name, no introduction: 'je suis désolé', 'this is about your bill'", () => {
    expect(
      crit(opening("fr", "Crédit Rhodanien, bonjour, je suis désolé pour l'attente."), "agent_name").result,
    ).toBe("fail");
    expect(
      crit(opening("en", "Hello, Crédit Rhodanien. This is about your bill."), "agent_name").result,
    ).toBe("fail");
  });

  it("greeting needs a greeting word and the company name: 'Crédit Rhodanien, j'écoute' and 'Hi, thanks for calling' fail", () => {
    expect(crit(opening("fr", "Crédit Rhodanien, j'écoute."), "greeting").result).toBe("fail");
    expect(crit(opening("en", "Hi, thanks for calling, how can I help?"), "greeting").result).toBe("fail");
    expect(crit(opening("fr", "crédit rhodanien bonjour"), "greeting").result).toBe("pass");
  });

  it("the company name in any spoken form: 'and' for '&', lower-case ASR", () => {
    const r = opening("en", "hi there thanks for calling kettle and crate this is maya", "Kettle & Crate");
    expect(crit(r, "greeting").result).toBe("pass");
  });

  it("a company name only approximately heard is uncertain, not a pass", () => {
    const c = crit(
      opening("en", "Good morning, thank you for calling Rodanien Conseil.", "Rhodanien Conseil"),
      "greeting",
    );
    expect(c.result).toBe("uncertain");
    expect(c.score).toBeNull();
    expect(c.evidence.map((e) => e.segmentId)).toEqual(["s1"]);
  });

  it("a first name guessed in a lower-case transcript is uncertain", () => {
    const c = crit(opening("fr", "crédit rhodanien bonjour c'est karim"), "agent_name");
    expect(c.result).toBe("uncertain");
  });

  it("evidence: the turns that decided, each quoted once", () => {
    const r = run(
      turns(
        [
          ["A", "Bonjour, je comprends, je suis désolé, je comprends tout à fait."],
          ["C", "Merci."],
        ],
        "fr",
      ),
      { rubric: general("fr"), call: { companyName: "Acme" } },
    );
    const c = crit(r, "empathy");
    expect(c.result).toBe("pass");
    expect(c.evidence.map((e) => e.segmentId)).toEqual(["s1"]);
  });
});

describe("rephrasing, identification, next step, hold etiquette in other words", () => {
  const rubric = (phrases: string[], id: string, allowNa = true): ReturnType<typeof rubricOf> =>
    rubricOf([
      criterion(
        { kind: "phrase_present", speaker: "agent", phrases, fromEnd: false, requireCompanyName: false },
        {
          id,
          allowNa,
        },
      ),
    ]);
  const one = (lang: "fr" | "en", agent: string, phrases: string[]) =>
    run(
      turns(
        [
          ["C", lang === "fr" ? "Ma box ne marche plus." : "My router keeps dropping."],
          ["A", agent],
        ],
        lang,
      ),
      { rubric: rubric(phrases, "c1") },
    ).criteria[0].result;

  it("rephrasing said otherwise passes; reading back a number does not", () => {
    expect(
      one("en", "So just so I've got it right, the router drops every evening?", [
        "if i understand correctly",
      ]),
    ).toBe("pass");
    expect(one("fr", "Donc, vous me dites que la box coupe tous les soirs ?", ["si je comprends bien"])).toBe(
      "pass",
    );
    expect(
      one("en", "So that's seven seven four, two one nine, is that right?", ["if i understand correctly"]),
    ).toBe("fail");
  });

  it("identification: an identifier asked for in other words; a name alone is none", () => {
    expect(one("en", "Can I take the first line of your address?", ["account number"])).toBe("pass");
    expect(one("fr", "Vous pouvez me rappeler votre numéro d'abonné ?", ["numéro client"])).toBe("pass");
    expect(one("en", "And who am I speaking with?", ["account number"])).toBe("fail");
  });

  it("identification: a qualified identifier ('the admin email', 'la référence de votre bail'), not any e-mail", () => {
    expect(one("en", "Can I verify the account? What's the admin email?", ["account number"])).toBe("pass");
    expect(one("fr", "Vous pouvez me rappeler la référence de votre bail ?", ["numéro client"])).toBe("pass");
    expect(
      one("en", "There's a student plan, you just verify with your university email.", ["account number"]),
    ).toBe("fail");
  });

  it("a next step needs a timeframe: 'within forty-eight hours' passes, 'we'll look at it' fails", () => {
    expect(
      one("en", "I've escalated it and you'll hear from us within forty-eight hours.", ["within 24 hours"]),
    ).toBe("pass");
    expect(one("fr", "Le technicien passera jeudi matin.", ["sous 48 heures"])).toBe("pass");
    expect(one("en", "Send us a reading and we'll look at it.", ["within 24 hours"])).toBe("fail");
  });

  const holdRubric = rubric(["can i put you on hold", "thank you for holding"], "hold");
  it("hold etiquette: every hold asked for and thanked; a hold without asking fails; no hold is N/A", () => {
    const asked = segs([
      ["A", 0, 3, "Can I put you on hold for a moment while I check?"],
      ["C", 3.2, 4, "Sure."],
      ["A", 12, 15, "Thanks so much for holding. It's fixed."],
      ["C", 15.3, 16, "Great."],
    ]);
    expect(run(asked, { rubric: holdRubric }).criteria[0]).toMatchObject({ result: "pass" });
    expect(run(asked, { rubric: holdRubric }).criteria[0].evidence.map((e) => e.segmentId)).toEqual([
      "s1",
      "s3",
    ]);
    const unasked = segs([
      ["A", 0, 3, "Let me have a look."],
      ["C", 3.2, 4, "Okay."],
      ["A", 12, 15, "Thanks for waiting. It's fixed."],
      ["C", 15.3, 16, "Great."],
    ]);
    expect(run(unasked, { rubric: holdRubric }).criteria[0].result).toBe("fail");
    const none = segs([
      ["A", 0, 3, "Hello, how can I help?"],
      ["C", 3.2, 5, "I have a question."],
    ]);
    expect(run(none, { rubric: holdRubric }).criteria[0].result).toBe("na");
  });
});

describe("phrasings the lexicons never listed", () => {
  it("numbers in words are one number token", () => {
    expect(tokenize("quarante-huit heures").t).toEqual(["48", "heure"]);
    expect(tokenize("four hundred and twelve pounds").t).toEqual(["412", "pound"]);
    expect(tokenize("quatre-vingt-dix-huit euros").t).toEqual(["98", "euro"]);
    expect(tokenize("un colis").t).toEqual(["un", "coli"]);
  });

  const types = (lang: "fr" | "en", ...customer: string[]) =>
    run(
      turns(
        customer.flatMap((c) => [
          ["C", c] as ["C", string],
          ["A", lang === "fr" ? "D'accord." : "Okay."] as ["A", string],
        ]),
        lang,
      ),
    ).irritants.map((i) => i.type);

  it("spoken French without 'ne': 'c'est pas mon problème' is the agent's rudeness", () => {
    const r = run(
      turns(
        [
          ["C", "Mon colis n'est pas arrivé."],
          ["A", "C'est pas mon problème, voyez avec le transporteur."],
        ],
        "fr",
      ),
    );
    expect(r.irritants.some((i) => i.type === "rudeness" && i.speaker === "agent")).toBe(true);
  });

  it("post-verbal negation: 'je conteste pas' is no billing dispute", () => {
    expect(types("fr", "Je conteste pas la facture, hein, je veux juste comprendre.")).not.toContain(
      "billing_dispute",
    );
  });

  it("a wait in the queue said with the duration in words is a long wait; a late parcel is unresolved", () => {
    expect(types("en", "I've been in your phone queue for a little over thirty-five minutes.")).toContain(
      "long_wait",
    );
    const late = types("fr", "J'ai commandé il y a trois semaines et toujours rien.");
    expect(late).toContain("unresolved");
    expect(late).not.toContain("long_wait");
  });

  it("a loop is two redirections; a cancellation for a neutral reason is no threat", () => {
    expect(
      types(
        "en",
        "Billing said it was a data issue and put me through to tech, and tech put me back to billing.",
      ),
    ).toContain("transfer_loop");
    expect(types("en", "I need to close my account, please. I'm moving abroad.")).not.toContain(
      "churn_threat",
    );
    expect(types("en", "If this isn't sorted, I'll be looking at other providers.")).toContain(
      "churn_threat",
    );
  });

  // Second pass of paraphrase families (issue 14): phrasings written for this test, not taken from
  // any corpus call — conditional and implicit churn, contested charges, demeaning remarks, loops.
  it.each([
    ["en", "churn_threat", "Honestly I'm going to have to think about whether to stay with you."],
    ["en", "churn_threat", "Your competitor offered me the same package for twenty pounds less."],
    ["en", "churn_threat", "one more outage and i'm gone"],
    ["en", "churn_threat", "After fifteen years I'm starting to wonder why I bother staying."],
    ["fr", "churn_threat", "si ça continue je vais voir ailleurs"],
    ["fr", "churn_threat", "Franchement, je me pose la question de rester chez vous."],
    ["fr", "churn_threat", "si ce n'est pas réglé d'ici vendredi je résilie"],
    ["fr", "churn_threat", "Ailleurs ils sont moins chers, vous savez."],
    ["en", "billing_dispute", "Why am I paying for a service I cancelled in March?"],
    ["en", "billing_dispute", "The amount you took is way more than what we agreed."],
    ["fr", "billing_dispute", "Il y a un prélèvement de quarante euros que je ne reconnais pas."],
    ["fr", "billing_dispute", "Le montant prélevé ne correspond pas à ce qui était prévu."],
    ["fr", "billing_dispute", "je paie encore pour un abonnement que j'ai résilié en mars"],
    ["en", "rudeness", "Are you actually thick or just pretending?"],
    ["en", "rudeness", "Can I speak to someone who actually knows what they're doing?"],
    ["fr", "rudeness", "Vous êtes vraiment bête ou vous le faites exprès ?"],
    ["fr", "rudeness", "Passez-moi quelqu'un de compétent."],
    ["en", "transfer_loop", "I've been passed to three different departments already."],
    ["en", "transfer_loop", "Everyone just keeps sending me to someone else."],
    ["fr", "transfer_loop", "Ne me transférez pas encore une fois, s'il vous plaît."],
    ["en", "long_wait", "I've been trying to get through to you all morning."],
    ["en", "long_wait", "the phone just rings and rings"],
    ["fr", "long_wait", "ça sonne dans le vide depuis ce matin"],
    ["fr", "long_wait", "J'ai attendu un temps fou avant d'avoir quelqu'un."],
  ] as const)("%s %s: %s", (lang, type, text) => {
    expect(types(lang, text)).toContain(type);
  });

  it("a neutral reason to stop a contract is no threat; a repair brought back twice is a repeat contact", () => {
    expect(
      types(
        "fr",
        "Je voudrais arrêter mon abonnement, je pars vivre en maison de retraite le mois prochain.",
      ),
    ).not.toContain("churn_threat");
    expect(
      types("fr", "J'ai une question, je pars six mois au Canada, ma carte marche là-bas ?"),
    ).not.toContain("churn_threat");
    expect(types("en", "The car's been in to you twice for the same rattle.")).toContain("repeat_contact");
    expect(
      types("en", "Do I lose the month I've already paid for, and can I still share it with my sister?"),
    ).not.toContain("billing_dispute");
  });

  it.each([
    ["en", "My bill is forty-two pounds this month and I'd like to pay it by card."],
    ["en", "I know I owe the money, I just need more time to pay."],
    ["fr", "Ma facture est de quarante-deux euros, je voudrais la payer par carte."],
    ["fr", "Combien coûte l'option par mois ?"],
    ["en", "I'd like to cancel my order please, it was placed by mistake."],
    ["fr", "Je déménage le mois prochain, il faut changer l'adresse."],
    ["en", "It's still bloody cutting out every evening."],
    ["fr", "Putain, j'ai encore oublié mon mot de passe."],
  ] as const)("%s: no irritant in '%s'", (lang, text) => {
    expect(types(lang, text)).toEqual([]);
  });

  it("swearing is the agent's rudeness, not the customer's (the customer insults, swearing is emotion)", () => {
    const r = run(
      turns(
        [
          ["C", "It's still bloody doing it."],
          ["A", "Well that's bloody annoying for you, isn't it."],
        ],
        "en",
      ),
    );
    expect(r.irritants.filter((i) => i.type === "rudeness").map((i) => i.speaker)).toEqual(["agent"]);
  });
});

describe("pattern syntax", () => {
  it("'#n' among alternatives is a number at that position ('#n|several times')", () => {
    const lx = new Lexicon<number>();
    lx.add(compilePattern("been in|back * #n|several times", 1));
    const hits = (s: string) => lx.scan(tokenize(s)).length;
    expect(hits("the car has been in three times")).toBe(1);
    expect(hits("it's been back to you several times")).toBe(1);
    expect(hits("it's been in the times")).toBe(0);
    expect(() => compilePattern("#n|several times", 1)).toThrow();
  });
});

describe("categories by the labelling conventions", () => {
  const top = (r: AnalysisResult) => [...r.categories].sort((a, b) => b.confidence - a.confidence)[0]?.id;
  it("the reason said at the start outweighs topic words heard later (a cancellation talks about the final bill)", () => {
    const r = run(
      turns(
        [
          ["A", "Pulse Fitness, good evening, Karen speaking."],
          ["C", "Hi, I need to cancel my membership, I'm moving abroad next month."],
          ["A", "Of course. Can I take your membership number?"],
          ["C", "It's P F nine eight two one."],
          ["A", "Thanks. So you'd like it to stop at the end of next month?"],
          ["C", "Yes, that's right, the end of next month."],
          ["A", "Your last payment is on the first, and the direct debit stops after that."],
          ["C", "Fine, go ahead then."],
          ["A", "Your final bill will show the notice period, and any overpayment is refunded."],
          ["C", "And the refund goes back to my card? There's no fee on the bill?"],
          ["A", "Yes, the refund and the final invoice go to the card on the account, no charge."],
          ["C", "Great, thanks."],
        ],
        "en",
      ),
      { call: { companyName: "Pulse Fitness" } },
    );
    expect(top(r)).toBe("cancellation");
  });

  it("a customer who opens with a question and voices no problem asks for information, prices or not", () => {
    const tr = turns(
      [
        ["A", "Streamory support, Ana speaking."],
        ["C", "Hi, I was wondering, if I switch to the annual plan, does the bill come once a year?"],
        [
          "A",
          "Yes, the annual price is ninety-nine, taken as one payment, and the days you've paid are credited.",
        ],
        ["C", "And it renews by itself?"],
        ["A", "It does, with a reminder a month before."],
        ["C", "Okay, I'll think about it, thanks."],
      ],
      "en",
    );
    const r = run(tr, { call: { companyName: "Streamory" } });
    // Since cat4 the learned model decides (the enquiry rule is one of its features, no override):
    // a question about how the bill comes may be read as billing (corpus-dev labels questions about
    // a bill billing, fr-004 / fr-039); the enquiry is among the categories either way.
    expect(["information_request", "billing"]).toContain(top(r));
    expect(r.categories.map((c) => c.id)).toContain("information_request");
    // The keywords alone say information request.
    const kw = findings({ transcript: tr, call: { companyName: "Streamory" } }).features.category;
    expect(kw.get("lxtop:information_request")).toBe(1);
  });

  it("a short wrong-number call is an information request, whatever the caller wanted (FR, EN ASR)", () => {
    const fr = run(
      turns(
        [
          ["A", "Énergie Lumen bonjour, que puis-je pour vous ?"],
          ["C", "oui bonjour je voudrais commander deux pizzas margherita à livrer s'il vous plaît"],
          [
            "A",
            "ah je crois que vous vous êtes trompé de numéro madame, ici c'est un fournisseur d'électricité",
          ],
          ["C", "oh pardon excusez-moi bonne journée"],
        ],
        "fr",
      ),
      { call: { companyName: "Énergie Lumen" } },
    );
    expect(top(fr)).toBe("information_request");
    const en = run(
      turns(
        [
          ["A", "good morning harbour mobile how can i help"],
          ["C", "hi yeah i need to cancel my table for tonight the booking is under patel"],
          ["A", "i'm sorry you've got the wrong number this is a mobile network not a restaurant"],
          ["C", "oh god sorry bye"],
        ],
        "en",
      ),
      { call: { companyName: "Harbour Mobile" } },
    );
    expect(top(en)).toBe("information_request");
  });

  it("'wrong number' in a long call about a bill is not the wrong-number convention", () => {
    const rows: ["A" | "C", string][] = [
      ["A", "Good morning, Harbour Mobile, how can I help?"],
      [
        "C",
        "Hi, my bill this month is eighty pounds instead of twenty, you've charged me for roaming I never used.",
      ],
      ["A", "I'm sorry about that. Can I have your account number?"],
      ["C", "It's four four two one. And last time someone put the wrong number on my account as well."],
      ["A", "Thank you. I can see roaming charges of sixty pounds on the fifth."],
      ["C", "I was at home all month, I dispute that charge."],
      ["A", "I understand. I'll raise a refund request for the sixty pounds."],
      ["C", "How long will the refund take?"],
      ["A", "Within five working days, it will show on your next bill."],
      ["C", "Fine, and please make sure the bill is corrected."],
      ["A", "Of course. Is there anything else?"],
      ["C", "No, that's it, thanks."],
      ["A", "Thanks for calling, goodbye."],
    ];
    expect(top(run(turns(rows, "en"), { call: { companyName: "Harbour Mobile" } }))).toBe("billing");
  });
});

describe("uncertain findings are shown, never counted (C4b)", () => {
  const c = (id: string, weight: number, o: Partial<Criterion> = {}): Criterion =>
    criterion({ kind: "llm", question: "Was it good?" }, { id, weight, ...o });
  const rubric = rubricOf([c("a", 60), c("b", 40)]);

  it("an uncertain criterion leaves the judged share, like not_evaluated", () => {
    const s = computeScore(rubric, [
      { id: "a", result: "pass", score: 1 },
      { id: "b", result: "uncertain", score: null },
    ]);
    expect(s).toMatchObject({ score: 100, evaluatedWeightPct: 60 });
  });

  it("a critical criterion uncertain sends the call to review and never passes", () => {
    const critical = rubricOf([c("a", 60), c("b", 40, { critical: true })]);
    const s = computeScore(critical, [
      { id: "a", result: "pass", score: 1 },
      { id: "b", result: "uncertain", score: null },
    ]);
    expect(s).toMatchObject({ needsReview: true, passed: false });
  });

  it("irritants carry a confidence in [0, 1]; categories a calibrated one", () => {
    const r = run(
      turns(
        [
          ["C", "C'est la troisième fois que j'appelle, on m'a facturé deux fois !"],
          ["A", "Je suis désolé."],
        ],
        "fr",
      ),
    );
    expect(r.irritants.length).toBeGreaterThan(0);
    for (const i of r.irritants) {
      expect(i.confidence).toBeGreaterThanOrEqual(0);
      expect(i.confidence).toBeLessThanOrEqual(1);
      expect(i.uncertain === true).toBe((i.confidence ?? 1) < 0.5);
    }
    for (const x of r.categories) expect(x.confidence).toBeLessThanOrEqual(0.99);
  });
});
