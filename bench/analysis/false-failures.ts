/**
 * Figure 1: false-failure rate of the `sequential` judge (defaults) over A/A runs and runs with a
 * harmless difference (canary latency +3%). Target: ≤ 1%.
 * Run: node --import tsx bench/analysis/false-failures.ts   (RUNS=200 for a quick look)
 */
import { SCENARIOS, simulateMany } from './simulate';
import { sequentialJudge } from './judges';
import { header, MAX_INTERVALS, row, RUNS } from './report';

header('sequential judge: false failures');
for (const sc of [SCENARIOS.aa, SCENARIOS.harmless]) {
  const t0 = Date.now();
  const s = simulateMany(sc, sequentialJudge(), RUNS, MAX_INTERVALS, 1);
  row(sc.name, s, Date.now() - t0);
}
