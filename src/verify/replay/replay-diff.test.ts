import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  comparePair,
  endpointOf,
  formatPath,
  jsonDiffPaths,
  parseFieldPattern,
  patternMatches,
  ReplayDiffAccumulator,
  type ComparedResponse,
} from './replay-diff';

const resp = (status: number, body: unknown, contentType = 'application/json'): ComparedResponse => {
  const buf = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return { status, contentType, body: buf, sha256: createHash('sha256').update(buf).digest('hex'), truncated: false };
};
const paths = (a: unknown, b: unknown, ignore: string[] = []) =>
  jsonDiffPaths(
    a,
    b,
    ignore.map((i) => parseFieldPattern(i)!),
  ).map(formatPath);

describe('structural JSON diff', () => {
  test('key order is ignored; changed, added and removed fields and array elements are named', () => {
    assert.deepEqual(paths({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }), []);
    assert.deepEqual(paths({ a: 1, b: { c: [1, 2] }, gone: 1 }, { a: 2, b: { c: [1, 3, 4] }, new: null }), ['$.a', '$.b.c[1]', '$.b.c[2]', '$.gone', '$.new']);
    assert.deepEqual(paths({ a: 1 }, { a: '1' }), ['$.a']);
    assert.deepEqual(paths([1], { 0: 1 }), ['$']);
    assert.deepEqual(paths({ 'odd key': 1 }, { 'odd key': 2 }), ['$["odd key"]']);
    assert.deepEqual(paths(Number.NaN, Number.NaN), []);
  });
  test('--ignore-field: exact paths, subtrees, [*] and * wildcards', () => {
    const a = {
      meta: { id: 'x', ts: 1 },
      items: [
        { id: 1, ts: 5 },
        { id: 2, ts: 6 },
      ],
      v: 1,
    };
    const b = {
      meta: { id: 'y', ts: 2 },
      items: [
        { id: 1, ts: 7 },
        { id: 3, ts: 8 },
      ],
      v: 1,
    };
    assert.deepEqual(paths(a, b), ['$.items[0].ts', '$.items[1].id', '$.items[1].ts', '$.meta.id', '$.meta.ts']);
    assert.deepEqual(paths(a, b, ['$.meta', 'items[*].ts']), ['$.items[1].id']);
    assert.deepEqual(paths(a, b, ['meta.*', 'items.*.ts', 'items[1].id']), []);
    assert.equal(parseFieldPattern('a..b'), undefined);
    assert.equal(parseFieldPattern('$'), undefined);
    assert.ok(patternMatches(parseFieldPattern('$["odd key"]')!, ['odd key', 'x']));
    assert.ok(!patternMatches(parseFieldPattern('items[*]')!, ['items', 'k']));
  });
  test('pairs: JSON by content type or shape; other bodies by SHA-256; truncated bodies by hash', () => {
    assert.deepEqual(comparePair(resp(200, { a: 1, b: 2 }), resp(200, '{"b":2,"a":1}', ''), []), {
      statusDiffers: false,
      fields: [],
      json: true,
      bodyDiffers: false,
    });
    assert.deepEqual(comparePair(resp(200, 'hello', 'text/plain'), resp(200, 'hellO', 'text/plain'), []).bodyDiffers, true);
    assert.deepEqual(comparePair(resp(200, '{"a":1}', 'text/plain'), resp(200, '{"a": 1}', 'text/plain'), []).bodyDiffers, true);
    const t = { ...resp(200, { a: 1 }), truncated: true };
    assert.equal(comparePair(t, resp(200, { a: 1 }), []).json, false);
    assert.deepEqual(comparePair(resp(200, { items: [{ id: 1 }, { id: 2 }] }), resp(200, { items: [{ id: 9 }, { id: 8 }] }), []).fields, ['$.items[*].id']);
  });
});

describe('differences beyond noise', () => {
  test('fields and statuses that differ between the two baselines are noise; the rest is reported with its endpoint', () => {
    const acc = new ReplayDiffAccumulator([]);
    for (let i = 0; i < 20; i++) {
      const body = (rid: number, v = 'x') => ({ rid, data: { v, n: i } });
      // /a: a request id that differs every time (noise) and nothing else.
      acc.add(endpointOf('GET', `/a?i=${i}`), `/a?i=${i}`, resp(200, body(i)), resp(200, body(i + 100)), resp(200, body(i + 200)));
      // /b: the candidate changes data.v on even requests; the request id differs on every side.
      acc.add(endpointOf('GET', '/b'), '/b', resp(200, body(i)), resp(200, body(i + 1, i % 2 ? 'x' : 'y')), resp(200, body(i + 2)));
      // /c: the candidate answers 500 on every fifth request.
      acc.add('GET /c', '/c?q=1', resp(200, 'ok', 'text/plain'), resp(i % 5 ? 200 : 500, 'ok', 'text/plain'), resp(200, 'ok', 'text/plain'));
      // /flaky: the two baselines disagree on the status sometimes, so a status change there is noise.
      acc.add('GET /flaky', '/flaky', resp(200, 'ok'), resp(i % 3 ? 200 : 503, 'ok'), resp(i % 4 ? 200 : 503, 'ok'));
    }
    const r = acc.report();
    assert.equal(r.compared, 80);
    assert.deepEqual(
      r.differences.map((d) => [d.endpoint, d.kind, d.detail, d.count, d.example]),
      [
        ['GET /b', 'field', '$.data.v', 10, '/b'],
        ['GET /c', 'status', '200 → 500', 4, '/c?q=1'],
      ],
    );
    assert.deepEqual(
      r.noise.map((n) => [n.endpoint, n.status, n.fields]),
      [
        ['GET /a', false, ['$.rid']],
        ['GET /b', false, ['$.rid']],
        ['GET /flaky', true, []],
      ],
    );
    assert.deepEqual(r.suppressed, { status: 7, field: 40, body: 0 });
  });
  test('without a noise baseline every difference is reported; --ignore-field still applies', () => {
    const acc = new ReplayDiffAccumulator([parseFieldPattern('$.ts')!]);
    acc.add('GET /x', '/x', resp(200, { ts: 1, id: 'a' }), resp(200, { ts: 2, id: 'b' }));
    acc.add('GET /y', '/y', resp(200, 'abc', 'text/html'), resp(200, 'abd', 'text/html'));
    acc.add('GET /z', '/z', resp(200, 'abc', 'text/html'), { ...resp(0, ''), error: 'ECONNREFUSED' });
    assert.deepEqual(
      acc.report().differences.map((d) => `${d.endpoint} ${d.kind} ${d.detail}`),
      ['GET /x field $.id', 'GET /y body sha256', 'GET /z status 200 → error'],
    );
  });
  test('endpoints: the route when the log named one, else the path with ids as {id}, without its query', () => {
    assert.equal(endpointOf('GET', '/u/42?x=1'), 'GET /u/{id}');
    assert.equal(endpointOf('GET', '/u/0b9c2f6e-6f1d-4f4e-9a43-0c5c8f0e7a11/x/deadbeefdeadbeef/v2'), 'GET /u/{id}/x/{id}/v2');
    assert.equal(endpointOf('GET', '/u/42?x=1', '/u/:id'), 'GET /u/:id');
  });
});
