/**
 * The load test a Rollout's `loadTest` step runs (HOOKS.loadTest): the `shipgate loadtest` engine
 * (open-loop schedule, keep-alive client, HDR histogram, the one threshold grammar) at one fixed
 * rate against one URL, reduced to the outcome the rollout stores. Network I/O only; the caller
 * never holds a transaction while it runs.
 */
import { parseThresholds } from '../../core/load-thresholds';
import type { LoadTestInput, LoadTestOutcome, LoadTestRunner } from '../../core/hooks';
import { buildSummary } from './loadtest-output';
import { runLoad } from './loadtest-run';
import { arrivalOffsets } from './loadtest-schedule';

/** Requests in flight at most: a slow revision answering in `timeoutMs` at the highest step rate (5,000/s × 5 s) stays bounded. */
const MAX_IN_FLIGHT = 2000;
const CONNECTIONS = 256;

export const loadTestRunner: LoadTestRunner = { run: runLoadStep };

export async function runLoadStep(i: LoadTestInput): Promise<LoadTestOutcome> {
  const thresholds = parseThresholds(i.thresholds);
  const stages = [{ durationMs: i.durationMs, targetRps: i.ratePerSec }];
  const url = new URL(i.url);
  const run = await runLoad({
    target: url.origin,
    arrivals: arrivalOffsets(i.ratePerSec, stages),
    requestFor: () => ({ method: i.method, path: `${url.pathname}${url.search}`, headers: i.headers }),
    timeoutMs: i.timeoutMs,
    maxInFlight: MAX_IN_FLIGHT,
    connections: CONNECTIONS,
    // No busy-wait before each send: the server's event loop serves everything else meanwhile.
    spinMs: 0,
    ...(i.signal ? { signal: i.signal } : {}),
  });
  if (i.signal?.aborted) throw new Error('load test aborted');
  const s = buildSummary({
    target: i.url,
    run,
    startRps: i.ratePerSec,
    stages,
    targetRps: i.ratePerSec,
    maxInFlight: MAX_IN_FLIGHT,
    connections: CONNECTIONS,
    thresholds,
  });
  const failed = s.thresholds.filter((t) => !t.ok);
  const fmt = (n: number | null) => (n === null ? 'no samples' : Math.round(n * 1000) / 1000);
  const summary =
    `${failed.length ? 'fail' : 'pass'}: ${s.requests} requests at ${s.achievedRps.toFixed(1)}/s, p99 ${s.latencyMs.p99.toFixed(1)} ms, ${s.errors} errors` +
    (failed.length ? ` (${failed.map((t) => `${t.threshold} was ${fmt(t.actual)}`).join('; ')})` : '');
  return {
    passed: failed.length === 0,
    requests: s.requests,
    errors: s.errors,
    achievedRps: s.achievedRps,
    latencyMs: { p50: s.latencyMs.p50, p95: s.latencyMs.p95, p99: s.latencyMs.p99, max: s.latencyMs.max },
    thresholds: s.thresholds.map((t) => ({ threshold: t.threshold, actual: t.actual, limit: t.limit, ok: t.ok, ...(t.reason ? { reason: t.reason } : {}) })),
    summary,
  };
}
