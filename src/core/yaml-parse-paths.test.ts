import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from './errors';
import { parseYamlValue } from './manifest';
import { importSloth } from '../slo/sloth-import';
import { readTemplateFile } from '../analysis/analysis-cli';
import { aliasBomb } from '../testing/yaml-bomb';

const refused = (file: string) => (e: unknown) =>
  e instanceof InputError && JSON.stringify(e).includes(file) && /more than|expands too far|alias/i.test(JSON.stringify(e.details) + e.message);

test('the bomb is small: 9 levels are about 500 bytes, 10 levels under 600', () => {
  assert.ok(Buffer.byteLength(aliasBomb(9)) <= 520, String(Buffer.byteLength(aliasBomb(9))));
  assert.ok(Buffer.byteLength(aliasBomb(10)) <= 600);
});

for (const levels of [9, 10]) {
  for (const positionKeeping of [false, true]) {
    const name = `${levels} levels, ${positionKeeping ? 'position-keeping' : 'fast'} parser`;
    test(`parseYamlValue refuses an alias bomb (${name}) as input`, () => {
      assert.throws(() => parseYamlValue(aliasBomb(levels, positionKeeping), 'bomb.yaml'), refused('bomb.yaml'));
    });
    test(`a Sloth spec that is an alias bomb (${name}) is an InputError, not an expansion`, () => {
      assert.throws(() => importSloth(aliasBomb(levels, positionKeeping), 'sloth-bomb.yaml'), refused('sloth-bomb.yaml'));
    });
    test(`an AnalysisTemplate file that is an alias bomb (${name}) is an InputError`, () => {
      assert.throws(() => readTemplateFile(aliasBomb(levels, positionKeeping), 'template-bomb.yaml'), refused('template-bomb.yaml'));
    });
  }
}

test('parseYamlValue: plain values, empty text, several documents refused, nesting and NUL bounded', () => {
  assert.deepEqual(parseYamlValue('a: &x [1]\nb: *x\n', 'ok.yaml'), { a: [1], b: [1] });
  assert.equal(parseYamlValue('', 'empty.yaml'), null);
  assert.throws(
    () => parseYamlValue('a: 1\n---\nb: 2\n', 'two.yaml'),
    (e) => e instanceof InputError && /2 documents where one is expected/.test(e.message),
  );
  assert.throws(
    () => parseYamlValue('['.repeat(70) + ']'.repeat(70), 'deep.yaml'),
    (e) => e instanceof InputError && /nested deeper than 64/.test(JSON.stringify(e.details)),
  );
  assert.throws(
    () => readTemplateFile('spec: "a\\0b"', 't.yaml'),
    (e) => e instanceof InputError && /NUL/.test(JSON.stringify(e.details)),
  );
  assert.throws(
    () => importSloth('version: [', 's.yaml'),
    (e) => e instanceof InputError && /s\.yaml/.test(JSON.stringify(e)),
  );
});
