import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { compileConstraint, compileConstraints, contextValue } from './constraint-operators';
import { regexProblem } from '../core/safe-regex';
import type { Constraint, Operator } from './flag-model';

const NOW = Date.parse('2026-06-01T12:00:00Z');

function c(operator: Operator, contextName: string, vals: string[] | string, extra: Partial<Constraint> = {}): Constraint {
  const list = Array.isArray(vals);
  return {
    contextName,
    operator,
    values: list ? vals : [],
    ...(list ? {} : { value: vals }),
    caseInsensitive: false,
    inverted: false,
    ...extra,
  };
}

const table: Array<[string, Constraint, Record<string, unknown>, boolean]> = [
  ['IN hit', c('IN', 'userId', ['1', ' 2 ']), { userId: '2' }, true],
  ['IN miss', c('IN', 'userId', ['1']), { userId: '3' }, false],
  ['IN missing field', c('IN', 'userId', ['1']), {}, false],
  ['IN reads properties', c('IN', 'tier', ['gold']), { properties: { tier: 'gold' } }, true],
  ['IN number value', c('IN', 'orgId', ['42']), { orgId: 42 }, true],
  ['NOT_IN missing field', c('NOT_IN', 'userId', ['1']), {}, true],
  ['NOT_IN hit', c('NOT_IN', 'userId', ['1']), { userId: '1' }, false],
  ['inverted IN', c('IN', 'userId', ['1'], { inverted: true }), { userId: '1' }, false],
  ['STR_CONTAINS', c('STR_CONTAINS', 'email', ['@acme.']), { email: 'a@acme.io' }, true],
  ['STR_CONTAINS case', c('STR_CONTAINS', 'email', ['@ACME.']), { email: 'a@acme.io' }, false],
  ['STR_CONTAINS caseInsensitive', c('STR_CONTAINS', 'email', ['@ACME.'], { caseInsensitive: true }), { email: 'a@Acme.io' }, true],
  ['STR_STARTS_WITH', c('STR_STARTS_WITH', 'path', ['/api', '/v2']), { path: '/v2/x' }, true],
  ['STR_ENDS_WITH', c('STR_ENDS_WITH', 'email', ['.io']), { email: 'a@b.com' }, false],
  ['STR missing field inverted', c('STR_ENDS_WITH', 'email', ['.io'], { inverted: true }), {}, true],
  ['NUM_EQ', c('NUM_EQ', 'n', '5'), { n: '5.0' }, true],
  ['NUM_GT', c('NUM_GT', 'n', '5'), { n: 6 }, true],
  ['NUM_GTE equal', c('NUM_GTE', 'n', '5'), { n: 5 }, true],
  ['NUM_LT', c('NUM_LT', 'n', '5'), { n: 5 }, false],
  ['NUM_LTE', c('NUM_LTE', 'n', '5'), { n: -1 }, true],
  ['NUM not a number', c('NUM_GT', 'n', '5'), { n: 'abc' }, false],
  ['NUM missing', c('NUM_LT', 'n', '5'), {}, false],
  ['NUM bad constraint value', c('NUM_LT', 'n', 'x'), { n: 1 }, false],
  ['DATE_AFTER uses now', c('DATE_AFTER', 'currentTime', '2026-01-01T00:00:00Z'), {}, true],
  ['DATE_BEFORE uses now', c('DATE_BEFORE', 'currentTime', '2026-01-01T00:00:00Z'), {}, false],
  ['DATE_BEFORE currentTime', c('DATE_BEFORE', 'currentTime', '2026-01-01T00:00:00Z'), { currentTime: '2025-12-31T23:59:59Z' }, true],
  ['DATE invalid', c('DATE_AFTER', 'currentTime', 'not a date'), {}, false],
  ['SEMVER_EQ', c('SEMVER_EQ', 'appVersion', '1.2.3'), { appVersion: '1.2.3' }, true],
  ['SEMVER_GT prerelease', c('SEMVER_GT', 'appVersion', '1.2.3-beta.1'), { appVersion: '1.2.3-beta.2' }, true],
  ['SEMVER_GT release beats prerelease', c('SEMVER_GT', 'appVersion', '1.2.3-rc.1'), { appVersion: '1.2.3' }, true],
  ['SEMVER_LT', c('SEMVER_LT', 'appVersion', '2.0.0'), { appVersion: '1.9.9' }, true],
  ['SEMVER_GTE', c('SEMVER_GTE', 'appVersion', '2.0.0'), { appVersion: '2.0.0' }, true],
  ['SEMVER_LTE', c('SEMVER_LTE', 'appVersion', '2.0.0'), { appVersion: '2.0.1' }, false],
  ['SEMVER leading v refused', c('SEMVER_EQ', 'appVersion', '1.2.3'), { appVersion: 'v1.2.3' }, false],
  ['SEMVER invalid context', c('SEMVER_LT', 'appVersion', '1.2.3'), { appVersion: '1.2' }, false],
  ['REGEX', c('REGEX', 'email', '^[a-z]+@acme\\.io$'), { email: 'bob@acme.io' }, true],
  ['REGEX finds anywhere', c('REGEX', 'email', 'acme'), { email: 'bob@acme.io' }, true],
  ['REGEX case', c('REGEX', 'email', '^BOB'), { email: 'bob@x' }, false],
  ['REGEX caseInsensitive', c('REGEX', 'email', '^BOB', { caseInsensitive: true }), { email: 'bob@x' }, true],
  ['REGEX bad pattern', c('REGEX', 'email', '('), { email: '(' }, false],
  ['IN_CIDR v4', c('IN_CIDR', 'remoteAddress', ['10.0.0.0/8']), { remoteAddress: '10.1.2.3' }, true],
  ['IN_CIDR v4 miss', c('IN_CIDR', 'remoteAddress', ['10.0.0.0/8']), { remoteAddress: '11.1.2.3' }, false],
  ['IN_CIDR exact address', c('IN_CIDR', 'remoteAddress', ['192.168.1.1']), { remoteAddress: '192.168.1.1' }, true],
  ['IN_CIDR v6', c('IN_CIDR', 'remoteAddress', ['2001:db8::/32']), { remoteAddress: '2001:db8::1' }, true],
  ['IN_CIDR family mismatch', c('IN_CIDR', 'remoteAddress', ['10.0.0.0/8']), { remoteAddress: '::1' }, false],
  ['IN_CIDR not an address', c('IN_CIDR', 'remoteAddress', ['10.0.0.0/8']), { remoteAddress: 'localhost' }, false],
  ['IN_CIDR bad range ignored', c('IN_CIDR', 'remoteAddress', ['nope', '10.0.0.0/8']), { remoteAddress: '10.0.0.1' }, true],
];

describe('constraint operators', () => {
  for (const [name, constraint, ctx, expected] of table) {
    test(name, () => assert.equal(compileConstraint(constraint)(ctx, NOW), expected));
  }
});

describe('compileConstraints', () => {
  test('all must hold', () => {
    const p = compileConstraints([c('IN', 'a', ['1']), c('IN', 'b', ['2']), c('IN', 'c', ['3'])]);
    assert.equal(p({ a: '1', b: '2', c: '3' }, NOW), true);
    assert.equal(p({ a: '1', b: '2', c: '4' }, NOW), false);
    assert.equal(compileConstraints([])({}, NOW), true);
  });

  test('contextValue prefers top-level fields', () => {
    assert.equal(contextValue({ a: 'x', properties: { a: 'y' } }, 'a'), 'x');
    assert.equal(contextValue({ properties: { a: 'y' } }, 'a'), 'y');
    assert.equal(contextValue({ a: null }, 'a'), undefined);
  });
});

describe('REGEX is RE2 (linear time)', () => {
  test('a catastrophic-backtracking pattern answers at once: (a+)+$ against 50 a and a !', () => {
    const p = compileConstraint(c('REGEX', 'email', '(a+)+$'));
    const started = performance.now();
    assert.equal(p({ email: 'a'.repeat(50) + '!' }, NOW), false);
    // A backtracking engine takes hours on this input; only a generous sanity bound here.
    assert.ok(performance.now() - started < 1_000);
    assert.equal(p({ email: 'a'.repeat(50) }, NOW), true);
  });

  test('patterns RE2 cannot compile are named as a problem; plain ones are not', () => {
    assert.match(regexProblem('(a)\\1') ?? '', /not an RE2 regular expression.*\\1/);
    assert.match(regexProblem('(?=x)y') ?? '', /not an RE2 regular expression/);
    assert.match(regexProblem('x'.repeat(5_000)) ?? '', /over 4096/);
    assert.equal(regexProblem('^[a-z]+@acme\\.io$'), undefined);
    // A pattern stored before the check never matches instead of throwing.
    assert.equal(compileConstraint(c('REGEX', 'email', '(a)\\1'))({ email: 'aa' }, NOW), false);
  });
});
