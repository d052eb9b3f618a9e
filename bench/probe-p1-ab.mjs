// A/B timing of the engine of two source trees in one process, interleaved in chunks so both see
// the same machine load (a shared machine is noisy): `node bench/probe-p1-ab.mjs <rootA> <rootB> [chunks]`.
// Same calls, rubric and bundling as bench/p1.mjs. Reports per tree and language the median of
// the per-analysis wall times and the process CPU per analysis.
import { transcript } from "./lib/text.mjs";
import { loadEngine, rubric20, toModel } from "./p1.mjs";

const [rootA, rootB, chunksArg] = process.argv.slice(2);
const CHUNKS = Number(chunksArg ?? 20);
const PER_CHUNK = 100;

const engines = [
  await loadEngine({ tree: rootA, name: "ab-a" }),
  await loadEngine({ tree: rootB, name: "ab-b" }),
];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};
for (const lang of ["fr", "en"]) {
  const calls = Array.from({ length: 20 }, (_, i) => toModel(transcript(700 + i, { language: lang })));
  const setups = engines.map((e) => {
    const rubric = rubric20(e.TEMPLATES[0], lang);
    return (i) => ({
      transcript: calls[i % calls.length],
      call: { durationS: 600, language: lang, companyName: "Assurances Horizon" },
      rubric,
    });
  });
  for (let k = 0; k < 2; k++) for (let i = 0; i < 300; i++) engines[k].analyze(setups[k](i));
  const times = [[], []];
  const cpu = [[], []];
  for (let ch = 0; ch < CHUNKS; ch++)
    for (const k of ch % 2 ? [1, 0] : [0, 1]) {
      const c0 = process.cpuUsage();
      for (let i = 0; i < PER_CHUNK; i++) {
        const t0 = performance.now();
        engines[k].analyze(setups[k](ch * PER_CHUNK + i));
        times[k].push(performance.now() - t0);
      }
      const c = process.cpuUsage(c0);
      cpu[k].push((c.user + c.system) / 1000 / PER_CHUNK);
    }
  const f = (k) =>
    `median ${median(times[k]).toFixed(3)} ms, cpu/call (median chunk) ${median(cpu[k]).toFixed(3)} ms`;
  console.log(
    `${lang}  A ${f(0)}\n${lang}  B ${f(1)}   B/A ${(median(times[1]) / median(times[0])).toFixed(2)}`,
  );
}
