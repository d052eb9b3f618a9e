/** Strings of retention, location, contract end (issue #5), merged into en.ts / fr.ts. */
export const governanceEn = {
  "error.tenant_locked.location_migration":
    "Your call data is being moved to its new location. Changes are refused until the move ends; please retry in a few minutes.",
  "error.tenant_locked.contract_end":
    "Your organisation's data is being deleted at the end of the contract; no change is possible.",
  "retention.count.recordings": "Recordings",
  "retention.count.transcripts": "Transcripts",
  "retention.count.providerResponses": "Raw transcription-provider responses",
  "retention.count.analyses": "Analyses",
  "retention.count.calls": "Calls (all their data)",
  "retention.count.objects": "Stored files deleted",
  "retention.count.exports": "Exports",
  "retention.count.connectionLogs": "Connection log entries",
  "retention.count.webhookDeliveries": "Webhook delivery log entries",
  "retention.count.mails": "E-mail log entries",
  "retention.count.auditEntries": "Audit log entries",
  "retention.mail.subject": "CallCenterRate: retention run for {tenant}",
  "retention.mail.body":
    "Hello,\n\nToday's retention run for {tenant} deleted the data whose retention period has ended:\n\n{lines}\n\nData under legal hold was kept. Details: {url}\n\nCallCenterRate",
} as const satisfies Record<string, string>;

export const governanceFr: Record<keyof typeof governanceEn, string> = {
  "error.tenant_locked.location_migration":
    "Vos données d'appels sont en cours de déplacement vers leur nouvel emplacement. Les modifications sont refusées jusqu'à la fin du transfert ; réessayez dans quelques minutes.",
  "error.tenant_locked.contract_end":
    "Les données de votre organisation sont en cours de suppression à la fin du contrat ; aucune modification n'est possible.",
  "retention.count.recordings": "Enregistrements",
  "retention.count.transcripts": "Transcriptions",
  "retention.count.providerResponses": "Réponses brutes des prestataires de transcription",
  "retention.count.analyses": "Analyses",
  "retention.count.calls": "Appels (toutes leurs données)",
  "retention.count.objects": "Fichiers stockés supprimés",
  "retention.count.exports": "Exports",
  "retention.count.connectionLogs": "Entrées du journal de connexion",
  "retention.count.webhookDeliveries": "Entrées du journal des webhooks",
  "retention.count.mails": "Entrées du journal des e-mails",
  "retention.count.auditEntries": "Entrées du journal d'audit",
  "retention.mail.subject": "CallCenterRate : purge de conservation pour {tenant}",
  "retention.mail.body":
    "Bonjour,\n\nLa purge quotidienne de {tenant} a supprimé les données dont la durée de conservation est échue :\n\n{lines}\n\nLes données sous conservation légale ont été gardées. Détails : {url}\n\nCallCenterRate",
};
