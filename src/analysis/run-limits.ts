/**
 * Argo-style limits on an analysis run: each interval's measurement has a phase, and the run is
 * Failed after more than `failureLimit` failed measurements, Inconclusive after more than
 * `inconclusiveLimit` inconclusive ones, and Error after more than `consecutiveErrorLimit` errors in
 * a row (the metric source broke: infrastructure, not the release). Pure, no I/O.
 */
import { z } from 'zod';

export type MeasurementPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';
export type RunPhase = 'Running' | 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

export const runLimitsSchema = z.strictObject({
  failureLimit: z.number().int().min(0).default(0),
  inconclusiveLimit: z.number().int().min(0).default(0),
  consecutiveErrorLimit: z.number().int().min(0).default(4),
});

export type RunLimits = z.output<typeof runLimitsSchema>;

export interface RunTally {
  successful: number;
  failed: number;
  inconclusive: number;
  error: number;
  consecutiveErrors: number;
}

export function tallyPhases(phases: readonly MeasurementPhase[]): RunTally {
  const t: RunTally = { successful: 0, failed: 0, inconclusive: 0, error: 0, consecutiveErrors: 0 };
  for (const p of phases) {
    if (p === 'Error') {
      t.error++;
      t.consecutiveErrors++;
    } else {
      t.consecutiveErrors = 0;
      if (p === 'Successful') t.successful++;
      else if (p === 'Failed') t.failed++;
      else t.inconclusive++;
    }
  }
  return t;
}

/**
 * The run's phase after these measurements. `complete` = the planned number of measurements is
 * reached: a run still within its limits then is Successful. Error is checked first, then Failed,
 * then Inconclusive.
 */
export function runPhase(phases: readonly MeasurementPhase[], limits: RunLimits, complete: boolean): { phase: RunPhase; tally: RunTally; reason: string } {
  const t = tallyPhases(phases);
  if (t.consecutiveErrors > limits.consecutiveErrorLimit)
    return { phase: 'Error', tally: t, reason: `${t.consecutiveErrors} errors in a row > consecutiveErrorLimit ${limits.consecutiveErrorLimit}` };
  if (t.failed > limits.failureLimit) return { phase: 'Failed', tally: t, reason: `${t.failed} failed measurements > failureLimit ${limits.failureLimit}` };
  if (t.inconclusive > limits.inconclusiveLimit)
    return { phase: 'Inconclusive', tally: t, reason: `${t.inconclusive} inconclusive measurements > inconclusiveLimit ${limits.inconclusiveLimit}` };
  if (complete) return { phase: 'Successful', tally: t, reason: `${phases.length} measurements within the limits` };
  return { phase: 'Running', tally: t, reason: `${phases.length} measurements so far` };
}

/** The worst phase among one interval's metrics: Error, then Failed, then Inconclusive. */
export function worstPhase(phases: readonly MeasurementPhase[]): MeasurementPhase {
  for (const p of ['Error', 'Failed', 'Inconclusive'] as const) if (phases.includes(p)) return p;
  return 'Successful';
}
