/**
 * The tolerances of an experiment's probes, as pure functions: a canary-vs-baseline error-rate
 * comparison over router windows (with the difference of two cumulative readings, so a probe
 * during the method judges only what came after the fault), and an SLO burn-rate bound.
 */
import type { VersionWindow } from '../../core/metrics-service';

/** Outcome of one probe: `inconclusive` (too little traffic) does not stop a run. */
export interface ProbeVerdict {
  ok: boolean;
  inconclusive?: boolean;
  /** Why, for people. */
  reason: string;
  /** The numbers it was judged on. */
  values: Record<string, number | null>;
}

/** Requests and errors of `now` minus those of an earlier reading `then` of the same buckets (never below 0). */
export function windowSince(now: Pick<VersionWindow, 'requests' | 'errors'>, then: Pick<VersionWindow, 'requests' | 'errors'> | undefined) {
  if (!then) return { requests: now.requests, errors: now.errors };
  return { requests: Math.max(0, now.requests - then.requests), errors: Math.max(0, now.errors - then.errors) };
}

/** Error rate, or null with no requests. */
export function errorRate(w: { requests: number; errors: number }): number | null {
  return w.requests > 0 ? w.errors / w.requests : null;
}

/** The faulted version's error rate may exceed the baseline's by at most `maxOver`. */
export function judgeCanary(
  version: { requests: number; errors: number },
  baseline: { requests: number; errors: number },
  tol: { maxErrorRateOverBaseline: number; minRequests: number },
): ProbeVerdict {
  const v = errorRate(version);
  const b = errorRate(baseline) ?? 0;
  const values = { requests: version.requests, errors: version.errors, errorRate: v, baselineRequests: baseline.requests, baselineErrorRate: b };
  if (v === null || version.requests < tol.minRequests)
    return { ok: true, inconclusive: true, reason: `${version.requests} request(s), fewer than ${tol.minRequests}: inconclusive`, values };
  const over = v - b;
  const text = `error rate ${pct(v)} vs baseline ${pct(b)} (${over >= 0 ? '+' : ''}${pct(over)}, tolerance +${pct(tol.maxErrorRateOverBaseline)})`;
  // A tiny epsilon so 5% over a 5% tolerance, computed in floating point, still passes.
  return { ok: over <= tol.maxErrorRateOverBaseline + 1e-12, reason: text, values };
}

/** An SLO's burn rate must stay at or below `max`; no events in the window is no burn. */
export function judgeBurn(rate: number | null, max: number, reason: string): ProbeVerdict {
  if (rate === null) return { ok: true, inconclusive: true, reason, values: { burnRate: null, maxBurnRate: max } };
  return { ok: rate <= max, reason: `${reason} (tolerance ${max})`, values: { burnRate: rate, maxBurnRate: max } };
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}
