/** Strings of multilingual quality grids (issue #15), merged into en.ts / fr.ts. */
export const gridsEn = {
  "grid.lang.fr": "French",
  "grid.lang.en": "English",
  "grid.no_wording":
    "Not evaluated: this criterion has no phrases in {language} yet (add them in the rubric editor).",
};

export const gridsFr: Record<keyof typeof gridsEn, string> = {
  "grid.lang.fr": "français",
  "grid.lang.en": "anglais",
  "grid.no_wording":
    "Non évalué : ce critère n'a pas encore de formulations en {language} (à ajouter dans l'éditeur de grille).",
};
