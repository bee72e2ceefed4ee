import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECK_IDS, type CheckId } from './checks';
import { diffDocuments, diffRelease } from './openapi-diff';
import { readOpenapi, type OpenapiDocument } from './openapi-document';
import { InputError } from '../../core/errors';

type Obj = Record<string, unknown>;
const doc = (paths: Obj, extra: Obj = {}): OpenapiDocument => ({
  file: 'x',
  version: '3.0.3',
  root: { openapi: '3.0.3', info: { title: 't', version: '1' }, paths, ...extra },
});
const ok = { '200': { description: 'ok' } };
/** One GET /pets operation with the given fields. */
const op = (fields: Obj, extra: Obj = {}) => doc({ '/pets': { get: { responses: ok, ...fields } } }, extra);
const post = (fields: Obj, extra: Obj = {}) => doc({ '/pets': { post: { responses: ok, ...fields } } }, extra);
const body = (schema: Obj, required = true) => ({ requestBody: { required, content: { 'application/json': { schema } } } });
const resp = (schema: Obj) => ({ responses: { '200': { description: 'ok', content: { 'application/json': { schema } } } } });
const obj = (properties: Obj, required: string[] = []) => ({ type: 'object', properties, required });
const param = (name: string, extra: Obj = {}) => ({ name, in: 'query', schema: { type: 'string' }, ...extra });

/** Each check id with the smallest change that triggers it (BASE, REVISION) and the ids the forward diff must report. */
const CASES: { id: CheckId; base: OpenapiDocument; rev: OpenapiDocument; expect?: CheckId[] }[] = [
  { id: 'endpoint-added', base: doc({}), rev: op({}) },
  { id: 'api-path-removed-without-deprecation', base: op({}), rev: doc({}) },
  { id: 'api-removed-without-deprecation', base: doc({ '/pets': { get: { responses: ok }, post: { responses: ok } } }), rev: op({}) },
  { id: 'api-removed-after-deprecation', base: op({ deprecated: true }), rev: doc({}) },
  { id: 'new-required-request-parameter', base: op({}), rev: op({ parameters: [param('q', { required: true })] }) },
  { id: 'new-optional-request-parameter', base: op({}), rev: op({ parameters: [param('q')] }) },
  { id: 'request-parameter-removed', base: op({ parameters: [param('q')] }), rev: op({}) },
  { id: 'request-parameter-became-required', base: op({ parameters: [param('q')] }), rev: op({ parameters: [param('q', { required: true })] }) },
  { id: 'request-parameter-became-optional', base: op({ parameters: [param('q', { required: true })] }), rev: op({ parameters: [param('q')] }) },
  { id: 'request-parameter-type-changed', base: op({ parameters: [param('q')] }), rev: op({ parameters: [param('q', { schema: { type: 'integer' } })] }) },
  {
    id: 'request-parameter-type-generalized',
    base: op({ parameters: [param('q', { schema: { type: 'integer' } })] }),
    rev: op({ parameters: [param('q', { schema: { type: 'number' } })] }),
  },
  {
    id: 'request-parameter-enum-value-removed',
    base: op({ parameters: [param('q', { schema: { type: 'string', enum: ['a', 'b'] } })] }),
    rev: op({ parameters: [param('q', { schema: { type: 'string', enum: ['a'] } })] }),
  },
  {
    id: 'request-parameter-enum-value-added',
    base: op({ parameters: [param('q', { schema: { type: 'string', enum: ['a'] } })] }),
    rev: op({ parameters: [param('q', { schema: { type: 'string', enum: ['a', 'b'] } })] }),
  },
  { id: 'request-body-removed', base: post(body(obj({}))), rev: post({}) },
  { id: 'request-body-added-required', base: post({}), rev: post(body(obj({}))) },
  { id: 'request-body-added-optional', base: post({}), rev: post(body(obj({}), false)) },
  { id: 'request-body-became-required', base: post(body(obj({}), false)), rev: post(body(obj({}))) },
  { id: 'request-body-became-optional', base: post(body(obj({}))), rev: post(body(obj({}), false)) },
  {
    id: 'request-body-media-type-removed',
    base: post({ requestBody: { content: { 'application/json': { schema: {} }, 'application/xml': { schema: {} } } } }),
    rev: post({ requestBody: { content: { 'application/json': { schema: {} } } } }),
  },
  { id: 'request-body-type-changed', base: post(body({ type: 'object' })), rev: post(body({ type: 'array', items: {} })) },
  { id: 'request-body-enum-value-removed', base: post(body({ type: 'string', enum: ['a', 'b'] })), rev: post(body({ type: 'string', enum: ['b'] })) },
  {
    id: 'new-required-request-property',
    base: post(body(obj({ a: { type: 'string' } }))),
    rev: post(body(obj({ a: { type: 'string' }, b: { type: 'string' } }, ['b']))),
  },
  { id: 'new-optional-request-property', base: post(body(obj({}))), rev: post(body(obj({ b: { type: 'string' } }))) },
  { id: 'request-property-removed', base: post(body(obj({ b: { type: 'string' } }))), rev: post(body(obj({}))) },
  { id: 'request-property-became-required', base: post(body(obj({ b: { type: 'string' } }))), rev: post(body(obj({ b: { type: 'string' } }, ['b']))) },
  { id: 'request-property-became-optional', base: post(body(obj({ b: { type: 'string' } }, ['b']))), rev: post(body(obj({ b: { type: 'string' } }))) },
  { id: 'request-property-type-changed', base: post(body(obj({ n: { type: 'number' } }))), rev: post(body(obj({ n: { type: 'integer' } }))) },
  { id: 'request-property-type-generalized', base: post(body(obj({ n: { type: 'integer' } }))), rev: post(body(obj({ n: { type: 'number' } }))) },
  {
    id: 'request-property-became-not-nullable',
    base: post(body(obj({ n: { type: 'string', nullable: true } }))),
    rev: post(body(obj({ n: { type: 'string' } }))),
  },
  {
    id: 'request-property-enum-value-removed',
    base: post(body(obj({ c: { type: 'string', enum: ['red', 'blue'] } }))),
    rev: post(body(obj({ c: { type: 'string', enum: ['red'] } }))),
  },
  {
    id: 'request-property-enum-value-added',
    base: post(body(obj({ c: { type: 'string', enum: ['red'] } }))),
    rev: post(body(obj({ c: { type: 'string', enum: ['red', 'blue'] } }))),
  },
  {
    id: 'request-property-max-length-decreased',
    base: post(body(obj({ s: { type: 'string', maxLength: 10 } }))),
    rev: post(body(obj({ s: { type: 'string', maxLength: 5 } }))),
  },
  { id: 'response-success-status-removed', base: op({ responses: { '200': { description: 'ok' }, '201': { description: 'c' } } }), rev: op({}) },
  { id: 'response-non-success-status-removed', base: op({ responses: { '200': { description: 'ok' }, '404': { description: 'nf' } } }), rev: op({}) },
  {
    id: 'response-mediatype-removed',
    base: op(resp({ type: 'object' })),
    rev: op({ responses: { '200': { description: 'ok', content: { 'application/xml': { schema: { type: 'object' } } } } } }),
  },
  { id: 'response-body-type-changed', base: op(resp({ type: 'integer' })), rev: op(resp({ type: 'number' })) },
  { id: 'response-required-property-removed', base: op(resp(obj({ id: { type: 'string' } }, ['id']))), rev: op(resp(obj({}))) },
  { id: 'response-optional-property-removed', base: op(resp(obj({ id: { type: 'string' } }))), rev: op(resp(obj({}))) },
  { id: 'response-property-became-optional', base: op(resp(obj({ id: { type: 'string' } }, ['id']))), rev: op(resp(obj({ id: { type: 'string' } }))) },
  { id: 'response-property-type-changed', base: op(resp(obj({ id: { type: 'integer' } }))), rev: op(resp(obj({ id: { type: 'string' } }))) },
  { id: 'response-property-became-nullable', base: op(resp(obj({ id: { type: 'string' } }))), rev: op(resp(obj({ id: { type: ['string', 'null'] } }))) },
  {
    id: 'response-property-enum-value-added',
    base: op(resp(obj({ s: { type: 'string', enum: ['on'] } }))),
    rev: op(resp(obj({ s: { type: 'string', enum: ['on', 'off'] } }))),
  },
  {
    id: 'response-property-enum-value-removed',
    base: op(resp(obj({ s: { type: 'string', enum: ['on', 'off'] } }))),
    rev: op(resp(obj({ s: { type: 'string', enum: ['on'] } }))),
  },
  { id: 'response-property-added', base: op(resp(obj({}))), rev: op(resp(obj({ x: { type: 'string' } }))) },
  {
    id: 'api-security-added',
    base: op({}),
    rev: op({ security: [{ key: [] }] }, { components: { securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'X-Key' } } } }),
  },
  { id: 'api-security-changed', base: op({ security: [{ key: [] }] }), rev: op({ security: [{ oauth: [] }] }) },
  { id: 'api-security-scope-added', base: op({ security: [{ oauth: ['read'] }] }), rev: op({ security: [{ oauth: ['read', 'write'] }] }) },
  { id: 'api-security-removed', base: op({ security: [{ key: [] }] }), rev: op({ security: [{ key: [] }, {}] }) },
  {
    id: 'security-scheme-removed',
    base: op({ security: [{ key: [] }] }, { components: { securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'X-Key' } } } }),
    rev: op({ security: [{ key: [] }] }),
    expect: ['security-scheme-removed'],
  },
  {
    id: 'security-scheme-changed',
    base: op({ security: [{ key: [] }] }, { components: { securitySchemes: { key: { type: 'apiKey', in: 'header', name: 'X-Key' } } } }),
    rev: op({ security: [{ key: [] }] }, { components: { securitySchemes: { key: { type: 'apiKey', in: 'query', name: 'key' } } } }),
    expect: ['security-scheme-changed'],
  },
];

describe('one case per check id', () => {
  test('every check id has a case', () => {
    assert.deepEqual(CASES.map((c) => c.id).sort(), [...CHECK_IDS].sort());
  });
  for (const c of CASES) {
    test(c.id, () => {
      const ids = diffDocuments(c.base, c.rev, 'forward').map((f) => f.id);
      assert.deepEqual(ids, c.expect ?? [c.id]);
    });
  }
  test('docs/verify/openapi-checks.md has one section per check id, in catalogue order', () => {
    const page = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'verify', 'openapi-checks.md'), 'utf8');
    assert.deepEqual(
      [...page.matchAll(/^## (.+)$/gm)].map((m) => m[1]),
      CHECK_IDS,
    );
  });
  test('no findings between a document and itself', () => {
    for (const c of CASES) assert.deepEqual(diffRelease(c.base, c.base), [], c.id);
  });
});

describe('semantics', () => {
  test('path parameters match by position, not name', () => {
    const a = doc({ '/pets/{id}': { get: { responses: ok } } });
    const b = doc({ '/pets/{petId}': { get: { responses: ok } } });
    assert.deepEqual(diffRelease(a, b), []);
  });
  test('the rollback direction sees what the revision added', () => {
    // An enum value added to a request is compatible going forward, but rolling back removes a value clients of the revision send.
    const a = post(body(obj({ c: { type: 'string', enum: ['red'] } })));
    const b = post(body(obj({ c: { type: 'string', enum: ['red', 'blue'] } })));
    const f = diffRelease(a, b).map((x) => `${x.direction} ${x.level} ${x.id}`);
    assert.deepEqual(f, ['forward INFO request-property-enum-value-added', 'rollback ERR request-property-enum-value-removed']);
    // An enum value removed from a response: fine for consumers, but a rollback sends clients of the revision a value they no longer know.
    const r = diffRelease(op(resp(obj({ s: { type: 'string', enum: ['on', 'off'] } }))), op(resp(obj({ s: { type: 'string', enum: ['on'] } })))).map(
      (x) => `${x.direction} ${x.level} ${x.id}`,
    );
    assert.deepEqual(r, ['forward INFO response-property-enum-value-removed', 'rollback ERR response-property-enum-value-added']);
  });
  test('$refs are followed and recursive schemas end', () => {
    const comp = (extra: Obj) => ({
      components: {
        schemas: {
          Node: {
            type: 'object',
            properties: { name: { type: 'string' }, children: { type: 'array', items: { $ref: '#/components/schemas/Node' } }, ...extra },
          },
        },
      },
    });
    const a = op(resp({ $ref: '#/components/schemas/Node' }), comp({ size: { type: 'integer' } }));
    const b = op(resp({ $ref: '#/components/schemas/Node' }), comp({ size: { type: 'string' } }));
    const f = diffDocuments(a, b, 'forward');
    assert.deepEqual(
      f.map((x) => x.id),
      ['response-property-type-changed'],
    );
    assert.match(f[0].text, /`size`/);
  });
  test('a property reached through a ref cycle deeper down is reported once per distinct pair', () => {
    const comp = (t: string) => ({
      components: {
        schemas: {
          A: { type: 'object', properties: { b: { $ref: '#/components/schemas/B' }, v: { type: t } } },
          B: { type: 'object', properties: { a: { $ref: '#/components/schemas/A' } } },
        },
      },
    });
    const f = diffDocuments(
      op(resp({ $ref: '#/components/schemas/A' }), comp('integer')),
      op(resp({ $ref: '#/components/schemas/A' }), comp('string')),
      'forward',
    );
    assert.deepEqual(
      f.map((x) => x.text),
      ['status `200`, `application/json`: the response property `v` changed type from `integer` to `string`'],
    );
  });
  test('parameters, request bodies and responses named by $ref are compared by what they point at', () => {
    const d = (required: boolean, idType: string) =>
      doc(
        {
          '/pets/{id}': {
            parameters: [{ $ref: '#/components/parameters/Id' }],
            post: { requestBody: { $ref: '#/components/requestBodies/Pet' }, responses: { '200': { $ref: '#/components/responses/Pet' } } },
          },
        },
        {
          components: {
            parameters: { Id: { name: 'id', in: 'path', required: true, schema: { type: idType } } },
            requestBodies: { Pet: { required, content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } } },
            responses: { Pet: { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } } },
            schemas: { Pet: obj({ name: { type: 'string' } }, ['name']) },
          },
        },
      );
    assert.deepEqual(
      diffDocuments(d(false, 'string'), d(true, 'integer'), 'forward').map((x) => x.id),
      ['request-body-became-required', 'request-parameter-type-changed'],
    );
  });
  test('allOf members merge: a required property moved into allOf is no change', () => {
    const a = op(resp(obj({ id: { type: 'string' } }, ['id'])));
    const b = op(resp({ allOf: [obj({ id: { type: 'string' } }, ['id'])] }));
    assert.deepEqual(diffDocuments(a, b, 'forward'), []);
  });
  test('readOnly properties do not count in requests, writeOnly ones not in responses', () => {
    const a = post(body(obj({})));
    const b = post(body(obj({ id: { type: 'string', readOnly: true } }, ['id'])));
    assert.deepEqual(diffDocuments(a, b, 'forward'), []);
    const c = op(resp(obj({ pw: { type: 'string', writeOnly: true } }, ['pw'])));
    assert.deepEqual(diffDocuments(c, op(resp(obj({}))), 'forward'), []);
  });
  test('OpenAPI 3.1 type arrays and 3.0 nullable mean the same', () => {
    const a = { ...op(resp(obj({ n: { type: 'string', nullable: true } }))), version: '3.0.3' };
    const b = op(resp(obj({ n: { type: ['string', 'null'] } })));
    assert.deepEqual(diffDocuments(a, b, 'forward'), []);
  });
  test('global security applies where an operation names none', () => {
    const a = op({}, { security: [{ key: [] }] });
    const b = op({ security: [] }, { security: [{ key: [] }] });
    assert.deepEqual(
      diffRelease(a, b).map((x) => `${x.direction} ${x.id}`),
      ['forward api-security-removed', 'rollback api-security-added'],
    );
  });
});

describe('reading documents', () => {
  const bad: [string, RegExp, string, number][] = [
    ['{"swagger": "2.0"}', /Swagger 2.0/, 'openapi', 1],
    ['openapi: 2.5.0\npaths: {}\n', /unsupported version/, 'openapi', 1],
    ['openapi: 3.0.0\ninfo: {}\npaths:\n  pets:\n    get: {}\n', /must start with/, 'paths.pets', 5],
    [
      'openapi: 3.0.0\npaths:\n  /p:\n    get:\n      parameters:\n        - name: a\n          in: body\n',
      /expected one of/,
      'paths./p.get.parameters[0].in',
      7,
    ],
    [
      'openapi: 3.0.0\npaths:\n  /p:\n    get:\n      responses:\n        "200":\n          $ref: "#/components/responses/Nope"\n',
      /points at nothing/,
      'paths./p.get.responses.200.$ref',
      7,
    ],
    [
      'openapi: 3.0.0\npaths:\n  /p:\n    get:\n      responses:\n        "200":\n          $ref: "other.yaml#/x"\n',
      /external reference/,
      'paths./p.get.responses.200.$ref',
      7,
    ],
    ['- a\n- b\n', /expected an OpenAPI document/, '', 1],
    [
      'openapi: 3.1.0\npaths:\n  /p:\n    $ref: "#/components/pathItems/A"\ncomponents:\n  pathItems:\n    A:\n      $ref: "#/components/pathItems/B"\n    B:\n      $ref: "#/components/pathItems/A"\n',
      /loop of references/,
      'components.pathItems.B.$ref',
      10,
    ],
  ];
  for (const [text, re, path, line] of bad) {
    test(`refuses: ${re.source}`, () => {
      assert.throws(
        () => readOpenapi(text, 'api.yaml'),
        (e: unknown) =>
          e instanceof InputError &&
          re.test(e.issues[0].message) &&
          e.issues[0].path === path &&
          e.issues[0].line === line &&
          e.issues[0].file === 'api.yaml' &&
          /api\.yaml/.test(e.message),
      );
    });
  }
  test('syntax errors name the line', () => {
    assert.throws(
      () => readOpenapi('openapi: 3.0.0\npaths: {\n', 'api.yaml'),
      (e: unknown) => e instanceof InputError && typeof e.issues[0].line === 'number',
    );
  });
});

describe('upstream fixtures (testdata/SOURCES.md)', () => {
  const read = (f: string) => readOpenapi(readFileSync(join(import.meta.dirname, 'testdata', f), 'utf8'), f);
  const lines = (base: string, rev: string, dir = 'forward') =>
    diffRelease(read(base), read(rev))
      .filter((f) => f.direction === dir)
      .map((f) => `${f.level} ${f.method ?? ''} ${f.path ?? 'components'} ${f.text} [${f.id}]`);

  test('oasdiff openapi-test1 → openapi-test3: the findings of ExampleCheckBackwardCompatibility, and the two it ignores', () => {
    const got = lines('openapi-test1.yaml', 'openapi-test3.yaml');
    // oasdiff's expected output, which hides the 200 removal and the network-policies header with ignore files.
    for (const want of [
      'ERR GET /api/{domain}/{project}/badges/security-score removed the success response with the status `201` [response-success-status-removed]',
      'WARN GET /api/{domain}/{project}/badges/security-score deleted the `cookie` request parameter `test` [request-parameter-removed]',
      'WARN GET /api/{domain}/{project}/badges/security-score deleted the `header` request parameter `user` [request-parameter-removed]',
      'WARN GET /api/{domain}/{project}/badges/security-score deleted the `query` request parameter `filter` [request-parameter-removed]',
      'ERR GET /api/{domain}/{project}/badges/security-score removed the success response with the status `200` [response-success-status-removed]',
      'WARN GET /api/{domain}/{project}/install-command deleted the `header` request parameter `network-policies` [request-parameter-removed]',
    ]) {
      assert.ok(got.includes(want), `missing: ${want}\n${got.join('\n')}`);
    }
    // And what our security checks add: bearerAuth goes from components while /register still requires it.
    assert.deepEqual(
      got.filter((l) => l.startsWith('ERR')).map((l) => l.replace(/ .* \[/, ' [')),
      [
        'ERR [security-scheme-removed]',
        'ERR [response-success-status-removed]',
        'ERR [response-success-status-removed]',
        'ERR [api-security-changed]',
        'ERR [api-security-scope-added]',
      ],
    );
  });
  test('oasdiff request_body_removed: one request-body-removed ERR on POST /api/v1.0/test (testOp)', () => {
    const f = diffDocuments(read('request_body_removed_base.yaml'), read('request_body_removed_revision.yaml'), 'forward');
    assert.deepEqual(
      f.map((x) => [x.id, x.level, x.method, x.path, x.operationId]),
      [['request-body-removed', 'ERR', 'POST', '/api/v1.0/test', 'testOp']],
    );
  });
  test('openapi-diff bc_request_params: the removed optional parameter is a warning here (oasdiff), incompatible in openapi-diff; base → base unchanged', () => {
    assert.deepEqual(lines('bc_request_params_base.yaml', 'bc_request_params_decreased.yaml'), [
      'WARN GET /widgets deleted the `query` request parameter `query-param-2` [request-parameter-removed]',
    ]);
    assert.deepEqual(lines('bc_request_params_base.yaml', 'bc_request_params_base.yaml'), []);
    assert.deepEqual(lines('bc_request_params_base.yaml', 'bc_request_params_decreased.yaml', 'rollback'), [
      'INFO GET /widgets added the optional `query` request parameter `query-param-2` [new-optional-request-parameter]',
    ]);
  });
});

test('a large OpenAPI document reads past the manifest bound of values, up to its own', async () => {
  const { MAX_NODES, parseDocuments } = await import('../../core/manifest');
  const { OPENAPI_MAX_VALUES } = await import('./openapi-document');
  // 2,000 operations with 40 properties each: about 350,000 values, as in a 5 MB public API description.
  const props = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`field${i}`, { type: 'string', description: `field ${i}` }]));
  const paths = Object.fromEntries(
    Array.from({ length: 2000 }, (_, i) => [
      `/things${i}`,
      { get: { responses: { '200': { description: 'ok', content: { 'application/json': { schema: { type: 'object', properties: props } } } } } } },
    ]),
  );
  const text = JSON.stringify({ openapi: '3.0.3', info: { title: 'big', version: '1' }, paths });
  const tooMany = (n: number) => (e: unknown) => e instanceof InputError && e.issues.some((i) => i.message.startsWith(`more than ${n} values`));
  assert.throws(() => parseDocuments(text, 'big.json'), tooMany(MAX_NODES), 'a manifest that size is refused');
  assert.equal(Object.keys(readOpenapi(text, 'big.json').root.paths as object).length, 2000);
  assert.ok(OPENAPI_MAX_VALUES > 350_000);
  // The bound is still a bound: the same reader refuses past the limit it is given.
  assert.throws(() => parseDocuments(text, 'big.json', { maxNodes: 1000 }), tooMany(1000));
});
