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

// Turns are templates; `{x}` slots are filled per call. Agent and customer lines differ.
const AGENT = {
  fr: [
    "Bonjour et bienvenue chez {company}, je m'appelle {agent}, que puis-je faire pour vous aujourd'hui ?",
    "Très bien, je vais regarder ça tout de suite, pouvez-vous me rappeler votre numéro de dossier s'il vous plaît ?",
    "Merci {customer}, je vois bien votre {product} souscrit le {day} {month} dernier.",
    "Je comprends tout à fait votre agacement, c'est normal de vouloir une réponse claire.",
    "Je vous mets en attente quelques instants le temps de vérifier auprès du service concerné.",
    "Merci d'avoir patienté, j'ai pu vérifier votre dossier avec mon responsable.",
    "Effectivement il y a eu un double prélèvement de {amount} euros sur votre compte, c'est une erreur de notre part.",
    "Je lance le remboursement maintenant, vous le verrez apparaître sous cinq à sept jours ouvrés.",
    "Est-ce que l'adresse de livraison à {city} est toujours la bonne ?",
    "Je vous envoie un récapitulatif par courriel dans la foulée avec la référence {ref}.",
    "Je note également un geste commercial de {small} euros sur votre prochaine facture.",
    "Y a-t-il autre chose que je puisse faire pour vous aujourd'hui ?",
    "D'accord, alors je vous propose de passer sur l'offre {product} qui correspond mieux à votre usage.",
    "Je vérifie la compatibilité avec votre équipement, cela prend juste une minute.",
    "Votre technicien passera le {day} {month} entre {hour} heures et {hour2} heures, cela vous convient ?",
    "Je vous remercie pour votre confiance et je vous souhaite une très bonne fin de journée.",
    "Alors, si je résume, nous annulons la commande {ref} et nous recréditons votre compte.",
    "Je suis désolé pour ce délai, nous avons eu beaucoup d'appels ce matin.",
    "Je vois que votre contrat arrive à échéance le mois prochain, voulez-vous que nous regardions les options de renouvellement ?",
    "Pour des raisons de sécurité, pouvez-vous me confirmer votre date de naissance et votre code postal ?",
    "Le colis est parti de notre entrepôt de {city} mardi, le transporteur indique un retard de deux jours.",
    "Je peux vous proposer un échange standard ou un avoir valable douze mois, qu'est-ce qui vous arrange le mieux ?",
    "Votre dernière relève de compteur date du {day} {month}, la consommation estimée paraît élevée.",
    "Je transmets votre réclamation au service litiges, ils reviendront vers vous sous quarante-huit heures.",
    "Vous pouvez aussi suivre l'avancement depuis votre espace client, rubrique mes demandes.",
    "Il faudrait débrancher le boîtier pendant trente secondes puis le rallumer, on essaie ensemble ?",
    "Je constate trois coupures enregistrées cette semaine sur votre ligne, je crée un ticket d'incident.",
    "La franchise prévue par votre contrat est de {small}0 euros, le reste est pris en charge.",
    "Je peux étaler le paiement du solde en trois mensualités sans frais si cela vous aide.",
    "Un conseiller spécialisé vous rappellera demain matin sur le numéro enregistré.",
  ],
  en: [
    "Good morning and thank you for calling {company}, my name is {agent}, how can I help you today?",
    "Right, let me pull that up for you, could you confirm your account reference please?",
    "Thanks {customer}, I can see your {product} set up on the {day} of {month}.",
    "I completely understand your frustration, anyone would want a clear answer on that.",
    "I'm going to put you on a short hold while I check this with the billing team.",
    "Thanks for holding, I've been through your account with my team leader.",
    "You're right, you were charged {amount} pounds twice, that was a mistake on our side.",
    "I'm processing the refund now, it should show on your statement within five to seven working days.",
    "Is the delivery address in {city} still correct for you?",
    "I'll send you a summary by email straight after this call with the reference {ref}.",
    "I've also added a goodwill credit of {small} pounds to your next bill.",
    "Is there anything else I can help you with today?",
    "In that case I'd suggest moving you to the {product} which fits your usage better.",
    "Let me just check that it works with your current equipment, it only takes a minute.",
    "An engineer can come out on the {day} of {month} between {hour} and {hour2}, does that work for you?",
    "Thank you for your patience and have a lovely rest of your day.",
    "So just to recap, we're cancelling order {ref} and crediting your account.",
    "I'm sorry about the wait, we've had a lot of calls this morning.",
    "I can see your contract is up for renewal next month, shall we look at the options while I have you?",
    "For security could you confirm your date of birth and the first line of your postcode?",
    "The parcel left our warehouse in {city} on Tuesday, the courier is showing a two day delay.",
    "I can offer a straight replacement or a credit note valid for twelve months, which would suit you best?",
    "Your last meter reading was on the {day} of {month}, the estimated usage does look high.",
    "I'm passing your complaint to the disputes team, they'll get back to you within forty eight hours.",
    "You can also track progress in your online account under my requests.",
    "Could you unplug the hub for thirty seconds and switch it back on, shall we try that together?",
    "I can see three dropouts logged on your line this week, I'll raise a fault ticket now.",
    "The excess on your policy is {small}0 pounds, the rest is covered.",
    "I can spread the remaining balance over three monthly payments at no extra cost if that helps.",
    "A specialist adviser will call you back tomorrow morning on the number we hold.",
  ],
};
const CUSTOMER = {
  fr: [
    "Oui bonjour, j'appelle parce que j'ai un souci avec ma facture du mois de {month}.",
    "C'est la troisième fois que j'appelle pour le même problème, franchement ça commence à bien faire.",
    "Mon numéro de dossier c'est le {ref}, au nom de {customer} {last}.",
    "J'ai été prélevé deux fois de {amount} euros et personne ne m'a prévenu.",
    "Euh oui, d'accord, je patiente.",
    "Et ça va prendre combien de temps exactement pour être remboursé ?",
    "Oui l'adresse c'est toujours à {city}, rien n'a changé.",
    "Bon, si c'est réglé aujourd'hui ça me va, merci.",
    "Non c'est tout, enfin si, je voulais aussi savoir si je peux changer d'offre.",
    "Ma connexion coupe tous les soirs vers vingt heures depuis une semaine.",
    "J'ai déjà redémarré la box plusieurs fois, ça ne change rien du tout.",
    "Si ce n'est pas réglé je vais résilier, il y a d'autres opérateurs.",
    "Le {day} {month} ça m'arrange, plutôt le matin si possible.",
    "D'accord, je vais attendre le courriel alors.",
    "Ah oui mince, je n'avais pas vu ce message, excusez-moi.",
    "Merci beaucoup, vous avez été très efficace, bonne journée à vous aussi.",
    "Je suis en télétravail, sans internet je ne peux pas travailler, vous comprenez le problème ?",
    "On m'avait promis un rappel la semaine dernière et je n'ai jamais eu de nouvelles.",
    "Le livreur a laissé un avis de passage alors que j'étais chez moi toute la journée.",
    "Ma voisine a eu le même souci avec sa facture, c'est un problème général chez vous ?",
    "Je voudrais parler à un responsable, ce n'est pas normal d'attendre vingt minutes.",
    "Est-ce que je peux payer par virement plutôt que par prélèvement automatique ?",
    "Le produit est arrivé cassé, l'emballage était complètement écrasé.",
    "Ma fille utilise aussi la ligne, il faudrait ajouter une carte supplémentaire.",
    "Je n'ai jamais reçu le courrier de confirmation, ni par la poste ni par mail.",
    "Vous pouvez me confirmer le montant exact qui sera remboursé ?",
  ],
  en: [
    "Hi, yes, I'm calling because there's a problem with my bill from {month}.",
    "This is the third time I've called about the same thing and honestly I'm getting fed up.",
    "My reference is {ref}, the account is under {customer} {last}.",
    "I've been charged {amount} pounds twice and nobody told me anything.",
    "Erm, yes, fine, I'll hold.",
    "And how long will it take exactly to get the money back?",
    "Yes the address is still in {city}, nothing's changed.",
    "Okay, if it's sorted today then that's fine, thanks.",
    "No that's all, well actually, I wanted to ask whether I can switch plans.",
    "My connection drops every evening around eight o'clock for the past week.",
    "I've already restarted the router several times, it makes no difference at all.",
    "If this isn't fixed I'm going to cancel, there are other providers out there.",
    "The {day} of {month} works for me, mornings if possible.",
    "Right, I'll wait for the email then.",
    "Oh yes sorry, I hadn't seen that message.",
    "Thanks very much, that was really helpful, have a good day too.",
    "I work from home, without the internet I can't do my job, you see the problem?",
    "I was promised a call back last week and never heard anything.",
    "The driver left a card saying I was out but I was in all day.",
    "My neighbour had the same issue with her bill, is this a wider problem?",
    "I'd like to speak to a manager, it's not right to wait twenty minutes.",
    "Can I pay by bank transfer rather than direct debit?",
    "The item arrived broken, the box was completely crushed.",
    "My daughter uses the line as well, we'd need to add an extra SIM.",
    "I never got the confirmation letter, not by post and not by email.",
    "Can you confirm the exact amount that will be refunded?",
  ],
};
const FILLER = {
  fr: ["euh", "alors", "bon", "voilà", "d'accord", "oui oui", "en fait", "du coup", "hum", "c'est ça"],
  en: ["erm", "so", "right", "okay", "yeah", "you know", "actually", "I mean", "hmm", "sure"],
};
const COMPANY = { fr: "Horizon Télécom", en: "Northwind Energy" };

function fill(t, slots, r) {
  return t.replace(/\{(\w+)\}/g, (_, k) => (typeof slots[k] === "function" ? slots[k](r) : (slots[k] ?? k)));
}

/**
 * A 10-minute call: `{ language, segments: [{ speaker, start, end, text }], words }`. About
 * 150 segments and 1,500 words (one segment every ~4 s, 8–12 words each on average).
 */
export function transcript(seed, { language, targetWords = 1500, durationS = 600 } = {}) {
  const r = prng(seed);
  const lang = language ?? (r.chance(0.6) ? "fr" : "en");
  const customer = r.pick(FIRST[lang]);
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
  const segments = [];
  let words = 0;
  let t = 0.4;
  let speaker = "agent";
  let ai = 0;
  let ci = 0;
  while (segments.length < 400 && (words < targetWords || segments.length < 2)) {
    const bank = speaker === "agent" ? AGENT[lang] : CUSTOMER[lang];
    // Mostly in order (a call has a shape), sometimes a jump back or forward.
    const idx = r.chance(0.7) ? (speaker === "agent" ? ai++ : ci++) % bank.length : r.int(bank.length);
    let text = fill(bank[idx], slots, r);
    if (r.chance(0.35)) text = `${r.pick(FILLER[lang])}, ${text.charAt(0).toLowerCase()}${text.slice(1)}`;
    // Short back-channel turns bring the average near 10 words a segment (~150 segments).
    if (r.chance(0.3)) text = `${r.pick(FILLER[lang])}.`;
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
  return { language: lang, segments, words };
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
