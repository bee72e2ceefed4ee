/**
 * Figure: one incremental minute tick over 1,000 SLOs (each window gains the new minute and loses
 * the one that left it), after a full evaluation; and peak memory.
 * Run: node --import tsx bench/slo/minute-tick.ts [count] [ticks]
 */
import { IncrementalEvaluation } from '../../src/slo/incremental-evaluation';
import { evaluateSlo } from '../../src/slo/slo-evaluation';
import { buildDataset, mb, STEPS, MIN, T0 } from './dataset';

const count = Number(process.argv[2] ?? 1000);
const ticks = Number(process.argv[3] ?? 70);
const WARMUP = 10;
const set = buildDataset(count, ticks);
let at = T0 + STEPS * MIN;
const evals = set.map((s) => new IncrementalEvaluation(s.model, s.data, at));
const times: number[] = [];
for (let k = 0; k < ticks; k++) {
  const i = STEPS + k;
  for (const s of set) {
    s.data.total[i] = 300;
    s.data.good[i] = k % 10 === 0 ? 290 : 300;
  }
  at += MIN;
  const start = performance.now();
  for (let j = 0; j < evals.length; j++) evals[j].advance(set[j].data, at);
  let firing = 0;
  for (const e of evals) firing += e.status().objectives[0].alerts.filter((a) => a.firing).length;
  // the first ticks warm the JIT up; they are not measured
  if (k >= WARMUP) times.push(performance.now() - start);
  void firing;
}
// the incremental result equals a full evaluation at the end
const check = evaluateSlo(set[7].model, set[7].data, at).objectives[0];
const inc = evals[7].status().objectives[0];
const agree = Math.abs(check.budgetRemaining - inc.budgetRemaining) < 1e-9;
const peak = process.resourceUsage().maxRSS * 1024;
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    figure: 'tick',
    slos: count,
    ticks,
    measured: times.length,
    medianMs: +times[Math.floor(times.length / 2)].toFixed(2),
    p95Ms: +times[Math.floor(times.length * 0.95)].toFixed(2),
    maxMs: +times[times.length - 1].toFixed(2),
    agreesWithFull: agree,
    peakRss: mb(peak),
  }),
);
