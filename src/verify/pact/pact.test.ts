import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../core/errors';
import { FIXTURES } from '../../testing/fixtures';
import { parsePact } from './pact-file';
import { matchResponse, parseRulePath } from './pact-match';

const fixture = (name: string) => parsePact(readFileSync(join(FIXTURES, 'pact', name), 'utf8'), name);
const json = (status: number, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) => ({
  status,
  headers,
  text: JSON.stringify(body),
});
const issues = (f: () => unknown): string[] => {
  try {
    f();
  } catch (e) {
    if (e instanceof InputError) return e.issues.map((i) => `${i.path}: ${i.message}`);
    throw e;
  }
  return [];
};

describe('Pact files, v2 and v3, read into one model', () => {
  test('v2 (legacy pact-specification key, query string, comma-separated headers) and v3 (query map, header arrays) read the same', () => {
    const v2 = fixture('v2-pact.json');
    const v3 = fixture('v3-pact.json');
    assert.equal(v2.specification, '2.0.0');
    assert.equal(v3.specification, '3.0.0');
    assert.deepEqual(v2.interactions[0].request.query, { name: ['ron'], status: ['good'] });
    assert.deepEqual(v3.interactions[0].request.query, { name: ['ron'], status: ['good'] });
    assert.deepEqual(v3.interactions[0].response.headers, { 'Content-Type': 'text/html' });
    assert.equal(v2.interactions[0].response.body, v3.interactions[0].response.body);
  });
  test('v3 matching rules by category, provider states; v2 flat $.body rules and a lower-case method', () => {
    const p = fixture('1070-ApiConsumer-ApiProvider.json');
    const it = p.interactions[0];
    assert.deepEqual(it.providerStates, [{ name: 'This is a test' }]);
    assert.deepEqual(Object.keys(it.response.rules.body).sort(), ['$', '$[*].id', '$[*].name', '$[*].size']);
    assert.deepEqual(it.response.rules.body.$, { matchers: [{ match: 'type', min: 1 }], combine: 'AND' });
    const fb = fixture('foo-bar.json');
    assert.equal(fb.interactions[0].request.method, 'GET');
    assert.deepEqual(fb.interactions[0].response.rules.body, {
      '$.company': { matchers: [{ match: 'type' }], combine: 'AND' },
      '$.factories': { matchers: [{ match: 'type', min: 1 }], combine: 'AND' },
      '$.factories[*].*': { matchers: [{ match: 'type' }], combine: 'AND' },
    });
  });
  test('bad files are InputErrors naming the field', () => {
    assert.deepEqual(
      issues(() => parsePact('{"consumer":{"name":"a"},"provider":{"name":"b"},"interactions":[]}', 'p.json')),
      ['interactions: Too small: expected array to have >=1 items'],
    );
    assert.match(
      issues(() =>
        parsePact(
          '{"consumer":{"name":"a"},"provider":{"name":"b"},"interactions":[{"description":"x","request":{"method":"GET","path":"x"},"response":{"status":200}}]}',
          'p.json',
        ),
      )[0],
      /^interactions\.0\.request\.path: must start with "\/"/,
    );
    const backref = {
      consumer: { name: 'a' },
      provider: { name: 'b' },
      interactions: [
        {
          description: 'x',
          request: { method: 'GET', path: '/x' },
          response: { status: 200, body: { a: 'x' }, matchingRules: { body: { '$.a': { matchers: [{ match: 'regex', regex: '(a)\\1' }] } } } },
        },
      ],
    };
    assert.match(issues(() => parsePact(JSON.stringify(backref), 'p.json'))[0], /matchingRules\.body\.\$\.a: regex .*not an RE2 regular expression/);
    assert.match(
      issues(() => parsePact(JSON.stringify({ ...backref, metadata: { pactSpecification: { version: '4.0' } } }), 'p.json'))[0],
      /expected 2\.x or 3\.x/,
    );
  });
});

describe('matching a provider response', () => {
  const fb = fixture('foo-bar.json').interactions[0].response;
  const cases: [string, ReturnType<typeof json>, string[]][] = [
    ['the same body', json(200, { company: 'My big company', factories: [{ location: 'Sydney', capacity: 5 }] }), []],
    [
      'other values of the same types, more factories, extra keys (Postel)',
      json(200, {
        company: 'Acme',
        factories: [
          { location: 'Lyon', capacity: 1, since: 1999 },
          { location: 'Oslo', capacity: 2 },
        ],
        extra: 1,
      }),
      [],
    ],
    [
      'a charset on the content type',
      { ...json(200, { company: 'x', factories: [{ location: 'a', capacity: 1 }] }), headers: { 'content-type': 'application/json; charset=utf-8' } },
      [],
    ],
    [
      'a wrong type in the second factory',
      json(200, {
        company: 'x',
        factories: [
          { location: 'a', capacity: 1 },
          { location: 'b', capacity: '2' },
        ],
      }),
      ['$.factories[1].capacity'],
    ],
    ['no factories (min 1)', json(200, { company: 'x', factories: [] }), ['$.factories']],
    ['a missing key', json(200, { factories: [{ location: 'a', capacity: 1 }] }), ['$.company']],
    ['another status', json(404, {}), ['status', '$.company', '$.factories']],
    [
      'another content type',
      { ...json(200, { company: 'x', factories: [{ location: 'a', capacity: 1 }] }), headers: { 'content-type': 'text/plain' } },
      ['header Content-Type'],
    ],
    ['not JSON', { status: 200, headers: { 'content-type': 'application/json' }, text: '<html>' }, ['$']],
  ];
  for (const [name, actual, paths] of cases) {
    test(name, () =>
      assert.deepEqual(
        matchResponse(fb, actual).map((m) => m.path),
        paths,
      ),
    );
  }
  test('without rules, leaves must be equal and arrays as long as expected', () => {
    const exp = { status: 200, headers: {}, body: { a: [1, 2], b: { c: 'x' } }, rules: { body: {}, header: {}, query: {} } };
    assert.deepEqual(matchResponse(exp, json(200, { a: [1, 2], b: { c: 'x', d: 1 } })), []);
    assert.deepEqual(
      matchResponse(exp, json(200, { a: [1, 2, 3], b: { c: 'y' } })).map((m) => `${m.path} ${m.message}`),
      ['$.a expected 2 elements, got 3', '$.b.c expected "x", got "y"'],
    );
  });
  test('regex (whole value, RE2), number, integer, OR, and the most specific rule wins', () => {
    const rules = {
      body: {
        '$.id': { matchers: [{ match: 'regex' as const, regex: '\\d{3}' }], combine: 'AND' as const },
        '$.n': { matchers: [{ match: 'integer' as const }], combine: 'AND' as const },
        '$.v': { matchers: [{ match: 'null' as const }, { match: 'number' as const }], combine: 'OR' as const },
        '$.*': { matchers: [{ match: 'type' as const }], combine: 'AND' as const },
        '$.s': { matchers: [{ match: 'equality' as const }], combine: 'AND' as const },
      },
      header: {},
      query: {},
    };
    const exp = { status: 200, headers: {}, body: { id: '123', n: 1, v: null, s: 'exact', t: 'any' }, rules };
    assert.deepEqual(matchResponse(exp, json(200, { id: '999', n: 7, v: 3.5, s: 'exact', t: 'other' })), []);
    assert.deepEqual(
      matchResponse(exp, json(200, { id: '1234', n: 1.5, v: 'x', s: 'Exact', t: 1 })).map((m) => m.path),
      ['$.id', '$.n', '$.v', '$.s', '$.t'],
    );
  });
  test('text bodies compare as text; headers by comma-separated values, names case-insensitive', () => {
    const mallory = fixture('v3-pact.json').interactions[0].response;
    assert.deepEqual(matchResponse(mallory, { status: 200, headers: { 'content-type': 'text/html' }, text: '"That is some good Mallory."' }), []);
    assert.deepEqual(
      matchResponse(mallory, { status: 200, headers: { 'content-type': 'text/html' }, text: 'That is some good Mallory.' }).map((m) => m.path),
      ['$'],
    );
    const v2 = fixture('v2-pact.json').interactions[0].response;
    const headers = Object.fromEntries(
      Object.entries(v2.headers).map(([k, v]) => [
        k.toLowerCase(),
        v
          .split(',')
          .map((x) => x.trim())
          .join(','),
      ]),
    );
    assert.deepEqual(
      matchResponse(v2, { status: 200, headers, text: String(v2.body) }).filter((m) => m.path.startsWith('header')),
      [],
    );
  });
  test('rule paths', () => {
    assert.deepEqual(parseRulePath("$.a['b c'][*].d[0].*"), ['a', 'b c', '[*]', 'd', 0, '*']);
    assert.equal(parseRulePath('a.b'), undefined);
    assert.equal(parseRulePath('$..a'), undefined);
  });
});
