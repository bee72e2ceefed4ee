/**
 * The guarded rollout of a flag as a pure state machine: which percentage when, and what a verdict
 * does. No I/O; the service persists every transition before acting on it.
 */

export type FlagRolloutStatus = 'running' | 'succeeded' | 'rolled-back' | 'aborted';

export interface FlagRolloutRun {
  id: string;
  flag: string;
  /** The key SDKs evaluate and metrics are tagged with. */
  key: string;
  environment: string;
  /** Rollout percentages, ascending, the last one the final share. */
  steps: number[];
  stepIndex: number;
  /** How long each step lasts without a failing verdict, ms. */
  intervalMs: number;
  template: string;
  status: FlagRolloutStatus;
  stepStartedMs: number;
  /** End of the last judged interval, ms. */
  judgedUntilMs: number;
  /** Serialised judge state of the current step. */
  judgeState: unknown;
  reason: string;
  createdBy: string;
  createdMs: number;
  updatedMs: number;
  /** The change request it runs under (production), or null. */
  changeId: string | null;
}

/** Parses `1,5,25,50,100`: ascending percentages in (0, 100]. Returns the steps or a message. */
export function parseSteps(text: string): number[] | string {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) return 'give at least one step, e.g. 1,5,25,50,100';
  const steps = parts.map(Number);
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    if (!Number.isFinite(s) || s <= 0 || s > 100) return `step "${parts[i]}" must be a percentage in (0, 100]`;
    if (i > 0 && s <= steps[i - 1]) return `steps must rise: ${steps[i - 1]} then ${s}`;
  }
  return steps;
}

export type RolloutDecision =
  | { action: 'wait' }
  | { action: 'judge'; fromMs: number; toMs: number }
  | { action: 'advance'; percentage: number }
  | { action: 'finish' };

/**
 * What a running rollout should do at `nowMs`: judge the interval that ended (every
 * `judgeIntervalMs`), move to the next step when the current one lasted `intervalMs`, or finish
 * after the last step.
 */
export function nextRolloutAction(run: FlagRolloutRun, nowMs: number, judgeIntervalMs: number): RolloutDecision {
  if (run.status !== 'running') return { action: 'wait' };
  if (nowMs - run.judgedUntilMs >= judgeIntervalMs) return { action: 'judge', fromMs: run.judgedUntilMs, toMs: nowMs };
  if (nowMs - run.stepStartedMs >= run.intervalMs) {
    if (run.stepIndex + 1 >= run.steps.length) return { action: 'finish' };
    return { action: 'advance', percentage: run.steps[run.stepIndex + 1] };
  }
  return { action: 'wait' };
}
