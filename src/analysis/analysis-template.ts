/**
 * The `AnalysisTemplate` spec: where the metrics come from, which judge and its settings, the
 * interval, the minimum and maximum duration, the run limits and what to do when the run ends
 * inconclusive. Rollout steps reference it by name (`analysis: {templateRef: NAME}`).
 */
import { z } from 'zod';
import { kayentaSettingsSchema } from './kayenta-settings';
import { runLimitsSchema } from './run-limits';
import { sequentialSettingsSchema } from './sequential-settings';
import { thresholdSettingsSchema } from './threshold-judge';

/** Parses `250ms`, `5s`, `2m`, `1h` (bare numbers are ms). NaN when invalid. */
export function parseDurationMs(v: string | number): number {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : NaN;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
  if (!m) return NaN;
  return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's']!);
}

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDurationMs(v);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as "500ms", "30s", "2m" or "1h"' });
    return z.NEVER;
  }
  return ms;
});

export const JUDGES = ['sequential', 'kayenta', 'threshold'] as const;
export type JudgeName = (typeof JUDGES)[number];

/** Where the interval's counts come from. */
export const metricsSourceSchema = z.discriminatedUnion('source', [
  /** The router's per-version series (requests, errors, latency histogram) of the rollout's route. */
  z.strictObject({ source: z.literal('builtin') }),
  /**
   * PromQL returning one number per interval; `{{version}}` is replaced by the version and
   * `{{.window}}` by the interval. Latency is not read from Prometheus: only the error rate is judged.
   */
  z.strictObject({
    source: z.literal('prometheus'),
    url: z.string().url(),
    requestsQuery: z.string().min(1),
    errorsQuery: z.string().min(1),
  }),
]);

export const analysisTemplateSpecSchema = z.strictObject({
  judge: z.enum(JUDGES).default('sequential'),
  metrics: metricsSourceSchema.default({ source: 'builtin' }),
  /** Time between judgements (builtin source: rounded up to whole 10-second router buckets, starting on a bucket boundary). */
  interval: duration.default(60_000),
  /** No pass before this much time (a fail may come earlier). */
  minDuration: duration.default(0),
  /** Without a verdict by then the run is inconclusive. */
  maxDuration: duration.default(1_800_000),
  /** What an inconclusive run does: roll back, or hold the rollout for a person. */
  inconclusive: z.enum(['rollback', 'hold']).default('hold'),
  limits: runLimitsSchema.prefault({}),
  sequential: sequentialSettingsSchema.prefault({}),
  kayenta: kayentaSettingsSchema.prefault({}),
  threshold: thresholdSettingsSchema.prefault({}),
}).refine((s) => s.maxDuration >= s.minDuration, { message: 'maxDuration must not be shorter than minDuration', path: ['maxDuration'] })
  .refine((s) => s.interval > 0, { message: 'interval must be positive', path: ['interval'] });

export type AnalysisTemplateSpec = z.output<typeof analysisTemplateSpecSchema>;
export type AnalysisTemplateSpecInput = z.input<typeof analysisTemplateSpecSchema>;

/** Spec with every default filled in. */
export function analysisTemplateSpec(input: AnalysisTemplateSpecInput = {}): AnalysisTemplateSpec {
  return analysisTemplateSpecSchema.parse(input);
}
