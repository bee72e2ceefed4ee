import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../core/errors';
import { MAX_BODY_BYTES, parseScenario, weightedPicker } from './loadtest-scenario';

const issuesOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    return e.issues;
  }
  assert.fail('expected an InputError');
};

describe('loadtest scenario', () => {
  test('YAML with defaults: GET, weight 1; a body object is JSON with its content type', () => {
    const s = parseScenario(
      [
        'requests:',
        '  - path: /items',
        '    weight: 3',
        '  - method: post',
        '    path: /orders?x=1',
        '    headers: { X-Trace: 7 }',
        '    body: { sku: 42 }',
      ].join('\n'),
      's.yaml',
    );
    assert.deepEqual(
      s.map((r) => [r.method, r.path, r.weight, r.headers, r.body?.toString()]),
      [
        ['GET', '/items', 3, {}, undefined],
        ['POST', '/orders?x=1', 1, { 'x-trace': '7', 'content-type': 'application/json' }, '{"sku":42}'],
      ],
    );
  });
  test('a JSON list at the top level; a string body is sent as written', () => {
    const s = parseScenario(JSON.stringify([{ method: 'PUT', path: '/a', body: 'raw text', headers: { 'content-type': 'text/plain' } }]), 's.json');
    assert.deepEqual([s[0]!.body!.toString(), s[0]!.headers['content-type']], ['raw text', 'text/plain']);
  });
  test('bad fields name file, line and field', () => {
    const issues = issuesOf(() => parseScenario(['requests:', '  - path: /ok', '  - path: http://evil.example/x', '    weight: -2'].join('\n'), 'bad.yaml'));
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i]));
    assert.equal(byPath['requests[1].path']?.line, 3);
    assert.equal(byPath['requests[1].weight']?.line, 4);
    assert.ok(issues.every((i) => i.file === 'bad.yaml'));
    const unknown = issuesOf(() => parseScenario('- path: /a\n  wieght: 2\n', 'typo.yaml'));
    assert.ok(
      unknown.some((i) => /wieght/.test(i.message)),
      JSON.stringify(unknown),
    );
    assert.ok(issuesOf(() => parseScenario('[]', 'empty.json')).length > 0);
  });
  test('bounds: at most 1,000 requests, bodies of at most 64 KiB', () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ path: `/p${i}` }));
    assert.ok(issuesOf(() => parseScenario(JSON.stringify(many), 'many.json')).length > 0);
    assert.equal(parseScenario(JSON.stringify(many.slice(0, 1000)), 'ok.json').length, 1000);
    const big = [{ path: '/a' }, { path: '/b', method: 'POST', body: 'x'.repeat(MAX_BODY_BYTES + 1) }];
    const issues = issuesOf(() => parseScenario(JSON.stringify({ requests: big }), 'big.json'));
    assert.equal(issues[0]!.path, 'requests[1].body');
    assert.equal(parseScenario(JSON.stringify([{ path: '/b', body: 'x'.repeat(MAX_BODY_BYTES) }]), 'edge.json')[0]!.body!.length, MAX_BODY_BYTES);
  });
  test('weighted pick: proportions follow the weights, the same seed gives the same sequence', () => {
    const weights = [1, 3, 6];
    const pick = weightedPicker(weights, 7);
    const n = 30_000;
    const counts = [0, 0, 0];
    const first: number[] = [];
    for (let i = 0; i < n; i++) {
      const k = pick();
      counts[k]!++;
      if (i < 50) first.push(k);
    }
    counts.forEach((c, i) => assert.ok(Math.abs(c / n - weights[i]! / 10) < 0.015, `index ${i}: ${c} of ${n}`));
    const again = weightedPicker(weights, 7);
    assert.deepEqual(
      Array.from({ length: 50 }, () => again()),
      first,
    );
    const other = weightedPicker(weights, 8);
    assert.notDeepEqual(
      Array.from({ length: 50 }, () => other()),
      first,
    );
  });
});
