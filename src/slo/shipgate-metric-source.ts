/**
 * The builtin MetricSource (`type: shipgate`): the router's per-version series and pushed series
 * from the MetricsService (HOOKS.metrics), so SLOs, canary analysis and dashboards read the same
 * buckets.
 *
 * spec forms:
 * - `{series: router.requests, labels: {route, version?, code_class?: "2xx|3xx|4xx"}}`: requests
 *   per step (code classes as alternatives);
 * - `{series: router.latency, labels: {route, version?}, le: 300}`: requests answered within
 *   `le` ms; `quantile: 0.99` instead gives that latency quantile per step, ms (threshold SLIs);
 * - `{series: NAME, labels: {...}}`: a pushed series, summed per step (labels match as a subset).
 */
import { z } from 'zod';
import { errorMeasurement, stepCount, type Measurement, type MetricSource, type MetricSourceQuery } from '../metrics/metric-source';
import { bucketUpperMs, merge, quantile, type HistogramCounts } from '../metrics/latency-histogram';
import { CODE_CLASSES, type CodeClass, type MetricsService } from '../metrics/types';

const specSchema = z.strictObject({
  series: z.string().min(1),
  labels: z.record(z.string(), z.string()).default({}),
  le: z.number().positive().optional(),
  quantile: z.number().gt(0).lt(1).optional(),
});

export class ShipgateMetricSource implements MetricSource {
  readonly type = 'shipgate';
  constructor(private readonly metrics: () => MetricsService | undefined) {}

  async query(q: MetricSourceQuery): Promise<Measurement> {
    const parsed = specSchema.safeParse(q.spec);
    if (!parsed.success) {
      return errorMeasurement(q, `metricSource.spec: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(spec)'}: ${i.message}`).join('; ')}`);
    }
    const spec = parsed.data;
    const svc = this.metrics();
    if (!svc) return errorMeasurement(q, 'the builtin series store (HOOKS.metrics) is not available');
    try {
      const values = spec.series.startsWith('router.') ? await this.router(svc, spec, q) : await this.pushed(svc, spec, q);
      if (!values) return errorMeasurement(q, `unknown router series "${spec.series}" (router.requests, router.latency)`);
      return { phase: 'Successful', values };
    } catch (e) {
      return errorMeasurement(q, `builtin series store failed: ${(e as Error).message}`);
    }
  }

  private async router(svc: MetricsService, spec: z.infer<typeof specSchema>, q: MetricSourceQuery): Promise<Float64Array | undefined> {
    const route = spec.labels.route;
    if (!route) throw new Error('labels.route is required for router series');
    const n = stepCount(q);
    const buckets = await svc.routerSeries({ route, ...(spec.labels.version ? { version: spec.labels.version } : {}), fromMs: q.fromMs, toMs: q.toMs });
    if (spec.series === 'router.requests') {
      const classes = (spec.labels.code_class ?? CODE_CLASSES.join('|')).split('|') as CodeClass[];
      const values = new Float64Array(n);
      for (const b of buckets) {
        const i = Math.floor((b.startMs - q.fromMs) / q.stepMs);
        if (i < 0 || i >= n) continue;
        for (const c of classes) values[i] += b.counts[c] ?? 0;
      }
      return values;
    }
    if (spec.series === 'router.latency') {
      const hist: HistogramCounts[] = Array.from({ length: n }, () => ({}));
      for (const b of buckets) {
        const i = Math.floor((b.startMs - q.fromMs) / q.stepMs);
        if (i >= 0 && i < n) merge(hist[i], b.latency);
      }
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const h = hist[i];
        if (spec.quantile !== undefined) {
          values[i] = Object.keys(h).length ? quantile(h, spec.quantile) : Number.NaN;
        } else if (spec.le !== undefined) {
          let within = 0;
          for (const [k, c] of Object.entries(h)) if (bucketUpperMs(Number(k)) <= spec.le * 1.0000001) within += c;
          values[i] = within;
        } else {
          for (const c of Object.values(h)) values[i] += c;
        }
      }
      return values;
    }
    return undefined;
  }

  private async pushed(svc: MetricsService, spec: z.infer<typeof specSchema>, q: MetricSourceQuery): Promise<Float64Array> {
    return Float64Array.from(await svc.sumSeriesSteps({ series: spec.series, labels: spec.labels, fromMs: q.fromMs, toMs: q.toMs, stepMs: q.stepMs }));
  }
}
