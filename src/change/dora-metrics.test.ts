import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { doraByService, doraMetrics, failRateBand, frequencyBand, leadTimeBand, median, recoveryBand, recoveryTimes, type Deployment } from './dora-metrics';

const H = 3600_000;
const D = 24 * H;
const T0 = Date.parse('2026-01-01T00:00:00Z');

function dep(id: string, service: string, dayOffset: number, outcome: Deployment['outcome'], leadHours = 10, durationHours = 1, unplanned = false): Deployment {
  const deployedAtMs = T0 + dayOffset * D;
  return { id, service, createdAtMs: deployedAtMs - leadHours * H, deployedAtMs, completedAtMs: deployedAtMs + durationHours * H, outcome, unplanned };
}

describe('bands', () => {
  const cases: [string, (x: number) => string, number, string][] = [
    ['frequency 3/day', frequencyBand, 3, 'elite'],
    ['frequency 1/day', frequencyBand, 1, 'elite'],
    ['frequency 2/week', frequencyBand, 2 / 7, 'high'],
    ['frequency 1/week', frequencyBand, 1 / 7, 'high'],
    ['frequency 2/month', frequencyBand, 2 / 30, 'medium'],
    ['frequency 1/quarter', frequencyBand, 1 / 90, 'low'],
    ['lead 2 h', leadTimeBand, 2, 'elite'],
    ['lead 3 days', leadTimeBand, 72, 'high'],
    ['lead 2 weeks', leadTimeBand, 14 * 24, 'medium'],
    ['lead 2 months', leadTimeBand, 60 * 24, 'low'],
    ['fail 5%', failRateBand, 0.05, 'elite'],
    ['fail 8%', failRateBand, 0.08, 'high'],
    ['fail 15%', failRateBand, 0.15, 'medium'],
    ['fail 40%', failRateBand, 0.4, 'low'],
    ['recovery 30 min', recoveryBand, 0.5, 'elite'],
    ['recovery 5 h', recoveryBand, 5, 'high'],
    ['recovery 3 days', recoveryBand, 72, 'medium'],
    ['recovery 2 weeks', recoveryBand, 14 * 24, 'low'],
  ];
  for (const [name, f, x, band] of cases) test(name, () => assert.equal(f(x), band));
  test('median', () => {
    assert.equal(median([]), null);
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
  });
});

describe('doraMetrics', () => {
  const history: Deployment[] = [
    dep('a1', 'shop', 0, 'successful', 10),
    dep('a2', 'shop', 1, 'failed', 20),
    dep('a3', 'shop', 1.5, 'successful', 30, 2), // recovers a2: 0.5 day + 2 h after a2's deploy
    dep('a4', 'shop', 3, 'rolled-back', 40, 0.5), // recovers on its own completion: 0.5 h
    dep('a5', 'shop', 5, 'successful-with-issues', 50, 1, true),
    dep('b1', 'mail', 2, 'successful', 100),
    dep('late', 'shop', 40, 'successful', 1),
  ];
  const r = doraMetrics(history, T0, T0 + 10 * D);

  test('counts and rates', () => {
    assert.equal(r.deployments, 6);
    assert.equal(r.failures, 2);
    assert.equal(r.deploymentFrequency.value, 0.6);
    assert.equal(r.deploymentFrequency.band, 'high');
    assert.equal(r.leadTimeForChanges.value, 35);
    assert.equal(r.leadTimeForChanges.band, 'high');
    assert.equal(r.changeFailRate.value, 2 / 6);
    assert.equal(r.changeFailRate.band, 'low');
    assert.equal(r.changeSuccessRate.value, 4 / 6);
    assert.equal(r.deploymentReworkRate.value, 1 / 6);
    assert.ok(r.deploymentReworkRate.note);
  });

  test('recovery: rollback completes, or the next good deployment', () => {
    const times = recoveryTimes(
      history,
      history.filter((d) => d.id === 'a2' || d.id === 'a4'),
    );
    assert.deepEqual(
      times.map((t) => t / H),
      [14, 0.5],
    );
    assert.equal(r.failedDeploymentRecoveryTime.value, 7.25);
    assert.equal(r.failedDeploymentRecoveryTime.band, 'high');
  });

  test('an unrecovered failure is left out of recovery time', () => {
    assert.deepEqual(recoveryTimes([dep('x', 's', 0, 'failed')], [dep('x', 's', 0, 'failed')]), []);
  });

  test('an empty period', () => {
    const e = doraMetrics(history, T0 + 100 * D, T0 + 110 * D);
    assert.equal(e.deployments, 0);
    assert.equal(e.deploymentFrequency.band, 'low');
    assert.equal(e.changeFailRate.value, null);
    assert.equal(e.leadTimeForChanges.band, null);
  });

  test('per service', () => {
    const by = doraByService(history, T0, T0 + 10 * D);
    assert.deepEqual(
      by.map((x) => [x.service, x.report.deployments]),
      [
        ['mail', 1],
        ['shop', 5],
      ],
    );
  });
});
