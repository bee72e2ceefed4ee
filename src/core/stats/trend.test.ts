import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mannKendall, theilSen } from './trend';

test('Mann–Kendall: S by brute force, the tie-corrected variance, one-sided p-values', () => {
  // 1,2,3,4,5: every pair rises, S = 10, Var = 5·4·15/18 = 16.667, z = 9/4.082 = 2.205.
  const up = mannKendall([1, 2, 3, 4, 5]);
  assert.equal(up.s, 10);
  assert.ok(Math.abs(up.varS - 250 / 15) < 1e-12);
  assert.ok(Math.abs(up.z - 9 / Math.sqrt(250 / 15)) < 1e-12);
  assert.ok(Math.abs(up.pUp - 0.013743) < 1e-5, String(up.pUp));
  assert.equal(up.tau, 1);
  // Ties: [1,1,2,2]: S = 4 (the 4 cross pairs rise, 2 pairs tie); Var = (4·3·13 − 2·(2·1·9))/18 = 120/18.
  const tied = mannKendall([1, 1, 2, 2]);
  assert.equal(tied.s, 4);
  assert.ok(Math.abs(tied.varS - 120 / 18) < 1e-12);
  // A flat series and a falling one.
  assert.equal(mannKendall([3, 3, 3, 3]).pUp, 1);
  const down = mannKendall([5, 4, 3, 2, 1]);
  assert.equal(down.s, -10);
  assert.ok(down.pDown < 0.02 && down.pUp > 0.98);
});

test('Theil–Sen: the median pairwise slope, unmoved by a gross outlier that moves least squares', () => {
  const x = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const y = x.map((v) => 2 * v + 1);
  y[9] = 500; // one outlier
  const t = theilSen(x, y);
  assert.equal(t.slope, 2);
  assert.equal(t.intercept, 1);
  assert.ok(t.lower <= 2 && t.upper >= 2);
  // Least squares would say ~ 16 here.
  const mx = 4.5;
  const my = y.reduce((a, b) => a + b, 0) / y.length;
  const ls = x.reduce((a, v, i) => a + (v - mx) * (y[i] - my), 0) / x.reduce((a, v) => a + (v - mx) ** 2, 0);
  assert.ok(ls > 10, String(ls));
  // Brute force on a small noisy series: the median of the 6 pairwise slopes.
  const bx = [0, 1, 2, 3];
  const by = [1, 4, 2, 6];
  const pairs = [3, 0.5, 5 / 3, -2, 1, 4].sort((a, b) => a - b);
  assert.equal(theilSen(bx, by).slope, (pairs[2] + pairs[3]) / 2);
});
