import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonPath, readJsonPath } from './json-path';
import { checkAssertions, extract, type StepResponse } from './synthetic-assert';
import { interpolate, interpolateJson, syntheticSpecSchema } from './synthetic-spec';
import { runSynthetic, type Send } from './synthetic-run';

const res = (over: Partial<StepResponse> = {}): StepResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json; charset=utf-8', location: '/orders/42' },
  body: JSON.stringify({
    token: 'tk-1',
    items: [
      { id: 7, sku: 'A-1' },
      { id: 8, sku: 'B-2' },
    ],
    'odd key': true,
    n: null,
  }),
  latencyMs: 120,
  ...over,
});

describe('JSON path subset', () => {
  test('names, quoted names and indexes (negative from the end); a missing key is not found', () => {
    const doc = JSON.parse(res().body);
    assert.deepEqual(parseJsonPath("$.items[-1]['sku']"), ['items', -1, 'sku']);
    assert.deepEqual(readJsonPath(doc, '$.items[0].id'), { found: true, value: 7 });
    assert.deepEqual(readJsonPath(doc, '$.items[-1].sku'), { found: true, value: 'B-2' });
    assert.deepEqual(readJsonPath(doc, "$['odd key']"), { found: true, value: true });
    assert.deepEqual(readJsonPath(doc, '$.n'), { found: true, value: null });
    assert.deepEqual(readJsonPath(doc, '$.items[2]'), { found: false });
    assert.deepEqual(readJsonPath(doc, '$.token.length'), { found: false }, 'no property of a string');
    assert.deepEqual(readJsonPath(doc, '$.constructor'), { found: false }, 'own properties only');
  });
  test('filters, wildcards and scripts are refused with the character at fault', () => {
    assert.throws(() => parseJsonPath('$.items[?(@.id>1)]'), /character 8 \(filters and wildcards are not supported\)/);
    assert.throws(() => parseJsonPath('$..id'), /expected a name after "." at character 3/);
    assert.throws(() => parseJsonPath('items'), /must start with \$/);
  });
});

describe('assertions and extractions', () => {
  test('each kind says what it expected and what it got', () => {
    const out = checkAssertions(
      [
        { status: '2xx' },
        { status: [201, 202] },
        { header: { name: 'Content-Type', matches: 'json' } },
        { json: { path: '$.items[1].sku', equals: 'B-2' } },
        { json: { path: '$.items', type: 'array' } },
        { json: { path: '$.missing', exists: true } },
        { body: { contains: 'tk-1' } },
        { latency: 100 },
      ],
      res(),
    );
    assert.deepEqual(
      out.map((a) => `${a.assertion}:${a.ok}`),
      [
        'status:true',
        'status:false',
        'header Content-Type matches:true',
        'json $.items[1].sku equals:true',
        'json $.items is array:true',
        'json $.missing exists:false',
        'body contains:true',
        'latency:false',
      ],
    );
    assert.equal(out[1].expected, '201 or 202');
    assert.equal(out[1].actual, '200');
    assert.equal(out[7].expected, '≤ 100ms');
    assert.equal(out[7].actual, '120ms');
    const notJson = checkAssertions([{ json: { path: '$.a' } }], res({ body: '<html>' }));
    assert.equal(notJson[0].ok, false);
    assert.match(notJson[0].actual, /the body is not JSON/);
  });
  test('extractions from JSON, a header with a regex group and the body; a miss is named', () => {
    const { vars, errors } = extract(
      { token: { json: '$.token' }, orderId: { header: 'location', regex: '/orders/(\\d+)' }, sku: { body: '"sku":"(A-\\d)"' }, gone: { json: '$.nope' } },
      res(),
    );
    assert.deepEqual(vars, { token: 'tk-1', orderId: '42', sku: 'A-1' });
    assert.deepEqual(errors, ['extract gone: json $.nope found nothing']);
  });
});

describe('the check', () => {
  test('interpolation: variables and secrets; an unknown one names itself', () => {
    assert.equal(interpolate('/orders/${id}?k=${secrets.key}', { id: '42' }, { key: 's3' }), '/orders/42?k=s3');
    assert.deepEqual(interpolateJson({ a: ['${id}', 1] }, { id: 'x' }, {}), { a: ['x', 1] });
    assert.throws(() => interpolate('${nope}', {}, {}), /no earlier step extracted "nope"/);
  });
  test('the schema refuses what the server must not run: a backtracking-only regex, env secrets on a schedule, a short interval, an undeclared secret', () => {
    const base = { steps: [{ name: 's', request: { path: '/' } }] };
    const issues = (spec: unknown) => {
      const r = syntheticSpecSchema.safeParse(spec);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    assert.deepEqual(issues(base), []);
    assert.match(issues({ steps: [{ name: 's', request: { path: '/' }, assert: [{ body: { matches: '(a)\\1' } }] }] }).join(), /not an RE2 regular expression/);
    assert.match(
      issues({ ...base, secrets: { pw: { env: 'PW' } }, schedule: { every: '1m', environment: 'production', target: 'http://shop.internal' } }).join(),
      /secrets\.pw: a scheduled check runs on the server, which reads no environment variable/,
    );
    assert.match(issues({ ...base, schedule: { every: '2s', environment: 'production', target: 'http://x' } }).join(), /schedule\.every: at least 10s/);
    assert.match(
      issues({ steps: [{ name: 's', request: { path: '/?k=${secrets.key}' } }] }).join(),
      /steps\.0: \$\{secrets\.key\} names no entry of spec\.secrets/,
    );
    assert.match(issues({ steps: [{ name: 's', request: { path: 'orders' } }] }).join(), /relative to the target, starting with \//);
  });
  test('a run stops at the first failing step, passes variables on, and masks secrets in what it reports', async () => {
    const spec = syntheticSpecSchema.parse({
      secrets: { pw: { value: 'hunter22' } },
      steps: [
        {
          name: 'login',
          request: { method: 'POST', path: '/login', json: { password: '${secrets.pw}' } },
          assert: [{ status: 200 }],
          extract: { token: { json: '$.token' } },
        },
        { name: 'order', request: { path: '/orders/1', headers: { authorization: 'Bearer ${token}' } }, assert: [{ json: { path: '$.echo', equals: 'ok' } }] },
        { name: 'logout', request: { method: 'POST', path: '/logout' } },
      ],
    });
    const sent: { url: string; headers: Record<string, string>; body?: string }[] = [];
    const send: Send = async (url, r) => {
      sent.push({ url, headers: r.headers, body: r.body });
      if (url.endsWith('/login')) return { status: 200, headers: { 'x-shipgate-version': 'v2' }, body: Buffer.from('{"token":"tk"}') };
      return {
        status: 200,
        headers: { 'x-shipgate-version': 'v2' },
        body: Buffer.from(JSON.stringify({ echo: `password was hunter22, token ${r.headers.authorization}` })),
      };
    };
    const r = await runSynthetic('checkout', spec, 'http://shop/', { send, secrets: { pw: 'hunter22' } });
    assert.equal(r.ok, false);
    assert.equal(r.version, 'v2');
    assert.deepEqual(
      r.steps.map((s) => s.outcome),
      ['pass', 'fail', 'skipped'],
    );
    assert.equal(sent.length, 2, 'the step after a failure is not sent');
    assert.equal(sent[0].url, 'http://shop/login');
    assert.equal(sent[0].body, '{"password":"hunter22"}');
    assert.equal(sent[0].headers['content-type'], 'application/json');
    assert.equal(sent[1].headers.authorization, 'Bearer tk');
    assert.ok(!JSON.stringify(r).includes('hunter22'), 'no secret in the result');
    assert.match(r.steps[1].excerpt ?? '', /password was \*\*\*/);
  });
});
