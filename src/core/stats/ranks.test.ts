import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averageRanks, tieGroupSizes } from './ranks';

// Expected ranks are the examples of SciPy's `scipy.stats.rankdata` documentation (method='average').
test('averageRanks gives ties their average rank, as SciPy rankdata does', () => {
  assert.deepEqual(averageRanks([0, 2, 3, 2]), [1, 2.5, 4, 2.5]);
  assert.deepEqual(averageRanks([10, 20, 20, 5]), [2, 3.5, 3.5, 1]);
  assert.deepEqual(averageRanks([]), []);
});

test('tieGroupSizes counts each run of equal values once', () => {
  assert.deepEqual(tieGroupSizes([3, 1, 3, 2, 3, 1]), [2, 1, 3]);
  assert.deepEqual(tieGroupSizes([5]), [1]);
  assert.deepEqual(tieGroupSizes([]), []);
});
