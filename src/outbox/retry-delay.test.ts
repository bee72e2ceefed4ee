import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryDelayMs } from './retry-delay';

const cases: [attempts: number, random: number, expected: number][] = [
  [1, 0, 500],
  [1, 0.999999, 1000],
  [2, 0, 1000],
  [3, 0.5, 3000],
  [10, 0, 30_000],
  [10, 0.999999, 60_000],
  [100, 0.5, 45_000],
];
for (const [n, r, want] of cases) {
  test(`attempt ${n}, random ${r}: ${want} ms`, () => assert.equal(retryDelayMs(n, 1_000, 60_000, r), want));
}
