/**
 * Simulated canary analyses for the benchmarks: seeded traffic per interval (100 canary and 1,000
 * baseline requests by default), judged after every interval until a verdict or the maximum.
 */
import type { IntervalInput, VersionSample } from '../../src/analysis/interval-input';
import { seededRandom } from '../../src/core/seeded-random';

/** A seeded uniform source. */
export const uniformSource = seededRandom;

export interface Scenario {
  name: string;
  baselineErrorRate: number;
  canaryErrorRate: number;
  /** Canary latency = baseline latency distribution × this factor. */
  canaryLatencyFactor: number;
}

export const SCENARIOS = {
  aa: { name: 'A/A (identical)', baselineErrorRate: 0.01, canaryErrorRate: 0.01, canaryLatencyFactor: 1 },
  harmless: { name: 'harmless: latency +3%', baselineErrorRate: 0.01, canaryErrorRate: 0.01, canaryLatencyFactor: 1.03 },
  errors: { name: 'errors 1% → 3%', baselineErrorRate: 0.01, canaryErrorRate: 0.03, canaryLatencyFactor: 1 },
  latency: { name: 'latency +30%', baselineErrorRate: 0.01, canaryErrorRate: 0.01, canaryLatencyFactor: 1.3 },
  zeroBaseline: { name: 'errors on a zero-error baseline (0% → 2%)', baselineErrorRate: 0, canaryErrorRate: 0.02, canaryLatencyFactor: 1 },
} satisfies Record<string, Scenario>;

/** Latency model, ms: lognormal with median 50 ms and σ = 0.6 in log space (p99 ≈ 200 ms). */
export const LATENCY = { medianMs: 50, sigma: 0.6 };

export interface TrafficOptions {
  canaryRequests: number;
  baselineRequests: number;
}

export const DEFAULT_TRAFFIC: TrafficOptions = { canaryRequests: 100, baselineRequests: 1000 };

/** Generates one interval of traffic. */
export function simulateInterval(sc: Scenario, u: () => number, t: number, traffic = DEFAULT_TRAFFIC): IntervalInput {
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const side = (n: number, p: number, factor: number): VersionSample => {
    let errors = 0;
    const latencyMs: number[] = new Array(n);
    for (let i = 0; i < n; i++) {
      if (u() < p) errors++;
      latencyMs[i] = Math.round(LATENCY.medianMs * Math.exp(LATENCY.sigma * normal()) * factor * 100) / 100;
    }
    return { requests: n, errors, latencyMs };
  };
  return {
    t,
    baseline: side(traffic.baselineRequests, sc.baselineErrorRate, 1),
    canary: side(traffic.canaryRequests, sc.canaryErrorRate, sc.canaryLatencyFactor),
  };
}

/** A judge as the simulations see it: feed intervals, get pass / fail / continue. */
export interface SteppingJudge {
  step(iv: IntervalInput): 'pass' | 'fail' | 'continue' | 'inconclusive';
  /** Verdict when the maximum number of intervals is reached without one (default inconclusive); a function is asked then. */
  atEnd?: 'pass' | 'inconclusive' | (() => 'pass' | 'inconclusive');
}

export interface RunOutcome {
  verdict: 'pass' | 'fail' | 'inconclusive';
  /** 1-based interval of the verdict (maxIntervals when inconclusive). */
  intervals: number;
}

export function simulateRun(sc: Scenario, judge: SteppingJudge, seed: number, maxIntervals: number, traffic = DEFAULT_TRAFFIC): RunOutcome {
  const u = uniformSource(seed);
  for (let i = 1; i <= maxIntervals; i++) {
    const v = judge.step(simulateInterval(sc, u, i * 60, traffic));
    if (v !== 'continue') return { verdict: v, intervals: i };
  }
  const end = typeof judge.atEnd === 'function' ? judge.atEnd() : judge.atEnd;
  return { verdict: end ?? 'inconclusive', intervals: maxIntervals };
}

export interface Summary {
  runs: number;
  fail: number;
  pass: number;
  inconclusive: number;
  failWithin12: number;
  medianIntervalsToFail: number;
  medianIntervalsToPass: number;
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function simulateMany(
  sc: Scenario,
  makeJudge: () => SteppingJudge,
  runs: number,
  maxIntervals: number,
  seedBase = 1,
  traffic = DEFAULT_TRAFFIC,
): Summary {
  const outcomes: RunOutcome[] = [];
  for (let r = 0; r < runs; r++) outcomes.push(simulateRun(sc, makeJudge(), seedBase * 1_000_003 + r, maxIntervals, traffic));
  const fails = outcomes.filter((o) => o.verdict === 'fail');
  const passes = outcomes.filter((o) => o.verdict === 'pass');
  return {
    runs,
    fail: fails.length,
    pass: passes.length,
    inconclusive: runs - fails.length - passes.length,
    failWithin12: fails.filter((o) => o.intervals <= 12).length,
    medianIntervalsToFail: median(fails.map((o) => o.intervals)),
    medianIntervalsToPass: median(passes.map((o) => o.intervals)),
  };
}

export const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(1)}%`;
