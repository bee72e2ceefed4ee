import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mean, median, nearestRankQuantile, quantile, quantileAt, quantileSorted, sorted } from './quantiles';

const close = (a: number, b: number, eps: number, what: string) => assert.ok(Math.abs(a - b) <= eps, `${what}: ${a} vs ${b}`);

// Expected values follow NumPy's `percentile` (method 'linear', the default): its documentation's
// example gives 3.5 for the median of [10, 7, 4, 3, 2, 1].
test('type 7 interpolates linearly, as NumPy does', () => {
  assert.equal(quantile([10, 7, 4, 3, 2, 1], 0.5), 3.5);
  assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantile([1, 2, 3, 4], 0.25), 1.75);
  assert.equal(quantile([1, 2, 3, 4], 0), 1);
  assert.equal(quantile([1, 2, 3, 4], 1), 4);
  assert.equal(quantile([7], 0.9), 7);
  assert.ok(Number.isNaN(quantile([], 0.5)));
});

test('type 7 quantiles as R computes them', () => {
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  close(quantileSorted(sorted(Array.from({ length: 10 }, (_, i) => i + 1)), 0.99), 9.91, 1e-12, 'quantile(1:10, .99)');
  assert.equal(quantileSorted([5], 0.99), 5);
  assert.ok(Number.isNaN(quantileSorted([], 0.5)));
});

test('quantileAt reads the same order statistics through an accessor', () => {
  const s = sorted([3.5, 1.25, 9, 4, 2.75, 8]);
  for (const p of [0, 0.1, 0.25, 0.5, 0.9, 0.99, 1])
    assert.equal(
      quantileAt(s.length, p, (k) => s[k]),
      quantileSorted(s, p),
      `p=${p}`,
    );
  assert.ok(Number.isNaN(quantileAt(0, 0.5, () => 1)));
});

test('median of odd and even samples', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

// Type 1: ⌈q·n⌉-th value. For 1..10: p50 is the 5th value, p99 the 10th, p0 the first.
test('nearest rank (type 1) is always one of the values', () => {
  const xs = [10, 2, 7, 1, 9, 4, 3, 6, 8, 5];
  assert.equal(nearestRankQuantile(xs, 0.5), 5);
  assert.equal(nearestRankQuantile(xs, 0.51), 6);
  assert.equal(nearestRankQuantile(xs, 0.99), 10);
  assert.equal(nearestRankQuantile(xs, 0), 1);
  assert.ok(Number.isNaN(nearestRankQuantile([], 0.5)));
});

test('mean', () => {
  assert.equal(mean([1, 2, 3, 4]), 2.5);
  assert.ok(Number.isNaN(mean([])));
});
