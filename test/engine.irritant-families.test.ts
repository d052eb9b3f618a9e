import { describe, expect, it } from "vitest";
import { run, turns } from "./corpus/build";

/**
 * Fourth pass of irritant families (branch irr4): how customers contest a charge, are passed from
 * one department to the next, threaten to leave, and how an agent brushes them off — phrasings
 * written from general knowledge (FR and EN, polite, ironic, ASR lower case), not from any corpus
 * call; and the traps that must stay silent. More in scripts/eval/irritant-probes*.txt
 * (`node scripts/eval/probe.mjs <file>`).
 */

type Sp = "A" | "C";
/** Irritants returned (type@side), uncertain ones left out. */
const found = (lang: "fr" | "en", rows: [Sp, string][]) =>
  run(turns(rows, lang))
    .irritants.filter((i) => !i.uncertain)
    .map((i) => `${i.type}@${i.speaker}`);
const said = (lang: "fr" | "en", text: string) =>
  found(lang, [
    ["A", lang === "fr" ? "Bonjour, je vous écoute." : "Hello, how can I help?"],
    ["C", text],
    ["A", lang === "fr" ? "D'accord, je regarde." : "Okay, let me look."],
  ]);
const complaint = (lang: "fr" | "en"): [Sp, string][] =>
  lang === "fr"
    ? [
        ["C", "Ma connexion coupe tous les soirs, c'est vraiment pénible."],
        ["A", "Je suis désolée."],
      ]
    : [
        ["C", "My internet keeps dropping every evening, it's really frustrating."],
        ["A", "I'm sorry about that."],
      ];
const afterComplaint = (lang: "fr" | "en", text: string) => found(lang, [...complaint(lang), ["C", text]]);
const agentSays = (lang: "fr" | "en", text: string) =>
  found(lang, [
    ["C", lang === "fr" ? "Ma box ne marche toujours pas." : "My router still isn't working."],
    ["A", text],
  ]);

describe("contesting a charge in other words (billing_dispute)", () => {
  it.each([
    ["en", "that charge is bogus"],
    ["en", "i dont owe you that money"],
    ["en", "I was promised the first three months free and you've charged me anyway."],
    ["en", "Why am I getting a late fee when I paid on time?"],
    ["en", "I'm contesting the penalty you put on my account."],
    ["en", "the installation was supposed to be free and now i see a fifty nine dollar install fee"],
    ["fr", "Ce montant n'est pas normal du tout."],
    ["fr", "C'est pas à moi de payer ça."],
    ["fr", "Ils m'ont chargé deux fois pour le même mois."],
    ["fr", "On me réclame deux cents euros que je ne dois pas."],
    ["fr", "Vous m'avez facturé le plein tarif au lieu de la promo."],
    ["fr", "Excusez-moi mais ce n'est pas le prix qu'on m'avait annoncé."],
  ] as const)("%s: %s", (lang, text) => {
    expect(said(lang, text)).toContain("billing_dispute@customer");
  });

  it.each([
    ["en", "Can you explain what this charge is for?"],
    ["en", "I know I owe the money, I just need more time to pay."],
    ["en", "I'm not disputing the charge, I just want to know when it was taken."],
    ["en", "I haven't ordered yet, I'm just looking at a coat on your website."],
    ["en", "Will I be charged twice if I switch now?"],
    ["fr", "Pouvez-vous m'expliquer cette ligne ?"],
    ["fr", "Je ne conteste pas le montant, je veux juste un échéancier."],
    ["fr", "Oui je vois l'augmentation, c'est normal, je comprends."],
  ] as const)("no dispute, %s: %s", (lang, text) => {
    expect(said(lang, text)).not.toContain("billing_dispute@customer");
  });
});

describe("passed from one to the next (transfer_loop)", () => {
  it.each([
    ["en", "I've been passed from one person to the next all morning."],
    ["en", "Billing said it was technical and technical said it was billing."],
    ["en", "They just keep passing the buck."],
    ["en", "Every department blames another department."],
    ["fr", "Chacun me dit que c'est pas son service."],
    ["fr", "J'ai déjà parlé à trois personnes différentes et personne ne sait."],
    ["fr", "Chaque service accuse l'autre."],
  ] as const)("%s: %s", (lang, text) => {
    expect(said(lang, text)).toContain("transfer_loop@customer");
  });

  it("the customer's reply to a transfer that complains of one more is a loop; accepting it is none", () => {
    const call = (lang: "fr" | "en", reply: string) =>
      found(lang, [
        ["C", lang === "fr" ? "Ma facture est fausse." : "My bill is wrong."],
        [
          "A",
          lang === "fr"
            ? "Je vais vous transférer au service facturation."
            : "I'm going to transfer you to billing.",
        ],
        ["C", reply],
      ]);
    expect(call("en", "Another transfer? Seriously?")).toContain("transfer_loop@customer");
    expect(call("fr", "Encore ? Mais c'est pas possible.")).toContain("transfer_loop@customer");
    expect(call("en", "Okay, thanks.")).not.toContain("transfer_loop@customer");
    expect(call("en", "Great, thank you, and can I ask another question later?")).not.toContain(
      "transfer_loop@customer",
    );
  });

  it.each([
    ["en", "I transferred the money yesterday."],
    ["en", "Can I transfer my contract to my new address?"],
    ["fr", "Je voudrais transférer ma ligne sur un nouveau téléphone."],
  ] as const)("no loop, %s: %s", (lang, text) => {
    expect(said(lang, text)).not.toContain("transfer_loop@customer");
  });
});

describe("threatening to leave, conditionally or indirectly (churn_threat)", () => {
  it.each([
    ["en", "Honestly I'm starting to wonder why I'm still with you."],
    ["en", "Give me one good reason why I shouldn't leave."],
    ["en", "If it happens again, that's it, I'm gone."],
    ["en", "honestly mate im this close to leaving"],
    ["en", "Another company offered me half the price."],
    ["fr", "Je vais prendre mes cliques et mes claques."],
    ["fr", "Je vais aller voir chez Proximus."],
    ["fr", "J'ai reçu une offre moins chère ailleurs."],
    ["fr", "je suis à deux doigts de tout résilier"],
    ["fr", "Orange m'a déjà fait une meilleure offre."],
  ] as const)("%s: %s", (lang, text) => {
    expect(afterComplaint(lang, text)).toContain("churn_threat@customer");
  });

  it("no threat: a neutral reason, a cancellation reported as done, staying put", () => {
    expect(said("en", "I'm moving to Spain next month, so I need to cancel my contract.")).not.toContain(
      "churn_threat@customer",
    );
    expect(said("fr", "Ma mère est décédée, je dois clôturer son compte.")).not.toContain(
      "churn_threat@customer",
    );
    expect(afterComplaint("en", "I'm not going anywhere, I just want it fixed.")).not.toContain(
      "churn_threat@customer",
    );
    expect(afterComplaint("fr", "Je ne compte pas partir, je veux juste que ça marche.")).not.toContain(
      "churn_threat@customer",
    );
  });
});

describe("the agent curt, dismissive or condescending (rudeness@agent)", () => {
  it.each([
    ["en", "Look, I've explained this three times already."],
    ["en", "Sir, I'm not going to argue with you."],
    ["en", "yeah yeah i heard you the first time"],
    ["en", "You'll just have to wait like everyone else."],
    ["en", "Honestly, I don't see what the big deal is."],
    ["fr", "Ça ne me regarde pas."],
    ["fr", "Fallait lire les conditions."],
    ["fr", "C'est pas compliqué pourtant."],
    ["fr", "je vois pas ce que vous voulez que je vous dise"],
    ["fr", "Je suis pas là pour vous tenir la main."],
  ] as const)("%s: %s", (lang, text) => {
    expect(agentSays(lang, text)).toContain("rudeness@agent");
  });

  it.each([
    ["en", "I'm sorry, you should have been called."],
    ["en", "As I mentioned, the refund will reach you within five days."],
    ["fr", "Je suis désolé, vous auriez dû être prévenu."],
    ["fr", "En attendant mettez une serviette et fermez la valve d'eau froide."],
    ["fr", "Comme je vous l'ai indiqué, le remboursement arrive sous cinq jours."],
  ] as const)("no rudeness, %s: %s", (lang, text) => {
    expect(agentSays(lang, text)).not.toContain("rudeness@agent");
  });
});
