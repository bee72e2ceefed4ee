import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mannWhitneyShift, mannWhitneyU } from './mann-whitney';

interface Vector {
  name: string;
  x: number[];
  y: number[];
  u: number;
  pValue: number;
  confidenceLevel: number;
  shift?: { lower: number; upper: number; estimate: number };
}

const vectors = (JSON.parse(readFileSync(new URL('./fixtures/mann-whitney-vectors.json', import.meta.url), 'utf8')) as { cases: Vector[] }).cases;

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

describe('mann-whitney against SciPy vectors', () => {
  assert.ok(vectors.length >= 10);
  for (const v of vectors) {
    test(v.name, () => {
      const r = mannWhitneyU(v.x, v.y);
      close(r.u, v.u, 1e-12, 'U');
      close(r.pValue, v.pValue, 1e-6, 'p-value');
      if (v.shift) {
        const s = mannWhitneyShift(v.x, v.y, v.confidenceLevel);
        close(s.lower, v.shift.lower, 1e-6, 'lower');
        close(s.upper, v.shift.upper, 1e-6, 'upper');
        close(s.estimate, v.shift.estimate, 1e-6, 'estimate');
      }
    });
  }
});

test('all values tied: p = 1, shift interval refused', () => {
  assert.equal(mannWhitneyU([1, 1], [1, 1, 1]).pValue, 1);
  assert.throws(() => mannWhitneyShift([1, 1], [1, 1], 0.98), /tied/);
});

test('empty sample gives NaN', () => {
  assert.ok(Number.isNaN(mannWhitneyU([], [1]).u));
});
