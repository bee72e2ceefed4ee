import { bucketUpperMs, type HistogramCounts } from '../metrics/latency-histogram';
import type { StatsSeries } from './stats-recorder';

/** Upper bounds of the exported duration histogram, seconds. */
export const DURATION_BOUNDS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Cumulative counts at each bound (seconds) from a log-linear histogram (ms). */
export function cumulativeAt(h: HistogramCounts, boundsSeconds: readonly number[]): number[] {
  const entries = Object.entries(h).map(([k, v]) => [bucketUpperMs(Number(k)), v] as const);
  return boundsSeconds.map((le) => {
    let n = 0;
    // A bucket counts below `le` when its upper bound is within rounding (1%) of it.
    for (const [upperMs, v] of entries) if (upperMs <= le * 1000 * 1.011) n += v;
    return n;
  });
}

/** Renders the router's series as Prometheus text exposition format 0.0.4. */
export function renderPrometheus(series: readonly StatsSeries[]): string {
  const lines: string[] = [];
  const main = series.filter((s) => !s.mirror);
  const mirror = series.filter((s) => s.mirror);
  const counters = (name: string, help: string, list: readonly StatsSeries[]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
    for (const s of list) {
      for (const [cls, n] of Object.entries(s.totals)) {
        lines.push(`${name}{route="${esc(s.route)}",version="${esc(s.version)}",code_class="${cls}"} ${n}`);
      }
    }
  };
  counters('shipgate_router_requests_total', 'Requests proxied, by route, version and response class.', main);
  counters('shipgate_router_mirror_requests_total', 'Mirrored copies sent, by route, version and response class.', mirror);
  const h = 'shipgate_router_request_duration_seconds';
  lines.push(`# HELP ${h} Time from receiving a request to the end of its response.`, `# TYPE ${h} histogram`);
  for (const s of main) {
    const labels = `route="${esc(s.route)}",version="${esc(s.version)}"`;
    const cum = cumulativeAt(s.totalLatency, DURATION_BOUNDS_SECONDS);
    DURATION_BOUNDS_SECONDS.forEach((le, i) => lines.push(`${h}_bucket{${labels},le="${le}"} ${cum[i]}`));
    const count = s.requests();
    lines.push(`${h}_bucket{${labels},le="+Inf"} ${count}`, `${h}_sum{${labels}} ${s.totalLatencyMs / 1000}`, `${h}_count{${labels}} ${count}`);
  }
  return lines.join('\n') + '\n';
}
