import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { blastRadius, hardDependenciesOf, type DependencyEdge } from './blast-radius';

// web → api (hard) → db (hard); web → search (soft); batch → db (soft); api ↔ cache cycle (hard)
const edges: DependencyEdge[] = [
  { from: 'web', to: 'api', kind: 'hard' },
  { from: 'api', to: 'db', kind: 'hard' },
  { from: 'web', to: 'search', kind: 'soft' },
  { from: 'batch', to: 'db', kind: 'soft' },
  { from: 'api', to: 'cache', kind: 'hard' },
  { from: 'cache', to: 'api', kind: 'hard' },
];

describe('blastRadius', () => {
  const cases: [string, string[], string[], boolean][] = [
    ['db', ['api', 'batch', 'cache', 'web'], ['api', 'cache', 'web'], true],
    ['search', ['web'], [], false],
    ['web', [], [], false],
    ['api', ['cache', 'web'], ['cache', 'web'], true],
    ['unknown', [], [], false],
  ];
  for (const [svc, dependents, hard, spof] of cases) {
    test(svc, () => {
      assert.deepEqual(blastRadius(svc, edges), { dependents, hardDependents: hard, spof });
    });
  }
  test('hard dependencies', () => {
    assert.deepEqual(hardDependenciesOf('api', edges), ['cache', 'db']);
    assert.deepEqual(hardDependenciesOf('web', edges), ['api']);
  });
});
