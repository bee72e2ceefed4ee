import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../core/errors';
import { checkRouteTable, mergeRouteTables, parseRouteTables } from './route-table';

const good = `apiVersion: shipgate.dev/v1
kind: RouteTable
metadata: {name: default}
spec:
  routes:
    - name: shop
      match: {host: "*", pathPrefix: "/"}
      stickiness: {header: x-user-id, cookie: sg-bucket}
      backends:
        - {version: stable, weight: 90, instances: ["http://127.0.0.1:9001", "http://127.0.0.1:9002"]}
        - {version: canary, weight: 10, instances: ["http://127.0.0.1:9003"]}
`;

function issuesOf(text: string): string[] {
  try {
    parseRouteTables(text, 'routes.yaml');
  } catch (e) {
    assert.ok(e instanceof InputError);
    return e.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);
  }
  assert.fail('expected an InputError');
}

describe('RouteTable schema', () => {
  test('parses the example and fills defaults', () => {
    const [m] = parseRouteTables(good, 'routes.yaml');
    const r = m.spec.routes[0];
    assert.equal(r.stickiness.header, 'x-user-id');
    assert.equal(r.balancer, 'round-robin');
    assert.deepEqual(r.timeouts, { connectMs: 2_000, headersMs: 15_000, requestMs: 60_000 });
    assert.equal(r.retries.budgetPercent, 20);
    assert.equal(r.sessionPinning, false);
    assert.deepEqual(
      r.backends.map((b) => b.weight),
      [90, 10],
    );
  });

  test('concurrency: adaptive fills its defaults; priority defaults to critical', () => {
    const [m] = parseRouteTables(good.replace('backends:', 'concurrency: {adaptive: {max: 200}, queue: 8}\n      backends:'), 'routes.yaml');
    const r = m.spec.routes[0];
    assert.equal(r.priority, 'critical');
    assert.equal(r.concurrency?.max, undefined);
    assert.deepEqual(r.concurrency?.adaptive, {
      initial: 20,
      min: 4,
      max: 200,
      tolerance: 1.5,
      smoothing: 0.2,
      windowMs: 100,
      windowSamples: 10,
      probeIntervalMs: 5_000,
    });
    assert.equal(r.concurrency?.queue, 8);
    assert.equal(r.concurrency?.queueTimeoutMs, 1_000);
  });

  test('JSON is accepted too', () => {
    const [m] = parseRouteTables(JSON.stringify(parseRouteTables(good, 'a.yaml')[0]), 'a.json');
    assert.equal(m.metadata.name, 'default');
  });

  const bad: { name: string; edit: (s: string) => string; want: RegExp }[] = [
    { name: 'unknown field', edit: (s) => s.replace('name: shop', 'name: shop\n      colour: red'), want: /^6:7 spec\.routes\[0\]: unknown field "colour"/ },
    { name: 'negative weight', edit: (s) => s.replace('weight: 10', 'weight: -1'), want: /spec\.routes\[0\]\.backends\[1\]\.weight: must be >= 0/ },
    {
      name: 'bad instance URL',
      edit: (s) => s.replace('http://127.0.0.1:9003', 'ftp://x'),
      want: /^11:\d+ spec\.routes\[0\]\.backends\[1\]\.instances\[0\]: expected an http:\/\//,
    },
    { name: 'duplicate version', edit: (s) => s.replace('version: canary', 'version: stable'), want: /backends\[1\]\.version: duplicate version "stable"/ },
    {
      name: 'all weights zero',
      edit: (s) => s.replace('weight: 90', 'weight: 0').replace('weight: 10', 'weight: 0'),
      want: /spec\.routes\[0\]\.backends: at least one backend needs a weight > 0/,
    },
    { name: 'wrong kind', edit: (s) => s.replace('kind: RouteTable', 'kind: RouteTabel'), want: /^2:7 kind: unknown kind "RouteTabel"/ },
    { name: 'path prefix', edit: (s) => s.replace('pathPrefix: "/"', 'pathPrefix: "api"'), want: /match\.pathPrefix: must start with "\/"/ },
    {
      name: 'concurrency with both max and adaptive',
      edit: (s) => s.replace('backends:', 'concurrency: {max: 10, adaptive: {initial: 5}}\n      backends:'),
      want: /spec\.routes\[0\]\.concurrency\.adaptive: set either max \(a static limit\) or adaptive, not both/,
    },
    {
      name: 'concurrency with neither max nor adaptive',
      edit: (s) => s.replace('backends:', 'concurrency: {queue: 10}\n      backends:'),
      want: /spec\.routes\[0\]\.concurrency\.max: set max \(a static limit\) or adaptive: \{initial, min, max\}/,
    },
    {
      name: 'adaptive min above max',
      edit: (s) => s.replace('backends:', 'concurrency: {adaptive: {min: 50, max: 10, initial: 20}}\n      backends:'),
      want: /spec\.routes\[0\]\.concurrency\.adaptive\.min: must be <= max \(10\)/,
    },
    {
      name: 'adaptive initial outside [min, max]',
      edit: (s) => s.replace('backends:', 'concurrency: {adaptive: {min: 5, max: 10, initial: 20}}\n      backends:'),
      want: /spec\.routes\[0\]\.concurrency\.adaptive\.initial: must be between min \(5\) and max \(10\)/,
    },
    {
      name: 'adaptive tolerance below 1',
      edit: (s) => s.replace('backends:', 'concurrency: {adaptive: {tolerance: 0.5}}\n      backends:'),
      want: /spec\.routes\[0\]\.concurrency\.adaptive\.tolerance: must be >= 1/,
    },
    {
      name: 'unknown priority',
      edit: (s) => s.replace('backends:', 'priority: low\n      backends:'),
      want: /spec\.routes\[0\]\.priority: .*critical.*sheddable/,
    },
    {
      name: 'mirror of unknown version',
      edit: (s) => s.replace('backends:', 'mirror: {version: blue, percent: 5}\n      backends:'),
      want: /mirror\.version: unknown version "blue"/,
    },
  ];
  for (const c of bad) {
    test(`refuses: ${c.name}`, () => {
      const issues = issuesOf(c.edit(good));
      assert.ok(
        issues.some((i) => c.want.test(i)),
        issues.join('\n'),
      );
    });
  }

  test('YAML syntax errors are located', () => {
    const issues = issuesOf('apiVersion: shipgate.dev/v1\nkind: [RouteTable\n');
    assert.match(issues[0], /^\d+:\d+ /);
  });

  test('checkRouteTable validates a plain object with field paths', () => {
    const [m] = parseRouteTables(good, 'a.yaml');
    assert.throws(
      () => checkRouteTable({ ...m, spec: { routes: [{ ...m.spec.routes[0], name: 'Bad Name' }] } }),
      (e: InputError) => e.issues[0].path === 'spec.routes[0].name',
    );
  });

  test('route names follow the one resource-name rule: a catalog service name (dots, up to 253) is a valid route name', () => {
    const [m] = parseRouteTables(good, 'a.yaml');
    const long = `shop.checkout.${'a'.repeat(200)}`;
    const ok = checkRouteTable({ ...m, spec: { routes: [{ ...m.spec.routes[0], name: long }] } });
    assert.equal(ok.spec.routes[0].name, long);
    assert.throws(
      () => checkRouteTable({ ...m, spec: { routes: [{ ...m.spec.routes[0], name: 'a'.repeat(254) }] } }),
      (e: InputError) => e.issues[0].path === 'spec.routes[0].name' && /at most 253/.test(e.issues[0].message),
    );
  });

  test('merge keeps the first table defining a route', () => {
    const [a] = parseRouteTables(good, 'a.yaml');
    const b = { ...a, metadata: { name: 'b' } };
    const { spec, conflicts } = mergeRouteTables([b, a]);
    assert.equal(spec.routes.length, 1);
    assert.match(conflicts[0], /RouteTable "default"|RouteTable "b"/);
  });
});
