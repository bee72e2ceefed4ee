import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationMs, formatDurationMs, humanDurationMs, parseDurationMs, requireDurationMs, shorthandDurationMs } from './duration';
import { InputError } from './errors';

test('the one grammar: units, decimals, combinations, numbers as ms, bare strings as seconds', () => {
  const rows: [string | number, number][] = [
    ['250ms', 250],
    ['5s', 5_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['90d', 90 * 86_400_000],
    ['2w', 14 * 86_400_000],
    ['1.5h', 5_400_000],
    ['1h30m', 5_400_000],
    ['1m30s', 90_000],
    ['2d12h', 2.5 * 86_400_000],
    ['1s500ms', 1_500],
    [' 10s ', 10_000],
    ['5', 5_000],
    ['0', 0],
    ['0.25', 250],
    [3_000, 3_000],
    [0, 0],
  ];
  for (const [text, ms] of rows) assert.equal(parseDurationMs(text), ms, String(text));
  for (const bad of ['', ' ', '-5s', '5 s', '5x', 'h', '1h 30m', '3 days', '1y', '1M', 'ms', '1.h', -1, Number.NaN, Infinity, '5s5']) {
    assert.ok(Number.isNaN(parseDurationMs(bad as string | number)), `${String(bad)} is refused`);
  }
});

test('requireDurationMs names the field; the zod field says what it expects', () => {
  assert.throws(
    () => requireDurationMs('3 days', 'since'),
    (e) => e instanceof InputError && /^since: "3 days" is not a duration/.test(e.message),
  );
  assert.equal(durationMs.parse('2m'), 120_000);
  const r = durationMs.safeParse('soon');
  assert.equal(r.success, false);
  assert.match(JSON.stringify(r.error?.issues), /expected a duration such as/);
});

test('formatters: compact for people, in parts for people, exact shorthand for machines', () => {
  const compact: [number, string][] = [
    [850, '850ms'],
    [12_340, '12.3s'],
    [245_000, '4m05s'],
    [239_700, '4m00s'],
    [7_500_000, '2h05m'],
    [3 * 86_400_000 + 4 * 3_600_000, '3d04h'],
    [Infinity, '-'],
  ];
  for (const [ms, text] of compact) assert.equal(formatDurationMs(ms), text, String(ms));
  assert.equal(humanDurationMs(7_500_000), '2h 5m');
  assert.equal(humanDurationMs(Infinity), 'never');
  assert.equal(shorthandDurationMs(5_400_000), '90m');
  assert.equal(shorthandDurationMs(28 * 86_400_000), '4w');
  assert.equal(shorthandDurationMs(1_500), '1.5s');
  // What the machine form writes, the grammar reads back.
  for (const ms of [1_000, 90_000, 5_400_000, 86_400_000, 1_209_600_000]) assert.equal(parseDurationMs(shorthandDurationMs(ms)), ms);
});
