/**
 * The decision of `shipgate verify perf`, pure: baseline and candidate result files in, an interval
 * for the regression and a verdict out. Raw samples: the Hodges-Lehmann shift with its
 * Mann-Whitney interval for location metrics (mean, p50), a seeded bootstrap of the quantile ratio
 * for tail metrics (p90, p95, p99). Aggregates (one value per file: k6, wrk, rps): the
 * Hodges-Lehmann shift of the per-file values. `pass` when the whole interval is below the
 * allowance, `fail` when the whole interval is above it, `rerun` otherwise or with too few samples.
 */
import { InputError } from '../../core/errors';
import { bootstrapQuantileRatio } from '../../core/stats/bootstrap';
import { hodgesLehmann } from '../../core/stats/mann-whitney';
import { mean, median, quantileSorted, sorted } from '../../core/stats/quantiles';
import type { PerfFile, PerfMetric } from './perf-readers';

export const PERF_RESULT_KIND = 'shipgate.dev/verify-perf/v1';

/** Fewest raw samples per side, and fewest files per side when each file is one value. */
export const MIN_RAW_SAMPLES = 20;
export const MIN_AGGREGATE_SAMPLES = 5;
export const DEFAULT_RESAMPLES = 2000;
export const DEFAULT_SEED = 20261204;

export interface PerfGateOptions {
  metric: PerfMetric;
  /** The regression allowed, as a fraction (0.1 = 10 %). */
  maxRegression: number;
  /** Two-sided confidence of the interval, as a fraction (0.95). */
  confidence: number;
  resamples?: number;
  seed?: number;
}

export type PerfVerdict = 'pass' | 'fail' | 'rerun';

export interface PerfSide {
  files: { file: string; format: string; n: number }[];
  /** Samples (or per-file values) compared. */
  n: number;
  /** The metric over the side: of the pooled samples, or the median of the per-file values. */
  value: number;
}

export interface PerfResult {
  kind: typeof PERF_RESULT_KIND;
  metric: PerfMetric;
  direction: 'lower-is-better' | 'higher-is-better';
  /** `samples`: raw samples pooled per side; `aggregates`: each file is one value of the metric. */
  mode: 'samples' | 'aggregates';
  method: 'hodges-lehmann' | 'bootstrap';
  confidence: number;
  /** The confidence the interval achieves (the exact rank interval is discrete). */
  achievedConfidence: number | null;
  maxRegression: number;
  baseline: PerfSide;
  candidate: PerfSide;
  /** Relative regression (0.1 = 10 % worse; negative: better), with its interval; null with too few samples. */
  regression: { estimate: number; lower: number; upper: number } | null;
  minSamples: number;
  verdict: PerfVerdict;
  /** For `rerun`: samples (or runs) per side that would likely decide. */
  needed: number | null;
  resamples: number | null;
  seed: number | null;
  message: string;
}

const pct = (f: number) => `${(f * 100).toFixed(1)}%`;

function metricOf(samples: readonly number[], metric: PerfMetric): number {
  if (metric === 'mean') return mean(samples);
  const p = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 }[metric as 'p50'];
  return quantileSorted(sorted(samples), p);
}

/** The per-file values of a side when files are compared one value each. */
function valuesOf(f: PerfFile, metric: PerfMetric): number[] {
  const v = f.aggregates[metric];
  if (v !== undefined) return [v];
  // A plain list read with --metric rps holds one rate per run.
  if (metric === 'rps' && f.format === 'samples' && f.samplesMs) return f.samplesMs;
  if (metric !== 'rps' && f.samplesMs?.length) return [metricOf(f.samplesMs, metric)];
  const hint =
    f.format === 'wrk' && metric !== 'mean' && metric !== 'rps'
      ? ' (wrk reports percentiles 50/75/90/99 only with --latency)'
      : f.format.startsWith('k6') && metric === 'p99'
        ? ' (add "p(99)" to summaryTrendStats)'
        : '';
  throw new InputError(`${f.file}: the ${f.format} result has no ${metric}${hint}`, [{ file: f.file, path: metric, message: `no ${metric} in this result` }]);
}

/** Compares candidate result files with baseline ones on one metric. */
export function comparePerf(baseline: readonly PerfFile[], candidate: readonly PerfFile[], o: PerfGateOptions): PerfResult {
  if (!baseline.length || !candidate.length)
    throw new InputError('both --baseline and --candidate need at least one file', [{ path: baseline.length ? 'candidate' : 'baseline', message: 'no file' }]);
  const higherBetter = o.metric === 'rps';
  const all = [...baseline, ...candidate];
  const rawMode = !higherBetter && all.every((f) => f.samplesMs !== undefined && f.samplesMs.length > 0);
  const tail = rawMode && (o.metric === 'p90' || o.metric === 'p95' || o.metric === 'p99');
  const sideValues = (files: readonly PerfFile[]) => (rawMode ? files.flatMap((f) => f.samplesMs!) : files.flatMap((f) => valuesOf(f, o.metric)));
  const b = sideValues(baseline);
  const c = sideValues(candidate);
  const side = (files: readonly PerfFile[], values: number[]): PerfSide => ({
    files: files.map((f) => ({ file: f.file, format: f.format, n: rawMode ? f.samplesMs!.length : valuesOf(f, o.metric).length })),
    n: values.length,
    value: rawMode ? metricOf(values, o.metric) : median(values),
  });
  const minSamples = rawMode ? MIN_RAW_SAMPLES : MIN_AGGREGATE_SAMPLES;
  const resamples = o.resamples ?? DEFAULT_RESAMPLES;
  const seed = o.seed ?? DEFAULT_SEED;
  const base = {
    kind: PERF_RESULT_KIND,
    metric: o.metric,
    direction: higherBetter ? 'higher-is-better' : 'lower-is-better',
    mode: rawMode ? 'samples' : 'aggregates',
    method: tail ? 'bootstrap' : 'hodges-lehmann',
    confidence: o.confidence,
    maxRegression: o.maxRegression,
    baseline: side(baseline, b),
    candidate: side(candidate, c),
    minSamples,
    resamples: tail ? resamples : null,
    seed: tail ? seed : null,
  } as const;
  const unit = rawMode ? 'samples' : 'runs (files)';
  if (b.length < minSamples || c.length < minSamples) {
    return {
      ...base,
      achievedConfidence: null,
      regression: null,
      verdict: 'rerun',
      needed: minSamples,
      message: `cannot decide: rerun with more samples (${minSamples} needed): ${b.length} baseline and ${c.length} candidate ${unit}, at least ${minSamples} per side`,
    };
  }
  let regression: { estimate: number; lower: number; upper: number };
  let achieved: number;
  if (tail) {
    const r = bootstrapQuantileRatio(sorted(b), sorted(c), { p90: 0.9, p95: 0.95, p99: 0.99 }[o.metric as 'p90'], o.confidence, resamples, seed);
    if (!(quantileSorted(sorted(b), 0.5) > 0) || !Number.isFinite(r.upper))
      throw new InputError(`the baseline's ${o.metric} is 0: a relative regression is undefined`, [{ path: 'baseline', message: `${o.metric} is 0` }]);
    regression = { estimate: r.ratio - 1, lower: r.lower - 1, upper: r.upper - 1 };
    achieved = o.confidence;
  } else {
    const hl = hodgesLehmann(b, c, o.confidence);
    const m = median(b);
    if (!(m > 0))
      throw new InputError(`the baseline's median ${o.metric} is 0: a relative regression is undefined`, [{ path: 'baseline', message: 'median is 0' }]);
    regression = higherBetter
      ? { estimate: -hl.shift / m, lower: -hl.upper / m, upper: -hl.lower / m }
      : { estimate: hl.shift / m, lower: hl.lower / m, upper: hl.upper / m };
    achieved = hl.confidence;
  }
  const conf = `${pct(achieved)} confidence`;
  const interval = `${o.metric} regression ${pct(regression.estimate)} [${pct(regression.lower)}, ${pct(regression.upper)}] at ${conf}`;
  if (regression.upper < o.maxRegression)
    return {
      ...base,
      achievedConfidence: achieved,
      regression,
      verdict: 'pass',
      needed: null,
      message: `${interval}: below the ${pct(o.maxRegression)} allowed`,
    };
  if (regression.lower > o.maxRegression)
    return {
      ...base,
      achievedConfidence: achieved,
      regression,
      verdict: 'fail',
      needed: null,
      message: `${interval}: above the ${pct(o.maxRegression)} allowed`,
    };
  const needed = neededPerSide(Math.min(b.length, c.length), regression, o.maxRegression);
  return {
    ...base,
    achievedConfidence: achieved,
    regression,
    verdict: 'rerun',
    needed,
    message: `cannot decide: rerun with more samples (${needed} needed): ${interval} straddles the ${pct(o.maxRegression)} allowed`,
  };
}

/**
 * Samples per side for the interval to clear the allowance, if the estimate held: the half-width
 * shrinks as 1/√n. At least one more than now; four times as many when the estimate sits on it.
 */
export function neededPerSide(n: number, r: { estimate: number; lower: number; upper: number }, maxRegression: number): number {
  const half = (r.upper - r.lower) / 2;
  const distance = Math.abs(r.estimate - maxRegression);
  if (distance < half * 0.05) return n * 4;
  return Math.max(n + 1, Math.min(n * 100, Math.ceil(n * (half / distance) ** 2 * 1.2)));
}
