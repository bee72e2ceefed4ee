import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCondition, ConditionSyntaxError } from './condition-expression';

const vars = ['result', 'baseline'];

test('conditions evaluate like Argo expressions', () => {
  const rows: [string, Record<string, number>, boolean][] = [
    ['result < 0.01', { result: 0.005, baseline: 0 }, true],
    ['result < 0.01', { result: 0.01, baseline: 0 }, false],
    ['result <= baseline * 1.2', { result: 12, baseline: 10 }, true],
    ['result <= baseline * 1.2', { result: 12.5, baseline: 10 }, false],
    ['result > 100 || isNaN(result)', { result: NaN, baseline: 0 }, true],
    ['!(result > 1) && result >= 0', { result: 0.5, baseline: 0 }, true],
    ['abs(result - baseline) / baseline < 0.1', { result: 105, baseline: 100 }, true],
    ['max(result, baseline) == 3', { result: 3, baseline: 2 }, true],
    ['result - -1 == 2', { result: 1, baseline: 0 }, true],
    ['1e-3 < result', { result: 0.002, baseline: 0 }, true],
    ['result != result', { result: NaN, baseline: 0 }, true],
    ['result < 0.01', { result: NaN, baseline: 0 }, false],
  ];
  for (const [src, v, want] of rows) assert.equal(compileCondition(src, vars)(v), want, src);
});

test('syntax errors name the column', () => {
  const rows: [string, RegExp][] = [
    ['result <', /unexpected end/],
    ['result < 0.1)', /unexpected "\)" at column 13/],
    ['latency < 3', /unknown variable "latency"/],
    ['sqrt(result) < 1', /unknown function "sqrt"/],
    ['result # 1', /unexpected "#" at column 8/],
    ['(result < 1', /expected "\)"/],
  ];
  for (const [src, re] of rows) {
    assert.throws(
      () => compileCondition(src, vars),
      (e: unknown) => e instanceof ConditionSyntaxError && re.test(e.message),
      src,
    );
  }
});
