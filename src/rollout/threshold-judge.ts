/**
 * Judges the new revision's router window against inline thresholds (error rate, latency
 * quantiles, request rate), and tallies measurements into the analysis step's outcome. Pure.
 */
import { mean, quantile } from '../metrics/latency-histogram';
import type { VersionWindow } from '../metrics/types';
import type { InlineAnalysisSpec, InlineMetricName, ThresholdSpec } from './rollout-spec';

export type MeasurementVerdict = 'pass' | 'fail' | 'inconclusive';

/** One interval's judgement, stored with its inputs so a reviewer can follow it. */
export interface Measurement {
  atMs: number;
  verdict: MeasurementVerdict;
  requests: number;
  errors: number;
  values: Partial<Record<InlineMetricName, number>>;
  /** The stable version's values over the same window, for `maxOverStable` thresholds. */
  stableValues?: Partial<Record<InlineMetricName, number>>;
  /** Why it failed or was inconclusive, for people. */
  reasons: string[];
}

export function metricValue(name: InlineMetricName, w: VersionWindow, windowMs: number): number {
  switch (name) {
    case 'error-rate':
      return w.requests ? w.errors / w.requests : NaN;
    case 'p50-latency-ms':
      return quantile(w.latency, 0.5);
    case 'p95-latency-ms':
      return quantile(w.latency, 0.95);
    case 'p99-latency-ms':
      return quantile(w.latency, 0.99);
    case 'mean-latency-ms':
      return mean(w.latency);
    case 'request-rate':
      return windowMs > 0 ? (w.requests * 1000) / windowMs : NaN;
  }
}

/**
 * Judges one window: fails when any threshold is breached, inconclusive below `minRequests`.
 * `stable` is the stable version's window over the same time, for `maxOverStable` (skipped when
 * stable itself has fewer than `minRequests`).
 */
export function judgeWindow(w: VersionWindow, windowMs: number, metrics: ThresholdSpec[], minRequests: number, atMs: number, stable?: VersionWindow): Measurement {
  const values: Measurement['values'] = {};
  const stableValues: Measurement['values'] = {};
  const relative = metrics.filter((m) => m.maxOverStable !== undefined);
  if (stable && relative.length) for (const m of relative) stableValues[m.name] = metricValue(m.name, stable, windowMs);
  const reasons: string[] = [];
  for (const m of metrics) values[m.name] = metricValue(m.name, w, windowMs);
  if (w.requests < minRequests) {
    return { atMs, verdict: 'inconclusive', requests: w.requests, errors: w.errors, values, reasons: [`need more data: ${w.requests} of ${minRequests} requests`] };
  }
  for (const m of metrics) {
    const v = values[m.name]!;
    if (Number.isNaN(v)) reasons.push(`${m.name}: no value`);
    else if (m.max !== undefined && v > m.max) reasons.push(`${m.name} ${round(v)} > max ${m.max}`);
    else if (m.min !== undefined && v < m.min) reasons.push(`${m.name} ${round(v)} < min ${m.min}`);
    else if (m.maxOverStable !== undefined && stable && stable.requests >= minRequests) {
      const b = stableValues[m.name]!;
      if (!Number.isNaN(b) && v - b > m.maxOverStable) reasons.push(`${m.name} ${round(v)} is ${round(v - b)} over stable's ${round(b)} (max +${m.maxOverStable})`);
    }
  }
  const out: Measurement = { atMs, verdict: reasons.length ? 'fail' : 'pass', requests: w.requests, errors: w.errors, values, reasons };
  if (relative.length && stable) out.stableValues = stableValues;
  return out;
}

export type AnalysisOutcome = 'running' | 'passed' | 'failed' | 'inconclusive';

/** Outcome of an inline analysis step from its measurements so far. */
export function analysisOutcome(ms: Measurement[], spec: Pick<InlineAnalysisSpec, 'count' | 'failureLimit' | 'inconclusiveLimit'>): AnalysisOutcome {
  let pass = 0;
  let fail = 0;
  let inconclusive = 0;
  for (const m of ms) {
    if (m.verdict === 'pass') pass++;
    else if (m.verdict === 'fail') fail++;
    else inconclusive++;
    if (fail > spec.failureLimit) return 'failed';
    if (inconclusive > spec.inconclusiveLimit) return 'inconclusive';
    if (pass >= spec.count) return 'passed';
  }
  return 'running';
}

function round(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}
