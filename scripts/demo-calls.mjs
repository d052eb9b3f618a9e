// Demo calls for the dev seed: realistic call-center transcripts, generated deterministically and
// loaded by scripts/dev.mjs through the real API (`POST /api/v1/imports`, NDJSON), so they are
// parsed, redacted, indexed and stored in R2 exactly like a customer's calls.
//
//   - Assurances Horizon (`ten_demo_eu`, French insurer): 40 calls — sinistre auto, suivi de
//     sinistre, bris de glace, dégât des eaux, attestation, résiliation, échéance contestée,
//     changement d'adresse, changement de RIB;
//   - Northwind Telecom (`ten_demo_us`, US telecom): 40 calls — billing dispute, outage,
//     cancellation, upgrade, slow internet, roaming, payment, new phone;
//   - each synthetic tenant (`ten_synth_1…5`): 12 calls in its language and trade.
//
// Each call is one `POST /api/v1/calls` body: externalId `demo-<tenant>-NNN` (chronological),
// startedAt on a business day of the last 30 days (the tenant's business hours and time zone),
// direction, agent (by the seeded external ids, so teams follow), queue, campaign for outbound
// calls, language, a fictional customer phone (French `06 39 98 xx xx`, the ARCEP fiction range;
// US `+1 (415) 555-01xx`), tags, durationS and an inline transcript: mostly JSON segments, some
// plain text with `Conseiller:`/`Client:` prefixes, some WebVTT and SRT. 8–40 turns with speech
// timed by word count, pauses, holds and the odd overlap; a greeting naming the company and the
// agent, the reason for the call, irritants on some (repeat contact, long wait, transfer, churn
// threat, escalation request, billing dispute, rudeness), a closing; a few customers read out a
// card number, an e-mail address or an IBAN so redaction shows (`[CARD]`, `[EMAIL]`, `[IBAN]`…).
//
// Deterministic: one seeded PRNG per tenant; dates are anchored to the UTC day of `now`, so the
// same day gives byte-identical bodies (the API's idempotency on externalId compares bodies).
//
//   node scripts/demo-calls.mjs --print ten_demo_eu | head -c 2000   # the NDJSON
//   node scripts/demo-calls.mjs --stats                               # what each tenant gets
//   node scripts/demo-calls.mjs --print ten_demo_us --now 2026-11-20  # another anchor day

import path from "node:path";
import { pathToFileURL } from "node:url";
import { DEMO_TENANTS, SYNTH_TENANTS } from "./seed.mjs";

export const DEMO_CALLS_PER_DEMO_TENANT = 40;
export const DEMO_CALLS_PER_SYNTH_TENANT = 12;
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Seeded randomness

function hashString(s) {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

class Rng {
  constructor(seed) {
    this.s = typeof seed === "string" ? hashString(seed) : seed >>> 0;
  }
  /** mulberry32: [0, 1). */
  next() {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi] (one argument: [0, lo)). */
  int(lo, hi) {
    if (hi === undefined) return Math.floor(this.next() * lo);
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  range(lo, hi) {
    return lo + this.next() * (hi - lo);
  }
  chance(p) {
    return this.next() < p;
  }
  pick(list) {
    return list[Math.floor(this.next() * list.length)];
  }
  weighted(list, weightOf) {
    const total = list.reduce((s, x) => s + weightOf(x), 0);
    let x = this.next() * total;
    for (const item of list) {
      x -= weightOf(item);
      if (x < 0) return item;
    }
    return list[list.length - 1];
  }
  shuffle(list) {
    const a = [...list];
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
  digits(n) {
    let s = "";
    for (let i = 0; i < n; i++) s += String(this.int(10));
    return s;
  }
}

// ---------------------------------------------------------------------------------------------
// Fake personal data, valid in shape, fictional by construction

function luhnCheckDigit(body) {
  let sum = 0;
  let double = true; // the check digit will be appended at the right
  for (let i = body.length - 1; i >= 0; i--) {
    let d = body.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return String((10 - (sum % 10)) % 10);
}

/** A Luhn-valid 16-digit Visa or Mastercard number, as four groups. */
function cardNumber(r) {
  const body = r.pick(["4970", "4532", "4916", "5132", "5412"]) + r.digits(11);
  const n = body + luhnCheckDigit(body);
  return n.match(/.{4}/g).join(" ");
}

const FR_DIGITS = ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf"];
const EN_DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
/** The way speech-to-text writes a number read out digit by digit. */
const spokenDigits = (digits, lang) =>
  [...digits.replace(/\D/g, "")].map((d) => (lang === "fr" ? FR_DIGITS : EN_DIGITS)[Number(d)]).join(" ");

/** A French IBAN with correct check digits (mod 97), in groups of four. */
function frenchIban(r) {
  const bban = `${r.pick(["30004", "30003", "10278", "20041", "17515"])}${r.digits(5)}${r.digits(11)}${r.digits(2)}`;
  const numeric = `${bban}152700`; // the BBAN, then "FR00" as digits (F = 15, R = 27)
  let m = 0;
  for (const ch of numeric) m = (m * 10 + Number(ch)) % 97;
  const iban = `FR${String(98 - m).padStart(2, "0")}${bban}`;
  return iban.match(/.{1,4}/g).join(" ");
}

/** French mobile numbers in the range ARCEP reserves for fiction (06 39 98 xx xx). */
const frenchPhone = (r) => `06 39 98 ${r.digits(2)} ${r.digits(2)}`;
/** US numbers in the 555-0100…0199 range reserved for fiction. */
const usPhone = (r, area) => `+1 (${area}) 555-01${r.digits(2)}`;

const FR_MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(" ");
const EN_MONTHS =
  "January February March April May June July August September October November December".split(" ");

const FR_FIRST_F = "Marie Nathalie Isabelle Sylvie Catherine Sandrine Céline Aurélie Julie Laetitia Christine Monique Hélène Émilie Pauline Valérie Martine Chantal Agnès Léa".split(" ");
const FR_FIRST_M = "Jean Philippe Laurent Stéphane Frédéric Olivier Christophe Patrick Sébastien Nicolas David Pascal Thierry Julien Alain Bruno Guillaume Romain Franck Éric".split(" ");
const FR_LAST = "Martin Bernard Dubois Durand Lefebvre Leroy Roux Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Faure André Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand Gauthier Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu Gautier Masson Marchand Duval".split(" ");
const EN_FIRST_F = "Jennifer Linda Patricia Susan Karen Lisa Nancy Michelle Laura Rachel Amanda Stephanie Heather Nicole Rebecca Christina Melissa Brenda Diane Tiffany".split(" ");
const EN_FIRST_M = "Michael James Robert John David William Richard Joseph Thomas Christopher Daniel Matthew Anthony Mark Steven Paul Andrew Joshua Brian Ryan".split(" ");
const EN_LAST = "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Moore Jackson Martin Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams Baker Nelson Carter Mitchell Roberts Turner Phillips Campbell Parker Evans Edwards Collins".split(" ");

const FR_MAIL = ["gmail.com", "orange.fr", "free.fr", "laposte.net", "sfr.fr", "hotmail.fr", "wanadoo.fr"];
const EN_MAIL = ["gmail.com", "yahoo.com", "outlook.com", "icloud.com", "comcast.net", "aol.com"];

function asciiLower(s) {
  return s
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z]/g, "");
}

function makeCustomer(r, lang, area) {
  const female = r.chance(0.5);
  const first = r.pick(lang === "fr" ? (female ? FR_FIRST_F : FR_FIRST_M) : female ? EN_FIRST_F : EN_FIRST_M);
  const last = r.pick(lang === "fr" ? FR_LAST : EN_LAST);
  const year = r.int(1951, 2001);
  const month = r.int(0, 11);
  const day = r.int(1, 28);
  const f = asciiLower(first);
  const l = asciiLower(last);
  const local = r.pick([
    { typed: `${f}.${l}`, spoken: lang === "fr" ? `${f} point ${l}` : `${f} dot ${l}` },
    { typed: `${f[0]}${l}${String(year).slice(2)}`, spoken: `${f[0]}${l}${String(year).slice(2)}` },
    { typed: `${f}.${l}`, spoken: lang === "fr" ? `${f} point ${l}` : `${f} dot ${l}` },
    { typed: `${l}.${f}`, spoken: lang === "fr" ? `${l} point ${f}` : `${l} dot ${f}` },
  ]);
  const domain = r.pick(lang === "fr" ? FR_MAIL : EN_MAIL);
  const [host, tld] = domain.split(".");
  return {
    female,
    first,
    last,
    dob:
      lang === "fr"
        ? `${day === 1 ? "1er" : day} ${FR_MONTHS[month]} ${year}`
        : `${EN_MONTHS[month]} ${day}, ${year}`,
    phone: lang === "fr" ? frenchPhone(r) : usPhone(r, area),
    emailTyped: `${local.typed}@${domain}`,
    emailSpoken:
      lang === "fr"
        ? `${local.spoken} arobase ${host} point ${tld}`
        : `${local.spoken} at ${host} dot ${tld}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Dates: business hours in the tenant's time zone, over the 30 days before the anchor day

/** Offset of `timeZone` from UTC at `utcMs`, in ms (e.g. +3_600_000 for Paris in winter). */
function tzOffsetMs(timeZone, utcMs) {
  const name = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" })
    .formatToParts(new Date(utcMs))
    .find((p) => p.type === "timeZoneName")?.value;
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name ?? "");
  if (!m) return 0;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0)) * 60_000;
}

/** UTC ms of a local wall-clock time in `timeZone`. */
function zonedToUtc(timeZone, y, mo, d, h, mi, s) {
  const asUtc = Date.UTC(y, mo, d, h, mi, s);
  const guess = asUtc - tzOffsetMs(timeZone, asUtc);
  return asUtc - tzOffsetMs(timeZone, guess);
}

/** `n` start times (sorted) on business days of the 30 days before `anchorDay` (UTC day number). */
function startTimes(r, n, anchorDay, timeZone) {
  const days = [];
  for (let k = 1; k <= 30; k++) {
    const d = new Date((anchorDay - k) * DAY_MS);
    const dow = d.getUTCDay();
    if (dow === 0) continue; // closed on Sunday
    days.push({ d, weight: dow === 6 ? 0.35 : 1, saturday: dow === 6 });
  }
  // Calls come in waves: mornings and early afternoons are busiest.
  const hours = [
    [8, 0.5],
    [9, 1.4],
    [10, 1.6],
    [11, 1.3],
    [12, 0.6],
    [13, 0.8],
    [14, 1.3],
    [15, 1.2],
    [16, 1.0],
    [17, 0.7],
  ];
  const out = [];
  for (let i = 0; i < n; i++) {
    const day = r.weighted(days, (x) => x.weight);
    const [h] = r.weighted(
      day.saturday ? hours.filter(([x]) => x >= 9 && x < 12) : hours,
      ([, w]) => w,
    );
    const { d } = day;
    out.push(
      zonedToUtc(timeZone, d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), h, r.int(0, 59), r.int(0, 59)),
    );
  }
  return out.sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------
// Phrases every call uses, by language. A string or a list of variants (one is picked);
// `{name}` is filled from the call's variables. No colon in speech: `Word:` at the start of a
// VTT/SRT line would read as a speaker label.

const COMMON = {
  fr: {
    greet: [
      "{company}, bonjour, {agentFirst} à votre écoute. Que puis-je faire pour vous ?",
      "Bonjour, bienvenue chez {company}, je suis {agentFirst}. En quoi puis-je vous aider ?",
      "{company} bonjour, {agentFirst} à l'appareil, je vous écoute.",
      "Bonjour et merci d'avoir patienté. {agentFirst}, service {teamLower} de {company}, que puis-je pour vous ?",
    ],
    greetSloppy: ["Oui, allô ?", "Bonjour, j'écoute.", "Allô oui, c'est pour quoi ?"],
    hello: ["Bonjour.", "Oui, bonjour.", "Bonjour, merci.", "Oui bonjour, alors voilà."],
    longWait: [
      "Ça fait plus de vingt minutes que j'attends en ligne, c'est vraiment long.",
      "J'ai attendu une demi-heure avec votre musique d'attente, franchement c'est pénible.",
      "Enfin quelqu'un ! Ça fait vingt-cinq minutes que je patiente.",
    ],
    longWaitAck: [
      "Je suis vraiment désolé pour ce temps d'attente, nous avons beaucoup d'appels en ce moment. Je m'occupe de vous.",
      "Toutes mes excuses pour l'attente, c'est une grosse journée aujourd'hui. Je vous écoute.",
    ],
    repeat: [
      "C'est la troisième fois que j'appelle pour la même chose et personne ne m'a rappelé.",
      "Je vous ai déjà appelé la semaine dernière et encore mardi, et rien n'a bougé.",
      "Ça fait trois fois que j'explique mon problème, j'en ai assez de répéter.",
    ],
    repeatAck: [
      "Je comprends votre agacement. Je vois vos appels précédents dans l'historique, je vais faire en sorte que ce soit réglé aujourd'hui.",
      "Je suis désolé que vous ayez dû rappeler. Je reprends tout avec vous et je note tout dans le dossier.",
    ],
    askId: [
      "Pour accéder à votre dossier, pouvez-vous me donner votre numéro de {idLabel}, s'il vous plaît ?",
      "Je vais d'abord vous identifier. Vous avez votre numéro de {idLabel} sous la main ?",
      "Pouvez-vous me rappeler votre nom et votre numéro de {idLabel} ?",
    ],
    giveId: [
      "Oui, c'est le {idNumber}, au nom de {custFirst} {custLast}.",
      "Alors, {custFirst} {custLast}, et le numéro c'est {idNumber}.",
      "Attendez, je cherche... voilà, {idNumber}.",
    ],
    askDob: [
      "Merci {custTitle}. Pour vérifier votre identité, vous pouvez me confirmer votre date de naissance ?",
      "Merci. Et votre date de naissance, pour la sécurité ?",
    ],
    giveDob: ["Le {dob}.", "C'est le {dob}."],
    idOk: [
      "Parfait, merci, j'ai bien votre dossier sous les yeux.",
      "Merci, c'est bien vous. Je vous écoute.",
      "Très bien, j'ai votre dossier.",
    ],
    lookup: ["Un instant, je regarde ça.", "Je consulte votre dossier, une seconde.", "Je vérifie, ne quittez pas."],
    holdStart: [
      "Je vais vérifier auprès du service concerné, je vous mets en attente quelques instants, ne quittez pas.",
      "Permettez-moi de vous mettre en attente une minute, le temps de consulter le dossier complet.",
    ],
    holdEnd: ["Merci de votre patience {custTitle}.", "Merci d'avoir patienté, je suis de retour."],
    churn: [
      "Franchement, si ça continue, je résilie tout et je change {switchWord}.",
      "Je vous préviens, si ce n'est pas réglé cette semaine, je vais voir la concurrence.",
      "Ça fait des années que je suis chez vous, mais là je pense sérieusement à partir.",
    ],
    churnAck: [
      "Je comprends votre mécontentement, et je n'ai pas envie de vous perdre. Je fais le nécessaire pour que ce soit réglé rapidement.",
      "Je comprends tout à fait. Laissez-moi une chance de régler ça avant que vous preniez une décision.",
    ],
    escalate: [
      "Je voudrais parler à un responsable, s'il vous plaît.",
      "Passez-moi votre supérieur, je ne veux plus parler à un conseiller.",
      "Est-ce que je peux avoir quelqu'un de plus haut placé ? Ça ne peut plus durer.",
    ],
    escalateAck: [
      "Je peux tout à fait demander à mon responsable de vous rappeler aujourd'hui avant dix-huit heures. En attendant, laissez-moi voir ce que je peux faire moi-même.",
      "Je transmets votre demande à ma superviseure, elle vous rappellera dans la journée. Je note que vous attendez une réponse rapide.",
    ],
    rudeCustomer: [
      "Vous vous fichez de moi ? Vous êtes vraiment des incapables dans cette boîte.",
      "C'est n'importe quoi votre service, vous êtes nuls, franchement.",
      "Arrêtez de me réciter votre script, ça ne sert à rien !",
    ],
    rudeCustomerAck: [
      "Je comprends que vous soyez agacé, mais je vous demande de rester courtois, je fais tout mon possible pour vous aider.",
      "Je vous entends, et je vais vraiment tout faire pour régler ça avec vous.",
    ],
    rudeAgent: [
      "Écoutez, je vous l'ai déjà expliqué deux fois, je ne peux rien faire de plus.",
      "Ce n'est pas moi qui décide, {custTitleShort}, il fallait lire votre contrat.",
    ],
    rudeAgentReply: ["Pardon ? Vous le prenez sur quel ton, là ?", "Vous pourriez être un peu plus aimable, quand même."],
    dispute: [
      "Et au passage, sur mon dernier relevé on m'a prélevé {disputeAmount} euros au lieu de {normalAmount}, je conteste ce montant.",
      "Autre chose, j'ai été débité deux fois de {normalAmount} euros ce mois-ci, je veux être remboursé.",
    ],
    disputeAck: [
      "Je vois effectivement l'écart sur le dernier prélèvement. J'ouvre une réclamation auprès du service facturation, vous aurez une réponse sous cinq jours ouvrés et le trop-perçu vous sera remboursé.",
    ],
    emailAsk: [
      "Je vous envoie {doc} par e-mail. Vous me confirmez votre adresse e-mail ?",
      "Je peux vous envoyer {doc} par mail, quelle adresse dois-je utiliser ?",
    ],
    emailGive: ["Oui, c'est {email}.", "Alors c'est {email}.", "Oui, {email}."],
    emailAck: [
      "C'est noté, vous le recevrez d'ici quelques minutes. Pensez à regarder dans vos courriers indésirables.",
      "Parfait, c'est envoyé.",
    ],
    cardAsk: [
      "Je peux prendre le règlement de {payWhat} par carte bancaire maintenant, si vous le souhaitez.",
      "Vous pouvez régler {payWhat} tout de suite par carte, ce sera plus simple.",
    ],
    cardGive: ["Oui, allons-y. Le numéro de la carte c'est {card}.", "D'accord. Alors, {card}."],
    cardExpiryAsk: ["Merci. Et la date d'expiration ?"],
    cardExpiry: ["{expiry}."],
    cardCvvAsk: ["Et les trois chiffres au dos de la carte ?", "Et le cryptogramme visuel, au dos ?"],
    cardCvv: ["{cvv}."],
    cardOk: [
      "Le paiement de {payAmount} euros est accepté, vous allez recevoir un reçu. Je ne conserve pas vos coordonnées bancaires.",
    ],
    transfer: [
      "Pour cette question, je dois vous transférer au service {otherTeam}, ne quittez pas s'il vous plaît.",
    ],
    transferComplain: [
      "Encore un transfert ? On m'a déjà baladé d'un service à l'autre tout à l'heure !",
      "Vous allez encore me transférer ? C'est la deuxième fois aujourd'hui.",
    ],
    transferAck: [
      "Je comprends. Je reste en ligne jusqu'à ce que mon collègue décroche et je lui explique votre situation, vous n'aurez pas à tout répéter.",
    ],
    transferOk: ["Bon, d'accord, j'attends.", "Très bien."],
    anythingElse: [
      "Est-ce que je peux vous aider pour autre chose ?",
      "Avez-vous une autre question ?",
      "Y a-t-il autre chose que je puisse faire pour vous ?",
    ],
    nothingElse: ["Non, ce sera tout, merci.", "Non, c'est bon, merci pour votre aide.", "Non merci, c'est tout pour aujourd'hui."],
    goodbye: [
      "Merci de votre appel {custTitle}, {company} vous souhaite une excellente journée. Au revoir.",
      "Je vous en prie. Bonne fin de journée {custTitle}, au revoir.",
      "Merci à vous, et bonne journée.",
    ],
    bye: ["Merci, au revoir.", "Au revoir, bonne journée.", "Merci, vous aussi, au revoir."],
    unresolvedBye: ["Bon. J'espère que cette fois ce sera la bonne. Au revoir.", "On verra bien. Au revoir."],
    outboundCheck: ["Bonjour, je suis bien avec {custTitle} ?", "Allô, bonjour, {custTitle} ?"],
    outboundYes: ["Oui, c'est moi.", "Oui, c'est à quel sujet ?"],
    outboundIntro: [
      "{agentFirst}, de {company}. Je vous appelle au sujet de {outboundTopic}, vous avez quelques minutes ?",
      "Ici {agentFirst}, de chez {company}. Je me permets de vous appeler concernant {outboundTopic}, c'est un bon moment ?",
    ],
    outboundOk: ["Oui, allez-y.", "Oui, je vous écoute.", "Ah oui, justement, j'attendais votre appel."],
    filler: [
      ["Vous avez d'autres précisions à me donner sur ce point ?", "Non, je crois que je vous ai tout dit."],
      ["Je résume pour être sûr d'avoir bien compris.", "Oui, c'est bien ça."],
    ],
  },
  en: {
    greet: [
      "Thank you for calling {company}, my name is {agentFirst}, how can I help you today?",
      "{company}, this is {agentFirst} speaking, how may I help you?",
      "Hi, thanks for calling {company}. You've reached {agentFirst} in {teamLower}. What can I do for you?",
    ],
    greetSloppy: ["Yeah, hello?", "Hi, go ahead.", "Hello, what's the problem?"],
    hello: ["Hi.", "Hi, yes.", "Hello there.", "Hey, good morning."],
    longWait: [
      "I've been on hold for over twenty minutes, this is ridiculous.",
      "Finally. I've been waiting almost half an hour to talk to a real person.",
      "I've been sitting on hold forever, I almost hung up.",
    ],
    longWaitAck: [
      "I'm really sorry about the wait, we're experiencing a high volume of calls today. I'm here to help now.",
      "I apologize for the hold time, I appreciate your patience. Let's get this taken care of.",
    ],
    repeat: [
      "This is the third time I'm calling about this and nobody ever called me back.",
      "I already called last week and again on Tuesday and nothing has changed.",
      "I've explained this three times already, I'm tired of repeating myself.",
    ],
    repeatAck: [
      "I completely understand your frustration. I can see your previous calls in the notes, and I'm going to make sure we get this resolved today.",
      "I'm sorry you had to call back. Let me go over everything with you and document it properly this time.",
    ],
    askId: [
      "Can I get your {idLabel} number, please?",
      "To pull up your account, could you give me the {idLabel} number and the name on the account?",
      "Sure, let me look that up. What's the {idLabel} number?",
    ],
    giveId: ["Yeah, it's {idNumber}, under {custFirst} {custLast}.", "It's {idNumber}.", "Hold on, let me find it... okay, {idNumber}."],
    askDob: [
      "Thank you. And for verification, can you confirm your date of birth?",
      "Thanks, {custTitle}. Can you verify the date of birth on the account?",
    ],
    giveDob: ["{dob}.", "It's {dob}."],
    idOk: ["Perfect, thank you. I have your account pulled up.", "Great, you're verified. Go ahead.", "Thank you, I've got your account here."],
    lookup: ["Give me one second, let me look into that.", "Okay, let me pull that up.", "One moment while I check."],
    holdStart: [
      "Let me check with the team on that, I'm going to place you on a brief hold, okay?",
      "Do you mind if I put you on hold for a minute while I look into this?",
    ],
    holdEnd: ["Thank you for holding, {custTitle}.", "Thanks for your patience, I'm back."],
    churn: [
      "Honestly, if this isn't fixed, I'm switching to another {switchWord}.",
      "I'm this close to canceling everything and going with your competitor.",
      "I've been a customer for years, but I'm seriously thinking about leaving.",
    ],
    churnAck: [
      "I understand, and I really don't want to lose you as a customer. Let me do everything I can to fix this today.",
      "I hear you. Give me a chance to make this right before you make any decision.",
    ],
    escalate: [
      "I want to speak to a supervisor.",
      "Can you transfer me to your manager, please? I'm done going in circles.",
      "Let me talk to someone higher up.",
    ],
    escalateAck: [
      "I can absolutely have my supervisor give you a call back today. In the meantime, let me see what I can do for you myself.",
      "I'll escalate this to my team lead right now, and they'll reach out within 24 hours.",
    ],
    rudeCustomer: [
      "Are you kidding me? You people are completely useless.",
      "This is a joke. Do you even know what you're doing?",
      "Stop reading me your script, it's not helping!",
    ],
    rudeCustomerAck: [
      "I understand you're frustrated, and I'm going to do my best to help, but I do ask that we keep this respectful.",
      "I hear you, and I'm going to work on this with you.",
    ],
    rudeAgent: [
      "Look, I've already explained this twice, there's nothing else I can do.",
      "That's not my problem, {custTitleShort}, it's in your contract.",
    ],
    rudeAgentReply: ["Excuse me? Don't take that tone with me.", "Wow. You could be a little nicer about it."],
    dispute: [
      "And while I have you, my last bill was {disputeAmount} dollars instead of the usual {normalAmount}, I'm disputing that charge.",
      "Also, I got charged {normalAmount} dollars twice this month, I want that refunded.",
    ],
    disputeAck: [
      "I do see the difference on the last statement. I'm opening a billing dispute right now, you'll hear back within five business days and any overcharge will be credited back.",
    ],
    emailAsk: ["I'll email you {doc}. Can you confirm your email address?", "What's the best email to send {doc} to?"],
    emailGive: ["Sure, it's {email}.", "Yeah, {email}.", "It's {email}."],
    emailAck: ["Got it, you should see it within a few minutes. Check your spam folder just in case.", "Perfect, that's on its way."],
    cardAsk: ["I can take care of {payWhat} with a card right now if you'd like.", "Would you like to pay {payWhat} today by card?"],
    cardGive: ["Yes, let's do that. The card number is {card}.", "Sure. Okay, it's {card}."],
    cardExpiryAsk: ["Thank you. And the expiration date?"],
    cardExpiry: ["{expiry}."],
    cardCvvAsk: ["And the three-digit security code on the back?"],
    cardCvv: ["{cvv}."],
    cardOk: [
      "Alright, the payment of {payAmount} dollars went through, you'll get a confirmation by text. I don't keep your card details on file.",
    ],
    transfer: ["For that I'll need to transfer you to our {otherTeam} team, please stay on the line."],
    transferComplain: [
      "Another transfer? I've already been bounced around twice today!",
      "You're transferring me again? That's the second time today.",
    ],
    transferAck: [
      "I understand. I'll stay on the line until my colleague picks up and I'll explain everything so you don't have to repeat yourself.",
    ],
    transferOk: ["Fine, I'll wait.", "Okay."],
    anythingElse: ["Is there anything else I can help you with today?", "Anything else I can do for you?"],
    nothingElse: ["No, that's it, thanks.", "Nope, that's everything. Thanks for your help.", "No, I think we're good."],
    goodbye: [
      "Thank you for calling {company}, {custTitle}. Have a great day!",
      "You're welcome. Take care, and have a good one.",
      "Thanks for your patience today. Have a good evening.",
    ],
    bye: ["Thanks, bye.", "You too, bye.", "Alright, bye-bye."],
    unresolvedBye: ["Fine. I hope it's actually fixed this time. Bye.", "We'll see. Goodbye."],
    outboundCheck: ["Hi, am I speaking with {custTitle}?", "Hello, is this {custTitle}?"],
    outboundYes: ["Yes, speaking.", "Yeah, who's this?"],
    outboundIntro: [
      "This is {agentFirst} from {company}. I'm calling about {outboundTopic}, do you have a couple of minutes?",
      "Hi, {agentFirst} with {company} here. I'm reaching out about {outboundTopic}, is now a good time?",
    ],
    outboundOk: ["Sure, go ahead.", "Yeah, I've got a minute.", "Oh good, I was waiting for your call."],
    filler: [
      ["Is there anything else I should know about that?", "No, I think that's everything."],
      ["Just to make sure I have this right, let me read that back to you.", "Yes, that's correct."],
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// Tenants and their calls. A scenario: `team` (its agents take the call), `queue`, `tags`,
// `weight`; `reason` (the customer's first words after hello); `steps`, exchanges in order
// (lines alternate from the agent unless `from: "customer"`; a line may be `{ t, pause }` with
// pause `lookup` — the agent reads the file — or `hold`); `resolution`/`ack`; optional `doc`
// (something to e-mail), `pay` (something to pay by card), `dispute` (a billing dispute fits),
// `repeatProne`, `outbound` (`{ topic, campaign }`: the agent may call the customer), `vars`.

const CARS = ["Clio", "308", "C3", "Golf", "Captur", "Sandero", "Yaris", "2008", "Mégane", "Twingo"];
const PLATE_L = "ABCDEFGHJKLMNPQRSTVWXYZ";
const plate = (r) =>
  `${r.pick([...PLATE_L])}${r.pick([...PLATE_L])}-${r.digits(3)}-${r.pick([...PLATE_L])}${r.pick([...PLATE_L])}`;
const FR_CITIES = ["Lyon", "Villeurbanne", "Nantes", "Rennes", "Toulouse", "Bordeaux", "Lille", "Montpellier", "Grenoble", "Dijon", "Angers", "Tours"];
const FR_STREETS = ["rue des Lilas", "avenue Jean Jaurès", "boulevard Victor Hugo", "rue de la République", "allée des Tilleuls", "rue Pasteur", "chemin des Vignes"];
const euros = (r, lo, hi) => String(r.int(lo, hi));
const dollars = (r, lo, hi) => `${r.int(lo, hi)}.${r.pick(["00", "49", "99", "50", "18", "75"])}`;

const HORIZON = {
  lang: "fr",
  timeZone: "Europe/Paris",
  idLabel: "contrat",
  idNumber: (r) => `HZ ${r.digits(4)} ${r.digits(4)}`,
  switchWord: "d'assureur",
  teamQueues: { "Sinistres auto": "sinistres-auto", Habitation: "habitation", Souscription: "gestion-contrats" },
  vars: (r) => ({
    ref: `SIN-${r.digits(6)}`,
    car: r.pick(CARS),
    plate: plate(r),
    city: r.pick(FR_CITIES),
    street: `${r.int(2, 148)} ${r.pick(FR_STREETS)}`,
    franchise: r.pick(["150", "230", "300", "380"]),
    normalAmount: euros(r, 38, 74),
    disputeAmount: euros(r, 96, 180),
  }),
  scenarios: [
    {
      id: "sinistre_auto",
      team: "Sinistres auto",
      tags: ["sinistre", "auto", "déclaration"],
      weight: 3,
      reason: [
        "J'ai eu un accrochage hier soir en sortant d'un parking, je voudrais déclarer le sinistre.",
        "Je me suis fait emboutir à un feu rouge ce matin, je voudrais savoir comment ça se passe.",
        "Quelqu'un a percuté ma voiture garée devant chez moi cette nuit, il a laissé un mot sur le pare-brise.",
      ],
      steps: [
        ["D'abord, est-ce que tout le monde va bien, il n'y a pas de blessé ?", "Non non, juste de la tôle froissée, heureusement."],
        [
          "Est-ce que vous avez rempli un constat amiable avec l'autre conducteur ?",
          [
            "Oui, on l'a fait sur place, il a reconnu qu'il m'avait percuté par l'arrière.",
            "Oui, mais il n'a pas voulu cocher la case qui le met en tort, du coup je ne sais pas trop.",
            "Il m'a laissé son numéro et le nom de son assurance, mais on n'a pas fait de constat.",
          ],
          "D'accord. Sans constat signé, la procédure sera un peu plus longue, mais on va s'en occuper.",
        ],
        {
          keep: true,
          lines: [
            { t: "C'est bien la {car} immatriculée {plate} qui est concernée ?", pause: "lookup" },
            "Oui, c'est elle.",
          ],
        },
        [
          "Le véhicule peut rouler ?",
          [
            "Oui, elle roule, mais le pare-chocs arrière est enfoncé et le feu est cassé.",
            "Non, elle a été remorquée dans un garage à côté de chez moi, à {city}.",
          ],
        ],
        [
          "Nous avons un réseau de garages agréés, vous n'avancez pas les frais de réparation. Vous voulez que je vous en indique un près de chez vous ?",
          "Ah oui, je veux bien, c'est pratique ça.",
          "Il y en a un à {city}, je vous envoie ses coordonnées par SMS.",
        ],
        [
          "Je vais vous demander une copie du constat et quelques photos des dégâts, à déposer dans votre espace client.",
          "D'accord, je fais ça ce soir.",
        ],
      ],
      resolution: [
        "J'ai ouvert votre dossier sinistre sous la référence {ref}. Un expert vous contactera sous quarante-huit heures pour fixer un rendez-vous.",
        "C'est enregistré, votre dossier porte la référence {ref}. Comme le tiers est identifié, vous n'aurez pas de franchise à payer.",
      ],
      ack: ["Très bien, merci pour ces informations.", "Parfait, merci beaucoup."],
      doc: "le récapitulatif de votre déclaration",
    },
    {
      id: "suivi_sinistre",
      team: "Sinistres auto",
      tags: ["sinistre", "auto", "suivi"],
      weight: 2.5,
      repeatProne: true,
      dispute: false,
      outbound: { topic: "votre dossier sinistre", campaign: "Suivi sinistres" },
      reason: [
        "Je vous appelle pour savoir où en est mon dossier de sinistre, ma voiture est au garage depuis trois semaines.",
        "J'attends toujours le passage de l'expert pour mon accident du mois dernier.",
      ],
      steps: [
        {
          keep: true,
          lines: [
            { t: "Je regarde l'avancement du dossier.", pause: "lookup" },
            "Merci.",
            "Alors, le rapport de l'expert nous est parvenu hier, le garage peut commencer les réparations.",
          ],
        },
        [
          "Je vois que votre contrat comprend un véhicule de remplacement pendant la durée des réparations.",
          "Ah bon ? Personne ne m'en a parlé, je prends les transports depuis deux semaines !",
          "Je suis désolé. Je le réserve tout de suite, vous pourrez le récupérer demain matin à l'agence de {city}.",
        ],
        [
          "Par contre, comme le tiers n'a pas été identifié, il restera la franchise de {franchise} euros à votre charge.",
          "Comment ça, {franchise} euros ? On ne m'a jamais parlé de ça à la déclaration.",
          "Je comprends la surprise. C'est indiqué dans vos conditions particulières, mais je note que l'information ne vous a pas été donnée.",
        ],
        ["Le garage a une estimation de la durée des travaux ?", "Ils m'ont parlé d'une semaine, une fois les pièces reçues."],
      ],
      resolution: [
        "Je relance le garage aujourd'hui et je mets une alerte sur votre dossier {ref} pour que vous soyez rappelé dès que la voiture est prête.",
      ],
      ack: ["D'accord, j'espère que ça va avancer maintenant.", "Bon, merci."],
      pay: { what: "la franchise de {franchise} euros", amount: "{franchise}" },
    },
    {
      id: "bris_de_glace",
      team: "Sinistres auto",
      tags: ["sinistre", "auto", "bris de glace"],
      weight: 1.5,
      reason: [
        "J'ai pris un gravillon sur l'autoroute et mon pare-brise est fissuré.",
        "Mon pare-brise a un impact qui s'agrandit, je voudrais le faire réparer.",
      ],
      steps: [
        ["L'impact est plus grand qu'une pièce de deux euros ?", "Non, c'est un petit impact, mais il y a une fissure qui part du coin."],
        [
          { t: "Vous avez la garantie bris de glace sans franchise sur votre contrat.", pause: "lookup" },
          "Ah, très bien, c'est déjà ça.",
        ],
        [
          "Vous pouvez aller directement chez un de nos partenaires vitrage, ils font la réparation en une heure et nous envoient la facture.",
          "Il y en a un vers {city} ?",
          "Oui, sur la zone commerciale, je vous envoie l'adresse par SMS.",
        ],
      ],
      resolution: ["Je vous crée le dossier bris de glace {ref}, le partenaire n'aura qu'à indiquer ce numéro."],
      ack: ["Super, merci, c'est simple.", "D'accord, merci."],
    },
    {
      id: "degat_des_eaux",
      team: "Habitation",
      tags: ["sinistre", "habitation", "dégât des eaux"],
      weight: 3,
      reason: [
        "J'ai un dégât des eaux, le voisin du dessus a eu une fuite et mon plafond de salle de bain est tout taché.",
        "Il y a de l'eau qui coule du plafond de ma cuisine depuis ce matin, je ne sais pas d'où ça vient.",
        "Je rentre de vacances et mon parquet est gorgé d'eau, il y a eu une fuite sous l'évier.",
      ],
      steps: [
        {
          keep: true,
          lines: [
            "D'abord, est-ce que la fuite est arrêtée ?",
            [
              "Oui, le plombier est passé, c'était un tuyau de la machine à laver du voisin.",
              "Oui, j'ai coupé l'arrivée d'eau, mais ça goutte encore un peu.",
            ],
          ],
        },
        [
          "Est-ce que vous avez rempli un constat amiable dégât des eaux avec votre voisin ?",
          "Pas encore, il est absent jusqu'à la fin de la semaine.",
          "Pas d'inquiétude, vous pouvez le remplir à son retour, l'important c'est de déclarer dans les cinq jours ouvrés.",
        ],
        [
          "Quels sont les dommages chez vous ?",
          "Le plafond de la salle de bain, un mur de la chambre, et le parquet du couloir a gonflé.",
          "Vous avez une idée du montant des réparations ?",
          "Un artisan m'a parlé d'environ deux mille euros.",
        ],
        [
          "Au-delà de mille six cents euros hors taxes, un expert passera chez vous avant les travaux, c'est la convention entre assureurs.",
          "D'accord, et il faut attendre avant de faire réparer ?",
          "Oui, gardez bien les éléments abîmés et prenez des photos, ne jetez rien avant son passage.",
        ],
        ["Est-ce que le logement reste habitable ?", "Oui, ça va, on peut rester."],
      ],
      resolution: [
        "Je déclare le sinistre dégât des eaux sous la référence {ref}. Envoyez-nous le constat et le devis, l'expert vous appellera pour un rendez-vous.",
      ],
      ack: ["Très bien, merci beaucoup.", "D'accord, je vous envoie ça rapidement."],
      doc: "la liste des pièces à fournir",
      dispute: false,
    },
    {
      id: "attestation",
      team: "Habitation",
      tags: ["attestation"],
      weight: 2,
      reason: [
        "J'ai besoin d'une attestation d'assurance habitation pour mon nouveau propriétaire.",
        "Il me faudrait une attestation responsabilité civile pour l'inscription de mon fils au club de foot.",
        "Mon agence immobilière me demande une attestation d'assurance pour la remise des clés.",
      ],
      steps: [
        [
          "Vous savez que vous pouvez la télécharger directement dans votre espace client, rubrique documents ?",
          "Oui, j'ai essayé, mais je n'arrive pas à me connecter, le mot de passe ne marche plus.",
          "Je vous envoie un lien de réinitialisation. En attendant, je vous transmets l'attestation moi-même.",
        ],
        [
          { t: "Je vérifie que votre contrat est bien à jour.", pause: "lookup" },
          "Il n'y a pas de souci normalement.",
          "Non, tout est en ordre, l'attestation est valable jusqu'au 31 décembre.",
        ],
      ],
      resolution: ["L'attestation est générée à votre nom, avec l'adresse du logement assuré."],
      ack: ["Parfait, merci, c'est exactement ce qu'il me fallait.", "Merci, c'est rapide."],
      doc: "l'attestation",
      emailLikely: true,
    },
    {
      id: "resiliation",
      team: "Souscription",
      tags: ["résiliation", "fidélisation"],
      weight: 2.5,
      churnTheme: true,
      outbound: { topic: "votre demande de résiliation", campaign: "Fidélisation" },
      reason: [
        "Je souhaite résilier mon assurance auto, j'ai trouvé beaucoup moins cher ailleurs.",
        "Je vous appelle pour résilier mon contrat habitation, je pars m'installer chez ma compagne.",
        "Je veux résilier, votre cotisation a encore augmenté cette année.",
      ],
      steps: [
        {
          keep: true,
          lines: [
            "Je suis désolé de l'apprendre. Puis-je vous demander ce qui motive votre décision ?",
            [
              "On me propose trois cent quatre-vingts euros par an au lieu de cinq cent vingt chez vous.",
              "Votre tarif a augmenté de douze pour cent, alors que je n'ai eu aucun sinistre.",
            ],
          ],
        },
        [
          { t: "Je regarde ce que je peux faire.", pause: "lookup" },
          "Allez-y.",
          "Vous êtes chez nous depuis huit ans sans sinistre, je peux vous proposer une remise fidélité de quinze pour cent sur la prochaine échéance.",
          [
            "Ça reste plus cher que l'autre offre, mais bon, je vais réfléchir.",
            "Quinze pour cent ? Là ça devient intéressant, je veux bien.",
          ],
        ],
        [
          "Votre contrat a plus d'un an, donc vous pouvez résilier à tout moment, c'est votre nouvel assureur qui fait les démarches.",
          "Ah, je n'ai pas besoin d'envoyer une lettre recommandée ?",
          "Non, plus maintenant. La résiliation prend effet un mois après notre réception de sa demande.",
        ],
      ],
      resolution: [
        "Je note votre demande et je vous envoie la proposition de remise. Si vous la refusez, la résiliation suivra son cours normalement.",
        "C'est noté. Je vous envoie le détail de l'offre, vous avez quinze jours pour me donner votre réponse.",
      ],
      ack: ["D'accord, merci de l'effort.", "Très bien, je regarde ça."],
      doc: "la proposition de remise",
    },
    {
      id: "echeance",
      team: "Souscription",
      tags: ["facturation", "cotisation"],
      weight: 2,
      disputeTheme: true,
      repeatProne: true,
      reason: [
        "Je ne comprends pas ma dernière échéance, elle a augmenté de trente euros d'un coup.",
        "Mon prélèvement de ce mois a été rejeté et je viens de recevoir une lettre de relance.",
        "On m'a prélevé deux fois ma cotisation ce mois-ci.",
      ],
      steps: [
        [
          { t: "Je regarde votre historique de paiements.", pause: "lookup" },
          "Oui, s'il vous plaît.",
          "Je vois une échéance de {disputeAmount} euros en début de mois, au lieu de {normalAmount} euros habituellement.",
        ],
        [
          "Il s'agit de la revalorisation annuelle, plus la régularisation de l'option assistance que vous avez ajoutée en cours d'année.",
          "Mais personne ne m'a prévenu que ça coûterait aussi cher !",
          "Je comprends. L'avenant vous a été envoyé par courrier, mais je vais vous le renvoyer et reprendre le détail avec vous.",
        ],
        [
          "Il reste par ailleurs une échéance impayée de {normalAmount} euros suite au rejet de prélèvement.",
          "Ah oui, j'ai changé de banque, c'est sûrement pour ça.",
        ],
      ],
      resolution: [
        "J'ai vérifié toutes les échéances. Je vous envoie l'échéancier à jour, et j'enlève les frais de relance à titre commercial.",
      ],
      ack: ["Merci, c'est plus clair.", "Bon, d'accord, merci."],
      doc: "l'échéancier à jour",
      pay: { what: "l'échéance impayée de {normalAmount} euros", amount: "{normalAmount}" },
    },
    {
      id: "changement_adresse",
      team: "Souscription",
      tags: ["contrat", "changement d'adresse"],
      weight: 1.5,
      reason: [
        "Je déménage le mois prochain, il faut que je change l'adresse de mon contrat habitation.",
        "On vient d'emménager dans une maison, je dois mettre à jour mon assurance.",
      ],
      steps: [
        ["Quelle est votre nouvelle adresse ?", "C'est au {street}, à {city}."],
        [
          "Il s'agit d'une maison ou d'un appartement, et de combien de pièces ?",
          "Une maison de cinq pièces, avec un jardin et un garage.",
          "D'accord. Le garage est attenant à la maison ?",
          "Oui, il communique avec l'entrée.",
        ],
        [
          { t: "Je calcule la nouvelle cotisation.", pause: "lookup" },
          "D'accord.",
          "Votre cotisation passera à {disputeAmount} euros par mois, à cause de la surface plus grande.",
          "Ah, c'est un peu plus cher, mais c'est logique.",
        ],
        [
          "Pensez aussi à mettre à jour l'adresse de votre contrat auto, je peux le faire en même temps.",
          "Oui, tant qu'à faire, merci.",
        ],
      ],
      resolution: [
        "C'est fait, l'avenant prend effet à la date de votre déménagement, et votre attestation pour le nouveau logement est prête.",
      ],
      ack: ["Parfait, merci pour tout.", "Super, merci."],
      doc: "l'avenant et la nouvelle attestation",
    },
    {
      id: "changement_rib",
      team: "Souscription",
      tags: ["contrat", "changement de RIB"],
      weight: 1,
      vars: (r) => ({ iban: frenchIban(r) }),
      reason: [
        "J'ai changé de banque, je voudrais que les prélèvements se fassent sur mon nouveau compte.",
        "Je dois vous donner mes nouvelles coordonnées bancaires pour le prélèvement.",
      ],
      steps: [
        {
          keep: true,
          lines: [
            "Je peux le faire par téléphone. Vous avez votre nouvel IBAN sous les yeux ?",
            "Oui, c'est {iban}.",
            "Merci. Je vous relis le nom de la banque pour vérifier, il s'agit bien d'un compte à votre nom ?",
            "Oui, c'est un compte joint avec mon conjoint.",
          ],
        },
        [
          "Le prochain prélèvement se fera sur le nouveau compte. Vous recevrez un mandat à signer électroniquement.",
          "D'accord, et pour l'échéance de ce mois ?",
          "Elle est déjà partie sur l'ancien compte, vous n'avez rien à faire.",
        ],
      ],
      resolution: ["C'est enregistré, le mandat de prélèvement vous est envoyé pour signature."],
      ack: ["Merci beaucoup.", "Parfait."],
      doc: "le mandat de prélèvement",
    },
  ],
};

const US_STREETS = ["Valencia Street", "Oak Street", "Mission Street", "Geary Boulevard", "Irving Street", "Divisadero Street", "Hayes Street"];

const NORTHWIND = {
  lang: "en",
  timeZone: "America/Los_Angeles",
  area: "415",
  idLabel: "account",
  idNumber: (r) => `${r.digits(4)} ${r.digits(4)}`,
  switchWord: "carrier",
  teamQueues: { "Technical Support": "tech-support", Billing: "billing", Retention: "retention" },
  vars: (r) => ({
    ref: `NW${r.digits(7)}`,
    normalAmount: dollars(r, 64, 98),
    disputeAmount: dollars(r, 140, 260),
    zip: r.pick(["94110", "94117", "94122", "94103", "94114"]),
    street: `${r.int(100, 2999)} ${r.pick(US_STREETS)}`,
    eta: r.pick(["6 pm", "8 pm tonight", "noon tomorrow"]),
    speed: r.pick(["thirty", "forty", "twelve", "sixty"]),
  }),
  scenarios: [
    {
      id: "billing_dispute",
      team: "Billing",
      tags: ["billing", "dispute"],
      weight: 3,
      disputeTheme: true,
      repeatProne: true,
      reason: [
        "I'm looking at my bill and there's a charge for something called Premium Sports Pack that I never ordered.",
        "My bill jumped to {disputeAmount} dollars this month and nothing changed on my plan.",
        "I was promised a promotional rate of fifty dollars a month and I'm being billed the full price.",
      ],
      steps: [
        {
          keep: true,
          lines: [
            { t: "Let me take a look at your last two statements.", pause: "lookup" },
            "Sure.",
            "Okay, I see the difference. Your promotional credit ended on the last billing cycle, and there's an add-on from the 3rd of the month.",
          ],
        },
        [
          "It looks like the add-on was ordered through the TV menu on your set-top box.",
          "I didn't order anything. Maybe my kids clicked on something, but I never approved that.",
          "I understand. Purchases on the box don't ask for a PIN unless parental controls are on.",
        ],
        [
          "About the promotion, the notes say it was for twelve months, and it started last year.",
          "Nobody told me it would end. The sales rep said it was the price for as long as I stay.",
          "I'm sorry about that confusion. I can't extend the promo itself, but let me see what credits I can apply.",
        ],
        [
          "I can also turn on the purchase PIN so this doesn't happen again.",
          "Yes, please do that.",
        ],
      ],
      resolution: [
        "I've removed the add-on and credited {normalAmount} dollars back to your account, you'll see it on the next statement. The purchase PIN is on now.",
        "I've applied a one-time credit and removed the sports pack. Your next bill should be back to around {normalAmount} dollars.",
      ],
      ack: ["Okay, thank you, that's fair.", "Alright, I appreciate that."],
      pay: { what: "the remaining balance of {normalAmount} dollars", amount: "{normalAmount}" },
      doc: "the updated statement",
    },
    {
      id: "outage",
      team: "Technical Support",
      tags: ["outage", "internet"],
      weight: 3,
      repeatProne: true,
      outbound: { topic: "the service outage in your area", campaign: "Outage follow-up" },
      reason: [
        "My internet has been down since this morning, the light on the modem is blinking red.",
        "Nothing is working, no internet and no TV, since about six am.",
        "The internet keeps dropping every ten minutes since yesterday, I work from home and I can't do my job.",
      ],
      steps: [
        {
          keep: true,
          lines: [
            { t: "Let me check for any outages in your area.", pause: "lookup" },
            "Okay.",
            "I do see a service interruption affecting the {zip} zip code. Our technicians are on site, there was a damaged fiber line.",
          ],
        },
        {
          from: "customer",
          lines: [
            "When will it be fixed?",
            "The current estimate for restoration is {eta}.",
            "That's a whole day without internet. I have meetings all afternoon.",
          ],
        },
        [
          "I understand how disruptive that is. In the meantime, you can use your phone as a hotspot, I can add ten gigs of free data to your line.",
          "Okay, that would help, thank you.",
        ],
        [
          "Once service is back, if the modem light stays red, just unplug it for thirty seconds and plug it back in.",
          "Got it.",
        ],
      ],
      resolution: [
        "I've added an outage credit for today to your account and you'll get a text as soon as service is restored.",
        "I've linked your account to the outage ticket {ref}, so you'll be notified when it's fixed, and a credit for the downtime is applied automatically.",
      ],
      ack: ["Alright, thanks for the information.", "Okay. Thanks."],
    },
    {
      id: "cancellation",
      team: "Retention",
      tags: ["cancellation", "retention"],
      weight: 2.5,
      churnTheme: true,
      outbound: { topic: "your cancellation request", campaign: "Win-back" },
      reason: [
        "I'd like to cancel my service.",
        "I'm moving out of state next month and I need to cancel everything.",
        "I want to cancel, another provider is offering me gigabit for forty dollars a month.",
      ],
      steps: [
        {
          keep: true,
          lines: [
            "I'm sorry to hear that. May I ask what's prompting the cancellation?",
            [
              "Honestly, the price. I'm paying almost a hundred dollars and the service isn't great.",
              "The other company has a better deal and my contract is up.",
            ],
          ],
        },
        [
          { t: "Let me see what offers I have available for your account.", pause: "lookup" },
          "Okay.",
          "Since you've been with us for six years, I can offer you our 500 megabit plan at fifty-five dollars a month, locked for two years.",
          ["Hmm, that's actually not bad. Is there a contract?", "That's still more than the other offer."],
        ],
        [
          "There's no contract, and I can also waive the equipment fee.",
          "Let me think about it. Can you send me the details?",
        ],
        [
          "If you do decide to cancel, you'll need to return the modem within thirty days to avoid the equipment charge.",
          "Okay, where do I drop it off?",
          "At any Northwind store or any UPS location with the prepaid label we'll email you.",
        ],
      ],
      resolution: [
        "I've put the retention offer on hold for you for seven days, you can accept it by replying to the email or calling us back.",
        "I've processed the new plan at the promotional price, it starts on your next billing cycle.",
      ],
      ack: ["Okay, I'll look at it tonight.", "Great, thanks for working with me."],
      doc: "the offer details",
    },
    {
      id: "upgrade",
      team: "Retention",
      tags: ["upgrade", "sales"],
      weight: 1.5,
      outbound: { topic: "an upgrade offer for your plan", campaign: "Fiber upgrade" },
      reason: [
        "I'd like to upgrade to the gigabit plan, we're all working from home now.",
        "I want to add a line for my daughter and maybe get a better phone plan.",
      ],
      steps: [
        [
          { t: "Let me check what's available at your address.", pause: "lookup" },
          "Sure.",
          "Good news, fiber is available at {street}, so you can get up to two gigabits.",
          "Wow, what's the price difference?",
        ],
        [
          "The gigabit plan is twenty dollars more than what you pay now, and the first three months are at your current price.",
          "That sounds good. Do I need a new router?",
          "Yes, we'll ship you a wifi six router at no charge, it arrives in two to three days.",
        ],
        [
          "Would you like a technician to install it, or will you do it yourself?",
          "I'll do it myself, it's just plugging in, right?",
          "Exactly, and the instructions are in the box.",
        ],
      ],
      resolution: ["Your upgrade is confirmed, order number {ref}. The router ships today."],
      ack: ["Perfect, thank you so much.", "Awesome, thanks."],
      doc: "your order confirmation",
      emailLikely: true,
    },
    {
      id: "slow_internet",
      team: "Technical Support",
      tags: ["internet", "speed", "troubleshooting"],
      weight: 2.5,
      repeatProne: true,
      reason: [
        "I'm paying for 500 megs and I'm getting like {speed} megabits on speed tests.",
        "My internet has been really slow in the evenings for about two weeks.",
        "The wifi is terrible upstairs, videos keep buffering.",
      ],
      steps: [
        {
          keep: true,
          lines: [
            { t: "I'm going to run a line test on your modem, it takes about a minute.", pause: "hold" },
            "Okay.",
            "Alright, the signal to the modem looks good, but I see a lot of devices connected on the 2.4 gigahertz band.",
          ],
        },
        [
          "Is your computer connected by wifi or with a cable?",
          "Wifi. The router is downstairs in the living room.",
          "Could you try a speed test with a cable plugged directly into the modem?",
          "I don't think I have a cable long enough.",
        ],
        [
          "Let's restart the modem remotely, it'll be offline for about two minutes.",
          "Okay, go ahead.",
          { t: "Restarting now.", pause: "hold" },
          "The lights are back on.",
        ],
        [
          "Your modem is also an older model. I can send you a new one with a mesh extender for upstairs at no cost.",
          "That would be great, honestly.",
        ],
      ],
      resolution: [
        "I've ordered the replacement modem and the extender, ticket {ref}. If the speed doesn't improve after that, we'll send a technician.",
      ],
      ack: ["Okay, let's try that.", "Thanks, I hope that fixes it."],
    },
    {
      id: "roaming",
      team: "Billing",
      tags: ["roaming", "billing", "mobile"],
      weight: 2,
      disputeTheme: true,
      reason: [
        "I just got back from Mexico and I got charged {disputeAmount} dollars in roaming fees. I was told international was included.",
        "I'm traveling to Europe next week and I want to make sure my phone will work without crazy charges.",
      ],
      steps: [
        {
          keep: true,
          lines: [
            { t: "Let me look at your usage while you were traveling.", pause: "lookup" },
            "Okay.",
            "I see data usage in Mexico from the 12th to the 19th. Your plan includes Mexico and Canada, but only at 2G speed after five gigs.",
          ],
        },
        [
          "So why was I charged?",
          "It looks like a day pass was activated when you went over, at ten dollars per day.",
          "I never activated anything! I got a text but I didn't reply to it.",
        ],
        [
          "For future trips, our Travel Pass gives you your regular plan abroad for ten dollars a day, only on days you use it.",
          "Okay, good to know.",
        ],
      ],
      resolution: [
        "Since the pass was added without a clear confirmation, I've credited the roaming charges back, you'll see it on your next bill.",
        "I can credit half of the charges as a courtesy, and I've turned on usage alerts for your line.",
      ],
      ack: ["Thank you, I appreciate it.", "Alright. I'll take it."],
    },
    {
      id: "payment",
      team: "Billing",
      tags: ["payment", "billing"],
      weight: 1.5,
      reason: [
        "I got a text saying my service will be suspended, I missed my last payment.",
        "I want to pay my bill over the phone, the website keeps giving me an error.",
      ],
      steps: [
        [
          { t: "Let me check your balance.", pause: "lookup" },
          "Okay.",
          "I see a past due balance of {normalAmount} dollars from last month, and the current bill isn't due until the 25th.",
        ],
        [
          "Is there a late fee?",
          "There's a five dollar late fee, but since this is the first time, I'll waive it.",
          "Oh, thank you.",
        ],
        [
          "Would you like to set up autopay? You'd also get a five dollar discount every month.",
          "Sure, why not.",
        ],
      ],
      resolution: ["You're all set, the suspension notice is cancelled and your account is current."],
      ack: ["Great, thank you.", "Perfect, thanks."],
      pay: { what: "the past due balance of {normalAmount} dollars", amount: "{normalAmount}" },
      cardLikely: true,
    },
    {
      id: "new_phone",
      team: "Technical Support",
      tags: ["mobile", "activation"],
      weight: 1.5,
      reason: [
        "I got my new phone yesterday and it says no service.",
        "I'm trying to transfer my number to my new phone and it's been stuck for a day.",
      ],
      steps: [
        [
          "Did you insert the new SIM card, or are you using an eSIM?",
          "It's an eSIM, I scanned the QR code in the box.",
          { t: "Let me check the activation status.", pause: "lookup" },
          "Okay.",
        ],
        [
          "I see the activation is still pending. I'm going to push it through manually.",
          "Do I need to do anything?",
          "Just restart the phone in about two minutes.",
        ],
        [
          "Can you try calling this number back from the new phone once it's restarted?",
          "Sure. Okay, it's restarting... it shows five bars now.",
        ],
      ],
      resolution: ["Your line is active on the new phone, and your old phone will stop working in about an hour."],
      ack: ["Awesome, thank you.", "Great, that was easy."],
    },
  ],
};
