/** Strings of transfers outside the EU and of notifications (issue #16, points 3 and 4). */
export const trustEn = {
  "nav.notices": "Notices",
  "nav.notices_unread": "Notices ({count} new)",
  "notices.title": "Notices",
  "notices.none": "No notice yet.",
  "notices.mark_read": "Mark all as read",
  "notices.col.when": "When",
  "notices.col.what": "What",
  "notices.open": "Open",
  "notices.unread": "new",
  "notice.review_final": "A review of your call {callId} was finalised (score {score}).",
  "notice.review_disputed": "An agent disputed the review of call {callId}.",
  "notice.job_done": "{jobName} finished.",
  "notice.job_failed": "{jobName} failed.",
  "notice.job.location_migration": "The move of your call data",
  "notice.job.tenant_export": "The export of your organisation's data",
  "notice.job.tenant_restore": "The restore of a backup",
  "notice.job.privacy_export": "The export for a privacy request",
  "notice.mail.review_final.subject": "CallCenterRate: a review of your call was finalised",
  "notice.mail.review_final.body":
    "Hello,\n\nA review of your call {callId} at {tenant} was finalised (score {score}). You can read it, and dispute it within the time your organisation allows: {url}\n\nCallCenterRate",
  "notice.mail.review_disputed.subject": "CallCenterRate: a review was disputed",
  "notice.mail.review_disputed.body":
    "Hello,\n\nAn agent of {tenant} disputed the review of call {callId}. Resolve the dispute here: {url}\n\nCallCenterRate",
  "notice.mail.job_done.subject": "CallCenterRate: {jobName} finished",
  "notice.mail.job_done.body":
    "Hello,\n\n{jobName} ({jobId}) for {tenant} finished. Details: {url}\n\nCallCenterRate",
  "notice.mail.job_failed.subject": "CallCenterRate: {jobName} failed",
  "notice.mail.job_failed.body":
    "Hello,\n\n{jobName} ({jobId}) for {tenant} failed. Details and what to do next: {url}\n\nCallCenterRate",
  "gov.runs.skipped_hold": "Skipped: legal hold (call data and support tickets kept)",
  "legal.category.account": "account details (name, e-mail)",
  "legal.category.calls": "call metadata",
  "legal.category.audio": "recordings",
  "legal.category.transcripts": "transcripts",
  "legal.category.analyses": "analyses and scores",
  "legal.category.billing": "billing details",
  "transfer.title": "A transfer outside the EU",
  "transfer.location_us.what":
    "Your recordings, transcripts and analyses would be stored in the United States (Cloudflare, US jurisdiction) instead of the European Union, and the copy in the EU deleted.",
  "transfer.international.what":
    "Transcription and analysis providers could process your call data outside the European Union (in the United States in particular). Storage stays in the EU.",
  "transfer.legal":
    "This is a transfer of personal data to a third country under articles 44 to 46 of the GDPR. It relies on the European Commission's standard contractual clauses (SCCs, art. 46(2)(c)) signed with each sub-processor below (or the EU–US Data Privacy Framework where the list says DPF). As controller, your organisation records it and tells the people recorded.",
  "transfer.subprocessors": "Sub-processors that would then process your call data outside the EU:",
  "transfer.subprocessors.none":
    "None of the providers you use today; this changes if you choose one without EU processing.",
  "transfer.selectable": "Providers with no EU processing that you could then choose: {list}.",
  "transfer.stays.location_us":
    "What stays in the EU: accounts, sign-in and sessions, API keys, the audit log, billing records and service e-mails (Brevo, France).",
  "transfer.stays.international":
    "What stays in the EU: the storage of recordings, transcripts and analyses, accounts, the audit log and billing records.",
  "transfer.owner_only": "Only an owner of the organisation can confirm a transfer outside the EU.",
  "transfer.mailed": "Every owner and administrator is told by e-mail once it is confirmed.",
  "transfer.confirm_name": "To confirm the transfer, type the organisation's name: {name}",
  "transfer.error.owner": "Only an owner of the organisation can confirm a transfer outside the EU.",
  "transfer.error.name": "Type the organisation's exact name to confirm the transfer.",
  "transfer.mail.subject": "CallCenterRate: transfer outside the EU confirmed for {tenant}",
  "transfer.mail.who_key": "The API key {key} (acting for its creator, an owner)",
  "transfer.mail.body":
    "Hello,\n\n{who} confirmed a transfer of {tenant}'s call data outside the European Union (GDPR art. 44–46, standard contractual clauses).\n\n{what}\n\nSub-processors then outside the EU:\n{list}\n\nDetails and history: {url}\n\nCallCenterRate",
};

export const trustFr: Record<keyof typeof trustEn, string> = {
  "nav.notices": "Notifications",
  "nav.notices_unread": "Notifications ({count} nouvelles)",
  "notices.title": "Notifications",
  "notices.none": "Aucune notification pour l'instant.",
  "notices.mark_read": "Tout marquer comme lu",
  "notices.col.when": "Quand",
  "notices.col.what": "Quoi",
  "notices.open": "Ouvrir",
  "notices.unread": "nouveau",
  "notice.review_final": "Une évaluation de votre appel {callId} a été finalisée (note {score}).",
  "notice.review_disputed": "Un agent a contesté l'évaluation de l'appel {callId}.",
  "notice.job_done": "{jobName} : terminé.",
  "notice.job_failed": "{jobName} : échec.",
  "notice.job.location_migration": "Le transfert de vos données d'appels",
  "notice.job.tenant_export": "L'export des données de votre organisation",
  "notice.job.tenant_restore": "La restauration d'une sauvegarde",
  "notice.job.privacy_export": "L'export d'une demande de confidentialité",
  "notice.mail.review_final.subject": "CallCenterRate : une évaluation de votre appel a été finalisée",
  "notice.mail.review_final.body":
    "Bonjour,\n\nUne évaluation de votre appel {callId} chez {tenant} a été finalisée (note {score}). Vous pouvez la lire, et la contester dans le délai fixé par votre organisation : {url}\n\nCallCenterRate",
  "notice.mail.review_disputed.subject": "CallCenterRate : une évaluation a été contestée",
  "notice.mail.review_disputed.body":
    "Bonjour,\n\nUn agent de {tenant} a contesté l'évaluation de l'appel {callId}. Traitez la contestation ici : {url}\n\nCallCenterRate",
  "notice.mail.job_done.subject": "CallCenterRate : {jobName} : terminé",
  "notice.mail.job_done.body":
    "Bonjour,\n\n{jobName} ({jobId}) pour {tenant} : terminé. Détails : {url}\n\nCallCenterRate",
  "notice.mail.job_failed.subject": "CallCenterRate : {jobName} : échec",
  "notice.mail.job_failed.body":
    "Bonjour,\n\n{jobName} ({jobId}) pour {tenant} : échec. Détails et suite à donner : {url}\n\nCallCenterRate",
  "gov.runs.skipped_hold": "Ignoré : conservation légale (données d'appels et tickets conservés)",
  "legal.category.account": "données de compte (nom, e-mail)",
  "legal.category.calls": "métadonnées des appels",
  "legal.category.audio": "enregistrements",
  "legal.category.transcripts": "transcriptions",
  "legal.category.analyses": "analyses et notes",
  "legal.category.billing": "données de facturation",
  "transfer.title": "Un transfert hors de l'UE",
  "transfer.location_us.what":
    "Vos enregistrements, transcriptions et analyses seraient stockés aux États-Unis (Cloudflare, juridiction américaine) au lieu de l'Union européenne, et la copie dans l'UE supprimée.",
  "transfer.international.what":
    "Les prestataires de transcription et d'analyse pourraient traiter vos données d'appels hors de l'Union européenne (notamment aux États-Unis). Le stockage reste dans l'UE.",
  "transfer.legal":
    "Il s'agit d'un transfert de données personnelles vers un pays tiers au sens des articles 44 à 46 du RGPD. Il repose sur les clauses contractuelles types de la Commission européenne (CCT, art. 46, par. 2, c) signées avec chaque sous-traitant ci-dessous (ou sur le cadre de protection des données UE–États-Unis là où la liste indique DPF). En tant que responsable de traitement, votre organisation le consigne et en informe les personnes enregistrées.",
  "transfer.subprocessors": "Sous-traitants qui traiteraient alors vos données d'appels hors de l'UE :",
  "transfer.subprocessors.none":
    "Aucun des prestataires que vous utilisez aujourd'hui ; cela change si vous en choisissez un sans traitement dans l'UE.",
  "transfer.selectable": "Prestataires sans traitement dans l'UE que vous pourriez alors choisir : {list}.",
  "transfer.stays.location_us":
    "Ce qui reste dans l'UE : les comptes, la connexion et les sessions, les clés d'API, le journal d'audit, les données de facturation et les e-mails de service (Brevo, France).",
  "transfer.stays.international":
    "Ce qui reste dans l'UE : le stockage des enregistrements, transcriptions et analyses, les comptes, le journal d'audit et les données de facturation.",
  "transfer.owner_only": "Seul un propriétaire de l'organisation peut confirmer un transfert hors de l'UE.",
  "transfer.mailed": "Chaque propriétaire et administrateur en est informé par e-mail une fois confirmé.",
  "transfer.confirm_name": "Pour confirmer le transfert, saisissez le nom de l'organisation : {name}",
  "transfer.error.owner": "Seul un propriétaire de l'organisation peut confirmer un transfert hors de l'UE.",
  "transfer.error.name": "Saisissez le nom exact de l'organisation pour confirmer le transfert.",
  "transfer.mail.subject": "CallCenterRate : transfert hors de l'UE confirmé pour {tenant}",
  "transfer.mail.who_key": "La clé d'API {key} (au nom de son créateur, un propriétaire)",
  "transfer.mail.body":
    "Bonjour,\n\n{who} a confirmé un transfert des données d'appels de {tenant} hors de l'Union européenne (RGPD art. 44 à 46, clauses contractuelles types).\n\n{what}\n\nSous-traitants alors hors de l'UE :\n{list}\n\nDétails et historique : {url}\n\nCallCenterRate",
};
