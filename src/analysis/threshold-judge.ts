/**
 * The `threshold` judge: Argo-style success and failure conditions on single values per interval
 * (the canary's error rate, a latency quantile or mean, or its request rate; `baseline` holds the
 * same value for the baseline), and plain bounds (`max`, `min`, `maxOverBaseline`: a Rollout's
 * inline thresholds). Each interval gives one measurement phase per metric; run limits
 * (run-limits.ts) turn the phases into the run's outcome. Pure, no I/O.
 */
import { z } from 'zod';
import { compileCondition, ConditionSyntaxError } from './condition-expression';
import type { IntervalInput, VersionSample } from './interval-input';
import type { MeasurementPhase } from './run-limits';
import { mean, nearestRankQuantile, quantile } from '../core/stats/quantiles';

const VARIABLES = ['result', 'baseline', 'requests'] as const;

export const thresholdMetricSchema = z
  .strictObject({
    name: z.string().min(1),
    /**
     * `error-rate` (errors / requests), `latency` (the quantile below, ms), `mean-latency` (ms) or
     * `request-rate` (requests per second over the interval; no value without the interval's length).
     */
    measure: z.enum(['error-rate', 'latency', 'mean-latency', 'request-rate']),
    quantile: z.number().gt(0).lt(1).default(0.99),
    /**
     * `linear` interpolates between samples; `nearest-rank` is the sample at rank ⌈q·n⌉, the router
     * histogram's own quantile (what `rollout status` shows), used by inline thresholds.
     */
    quantileMethod: z.enum(['linear', 'nearest-rank']).default('linear'),
    /** Failed when the canary's value is above (or is no value). Checked before the conditions. */
    max: z.number().optional(),
    /** Failed when the canary's value is below (or is no value). */
    min: z.number().optional(),
    /**
     * Failed when the canary's value exceeds the baseline's by more than this (ms for latencies, a
     * fraction for the error rate); skipped while the baseline has fewer than `minRequests` requests.
     */
    maxOverBaseline: z.number().min(0).optional(),
    /** Condition for success, e.g. `result < 0.01`. Variables: result, baseline, requests. */
    successCondition: z.string().optional(),
    /** Condition for failure, e.g. `result > baseline * 1.5`. Checked first. */
    failureCondition: z.string().optional(),
  })
  .refine((m) => [m.successCondition, m.failureCondition, m.max, m.min, m.maxOverBaseline].some((x) => x !== undefined), {
    message: 'set successCondition, failureCondition (or both), or max, min or maxOverBaseline',
  })
  .superRefine((m, ctx) => {
    for (const key of ['successCondition', 'failureCondition'] as const) {
      const src = m[key];
      if (src === undefined) continue;
      try {
        compileCondition(src, VARIABLES);
      } catch (e) {
        if (e instanceof ConditionSyntaxError) ctx.addIssue({ code: 'custom', path: [key], message: e.message });
        else throw e;
      }
    }
  });

export const thresholdSettingsSchema = z.strictObject({
  /** Fewer canary requests than this in the interval: every metric is Inconclusive (need more data). */
  minRequests: z.number().int().min(0).default(0),
  metrics: z
    .array(thresholdMetricSchema)
    .min(1)
    .default([{ name: 'error-rate', measure: 'error-rate', quantile: 0.99, quantileMethod: 'linear', failureCondition: 'result > 0.01' }]),
});

export type ThresholdMetric = z.output<typeof thresholdMetricSchema>;
export type ThresholdSettings = z.output<typeof thresholdSettingsSchema>;

export interface ThresholdMeasurement {
  metric: string;
  phase: MeasurementPhase;
  /** The canary's value, and the baseline's for the same measure. */
  result: number;
  baseline: number;
  requests: number;
  reason: string;
}

function measure(m: ThresholdMetric, v: VersionSample, durationMs: number | undefined): number {
  switch (m.measure) {
    case 'error-rate':
      return v.requests ? v.errors / v.requests : NaN;
    case 'latency':
      return m.quantileMethod === 'nearest-rank' ? nearestRankQuantile(v.latencyMs, m.quantile) : quantile(v.latencyMs, m.quantile);
    case 'mean-latency':
      return mean(v.latencyMs);
    case 'request-rate':
      return durationMs && durationMs > 0 ? (v.requests * 1000) / durationMs : NaN;
  }
}

function round(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}

/** The first bound the value breaks, for people; undefined within them. */
function breachedBound(m: ThresholdMetric, v: number, b: number, baselineRequests: number, minRequests: number): string | undefined {
  if (Number.isNaN(v)) return `${m.name}: no value`;
  if (m.max !== undefined && v > m.max) return `${m.name} ${round(v)} > max ${m.max}`;
  if (m.min !== undefined && v < m.min) return `${m.name} ${round(v)} < min ${m.min}`;
  if (m.maxOverBaseline !== undefined && baselineRequests >= minRequests && !Number.isNaN(b) && v - b > m.maxOverBaseline) {
    return `${m.name} ${round(v)} is ${round(v - b)} over baseline's ${round(b)} (max +${m.maxOverBaseline})`;
  }
  return undefined;
}

/**
 * Fewer canary requests than `minRequests` → Inconclusive; a bound broken (`max`, `min`,
 * `maxOverBaseline`, or no value with a bound set) → Failed. Then Argo's rules: failure condition
 * true → Failed; otherwise with both conditions, success true → Successful, else Inconclusive; with
 * only a success condition, false → Failed; with only a failure condition, false → Successful;
 * with bounds only, Successful.
 */
export function evaluateThresholdMetric(m: ThresholdMetric, iv: IntervalInput, minRequests = 0): ThresholdMeasurement {
  const vars = { result: measure(m, iv.canary, iv.durationMs), baseline: measure(m, iv.baseline, iv.durationMs), requests: iv.canary.requests };
  const base = { metric: m.name, result: vars.result, baseline: vars.baseline, requests: vars.requests };
  if (vars.requests < minRequests) return { ...base, phase: 'Inconclusive', reason: `need more data: ${vars.requests} of ${minRequests} requests` };
  const bounded = m.max !== undefined || m.min !== undefined || m.maxOverBaseline !== undefined;
  if (bounded) {
    const breach = breachedBound(m, vars.result, vars.baseline, iv.baseline.requests, minRequests);
    if (breach) return { ...base, phase: 'Failed', reason: breach };
    if (m.successCondition === undefined && m.failureCondition === undefined) return { ...base, phase: 'Successful', reason: 'within its bounds' };
  }
  const failed = m.failureCondition !== undefined && compileCondition(m.failureCondition, VARIABLES)(vars);
  if (failed) return { ...base, phase: 'Failed', reason: `${m.failureCondition} is true (result ${vars.result})` };
  const success = m.successCondition === undefined ? undefined : compileCondition(m.successCondition, VARIABLES)(vars);
  if (success === undefined) return { ...base, phase: 'Successful', reason: `${m.failureCondition} is false` };
  if (success) return { ...base, phase: 'Successful', reason: `${m.successCondition} is true` };
  if (m.failureCondition !== undefined) return { ...base, phase: 'Inconclusive', reason: `neither ${m.successCondition} nor ${m.failureCondition} is true` };
  return { ...base, phase: 'Failed', reason: `${m.successCondition} is false (result ${vars.result})` };
}

/** One measurement per metric for an interval. */
export function thresholdJudge(settings: ThresholdSettings, iv: IntervalInput): ThresholdMeasurement[] {
  return settings.metrics.map((m) => evaluateThresholdMetric(m, iv, settings.minRequests));
}
