/**
 * The `shipgate loadtest` summary: the `shipgate.dev/load-result/v1` document (so `verify perf`
 * reads it as it is) with the load test's own fields beside it — thresholds and verdict, answers
 * by class, the schedule, the client's send lag and one row per second — and its table for
 * people. Pure.
 */
import { renderTable } from '../../cli/table';
import { buildLoadResult, type LoadResult } from '../load-result';
import type { LoadCounts, LoadRunResult, LoadSecond } from './loadtest-run';
import type { Stage } from './loadtest-schedule';
import { evaluateThresholds, type Threshold, type ThresholdResult } from '../../core/load-thresholds';

export interface LoadtestSummary extends LoadResult {
  verdict: 'pass' | 'fail';
  thresholds: ThresholdResult[];
  counts: LoadCounts;
  statuses: Record<string, number>;
  errorMessages: Record<string, number>;
  schedule: { startRps: number; stages: Stage[]; scheduledRequests: number };
  client: {
    sendLagMs: { p50: number; p99: number; max: number; mean: number };
    peakInFlight: number;
    maxInFlight: number;
    connections: number;
    cpuMs: { user: number; system: number };
  };
  scenario?: { method: string; path: string; weight: number; sent: number }[];
  timeline: LoadSecond[];
}

export function buildSummary(a: {
  target: string;
  run: LoadRunResult;
  startRps: number;
  stages: Stage[];
  targetRps: number;
  maxInFlight: number;
  connections: number;
  thresholds: readonly Threshold[];
  scenario?: { method: string; path: string; weight: number; sent: number }[];
}): LoadtestSummary {
  const { run } = a;
  const l = run.loop;
  // Dropped requests are requests and errors (a gate must see them); the duration is chosen so that
  // requests / duration is the achieved send rate, as the replayer does.
  const n = l.sent + l.dropped;
  const result = buildLoadResult({
    target: a.target,
    startedAtMs: l.startedAtMs,
    durationMs: l.sent > 1 && l.achievedRps ? (n * 1000) / l.achievedRps : l.elapsedMs,
    requests: n,
    errors: run.counts.errors,
    targetRps: a.targetRps,
    histogram: run.histogram,
    samplesMs: run.samplesMs,
  });
  const h = run.histogram;
  const thresholds = evaluateThresholds(a.thresholds, {
    latencyCount: run.counts.answered,
    latencyAt: (p) => (h.totalCount ? Math.min(h.getValueAtPercentile(p), h.maxValue) / 1000 : 0),
    meanMs: result.latencyMs.mean,
    minMs: h.totalCount ? h.minNonZeroValue / 1000 : 0,
    maxMs: result.latencyMs.max,
    requests: result.requests,
    errors: result.errors,
    achievedRps: result.achievedRps,
  });
  return {
    ...result,
    verdict: thresholds.every((t) => t.ok) ? 'pass' : 'fail',
    thresholds,
    counts: run.counts,
    statuses: run.statuses,
    errorMessages: run.errorMessages,
    schedule: { startRps: a.startRps, stages: a.stages, scheduledRequests: n },
    client: { sendLagMs: l.sendLagMs, peakInFlight: l.peakInFlight, maxInFlight: a.maxInFlight, connections: a.connections, cpuMs: run.cpuMs },
    ...(a.scenario ? { scenario: a.scenario } : {}),
    timeline: run.timeline,
  };
}

const f = (n: number | null | undefined, d = 2) => (n === null || n === undefined ? '-' : n.toFixed(d));

export function renderSummary(s: LoadtestSummary): string {
  const c = s.counts;
  const lines: string[] = [];
  lines.push(
    `${s.target}: ${s.requests} requests in ${(s.durationMs / 1000).toFixed(1)} s, achieved ${f(s.achievedRps, 1)}/s of ${f(s.targetRps, 1)}/s scheduled`,
  );
  lines.push(
    `errors ${s.errors} (${s.requests ? ((s.errors / s.requests) * 100).toFixed(2) : '0.00'}%): no answer ${c.noAnswer}, timeouts ${c.timeouts}, 5xx ${c.status5xx}, dropped (client saturated) ${c.dropped}; 4xx ${c.status4xx} (not errors)`,
  );
  const statuses = Object.entries(s.statuses)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  lines.push(`statuses: ${statuses || '-'}`);
  for (const [m, n] of Object.entries(s.errorMessages).slice(0, 10)) lines.push(`  error ×${n}: ${m}`);
  const L = s.latencyMs;
  lines.push(
    renderTable(
      ['LATENCY MS (from scheduled time)', 'MEAN', 'P50', 'P90', 'P95', 'P99', 'MAX'],
      [[`${c.answered} answered`, f(L.mean), f(L.p50), f(L.p90), f(L.p95), f(L.p99), f(L.max)]],
    ).trimEnd(),
  );
  const k = s.client;
  lines.push(
    `client: send lag p50 ${f(k.sendLagMs.p50, 3)} ms, p99 ${f(k.sendLagMs.p99, 3)} ms, max ${f(k.sendLagMs.max, 3)} ms; peak in flight ${k.peakInFlight} of ${k.maxInFlight} (${k.connections} connections); CPU ${f((k.cpuMs.user + k.cpuMs.system) / 1000, 2)} s`,
  );
  if (s.scenario)
    lines.push(
      renderTable(
        ['METHOD', 'PATH', 'WEIGHT', 'SENT'],
        s.scenario.map((r) => [r.method, r.path, r.weight, r.sent]),
      ).trimEnd(),
    );
  if (s.thresholds.length)
    lines.push(
      renderTable(
        ['THRESHOLD', 'ACTUAL', 'RESULT'],
        s.thresholds.map((t) => [
          t.threshold,
          t.actual === null ? '-' : f(t.actual, 4).replace(/\.?0+$/, ''),
          t.ok ? 'ok' : t.reason ? `FAIL (${t.reason})` : 'FAIL',
        ]),
      ).trimEnd(),
    );
  const failed = s.thresholds.filter((t) => !t.ok).map((t) => t.threshold);
  lines.push(s.verdict === 'pass' ? (s.thresholds.length ? 'PASS' : 'done (no thresholds given)') : `FAIL: ${failed.join(', ')}`);
  return lines.join('\n');
}
