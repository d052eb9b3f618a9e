/**
 * Strings of issue 16's trust points, merged into en.ts / fr.ts (same keys): the organisation's
 * time zone, the tenant's breach notice (GDPR art. 33(3)), the published-policy alert and the
 * notices for the people recorded.
 */
export const portalTrustEn = {
  "tz.field": "Time zone",
  "tz.auto": "From the location (Europe/Paris for the EU, America/New_York for the US)",
  "tz.help": "Every date on your pages, exports and e-mails is shown in this zone, with its name.",
  "tz.invalid": "This time zone is unknown. Choose an IANA name such as Europe/Paris or America/New_York.",
  "tz.settings.title": "Time zone",
  "tz.settings.current": "Dates are shown in {zone}.",
  "tz.settings.submit": "Save the time zone",
  "done.time_zone": "The time zone has been saved.",
  "security.breach.occurred": "When it happened",
  "security.breach.discovered": "When it was discovered",
  "security.breach.notified": "When you were notified",
  "security.breach.nature": "Nature of the breach",
  "security.breach.categories": "Categories of data concerned",
  "security.breach.subjects": "Approximate number of people concerned",
  "security.breach.records": "Approximate number of records concerned",
  "security.breach.consequences": "Likely consequences",
  "security.breach.measures": "Measures taken or proposed",
  "security.breach.contact": "Contact point for more information",
  "security.breach.unknown": "not known yet",
  "ops.policy_missing.title": "No privacy policy is in force",
  "ops.policy_missing.body":
    "Visitors and organisations see no privacy policy, and none can be acknowledged. Publish the platform's policy, written and approved by the people responsible for it, before anything else.",
  "ops.policy_missing.link": "Publish a policy version",
  "recnotices.title": "Notices for the people recorded",
  "recnotices.intro":
    "Templates to copy into your own documents: the notice your callers hear or read, and the notice for your agents. They are filled with this organisation's settings today; check them with your data protection officer, and copy them again after changing a setting.",
  "recnotices.language": "Template language",
  "recnotices.show": "Show",
  "recnotices.caller.title": "Notice for callers",
  "recnotices.agents.title": "Notice for agents",
  "recnotices.copy_hint": "Select the text and copy it.",
  "recnotices.provider.none": "no transcription service (transcripts are provided by {org})",
  "recnotices.provider.builtin": "the platform's built-in engine (no third party)",
  "recnotices.contact": "[your contact address]",
  "recnotices.caller.text":
    "Calls may be recorded. {org} uses CallCenterRate to check and improve the quality of its service: the recording is transcribed ({speech}) and evaluated automatically ({analysis}) against a quality grid. No decision about you is made by this automated evaluation alone.\n\nYour data are stored in the {location}. Recordings are kept {recordings} days, transcripts {transcripts} days and evaluations {analyses} days, then deleted.\n\nYou may ask for access to your data, its correction or deletion, restrict or object to its processing, and complain to your data protection authority. To do so, or if you do not want this call recorded, tell your adviser or write to {contact}.",
  "recnotices.agents.text":
    "{org} evaluates the quality of customer calls with CallCenterRate. What is evaluated: each call is transcribed ({speech}) and scored automatically ({analysis}) against the organisation's quality grid (its criteria are available from your supervisor), and irritants and a summary are noted.\n\nAutomation never decides alone: automatic scores are an aid. Any assessment that counts for you is a review by a person, who can correct every criterion; you see the reviewed score and its comments.\n\nHow to dispute: within {disputeDays} days of a final review, you can dispute it from the call's page; a supervisor answers, and the answer is kept with the review. Recordings are kept {recordings} days, transcripts {transcripts} days and evaluations {analyses} days, in the {location}. Questions: {contact}.",
} as const satisfies Record<string, string>;

export const portalTrustFr: Record<keyof typeof portalTrustEn, string> = {
  "tz.field": "Fuseau horaire",
  "tz.auto": "Selon le lieu (Europe/Paris pour l'UE, America/New_York pour les États-Unis)",
  "tz.help": "Toutes les dates de vos pages, exports et e-mails sont données dans ce fuseau, avec son nom.",
  "tz.invalid":
    "Ce fuseau horaire est inconnu. Choisissez un nom IANA comme Europe/Paris ou America/New_York.",
  "tz.settings.title": "Fuseau horaire",
  "tz.settings.current": "Les dates sont affichées en {zone}.",
  "tz.settings.submit": "Enregistrer le fuseau horaire",
  "done.time_zone": "Le fuseau horaire a été enregistré.",
  "security.breach.occurred": "Date de survenue",
  "security.breach.discovered": "Date de découverte",
  "security.breach.notified": "Date de notification",
  "security.breach.nature": "Nature de la violation",
  "security.breach.categories": "Catégories de données concernées",
  "security.breach.subjects": "Nombre approximatif de personnes concernées",
  "security.breach.records": "Nombre approximatif d'enregistrements concernés",
  "security.breach.consequences": "Conséquences probables",
  "security.breach.measures": "Mesures prises ou proposées",
  "security.breach.contact": "Point de contact pour en savoir plus",
  "security.breach.unknown": "pas encore connu",
  "ops.policy_missing.title": "Aucune politique de confidentialité n'est en vigueur",
  "ops.policy_missing.body":
    "Les visiteurs et les organisations ne voient aucune politique de confidentialité, et aucune ne peut être acceptée. Publiez la politique de la plateforme, rédigée et validée par ses responsables, avant toute autre chose.",
  "ops.policy_missing.link": "Publier une version de la politique",
  "recnotices.title": "Informations des personnes enregistrées",
  "recnotices.intro":
    "Des modèles à copier dans vos propres documents : l'information donnée aux appelants et celle destinée à vos conseillers. Ils sont remplis avec les réglages actuels de l'organisation ; faites-les valider par votre délégué à la protection des données, et copiez-les à nouveau après un changement de réglage.",
  "recnotices.language": "Langue du modèle",
  "recnotices.show": "Afficher",
  "recnotices.caller.title": "Information des appelants",
  "recnotices.agents.title": "Information des conseillers",
  "recnotices.copy_hint": "Sélectionnez le texte et copiez-le.",
  "recnotices.provider.none": "aucun service de transcription (les transcriptions sont fournies par {org})",
  "recnotices.provider.builtin": "le moteur intégré de la plateforme (aucun tiers)",
  "recnotices.contact": "[votre adresse de contact]",
  "recnotices.caller.text":
    "Les appels peuvent être enregistrés. {org} utilise CallCenterRate pour contrôler et améliorer la qualité de son service : l'enregistrement est transcrit ({speech}) et évalué automatiquement ({analysis}) selon une grille qualité. Aucune décision vous concernant n'est prise sur le seul fondement de cette évaluation automatisée.\n\nVos données sont conservées dans l'espace suivant : {location}. Les enregistrements sont gardés {recordings} jours, les transcriptions {transcripts} jours et les évaluations {analyses} jours, puis supprimés.\n\nVous pouvez demander l'accès à vos données, leur rectification ou leur effacement, la limitation du traitement ou vous y opposer, et introduire une réclamation auprès de la CNIL. Pour cela, ou si vous ne souhaitez pas que cet appel soit enregistré, dites-le à votre conseiller ou écrivez à {contact}.",
  "recnotices.agents.text":
    "{org} évalue la qualité des appels clients avec CallCenterRate. Ce qui est évalué : chaque appel est transcrit ({speech}) et noté automatiquement ({analysis}) selon la grille qualité de l'organisation (ses critères sont disponibles auprès de votre superviseur) ; les irritants et un résumé sont relevés.\n\nL'automatisation ne décide jamais seule : les notes automatiques sont une aide. Toute appréciation qui compte pour vous est une revue faite par une personne, qui peut corriger chaque critère ; vous voyez la note revue et ses commentaires.\n\nComment contester : dans les {disputeDays} jours suivant une revue finalisée, vous pouvez la contester depuis la page de l'appel ; un superviseur répond, et la réponse est gardée avec la revue. Les enregistrements sont gardés {recordings} jours, les transcriptions {transcripts} jours et les évaluations {analyses} jours, dans l'espace suivant : {location}. Questions : {contact}.",
};
