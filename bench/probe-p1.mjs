// Profiling helper for P1: bundles the engine like bench/p1.mjs (unminified, for readable
// profiles) and runs analyze() over the benchmark's calls N times.
//   node --cpu-prof --cpu-prof-dir=.wrangler/prof bench/probe-p1.mjs [fr|en] [runs] [--min]
import { transcript } from "./lib/text.mjs";
import { loadEngine, rubric20, toModel } from "./p1.mjs";

const lang = process.argv[2] ?? "fr";
const runs = Number(process.argv[3] ?? 3000);
const { analyze, TEMPLATES } = await loadEngine({ name: "probe-p1", minify: process.argv.includes("--min") });
const rubric = rubric20(TEMPLATES[0], lang);
const calls = Array.from({ length: 20 }, (_, i) => toModel(transcript(700 + i, { language: lang })));
const input = (i) => ({
  transcript: calls[i % calls.length],
  call: { durationS: 600, language: lang, companyName: "Assurances Horizon" },
  rubric,
});
for (let i = 0; i < 300; i++) analyze(input(i));
const times = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  analyze(input(i));
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(`${lang}: median ${times[runs >> 1].toFixed(3)} ms over ${runs}`);
