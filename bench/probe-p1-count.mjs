// Instruction-count probe for P1 under valgrind (deterministic on a loaded machine):
//   valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
//     node bench/probe-p1-count.mjs <tree> <fr|en> <warmup> <runs>
// Run twice (runs = 0 and runs = N) and divide the difference in "I refs" by N.
import { transcript } from "./lib/text.mjs";
import { loadEngine, rubric20, toModel } from "./p1.mjs";

const [tree, lang = "en", warmArg = "300", runsArg = "0"] = process.argv.slice(2);
const { analyze, TEMPLATES } = await loadEngine({ tree, name: `count-${process.pid}` });
const rubric = rubric20(TEMPLATES[0], lang);
const calls = Array.from({ length: 20 }, (_, i) => toModel(transcript(700 + i, { language: lang })));
const input = (i) => ({
  transcript: calls[i % calls.length],
  call: { durationS: 600, language: lang, companyName: "Assurances Horizon" },
  rubric,
});
const W = Number(warmArg);
const N = Number(runsArg);
for (let i = 0; i < W + N; i++) analyze(input(i));
