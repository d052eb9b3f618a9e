import { mergeLanguages } from "./rubric-language";
import type { Criterion, CriterionCheck, RubricVersionContent } from "./rubric-model";
import { type RubricGrid, rubricGridSchema } from "./rubric-model";

/**
 * Rubric templates shipped with the product (C4): general customer service, sales, technical
 * support, collections — each in French and English. A tenant copies one and edits it.
 *
 * Every version has 3–5 sections, weights summing to exactly 100, critical criteria (data
 * protection; for collections the debt-collection disclosure and no threats), 1–5 scale criteria
 * and one or two `llm` criteria — the built-in engine reports those `not_evaluated`, on purpose.
 * The two languages of a template are merged into one grid (`grid`), criterion by criterion.
 * Phrases are matched on words after folding (case, accents, apostrophes, plurals), so each
 * phrase is written once in its natural form. `[CARD]` / `[CVV]` are redaction placeholders
 * (C12): an agent segment that contains one means a card number was read out.
 */

type Check = CriterionCheck;
type Opts = Partial<Pick<Criterion, "answerType" | "allowNa" | "critical" | "description">>;

function crit(id: string, label: string, weight: number, check: Check, o: Opts = {}): Criterion {
  return {
    id,
    label,
    weight,
    answerType: o.answerType ?? "yes_no",
    allowNa: o.allowNa ?? true,
    critical: o.critical ?? false,
    check,
    ...(o.description ? { description: o.description } : {}),
  };
}
const present = (
  phrases: string[],
  o: {
    speaker?: "agent" | "customer" | "any";
    withinS?: number;
    fromEnd?: boolean;
    requireCompanyName?: boolean;
  } = {},
): Check => ({
  kind: "phrase_present",
  speaker: o.speaker ?? "agent",
  phrases,
  fromEnd: o.fromEnd ?? false,
  requireCompanyName: o.requireCompanyName ?? false,
  ...(o.withinS !== undefined ? { withinS: o.withinS } : {}),
});
const absent = (phrases: string[], speaker: "agent" | "customer" | "any" = "agent"): Check => ({
  kind: "phrase_absent",
  speaker,
  phrases,
});
const forbidden = (
  builtinLists: ("profanity" | "jargon" | "negative_phrasing")[],
  words: string[] = [],
  speaker: "agent" | "customer" | "any" = "agent",
): Check => ({ kind: "forbidden_words", speaker, words, builtinLists });
const metric = (
  m: Extract<Check, { kind: "metric_threshold" }>["metric"],
  op: "<=" | ">=" | "<" | ">",
  value: number,
): Check => ({ kind: "metric_threshold", metric: m, op, value });
const llm = (question: string): Check => ({ kind: "llm", question });

// Phrase lists shared by several templates.
const FR_GREETING = ["bonjour", "bonsoir", "bienvenue"];
const EN_GREETING = [
  "hello",
  "hi",
  "good morning",
  "good afternoon",
  "good evening",
  "thank you for calling",
  "thanks for calling",
  "welcome",
];
const FR_NAME = [
  "je m'appelle",
  "à l'appareil",
  "mon nom est",
  "votre conseiller",
  "votre conseillère",
  "ici",
  "à votre écoute",
  "à votre service",
];
const EN_NAME = ["my name is", "this is", "speaking", "you're speaking to", "you are speaking with"];
const FR_EMPATHY = [
  "je comprends",
  "je suis désolé",
  "désolée",
  "navré",
  "toutes mes excuses",
  "je vous prie de nous excuser",
  "je comprends votre frustration",
  "c'est tout à fait normal",
  "je suis sincèrement désolé",
  "je m'excuse",
];
const EN_EMPATHY = [
  "i understand",
  "i'm sorry",
  "i am sorry",
  "i apologise",
  "i apologize",
  "my apologies",
  "i can imagine",
  "that must be frustrating",
  "i completely understand",
  "sorry about that",
];
const FR_IDENTITY = [
  "numéro client",
  "numéro de client",
  "numéro de contrat",
  "numéro de dossier",
  "date de naissance",
  "code postal",
  "vérifier votre identité",
  "confirmer votre identité",
  "votre nom",
  "numéro de commande",
  "adresse e-mail",
  "numéro de ligne",
  "identifiant client",
  "numéro de téléphone",
  "numéro d'adhérent",
];
const EN_IDENTITY = [
  "account number",
  "customer number",
  "policy number",
  "order number",
  "date of birth",
  "postcode",
  "zip code",
  "verify your identity",
  "confirm your identity",
  "your full name",
  "security question",
  "email address",
  "phone number",
  "your number",
  "member number",
  "reference number",
];
const FR_REPHRASE = [
  "si je comprends bien",
  "si j'ai bien compris",
  "vous souhaitez donc",
  "vous me dites que",
  "donc si je résume",
  "pour résumer",
  "si je reformule",
];
const EN_REPHRASE = [
  "if i understand correctly",
  "so what you're saying",
  "just to confirm",
  "so you would like",
  "let me make sure i understand",
  "to summarise",
  "to summarize",
];
const FR_MORE_HELP = [
  "autre chose",
  "d'autres questions",
  "autre question",
  "puis-je vous aider",
  "je peux faire autre chose",
];
const EN_MORE_HELP = [
  "anything else",
  "any other questions",
  "is there anything",
  "something else i can help",
];
const FR_CLOSING = [
  "bonne journée",
  "bonne soirée",
  "bonne fin de journée",
  "au revoir",
  "merci de votre appel",
  "merci pour votre appel",
  "excellente journée",
];
const EN_CLOSING = [
  "have a nice day",
  "have a good day",
  "have a great day",
  "have a lovely day",
  "have a good evening",
  "have a great evening",
  "have a good one",
  "goodbye",
  "thank you for calling",
  "thanks for calling",
  "take care",
  "bye",
];
const FR_DATA = [
  "[CARD]",
  "[CVV]",
  "votre code secret",
  "votre code confidentiel",
  "donnez-moi votre mot de passe",
  "quel est votre mot de passe",
  "me communiquer votre mot de passe",
  "me donner votre mot de passe",
  "les trois chiffres au dos",
];
const EN_DATA = [
  "[CARD]",
  "[CVV]",
  "what is your pin",
  "tell me your pin",
  "what is your password",
  "tell me your password",
  "give me your password",
  "read me your full card number",
  "security code on the back",
];

// ------------------------------------------------------------------------------------------------

const generalFr: RubricVersionContent = {
  language: "fr",
  passThreshold: 80,
  sections: [
    {
      id: "accueil",
      label: "Accueil",
      criteria: [
        crit(
          "greeting",
          "Salue en citant le nom de l'entreprise dans les 20 premières secondes",
          8,
          present(FR_GREETING, { withinS: 20, requireCompanyName: true }),
        ),
        crit("agent_name", "Se présente", 4, present(FR_NAME, { withinS: 30 })),
      ],
    },
    {
      id: "decouverte",
      label: "Découverte et écoute",
      criteria: [
        crit("identification", "Identifie le client", 8, present(FR_IDENTITY)),
        crit("rephrasing", "Reformule la demande", 8, present(FR_REPHRASE)),
        crit("empathy", "Fait preuve d'empathie", 10, present(FR_EMPATHY), { answerType: "scale_1_5" }),
        crit("no_interruption", "Ne coupe pas la parole au client", 6, metric("interruptions", "<=", 1)),
      ],
    },
    {
      id: "traitement",
      label: "Traitement",
      criteria: [
        crit(
          "no_long_silence",
          "Pas de silence de plus de 30 secondes",
          6,
          metric("longestSilenceS", "<=", 30),
        ),
        crit("holds", "Mises en attente limitées (2 au plus)", 4, metric("holdCount", "<=", 2)),
        crit(
          "talk_balance",
          "Équilibre de parole (conseiller ≤ 70 %)",
          6,
          metric("agentTalkRatio", "<=", 0.7),
        ),
        crit(
          "solution",
          "Apporte une solution adaptée",
          12,
          llm("Le conseiller a-t-il apporté une solution adaptée et complète à la demande du client ?"),
        ),
        crit(
          "data_protection",
          "Ne fait pas énoncer de données de carte ou de code secret",
          8,
          absent(FR_DATA),
          {
            critical: true,
            description:
              "Un numéro de carte masqué ([CARD]) dans la parole du conseiller signifie qu'il a été lu à voix haute.",
          },
        ),
        crit(
          "professional_language",
          "Langage professionnel (ni grossièreté ni jargon)",
          4,
          forbidden(["profanity", "jargon"]),
        ),
        crit("positive_phrasing", "Formulations positives", 4, forbidden(["negative_phrasing"])),
      ],
    },
    {
      id: "conclusion",
      label: "Conclusion",
      criteria: [
        crit(
          "more_help",
          "Propose une aide supplémentaire",
          6,
          present(FR_MORE_HELP, { withinS: 90, fromEnd: true }),
        ),
        crit("closing", "Prend congé poliment", 6, present(FR_CLOSING, { withinS: 60, fromEnd: true })),
      ],
    },
  ],
};

const generalEn: RubricVersionContent = {
  language: "en",
  passThreshold: 80,
  sections: [
    {
      id: "opening",
      label: "Opening",
      criteria: [
        crit(
          "greeting",
          "Greets with the company name within 20 seconds",
          8,
          present(EN_GREETING, { withinS: 20, requireCompanyName: true }),
        ),
        crit("agent_name", "Introduces themself", 4, present(EN_NAME, { withinS: 30 })),
      ],
    },
    {
      id: "discovery",
      label: "Discovery and listening",
      criteria: [
        crit("identification", "Identifies the customer", 8, present(EN_IDENTITY)),
        crit("rephrasing", "Rephrases the request", 8, present(EN_REPHRASE)),
        crit("empathy", "Shows empathy", 10, present(EN_EMPATHY), { answerType: "scale_1_5" }),
        crit("no_interruption", "Does not interrupt the customer", 6, metric("interruptions", "<=", 1)),
      ],
    },
    {
      id: "handling",
      label: "Handling",
      criteria: [
        crit("no_long_silence", "No silence longer than 30 seconds", 6, metric("longestSilenceS", "<=", 30)),
        crit("holds", "Few holds (2 at most)", 4, metric("holdCount", "<=", 2)),
        crit("talk_balance", "Balanced talk time (agent ≤ 70%)", 6, metric("agentTalkRatio", "<=", 0.7)),
        crit(
          "solution",
          "Provides a suitable solution",
          12,
          llm("Did the agent provide a suitable and complete solution to the customer's request?"),
        ),
        crit("data_protection", "Never has card data or secret codes read out", 8, absent(EN_DATA), {
          critical: true,
          description: "A masked card number ([CARD]) in the agent's speech means it was read out loud.",
        }),
        crit(
          "professional_language",
          "Professional language (no profanity, no jargon)",
          4,
          forbidden(["profanity", "jargon"]),
        ),
        crit("positive_phrasing", "Positive phrasing", 4, forbidden(["negative_phrasing"])),
      ],
    },
    {
      id: "closing",
      label: "Closing",
      criteria: [
        crit("more_help", "Offers further help", 6, present(EN_MORE_HELP, { withinS: 90, fromEnd: true })),
        crit("closing", "Closes politely", 6, present(EN_CLOSING, { withinS: 60, fromEnd: true })),
      ],
    },
  ],
};

// ------------------------------------------------------------------------------------------------

const salesFr: RubricVersionContent = {
  language: "fr",
  passThreshold: 75,
  sections: [
    {
      id: "ouverture",
      label: "Ouverture",
      criteria: [
        crit(
          "greeting",
          "Se présente avec le nom de l'entreprise",
          6,
          present([...FR_GREETING, ...FR_NAME], { withinS: 20, requireCompanyName: true }),
        ),
        crit(
          "recording_notice",
          "Informe de l'enregistrement de l'appel",
          10,
          present(
            [
              "cet appel est enregistré",
              "cet appel peut être enregistré",
              "cet appel est susceptible d'être enregistré",
              "notre conversation est enregistrée",
              "appel enregistré",
            ],
            { withinS: 60 },
          ),
          { critical: true, allowNa: false },
        ),
        crit(
          "call_purpose",
          "Annonce l'objet de l'appel",
          6,
          present(
            ["je vous appelle", "l'objet de mon appel", "je me permets de vous appeler", "je vous contacte"],
            {
              withinS: 45,
            },
          ),
        ),
      ],
    },
    {
      id: "decouverte",
      label: "Découverte des besoins",
      criteria: [
        crit(
          "needs_questions",
          "Questions de découverte",
          12,
          present([
            "quels sont vos besoins",
            "qu'est-ce qui est important pour vous",
            "comment utilisez-vous",
            "actuellement vous avez",
            "combien payez-vous",
            "qu'attendez-vous",
            "qu'est-ce qui vous ferait",
          ]),
          { answerType: "scale_1_5" },
        ),
        crit(
          "talk_balance",
          "Laisse parler le prospect (conseiller ≤ 65 %)",
          8,
          metric("agentTalkRatio", "<=", 0.65),
        ),
        crit("no_interruption", "Ne coupe pas la parole", 6, metric("interruptions", "<=", 1)),
      ],
    },
    {
      id: "proposition",
      label: "Proposition",
      criteria: [
        crit(
          "offer",
          "Présente une offre adaptée",
          10,
          present(["je vous propose", "je peux vous proposer", "notre offre", "cette offre", "la formule"]),
        ),
        crit(
          "price_clarity",
          "Annonce clairement le prix",
          8,
          present(["par mois", "euros", "tarif", "prix"]),
        ),
        crit(
          "objections",
          "Traite les objections",
          12,
          llm(
            "Le conseiller a-t-il traité les objections du prospect avec des arguments pertinents, sans insister ?",
          ),
        ),
        crit(
          "no_pressure",
          "Aucune pression abusive",
          8,
          absent([
            "dernière chance",
            "c'est maintenant ou jamais",
            "vous devez décider maintenant",
            "l'offre expire aujourd'hui",
            "vous allez le regretter",
          ]),
          { critical: true },
        ),
      ],
    },
    {
      id: "conclusion",
      label: "Conclusion",
      criteria: [
        crit(
          "withdrawal_right",
          "Rappelle le droit de rétractation",
          6,
          present(["droit de rétractation", "quatorze jours", "14 jours", "rétractation"]),
        ),
        crit(
          "next_step",
          "Fixe la prochaine étape",
          8,
          present(
            ["je vous envoie", "vous allez recevoir", "vous recevrez", "je vous rappelle", "rendez-vous"],
            {
              withinS: 120,
              fromEnd: true,
            },
          ),
        ),
      ],
    },
  ],
};

const salesEn: RubricVersionContent = {
  language: "en",
  passThreshold: 75,
  sections: [
    {
      id: "opening",
      label: "Opening",
      criteria: [
        crit(
          "greeting",
          "Introduces themself and the company",
          6,
          present([...EN_GREETING, ...EN_NAME], { withinS: 20, requireCompanyName: true }),
        ),
        crit(
          "recording_notice",
          "Says the call is recorded",
          10,
          present(
            [
              "this call is recorded",
              "this call may be recorded",
              "call is being recorded",
              "recorded for quality",
            ],
            {
              withinS: 60,
            },
          ),
          { critical: true, allowNa: false },
        ),
        crit(
          "call_purpose",
          "States the purpose of the call",
          6,
          present(["i'm calling", "i am calling", "the reason for my call", "reaching out"], { withinS: 45 }),
        ),
      ],
    },
    {
      id: "discovery",
      label: "Needs discovery",
      criteria: [
        crit(
          "needs_questions",
          "Discovery questions",
          12,
          present([
            "what are your needs",
            "what matters most to you",
            "how do you use",
            "what are you currently paying",
            "what are you looking for",
            "tell me about",
            "how often do you",
          ]),
          { answerType: "scale_1_5" },
        ),
        crit("talk_balance", "Lets the prospect talk (agent ≤ 65%)", 8, metric("agentTalkRatio", "<=", 0.65)),
        crit("no_interruption", "Does not interrupt", 6, metric("interruptions", "<=", 1)),
      ],
    },
    {
      id: "proposal",
      label: "Proposal",
      criteria: [
        crit(
          "offer",
          "Presents a suitable offer",
          10,
          present(["i can offer", "we can offer", "our plan", "this plan", "the package"]),
        ),
        crit(
          "price_clarity",
          "States the price clearly",
          8,
          present(["per month", "a month", "dollars", "pounds", "price"]),
        ),
        crit(
          "objections",
          "Handles objections",
          12,
          llm("Did the agent handle the prospect's objections with relevant arguments, without being pushy?"),
        ),
        crit(
          "no_pressure",
          "No undue pressure",
          8,
          absent([
            "last chance",
            "now or never",
            "you have to decide now",
            "offer expires today",
            "you'll regret it",
          ]),
          { critical: true },
        ),
      ],
    },
    {
      id: "closing",
      label: "Closing",
      criteria: [
        crit(
          "withdrawal_right",
          "Mentions the cooling-off period",
          6,
          present([
            "cooling-off period",
            "cooling off period",
            "14 days",
            "fourteen days",
            "right to cancel",
          ]),
        ),
        crit(
          "next_step",
          "Agrees the next step",
          8,
          present(
            [
              "i'll send you",
              "i will send you",
              "you'll receive",
              "you will receive",
              "i'll call you back",
              "follow up",
            ],
            {
              withinS: 120,
              fromEnd: true,
            },
          ),
        ),
      ],
    },
  ],
};

// ------------------------------------------------------------------------------------------------

const techFr: RubricVersionContent = {
  language: "fr",
  passThreshold: 80,
  sections: [
    {
      id: "accueil",
      label: "Accueil et identification",
      criteria: [
        crit(
          "greeting",
          "Salue avec le nom de l'entreprise",
          6,
          present(FR_GREETING, { withinS: 20, requireCompanyName: true }),
        ),
        crit(
          "identification",
          "Identifie le client ou l'équipement",
          8,
          present([...FR_IDENTITY, "numéro de ligne", "numéro de série", "référence de la box"]),
        ),
      ],
    },
    {
      id: "diagnostic",
      label: "Diagnostic",
      criteria: [
        crit(
          "diagnostic_questions",
          "Pose des questions de diagnostic",
          12,
          present([
            "depuis quand",
            "est-ce que le voyant",
            "quel message",
            "avez-vous essayé",
            "avez-vous redémarré",
            "que se passe-t-il",
            "quelle couleur",
            "est-ce que ça arrive",
          ]),
          { answerType: "scale_1_5" },
        ),
        crit(
          "diagnostic_quality",
          "Diagnostic logique et complet",
          10,
          llm("Le diagnostic du conseiller était-il logique, complet et adapté au niveau du client ?"),
        ),
        crit("empathy", "Rassure le client", 6, present(FR_EMPATHY), { answerType: "scale_1_5" }),
      ],
    },
    {
      id: "resolution",
      label: "Résolution",
      criteria: [
        crit(
          "guidance",
          "Guide le client pas à pas",
          8,
          present([
            "je vais vous guider",
            "étape",
            "on va faire",
            "pouvez-vous",
            "débranchez",
            "redémarrez",
            "appuyez",
            "cliquez",
          ]),
        ),
        crit(
          "check_fixed",
          "Vérifie que le problème est résolu",
          8,
          present(
            [
              "est-ce que ça fonctionne",
              "est-ce que cela fonctionne",
              "ça marche maintenant",
              "est-ce que c'est bon",
              "le problème est-il résolu",
            ],
            {
              withinS: 180,
              fromEnd: true,
            },
          ),
        ),
        crit(
          "ticket",
          "Donne une référence de suivi si nécessaire",
          6,
          present(["numéro de ticket", "numéro d'incident", "référence", "numéro de dossier"]),
        ),
        crit("no_jargon", "Pas de jargon technique", 6, forbidden(["jargon", "profanity"])),
      ],
    },
    {
      id: "maitrise",
      label: "Maîtrise de l'appel",
      criteria: [
        crit(
          "no_long_silence",
          "Pas de silence de plus de 45 secondes",
          8,
          metric("longestSilenceS", "<=", 45),
        ),
        crit("holds", "Mises en attente limitées (3 au plus)", 6, metric("holdCount", "<=", 3)),
        crit(
          "security",
          "Ne demande jamais de mot de passe ni de données de carte",
          10,
          absent([
            "donnez-moi votre mot de passe",
            "quel est votre mot de passe",
            "[CARD]",
            "[CVV]",
            "votre code secret",
          ]),
          { critical: true },
        ),
        crit("closing", "Conclut poliment", 6, present(FR_CLOSING, { withinS: 60, fromEnd: true })),
      ],
    },
  ],
};

const techEn: RubricVersionContent = {
  language: "en",
  passThreshold: 80,
  sections: [
    {
      id: "opening",
      label: "Opening and identification",
      criteria: [
        crit(
          "greeting",
          "Greets with the company name",
          6,
          present(EN_GREETING, { withinS: 20, requireCompanyName: true }),
        ),
        crit(
          "identification",
          "Identifies the customer or the device",
          8,
          present([...EN_IDENTITY, "serial number", "model number", "phone number on the account"]),
        ),
      ],
    },
    {
      id: "diagnosis",
      label: "Diagnosis",
      criteria: [
        crit(
          "diagnostic_questions",
          "Asks diagnostic questions",
          12,
          present([
            "when did",
            "how long has",
            "what lights",
            "have you tried",
            "have you restarted",
            "what error",
            "what happens when",
            "does it happen",
          ]),
          { answerType: "scale_1_5" },
        ),
        crit(
          "diagnostic_quality",
          "Logical and complete diagnosis",
          10,
          llm("Was the agent's diagnosis logical, complete and adapted to the customer's level?"),
        ),
        crit("empathy", "Reassures the customer", 6, present(EN_EMPATHY), { answerType: "scale_1_5" }),
      ],
    },
    {
      id: "resolution",
      label: "Resolution",
      criteria: [
        crit(
          "guidance",
          "Guides the customer step by step",
          8,
          present([
            "i'll walk you through",
            "step",
            "let's try",
            "can you",
            "unplug",
            "restart",
            "press",
            "click",
          ]),
        ),
        crit(
          "check_fixed",
          "Checks the issue is fixed",
          8,
          present(
            [
              "is it working",
              "is that working",
              "does it work now",
              "working now",
              "is the problem solved",
              "has that fixed",
            ],
            {
              withinS: 180,
              fromEnd: true,
            },
          ),
        ),
        crit(
          "ticket",
          "Gives a reference when needed",
          6,
          present(["ticket number", "case number", "reference number", "reference"]),
        ),
        crit("no_jargon", "No technical jargon", 6, forbidden(["jargon", "profanity"])),
      ],
    },
    {
      id: "control",
      label: "Call control",
      criteria: [
        crit("no_long_silence", "No silence longer than 45 seconds", 8, metric("longestSilenceS", "<=", 45)),
        crit("holds", "Few holds (3 at most)", 6, metric("holdCount", "<=", 3)),
        crit(
          "security",
          "Never asks for a password or card data",
          10,
          absent([
            "what is your password",
            "tell me your password",
            "give me your password",
            "[CARD]",
            "[CVV]",
            "what is your pin",
          ]),
          { critical: true },
        ),
        crit("closing", "Closes politely", 6, present(EN_CLOSING, { withinS: 60, fromEnd: true })),
      ],
    },
  ],
};

// ------------------------------------------------------------------------------------------------

const collectionsFr: RubricVersionContent = {
  language: "fr",
  passThreshold: 85,
  sections: [
    {
      id: "conformite",
      label: "Conformité",
      criteria: [
        crit(
          "identity_first",
          "Vérifie l'identité avant de parler de la dette",
          10,
          present(
            [
              "date de naissance",
              "confirmer votre identité",
              "vérifier votre identité",
              "êtes-vous bien",
              "vous êtes bien",
              "je parle bien à",
            ],
            {
              withinS: 60,
            },
          ),
          { critical: true, allowNa: false },
        ),
        crit(
          "disclosure",
          "Annonce un appel de recouvrement",
          12,
          present(
            [
              "tentative de recouvrement",
              "appel de recouvrement",
              "recouvrement de créance",
              "dans le cadre du recouvrement",
              "service recouvrement",
              "au sujet d'une somme due",
            ],
            { withinS: 60 },
          ),
          { critical: true, allowNa: false },
        ),
        crit(
          "no_threats",
          "Aucune menace ni intimidation",
          12,
          forbidden(
            ["profanity"],
            [
              "prison",
              "saisie immédiate",
              "on va vous poursuivre",
              "vous allez le regretter",
              "vos voisins",
              "votre employeur",
              "huissier demain",
            ],
          ),
          { critical: true },
        ),
        crit(
          "data_protection",
          "Ne fait pas lire un numéro de carte en entier",
          6,
          absent(["[CARD]", "[CVV]", "votre code secret"]),
          {
            critical: true,
          },
        ),
      ],
    },
    {
      id: "negociation",
      label: "Négociation",
      criteria: [
        crit(
          "amount_due",
          "Annonce le montant et l'échéance",
          10,
          present(["montant", "euros", "échéance", "somme de"]),
        ),
        crit(
          "payment_plan",
          "Propose des solutions de paiement",
          12,
          present([
            "échéancier",
            "plan de paiement",
            "étaler",
            "plusieurs fois",
            "mensualités",
            "prélèvement",
            "paiement en ligne",
          ]),
          { answerType: "scale_1_5" },
        ),
        crit(
          "commitment",
          "Obtient un engagement réaliste",
          12,
          llm(
            "Le conseiller a-t-il obtenu un engagement de paiement réaliste et explicitement accepté par le client ?",
          ),
        ),
      ],
    },
    {
      id: "relation",
      label: "Relation",
      criteria: [
        crit("empathy", "Écoute et empathie", 8, present(FR_EMPATHY), { answerType: "scale_1_5" }),
        crit(
          "talk_balance",
          "Laisse le client s'exprimer (conseiller ≤ 70 %)",
          6,
          metric("agentTalkRatio", "<=", 0.7),
        ),
        crit("no_interruption", "Ne coupe pas la parole", 4, metric("interruptions", "<=", 1)),
      ],
    },
    {
      id: "conclusion",
      label: "Conclusion",
      criteria: [
        crit(
          "recap",
          "Récapitule l'accord",
          8,
          present(
            ["je récapitule", "pour récapituler", "nous avons convenu", "vous allez donc", "vous recevrez"],
            {
              withinS: 120,
              fromEnd: true,
            },
          ),
        ),
      ],
    },
  ],
};

const collectionsEn: RubricVersionContent = {
  language: "en",
  passThreshold: 85,
  sections: [
    {
      id: "compliance",
      label: "Compliance",
      criteria: [
        crit(
          "identity_first",
          "Verifies identity before discussing the debt",
          10,
          present(
            [
              "date of birth",
              "confirm your identity",
              "verify your identity",
              "am i speaking with",
              "am i speaking to",
              "is this",
            ],
            {
              withinS: 60,
            },
          ),
          { critical: true, allowNa: false },
        ),
        crit(
          "disclosure",
          "Gives the debt-collection disclosure",
          12,
          present(
            [
              "this is an attempt to collect a debt",
              "attempt to collect a debt",
              "any information obtained will be used for that purpose",
              "this communication is from a debt collector",
              "debt collector",
            ],
            { withinS: 60 },
          ),
          { critical: true, allowNa: false },
        ),
        crit(
          "no_threats",
          "No threats or harassment",
          12,
          forbidden(
            ["profanity"],
            [
              "jail",
              "arrest",
              "we will sue you today",
              "you'll regret",
              "your neighbours",
              "your employer",
              "garnish your wages tomorrow",
            ],
          ),
          { critical: true },
        ),
        crit(
          "data_protection",
          "Never has a full card number read out",
          6,
          absent(["[CARD]", "[CVV]", "what is your pin"]),
          {
            critical: true,
          },
        ),
      ],
    },
    {
      id: "negotiation",
      label: "Negotiation",
      criteria: [
        crit(
          "amount_due",
          "States the amount and due date",
          10,
          present(["amount", "balance", "dollars", "pounds", "due date"]),
        ),
        crit(
          "payment_plan",
          "Offers payment options",
          12,
          present([
            "payment plan",
            "instalment",
            "installment",
            "spread the payments",
            "monthly payments",
            "direct debit",
            "pay online",
          ]),
          { answerType: "scale_1_5" },
        ),
        crit(
          "commitment",
          "Secures a realistic commitment",
          12,
          llm("Did the agent secure a realistic payment commitment that the customer explicitly agreed to?"),
        ),
      ],
    },
    {
      id: "relationship",
      label: "Relationship",
      criteria: [
        crit("empathy", "Listening and empathy", 8, present(EN_EMPATHY), { answerType: "scale_1_5" }),
        crit("talk_balance", "Lets the customer speak (agent ≤ 70%)", 6, metric("agentTalkRatio", "<=", 0.7)),
        crit("no_interruption", "Does not interrupt", 4, metric("interruptions", "<=", 1)),
      ],
    },
    {
      id: "closing",
      label: "Closing",
      criteria: [
        crit(
          "recap",
          "Summarises the agreement",
          8,
          present(
            [
              "to recap",
              "to summarise",
              "to summarize",
              "we've agreed",
              "we have agreed",
              "so you will",
              "you'll receive",
            ],
            {
              withinS: 120,
              fromEnd: true,
            },
          ),
        ),
      ],
    },
  ],
};

export interface RubricTemplate {
  id: string;
  name: { fr: string; en: string };
  /** One language each, as written above (and as the engine tests judge them). */
  versions: Record<"fr" | "en", RubricVersionContent>;
  /** What a tenant gets: both languages in one grid (same criteria, same weights). */
  grid: RubricGrid;
}

const template = (
  id: string,
  name: RubricTemplate["name"],
  versions: RubricTemplate["versions"],
): RubricTemplate => ({ id, name, versions, grid: rubricGridSchema.parse(mergeLanguages(versions)) });

export const TEMPLATES: RubricTemplate[] = [
  template(
    "general",
    { fr: "Service client général", en: "General customer service" },
    { fr: generalFr, en: generalEn },
  ),
  template("sales", { fr: "Vente", en: "Sales" }, { fr: salesFr, en: salesEn }),
  template(
    "technical_support",
    { fr: "Support technique", en: "Technical support" },
    { fr: techFr, en: techEn },
  ),
  template(
    "collections",
    { fr: "Recouvrement", en: "Collections" },
    { fr: collectionsFr, en: collectionsEn },
  ),
];

/** A template by id, or undefined. */
export function templateById(id: string): RubricTemplate | undefined {
  return TEMPLATES.find((t) => t.id === id);
}
