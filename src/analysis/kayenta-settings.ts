/**
 * Settings of the `kayenta` judge in an AnalysisTemplate, and how interval data become Kayenta
 * metrics: like Kayenta's metric time series, each metric is one value per interval (the error
 * rate, or a latency quantile of that interval's samples), compared over all intervals so far.
 */
import { z } from 'zod';
import type { KayentaConfig, KayentaMetricConfig } from './kayenta-judge';
import type { IntervalInput } from './interval-input';
import { quantile } from '../core/stats/quantiles';

const metricSchema = z.strictObject({
  name: z.string().min(1),
  /** `error-rate`, or `latency` at `quantile`. */
  measure: z.enum(['error-rate', 'latency']),
  quantile: z.number().gt(0).lt(1).default(0.5),
  groups: z.array(z.string().min(1)).min(1),
  direction: z.enum(['increase', 'decrease', 'either']).default('increase'),
  nanStrategy: z.enum(['remove', 'replace']).default('remove'),
  outliers: z.strictObject({ strategy: z.enum(['remove', 'keep']).default('keep'), outlierFactor: z.number().gt(0).default(3) }).optional(),
  critical: z.boolean().default(false),
  mustHaveData: z.boolean().default(false),
  muted: z.boolean().default(false),
  effectSize: z
    .strictObject({
      measure: z.enum(['meanRatio', 'cles']).optional(),
      allowedIncrease: z.number().optional(),
      allowedDecrease: z.number().optional(),
      criticalIncrease: z.number().optional(),
      criticalDecrease: z.number().optional(),
    })
    .optional(),
});

export const kayentaSettingsSchema = z.strictObject({
  metrics: z
    .array(metricSchema)
    .min(1)
    .default([
      {
        name: 'error-rate',
        measure: 'error-rate',
        quantile: 0.5,
        groups: ['errors'],
        direction: 'increase',
        nanStrategy: 'remove',
        critical: false,
        mustHaveData: false,
        muted: false,
      },
      {
        name: 'latency-p50',
        measure: 'latency',
        quantile: 0.5,
        groups: ['latency'],
        direction: 'increase',
        nanStrategy: 'remove',
        critical: false,
        mustHaveData: false,
        muted: false,
      },
      {
        name: 'latency-p90',
        measure: 'latency',
        quantile: 0.9,
        groups: ['latency'],
        direction: 'increase',
        nanStrategy: 'remove',
        critical: false,
        mustHaveData: false,
        muted: false,
      },
    ]),
  groupWeights: z.record(z.string(), z.number().min(0).max(100)).default({}),
  /** Score thresholds, 0..100. */
  thresholds: z.strictObject({ pass: z.number().min(0).max(100).default(95), marginal: z.number().min(0).max(100).default(75) }).prefault({}),
});

export type KayentaSettings = z.output<typeof kayentaSettingsSchema>;

export function kayentaConfig(s: KayentaSettings): KayentaConfig {
  return {
    metrics: s.metrics.map((m): KayentaMetricConfig => ({ ...m })),
    groupWeights: s.groupWeights,
    thresholds: s.thresholds,
  };
}

/** One value per interval and version for a metric (NaN when the interval has no data). */
export function kayentaValue(m: KayentaSettings['metrics'][number], iv: IntervalInput, side: 'baseline' | 'canary'): number {
  const v = iv[side];
  return m.measure === 'error-rate' ? (v.requests ? v.errors / v.requests : NaN) : quantile(v.latencyMs, m.quantile);
}

/** Series per metric over the intervals so far, as the judge reads them. */
export function kayentaSeries(s: KayentaSettings, intervals: readonly IntervalInput[]): Record<string, { baseline: number[]; canary: number[] }> {
  const out: Record<string, { baseline: number[]; canary: number[] }> = {};
  for (const m of s.metrics) {
    out[m.name] = { baseline: intervals.map((iv) => kayentaValue(m, iv, 'baseline')), canary: intervals.map((iv) => kayentaValue(m, iv, 'canary')) };
  }
  return out;
}
