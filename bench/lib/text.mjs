// Synthetic but realistic call-center material for the benchmarks: 10-minute transcripts
// (~150 segments, ~1,500 words, French or English, agent/customer turns with names, amounts,
// dates, order numbers and hesitations), agents in teams, phone numbers. Deterministic from a
// seed, so two runs store the same bytes.

/** Small fast PRNG (mulberry32): deterministic per seed. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  next.pick = (arr) => arr[Math.floor(next() * arr.length)];
  next.chance = (p) => next() < p;
  return next;
}

const FIRST = {
  fr: [
    "Camille",
    "Julien",
    "Sophie",
    "Nicolas",
    "Léa",
    "Thomas",
    "Chloé",
    "Antoine",
    "Manon",
    "Hugo",
    "Inès",
    "Mathieu",
    "Sarah",
    "Romain",
    "Élodie",
    "Karim",
    "Amandine",
    "Yanis",
    "Pauline",
    "Guillaume",
  ],
  en: [
    "Emma",
    "James",
    "Olivia",
    "Liam",
    "Ava",
    "Noah",
    "Mia",
    "Lucas",
    "Grace",
    "Ethan",
    "Chloe",
    "Daniel",
    "Ruby",
    "Samuel",
    "Ella",
    "Owen",
    "Isla",
    "Ryan",
    "Holly",
    "Adam",
  ],
};
const LAST = {
  fr: [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "Fontaine",
    "Chevalier",
    "Rousseau",
    "Blanc",
    "Guerin",
  ],
  en: [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
  ],
};
const CITY = {
  fr: [
    "Lyon",
    "Marseille",
    "Toulouse",
    "Nantes",
    "Bordeaux",
    "Lille",
    "Rennes",
    "Strasbourg",
    "Grenoble",
    "Montpellier",
    "Dijon",
    "Angers",
  ],
  en: [
    "Leeds",
    "Bristol",
    "Manchester",
    "Glasgow",
    "Cardiff",
    "Norwich",
    "York",
    "Brighton",
    "Oxford",
    "Bath",
    "Exeter",
    "Derby",
  ],
};
const PRODUCT = {
  fr: [
    "box fibre",
    "forfait mobile",
    "contrat habitation",
    "assurance auto",
    "abonnement premium",
    "décodeur",
    "carte bancaire",
    "livraison express",
    "garantie panne",
    "option international",
  ],
  en: [
    "fibre broadband",
    "mobile plan",
    "home insurance",
    "car policy",
    "premium subscription",
    "set-top box",
    "debit card",
    "express delivery",
    "extended warranty",
    "roaming add-on",
  ],
};
const MONTH = {
  fr: [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
  ],
  en: [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
  ],
};

// Turns are templates; `{x}` slots are filled per call. A call has one main topic (sometimes a
// second one), an opening and a closing, generic agent moves (hold, empathy, recap), and, for a
// third of the calls, an irritated customer. Agent and customer lines differ.
const OPEN = {
  fr: {
    agent: [
      "Bonjour et bienvenue chez {company}, je m'appelle {agent}, que puis-je faire pour vous aujourd'hui ?",
      "Pour des raisons de sécurité, pouvez-vous me confirmer votre date de naissance et votre code postal ?",
      "Très bien, pouvez-vous me rappeler votre numéro de dossier s'il vous plaît ?",
      "Merci {customer}, je vois bien votre {product} souscrit le {day} {month} dernier.",
    ],
    customer: [
      "Oui bonjour, je vous appelle au sujet de mon {product}.",
      "Mon numéro de dossier c'est le {ref}, au nom de {customer} {last}.",
      "Je suis né le {day} {month} et j'habite à {city}.",
    ],
  },
  en: {
    agent: [
      "Good morning and thank you for calling {company}, my name is {agent}, how can I help you today?",
      "For security could you confirm your date of birth and the first line of your postcode?",
      "Right, could you give me your account reference please?",
      "Thanks {customer}, I can see your {product} set up on the {day} of {month}.",
    ],
    customer: [
      "Hi, yes, I'm calling about my {product}.",
      "My reference is {ref}, the account is under {customer} {last}.",
      "My date of birth is the {day} of {month} and I live in {city}.",
    ],
  },
};
const GENERIC = {
  fr: [
    "Je comprends tout à fait, c'est normal de vouloir une réponse claire.",
    "Je vous mets en attente quelques instants le temps de vérifier auprès du service concerné.",
    "Merci d'avoir patienté, j'ai pu regarder votre dossier en détail.",
    "Je note tout cela dans votre dossier pour que mes collègues aient l'historique.",
    "Je vous envoie un récapitulatif par courriel dans la foulée avec la référence {ref}.",
    "Vous pouvez aussi suivre l'avancement depuis votre espace client, rubrique mes demandes.",
    "Je vérifie une dernière chose et je reviens vers vous tout de suite.",
  ],
  en: [
    "I completely understand, anyone would want a clear answer on that.",
    "I'm going to put you on a short hold while I check this with the right team.",
    "Thanks for holding, I've been through your account in detail.",
    "I'm noting all of this on your account so my colleagues have the history.",
    "I'll send you a summary by email straight after this call with the reference {ref}.",
    "You can also track progress in your online account under my requests.",
    "Let me just check one last thing and I'll be right with you.",
  ],
};
const TOPICS = {
  fr: {
    billing: {
      agent: [
        "Effectivement il y a eu un double prélèvement de {amount} euros sur votre compte, c'est une erreur de notre part.",
        "Je lance le remboursement maintenant, vous le verrez apparaître sous cinq à sept jours ouvrés.",
        "Je note également un geste commercial de {small} euros sur votre prochaine facture.",
        "Votre dernière relève de compteur date du {day} {month}, la consommation estimée paraît élevée.",
        "Je peux étaler le paiement du solde en trois mensualités sans frais si cela vous aide.",
        "La facture de {month} comprend aussi la régularisation annuelle, c'est ce qui explique le montant.",
      ],
      customer: [
        "J'ai un souci avec ma facture du mois de {month}, le montant ne correspond pas.",
        "J'ai été prélevé deux fois de {amount} euros et personne ne m'a prévenu.",
        "Et ça va prendre combien de temps exactement pour être remboursé ?",
        "Est-ce que je peux payer par virement plutôt que par prélèvement automatique ?",
        "Vous pouvez me confirmer le montant exact qui sera remboursé ?",
      ],
    },
    technical: {
      agent: [
        "Il faudrait débrancher le boîtier pendant trente secondes puis le rallumer, on essaie ensemble ?",
        "Je constate trois coupures enregistrées cette semaine sur votre ligne, je crée un ticket d'incident.",
        "Je vérifie la compatibilité avec votre équipement, cela prend juste une minute.",
        "Votre technicien passera le {day} {month} entre {hour} heures et {hour2} heures, cela vous convient ?",
        "Le voyant de synchronisation doit être blanc fixe, de quelle couleur est-il chez vous ?",
        "Je lance un test de ligne à distance, ne raccrochez pas.",
      ],
      customer: [
        "Ma connexion coupe tous les soirs vers vingt heures depuis une semaine.",
        "J'ai déjà redémarré la box plusieurs fois, ça ne change rien du tout.",
        "Je suis en télétravail, sans internet je ne peux pas travailler, vous comprenez le problème ?",
        "Le voyant clignote en orange depuis ce matin.",
        "Le {day} {month} ça m'arrange, plutôt le matin si possible.",
      ],
    },
    delivery: {
      agent: [
        "Le colis est parti de notre entrepôt de {city} mardi, le transporteur indique un retard de deux jours.",
        "Est-ce que l'adresse de livraison à {city} est toujours la bonne ?",
        "Je peux vous proposer un échange standard ou un avoir valable douze mois, qu'est-ce qui vous arrange le mieux ?",
        "J'ouvre une enquête auprès du transporteur avec la référence {ref}.",
        "Je vous renvoie un produit neuf en livraison express sans frais.",
      ],
      customer: [
        "Le livreur a laissé un avis de passage alors que j'étais chez moi toute la journée.",
        "Le produit est arrivé cassé, l'emballage était complètement écrasé.",
        "Oui l'adresse c'est toujours à {city}, rien n'a changé.",
        "J'attends cette commande depuis le {day} {month}.",
      ],
    },
    cancellation: {
      agent: [
        "Je vois que votre contrat arrive à échéance le mois prochain, voulez-vous que nous regardions les options de renouvellement ?",
        "Je vous propose de passer sur l'offre {product} qui correspond mieux à votre usage.",
        "Si vous résiliez maintenant, les frais de fin d'engagement s'élèvent à {amount} euros.",
        "Alors, si je résume, nous annulons la commande {ref} et nous recréditons votre compte.",
        "Je peux vous accorder trois mois à moitié prix si vous restez chez nous.",
      ],
      customer: [
        "Je voudrais résilier mon {product}, j'ai trouvé moins cher ailleurs.",
        "Je n'utilise presque plus la ligne, ça ne vaut plus le coup.",
        "Bon, si c'est vraiment moitié prix je veux bien réfléchir.",
        "Ma fille utilise aussi la ligne, il faudrait ajouter une carte supplémentaire.",
      ],
    },
    account: {
      agent: [
        "Je vous envoie un lien de réinitialisation du mot de passe sur votre adresse de contact.",
        "Votre compte a été bloqué après trois tentatives, je le débloque maintenant.",
        "Je mets à jour vos coordonnées, l'ancienne adresse à {city} est supprimée.",
        "Pour votre question, les horaires de l'agence sont de neuf heures à dix-huit heures.",
      ],
      customer: [
        "Je n'arrive plus à me connecter à mon espace client depuis hier.",
        "Je n'ai jamais reçu le courrier de confirmation, ni par la poste ni par mail.",
        "J'ai déménagé à {city}, il faudrait changer mon adresse.",
        "Je voulais juste savoir comment fonctionne l'option {product}.",
      ],
    },
  },
  en: {
    billing: {
      agent: [
        "You're right, you were charged {amount} pounds twice, that was a mistake on our side.",
        "I'm processing the refund now, it should show on your statement within five to seven working days.",
        "I've also added a goodwill credit of {small} pounds to your next bill.",
        "Your last meter reading was on the {day} of {month}, the estimated usage does look high.",
        "I can spread the remaining balance over three monthly payments at no extra cost if that helps.",
        "The {month} bill also includes the annual adjustment, that's what explains the amount.",
      ],
      customer: [
        "There's a problem with my bill from {month}, the amount doesn't look right.",
        "I've been charged {amount} pounds twice and nobody told me anything.",
        "And how long will it take exactly to get the money back?",
        "Can I pay by bank transfer rather than direct debit?",
        "Can you confirm the exact amount that will be refunded?",
      ],
    },
    technical: {
      agent: [
        "Could you unplug the hub for thirty seconds and switch it back on, shall we try that together?",
        "I can see three dropouts logged on your line this week, I'll raise a fault ticket now.",
        "Let me just check that it works with your current equipment, it only takes a minute.",
        "An engineer can come out on the {day} of {month} between {hour} and {hour2}, does that work for you?",
        "The sync light should be solid white, what colour is yours showing?",
        "I'm running a remote line test now, please stay on the line.",
      ],
      customer: [
        "My connection drops every evening around eight o'clock for the past week.",
        "I've already restarted the router several times, it makes no difference at all.",
        "I work from home, without the internet I can't do my job, you see the problem?",
        "The light has been flashing orange since this morning.",
        "The {day} of {month} works for me, mornings if possible.",
      ],
    },
    delivery: {
      agent: [
        "The parcel left our warehouse in {city} on Tuesday, the courier is showing a two day delay.",
        "Is the delivery address in {city} still correct for you?",
        "I can offer a straight replacement or a credit note valid for twelve months, which would suit you best?",
        "I'm opening an investigation with the courier under reference {ref}.",
        "I'll send you a brand new one by express delivery free of charge.",
      ],
      customer: [
        "The driver left a card saying I was out but I was in all day.",
        "The item arrived broken, the box was completely crushed.",
        "Yes the address is still in {city}, nothing's changed.",
        "I've been waiting for this order since the {day} of {month}.",
      ],
    },
    cancellation: {
      agent: [
        "I can see your contract is up for renewal next month, shall we look at the options while I have you?",
        "I'd suggest moving you to the {product} which fits your usage better.",
        "If you cancel now the early termination fee comes to {amount} pounds.",
        "So just to recap, we're cancelling order {ref} and crediting your account.",
        "I can give you three months at half price if you stay with us.",
      ],
      customer: [
        "I'd like to cancel my {product}, I've found it cheaper elsewhere.",
        "I hardly use the line any more, it's not worth it.",
        "Well, if it's really half price I'll think about it.",
        "My daughter uses the line as well, we'd need to add an extra SIM.",
      ],
    },
    account: {
      agent: [
        "I'm sending a password reset link to your contact email address.",
        "Your account was locked after three attempts, I'm unlocking it now.",
        "I'm updating your details, the old address in {city} is removed.",
        "To answer your question, the branch is open from nine until six.",
      ],
      customer: [
        "I can't log in to my online account since yesterday.",
        "I never got the confirmation letter, not by post and not by email.",
        "I've moved to {city}, I need to change my address.",
        "I just wanted to know how the {product} option works.",
      ],
    },
  },
};
const IRRITATED = {
  fr: [
    "C'est la troisième fois que j'appelle pour le même problème, franchement ça commence à bien faire.",
    "On m'avait promis un rappel la semaine dernière et je n'ai jamais eu de nouvelles.",
    "Je voudrais parler à un responsable, ce n'est pas normal d'attendre vingt minutes.",
    "Si ce n'est pas réglé je vais résilier, il y a d'autres opérateurs.",
  ],
  en: [
    "This is the third time I've called about the same thing and honestly I'm getting fed up.",
    "I was promised a call back last week and never heard anything.",
    "I'd like to speak to a manager, it's not right to wait twenty minutes.",
    "If this isn't fixed I'm going to cancel, there are other providers out there.",
  ],
};
const CLOSE = {
  fr: {
    agent: [
      "Y a-t-il autre chose que je puisse faire pour vous aujourd'hui ?",
      "Je vous remercie pour votre confiance et je vous souhaite une très bonne fin de journée.",
    ],
    customer: [
      "Non c'est tout, merci.",
      "Merci beaucoup, vous avez été très efficace, bonne journée à vous aussi.",
    ],
  },
  en: {
    agent: [
      "Is there anything else I can help you with today?",
      "Thank you for your patience and have a lovely rest of your day.",
    ],
    customer: ["No that's all, thanks.", "Thanks very much, that was really helpful, have a good day too."],
  },
};
// Free sentences composed from fragments, so a call's vocabulary is as varied as speech
// (~400 distinct words in 1,500, like real transcripts) rather than a loop over a few lines.
const COMPOSE = {
  fr: [
    [
      "En fait",
      "Honnêtement",
      "Pour être clair",
      "Ce qui se passe",
      "Le plus simple",
      "À mon avis",
      "Normalement",
      "Depuis lundi",
      "La dernière fois",
      "Concrètement",
      "Dans votre cas",
      "Sur le principe",
      "Entre nous",
      "Pour résumer",
      "Sauf erreur",
      "Apparemment",
      "Hier soir",
      "Au départ",
      "Franchement",
      "Quoi qu'il arrive",
    ],
    [
      "le conseiller",
      "mon voisin",
      "le technicien",
      "votre service",
      "la banque",
      "mon fils",
      "le commercial",
      "l'application",
      "le répondeur",
      "la boutique",
      "le site internet",
      "mon employeur",
      "ma belle-mère",
      "le syndic",
      "votre collègue Martine",
      "le livreur",
      "le standard",
      "mon comptable",
      "la mairie",
      "le service juridique",
    ],
    [
      "m'a expliqué",
      "a confirmé",
      "n'a pas compris",
      "devait vérifier",
      "a oublié",
      "voulait modifier",
      "a envoyé",
      "a refusé",
      "devait rappeler",
      "a proposé",
      "a bloqué",
      "a annulé",
      "a égaré",
      "a validé",
      "a contesté",
      "a transmis",
      "a imprimé",
      "a modifié",
      "a signalé",
      "a photocopié",
    ],
    [
      "le changement de tarif",
      "la date d'échéance",
      "le rendez-vous",
      "le numéro de série",
      "la garantie",
      "le devis",
      "le formulaire",
      "les frais de dossier",
      "le remboursement partiel",
      "le code promotionnel",
      "le contrat papier",
      "l'attestation",
      "le relevé bancaire",
      "la carte grise",
      "le mandat de prélèvement",
      "le bon de commande",
      "la quittance",
      "le certificat de conformité",
      "le ticket de caisse",
      "la mise en demeure",
    ],
    [
      "la semaine dernière",
      "avant les vacances",
      "sans me prévenir",
      "par téléphone",
      "en agence",
      "dans la matinée",
      "au début du mois",
      "il y a quinze jours",
      "avec beaucoup de retard",
      "par erreur",
      "deux fois de suite",
      "sans justificatif",
      "juste avant Noël",
      "pendant mon déplacement",
      "à la dernière minute",
      "un dimanche",
      "malgré ma réclamation",
      "sans accusé de réception",
      "après la panne",
      "en recommandé",
    ],
  ],
  en: [
    [
      "Actually",
      "Honestly",
      "To be clear",
      "What happens is",
      "The easiest thing",
      "In my view",
      "Normally",
      "Since Monday",
      "The last time",
      "Basically",
      "In your case",
      "In principle",
      "Between us",
      "To sum up",
      "Unless I'm mistaken",
      "Apparently",
      "Last night",
      "At first",
      "Frankly",
      "Whatever happens",
    ],
    [
      "the adviser",
      "my neighbour",
      "the engineer",
      "your department",
      "the bank",
      "my son",
      "the salesperson",
      "the app",
      "the voicemail",
      "the shop",
      "the website",
      "my employer",
      "my mother-in-law",
      "the landlord",
      "your colleague Martin",
      "the courier",
      "the switchboard",
      "my accountant",
      "the council",
      "the legal team",
    ],
    [
      "explained",
      "confirmed",
      "misunderstood",
      "was supposed to check",
      "forgot",
      "wanted to change",
      "sent",
      "refused",
      "was meant to ring back about",
      "offered",
      "blocked",
      "cancelled",
      "mislaid",
      "approved",
      "disputed",
      "forwarded",
      "printed",
      "amended",
      "reported",
      "photocopied",
    ],
    [
      "the tariff change",
      "the due date",
      "the appointment",
      "the serial number",
      "the warranty",
      "the quote",
      "the form",
      "the admin fee",
      "the partial refund",
      "the promo code",
      "the paper contract",
      "the certificate",
      "the bank statement",
      "the logbook",
      "the direct debit mandate",
      "the purchase order",
      "the receipt",
      "the compliance certificate",
      "the till slip",
      "the formal notice",
    ],
    [
      "last week",
      "before the holidays",
      "without telling me",
      "over the phone",
      "in the branch",
      "this morning",
      "at the start of the month",
      "a fortnight ago",
      "much too late",
      "by mistake",
      "twice in a row",
      "without any proof",
      "just before Christmas",
      "while I was away",
      "at the last minute",
      "on a Sunday",
      "despite my complaint",
      "without a receipt",
      "after the outage",
      "by recorded delivery",
    ],
  ],
};
const compose = (lang, r) => `${COMPOSE[lang].map((part) => r.pick(part)).join(" ")}.`;

const FILLER = {
  fr: ["euh", "alors", "bon", "voilà", "d'accord", "oui oui", "en fait", "du coup", "hum", "c'est ça"],
  en: ["erm", "so", "right", "okay", "yeah", "you know", "actually", "I mean", "hmm", "sure"],
};
const COMPANY = { fr: "Horizon Télécom", en: "Northwind Energy" };
export const CALL_TOPICS = ["billing", "technical", "delivery", "cancellation", "account"];

function fill(t, slots, r) {
  return t.replace(/\{(\w+)\}/g, (_, k) => (typeof slots[k] === "function" ? slots[k](r) : (slots[k] ?? k)));
}

/**
 * A 10-minute call: `{ language, topic, segments: [{ speaker, start, end, text }], words }`.
 * About 150 segments and 1,500 words (one segment every ~4 s, ~10 words each on average).
 */
export function transcript(seed, { language, targetWords = 1500, durationS = 600 } = {}) {
  const r = prng(seed);
  const lang = language ?? (r.chance(0.6) ? "fr" : "en");
  const customer = r.pick(FIRST[lang]);
  const topic = r.pick(CALL_TOPICS);
  const second = r.chance(0.3) ? r.pick(CALL_TOPICS.filter((t) => t !== topic)) : null;
  const irritated = r.chance(0.33);
  const slots = {
    company: COMPANY[lang],
    agent: r.pick(FIRST[lang]),
    customer,
    last: r.pick(LAST[lang]),
    city: r.pick(CITY[lang]),
    product: (rr) => rr.pick(PRODUCT[lang]),
    month: (rr) => rr.pick(MONTH[lang]),
    day: (rr) => String(1 + rr.int(28)),
    amount: (rr) =>
      `${10 + rr.int(190)},${String(rr.int(100)).padStart(2, "0")}`.replace(",", lang === "fr" ? "," : "."),
    small: (rr) => String(5 + rr.int(30)),
    ref: (rr) =>
      `${String.fromCharCode(65 + rr.int(26))}${String.fromCharCode(65 + rr.int(26))}${100000 + rr.int(900000)}`,
    hour: (rr) => String(8 + rr.int(6)),
    hour2: (rr) => String(14 + rr.int(4)),
  };
  const next = { agent: 0, customer: 0 };
  const line = (speaker, phase) => {
    if (phase === "open") return OPEN[lang][speaker][next[speaker]++ % OPEN[lang][speaker].length];
    if (phase === "close") return r.pick(CLOSE[lang][speaker]);
    if (speaker === "customer" && irritated && r.chance(0.08)) return r.pick(IRRITATED[lang]);
    if (speaker === "agent" && r.chance(0.2)) return r.pick(GENERIC[lang]);
    if (r.chance(0.45)) return compose(lang, r);
    const t = second && r.chance(0.25) ? second : topic;
    return r.pick(TOPICS[lang][t][speaker]);
  };
  const segments = [];
  let words = 0;
  let t = 0.4;
  let speaker = "agent";
  while (segments.length < 400 && (words < targetWords || segments.length < 2)) {
    const phase = segments.length < 5 ? "open" : words > targetWords - 60 ? "close" : "body";
    let text = fill(line(speaker, phase), slots, r);
    if (r.chance(0.35)) text = `${r.pick(FILLER[lang])}, ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
    // Short back-channel turns bring the average near 10 words a segment (~150 segments).
    if (phase === "body" && r.chance(0.3)) text = `${r.pick(FILLER[lang])}.`;
    const n = text.split(/\s+/).length;
    const len = Math.max(0.6, n * (0.32 + r() * 0.12));
    const end = Math.min(durationS, t + len);
    segments.push({ speaker, start: Math.round(t * 100) / 100, end: Math.round(end * 100) / 100, text });
    words += n;
    // Gaps, sometimes a long silence (hold); occasional overlap.
    const gap = r.chance(0.04) ? 3 + r() * 12 : r.chance(0.08) ? -0.5 : 0.2 + r() * 1.2;
    t = Math.max(t + 0.2, end + gap);
    if (t > durationS - 1) t = durationS - 1 - r();
    speaker = r.chance(0.85) ? (speaker === "agent" ? "customer" : "agent") : speaker;
  }
  // Spread the turns over the full duration (targetWords fixes the count; the clock is rescaled).
  const last = segments[segments.length - 1].end || 1;
  const k = (durationS - 2) / last;
  for (const s of segments) {
    s.start = Math.round(s.start * k * 100) / 100;
    s.end = Math.max(s.start, Math.round(s.end * k * 100) / 100);
  }
  return { language: lang, topic, segments, words };
}

/** Plain body as the service indexes it (segment texts joined by newlines). */
export const ftsBody = (tr) => tr.segments.map((s) => s.text).join("\n");

// ---- Directory: teams and agents ---------------------------------------------------------

export const TEAMS = [
  "Support N1 Lyon",
  "Support N1 Nantes",
  "Support N2",
  "Facturation",
  "Recouvrement",
  "Ventes entrantes",
  "Ventes sortantes",
  "Fidélisation",
  "Résiliations",
  "Technique fibre",
  "Technique mobile",
  "Sinistres auto",
  "Sinistres habitation",
  "Service client EN",
  "Billing EN",
  "Retention EN",
  "Back office",
  "VIP",
  "Réclamations",
  "Nuit et week-end",
];

/** `n` agents spread over the teams: `{ index, externalId, name, team }`. */
export function agentsDirectory(n, seed = 7) {
  const r = prng(seed);
  const out = [];
  for (let i = 0; i < n; i++) {
    const lang = r.chance(0.75) ? "fr" : "en";
    out.push({
      index: i,
      externalId: `AG-${String(1000 + i)}`,
      name: `${r.pick(FIRST[lang])} ${r.pick(LAST[lang])}`,
      team: TEAMS[i % TEAMS.length],
    });
  }
  return out;
}

/** A French mobile or landline number in national format, as a CCaaS export would give it. */
export function phoneNumber(r) {
  const mobile = r.chance(0.7);
  const digits = Array.from({ length: 8 }, () => r.int(10)).join("");
  return `0${mobile ? (r.chance(0.5) ? 6 : 7) : 1 + r.int(5)} ${digits.replace(/(\d\d)(?=\d)/g, "$1 ")}`;
}
