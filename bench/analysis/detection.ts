/**
 * Figure 2: detection rate and median intervals-to-detect of the `sequential` judge (defaults)
 * for errors 1% → 3% and latency +30%. Target: ≥ 95% within 12 intervals.
 * Run: node --import tsx bench/analysis/detection.ts
 */
import { SCENARIOS, simulateMany } from './simulate';
import { sequentialJudge } from './judges';
import { header, MAX_INTERVALS, row, RUNS } from './report';

header('sequential judge: detection');
for (const sc of [SCENARIOS.errors, SCENARIOS.latency]) {
  const t0 = Date.now();
  const s = simulateMany(sc, sequentialJudge(), RUNS, MAX_INTERVALS, 2);
  row(sc.name, s, Date.now() - t0);
}
