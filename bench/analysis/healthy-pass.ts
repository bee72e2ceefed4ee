/**
 * Figure: share of healthy canaries the `sequential` judge (defaults) passes by the last of 20
 * one-minute intervals at 1,000 baseline and 100 canary requests per interval and 1% errors on
 * both, with its end-of-analysis rule; in the same run, false failures (A/A, +3% latency) and bad
 * canaries failed within 12 intervals (errors 1% → 3%, latency +30%, errors on a zero-error
 * baseline). The previous defaults (no end rule, minRatio 1.5) run beside them as the reference.
 * Targets: ≥ 80% healthy passed; ≤ 1% false failures; ≥ 95% bad canaries failed within 12.
 * Run: node --import tsx bench/analysis/healthy-pass.ts   (RUNS=200 for a quick look)
 */
import { cpus } from 'node:os';
import { SCENARIOS, pct, simulateMany } from './simulate';
import { sequentialJudge } from './judges';
import { RUNS } from './report';

const INTERVALS = 20;
const configs = [
  { name: 'defaults (end rule, minRatio 2)', settings: {} },
  { name: 'previous defaults (no end rule, minRatio 1.5)', settings: { endShare: 0, errorRate: { minRatio: 1.5 } } },
];

console.log('## sequential judge: healthy canaries passed by the planned end\n');
console.log(
  `${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}; other work ran on the machine).`,
);
console.log(`${RUNS} runs per scenario, 100 canary and 1,000 baseline requests per interval, judged after every interval, ${INTERVALS} intervals planned.\n`);
console.log('| settings | scenario | pass | fail | fail within 12 | inconclusive | median intervals to pass |');
console.log('|---|---|---|---|---|---|---|');
const passShare: number[] = [];
for (const c of configs) {
  for (const sc of [SCENARIOS.aa, SCENARIOS.harmless, SCENARIOS.errors, SCENARIOS.latency, SCENARIOS.zeroBaseline]) {
    const s = simulateMany(sc, sequentialJudge(c.settings), RUNS, INTERVALS, 4);
    if (sc === SCENARIOS.aa) passShare.push(s.pass / s.runs);
    const med = Number.isNaN(s.medianIntervalsToPass) ? '-' : String(s.medianIntervalsToPass);
    console.log(
      `| ${c.name} | ${sc.name} | ${pct(s.pass, s.runs)} | ${pct(s.fail, s.runs)} | ${pct(s.failWithin12, s.runs)} | ${pct(s.inconclusive, s.runs)} | ${med} |`,
    );
  }
}
console.log(
  `\nHealthy canaries passed: ${(passShare[0]! * 100).toFixed(1)}% with the end rule, ${(passShare[1]! * 100).toFixed(1)}% before (×${(passShare[0]! / Math.max(passShare[1]!, 1e-9)).toFixed(1)}).`,
);
