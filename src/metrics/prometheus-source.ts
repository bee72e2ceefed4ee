/**
 * MetricSource over Prometheus' HTTP API (`/api/v1/query_range`). The query may use Sloth's
 * `{{.window}}` placeholder, replaced by the step (`increase(x[{{.window}}])` → `[1m]`). Step i
 * covers [from + i·step, from + (i+1)·step), so it is evaluated at its end.
 */
import { errorMeasurement, stepCount, type Measurement, type MetricSource, type MetricSourceQuery } from './metric-source';

export interface PrometheusSourceOptions {
  /** Base URL when the query names none (spec.url or DataSource connectionDetails.url). */
  defaultUrl?: string;
  /** Per request, ms. */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

interface PromRangeResponse {
  status: 'success' | 'error';
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };
}

/** Prometheus duration text for a step in ms (`60000` → `60s`). */
export function promDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

export class PrometheusSource implements MetricSource {
  readonly type = 'prometheus';
  constructor(private readonly opts: PrometheusSourceOptions = {}) {}

  async query(q: MetricSourceQuery): Promise<Measurement> {
    const url = String(q.spec.url ?? q.connection?.url ?? this.opts.defaultUrl ?? '');
    const text = q.spec.query ?? q.spec.promql;
    if (!url) return errorMeasurement(q, 'no Prometheus URL: set connectionDetails.url on the DataSource or spec.url');
    if (typeof text !== 'string' || !text.trim()) return errorMeasurement(q, 'spec.query must be a PromQL expression');
    const step = promDuration(q.stepMs);
    let promql = text.replaceAll('{{.window}}', step).replaceAll('{{ .window }}', step);
    if (q.counter && !/\b(increase|rate|irate)\s*\(/.test(promql)) promql = `sum(increase((${promql})[${step}:]))`;
    const n = stepCount(q);
    const values = new Float64Array(n).fill(Number.NaN);
    // Prometheus caps a range query at 11,000 points: split long ranges.
    const chunk = 10_000;
    try {
      for (let first = 0; first < n; first += chunk) {
        const last = Math.min(n, first + chunk) - 1;
        const params = new URLSearchParams({
          query: promql,
          start: String((q.fromMs + (first + 1) * q.stepMs) / 1000),
          end: String((q.fromMs + (last + 1) * q.stepMs) / 1000),
          step: String(q.stepMs / 1000),
        });
        const res = await (this.opts.fetchImpl ?? fetch)(`${url.replace(/\/$/, '')}/api/v1/query_range?${params}`, {
          signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
        });
        const body = (await res.json().catch(() => ({ status: 'error', error: `HTTP ${res.status}` }))) as PromRangeResponse;
        if (body.status !== 'success' || !body.data) return errorMeasurement(q, `Prometheus: ${body.error ?? `HTTP ${res.status}`}`);
        if (body.data.result.length > 1)
          return errorMeasurement(q, `Prometheus returned ${body.data.result.length} series; aggregate the query to one (e.g. sum(...))`);
        for (const s of body.data.result) {
          for (const [t, v] of s.values) {
            const i = Math.round((t * 1000 - q.fromMs) / q.stepMs) - 1;
            if (i >= 0 && i < n) values[i] = Number(v);
          }
        }
      }
    } catch (e) {
      return errorMeasurement(q, `Prometheus at ${url} unreachable: ${(e as Error).message}`);
    }
    if (values.every((v) => Number.isNaN(v))) return { phase: 'Inconclusive', values, message: 'no data in the range' };
    return { phase: 'Successful', values };
  }
}
