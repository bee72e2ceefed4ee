export {};
/**
 * Figure 3b: Kayenta's NetflixACAJudge applied after every interval, reading six points per
 * interval (the router's 10-second buckets of a 1-minute interval) instead of one.
 * Run: node --import tsx bench/analysis/kayenta-10s.ts   (RUNS defaults to 300 here: slower judge)
 */
process.env.RUNS ??= '300';
const { SCENARIOS, simulateMany } = await import('./simulate');
const { kayentaSubIntervalPoints } = await import('./judges');
const { header, MAX_INTERVALS, row, RUNS } = await import('./report');

header('kayenta judge at every interval, six 10-second points per interval');
for (const sc of [SCENARIOS.aa, SCENARIOS.harmless, SCENARIOS.errors, SCENARIOS.latency]) {
  const t0 = Date.now();
  const s = simulateMany(sc, kayentaSubIntervalPoints(), RUNS, MAX_INTERVALS, 3);
  row(sc.name, s, Date.now() - t0);
}
