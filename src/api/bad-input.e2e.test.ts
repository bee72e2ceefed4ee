import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../testing/harness';
import { routesOf } from './app';

/**
 * Every route of every capability, fed malformed and hostile input as an admin: the answer is a
 * 4xx with `{code, message}`, never a 500 and never a hang. Routes are read from the running app,
 * so a new route is covered the day it is added.
 */
const BODIES: { what: string; body: string; contentType?: string }[] = [
  { what: 'malformed JSON', body: '{"a": ' },
  { what: 'a JSON array', body: '[1, 2, 3]' },
  { what: 'a JSON string', body: '"hello"' },
  { what: 'null', body: 'null' },
  {
    what: 'wrong types everywhere',
    body: JSON.stringify({
      name: 42,
      spec: 'x',
      points: 'many',
      files: { a: 1 },
      at: [],
      environment: {},
      steps: -1,
      role: 'root',
      percentage: 'all',
      comment: 7,
    }),
  },
  { what: 'deeply nested garbage', body: JSON.stringify({ a: { b: { c: { d: { e: [null, { f: '\u0000' }] } } } } }) },
  { what: 'huge numbers', body: JSON.stringify({ weight: 1e308, percentage: -1e308, count: Number.MAX_SAFE_INTEGER * 4, at: 1e20 }) },
  { what: 'YAML where JSON is expected', body: 'a: [1, 2', contentType: 'application/yaml' },
];
const PARAMS = ['x', '..%2F..%2Fetc%2Fpasswd', '%00', 'a'.repeat(400), "'; drop table resources; --"];

describe('bad input never gets a 500', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s.close());

  test('every route, every bad body and odd path parameter', async () => {
    const failures: string[] = [];
    let requests = 0;
    for (const r of routesOf(s.server.app)) {
      if (r.method === 'OPTIONS' || r.url.includes('watch') || r.url.includes('stream') || r.url.includes('events')) continue;
      for (const param of PARAMS) {
        const url = r.url.replace(/:([A-Za-z_]+)/g, param).replace(/\*$/, param);
        const bodies = ['GET', 'DELETE', 'HEAD'].includes(r.method)
          ? [{ what: 'no body', body: undefined as string | undefined, contentType: undefined as string | undefined }]
          : BODIES;
        for (const b of bodies) {
          const res = await s.fetch(`${url}${url.includes('?') ? '&' : '?'}at=yesterday&since=-5&limit=abc&from=x&to=y`, {
            method: r.method,
            body: b.body,
            headers: b.body === undefined ? {} : { 'content-type': b.contentType ?? 'application/json' },
            signal: AbortSignal.timeout(10_000),
          });
          const text = await res.text();
          requests++;
          if (res.status >= 500) failures.push(`${r.method} ${url} with ${b.what} → ${res.status} ${text.slice(0, 200)}`);
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(requests > 1000, `only ${requests} requests made`);
  });

  test('a NUL character in the path, query or body is refused with the field that holds it', async () => {
    const inPath = await s.fetch('/api/v1/slo/postmortems/%00/done', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(inPath.status, 400);
    assert.match(JSON.stringify(await inPath.json()), /params\.\w+ holds a NUL/);
    const inBody = await s.fetch('/api/v1/diff', {
      method: 'POST',
      body: JSON.stringify({ files: [{ name: 'a.yaml', content: 'a: 1\u0000' }] }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(inBody.status, 400);
    assert.equal(((await inBody.json()) as { details: { issues: { path: string }[] } }).details.issues[0]!.path, 'body.files[0].content');
  });
});
