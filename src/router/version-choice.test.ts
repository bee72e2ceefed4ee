import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTable } from './compiled-table';
import { checkRouteTable } from './route-table';
import { StatsRecorder } from './stats-recorder';
import { UpstreamPool } from './upstream-pool';
import { routeTable } from './testing/route-table-builder';
import { chooseVersion, readCookie, headersOf } from './version-choice';
import { bucketOf } from './buckets';

describe('readCookie', () => {
  const cases: [string | undefined, string, string | undefined][] = [
    [undefined, 'a', undefined],
    ['a=1', 'a', '1'],
    ['x=9; a=1; b=2', 'a', '1'],
    ['aa=1; a=2', 'a', '2'],
    ['a="quoted"', 'a', 'quoted'],
    ['b=2', 'a', undefined],
    ['a=', 'a', ''],
    ['garbage', 'a', undefined],
  ];
  for (const [header, name, want] of cases) test(`${JSON.stringify(header)} → ${name}`, () => assert.equal(readCookie(header, name), want));
});

function compile(route: Record<string, unknown>, weights: [number, number] = [90, 10]) {
  const m = checkRouteTable(
    routeTable(
      [
        { version: 'stable', weight: weights[0], instances: ['http://127.0.0.1:9001'] },
        { version: 'canary', weight: weights[1], instances: ['http://127.0.0.1:9002'] },
      ],
      route,
    ),
  );
  const pool = new UpstreamPool();
  const table = compileTable(m.spec, 1, pool, new StatsRecorder(), undefined, 0);
  pool.close();
  return table.routes[0];
}

describe('chooseVersion', () => {
  const route = compile({ stickiness: { header: 'x-user-id', cookie: 'sg-bucket' }, headerRoutes: [{ header: 'x-tester', value: '1', version: 'canary' }] });
  test('sticky by header, matching the bucket ranges', () => {
    for (let i = 0; i < 200; i++) {
      const key = `user-${i}`;
      const c = chooseVersion(route, headersOf({ 'x-user-id': key }));
      assert.equal(c.version.name, bucketOf(key) < 9000 ? 'stable' : 'canary');
      assert.equal(c.reason, 'sticky');
      assert.equal(c.cookies, undefined);
    }
  });
  test('cookie when there is no header; a new cookie when neither', () => {
    const a = chooseVersion(route, headersOf({ cookie: 'sg-bucket=abc' }));
    assert.equal(a.version.name, bucketOf('abc') < 9000 ? 'stable' : 'canary');
    const b = chooseVersion(route, headersOf({}));
    assert.equal(b.reason, 'assigned');
    assert.match(b.cookies![0], /^sg-bucket=[a-z0-9]{12}; Path=\/; Max-Age=31536000; HttpOnly; SameSite=Lax$/);
    const key = /^sg-bucket=([a-z0-9]+)/.exec(b.cookies![0])![1];
    assert.equal(chooseVersion(route, headersOf({ cookie: `sg-bucket=${key}` })).version, b.version);
  });
  test('tester headers win over stickiness', () => {
    assert.equal(chooseVersion(route, headersOf({ 'x-user-id': 'u', 'x-shipgate-version': 'canary' })).version.name, 'canary');
    assert.equal(chooseVersion(route, headersOf({ 'x-user-id': 'u', 'x-tester': '1' })).reason, 'header');
    assert.equal(chooseVersion(compile({ versionHeader: false }, [100, 0]), headersOf({ 'x-shipgate-version': 'canary' })).version.name, 'stable');
  });
  test('session pinning sets and honours the pin cookie', () => {
    const pinned = compile({ sessionPinning: true }, [0, 100]);
    const first = chooseVersion(pinned, headersOf({ cookie: 'sg-bucket=k' }));
    assert.equal(first.version.name, 'canary');
    assert.deepEqual(first.cookies, ['sg-version=canary; Path=/; HttpOnly; SameSite=Lax']);
    const again = chooseVersion(pinned, headersOf({ cookie: 'sg-bucket=k; sg-version=stable' }));
    assert.equal(again.version.name, 'stable');
    assert.equal(again.reason, 'pinned');
    assert.equal(chooseVersion(pinned, headersOf({ cookie: 'sg-version=gone' })).version.name, 'canary');
  });
});

describe('CompiledTable.match', () => {
  const m = checkRouteTable({
    apiVersion: 'shipgate.dev/v1',
    kind: 'RouteTable',
    metadata: { name: 't' },
    spec: {
      routes: [
        { name: 'any', backends: [{ version: 'v', weight: 1, instances: ['http://127.0.0.1:1'] }] },
        { name: 'api', match: { pathPrefix: '/api' }, backends: [{ version: 'v', weight: 1, instances: ['http://127.0.0.1:1'] }] },
        { name: 'shop-host', match: { host: 'shop.example.com' }, backends: [{ version: 'v', weight: 1, instances: ['http://127.0.0.1:1'] }] },
        { name: 'sub', match: { host: '*.example.com', pathPrefix: '/x' }, backends: [{ version: 'v', weight: 1, instances: ['http://127.0.0.1:1'] }] },
      ],
    },
  });
  const pool = new UpstreamPool();
  const table = compileTable(m.spec, 1, pool, new StatsRecorder(), undefined, 0);
  pool.close();
  const cases: [string, string, string | undefined][] = [
    ['other.org', '/', 'any'],
    ['other.org', '/api/v1', 'api'],
    ['shop.example.com', '/api', 'shop-host'],
    ['a.example.com', '/x/y', 'sub'],
    ['a.example.com', '/y', 'any'],
  ];
  for (const [host, path, want] of cases) test(`${host}${path} → ${want}`, () => assert.equal(table.match(host, path)?.name, want));
  test('no catch-all: no match', () => {
    const only = compileTable({ routes: [m.spec.routes[1]] }, 2, new UpstreamPool(), new StatsRecorder(), undefined, 0);
    assert.equal(only.match('h', '/'), undefined);
  });
});
