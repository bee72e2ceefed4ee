import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph, type EnvironmentNode } from './graph';
import { findSinglePointsOfFailure, listNames } from './spof';
import { fixtureServices, type FixtureService } from './catalog-fixture';

/** service -> reason kinds, in report order. */
function summary(spec: Record<string, string | FixtureService>, environment?: EnvironmentNode): [string, string[]][] {
  return findSinglePointsOfFailure(buildGraph(fixtureServices(spec)), environment).spofs.map((s) => [s.service, s.reasons.map((r) => r.kind)]);
}

const prod = (services: Record<string, number>): EnvironmentNode => ({
  name: 'production',
  services: Object.fromEntries(Object.entries(services).map(([s, instances]) => [s, { version: '1', instances }])),
});

describe('findSinglePointsOfFailure', () => {
  const cases: [string, Record<string, string | FixtureService>, EnvironmentNode | undefined, [string, string[]][]][] = [
    ['no dependencies, no SPOF', { a: '', b: '' }, undefined, []],
    ['soft dependencies are never SPOFs', { a: 'b~ c~cached', b: '', c: '' }, undefined, []],
    ['a hard dependency with a fallback is not one', { a: 'b!stale', b: '' }, undefined, []],
    ['a hard dependency without a fallback is one', { a: 'b', b: '' }, undefined, [['b', ['no-fallback']]]],
    [
      'cut vertices first, largest cut-off part first',
      { web: 'api', api: 'db', db: 'disk', disk: '', batch: 'db' },
      undefined,
      [
        ['db', ['cut-vertex', 'no-fallback']],
        ['api', ['cut-vertex', 'no-fallback']],
        ['disk', ['no-fallback']],
      ],
    ],
    [
      'a single instance in the environment, even behind a fallback',
      { a: 'b!stale c', b: '', c: '' },
      prod({ a: 2, b: 1, c: 3 }),
      [
        ['a', ['cut-vertex']],
        ['b', ['single-instance']],
        ['c', ['no-fallback']],
      ],
    ],
    [
      'a hard dependency missing from the environment where its dependents run',
      { a: 'b', b: '', x: 'y', y: '' },
      prod({ a: 2 }),
      [
        ['b', ['no-fallback', 'not-deployed']],
        ['y', ['no-fallback']],
      ],
    ],
    ['external services are not expected in the environment', { a: 'stripe', stripe: { external: true } }, prod({ a: 2 }), [['stripe', ['no-fallback']]]],
    ['0 instances is not deployed', { a: 'b!stale', b: '' }, prod({ a: 2, b: 0 }), [['b', ['not-deployed']]]],
  ];
  for (const [name, spec, environment, want] of cases) test(name, () => assert.deepEqual(summary(spec, environment), want));

  test('explains each reason with the dependents and the environment', () => {
    const g = buildGraph(fixtureServices({ web: { deps: 'api', tier: 1 }, api: { deps: 'db', tier: 2 }, db: { tier: 1 }, report: 'db!replica' }));
    const r = findSinglePointsOfFailure(g, prod({ web: 2, api: 2, db: 1 }));
    assert.equal(r.environment, 'production');
    const db = r.spofs.find((s) => s.service === 'db')!;
    assert.equal(db.tier, 1);
    assert.equal(db.declared, true);
    assert.deepEqual(db.hardDependents, ['api', 'report']);
    assert.deepEqual(db.reasons, [
      {
        kind: 'cut-vertex',
        pieces: [2, 1],
        message: 'cut vertex of the hard-dependency graph: removing it splits the 3 services connected through it into 2 pieces (2, 1)',
      },
      { kind: 'no-fallback', dependents: ['api'], message: 'hard dependency without a fallback of api' },
      {
        kind: 'single-instance',
        environment: 'production',
        dependents: ['api', 'report'],
        message: 'runs 1 instance in production; hard dependency of api, report',
      },
    ]);
  });

  test('reports cycles and undeclared services alongside', () => {
    const r = findSinglePointsOfFailure(buildGraph(fixtureServices({ a: 'b ghost', b: 'a' })));
    assert.deepEqual(
      r.cycles.map((c) => c.services),
      [['a', 'b']],
    );
    assert.deepEqual(r.undeclared, [{ service: 'ghost', dependents: ['a'] }]);
    const ghost = r.spofs.find((s) => s.service === 'ghost')!;
    assert.equal(ghost.declared, false);
  });

  test('listNames shortens long lists', () => {
    assert.equal(listNames(['a', 'b']), 'a, b');
    assert.equal(listNames(['a', 'b', 'c', 'd', 'e', 'f', 'g']), 'a, b, c, d, e and 2 more');
  });
});
