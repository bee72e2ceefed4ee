import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph } from './graph';
import { blastRadius } from './blast-radius';
import { fixtureServices, type FixtureService } from './catalog-fixture';
import { NotFoundError } from '../core/errors';

type Row = [service: string, path: string, kinds: string];
const rows = (list: { service: string; path: string[]; kinds: string[] }[]): Row[] => list.map((a) => [a.service, a.path.join('>'), a.kinds.join(',')]);

describe('blastRadius', () => {
  const cases: [string, Record<string, string | FixtureService>, string, { hard: Row[]; soft: Row[] }][] = [
    ['nobody depends on it', { a: 'b', b: '' }, 'a', { hard: [], soft: [] }],
    [
      'a chain of hard dependencies, nearest first',
      { storefront: 'orders', orders: 'db', db: '' },
      'db',
      {
        hard: [
          ['orders', 'orders>db', 'hard'],
          ['storefront', 'storefront>orders>db', 'hard,hard'],
        ],
        soft: [],
      },
    ],
    [
      'a soft link makes everything above it soft',
      { web: 'orders', orders: 'recs~cached', recs: '' },
      'recs',
      {
        hard: [],
        soft: [
          ['orders', 'orders>recs', 'soft'],
          ['web', 'web>orders>recs', 'hard,soft'],
        ],
      },
    ],
    [
      'hard when any path is all-hard, with that path',
      { a: 'db~ b', b: 'c', c: 'db', db: '' },
      'db',
      {
        hard: [
          ['c', 'c>db', 'hard'],
          ['b', 'b>c>db', 'hard,hard'],
          ['a', 'a>b>c>db', 'hard,hard,hard'],
        ],
        soft: [],
      },
    ],
    [
      'cycles end the walk',
      { a: 'b', b: 'a db', db: '', x: 'a~' },
      'db',
      {
        hard: [
          ['b', 'b>db', 'hard'],
          ['a', 'a>b>db', 'hard,hard'],
        ],
        soft: [['x', 'x>a>b>db', 'soft,hard,hard']],
      },
    ],
    ['a service in a cycle with itself is not its own victim', { a: 'b', b: 'a' }, 'a', { hard: [['b', 'b>a', 'hard']], soft: [] }],
    [
      'undeclared dependencies can be analysed',
      { a: 'stripe', b: 'a~' },
      'stripe',
      { hard: [['a', 'a>stripe', 'hard']], soft: [['b', 'b>a>stripe', 'soft,hard']] },
    ],
  ];
  for (const [name, spec, service, want] of cases) {
    test(name, () => {
      const r = blastRadius(buildGraph(fixtureServices(spec)), service);
      assert.equal(r.service, service);
      assert.deepEqual({ hard: rows(r.hard), soft: rows(r.soft) }, want);
      for (const a of [...r.hard, ...r.soft]) assert.equal(a.depth, a.path.length - 1);
    });
  }

  test('carries the tier of affected services', () => {
    const r = blastRadius(buildGraph(fixtureServices({ a: { deps: 'b', tier: 1 }, b: '' })), 'b');
    assert.equal(r.hard[0].tier, 1);
  });

  test('an unknown service is a NotFoundError', () => {
    assert.throws(() => blastRadius(buildGraph(fixtureServices({ a: '' })), 'nope'), NotFoundError);
  });
});
