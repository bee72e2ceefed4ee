/**
 * One analysis run, interval by interval, for any judge: the pure state machine shared by the
 * replay command and the analysis step of rollouts. Every interval yields a record with its inputs
 * and statistics, so a reviewer can follow the run from raw numbers to verdict. Pure, no I/O;
 * the state is plain JSON.
 */
import type { AnalysisTemplateSpec, JudgeName } from './analysis-template';
import type { IntervalInput } from './interval-input';
import { kayentaJudge, type KayentaResult } from './kayenta-judge';
import { kayentaConfig, kayentaValue } from './kayenta-settings';
import { runPhase, worstPhase, type MeasurementPhase } from './run-limits';
import { sequentialFinal, sequentialStep, type SequentialState, type SequentialTestReport } from './sequential-judge';
import { thresholdJudge, type ThresholdMeasurement } from './threshold-judge';

export type RunVerdict = 'pass' | 'fail' | 'inconclusive' | 'error';
export type IntervalVerdict = 'pass' | 'fail' | 'continue' | 'inconclusive' | 'error';

export interface RunState {
  judge: JudgeName;
  intervals: number;
  sequential: SequentialState | null;
  /** Kayenta: per-metric values per interval (null = no data). */
  series: Record<string, { baseline: (number | null)[]; canary: (number | null)[] }>;
  phases: MeasurementPhase[];
  verdict: RunVerdict | null;
  /** 0-based index of the interval that decided. */
  decidedAt: number | null;
  reason: string;
}

/** A side's inputs as stored: counts and a summary of the latency samples. */
export interface SideSummary {
  requests: number;
  errors: number;
  latencySamples: number;
}

export interface IntervalRecord {
  index: number;
  t?: number;
  /** Time since the run started, ms. */
  elapsedMs: number;
  verdict: IntervalVerdict;
  phase: MeasurementPhase | null;
  reason: string;
  inputs: { baseline: SideSummary; canary: SideSummary };
  sequential?: { needMoreData: boolean; tests: SequentialTestReport[] };
  kayenta?: Omit<KayentaResult, 'metrics'> & { metrics: KayentaResult['metrics'] };
  threshold?: ThresholdMeasurement[];
}

export function newRunState(judge: JudgeName): RunState {
  return { judge, intervals: 0, sequential: null, series: {}, phases: [], verdict: null, decidedAt: null, reason: 'no interval judged yet' };
}

const summary = (v: IntervalInput['canary']): SideSummary => ({ requests: v.requests, errors: v.errors, latencySamples: v.latencyMs.length });
const toNum = (v: number | null) => (v === null ? NaN : v);
const toStored = (v: number) => (Number.isNaN(v) ? null : v);

/**
 * Judges one interval. `elapsedMs` is the time since the run started at the end of this interval
 * (for the minimum duration). An already decided run is returned unchanged.
 */
export function judgeInterval(spec: AnalysisTemplateSpec, state: RunState, iv: IntervalInput, elapsedMs: number): { state: RunState; record: IntervalRecord } {
  const index = state.intervals;
  const base = { index, ...(iv.t === undefined ? {} : { t: iv.t }), elapsedMs, inputs: { baseline: summary(iv.baseline), canary: summary(iv.canary) } };
  if (state.verdict) return { state, record: { ...base, verdict: 'continue', phase: null, reason: `run already decided: ${state.verdict}` } };
  const next: RunState = { ...state, intervals: index + 1 };
  const minReached = elapsedMs >= spec.minDuration;
  const decide = (verdict: RunVerdict, reason: string): void => {
    next.verdict = verdict;
    next.decidedAt = index;
    next.reason = reason;
  };

  if (spec.judge === 'sequential') {
    const r = sequentialStep(spec.sequential, state.sequential, iv);
    next.sequential = r.state;
    let verdict: IntervalVerdict = r.verdict;
    let reason = r.reason;
    if (r.verdict === 'pass' && !minReached) {
      verdict = 'continue';
      reason = `${r.reason}; waiting for the minimum duration (${Math.round(spec.minDuration / 1000)}s)`;
    }
    const phase: MeasurementPhase | null = verdict === 'fail' ? 'Failed' : verdict === 'pass' ? 'Successful' : null;
    if (phase) next.phases = [...state.phases, phase];
    if (verdict === 'fail' || verdict === 'pass') decide(verdict, reason);
    else next.reason = reason;
    return { state: next, record: { ...base, verdict, phase, reason, sequential: { needMoreData: r.needMoreData, tests: r.tests } } };
  }

  let phase: MeasurementPhase;
  let reason: string;
  const extra: Partial<IntervalRecord> = {};
  if (spec.judge === 'kayenta') {
    const series = { ...state.series };
    for (const m of spec.kayenta.metrics) {
      const prev = series[m.name] ?? { baseline: [], canary: [] };
      series[m.name] = {
        baseline: [...prev.baseline, toStored(kayentaValue(m, iv, 'baseline'))],
        canary: [...prev.canary, toStored(kayentaValue(m, iv, 'canary'))],
      };
    }
    next.series = series;
    const values = Object.fromEntries(Object.entries(series).map(([k, v]) => [k, { baseline: v.baseline.map(toNum), canary: v.canary.map(toNum) }]));
    const k = kayentaJudge(kayentaConfig(spec.kayenta), values);
    phase = k.classification === 'Pass' ? 'Successful' : k.classification === 'Marginal' ? 'Inconclusive' : 'Failed';
    reason = `score ${k.score} (${k.classification}; pass ≥ ${spec.kayenta.thresholds.pass}, marginal ≥ ${spec.kayenta.thresholds.marginal})${k.reason ? `: ${k.reason}` : ''}`;
    extra.kayenta = k;
  } else {
    const ms = thresholdJudge(spec.threshold, iv);
    phase = worstPhase(ms.map((m) => m.phase));
    reason = ms.map((m) => `${m.metric}: ${m.phase} (${m.reason})`).join('; ');
    extra.threshold = ms;
  }
  next.phases = [...state.phases, phase];
  // With a count, the run passes once that many measurements were Successful (limits checked first).
  const complete = spec.count !== undefined && next.phases.filter((p) => p === 'Successful').length >= spec.count;
  const run = runPhase(next.phases, spec.limits, complete);
  let verdict: IntervalVerdict = 'continue';
  if (run.phase === 'Successful') verdict = 'pass';
  else if (run.phase === 'Failed') verdict = 'fail';
  else if (run.phase === 'Inconclusive') verdict = 'inconclusive';
  else if (run.phase === 'Error') verdict = 'error';
  if (verdict !== 'continue') decide(verdict as RunVerdict, run.reason);
  else next.reason = `${reason}; ${run.reason}`;
  return { state: next, record: { ...base, verdict, phase, reason, ...extra } };
}

/** Records an interval whose metrics could not be read (the source broke): phase Error. */
export function recordError(spec: AnalysisTemplateSpec, state: RunState, message: string, elapsedMs: number): { state: RunState; record: IntervalRecord } {
  const index = state.intervals;
  const zero = { requests: 0, errors: 0, latencySamples: 0 };
  const base = { index, elapsedMs, inputs: { baseline: zero, canary: zero } };
  if (state.verdict) return { state, record: { ...base, verdict: 'continue', phase: null, reason: `run already decided: ${state.verdict}` } };
  const next: RunState = { ...state, intervals: index + 1, phases: [...state.phases, 'Error'] };
  const run = runPhase(next.phases, spec.limits, false);
  if (run.phase === 'Error') {
    next.verdict = 'error';
    next.decidedAt = index;
    next.reason = `${run.reason}: ${message}`;
    return { state: next, record: { ...base, verdict: 'error', phase: 'Error', reason: next.reason } };
  }
  next.reason = `metric source error: ${message}`;
  return { state: next, record: { ...base, verdict: 'continue', phase: 'Error', reason: next.reason } };
}

/**
 * Ends a run that has no verdict when the maximum duration is reached or the data ends: the
 * sequential judge applies its end-of-analysis rule at the planned end (`plannedEnd`: the maximum
 * duration, not data that stopped early; sequentialFinal: pass when every metric rules out the
 * minimum effect, otherwise inconclusive, saying how many more requests a decision needs);
 * kayenta and threshold runs within their limits pass (as an Argo run that reached its count);
 * nothing passes before the minimum duration.
 */
export function finishRun(spec: AnalysisTemplateSpec, state: RunState, elapsedMs: number, why: string, plannedEnd = false): RunState {
  if (state.verdict) return state;
  const last = state.intervals > 0 ? state.intervals - 1 : null;
  if (spec.judge !== 'sequential' && state.intervals > 0 && elapsedMs >= spec.minDuration) {
    const run = runPhase(state.phases, spec.limits, true);
    return { ...state, verdict: 'pass', decidedAt: last, reason: `${why}: ${run.reason}` };
  }
  if (spec.judge === 'sequential' && plannedEnd && state.intervals > 0 && elapsedMs >= spec.minDuration) {
    const end = sequentialFinal(spec.sequential, state.sequential);
    if (end.verdict === 'pass') return { ...state, verdict: 'pass', decidedAt: last, phases: [...state.phases, 'Successful'], reason: `${why}: ${end.reason}` };
    return { ...state, verdict: 'inconclusive', decidedAt: null, reason: `${why} without a verdict: ${end.reason}` };
  }
  return { ...state, verdict: 'inconclusive', decidedAt: null, reason: `${why} without a verdict: ${state.reason}` };
}
