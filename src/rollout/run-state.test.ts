import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRelease } from './plan';
import { strategySpec } from './rollout-spec';
import { runView } from './rollout-status';
import * as sm from './run-state';
import type { RunState } from './run-state';

function run(): RunState {
  const strategy = strategySpec.parse({
    canary: { steps: [{ setWeight: 10 }, { pause: {} }, { analysis: { metrics: [{ name: 'error-rate', max: 0.01 }] } }, { setWeight: 50 }] },
  });
  return sm.newRun({
    id: 'run_1',
    service: 'shop',
    environment: 'production',
    rollout: 'shop-production',
    strategy: 'canary',
    fromRevision: 'shop.production.1',
    toRevision: 'shop.production.2',
    fromVersion: 'v1',
    toVersion: 'v2',
    replicas: 2,
    spec: {} as RunState['spec'],
    createdAtMs: 0,
    actor: 'ann',
    changeId: null,
    plan: planRelease(strategy, 2, true),
  });
}

test('steps start, complete in order, and the run completes after the last', () => {
  let r = run();
  const labels: string[] = [];
  while (!sm.isTerminal(r)) {
    r = sm.startStep(r, 1);
    assert.equal(sm.currentStep(r)!.status, 'running');
    labels.push(sm.currentStep(r)!.label);
    r = sm.completeStep(r, 2);
  }
  assert.equal(r.phase, 'completed');
  assert.equal(r.finishedAtMs, 2);
  assert.deepEqual(labels, ['setWeight 10', 'pause (until promote)', 'analysis', 'setWeight 50', 'promote', 'drain stable', 'scale down stable']);
});

test('commands by phase: allowed transitions and refusals', () => {
  const at = (n: number) => {
    let r = sm.startStep(run(), 0);
    for (let i = 0; i < n; i++) r = sm.startStep(sm.completeStep(r, 0), 0);
    return r;
  };
  const cases: [string, (r: RunState) => RunState, RegExp | ((r: RunState) => void)][] = [
    ['pause then resume', (r) => sm.resumeRun(sm.pauseRun(r, 'user', 1), 2), (r) => assert.equal(r.phase, 'progressing')],
    ['resume a pause step is refused', (r) => sm.resumeRun(sm.pauseRun(sm.startStep(sm.completeStep(r, 0), 0), 'step', 1), 2), /use promote/],
    ['resume when not paused is refused', (r) => sm.resumeRun(r, 1), /not paused/],
    [
      'promote ends a pause step',
      (r) => sm.promoteRun(sm.pauseRun(sm.startStep(sm.completeStep(r, 0), 0), 'step', 1), false, 2),
      (r) => assert.equal(sm.currentStep(r)!.label, 'analysis'),
    ],
    [
      'promote --full jumps to the promotion',
      (r) => sm.promoteRun(r, true, 2),
      (r) => {
        assert.equal(sm.currentStep(r)!.label, 'promote');
        assert.deepEqual(
          r.steps.slice(0, 4).map((s) => s.status),
          ['succeeded', 'skipped', 'skipped', 'skipped'],
        );
      },
    ],
    [
      'abort decides a rollback',
      (r) => sm.decideRollback(r, 'aborted', 'by ann', 'ann', 5),
      (r) => {
        assert.equal(r.phase, 'rollingBack');
        assert.deepEqual([r.rollback!.stage, r.rollback!.decidedAtMs], ['restoreTraffic', 5]);
      },
    ],
    [
      'rollback stages',
      (r) => sm.rolledBack(sm.trafficRestored(sm.decideRollback(r, 'analysisFailed', 'x', 'shipgate', 5), 6), 7),
      (r) => {
        assert.equal(r.phase, 'rolledBack');
        assert.equal(r.rollback!.trafficRestoredAtMs, 6);
      },
    ],
    [
      'no command on a finished run',
      (r) => sm.pauseRun(sm.rolledBack(sm.trafficRestored(sm.decideRollback(r, 'aborted', 'x', 'a', 1), 1), 1), 'user', 2),
      /is rolledBack/,
    ],
    [
      'no second rollback of a finished run',
      (r) => sm.decideRollback(sm.rolledBack(sm.trafficRestored(sm.decideRollback(r, 'aborted', 'x', 'a', 1), 1), 1), 'aborted', 'x', 'a', 2),
      /already rolledBack/,
    ],
  ];
  for (const [name, act, check] of cases) {
    if (check instanceof RegExp) assert.throws(() => act(at(0)), check, name);
    else check(act(at(0)));
  }
});

test('the applied canary weight follows the steps and drops to 0 once traffic is restored', () => {
  let r = sm.startStep(run(), 0);
  assert.equal(sm.appliedCanaryWeight(r), 10);
  r = sm.decideRollback(r, 'healthFailed', 'x', 'shipgate', 1);
  assert.equal(sm.appliedCanaryWeight(r), 10);
  r = sm.trafficRestored(r, 2);
  assert.equal(sm.appliedCanaryWeight(r), 0);
});

test('measurements stored before the inline step was an analysis run still read: verdicts, phases, status', () => {
  const r = run();
  // As the old inline judge stored them: no phase, NaN as null, stableValues only with maxOverStable.
  const stored = JSON.parse(
    JSON.stringify([
      { atMs: 1, verdict: 'pass', requests: 40, errors: 0, values: { 'error-rate': 0 }, reasons: [] },
      { atMs: 2, verdict: 'inconclusive', requests: 5, errors: 0, values: { 'error-rate': NaN }, reasons: ['need more data: 5 of 20 requests'] },
      {
        atMs: 3,
        verdict: 'fail',
        requests: 40,
        errors: 9,
        values: { 'p50-latency-ms': 200 },
        stableValues: { 'p50-latency-ms': 20 },
        reasons: ["p50-latency-ms 200 is 180 over stable's 20 (max +100)"],
      },
    ]),
  ) as sm.Measurement[];
  r.steps[2].measurements = stored;
  assert.deepEqual(stored.map(sm.measurementPhase), ['Successful', 'Inconclusive', 'Failed']);
  assert.equal(stored[1].values['error-rate'], null);
  assert.deepEqual(runView(r).steps[2].verdicts, ['pass', 'inconclusive', 'fail']);
  assert.equal(sm.measurementPhase({ verdict: 'pass', phase: 'Error' }), 'Error');
});

test('errors in a row at the end of a step count provider faults and Error measurements alike', () => {
  const v = (s: string) => [...s].map((c) => ({ verdict: c === 'e' ? 'error' : c === 'p' ? 'pass' : 'continue' }));
  const rows: [string, number][] = [
    ['', 0],
    ['p', 0],
    ['e', 1],
    ['eepe', 1],
    ['peee', 3],
    ['eeeee', 5],
    ['eec', 0],
  ];
  for (const [s, want] of rows) assert.equal(sm.trailingErrors(v(s)), want, s);
});
