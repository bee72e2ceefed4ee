import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backendNames, trafficFor } from './traffic-plan';
import type { DesiredState } from './plan';

const d = (c: number, s: number, w: number, extra: Partial<DesiredState> = {}): DesiredState => ({
  canaryReplicas: c,
  stableReplicas: s,
  canaryWeightPercent: w,
  headerRoutes: [],
  mirrorPercent: null,
  ...extra,
});
const stable = { name: 'v1', instances: ['http://127.0.0.1:1', 'http://127.0.0.1:2'] };
const canary = { name: 'v2', instances: ['http://127.0.0.1:3'] };
const fmt = (t: ReturnType<typeof trafficFor>) =>
  t.backends.map((b) => `${b.version}=${b.weightPercent}x${b.instances.length}`).join(' ') +
  (t.headerRoutes.length ? ` h:${t.headerRoutes[0].version}` : '') +
  (t.mirror ? ` m:${t.mirror.percent}` : '');

test('traffic state from the desired state', () => {
  const cases: [string, ReturnType<typeof trafficFor>, string][] = [
    ['canary 10%', trafficFor(d(1, 2, 10), stable, canary), 'v1=90x2 v2=10x1'],
    ['promoted, stable kept for draining', trafficFor(d(1, 2, 100), stable, canary), 'v1=0x2 v2=100x1'],
    ['stable scaled down', trafficFor(d(1, 0, 100), stable, canary), 'v2=100x1'],
    ['first release', trafficFor(d(1, 0, 100), null, canary), 'v2=100x1'],
    ['rolled back: no canary instances', trafficFor(d(0, 2, 0), stable, { name: 'v2', instances: [] }), 'v1=100x2'],
    [
      'preview by header',
      trafficFor(d(1, 2, 0, { headerRoutes: [{ header: 'x-p', value: '1' }], mirrorPercent: 5 }), stable, canary),
      'v1=100x2 v2=0x1 h:v2 m:5',
    ],
  ];
  for (const [name, got, want] of cases) assert.equal(fmt(got), want, name);
});

test('backend names stay distinct when versions repeat', () => {
  assert.deepEqual(backendNames({ version: 'v1', number: 1 }, { version: 'v2', number: 2 }), { stable: 'v1', canary: 'v2' });
  assert.deepEqual(backendNames({ version: 'v1', number: 3 }, { version: 'v1', number: 4 }), { stable: 'v1-r3', canary: 'v1-r4' });
  assert.deepEqual(backendNames(null, { version: 'v1', number: 1 }), { stable: null, canary: 'v1' });
});
