import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { environmentKindOf, riskInputFor, slotOf, type FactsSnapshot } from './change-facts';
import { changeWindowSpecSchema } from './change-window';
import { deploymentsOf } from './change-reports';
import type { ChangeRequest } from './change-store';

const facts: FactsSnapshot = {
  services: new Map([
    ['shop', { tier: 1, dependencies: [{ service: 'db', kind: 'hard' }] }],
    ['db', { tier: 1 }],
    ['web', { tier: 2, dependencies: [{ service: 'shop', kind: 'hard' }] }],
  ]),
  environments: new Map([['live', { kind: 'production' }]]),
  edges: [
    { from: 'shop', to: 'db', kind: 'hard' },
    { from: 'web', to: 'shop', kind: 'hard' },
  ],
  windows: [
    { name: 'evenings', spec: changeWindowSpecSchema.parse({ type: 'maintenance', start: '2026-03-01T20:00', durationMinutes: 240, rrule: 'FREQ=DAILY', scope: { services: ['shop'] } }) },
    { name: 'lunch', spec: changeWindowSpecSchema.parse({ type: 'peak', start: '2026-03-02T12:00', durationMinutes: 120, rrule: 'FREQ=DAILY' }) },
  ],
  policies: [],
  templates: [],
};

const T = Date.parse('2026-03-02T09:00:00Z');
const base = {
  id: 'CHG-000001', service: 'shop', environment: 'live', environmentKind: 'production', type: 'normal', kind: 'code', title: 't', description: null,
  rollbackPlan: 'revert', oncall: null, irreversible: false, linesChanged: 120, version: null, state: 'new', author: 'alice', cycle: 1,
  createdAtMs: T, updatedAtMs: T, submittedAtMs: null, authorizedAtMs: null, scheduledStartMs: null, scheduledEndMs: null, implementedAtMs: null,
  implementer: null, completedAtMs: null, outcome: null, closedAtMs: null, risk: null, riskInput: null, requirements: null, reviewReasons: [],
  budgetRemainingAtImplement: null, artifact: null, configHash: null, template: null, runId: null, emergencyReason: null, rowVersion: 0,
} as ChangeRequest;

describe('risk facts', () => {
  test('environment kind: declared, else from the name', () => {
    assert.deepEqual(['live', 'prod-eu', 'staging-2', 'sandbox'].map((e) => environmentKindOf(facts, e)), ['production', 'production', 'staging', 'dev']);
  });
  test('slot defaults to an hour from now', () => {
    assert.deepEqual(slotOf({ scheduledStartMs: null, scheduledEndMs: null }, T), { startMs: T, endMs: T + 3600_000 });
  });
  const cases: [string, Partial<ChangeRequest>, Partial<ReturnType<typeof riskInputFor>>][] = [
    ['graph facts', {}, { tier: 1, dependentCount: 1, spof: true, hasOncall: false, hasRollbackPlan: true, linesChanged: 120 }],
    ['at lunch, outside maintenance', { scheduledStartMs: Date.parse('2026-03-02T12:30:00Z') }, { inPeakTraffic: true, outsideMaintenanceWindow: true, leadTimeHours: 3.5 }],
    ['in the evening window', { scheduledStartMs: Date.parse('2026-03-02T21:00:00Z') }, { inPeakTraffic: false, outsideMaintenanceWindow: false }],
    ['a service with no window is never outside one', { service: 'web', scheduledStartMs: Date.parse('2026-03-02T09:00:00Z') }, { outsideMaintenanceWindow: false, dependentCount: 0, spof: false, tier: 2 }],
  ];
  for (const [name, patch, expected] of cases) {
    test(name, () => {
      const r = riskInputFor({ ...base, ...patch }, facts, { budgetRemainingFraction: 0.3, burnRate: 1.2 }, 2, T);
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(r[k as keyof typeof r], v, k);
      assert.deepEqual([r.budgetRemainingFraction, r.burnRate, r.recentFailures], [0.3, 1.2, 2]);
    });
  }
  test('deployments are completed production changes; emergencies count as rework', () => {
    const done = { ...base, implementedAtMs: T + 1, completedAtMs: T + 2, outcome: 'failed' as const };
    const ds = deploymentsOf([done, { ...done, id: 'x', environmentKind: 'staging' }, { ...base, id: 'y' }, { ...done, id: 'z', type: 'emergency' }]);
    assert.deepEqual(ds.map((d) => [d.id, d.unplanned]), [['CHG-000001', false], ['z', true]]);
  });
});
