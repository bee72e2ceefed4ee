/**
 * The persisted state machine of one rollout run, as a value. The executor and the commands
 * (promote, pause, resume, abort) only move a run through these functions, then store the result
 * before acting on it. Pure: no I/O, time passed in.
 *
 *   progressing ──(step done)──▶ progressing … ──(last step)──▶ completed
 *       │  ▲
 *   pause│  │resume / promote
 *       ▼  │
 *     paused
 *       │ (analysis failed, load test failed, health failed, SLO burn, abort)
 *       ▼
 *   rollingBack: restoreTraffic ──▶ teardown ──▶ rolledBack
 */
import { ConflictError } from '../core/errors';
import type { AnalysisMeasurementPhase, LoadTestOutcome } from '../core/hooks';
import type { PlanStep } from './plan';
import type { InlineMetricName, RolloutSpec } from './rollout-spec';

export type RunPhase = 'progressing' | 'paused' | 'rollingBack' | 'completed' | 'rolledBack';
export const TERMINAL_PHASES: RunPhase[] = ['completed', 'rolledBack'];

export type RollbackReason =
  | 'analysisFailed'
  | 'healthFailed'
  | 'sloBurn'
  | 'externalAlert'
  | 'postPromotion'
  | 'loadTest'
  | 'memoryLeak'
  | 'aborted'
  | 'error';

export type StepStatus = 'pending' | 'running' | 'succeeded' | 'skipped';

export interface StepRecord extends PlanStep {
  index: number;
  status: StepStatus;
  startedAtMs: number | null;
  finishedAtMs: number | null;
  /** Analysis measurements (inline) or verdicts (template), in order. */
  measurements: (Measurement | TemplateVerdict)[];
  /** Drain progress: the stable version's request count and when it last changed. */
  drain?: { requests: number; lastChangeAtMs: number; quiet?: boolean; timedOut?: boolean };
  /** A loadTest step: the rate chosen (stored before a request is sent), where it came from, and the outcome once judged. */
  loadTestRun?: LoadTestRun;
  /** Last thing worth telling a person about this step. */
  message?: string;
}

export interface LoadTestRun {
  ratePerSec: number;
  /** `rate` (the step's), or the forecast it was derived from. */
  rateFrom: string;
  startedAtMs: number;
  outcome?: LoadTestOutcome;
}

export type MeasurementVerdict = 'pass' | 'fail' | 'inconclusive' | 'error';

/**
 * One interval of an inline analysis step, as the analysis run judged it, stored with its inputs
 * so a reviewer can follow it. Runs stored before the inline step became an analysis run have the
 * same fields without `phase` (and no `error` verdict): read the phase with `measurementPhase`.
 */
export interface Measurement {
  /** End of the window measured, ms since epoch. */
  atMs: number;
  verdict: MeasurementVerdict;
  /** The analysis phase: Error = the metric source broke, never a failed release. */
  phase?: AnalysisMeasurementPhase;
  requests: number;
  errors: number;
  /** The canary's values (NaN is stored as null). */
  values: Partial<Record<InlineMetricName, number | null>>;
  /** The stable version's values over the same window, for `maxOverStable` thresholds. */
  stableValues?: Partial<Record<InlineMetricName, number | null>>;
  /** Why it failed, was inconclusive or in error, for people. */
  reasons: string[];
}

const PHASE_OF_VERDICT: Record<MeasurementVerdict, AnalysisMeasurementPhase> = {
  pass: 'Successful',
  fail: 'Failed',
  inconclusive: 'Inconclusive',
  error: 'Error',
};
export const VERDICT_OF_PHASE: Record<AnalysisMeasurementPhase, MeasurementVerdict> = {
  Successful: 'pass',
  Failed: 'fail',
  Inconclusive: 'inconclusive',
  Error: 'error',
};

/** A measurement's phase, also for measurements stored before they had one. */
export function measurementPhase(m: Pick<Measurement, 'verdict' | 'phase'>): AnalysisMeasurementPhase {
  return m.phase ?? PHASE_OF_VERDICT[m.verdict];
}

/** Errors in a row at the end of a step's measurements or template verdicts (provider faults included). */
export function trailingErrors(ms: readonly { verdict: string }[]): number {
  let n = 0;
  for (let i = ms.length - 1; i >= 0 && ms[i].verdict === 'error'; i--) n++;
  return n;
}

export interface TemplateVerdict {
  atMs: number;
  verdict: 'pass' | 'fail' | 'continue' | 'inconclusive' | 'error';
  summary: string;
}

export interface RollbackState {
  reason: RollbackReason;
  message: string;
  decidedAtMs: number;
  stage: 'restoreTraffic' | 'teardown' | 'done';
  /** When all traffic was back on stable. */
  trafficRestoredAtMs?: number;
  /** Who asked (abort) or `shipgate` for automatic decisions. */
  actor: string;
}

export interface RunState {
  id: string;
  service: string;
  environment: string;
  /** Rollout manifest name. */
  rollout: string;
  strategy: 'canary' | 'blueGreen' | 'rolling';
  /** Revision serving before this run; null for the first release. */
  fromRevision: string | null;
  toRevision: string;
  fromVersion: string | null;
  toVersion: string;
  replicas: number;
  /** The Rollout spec as it was when the run started (later edits apply to the next run). */
  spec: RolloutSpec;
  phase: RunPhase;
  /** Why it is paused: `user` (pause command), `step` (pause until promote), `inconclusive`. */
  pausedBy: 'user' | 'step' | 'inconclusive' | null;
  stepIndex: number;
  steps: StepRecord[];
  rollback: RollbackState | null;
  /** When the new revision first received user traffic (weight > 0). */
  canaryTrafficAtMs: number | null;
  createdAtMs: number;
  updatedAtMs: number;
  finishedAtMs: number | null;
  actor: string;
  /** Change request the release is linked to, if any. */
  changeId: string | null;
  /** Consecutive failed attempts at the current action (infrastructure faults). */
  errors: number;
  lastError: string | null;
  /** Optimistic concurrency: bumped on every stored transition. */
  version: number;
}

export function newRun(
  input: Omit<
    RunState,
    'phase' | 'pausedBy' | 'stepIndex' | 'steps' | 'rollback' | 'canaryTrafficAtMs' | 'updatedAtMs' | 'finishedAtMs' | 'errors' | 'lastError' | 'version'
  > & { plan: PlanStep[] },
): RunState {
  const { plan, ...rest } = input;
  return {
    ...rest,
    phase: 'progressing',
    pausedBy: null,
    stepIndex: 0,
    steps: plan.map((p, index) => ({ ...p, index, status: 'pending', startedAtMs: null, finishedAtMs: null, measurements: [] })),
    rollback: null,
    canaryTrafficAtMs: null,
    updatedAtMs: input.createdAtMs,
    finishedAtMs: null,
    errors: 0,
    lastError: null,
    version: 0,
  };
}

export function isTerminal(r: RunState): boolean {
  return TERMINAL_PHASES.includes(r.phase);
}

function touch(r: RunState, nowMs: number): RunState {
  return { ...r, updatedAtMs: nowMs, steps: r.steps.map((s) => ({ ...s })) };
}

export function currentStep(r: RunState): StepRecord | undefined {
  return r.steps[r.stepIndex];
}

/**
 * The analysis run that judges an analysis step: one per start of the step, so a step resumed
 * after an inconclusive verdict judges afresh instead of reading the decided run back.
 */
export function analysisRunId(run: { id: string }, step: { index: number; startedAtMs: number | null }): string {
  return `${run.id}.${step.index}.${step.startedAtMs}`;
}

/** Marks the current step running (persisted before its action runs). */
export function startStep(r: RunState, nowMs: number): RunState {
  const n = touch(r, nowMs);
  const s = n.steps[n.stepIndex];
  if (s && s.status === 'pending') {
    s.status = 'running';
    s.startedAtMs = nowMs;
  }
  return n;
}

/** Finishes the current step and moves to the next, or completes the run after the last. */
export function completeStep(r: RunState, nowMs: number, status: 'succeeded' | 'skipped' = 'succeeded'): RunState {
  const n = touch(r, nowMs);
  const s = n.steps[n.stepIndex];
  if (s) {
    s.status = status;
    s.startedAtMs ??= nowMs;
    s.finishedAtMs = nowMs;
  }
  n.stepIndex++;
  n.errors = 0;
  n.lastError = null;
  if (n.stepIndex >= n.steps.length) {
    n.phase = 'completed';
    n.finishedAtMs = nowMs;
  }
  return n;
}

/** Records the decision to roll back; the executor restores traffic next, then tears down. */
export function decideRollback(r: RunState, reason: RollbackReason, message: string, actor: string, nowMs: number): RunState {
  if (isTerminal(r)) throw new ConflictError(`rollout run ${r.id} already ${r.phase}`);
  if (r.phase === 'rollingBack') return r;
  const n = touch(r, nowMs);
  n.phase = 'rollingBack';
  n.pausedBy = null;
  n.rollback = { reason, message, decidedAtMs: nowMs, stage: 'restoreTraffic', actor };
  return n;
}

export function trafficRestored(r: RunState, nowMs: number): RunState {
  const n = touch(r, nowMs);
  n.rollback = { ...n.rollback!, stage: 'teardown', trafficRestoredAtMs: nowMs };
  return n;
}

export function rolledBack(r: RunState, nowMs: number): RunState {
  const n = touch(r, nowMs);
  n.rollback = { ...n.rollback!, stage: 'done' };
  n.phase = 'rolledBack';
  n.finishedAtMs = nowMs;
  return n;
}

export function pauseRun(r: RunState, by: 'user' | 'step' | 'inconclusive', nowMs: number): RunState {
  if (r.phase !== 'progressing' && r.phase !== 'paused') throw new ConflictError(`cannot pause: rollout run ${r.id} is ${r.phase}`);
  const n = touch(r, nowMs);
  n.phase = 'paused';
  n.pausedBy = by;
  return n;
}

/** Clears a pause the `pause` command (or an inconclusive analysis) set; a pause step still needs `promote`. */
export function resumeRun(r: RunState, nowMs: number): RunState {
  if (r.phase !== 'paused') throw new ConflictError(`cannot resume: rollout run ${r.id} is ${r.phase}, not paused`);
  const n = touch(r, nowMs);
  if (n.pausedBy === 'step') throw new ConflictError(`rollout run ${r.id} waits at "${currentStep(r)?.label}"; use promote to continue`);
  n.phase = 'progressing';
  n.pausedBy = null;
  // An inconclusive analysis starts over when resumed.
  const s = n.steps[n.stepIndex];
  if (s && s.kind === 'analysis') {
    s.measurements = [];
    s.startedAtMs = nowMs;
  }
  // So does a load test that could not be sent.
  if (s && s.kind === 'loadTest') {
    delete s.loadTestRun;
    s.startedAtMs = nowMs;
  }
  return n;
}

/**
 * `promote`: ends the current pause or analysis step and continues; `promote --full` skips to
 * the promotion step (all traffic on the new revision).
 */
export function promoteRun(r: RunState, full: boolean, nowMs: number): RunState {
  if (r.phase !== 'progressing' && r.phase !== 'paused') throw new ConflictError(`cannot promote: rollout run ${r.id} is ${r.phase}`);
  let n = touch(r, nowMs);
  n.phase = 'progressing';
  n.pausedBy = null;
  if (full) {
    const target = n.steps.findIndex((s) => s.promotion);
    if (target < 0 || target < n.stepIndex) return n;
    for (let i = n.stepIndex; i < target; i++) {
      n.steps[i].status = n.steps[i].status === 'running' ? 'succeeded' : 'skipped';
      n.steps[i].finishedAtMs = nowMs;
      n.steps[i].message = 'skipped by promote --full';
    }
    n.stepIndex = target;
    return n;
  }
  const s = n.steps[n.stepIndex];
  if (s && (s.kind === 'pause' || s.kind === 'analysis' || s.kind === 'loadTest')) {
    s.message = s.kind === 'loadTest' && !s.loadTestRun?.outcome ? 'promoted: load test skipped' : 'promoted';
    n = completeStep(n, nowMs);
  }
  return n;
}

export function recordError(r: RunState, message: string, nowMs: number): RunState {
  const n = touch(r, nowMs);
  n.errors++;
  n.lastError = message;
  return n;
}

/** Current traffic share of the new revision, percent, as the run has set it. */
export function appliedCanaryWeight(r: RunState): number {
  if (r.phase === 'rolledBack' || (r.rollback && r.rollback.stage !== 'restoreTraffic')) return 0;
  for (let i = Math.min(r.stepIndex, r.steps.length - 1); i >= 0; i--) {
    const s = r.steps[i];
    if (s.status === 'succeeded' || s.status === 'running') return s.desired.canaryWeightPercent;
  }
  return 0;
}
