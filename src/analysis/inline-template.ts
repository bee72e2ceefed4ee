/**
 * A Rollout's inline `analysis:` step as an AnalysisTemplate: the threshold judge on windows from
 * the step's start, passing after `count` Successful measurements, with the run limits every
 * template has. The inline step is sugar over this; nothing judges it another way. Pure.
 */
import type { InlineAnalysis, InlineAnalysisMetric } from '../core/hooks';
import { analysisTemplateSpec, type AnalysisTemplateSpec } from './analysis-template';
import type { ThresholdMetric } from './threshold-judge';

/** The template name analysis runs of inline steps are listed under (`shipgate analysis list`). */
export const INLINE_TEMPLATE = '(inline)';

/** An inline step has no maximum duration: it ends by its count or its limits (or a person). */
const NO_MAXIMUM_MS = Number.MAX_SAFE_INTEGER;

const MEASURES: Record<InlineAnalysisMetric, Pick<ThresholdMetric, 'measure' | 'quantile'>> = {
  'error-rate': { measure: 'error-rate', quantile: 0.99 },
  'p50-latency-ms': { measure: 'latency', quantile: 0.5 },
  'p95-latency-ms': { measure: 'latency', quantile: 0.95 },
  'p99-latency-ms': { measure: 'latency', quantile: 0.99 },
  'mean-latency-ms': { measure: 'mean-latency', quantile: 0.99 },
  'request-rate': { measure: 'request-rate', quantile: 0.99 },
};

export function inlineTemplateSpec(a: InlineAnalysis): AnalysisTemplateSpec {
  return analysisTemplateSpec({
    judge: 'threshold',
    metrics: { source: 'builtin' },
    window: 'sinceStart',
    interval: a.intervalMs,
    count: a.count,
    maxDuration: NO_MAXIMUM_MS,
    inconclusive: 'hold',
    limits: { failureLimit: a.failureLimit, inconclusiveLimit: a.inconclusiveLimit, consecutiveErrorLimit: a.consecutiveErrorLimit },
    threshold: {
      minRequests: a.minRequests,
      metrics: a.thresholds.map((t) => ({
        name: t.name,
        ...MEASURES[t.name],
        quantileMethod: 'nearest-rank' as const,
        ...(t.max === undefined ? {} : { max: t.max }),
        ...(t.min === undefined ? {} : { min: t.min }),
        ...(t.maxOverBaseline === undefined ? {} : { maxOverBaseline: t.maxOverBaseline }),
      })),
    },
  });
}
