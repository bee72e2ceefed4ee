/**
 * The `sequential` judge (the default): compares the canary with the baseline serving at the same
 * time after every interval, with anytime-valid tests, so looking after every interval does not
 * inflate false failures. Pure, no I/O; its state is plain JSON so a run can resume.
 *
 * - Error rate: the 2×2 table of errors among requests per interval, tested on the odds ratio
 *   (see odds-ratio-test.ts). "Fail" needs an e-value against "canary no worse than baseline" of
 *   at least (number of tests)/falseFailureRate, with alternatives at or beyond the minimum effect
 *   (ratio ≥ minRatio and difference ≥ minAbsolute, from the pooled rate), so differences well inside
 *   the minimum effect drift towards "pass", not "fail". "Pass" needs an e-value against "regression
 *   of at least minRatio" of 2/α, or anytime-valid bounds showing the rates differ by less than
 *   minAbsolute, where α = (1 − endShare) × falsePassRate is what the end-of-analysis rule leaves.
 * - Latency, per quantile q: each interval, the pooled q-quantile τ of both versions' samples (a
 *   threshold blind to which version a sample came from) splits samples into "above τ" events; the
 *   same odds-ratio test runs on those counts (a sign test per quantile). For "pass", canary samples
 *   are first divided by (1 + minRelative): evidence that even the shrunk canary is not slower than
 *   the baseline rules out a regression of minRelative.
 * - Direction `decrease` swaps the roles of the versions; `either` runs both, splitting the error budget.
 * - A test that has ruled out a regression at some look stays passed (each test is anytime-valid);
 *   the run passes once every test has, and none fails. Passing needs every metric's own test
 *   (intersection-union), so the false-pass budget is not split across metrics.
 * - The end-of-analysis rule (sequentialFinal): at the planned end, an undecided run passes when a
 *   fixed-sample test per metric, stratified by interval, rules out the minimum effect at
 *   endShare × falsePassRate; otherwise it is inconclusive and says how many more requests it needs.
 */
import type { IntervalInput } from './interval-input';
import { normalQuantile } from '../core/stats/normal';
import { quantileAt, quantileSorted } from '../core/stats/quantiles';
import {
  emptyOddsRatioTest,
  endTestZ,
  failLogEValue,
  logMean,
  oddsRatioInterval,
  rateRatioToOddsRatio,
  updateOddsRatioTest,
  type OddsRatioTestState,
  type OddsRatioUpdate,
  type Table,
} from './odds-ratio-test';
import { proportionLowerBound, proportionUpperBound } from './proportion-bound';
import type { SequentialSettings } from './sequential-settings';

export type SequentialVerdict = 'pass' | 'fail' | 'continue';

/** Serialisable state between intervals. */
export interface SequentialState {
  intervals: number;
  canaryRequests: number;
  baselineRequests: number;
  tests: Record<string, OddsRatioTestState>;
  /**
   * Interval (1-based) at which each test first ruled out a regression. Each test is anytime-valid,
   * so "passed at some look" keeps its level; the run passes once every test has (and none fails).
   */
  passedAt?: Record<string, number>;
}

/** Everything one test says after an interval, for the report. */
export interface SequentialTestReport {
  /** e.g. `error-rate` or `latency-p90`. */
  metric: string;
  /** Which change counts as a regression. */
  direction: 'increase' | 'decrease';
  verdict: SequentialVerdict | 'nodata';
  /** This interval's table (events: errors, or samples above the threshold). */
  interval: Table & { thresholdMs?: number; baselineQuantileMs?: number; canaryQuantileMs?: number };
  cumulative: Table & { canaryRate: number; baselineRate: number };
  /** Largest odds ratio counted as harmless in this interval (null of "fail"; 1 for latency, whose canary is shrunk instead). */
  harmlessOddsRatio: number;
  /** Smallest odds ratio counted as a regression in this interval. */
  minEffectOddsRatio: number;
  /** Anytime-valid interval for the common odds ratio (regressing side / reference side) and its grid estimate. */
  oddsRatio: { lower: number; upper: number; estimate: number; confidence: number };
  /** e-value against "no regression" and the value that fails. */
  failEValue: number;
  failThreshold: number;
  /** e-value against "regression of at least the minimum effect" and the value that passes. */
  passEValue: number;
  passThreshold: number;
  /** Error rate only: anytime-valid bound on the rate difference, and whether it alone passes. */
  rateDifferenceUpper?: number;
}

export interface SequentialStepResult {
  state: SequentialState;
  verdict: SequentialVerdict;
  reason: string;
  needMoreData: boolean;
  tests: SequentialTestReport[];
}

export function emptySequentialState(): SequentialState {
  return { intervals: 0, canaryRequests: 0, baselineRequests: 0, tests: {} };
}

interface TestSpec {
  id: string;
  metric: string;
  kind: 'errors' | 'latency';
  quantile?: number;
  direction: 'increase' | 'decrease';
}

function directions(d: 'increase' | 'decrease' | 'either'): ('increase' | 'decrease')[] {
  return d === 'either' ? ['increase', 'decrease'] : [d];
}

/** The tests a settings object runs, in report order. */
export function sequentialTests(s: SequentialSettings): TestSpec[] {
  const out: TestSpec[] = [];
  if (s.errorRate.enabled)
    for (const d of directions(s.errorRate.direction)) out.push({ id: `error-rate:${d}`, metric: 'error-rate', kind: 'errors', direction: d });
  if (s.latency.enabled) {
    for (const q of s.latency.quantiles) {
      const metric = `latency-p${Math.round(q * 1000) / 10}`;
      for (const d of directions(s.latency.direction)) out.push({ id: `${metric}:${d}`, metric, kind: 'latency', quantile: q, direction: d });
    }
  }
  return out;
}

/** Values above tau in an ascending array (binary search). */
function countAbove(sorted: readonly number[], tau: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] > tau) hi = mid;
    else lo = mid + 1;
  }
  return sorted.length - lo;
}

/** Type-7 quantile `p` of the union of two ascending arrays (the second scaled by 1/shrinkB), without merging. */
function pooledQuantile(a: readonly number[], b: readonly number[], shrinkB: number, p: number): number {
  // k-th smallest (0-based) of the union, by binary search on the value rank in a.
  const at = (k: number): number => {
    // Find the number i of elements taken from a among the k + 1 smallest.
    let left = Math.max(0, k + 1 - b.length);
    let right = Math.min(k + 1, a.length);
    while (left < right) {
      const i = (left + right) >>> 1;
      const j = k + 1 - i;
      if (j > 0 && i < a.length && b[j - 1] / shrinkB > a[i]) left = i + 1;
      else right = i;
    }
    const i = left;
    const j = k + 1 - i;
    const fromA = i > 0 ? a[i - 1] : -Infinity;
    const fromB = j > 0 ? b[j - 1] / shrinkB : -Infinity;
    return Math.max(fromA, fromB);
  };
  return quantileAt(a.length + b.length, p, at);
}

function oddsRatio(p1: number, p0: number): number {
  if (p1 >= 1 || p0 <= 0) return Infinity;
  return p1 / (1 - p1) / (p0 / (1 - p0));
}

interface Tables extends OddsRatioUpdate {
  extra: { thresholdMs?: number; baselineQuantileMs?: number; canaryQuantileMs?: number };
}

function errorTables(spec: TestSpec, s: SequentialSettings, iv: IntervalInput, prev: OddsRatioTestState): Tables {
  const [r, f] = spec.direction === 'increase' ? [iv.canary, iv.baseline] : [iv.baseline, iv.canary];
  const table: Table = { canaryEvents: r.errors, canaryTotal: r.requests, baselineEvents: f.errors, baselineTotal: f.requests };
  // Pooled rate up to and including this interval: symmetric in the versions, so using it keeps the test valid.
  const events = prev.totals.canaryEvents + prev.totals.baselineEvents + r.errors + f.errors;
  const total = prev.totals.canaryTotal + prev.totals.baselineTotal + r.requests + f.requests;
  const pooled = total > 0 ? events / total : 0;
  const ratio = pooled > 0 ? Math.max(s.errorRate.minRatio, 1 + s.errorRate.minAbsolute / pooled) : s.errorRate.minRatio;
  const harmless = ratio ** s.errorRate.harmlessShare;
  return {
    raw: table,
    fail: table,
    pass: table,
    failNull: rateRatioToOddsRatio(harmless, pooled),
    failMin: Math.max(rateRatioToOddsRatio(ratio, pooled), rateRatioToOddsRatio(harmless, pooled) * 1.01),
    passBoundary: s.errorRate.minRatio,
    extra: {},
  };
}

function sortedCopy(v: readonly number[]): number[] {
  return Array.from(Float64Array.from(v).sort());
}

interface SortedInterval {
  canary: number[];
  baseline: number[];
}

function latencyTables(spec: TestSpec, s: SequentialSettings, sorted: SortedInterval): Tables {
  const q = spec.quantile!;
  const m = s.latency.minRelative;
  // r regresses when it is larger than f by the factor.
  const [r, f, factor] = spec.direction === 'increase' ? [sorted.canary, sorted.baseline, 1 + m] : [sorted.baseline, sorted.canary, 1 / (1 - m)];
  const harmless = factor ** s.latency.harmlessShare;
  const table = (shrink: number): { t: Table; tau: number } => {
    const tau = pooledQuantile(f, r, shrink, q);
    return { t: { canaryEvents: countAbove(r, tau * shrink), canaryTotal: r.length, baselineEvents: countAbove(f, tau), baselineTotal: f.length }, tau };
  };
  const raw = table(1);
  const fail = harmless === 1 ? raw : table(harmless);
  const pass = table(factor);
  // Odds ratio of exceeding the threshold if r were larger than f by `factor / harmless`, from both versions' samples.
  const n = r.length + f.length;
  const p0 = n ? (countAbove(r, fail.tau * harmless) + countAbove(f, fail.tau)) / n : 0;
  const lower = fail.tau / (factor / harmless);
  const p1 = n ? (countAbove(r, lower * harmless) + countAbove(f, lower)) / n : 0;
  const failMin = Math.max(oddsRatio(p1, p0), factor / harmless);
  return {
    raw: raw.t,
    fail: fail.t,
    pass: pass.t,
    failNull: 1,
    failMin: Number.isFinite(failMin) ? failMin : 1e4,
    passBoundary: 1,
    extra: { thresholdMs: raw.tau, baselineQuantileMs: quantileSorted(sorted.baseline, q), canaryQuantileMs: quantileSorted(sorted.canary, q) },
  };
}

const pctText = (events: number, total: number) => (total ? `${((100 * events) / total).toFixed(2)}%` : 'n/a');
const msText = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? 'n/a' : `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`);
const fmt = (v: number) => (v >= 1e6 ? v.toExponential(2) : v >= 100 ? v.toFixed(0) : v.toPrecision(3));

/** Judges one more interval. Pass the returned state to the next call. */
export function sequentialStep(s: SequentialSettings, state: SequentialState | null, iv: IntervalInput): SequentialStepResult {
  const specs = sequentialTests(s);
  const prev = state ?? emptySequentialState();
  const next: SequentialState = {
    intervals: prev.intervals + 1,
    canaryRequests: prev.canaryRequests + iv.canary.requests,
    baselineRequests: prev.baselineRequests + iv.baseline.requests,
    tests: { ...prev.tests },
    passedAt: { ...prev.passedAt },
  };
  const errorTests = specs.filter((x) => x.kind === 'errors').length;
  const latencyTests = specs.length - errorTests;
  // Split of the false-failure budget (Bonferroni): errorRateShare to the error-rate tests when both kinds run.
  const budget = (spec: TestSpec): number => {
    if (errorTests === 0 || latencyTests === 0) return s.falseFailureRate / specs.length;
    return spec.kind === 'errors' ? (s.falseFailureRate * s.errorRateShare) / errorTests : (s.falseFailureRate * (1 - s.errorRateShare)) / latencyTests;
  };
  const sorted: SortedInterval = { canary: sortedCopy(iv.canary.latencyMs), baseline: sortedCopy(iv.baseline.latencyMs) };
  const reports: SequentialTestReport[] = specs.map((spec) => {
    const before = prev.tests[spec.id] ?? emptyOddsRatioTest();
    const t = spec.kind === 'errors' ? errorTables(spec, s, iv, before) : latencyTables(spec, s, sorted);
    const after = updateOddsRatioTest(before, t);
    next.tests[spec.id] = after;
    const c = after.totals;
    const failE = Math.exp(failLogEValue(after));
    const passE = Math.exp(logMean(after.passLog));
    // The sequential looks get the false-pass budget the end-of-analysis rule leaves.
    const seqPassRate = s.falsePassRate * (1 - s.endShare);
    let passThreshold = 1 / seqPassRate;
    let passed: boolean;
    let rateDifferenceUpper: number | undefined;
    if (spec.kind === 'errors') {
      // Two ways to rule out a regression, each at half the false-pass budget.
      passThreshold = 2 / seqPassRate;
      const a = seqPassRate / 4;
      rateDifferenceUpper = proportionUpperBound(c.canaryEvents, c.canaryTotal, a) - proportionLowerBound(c.baselineEvents, c.baselineTotal, a);
      passed = passE >= passThreshold || rateDifferenceUpper < s.errorRate.minAbsolute;
    } else {
      passed = passE >= passThreshold;
    }
    const noData = c.canaryTotal === 0 && c.baselineTotal === 0;
    const enough = spec.kind === 'errors' || (spec.direction === 'increase' ? c.canaryTotal : c.baselineTotal) >= s.minCanaryLatencySamples;
    const failThreshold = 1 / budget(spec);
    if (passed && enough && !noData && failE < failThreshold) next.passedAt![spec.id] ??= next.intervals;
    const passedBefore = next.passedAt![spec.id] !== undefined;
    const verdict: SequentialTestReport['verdict'] = noData
      ? 'nodata'
      : !enough
        ? 'continue'
        : failE >= failThreshold
          ? 'fail'
          : passed || passedBefore
            ? 'pass'
            : 'continue';
    return {
      metric: spec.metric,
      direction: spec.direction,
      verdict,
      interval: { ...t.raw, ...t.extra },
      cumulative: {
        ...c,
        canaryRate: c.canaryTotal ? c.canaryEvents / c.canaryTotal : NaN,
        baselineRate: c.baselineTotal ? c.baselineEvents / c.baselineTotal : NaN,
      },
      harmlessOddsRatio: t.failNull,
      minEffectOddsRatio: t.failMin,
      oddsRatio: { ...oddsRatioInterval(after, s.falseFailureRate), confidence: 1 - s.falseFailureRate },
      failEValue: failE,
      failThreshold,
      passEValue: passE,
      passThreshold,
      ...(rateDifferenceUpper === undefined ? {} : { rateDifferenceUpper }),
    };
  });
  const name = (r: SequentialTestReport) => `${r.metric}${r.direction === 'decrease' ? ' (decrease)' : ''}`;
  // What was seen, in the words of a release review: rates over the run, quantiles this interval.
  const observed = (r: SequentialTestReport): string => {
    if (r.metric === 'error-rate') {
      const c = r.cumulative;
      const [canary, baseline] =
        r.direction === 'increase'
          ? [c, { canaryEvents: c.baselineEvents, canaryTotal: c.baselineTotal }]
          : [{ canaryEvents: c.baselineEvents, canaryTotal: c.baselineTotal }, c];
      return `canary ${pctText(canary.canaryEvents, canary.canaryTotal)} of ${canary.canaryTotal} requests, baseline ${pctText(baseline.canaryEvents, baseline.canaryTotal)} of ${baseline.canaryTotal}`;
    }
    return `canary ${msText(r.interval.canaryQuantileMs)}, baseline ${msText(r.interval.baselineQuantileMs)} this interval`;
  };
  const ruledOut = (r: SequentialTestReport): string => {
    const at = next.passedAt?.[sequentialTests(s).find((t) => t.metric === r.metric && t.direction === r.direction)!.id];
    const effect =
      r.metric === 'error-rate'
        ? `a ${s.errorRate.minRatio}× error rate`
        : `${r.direction === 'increase' ? '+' : '−'}${Math.round(s.latency.minRelative * 100)}% latency`;
    if (r.rateDifferenceUpper !== undefined && r.rateDifferenceUpper < s.errorRate.minAbsolute)
      return `at most ${(Math.max(0, r.rateDifferenceUpper) * 100).toFixed(2)} points worse`;
    if (r.passEValue >= r.passThreshold) return `evidence against ${effect} ${fmt(r.passEValue)} ≥ ${fmt(r.passThreshold)}`;
    return `${effect} ruled out at interval ${at}`;
  };
  const needMoreData = next.canaryRequests < s.minCanaryRequests || next.baselineRequests < s.minBaselineRequests;
  if (needMoreData) {
    return {
      state: next,
      verdict: 'continue',
      needMoreData,
      tests: reports,
      reason: `need more data: canary ${next.canaryRequests} of ${s.minCanaryRequests} requests, baseline ${next.baselineRequests} of ${s.minBaselineRequests}`,
    };
  }
  const failed = reports.filter((r) => r.verdict === 'fail');
  if (failed.length) {
    return {
      state: next,
      verdict: 'fail',
      needMoreData,
      tests: reports,
      reason: `regression: ${failed.map((r) => `${name(r)} (${observed(r)}): evidence of a regression ${fmt(r.failEValue)} ≥ ${fmt(r.failThreshold)}`).join('; ')}`,
    };
  }
  const judged = reports.filter((r) => r.verdict !== 'nodata');
  const open = judged.filter((r) => r.verdict !== 'pass');
  if (judged.length > 0 && open.length === 0) {
    return {
      state: next,
      verdict: 'pass',
      needMoreData,
      tests: reports,
      reason: `no regression beyond the minimum effect in ${judged.map((r) => `${name(r)} (${observed(r)}; ${ruledOut(r)})`).join(', ')}`,
    };
  }
  return {
    state: next,
    verdict: 'continue',
    needMoreData,
    tests: reports,
    reason:
      judged.length === 0
        ? 'need more data: no metric has data yet'
        : `undecided: ${open.map((r) => `${name(r)} (fail e-value ${fmt(r.failEValue)}, pass e-value ${fmt(r.passEValue)})`).join('; ')}`,
  };
}

/** One metric's end-of-analysis test. */
export interface SequentialEndReport {
  metric: string;
  direction: 'increase' | 'decrease';
  /** Stratified z of the canary against a regression of exactly the minimum effect (NaN: no events). */
  z: number;
  /** z at or below which the metric passes: −Φ⁻¹(1 − endShare × falsePassRate). */
  threshold: number;
  passed: boolean;
  /** Canary requests (error rate) or samples (latency) so far. */
  canaryCount: number;
  /** About how many more canary requests or samples the test needs at the effect seen so far; null when it cannot say. */
  moreNeeded: number | null;
}

export interface SequentialEndResult {
  verdict: 'pass' | 'inconclusive';
  reason: string;
  tests: SequentialEndReport[];
}

/**
 * The end-of-analysis rule (see `endShare`), for a run that reached its planned end undecided.
 * Every metric with data must pass its fixed-sample test at endShare × falsePassRate (an
 * intersection-union test: a false pass needs a regressing metric's own test to pass). Otherwise the run stays inconclusive and the reason says, per metric,
 * about how many more canary requests a decision would need at the effect seen so far.
 */
export function sequentialFinal(s: SequentialSettings, state: SequentialState | null): SequentialEndResult {
  const specs = sequentialTests(s);
  const st = state ?? emptySequentialState();
  if (s.endShare === 0) return { verdict: 'inconclusive', reason: 'the end-of-analysis rule is off (endShare 0)', tests: [] };
  // Passing rejects "some metric regresses by the minimum effect", a union of nulls: rejecting each
  // at level α is a level-α test of the union (intersection-union), so the budget is not split.
  const threshold = -normalQuantile(1 - s.falsePassRate * s.endShare);
  const tests: SequentialEndReport[] = [];
  for (const spec of specs) {
    const t = st.tests[spec.id];
    if (!t) continue;
    const c = t.totals;
    if (c.canaryTotal === 0 && c.baselineTotal === 0) continue;
    const z = endTestZ(t);
    const canaryCount = spec.direction === 'increase' ? c.canaryTotal : c.baselineTotal;
    const enough =
      spec.kind === 'errors'
        ? st.canaryRequests >= s.minCanaryRequests && st.baselineRequests >= s.minBaselineRequests
        : canaryCount >= s.minCanaryLatencySamples;
    const passed = (enough && Number.isFinite(z) && z <= threshold) || st.passedAt?.[spec.id] !== undefined;
    // z grows with √n at a fixed effect: n·((threshold/z)² − 1) more, when the canary leans the right way.
    const moreNeeded = passed ? 0 : Number.isFinite(z) && z < 0 ? Math.ceil(canaryCount * ((threshold / z) ** 2 - 1)) : null;
    tests.push({ metric: spec.metric, direction: spec.direction, z, threshold, passed, canaryCount, moreNeeded });
  }
  const name = (r: SequentialEndReport) => `${r.metric}${r.direction === 'decrease' ? ' (decrease)' : ''}`;
  if (tests.length === 0) return { verdict: 'inconclusive', reason: 'no metric had data by the planned end', tests };
  const open = tests.filter((r) => !r.passed);
  if (open.length === 0) {
    const how = (r: SequentialEndReport) => {
      const at = st.passedAt?.[specs.find((x) => x.metric === r.metric && x.direction === r.direction)!.id];
      return Number.isFinite(r.z) && r.z <= r.threshold ? `z ${r.z.toFixed(2)} ≤ ${r.threshold.toFixed(2)}` : `already at interval ${at}`;
    };
    return {
      verdict: 'pass',
      reason: `at the planned end, a regression of the minimum effect is ruled out in ${tests.map((r) => `${name(r)} (${how(r)})`).join(', ')}`,
      tests,
    };
  }
  const what = (r: SequentialEndReport) => {
    const unit = r.metric === 'error-rate' ? 'requests' : 'samples';
    const side = r.direction === 'increase' ? 'canary' : 'baseline';
    if (r.moreNeeded === null)
      return `${name(r)}: after ${r.canaryCount} ${side} ${unit} the ${side} is not clearly better than a regression of the minimum effect (z ${Number.isFinite(r.z) ? r.z.toFixed(2) : 'n/a'})`;
    return `${name(r)}: about ${r.moreNeeded} more ${side} ${unit} needed (z ${r.z.toFixed(2)}, needs ≤ ${r.threshold.toFixed(2)})`;
  };
  return { verdict: 'inconclusive', reason: `not decided by the planned end: ${open.map(what).join('; ')}`, tests };
}
