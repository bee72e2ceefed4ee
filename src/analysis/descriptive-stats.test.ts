import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanOf, percentile } from './descriptive-stats';

// Expected values follow NumPy's `percentile` (method 'linear', the default): its documentation's
// example gives 3.5 for the median of [10, 7, 4, 3, 2, 1].
test('percentile interpolates linearly, as NumPy does', () => {
  assert.equal(percentile([10, 7, 4, 3, 2, 1], 50), 3.5);
  assert.equal(percentile([1, 2, 3, 4], 50), 2.5);
  assert.equal(percentile([1, 2, 3, 4], 25), 1.75);
  assert.equal(percentile([1, 2, 3, 4], 0), 1);
  assert.equal(percentile([1, 2, 3, 4], 100), 4);
  assert.equal(percentile([7], 90), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});

test('meanOf', () => {
  assert.equal(meanOf([1, 2, 3, 4]), 2.5);
  assert.ok(Number.isNaN(meanOf([])));
});
