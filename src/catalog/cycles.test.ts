import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph, type ServiceNode } from './graph';
import { findCycles, type DependencyCycle } from './cycles';
import { fixtureServices } from './catalog-fixture';

describe('findCycles', () => {
  const cases: [string, Record<string, string>, DependencyCycle[]][] = [
    ['a tree has none', { a: 'b c', b: 'd', c: 'd', d: '' }, []],
    ['two services depending hard on each other', { a: 'b', b: 'a' }, [{ services: ['a', 'b'], path: ['a', 'b', 'a'], kinds: ['hard', 'hard'], hard: true }]],
    [
      'a soft edge makes the cycle soft',
      { a: 'b', b: 'c~x', c: 'a' },
      [{ services: ['a', 'b', 'c'], path: ['a', 'b', 'c', 'a'], kinds: ['hard', 'soft', 'hard'], hard: false }],
    ],
    [
      'the example path is the all-hard loop when there is one',
      { a: 'b~', b: 'a c', c: 'b' },
      [{ services: ['a', 'b', 'c'], path: ['b', 'c', 'b'], kinds: ['hard', 'hard'], hard: true }],
    ],
    [
      'the shortest loop through the first service',
      { a: 'b c', b: 'c', c: 'a' },
      [{ services: ['a', 'b', 'c'], path: ['a', 'c', 'a'], kinds: ['hard', 'hard'], hard: true }],
    ],
    [
      'separate cycles, sorted',
      { z: 'y', y: 'z', a: 'b', b: 'a~', m: 'a' },
      [
        { services: ['a', 'b'], path: ['a', 'b', 'a'], kinds: ['hard', 'soft'], hard: false },
        { services: ['y', 'z'], path: ['y', 'z', 'y'], kinds: ['hard', 'hard'], hard: true },
      ],
    ],
    ['a self-loop', { a: 'a' }, [{ services: ['a'], path: ['a', 'a'], kinds: ['hard'], hard: true }]],
  ];
  for (const [name, spec, want] of cases) test(name, () => assert.deepEqual(findCycles(buildGraph(fixtureServices(spec))), want));

  test('a loop through 50,000 services does not overflow the stack', () => {
    const n = 50_000;
    const services: ServiceNode[] = Array.from({ length: n }, (_, i) => ({
      name: `s${String(i).padStart(6, '0')}`,
      dependencies: [{ service: `s${String((i + 1) % n).padStart(6, '0')}`, kind: 'hard' }],
    }));
    const [cycle, ...rest] = findCycles(buildGraph(services));
    assert.equal(rest.length, 0);
    assert.equal(cycle.services.length, n);
    assert.equal(cycle.path.length, n + 1);
    assert.equal(cycle.path[0], 's000000');
    assert.equal(cycle.path[n], 's000000');
  });
});
