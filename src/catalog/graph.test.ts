import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph } from './graph';
import { fixtureServices, parseDeps } from './catalog-fixture';

describe('parseDeps', () => {
  const cases: [string, ReturnType<typeof parseDeps>][] = [
    ['', []],
    ['db', [{ service: 'db', kind: 'hard' }]],
    ['db!cache', [{ service: 'db', kind: 'hard', fallback: 'cache' }]],
    ['recs~', [{ service: 'recs', kind: 'soft' }]],
    [
      'recs~cached-list  db',
      [
        { service: 'recs', kind: 'soft', fallback: 'cached-list' },
        { service: 'db', kind: 'hard' },
      ],
    ],
  ];
  for (const [input, want] of cases) test(JSON.stringify(input), () => assert.deepEqual(parseDeps(input), want));
});

describe('buildGraph', () => {
  test('numbers declared services first, then undeclared dependencies, and lists both directions', () => {
    const g = buildGraph(fixtureServices({ orders: 'db payments~cached', payments: 'bank', db: '' }));
    assert.deepEqual(g.names, ['orders', 'payments', 'db', 'bank']);
    assert.equal(g.services[3], undefined);
    assert.deepEqual(
      g.edges.map((e) => [g.names[e.from], g.names[e.to], e.kind, e.fallback]),
      [
        ['orders', 'db', 'hard', undefined],
        ['orders', 'payments', 'soft', 'cached'],
        ['payments', 'bank', 'hard', undefined],
      ],
    );
    assert.deepEqual(g.out[0], [0, 1]);
    assert.deepEqual(g.in[2], [0]);
    assert.deepEqual(g.undeclared, [{ service: 'bank', dependents: ['payments'] }]);
  });

  test('keeps the first of a dependency listed twice and the last of a service declared twice', () => {
    const g = buildGraph([
      { name: 'a', dependencies: [{ service: 'x', kind: 'hard' }] },
      {
        name: 'a',
        dependencies: [
          { service: 'b', kind: 'hard' },
          { service: 'b', kind: 'soft' },
        ],
      },
      { name: 'b', dependencies: [] },
    ]);
    assert.deepEqual(g.names, ['a', 'b']);
    assert.equal(g.edges.length, 1);
    assert.equal(g.edges[0].kind, 'hard');
    assert.deepEqual(g.undeclared, []);
  });
});
