import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph, type EnvironmentNode } from './graph';
import { compositeAvailability, type AvailabilityReport } from './availability';
import { fixtureServices, type FixtureService } from './catalog-fixture';
import { NotFoundError } from '../core/errors';

const env = (services: Record<string, number>): EnvironmentNode => ({
  name: 'production',
  services: Object.fromEntries(Object.entries(services).map(([s, instances]) => [s, { version: '1', instances }])),
});

describe('compositeAvailability', () => {
  const cases: {
    name: string;
    spec: Record<string, string | FixtureService>;
    env?: EnvironmentNode;
    composite: number;
    verdict: AvailabilityReport['verdict'];
    factors: string[];
  }[] = [
    { name: 'no dependencies meet any target', spec: { s: { sla: 0.999 } }, composite: 1, verdict: 'meets', factors: [] },
    {
      name: 'serial hard dependencies multiply',
      spec: { s: { deps: 'a b', sla: 0.99 }, a: { sla: 0.999 }, b: { sla: 0.995 } },
      composite: 0.999 * 0.995,
      verdict: 'meets',
      factors: ['b', 'a'],
    },
    {
      name: 'below the target',
      spec: { s: { deps: 'a b', sla: 0.999 }, a: { sla: 0.999 }, b: { sla: 0.999 } },
      composite: 0.999 * 0.999,
      verdict: 'below',
      factors: ['a', 'b'],
    },
    {
      name: 'exactly the target meets it',
      spec: { s: { deps: 'a', sla: 0.999 }, a: { sla: 0.999 } },
      composite: 0.999,
      verdict: 'meets',
      factors: ['a'],
    },
    {
      name: 'transitive dependencies count',
      spec: { s: { deps: 'a', sla: 0.9 }, a: { deps: 'b', sla: 0.99 }, b: { sla: 0.98 } },
      composite: 0.99 * 0.98,
      verdict: 'meets',
      factors: ['b', 'a'],
    },
    {
      name: 'a shared dependency counts once',
      spec: { s: { deps: 'a b', sla: 0.9 }, a: { deps: 'db', sla: 0.99 }, b: { deps: 'db', sla: 0.99 }, db: { sla: 0.95 } },
      composite: 0.99 * 0.99 * 0.95,
      verdict: 'meets',
      factors: ['db', 'a', 'b'],
    },
    {
      name: 'redundant instances combine as 1-(1-a)^n',
      spec: { s: { deps: 'a', sla: 0.999 }, a: { sla: 0.99 } },
      env: env({ a: 3 }),
      composite: 1 - 0.01 ** 3,
      verdict: 'meets',
      factors: ['a'],
    },
    {
      name: 'no instance makes the dependency unavailable',
      spec: { s: { deps: 'a', sla: 0.9 }, a: { sla: 0.99 } },
      env: env({ a: 0 }),
      composite: 0,
      verdict: 'below',
      factors: ['a'],
    },
    {
      name: 'a service the environment does not list counts one instance',
      spec: { s: { deps: 'a', sla: 0.9 }, a: { sla: 0.99 } },
      env: env({ s: 2 }),
      composite: 0.99,
      verdict: 'meets',
      factors: ['a'],
    },
    {
      name: 'soft dependencies with a fallback do not count, nor what lies behind them',
      spec: { s: { deps: 'a recs~cached', sla: 0.999 }, a: { sla: 0.9995 }, recs: { deps: 'ml', sla: 0.9 }, ml: { sla: 0.5 } },
      composite: 0.9995,
      verdict: 'meets',
      factors: ['a'],
    },
    {
      name: 'soft dependencies without a fallback count',
      spec: { s: { deps: 'a recs~', sla: 0.999 }, a: { sla: 0.9995 }, recs: { sla: 0.99 } },
      composite: 0.9995 * 0.99,
      verdict: 'below',
      factors: ['recs', 'a'],
    },
    {
      name: 'a hard dependency with a fallback still counts',
      spec: { s: { deps: 'a!stale', sla: 0.9 }, a: { sla: 0.95 } },
      composite: 0.95,
      verdict: 'meets',
      factors: ['a'],
    },
    {
      name: 'an unknown sla makes a meeting bound undecided',
      spec: { s: { deps: 'a ghost', sla: 0.9 }, a: { sla: 0.95 } },
      composite: 0.95,
      verdict: 'undecided',
      factors: ['a', 'ghost'],
    },
    {
      name: 'an unknown sla cannot rescue a bound already below',
      spec: { s: { deps: 'a ghost', sla: 0.99 }, a: { sla: 0.95 } },
      composite: 0.95,
      verdict: 'below',
      factors: ['a', 'ghost'],
    },
    {
      name: 'no target is undecided',
      spec: { s: 'a', a: { sla: 0.95 } },
      composite: 0.95,
      verdict: 'undecided',
      factors: ['a'],
    },
    {
      name: 'a cycle back to the service is walked once and the service is not its own factor',
      spec: { s: { deps: 'a', sla: 0.9 }, a: { deps: 's b', sla: 0.99 }, b: { deps: 'a', sla: 0.98 } },
      composite: 0.99 * 0.98,
      verdict: 'meets',
      factors: ['b', 'a'],
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = compositeAvailability(buildGraph(fixtureServices(c.spec)), 's', c.env);
      assert.ok(Math.abs(r.composite - c.composite) < 1e-12, `composite ${r.composite}, want ${c.composite}`);
      assert.equal(r.verdict, c.verdict);
      assert.deepEqual(
        r.factors.map((f) => f.service),
        c.factors,
      );
    });
  }

  test('explains each factor, the excluded dependencies, the unknown ones and the cycles', () => {
    const g = buildGraph(
      fixtureServices({
        s: { deps: 'a recs~cached recs2~', sla: 0.99 },
        a: { deps: 'db ghost', sla: 0.999 },
        db: { deps: 'a', sla: 0.99 },
        recs: { sla: 0.9 },
        recs2: { sla: 0.999 },
      }),
    );
    const r = compositeAvailability(g, 's', { name: 'staging', services: { db: { version: '15', instances: 2 } } });
    assert.equal(r.environment, 'staging');
    assert.equal(r.target, 0.99);
    assert.deepEqual(r.unknown, ['ghost']);
    assert.deepEqual(r.excluded, [{ from: 's', to: 'recs', fallback: 'cached' }]);
    const db = r.factors.find((f) => f.service === 'db')!;
    assert.deepEqual(db, {
      service: 'db',
      sla: 0.99,
      instances: 2,
      availability: 1 - 0.01 ** 2,
      path: ['s', 'a', 'db'],
      kinds: ['hard', 'hard'],
      counted: 'hard',
    });
    const recs2 = r.factors.find((f) => f.service === 'recs2')!;
    assert.equal(recs2.counted, 'soft-without-fallback');
    assert.deepEqual(recs2.path, ['s', 'recs2']);
    assert.deepEqual(
      r.cycles.map((c) => c.services),
      [['a', 'db']],
    );
  });

  test('a soft dependency with a fallback that a counted chain also reaches is counted, not excluded', () => {
    const r = compositeAvailability(buildGraph(fixtureServices({ s: { deps: 'a b~cached', sla: 0.9 }, a: { deps: 'b', sla: 0.99 }, b: { sla: 0.98 } })), 's');
    assert.deepEqual(r.excluded, []);
    assert.deepEqual(
      r.factors.map((f) => [f.service, f.path.join('>')]),
      [
        ['b', 's>a>b'],
        ['a', 's>a'],
      ],
    );
  });

  test('an unknown service is a NotFoundError', () => {
    assert.throws(() => compositeAvailability(buildGraph([]), 'nope'), NotFoundError);
  });
});
