/**
 * Strings of issue 16's trust points, merged into en.ts / fr.ts (same keys): the organisation's
 * time zone, the tenant's breach notice (GDPR art. 33(3)), the published-policy alert and the
 * notices for the people recorded.
 */
export const trustEn = {
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
} as const satisfies Record<string, string>;

export const trustFr: Record<keyof typeof trustEn, string> = {
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
};
