/**
 * The `threshold` judge: Argo-style success and failure conditions on single values per interval
 * (the canary's error rate or a latency quantile; `baseline` holds the same value for the baseline).
 * Each interval gives one measurement phase per metric; run limits (run-limits.ts) turn the phases
 * into the run's outcome. Pure, no I/O.
 */
import { z } from 'zod';
import { compileCondition, ConditionSyntaxError } from './condition-expression';
import type { IntervalInput, VersionSample } from './interval-input';
import type { MeasurementPhase } from './run-limits';
import { percentile } from './special';

const VARIABLES = ['result', 'baseline', 'requests'] as const;

export const thresholdMetricSchema = z
  .strictObject({
    name: z.string().min(1),
    /** `error-rate` (errors / requests) or `latency` (the quantile below, ms). */
    measure: z.enum(['error-rate', 'latency']),
    quantile: z.number().gt(0).lt(1).default(0.99),
    /** Condition for success, e.g. `result < 0.01`. Variables: result, baseline, requests. */
    successCondition: z.string().optional(),
    /** Condition for failure, e.g. `result > baseline * 1.5`. Checked first. */
    failureCondition: z.string().optional(),
  })
  .refine((m) => m.successCondition !== undefined || m.failureCondition !== undefined, { message: 'set successCondition, failureCondition or both' })
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
  metrics: z.array(thresholdMetricSchema).min(1).default([{ name: 'error-rate', measure: 'error-rate', quantile: 0.99, failureCondition: 'result > 0.01' }]),
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

function measure(m: ThresholdMetric, v: VersionSample): number {
  return m.measure === 'error-rate' ? (v.requests ? v.errors / v.requests : NaN) : percentile(v.latencyMs, m.quantile * 100);
}

/**
 * Argo's rules: failure condition true → Failed; otherwise with both conditions, success true →
 * Successful, else Inconclusive; with only a success condition, false → Failed; with only a
 * failure condition, false → Successful.
 */
export function evaluateThresholdMetric(m: ThresholdMetric, iv: IntervalInput): ThresholdMeasurement {
  const vars = { result: measure(m, iv.canary), baseline: measure(m, iv.baseline), requests: iv.canary.requests };
  const base = { metric: m.name, result: vars.result, baseline: vars.baseline, requests: vars.requests };
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
  return settings.metrics.map((m) => evaluateThresholdMetric(m, iv));
}
