import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { transition, isReviewOverdue, reviewReasons, CHANGE_STATES, type ChangeEvent, type ChangeState, type ChangeType } from './change-state-machine';

const H = 3600_000;

describe('change state machine', () => {
  const allowed: [ChangeType, ChangeState, ChangeEvent, ChangeState][] = [
    ['standard', 'new', { type: 'submit' }, 'scheduled'],
    ['normal', 'new', { type: 'submit' }, 'assess'],
    ['emergency', 'new', { type: 'submit' }, 'authorize'],
    ['normal', 'assess', { type: 'approvalsUpdated', assessDone: false, authorizeDone: false }, 'assess'],
    ['normal', 'assess', { type: 'approvalsUpdated', assessDone: true, authorizeDone: false }, 'authorize'],
    ['normal', 'assess', { type: 'approvalsUpdated', assessDone: true, authorizeDone: true }, 'scheduled'],
    ['normal', 'authorize', { type: 'approvalsUpdated', assessDone: true, authorizeDone: false }, 'authorize'],
    ['normal', 'authorize', { type: 'approvalsUpdated', assessDone: true, authorizeDone: true }, 'scheduled'],
    ['emergency', 'authorize', { type: 'approvalsUpdated', assessDone: true, authorizeDone: true }, 'scheduled'],
    ['normal', 'assess', { type: 'reject' }, 'new'],
    ['normal', 'authorize', { type: 'reject' }, 'new'],
    ['normal', 'scheduled', { type: 'implement', insideFreeze: false }, 'implement'],
    ['emergency', 'scheduled', { type: 'implement', insideFreeze: true }, 'implement'],
    ['normal', 'implement', { type: 'complete', outcome: 'successful', reviewRequired: false }, 'closed'],
    ['normal', 'implement', { type: 'complete', outcome: 'successful-with-issues', reviewRequired: false }, 'closed'],
    ['normal', 'implement', { type: 'complete', outcome: 'successful', reviewRequired: true }, 'review'],
    ['normal', 'implement', { type: 'complete', outcome: 'failed', reviewRequired: false }, 'review'],
    ['standard', 'implement', { type: 'complete', outcome: 'rolled-back', reviewRequired: false }, 'review'],
    ['emergency', 'implement', { type: 'complete', outcome: 'successful', reviewRequired: false }, 'review'],
    ['normal', 'review', { type: 'review' }, 'closed'],
    ['normal', 'new', { type: 'cancel' }, 'canceled'],
    ['normal', 'assess', { type: 'cancel' }, 'canceled'],
    ['normal', 'authorize', { type: 'cancel' }, 'canceled'],
    ['standard', 'scheduled', { type: 'cancel' }, 'canceled'],
  ];
  for (const [type, state, event, to] of allowed) {
    test(`${type}: ${state} --${event.type}--> ${to}`, () => {
      const r = transition({ type, state }, event);
      assert.deepEqual(r, { ok: true, from: state, to });
    });
  }

  const refused: [ChangeType, ChangeState, ChangeEvent, string, RegExp][] = [
    ['normal', 'assess', { type: 'submit' }, 'submit-from-new', /only a new change request/],
    ['normal', 'new', { type: 'approvalsUpdated', assessDone: true, authorizeDone: true }, 'approve-when-awaiting', /in new/],
    ['normal', 'scheduled', { type: 'reject' }, 'reject-when-awaiting', /awaiting approval/],
    ['normal', 'authorize', { type: 'implement', insideFreeze: false }, 'implement-when-scheduled', /not authorised yet/],
    ['normal', 'scheduled', { type: 'implement', insideFreeze: true }, 'freeze', /freeze window/],
    ['standard', 'scheduled', { type: 'implement', insideFreeze: true }, 'freeze', /only an emergency/],
    ['normal', 'scheduled', { type: 'complete', outcome: 'successful', reviewRequired: false }, 'complete-when-implementing', /being implemented/],
    ['normal', 'closed', { type: 'review' }, 'terminal', /closed/],
    ['normal', 'implement', { type: 'review' }, 'review-when-due', /in implement/],
    ['normal', 'implement', { type: 'cancel' }, 'cancel-before-implement', /rolled-back/],
    ['emergency', 'review', { type: 'cancel' }, 'cancel-before-implement', /cannot be canceled/],
    ['normal', 'canceled', { type: 'submit' }, 'terminal', /canceled/],
  ];
  for (const [type, state, event, rule, reason] of refused) {
    test(`${type}: ${state} refuses ${event.type} (${rule})`, () => {
      const r = transition({ type, state }, event);
      assert.equal(r.ok, false);
      if (!r.ok) {
        assert.equal(r.rule, rule);
        assert.match(r.reason, reason);
      }
    });
  }

  test('every state answers every event without throwing', () => {
    const events: ChangeEvent[] = [
      { type: 'submit' },
      { type: 'approvalsUpdated', assessDone: true, authorizeDone: true },
      { type: 'reject' },
      { type: 'implement', insideFreeze: false },
      { type: 'complete', outcome: 'failed', reviewRequired: false },
      { type: 'review' },
      { type: 'cancel' },
    ];
    for (const state of CHANGE_STATES) {
      for (const e of events) {
        const r = transition({ type: 'normal', state }, e);
        assert.equal(r.from, state);
      }
    }
  });
});

describe('reviews', () => {
  const cases: [Parameters<typeof reviewReasons>[0], number][] = [
    [{ type: 'normal', outcome: 'successful' }, 0],
    [{ type: 'normal', outcome: 'successful', budgetConsumedFraction: 0.2 }, 0],
    [{ type: 'normal', outcome: 'successful', budgetConsumedFraction: 0.21 }, 1],
    [{ type: 'normal', outcome: 'failed' }, 1],
    [{ type: 'standard', outcome: 'rolled-back' }, 1],
    [{ type: 'emergency', outcome: 'failed', budgetConsumedFraction: 0.5 }, 3],
  ];
  for (const [input, n] of cases) {
    test(`${input.type}/${input.outcome}/${input.budgetConsumedFraction ?? '-'} → ${n} reasons`, () => {
      assert.equal(reviewReasons(input).length, n);
    });
  }

  const overdue: [ChangeType, ChangeState, number | null, number, boolean][] = [
    ['emergency', 'review', 0, 23 * H, false],
    ['emergency', 'review', 0, 24 * H + 1, true],
    ['emergency', 'implement', 0, 25 * H, true],
    ['emergency', 'closed', 0, 48 * H, false],
    ['normal', 'review', 0, 48 * H, false],
    ['emergency', 'scheduled', null, 48 * H, false],
  ];
  for (const [type, state, at, now, expected] of overdue) {
    test(`${type} in ${state}, ${now / H} h after implementation: overdue=${expected}`, () => {
      assert.equal(isReviewOverdue({ type, state, implementedAtMs: at }, now), expected);
    });
  }
});
