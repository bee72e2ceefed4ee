/**
 * `shipgate verify perf` on simulated latencies: 200 seeded A/A comparisons (baseline and
 * candidate from the same distribution) and 200 seeded comparisons with the candidate 10 % slower
 * (every latency ×1.10, so its p99 is 10 % higher), on p99 from raw samples. Latencies are
 * lognormal (median 20 ms, σ = 0.5 of the log) with occasional outliers (a fraction of requests
 * 5–20× slower). Counts the gate's fail, pass and rerun verdicts, and the naive rule
 * "candidate p99 / baseline p99 > 1.10" on the same data as the peer. Goals: false alarms
 * (`fail` on A/A) ≤ 5 %, detection (`fail` on the 10 % regression) ≥ 90 %.
 *
 *   node --import tsx bench/verify/perf-gate.ts [--samples 70000] [--outliers 0.002] [--max-regression 5] [--trials 200] [--metric p99]
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { seededVariates } from '../../src/core/stats/variates';
import { comparePerf, type PerfVerdict } from '../../src/verify/perf/perf-gate';
import type { PerfFile } from '../../src/verify/perf/perf-readers';
import { quantileSorted, sorted } from '../../src/core/stats/quantiles';

const { values: args } = parseArgs({
  options: {
    samples: { type: 'string', default: '70000' },
    outliers: { type: 'string', default: '0.002' },
    'max-regression': { type: 'string', default: '5' },
    trials: { type: 'string', default: '200' },
    regression: { type: 'string', default: '10' },
    metric: { type: 'string', default: 'p99' },
  },
});
const N = Number(args.samples);
const OUTLIERS = Number(args.outliers);
const MAX_REGRESSION = Number(args['max-regression']) / 100;
const TRIALS = Number(args.trials);
const SLOWDOWN = 1 + Number(args.regression) / 100;
const METRIC = args.metric as 'p90' | 'p95' | 'p99';
const Q = { p90: 0.9, p95: 0.95, p99: 0.99 }[METRIC];

/** One run's latencies in ms: lognormal body, a fraction `OUTLIERS` of them 5–20× slower. */
function latencies(seed: number, scale: number): number[] {
  const v = seededVariates(seed);
  return Array.from({ length: N }, () => {
    const body = 20 * Math.exp(0.5 * v.normal());
    const slow = v.uniform() < OUTLIERS ? 5 + 15 * v.uniform() : 1;
    return body * slow * scale;
  });
}

const file = (name: string, samplesMs: number[]): PerfFile => ({ file: name, format: 'samples', samplesMs, aggregates: {} });

function scenario(scale: number, seedBase: number) {
  const verdicts: Record<PerfVerdict, number> = { pass: 0, fail: 0, rerun: 0 };
  let naiveFail = 0;
  const estimates: number[] = [];
  const t0 = performance.now();
  let gateMs = 0;
  for (let t = 0; t < TRIALS; t++) {
    const b = latencies(seedBase + 2 * t, 1);
    const c = latencies(seedBase + 2 * t + 1, scale);
    const g0 = performance.now();
    const r = comparePerf([file('baseline', b)], [file('candidate', c)], { metric: METRIC, maxRegression: MAX_REGRESSION, confidence: 0.95 });
    gateMs += performance.now() - g0;
    verdicts[r.verdict]++;
    if (r.regression) estimates.push(r.regression.upper - r.regression.lower);
    if (quantileSorted(sorted(c), Q) / quantileSorted(sorted(b), Q) > 1.1) naiveFail++;
  }
  const widths = sorted(estimates);
  return { verdicts, naiveFail, totalMs: performance.now() - t0, gateMs, medianWidth: quantileSorted(widths, 0.5) };
}

const rate = (k: number) => `${((k / TRIALS) * 100).toFixed(1)}%`;
console.log(
  `perf gate bench: ${TRIALS} trials per scenario, ${N} samples per side, outliers ${(OUTLIERS * 100).toFixed(1)}% at 5–20×, ${METRIC}, --max-regression ${(MAX_REGRESSION * 100).toFixed(0)}%, 95% confidence, 2,000 bootstrap resamples`,
);
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, node ${process.version}`,
);
const aa = scenario(1, 1_000_000);
const reg = scenario(SLOWDOWN, 2_000_000);
for (const [name, s, goal] of [
  ['A/A (no change)', aa, 'false alarms ≤ 5%'],
  [`candidate ×${SLOWDOWN.toFixed(2)} (${METRIC} +${Math.round((SLOWDOWN - 1) * 100)}%)`, reg, 'detection ≥ 90%'],
] as const) {
  console.log(
    `${name}: gate fail ${rate(s.verdicts.fail)}, pass ${rate(s.verdicts.pass)}, rerun ${rate(s.verdicts.rerun)}; naive ${METRIC} ratio>1.10 fail ${rate(s.naiveFail)}; median interval width ${(s.medianWidth * 100).toFixed(2)} points; ${(s.gateMs / TRIALS).toFixed(1)} ms per decision, ${(s.totalMs / 1000).toFixed(1)} s with data generation (${goal})`,
  );
}
const falseAlarms = aa.verdicts.fail / TRIALS;
const detection = reg.verdicts.fail / TRIALS;
console.log(
  `goals: false alarms ${rate(aa.verdicts.fail)} ${falseAlarms <= 0.05 ? 'met' : 'NOT met'} (≤ 5%), detection ${rate(reg.verdicts.fail)} ${detection >= 0.9 ? 'met' : 'NOT met'} (≥ 90%)`,
);
