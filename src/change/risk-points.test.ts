import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assessPoints, levelFor, pointsProbability, type RiskInput, type RiskLevel } from './risk-points';

const calm: RiskInput = {
  type: 'normal',
  tier: 4,
  environmentKind: 'dev',
  dependentCount: 0,
  spof: false,
  budgetRemainingFraction: 1,
  burnRate: 0.5,
  kind: 'config',
  irreversible: false,
  linesChanged: 10,
  inPeakTraffic: false,
  outsideMaintenanceWindow: false,
  insideFreeze: false,
  recentFailures: 0,
  hasRollbackPlan: true,
  hasOncall: true,
  leadTimeHours: 72,
};

describe('points model', () => {
  const cases: [string, Partial<RiskInput>, string, number][] = [
    ['calm config change', {}, 'kind', 3],
    ['tier 1', { tier: 1 }, 'tier', 15],
    ['production', { environmentKind: 'production' }, 'environment', 8],
    ['blast radius capped', { dependentCount: 9 }, 'blast-radius', 10],
    ['spof', { spof: true }, 'spof', 6],
    ['budget spent', { budgetRemainingFraction: -0.1 }, 'error-budget', 15],
    ['budget low', { budgetRemainingFraction: 0.2 }, 'error-budget', 10],
    ['budget unknown', { budgetRemainingFraction: undefined }, 'error-budget', 0],
    ['fast burn', { burnRate: 14.4 }, 'burn-rate', 10],
    ['data migration', { kind: 'data-migration' }, 'kind', 15],
    ['irreversible', { irreversible: true }, 'irreversible', 12],
    ['big change', { linesChanged: 5000 }, 'size', 8],
    ['peak', { inPeakTraffic: true }, 'peak-traffic', 8],
    ['outside maintenance', { outsideMaintenanceWindow: true }, 'maintenance-window', 4],
    ['freeze', { insideFreeze: true }, 'freeze', 12],
    ['failures capped', { recentFailures: 5 }, 'recent-failures', 12],
    ['no rollback plan', { hasRollbackPlan: false }, 'rollback-plan', 8],
    ['no on-call', { hasOncall: false }, 'oncall', 6],
    ['rushed', { leadTimeHours: 0.5 }, 'lead-time', 6],
    ['next day', { leadTimeHours: 12 }, 'lead-time', 3],
    ['too few instances for the forecast peak', { capacityShortfall: 'needs 5 instances, runs 3' }, 'capacity', 8],
    ['an overdue recovery drill', { overdueDrills: ['quarterly-rollback (due 2026-10-05)'] }, 'drill-overdue', 4],
  ];
  for (const [name, patch, factor, points] of cases) {
    test(`${name}: ${factor} = ${points}`, () => {
      const a = assessPoints({ ...calm, ...patch });
      const fct = a.factors.find((x) => x.id === factor)!;
      assert.equal(fct.points, points);
      assert.ok(fct.detail.length > 0);
      assert.equal(
        a.points,
        a.factors.reduce((s, x) => s + x.points, 0),
      );
    });
  }

  test('every factor is listed, in a fixed order', () => {
    const ids = assessPoints(calm).factors.map((f) => f.id);
    assert.equal(ids.length, 18);
    assert.deepEqual(
      ids,
      assessPoints({ ...calm, tier: 1, irreversible: true }).factors.map((f) => f.id),
    );
  });

  test('a risky change is critical', () => {
    const a = assessPoints({
      ...calm,
      tier: 1,
      environmentKind: 'production',
      dependentCount: 4,
      spof: true,
      kind: 'data-migration',
      irreversible: true,
      hasRollbackPlan: false,
    });
    assert.equal(a.level, 'critical');
    assert.ok(a.points <= 100);
  });

  const levels: [number, RiskLevel][] = [
    [0, 'low'],
    [24, 'low'],
    [25, 'medium'],
    [44, 'medium'],
    [45, 'high'],
    [64, 'high'],
    [65, 'critical'],
    [100, 'critical'],
  ];
  for (const [p, l] of levels) test(`${p} points → ${l}`, () => assert.equal(levelFor(p), l));

  test('probability grows with points', () => {
    assert.ok(pointsProbability(10) < pointsProbability(40));
    assert.ok(pointsProbability(40) < pointsProbability(80));
    assert.ok(Math.abs(pointsProbability(65) - 0.5) < 1e-9);
  });
});
