/** Strings of retention, location, contract end (issue #5), merged into en.ts / fr.ts. */
export const governanceEn = {
  "error.tenant_locked.location_migration":
    "Your call data is being moved to its new location. Changes are refused until the move ends; please retry in a few minutes.",
  "error.tenant_locked.contract_end":
    "Your organisation's data is being deleted at the end of the contract; no change is possible.",
} as const satisfies Record<string, string>;

export const governanceFr: Record<keyof typeof governanceEn, string> = {
  "error.tenant_locked.location_migration":
    "Vos données d'appels sont en cours de déplacement vers leur nouvel emplacement. Les modifications sont refusées jusqu'à la fin du transfert ; réessayez dans quelques minutes.",
  "error.tenant_locked.contract_end":
    "Les données de votre organisation sont en cours de suppression à la fin du contrat ; aucune modification n'est possible.",
};
