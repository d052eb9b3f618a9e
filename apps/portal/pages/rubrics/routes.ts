import type { Hono } from "hono";
import { access } from "../../../middleware/access";
import type { AppEnv } from "../../../types";
import { createFromTemplate, editRubric, listPage, rubricPage, saveSettings, versionPage } from "./pages";

/**
 * Quality grids in the portal (D4, C4): the tenant's rubrics, creating one from a template, a
 * rubric's versions, and the editor of a new version — sections and criteria with their weight,
 * critical flag, answer type and how the built-in engine judges them; the pass threshold; a live
 * weight total (`/static/rubric-editor.js`, progressive: the server checks the total anyway) and a
 * dry run of the unsaved draft on one of the tenant's analysed calls (nothing stored).
 *
 * Every language of the grid is edited side by side (labels, descriptions, phrases, forbidden words,
 * questions: one field per language, named `….fr`, `….en`); the rest — weights, answer types,
 * windows, thresholds — is shared, so a grid's scores stay comparable across languages. The editor
 * names the criteria with no phrases in a language the tenant's calls use (they would be
 * `not_evaluated` on those calls).
 *
 * The editor is one form. Its buttons say what to do with the draft (`op`): save it as version
 * n+1, dry-run it, or add/remove a criterion or a section — those re-render the draft unsaved, so
 * the page works without JavaScript. The first button of the form is "save" (Enter in a field).
 *
 * Files: `codec.ts` (form ⇄ draft ⇄ grid, errors), `components.tsx` and `editor.tsx` (the pieces),
 * `pages.tsx` (the pages and what each POST does); this file only registers them.
 */
export function registerRubrics(app: Hono<AppEnv>) {
  const read = access({ kind: "portal", perm: "rubrics:read" });
  const write = access({ kind: "portal", perm: "rubrics:write" });
  app.get("/rubrics", read, (c) => listPage(c));
  app.post("/rubrics", write, (c) => createFromTemplate(c));
  app.get("/rubrics/:rubricId", read, (c) => rubricPage(c, c.req.param("rubricId")));
  app.get("/rubrics/:rubricId/versions/:version", read, (c) =>
    versionPage(c, c.req.param("rubricId"), c.req.param("version")),
  );
  app.post("/rubrics/:rubricId/edit", write, (c) => editRubric(c, c.req.param("rubricId")));
  app.post("/rubrics/:rubricId/settings", write, (c) => saveSettings(c, c.req.param("rubricId")));
}
