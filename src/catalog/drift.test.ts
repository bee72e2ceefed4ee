import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeployedService, EnvironmentNode } from './graph';
import { findDrift } from './drift';

const env = (name: string, services: Record<string, DeployedService>): EnvironmentNode => ({ name, services });

describe('findDrift', () => {
  const cases: [string, EnvironmentNode[], { service: string; differs: string[]; absentFrom: string[] }[], number][] = [
    ['no environments', [], [], 0],
    ['one environment cannot drift', [env('prod', { a: { version: '1' } })], [], 0],
    ['same everywhere', [env('staging', { a: { version: '1', configHash: 'x' } }), env('prod', { a: { version: '1', configHash: 'x', instances: 3 } })], [], 1],
    [
      'version differs',
      [env('staging', { a: { version: '2.5.0' } }), env('prod', { a: { version: '2.4.0' } })],
      [{ service: 'a', differs: ['version'], absentFrom: [] }],
      1,
    ],
    [
      'config hash differs',
      [env('staging', { a: { version: '1', configHash: 'x' } }), env('prod', { a: { version: '1', configHash: 'y' } })],
      [{ service: 'a', differs: ['configHash'], absentFrom: [] }],
      1,
    ],
    [
      'a config hash set on one side only is unknown, not a difference',
      [env('staging', { a: { version: '1', configHash: 'x' } }), env('prod', { a: { version: '1' } })],
      [],
      1,
    ],
    [
      'both differ, in three environments, one missing the service',
      [
        env('dev', { a: { version: '3', configHash: 'z' }, only: { version: '1' } }),
        env('staging', { b: { version: '1' } }),
        env('prod', { a: { version: '2', configHash: 'y' }, b: { version: '1' } }),
      ],
      [{ service: 'a', differs: ['version', 'configHash'], absentFrom: ['staging'] }],
      2,
    ],
  ];
  for (const [name, envs, want, compared] of cases) {
    test(name, () => {
      const r = findDrift(envs);
      assert.deepEqual(
        r.environments,
        envs.map((e) => e.name),
      );
      assert.equal(r.compared, compared);
      assert.deepEqual(
        r.drift.map(({ service, differs, absentFrom }) => ({ service, differs, absentFrom })),
        want,
      );
    });
  }

  test('shows what runs in each environment', () => {
    const r = findDrift([env('staging', { a: { version: '2', instances: 1 } }), env('prod', { a: { version: '1', instances: 3 } }), env('dev', {})]);
    assert.deepEqual(r.drift[0].environments, { staging: { version: '2', instances: 1 }, prod: { version: '1', instances: 3 }, dev: null });
  });
});
