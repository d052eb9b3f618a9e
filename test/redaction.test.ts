import { describe, expect, it } from "vitest";
import {
  compileTenantPatterns,
  ibanValid,
  luhnValid,
  nirValid,
  RedactionPatternError,
  redact,
  redactTexts,
  redactTranscript,
} from "../core/content/redaction";
import { parseTranscript } from "../core/content/transcripts/parse";

// Luhn-valid test numbers: 4970 1012 3456 7893 (CB/Visa), 5555 5555 5555 4444 (Mastercard),
// 3782 822463 10005 (Amex, 15 digits). 4970 1012 3456 7890 fails Luhn.
const r = (text: string, opts?: Parameters<typeof redact>[1]) => redact(text, opts);

describe("checksums", () => {
  it("Luhn, IBAN mod 97, NIR key", () => {
    expect(luhnValid("4970101234567893")).toBe(true);
    expect(luhnValid("4970101234567890")).toBe(false);
    expect(ibanValid("FR76 3000 6000 0112 3456 7890 189")).toBe(true);
    expect(ibanValid("FR76 3000 6000 0112 3456 7890 188")).toBe(false);
    expect(ibanValid("DE89370400440532013000")).toBe(true);
    expect(ibanValid("DE8937040044053201300")).toBe(false); // one character short for DE
    expect(nirValid("1 85 05 78 006 084 91")).toBe(true);
    expect(nirValid("1 85 05 78 006 084 92")).toBe(false);
    // Corsica: 2A counts as 19, 2B as 18 in the key.
    expect(nirValid("2 69 05 2A 004 112 25")).toBe(true);
    expect(nirValid("1 75 11 2B 123 456 64")).toBe(true);
    expect(nirValid("3 85 05 78 006 084 91")).toBe(false);
  });
});

describe("card numbers (C12)", () => {
  it("typed with spaces or dashes, Luhn-checked; an order number that fails Luhn stays", () => {
    expect(r("Ma carte c'est le 4970 1012 3456 7893, voilà.")).toEqual({
      text: "Ma carte c'est le [CARD], voilà.",
      counts: { CARD: 1 },
    });
    expect(r("card 5555-5555-5555-4444 and 378282246310005").text).toBe("card [CARD] and [CARD]");
    expect(r("Amex 3782 822463 10005 please").text).toBe("Amex [CARD] please");
    const order = "Votre commande 4970 1012 3456 7890 est partie hier.";
    expect(r(order)).toEqual({ text: order, counts: {} });
  });

  it("a card followed by more numbers in the same breath is still found", () => {
    expect(r("c'est 4970 1012 3456 7893 12 28").text).toBe("c'est [CARD] 12 28");
    expect(r("c'est zéro 4970 1012 3456 7893").text).toBe("c'est zéro [CARD]");
  });

  it("spoken in French: digit by digit, in pairs, in groups, mixed with digits", () => {
    const forms = [
      "quatre neuf sept zéro un zéro un deux trois quatre cinq six sept huit neuf trois",
      "quarante-neuf soixante-dix dix douze trente-quatre cinquante-six soixante-dix-huit quatre-vingt-treize",
      "quatre mille neuf cent soixante-dix, mille douze, trois mille quatre cent cinquante-six, sept mille huit cent quatre-vingt-treize",
      "4970 un zéro un deux 3456 sept huit neuf trois",
      "quatre neuf sept zéro, euh, un zéro un deux, trois quatre cinq six, sept huit neuf trois",
    ];
    for (const f of forms) {
      const out = r(`Alors le numéro c'est ${f}. Voilà.`, { locale: "fr" });
      expect(out.text, f).toBe("Alors le numéro c'est [CARD]. Voilà.");
      expect(out.counts).toEqual({ CARD: 1 });
    }
    // The same read-out ending in 0 fails Luhn: left alone.
    const notACard = "c'est quatre neuf sept zéro un zéro un deux trois quatre cinq six sept huit neuf zéro";
    expect(r(notACard, { locale: "fr" }).text).toBe(notACard);
  });

  it("spoken in English, with 'oh' for zero and 'double'", () => {
    expect(
      r("it's four nine seven oh one oh one two three four five six seven eight nine three, thanks").text,
    ).toBe("it's [CARD], thanks");
    expect(
      r("forty nine seventy ten twelve thirty four fifty six seventy eight ninety three", { locale: "en" })
        .text,
    ).toBe("[CARD]");
    expect(
      r("five five five five, double five five five, five five five five, four four four four").text,
    ).toBe("[CARD]");
  });

  it("a leading article 'un' is not taken for a digit", () => {
    expect(
      r("j'ai un quatre neuf sept zéro un zéro un deux trois quatre cinq six sept huit neuf trois").text,
    ).toBe("j'ai un [CARD]");
  });
});

describe("CVV and expiry by context (C12)", () => {
  it("the agent asks, the customer answers in the next segment (French)", () => {
    const { texts, counts } = redactTexts([
      "Pouvez-vous me donner la date d'expiration et le cryptogramme, les trois chiffres au dos de la carte ?",
      "Oui, c'est zéro trois vingt-sept, et le code c'est quatre cent cinquante-six.",
      "Merci, je valide le paiement de 49,99 euros.",
    ]);
    expect(texts).toEqual([
      "Pouvez-vous me donner la date d'expiration et le cryptogramme, les trois chiffres au dos de la carte ?",
      "Oui, c'est [EXPIRY], et le code c'est [CVV].",
      "Merci, je valide le paiement de 49,99 euros.",
    ]);
    expect(counts).toEqual({ EXPIRY: 1, CVV: 1 });
  });

  it("the agent asks, the customer answers (English); answers given in the other order", () => {
    expect(
      redactTexts([
        "Can I have the expiry date and the security code on the back?",
        "It's twelve twenty six, and the code is one two three.",
      ]).texts[1],
    ).toBe("It's [EXPIRY], and the code is [CVV].");
    expect(redactTexts(["What's the CVV and the expiration date?", "123, and 03/27"]).texts[1]).toBe(
      "[CVV], and [EXPIRY]",
    );
    expect(redactTexts(["Le cryptogramme et la date de validité ?", "03/27 et 456"]).texts[1]).toBe(
      "[EXPIRY] et [CVV]",
    );
  });

  it("in the same segment, month names, and across a hesitation segment", () => {
    expect(r("Elle expire fin mars 2027 et le CVC c'est 8 1 2.").text).toBe(
      "Elle expire fin [EXPIRY] et le CVC c'est [CVV].",
    );
    expect(r("valid until June twenty twenty eight").text).toBe("valid until [EXPIRY]");
    expect(
      redactTexts(["Quel est le code de sécurité ?", "Attendez, je cherche ma carte…", "Alors c'est 7 3 9."])
        .texts,
    ).toEqual(["Quel est le code de sécurité ?", "Attendez, je cherche ma carte…", "Alors c'est [CVV]."]);
  });

  it("without context, dates and 3-digit numbers stay; amounts and times never become a CVV", () => {
    const plain = "Je suis client depuis le 03/27, j'ai payé 123 euros le 12 mars 2024 à 14 h 30.";
    expect(r(plain).text).toBe(plain);
    const amount = redactTexts([
      "Le cryptogramme s'il vous plaît ?",
      "Attendez, la facture fait 450 euros, c'est 321.",
    ]);
    expect(amount.texts[1]).toBe("Attendez, la facture fait 450 euros, c'est [CVV].");
  });

  it("an answer run on with other numbers: the part before the comma", () => {
    expect(redactTexts(["Et le cryptogramme ?", "7 3 9, 12 rue des Lilas pour la livraison"]).texts[1]).toBe(
      "[CVV], 12 rue des Lilas pour la livraison",
    );
  });

  it("a question far from any answer redacts nothing", () => {
    const texts = [
      "Je ne vous demanderai jamais votre cryptogramme.",
      "D'accord.",
      "Très bien.",
      "Votre dossier porte le numéro 482, je vous rappelle demain.",
    ];
    expect(redactTexts(texts).texts).toEqual(texts);
  });
});

describe("IBAN, NIR, e-mail (C12)", () => {
  it("IBAN FR and DE (mod 97), with or without spaces; a wrong check stays", () => {
    expect(r("Mon IBAN : FR76 3000 6000 0112 3456 7890 189 merci").text).toBe("Mon IBAN : [IBAN] merci");
    expect(r("IBAN DE89370400440532013000.")).toEqual({ text: "IBAN [IBAN].", counts: { IBAN: 1 } });
    expect(r("iban de89 3704 0044 0532 0130 00").text).toBe("iban [IBAN]");
    expect(r("FR76 3000 6000 0112 3456 7890 18").text).not.toContain("[IBAN]");
  });

  it("French NIR with its key, including Corsica (2A/2B); a wrong key stays", () => {
    expect(r("Mon numéro de sécu c'est le 1 85 05 78 006 084 91.").text).toBe(
      "Mon numéro de sécu c'est le [NIR].",
    );
    expect(r("NIR 269052A00411225")).toEqual({ text: "NIR [NIR]", counts: { NIR: 1 } });
    expect(r("sécurité sociale 2 69 05 2A 004 112 25 ok").text).toBe("sécurité sociale [NIR] ok");
    expect(r("1 75 11 2B 123 456 64").text).toBe("[NIR]");
    expect(r("1 85 05 78 006 084 92").text).toBe("1 85 05 78 006 084 92");
  });

  it("e-mail addresses typed and spoken (French and English)", () => {
    expect(r("oui c'est jean.dupont@example.fr, merci")).toEqual({
      text: "oui c'est [EMAIL], merci",
      counts: { EMAIL: 1 },
    });
    expect(r("c'est jean point dupont arobase gmail point com voilà").text).toBe("c'est [EMAIL] voilà");
    expect(r("alors marie tiret bas durand arobase orange point fr").text).toBe("alors [EMAIL]");
    expect(r("It's john dot smith at gmail dot com, thanks").text).toBe("It's [EMAIL], thanks");
    expect(r("write to support@northwind.io or j.doe+bills@mail.example.co.uk.").text).toBe(
      "write to [EMAIL] or [EMAIL].",
    );
    // "at" without a domain, or after a verb, is just a word.
    expect(r("I'm at home at five dot thirty").text).toBe("I'm at home at five dot thirty");
    expect(r("I work at northwind dot com").text).toBe("I work at northwind dot com");
  });
});

describe("tenant patterns (C12)", () => {
  it("replaces matches with [CUSTOM:<name>] and counts them", () => {
    const out = r("Police POL-123456 et POL-654321, dossier SIN-2024-0042.", {
      tenantPatterns: [
        { name: "policy", pattern: String.raw`POL-\d{6}` },
        { name: "claim", pattern: String.raw`SIN-\d{4}-\d{4}` },
      ],
    });
    expect(out).toEqual({
      text: "Police [CUSTOM:policy] et [CUSTOM:policy], dossier [CUSTOM:claim].",
      counts: { "CUSTOM:policy": 2, "CUSTOM:claim": 1 },
    });
    // Unicode-aware (u flag).
    expect(
      r("Réf ÉTÉ-42", { tenantPatterns: [{ name: "ref", pattern: String.raw`\p{Lu}+-\d+` }] }).text,
    ).toBe("Réf [CUSTOM:ref]");
  });

  it("refuses unsafe or invalid patterns with a clear error", () => {
    const bad: [string, string, RegExp][] = [
      ["nested", "(a+)+b", /nested quantifiers/],
      ["nested2", String.raw`(?:\d*[a-z]?)*x`, /nested quantifiers/],
      ["nested3", "((ab)+c){2,}", /nested quantifiers/],
      ["backref", String.raw`(\w)\1`, /backreferences/],
      ["named", String.raw`(?<x>a)\k<x>`, /backreferences/],
      ["long", "a".repeat(201), /longer than 200/],
      ["syntax", "([a-z]", /not a valid regular expression/],
      ["empty", "x*", /matches the empty string/],
    ];
    for (const [name, pattern, reason] of bad) {
      let err: unknown;
      try {
        r("text", { tenantPatterns: [{ name, pattern }] });
      } catch (e) {
        err = e;
      }
      expect(err, name).toBeInstanceOf(RedactionPatternError);
      expect((err as RedactionPatternError).patternName).toBe(name);
      expect((err as Error).message).toMatch(new RegExp(`^tenant redaction pattern "${name}": `));
      expect((err as Error).message).toMatch(reason);
    }
    expect(() => compileTenantPatterns([{ name: "bad name", pattern: "x" }])).toThrow(/name must be/);
    // Safe patterns with quantified groups and classes are fine.
    expect(
      compileTenantPatterns([{ name: "ok", pattern: String.raw`(?:AB|CD)-\d{3}(?:-[A-Z]{2})?[+*]` }]),
    ).toHaveLength(1);
  });
});

describe("transcripts (C12)", () => {
  it("redactTranscript redacts each segment with context across segments and sums counts", () => {
    const t = parseTranscript(
      "text",
      [
        "Conseillère: Pour le paiement, votre numéro de carte s'il vous plaît.",
        "Client: 4970 1012 3456 7893",
        "Conseillère: Et la date d'expiration ?",
        "Client: zéro trois vingt-sept",
        "Conseillère: Et le cryptogramme ?",
        "Client: cent vingt-trois",
        "Conseillère: Une confirmation partira à jean point dupont arobase gmail point com.",
      ].join("\n"),
    );
    const { transcript, counts } = redactTranscript(t);
    expect(transcript.segments.map((s) => s.text)).toEqual([
      "Pour le paiement, votre numéro de carte s'il vous plaît.",
      "[CARD]",
      "Et la date d'expiration ?",
      "[EXPIRY]",
      "Et le cryptogramme ?",
      "[CVV]",
      "Une confirmation partira à [EMAIL].",
    ]);
    expect(counts).toEqual({ CARD: 1, EXPIRY: 1, CVV: 1, EMAIL: 1 });
    // Ids, times, speakers and totals are unchanged; the input is not mutated.
    expect(transcript.segments.map((s) => [s.id, s.speaker, s.startS])).toEqual(
      t.segments.map((s) => [s.id, s.speaker, s.startS]),
    );
    expect(transcript.wordCount).toBe(t.wordCount);
    expect(t.segments[1].text).toBe("4970 1012 3456 7893");
  });

  it("is idempotent: redacting twice changes nothing", () => {
    const texts = [
      "Carte 4970 1012 3456 7893, IBAN FR76 3000 6000 0112 3456 7890 189, NIR 1 85 05 78 006 084 91.",
      "Quel est le cryptogramme et la date d'expiration ?",
      "Alors c'est 123, 456 et ça expire en 03/27, ou plutôt 04/28.",
      "Mail jean.dupont@example.fr, police POL-123456.",
    ];
    const opts = { tenantPatterns: [{ name: "policy", pattern: String.raw`POL-\d{6}` }] };
    const once = redactTexts(texts, opts);
    // Both dates are redacted: the second follows its own "expire".
    expect(once.texts[2]).toBe("Alors c'est [CVV], 456 et ça expire en [EXPIRY], ou plutôt [EXPIRY].");
    expect(once.counts).toEqual({
      CARD: 1,
      IBAN: 1,
      NIR: 1,
      CVV: 1,
      EXPIRY: 2,
      EMAIL: 1,
      "CUSTOM:policy": 1,
    });
    const twice = redactTexts(once.texts, opts);
    expect(twice.texts).toEqual(once.texts);
    expect(twice.counts).toEqual({});
  });

  it("leaves a realistic customer-service conversation untouched (no false positives)", () => {
    const conversation = [
      "Conseillère: Bonjour, Assurances Horizon, Julie à votre écoute, que puis-je faire pour vous ?",
      "Client: Bonjour madame, j'appelle au sujet de ma facture du 12/03/2024.",
      "Conseillère: Très bien. Vous avez votre numéro client ? Il commence par CL.",
      "Client: Oui, c'est CL 123 456 789.",
      "Conseillère: Merci. Je vois un prélèvement de 49,99 euros le 5 mars.",
      "Client: Oui, et un deuxième de 1 250 euros le 6 mars, c'est beaucoup trop.",
      "Conseillère: Je comprends. Le deuxième correspond à votre commande 4970 1012 3456 7890.",
      "Client: Ah, la commande des fenêtres, livrée en 3 jours.",
      "Conseillère: C'est ça. Votre contrat 2024-55-8812 prévoit un paiement en quatre fois.",
      "Client: Quatre fois trois cent douze euros cinquante, c'est ça ?",
      "Conseillère: Exactement. Je peux vous rappeler demain à 14 h 30 ou à 9h15.",
      "Client: Plutôt 14h30, au 06 12 34 56 78, ou au +33 6 98 76 54 32.",
      "Conseillère: C'est noté. Un point important : votre échéance est le 15 de chaque mois.",
      "Client: D'accord. J'habite au 12 rue des Lilas, 75011 Paris, appartement 4B.",
      "Conseillère: Parfait. Vous avez deux contrats, un habitation et un auto.",
      "Client: Oui, la voiture immatriculée AB-123-CD, une Clio de 2019.",
      "Conseillère: Le dossier 2024/118 est ouvert depuis 45 minutes, je le mets à jour.",
      "Client: Mon fils a 17 ans, il conduit depuis janvier 2023.",
      "Conseillère: Aucun souci. Le bonus est de 0,85, soit 15 % de réduction.",
      "Client: Et je paie combien par mois maintenant ? Trente-neuf euros ?",
      "Conseillère: Trente-neuf euros quatre-vingt-dix, oui, depuis le premier avril.",
      "Client: Vous pouvez me l'envoyer par écrit ?",
      "Conseillère: Bien sûr, par courrier au 12 rue des Lilas ou dans votre espace client.",
      "Client: L'espace client, c'est plus simple. Merci beaucoup.",
      "Conseillère: Je vous en prie. Votre référence d'appel est le 58 42 17.",
      "Client: 58 42 17, noté. J'ai appelé trois fois cette semaine déjà.",
      "Conseillère: Désolée pour l'attente. Le délai était de 12 minutes à 10 h.",
      "Client: Pas grave. I'll be at home at five, my flight lands at 4:45.",
      "Conseillère: Très bien. Autre chose pour vous aujourd'hui ?",
      "Client: Non, ce sera tout, merci. Au revoir.",
    ];
    expect(conversation).toHaveLength(30);
    const t = parseTranscript("text", conversation.join("\n"));
    const { transcript, counts } = redactTranscript(t);
    expect(counts).toEqual({});
    expect(transcript.segments.map((s) => s.text)).toEqual(t.segments.map((s) => s.text));
  });
});
