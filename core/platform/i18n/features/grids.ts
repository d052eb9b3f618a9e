/** Strings of multilingual quality grids (issue #15), merged into en.ts / fr.ts. */
export const gridsEn = {
  "grid.lang.fr": "French",
  "grid.lang.en": "English",
  "grid.no_wording":
    "Not evaluated: this criterion has no phrases in {language} yet (add them in the rubric editor).",
  "grid.editor_help":
    "One grid serves every language: labels, phrases and words are written per language, side by side; weights and thresholds are shared, so scores stay comparable. A call is judged with its own language's phrases.",
  "grid.warn.intro":
    "Some criteria have no phrases in a language your calls use: on those calls they are not evaluated (their weight leaves the score).",
  "grid.warn.language": "{language} ({count}):",
  "grid.dry_language": "judged in {language}",
  "dash.language": "Call language",
  "dash.language_all": "All languages",
};

export const gridsFr: Record<keyof typeof gridsEn, string> = {
  "grid.lang.fr": "français",
  "grid.lang.en": "anglais",
  "grid.no_wording":
    "Non évalué : ce critère n'a pas encore de formulations en {language} (à ajouter dans l'éditeur de grille).",
  "grid.editor_help":
    "Une grille sert toutes les langues : libellés, formulations et mots s'écrivent par langue, côte à côte ; poids et seuils sont communs, les notes restent comparables. Un appel est évalué avec les formulations de sa langue.",
  "grid.warn.intro":
    "Certains critères n'ont pas de formulations dans une langue de vos appels : sur ces appels, ils ne sont pas évalués (leur poids sort de la note).",
  "grid.warn.language": "{language} ({count}) :",
  "grid.dry_language": "évalué en {language}",
  "dash.language": "Langue de l'appel",
  "dash.language_all": "Toutes les langues",
};
