import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextRolloutAction, parseSteps, type FlagRolloutRun } from './flag-rollout-plan';

test('parseSteps', () => {
  const table: Array<[string, number[] | RegExp]> = [
    ['1,5,25,50,100', [1, 5, 25, 50, 100]],
    [' 10 , 100 ', [10, 100]],
    ['0.5,1', [0.5, 1]],
    ['', /at least one/],
    ['5,1', /must rise/],
    ['0,10', /\(0, 100\]/],
    ['50,150', /\(0, 100\]/],
    ['a', /\(0, 100\]/],
  ];
  for (const [input, expected] of table) {
    const r = parseSteps(input);
    if (Array.isArray(expected)) assert.deepEqual(r, expected, input);
    else assert.match(String(r), expected, input);
  }
});

test('nextRolloutAction: judge, advance, finish, wait', () => {
  const run: FlagRolloutRun = {
    id: 'r',
    flag: 'f',
    key: 'f',
    environment: 'production',
    steps: [10, 50],
    stepIndex: 0,
    intervalMs: 60_000,
    template: 't',
    status: 'running',
    stepStartedMs: 0,
    judgedUntilMs: 0,
    judgeState: null,
    reason: '',
    createdBy: 'x',
    createdMs: 0,
    updatedMs: 0,
    changeId: null,
  };
  assert.deepEqual(nextRolloutAction(run, 5_000, 10_000), { action: 'wait' });
  assert.deepEqual(nextRolloutAction(run, 10_000, 10_000), { action: 'judge', fromMs: 0, toMs: 10_000 });
  assert.deepEqual(nextRolloutAction({ ...run, judgedUntilMs: 60_000 }, 60_000, 10_000), { action: 'advance', percentage: 50 });
  assert.deepEqual(nextRolloutAction({ ...run, judgedUntilMs: 120_000, stepIndex: 1, stepStartedMs: 60_000 }, 120_000, 10_000), { action: 'finish' });
  assert.deepEqual(nextRolloutAction({ ...run, status: 'rolled-back' }, 1e9, 10_000), { action: 'wait' });
});
