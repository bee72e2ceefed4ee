/**
 * Figure 3: Kayenta's NetflixACAJudge applied after every interval (see judges.ts) on the same
 * four scenarios, for comparison with the sequential judge.
 * Run: node --import tsx bench/analysis/kayenta.ts
 */
import { SCENARIOS, simulateMany } from './simulate';
import { kayentaEveryInterval } from './judges';
import { header, MAX_INTERVALS, row, RUNS } from './report';

header('kayenta judge applied at every interval');
for (const sc of [SCENARIOS.aa, SCENARIOS.harmless, SCENARIOS.errors, SCENARIOS.latency]) {
  const t0 = Date.now();
  const s = simulateMany(sc, kayentaEveryInterval(), RUNS, MAX_INTERVALS, 3);
  row(sc.name, s, Date.now() - t0);
}
