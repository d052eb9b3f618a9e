// Demo calls for the dev seed: realistic call-center transcripts, generated deterministically and
// loaded by scripts/dev.mjs through the real API (an upload, then `POST /api/v1/imports` and the
// import job: scripts/demo-import.mjs), so they are parsed, redacted, indexed and stored in R2
// exactly like a customer's calls.
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

const FR_MONTHS =
  "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(" ");
const EN_MONTHS =
  "January February March April May June July August September October November December".split(" ");

const FR_FIRST_F =
  "Marie Nathalie Isabelle Sylvie Catherine Sandrine Céline Aurélie Julie Laetitia Christine Monique Hélène Émilie Pauline Valérie Martine Chantal Agnès Léa".split(
    " ",
  );
const FR_FIRST_M =
  "Jean Philippe Laurent Stéphane Frédéric Olivier Christophe Patrick Sébastien Nicolas David Pascal Thierry Julien Alain Bruno Guillaume Romain Franck Éric".split(
    " ",
  );
const FR_LAST =
  "Martin Bernard Dubois Durand Lefebvre Leroy Roux Morel Fournier Girard Bonnet Dupont Lambert Fontaine Rousseau Vincent Muller Faure André Mercier Blanc Guérin Boyer Garnier Chevalier François Legrand Gauthier Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu Gautier Masson Marchand Duval".split(
    " ",
  );
const EN_FIRST_F =
  "Jennifer Linda Patricia Susan Karen Lisa Nancy Michelle Laura Rachel Amanda Stephanie Heather Nicole Rebecca Christina Melissa Brenda Diane Tiffany".split(
    " ",
  );
const EN_FIRST_M =
  "Michael James Robert John David William Richard Joseph Thomas Christopher Daniel Matthew Anthony Mark Steven Paul Andrew Joshua Brian Ryan".split(
    " ",
  );
const EN_LAST =
  "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Moore Jackson Martin Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright Scott Hill Green Adams Baker Nelson Carter Mitchell Roberts Turner Phillips Campbell Parker Evans Edwards Collins".split(
    " ",
  );

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
    const [h] = r.weighted(day.saturday ? hours.filter(([x]) => x >= 9 && x < 12) : hours, ([, w]) => w);
    const { d } = day;
    out.push(
      zonedToUtc(
        timeZone,
        d.getUTCFullYear(),
        d.getUTCMonth(),
        d.getUTCDate(),
        h,
        r.int(0, 59),
        r.int(0, 59),
      ),
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
    lookup: [
      "Un instant, je regarde ça.",
      "Je consulte votre dossier, une seconde.",
      "Je vérifie, ne quittez pas.",
    ],
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
    rudeAgentReply: [
      "Pardon ? Vous le prenez sur quel ton, là ?",
      "Vous pourriez être un peu plus aimable, quand même.",
    ],
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
    nothingElse: [
      "Non, ce sera tout, merci.",
      "Non, c'est bon, merci pour votre aide.",
      "Non merci, c'est tout pour aujourd'hui.",
    ],
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
      "{agentFirst}, {ofCompany}. Je vous appelle au sujet de {outboundTopic}, vous avez quelques minutes ?",
      "Ici {agentFirst}, de chez {company}. Je me permets de vous appeler concernant {outboundTopic}, c'est un bon moment ?",
    ],
    outboundOk: ["Oui, allez-y.", "Oui, je vous écoute.", "Ah oui, justement, j'attendais votre appel."],
    outboundAskDob: ["Pour des raisons de sécurité, vous pouvez me confirmer votre date de naissance ?"],
    outboundIdOk: ["Merci, c'est bien vous.", "Parfait, merci."],
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
    giveId: [
      "Yeah, it's {idNumber}, under {custFirst} {custLast}.",
      "It's {idNumber}.",
      "Hold on, let me find it... okay, {idNumber}.",
    ],
    askDob: [
      "Thank you. And for verification, can you confirm your date of birth?",
      "Thanks, {custTitle}. Can you verify the date of birth on the account?",
    ],
    giveDob: ["{dob}.", "It's {dob}."],
    idOk: [
      "Perfect, thank you. I have your account pulled up.",
      "Great, you're verified. Go ahead.",
      "Thank you, I've got your account here.",
    ],
    lookup: [
      "Give me one second, let me look into that.",
      "Okay, let me pull that up.",
      "One moment while I check.",
    ],
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
    rudeAgentReply: [
      "Excuse me? Don't take that tone with me.",
      "Wow. You could be a little nicer about it.",
    ],
    dispute: [
      "And while I have you, my last bill was {disputeAmount} dollars instead of the usual {normalAmount}, I'm disputing that charge.",
      "Also, I got charged {normalAmount} dollars twice this month, I want that refunded.",
    ],
    disputeAck: [
      "I do see the difference on the last statement. I'm opening a billing dispute right now, you'll hear back within five business days and any overcharge will be credited back.",
    ],
    emailAsk: [
      "I'll email you {doc}. Can you confirm your email address?",
      "What's the best email to send {doc} to?",
    ],
    emailGive: ["Sure, it's {email}.", "Yeah, {email}.", "It's {email}."],
    emailAck: [
      "Got it, you should see it within a few minutes. Check your spam folder just in case.",
      "Perfect, that's on its way.",
    ],
    cardAsk: [
      "I can take care of {payWhat} with a card right now if you'd like.",
      "Would you like to pay {payWhat} today by card?",
    ],
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
    nothingElse: [
      "No, that's it, thanks.",
      "Nope, that's everything. Thanks for your help.",
      "No, I think we're good.",
    ],
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
    outboundAskDob: ["Before we go on, can you confirm your date of birth for me?"],
    outboundIdOk: ["Thank you, that's verified.", "Perfect, thanks."],
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
const FR_CITIES = [
  "Lyon",
  "Villeurbanne",
  "Nantes",
  "Rennes",
  "Toulouse",
  "Bordeaux",
  "Lille",
  "Montpellier",
  "Grenoble",
  "Dijon",
  "Angers",
  "Tours",
];
const FR_STREETS = [
  "rue des Lilas",
  "avenue Jean Jaurès",
  "boulevard Victor Hugo",
  "rue de la République",
  "allée des Tilleuls",
  "rue Pasteur",
  "chemin des Vignes",
];
const euros = (r, lo, hi) => String(r.int(lo, hi));
const dollars = (r, lo, hi) => `${r.int(lo, hi)}.${r.pick(["00", "49", "99", "50", "18", "75"])}`;

const HORIZON = {
  lang: "fr",
  timeZone: "Europe/Paris",
  idLabel: "contrat",
  idNumber: (r) => `HZ ${r.digits(4)} ${r.digits(4)}`,
  switchWord: "d'assureur",
  teamQueues: {
    "Sinistres auto": "sinistres-auto",
    Habitation: "habitation",
    Souscription: "gestion-contrats",
  },
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
        [
          "D'abord, est-ce que tout le monde va bien, il n'y a pas de blessé ?",
          "Non non, juste de la tôle froissée, heureusement.",
        ],
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
      outbound: {
        topic: "votre dossier sinistre",
        campaign: "Suivi sinistres",
        reply:
          "Ah oui, justement, ma voiture est au garage depuis trois semaines et je n'ai aucune nouvelle.",
      },
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
        [
          "Le garage a une estimation de la durée des travaux ?",
          "Ils m'ont parlé d'une semaine, une fois les pièces reçues.",
        ],
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
        [
          "L'impact est plus grand qu'une pièce de deux euros ?",
          "Non, c'est un petit impact, mais il y a une fissure qui part du coin.",
        ],
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
      resolution: [
        "Je vous crée le dossier bris de glace {ref}, le partenaire n'aura qu'à indiquer ce numéro.",
      ],
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
      outbound: {
        topic: "votre demande de résiliation",
        campaign: "Fidélisation",
        reply: "Oui, j'ai envoyé ma demande la semaine dernière, j'ai trouvé moins cher ailleurs.",
      },
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
        {
          keep: true,
          lines: [
            { t: "Je regarde votre historique de paiements.", pause: "lookup" },
            "Oui, s'il vous plaît.",
            "Je vois une échéance de {disputeAmount} euros en début de mois, au lieu de {normalAmount} euros habituellement.",
          ],
        },
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
        { keep: true, lines: ["Quelle est votre nouvelle adresse ?", "C'est au {street}, à {city}."] },
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

const US_STREETS = [
  "Valencia Street",
  "Oak Street",
  "Mission Street",
  "Geary Boulevard",
  "Irving Street",
  "Divisadero Street",
  "Hayes Street",
];

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
        ["I can also turn on the purchase PIN so this doesn't happen again.", "Yes, please do that."],
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
      outbound: {
        topic: "the service outage in your area",
        campaign: "Outage follow-up",
        reply: "Yes, the internet has been down since this morning. Is it fixed?",
      },
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
      outbound: {
        topic: "your cancellation request",
        campaign: "Win-back",
        reply: "Yeah, I put in a request to cancel last week.",
      },
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
      outbound: {
        topic: "an upgrade offer for your plan",
        campaign: "Fiber upgrade",
        reply: "Sure, what's the offer?",
      },
      reason: [
        "I'd like to upgrade to the gigabit plan, we're all working from home now.",
        "I want to add a line for my daughter and maybe get a better phone plan.",
      ],
      steps: [
        {
          keep: true,
          lines: [
            { t: "Let me check what's available at your address.", pause: "lookup" },
            "Sure.",
            "Good news, fiber is available at {street}, so you can get up to two gigabits.",
            "Wow, what's the price difference?",
          ],
        },
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
        {
          from: "customer",
          lines: [
            "So why was I charged?",
            "It looks like a day pass was activated when you went over, at ten dollars per day.",
            "I never activated anything! I got a text but I didn't reply to it.",
          ],
        },
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
        {
          keep: true,
          lines: [
            { t: "Let me check your balance.", pause: "lookup" },
            "Okay.",
            "I see a past due balance of {normalAmount} dollars from last month, and the current bill isn't due until the 25th.",
          ],
        },
        {
          from: "customer",
          lines: [
            "Is there a late fee?",
            "There's a five dollar late fee, but since this is the first time, I'll waive it.",
            "Oh, thank you.",
          ],
        },
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
        {
          keep: true,
          lines: [
            "Did you insert the new SIM card, or are you using an eSIM?",
            "It's an eSIM, I scanned the QR code in the box.",
            { t: "Let me check the activation status.", pause: "lookup" },
            "Okay.",
          ],
        },
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
      resolution: [
        "Your line is active on the new phone, and your old phone will stop working in about an hour.",
      ],
      ack: ["Awesome, thank you.", "Great, that was easy."],
    },
  ],
};

/** The synthetic tenants (seed.mjs SYNTH_TENANTS), by number. */
const SYNTH_PROFILES = {
  1: {
    lang: "fr",
    timeZone: "Europe/Paris",
    idLabel: "client",
    idNumber: (r) => `${r.digits(4)} ${r.digits(4)}`,
    switchWord: "de banque",
    teamQueues: { Particuliers: "particuliers", Professionnels: "professionnels" },
    vars: (r) => ({
      ref: `BA${r.digits(6)}`,
      normalAmount: euros(r, 8, 19),
      disputeAmount: euros(r, 29, 65),
      merchant: r.pick(["STREAMFLIX", "WEBSHOP EU", "ABO MUSIQUE", "PAYLINE SERVICES"]),
    }),
    scenarios: [
      {
        id: "opposition_carte",
        team: "Particuliers",
        tags: ["carte", "opposition"],
        weight: 3,
        dispute: false,
        reason: [
          "J'ai perdu ma carte bancaire, je crois qu'on me l'a volée dans le métro, je veux faire opposition.",
          "Ma carte a été avalée par un distributeur hier soir et je ne la retrouve plus.",
        ],
        steps: [
          {
            keep: true,
            lines: [
              "Je m'en occupe tout de suite. Vous avez le numéro de la carte, ou je la retrouve avec votre numéro client ?",
              "Je l'ai noté quelque part, attendez... c'est le {card}.",
              { t: "Merci, je retrouve bien la carte.", pause: "lookup" },
            ],
          },
          [
            "Il y a eu des opérations que vous ne reconnaissez pas depuis la perte ?",
            "Je vois un paiement de {disputeAmount} euros chez {merchant} ce matin, ce n'est pas moi.",
            "Je note l'opération contestée, elle vous sera remboursée après l'opposition.",
          ],
          [
            "La carte est maintenant bloquée. Une nouvelle carte vous sera envoyée sous cinq jours ouvrés.",
            "Et d'ici là, comment je fais pour retirer de l'argent ?",
            "Vous pouvez faire un retrait sans carte dans n'importe quelle agence avec une pièce d'identité.",
          ],
        ],
        resolution: [
          "L'opposition est enregistrée sous la référence {ref}, et la nouvelle carte est commandée.",
        ],
        ack: ["Merci, ça me rassure.", "D'accord, merci beaucoup."],
      },
      {
        id: "prelevement_conteste",
        team: "Particuliers",
        tags: ["prélèvement", "contestation"],
        weight: 2,
        disputeTheme: true,
        repeatProne: true,
        reason: [
          "J'ai un prélèvement de {normalAmount} euros tous les mois que je ne reconnais pas.",
          "On m'a débité deux fois le même abonnement ce mois-ci.",
        ],
        steps: [
          {
            keep: true,
            lines: [
              { t: "Je regarde vos opérations des trois derniers mois.", pause: "lookup" },
              "D'accord.",
              "Je vois un prélèvement mensuel de {normalAmount} euros au nom de {merchant} depuis mars.",
              "Je n'ai jamais souscrit à ça.",
            ],
          },
          [
            "Vous pouvez contester un prélèvement non autorisé jusqu'à treize mois après le débit.",
            "Donc je peux récupérer tout ce qui a été prélevé ?",
            "Oui, et je bloque aussi ce créancier pour qu'il ne puisse plus prélever.",
          ],
        ],
        resolution: ["J'ai lancé la contestation, référence {ref}. Le remboursement arrive sous dix jours."],
        ack: ["Parfait, merci.", "Bon, merci."],
        doc: "le formulaire de contestation",
      },
      {
        id: "terminal_paiement",
        team: "Professionnels",
        tags: ["professionnel", "terminal de paiement"],
        weight: 1.5,
        reason: [
          "Mon terminal de paiement ne transmet plus les transactions depuis hier soir, j'ai un restaurant.",
          "Mon terminal de paiement affiche une erreur de connexion, je ne peux plus encaisser par carte.",
        ],
        steps: [
          [
            { t: "Je vérifie l'état de votre contrat commerçant.", pause: "lookup" },
            "Faites vite, j'ai le service de midi qui arrive.",
            "Je vois que les télécollectes échouent depuis hier vingt-deux heures. Le terminal est branché en wifi ?",
            "Oui, sur la box du restaurant.",
          ],
          {
            keep: true,
            lines: [
              "Essayez de le redémarrer en maintenant le bouton rouge, puis lancez une télécollecte manuelle.",
              { t: "Attendez, je fais ça.", pause: "lookup" },
              "Qu'est-ce qui s'affiche à l'écran ?",
              "Ça indique transfert réussi.",
            ],
          },
        ],
        resolution: ["Les transactions d'hier sont bien remontées, elles seront créditées demain."],
        ack: ["Ouf, merci.", "Très bien, merci."],
      },
    ],
  },
  2: {
    lang: "en",
    timeZone: "America/Chicago",
    area: "312",
    idLabel: "account",
    idNumber: (r) => `${r.digits(4)} ${r.digits(4)}`,
    switchWord: "supplier",
    teamQueues: { Billing: "billing", Outages: "outages" },
    vars: (r) => ({
      ref: `LE${r.digits(6)}`,
      normalAmount: dollars(r, 84, 140),
      disputeAmount: dollars(r, 260, 410),
      street: `${r.int(100, 4999)} ${r.pick(["North Ashland Avenue", "West Belmont Avenue", "South Halsted Street", "West Armitage Avenue"])}`,
    }),
    scenarios: [
      {
        id: "high_bill",
        team: "Billing",
        tags: ["billing", "high bill"],
        weight: 3,
        disputeTheme: true,
        reason: [
          "My bill is {disputeAmount} dollars this month, it's usually around {normalAmount}. That can't be right.",
          "My electric bill doubled and we were away for two weeks.",
        ],
        steps: [
          {
            keep: true,
            lines: [
              { t: "Let me look at your meter readings.", pause: "lookup" },
              "Okay.",
              "This bill was based on an estimated reading, because our reader couldn't access the meter last month.",
            ],
          },
          [
            "Could you read me the numbers on your meter? It's usually by the back door.",
            "Hold on, I'll go look... okay, it says 4 8 2 1 7.",
            "Thank you. That's quite a bit lower than our estimate.",
          ],
        ],
        resolution: [
          "I've rebilled your account on the actual reading. Your corrected bill is {normalAmount} dollars.",
        ],
        ack: ["That's more like it. Thank you.", "Great, thanks."],
        pay: { what: "the corrected bill of {normalAmount} dollars", amount: "{normalAmount}" },
      },
      {
        id: "power_outage",
        team: "Outages",
        tags: ["outage", "power"],
        weight: 3,
        repeatProne: true,
        reason: [
          "The power's been out on my whole street since seven this morning.",
          "We lost power after the storm last night and we still don't have it back.",
        ],
        steps: [
          {
            keep: true,
            lines: [
              { t: "Let me check the outage map for your address.", pause: "lookup" },
              "It's {street}.",
              "Yes, there's a downed line two blocks from you, crews are working on it.",
            ],
          },
          [
            "Is anyone in the home using medical equipment that needs power?",
            "Yes, my father uses an oxygen concentrator. He's on the backup battery.",
            "I'm flagging your address as a priority. If the battery runs low, call 911 or go to the cooling center on Belmont.",
          ],
        ],
        resolution: [
          "Estimated restoration is around 4 pm. You'll get a text when power is back, ticket {ref}.",
        ],
        ack: ["Okay, thank you for the priority.", "Thanks."],
      },
      {
        id: "start_service",
        team: "Billing",
        tags: ["moving", "start service"],
        weight: 1.5,
        reason: ["I'm moving next month and I need to transfer my service to my new apartment."],
        steps: [
          ["What's the new address?", "It's {street}, apartment 3B."],
          [
            "And what date would you like service to start there, and stop at your current address?",
            "The first of the month for both.",
          ],
        ],
        resolution: ["All set, the transfer is scheduled for the first, confirmation number {ref}."],
        ack: ["Great, thanks.", "Perfect."],
        doc: "the confirmation",
        emailLikely: true,
      },
    ],
  },
  3: {
    lang: "fr",
    timeZone: "Europe/Paris",
    idLabel: "adhérent",
    idNumber: (r) => `MRA ${r.digits(4)} ${r.digits(4)}`,
    switchWord: "de mutuelle",
    teamQueues: { Remboursements: "remboursements", Adhésions: "adhesions" },
    vars: (r) => ({
      ref: `RB${r.digits(6)}`,
      normalAmount: euros(r, 42, 68),
      disputeAmount: euros(r, 120, 380),
    }),
    scenarios: [
      {
        id: "remboursement_optique",
        team: "Remboursements",
        tags: ["remboursement", "optique"],
        weight: 3,
        repeatProne: true,
        reason: [
          "J'ai envoyé la facture de mes lunettes il y a un mois et je n'ai toujours rien reçu.",
          "Je n'ai été remboursé que de cinquante euros sur des lunettes à quatre cents euros, je ne comprends pas.",
        ],
        steps: [
          {
            keep: true,
            lines: [
              { t: "Je regarde vos derniers remboursements.", pause: "lookup" },
              "Merci.",
              "Je vois la facture de l'opticien, reçue le 3, d'un montant de {disputeAmount} euros. Elle est en attente d'un justificatif.",
            ],
          },
          [
            "Il manque la prescription de l'ophtalmologiste.",
            "Mais je l'ai envoyée avec la facture !",
            "Je vois un seul document dans le dossier. Vous pouvez la déposer sur votre espace adhérent, ce sera traité en priorité.",
          ],
          [
            "Votre garantie prend en charge jusqu'à trois cents euros pour la monture et les verres, tous les deux ans.",
            "D'accord, donc il me restera combien à payer ?",
            "Environ {normalAmount} euros, après le remboursement de la Sécurité sociale.",
          ],
        ],
        resolution: [
          "Je mets une note prioritaire sur le dossier {ref}, le remboursement sera fait sous quarante-huit heures après réception.",
        ],
        ack: ["D'accord, je vous la renvoie ce soir.", "Bon, merci."],
        doc: "le décompte de remboursement",
      },
      {
        id: "ajout_ayant_droit",
        team: "Adhésions",
        tags: ["adhésion", "ayant droit"],
        weight: 2,
        reason: [
          "Je viens d'avoir un bébé et je voudrais l'ajouter sur ma mutuelle.",
          "Ma fille est née la semaine dernière, il faut que je la rattache à mon contrat.",
        ],
        steps: [
          [
            "Félicitations ! Il me faudra l'acte de naissance et l'attestation de Sécurité sociale où il est rattaché.",
            "D'accord, je les ai reçus la semaine dernière.",
          ],
          [
            { t: "Je calcule la nouvelle cotisation.", pause: "lookup" },
            "Ça va augmenter de combien ?",
            "L'ajout d'un enfant est gratuit à partir du troisième, mais là c'est le premier, donc {normalAmount} euros de plus par mois.",
          ],
        ],
        resolution: [
          "C'est enregistré à compter de la date de naissance, la nouvelle carte de tiers payant part aujourd'hui.",
        ],
        ack: ["Super, merci.", "Parfait, merci beaucoup."],
        doc: "la nouvelle carte de tiers payant",
        emailLikely: true,
      },
      {
        id: "carte_tiers_payant",
        team: "Adhésions",
        tags: ["tiers payant"],
        weight: 1.5,
        reason: ["Ma pharmacie refuse ma carte de tiers payant, elle dit qu'elle n'est plus valable."],
        steps: [
          [
            { t: "Je vérifie votre contrat.", pause: "lookup" },
            "D'accord.",
            "Votre contrat est bien actif. La carte a été renouvelée en janvier, vous avez peut-être l'ancienne.",
            "Ah, je n'ai rien reçu de nouveau.",
          ],
        ],
        resolution: [
          "Je vous renvoie la carte par courrier, et elle est disponible tout de suite dans l'application.",
        ],
        ack: ["Merci, je vais regarder l'application.", "D'accord."],
        doc: "la carte de tiers payant",
      },
    ],
  },
  4: {
    lang: "en",
    timeZone: "America/Denver",
    area: "303",
    idLabel: "member ID",
    idNumber: (r) => `SHP ${r.digits(4)} ${r.digits(4)}`,
    switchWord: "health plan",
    teamQueues: { Claims: "claims", Enrollment: "enrollment" },
    vars: (r) => ({
      ref: `CL${r.digits(7)}`,
      normalAmount: dollars(r, 20, 60),
      disputeAmount: dollars(r, 900, 2400),
    }),
    scenarios: [
      {
        id: "denied_claim",
        team: "Claims",
        tags: ["claims", "denial", "appeal"],
        weight: 3,
        repeatProne: true,
        reason: [
          "My claim for an MRI was denied, the letter says prior authorization was missing.",
          "I got a bill for {disputeAmount} dollars from the hospital, and your explanation of benefits says denied.",
        ],
        steps: [
          {
            keep: true,
            lines: [
              { t: "Let me pull up that claim.", pause: "lookup" },
              "Thanks.",
              "I see it. The claim was denied because the imaging center didn't request prior authorization before the scan.",
            ],
          },
          {
            from: "customer",
            lines: [
              "But my doctor told me everything was approved!",
              "It's possible your doctor's office sent the request to the wrong fax. You have the right to appeal within 180 days.",
            ],
          },
          [
            "I can start the appeal for you now and request the records from your doctor.",
            "Yes, please. I'm not paying that bill.",
            "You shouldn't pay it while the appeal is open. I'll note that on the claim.",
          ],
        ],
        resolution: [
          "The appeal is filed, reference {ref}. You'll receive a decision in writing within 30 days.",
        ],
        ack: ["Okay, thank you.", "Alright, I'll wait for the letter."],
        doc: "the appeal confirmation",
      },
      {
        id: "add_dependent",
        team: "Enrollment",
        tags: ["enrollment", "dependent"],
        weight: 2,
        reason: [
          "We just had a baby and I need to add her to my plan.",
          "My daughter was born last week and I need to get her on my insurance.",
        ],
        steps: [
          [
            "Congratulations! A birth is a qualifying life event, so you have 30 days to add her.",
            "She was born on the 2nd, so I'm still in time, right?",
            "Yes, you are. Coverage will be retroactive to the date of birth.",
          ],
          [
            { t: "Let me check the new premium.", pause: "lookup" },
            "Okay.",
            "Moving from employee only to employee plus child adds {normalAmount} dollars per paycheck.",
          ],
        ],
        resolution: ["She's added to your plan. The new ID cards will arrive within ten days."],
        ack: ["Great, thank you so much.", "Perfect, thanks."],
        doc: "the enrollment confirmation",
        emailLikely: true,
      },
      {
        id: "id_card",
        team: "Enrollment",
        tags: ["id card", "pharmacy"],
        weight: 1.5,
        reason: ["My pharmacy says my insurance isn't active, but I paid my premium."],
        steps: [
          [
            { t: "Let me check your eligibility.", pause: "lookup" },
            "Okay.",
            "Your coverage is active. The pharmacy is probably using last year's group number.",
            "So what do I tell them?",
          ],
          [
            "I'll send you a digital ID card right now, you can show it to them on your phone.",
            "Okay, that works.",
          ],
        ],
        resolution: ["The digital card is in the member app, and a printed one is on its way."],
        ack: ["Thanks, I'll head back to the pharmacy.", "Great."],
        doc: "your digital ID card",
      },
    ],
  },
  5: {
    lang: "fr",
    timeZone: "Europe/Paris",
    idLabel: "dossier",
    idNumber: (r) => `AZ ${r.digits(6)}`,
    switchWord: "d'agence",
    teamQueues: { Réservations: "reservations", "Après-vente": "apres-vente" },
    vars: (r) => ({
      ref: `AV${r.digits(6)}`,
      normalAmount: euros(r, 60, 140),
      disputeAmount: euros(r, 480, 1650),
      dest: r.pick(["Lisbonne", "Marrakech", "Athènes", "la Crète", "Séville", "Dubrovnik"]),
    }),
    scenarios: [
      {
        id: "modification_reservation",
        team: "Réservations",
        tags: ["réservation", "modification"],
        weight: 2.5,
        reason: [
          "Je voudrais décaler mon voyage à {dest} d'une semaine, j'ai un imprévu au travail.",
          "Est-ce que je peux changer les dates de mon séjour à {dest} ? Je voudrais partir une semaine plus tard.",
        ],
        steps: [
          [
            { t: "Je regarde les disponibilités sur la semaine suivante.", pause: "lookup" },
            "Oui, merci.",
            "Le vol et l'hôtel sont disponibles, avec une différence de {normalAmount} euros, frais de modification compris.",
            "D'accord, ça reste raisonnable.",
          ],
          ["Je vous confirme les nouvelles dates du samedi au samedi ?", "Oui, c'est parfait."],
        ],
        resolution: ["Votre réservation est modifiée, vous recevez les nouveaux billets dans l'heure."],
        ack: ["Génial, merci.", "Merci beaucoup."],
        pay: { what: "la différence de {normalAmount} euros", amount: "{normalAmount}" },
        cardLikely: true,
        doc: "les nouveaux billets",
      },
      {
        id: "remboursement_vol_annule",
        team: "Après-vente",
        tags: ["remboursement", "vol annulé", "réclamation"],
        weight: 2.5,
        repeatProne: true,
        disputeTheme: true,
        reason: [
          "Mon vol pour {dest} a été annulé il y a deux mois et je n'ai toujours pas été remboursé.",
          "On m'a promis un remboursement de {disputeAmount} euros pour le vol annulé et je n'ai rien vu.",
        ],
        steps: [
          {
            keep: true,
            lines: [
              { t: "Je consulte le dossier.", pause: "lookup" },
              "J'espère que vous allez trouver quelque chose cette fois.",
              "Je vois la demande de remboursement auprès de la compagnie, elle est toujours en cours de traitement chez eux.",
            ],
          },
          {
            from: "customer",
            lines: [
              "Deux mois ! La loi dit sept jours pour rembourser un vol annulé.",
              "Vous avez raison, c'est beaucoup trop long. Je relance la compagnie et je demande une avance sur le remboursement à notre service comptable.",
            ],
          },
        ],
        resolution: [
          "J'ai obtenu une avance, le virement de {disputeAmount} euros part sous soixante-douze heures.",
        ],
        unresolved: [
          "Je relance la compagnie aujourd'hui même et je vous rappelle d'ici vendredi avec une réponse.",
        ],
        ack: ["Enfin. Merci.", "Bon, j'attends le virement."],
      },
      {
        id: "bagage_perdu",
        team: "Après-vente",
        tags: ["bagage", "réclamation"],
        weight: 1.5,
        reason: ["Ma valise n'est jamais arrivée à {dest}, j'ai passé la semaine sans mes affaires."],
        steps: [
          [
            "Vous avez fait une déclaration de perte à l'aéroport ?",
            "Oui, j'ai le numéro du dossier de la compagnie.",
            "Très bien. Gardez toutes les factures des achats de première nécessité, ils sont remboursables.",
          ],
          ["La valise a été retrouvée depuis ?", "Oui, elle a été livrée chez moi hier, une semaine après."],
        ],
        resolution: [
          "J'ouvre une réclamation pour le retard de bagage, référence {ref}, et je l'envoie à la compagnie avec vos factures.",
        ],
        ack: ["D'accord, merci.", "Merci."],
        doc: "le formulaire de réclamation",
      },
    ],
  },
};

// ---------------------------------------------------------------------------------------------
// One call: plan (scenario, people, irritants, sensitive data), turns, timings, rendering

const NO_COLON = /:/;

function fill(tpl, vars, r) {
  let text = Array.isArray(tpl) ? r.pick(tpl) : tpl;
  for (let pass = 0; pass < 3 && text.includes("{"); pass++) {
    text = text.replace(/\{(\w+)\}/g, (_, k) => {
      if (vars[k] === undefined) throw new Error(`demo-calls: no variable {${k}} in "${text}"`);
      return String(vars[k]);
    });
  }
  if (NO_COLON.test(text)) throw new Error(`demo-calls: speech must not contain ":" (${text})`);
  return text;
}

const IRRITANT_TAGS = {
  fr: { complaint: "réclamation", demo: "démo", vip: "vip" },
  en: { complaint: "complaint", demo: "demo", vip: "vip" },
};

/** Decides everything random about a call except its words. */
function planCall(r, profile, scenario, customer, startedAt) {
  const outbound = !!scenario.outbound && r.chance(0.45);
  const repeatP = scenario.repeatProne ? 0.35 : 0.07;
  const irritants = {
    repeat: r.chance(repeatP),
    longWait: !outbound && r.chance(0.15),
    transfer: !outbound && Object.keys(profile.teamQueues).length > 1 && r.chance(0.07),
    churn: !scenario.churnTheme && r.chance(0.1),
    dispute: !scenario.disputeTheme && scenario.dispute !== false && r.chance(0.1),
    rudeAgent: r.chance(0.04),
  };
  irritants.escalation = r.chance(irritants.repeat ? 0.3 : 0.06);
  irritants.rudeCustomer = r.chance(irritants.repeat || irritants.longWait ? 0.2 : 0.05);
  const upset = irritants.repeat || irritants.rudeCustomer || irritants.escalation || irritants.churn;
  const calm = !Object.values(irritants).some(Boolean);
  return {
    scenario,
    customer,
    startedAt,
    outbound,
    irritants,
    unresolved: upset && !irritants.transfer && r.chance(0.35),
    email: !!scenario.doc && r.chance(scenario.emailLikely ? 0.55 : 0.18),
    card: !!scenario.pay && r.chance(scenario.cardLikely ? 0.6 : 0.3),
    sloppyGreeting: r.chance(0.07),
    skipAnythingElse: r.chance(0.15),
    /** A short, straightforward call: one exchange, no extras. */
    brief: calm && r.chance(0.15),
    format: "json",
  };
}

function agentsOf(tenant, team) {
  const list = tenant.agents.filter((a) => a[3] === team);
  return list.length ? list : tenant.agents;
}

/** The spoken turns of a call: `{ speaker, text, pause?, interrupt? }`. */
function buildTurns(r, profile, tenant, plan) {
  const L = COMMON[profile.lang];
  const fr = profile.lang === "fr";
  const sc = plan.scenario;
  const cu = plan.customer;
  const [, , agentName, team] = plan.agent;
  const teams = Object.keys(profile.teamQueues);
  const otherTeam = r.pick(teams.filter((t) => t !== team)) ?? team;
  const expiryMonth = String(r.int(1, 12)).padStart(2, "0");
  const expiryYear = String(r.int(27, 30));
  const cvv = r.digits(3);
  const card = cardNumber(r);
  const spokenCard = r.chance(0.25);
  const vars = {
    company: tenant.name,
    ofCompany: /^[AEIOUYÉÈaeiouyh]/.test(tenant.name) ? `d'${tenant.name}` : `de ${tenant.name}`,
    agentFirst: agentName.split(" ")[0],
    teamLower: team.toLowerCase(),
    otherTeam: fr ? otherTeam.toLowerCase() : otherTeam,
    idLabel: profile.idLabel,
    idNumber: profile.idNumber(r),
    switchWord: profile.switchWord,
    custFirst: cu.first,
    custLast: cu.last,
    custTitle: fr
      ? `${cu.female ? "Madame" : "Monsieur"} ${cu.last}`
      : `${cu.female ? "Ms." : "Mr."} ${cu.last}`,
    custTitleShort: fr ? (cu.female ? "madame" : "monsieur") : cu.female ? "ma'am" : "sir",
    dob: cu.dob,
    email: r.chance(0.5) ? cu.emailSpoken : cu.emailTyped,
    card: spokenCard ? spokenDigits(card, profile.lang) : card,
    expiry: r.chance(0.5)
      ? `${expiryMonth}/${expiryYear}`
      : `${spokenDigits(expiryMonth, profile.lang)}, ${spokenDigits(expiryYear, profile.lang)}`,
    cvv: r.chance(0.5) ? cvv : [...cvv].join(" "),
    ...profile.vars(r),
    ...(sc.vars ? sc.vars(r) : {}),
  };
  if (sc.doc) vars.doc = sc.doc;
  if (sc.outbound) vars.outboundTopic = sc.outbound.topic;
  if (sc.pay) {
    vars.payWhat = sc.pay.what;
    vars.payAmount = fill(sc.pay.amount, vars, r);
  }
  const say = (speaker, tpl, extra = {}) => ({ speaker, text: fill(tpl, vars, r), ...extra });
  const A = (tpl, extra) => say("agent", tpl, extra);
  const C = (tpl, extra) => say("customer", tpl, extra);
  const hot = () => r.chance(0.5); // an upset customer often talks over the agent
  const irr = plan.irritants;

  /** Blocks of turns; optional ones may be dropped to stay within 40 turns. */
  const blocks = [];
  const block = (turns, optional = false) => blocks.push({ turns, optional });

  // Opening.
  if (plan.outbound) {
    block([
      A(L.outboundCheck),
      C(L.outboundYes),
      A(L.outboundIntro),
      C(sc.outbound.reply ?? L.outboundOk),
      ...(r.chance(0.5) ? [A(L.outboundAskDob), C(L.giveDob), A(L.outboundIdOk)] : []),
    ]);
  } else {
    const opening = [A(plan.sloppyGreeting ? L.greetSloppy : L.greet)];
    let first = fill(L.hello, vars, r);
    if (irr.longWait) first += ` ${fill(L.longWait, vars, r)}`;
    if (irr.repeat && r.chance(0.5)) {
      first += ` ${fill(L.repeat, vars, r)}`;
      irr.repeatSaid = true;
    }
    opening.push({ speaker: "customer", text: `${first} ${fill(sc.reason, vars, r)}` });
    if (irr.longWait) opening.push(A(L.longWaitAck));
    if (irr.repeatSaid) opening.push(A(L.repeatAck));
    block(opening);
    const id = [A(L.askId), C(L.giveId)];
    if (!plan.brief && r.chance(0.7)) id.push(A(L.askDob), C(L.giveDob));
    id.push(A(L.idOk, r.chance(0.3) ? { pause: "lookup" } : {}));
    block(id);
  }
  if (irr.repeat && !irr.repeatSaid) block([C(L.repeat, { interrupt: hot() }), A(L.repeatAck)]);

  // The scenario's exchanges.
  const firstStep = blocks.length;
  const steps = sc.steps.map((s) => (Array.isArray(s) ? { lines: s } : s));
  const kept = plan.brief ? steps.slice(0, 1) : steps.filter((s) => s.keep || r.chance(0.8));
  for (const s of plan.brief || kept.length >= 2 ? kept : steps.slice(0, 2)) {
    let speaker = s.from === "customer" ? "customer" : "agent";
    const turns = [];
    for (const line of s.lines) {
      const t = typeof line === "object" && !Array.isArray(line) ? line : { t: line };
      turns.push(say(speaker, t.t, t.pause ? { pause: t.pause } : {}));
      speaker = speaker === "agent" ? "customer" : "agent";
    }
    block(turns, !s.keep);
  }

  // Irritants in the middle of the call, in a random order.
  const middle = [];
  if (irr.dispute) middle.push([C(L.dispute, { interrupt: hot() }), A(L.disputeAck, { pause: "lookup" })]);
  if (irr.churn) middle.push([C(L.churn, { interrupt: hot() }), A(L.churnAck)]);
  if (irr.rudeCustomer) middle.push([C(L.rudeCustomer, { interrupt: true }), A(L.rudeCustomerAck)]);
  if (irr.rudeAgent) middle.push([A(L.rudeAgent), C(L.rudeAgentReply, { interrupt: hot() })]);
  if (irr.escalation) middle.push([C(L.escalate, { interrupt: hot() }), A(L.escalateAck)]);
  // Irritants come up between the exchanges, after the first one.
  for (const m of r.shuffle(middle)) blocks.splice(r.int(firstStep + 1, blocks.length), 0, { turns: m });
  if (!plan.brief && r.chance(0.25)) block([A(L.holdStart, { pause: "hold" }), A(L.holdEnd)], true);

  // Sensitive data read out.
  if (plan.card)
    block([
      A(L.cardAsk),
      C(L.cardGive),
      A(L.cardExpiryAsk),
      C(L.cardExpiry),
      A(L.cardCvvAsk),
      C(L.cardCvv),
      A(L.cardOk, { pause: "lookup" }),
    ]);

  // Ending: transferred, unresolved, or resolved and closed.
  if (irr.transfer) {
    block([A(L.transfer), C(L.transferComplain, { interrupt: hot() }), A(L.transferAck), C(L.transferOk)]);
  } else {
    if (plan.unresolved)
      block([
        A(
          sc.unresolved ??
            (fr
              ? "Je ne peux pas vous apporter de réponse définitive aujourd'hui. Je transmets votre dossier {ref} au service concerné, qui vous recontactera sous quarante-huit heures."
              : "I can't resolve this completely today. I've escalated case {ref} to the right team, and someone will contact you within 48 hours."),
        ),
      ]);
    else block([A(sc.resolution), C(sc.ack)]);
    if (plan.email) block([A(L.emailAsk), C(L.emailGive), A(L.emailAck)]);
    const closing = [];
    if (!plan.skipAnythingElse && !plan.brief)
      closing.push(A(L.anythingElse), C(plan.unresolved ? L.unresolvedBye : L.nothingElse));
    else if (plan.unresolved) closing.push(C(L.unresolvedBye));
    closing.push(A(L.goodbye));
    if (!plan.unresolved) closing.push(C(L.bye));
    block(closing);
  }

  // 8–40 turns: drop optional blocks from the end, or add small exchanges before the ending.
  const count = () => blocks.reduce((n, b) => n + b.turns.length, 0);
  for (let i = blocks.length - 1; count() > 40 && i >= 0; i--) if (blocks[i].optional) blocks.splice(i, 1);
  for (let k = 0; count() < 8; k++) {
    const [a, c] = L.filler[k % L.filler.length];
    blocks.splice(Math.max(1, blocks.length - 2), 0, { turns: [A(a), C(c)], optional: true });
  }
  const turns = blocks.flatMap((b) => b.turns);
  if (turns.length > 40) turns.length = 40;
  return { turns, vars };
}

const round = (x) => Math.round(x * 100) / 100;
const wordCount = (s) => s.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;

/**
 * Speech timed by word count; silences for lookups and holds (a line's `pause` delays the agent's
 * next turn: "let me check" — "okay" — …silence… — "I see…"), hesitations; some overlap.
 */
function timeTurns(r, turns) {
  const out = [];
  let pending = null;
  for (let i = 0; i < turns.length; i++) {
    const t = turns[i];
    const wps = t.speaker === "agent" ? r.range(2.5, 3.1) : r.range(2.1, 2.8);
    const dur = wordCount(t.text) / wps + r.range(0.15, 0.6);
    let start;
    if (i === 0) start = r.range(0.3, 1.4);
    else {
      const prev = out[i - 1];
      const before = turns[i - 1];
      let gap;
      if (pending && t.speaker === "agent") {
        gap = pending === "hold" ? r.range(25, 80) : r.range(3, 9);
        pending = null;
      } else if ((t.interrupt || r.chance(0.04)) && before.speaker !== t.speaker)
        gap = -Math.min(r.range(0.4, 1.6), (prev.end - prev.start) * 0.5);
      else gap = r.chance(0.07) ? r.range(2.2, 4.5) : r.range(0.25, 1.1);
      start = Math.max(prev.start + 0.3, prev.end + gap);
    }
    out.push({ speaker: t.speaker, start: round(start), end: round(start + dur), text: t.text });
    if (t.pause) pending = t.pause;
  }
  return out;
}

const pad = (n, w = 2) => String(n).padStart(w, "0");
function clock(s, sep) {
  const ms = Math.round(s * 1000);
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${sep}${pad(ms % 1000, 3)}`;
}
const mmss = (s) => `${pad(Math.floor(s / 60))}:${pad(Math.floor(s) % 60)}`;

function render(format, segments, lang, r) {
  const label = (sp) =>
    sp === "agent" ? (lang === "fr" ? "Conseiller" : "Agent") : lang === "fr" ? "Client" : "Customer";
  switch (format) {
    case "json":
      return { language: lang, segments };
    case "text": {
      const stamped = r.chance(0.5);
      return `${segments.map((s) => `${stamped ? `[${mmss(s.start)}] ` : ""}${label(s.speaker)}: ${s.text}`).join("\n")}\n`;
    }
    case "vtt":
      return `WEBVTT\n\n${segments
        .map((s) => `${clock(s.start, ".")} --> ${clock(s.end, ".")}\n<v ${label(s.speaker)}>${s.text}`)
        .join("\n\n")}\n`;
    case "srt":
      return `${segments
        .map(
          (s, i) =>
            `${i + 1}\n${clock(s.start, ",")} --> ${clock(s.end, ",")}\n${label(s.speaker)}: ${s.text}`,
        )
        .join("\n\n")}\n`;
    default:
      throw new Error(`unknown format ${format}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Per tenant

/** The tenants that get demo calls, with the key the loader posts them with. */
export const DEMO_CALL_TENANTS = [
  ...DEMO_TENANTS.map((t) => ({
    tenant: t,
    profile: t.id === "ten_demo_eu" ? HORIZON : NORTHWIND,
    count: DEMO_CALLS_PER_DEMO_TENANT,
  })),
  ...SYNTH_TENANTS.map((t) => ({
    tenant: t,
    profile: SYNTH_PROFILES[t.n],
    count: DEMO_CALLS_PER_SYNTH_TENANT,
  })),
].map(({ tenant, profile, count }) => {
  if (!profile) throw new Error(`demo-calls: no profile for ${tenant.id}`);
  for (const s of profile.scenarios)
    if (!tenant.agents.some((a) => a[3] === s.team))
      throw new Error(`demo-calls: ${tenant.id} has no agent in team ${s.team} (scenario ${s.id})`);
  return {
    id: tenant.id,
    name: tenant.name,
    location: tenant.location,
    language: profile.lang,
    apiKey: tenant.apiKey.key,
    count,
    tenant,
    profile,
  };
});

function demoTenant(tenantId) {
  const t = DEMO_CALL_TENANTS.find((x) => x.id === tenantId);
  if (!t)
    throw new Error(
      `demo-calls: unknown tenant ${tenantId} (one of ${DEMO_CALL_TENANTS.map((x) => x.id).join(", ")})`,
    );
  return t;
}

/** `count` items, each at least once, the rest by largest remainder of `weightOf`. */
function apportion(items, count, weightOf) {
  const total = items.reduce((s, x) => s + weightOf(x), 0);
  const spare = count - items.length;
  const shares = items.map((x, i) => ({ i, exact: (spare * weightOf(x)) / total }));
  const n = shares.map((s) => 1 + Math.floor(s.exact));
  let left = count - n.reduce((a, b) => a + b, 0);
  for (const s of [...shares].sort((a, b) => (b.exact % 1) - (a.exact % 1) || a.i - b.i)) {
    if (left-- <= 0) break;
    n[s.i]++;
  }
  return items.flatMap((x, i) => Array(n[i]).fill(x));
}

/**
 * The demo calls of a tenant: `POST /api/v1/calls` bodies, oldest first. `now` anchors the 30
 * days (its UTC day): the same day always gives the same bodies.
 */
export function demoCalls(tenantId, { now = Date.now() } = {}) {
  const { tenant, profile, count } = demoTenant(tenantId);
  const lang = profile.lang;
  const r = new Rng(`ccr-demo-calls/${tenant.id}`);
  const times = startTimes(r, count, Math.floor(now / DAY_MS), profile.timeZone);

  // Every scenario at least once, the rest in proportion to its weight, spread over the month.
  const order = r.shuffle(apportion(profile.scenarios, count, (s) => s.weight));
  // Mostly JSON; every other format at least once.
  const formats = ["text", "vtt", "srt"].slice(0, Math.max(1, Math.floor(count / 4)));
  const formatWeights = [
    ["json", 0.62],
    ["text", 0.16],
    ["vtt", 0.12],
    ["srt", 0.1],
  ];
  while (formats.length < count) formats.push(r.weighted(formatWeights, ([, w]) => w)[0]);
  const formatOrder = r.shuffle(formats);

  const seen = new Map(); // scenario id → customers who called about it
  const customers = [];
  const plans = times.map((t, i) => {
    const sc = order[i];
    const plan = planCall(r, profile, sc, null, t);
    const earlier = seen.get(sc.id) ?? [];
    // A repeat contact is, when possible, the same customer calling back about the same thing.
    plan.customer =
      plan.irritants.repeat && earlier.length
        ? r.pick(earlier)
        : customers.length && r.chance(0.1)
          ? r.pick(customers)
          : makeCustomer(r, lang, profile.area);
    if (!customers.includes(plan.customer)) customers.push(plan.customer);
    seen.set(sc.id, [...earlier, plan.customer]);
    plan.agent = r.pick(agentsOf(tenant, sc.team));
    plan.format = formatOrder[i];
    return plan;
  });
  // A few calls where the customer reads out an e-mail address or a card number, at least.
  const atLeast = (field, eligible, n) => {
    for (const p of plans) {
      if (plans.filter((x) => x[field]).length >= n) break;
      if (!p[field] && eligible(p)) p[field] = true;
    }
  };
  const demo = count >= DEMO_CALLS_PER_DEMO_TENANT;
  atLeast("email", (p) => !!p.scenario.doc && !p.irritants.transfer, demo ? 4 : 1);
  atLeast("card", (p) => !!p.scenario.pay, demo ? 3 : 1);

  const T = IRRITANT_TAGS[lang];
  return plans.map((plan, i) => {
    const { turns } = buildTurns(r, profile, tenant, plan);
    const segments = timeTurns(r, turns);
    const [, externalId, name, team] = plan.agent;
    const tags = [...plan.scenario.tags];
    if (plan.irritants.dispute || plan.irritants.escalation) tags.push(T.complaint);
    if (r.chance(0.05)) tags.push(T.vip);
    tags.push(T.demo);
    return {
      externalId: `demo-${tenant.id}-${pad(i + 1, 3)}`,
      startedAt: new Date(plan.startedAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
      durationS: Math.ceil(segments[segments.length - 1].end + r.range(0.5, 3)),
      direction: plan.outbound ? "outbound" : "inbound",
      agent: { externalId, name, team },
      queue: plan.outbound ? (lang === "fr" ? "appels-sortants" : "outbound") : profile.teamQueues[team],
      ...(plan.outbound ? { campaign: plan.scenario.outbound.campaign } : {}),
      language: lang,
      customerPhone: plan.customer.phone,
      tags: [...new Set(tags)],
      transcript: { format: plan.format, content: render(plan.format, segments, lang, r) },
    };
  });
}

/** NDJSON for `POST /api/v1/imports`: one call per line, newline-terminated. */
export function demoCallsNdjson(tenantId, opts) {
  return demoCalls(tenantId, opts)
    .map((c) => `${JSON.stringify(c)}\n`)
    .join("");
}

/** What a tenant gets, for `--stats` and the README. */
export function demoCallStats(tenantId, opts) {
  const calls = demoCalls(tenantId, opts);
  const by = (f) => {
    const m = {};
    for (const c of calls) m[f(c)] = (m[f(c)] ?? 0) + 1;
    return m;
  };
  const turns = calls.map((c) => {
    const t = c.transcript;
    if (t.format === "json") return t.content.segments.length;
    if (t.format === "text") return t.content.trim().split("\n").length;
    return t.content.split("-->").length - 1;
  });
  const text = (c) =>
    typeof c.transcript.content === "string" ? c.transcript.content : JSON.stringify(c.transcript.content);
  return {
    calls: calls.length,
    formats: by((c) => c.transcript.format),
    directions: by((c) => c.direction),
    turns: {
      min: Math.min(...turns),
      max: Math.max(...turns),
      avg: Math.round(turns.reduce((a, b) => a + b, 0) / turns.length),
    },
    avgDurationS: Math.round(calls.reduce((a, c) => a + c.durationS, 0) / calls.length),
    from: calls[0].startedAt,
    to: calls[calls.length - 1].startedAt,
    withEmail: calls.filter((c) => /arobase|@| at \w+ dot /.test(text(c))).length,
    withCard: calls.filter((c) =>
      /\d{4} \d{4} \d{4} \d{4}|(?:(?:zéro|un|deux|trois|quatre|cinq|six|sept|huit|neuf|zero|one|two|three|four|five|six|seven|eight|nine) ){15}/.test(
        text(c),
      ),
    ).length,
    agents: by((c) => c.agent.externalId),
  };
}

// `node scripts/demo-calls.mjs --print <tenant> [--now <date>]` | `--stats`
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const nowArg = opt("--now");
  const now = nowArg ? Date.parse(nowArg) : Date.now();
  if (Number.isNaN(now)) {
    console.error(`--now: not a date: ${nowArg}`);
    process.exit(2);
  }
  // `| head` closes the pipe early; that is not an error.
  process.stdout.on("error", (e) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
  const tenantId = opt("--print");
  if (tenantId) {
    try {
      process.stdout.write(demoCallsNdjson(tenantId, { now }));
    } catch (e) {
      console.error(e.message);
      process.exit(2);
    }
  } else if (args.includes("--stats")) {
    for (const t of DEMO_CALL_TENANTS)
      console.log(`${t.id} (${t.name}, ${t.language}): ${JSON.stringify(demoCallStats(t.id, { now }))}`);
  } else {
    console.log(
      "usage: node scripts/demo-calls.mjs --print <tenant> [--now <date>]   NDJSON for POST /api/v1/imports\n" +
        "       node scripts/demo-calls.mjs --stats [--now <date>]            what each tenant gets\n" +
        `tenants: ${DEMO_CALL_TENANTS.map((t) => `${t.id} (${t.count})`).join(", ")}`,
    );
  }
}
