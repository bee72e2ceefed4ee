import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDocuments, formatPath } from './manifest';
import { InputError } from './errors';
import { KindRegistry } from './kinds';
import { serviceKind, environmentKind } from '../catalog/kinds';

test('formatPath renders dotted paths with indexes', () => {
  const cases: [Parameters<typeof formatPath>[0], string][] = [
    [[], ''],
    [['spec'], 'spec'],
    [['spec', 'dependencies', 2, 'kind'], 'spec.dependencies[2].kind'],
    [['items', 0, 1], 'items[0][1]'],
  ];
  for (const [path, want] of cases) assert.equal(formatPath(path), want);
});

test('multi-document YAML is split and empty documents skipped', () => {
  const docs = parseDocuments('a: 1\n---\n---\nb: 2\n', 'x.yaml');
  assert.deepEqual(
    docs.map((d) => d.value),
    [{ a: 1 }, { b: 2 }],
  );
});

test('JSON parses through the same reader', () => {
  const [d] = parseDocuments('{"apiVersion": "shipgate.dev/v1", "kind": "Service"}', 'x.json');
  assert.deepEqual(d.value, { apiVersion: 'shipgate.dev/v1', kind: 'Service' });
});

test('syntax errors name file, line and column', () => {
  try {
    parseDocuments('a: 1\nb: [1, 2\nc: 3\n', 'broken.yaml');
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof InputError);
    assert.equal(e.issues[0].file, 'broken.yaml');
    assert.ok((e.issues[0].line ?? 0) >= 2, JSON.stringify(e.issues));
  }
});

test('duplicate keys are refused', () => {
  assert.throws(() => parseDocuments('a: 1\na: 2\n', 'dup.yaml'), InputError);
});

test('locate finds the node of a path, or its nearest ancestor', () => {
  const [d] = parseDocuments('spec:\n  deps:\n    - {service: a, kind: hard}\n    - {service: b, kind: hardish}\n', 'f.yaml');
  assert.deepEqual(d.locate(['spec', 'deps', 1, 'kind']), { line: 4, column: '    - {service: b, kind: '.length + 1 });
  assert.deepEqual(d.locate(['spec', 'deps', 1, 'missing']), { line: 4, column: 7 });
});

const registry = new KindRegistry();
registry.register(serviceKind);
registry.register(environmentKind);

test('registry check: located zod issues for each kind of mistake', () => {
  const text = [
    'apiVersion: shipgate.dev/v1',
    'kind: Service',
    'metadata: {name: shop}',
    'spec:',
    '  tier: 7',
    '  owner: 12',
    '  colour: blue',
    '  dependencies:',
    '    - {service: db, kind: hard}',
    '    - {service: cache, kind: sometimes}',
  ].join('\n');
  const [doc] = parseDocuments(text, 'services/shop.yaml');
  const r = registry.check(doc);
  const byPath = Object.fromEntries(r.issues.map((i) => [i.path, i]));
  assert.equal(byPath['spec.tier'].message, 'must be <= 4');
  assert.equal(byPath['spec.tier'].line, 5);
  assert.match(byPath['spec.owner'].message, /expected string, got number/);
  assert.match(byPath['spec'].message, /unknown field "colour"/);
  assert.equal(byPath['spec.dependencies[1].kind'].message, 'expected "hard" | "soft"');
  assert.deepEqual([byPath['spec.dependencies[1].kind'].line, byPath['spec.dependencies[1].kind'].column], [10, '    - {service: cache, kind: '.length + 1]);
});

test('registry check: unknown kind, missing apiVersion, bad name', () => {
  const cases: [string, RegExp][] = [
    ['kind: Service\nmetadata: {name: a}\nspec: {}', /apiVersion/],
    ['apiVersion: shipgate.dev/v1\nkind: Servise\nmetadata: {name: a}\nspec: {}', /unknown kind "Servise"/],
    ['apiVersion: shipgate.dev/v1\nkind: Service\nmetadata: {name: Not_OK}\nspec: {}', /lowercase name/],
    ['- 1\n- 2', /expected a mapping/],
  ];
  for (const [text, re] of cases) {
    const [doc] = parseDocuments(text, 'f.yaml');
    const r = registry.check(doc);
    assert.ok(
      r.issues.some((i) => re.test(i.message) || re.test(i.path)),
      `${text} → ${JSON.stringify(r.issues)}`,
    );
  }
});

test('registry lookup by CLI name and refusal of unknown names', () => {
  assert.equal(registry.lookup('svc').kind, 'Service');
  assert.equal(registry.lookup('Environments').kind, 'Environment');
  assert.throws(() => registry.lookup('nope'), /unknown kind "nope"; known kinds: service, environment/);
});

test('an alias bomb is refused as input, on both parse paths, before anything expands it', () => {
  const rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (const [prev, next] of [
    ['a', 'b'],
    ['b', 'c'],
    ['c', 'd'],
    ['d', 'e'],
    ['e', 'f'],
    ['f', 'g'],
  ]) {
    rows.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  const bomb = rows.join('\n');
  // The fast parser shares aliased nodes; the bound counts their expansion.
  assert.throws(
    () => parseDocuments(bomb, 'bomb.yaml'),
    (e) => e instanceof InputError && /more than 200000 values/.test(JSON.stringify(e.details)),
  );
  // A duplicate key sends the text to the position-keeping parser, whose alias limit answers.
  assert.throws(
    () => parseDocuments(`${bomb}\na: 1`, 'bomb.yaml'),
    (e) => e instanceof InputError,
  );
  // A few aliases are fine.
  assert.deepEqual(parseDocuments('a: &a [1]\nb: *a', 'ok.yaml')[0]!.value, { a: [1], b: [1] });
});

test('nesting deeper than MAX_DEPTH and NUL characters are refused', () => {
  const deep = '['.repeat(70) + ']'.repeat(70);
  assert.throws(
    () => parseDocuments(deep, 'deep.json'),
    (e) => e instanceof InputError && /nested deeper than 64/.test(JSON.stringify(e.details)),
  );
  assert.equal(parseDocuments('['.repeat(60) + ']'.repeat(60), 'ok.json').length, 1);
  assert.throws(
    () => parseDocuments('a: "x\\0y"', 'nul.yaml'),
    (e) => e instanceof InputError && /NUL/.test(JSON.stringify(e.details)),
  );
});
