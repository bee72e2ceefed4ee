import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_CATALOG, environmentKindOf, riskInputFor, slotOf, tierOf, type FactsSnapshot } from './change-facts';
import type { EnvironmentKind, GraphView } from '../core/hooks';
import { changeWindowSpecSchema } from './change-window';
import { deploymentsOf } from './change-reports';
import type { ChangeRequest } from './change-store';

// A fake of the catalog's answers (HOOKS.graph) for web → shop → db, all hard: the graph maths is the catalog's, tested there.
const tiers: Record<string, number> = { shop: 1, db: 1, web: 2 };
const hardDependents: Record<string, string[]> = { db: ['shop', 'web'], shop: ['web'] };
const environments: Record<string, EnvironmentKind> = { live: 'production', 'prod-eu': 'staging', 'test-1': 'production' };
const graph: GraphView = {
  ...NO_CATALOG,
  services: () =>
    Object.keys(tiers)
      .sort()
      .map((name) => ({ name, tier: tiers[name], external: false, databases: [] })),
  service: (name) => (tiers[name] ? { name, tier: tiers[name], external: false, databases: [] } : undefined),
  hardDependencies: (s) => ({ shop: ['db'], web: ['shop'] })[s] ?? [],
  blastRadius: (service) => ({
    service,
    hard: (hardDependents[service] ?? []).map((d) => ({ service: d, path: [d, service], kinds: ['hard' as const], depth: 1 })),
    soft: [],
  }),
  isSpof: (s) => s in hardDependents,
  environmentKind: (e) => environments[e],
};
const facts: FactsSnapshot = {
  graph,
  windows: [
    {
      name: 'evenings',
      spec: changeWindowSpecSchema.parse({
        type: 'maintenance',
        start: '2026-03-01T20:00',
        durationMinutes: 240,
        rrule: 'FREQ=DAILY',
        scope: { services: ['shop'] },
      }),
    },
    { name: 'lunch', spec: changeWindowSpecSchema.parse({ type: 'peak', start: '2026-03-02T12:00', durationMinutes: 120, rrule: 'FREQ=DAILY' }) },
  ],
  policies: [],
  templates: [],
};

const T = Date.parse('2026-03-02T09:00:00Z');
const base = {
  id: 'CHG-000001',
  service: 'shop',
  environment: 'live',
  environmentKind: 'production',
  type: 'normal',
  kind: 'code',
  title: 't',
  description: null,
  rollbackPlan: 'revert',
  oncall: null,
  irreversible: false,
  linesChanged: 120,
  version: null,
  state: 'new',
  author: 'alice',
  cycle: 1,
  createdAtMs: T,
  updatedAtMs: T,
  submittedAtMs: null,
  authorizedAtMs: null,
  scheduledStartMs: null,
  scheduledEndMs: null,
  implementedAtMs: null,
  implementer: null,
  completedAtMs: null,
  outcome: null,
  closedAtMs: null,
  risk: null,
  riskInput: null,
  requirements: null,
  reviewReasons: [],
  budgetRemainingAtImplement: null,
  artifact: null,
  configHash: null,
  template: null,
  runId: null,
  emergencyReason: null,
  rowVersion: 0,
} as ChangeRequest;

describe('risk facts', () => {
  test('environment kind: from the Environment resource, never the name; production when there is none', () => {
    assert.deepEqual(
      ['live', 'prod-eu', 'test-1', 'staging-2', 'sandbox'].map((e) => environmentKindOf(facts, e)),
      ['production', 'staging', 'production', 'production', 'production'],
    );
  });
  test('without the catalog: tier 3, no dependents, every environment production', () => {
    const bare: FactsSnapshot = { ...facts, graph: NO_CATALOG };
    assert.deepEqual([tierOf(bare, 'shop'), environmentKindOf(bare, 'dev')], [3, 'production']);
    const r = riskInputFor(base, bare, {}, 0, T);
    assert.deepEqual([r.dependentCount, r.spof], [0, false]);
  });
  test('slot defaults to an hour from now', () => {
    assert.deepEqual(slotOf({ scheduledStartMs: null, scheduledEndMs: null }, T), { startMs: T, endMs: T + 3600_000 });
  });
  const cases: [string, Partial<ChangeRequest>, Partial<ReturnType<typeof riskInputFor>>][] = [
    ['graph facts', {}, { tier: 1, dependentCount: 1, spof: true, hasOncall: false, hasRollbackPlan: true, linesChanged: 120 }],
    [
      'at lunch, outside maintenance',
      { scheduledStartMs: Date.parse('2026-03-02T12:30:00Z') },
      { inPeakTraffic: true, outsideMaintenanceWindow: true, leadTimeHours: 3.5 },
    ],
    ['in the evening window', { scheduledStartMs: Date.parse('2026-03-02T21:00:00Z') }, { inPeakTraffic: false, outsideMaintenanceWindow: false }],
    [
      'a service with no window is never outside one',
      { service: 'web', scheduledStartMs: Date.parse('2026-03-02T09:00:00Z') },
      { outsideMaintenanceWindow: false, dependentCount: 0, spof: false, tier: 2 },
    ],
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
    assert.deepEqual(
      ds.map((d) => [d.id, d.unplanned]),
      [
        ['CHG-000001', false],
        ['z', true],
      ],
    );
  });
});
