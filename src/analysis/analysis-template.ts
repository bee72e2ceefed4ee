/**
 * The `AnalysisTemplate` spec: where the metrics come from, which judge and its settings, the
 * interval, the minimum and maximum duration, the run limits and what to do when the run ends
 * inconclusive. Rollout steps reference it by name (`analysis: {templateRef: NAME}`).
 */
import { z } from 'zod';
import { durationMs } from '../core/duration';
import { kayentaSettingsSchema } from './kayenta-settings';
import { runLimitsSchema } from './run-limits';
import { sequentialSettingsSchema } from './sequential-settings';
import { thresholdSettingsSchema } from './threshold-judge';

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

export const analysisTemplateSpecSchema = z
  .strictObject({
    judge: z.enum(JUDGES).default('sequential'),
    metrics: metricsSourceSchema.default({ source: 'builtin' }),
    /** Time between judgements (builtin source, `interval` window: rounded up to whole 10-second router buckets, starting on a bucket boundary). */
    interval: durationMs.default(60_000),
    /**
     * What each judgement reads: `interval`, that interval alone; `sinceStart`, everything from the
     * run's start to the interval's end (more data per verdict at low traffic; a Rollout's inline
     * analysis step). `sinceStart` intervals are not rounded to router buckets and do not wait for
     * routers to flush: what is not flushed yet counts in the next, larger window. Replay ignores it:
     * each line of a replay file is already one judgement's window.
     */
    window: z.enum(['interval', 'sinceStart']).default('interval'),
    /**
     * Successful measurements after which a threshold or kayenta run passes before its maximum
     * duration (Argo's count of an inline step); without it, such a run within its limits passes at
     * the maximum duration. The sequential judge decides by itself and ignores it.
     */
    count: z.number().int().min(1).max(10_000).optional(),
    /** No pass before this much time (a fail may come earlier). */
    minDuration: durationMs.default(0),
    /** Without a verdict by then the run is inconclusive. */
    maxDuration: durationMs.default(1_800_000),
    /** What an inconclusive run does: roll back, or hold the rollout for a person. */
    inconclusive: z.enum(['rollback', 'hold']).default('hold'),
    limits: runLimitsSchema.prefault({}),
    sequential: sequentialSettingsSchema.prefault({}),
    kayenta: kayentaSettingsSchema.prefault({}),
    threshold: thresholdSettingsSchema.prefault({}),
  })
  .refine((s) => s.maxDuration >= s.minDuration, { message: 'maxDuration must not be shorter than minDuration', path: ['maxDuration'] })
  .refine((s) => s.interval > 0, { message: 'interval must be positive', path: ['interval'] });

export type AnalysisTemplateSpec = z.output<typeof analysisTemplateSpecSchema>;
export type AnalysisTemplateSpecInput = z.input<typeof analysisTemplateSpecSchema>;

/** Spec with every default filled in. */
export function analysisTemplateSpec(input: AnalysisTemplateSpecInput = {}): AnalysisTemplateSpec {
  return analysisTemplateSpecSchema.parse(input);
}
