import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  conditionalTable,
  emptyOddsRatioTest,
  failLogEValue,
  logProbability,
  oddsRatioInterval,
  rateRatioToOddsRatio,
  updateOddsRatioTest,
  type Table,
} from './odds-ratio-test';
import { proportionLowerBound, proportionUpperBound } from './proportion-bound';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

test('noncentral hypergeometric probabilities', () => {
  // nc = 2, nb = 3, e = 2: weights C(2,x)·C(3,2−x) = 3, 6, 1.
  const t = conditionalTable({ canaryEvents: 1, canaryTotal: 2, baselineEvents: 1, baselineTotal: 3 })!;
  const rows: [number, number][] = [
    [1, 6 / 10],
    [2, 12 / 19],
    [0.5, 3 / (3 + 3 + 0.25)],
  ];
  for (const [psi, p] of rows) close(Math.exp(logProbability(t, psi)), p);
  assert.equal(conditionalTable({ canaryEvents: 0, canaryTotal: 100, baselineEvents: 0, baselineTotal: 1000 }), null);
  // A large table agrees with direct summation.
  const big = conditionalTable({ canaryEvents: 7, canaryTotal: 100, baselineEvents: 12, baselineTotal: 1000 })!;
  let total = 0;
  for (let x = big.xMin; x < big.xMin + big.logWeights.length; x++) total += Math.exp(logProbability({ ...big, x }, 2.5));
  close(total, 1, 1e-9);
});

test('each interval factor has expectation ≤ 1 under the null (exact sums)', () => {
  const tables: Table[] = [
    { canaryEvents: 0, canaryTotal: 100, baselineEvents: 10, baselineTotal: 1000 },
    { canaryEvents: 0, canaryTotal: 50, baselineEvents: 3, baselineTotal: 500 },
    { canaryEvents: 0, canaryTotal: 100, baselineEvents: 550, baselineTotal: 1000 },
  ];
  for (const t of tables) {
    const c = conditionalTable(t)!;
    for (const truth of [1, 0.7]) {
      for (const alt of [1.5, 3, 10]) {
        let e = 0;
        for (let x = c.xMin; x < c.xMin + c.logWeights.length; x++) {
          const at = { ...c, x };
          e += Math.exp(logProbability(at, truth) + logProbability(at, alt) - logProbability(at, 1));
        }
        assert.ok(e <= 1 + 1e-9, `E = ${e} for truth ${truth}, alternative ${alt}`);
      }
    }
  }
});

test('state accumulates, zero-event intervals change nothing, interval covers the truth', () => {
  let s = emptyOddsRatioTest();
  const zero: Table = { canaryEvents: 0, canaryTotal: 100, baselineEvents: 0, baselineTotal: 1000 };
  s = updateOddsRatioTest(s, { raw: zero, fail: zero, pass: zero, failNull: 1, failMin: 1.5, passBoundary: 1.5 });
  assert.equal(failLogEValue(s), 0);
  assert.equal(s.totals.canaryTotal, 100);
  const bad: Table = { canaryEvents: 30, canaryTotal: 100, baselineEvents: 10, baselineTotal: 1000 };
  for (let i = 0; i < 3; i++) s = updateOddsRatioTest(s, { raw: bad, fail: bad, pass: bad, failNull: 1, failMin: 1.5, passBoundary: 1.5 });
  assert.ok(failLogEValue(s) > Math.log(1000));
  const ci = oddsRatioInterval(s, 0.05);
  const truth = 30 / 70 / (10 / 990);
  assert.ok(ci.lower < truth && truth < ci.upper, JSON.stringify(ci));
  assert.ok(ci.lower > 8);
});

test('rate ratio to odds ratio', () => {
  close(rateRatioToOddsRatio(1.5, 0.01), 0.015 / 0.985 / (0.01 / 0.99));
  assert.equal(rateRatioToOddsRatio(2, 0), 2);
  assert.ok(rateRatioToOddsRatio(3, 0.01) > 3);
});

test('anytime-valid proportion bounds', () => {
  const rows: [number, number][] = [
    [0, 1000],
    [10, 1000],
    [50, 100],
    [0, 10],
    [100, 100],
  ];
  for (const [x, n] of rows) {
    const lo = proportionLowerBound(x, n, 0.05);
    const hi = proportionUpperBound(x, n, 0.05);
    assert.ok(lo <= x / n && x / n <= hi, `${x}/${n}: [${lo}, ${hi}]`);
  }
  assert.equal(proportionLowerBound(0, 1000, 0.05), 0);
  assert.equal(proportionUpperBound(0, 0, 0.05), 1);
  assert.ok(proportionUpperBound(0, 10_000, 0.05) < proportionUpperBound(0, 1000, 0.05));
  assert.ok(proportionUpperBound(0, 10_000, 0.05) < 0.001);
  assert.ok(proportionLowerBound(10, 1000, 0.05) > 0.001);
});
