import { analyze, findings } from "../../core/scoring/engine";
import { TEMPLATES } from "../../core/scoring/templates";
import { utteranceCall } from "./banking77";
import { engineInput, type LabelledCall } from "./corpus";
import { EVAL_RUBRICS } from "./rubric";

/** What `scripts/eval/dump-findings.mjs` bundles: everything the engine outputs for one call. */
export function dumpCall(call: LabelledCall) {
  const out: Record<string, unknown> = {};
  const lang = call.language as "fr" | "en";
  const rubrics: [string, Parameters<typeof analyze>[0]["rubric"]][] = [["eval", EVAL_RUBRICS[lang]]];
  for (const t of TEMPLATES) {
    const v = t.versions[lang];
    if (v) rubrics.push([t.id, { ...v, rubricId: `tpl_${t.id}`, version: 1 }]);
  }
  // A tenant lexicon too (loose literal phrases), so the tenant path is covered.
  const tenant = {
    irritants: [
      {
        type: "delivery_damage",
        phrases: ["colis abîmé", "damaged parcel", "carton"],
        severity: "high" as const,
      },
      { type: "app_bug", phrases: ["application plante", "app crashes", "bug"] },
    ],
    categories: [
      { id: "billing_custom", phrases: ["facture", "bill", "prélèvement", "direct debit"] },
      { id: "fibre", phrases: ["fibre", "box internet", "router"] },
    ],
  };
  for (const [name, rubric] of rubrics) {
    const input = engineInput(call, rubric);
    out[name] = analyze(name === "eval" ? input : { ...input, tenant });
  }
  out.features = findings(engineInput(call, EVAL_RUBRICS[lang])).features;
  return out;
}

export function dumpUtterance(text: string, i: number) {
  const c = utteranceCall(text, i);
  return analyze(engineInput(c, EVAL_RUBRICS[c.language as "fr" | "en"]));
}
export { parseBanking77 } from "./banking77";
