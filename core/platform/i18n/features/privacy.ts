/** Strings of privacy requests (F3), merged into the tables by en.ts / fr.ts (same keys in both). */
export const privacyEn = {
  "scope.privacy:manage": "privacy:manage — record and handle privacy requests of callers and agents",
  "nav.privacy": "Privacy requests",

  "privacy.kind.access": "Access",
  "privacy.kind.rectification": "Rectification",
  "privacy.kind.erasure": "Erasure",
  "privacy.kind.restriction": "Restriction of processing",
  "privacy.kind.objection": "Objection",
  "privacy.kind.portability": "Portability",
  "privacy.kind.consent_withdrawal": "Consent withdrawal",
  "privacy.kind_help.access":
    "A ZIP with the person's calls (JSON, CSV, transcripts, evaluations, recordings) and the information on how they are processed.",
  "privacy.kind_help.rectification":
    "Correct the agent's name or team, the caller's number, or call details.",
  "privacy.kind_help.erasure":
    "Delete the person's calls everywhere (database, search index, evaluations, files). A legal hold wins and is reported.",
  "privacy.kind_help.restriction":
    "Keep the calls but stop processing them and hide them from lists, dashboards and exports until lifted.",
  "privacy.kind_help.objection":
    "No automated analysis of the person's calls, now or in future; new calls are held.",
  "privacy.kind_help.portability": "The data the person provided, machine-readable (JSON and CSV).",
  "privacy.kind_help.consent_withdrawal": "Recorded, and treated like an objection for processing.",

  "privacy.status.received": "Received",
  "privacy.status.identity_check": "Identity check",
  "privacy.status.in_progress": "In progress",
  "privacy.status.extended": "Extended",
  "privacy.status.completed": "Completed",
  "privacy.status.rejected": "Rejected",

  "privacy.subject.caller": "Caller",
  "privacy.subject.agent": "Agent",
  "privacy.subject.user": "User account",

  "privacy.channel.email": "E-mail",
  "privacy.channel.letter": "Letter",
  "privacy.channel.phone": "Phone",
  "privacy.channel.web_form": "Web form",
  "privacy.channel.in_person": "In person",
  "privacy.channel.other": "Other",

  "privacy.method.id_document": "Identity document checked",
  "privacy.method.account_match": "Matches the account or contract on file",
  "privacy.method.callback_known_number": "Called back on the number on file",
  "privacy.method.signed_letter": "Signed letter",
  "privacy.method.other": "Other (explain in the note)",

  "privacy.error.link_invalid": "This download link is not valid.",
  "privacy.error.link_expired": "This download link has expired. Open the request again to get a new one.",
  "privacy.error.export_gone": "The export is no longer available. Execute a new request if needed.",
  "privacy.error.phone": "This phone number is not valid.",
  "privacy.error.agent": "This agent does not exist.",
  "privacy.error.received_at": "The date of receipt must be within the last year and not in the future.",
  "privacy.error.concurrent": "Someone changed this request meanwhile. Reload the page and try again.",
  "privacy.error.state": "This action is not possible in the request's current state.",
  "privacy.error.identity": "Verify the person's identity before executing the request.",
  "privacy.error.extension": "The deadline can be extended by two months at most in total.",
  "privacy.error.lift": "Only an executed restriction, objection or consent withdrawal can be lifted, once.",
  "privacy.error.no_account": "There is no account with this e-mail address.",
  "privacy.error.sole_owner":
    "This person is the only owner of an organisation: ownership must be transferred first.",

  "privacy.info.processor": "CallCenterRate, processor acting on the organisation's instructions",
  "privacy.info.purpose.quality":
    "Evaluating the quality of customer service calls against the organisation's quality grid",
  "privacy.info.purpose.coaching": "Coaching and training the organisation's agents",
  "privacy.info.purpose.reporting": "Service dashboards and reports (figures, not individual decisions)",
  "privacy.info.category.metadata": "Call details: date, duration, direction, queue, campaign, agent, team",
  "privacy.info.category.phone":
    "The caller's phone number (stored encrypted; a keyed fingerprint for lookups)",
  "privacy.info.category.recording": "The call recording, when the organisation sent one",
  "privacy.info.category.transcript": "The transcript, with payment card numbers and similar data masked",
  "privacy.info.category.analysis": "Evaluations: scores, irritants, categories, summary, recommendations",
  "privacy.info.recipient.tenant": "Authorised staff of {tenant}",
  "privacy.info.recipient.processor": "CallCenterRate and its hosting provider (Cloudflare), as processors",
  "privacy.info.recipient.providers":
    "Speech-to-text or analysis providers chosen by the organisation: {providers}",
  "privacy.info.retention":
    "Recordings are kept {recordings} days, transcripts {transcripts} days, evaluations {analyses} days, unless a legal hold applies.",
  "privacy.info.source": "The calls were sent by {tenant} from its telephony or contact-centre systems.",
  "privacy.info.automated":
    "Calls are scored automatically; the scores support human supervisors and produce no decision with legal effect on their own.",
  "privacy.info.transfers.in_region": "Data is stored and processed in the {location} location only.",
  "privacy.info.transfers.international":
    "Data is stored in the {location} location; some processing may take place outside it under standard contractual clauses.",
  "privacy.info.right.access": "Access a copy of the data",
  "privacy.info.right.rectification": "Have inaccurate data corrected",
  "privacy.info.right.erasure": "Have the data erased",
  "privacy.info.right.restriction": "Have processing restricted",
  "privacy.info.right.objection": "Object to the processing",
  "privacy.info.right.portability": "Receive the data in a machine-readable format",
  "privacy.info.right.consent": "Withdraw consent at any time, where processing relies on it",
  "privacy.info.right.complaint": "Lodge a complaint with a data protection authority (in France, the CNIL)",

  "privacy.export.readme.access":
    "Copy of personal data — request {id}, {date}\r\nController: {tenant}\r\n\r\ninformation.json  how the data is processed (purposes, categories, recipients, retention, source, rights)\r\nsubject.json      who this export is about\r\ncalls.json        every call, machine-readable\r\ncalls.csv         the same, one line per call\r\ncalls/<id>/       transcript and evaluations of each call\r\nrecordings/       the recordings, as stored (a caller's export)\r\nreviews.json      human reviews of the calls (an agent's export; reviewers are not named)\r\ncalibration.json  calibration answers on the calls (an agent's export; reviewers are not named)\r\n",
  "privacy.export.readme.portability":
    "Portable copy of personal data — request {id}, {date}\r\nController: {tenant}\r\n\r\ninformation.json  how the data is processed\r\nsubject.json      who this export is about\r\ncalls.json        every call, machine-readable\r\ncalls.csv         the same, one line per call\r\ncalls/<id>/       transcript of each call\r\n",

  "privacy.mail.near.subject": "Privacy request due in {days} days ({kind})",
  "privacy.mail.near.text":
    "The privacy request {id} ({kind}) must be answered by {due}, in {days} days.\n\nOpen it: {url}\n\nIf you need more time, extend the deadline by up to two months and record why; the person must be told within the first month.",
  "privacy.mail.overdue.subject": "Overdue privacy request ({kind})",
  "privacy.mail.overdue.text":
    "The privacy request {id} ({kind}) was due on {due} and is still open.\n\nOpen it: {url}",

  "privacy.title": "Privacy requests",
  "privacy.intro":
    "People whose calls you send to CallCenterRate can exercise their rights. For call data your organisation decides and acts; the platform does the work and keeps the record. Answer within one month of receipt (extendable by two months, with a reason).",
  "privacy.list.title": "Requests",
  "privacy.list.open_only": "Open requests only",
  "privacy.list.all": "All requests",
  "privacy.none": "No privacy request yet.",
  "privacy.col.received": "Received",
  "privacy.col.kind": "Right",
  "privacy.col.subject": "Person",
  "privacy.col.status": "Status",
  "privacy.col.due": "Deadline",
  "privacy.overdue": "overdue",
  "privacy.create.title": "Record a request",
  "privacy.create.kind": "Right exercised",
  "privacy.create.subject_type": "The person is",
  "privacy.create.phone": "Caller's phone number",
  "privacy.create.phone_hint": "International format (+33…) or national; never stored in clear.",
  "privacy.create.agent": "Agent",
  "privacy.create.channel": "Received by",
  "privacy.create.received_at": "Date of receipt",
  "privacy.create.received_at_hint": "The deadline runs from this date (default: today).",
  "privacy.create.note": "Note (internal)",
  "privacy.create.submit": "Record the request",
  "privacy.detail.title": "{kind} request",
  "privacy.detail.back": "All requests",
  "privacy.field.subject": "Person",
  "privacy.field.status": "Status",
  "privacy.field.channel": "Received by",
  "privacy.field.received": "Received",
  "privacy.field.due": "Deadline",
  "privacy.field.extension": "Extension",
  "privacy.field.extension_value": "+{months} month(s): {reason}",
  "privacy.field.identity": "Identity",
  "privacy.field.identity_value": "{method}, {date}",
  "privacy.field.identity_none": "Not verified yet",
  "privacy.field.note": "Note",
  "privacy.field.result": "Outcome",
  "privacy.field.rejection": "Reason for rejection",
  "privacy.field.lifted": "Lifted",
  "privacy.field.job": "Running… reload the page in a moment.",
  "privacy.download": "Download the export (ZIP, {size})",
  "privacy.download_hint": "The link works for 24 hours; the file is kept until {date}.",
  "privacy.actions.title": "Next step",
  "privacy.action.start_identity_check": "Start the identity check",
  "privacy.action.verify_identity": "Record the identity as verified",
  "privacy.action.extend": "Extend the deadline",
  "privacy.action.execute": "Execute the request",
  "privacy.action.execute_confirm_erasure": "Erase every call of this person",
  "privacy.action.reject": "Reject the request",
  "privacy.action.lift": "Lift",
  "privacy.action.method": "How was the identity verified?",
  "privacy.action.note": "Note",
  "privacy.action.months": "Extension",
  "privacy.action.months_value": "{months} month(s)",
  "privacy.action.reason": "Reason (required)",
  "privacy.action.agent_name": "Correct agent name",
  "privacy.action.agent_team": "Correct team",
  "privacy.action.phone": "Correct phone number",
  "privacy.done.created": "The request was recorded. Next: check the person's identity.",
  "privacy.done.updated": "The request was updated.",
  "privacy.done.executing": "The request is being executed; this page shows the outcome when it is done.",
  "privacy.roles_note":
    "Requests about a user account (someone who signs in to this portal) are handled by CallCenterRate's support: write to it.",

  "privacy.ops.nav": "Privacy (accounts)",
  "privacy.ops.title": "Users' account requests",
  "privacy.ops.intro":
    "For user accounts CallCenterRate is controller: operators record and handle users' requests about their own account. Call data requests belong to each organisation.",
  "privacy.ops.email": "Account e-mail",
  "privacy.ops.profile": "Corrected profile (only the fields to change)",
} as const satisfies Record<string, string>;

export const privacyFr: Record<keyof typeof privacyEn, string> = {
  "scope.privacy:manage":
    "privacy:manage — enregistrer et traiter les demandes d'exercice de droits des appelants et conseillers",
  "nav.privacy": "Demandes RGPD",

  "privacy.kind.access": "Accès",
  "privacy.kind.rectification": "Rectification",
  "privacy.kind.erasure": "Effacement",
  "privacy.kind.restriction": "Limitation du traitement",
  "privacy.kind.objection": "Opposition",
  "privacy.kind.portability": "Portabilité",
  "privacy.kind.consent_withdrawal": "Retrait du consentement",
  "privacy.kind_help.access":
    "Un ZIP des appels de la personne (JSON, CSV, transcriptions, évaluations, enregistrements) et l'information sur leur traitement.",
  "privacy.kind_help.rectification":
    "Corriger le nom ou l'équipe du conseiller, le numéro de l'appelant ou les détails d'un appel.",
  "privacy.kind_help.erasure":
    "Supprimer partout les appels de la personne (base, index de recherche, évaluations, fichiers). Un gel juridique l'emporte et est signalé.",
  "privacy.kind_help.restriction":
    "Conserver les appels mais ne plus les traiter et les masquer des listes, tableaux de bord et exports jusqu'à levée.",
  "privacy.kind_help.objection":
    "Aucune analyse automatisée des appels de la personne, maintenant et à l'avenir ; les nouveaux appels sont suspendus.",
  "privacy.kind_help.portability":
    "Les données fournies par la personne, dans un format lisible par machine (JSON et CSV).",
  "privacy.kind_help.consent_withdrawal": "Consigné, et traité comme une opposition pour le traitement.",

  "privacy.status.received": "Reçue",
  "privacy.status.identity_check": "Vérification d'identité",
  "privacy.status.in_progress": "En cours",
  "privacy.status.extended": "Prolongée",
  "privacy.status.completed": "Traitée",
  "privacy.status.rejected": "Refusée",

  "privacy.subject.caller": "Appelant",
  "privacy.subject.agent": "Conseiller",
  "privacy.subject.user": "Compte utilisateur",

  "privacy.channel.email": "Courriel",
  "privacy.channel.letter": "Courrier",
  "privacy.channel.phone": "Téléphone",
  "privacy.channel.web_form": "Formulaire web",
  "privacy.channel.in_person": "En personne",
  "privacy.channel.other": "Autre",

  "privacy.method.id_document": "Pièce d'identité contrôlée",
  "privacy.method.account_match": "Correspond au compte ou au contrat connu",
  "privacy.method.callback_known_number": "Rappel au numéro connu",
  "privacy.method.signed_letter": "Courrier signé",
  "privacy.method.other": "Autre (préciser dans la note)",

  "privacy.error.link_invalid": "Ce lien de téléchargement n'est pas valide.",
  "privacy.error.link_expired":
    "Ce lien de téléchargement a expiré. Rouvrez la demande pour en obtenir un nouveau.",
  "privacy.error.export_gone": "L'export n'est plus disponible. Exécutez une nouvelle demande si nécessaire.",
  "privacy.error.phone": "Ce numéro de téléphone n'est pas valide.",
  "privacy.error.agent": "Ce conseiller n'existe pas.",
  "privacy.error.received_at": "La date de réception doit être dans l'année écoulée et pas dans le futur.",
  "privacy.error.concurrent":
    "Quelqu'un a modifié cette demande entre-temps. Rechargez la page et réessayez.",
  "privacy.error.state": "Cette action n'est pas possible dans l'état actuel de la demande.",
  "privacy.error.identity": "Vérifiez l'identité de la personne avant d'exécuter la demande.",
  "privacy.error.extension": "Le délai peut être prolongé de deux mois au plus au total.",
  "privacy.error.lift":
    "Seules une limitation, une opposition ou un retrait de consentement exécutés peuvent être levés, une fois.",
  "privacy.error.no_account": "Aucun compte n'a cette adresse électronique.",
  "privacy.error.sole_owner":
    "Cette personne est la seule propriétaire d'une organisation : la propriété doit d'abord être transférée.",

  "privacy.info.processor": "CallCenterRate, sous-traitant agissant sur instruction de l'organisation",
  "privacy.info.purpose.quality":
    "Évaluer la qualité des appels du service client selon la grille qualité de l'organisation",
  "privacy.info.purpose.coaching": "Accompagner et former les conseillers de l'organisation",
  "privacy.info.purpose.reporting":
    "Tableaux de bord et rapports de service (des chiffres, pas de décisions individuelles)",
  "privacy.info.category.metadata":
    "Détails de l'appel : date, durée, sens, file, campagne, conseiller, équipe",
  "privacy.info.category.phone":
    "Le numéro de l'appelant (chiffré ; une empreinte à clé pour les recherches)",
  "privacy.info.category.recording": "L'enregistrement de l'appel, lorsque l'organisation l'a transmis",
  "privacy.info.category.transcript":
    "La transcription, avec les numéros de carte bancaire et données similaires masqués",
  "privacy.info.category.analysis": "Évaluations : notes, irritants, catégories, résumé, recommandations",
  "privacy.info.recipient.tenant": "Le personnel habilité de {tenant}",
  "privacy.info.recipient.processor":
    "CallCenterRate et son hébergeur (Cloudflare), en qualité de sous-traitants",
  "privacy.info.recipient.providers":
    "Fournisseurs de transcription ou d'analyse choisis par l'organisation : {providers}",
  "privacy.info.retention":
    "Les enregistrements sont conservés {recordings} jours, les transcriptions {transcripts} jours, les évaluations {analyses} jours, sauf gel juridique.",
  "privacy.info.source":
    "Les appels ont été transmis par {tenant} depuis ses systèmes de téléphonie ou de centre de contacts.",
  "privacy.info.automated":
    "Les appels sont notés automatiquement ; les notes aident les superviseurs et ne produisent à elles seules aucune décision ayant un effet juridique.",
  "privacy.info.transfers.in_region":
    "Les données sont stockées et traitées uniquement dans l'emplacement {location}.",
  "privacy.info.transfers.international":
    "Les données sont stockées dans l'emplacement {location} ; certains traitements peuvent avoir lieu en dehors, sous clauses contractuelles types.",
  "privacy.info.right.access": "Obtenir une copie des données",
  "privacy.info.right.rectification": "Faire corriger des données inexactes",
  "privacy.info.right.erasure": "Faire effacer les données",
  "privacy.info.right.restriction": "Faire limiter le traitement",
  "privacy.info.right.objection": "S'opposer au traitement",
  "privacy.info.right.portability": "Recevoir les données dans un format lisible par machine",
  "privacy.info.right.consent": "Retirer son consentement à tout moment, lorsque le traitement en dépend",
  "privacy.info.right.complaint":
    "Introduire une réclamation auprès d'une autorité de protection des données (en France, la CNIL)",

  "privacy.export.readme.access":
    "Copie des données personnelles — demande {id}, {date}\r\nResponsable du traitement : {tenant}\r\n\r\ninformation.json  comment les données sont traitées (finalités, catégories, destinataires, conservation, source, droits)\r\nsubject.json      la personne concernée par cet export\r\ncalls.json        chaque appel, lisible par machine\r\ncalls.csv         la même chose, une ligne par appel\r\ncalls/<id>/       transcription et évaluations de chaque appel\r\nrecordings/       les enregistrements, tels que conservés (export d’un appelant)\r\nreviews.json      les revues humaines des appels (export d’un agent ; les évaluateurs ne sont pas nommés)\r\ncalibration.json  les réponses de calibration sur les appels (export d’un agent ; les évaluateurs ne sont pas nommés)\r\n",
  "privacy.export.readme.portability":
    "Copie portable des données personnelles — demande {id}, {date}\r\nResponsable du traitement : {tenant}\r\n\r\ninformation.json  comment les données sont traitées\r\nsubject.json      la personne concernée par cet export\r\ncalls.json        chaque appel, lisible par machine\r\ncalls.csv         la même chose, une ligne par appel\r\ncalls/<id>/       transcription de chaque appel\r\n",

  "privacy.mail.near.subject": "Demande RGPD à traiter dans {days} jours ({kind})",
  "privacy.mail.near.text":
    "La demande {id} ({kind}) doit recevoir une réponse au plus tard le {due}, dans {days} jours.\n\nOuvrir la demande : {url}\n\nS'il vous faut plus de temps, prolongez le délai de deux mois au plus en indiquant pourquoi ; la personne doit en être informée dans le premier mois.",
  "privacy.mail.overdue.subject": "Demande RGPD en retard ({kind})",
  "privacy.mail.overdue.text":
    "La demande {id} ({kind}) devait être traitée le {due} et est toujours ouverte.\n\nOuvrir la demande : {url}",

  "privacy.title": "Demandes RGPD",
  "privacy.intro":
    "Les personnes dont vous transmettez les appels à CallCenterRate peuvent exercer leurs droits. Pour les données d'appels, votre organisation décide et agit ; la plateforme exécute et garde la trace. Répondez dans un délai d'un mois à compter de la réception (prolongeable de deux mois, avec un motif).",
  "privacy.list.title": "Demandes",
  "privacy.list.open_only": "Demandes ouvertes seulement",
  "privacy.list.all": "Toutes les demandes",
  "privacy.none": "Aucune demande pour l'instant.",
  "privacy.col.received": "Reçue le",
  "privacy.col.kind": "Droit",
  "privacy.col.subject": "Personne",
  "privacy.col.status": "Statut",
  "privacy.col.due": "Échéance",
  "privacy.overdue": "en retard",
  "privacy.create.title": "Enregistrer une demande",
  "privacy.create.kind": "Droit exercé",
  "privacy.create.subject_type": "La personne est",
  "privacy.create.phone": "Numéro de l'appelant",
  "privacy.create.phone_hint": "Format international (+33…) ou national ; jamais conservé en clair.",
  "privacy.create.agent": "Conseiller",
  "privacy.create.channel": "Reçue par",
  "privacy.create.received_at": "Date de réception",
  "privacy.create.received_at_hint": "Le délai court à partir de cette date (par défaut : aujourd'hui).",
  "privacy.create.note": "Note (interne)",
  "privacy.create.submit": "Enregistrer la demande",
  "privacy.detail.title": "Demande : {kind}",
  "privacy.detail.back": "Toutes les demandes",
  "privacy.field.subject": "Personne",
  "privacy.field.status": "Statut",
  "privacy.field.channel": "Reçue par",
  "privacy.field.received": "Reçue le",
  "privacy.field.due": "Échéance",
  "privacy.field.extension": "Prolongation",
  "privacy.field.extension_value": "+{months} mois : {reason}",
  "privacy.field.identity": "Identité",
  "privacy.field.identity_value": "{method}, {date}",
  "privacy.field.identity_none": "Pas encore vérifiée",
  "privacy.field.note": "Note",
  "privacy.field.result": "Résultat",
  "privacy.field.rejection": "Motif du refus",
  "privacy.field.lifted": "Levée le",
  "privacy.field.job": "Exécution en cours… rechargez la page dans un instant.",
  "privacy.download": "Télécharger l'export (ZIP, {size})",
  "privacy.download_hint": "Le lien est valable 24 heures ; le fichier est conservé jusqu'au {date}.",
  "privacy.actions.title": "Étape suivante",
  "privacy.action.start_identity_check": "Commencer la vérification d'identité",
  "privacy.action.verify_identity": "Consigner l'identité comme vérifiée",
  "privacy.action.extend": "Prolonger le délai",
  "privacy.action.execute": "Exécuter la demande",
  "privacy.action.execute_confirm_erasure": "Effacer tous les appels de cette personne",
  "privacy.action.reject": "Refuser la demande",
  "privacy.action.lift": "Lever",
  "privacy.action.method": "Comment l'identité a-t-elle été vérifiée ?",
  "privacy.action.note": "Note",
  "privacy.action.months": "Prolongation",
  "privacy.action.months_value": "{months} mois",
  "privacy.action.reason": "Motif (obligatoire)",
  "privacy.action.agent_name": "Nom corrigé du conseiller",
  "privacy.action.agent_team": "Équipe corrigée",
  "privacy.action.phone": "Numéro corrigé",
  "privacy.done.created": "La demande est enregistrée. Étape suivante : vérifier l'identité de la personne.",
  "privacy.done.updated": "La demande a été mise à jour.",
  "privacy.done.executing": "La demande est en cours d'exécution ; cette page en affichera le résultat.",
  "privacy.roles_note":
    "Les demandes concernant un compte utilisateur (une personne qui se connecte à ce portail) sont traitées par le support de CallCenterRate : écrivez-lui.",

  "privacy.ops.nav": "RGPD (comptes)",
  "privacy.ops.title": "Demandes des utilisateurs sur leur compte",
  "privacy.ops.intro":
    "Pour les comptes utilisateurs, CallCenterRate est responsable du traitement : les opérateurs enregistrent et traitent les demandes des utilisateurs sur leur propre compte. Les demandes sur les données d'appels relèvent de chaque organisation.",
  "privacy.ops.email": "Adresse du compte",
  "privacy.ops.profile": "Profil corrigé (seulement les champs à changer)",
};
