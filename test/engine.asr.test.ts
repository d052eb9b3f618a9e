import { describe, expect, it } from "vitest";
import { tokenize } from "../core/scoring/engine/text";
import { criterion, rubricOf, run, turns } from "./corpus/build";

/**
 * Raw ASR output (scripts/eval/asrify.mjs makes such copies of labelled calls): lower case, no
 * punctuation, no apostrophes ("dont", "jai", "j ai"), hesitations ("euh", "um"), one long turn.
 */

describe("ASR text: contractions without apostrophes, hesitations", () => {
  it.each([
    ["i dont want to cancel", "i do not want to cancel"],
    ["isnt it thats what im saying ive", "is not it that is what i am saying i have"],
    ["its not working i didnt", "it is not working i did not"],
    ["don t want i m not it s broken", "do not want i am not it is broken"],
    ["jai pas reçu cest pas normal", "je ai pas recu ce est pas normal"],
    ["j ai appelé qu il vienne l adresse", "je ai appele que il vienne le adresse"],
    ["y a un problème c pas normal", "il y a un probleme ce est pas normal"],
    ["euh je um voudrais uh hum résilier", "je voudrai resilier"],
    ["on ma dit ma facture ils mont renvoyé", "on me a dit ma facture ils me ont renvoye"],
  ])("%s", (asr, tokens) => {
    expect(tokenize(asr).t.join(" ")).toBe(tokens);
  });

  it("apostrophe-less forms give what the written forms give", () => {
    for (const [asr, written] of [
      ["doesnt", "doesn't"],
      ["jsuis", "j'suis"],
      ["chuis", "je suis"],
      ["jattends", "j'attends"],
      ["youre", "you're"],
    ])
      expect(tokenize(asr).t).toEqual(tokenize(written).t);
  });

  it("French 'dont' stays a relative pronoun before a French clause", () => {
    expect(tokenize("la facture dont je vous parle").t).toContain("dont");
    expect(tokenize("le colis dont le suivi").t).not.toContain("not");
    expect(tokenize("no i dont").t).toEqual(["no", "i", "do", "not"]);
  });

  it("hesitations still count as spoken words", () => {
    expect(tokenize("euh bonjour um").words).toBe(3);
  });
});

describe("ASR calls: irritants, negation, criteria", () => {
  const types = (lang: "fr" | "en", ...customer: string[]) =>
    run(
      turns(
        customer.flatMap((c) => [
          ["C", c] as ["C", string],
          ["A", lang === "fr" ? "d accord" : "okay"] as ["A", string],
        ]),
        lang,
      ),
    ).irritants.map((i) => i.type);

  it.each([
    ["en", "repeat_contact", "yeah so this is the um third time ive called about this"],
    ["en", "long_wait", "ive been on hold for like uh forty minutes"],
    ["fr", "repeat_contact", "ben cest la troisième fois que jappelle pour ça"],
    ["fr", "repeat_contact", "euh cest la troisième fois que j appelle pour ça"],
    ["fr", "billing_dispute", "jai été prélevé deux fois cest pas normal"],
    ["fr", "long_wait", "ça fait trente euh minutes que j attends au téléphone"],
    ["en", "billing_dispute", "i dont accept that charge i didnt make those calls"],
    ["en", "repeat_contact", "i already like called you twice about this"],
    ["fr", "escalation_request", "je voudrais faire une genre réclamation"],
    ["fr", "transfer_loop", "le technique ma renvoyé au commercial et le commercial ma renvoyé au technique"],
  ] as const)("%s %s: %s", (lang, type, text) => {
    expect(types(lang, text)).toContain(type);
  });

  it.each([
    ["churn_threat", "i dont want to switch providers"],
    ["churn_threat", "i dont want to go elsewhere its fine"],
    ["escalation_request", "i dont need to speak to a manager"],
    ["long_wait", "i havent been waiting long"],
    ["billing_dispute", "i wasnt charged twice"],
  ] as const)("a negation without apostrophe: no %s in '%s'", (type, text) => {
    expect(types("en", text)).not.toContain(type);
  });

  it("a greeting with the company name, lower-case ASR with hesitations", () => {
    const greet = criterion({
      kind: "phrase_present",
      speaker: "agent",
      phrases: ["merci d'avoir appelé"],
      withinS: 20,
      fromEnd: false,
      requireCompanyName: true,
    });
    const t = turns(
      [
        ["A", "euh bonjour et merci davoir appelé assurances horizon cest julie"],
        ["C", "oui bonjour jai un souci"],
      ],
      "fr",
    );
    const r = run(t, { rubric: rubricOf([greet]), call: { companyName: "Assurances Horizon" } });
    expect(r.criteria[0].result).toBe("pass");
  });
});
