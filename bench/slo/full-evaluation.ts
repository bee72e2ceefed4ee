/**
 * Figure: time to evaluate 1,000 SLOs over 30 days of one-minute data from scratch (SLI, budget,
 * seven burn windows, four alerts each), and peak memory.
 * Run: node --import tsx bench/slo/full-evaluation.ts [count]
 */
import { evaluateSlo } from '../../src/slo/slo-evaluation';
import { buildDataset, mb, STEPS, MIN, T0 } from './dataset';

const count = Number(process.argv[2] ?? 1000);
const t0 = performance.now();
const set = buildDataset(count);
const built = performance.now() - t0;
const at = T0 + STEPS * MIN;
// warm-up on a few SLOs (JIT), then timed runs over all
for (const s of set.slice(0, 20)) evaluateSlo(s.model, s.data, at);
const runs: number[] = [];
let firing = 0;
for (let r = 0; r < 3; r++) {
  const start = performance.now();
  firing = 0;
  for (const s of set) firing += evaluateSlo(s.model, s.data, at).objectives[0].alerts.filter((a) => a.firing).length;
  runs.push(performance.now() - start);
}
const peak = process.resourceUsage().maxRSS * 1024;
runs.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    figure: 'full',
    slos: count,
    steps: STEPS,
    dataBuildMs: Math.round(built),
    runsMs: runs.map((x) => Math.round(x)),
    medianMs: Math.round(runs[1]),
    firing,
    peakRss: mb(peak),
  }),
);
