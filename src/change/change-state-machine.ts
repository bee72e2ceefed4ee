/**
 * The change request life cycle (ITIL / ServiceNow style), as a pure transition function.
 *
 *   New → Assess → Authorize → Scheduled → Implement → Review → Closed, and Canceled.
 *
 * - `standard` changes are pre-approved templates: submit goes straight to Scheduled.
 * - `normal` changes are assessed (peer approvals) then authorised (group approvals, e.g. CAB).
 * - `emergency` changes skip Assess, need one fast authorisation, may cross a freeze, and always
 *   end in Review (the retrospective review), which is overdue 24 hours after implementation.
 *
 * No I/O here: the service persists the result and writes the audit event.
 */

export const CHANGE_STATES = ['new', 'assess', 'authorize', 'scheduled', 'implement', 'review', 'closed', 'canceled'] as const;
export type ChangeState = (typeof CHANGE_STATES)[number];

export const CHANGE_TYPES = ['standard', 'normal', 'emergency'] as const;
export type ChangeType = (typeof CHANGE_TYPES)[number];

export const CHANGE_OUTCOMES = ['successful', 'successful-with-issues', 'failed', 'rolled-back'] as const;
export type ChangeOutcome = (typeof CHANGE_OUTCOMES)[number];

/** What can happen to a change request. */
export type ChangeEvent =
  | { type: 'submit' }
  /** Approvals were recorded; `assessDone`/`authorizeDone` say whether each stage's requirements are met. */
  | { type: 'approvalsUpdated'; assessDone: boolean; authorizeDone: boolean }
  | { type: 'reject' }
  | { type: 'implement'; insideFreeze: boolean }
  | { type: 'complete'; outcome: ChangeOutcome; reviewRequired: boolean }
  | { type: 'review' }
  | { type: 'cancel' };

export type ChangeEventType = ChangeEvent['type'];

/** The part of a change request the state machine looks at. */
export interface ChangeSnapshot {
  state: ChangeState;
  type: ChangeType;
}

export type TransitionResult = { ok: true; from: ChangeState; to: ChangeState } | { ok: false; from: ChangeState; rule: string; reason: string };

const TERMINAL: ChangeState[] = ['closed', 'canceled'];

/** True once a change can no longer move. */
export function isTerminal(state: ChangeState): boolean {
  return TERMINAL.includes(state);
}

function refuse(from: ChangeState, rule: string, reason: string): TransitionResult {
  return { ok: false, from, rule, reason };
}

/**
 * Where a change goes on an event, or why it may not. Pure and total: every (state, event)
 * pair answers, and a refusal carries a rule id and a sentence a person can act on.
 */
export function transition(change: ChangeSnapshot, event: ChangeEvent): TransitionResult {
  const from = change.state;
  const ok = (to: ChangeState): TransitionResult => ({ ok: true, from, to });
  if (isTerminal(from)) return refuse(from, 'terminal', `the change request is ${from}; nothing can change it any more`);

  switch (event.type) {
    case 'submit':
      if (from !== 'new') return refuse(from, 'submit-from-new', `only a new change request can be submitted (it is in ${from})`);
      if (change.type === 'standard') return ok('scheduled');
      if (change.type === 'emergency') return ok('authorize');
      return ok('assess');

    case 'approvalsUpdated':
      if (from === 'assess') {
        if (!event.assessDone) return ok('assess');
        return ok(event.authorizeDone ? 'scheduled' : 'authorize');
      }
      if (from === 'authorize') return ok(event.assessDone && event.authorizeDone ? 'scheduled' : 'authorize');
      return refuse(from, 'approve-when-awaiting', `approvals are taken in assess or authorize; the change request is in ${from}`);

    case 'reject':
      if (from !== 'assess' && from !== 'authorize') {
        return refuse(from, 'reject-when-awaiting', `only a change request awaiting approval can be rejected (it is in ${from})`);
      }
      // Back to New with its approvals cleared: the author revises and submits again.
      return ok('new');

    case 'implement':
      if (from !== 'scheduled') {
        const why = from === 'new' || from === 'assess' || from === 'authorize' ? 'it is not authorised yet' : `it is in ${from}`;
        return refuse(from, 'implement-when-scheduled', `only a scheduled change request can be implemented: ${why}`);
      }
      if (event.insideFreeze && change.type !== 'emergency') {
        return refuse(from, 'freeze', 'a freeze window is in force; only an emergency change may be implemented inside it');
      }
      return ok('implement');

    case 'complete':
      if (from !== 'implement')
        return refuse(from, 'complete-when-implementing', `only a change request being implemented can be completed (it is in ${from})`);
      return ok(event.reviewRequired || change.type === 'emergency' || needsReviewFor(event.outcome) ? 'review' : 'closed');

    case 'review':
      if (from !== 'review') return refuse(from, 'review-when-due', `a post-implementation review is recorded in review (the change request is in ${from})`);
      return ok('closed');

    case 'cancel':
      if (from === 'implement' || from === 'review') {
        return refuse(from, 'cancel-before-implement', `a change request in ${from} cannot be canceled; complete it with --outcome rolled-back instead`);
      }
      return ok('canceled');
  }
}

/** Outcomes that always call for a post-implementation review. */
export function needsReviewFor(outcome: ChangeOutcome): boolean {
  return outcome === 'failed' || outcome === 'rolled-back';
}

/** Share of the error budget one change may consume before a review is required (SRE Workbook policy). */
export const REVIEW_BUDGET_CONSUMED_FRACTION = 0.2;

/** Why a post-implementation review is required, or an empty list. */
export function reviewReasons(input: {
  type: ChangeType;
  outcome: ChangeOutcome;
  /** Fraction of the error budget consumed during the change (0..1), when the SLO capability reports it. */
  budgetConsumedFraction?: number;
}): string[] {
  const reasons: string[] = [];
  if (input.type === 'emergency') reasons.push('emergency change: retrospective review within 24 hours');
  if (input.outcome === 'failed') reasons.push('the change failed');
  if (input.outcome === 'rolled-back') reasons.push('the change was rolled back');
  if (input.budgetConsumedFraction !== undefined && input.budgetConsumedFraction > REVIEW_BUDGET_CONSUMED_FRACTION) {
    reasons.push(`the change consumed ${(input.budgetConsumedFraction * 100).toFixed(1)}% of the error budget (more than 20%)`);
  }
  return reasons;
}

/** How long after implementation an emergency change's retrospective review is due, ms. */
export const EMERGENCY_REVIEW_DUE_MS = 24 * 60 * 60 * 1000;

/** True when an emergency change still lacks its retrospective review 24 hours after implementation. */
export function isReviewOverdue(change: { type: ChangeType; state: ChangeState; implementedAtMs?: number | null }, nowMs: number): boolean {
  if (change.type !== 'emergency' || change.implementedAtMs == null) return false;
  if (change.state !== 'implement' && change.state !== 'review') return false;
  return nowMs - change.implementedAtMs > EMERGENCY_REVIEW_DUE_MS;
}
