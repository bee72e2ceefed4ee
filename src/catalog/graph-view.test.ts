import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { graphView } from './graph-view';
import { fixtureServices } from './catalog-fixture';
import type { EnvironmentNode } from './graph';

// web → api (hard) → db (hard); web → search (soft); batch → db (soft); api ↔ cache cycle (hard)
const view = graphView(
  [
    ...fixtureServices({ web: { deps: 'api search~', tier: 1 }, api: 'db cache', batch: 'db~', cache: 'api', db: { tier: 1 } }),
    { name: 'search', tier: 2, owner: 'discovery', dependencies: [] },
  ],
  [
    { name: 'prod-eu', kind: 'staging', services: {} },
    { name: 'live', kind: 'production', services: {} },
  ] satisfies EnvironmentNode[],
);
const names = (list: { service: string }[]) => list.map((a) => a.service).sort();

describe('graph view (HOOKS.graph)', () => {
  // Ported from the change capability's own blast-radius copy: [service, every dependent, hard dependents, SPOF].
  const cases: [string, string[], string[], boolean][] = [
    ['db', ['api', 'batch', 'cache', 'web'], ['api', 'cache', 'web'], true],
    ['search', ['web'], [], false],
    ['web', [], [], false],
    ['api', ['cache', 'web'], ['cache', 'web'], true],
    ['unknown', [], [], false],
  ];
  for (const [svc, dependents, hard, spof] of cases) {
    test(`blast radius and SPOF of ${svc}`, () => {
      const br = view.blastRadius(svc);
      assert.equal(br.service, svc);
      assert.deepEqual({ dependents: names([...br.hard, ...br.soft]), hard: names(br.hard), spof: view.isSpof(svc) }, { dependents, hard, spof });
    });
  }

  test('hard dependencies, direct only and sorted', () => {
    assert.deepEqual(view.hardDependencies('api'), ['cache', 'db']);
    assert.deepEqual(view.hardDependencies('web'), ['api']);
    assert.deepEqual(view.hardDependencies('unknown'), []);
  });

  test('dependencies and dependents carry hard or soft', () => {
    assert.deepEqual(view.dependencies('web'), [
      { service: 'api', kind: 'hard' },
      { service: 'search', kind: 'soft' },
    ]);
    assert.deepEqual(view.dependents('db'), [
      { service: 'api', kind: 'hard' },
      { service: 'batch', kind: 'soft' },
    ]);
    assert.deepEqual(view.dependents('nope'), []);
  });

  test('blast radius keeps depth, path and tier', () => {
    const web = view.blastRadius('db').hard.find((a) => a.service === 'web')!;
    assert.deepEqual(
      { path: web.path, kinds: web.kinds, depth: web.depth, tier: web.tier },
      { path: ['web', 'api', 'db'], kinds: ['hard', 'hard'], depth: 2, tier: 1 },
    );
  });

  test('services: declared ones only, sorted, with tier (default 3) and owner', () => {
    assert.deepEqual(
      view.services().map((s) => [s.name, s.tier]),
      [
        ['api', 3],
        ['batch', 3],
        ['cache', 3],
        ['db', 1],
        ['search', 2],
        ['web', 1],
      ],
    );
    assert.deepEqual(view.service('search'), { name: 'search', tier: 2, owner: 'discovery', external: false, databases: [] });
    assert.equal(view.service('nope'), undefined);
  });

  test('SPOF as the catalog reports it: a hard dependency with a fallback and no cut is none', () => {
    const v = graphView(fixtureServices({ a: 'db!cached', db: '', b: 'q', q: '' }), []);
    assert.deepEqual([v.isSpof('db'), v.isSpof('q')], [false, true]);
  });

  test('environment kind comes from the Environment resource, never from the name', () => {
    assert.deepEqual(
      ['prod-eu', 'live', 'production', 'staging'].map((e) => view.environmentKind(e)),
      ['staging', 'production', undefined, undefined],
    );
  });
});
